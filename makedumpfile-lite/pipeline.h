/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The copy: one reader (the calling thread), N compression workers and one writer that takes
 * the chunks back in order. Chunks are CHUNK_PAGES pages; a ring of 2N + 2 of them bounds the
 * memory whatever the size of the dump (see docs/collector.md).
 *
 *   reader:  produce() names the pages of the next chunk, in dump order; the source maps or
 *            reads them (source.c)
 *   workers: each page: lost (unreadable), the shared zero page (-d 1, kdump), compressed,
 *            or raw
 *   writer:  consume() gets the chunks in the order they were produced
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "codec.h"
#include "dedup.h"

#define CHUNK_PAGES 128u

enum page_kind {
	PAGE_RAW,        /* src holds the page, store it as it is */
	PAGE_COMPRESSED, /* size bytes at out + off, flag `flags` */
	PAGE_ZERO,       /* all zeros: the shared zero page */
	PAGE_LOST,       /* could not be read */
	PAGE_DUP,        /* the same as a page written before: its data at ref, size, flags */
	PAGE_DUP_CHUNK,  /* the same as page ref of this chunk */
};

struct chunk {
	uint64_t seq;
	unsigned n;
	/* what produce() sets */
	int tag;                        /* the producer's, for the consumer */
	uint64_t pfn[CHUNK_PAGES];
	uint32_t part_off[CHUNK_PAGES]; /* bytes of the page the writer wants (ELF: segment edges) */
	uint32_t part_len[CHUNK_PAGES];
	uint8_t optional[CHUNK_PAGES];  /* not in the input: zeros, not lost (ELF short runs) */
	/* what the reader sets */
	const uint8_t *src[CHUNK_PAGES];
	uint64_t in_off[CHUNK_PAGES];   /* where the page is in the input, UINT64_MAX: unknown */
	uint8_t *inbuf;                 /* pages read with pread() */
	void *map;                      /* pages mapped with mmap() */
	size_t map_len;
	/* what the worker sets */
	uint8_t kind[CHUNK_PAGES];
	uint8_t flags[CHUNK_PAGES];
	uint32_t size[CHUNK_PAGES];
	uint32_t off[CHUNK_PAGES];
	uint64_t key[CHUNK_PAGES];      /* dedup key, 0: none */
	uint64_t ref[CHUNK_PAGES];      /* PAGE_DUP: where its data is in the dump */
	uint8_t *out;
	size_t out_len;
	int state;
};

struct pipeline_config {
	unsigned workers;
	size_t page_size;
	uint32_t method;     /* compression, 0: none */
	int zstd_level;
	int zero_check;      /* tell zero pages (kdump -d 1) */
	struct dedup *dedup; /* store identical pages once (kdump), NULL: no */
	/* the reader: sets c->src for the pages named (source_fill), and undoes it */
	int (*fill)(void *source, struct chunk *c);
	void (*release)(void *source, struct chunk *c);
	void *source;
	/* fills c->n (0: no more) and c->pfn, part_off, part_len, optional */
	int (*produce)(void *userdata, struct chunk *c);
	/* takes one chunk, in order; an error stops everything */
	int (*consume)(void *userdata, const struct chunk *c);
	void *userdata;
};

struct pipeline_stats {
	uint64_t pages, bytes_in, unreadable;
	/* seconds each side spent working and waiting for the others (workers: summed) */
	double read_busy, read_wait, work_busy, work_wait, write_busy, write_wait;
};

/*
 * Runs the copy to the end or to the first error: a negative errno from produce, consume, the
 * source or a worker (the first one wins). Returns 0 when every chunk was consumed.
 */
int pipeline_run(const struct pipeline_config *cfg, struct pipeline_stats *stats);

/* Workers for this machine: online CPUs, capped by memory (MemAvailable) and by 8. */
unsigned pipeline_default_workers(uint32_t method, size_t page_size);
