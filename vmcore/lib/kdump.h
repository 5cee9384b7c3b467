/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "internal.h"
#include "kdump-ondisk.h"

/* What the kdump backend keeps once a file is open. */
struct kdump_state {
	struct kdump_disk_header hdr;
	struct kdump_sub_header sub;
	uint64_t max_mapnr;
	uint64_t bitmap_bytes;  /* one bitmap */
	uint8_t *bitmap1;       /* RAM */
	uint8_t *bitmap2;       /* dumped */
	uint64_t *rank;         /* dumped pages before each RANK_BITS block of bitmap 2 */
	uint64_t desc_offset;   /* file offset of page_desc[0] */
	uint64_t n_dumped;      /* set bits of bitmap 2 inside [first_pfn, end_pfn) */
	uint64_t first_pfn;     /* split files hold page_descs for [first_pfn, end_pfn) only */
	uint64_t end_pfn;
	void *cbuf;             /* compressed page scratch */
};

#define RANK_BITS 4096u

static inline int kdump_bit(const uint8_t *bm, uint64_t pfn)
{
	return (bm[pfn >> 3] >> (pfn & 7)) & 1;
}

/* The index of pfn's page_desc, or -ENODATA when pfn is not dumped in this file. */
int kdump_desc_index(const struct kdump_state *st, uint64_t pfn, uint64_t *ret);
int kdump_read_desc(struct vmcore *v, uint64_t index, struct kdump_page_desc *ret);
int kdump_verify(struct vmcore *v, vmcore_problem_fn problem, void *userdata);
