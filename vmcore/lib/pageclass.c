/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Page classes: the public API. The classifier reads struct pages in batches (memmap.c says
 * where they are), hands each to the rules (pagerules.c), and carries a free block or a
 * compound page that runs past the end of one vmcore_classify() call on into the next.
 *
 * Pages whose struct page cannot be read are KERNEL (nothing is known, so nothing may be
 * dropped), or UNKNOWN when the dump left out the page that holds it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "memmap.h"
#include "pagerules.h"

/* struct pages read at once (32 KiB of 64-byte pages), plus one to see a head's first tail */
#define BATCH 512u

struct vmcore_classifier {
	struct vmcore *v;
	struct vc_memmap *mm;
	struct vc_page_rules rules;

	/* the struct pages last read */
	uint8_t *buf;
	int *status;
	uint64_t b_pfn;   /* PFN of entry 0 */
	size_t b_n;       /* entries read (the look-ahead included) */
	size_t b_cover;   /* entries that are classified from this batch */
	uint64_t b_vaddr; /* address of entry 0 */
	int b_err;        /* the whole batch has no struct pages: why */
	int b_valid;

	/* a free block or compound page that runs on past the last PFN classified */
	uint64_t carry_start, carry_end;
	uint8_t carry_class;
	uint64_t next_pfn;
};

static const char *const class_names[_VMCORE_CLASS_MAX] = {
	[VMCORE_CLASS_KERNEL] = "kernel",
	[VMCORE_CLASS_ZERO] = "zero",
	[VMCORE_CLASS_CACHE] = "cache",
	[VMCORE_CLASS_CACHE_PRIVATE] = "cache_private",
	[VMCORE_CLASS_USER] = "user",
	[VMCORE_CLASS_FREE] = "free",
	[VMCORE_CLASS_HUGETLB] = "hugetlb",
	[VMCORE_CLASS_HWPOISON] = "hwpoison",
	[VMCORE_CLASS_OFFLINE] = "offline",
	[VMCORE_CLASS_HOLE] = "hole",
	[VMCORE_CLASS_UNKNOWN] = "unknown",
};

const char *vmcore_class_name(enum vmcore_page_class c)
{
	if ((unsigned)c >= _VMCORE_CLASS_MAX)
		return NULL;
	return class_names[c];
}

int vmcore_class_excluded(enum vmcore_page_class c, int level)
{
	switch (c) {
	case VMCORE_CLASS_ZERO:
		return !!(level & VMCORE_DL_ZERO);
	case VMCORE_CLASS_CACHE:
		return !!(level & (VMCORE_DL_CACHE | VMCORE_DL_CACHE_PRIVATE));
	case VMCORE_CLASS_CACHE_PRIVATE:
		return !!(level & VMCORE_DL_CACHE_PRIVATE);
	case VMCORE_CLASS_USER:
	case VMCORE_CLASS_HUGETLB:
		return !!(level & VMCORE_DL_USER);
	case VMCORE_CLASS_FREE:
		return !!(level & VMCORE_DL_FREE);
	case VMCORE_CLASS_HWPOISON:
	case VMCORE_CLASS_OFFLINE:
		return 1;
	default:
		return 0;
	}
}

int vmcore_page_is_zero(const void *buf, size_t len)
{
	const unsigned char *p = buf;
	size_t i = 0;

	for (; i + 8 <= len; i += 8) {
		uint64_t x;

		memcpy(&x, p + i, sizeof(x));
		if (x)
			return 0;
	}
	for (; i < len; i++)
		if (p[i])
			return 0;
	return 1;
}

int vmcore_classifier_new(vmcore_t *v, vmcore_classifier_t **ret)
{
	struct vmcore_classifier *c;
	uint64_t size;
	int r;

	if (!v || !ret)
		return -EINVAL;
	if (!v->ops)
		return vc_error(v, -EINVAL, "no dump is open");
	if (!v->vmcoreinfo)
		return vc_error(v, -ENOKEY, "the dump has no VMCOREINFO: its struct pages cannot "
				"be found");
	r = vmcore_vmcoreinfo_get_u64(v, "SIZE(page)", &size);
	if (r == -ENOKEY)
		return vc_error(v, r, "VMCOREINFO lacks SIZE(page)");
	if (r < 0 || size < 16 || size > v->page_size)
		return vc_error(v, -EBADMSG, "VMCOREINFO SIZE(page) has no sane value");

	c = calloc(1, sizeof(*c));
	if (!c)
		return vc_error(v, -ENOMEM, "out of memory");
	c->v = v;
	c->buf = malloc((size_t)(BATCH + 1) * size);
	c->status = calloc(BATCH + 1, sizeof(int));
	if (!c->buf || !c->status) {
		r = vc_error(v, -ENOMEM, "out of memory");
		goto fail;
	}
	r = vc_page_rules_init(v, (uint32_t)size, &c->rules);
	if (r < 0)
		goto fail;
	r = vc_memmap_new(v, (uint32_t)size, &c->mm);
	if (r < 0)
		goto fail;
	*ret = c;
	return 0;
fail:
	vmcore_classifier_free(c);
	return r;
}

