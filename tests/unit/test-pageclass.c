/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Page classes (pageclass.c, pagerules.c, memmap.c) on a tiny x86_64 ELF vmcore (vmimage.c)
 * holding struct pages laid out by hand:
 *
 *   16 MiB of RAM = 4096 PFNs, SECTION_SIZE_BITS 22: four sections of 1024 PFNs
 *   struct pages (64 bytes) at VMEMMAP + pfn * 64, backed by physical 0xc00000.., except
 *     - the page of the array for PFNs 3968..4031: not mapped (-> kernel)
 *     - the page for PFNs 4032..4095: backed by the last page of RAM, which the dump leaves
 *       out (ELF p_filesz < p_memsz) (-> unknown)
 *   section 2 (PFNs 2048..3071) is absent (-> kernel)
 *   found through SPARSEMEM_EXTREME roots at DM + 0x900000 (or a pointer to them in the kernel
 *   image), a static mem_section array at DM + 0xa00000, FLATMEM's mem_map, or SYMBOL(vmemmap)
 *
 * Encoding A exports what 6.1 exports (compound_dtor/order, PG_slab, page types as cleared
 * bits); encoding B what 6.12 does (order in _flags_1, types in the top byte, some of them
 * printed as unsigned numbers).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "pagerules.h"
#include "tests.h"
#include "vmimage.h"

#define VMEMMAP UINT64_C(0xffffea0000000000)
#define MEMMAP_PA UINT64_C(0xc00000)
#define LAST_PA (IMG_RAM_SIZE - 4096)
#define T_PUD UINT64_C(0x508000)
#define T_PMD UINT64_C(0x509000)
#define T_PT UINT64_C(0x50a000)
#define ROOTS_PA UINT64_C(0x900000)
#define ROOT0_PA UINT64_C(0x901000)
#define PTRVAR_PA UINT64_C(0x600000)
#define STATIC_PA UINT64_C(0xa00000)
#define NPFN 4096u
#define SP 64u

/* struct page layout (Linux 6.x x86_64) */
#define O_FLAGS 0
#define O_HEAD 8
#define O_DTOR 16  /* page[1] in 6.1 */
#define O_ORDER 17 /* page[1] in 6.1 */
#define O_MAPPING 24
#define O_PRIVATE 40
#define O_MAPCOUNT 48

#define PG_LRU 4
#define PG_SLAB 7
#define PG_SWAPCACHE 9
#define PG_PRIVATE 12
#define PG_HEAD 16
#define PG_SWAPBACKED 18
#define PG_HWPOISON 21

enum enc { ENC_61, ENC_612 };

#define BUDDY_61 UINT32_C(0xffffff7f)
#define OFFLINE_61 UINT32_C(0xfffffeff)
#define BUDDY_612 UINT32_C(0xf0000000)
#define OFFLINE_612 UINT32_C(0xf1000000)
#define HUGETLB_612 UINT32_C(0xf4000000)
#define SLAB_612 UINT32_C(0xf5000000)

#define ANON UINT64_C(0xffff888012345001)
#define FILE_MAPPING UINT64_C(0xffff888012345600)

/* How the struct pages are found. */
enum model { EXTREME, EXTREME_PTR, STATIC, FLAT, VMEMMAP_ONLY, BROKEN_SECTIONS, NO_MODEL };

/* Which memory model, and which of the optional keys to leave out. */
struct opts {
	enum model model;
	int no_lru, no_buddy, no_head;
};

static uint64_t sp_pa(unsigned pfn)
{
	unsigned page = pfn * SP / 4096;

	if (page == 63)
		return LAST_PA + (pfn * SP) % 4096;
	return MEMMAP_PA + (uint64_t)pfn * SP;
}

static uint64_t sp_va(unsigned pfn)
{
	return VMEMMAP + (uint64_t)pfn * SP;
}

static void page(struct vmimage *im, unsigned pfn, uint64_t flags, uint64_t mapping,
		 uint32_t mapcount, uint64_t private)
{
	img_w64(im, sp_pa(pfn) + O_FLAGS, flags);
	img_w64(im, sp_pa(pfn) + O_MAPPING, mapping);
	img_w32(im, sp_pa(pfn) + O_MAPCOUNT, mapcount);
	img_w64(im, sp_pa(pfn) + O_PRIVATE, private);
}

