/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "protect.h"

#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)
/* Far beyond any real kernel's page tables: the walk of a corrupt table graph stops there. */
#define MAX_TABLES (UINT64_C(4) << 20)

static int add(struct protect *p, uint64_t start, uint64_t end, enum protect_reason why)
{
	struct protect_range *last = p->n ? &p->r[p->n - 1] : NULL;

	if (start >= end)
		return 0;
	if (last && last->why == why && start >= last->start && start <= last->end) {
		last->end = MAX(last->end, end);
		return 0;
	}
	if (p->n == p->cap) {
		size_t cap = p->cap ? p->cap * 2 : 64;
		struct protect_range *r = realloc(p->r, cap * sizeof(*r));
		if (!r)
			return -ENOMEM;
		p->r = r;
		p->cap = cap;
	}
	p->r[p->n++] = (struct protect_range){ start, end, why };
	return 0;
}

static void note(struct protect *p, const char *what, const char *why)
{
	size_t n = strlen(p->note);

	snprintf(p->note + n, sizeof(p->note) - n, "%s%s: %s", n ? "; " : "", what, why);
}

/*
 * PG_reserved is not in VMCOREINFO; it has come right before PG_private in enum pageflags
 * since 2.6 (6.1: 12/13, 6.12: 13/14). It is only used when the kernel's own text says so:
 * the struct page of SYMBOL(_stext) and of the top page table must have it.
 */
static int reserved_bit(vmcore_t *v, vmcore_classifier_t *cl, uint64_t start, int *ret_bit,
			uint64_t *ret_flags_off)
{
	uint64_t priv, off, pgd, pa, va, run_end, flags;
	uint64_t check[2] = { start >> 12, 0 };

	if (!cl || vmcore_vmcoreinfo_get_u64(v, "NUMBER(PG_private)", &priv) < 0 ||
	    priv == 0 || priv > 63 || vmcore_vmcoreinfo_get_u64(v, "OFFSET(page.flags)", &off) < 0)
		return -ENOKEY;
	if (vmcore_vmcoreinfo_get_u64(v, "SYMBOL(init_top_pgt)", &pgd) < 0 ||
	    vmcore_vtop(v, pgd, &pa) < 0)
		return -ENOKEY;
	check[1] = pa >> 12;
	for (size_t i = 0; i < 2; i++)
		if (vmcore_classifier_memmap(cl, check[i], &va, &run_end) < 0 ||
		    vmcore_read_virt(v, va + off, &flags, sizeof(flags)) < 0 ||
		    !((flags >> (priv - 1)) & 1))
			return -EBADMSG;
	*ret_bit = (int)(priv - 1);
	*ret_flags_off = off;
	return 0;
}

/* The pages of [first, last) whose struct page has PG_reserved: what the kernel never freed. */
static int add_reserved(vmcore_t *v, vmcore_classifier_t *cl, struct protect *p, uint64_t first,
			uint64_t last, int bit, uint64_t flags_off, uint64_t *ret_freed)
{
	uint64_t size, pfn = first, freed = 0;
	uint8_t buf[64 * 512];
	int r;

	if (vmcore_vmcoreinfo_get_u64(v, "SIZE(page)", &size) < 0 || size < 8 || size > 64 ||
	    flags_off > size - 8)
		return -ENOKEY;
	while (pfn < last) {
		uint64_t va, run_end, n;

		if (vmcore_classifier_memmap(cl, pfn, &va, &run_end) < 0)
			return -ENODATA;
		n = MIN(MIN(run_end, last) - pfn, (uint64_t)(sizeof(buf) / size));
		if (vmcore_read_virt(v, va, buf, n * size) < 0)
			return -ENODATA;
		for (uint64_t i = 0; i < n; i++) {
			uint64_t flags;

			memcpy(&flags, buf + i * size + flags_off, sizeof(flags));
			if ((flags >> bit) & 1) {
				r = add(p, pfn + i, pfn + i + 1, PROTECT_KERNEL);
				if (r < 0)
					return r;
			} else
				freed++;
		}
		pfn += n;
	}
	*ret_freed = freed;
	return 0;
}

