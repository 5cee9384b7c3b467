/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The self-check: page frames a reader cannot do without, whatever the classifier says of
 * them. crash and libkdumpfile need the kernel image (text, data, the static page tables,
 * the log buffer descriptors), the page tables that translate kernel addresses, and the struct
 * pages of the memory in the dump. When the filter would drop one of these, the collector
 * keeps it and counts it: on a kernel whose page layout the classifier misreads, the dump
 * is bigger rather than unreadable.
 */
#include <stddef.h>
#include <stdint.h>

#include "vmcore.h"

enum protect_reason {
	PROTECT_KERNEL, /* SYMBOL(_stext) to the end of the kernel image's PT_LOAD, but for what
			   the kernel freed after boot (init sections: PG_reserved clear) */
	PROTECT_TABLES, /* page tables reachable from init_top_pgt */
	PROTECT_MEMMAP, /* pages holding the struct pages of RAM */
	_PROTECT_MAX,
};

struct protect_range {
	uint64_t start, end; /* PFNs, end exclusive */
	enum protect_reason why;
};

struct protect {
	struct protect_range *r;
	size_t n, cap;
	struct protect_range *tables; /* the page tables alone, sorted, merged */
	size_t n_tables;
	size_t cursor;     /* lookups in ascending order cost O(1) */
	uint64_t last;
	uint64_t pages[_PROTECT_MAX];
	int have[_PROTECT_MAX]; /* whether that part could be worked out */
	uint64_t freed_image; /* pages of the kernel image range the kernel freed after boot */
	char note[256];    /* what could not be worked out, and why */
};

/*
 * Works out the protected page frames (the struct pages only with with_memmap: they matter
 * to the filter, not to the order the writer saves pages in). Parts that cannot be worked
 * out (no VMCOREINFO key, a kdump input without the kernel-text segment, no classifier) are
 * left out and said in note; only running out of memory is an error.
 */
int protect_build(vmcore_t *v, vmcore_classifier_t *cl, int with_memmap, struct protect *p);
/* Sorts and merges p->r into disjoint ranges and counts the pages (protect_build does it). */
void protect_normalize(struct protect *p);
/* Why pfn is protected, or -1. */
int protect_lookup(struct protect *p, uint64_t pfn);
void protect_done(struct protect *p);