/* A compound page: head flags/mapping/mapcount, order and dtor where the encoding keeps them. */
static void compound(struct vmimage *im, enum enc e, unsigned pfn, unsigned order,
		     uint64_t flags, uint64_t mapping, uint32_t mapcount, uint8_t dtor)
{
	page(im, pfn, flags | (UINT64_C(1) << PG_HEAD), mapping, mapcount, 0);
	for (unsigned i = 1; i < (1u << order); i++)
		img_w64(im, sp_pa(pfn + i) + O_HEAD, sp_va(pfn) | 1);
	if (e == ENC_61) {
		img_w16(im, sp_pa(pfn + 1) + O_DTOR, (uint16_t)(dtor | (order << 8)));
	} else
		img_w64(im, sp_pa(pfn + 1) + O_FLAGS, order);
}

static void keys(struct vmimage *im, enum enc e, const struct opts *o)
{
	img_info(im, "SIZE(page)=64");
	img_info(im, "OFFSET(page.flags)=0");
	img_info(im, "OFFSET(page._refcount)=52");
	img_info(im, "OFFSET(page.mapping)=24");
	img_info(im, "OFFSET(page.lru)=8");
	img_info(im, "OFFSET(page._mapcount)=48");
	img_info(im, "OFFSET(page.private)=40");
	if (!o->no_head)
		img_info(im, "OFFSET(page.compound_head)=8");
	img_info(im, "LENGTH(zone.free_area)=11");
	if (o->model == FLAT)
		img_info(im, "SYMBOL(mem_map)=%llx", (unsigned long long)img_text(PTRVAR_PA + 8));
	if (o->model == VMEMMAP_ONLY || o->model == BROKEN_SECTIONS)
		img_info(im, "SYMBOL(vmemmap)=%llx", (unsigned long long)VMEMMAP);
	if (o->model == BROKEN_SECTIONS) { /* points at zeros */
		img_info(im, "SYMBOL(mem_section)=%llx", (unsigned long long)(im->dm + 0x908000));
		img_info(im, "LENGTH(mem_section)=16");
	}
	if (o->model == EXTREME || o->model == EXTREME_PTR) {
		img_info(im, "SYMBOL(mem_section)=%llx",
			 (unsigned long long)(o->model == EXTREME_PTR ? img_text(PTRVAR_PA) :
								  im->dm + ROOTS_PA));
		img_info(im, "LENGTH(mem_section)=16"); /* 2^(34 - 22) sections / 256 per root */
	}
	if (o->model == STATIC) {
		img_info(im, "SYMBOL(mem_section)=%llx", (unsigned long long)(im->dm + STATIC_PA));
		img_info(im, "LENGTH(mem_section)=4096");
	}
	if (o->model == EXTREME || o->model == EXTREME_PTR || o->model == STATIC ||
	    o->model == BROKEN_SECTIONS) {
		img_info(im, "SIZE(mem_section)=16");
		img_info(im, "OFFSET(mem_section.section_mem_map)=0");
		img_info(im, "NUMBER(SECTION_SIZE_BITS)=22");
		img_info(im, "NUMBER(MAX_PHYSMEM_BITS)=34");
	}
	if (!o->no_lru)
		img_info(im, "NUMBER(PG_lru)=%d", PG_LRU);
	img_info(im, "NUMBER(PG_private)=%d", PG_PRIVATE);
	img_info(im, "NUMBER(PG_swapcache)=%d", PG_SWAPCACHE);
	img_info(im, "NUMBER(PG_swapbacked)=%d", PG_SWAPBACKED);
	img_info(im, "NUMBER(PG_hwpoison)=%d", PG_HWPOISON);
	img_info(im, "NUMBER(PG_head_mask)=%d", 1 << PG_HEAD);
	if (e == ENC_61) {
		img_info(im, "OFFSET(page.compound_dtor)=%d", O_DTOR);
		img_info(im, "OFFSET(page.compound_order)=%d", O_ORDER);
		img_info(im, "NUMBER(PG_slab)=%d", PG_SLAB);
		img_info(im, "NUMBER(HUGETLB_PAGE_DTOR)=2");
		if (!o->no_buddy)
			img_info(im, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d", (int32_t)BUDDY_61);
		img_info(im, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%d", (int32_t)OFFLINE_61);
	} else {
		/* %ld of values the kernel holds as int or as unsigned int */
		if (!o->no_buddy)
			img_info(im, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d", (int32_t)BUDDY_612);
		img_info(im, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%u", OFFLINE_612);
		img_info(im, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=%u", HUGETLB_612);
		img_info(im, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=%d", (int32_t)SLAB_612);
	}
}

/* Page tables for the vmemmap region, the section roots, and the struct pages. */
static void layout(struct vmimage *im, enum enc e, const struct opts *o)
{
	uint32_t buddy = e == ENC_61 ? BUDDY_61 : BUDDY_612;
	uint32_t offline = e == ENC_61 ? OFFLINE_61 : OFFLINE_612;
	uint64_t slab_flag = e == ENC_61 ? UINT64_C(1) << PG_SLAB : 0;
	uint32_t slab_type = e == ENC_61 ? UINT32_MAX : SLAB_612;

	img_entry(im, IMG_T_TOP, img_index(VMEMMAP, 39), T_PUD, 0);
	img_entry(im, T_PUD, img_index(VMEMMAP, 30), T_PMD, 0);
	img_entry(im, T_PMD, img_index(VMEMMAP, 21), T_PT, 0);
	for (unsigned i = 0; i < 64; i++)
		if (i != 62)
			img_entry(im, T_PT, i, i == 63 ? LAST_PA : MEMMAP_PA + i * 4096u, 0);
	im->ram_filesz = LAST_PA;

	/* roots[0] -> sections 0..255; 0, 1 and 3 present */
	img_w64(im, ROOTS_PA, im->dm + ROOT0_PA);
	for (unsigned s = 0; s < 4; s++)
		if (s != 2)
			img_w64(im, ROOT0_PA + s * 16u, VMEMMAP | 0x0f);
	img_w64(im, PTRVAR_PA, im->dm + ROOTS_PA);
	/* static SPARSEMEM: one array of sections; FLATMEM: mem_map */
	for (unsigned s = 0; s < 4; s++)
		if (s != 2)
			img_w64(im, STATIC_PA + s * 16u, VMEMMAP | 0x0f);
	img_w64(im, PTRVAR_PA + 8, VMEMMAP);

	/* every page "normal": _mapcount -1 */
	for (unsigned pfn = 0; pfn < NPFN; pfn++)
		if (pfn < 3968)
			img_w32(im, sp_pa(pfn) + O_MAPCOUNT, UINT32_MAX);

	page(im, 0, 0, 0, buddy, 11);  /* order beyond LENGTH(zone.free_area) */
	page(im, 16, 0, 0, buddy, 0);
	page(im, 24, 0, 0, buddy, 3);
	page(im, 40, 0, 0, buddy, 40); /* absurd order */
	page(im, 42, 0, 0, buddy, 2);  /* misaligned */
	page(im, 64, UINT64_C(1) << PG_LRU, FILE_MAPPING, UINT32_MAX, 0);
	page(im, 65, UINT64_C(1) << PG_LRU | UINT64_C(1) << PG_PRIVATE, FILE_MAPPING, 0, 0);
	page(im, 66, UINT64_C(1) << PG_SWAPCACHE | UINT64_C(1) << PG_SWAPBACKED, FILE_MAPPING, 0, 0);
	page(im, 67, UINT64_C(1) << PG_SWAPCACHE, FILE_MAPPING, UINT32_MAX, 0);
	page(im, 68, UINT64_C(1) << PG_LRU, ANON, 0, 0);
	page(im, 70, 0, ANON, 0, 0);
	page(im, 71, slab_flag, ANON, slab_type, 0); /* slab: never user */
	page(im, 72, UINT64_C(1) << PG_HWPOISON, 0, UINT32_MAX, 0);
	page(im, 73, 0, 0, offline, 0);
	/* an anonymous THP */
	compound(im, e, 512, 9, UINT64_C(1) << PG_LRU, ANON, 0, 1);
	/* a free block over the whole of section 1 */
	page(im, 1024, 0, 0, buddy, 10);
	/* a hugetlb page, and things that do not add up */
	compound(im, e, 3072, 9, 0, FILE_MAPPING, e == ENC_61 ? UINT32_MAX : HUGETLB_612, 2);
	compound(im, e, 3584, 2, UINT64_C(1) << PG_LRU, FILE_MAPPING, UINT32_MAX, 0);
	img_w64(im, sp_pa(3585) + O_HEAD, sp_va(3000) | 1); /* first tail disowns its head */
	img_w64(im, sp_pa(3600) + O_HEAD, sp_va(3599) | 1); /* a tail without a head */
	page(im, 3601, 0, 0, buddy ^ 0x100, 0); /* low bits differ: still a type in 6.12 only */
	page(im, 3602, 0, ANON, e == ENC_61 ? UINT32_MAX : SLAB_612, 0);
	if (e == ENC_61)
		img_w64(im, sp_pa(3602) + O_FLAGS, slab_flag);
	/* in the struct pages the dump lost: would be cache if one could see it */
	page(im, 4040, UINT64_C(1) << PG_LRU, FILE_MAPPING, UINT32_MAX, 0);
	keys(im, e, o);
}

static vmcore_t *open_image(enum enc e, const struct opts *o)
{
	struct vmimage im;
	vmcore_t *v;

	img_init(&im, 4);
	layout(&im, e, o);
	v = img_open(&im);
	img_free(&im);
	return v;
}

/* The classes expected for all of PFN 0..NPFN and a few beyond. */
static void expected(enum enc e, const struct opts *o, uint8_t *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = i >= NPFN ? VMCORE_CLASS_HOLE : VMCORE_CLASS_KERNEL;
	if (!o->no_buddy) {
		x[16] = VMCORE_CLASS_FREE;
		for (unsigned i = 24; i < 32; i++)
			x[i] = VMCORE_CLASS_FREE;
		for (unsigned i = 1024; i < 2048; i++)
			x[i] = VMCORE_CLASS_FREE;
		if (e == ENC_612)
			x[3601] = VMCORE_CLASS_FREE;
	}
	if (!o->no_lru) {
		x[64] = VMCORE_CLASS_CACHE;
		x[65] = VMCORE_CLASS_CACHE_PRIVATE;
	}
	x[66] = VMCORE_CLASS_CACHE;
	x[68] = VMCORE_CLASS_USER;
	x[70] = VMCORE_CLASS_USER;
	x[72] = VMCORE_CLASS_HWPOISON;
	x[73] = VMCORE_CLASS_OFFLINE;
	for (unsigned i = 512; i < 1024; i++)
		x[i] = VMCORE_CLASS_USER;
	for (unsigned i = 3072; i < 3584; i++)
		x[i] = VMCORE_CLASS_HUGETLB;
	for (unsigned i = 4032; i < NPFN; i++)
		x[i] = VMCORE_CLASS_UNKNOWN;
}

#define N_ALL (NPFN + 8)

static int check_classes(const uint8_t *got, const uint8_t *want, size_t n, const char *how)
{
	for (size_t i = 0; i < n; i++)
		if (got[i] != want[i]) {
			fprintf(stderr, "%s: PFN %zu is %s, expected %s\n", how, i,
				vmcore_class_name(got[i]), vmcore_class_name(want[i]));
			return -1;
		}
	return 0;
}

/* Classifies everything three ways: one call, two calls split inside a free block, PFN by PFN. */
static void run(enum enc e, const struct opts *o)
{
	static uint8_t got[N_ALL], want[N_ALL];
	vmcore_classifier_t *c;
	vmcore_t *v = open_image(e, o);

	ASSERT_TRUE(v);
	expected(e, o, want, N_ALL);

	ASSERT_OK(vmcore_classifier_new(v, &c));
	memset(got, 0xff, sizeof(got));
	ASSERT_OK(vmcore_classify(c, 0, N_ALL, got));
	ASSERT_OK(check_classes(got, want, N_ALL, "one call"));
	vmcore_classifier_free(c);

	ASSERT_OK(vmcore_classifier_new(v, &c));
	memset(got, 0xff, sizeof(got));
	ASSERT_OK(vmcore_classify(c, 0, 1500, got));
	ASSERT_OK(vmcore_classify(c, 1500, N_ALL - 1500, got + 1500));
	ASSERT_OK(check_classes(got, want, N_ALL, "split at 1500"));
	vmcore_classifier_free(c);

	ASSERT_OK(vmcore_classifier_new(v, &c));
	memset(got, 0xff, sizeof(got));
	for (size_t i = 0; i < N_ALL; i++)
		ASSERT_OK(vmcore_classify(c, i, 1, got + i));
	ASSERT_OK(check_classes(got, want, N_ALL, "one at a time"));

	vmcore_classifier_free(c);

	/* Going back forgets the block that ran on: its pages are KERNEL, never wrongly free. */
	ASSERT_OK(vmcore_classifier_new(v, &c));
	ASSERT_OK(vmcore_classify(c, 1024, 1, got));
	ASSERT_OK(vmcore_classify(c, 1030, 1, got + 1));
	ASSERT_OK(vmcore_classify(c, 100, 1, got + 2));
	ASSERT_OK(vmcore_classify(c, 1031, 1, got + 3));
	ASSERT_EQ_INT(got[0], want[1024]);
	ASSERT_EQ_INT(got[1], want[1030]);
	ASSERT_EQ_INT(got[2], want[100]);
	ASSERT_EQ_INT(got[3], VMCORE_CLASS_KERNEL);
	vmcore_classifier_free(c);
	vmcore_free(v);
}

TEST(encoding_61)
{
	run(ENC_61, &(struct opts){ 0 });
}

TEST(encoding_612)
{
	run(ENC_612, &(struct opts){ 0 });
}

TEST(mem_section_pointer)
{
	run(ENC_612, &(struct opts){ .model = EXTREME_PTR });
}

TEST(sparsemem_static)
{
	run(ENC_612, &(struct opts){ .model = STATIC });
}

TEST(flatmem)
{
	run(ENC_61, &(struct opts){ .model = FLAT });
}

TEST(vmemmap)
{
	run(ENC_612, &(struct opts){ .model = VMEMMAP_ONLY });
	run(ENC_612, &(struct opts){ .model = BROKEN_SECTIONS });
}

TEST(missing_lru)
{
	run(ENC_61, &(struct opts){ .no_lru = 1 });
}

TEST(missing_buddy)
{
	run(ENC_612, &(struct opts){ .no_buddy = 1 });
	run(ENC_61, &(struct opts){ .no_buddy = 1 });
}

TEST(missing_required)
{
	vmcore_classifier_t *c = NULL;
	vmcore_t *v;

	v = open_image(ENC_612, &(struct opts){ .no_head = 1 });
	ASSERT_TRUE(v);
	ASSERT_EQ_INT(vmcore_classifier_new(v, &c), -ENOKEY);
	ASSERT_TRUE(c == NULL);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "compound_head"));
	vmcore_free(v);

	v = open_image(ENC_612, &(struct opts){ .model = NO_MODEL });
	ASSERT_TRUE(v);
	ASSERT_EQ_INT(vmcore_classifier_new(v, &c), -ENOKEY);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "mem_section"));
	ASSERT_TRUE(strstr(vmcore_strerror(v), "mem_map"));
	vmcore_free(v);
}

/* Random struct pages: any class may come out, but nothing may go wrong, however it is cut. */
TEST(garbage)
{
	static uint8_t one[N_ALL], cut[N_ALL];
	uint64_t x = 0x9e3779b97f4a7c15;
	struct vmimage im;
	vmcore_classifier_t *c;
	vmcore_t *v;

	for (int e = ENC_61; e <= ENC_612; e++) {
		img_init(&im, 4);
		layout(&im, e, &(struct opts){ 0 });
		for (uint64_t a = MEMMAP_PA; a < MEMMAP_PA + 62 * 4096; a += 8) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			/* values the rules look for, so that all their paths are taken */
			const uint64_t words[] = { x, x & 0x1f0000ffff, x & 15, BUDDY_61, BUDDY_612,
						   HUGETLB_612, SLAB_612, OFFLINE_61,
						   sp_va((unsigned)(x >> 40) % NPFN) | (x & 1) };
			img_w64(&im, a, words[(x >> 20) % ELEMENTSOF(words)]);
		}
		v = img_open(&im);
		img_free(&im);
		ASSERT_TRUE(v);

		ASSERT_OK(vmcore_classifier_new(v, &c));
		ASSERT_OK(vmcore_classify(c, 0, N_ALL, one));
		vmcore_classifier_free(c);
		ASSERT_OK(vmcore_classifier_new(v, &c));
		for (size_t i = 0, n = 1; i < N_ALL; i += n, n = n * 7 % 61 + 1)
			ASSERT_OK(vmcore_classify(c, i, MIN(n, N_ALL - i), cut + i));
		vmcore_classifier_free(c);
		for (size_t i = 0; i < N_ALL; i++)
			ASSERT_TRUE(one[i] < _VMCORE_CLASS_MAX && one[i] != VMCORE_CLASS_ZERO);
		ASSERT_OK(check_classes(cut, one, N_ALL, "garbage, cut"));
		vmcore_free(v);
	}
}

/* Values no kernel exports are refused, or bounded. */
TEST(absurd_keys)
{
	static const struct {
		const char *line;
		int r;
	} cases[] = {
		{ "SIZE(page)=4097", -EBADMSG },
		{ "SIZE(page)=x", -EBADMSG },
		{ "NUMBER(SECTION_SIZE_BITS)=200", -EBADMSG },
		{ "NUMBER(SECTION_SIZE_BITS)=12", -EBADMSG },
		{ "SIZE(mem_section)=100000", -EBADMSG },
		{ "NUMBER(MAX_PHYSMEM_BITS)=100", -EBADMSG },
		{ "OFFSET(page.compound_head)=60", -ENOKEY }, /* not inside SIZE(page) */
		/* not the EXTREME length: static, which the roots do not look like */
		{ "LENGTH(mem_section)=1099511627776", -EBADMSG },
	};
	struct vmimage im;
	vmcore_classifier_t *c;
	vmcore_t *v;

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		img_init(&im, 4);
		layout(&im, ENC_612, &(struct opts){ 0 });
		img_info(&im, "%s", cases[i].line); /* the last occurrence wins */
		v = img_open(&im);
		img_free(&im);
		ASSERT_TRUE(v);
		c = NULL;
		if (vmcore_classifier_new(v, &c) != cases[i].r) {
			fprintf(stderr, "%s: %s\n", cases[i].line, vmcore_strerror(v));
			ASSERT_TRUE(0);
		}
		vmcore_classifier_free(c);
		vmcore_free(v);
	}
}

