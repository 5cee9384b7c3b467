/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-compressed files (makedumpfile's default output): a header block, a sub-header with
 * the copied ELF notes, two bitmaps (RAM, dumped), a dense page_desc array for the dumped
 * pages in PFN order, then the page data, each page compressed on its own.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kdump.h"

static void copy_uts(char *dst, size_t dst_size, const char *src)
{
	size_t n = strnlen(src, KDUMP_UTS_LEN);

	if (n >= dst_size)
		n = dst_size - 1;
	memcpy(dst, src, n);
	dst[n] = '\0';
}

static int read_headers(struct vmcore *v, struct kdump_state *st)
{
	struct kdump_disk_header *h = &st->hdr;
	uint64_t bs;
	int r;

	r = vc_src_read(v, h, sizeof(*h), 0, "kdump header");
	if (r < 0)
		return r;
	if (h->header_version < 0)
		return vc_error(v, -EBADMSG, "negative header version %d", h->header_version);
	bs = (uint64_t)(uint32_t)h->block_size;
	if (h->block_size <= 0 || bs < VMCORE_MIN_PAGE_SIZE || bs > VMCORE_MAX_PAGE_SIZE ||
	    (bs & (bs - 1)))
		return vc_error(v, -EBADMSG, "invalid block size %d (it must be the page size)",
				h->block_size);
	if (h->sub_hdr_size < 0 || (uint64_t)h->sub_hdr_size * bs > v->src.size)
		return vc_error(v, -EBADMSG, "sub-header size %d blocks is beyond the file",
				h->sub_hdr_size);
	v->page_size = (uint32_t)bs;
	v->header_version = h->header_version;

	if (h->sub_hdr_size > 0) {
		size_t n = MIN(sizeof(st->sub), (size_t)h->sub_hdr_size * bs);
		r = vc_src_read(v, &st->sub, n, bs, "kdump sub-header");
		if (r < 0)
			return r;
	}
	/* Fields a version does not have are not trusted, whatever the file holds there. */
	if (h->header_version < 6) {
		st->sub.start_pfn_64 = st->sub.start_pfn;
		st->sub.end_pfn_64 = st->sub.end_pfn;
		st->sub.max_mapnr_64 = h->max_mapnr;
	}
	if (h->header_version < 4)
		st->sub.offset_note = st->sub.size_note = 0;
	if (h->header_version < 3)
		st->sub.offset_vmcoreinfo = st->sub.size_vmcoreinfo = 0;
	if (h->header_version < 2)
		st->sub.split = 0;
	if (h->header_version < 1)
		st->sub.dump_level = -1;
	st->max_mapnr = st->sub.max_mapnr_64;
	/* More page frames than a 64-bit physical address space holds: also keeps the
	 * arithmetic on max_mapnr below from wrapping around. */
	if (st->max_mapnr > (UINT64_MAX >> __builtin_ctzll(bs)))
		return vc_error(v, -EBADMSG, "max_mapnr %llu is beyond any physical address",
				(unsigned long long)st->max_mapnr);
	return 0;
}

static int read_bitmaps(struct vmcore *v, struct kdump_state *st)
{
	uint64_t bs = v->page_size, total, base, needed;
	int r;

	/*
	 * They are allocated: they must be in the input, not just inside the file it describes
	 * (a flattened stream of a few KiB can describe a file of exabytes).
	 */
	if (mul_overflows_u64(st->hdr.bitmap_blocks, bs, &total) ||
	    total > MIN(v->src.size, v->raw_size))
		return vc_error(v, -EBADMSG, "bitmaps of %u blocks are larger than the file",
				st->hdr.bitmap_blocks);
	needed = DIV_ROUND_UP(st->max_mapnr, 8);
	/* Two bitmaps when both fit; the old diskdump format has only one. */
	if (total / 2 >= needed && st->hdr.bitmap_blocks % 2 == 0)
		st->bitmap_bytes = total / 2;
	else if (total >= needed && st->hdr.bitmap_blocks > 0)
		st->bitmap_bytes = total;
	else
		return vc_error(v, -EBADMSG,
				"bitmaps (%u blocks) cannot cover max_mapnr %llu page frames",
				st->hdr.bitmap_blocks, (unsigned long long)st->max_mapnr);
	if (st->max_mapnr == 0)
		return vc_error(v, -EBADMSG, "max_mapnr is 0: the dump describes no memory");

	base = (1 + (uint64_t)st->hdr.sub_hdr_size) * bs;
	st->bitmap1 = malloc(st->bitmap_bytes);
	if (!st->bitmap1)
		return vc_error(v, -ENOMEM, "out of memory for a %llu-byte bitmap",
				(unsigned long long)st->bitmap_bytes);
	r = vc_src_read(v, st->bitmap1, st->bitmap_bytes, base, "first bitmap");
	if (r < 0)
		return r;
	if (st->bitmap_bytes == total)
		st->bitmap2 = st->bitmap1;
	else {
		st->bitmap2 = malloc(st->bitmap_bytes);
		if (!st->bitmap2)
			return vc_error(v, -ENOMEM, "out of memory");
		r = vc_src_read(v, st->bitmap2, st->bitmap_bytes, base + st->bitmap_bytes,
				"second bitmap");
		if (r < 0)
			return r;
	}
	st->desc_offset = base + total;
	return 0;
}

static uint64_t popcount_bits(const uint8_t *bm, uint64_t from, uint64_t to)
{
	uint64_t n = 0, pfn = from;

	for (; pfn < to && (pfn & 63); pfn++)
		n += kdump_bit(bm, pfn);
	for (; pfn + 64 <= to; pfn += 64) {
		uint64_t w;
		memcpy(&w, bm + (pfn >> 3), 8);
		n += (uint64_t)__builtin_popcountll(w);
	}
	for (; pfn < to; pfn++)
		n += kdump_bit(bm, pfn);
	return n;
}

static int build_rank(struct vmcore *v, struct kdump_state *st)
{
	uint64_t blocks = DIV_ROUND_UP(st->max_mapnr, RANK_BITS), sum = 0;

	st->rank = calloc(blocks + 1, sizeof(*st->rank));
	if (!st->rank)
		return vc_error(v, -ENOMEM, "out of memory");
	for (uint64_t b = 0; b < blocks; b++) {
		uint64_t from = MAX(b * RANK_BITS, st->first_pfn);
		uint64_t to = MIN((b + 1) * RANK_BITS, st->end_pfn);
		st->rank[b] = sum;
		if (from < to)
			sum += popcount_bits(st->bitmap2, from, to);
	}
	st->rank[blocks] = sum;
	st->n_dumped = sum;
	return 0;
}

int kdump_desc_index(const struct kdump_state *st, uint64_t pfn, uint64_t *ret)
{
	if (pfn < st->first_pfn || pfn >= st->end_pfn || !kdump_bit(st->bitmap2, pfn))
		return -ENODATA;
	uint64_t block = pfn / RANK_BITS;
	uint64_t from = MAX(block * RANK_BITS, st->first_pfn);
	*ret = st->rank[block] + popcount_bits(st->bitmap2, from, pfn);
	return 0;
}

int kdump_read_desc(struct vmcore *v, uint64_t index, struct kdump_page_desc *ret)
{
	struct kdump_state *st = v->fmt;

	return vc_src_read(v, ret, sizeof(*ret), st->desc_offset + index * sizeof(*ret),
			   "page descriptor");
}

static int set_ranges_from_bitmap(struct vmcore *v, struct kdump_state *st)
{
	struct vmcore_segment *segs = NULL;
	size_t n = 0, cap = 0;
	int r;

	for (uint64_t pfn = 0; pfn < st->max_mapnr;) {
		if (!kdump_bit(st->bitmap1, pfn)) {
			pfn++;
			continue;
		}
		uint64_t start = pfn;
		while (pfn < st->max_mapnr && kdump_bit(st->bitmap1, pfn))
			pfn++;
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct vmcore_segment *s = realloc(segs, ncap * sizeof(*s));
			if (!s) {
				free(segs);
				return vc_error(v, -ENOMEM, "out of memory");
			}
			segs = s;
			cap = ncap;
		}
		segs[n++] = (struct vmcore_segment){ .paddr = start << v->page_shift,
						     .memsz = (pfn - start) << v->page_shift };
	}
	r = vc_set_ranges(v, segs, n);
	free(segs);
	return r;
}

