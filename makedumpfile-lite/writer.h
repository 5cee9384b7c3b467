/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The two dump formats. Both are written in the order that keeps a dump cut short at any
 * moment readable as far as it got: headers and bitmaps (kdump) or program headers (ELF)
 * first, then the page data, and (kdump) each page's descriptor only after its data, into a
 * descriptor table reserved beforehand so that a descriptor never written reads as offset 0,
 * "lost". When a write fails, the header is marked incomplete (kdump status 0x8, ELF e_flags
 * bit 0) where the output can be patched (not in a stream: it was sent first).
 */
#include <stddef.h>
#include <stdint.h>

#include "bmstore.h"
#include "dedup.h"
#include "mdl.h"
#include "ondisk.h"
#include "pipeline.h"
#include "protect.h"
#include "sink.h"

/* The pages of a chunk lie within this many page frames (mmap windows stay small). */
#define CHUNK_SPAN 1024u
/* At most this many pages go first (kernel image and page tables: some tens of MiB). */
#define EARLY_MAX 65536u

struct early_page {
	uint64_t pfn;
	uint64_t rank; /* its place in the descriptor table */
	struct disk_page_desc pd;
};

/* A sequential region of the output, buffered. */
struct outbuf {
	uint8_t *buf;
	size_t len, cap;
	uint64_t off; /* file offset of buf[0] */
	int reserved; /* it goes into space reserved beforehand (sink_write_reserved) */
};

/* What both writers count while copying. */
struct writer_counts {
	uint64_t to_write;   /* pages meant to be written */
	uint64_t saved;      /* of those, safely in the output */
	uint64_t zero;       /* the shared zero page */
	uint64_t dup;        /* pointed at the data of an identical page written before */
	uint64_t compressed;
	uint64_t lost;       /* could not be read */
	uint64_t done;       /* handed to the writer */
};

struct kdump_writer {
	vmcore_t *v;
	const struct mdl_options *o;
	struct sink *sink;
	struct bm_store *bm;
	struct dedup *dedup;    /* NULL: no deduplication */
	size_t ps;
	uint64_t max_pfn;
	uint64_t sub_hdr_blocks;
	uint64_t bitmap_bytes; /* one bitmap, block-aligned */
	uint64_t bitmap1_off, bitmap2_off, desc_off, data_off;
	struct disk_header hdr;
	int marked_at_start;   /* the header went out saying incomplete (files) */
	struct disk_page_desc zero_pd;
	struct outbuf data, desc;
	struct disk_page_desc chunk_pd[CHUNK_PAGES]; /* consumer: this chunk's, for its copies */
	uint64_t unsaved_descs; /* descriptors in desc whose pages are not saved (lost) */
	uint64_t next_pfn;      /* producer */
	/*
	 * The pages readers need to open the dump at all (kernel image, page tables: the
	 * self-check's) are written first, so that a dump cut short still opens in crash and
	 * libkdumpfile; their descriptors go in as each buffer of their data is flushed.
	 */
	const struct protect *prot;
	struct early_page *early;    /* consumer: in production order, sorted once all are in */
	size_t n_early;              /* producer: how many there are (final once phase 1 runs) */
	uint64_t *early_pfns;        /* producer: their PFNs (sorted when phase 1 starts) */
	int early_src;               /* producer: 0 the page tables, 1 the kernel image */
	size_t early_range;          /* producer: where it is in that list */
	size_t early_tcur;
	uint64_t early_pfn;
	int phase;                   /* producer: 0 the early pages, 1 the rest */
	size_t early_skip;           /* producer, phase 1: next early page to skip */
	uint64_t rank_pfn, rank_val; /* producer: set bits below rank_pfn */
	uint64_t consumed;           /* consumer: pages taken */
	size_t n_early_seen;         /* consumer: early pages taken */
	size_t early_written;        /* consumer: early descriptors written */
	int early_closed;            /* consumer: their descriptors are written */
	size_t early_next;           /* consumer, phase 1: next early descriptor to put in line */
	uint64_t early_in_buf;       /* consumer: saved early descriptors in desc */
	struct writer_counts n;
	int failed;             /* a write failed: nothing more is written */
	void (*progress)(void *userdata, const struct writer_counts *n);
	void *progress_userdata;
};

int kdump_writer_init(struct kdump_writer *w, vmcore_t *v, const struct mdl_options *o,
		      struct sink *sink);
void kdump_writer_done(struct kdump_writer *w);
/* The header block, the sub-header and the notes. */
int kdump_writer_headers(struct kdump_writer *w);
/* Block `index` (BM_BLOCK_BYTES each) of both bitmaps, in order. */
int kdump_writer_bitmaps(struct kdump_writer *w, uint64_t index, const uint8_t *b1,
			 const uint8_t *b2);
/* After the scan: reserves the descriptor table for n_dump pages, writes the zero page. */
int kdump_writer_start_pages(struct kdump_writer *w, struct bm_store *bm, uint64_t n_dump,
			     const struct protect *prot);
/* pipeline callbacks (the producer is writer-kdump-order.c) */
int kdump_writer_produce(void *userdata, struct chunk *c);
int kdump_writer_consume(void *userdata, const struct chunk *c);
/* Flushes, and marks the header incomplete if anything was not saved. */
int kdump_writer_finish(struct kdump_writer *w, int *ret_marked);

struct elf_writer {
	vmcore_t *v;
	const struct mdl_options *o;
	struct sink *sink;
	struct bm_store *bm;
	size_t ps;
	uint64_t phnum;      /* PT_NOTE + the PT_LOADs */
	uint64_t notes_off, notes_size, data_start;
	int marked_at_start;   /* the header went out saying incomplete (files) */
	struct outbuf data;
	uint64_t data_pages; /* pages in data not yet written */
	uint32_t *page_end;  /* where each of them ends in data (a cut write saves some) */
	size_t max_pages;
	/* producer: the segment being walked */
	struct elf_seg_iter *iter;
	struct writer_counts n;
	int failed;
	void (*progress)(void *userdata, const struct writer_counts *n);
	void *progress_userdata;
};

int elf_writer_init(struct elf_writer *w, vmcore_t *v, const struct mdl_options *o,
		    struct sink *sink);
void elf_writer_done(struct elf_writer *w);
/* After the scan: lays out the segments, writes the ELF header, program headers and notes. */
int elf_writer_headers(struct elf_writer *w, struct bm_store *bm);
int elf_writer_produce(void *userdata, struct chunk *c);
int elf_writer_consume(void *userdata, const struct chunk *c);
int elf_writer_finish(struct elf_writer *w, int *ret_marked);

/* Buffered sequential writes (writer-common.c). */
int outbuf_init(struct outbuf *b, size_t cap, uint64_t off);
void outbuf_done(struct outbuf *b);
int outbuf_flush(struct outbuf *b, struct sink *s);
/* Appends; flushes first when it does not fit (call outbuf_room() to decide yourself). */
static inline size_t outbuf_room(const struct outbuf *b)
{
	return b->cap - b->len;
}