/* The struct page keys of Debian's 6.1 and 6.12 kernels (from real vmcores), and what they mean. */
static const char *const keys_61[] = {
	"SIZE(page)=64", "OFFSET(page.flags)=0", "OFFSET(page._refcount)=52",
	"OFFSET(page.mapping)=24", "OFFSET(page.lru)=8", "OFFSET(page._mapcount)=48",
	"OFFSET(page.private)=40", "OFFSET(page.compound_dtor)=16",
	"OFFSET(page.compound_order)=17", "OFFSET(page.compound_head)=8",
	"LENGTH(zone.free_area)=11", "NUMBER(PG_lru)=4", "NUMBER(PG_private)=13",
	"NUMBER(PG_swapcache)=10", "NUMBER(PG_swapbacked)=19", "NUMBER(PG_slab)=9",
	"NUMBER(PG_hwpoison)=23", "NUMBER(PG_head_mask)=65536",
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-129", "NUMBER(HUGETLB_PAGE_DTOR)=2",
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-257",
};
static const char *const keys_612[] = {
	"SIZE(page)=64", "OFFSET(page.flags)=0", "OFFSET(page._refcount)=52",
	"OFFSET(page.mapping)=24", "OFFSET(page.lru)=8", "OFFSET(page._mapcount)=48",
	"OFFSET(page.private)=40", "OFFSET(page.compound_head)=8",
	"LENGTH(zone.free_area)=11", "NUMBER(PG_lru)=5", "NUMBER(PG_private)=14",
	"NUMBER(PG_swapcache)=10", "NUMBER(PG_swapbacked)=17",
	"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=-184549376", "NUMBER(PG_hwpoison)=20",
	"NUMBER(PG_head_mask)=64", "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=-268435456",
	"NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=-201326592",
	"NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=-251658240",
};

