/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A tiny x86_64 ELF vmcore built in memory for the xlat and dmesg tests: 16 MiB of "RAM" at
 * physical 0, real page-table pages (4- or 5-level) and a VMCOREINFO note.
 *
 *   physical 0x400000..0x800000  the kernel image, mapped at TEXT_VA (KASLR-like) with 2 MiB
 *                                leaves; phys_base is "negative" as with real KASLR kernels
 *   physical 0x500000..          the page tables (init_top_pgt = TEXT_VA + 0x100000)
 *   the direct map               DM4 (4-level) or DM5 (5-level) + paddr, a 1 GiB leaf over
 *                                [0, 1 GiB)
 * Every table entry carries the SME bit, NX and software bits, which translation must mask.
 */
#include <stddef.h>
#include <stdint.h>

#include "vmcore.h"

#define IMG_START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define IMG_RAM_SIZE UINT64_C(0x1000000)
#define IMG_TEXT_VA UINT64_C(0xffffffff9a000000)
#define IMG_TEXT_PA UINT64_C(0x400000)
#define IMG_TEXT_SIZE UINT64_C(0x400000)
#define IMG_KERNELOFFSET (IMG_TEXT_VA - UINT64_C(0xffffffff81000000))
#define IMG_PHYS_BASE (IMG_TEXT_PA - (IMG_TEXT_VA - IMG_START_KERNEL_MAP))
#define IMG_DM4 UINT64_C(0xffff888000000000)
#define IMG_DM5 UINT64_C(0xff11000000000000)
#define IMG_SME (UINT64_C(1) << 47)
/* present, rw, accessed, dirty, NX, a software bit, the SME bit */
#define IMG_FLAGS (UINT64_C(0x63) | (UINT64_C(1) << 63) | (UINT64_C(1) << 58) | IMG_SME)
#define IMG_LEAF UINT64_C(0x80)

/* Physical addresses of the page-table pages. */
#define IMG_T_TOP UINT64_C(0x500000)
#define IMG_T_P4D_K UINT64_C(0x501000)
#define IMG_T_P4D_D UINT64_C(0x502000)
#define IMG_T_PUD_K UINT64_C(0x503000)
#define IMG_T_PMD_K UINT64_C(0x504000)
#define IMG_T_PUD_D UINT64_C(0x506000)
#define IMG_T_FREE UINT64_C(0x508000) /* tables a test adds go from here */

struct vmimage {
	uint8_t *ram;
	int levels;                /* 4 or 5 */
	uint64_t dm;               /* direct map base */
	uint16_t machine;          /* EM_X86_64 */
	int phys_base_key;         /* NUMBER(phys_base) in VMCOREINFO */
	const char *pgd_key;       /* "init_top_pgt", "init_level4_pgt" or NULL */
	int text_load;             /* a kernel-text PT_LOAD */
	uint64_t ram_filesz;       /* < IMG_RAM_SIZE: the rest is "filtered out" */
	const char *osrelease;
	char *info;                /* extra VMCOREINFO lines */
	size_t info_len;
};

/* Aborts on failure (out of memory): tests only. */
void img_init(struct vmimage *im, int levels);
void img_free(struct vmimage *im);
void img_info(struct vmimage *im, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void img_write(struct vmimage *im, uint64_t paddr, const void *p, size_t len);
void img_w64(struct vmimage *im, uint64_t paddr, uint64_t val);
void img_w32(struct vmimage *im, uint64_t paddr, uint32_t val);
void img_w16(struct vmimage *im, uint64_t paddr, uint16_t val);
uint64_t img_r64(const struct vmimage *im, uint64_t paddr);
/* Sets entry idx of the table at physical `table` (flags IMG_FLAGS, plus IMG_LEAF if leaf). */
void img_entry(struct vmimage *im, uint64_t table, unsigned idx, uint64_t paddr, int leaf);

static inline unsigned img_index(uint64_t vaddr, unsigned shift)
{
	return (unsigned)((vaddr >> shift) & 511);
}
static inline uint64_t img_text(uint64_t paddr)
{
	return paddr - IMG_TEXT_PA + IMG_TEXT_VA;
}

/* Writes the ELF file to a memfd and opens it; NULL (with a message on stderr) on failure. */
vmcore_t *img_open(struct vmimage *im);
/* The same, returning the open error instead. */
int img_try_open(struct vmimage *im, vmcore_t **ret);
/* Writes the ELF file to path (for the command-line tool). */
int img_save(struct vmimage *im, const char *path);
/*
 * Writes the ELF file to fd. With with_ram 0 only the headers and the notes are written: fd
 * already holds the RAM (the fuzzers keep one file and rewrite what changed, at
 * img_file_offset()).
 */
int img_write_fd(struct vmimage *im, int fd, int with_ram);
/* The offset of physical address paddr in the ELF file. */
uint64_t img_file_offset(uint64_t paddr);
