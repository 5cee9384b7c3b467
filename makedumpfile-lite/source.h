/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The reader's side of the copy: page data for a chunk. /proc/vmcore is mmap()ed chunk by
 * chunk (read() costs the kernel an ioremap per page; mmap maps the old memory directly);
 * other files are read with pread(), runs of pages at once, into the chunk's buffer, and so
 * is everything with --non-mmap or when mmap fails. Pages the format does not store whole and
 * uncompressed (kdump, flattened inputs) go through vmcore_read_pfn().
 */
#include <stddef.h>
#include <stdint.h>

#include "vmcore.h"

struct chunk;

struct source {
	vmcore_t *v;
	int fd;            /* our own descriptor on the input */
	size_t page_size;
	size_t os_page;
	int use_mmap;
	int guarded;       /* the SIGBUS guard is installed: mapped pages are probed (sigbus.h) */
	uint64_t faults;   /* mapped pages that raised SIGBUS: lost */
};

/*
 * fd stays the caller's. use_mmap: try mmap() first; the caller sets guarded once it installed
 * the SIGBUS guard, and must not ask for mmap() without it.
 */
void source_init(struct source *s, vmcore_t *v, int fd, int use_mmap);
/*
 * Points c->src[i] at the data of each page of the chunk; a page that cannot be read gets
 * NULL (its error is not fatal: the page is lost), an optional page not in the input gets a
 * page of zeros. Returns a negative errno only when memory runs out.
 */
int source_fill(void *source, struct chunk *c);
/* Undoes what source_fill() mapped. (Both take a struct source *: pipeline callbacks.) */
void source_release(void *source, struct chunk *c);
