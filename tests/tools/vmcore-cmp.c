/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Test oracle for round trips and cross-reader checks.
 *   vmcore-cmp REFERENCE CANDIDATE   every page CANDIDATE holds equals REFERENCE's page, and
 *                                    every page REFERENCE holds is in CANDIDATE or excluded
 *                                    there (never a hole); prints the counts.
 *   vmcore-cmp --digest FILE         one line per page frame in RAM: "pfn crc32" when its data
 *                                    is in the file, "pfn excluded" when it was filtered out,
 *                                    for comparison with another reader's digest.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "vmcore.h"

static vmcore_t *open_or_die(const char *path)
{
	vmcore_t *v = vmcore_new();

	if (!v || vmcore_open(v, path) < 0) {
		fprintf(stderr, "%s: %s\n", path, v ? vmcore_strerror(v) : "out of memory");
		exit(2);
	}
	return v;
}

static int digest(const char *path)
{
	vmcore_t *v = open_or_die(path);
	uint32_t ps = vmcore_page_size(v);
	unsigned char *buf = malloc(ps);

	if (!buf)
		return 2;
	for (uint64_t pfn = 0; pfn < vmcore_max_pfn(v); pfn++) {
		int s = vmcore_pfn_state(v, pfn);
		if (s == VMCORE_PFN_HOLE)
			continue;
		if (s != VMCORE_PFN_DUMPED) {
			printf("%" PRIx64 " excluded\n", pfn);
			continue;
		}
		if (vmcore_read_pfn(v, pfn, buf) < 0) {
			fprintf(stderr, "%s: %s\n", path, vmcore_strerror(v));
			return 1;
		}
		printf("%" PRIx64 " %08lx\n", pfn, crc32(0, buf, ps));
	}
	free(buf);
	vmcore_free(v);
	return 0;
}

static int compare(const char *ref_path, const char *cand_path)
{
	vmcore_t *ref = open_or_die(ref_path), *cand = open_or_die(cand_path);
	uint32_t ps = vmcore_page_size(ref);
	uint64_t same = 0, excluded = 0, bad = 0, max = vmcore_max_pfn(ref);
	unsigned char *a = malloc(ps), *b = malloc(ps);

	if (!a || !b)
		return 2;
	if (vmcore_page_size(cand) != ps) {
		fprintf(stderr, "page sizes differ: %u vs %u\n", ps, vmcore_page_size(cand));
		return 1;
	}
	if (vmcore_max_pfn(cand) > max)
		max = vmcore_max_pfn(cand);
	for (uint64_t pfn = 0; pfn < max; pfn++) {
		int rs = vmcore_pfn_state(ref, pfn), cs = vmcore_pfn_state(cand, pfn);

		if (rs < 0 || cs < 0) {
			fprintf(stderr, "PFN 0x%" PRIx64 ": cannot get state\n", pfn);
			return 2;
		}
		if (cs == VMCORE_PFN_DUMPED) {
			if (rs != VMCORE_PFN_DUMPED) {
				if (bad++ < 10)
					fprintf(stderr, "PFN 0x%" PRIx64 ": in the candidate but not the "
						"reference (state %d)\n", pfn, rs);
				continue;
			}
			if (vmcore_read_pfn(ref, pfn, a) < 0 || vmcore_read_pfn(cand, pfn, b) < 0) {
				fprintf(stderr, "PFN 0x%" PRIx64 ": read failed: %s%s\n", pfn,
					vmcore_strerror(ref), vmcore_strerror(cand));
				bad++;
				continue;
			}
			if (memcmp(a, b, ps)) {
				if (bad++ < 10)
					fprintf(stderr, "PFN 0x%" PRIx64 ": contents differ\n", pfn);
				continue;
			}
			same++;
		} else if (rs == VMCORE_PFN_DUMPED) {
			if (cs == VMCORE_PFN_HOLE) {
				if (bad++ < 10)
					fprintf(stderr, "PFN 0x%" PRIx64 ": RAM in the reference, a hole "
						"in the candidate\n", pfn);
				continue;
			}
			excluded++;
		}
	}
	printf("identical %" PRIu64 " excluded %" PRIu64 " mismatched %" PRIu64 "\n", same,
	       excluded, bad);
	free(a);
	free(b);
	vmcore_free(ref);
	vmcore_free(cand);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "--digest"))
		return digest(argv[2]);
	if (argc == 3)
		return compare(argv[1], argv[2]);
	fprintf(stderr, "Usage: vmcore-cmp REFERENCE CANDIDATE | --digest FILE\n");
	return 2;
}
