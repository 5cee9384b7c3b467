/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where the vmimage targets let inputs write (their windows, see imgfuzz.h), shared with
 * mkseeds.c, which writes their seed inputs. The window numbers are part of the corpus
 * format: append, never renumber.
 */
#include "imgfuzz.h"

/* ---- fuzz-dmesg ---- */

#define DM_VARS_PA UINT64_C(0x600000)  /* the prb pointer, struct printk_ringbuffer, log_* */
#define DM_RINGS_PA UINT64_C(0x900000) /* descriptors and printk_info */
#define DM_TEXT_PA UINT64_C(0x910000)  /* the text data ring, or log_buf */

enum { DM_W_VARS, DM_W_RINGS, DM_W_TEXT, DM_N_WINDOWS };
static const struct img_window dmesg_windows[DM_N_WINDOWS] = {
	[DM_W_VARS] = { DM_VARS_PA, 0x1000 },
	[DM_W_RINGS] = { DM_RINGS_PA, 0x10000 },
	[DM_W_TEXT] = { DM_TEXT_PA, 0x10000 },
};

/* target flags of fuzz-dmesg */
#define DM_FLAG_STOP 0x01 /* the line callback stops the walk after (flags >> 4) lines */

/* ---- fuzz-pageclass ---- */

/*
 * struct pages at PC_VMEMMAP + pfn * SIZE(page), mapped 4 KiB at a time to PC_MEMMAP_PA (64
 * pages: 4096 struct pages of 64 bytes, the image's 4096 PFNs) by tables at PC_T_PUD.. that the
 * image has (window PC_W_TABLES changes them). Page 62 of the array is not mapped; page 63 is
 * mapped to the last page of RAM, which the dump leaves out (ELF p_filesz < p_memsz).
 */
#define PC_VMEMMAP UINT64_C(0xffffea0000000000)
#define PC_MEMMAP_PA UINT64_C(0xc00000)
#define PC_LAST_PA (IMG_RAM_SIZE - 4096)
#define PC_T_PUD UINT64_C(0x508000)
#define PC_T_PMD UINT64_C(0x509000)
#define PC_T_PT UINT64_C(0x50a000)
#define PC_SECTIONS_PA UINT64_C(0x900000) /* roots, root 0 at +0x1000, a static array at +0x2000 */
#define PC_PTRVARS_PA UINT64_C(0x600000)  /* pointer variables: mem_section, mem_map */
#define PC_NPFN 4096u

enum {
	PC_W_PAGES0, /* struct pages of PFNs 0..1023 (64-byte ones) */
	PC_W_PAGES1,
	PC_W_PAGES2,
	PC_W_PAGES3,
	PC_W_SECTIONS,
	PC_W_PTRVARS,
	PC_W_TABLES,
	PC_N_WINDOWS
};
static const struct img_window pageclass_windows[PC_N_WINDOWS] = {
	[PC_W_PAGES0] = { PC_MEMMAP_PA, 0x10000 },
	[PC_W_PAGES1] = { PC_MEMMAP_PA + 0x10000, 0x10000 },
	[PC_W_PAGES2] = { PC_MEMMAP_PA + 0x20000, 0x10000 },
	[PC_W_PAGES3] = { PC_MEMMAP_PA + 0x30000, 0x10000 },
	[PC_W_SECTIONS] = { PC_SECTIONS_PA, 0x3000 },
	[PC_W_PTRVARS] = { PC_PTRVARS_PA, 0x1000 },
	[PC_W_TABLES] = { PC_T_PUD, 0x3000 },
};

/* ---- fuzz-xlat ---- */

/*
 * The page tables (the image's own from IMG_T_TOP, and free table pages from IMG_T_FREE up
 * to 0x510000), and a page of the kernel image to read through them.
 */
enum { XL_W_TABLES, XL_W_TEXT, XL_N_WINDOWS };
static const struct img_window xlat_windows[XL_N_WINDOWS] = {
	[XL_W_TABLES] = { IMG_T_TOP, 0x10000 },
	[XL_W_TEXT] = { IMG_TEXT_PA, 0x1000 },
};

/* fuzz-xlat's own data (the last window): records of { u64le vaddr, u16le read length } */
#define XL_RECORD 10u
#define XL_MAX_READ 0x3000u
