/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc/iomem (kexec/lib/iomem.c): the input is the file's text, as read (NUL bytes and all).
 * The parsed result then goes through the crash-region lookups: kexec_iomem_crash_size(),
 * kexec_status_region() (the size kdumpctl and kexec take when kexec_crash_size is unknown)
 * and kexec_fit_compute(). Besides the sanitizers, checks what kexec-iomem.h promises:
 *   - on error: -EBADMSG, *ret untouched, the line reported is one of the text's lines;
 *   - on success: at most KEXEC_IOMEM_MAX_CRASH crash ranges, each ending at or after its
 *     start; hidden addresses only when every crash range reads 0-0;
 *   - the largest crash range is one of them, and 0 only when there is none to measure;
 *   - the text cut after any of its lines parses too, and holds no more System RAM and no
 *     more crash ranges (the same first ones) than the whole text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "kexec-iomem.h"
#include "kexec-load.h"

static unsigned count_lines(const char *text, size_t len)
{
	unsigned n = 0;

	for (size_t i = 0; i < len; i++)
		n += text[i] == '\n';
	return n + (len && text[len - 1] != '\n');
}

static void check_lookups(const KexecIomem *m)
{
	KexecStatus s = { .crash_size = -1, .have_iomem = 1, .iomem = *m };
	uint64_t crash = kexec_iomem_crash_size(m), largest = 0;
	KexecImage img = { .mem_size = 64ULL << 20 };
	KexecFit fit;
	int64_t region;

	for (size_t i = 0; i < m->n_crash; i++) {
		uint64_t size = m->crash[i].end - m->crash[i].start + 1;

		if (size > largest)
			largest = size;
	}
	if (m->addresses_hidden || m->n_crash == 0)
		FUZZ_CHECK(crash == 0);
	else
		FUZZ_CHECK(crash == largest && crash > 0);

	region = kexec_status_region(&s);
	FUZZ_CHECK(region >= -1);
	FUZZ_CHECK(m->n_crash > 0 || region == 0);
	FUZZ_CHECK(region <= 0 || (uint64_t)region == crash);
	kexec_fit_compute(&img, 16ULL << 20, region, &fit);
	FUZZ_CHECK(fit.region == region && (fit.fits == -1) == (region < 0));
	/* kexec_crash_size, when the kernel says it, wins over /proc/iomem */
	s.crash_size = 256LL << 20;
	FUZZ_CHECK(kexec_status_region(&s) == s.crash_size);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	KexecIomem m, untouched, prefix;
	unsigned line = 0, lines = count_lines(text, size);
	const char *last_nl;
	int r;

	memset(&m, 0xa5, sizeof(m));
	memcpy(&untouched, &m, sizeof(m));
	r = kexec_iomem_parse(text, size, &m, &line);
	if (r < 0) {
		FUZZ_CHECK(r == -EBADMSG);
		FUZZ_CHECK(memcmp(&m, &untouched, sizeof(m)) == 0);
		FUZZ_CHECK(line >= 1 && line <= lines);
		FUZZ_CHECK(kexec_iomem_parse(text, size, &m, NULL) == r);
		return 0;
	}
	FUZZ_CHECK(r == 0 && line == 0);
	FUZZ_CHECK(m.n_crash <= KEXEC_IOMEM_MAX_CRASH);
	FUZZ_CHECK(m.addresses_hidden == 0 || m.addresses_hidden == 1);
	for (size_t i = 0; i < m.n_crash; i++) {
		FUZZ_CHECK(m.crash[i].end >= m.crash[i].start);
		FUZZ_CHECK(!m.addresses_hidden || (m.crash[i].start == 0 && m.crash[i].end == 0));
	}
	check_lookups(&m);

	/* The text without its last line (or without its final newline). */
	last_nl = size ? memrchr(text, '\n', size - 1) : NULL;
	if (last_nl) {
		r = kexec_iomem_parse(text, (size_t)(last_nl - text), &prefix, NULL);
		FUZZ_CHECK(r == 0);
		FUZZ_CHECK(prefix.system_ram <= m.system_ram);
		FUZZ_CHECK(prefix.n_crash <= m.n_crash);
		FUZZ_CHECK(memcmp(prefix.crash, m.crash, prefix.n_crash * sizeof(KexecRange)) == 0);
	}
	return 0;
}
