/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The one scan of mem_map: every page frame's class (libvmcore's classifier), what the dump
 * level drops of them, what the self-check keeps anyway, and what the input does not have.
 * Produces both bitmaps a block (BM_BLOCK_PFNS page frames) at a time, in order.
 */
#include <stdint.h>

#include "mdl.h"
#include "protect.h"

struct scan {
	vmcore_t *v;
	vmcore_classifier_t *cl; /* NULL: nothing can be classified, every page is kept */
	struct protect *prot;    /* NULL: no self-check */
	int level;
	int zero_in_scan;        /* read the pages kept to drop zero pages now (ELF -d 1) */
	int fd;                  /* the input, for reading those pages in runs */
	int (*put)(void *userdata, uint64_t index, const uint8_t *b1, const uint8_t *b2);
	void *userdata;
	void (*progress)(void *userdata, uint64_t done, uint64_t total, int finished);
	void *progress_userdata;
};

/* Scans all page frames; the number to dump in *ret_n_dump, the counts in st. */
int scan_run(struct scan *s, struct mdl_stats *st, uint64_t *ret_n_dump);
