/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the libvmcore fuzz targets (fuzz-util.c), on top of what every target shares
 * (fuzz-common.h).
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz-common.h"
#include "vmcore.h"

/* Page frames read per input: all of them up to this many, then a spread of them. */
#define FUZZ_MAX_PFN_READS 1024u

/* What fuzz_exercise() does beyond the format-independent reads. */
enum {
	FUZZ_EX_VERIFY = 1 << 0,
	FUZZ_EX_DMESG = 1 << 1,
	FUZZ_EX_VIRT = 1 << 2,
	FUZZ_EX_CLASSIFY = 1 << 3,
	FUZZ_EX_ALL = FUZZ_EX_VERIFY | FUZZ_EX_DMESG | FUZZ_EX_VIRT | FUZZ_EX_CLASSIFY,
};

/*
 * Every reading entry point of an open handle: the info accessors, page counts and ranges,
 * notes and VMCOREINFO, the ELF segments, the state, contents and file extent of (at most
 * FUZZ_MAX_PFN_READS) page frames, physical reads across page and range edges, and what
 * `what` asks for (FUZZ_EX_VIRT: the kernel page-table walk too). Results are ignored:
 * errors are fine, crashes, hangs and huge allocations are not.
 */
void fuzz_exercise(vmcore_t *v, unsigned what);

/*
 * The collectors' calls, with what they promise whatever the input (a broken promise is a
 * __builtin_trap()): vmcore_classifier_memmap()'s run includes pfn; vmcore_kernel_page_tables()
 * visits at most max_tables page-aligned tables of levels 0..4 and counts them right.
 */
void fuzz_check_memmap(vmcore_classifier_t *c, uint64_t pfn);
void fuzz_walk_tables(vmcore_t *v, uint64_t max_tables);

/* Every VMCOREINFO key libvmcore looks up, NULL-terminated. */
extern const char *const fuzz_vmcoreinfo_keys[];
/* Looks key up with every getter. */
void fuzz_lookup_key(const vmcore_t *v, const char *key);

/* A line callback that counts lines and touches every byte (so ASan checks the buffer). */
int fuzz_count_line(const char *line, size_t len, void *userdata);
