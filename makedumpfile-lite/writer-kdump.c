/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed output (header version 6), laid out as makedumpfile does:
 *
 *   block 0               disk_header
 *   block 1 ..            sub-header, then a copy of the ELF notes (offset_vmcoreinfo points
 *                         at the VMCOREINFO text inside that copy)
 *   bitmap1_off           bitmap 1: RAM           } each padded to a block
 *   bitmap2_off           bitmap 2: in the dump   }
 *   desc_off              page_desc[n_dump], dense, in PFN order (reserved before any data)
 *   data_off              the shared zero page (-d 1), then the pages' data
 *
 * The data comes in two phases (the order is writer-kdump-order.c's): phase 0, the pages a
 * reader cannot open the dump without (the page tables, then the kernel image: the
 * self-check's ranges, "early" pages); phase 1, all the others in PFN order. Early descriptors
 * are written at their places in the table as each buffer of early data is flushed; in phase
 * 1 the table is written front to back, the early descriptors put back in line (a stream goes
 * around them: it never sends a byte twice). A copy of a page written before (dedup.c) takes
 * its descriptor.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "writer-common.h"

/* Descriptors are written in batches of this many bytes. */
#define DESC_BUF (64u << 10)
/* Records of a flattened stream are at most this large. */
#define FLAT_DATA_BUF (256u << 10)

int kdump_writer_init(struct kdump_writer *w, vmcore_t *v, const struct mdl_options *o,
		      struct sink *sink)
{
	const void *notes = NULL;
	size_t notes_size = 0;

	*w = (struct kdump_writer){ .v = v, .o = o, .sink = sink, .ps = vmcore_page_size(v),
				    .max_pfn = vmcore_max_pfn(v) };
	(void)vmcore_notes(v, &notes, &notes_size);
	w->sub_hdr_blocks = DIV_ROUND_UP(sizeof(struct disk_sub_header) + notes_size, w->ps);
	w->bitmap_bytes = ALIGN_UP(DIV_ROUND_UP(w->max_pfn, 8), (uint64_t)w->ps);
	if (2 * w->bitmap_bytes / w->ps > UINT32_MAX)
		return -EFBIG;
	w->bitmap1_off = (1 + w->sub_hdr_blocks) * w->ps;
	w->bitmap2_off = w->bitmap1_off + w->bitmap_bytes;
	w->desc_off = w->bitmap2_off + w->bitmap_bytes;
	return 0;
}

void kdump_writer_done(struct kdump_writer *w)
{
	outbuf_done(&w->data);
	outbuf_done(&w->desc);
	free(w->early);
	free(w->early_pfns);
	w->early = NULL;
	w->early_pfns = NULL;
}

static void fill_header(struct kdump_writer *w)
{
	struct disk_header *h = &w->hdr;
	int64_t t = 0;

	memset(h, 0, sizeof(*h));
	memcpy(h->signature, DISK_SIGNATURE, 8);
	h->header_version = DISK_HEADER_VERSION;
	read_utsname(w->v, h->utsname);
	if (vmcore_crash_time(w->v, &t) == 0)
		h->tv_sec = t;
	h->status = w->o->compression;
	h->block_size = (int32_t)w->ps;
	h->sub_hdr_size = (int32_t)w->sub_hdr_blocks;
	h->bitmap_blocks = (uint32_t)(2 * w->bitmap_bytes / w->ps);
	h->max_mapnr = (uint32_t)MIN(w->max_pfn, (uint64_t)UINT32_MAX);
	h->nr_cpus = (int32_t)vmcore_nr_cpus(w->v);
}

int kdump_writer_headers(struct kdump_writer *w)
{
	const void *notes = NULL;
	size_t notes_size = 0, vi_off, vi_size, len = (1 + w->sub_hdr_blocks) * w->ps;
	struct disk_sub_header sub = {};
	int64_t phys_base = 0;
	uint8_t *buf;
	int r;

	(void)vmcore_notes(w->v, &notes, &notes_size);
	fill_header(w);
	if (vmcore_vmcoreinfo_get_s64(w->v, "NUMBER(phys_base)", &phys_base) == 0)
		sub.phys_base = (uint64_t)phys_base;
	sub.dump_level = w->o->dump_level;
	sub.max_mapnr_64 = w->max_pfn;
	if (notes_size) {
		sub.offset_note = w->ps + sizeof(sub);
		sub.size_note = notes_size;
		/* crash reads VMCOREINFO from here, libkdumpfile from the note: the same bytes */
		if (notes_find(notes, notes_size, "VMCOREINFO", &vi_off, &vi_size) == 0) {
			sub.offset_vmcoreinfo = sub.offset_note + vi_off;
			sub.size_vmcoreinfo = vi_size;
		}
	}

	buf = calloc(1, len);
	if (!buf)
		return -ENOMEM;
	memcpy(buf, &w->hdr, sizeof(w->hdr));
	/*
	 * A file says "incomplete" until kdump_writer_finish() has written every page: a
	 * collector killed part way (SIGKILL, a crash, the machine reset) leaves a dump marked
	 * as cut, never one that claims to be whole. A stream's header cannot be changed later.
	 */
	if (w->sink->kind == SINK_FILE) {
		uint32_t status = w->hdr.status | DISK_STATUS_INCOMPLETE;
		memcpy(buf + offsetof(struct disk_header, status), &status, sizeof(status));
	}
	memcpy(buf + w->ps, &sub, sizeof(sub));
	if (notes_size)
		memcpy(buf + w->ps + sizeof(sub), notes, notes_size);
	r = sink_write(w->sink, buf, len, 0);
	free(buf);
	if (r == 0 && w->sink->kind == SINK_FILE)
		w->marked_at_start = 1;
	return r;
}

int kdump_writer_bitmaps(struct kdump_writer *w, uint64_t index, const uint8_t *b1,
			 const uint8_t *b2)
{
	static const uint8_t zeros[BM_BLOCK_BYTES];
	uint64_t off = index * BM_BLOCK_BYTES, n;
	int r;

	if (off >= w->bitmap_bytes)
		return 0;
	n = MIN((uint64_t)BM_BLOCK_BYTES, w->bitmap_bytes - off);
	r = sink_write(w->sink, b1, (size_t)n, w->bitmap1_off + off);
	if (r == 0)
		r = sink_write(w->sink, b2, (size_t)n, w->bitmap2_off + off);
	/* A page size above 32 KiB pads each bitmap beyond the last block of the scan. */
	for (uint64_t pad = off + n; r == 0 && index + 1 == DIV_ROUND_UP(w->max_pfn, BM_BLOCK_PFNS) &&
	     pad < w->bitmap_bytes; pad += n) {
		n = MIN((uint64_t)BM_BLOCK_BYTES, w->bitmap_bytes - pad);
		r = sink_write(w->sink, zeros, (size_t)n, w->bitmap1_off + pad);
		if (r == 0)
			r = sink_write(w->sink, zeros, (size_t)n, w->bitmap2_off + pad);
	}
	return r;
}

int kdump_writer_start_pages(struct kdump_writer *w, struct bm_store *bm, uint64_t n_dump,
			     const struct protect *prot)
{
	uint64_t table = n_dump * sizeof(struct disk_page_desc);
	size_t data_cap = MAX(w->ps << w->o->block_order, w->ps);
	int zero = w->o->dump_level & VMCORE_DL_ZERO, r;

	/* A stream cut short keeps whole records only: smaller ones lose less. */
	if (w->sink->kind == SINK_FLAT)
		data_cap = MIN(data_cap, MAX((size_t)FLAT_DATA_BUF, w->ps));

	w->bm = bm;
	w->prot = prot;
	w->n.to_write = n_dump;
	w->data_off = w->desc_off + table;
	/* Descriptors never written must read as zeros (lost), and must have room. */
	r = sink_reserve(w->sink, w->desc_off, table + (zero ? w->ps : 0));
	if (r < 0)
		return r;
	r = outbuf_init(&w->data, data_cap, w->data_off);
	if (r == 0)
		r = outbuf_init(&w->desc, DESC_BUF, w->desc_off);
	if (r < 0)
		return r;
	w->desc.reserved = 1;
	if (zero) {
		w->zero_pd = (struct disk_page_desc){ .offset = w->data_off, .size = (uint32_t)w->ps };
		memset(w->data.buf, 0, w->ps);
		w->data.len = w->ps;
	}
	return 0;
}

static int cmp_early(const void *a, const void *b)
{
	uint64_t x = ((const struct early_page *)a)->pfn, y = ((const struct early_page *)b)->pfn;

	return x < y ? -1 : x > y;
}

/*
 * Writes the descriptors of early pages [from, to) at their places in the table (their ranks
 * were worked out by the producer), those whose data did not make it below `good` as zeros
 * (lost). During a failure the writes go around the sink's sticky error (the table is
 * reserved: no space needed).
 */
static int write_early(struct kdump_writer *w, size_t from, size_t to, uint64_t good,
		       int failing)
{
	struct disk_page_desc run[64];
	uint64_t run_start = 0;
	size_t n = 0;
	int r;

	for (size_t i = from; i <= to; i++) {
		struct early_page *e = i < to ? &w->early[i] : NULL;

		if (e && e->pd.offset && e->pd.offset + e->pd.size > good)
			memset(&e->pd, 0, sizeof(e->pd));
		/* runs of consecutive table entries go out in one write */
		if (n && (!e || e->rank != run_start + n || n == ELEMENTSOF(run))) {
			uint64_t off = w->desc_off + run_start * sizeof(run[0]);
			r = failing ? sink_patch(w->sink, run, n * sizeof(run[0]), off) :
				      sink_write_reserved(w->sink, run, n * sizeof(run[0]), off);
			if (r < 0)
				return r;
			for (size_t k = 0; k < n; k++)
				w->n.saved += run[k].offset != 0;
			n = 0;
		}
		if (e) {
			if (n == 0)
				run_start = e->rank;
			run[n++] = e->pd;
		}
	}
	return 0;
}

/* After a data flush in phase 0: the descriptors of the early pages it holds. */
static int early_flushed(struct kdump_writer *w, uint64_t good, int failing)
{
	size_t to = (size_t)MIN(w->consumed, (uint64_t)w->n_early_seen);
	int r;

	if (w->early_written >= to)
		return 0;
	r = write_early(w, w->early_written, to, good, failing);
	w->early_written = to;
	return r;
}

/*
 * The early pages are all in: their data out, their last descriptors, and the consumer's
 * list in PFN order, for putting their descriptors in line in phase 1.
 */
static int close_early(struct kdump_writer *w)
{
	int r;

	w->early_closed = 1;
	if (!w->n_early_seen)
		return 0;
	r = outbuf_flush(&w->data, w->sink);
	if (r < 0) {
		w->failed = 1;
		if (w->sink->kind == SINK_FILE)
			(void)early_flushed(w, w->data.off + w->sink->partial, 1);
		return r;
	}
	r = early_flushed(w, UINT64_MAX, 0);
	if (r < 0)
		w->failed = 1;
	qsort(w->early, w->n_early_seen, sizeof(*w->early), cmp_early);
	return r;
}

/*
 * The data of a failed flush got written up to `good` (a full disk cuts a write short): the
 * buffered descriptors of the pages wholly below it are still written, over the reserved
 * table (no space needed), the others stay zero, "lost".
 */
static void salvage(struct kdump_writer *w, uint64_t good)
{
	struct disk_page_desc *pd = (struct disk_page_desc *)w->desc.buf;
	size_t n = w->desc.len / sizeof(*pd);
	uint64_t saved = 0;

	if (w->sink->kind != SINK_FILE)
		return;
	for (size_t i = 0; i < n; i++) {
		if (pd[i].offset && pd[i].offset + pd[i].size > good)
			memset(&pd[i], 0, sizeof(pd[i]));
		saved += pd[i].offset != 0;
	}
	/* the early pages among them were counted when their descriptors were first written */
	if (sink_patch(w->sink, w->desc.buf, w->desc.len, w->desc.off) == 0)
		w->n.saved += saved - MIN(saved, w->early_in_buf);
}

/* Data first, then the descriptors that point into it: a cut never leaves one dangling. */
static int flush(struct kdump_writer *w)
{
	uint64_t descs = w->desc.len / sizeof(struct disk_page_desc);
	int r;

	r = outbuf_flush(&w->data, w->sink);
	if (r < 0) {
		uint64_t good = w->data.off + w->sink->partial;
		if (!w->early_closed) {
			w->early_closed = 1;
			if (w->sink->kind == SINK_FILE)
				(void)early_flushed(w, good, 1);
		} else
			salvage(w, good);
		w->failed = 1;
		return r;
	}
	if (!w->early_closed) {
		r = early_flushed(w, UINT64_MAX, 0);
		if (r < 0) {
			w->failed = 1;
			return r;
		}
	}
	r = outbuf_flush(&w->desc, w->sink);
	if (r < 0) {
		w->failed = 1;
		return r;
	}
	w->n.saved += descs - w->unsaved_descs;
	w->unsaved_descs = 0;
	w->early_in_buf = 0;
	return 0;
}

static int add_desc(struct kdump_writer *w, const struct disk_page_desc *pd)
{
	int r;

	if (outbuf_room(&w->desc) < sizeof(*pd)) {
		r = flush(w);
		if (r < 0)
			return r;
	}
	memcpy(w->desc.buf + w->desc.len, pd, sizeof(*pd));
	w->desc.len += sizeof(*pd);
	return 0;
}

static int add_data(struct kdump_writer *w, const uint8_t *p, uint32_t size,
		    struct disk_page_desc *pd)
{
	int r;

	if (outbuf_room(&w->data) < size) {
		r = flush(w);
		if (r < 0)
			return r;
	}
	pd->offset = w->data.off + w->data.len;
	pd->size = size;
	memcpy(w->data.buf + w->data.len, p, size);
	w->data.len += size;
	return 0;
}

/* Phase 1: the descriptors of the early pages below pfn go into the table, in order. */
static int early_in_line(struct kdump_writer *w, uint64_t pfn)
{
	int r;

	while (w->early_next < w->n_early_seen && w->early[w->early_next].pfn < pfn) {
		const struct disk_page_desc *pd = &w->early[w->early_next++].pd;
		if (w->sink->kind == SINK_FLAT) {
			/*
			 * A stream never sends bytes twice (readers index records by offset
			 * and do not expect overlaps): the table goes around it.
			 */
			r = flush(w);
			if (r < 0)
				return r;
			w->desc.off += sizeof(*pd);
			continue;
		}
		r = add_desc(w, pd);
		if (r < 0)
			return r;
		w->unsaved_descs++; /* counted when its first copy was written */
		w->early_in_buf += pd->offset != 0;
	}
	return 0;
}

int kdump_writer_consume(void *userdata, const struct chunk *c)
{
	struct kdump_writer *w = userdata;
	int r = 0;

	for (unsigned i = 0; i < c->n && r == 0; i++) {
		struct disk_page_desc pd = {};
		int early = c->tag == 0;

		if (!early && !w->early_closed) {
			r = close_early(w);
			if (r < 0)
				break;
		}
		switch (c->kind[i]) {
		case PAGE_ZERO:
			pd = w->zero_pd;
			w->n.zero++;
			break;
		case PAGE_LOST:
			w->n.lost++;
			if (!early)
				w->unsaved_descs++;
			break;
		case PAGE_DUP:
			pd = (struct disk_page_desc){ .offset = c->ref[i], .size = c->size[i],
						      .flags = c->flags[i] };
			w->n.dup++;
			break;
		case PAGE_DUP_CHUNK:
			pd = w->chunk_pd[c->ref[i]];
			w->n.dup++;
			break;
		case PAGE_COMPRESSED:
			r = add_data(w, c->out + c->off[i], c->size[i], &pd);
			pd.flags = c->flags[i];
			w->n.compressed++;
			break;
		default:
			r = add_data(w, c->src[i], (uint32_t)w->ps, &pd);
		}
		if (r < 0)
			break;
		w->chunk_pd[i] = pd;
		if (w->dedup && c->key[i] && (c->kind[i] == PAGE_RAW || c->kind[i] == PAGE_COMPRESSED))
			dedup_add(w->dedup, c->key[i], c->in_off[i], &pd);
		if (early) {
			w->early[w->consumed].pd = pd;
			w->n_early_seen = (size_t)w->consumed + 1;
		} else {
			r = early_in_line(w, c->pfn[i]);
			if (r == 0)
				r = add_desc(w, &pd);
		}
		w->consumed++;
	}
	w->n.done += c->n;
	if (w->progress)
		w->progress(w->progress_userdata, &w->n);
	return r;
}

int kdump_writer_finish(struct kdump_writer *w, int *ret_marked)
{
	int r = 0;

	*ret_marked = 0;
	if (!w->failed && !w->early_closed)
		r = close_early(w);
	if (!w->failed && r == 0)
		r = early_in_line(w, UINT64_MAX);
	if (!w->failed && r == 0)
		r = flush(w);
	if (w->failed || w->n.lost || r < 0) {
		uint32_t status = w->hdr.status | DISK_STATUS_INCOMPLETE;
		if (sink_patch(w->sink, &status, sizeof(status),
			       offsetof(struct disk_header, status)) == 0 || w->marked_at_start)
			*ret_marked = 1;
	} else if (w->sink->kind == SINK_FILE) {
		/* every page is in: only now does the header stop saying incomplete */
		r = sink_patch(w->sink, &w->hdr.status, sizeof(w->hdr.status),
			       offsetof(struct disk_header, status));
		if (r < 0)
			*ret_marked = 1; /* it still says incomplete: the bit was set from the start */
	}
	return r;
}