static int add_kernel(vmcore_t *v, vmcore_classifier_t *cl, struct protect *p)
{
	uint64_t stext, start, paddr, vaddr, memsz, end = 0, flags_off = 0, freed = 0;
	size_t mark = p->n;
	int bit = 0, guessed = 0, r;

	if (vmcore_vmcoreinfo_get_u64(v, "SYMBOL(_stext)", &stext) < 0) {
		note(p, "kernel image", "VMCOREINFO has no SYMBOL(_stext)");
		return 0;
	}
	if (vmcore_vtop(v, stext, &start) < 0) {
		note(p, "kernel image", "SYMBOL(_stext) does not translate");
		return 0;
	}
	for (size_t i = 0; i < vmcore_elf_load_count(v); i++)
		if (vmcore_elf_load(v, i, &paddr, &vaddr, &memsz, NULL) == 0 &&
		    vaddr >= START_KERNEL_MAP && start >= paddr && start - paddr < memsz)
			end = paddr + memsz;
	if (!end) {
		uint64_t size = 1u << 30;

		/*
		 * No kernel-text segment (a kdump-compressed input): the image lies somewhere in
		 * the KERNEL_IMAGE_SIZE after _stext, and its pages are the reserved ones there.
		 */
		if (reserved_bit(v, cl, start, &bit, &flags_off) < 0) {
			note(p, "kernel image", "the dump has no kernel-text segment");
			return 0;
		}
		(void)vmcore_vmcoreinfo_get_u64(v, "NUMBER(KERNEL_IMAGE_SIZE)", &size);
		end = MIN(start + MIN(size, UINT64_C(1) << 30), vmcore_max_pfn(v) << 12);
		guessed = 1;
	}
	p->have[PROTECT_KERNEL] = 1;
	/*
	 * The kernel frees its init sections and the alignment gaps of the image after boot;
	 * those pages are then memory like any other (page cache, free...), and only the pages
	 * still reserved are the image. Where that cannot be told, the whole range is kept.
	 */
	if (reserved_bit(v, cl, start, &bit, &flags_off) == 0) {
		r = add_reserved(v, cl, p, start >> 12, DIV_ROUND_UP(end, 4096), bit, flags_off,
				 &freed);
		if (r == -ENOMEM)
			return r;
		if (r == 0) {
			p->freed_image = freed;
			return 0;
		}
		p->n = mark;
	}
	if (guessed) {
		note(p, "kernel image", "its struct pages cannot be read");
		return 0;
	}
	note(p, "kernel image", "PG_reserved cannot be told: all of it is kept");
	return add(p, start >> 12, DIV_ROUND_UP(end, 4096), PROTECT_KERNEL);
}

static int table_cb(uint64_t paddr, int level, void *userdata)
{
	return add(userdata, paddr >> 12, (paddr >> 12) + 1, PROTECT_TABLES);
}

static int cmp_range(const void *a, const void *b);

static int add_tables(vmcore_t *v, struct protect *p)
{
	size_t mark = p->n, m = 0;
	int r = vmcore_kernel_page_tables(v, MAX_TABLES, table_cb, p);

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		note(p, "page tables", vmcore_strerror(v));
		return 0;
	}
	p->have[PROTECT_TABLES] = 1;
	/* a list of their own too: the writer saves them first */
	p->tables = malloc((p->n - mark + 1) * sizeof(*p->tables));
	if (!p->tables)
		return -ENOMEM;
	memcpy(p->tables, p->r + mark, (p->n - mark) * sizeof(*p->tables));
	qsort(p->tables, p->n - mark, sizeof(*p->tables), cmp_range);
	for (size_t i = 0; i < p->n - mark; i++) {
		if (m && p->tables[i].start <= p->tables[m - 1].end)
			p->tables[m - 1].end = MAX(p->tables[m - 1].end, p->tables[i].end);
		else
			p->tables[m++] = p->tables[i];
	}
	p->n_tables = m;
	return 0;
}

