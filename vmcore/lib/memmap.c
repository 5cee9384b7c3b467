/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Finding the crashed kernel's struct pages from VMCOREINFO, without vmlinux.
 *
 * SPARSEMEM: physical memory is cut into sections of 2^SECTION_SIZE_BITS bytes; each has a
 * struct mem_section whose section_mem_map holds the address of its struct page array, minus
 * the section's first PFN times SIZE(page) (so that adding pfn * SIZE(page) gives the struct
 * page), with flag bits in the low bits (bit 0: present). The sections live in
 *   - SPARSEMEM_EXTREME: an array of LENGTH(mem_section) pointers to "roots", each a page
 *     holding PAGE_SIZE / SIZE(mem_section) sections. SYMBOL(mem_section) is the address of
 *     that pointer array; for a while in 4.15 it was the address of a pointer to it, so both
 *     are tried and the result validated, as crash and makedumpfile do;
 *   - static SPARSEMEM: one flat array of sections at SYMBOL(mem_section).
 * With SPARSEMEM_VMEMMAP the decoded addresses are in the vmemmap region; they are read
 * through the page tables like any other. When mem_section cannot be used, SYMBOL(vmemmap)
 * (exported since 5.x on some architectures: the value of vmemmap, the struct page of PFN 0)
 * is enough, absent sections being unmapped there.
 * FLATMEM: one array for all of memory; SYMBOL(mem_map) is the pointer variable (PFN 0 first:
 * architectures with a non-zero ARCH_PFN_OFFSET are not handled).
 *
 * Every value read from the dump is checked before it sizes anything.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memmap.h"

/* Flag bits below the encoded address (6 since Linux 6.15; makedumpfile masks 5). */
#define SECTION_FLAG_BITS 6
#define SECTION_MARKED_PRESENT UINT64_C(1)
/* A root pointer array larger than this is not read whole (1 << 20 roots: 8 MiB). */
#define MAX_ROOTS (UINT64_C(1) << 20)

enum model {
	MODEL_SPARSE_EXTREME,
	MODEL_SPARSE_STATIC,
	MODEL_FLAT,
};

struct vc_memmap {
	struct vmcore *v;
	enum model model;
	uint32_t size;          /* SIZE(page) */
	uint64_t max_pfn;

	/* SPARSEMEM */
	unsigned pfn_section_shift;
	uint32_t ms_size;       /* SIZE(mem_section) */
	uint32_t ms_map_off;    /* OFFSET(mem_section.section_mem_map) */
	uint64_t per_root;      /* sections per root (EXTREME) */
	uint64_t *roots;        /* EXTREME: the root pointers */
	uint64_t n_roots;
	uint64_t n_sections;    /* static: LENGTH(mem_section) */
	uint64_t array;         /* static: address of mem_section[0] */
	uint8_t *root_buf;      /* EXTREME: the last root read (per_root * ms_size bytes) */
	uint64_t root_idx;
	int root_status;        /* 1: nothing cached, 0: cached, < 0: reading it failed */

	/* the last section decoded */
	uint64_t sec_nr;
	int sec_status;         /* 1: nothing cached */
	uint64_t sec_map;       /* decoded: the address of the struct page of PFN 0 */

	/* FLATMEM */
	uint64_t flat_base;
};

