/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Shared by the fuzz targets. Each target defines LLVMFuzzerTestOneInput(); it is linked with
 * libFuzzer (-Dfuzz=true, clang) or with replay.c, a main() that runs every file of the corpus
 * directories it is given (the default build: the meson suite 'fuzz-regress').
 *
 * A target must be deterministic, never exit, and free everything it allocates: the same
 * process runs millions of inputs.
 */
#include <stddef.h>
#include <stdint.h>

#include "vmcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIN_SIZE(a, b) ((size_t)(a) < (size_t)(b) ? (size_t)(a) : (size_t)(b))

/* Page frames read per input: all of them up to this many, then a spread of them. */
#define FUZZ_MAX_PFN_READS 1024u

/* A memfd for the inputs of this process (created once); aborts when it cannot. */
int fuzz_memfd(void);
/* Makes fd hold exactly data[0..size); aborts on failure (a broken harness, not a finding). */
void fuzz_set_file(int fd, const void *data, size_t size);

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

/* Reads every byte (so that ASan checks the buffer); NULL strings are fine. */
void fuzz_touch(const void *p, size_t n);
void fuzz_touch_str(const char *s);

/* A line callback that counts lines and touches every byte (so ASan checks the buffer). */
int fuzz_count_line(const char *line, size_t len, void *userdata);