static int read_notes(struct vmcore *v, struct kdump_state *st)
{
	const struct kdump_sub_header *s = &st->sub;
	_cleanup_free_ char *buf = NULL;
	int r;

	if (s->size_note && s->offset_note) {
		if (s->size_note > VMCORE_MAX_NOTES_SIZE)
			return vc_error(v, -EBADMSG, "note area of %llu bytes is implausibly large",
					(unsigned long long)s->size_note);
		buf = malloc(s->size_note);
		if (!buf)
			return vc_error(v, -ENOMEM, "out of memory");
		r = vc_src_read(v, buf, s->size_note, s->offset_note, "ELF notes");
		if (r < 0)
			return r;
		r = vc_set_notes(v, buf, s->size_note);
		if (r < 0)
			return vc_error_prefix(v, r, "copied ELF notes");
	}
	/* Version 3 files have VMCOREINFO but no notes; crash reads it only from here. */
	if (!v->vmcoreinfo && s->size_vmcoreinfo && s->offset_vmcoreinfo) {
		if (s->size_vmcoreinfo > VMCORE_MAX_VMCOREINFO_SIZE)
			return vc_error(v, -EBADMSG, "VMCOREINFO of %llu bytes is implausibly large",
					(unsigned long long)s->size_vmcoreinfo);
		free(buf);
		buf = malloc(s->size_vmcoreinfo);
		if (!buf)
			return vc_error(v, -ENOMEM, "out of memory");
		r = vc_src_read(v, buf, s->size_vmcoreinfo, s->offset_vmcoreinfo, "VMCOREINFO");
		if (r < 0)
			return r;
		r = vc_set_vmcoreinfo(v, buf, s->size_vmcoreinfo);
		if (r < 0)
			return r;
	}
	return 0;
}

