/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The order the kdump writer asks for pages in (the producer side of the copy, run by the
 * reader thread). Phase 0: the pages readers cannot open a dump without, first the page
 * tables, then the kernel image (the self-check's ranges), each with its rank in bitmap 2,
 * i.e. the place of its descriptor in the table. Phase 1: every other page of bitmap 2, in
 * PFN order. A chunk's pages lie within CHUNK_SPAN page frames, so its mmap window stays small.
 */
#include <errno.h>
#include <stdlib.h>

#include "macro.h"
#include "writer.h"

/* Whether pfn is among the page tables (ascending calls). */
static int in_tables(struct kdump_writer *w, uint64_t pfn)
{
	const struct protect *p = w->prot;

	while (w->early_tcur < p->n_tables && p->tables[w->early_tcur].end <= pfn)
		w->early_tcur++;
	return w->early_tcur < p->n_tables && pfn >= p->tables[w->early_tcur].start;
}

/*
 * Phase 0: the next of the pages readers cannot open a dump without, in the dump: first the
 * page tables, then the rest of the kernel image (the self-check's ranges).
 */
static int next_early(struct kdump_writer *w, uint64_t *ret)
{
	const struct protect *p = w->prot;
	int r;

	if (!p || w->n_early >= EARLY_MAX)
		return -ENOENT;
	for (; w->early_src < 2; w->early_src++, w->early_range = 0, w->early_pfn = 0) {
		const struct protect_range *list = w->early_src ? p->r : p->tables;
		size_t n = w->early_src ? p->n : p->n_tables;

		for (; w->early_range < n; w->early_range++) {
			const struct protect_range *x = &list[w->early_range];

			if (w->early_src && x->why != PROTECT_KERNEL)
				continue;
			for (w->early_pfn = MAX(w->early_pfn, x->start); w->early_pfn < x->end;
			     w->early_pfn++) {
				if (w->early_src && in_tables(w, w->early_pfn))
					continue;
				r = bm_store_test(w->bm, w->early_pfn);
				if (r < 0)
					return r;
				if (r) {
					*ret = w->early_pfn++;
					return 0;
				}
			}
		}
	}
	return -ENOENT;
}

static int cmp_pfn(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int add_item(struct kdump_writer *w, struct chunk *c, uint64_t pfn)
{
	c->pfn[c->n] = pfn;
	c->part_off[c->n] = 0;
	c->part_len[c->n] = (uint32_t)w->ps;
	c->optional[c->n] = 0;
	c->n++;
	return 0;
}

int kdump_writer_produce(void *userdata, struct chunk *c)
{
	struct kdump_writer *w = userdata;
	uint64_t pfn, k;
	int r;

	c->n = 0;
	c->tag = w->phase;
	while (w->phase == 0 && c->n < CHUNK_PAGES) {
		r = next_early(w, &pfn);
		if (r == -ENOENT) {
			/* phase 1 skips them: in PFN order (the consumer sorts its own copy) */
			w->phase = 1;
			if (w->n_early)
				qsort(w->early_pfns, w->n_early, sizeof(*w->early_pfns), cmp_pfn);
			break;
		}
		if (r < 0)
			return r;
		if (c->n && pfn - c->pfn[0] >= CHUNK_SPAN) {
			w->early_pfn = pfn; /* again in the next chunk */
			break;
		}
		if (!w->early) {
			/* fixed: the writer thread fills in what the reader puts here */
			w->early = calloc(EARLY_MAX, sizeof(*w->early));
			w->early_pfns = calloc(EARLY_MAX, sizeof(*w->early_pfns));
			if (!w->early || !w->early_pfns)
				return -ENOMEM;
		}
		/* its rank: the set bits below it (two ascending runs: tables, then the image) */
		if (pfn < w->rank_pfn)
			w->rank_pfn = w->rank_val = 0;
		r = bm_store_count(w->bm, w->rank_pfn, pfn, &k);
		if (r < 0)
			return r;
		w->rank_val += k;
		w->rank_pfn = pfn;
		w->early[w->n_early].pfn = pfn;
		w->early[w->n_early].rank = w->rank_val;
		w->early_pfns[w->n_early++] = pfn;
		add_item(w, c, pfn);
	}
	if (c->n)
		return 0;
	c->tag = 1;
	while (c->n < CHUNK_PAGES) {
		r = bm_store_next(w->bm, w->next_pfn, &pfn);
		if (r == -ENOENT)
			break;
		if (r < 0)
			return r;
		w->next_pfn = pfn + 1;
		/* written in phase 0 already */
		while (w->early_skip < w->n_early && w->early_pfns[w->early_skip] < pfn)
			w->early_skip++;
		if (w->early_skip < w->n_early && w->early_pfns[w->early_skip] == pfn)
			continue;
		if (c->n && pfn - c->pfn[0] >= CHUNK_SPAN) {
			w->next_pfn = pfn;
			break;
		}
		add_item(w, c, pfn);
	}
	return 0;
}
