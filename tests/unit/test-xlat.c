/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_64 address translation on a tiny ELF vmcore with real page tables: 4 and 5 levels,
 * 1 GiB, 2 MiB and 4 KiB leaves, non-present entries at each level, KASLR with a "negative"
 * phys_base, the SME bit, reads that cross pages, holes and filtered pages, phys_base from the
 * kernel-text PT_LOAD, init_level4_pgt, and other architectures.
 */
#include <elf.h>
#include <errno.h>

#include "tests.h"
#include "vmimage.h"

#define T_PT_K (IMG_T_FREE + 0x0000)
#define T_PMD_D (IMG_T_FREE + 0x1000)
#define T_PT_D (IMG_T_FREE + 0x2000)
#define PATTERN UINT64_C(0xabcd000000000000)

/* Each 8-byte word of the data regions holds its own physical address | PATTERN. */
static void fill(struct vmimage *im, uint64_t start, uint64_t end)
{
	for (uint64_t p = start; p < end; p += 8)
		img_w64(im, p, p | PATTERN);
}

/* The standard image plus: a 4 KiB page table in the kernel image, and in the direct map
 * above 1 GiB a PMD with a 2 MiB leaf and a page table mapping pages in reverse order. */
static void build(struct vmimage *im, int levels)
{
	uint64_t text_pmd = img_index(IMG_TEXT_VA, 21);

	img_init(im, levels);
	fill(im, 0x510000, IMG_RAM_SIZE);

	img_entry(im, IMG_T_PMD_K, (unsigned)text_pmd + 1, T_PT_K, 0);
	for (unsigned i = 0; i < 512; i++)
		img_entry(im, T_PT_K, i, IMG_TEXT_PA + 0x200000 + i * UINT64_C(4096), 0);
	/* not present, though the rest of the entry looks fine */
	img_w64(im, T_PT_K + 7 * 8, img_r64(im, T_PT_K + 7 * 8) & ~UINT64_C(1));

	img_entry(im, IMG_T_PUD_D, img_index(im->dm, 30) + 1, T_PMD_D, 0);
	img_entry(im, T_PMD_D, 0, 0x800000, 1);
	img_entry(im, T_PMD_D, 1, T_PT_D, 0);
	for (unsigned i = 0; i < 512; i++)
		if (i != 5)
			img_entry(im, T_PT_D, i, 0xa00000 + (511 - i) * UINT64_C(4096), 0);
}

#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)

static int vtop(vmcore_t *v, uint64_t vaddr, uint64_t *p)
{
	*p = UINT64_MAX;
	return vmcore_vtop(v, vaddr, p);
}

