/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed writer, laid out as makedumpfile does:
 *
 *   block 0                main header
 *   block 1..              sub-header, then the ELF notes copied verbatim
 *   (1 + sub_hdr_size)     bitmap 1 (RAM), bitmap 2 (dumped), block aligned
 *   then                   page_desc[], one per bitmap-2 bit, in pfn order
 *   then                   [shared zero page] page data in pfn order
 *
 * The layout always follows page_size and the data; header overrides in the
 * spec only change what the header claims, which is how broken files are made.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>

#include "config.h"
#if HAVE_LZO
#include <lzo/lzo1x.h>
#endif
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif

#include "mkvmcore.h"

struct kdump_layout {
	uint64_t page_size;
	uint64_t max_pfn;		/* first pfn above all data and RAM */
	uint64_t bitmap_len;		/* bytes of one bitmap, block aligned */
	uint64_t sub_hdr_blocks;
	uint64_t bitmap1_off;
	uint64_t bitmap2_off;
	uint64_t desc_off;
	uint64_t data_off;
	uint64_t n_desc;
	bool zero_page;
	uint32_t compression;		/* status bits of the algorithms asked for */
};

static bool has_desc(enum page_kind kind)
{
	return kind != PAGE_EXCLUDE;
}

static uint32_t kind_flag(enum page_kind kind)
{
	switch (kind) {
	case PAGE_ZLIB:
		return DUMP_DH_COMPRESSED_ZLIB;
	case PAGE_LZO:
		return DUMP_DH_COMPRESSED_LZO;
	case PAGE_SNAPPY:
		return DUMP_DH_COMPRESSED_SNAPPY;
	case PAGE_ZSTD:
		return DUMP_DH_COMPRESSED_ZSTD;
	default:
		return 0;
	}
}

static void compute_layout(const struct mkvmcore *ctx, struct kdump_layout *l)
{
	const uint64_t ps = ctx->spec.page_size;

	*l = (struct kdump_layout){ .page_size = ps };
	for (size_t i = 0; i < ctx->n_ram; i++)
		l->max_pfn = MAX(l->max_pfn, ctx->ram[i].end_pfn);
	for (size_t i = 0; i < ctx->n_blocks; i++) {
		const struct pfn_block *pb = &ctx->blocks[i].pfn;

		l->max_pfn = MAX(l->max_pfn, pb->pfn + 1);
		l->n_desc += has_desc(pb->kind);
		l->zero_page |= pb->kind == PAGE_ZERO;
		l->compression |= kind_flag(pb->kind);
	}

	/* Both bitmaps block aligned, at least one block each (crash mmaps them). */
	l->bitmap_len = MAX(ALIGN_UP(DIV_ROUND_UP(l->max_pfn, 8), ps), ps);
	l->sub_hdr_blocks = DIV_ROUND_UP(sizeof(struct kdump_sub_header_x86_64) +
					 ctx->notes.data.len, ps);
	l->bitmap1_off = (1 + l->sub_hdr_blocks) * ps;
	l->bitmap2_off = l->bitmap1_off + l->bitmap_len;
	l->desc_off = l->bitmap2_off + l->bitmap_len;
	l->data_off = l->desc_off + l->n_desc * sizeof(struct page_desc);
}