static vmcore_t *open_keys(const char *const *lines, size_t n)
{
	struct vmimage im;
	vmcore_t *v;

	img_init(&im, 4);
	for (size_t i = 0; i < n; i++)
		img_info(&im, "%s", lines[i]);
	v = img_open(&im);
	img_free(&im);
	return v;
}

TEST(real_keys)
{
	struct vc_page_rules r;
	vmcore_t *v;

	v = open_keys(keys_61, ELEMENTSOF(keys_61));
	ASSERT_TRUE(v);
	ASSERT_OK(vc_page_rules_init(v, 64, &r));
	ASSERT_TRUE(r.t_buddy.has && !r.t_buddy.top_byte);
	ASSERT_EQ_U64(r.t_buddy.value, 0xffffff7f);
	ASSERT_TRUE(r.t_offline.has && !r.t_offline.top_byte);
	ASSERT_TRUE(!r.t_slab.has && !r.t_hugetlb.has);
	ASSERT_EQ_INT(r.pg_slab, 9);
	ASSERT_TRUE(r.buddy_by_type && !r.buddy_by_flag);
	ASSERT_EQ_INT(r.order_src, ORDER_FIELD);
	ASSERT_EQ_INT(r.order_off, 17);
	ASSERT_EQ_INT(r.ht_src, HT_DTOR_ID);
	ASSERT_EQ_INT(r.dtor_off, 16);
	ASSERT_EQ_U64(r.dtor_value, 2);
	ASSERT_EQ_U64(r.head_mask, 1 << 16);
	vmcore_free(v);

	v = open_keys(keys_612, ELEMENTSOF(keys_612));
	ASSERT_TRUE(v);
	ASSERT_OK(vc_page_rules_init(v, 64, &r));
	ASSERT_TRUE(r.t_buddy.has && r.t_buddy.top_byte);
	ASSERT_EQ_U64(r.t_buddy.value, 0xf0000000);
	ASSERT_TRUE(r.t_slab.has && r.t_slab.top_byte);
	ASSERT_TRUE(r.t_hugetlb.has && r.t_hugetlb.top_byte);
	ASSERT_EQ_U64(r.t_offline.value, 0xf1000000);
	ASSERT_EQ_INT(r.pg_slab, -1);
	ASSERT_EQ_INT(r.order_src, ORDER_FLAGS1);
	ASSERT_EQ_INT(r.ht_src, HT_TYPE);
	ASSERT_EQ_U64(r.head_mask, 1 << 6);
	vmcore_free(v);
}