static void check_levels(int levels)
{
	struct vmimage im;
	vmcore_t *v;
	uint64_t p, w[2], dm;
	uint8_t page[8192];

	build(&im, levels);
	dm = im.dm;
	v = img_open(&im);
	ASSERT_TRUE(v);

	/* kernel image, 2 MiB leaf: the page walk agrees with vaddr - map + phys_base */
	ASSERT_OK(vtop(v, IMG_TEXT_VA + 0x1238, &p));
	ASSERT_EQ_U64(p, IMG_TEXT_PA + 0x1238);
	ASSERT_EQ_U64(p, IMG_TEXT_VA + 0x1238 - IMG_START_KERNEL_MAP + IMG_PHYS_BASE);
	/* kernel image, 4 KiB pages */
	ASSERT_OK(vtop(v, IMG_TEXT_VA + 0x200000 + 3 * 4096 + 0x10, &p));
	ASSERT_EQ_U64(p, IMG_TEXT_PA + 0x200000 + 3 * 4096 + 0x10);
	ASSERT_OK(vtop(v, IMG_TEXT_VA + 0x3ffff8, &p));
	ASSERT_EQ_U64(p, IMG_TEXT_VA + 0x3ffff8 - IMG_START_KERNEL_MAP + IMG_PHYS_BASE);
	/* a non-present PTE */
	ASSERT_EQ_INT(vtop(v, IMG_TEXT_VA + 0x200000 + 7 * 4096 + 1, &p), -EADDRNOTAVAIL);
	ASSERT_EQ_U64(p, UINT64_MAX);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "PTE"));
	ASSERT_TRUE(strstr(vmcore_strerror(v), "ffffffff9a207001"));

	/* direct map: 1 GiB leaf, then 2 MiB leaf, then 4 KiB pages in reverse order */
	ASSERT_OK(vtop(v, dm + 0x123456, &p));
	ASSERT_EQ_U64(p, 0x123456);
	ASSERT_OK(vtop(v, dm + GIB + 0x1234, &p));
	ASSERT_EQ_U64(p, 0x801234);
	ASSERT_OK(vtop(v, dm + GIB + 2 * MIB + 9 * 4096 + 0xabc, &p));
	ASSERT_EQ_U64(p, 0xa00000 + 502 * 4096 + 0xabc);
	ASSERT_EQ_INT(vtop(v, dm + GIB + 2 * MIB + 5 * 4096, &p), -EADDRNOTAVAIL);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "PTE entry 5"));
	ASSERT_EQ_INT(vtop(v, dm + GIB + 4 * MIB, &p), -EADDRNOTAVAIL);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "PMD entry 2"));
	ASSERT_EQ_INT(vtop(v, dm + 2 * GIB, &p), -EADDRNOTAVAIL);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "PUD entry"));
	/* an empty top-level slot (vmalloc space is not mapped here) */
	ASSERT_EQ_INT(vtop(v, levels == 5 ? UINT64_C(0xffa0000000000000)
					  : UINT64_C(0xffffc90000000000), &p), -EADDRNOTAVAIL);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "PGD entry"));
	if (levels == 5) {
		ASSERT_EQ_INT(vtop(v, dm + (UINT64_C(1) << 39), &p), -EADDRNOTAVAIL);
		ASSERT_TRUE(strstr(vmcore_strerror(v), "P4D entry 1"));
	}
	/* not canonical */
	ASSERT_EQ_INT(vtop(v, levels == 5 ? UINT64_C(0x0100000000000000)
					  : UINT64_C(0x0000800000000000), &p), -EADDRNOTAVAIL);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "canonical"));
	/* the TLB must not leak a translation into the neighbouring leaf */
	ASSERT_OK(vtop(v, dm + GIB + 2 * MIB + 4096, &p));
	ASSERT_EQ_U64(p, 0xa00000 + 510 * 4096);
	ASSERT_OK(vtop(v, dm + GIB + 2 * MIB, &p));
	ASSERT_EQ_U64(p, 0xa00000 + 511 * 4096);

	/* reads: across two 4 KiB pages that are not physically adjacent */
	ASSERT_OK(vmcore_read_virt(v, dm + GIB + 2 * MIB + 4096 - 8, w, 16));
	ASSERT_EQ_U64(w[0], (0xa00000 + 511 * 4096 + 4088) | PATTERN);
	ASSERT_EQ_U64(w[1], (0xa00000 + 510 * 4096) | PATTERN);
	/* from a 2 MiB leaf into a page table (kernel image) */
	ASSERT_OK(vmcore_read_virt(v, IMG_TEXT_VA + 0x200000 - 8, w, 16));
	ASSERT_EQ_U64(w[0], (IMG_TEXT_PA + 0x1ffff8) | PATTERN);
	ASSERT_EQ_U64(w[1], (IMG_TEXT_PA + 0x200000) | PATTERN);
	/* from the 2 MiB leaf into the reversed page table, several pages */
	ASSERT_OK(vmcore_read_virt(v, dm + GIB + 2 * MIB - 4096, page, sizeof(page)));
	memcpy(w, page + 4096, 8);
	ASSERT_EQ_U64(w[0], (0xa00000 + 511 * 4096) | PATTERN);
	memcpy(w, page + 4088, 8);
	ASSERT_EQ_U64(w[0], (0x800000 + 2 * MIB - 8) | PATTERN);
	/* a read that reaches a non-present page fails as a whole */
	ASSERT_EQ_INT(vmcore_read_virt(v, dm + GIB + 2 * MIB + 5 * 4096 - 8, w, 16),
		      -EADDRNOTAVAIL);
	/* mapped, but a hole in the dump (beyond its 16 MiB of RAM) */
	ASSERT_OK(vtop(v, dm + 32 * MIB, &p));
	ASSERT_EQ_U64(p, 32 * MIB);
	ASSERT_EQ_INT(vmcore_read_virt(v, dm + 32 * MIB, w, 8), -EADDRNOTAVAIL);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "0x2000000"));
	/* zero bytes, and a range that wraps the address space */
	ASSERT_OK(vmcore_read_virt(v, 0, NULL, 0));
	ASSERT_EQ_INT(vmcore_read_virt(v, UINT64_MAX - 3, w, 8), -EADDRNOTAVAIL);

	vmcore_free(v);
	img_free(&im);
}

TEST(four_level)
{
	check_levels(4);
}

TEST(five_level)
{
	check_levels(5);
}