/* The descriptor table or the last page's data reaches beyond the end of the file. */
static int is_truncated(struct vmcore *v, struct kdump_state *st)
{
	struct kdump_page_desc pd;
	uint64_t end;

	if (st->n_dumped == 0)
		return 0;
	if (kdump_read_desc(v, st->n_dumped - 1, &pd) < 0)
		return 1;
	return add_overflows_u64(pd.offset, pd.size, &end) || end > v->src.size;
}

static void kdump_free(struct vmcore *v)
{
	struct kdump_state *st = v->fmt;

	if (!st)
		return;
	if (st->bitmap2 != st->bitmap1)
		free(st->bitmap2);
	free(st->bitmap1);
	free(st->rank);
	free(st->cbuf);
	free(st);
	v->fmt = NULL;
}

static int kdump_probe(struct vmcore *v)
{
	struct kdump_state *st;
	char sig[KDUMP_SIG_LEN];
	int r;

	if (v->src.size < sizeof(struct kdump_disk_header))
		return -ENOTTY;
	r = vc_src_read(v, sig, sizeof(sig), 0, "signature");
	if (r < 0)
		return r;
	if (memcmp(sig, KDUMP_SIGNATURE, KDUMP_SIG_LEN) && memcmp(sig, DISKDUMP_SIGNATURE, KDUMP_SIG_LEN))
		return -ENOTTY;

	st = calloc(1, sizeof(*st));
	if (!st)
		return vc_error(v, -ENOMEM, "out of memory");
	v->fmt = st;

	r = read_headers(v, st);
	if (r < 0)
		goto fail;
	v->page_shift = (unsigned)__builtin_ctz(v->page_size);
	r = read_bitmaps(v, st);
	if (r < 0)
		goto fail;

	st->first_pfn = 0;
	st->end_pfn = st->max_mapnr;
	if (st->sub.split) {
		if (st->sub.start_pfn_64 >= st->sub.end_pfn_64 || st->sub.end_pfn_64 > st->max_mapnr) {
			r = vc_error(v, -EBADMSG, "split file range [%llu, %llu) is invalid",
				     (unsigned long long)st->sub.start_pfn_64,
				     (unsigned long long)st->sub.end_pfn_64);
			goto fail;
		}
		st->first_pfn = st->sub.start_pfn_64;
		st->end_pfn = st->sub.end_pfn_64;
	}
	r = build_rank(v, st);
	if (r < 0)
		goto fail;
	st->cbuf = malloc(v->page_size);
	if (!st->cbuf) {
		r = vc_error(v, -ENOMEM, "out of memory");
		goto fail;
	}
	r = set_ranges_from_bitmap(v, st);
	if (r < 0)
		goto fail;
	r = read_notes(v, st);
	if (r < 0)
		goto fail;

	copy_uts(v->arch, sizeof(v->arch), st->hdr.utsname.machine);
	copy_uts(v->osrelease, sizeof(v->osrelease), st->hdr.utsname.release);
	copy_uts(v->nodename, sizeof(v->nodename), st->hdr.utsname.nodename);
	v->header_time = st->hdr.timestamp_sec;
	v->header_nr_cpus = st->hdr.nr_cpus > 0 ? (unsigned)st->hdr.nr_cpus : 0;
	v->dump_level = st->sub.dump_level;
	if (st->hdr.sub_hdr_size > 0) {
		v->header_phys_base = st->sub.phys_base;
		v->have_header_phys_base = 1;
	}
	v->compression = st->hdr.status & KDUMP_STATUS_COMPRESS_MASK;
	if (st->hdr.status & KDUMP_STATUS_INCOMPLETE)
		v->incomplete |= VMCORE_INCOMPLETE_MARKED;
	if (is_truncated(v, st))
		v->incomplete |= VMCORE_INCOMPLETE_TRUNCATED;
	v->max_pfn = st->max_mapnr;
	return 0;

fail:
	kdump_free(v);
	return r;
}

