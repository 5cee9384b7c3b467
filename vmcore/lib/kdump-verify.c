/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The structure check of kdump-compressed files: every header field, bitmap and page. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdump.h"

#define DESC_BATCH 1024u

struct checker {
	struct vmcore *v;
	vmcore_problem_fn problem;
	void *userdata;
	int count;
	int stop;
};

static _printf_(2, 3) void report(struct checker *c, const char *fmt, ...)
{
	char msg[320];
	va_list ap;

	if (c->stop)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	c->count++;
	if (c->problem(msg, c->userdata))
		c->stop = 1;
}

/* [off, off + len) fits below limit, without overflow. */
static int range_within(uint64_t off, uint64_t len, uint64_t limit)
{
	return off <= limit && len <= limit - off;
}

static void check_header(struct checker *c, const struct kdump_state *st)
{
	struct vmcore *v = c->v;
	uint64_t bs = v->page_size, notes_end_limit = (1 + (uint64_t)st->hdr.sub_hdr_size) * bs;
	const struct kdump_sub_header *s = &st->sub;

	if (st->hdr.header_version < 1)
		report(c, "header version %d: readers cannot tell excluded pages from zero pages",
		       st->hdr.header_version);
	if (st->hdr.nr_cpus <= 0)
		report(c, "header nr_cpus is %d", st->hdr.nr_cpus);
	if (st->hdr.status & ~(KDUMP_STATUS_COMPRESS_MASK | KDUMP_STATUS_INCOMPLETE |
			       KDUMP_STATUS_EXCLUDED_VMEMMAP))
		report(c, "header status 0x%x has unknown bits", st->hdr.status);
	if (st->hdr.header_version >= 6 && st->hdr.max_mapnr != (uint32_t)MIN(st->max_mapnr, UINT32_MAX))
		report(c, "32-bit max_mapnr %u disagrees with max_mapnr_64 %llu", st->hdr.max_mapnr,
		       (unsigned long long)st->max_mapnr);
	if (st->bitmap1 == st->bitmap2)
		report(c, "only one bitmap (%u blocks for %llu page frames): crash and libkdumpfile "
			  "expect two", st->hdr.bitmap_blocks, (unsigned long long)st->max_mapnr);
	if (st->hdr.header_version >= 4) {
		if (!s->offset_note || !s->size_note)
			report(c, "no ELF notes in a version %d header", st->hdr.header_version);
		else if (s->offset_note < bs || !range_within(s->offset_note, s->size_note, notes_end_limit))
			report(c, "ELF notes at 0x%llx (+%llu) lie outside the sub-header blocks "
				  "[0x%llx, 0x%llx)", (unsigned long long)s->offset_note,
			       (unsigned long long)s->size_note, (unsigned long long)bs,
			       (unsigned long long)notes_end_limit);
	}
	if (st->hdr.header_version >= 3) {
		if (!s->offset_vmcoreinfo || !s->size_vmcoreinfo)
			report(c, "offset_vmcoreinfo is not set: crash cannot read VMCOREINFO");
		else if (s->size_vmcoreinfo > VMCORE_MAX_VMCOREINFO_SIZE ||
			 !range_within(s->offset_vmcoreinfo, s->size_vmcoreinfo, v->src.size))
			report(c, "offset_vmcoreinfo 0x%llx (+%llu) lies outside the file",
			       (unsigned long long)s->offset_vmcoreinfo,
			       (unsigned long long)s->size_vmcoreinfo);
		else if (st->hdr.header_version >= 4 && s->offset_note &&
			 (s->offset_vmcoreinfo < s->offset_note ||
			  !range_within(s->offset_vmcoreinfo - s->offset_note, s->size_vmcoreinfo,
					s->size_note)))
			report(c, "offset_vmcoreinfo 0x%llx is outside the copied notes: crash and "
				  "libkdumpfile would read different VMCOREINFO",
			       (unsigned long long)s->offset_vmcoreinfo);
		else if (v->vmcoreinfo) {
			char *text = malloc(s->size_vmcoreinfo);
			if (text && vc_src_read(v, text, s->size_vmcoreinfo, s->offset_vmcoreinfo,
						"VMCOREINFO") == 0) {
				size_t n = s->size_vmcoreinfo;
				while (n && text[n - 1] == '\0')
					n--;
				if (n != v->vmcoreinfo_size || memcmp(text, v->vmcoreinfo, n))
					report(c, "the VMCOREINFO at offset_vmcoreinfo differs from the "
						  "VMCOREINFO note");
			}
			free(text);
		}
	}
	if (!v->vmcoreinfo)
		report(c, "no VMCOREINFO: tools cannot find the kernel's structures");
}

static void check_bitmaps(struct checker *c, const struct kdump_state *st)
{
	uint64_t bad = 0, first_bad = 0;

	for (uint64_t pfn = 0; pfn < st->max_mapnr; pfn++)
		if (kdump_bit(st->bitmap2, pfn) && !kdump_bit(st->bitmap1, pfn)) {
			if (!bad++)
				first_bad = pfn;
		}
	if (bad)
		report(c, "%llu page frames are marked dumped but are not RAM in the first bitmap "
			  "(first: PFN 0x%llx)", (unsigned long long)bad, (unsigned long long)first_bad);
}

