/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel virtual to physical address translation for x86_64 dumps: a software walk of the
 * kernel's own page tables (init_top_pgt), 4-level or 5-level, with 1 GiB and 2 MiB leaves.
 *
 * The state is built on first use from VMCOREINFO:
 *   - NUMBER(phys_base): the physical address the kernel image was loaded at minus its link
 *     offset (may be "negative": it is a two's complement offset). Old dumps without it: taken
 *     from the ELF kernel-text PT_LOAD, or from the kdump sub-header.
 *   - SYMBOL(init_top_pgt) (SYMBOL(init_level4_pgt) before 4.13): the top-level table. VMCOREINFO
 *     symbols are run-time addresses, KASLR already applied; KERNELOFFSET only matters to whoever
 *     relocates vmlinux symbols, not to us.
 *   - NUMBER(pgtable_l5_enabled), NUMBER(sme_mask).
 *
 * The table pages last used at each level are cached, and so is the last leaf (a one-entry
 * TLB), so that reading a structure or a log buffer costs one page read, not five.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define ENTRY_MASK UINT64_C(0x000ffffffffff000) /* ~0xfff0000000000fff */
#define PAGE_PRESENT UINT64_C(0x001)
#define PAGE_PSE UINT64_C(0x080)
#define TABLE_SIZE 4096u
#define TABLE_ENTRIES 512u
#define MAX_LEVELS 5

/* The kernel image mapping when VMCOREINFO lacks NUMBER(KERNEL_IMAGE_SIZE). */
#define KERNEL_IMAGE_SIZE_NOKASLR (UINT64_C(512) << 20)
#define KERNEL_IMAGE_SIZE_KASLR (UINT64_C(1) << 30)

struct table_cache {
	uint64_t paddr;
	int valid;
	uint64_t entry[TABLE_ENTRIES];
};

struct xlat {
	unsigned levels;          /* 4 or 5 */
	int have_pgd;             /* no PGD symbol: only the kernel image can be translated */
	uint64_t pgd;             /* physical address of the top-level table */
	uint64_t phys_base;
	uint64_t entry_mask;
	uint64_t kernel_image_size;

	/* one cached table page per level, [0] = top */
	struct table_cache cache[MAX_LEVELS];

	/* the last leaf translated */
	int tlb_valid;
	uint64_t tlb_vaddr; /* aligned to the leaf size */
	uint64_t tlb_mask;  /* leaf size - 1 */
	uint64_t tlb_paddr;
};

void vc_xlat_free(struct vmcore *v)
{
	free(v->xlat);
	v->xlat = NULL;
}

static int find_phys_base(struct vmcore *v, uint64_t *ret)
{
	int64_t s;
	int r;

	r = vmcore_vmcoreinfo_get_s64(v, "NUMBER(phys_base)", &s);
	if (r == 0) {
		*ret = (uint64_t)s;
		return 0;
	}
	if (r != -ENOKEY)
		return vc_error(v, r, "VMCOREINFO NUMBER(phys_base) is malformed");

	/* Kernels before 4.10 do not export it: the dump's own headers tell. */
	if (v->have_header_phys_base) {
		*ret = v->header_phys_base;
		return 0;
	}
	/* Kernels before 2.6.22 had no relocatable image: phys_base is 0, as makedumpfile says. */
	*ret = 0;
	return 0;
}

static int xlat_init(struct vmcore *v, struct xlat **ret)
{
	_cleanup_free_ struct xlat *x = NULL;
	uint64_t sym, u;
	int64_t s;
	int r;

	if (v->xlat) {
		*ret = v->xlat;
		return 0;
	}
	if (!v->ops)
		return -EINVAL;
	if (!v->arch[0])
		return vc_error(v, -EOPNOTSUPP,
				"the dump does not say its architecture: cannot translate "
				"addresses");
	if (strcmp(v->arch, "x86_64") != 0)
		return vc_error(v, -EOPNOTSUPP,
				"virtual address translation is implemented for x86_64 only, "
				"this dump is %s", v->arch);
	if (v->page_size != TABLE_SIZE)
		return vc_error(v, -EBADMSG, "x86_64 dump with a page size of %u", v->page_size);

	x = calloc(1, sizeof(*x));
	if (!x)
		return vc_error(v, -ENOMEM, "out of memory");

	r = find_phys_base(v, &x->phys_base);
	if (r < 0)
		return vc_error_prefix(v, r, "finding phys_base");

	r = vmcore_vmcoreinfo_get_u64(v, "SYMBOL(init_top_pgt)", &sym);
	if (r == -ENOKEY)
		r = vmcore_vmcoreinfo_get_u64(v, "SYMBOL(init_level4_pgt)", &sym);
	if (r == 0) {
		if (sym < START_KERNEL_MAP)
			return vc_error(v, -EBADMSG,
					"VMCOREINFO SYMBOL(init_top_pgt)=%llx is not in the kernel "
					"image", (unsigned long long)sym);
		x->pgd = sym - START_KERNEL_MAP + x->phys_base;
		if (x->pgd & (TABLE_SIZE - 1))
			return vc_error(v, -EBADMSG,
					"the top-level page table at 0x%llx is not page-aligned",
					(unsigned long long)x->pgd);
		x->have_pgd = 1;
	} else if (r != -ENOKEY)
		return vc_error(v, r, "VMCOREINFO SYMBOL(init_top_pgt) is malformed");

	x->levels = 4;
	if (vmcore_vmcoreinfo_get_s64(v, "NUMBER(pgtable_l5_enabled)", &s) == 0 && s != 0)
		x->levels = 5;

	x->entry_mask = ENTRY_MASK;
	if (vmcore_vmcoreinfo_get_u64(v, "NUMBER(sme_mask)", &u) == 0)
		x->entry_mask &= ~u;

	if (vmcore_vmcoreinfo_get_u64(v, "NUMBER(KERNEL_IMAGE_SIZE)", &u) == 0 && u > 0 &&
	    u <= (UINT64_C(1) << 31))
		x->kernel_image_size = u;
	else if (vmcore_vmcoreinfo_get_u64(v, "KERNELOFFSET", &u) == 0)
		x->kernel_image_size = KERNEL_IMAGE_SIZE_KASLR;
	else
		x->kernel_image_size = KERNEL_IMAGE_SIZE_NOKASLR;

	v->xlat = TAKE_PTR(x);
	*ret = v->xlat;
	return 0;
}

static const char *level_name(unsigned levels, unsigned level)
{
	static const char *const names5[] = { "PGD", "P4D", "PUD", "PMD", "PTE" };

	/* 4-level paging has no P4D: its top is the PGD, then PUD, PMD, PTE. */
	if (levels == 4)
		return level == 0 ? "PGD" : names5[level + 1];
	return names5[level];
}

/* Reads entry `index` of the table at physical address `table` (level `level`, 0 = top). */
static int read_entry(struct vmcore *v, struct xlat *x, unsigned level, uint64_t table,
		      unsigned index, uint64_t vaddr, uint64_t *ret)
{
	struct table_cache *c = &x->cache[level];
	int r;

	if (!c->valid || c->paddr != table) {
		c->valid = 0;
		v->errmsg[0] = '\0';
		r = vmcore_read_phys(v, table, c->entry, TABLE_SIZE);
		if (r < 0)
			return vc_error_prefix(v, r,
					       "virtual address 0x%llx: cannot read the %s "
					       "table at physical 0x%llx",
					       (unsigned long long)vaddr,
					       level_name(x->levels, level),
					       (unsigned long long)table);
		c->paddr = table;
		c->valid = 1;
	}
	*ret = c->entry[index];
	return 0;
}

static int is_canonical(const struct xlat *x, uint64_t vaddr)
{
	unsigned bits = x->levels == 5 ? 57 : 48;
	int64_t s = (int64_t)(vaddr << (64 - bits)) >> (64 - bits);

	return (uint64_t)s == vaddr;
}

static int walk(struct vmcore *v, struct xlat *x, uint64_t vaddr, uint64_t *ret_paddr,
		uint64_t *ret_mask)
{
	uint64_t table = x->pgd;

	for (unsigned level = 0; level < x->levels; level++) {
		unsigned shift = 12 + 9 * (x->levels - 1 - level);
		unsigned index = (unsigned)((vaddr >> shift) & (TABLE_ENTRIES - 1));
		uint64_t e = 0;
		int r;

		r = read_entry(v, x, level, table, index, vaddr, &e);
		if (r < 0)
			return r;
		if (!(e & PAGE_PRESENT))
			return vc_error(v, -EADDRNOTAVAIL,
					"virtual address 0x%llx is not mapped: %s entry %u of the "
					"table at physical 0x%llx is not present (0x%016llx)",
					(unsigned long long)vaddr, level_name(x->levels, level),
					index, (unsigned long long)table, (unsigned long long)e);
		/* 1 GiB leaves in the PUD, 2 MiB leaves in the PMD; the last level always is. */
		if (level == x->levels - 1 || (level >= x->levels - 3 && (e & PAGE_PSE))) {
			uint64_t mask = (UINT64_C(1) << shift) - 1;

			*ret_paddr = (e & x->entry_mask & ~mask) | (vaddr & mask);
			*ret_mask = mask;
			return 0;
		}
		table = e & x->entry_mask;
	}
	return -EINVAL; /* not reached */
}

/* Translates vaddr; *ret_end_mask is the mask of the leaf it lies in (the contiguous span). */
static int translate(struct vmcore *v, uint64_t vaddr, uint64_t *ret_paddr, uint64_t *ret_mask)
{
	struct xlat *x = NULL;
	uint64_t paddr = 0, mask = 0;
	int r;

	r = xlat_init(v, &x);
	if (r < 0)
		return r;

	if (x->tlb_valid && (vaddr & ~x->tlb_mask) == x->tlb_vaddr) {
		*ret_paddr = x->tlb_paddr | (vaddr & x->tlb_mask);
		*ret_mask = x->tlb_mask;
		return 0;
	}
	if (!is_canonical(x, vaddr))
		return vc_error(v, -EADDRNOTAVAIL, "0x%llx is not a canonical %u-level address",
				(unsigned long long)vaddr, x->levels);

	if (!x->have_pgd) {
		/* Without the page table, only the kernel image mapping is known. */
		if (vaddr < START_KERNEL_MAP || vaddr - START_KERNEL_MAP >= x->kernel_image_size)
			return vc_error(v, -ENOKEY,
					"VMCOREINFO has neither SYMBOL(init_top_pgt) nor "
					"SYMBOL(init_level4_pgt): cannot translate 0x%llx",
					(unsigned long long)vaddr);
		*ret_paddr = vaddr - START_KERNEL_MAP + x->phys_base;
		*ret_mask = TABLE_SIZE - 1;
		return 0;
	}

	r = walk(v, x, vaddr, &paddr, &mask);
	if (r < 0)
		return r;
	x->tlb_vaddr = vaddr & ~mask;
	x->tlb_paddr = paddr & ~mask;
	x->tlb_mask = mask;
	x->tlb_valid = 1;
	*ret_paddr = paddr;
	*ret_mask = mask;
	return 0;
}

int vmcore_vtop(vmcore_t *v, uint64_t vaddr, uint64_t *ret_paddr)
{
	uint64_t paddr = 0, mask = 0;
	int r;

	if (!v || !ret_paddr)
		return -EINVAL;
	r = translate(v, vaddr, &paddr, &mask);
	if (r < 0)
		return r;
	*ret_paddr = paddr;
	return 0;
}

int vmcore_read_virt(vmcore_t *v, uint64_t vaddr, void *buf, size_t len)
{
	char *out = buf;

	if (!v || (!buf && len))
		return -EINVAL;
	if (len > 0 && vaddr + (len - 1) < vaddr)
		return vc_error(v, -EADDRNOTAVAIL,
				"reading %zu bytes at 0x%llx runs past the end of the address "
				"space",
				len, (unsigned long long)vaddr);
	while (len > 0) {
		uint64_t paddr = 0, mask = 0;
		size_t n;
		int r;

		r = translate(v, vaddr, &paddr, &mask);
		if (r < 0)
			return r;
		/* The rest of this leaf is physically contiguous. */
		n = (size_t)MIN((uint64_t)len, mask - (vaddr & mask) + 1);
		v->errmsg[0] = '\0';
		r = vmcore_read_phys(v, paddr, out, n);
		if (r < 0)
			return vc_error_prefix(v, r, "virtual address 0x%llx (physical 0x%llx)",
					       (unsigned long long)vaddr,
					       (unsigned long long)paddr);
		out += n;
		vaddr += n;
		len -= n;
	}
	return 0;
}

/* ---- the page-table pages themselves ---- */

struct table_walk {
	struct vmcore *v;
	const struct xlat *x;
	vmcore_table_fn fn;
	void *userdata;
	uint64_t max, visited;
	uint64_t *entries; /* one table per level */
};

static int walk_tables(struct table_walk *w, uint64_t table, unsigned level)
{
	uint64_t *e = w->entries + (size_t)level * TABLE_ENTRIES, prev = UINT64_MAX;
	int r;

	if (w->visited >= w->max)
		return vc_error(w->v, -E2BIG, "more than %llu page-table pages: the tables are "
				"corrupt", (unsigned long long)w->max);
	w->visited++;
	r = w->fn(table, (int)level, w->userdata);
	if (r < 0)
		return r;
	if (level == w->x->levels - 1)
		return 0; /* its entries map pages, not tables */
	if (vmcore_read_phys(w->v, table, e, TABLE_SIZE) < 0)
		return 0;
	for (unsigned i = 0; i < TABLE_ENTRIES; i++) {
		uint64_t child;

		if (!(e[i] & PAGE_PRESENT))
			continue;
		/* 1 GiB and 2 MiB leaves in the PUD and PMD */
		if (level >= w->x->levels - 3 && (e[i] & PAGE_PSE))
			continue;
		child = e[i] & w->x->entry_mask;
		/* The same table twice in a row is a fill pattern, not a second table. */
		if (child == prev)
			continue;
		prev = child;
		r = walk_tables(w, child, level + 1);
		if (r < 0)
			return r;
	}
	return 0;
}

int vmcore_kernel_page_tables(vmcore_t *v, uint64_t max_tables, vmcore_table_fn fn,
			      void *userdata)
{
	struct table_walk w = { .v = v, .fn = fn, .userdata = userdata, .max = max_tables };
	struct xlat *x = NULL;
	int r;

	if (!v || !fn)
		return -EINVAL;
	r = xlat_init(v, &x);
	if (r < 0)
		return r;
	if (!x->have_pgd)
		return vc_error(v, -ENOKEY, "VMCOREINFO has neither SYMBOL(init_top_pgt) nor "
				"SYMBOL(init_level4_pgt): the page tables cannot be found");
	w.x = x;
	w.entries = malloc((size_t)MAX_LEVELS * TABLE_SIZE);
	if (!w.entries)
		return vc_error(v, -ENOMEM, "out of memory");
	r = walk_tables(&w, x->pgd, 0);
	free(w.entries);
	if (r < 0)
		return r;
	return (int)MIN(w.visited, (uint64_t)INT32_MAX);
}