static int is_kvaddr(uint64_t a)
{
	/* Kernel addresses are in the upper half on every 64-bit architecture we read. */
	return (a >> 63) != 0;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* 1 when the key is present (value in *ret), 0 when absent, -EBADMSG when malformed. */
static int key_u64(struct vmcore *v, const char *key, uint64_t *ret)
{
	int r = vmcore_vmcoreinfo_get_u64(v, key, ret);

	if (r == -ENOKEY)
		return 0;
	if (r < 0)
		return vc_error(v, r, "VMCOREINFO %s is malformed", key);
	return 1;
}

struct vc_memmap *vc_memmap_free(struct vc_memmap *m)
{
	if (!m)
		return NULL;
	free(m->roots);
	free(m->root_buf);
	free(m);
	return NULL;
}

/* Decodes a section_mem_map value: 0 and the address, or -ENOENT when not present. */
static int decode_section(const struct vc_memmap *m, uint64_t nr, uint64_t coded, uint64_t *ret)
{
	uint64_t base;

	if (!(coded & SECTION_MARKED_PRESENT))
		return -ENOENT;
	/*
	 * The kernel subtracted the section's first PFN times SIZE(page) (wrapping around): what
	 * is left is where the struct page of PFN 0 would be. The section's own must be a
	 * kernel address.
	 */
	base = coded & ~((UINT64_C(1) << SECTION_FLAG_BITS) - 1);
	if (!is_kvaddr(base + (nr << m->pfn_section_shift) * m->size))
		return -EBADMSG;
	*ret = base;
	return 0;
}

/* Reads root idx of an EXTREME layout into m->root_buf (cached). */
static int load_root(struct vc_memmap *m, uint64_t idx)
{
	if (m->root_status <= 0 && m->root_idx == idx)
		return m->root_status;
	m->root_idx = idx;
	m->root_status = vmcore_read_virt(m->v, m->roots[idx], m->root_buf,
					  m->per_root * m->ms_size);
	return m->root_status;
}

/* The section_mem_map of section nr: 0 and the raw value, -ENOENT when there is none. */
static int section_raw(struct vc_memmap *m, uint64_t nr, uint64_t *ret)
{
	uint8_t ms[8];
	int r;

	if (m->model == MODEL_SPARSE_EXTREME) {
		uint64_t idx = nr / m->per_root;

		if (idx >= m->n_roots || m->roots[idx] == 0)
			return -ENOENT;
		r = load_root(m, idx);
		if (r < 0)
			return r;
		*ret = rd64(m->root_buf + (nr % m->per_root) * m->ms_size + m->ms_map_off);
		return 0;
	}
	if (nr >= m->n_sections)
		return -ENOENT;
	r = vmcore_read_virt(m->v, m->array + nr * m->ms_size + m->ms_map_off, ms, sizeof(ms));
	if (r < 0)
		return r;
	*ret = rd64(ms);
	return 0;
}

static int section_map(struct vc_memmap *m, uint64_t nr, uint64_t *ret)
{
	uint64_t raw;
	int r;

	if (m->sec_status <= 0 && m->sec_nr == nr) {
		if (m->sec_status == 0)
			*ret = m->sec_map;
		return m->sec_status;
	}
	r = section_raw(m, nr, &raw);
	if (r == 0)
		r = decode_section(m, nr, raw, &m->sec_map);
	m->sec_nr = nr;
	m->sec_status = r;
	if (r == 0)
		*ret = m->sec_map;
	return r;
}

/*
 * Whether the layout just set up makes sense: some section present, and every present section
 * among the first root's (or the first 64 static ones) decodes to a kernel address.
 */
static int validate_sparse(struct vc_memmap *m)
{
	uint64_t first = 0, n, found = 0, map;
	int r;

	m->root_status = 1;
	m->sec_status = 1;
	if (m->model == MODEL_SPARSE_EXTREME) {
		uint64_t idx;

		for (idx = 0; idx < m->n_roots; idx++)
			if (m->roots[idx] && !is_kvaddr(m->roots[idx]))
				return vc_error(m->v, -EBADMSG,
						"root %llu is 0x%llx, not a kernel address",
						(unsigned long long)idx,
						(unsigned long long)m->roots[idx]);
		for (idx = 0; idx < m->n_roots && !m->roots[idx]; idx++)
			;
		if (idx == m->n_roots)
			return vc_error(m->v, -EBADMSG, "all of its %llu roots are NULL",
					(unsigned long long)m->n_roots);
		first = idx * m->per_root;
		n = m->per_root;
	} else
		n = MIN(m->n_sections, 64);

	for (uint64_t nr = first; nr < first + n; nr++) {
		r = section_map(m, nr, &map);
		if (r == -ENOENT)
			continue;
		if (r == -EBADMSG)
			return vc_error(m->v, r, "section %llu does not point into the kernel",
					(unsigned long long)nr);
		if (r < 0)
			return r;
		found++;
	}
	m->sec_status = 1;
	if (!found)
		return vc_error(m->v, -EBADMSG, "none of sections %llu-%llu is present",
				(unsigned long long)first, (unsigned long long)(first + n - 1));
	return 0;
}

static int read_roots(struct vc_memmap *m, uint64_t addr)
{
	int r;

	r = vmcore_read_virt(m->v, addr, m->roots, m->n_roots * sizeof(uint64_t));
	if (r < 0)
		return r;
	return validate_sparse(m);
}

static int setup_extreme(struct vc_memmap *m, uint64_t sym, uint64_t n_roots)
{
	uint64_t ptr;
	int r;

	m->model = MODEL_SPARSE_EXTREME;
	m->per_root = m->v->page_size / m->ms_size;
	m->n_roots = MIN(n_roots, MAX_ROOTS);
	m->roots = calloc(m->n_roots, sizeof(uint64_t));
	m->root_buf = malloc(m->per_root * m->ms_size);
	if (!m->roots || !m->root_buf)
		return vc_error(m->v, -ENOMEM, "out of memory");

	/* The array of roots itself (every kernel's VMCOREINFO but early 4.15)... */
	r = read_roots(m, sym);
	if (r == 0)
		return 0;
	/* ... or a pointer to it. */
	if (vmcore_read_virt(m->v, sym, &ptr, sizeof(ptr)) == 0 && is_kvaddr(ptr) &&
	    read_roots(m, ptr) == 0)
		return 0;
	return r;
}

static int setup_static(struct vc_memmap *m, uint64_t sym, uint64_t n_sections)
{
	m->model = MODEL_SPARSE_STATIC;
	m->array = sym;
	m->n_sections = n_sections;
	return validate_sparse(m);
}

static int setup_sparse(struct vc_memmap *m, uint64_t sym)
{
	struct vmcore *v = m->v;
	uint64_t ssb, mpb, len, ms_size, map_off, per_root, needed, nr_mem_sections = 0;
	int have_len, have_mpb, r;

	r = key_u64(v, "NUMBER(SECTION_SIZE_BITS)", &ssb);
	if (r <= 0)
		return r < 0 ? r : vc_error(v, -ENOKEY, "VMCOREINFO lacks NUMBER(SECTION_SIZE_BITS)");
	r = key_u64(v, "SIZE(mem_section)", &ms_size);
	if (r <= 0)
		return r < 0 ? r : vc_error(v, -ENOKEY, "VMCOREINFO lacks SIZE(mem_section)");
	r = key_u64(v, "OFFSET(mem_section.section_mem_map)", &map_off);
	if (r <= 0)
		return r < 0 ? r :
		       vc_error(v, -ENOKEY, "VMCOREINFO lacks OFFSET(mem_section.section_mem_map)");
	have_len = key_u64(v, "LENGTH(mem_section)", &len);
	if (have_len < 0)
		return have_len;
	have_mpb = key_u64(v, "NUMBER(MAX_PHYSMEM_BITS)", &mpb);
	if (have_mpb < 0)
		return have_mpb;

	if (ssb <= v->page_shift || ssb - v->page_shift > 40)
		return vc_error(v, -EBADMSG, "VMCOREINFO NUMBER(SECTION_SIZE_BITS)=%llu makes no sense",
				(unsigned long long)ssb);
	if (ms_size < 8 || ms_size > v->page_size || map_off > ms_size - 8)
		return vc_error(v, -EBADMSG,
				"VMCOREINFO SIZE(mem_section)=%llu, OFFSET(mem_section."
				"section_mem_map)=%llu make no sense",
				(unsigned long long)ms_size, (unsigned long long)map_off);
	if (have_mpb) {
		if (mpb < ssb || mpb > 64 || mpb - ssb > 40)
			return vc_error(v, -EBADMSG,
					"VMCOREINFO NUMBER(MAX_PHYSMEM_BITS)=%llu makes no sense",
					(unsigned long long)mpb);
		nr_mem_sections = UINT64_C(1) << (mpb - ssb);
	}
	m->pfn_section_shift = (unsigned)(ssb - v->page_shift);
	m->ms_size = (uint32_t)ms_size;
	m->ms_map_off = (uint32_t)map_off;
	/* Only the roots that cover the dump's PFNs are read. */
	per_root = v->page_size / ms_size;
	needed = DIV_ROUND_UP(DIV_ROUND_UP(MAX(m->max_pfn, 1), UINT64_C(1) << m->pfn_section_shift),
			      per_root);
	if (!have_len)
		/* No length: EXTREME, as makedumpfile assumes. */
		return setup_extreme(m, sym, needed);
	if (len == 0)
		return vc_error(v, -EBADMSG, "VMCOREINFO LENGTH(mem_section) is 0");
	if (have_mpb) {
		if (len == DIV_ROUND_UP(nr_mem_sections, per_root))
			return setup_extreme(m, sym, MIN(len, needed));
		return setup_static(m, sym, len);
	}
	/* No MAX_PHYSMEM_BITS (kernels before 5.9): let validation tell. */
	r = setup_extreme(m, sym, MIN(len, needed));
	if (r == 0)
		return 0;
	free(m->roots);
	m->roots = NULL;
	return setup_static(m, sym, len);
}

static int setup_flat(struct vc_memmap *m, uint64_t sym)
{
	uint64_t base;
	int r;

	m->model = MODEL_FLAT;
	r = vmcore_read_virt(m->v, sym, &base, sizeof(base));
	if (r < 0)
		return vc_error_prefix(m->v, r, "reading mem_map");
	if (!is_kvaddr(base))
		return vc_error(m->v, -EBADMSG, "mem_map=0x%llx is not a kernel address",
				(unsigned long long)base);
	m->flat_base = base;
	return 0;
}

static int setup_vmemmap(struct vc_memmap *m, uint64_t base)
{
	m->model = MODEL_FLAT;
	if (!is_kvaddr(base))
		return vc_error(m->v, -EBADMSG, "VMCOREINFO SYMBOL(vmemmap)=0x%llx is not a kernel "
				"address", (unsigned long long)base);
	m->flat_base = base;
	return 0;
}

int vc_memmap_new(struct vmcore *v, uint32_t size, struct vc_memmap **ret)
{
	struct vc_memmap *m;
	uint64_t sym;
	int r;

	m = calloc(1, sizeof(*m));
	if (!m)
		return vc_error(v, -ENOMEM, "out of memory");
	m->v = v;
	m->size = size;
	m->max_pfn = vmcore_max_pfn(v);
	m->root_status = 1;
	m->sec_status = 1;

	r = key_u64(v, "SYMBOL(mem_section)", &sym);
	if (r > 0) {
		r = setup_sparse(m, sym);
		if (r < 0 && r != -ENOMEM && r != -ENOKEY)
			r = vc_error_prefix(v, r == -EADDRNOTAVAIL ? -EBADMSG : r,
					    "cannot make sense of mem_section at 0x%llx",
					    (unsigned long long)sym);
	} else if (r == 0) {
		r = key_u64(v, "SYMBOL(mem_map)", &sym);
		if (r > 0)
			r = setup_flat(m, sym);
		else if (r == 0)
			r = vc_error(v, -ENOKEY,
				     "VMCOREINFO has neither SYMBOL(mem_section) nor SYMBOL(mem_map)");
	}
	if (r < 0 && r != -ENOMEM) {
		uint64_t base;
		char why[VMCORE_ERRMSG_SIZE];

		/* Without a usable mem_section, the vmemmap address alone will do. */
		memcpy(why, v->errmsg, sizeof(why));
		if (key_u64(v, "SYMBOL(vmemmap)", &base) > 0 && setup_vmemmap(m, base) == 0) {
			free(m->roots);
			m->roots = NULL;
			r = 0;
		} else
			memcpy(v->errmsg, why, sizeof(why));
	}
	if (r < 0) {
		vc_memmap_free(m);
		return r;
	}
	*ret = m;
	return 0;
}

int vc_memmap_lookup(struct vc_memmap *m, uint64_t pfn, uint64_t *ret_vaddr,
		     uint64_t *ret_run_end)
{
	uint64_t base, nr;
	int r;

	if (m->model == MODEL_FLAT) {
		base = m->flat_base;
		*ret_run_end = m->max_pfn;
	} else {
		nr = pfn >> m->pfn_section_shift;
		*ret_run_end = (nr + 1) << m->pfn_section_shift;
		r = section_map(m, nr, &base);
		if (r < 0)
			return r;
	}
	if (!is_kvaddr(base + pfn * m->size))
		return -EBADMSG;
	*ret_vaddr = base + pfn * m->size;
	return 0;
}

void vc_memmap_read(struct vc_memmap *m, uint64_t vaddr, size_t n, uint8_t *buf, int *status)
{
	uint64_t page = m->v->page_size;
	size_t i, k;
	int r;

	if (n == 0)
		return;
	if (vaddr + (uint64_t)n * m->size - 1 < vaddr)
		r = -EADDRNOTAVAIL;
	else
		r = vmcore_read_virt(m->v, vaddr, buf, n * m->size);
	if (r == 0 || vaddr + (uint64_t)n * m->size - 1 < vaddr) {
		for (i = 0; i < n; i++)
			status[i] = r;
		return;
	}
	/* Something is missing: read each page of the array alone to see what. */
	for (i = 0; i < n; i += k) {
		uint64_t a = vaddr + i * m->size;
		uint64_t room = page - (a & (page - 1));

		k = MIN((size_t)(room / m->size), n - i);
		if (k == 0)
			k = 1; /* a struct page straddling two pages */
		r = vmcore_read_virt(m->v, a, buf + i * m->size, k * m->size);
		for (size_t j = i; j < i + k; j++)
			status[j] = r;
	}
}