static int add_memmap(vmcore_t *v, vmcore_classifier_t *cl, struct protect *p)
{
	uint64_t size, ps = vmcore_page_size(v);
	int r;

	if (!cl) {
		note(p, "struct pages", "the classifier is not available");
		return 0;
	}
	if (vmcore_vmcoreinfo_get_u64(v, "SIZE(page)", &size) < 0 || size == 0 || size > ps) {
		note(p, "struct pages", "VMCOREINFO has no usable SIZE(page)");
		return 0;
	}
	for (size_t i = 0; i < vmcore_phys_range_count(v); i++) {
		uint64_t start, end, pfn, last;

		if (vmcore_phys_range(v, i, &start, &end) < 0)
			continue;
		last = DIV_ROUND_UP(end, ps);
		for (pfn = start / ps; pfn < last;) {
			uint64_t va, run_end, n, va_end, pa;

			if (vmcore_classifier_memmap(cl, pfn, &va, &run_end) < 0) {
				pfn = MAX(run_end, pfn + 1);
				continue;
			}
			n = MIN(run_end, last) - pfn;
			va_end = va + n * size;
			for (uint64_t a = va & ~(ps - 1); a < va_end; a += ps)
				if (vmcore_vtop(v, a, &pa) == 0) {
					r = add(p, pa / ps, pa / ps + 1, PROTECT_MEMMAP);
					if (r < 0)
						return r;
				}
			pfn += n;
		}
	}
	p->have[PROTECT_MEMMAP] = 1;
	return 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct protect_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* Sorts and merges into disjoint ranges; where reasons overlap, the earlier range's wins. */
void protect_normalize(struct protect *p)
{
	size_t m = 0;

	qsort(p->r, p->n, sizeof(*p->r), cmp_range);
	for (size_t i = 0; i < p->n; i++) {
		struct protect_range x = p->r[i], *prev = m ? &p->r[m - 1] : NULL;

		if (prev && x.start < prev->end) {
			if (x.end <= prev->end)
				continue;
			if (x.why == prev->why) {
				prev->end = x.end;
				continue;
			}
			x.start = prev->end;
		} else if (prev && x.start == prev->end && x.why == prev->why) {
			prev->end = x.end;
			continue;
		}
		p->r[m++] = x;
	}
	p->n = m;
	memset(p->pages, 0, sizeof(p->pages));
	for (size_t i = 0; i < p->n; i++)
		p->pages[p->r[i].why] += p->r[i].end - p->r[i].start;
}

int protect_build(vmcore_t *v, vmcore_classifier_t *cl, int with_memmap, struct protect *p)
{
	int r;

	*p = (struct protect){};
	if (vmcore_page_size(v) != 4096 || !vmcore_arch(v) || strcmp(vmcore_arch(v), "x86_64")) {
		note(p, "all", "only x86_64 dumps with 4 KiB pages are checked");
		return 0;
	}
	r = add_kernel(v, cl, p);
	if (r == 0)
		r = add_tables(v, p);
	if (r == 0 && with_memmap)
		r = add_memmap(v, cl, p);
	if (r < 0) {
		protect_done(p);
		return r;
	}
	protect_normalize(p);
	return 0;
}

int protect_lookup(struct protect *p, uint64_t pfn)
{
	if (pfn < p->last) {
		/* going back: find the first range ending above pfn */
		size_t lo = 0, hi = p->n;
		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			if (p->r[mid].end <= pfn)
				lo = mid + 1;
			else
				hi = mid;
		}
		p->cursor = lo;
	}
	p->last = pfn;
	while (p->cursor < p->n && pfn >= p->r[p->cursor].end)
		p->cursor++;
	if (p->cursor < p->n && pfn >= p->r[p->cursor].start)
		return (int)p->r[p->cursor].why;
	return -1;
}

void protect_done(struct protect *p)
{
	free(p->r);
	free(p->tables);
	p->r = p->tables = NULL;
	p->n = p->cap = p->n_tables = 0;
}