/* Without NUMBER(phys_base) (kernels before 4.10): from the kernel-text PT_LOAD. */
TEST(phys_base_from_pt_load)
{
	struct vmimage im;
	vmcore_t *v;
	uint64_t p;

	build(&im, 4);
	im.phys_base_key = 0;
	im.pgd_key = "init_level4_pgt";
	v = img_open(&im);
	ASSERT_TRUE(v);
	ASSERT_OK(vtop(v, IMG_TEXT_VA + 0x200000 + 4096, &p));
	ASSERT_EQ_U64(p, IMG_TEXT_PA + 0x200000 + 4096);
	ASSERT_OK(vtop(v, im.dm + GIB + 0x10, &p));
	ASSERT_EQ_U64(p, 0x800010);
	vmcore_free(v);
	img_free(&im);
}

/* No page-table symbol: the kernel image is still translated, the rest is -ENOKEY. */
TEST(no_pgd_symbol)
{
	struct vmimage im;
	vmcore_t *v;
	uint64_t p, w;

	build(&im, 4);
	im.pgd_key = NULL;
	v = img_open(&im);
	ASSERT_TRUE(v);
	ASSERT_OK(vtop(v, IMG_TEXT_VA + 0x200000 + 4096 + 8, &p));
	ASSERT_EQ_U64(p, IMG_TEXT_PA + 0x200000 + 4096 + 8);
	ASSERT_OK(vmcore_read_virt(v, IMG_TEXT_VA + 0x300000, &w, 8));
	ASSERT_EQ_U64(w, (IMG_TEXT_PA + 0x300000) | PATTERN);
	ASSERT_EQ_INT(vtop(v, im.dm, &p), -ENOKEY);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "init_top_pgt"));
	vmcore_free(v);
	img_free(&im);
}

/* makedumpfile -E style filtering: the last MiB of RAM has no file data. */
TEST(filtered_page)
{
	struct vmimage im;
	vmcore_t *v;
	uint64_t w;

	build(&im, 4);
	im.ram_filesz = IMG_RAM_SIZE - MIB;
	v = img_open(&im);
	ASSERT_TRUE(v);
	ASSERT_OK(vmcore_read_virt(v, im.dm + IMG_RAM_SIZE - MIB - 8, &w, 8));
	ASSERT_EQ_INT(vmcore_read_virt(v, im.dm + IMG_RAM_SIZE - MIB - 8, &w, 16), -ENODATA);
	ASSERT_EQ_INT(vmcore_read_virt(v, im.dm + IMG_RAM_SIZE - 8, &w, 8), -ENODATA);
	vmcore_free(v);
	img_free(&im);
}

TEST(other_architecture)
{
	struct vmimage im;
	vmcore_t *v;
	uint64_t p = 0;
	char buf[8];

	build(&im, 4);
	im.machine = EM_AARCH64;
	v = img_open(&im);
	ASSERT_TRUE(v);
	ASSERT_EQ_INT(vmcore_vtop(v, IMG_TEXT_VA, &p), -EOPNOTSUPP);
	ASSERT_EQ_U64(p, 0);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "x86_64"));
	ASSERT_TRUE(strstr(vmcore_strerror(v), "aarch64"));
	ASSERT_EQ_INT(vmcore_read_virt(v, IMG_TEXT_VA, buf, sizeof(buf)), -EOPNOTSUPP);
	vmcore_free(v);
	img_free(&im);
}

/* A page-table loop or garbage entries end in an error, not a crash. */
TEST(garbage_tables)
{
	struct vmimage im;
	vmcore_t *v;
	uint64_t p;

	build(&im, 4);
	/* the PUD points back at the PGD, whose entries then serve as PMDs and PTEs */
	img_entry(&im, IMG_T_PUD_D, img_index(im.dm, 30) + 3, IMG_T_TOP, 0);
	/* a table beyond the dump's RAM */
	img_entry(&im, IMG_T_PUD_D, img_index(im.dm, 30) + 4, UINT64_C(0xfffff000000), 0);
	v = img_open(&im);
	ASSERT_TRUE(v);
	(void)vtop(v, im.dm + 3 * GIB, &p);
	ASSERT_EQ_INT(vtop(v, im.dm + 4 * GIB, &p), -EADDRNOTAVAIL);
	ASSERT_TRUE(strstr(vmcore_strerror(v), "PMD table"));
	vmcore_free(v);
	img_free(&im);
}

RUN_TESTS(T(four_level), T(five_level), T(phys_base_from_pt_load), T(no_pgd_symbol),
	  T(filtered_page), T(other_architecture), T(garbage_tables))