TEST(names_and_levels)
{
	static const char *const names[] = { "kernel", "zero", "cache", "cache_private",
					     "user", "free", "hugetlb", "hwpoison",
					     "offline", "hole", "unknown" };

	for (int i = 0; i < _VMCORE_CLASS_MAX; i++)
		ASSERT_STREQ(vmcore_class_name(i), names[i]);
	ASSERT_TRUE(vmcore_class_name(_VMCORE_CLASS_MAX) == NULL);

	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_ZERO, 1));
	ASSERT_TRUE(!vmcore_class_excluded(VMCORE_CLASS_ZERO, 30));
	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_CACHE, 2));
	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_CACHE, 4));
	ASSERT_TRUE(!vmcore_class_excluded(VMCORE_CLASS_CACHE_PRIVATE, 2));
	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_CACHE_PRIVATE, 4));
	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_USER, 8));
	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_HUGETLB, 8));
	ASSERT_TRUE(!vmcore_class_excluded(VMCORE_CLASS_HUGETLB, 23));
	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_FREE, 16));
	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_HWPOISON, 0));
	ASSERT_TRUE(vmcore_class_excluded(VMCORE_CLASS_OFFLINE, 0));
	ASSERT_TRUE(!vmcore_class_excluded(VMCORE_CLASS_KERNEL, 31));
	ASSERT_TRUE(!vmcore_class_excluded(VMCORE_CLASS_HOLE, 31));
	ASSERT_TRUE(!vmcore_class_excluded(VMCORE_CLASS_UNKNOWN, 31));
}

TEST(zero)
{
	uint64_t buf[512] = { 0 };

	ASSERT_TRUE(vmcore_page_is_zero(buf, sizeof(buf)));
	((uint8_t *)buf)[4095] = 1;
	ASSERT_TRUE(!vmcore_page_is_zero(buf, sizeof(buf)));
	ASSERT_TRUE(vmcore_page_is_zero(buf, 4088));
}

RUN_TESTS(T(encoding_61), T(encoding_612), T(mem_section_pointer), T(sparsemem_static),
	  T(flatmem), T(vmemmap), T(garbage), T(absurd_keys), T(real_keys), T(missing_lru),
	  T(missing_buddy), T(missing_required), T(names_and_levels), T(zero))