static int kdump_pfn_state(struct vmcore *v, uint64_t pfn)
{
	struct kdump_state *st = v->fmt;
	struct kdump_page_desc pd;
	uint64_t index;
	int r;

	if (pfn >= st->max_mapnr || !kdump_bit(st->bitmap1, pfn))
		return VMCORE_PFN_HOLE;
	if (kdump_desc_index(st, pfn, &index) < 0)
		return VMCORE_PFN_EXCLUDED;
	r = kdump_read_desc(v, index, &pd);
	if (r == -EIO)
		return VMCORE_PFN_LOST;
	if (r < 0)
		return r;
	if (pd.offset == 0 || pd.offset + pd.size > v->src.size)
		return VMCORE_PFN_LOST;
	return VMCORE_PFN_DUMPED;
}

static int kdump_read_pfn(struct vmcore *v, uint64_t pfn, void *buf)
{
	struct kdump_state *st = v->fmt;
	struct kdump_page_desc pd;
	uint64_t index;
	int r;

	if (pfn >= st->max_mapnr || !kdump_bit(st->bitmap1, pfn))
		return vc_error(v, -EADDRNOTAVAIL, "PFN 0x%llx is not in the dump's memory map",
				(unsigned long long)pfn);
	if (kdump_desc_index(st, pfn, &index) < 0) {
		if (kdump_bit(st->bitmap2, pfn))
			return vc_error(v, -ENODATA, "PFN 0x%llx is in another file of a split dump",
					(unsigned long long)pfn);
		return vc_error(v, -ENODATA, "PFN 0x%llx was filtered out of the dump",
				(unsigned long long)pfn);
	}
	r = kdump_read_desc(v, index, &pd);
	if (r < 0)
		return vc_error_prefix(v, r, "PFN 0x%llx", (unsigned long long)pfn);
	if (pd.offset == 0)
		return vc_error(v, -EIO, "PFN 0x%llx was not saved: the dump is incomplete",
				(unsigned long long)pfn);
	if (pd.size > v->page_size || pd.size == 0)
		return vc_error(v, -EBADMSG, "PFN 0x%llx: page descriptor size %u is not in 1..%u",
				(unsigned long long)pfn, pd.size, v->page_size);
	if (pd.flags == 0) {
		if (pd.size != v->page_size)
			return vc_error(v, -EBADMSG,
					"PFN 0x%llx: uncompressed page stored in %u bytes, not %u",
					(unsigned long long)pfn, pd.size, v->page_size);
		r = vc_src_read(v, buf, v->page_size, pd.offset, "page data");
		if (r < 0)
			return vc_error_prefix(v, r, "PFN 0x%llx", (unsigned long long)pfn);
		return 0;
	}
	r = vc_src_read(v, st->cbuf, pd.size, pd.offset, "compressed page data");
	if (r < 0)
		return vc_error_prefix(v, r, "PFN 0x%llx", (unsigned long long)pfn);
	r = vc_decompress_page(v, pd.flags, st->cbuf, pd.size, buf);
	if (r < 0)
		return vc_error_prefix(v, r, "PFN 0x%llx", (unsigned long long)pfn);
	return 0;
}

static int kdump_count_pages(struct vmcore *v, uint64_t *ret_present, uint64_t *ret_dumped)
{
	struct kdump_state *st = v->fmt;

	*ret_present = popcount_bits(st->bitmap1, 0, st->max_mapnr);
	*ret_dumped = st->n_dumped;
	return 0;
}

const struct vmcore_format_ops vc_kdump_ops = {
	.name = "kdump",
	.format = VMCORE_FORMAT_KDUMP,
	.probe = kdump_probe,
	.pfn_state = kdump_pfn_state,
	.read_pfn = kdump_read_pfn,
	.count_pages = kdump_count_pages,
	.verify = kdump_verify,
	.free = kdump_free,
};