static int write_headers(struct mkvmcore *ctx, const struct kdump_layout *l, struct sink *out)
{
	const struct spec *spec = &ctx->spec;
	const struct notes *notes = &ctx->notes;
	const uint64_t ps = l->page_size;
	const uint64_t note_off = ps + sizeof(struct kdump_sub_header_x86_64);
	const uint64_t max_mapnr = opt_or(&spec->max_mapnr, l->max_pfn);
	uint32_t status = l->compression | (spec->incomplete ? DUMP_DH_COMPRESSED_INCOMPLETE : 0);
	struct disk_dump_header_x86_64 dh = {
		.header_version = (int32_t)htole32((uint32_t)spec->version),
		.utsname = spec->uts,
		.timestamp_sec = (int64_t)htole64(opt_or(&spec->timestamp, 0)),
		.status = htole32((uint32_t)opt_or(&spec->status, status)),
		.block_size = (int32_t)htole32((uint32_t)opt_or(&spec->block_size, ps)),
		.sub_hdr_size = (int32_t)htole32((uint32_t)opt_or(&spec->sub_hdr_size,
								  l->sub_hdr_blocks)),
		.bitmap_blocks = htole32((uint32_t)opt_or(&spec->bitmap_blocks,
							  2 * l->bitmap_len / ps)),
		.max_mapnr = htole32((uint32_t)MIN(max_mapnr, UINT32_MAX)),
		.current_cpu = htole32((uint32_t)spec->current_cpu),
		.nr_cpus = (int32_t)htole32((uint32_t)opt_or(&spec->nr_cpus, spec->prstatus)),
	};
	/* The VMCOREINFO pointer goes INSIDE the copied notes, as makedumpfile
	 * does: crash reads it from there, libkdumpfile (v >= 4) from the notes. */
	struct kdump_sub_header_x86_64 kh = {
		.phys_base = htole64(spec->phys_base),
		.dump_level = (int32_t)htole32((uint32_t)spec->dump_level),
		.split = (int32_t)htole32((uint32_t)spec->split),
		.start_pfn = htole64(spec->start_pfn),
		.end_pfn = htole64(spec->end_pfn),
		.offset_vmcoreinfo = (int64_t)htole64(opt_or(&spec->offset_vmcoreinfo,
				notes->has_vmcoreinfo ? note_off + notes->vmcoreinfo_desc_off : 0)),
		.size_vmcoreinfo = htole64(opt_or(&spec->size_vmcoreinfo, notes->vmcoreinfo_size)),
		.offset_note = (int64_t)htole64(opt_or(&spec->offset_note,
						       notes->data.len ? note_off : 0)),
		.size_note = htole64(opt_or(&spec->size_note, notes->data.len)),
		.offset_eraseinfo = (int64_t)htole64(spec->offset_eraseinfo),
		.size_eraseinfo = htole64(spec->size_eraseinfo),
		.start_pfn_64 = htole64(spec->start_pfn),
		.end_pfn_64 = htole64(spec->end_pfn),
		.max_mapnr_64 = htole64(max_mapnr),
	};
	int r;

	memcpy(dh.signature, spec->signature, KDUMP_SIG_LEN);
	r = sink_write(out, 0, &dh, sizeof(dh));
	if (r >= 0)
		r = sink_write(out, ps, &kh, sizeof(kh));
	if (r >= 0)
		r = sink_write(out, note_off, notes->data.data, notes->data.len);
	return r;
}

static void set_bit(uint8_t *bitmap, uint64_t pfn)
{
	bitmap[pfn / 8] |= (uint8_t)(1u << (pfn % 8));
}

static int write_bitmaps(struct mkvmcore *ctx, const struct kdump_layout *l, struct sink *out)
{
	_cleanup_free_ uint8_t *ram = calloc(1, l->bitmap_len);
	_cleanup_free_ uint8_t *dumped = calloc(1, l->bitmap_len);
	int r;

	if (!ram || !dumped)
		return -ENOMEM;
	/* Without explicit RAM ranges, RAM is exactly the pages mentioned. */
	for (size_t i = 0; i < ctx->n_ram; i++)
		for (uint64_t pfn = ctx->ram[i].start_pfn; pfn < ctx->ram[i].end_pfn; pfn++)
			set_bit(ram, pfn);
	for (size_t i = 0; i < ctx->n_blocks; i++) {
		const struct pfn_block *pb = &ctx->blocks[i].pfn;

		if (ctx->n_ram == 0)
			set_bit(ram, pb->pfn);
		if (has_desc(pb->kind))
			set_bit(dumped, pb->pfn);
	}
	r = sink_write(out, l->bitmap1_off, ram, l->bitmap_len);
	return r < 0 ? r : sink_write(out, l->bitmap2_off, dumped, l->bitmap_len);
}

struct page_writer {
	const struct kdump_layout *l;
	struct sink *out;
	uint8_t *page;			/* one page */
	uint8_t *packed;		/* compression output */
	size_t packed_size;
	void *lzo_wrkmem;		/* allocated on first use */
	uint64_t data_pos;		/* next free data offset */
	struct page_desc zero_desc;
};

/* Compression with the settings makedumpfile uses (fastest level). Returns
 * the compressed size, or 0 if the library failed. */
