/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The page class rules: what a page frame holds, decided from its struct page by the rules
 * makedumpfile applies for its dump levels, so that our counts and its report agree
 * (__exclude_unnecessary_pages(); first match wins):
 *
 *   tail page of a compound page          -> not looked at (its head decides for it)
 *   compound head                         -> its order and whether it is hugetlb decide the
 *                                            range the class below applies to
 *   _mapcount == PAGE_BUDDY_MAPCOUNT_VALUE -> free, 2^page.private pages
 *   _mapcount == PAGE_UNACCEPTED_...      -> free, 2^(LENGTH(zone.free_area) - 1) pages
 *   PG_lru, or PG_swapcache + PG_swapbacked, and not anonymous -> cache (PG_private: private)
 *   mapping & 1 and not slab              -> user; hugetlb head -> hugetlb
 *   PG_hwpoison                           -> hwpoison
 *   _mapcount == PAGE_OFFLINE_..., not slab -> offline
 *   anything else                         -> kernel
 *
 * Only what VMCOREINFO exports is used, and how a value is compared follows from the value:
 * page types exported as PGTY_x << 24 (Linux 6.12+, low 24 bits zero) are compared on the top
 * byte only (the kernel may use the rest), the older ones (a cleared bit in an otherwise-set
 * word) exactly, as makedumpfile does. Whatever cannot be decided with certainty is KERNEL.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "pagerules.h"

