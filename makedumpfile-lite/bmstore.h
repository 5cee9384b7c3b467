/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Bitmap 2 (which page frames go into the dump) between the one scan of mem_map and the copy.
 * The scan hands it over a block of 32768 page frames (4 KiB of bitmap) at a time. Where the
 * dump file is seekable and holds the bitmap itself (kdump), the copy reads it back from the
 * file: nothing is kept in memory. Otherwise (ELF output, flattened streams, --dry-run) each
 * block is kept in memory run-length encoded: all-clear and all-set blocks take one byte, a
 * typical -d 31 block of a real dump some hundred bytes, and the worst case (alternating
 * pages) is the raw 4 KiB: 32 MiB per TiB of RAM.
 */
#include <stddef.h>
#include <stdint.h>

struct sink;

#define BM_BLOCK_BYTES 4096u
#define BM_BLOCK_PFNS (BM_BLOCK_BYTES * 8u)

struct bm_store {
	uint64_t max_pfn;
	uint64_t n_blocks;
	/* read back from the dump file */
	struct sink *sink;
	uint64_t file_off;
	/* kept in memory */
	uint64_t *index;   /* offset of each block's encoding in data */
	uint64_t n_put;
	uint8_t *data;
	size_t data_len, data_cap;
	/* the block last decoded */
	uint64_t cached;   /* block index, UINT64_MAX: none */
	uint8_t block[BM_BLOCK_BYTES];
};

int bm_store_init_memory(struct bm_store *s, uint64_t max_pfn);
void bm_store_init_file(struct bm_store *s, struct sink *sink, uint64_t file_off,
			uint64_t max_pfn);
void bm_store_done(struct bm_store *s);

/* Stores block `index` (blocks come in order, each once); nothing to do for a file store. */
int bm_store_put(struct bm_store *s, uint64_t index, const uint8_t *bits);
/* Whether pfn is set (0/1) or a negative errno (a file that cannot be read back). */
int bm_store_test(struct bm_store *s, uint64_t pfn);
/* The first set PFN >= pfn in *ret, -ENOENT when there is none. */
int bm_store_next(struct bm_store *s, uint64_t pfn, uint64_t *ret);
/* The first clear PFN >= pfn in *ret (max_pfn when all the rest is set). */
int bm_store_next_clear(struct bm_store *s, uint64_t pfn, uint64_t *ret);
/* The number of set bits in [from, to). */
int bm_store_count(struct bm_store *s, uint64_t from, uint64_t to, uint64_t *ret);
/* Bytes of memory the store holds. */
size_t bm_store_memory(const struct bm_store *s);