static size_t compress_page(struct page_writer *w, enum page_kind kind, size_t len)
{
	const uint8_t *page = w->page;
	uint8_t *out = w->packed;
	size_t out_size = w->packed_size;

	switch (kind) {
	case PAGE_ZLIB: {
		uLongf n = out_size;

		return compress2(out, &n, page, len, Z_BEST_SPEED) == Z_OK ? n : 0;
	}
	case PAGE_ZSTD: {
		size_t n = ZSTD_compress(out, out_size, page, len, 1);

		return ZSTD_isError(n) ? 0 : n;
	}
#if HAVE_LZO
	case PAGE_LZO: {
		lzo_uint n = out_size;

		if (!w->lzo_wrkmem) {
			if (lzo_init() != LZO_E_OK)
				return 0;
			w->lzo_wrkmem = malloc(LZO1X_1_MEM_COMPRESS);
			if (!w->lzo_wrkmem)
				return 0;
		}
		if (lzo1x_1_compress(page, len, out, &n, w->lzo_wrkmem) != LZO_E_OK)
			return 0;
		return n;
	}
#endif
#if HAVE_SNAPPY
	case PAGE_SNAPPY: {
		size_t n = out_size;

		return snappy_compress((const char *)page, len, (char *)out, &n) == SNAPPY_OK
			       ? n : 0;
	}
#endif
	default:
		return 0;
	}
}

static int write_page(struct page_writer *w, const struct block *b, uint64_t desc_index)
{
	const struct pfn_block *pb = &b->pfn;
	const size_t ps = (size_t)w->l->page_size;
	struct page_desc pd = { 0 };
	const uint8_t *data = w->page;
	size_t size = ps;
	uint32_t flags = 0;
	int r;

	memset(w->page, 0, ps);
	if (b->body.len)
		memcpy(w->page, b->body.data, b->body.len);

	if (pb->kind == PAGE_ZERO) {
		pd = w->zero_desc;
	} else if (pb->kind != PAGE_LOST) {
		flags = kind_flag(pb->kind);
		if (flags) {
			size_t n = compress_page(w, pb->kind, ps);

			if (n == 0)
				return loc_error(&b->loc, "compression failed");
			/* makedumpfile keeps a page raw unless compression helped. */
			if (n < ps || pb->force) {
				data = w->packed;
				size = n;
			} else {
				flags = 0;
			}
		}
		r = sink_write(w->out, w->data_pos, data, size);
		if (r < 0)
			return r;
		pd.offset = (int64_t)w->data_pos;
		pd.size = (uint32_t)size;
		pd.flags = flags;
		w->data_pos += size;
	}
	/* lost: the descriptor stays all zero, like the unwritten tail of the
	 * table after ENOSPC. */

	pd.offset = (int64_t)htole64(opt_or(&pb->pd_offset, (uint64_t)pd.offset));
	pd.size = htole32((uint32_t)opt_or(&pb->pd_size, pd.size));
	pd.flags = htole32((uint32_t)opt_or(&pb->pd_flags, pd.flags));
	pd.page_flags = htole64(opt_or(&pb->pd_page_flags, pd.page_flags));
	/* Written after the data, so flattened records are interleaved and
	 * not monotonic, as in makedumpfile's streams. */
	return sink_write(w->out, w->l->desc_off + desc_index * sizeof(pd), &pd, sizeof(pd));
}

static int write_pages(struct mkvmcore *ctx, struct page_writer *w)
{
	const struct kdump_layout *l = w->l;
	uint64_t desc_index = 0;
	int r;

	w->data_pos = l->data_off;
	if (l->zero_page) {
		r = sink_write_zeros(w->out, w->data_pos, l->page_size);
		if (r < 0)
			return r;
		w->zero_desc = (struct page_desc){
			.offset = (int64_t)w->data_pos,
			.size = (uint32_t)l->page_size,
		};
		w->data_pos += l->page_size;
	}

	for (size_t i = 0; i < ctx->n_blocks; i++) {
		const struct block *b = &ctx->blocks[i];

		if (!has_desc(b->pfn.kind))
			continue;
		r = write_page(w, b, desc_index++);
		if (r < 0)
			return r;
	}
	return 0;
}

int kdump_write(struct mkvmcore *ctx, struct sink *out)
{
	struct kdump_layout l;
	struct page_writer w = { .l = &l, .out = out };
	int r;

	compute_layout(ctx, &l);
	r = write_headers(ctx, &l, out);
	if (r >= 0)
		r = write_bitmaps(ctx, &l, out);
	if (r < 0)
		return r;

	/* Generous for every algorithm: worst cases are a few % over a page. */
	w.packed_size = (size_t)l.page_size * 2 + 1024;
	w.page = malloc(l.page_size);
	w.packed = malloc(w.packed_size);
	r = w.page && w.packed ? write_pages(ctx, &w) : -ENOMEM;
	free(w.page);
	free(w.packed);
	free(w.lzo_wrkmem);
	return r;
}
