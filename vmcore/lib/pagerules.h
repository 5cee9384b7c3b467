/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The rules that give a page frame its class from its struct page (pagerules.c), with what
 * VMCOREINFO says about struct page: where the fields are, the flag numbers, the page type
 * values, where a compound page keeps its order.
 */
#include <stdint.h>

#include "internal.h"

enum tri { NO = 0, YES = 1, MAYBE = 2 };

struct field {
	int has;
	uint32_t off;
};

/* A page type value compared with _mapcount/page_type. */
struct page_type {
	int has;
	int top_byte; /* 6.12+: compare the top byte only */
	uint32_t value;
};

enum order_src { ORDER_NONE, ORDER_FLAGS1, ORDER_FIELD };
enum hugetlb_src { HT_NONE, HT_TYPE, HT_FLAG1, HT_DTOR_ID, HT_DTOR_PTR };

struct vc_page_rules {
	uint32_t size; /* SIZE(page) */
	uint64_t max_pfn;

	uint32_t off_flags, off_head;
	struct field mapping, mapcount, private;
	uint64_t head_mask;
	int pg_lru, pg_private, pg_swapcache, pg_swapbacked, pg_slab, pg_buddy, pg_hwpoison,
		pg_hugetlb; /* -1 when not exported */
	struct page_type t_buddy, t_offline, t_slab, t_hugetlb, t_unaccepted;
	uint64_t nr_orders; /* LENGTH(zone.free_area); 0 when unknown */
	int buddy_by_type, buddy_by_flag;
	enum order_src order_src;
	uint32_t order_off; /* in the first tail page */
	enum hugetlb_src ht_src;
	uint32_t dtor_off;
	uint64_t dtor_value;
};

/*
 * Reads what the rules need from VMCOREINFO. SIZE(page) (size) is checked by the caller.
 * -ENOKEY naming the key when OFFSET(page.flags) or OFFSET(page.compound_head) is missing;
 * anything else missing only keeps the classes that need it from being reported.
 */
int vc_page_rules_init(struct vmcore *v, uint32_t size, struct vc_page_rules *ret);

/*
 * The class of the page frame pfn whose struct page is sp (next: the one after it, NULL when
 * it could not be read; vaddr: the address of sp in the kernel), and in *ret_nr how many
 * page frames from pfn it applies to (a free block or a compound page).
 */
uint8_t vc_page_rules_apply(const struct vc_page_rules *r, uint64_t pfn, const uint8_t *sp,
			    const uint8_t *next, uint64_t vaddr, uint64_t *ret_nr);