static void check_page(struct checker *c, struct kdump_state *st, uint64_t pfn,
		       const struct kdump_page_desc *pd, uint64_t data_start, uint64_t *lost)
{
	struct vmcore *v = c->v;
	uint64_t end;

	if (pd->offset == 0) {
		(*lost)++;
		return;
	}
	if (pd->size == 0 || pd->size > v->page_size) {
		report(c, "PFN 0x%llx: stored size %u is not in 1..%u", (unsigned long long)pfn,
		       pd->size, v->page_size);
		return;
	}
	if (pd->offset < data_start) {
		report(c, "PFN 0x%llx: data offset 0x%llx points into the headers (data starts at "
			  "0x%llx)", (unsigned long long)pfn, (unsigned long long)pd->offset,
		       (unsigned long long)data_start);
		return;
	}
	if (add_overflows_u64(pd->offset, pd->size, &end) || end > v->src.size) {
		report(c, "PFN 0x%llx: data 0x%llx+%u runs past the end of the file (0x%llx bytes)",
		       (unsigned long long)pfn, (unsigned long long)pd->offset, pd->size,
		       (unsigned long long)v->src.size);
		return;
	}
	if (pd->flags == 0) {
		if (pd->size != v->page_size)
			report(c, "PFN 0x%llx: uncompressed page stored in %u bytes, not %u",
			       (unsigned long long)pfn, pd->size, v->page_size);
		return;
	}
	if (!vmcore_compression_name(pd->flags)) {
		report(c, "PFN 0x%llx: compression flags 0x%x are not one known method",
		       (unsigned long long)pfn, pd->flags);
		return;
	}
	void *out = v->page_buf;
	int r = vc_src_read(v, st->cbuf, pd->size, pd->offset, "compressed page data");
	if (r == 0)
		r = vc_decompress_page(v, pd->flags, st->cbuf, pd->size, out);
	if (r == -EOPNOTSUPP)
		report(c, "PFN 0x%llx: %s", (unsigned long long)pfn, vmcore_strerror(v));
	else if (r < 0)
		report(c, "PFN 0x%llx: %s page at 0x%llx (%u bytes): %s", (unsigned long long)pfn,
		       vmcore_compression_name(pd->flags), (unsigned long long)pd->offset, pd->size,
		       vmcore_strerror(v));
}

static int check_pages(struct checker *c, struct kdump_state *st)
{
	struct vmcore *v = c->v;
	uint64_t table_end = st->desc_offset + st->n_dumped * sizeof(struct kdump_page_desc);
	uint64_t index = 0, lost = 0, missing = 0;
	_cleanup_free_ struct kdump_page_desc *batch = NULL;
	size_t in_batch = 0, at = 0;

	if (table_end > v->src.size)
		report(c, "the page descriptor table (%llu entries, ending at 0x%llx) runs past the "
			  "end of the file (0x%llx bytes)", (unsigned long long)st->n_dumped,
		       (unsigned long long)table_end, (unsigned long long)v->src.size);

	batch = calloc(DESC_BATCH, sizeof(*batch));
	if (!batch)
		return -ENOMEM;
	for (uint64_t pfn = st->first_pfn; pfn < st->end_pfn && !c->stop; pfn++) {
		if (!kdump_bit(st->bitmap2, pfn))
			continue;
		if (at == in_batch) {
			uint64_t off = st->desc_offset + index * sizeof(*batch);
			size_t want = (size_t)MIN(DESC_BATCH, st->n_dumped - index);
			/* Only the descriptors that are inside the file can be checked. */
			if (off >= v->src.size)
				in_batch = 0;
			else
				in_batch = (size_t)MIN(want, (v->src.size - off) / sizeof(*batch));
			if (in_batch == 0) {
				missing = st->n_dumped - index;
				break;
			}
			int r = vc_src_read(v, batch, in_batch * sizeof(*batch), off,
					    "page descriptors");
			if (r < 0)
				return r;
			at = 0;
		}
		check_page(c, st, pfn, &batch[at++], table_end, &lost);
		index++;
	}
	if (lost || missing) {
		if (v->incomplete & VMCORE_INCOMPLETE_MARKED)
			report(c, "the dump is incomplete (marked so in its header): %llu of %llu "
				  "pages to dump were not saved", (unsigned long long)(lost + missing),
			       (unsigned long long)st->n_dumped);
		else
			report(c, "%llu of %llu pages to dump were not saved, but the header does not "
				  "mark the dump incomplete", (unsigned long long)(lost + missing),
			       (unsigned long long)st->n_dumped);
	} else if (v->incomplete & VMCORE_INCOMPLETE_MARKED)
		report(c, "the header marks the dump incomplete, yet every page is present");
	return 0;
}

int kdump_verify(struct vmcore *v, vmcore_problem_fn problem, void *userdata)
{
	struct checker c = { .v = v, .problem = problem, .userdata = userdata };
	struct kdump_state *st = v->fmt;
	int r;

	check_header(&c, st);
	check_bitmaps(&c, st);
	r = check_pages(&c, st);
	if (r < 0)
		return r;
	return c.count;
}