static uint64_t rd64(const uint8_t *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static uint32_t rd32(const uint8_t *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static int bit(uint64_t flags, int nr)
{
	return nr >= 0 && ((flags >> nr) & 1);
}

/* ---- reading the keys ---- */

/* An OFFSET(page.x) of a field of `width` bytes inside SIZE(page); absent when it is not. */
static struct field get_field(struct vmcore *v, const struct vc_page_rules *c, const char *key,
			      uint32_t width)
{
	uint64_t off;

	if (vmcore_vmcoreinfo_get_u64(v, key, &off) < 0 || off > c->size - width)
		return (struct field){ 0 };
	return (struct field){ .has = 1, .off = (uint32_t)off };
}

/* A page flag number, -1 when absent or out of range. */
static int get_flag(struct vmcore *v, const char *key)
{
	int64_t s;

	if (vmcore_vmcoreinfo_get_s64(v, key, &s) < 0 || s < 0 || s > 63)
		return -1;
	return (int)s;
}

/*
 * A PAGE_*_MAPCOUNT_VALUE. NUMBER() is printed with %ld, so the same 32-bit value may come
 * as -268435456 or as 4026531840 depending on the type the kernel gave it.
 */
static struct page_type get_type(struct vmcore *v, const struct vc_page_rules *c, const char *name)
{
	struct page_type t = { 0 };
	char key[64];
	int64_t s;
	uint32_t u;

	snprintf(key, sizeof(key), "NUMBER(%s)", name);
	if (!c->mapcount.has || vmcore_vmcoreinfo_get_s64(v, key, &s) < 0 ||
	    s < INT32_MIN || s > (int64_t)UINT32_MAX)
		return t;
	u = (uint32_t)s;
	if ((u & 0xffffff) == 0) {
		/*
		 * One type per page in the top byte (6.12+). A type byte below 0x80 would be
		 * a mapcount, not a type: that is no value the kernel exports.
		 */
		if (u < UINT32_C(0x80000000))
			return t;
		t.top_byte = 1;
	}
	t.value = u;
	t.has = 1;
	return t;
}

static int type_matches(const struct page_type *t, uint32_t mapcount)
{
	if (!t->has)
		return 0;
	if (t->top_byte)
		return (mapcount >> 24) == (t->value >> 24);
	return mapcount == t->value;
}

/* Two types that would match the same page tell nothing: use neither. */
static void drop_ambiguous_types(struct vc_page_rules *c)
{
	struct page_type *t[] = { &c->t_buddy, &c->t_offline, &c->t_slab, &c->t_hugetlb,
				  &c->t_unaccepted };
	int drop[ELEMENTSOF(t)] = { 0 };

	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		for (size_t j = i + 1; j < ELEMENTSOF(t); j++)
			if (t[i]->has && t[j]->has &&
			    (type_matches(t[i], t[j]->value) || type_matches(t[j], t[i]->value)))
				drop[i] = drop[j] = 1;
	for (size_t i = 0; i < ELEMENTSOF(t); i++)
		if (drop[i])
			t[i]->has = 0;
}

/* Where a compound page's order is, and how to tell a hugetlb one. */
static void setup_compound(struct vmcore *v, struct vc_page_rules *c)
{
	uint64_t off, u;
	int64_t s;

	if (c->t_hugetlb.has || c->pg_hugetlb >= 0)
		/* 6.6+: the order is the low byte of the first tail page's flags (_flags_1). */
		c->order_src = ORDER_FLAGS1;
	else if (vmcore_vmcoreinfo_get_u64(v, "OFFSET(folio._folio_order)", &off) == 0 &&
		 off >= c->size && off - c->size < c->size) {
		c->order_src = ORDER_FIELD; /* 6.3-6.5 */
		c->order_off = (uint32_t)(off - c->size);
	} else if (vmcore_vmcoreinfo_get_u64(v, "OFFSET(page.compound_order)", &off) == 0 &&
		   off < c->size) {
		/* 4.4-6.2: u8 since 4.16, u16 before: its low byte either way (little-endian) */
		c->order_src = ORDER_FIELD;
		c->order_off = (uint32_t)off;
	}

	if (c->t_hugetlb.has) {
		c->ht_src = HT_TYPE; /* 6.9+ */
		return;
	}
	if (c->pg_hugetlb >= 0) {
		c->ht_src = HT_FLAG1; /* 6.6-6.8 */
		return;
	}
	if (vmcore_vmcoreinfo_get_u64(v, "OFFSET(folio._folio_dtor)", &off) == 0 &&
	    off >= c->size && off - c->size < c->size)
		off -= c->size; /* 6.3-6.5 */
	else if (vmcore_vmcoreinfo_get_u64(v, "OFFSET(page.compound_dtor)", &off) < 0 ||
		 off >= c->size)
		return;
	c->dtor_off = (uint32_t)off;
	if (vmcore_vmcoreinfo_get_s64(v, "NUMBER(HUGETLB_PAGE_DTOR)", &s) == 0 && s >= 0 &&
	    s < 256) {
		c->ht_src = HT_DTOR_ID; /* 4.4-6.5: an index (u8 since 4.16, u16 before) */
		c->dtor_value = (uint64_t)s;
	} else if (vmcore_vmcoreinfo_get_u64(v, "SYMBOL(free_huge_page)", &u) == 0 &&
		   off <= c->size - 8) {
		c->ht_src = HT_DTOR_PTR; /* before 4.4: the destructor's address */
		c->dtor_value = u;
	}
}

int vc_page_rules_init(struct vmcore *v, uint32_t size, struct vc_page_rules *ret)
{
	struct vc_page_rules rules = { .size = size, .max_pfn = vmcore_max_pfn(v) }, *c = &rules;
	uint64_t u;
	int64_t s;
	struct field f;

	f = get_field(v, c, "OFFSET(page.flags)", 8);
	if (!f.has)
		return vc_error(v, -ENOKEY, "VMCOREINFO lacks OFFSET(page.flags), or it is not "
				"inside SIZE(page)");
	c->off_flags = f.off;
	f = get_field(v, c, "OFFSET(page.compound_head)", 8);
	if (!f.has) /* renamed in 7.1 */
		f = get_field(v, c, "OFFSET(page.compound_info)", 8);
	if (!f.has)
		return vc_error(v, -ENOKEY, "VMCOREINFO lacks OFFSET(page.compound_head) (and "
				"OFFSET(page.compound_info)): tail pages cannot be told apart");
	c->off_head = f.off;
	c->mapping = get_field(v, c, "OFFSET(page.mapping)", 8);
	c->mapcount = get_field(v, c, "OFFSET(page._mapcount)", 4);
	c->private = get_field(v, c, "OFFSET(page.private)", 8);

	if (vmcore_vmcoreinfo_get_s64(v, "NUMBER(PG_head_mask)", &s) == 0 && s != 0)
		c->head_mask = (uint64_t)s;
	c->pg_lru = get_flag(v, "NUMBER(PG_lru)");
	c->pg_private = get_flag(v, "NUMBER(PG_private)");
	c->pg_swapcache = get_flag(v, "NUMBER(PG_swapcache)");
	c->pg_swapbacked = get_flag(v, "NUMBER(PG_swapbacked)");
	c->pg_slab = get_flag(v, "NUMBER(PG_slab)");
	c->pg_buddy = get_flag(v, "NUMBER(PG_buddy)");
	c->pg_hwpoison = get_flag(v, "NUMBER(PG_hwpoison)");
	c->pg_hugetlb = get_flag(v, "NUMBER(PG_hugetlb)");

	c->t_buddy = get_type(v, c, "PAGE_BUDDY_MAPCOUNT_VALUE");
	c->t_offline = get_type(v, c, "PAGE_OFFLINE_MAPCOUNT_VALUE");
	c->t_slab = get_type(v, c, "PAGE_SLAB_MAPCOUNT_VALUE");
	c->t_hugetlb = get_type(v, c, "PAGE_HUGETLB_MAPCOUNT_VALUE");
	c->t_unaccepted = get_type(v, c, "PAGE_UNACCEPTED_MAPCOUNT_VALUE");
	drop_ambiguous_types(c);

	if (vmcore_vmcoreinfo_get_u64(v, "LENGTH(zone.free_area)", &u) == 0 && u >= 1 && u <= 63)
		c->nr_orders = u;
	/* The type value wins over PG_buddy, which 6.10+ vmlinux show too (makedumpfile 306eddf). */
	c->buddy_by_type = c->t_buddy.has && c->private.has && c->nr_orders;
	c->buddy_by_flag = !c->buddy_by_type && c->pg_buddy >= 0 && c->private.has &&
			   c->nr_orders;

	if (c->head_mask)
		setup_compound(v, c);
	*ret = rules;
	return 0;
}

/* ---- the rules ---- */

static enum tri is_slab(const struct vc_page_rules *c, uint64_t flags, uint32_t mapcount)
{
	int known = 0;

	if (c->t_slab.has) {
		if (type_matches(&c->t_slab, mapcount))
			return YES;
		known = 1;
	}
	if (c->pg_slab >= 0) {
		if (bit(flags, c->pg_slab))
			return YES;
		known = 1;
	}
	return known ? NO : MAYBE;
}

static enum tri is_anon(const struct vc_page_rules *c, uint64_t mapping, enum tri slab)
{
	if (!c->mapping.has)
		return MAYBE;
	if (!(mapping & 1)) /* PAGE_MAPPING_ANON */
		return NO;
	return slab == YES ? NO : slab == NO ? YES : MAYBE;
}

static enum tri is_cache(const struct vc_page_rules *c, uint64_t flags)
{
	if (bit(flags, c->pg_lru))
		return YES;
	/* PG_swapcache means swap cache only with PG_swapbacked (which came in 4.10). */
	if (bit(flags, c->pg_swapcache) && (c->pg_swapbacked < 0 || bit(flags, c->pg_swapbacked)))
		return YES;
	return c->pg_lru < 0 ? MAYBE : NO;
}

/* Whether 2^order pages from pfn are a plausible block: aligned, and inside the dump. */
static int block_ok(const struct vc_page_rules *c, uint64_t pfn, uint64_t order)
{
	if (order >= 63)
		return 0;
	if (pfn & ((UINT64_C(1) << order) - 1))
		return 0;
	return pfn < c->max_pfn && (UINT64_C(1) << order) <= c->max_pfn - pfn;
}

/*
 * Whether a tail page's compound_head leads to the head: the head's address plus 1, or a mask
 * plus 1 that gives the head's address when applied to the tail's (the other form that 7.1's
 * renamed compound_info is meant to allow; untested on a real 7.1 dump).
 */
static int leads_to(uint64_t info, uint64_t tail, uint64_t head)
{
	if (!(info & 1))
		return 0;
	return info - 1 == head || (tail & (info - 1)) == head;
}

/*
 * A compound head: its order (from the first tail page, next) and whether it is hugetlb.
 * Returns -1 when it does not add up (then the page is KERNEL).
 */
static int compound(const struct vc_page_rules *c, uint64_t pfn, const uint8_t *sp,
		    const uint8_t *next, uint64_t vaddr, unsigned *ret_order,
		    enum tri *ret_hugetlb)
{
	uint64_t order = 0;

	if (c->order_src != ORDER_NONE) {
		if (!next)
			return -1;
		if (c->order_src == ORDER_FLAGS1)
			order = rd64(next + c->off_flags) & 0xff;
		else
			order = next[c->order_off];
		/* A head has order >= 1, and its first tail leads back to it. */
		if (order == 0 || !block_ok(c, pfn, order) ||
		    !leads_to(rd64(next + c->off_head), vaddr + c->size, vaddr))
			return -1;
	}
	switch (c->ht_src) {
	case HT_TYPE:
		*ret_hugetlb = type_matches(&c->t_hugetlb, rd32(sp + c->mapcount.off)) ? YES : NO;
		break;
	case HT_FLAG1:
		*ret_hugetlb = !next ? MAYBE : bit(rd64(next + c->off_flags), c->pg_hugetlb) ? YES : NO;
		break;
	case HT_DTOR_ID:
		*ret_hugetlb = !next ? MAYBE : next[c->dtor_off] == c->dtor_value ? YES : NO;
		break;
	case HT_DTOR_PTR:
		*ret_hugetlb = !next ? MAYBE : rd64(next + c->dtor_off) == c->dtor_value ? YES : NO;
		break;
	default:
		*ret_hugetlb = MAYBE;
	}
	*ret_order = (unsigned)order;
	return 0;
}

uint8_t vc_page_rules_apply(const struct vc_page_rules *c, uint64_t pfn, const uint8_t *sp,
			    const uint8_t *next, uint64_t vaddr, uint64_t *ret_nr)
{
	uint64_t flags = rd64(sp + c->off_flags);
	uint64_t mapping = c->mapping.has ? rd64(sp + c->mapping.off) : 0;
	uint32_t mapcount = c->mapcount.has ? rd32(sp + c->mapcount.off) : 0;
	enum tri slab, anon, hugetlb = NO;
	unsigned order = 0;
	uint64_t nr;

	*ret_nr = 1;
	if (rd64(sp + c->off_head) & 1)
		return VMCORE_CLASS_KERNEL; /* a tail page its head did not claim */
	if (c->head_mask && (flags & c->head_mask) &&
	    compound(c, pfn, sp, next, vaddr, &order, &hugetlb) < 0)
		return VMCORE_CLASS_KERNEL;
	nr = UINT64_C(1) << order;
	slab = is_slab(c, flags, mapcount);

	if ((c->buddy_by_type && type_matches(&c->t_buddy, mapcount)) ||
	    (c->buddy_by_flag && bit(flags, c->pg_buddy))) {
		uint64_t o = rd64(sp + c->private.off);

		if (slab != NO || o >= c->nr_orders || !block_ok(c, pfn, o))
			return VMCORE_CLASS_KERNEL;
		*ret_nr = UINT64_C(1) << o;
		return VMCORE_CLASS_FREE;
	}
	if (c->nr_orders && type_matches(&c->t_unaccepted, mapcount)) {
		/* Unaccepted memory (6.16+) is only ever listed in MAX_PAGE_ORDER blocks. */
		if (!block_ok(c, pfn, c->nr_orders - 1))
			return VMCORE_CLASS_KERNEL;
		*ret_nr = UINT64_C(1) << (c->nr_orders - 1);
		return VMCORE_CLASS_FREE;
	}

	anon = is_anon(c, mapping, slab);
	if (is_cache(c, flags) == YES && anon != YES) {
		if (anon == MAYBE || c->pg_private < 0)
			return VMCORE_CLASS_KERNEL;
		*ret_nr = nr;
		return bit(flags, c->pg_private) ? VMCORE_CLASS_CACHE_PRIVATE : VMCORE_CLASS_CACHE;
	}
	if (hugetlb == YES) {
		*ret_nr = nr;
		return VMCORE_CLASS_HUGETLB;
	}
	if (anon == YES) {
		*ret_nr = nr;
		return VMCORE_CLASS_USER;
	}
	if (anon == MAYBE && (mapping & 1))
		return VMCORE_CLASS_KERNEL;
	if (bit(flags, c->pg_hwpoison)) {
		*ret_nr = nr;
		return VMCORE_CLASS_HWPOISON;
	}
	if (type_matches(&c->t_offline, mapcount)) {
		if (slab != NO)
			return VMCORE_CLASS_KERNEL;
		*ret_nr = nr;
		return VMCORE_CLASS_OFFLINE;
	}
	return VMCORE_CLASS_KERNEL;
}

