/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bmstore.h"
#include "io-util.h"
#include "macro.h"
#include "scan.h"

static void set_bit(uint8_t *bm, uint64_t i)
{
	bm[i >> 3] |= (uint8_t)(1u << (i & 7));
}

/* Classes of [first, first + n), ascending calls only. */
static int classify(struct scan *s, uint64_t first, size_t n, uint8_t *classes)
{
	if (s->cl)
		return vmcore_classify(s->cl, first, n, classes);
	for (size_t i = 0; i < n; i++)
		classes[i] = vmcore_pfn_state(s->v, first + i) == VMCORE_PFN_HOLE ?
				     VMCORE_CLASS_HOLE : VMCORE_CLASS_KERNEL;
	return 0;
}

/* Pages read ahead for the zero check of ELF output: runs of READ_AHEAD at once. */
#define READ_AHEAD 64u

struct ahead {
	uint64_t first, n;
	uint8_t *buf;
};

/* The page's data, or NULL when it cannot be read. */
static const uint8_t *page_at(struct scan *s, struct ahead *a, uint64_t pfn)
{
	uint64_t ps = vmcore_page_size(s->v), off, count;

	if (pfn >= a->first && pfn - a->first < a->n)
		return a->buf + (pfn - a->first) * ps;
	a->first = pfn;
	a->n = 0;
	if (s->fd >= 0 && vmcore_pfn_extent(s->v, pfn, READ_AHEAD, &off, &count) == 0 &&
	    pread_exact(s->fd, a->buf, (size_t)(count * ps), off) == 0) {
		a->n = count;
		return a->buf;
	}
	if (vmcore_read_pfn(s->v, pfn, a->buf) < 0)
		return NULL;
	a->n = 1;
	return a->buf;
}

/* Decides page frame pfn of class c: 1 to dump it, 0 not; counts in st. */
static int decide(struct scan *s, uint64_t pfn, uint8_t c, struct ahead *a, struct mdl_stats *st)
{
	const uint8_t *data;
	int keep = !vmcore_class_excluded(c, s->level), why;

	if (!keep && s->prot && (why = protect_lookup(s->prot, pfn)) >= 0) {
		keep = 1;
		st->protected_kept++;
		if (why == PROTECT_KERNEL)
			st->protected_kernel++;
		else if (why == PROTECT_TABLES)
			st->protected_tables++;
		else
			st->protected_memmap++;
	}
	if (keep && vmcore_pfn_state(s->v, pfn) == VMCORE_PFN_EXCLUDED) {
		/* the input itself left it out: nothing to copy */
		st->class_pages[c]++;
		st->not_in_input++;
		return 0;
	}
	/* A page the input lost (cut short) stays in: reading it fails, and it is lost here too. */
	if (keep && s->zero_in_scan && (data = page_at(s, a, pfn)) &&
	    vmcore_page_is_zero(data, vmcore_page_size(s->v))) {
		c = VMCORE_CLASS_ZERO;
		keep = 0;
	}
	st->class_pages[c]++;
	if (!keep)
		st->excluded[c]++;
	return keep;
}

int scan_run(struct scan *s, struct mdl_stats *st, uint64_t *ret_n_dump)
{
	uint64_t max_pfn = vmcore_max_pfn(s->v), n_dump = 0;
	uint64_t n_blocks = DIV_ROUND_UP(max_pfn, BM_BLOCK_PFNS);
	uint64_t ps = vmcore_page_size(s->v);
	uint8_t *b1 = malloc(BM_BLOCK_BYTES), *b2 = malloc(BM_BLOCK_BYTES);
	uint8_t *classes = malloc(BM_BLOCK_PFNS);
	struct ahead ahead = { .buf = malloc(READ_AHEAD * ps) };
	size_t range = 0, n_ranges = vmcore_phys_range_count(s->v);
	int r = 0;

	if (!b1 || !b2 || !classes || !ahead.buf) {
		r = -ENOMEM;
		goto out;
	}
	st->max_pfn = max_pfn;
	for (uint64_t b = 0; b < n_blocks && r == 0; b++) {
		uint64_t lo = b * BM_BLOCK_PFNS, hi = MIN(lo + BM_BLOCK_PFNS, max_pfn);

		memset(b1, 0, BM_BLOCK_BYTES);
		memset(b2, 0, BM_BLOCK_BYTES);
		/* Only the memory ranges are looked at; the rest is hole. */
		for (; range < n_ranges && r == 0; range++) {
			uint64_t start, end, first, last;

			if (vmcore_phys_range(s->v, range, &start, &end) < 0)
				continue;
			first = MAX(start / ps, lo);
			last = MIN(DIV_ROUND_UP(end, ps), hi);
			if (first >= hi)
				break;
			if (first < last) {
				r = classify(s, first, (size_t)(last - first), classes);
				for (uint64_t pfn = first; r == 0 && pfn < last; pfn++) {
					uint8_t c = classes[pfn - first];
					if (c == VMCORE_CLASS_HOLE)
						continue;
					st->ram_pages++;
					set_bit(b1, pfn - lo);
					if (decide(s, pfn, c, &ahead, st)) {
						set_bit(b2, pfn - lo);
						n_dump++;
					}
				}
			}
			if (DIV_ROUND_UP(end, ps) > hi)
				break; /* the range goes on in the next block */
		}
		if (r == 0)
			r = s->put(s->userdata, b, b1, b2);
		if (s->progress)
			s->progress(s->progress_userdata, hi, max_pfn, 0);
	}
	if (r == 0 && s->progress)
		s->progress(s->progress_userdata, max_pfn, max_pfn, 1);
	*ret_n_dump = n_dump;
out:
	free(b1);
	free(b2);
	free(classes);
	free(ahead.buf);
	return r;
}
