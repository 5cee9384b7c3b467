/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The estimator against real Debian kernels (the ones tests/realvm caches under
 * ~/.cache/kdump-suite/kernels; exit 77 when there are none) and against the smallest
 * crashkernel= at which they were measured to capture a dump (docs/crashkernel.md):
 * the recommendation must be above that minimum, and not by more than 32 MiB.
 *
 * The capture setup measured: 1 GiB guest, tests/realvm's busybox initramfs (2.4 MiB
 * compressed, 5.4 MiB of files in 316 entries), dd as the collector.
 * KDUMP_TEST_INITRD=path measures an initramfs instead of using those numbers.
 */
#include <errno.h>
#include <glob.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-estimate.h"
#include "tests.h"

#define M (1ULL << 20)

static const struct {
	const char *release_prefix;
	uint64_t fails, boots; /* largest failing and smallest working crashkernel= */
} measured[] = {
	{ "6.1.", 84 * M, 88 * M },
	{ "6.12.", 72 * M, 76 * M },
};

int main(void)
{
	char pattern[512];
	const char *home = getenv("HOME"), *initrd = getenv("KDUMP_TEST_INITRD");
	KdumpInitramfs ir = { .file_size = 2543090, .unpacked_size = 5508 * 1024 + 316 * 1024 };
	glob_t g;
	int failed = 0, checked = 0;

	snprintf(pattern, sizeof(pattern), "%s/.cache/kdump-suite/kernels/*/boot/vmlinuz-*",
		 home ? home : "/root");
	if (glob(pattern, 0, NULL, &g) != 0) {
		fprintf(stderr, "no cached kernels (%s): skipped\n", pattern);
		return EXIT_TEST_SKIP;
	}
	if (initrd) {
		KdumpError e = { 0 };
		if (kdump_initramfs_measure(initrd, &ir, &e) < 0) {
			fprintf(stderr, "%s\n", e.message);
			return 1;
		}
		fprintf(stderr, "%s: %s, %llu bytes, %llu entries, unpacked %.2f MiB\n", initrd,
			ir.compression, (unsigned long long)ir.file_size,
			(unsigned long long)ir.entries, (double)ir.unpacked_size / M);
	}
	for (size_t i = 0; i < g.gl_pathc; i++) {
		const char *path = g.gl_pathv[i], *release = strrchr(path, '/') + strlen("/vmlinuz-");
		KdumpKernelImage k;
		KdumpEstimateInput in = { .initrd_file_size = ir.file_size,
					  .initrd_unpacked_size = ir.unpacked_size,
					  .initrd_has_systemd = ir.has_systemd,
					  .system_ram = 1ULL << 30, .collector_bytes = 2 * M };
		KdumpEstimate est;
		KdumpError e = { 0 };

		if (kdump_kernel_image_read(path, &k, &e) < 0) {
			fprintf(stderr, "FAIL %s\n", e.message);
			failed++;
			continue;
		}
		fprintf(stderr, "%s: %s %s, init_size %.2f MiB, resident %.2f MiB, \"%.40s\"\n", path,
			k.format, k.compression, (double)k.load_size / M, (double)k.resident_size / M,
			k.version);
		if (k.load_size < 16 * M || k.resident_size == 0 || k.resident_size > k.load_size ||
		    strncmp(k.version, release, strlen(release)) != 0) {
			fprintf(stderr, "FAIL unexpected header values\n");
			failed++;
			continue;
		}
		in.kernel_load_size = k.load_size;
		in.kernel_resident_size = k.resident_size;
		if (kdump_estimate(&in, &est, &e) < 0) {
			fprintf(stderr, "FAIL %s\n", e.message);
			failed++;
			continue;
		}
		for (size_t p = 0; p < est.n_parts; p++)
			fprintf(stderr, "  %-18s %8.2f MiB  %s\n", est.parts[p].name,
				(double)est.parts[p].bytes / M,
				kdump_part_source_to_string(est.parts[p].source));
		fprintf(stderr, "  need %.2f MiB (%s), recommended crashkernel=%s\n",
			(double)est.need_bytes / M, est.phase, est.crashkernel);
		for (size_t m = 0; m < ELEMENTSOF(measured) && !initrd; m++) {
			if (strncmp(release, measured[m].release_prefix,
				    strlen(measured[m].release_prefix)) != 0)
				continue;
			checked++;
			fprintf(stderr, "  measured: fails at %lluM, boots at %lluM; estimate is %+lld "
				"MiB over the working size\n",
				(unsigned long long)(measured[m].fails / M),
				(unsigned long long)(measured[m].boots / M),
				(long long)(est.total_bytes / M) - (long long)(measured[m].boots / M));
			if (est.need_bytes <= measured[m].fails ||
			    est.total_bytes < measured[m].boots ||
			    est.total_bytes > measured[m].boots + 32 * M) {
				fprintf(stderr, "FAIL the model does not match the measurement\n");
				failed++;
			}
		}
	}
	globfree(&g);
	if (!failed && !checked && !initrd)
		fprintf(stderr, "no kernel with a measurement: only the headers were checked\n");
	return failed ? 1 : 0;
}
