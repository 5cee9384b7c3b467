/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where the crashed kernel keeps its struct pages (memmap.c), found through VMCOREINFO alone:
 * SPARSEMEM (static or EXTREME, with or without VMEMMAP) through mem_section, or FLATMEM
 * through mem_map.
 */
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

struct vc_memmap;

/*
 * Finds the struct page array. size is SIZE(page) (already checked by the caller). Fails with
 * -ENOKEY naming the key when no memory model can be recognised, -EBADMSG when the exported
 * values are inconsistent, or the error of reading the kernel's tables.
 */
int vc_memmap_new(struct vmcore *v, uint32_t size, struct vc_memmap **ret);
struct vc_memmap *vc_memmap_free(struct vc_memmap *m);

/*
 * Kernel virtual address of the struct page of pfn. *ret_run_end is the first PFN from which
 * the array may no longer be contiguous with this one (the end of the memory section); it is
 * set on failure too, the whole run then being without struct pages. Errors: -ENOENT when the kernel has no struct page there (absent section), -ENODATA when
 * the table that says where it is was filtered out of the dump, anything else when it cannot
 * be read or makes no sense.
 */
int vc_memmap_lookup(struct vc_memmap *m, uint64_t pfn, uint64_t *ret_vaddr,
		     uint64_t *ret_run_end);

/*
 * Reads the n struct pages at vaddr (consecutive, size bytes each) into buf. status[i] is set
 * to 0 for each entry read, or to the negative errno of reading it (-ENODATA: the page that
 * holds it is not in the dump). One read when all is there, one per page of the array when not.
 */
void vc_memmap_read(struct vc_memmap *m, uint64_t vaddr, size_t n, uint8_t *buf, int *status);