vmcore_classifier_t *vmcore_classifier_free(vmcore_classifier_t *c)
{
	if (!c)
		return NULL;
	vc_memmap_free(c->mm);
	free(c->buf);
	free(c->status);
	free(c);
	return NULL;
}

/* ---- reading struct pages in batches ---- */

static void load_batch(struct vmcore_classifier *c, uint64_t pfn)
{
	uint64_t vaddr, run_end, limit;
	size_t n;
	int r;

	c->b_valid = 1;
	c->b_pfn = pfn;
	r = vc_memmap_lookup(c->mm, pfn, &vaddr, &run_end);
	if (run_end <= pfn)
		run_end = pfn + 1;
	if (r < 0) {
		/* No struct page anywhere in this section (or nothing says where). */
		c->b_err = r;
		c->b_n = c->b_cover = (size_t)MIN(run_end - pfn, (uint64_t)SIZE_MAX);
		return;
	}
	c->b_err = 0;
	c->b_vaddr = vaddr;
	limit = MIN(run_end, MAX(c->rules.max_pfn, pfn + 1));
	n = (size_t)MIN(limit - pfn, (uint64_t)BATCH);
	c->b_cover = n;
	if (pfn + n < limit)
		n++; /* the look-ahead: a head's first tail page */
	c->b_n = n;
	vc_memmap_read(c->mm, vaddr, n, c->buf, c->status);
}

static uint8_t class_of_error(int r)
{
	/* The struct page is in a page the dump left out: we cannot know, and say so. */
	return r == -ENODATA ? VMCORE_CLASS_UNKNOWN : VMCORE_CLASS_KERNEL;
}

static uint8_t classify_pfn(struct vmcore_classifier *c, uint64_t pfn, uint64_t *ret_nr)
{
	const uint8_t *sp, *next = NULL;
	size_t i;

	*ret_nr = 1;
	if (!c->b_valid || pfn < c->b_pfn || pfn - c->b_pfn >= c->b_cover)
		load_batch(c, pfn);
	if (c->b_err)
		return class_of_error(c->b_err);
	i = (size_t)(pfn - c->b_pfn);
	if (c->status[i] < 0)
		return class_of_error(c->status[i]);
	sp = c->buf + i * c->rules.size;
	if (i + 1 < c->b_n && c->status[i + 1] == 0)
		next = sp + c->rules.size;
	return vc_page_rules_apply(&c->rules, pfn, sp, next, c->b_vaddr + i * c->rules.size,
				   ret_nr);
}

int vmcore_classify(vmcore_classifier_t *c, uint64_t start_pfn, size_t n, uint8_t *ret_classes)
{
	uint64_t end;

	if (!c || (!ret_classes && n))
		return -EINVAL;
	if (add_overflows_u64(start_pfn, n, &end))
		return vc_error(c->v, -EINVAL, "PFN range overflows");
	/*
	 * Out of order: what ran on from earlier calls no longer applies. Forgetting it is
	 * safe (pages of a block seen earlier become KERNEL, never the other way).
	 */
	if (start_pfn < c->next_pfn)
		c->carry_start = c->carry_end = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t pfn = start_pfn + i, nr;
		int st = vmcore_pfn_state(c->v, pfn);

		if (st == VMCORE_PFN_HOLE) {
			ret_classes[i] = VMCORE_CLASS_HOLE;
			continue;
		}
		if (pfn >= c->carry_start && pfn < c->carry_end) {
			ret_classes[i] = c->carry_class;
			continue;
		}
		ret_classes[i] = classify_pfn(c, pfn, &nr);
		if (nr > 1) {
			c->carry_start = pfn;
			c->carry_end = pfn + nr; /* the rules checked it stays below max_pfn */
			c->carry_class = ret_classes[i];
		}
	}
	c->next_pfn = end;
	return 0;
}

int vmcore_classifier_memmap(vmcore_classifier_t *c, uint64_t pfn, uint64_t *ret_vaddr,
			     uint64_t *ret_run_end)
{
	uint64_t vaddr = 0, run_end = 0;
	int r;

	if (!c || !ret_vaddr || !ret_run_end)
		return -EINVAL;
	r = vc_memmap_lookup(c->mm, pfn, &vaddr, &run_end);
	if (r < 0)
		return r;
	*ret_vaddr = vaddr;
	*ret_run_end = MAX(run_end, pfn + 1);
	return 0;
}
