/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The collector's test vmcore: 16 MiB of x86_64 "RAM" (vmimage.c's page tables and kernel
 * image) as an ELF file like /proc/vmcore (two CPUs' PRSTATUS notes, VMCOREINFO, a kernel-text
 * PT_LOAD, RAM in two PT_LOADs around a hole, the first ending inside a page), with struct
 * pages (6.12 encoding, found through SYMBOL(vmemmap)) that give every class of page, zero
 * pages, compressible and incompressible ones, and pages the classifier gets wrong on
 * purpose, which the self-check must keep:
 *
 *   PFN 0x000-0x09f  kernel, text (0x9f only partly RAM: RAM ends at 0x9fc00)
 *       0x0a0-0x0ff  hole
 *       0x100-0x17f  free (one order-7 block)
 *       0x180-0x1bf  cache            0x1c0-0x1df cache with private data
 *       0x1e0-0x1ff  user (anonymous), random bytes
 *       0x200-0x2ff  kernel, all zeros                0x300-0x3ff kernel, random bytes
 *       0x400-0x7ff  the kernel image (PG_reserved), page tables at 0x500..; 0x600 looks like
 *                    page cache (kept: kernel image); 0x700-0x77f was freed after boot (free,
 *                    no PG_reserved: not protected)
 *       0x800-0x9ff  free (order 9)   0xa00-0xbff cache
 *       0xc00-0xc3f  the struct pages; the one of 0xc10 looks anonymous (kept: struct pages)
 *       0xc40        the vmemmap page table; looks like page cache (kept: page tables)
 *       0xc41-0xfff  kernel, runs of 16 text pages and 16 zero pages; 0xd01-0xd0f are copies
 *                    of 0xd00
 */
#include <stdint.h>

#include "vmimage.h"

#define MI_NPFN 4096u
#define MI_RAM0_END UINT64_C(0x9fc00)
#define MI_RAM1_START UINT64_C(0x100000)

struct mdl_image {
	struct vmimage im;
	uint8_t cls[MI_NPFN];    /* the class the classifier should see */
	uint8_t prot[MI_NPFN];   /* the self-check keeps it */
	uint8_t zero[MI_NPFN];   /* all zeros */
	uint8_t random[MI_NPFN]; /* incompressible */
};

/* Aborts when out of memory: tests only. */
void mdl_image_build(struct mdl_image *m);
void mdl_image_free(struct mdl_image *m);
int mdl_image_save(struct mdl_image *m, const char *path);
/* Whether a dump at `level` must hold the page (zero pages: excluded by bit 1 in ELF only). */
int mdl_image_kept(const struct mdl_image *m, unsigned pfn, int level, int elf);
