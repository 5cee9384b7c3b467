/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Identical pages are stored once (kdump output). A page descriptor is an absolute offset, so
 * any number of them may point at the same data, as every zero page does at the shared zero
 * page; crash and libkdumpfile just follow it. A worker looks a page up by a sample of its
 * words before compressing it; a candidate is compared byte for byte with the page already
 * written, read again from the input; only then does the page take that page's descriptor.
 * The writer adds each page it writes. The table is direct-mapped and bounded (DEDUP_SLOTS
 * entries, 2 MiB): a dump of any size finds the duplicates near each other.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "ondisk.h"

#define DEDUP_SLOTS 65536u

struct dedup_slot {
	uint64_t key;     /* 0: empty */
	uint64_t in_off;  /* where the page is in the input file */
	struct disk_page_desc pd;
};

struct dedup {
	pthread_mutex_t lock;
	struct dedup_slot *slot;
	int fd;           /* the input */
	size_t ps;
};

int dedup_init(struct dedup *d, int fd, size_t page_size);
void dedup_done(struct dedup *d);
/* The key of a page: a sample of its words, never 0. */
uint64_t dedup_key(const void *page, size_t page_size);
/*
 * Whether the page (key, contents) was written before: 1 and its descriptor in *ret, 0 when
 * not. scratch is a page of the caller's for reading the candidate back.
 */
int dedup_find(struct dedup *d, uint64_t key, const void *page, void *scratch,
	       struct disk_page_desc *ret);
/* The writer: the page at input offset in_off was stored with descriptor pd. */
void dedup_add(struct dedup *d, uint64_t key, uint64_t in_off, const struct disk_page_desc *pd);
