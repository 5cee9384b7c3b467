/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the libvmcore fuzz targets share: running every reader on a handle. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

const char *const fuzz_vmcoreinfo_keys[] = {
	"OSRELEASE", "PAGESIZE", "CRASHTIME", "KERNELOFFSET",
	"SYMBOL(init_top_pgt)", "SYMBOL(init_level4_pgt)", "SYMBOL(prb)", "SYMBOL(log_buf)",
	"SYMBOL(log_buf_len)", "SYMBOL(log_end)", "SYMBOL(log_first_idx)",
	"SYMBOL(log_next_idx)", "SYMBOL(mem_map)", "SYMBOL(mem_section)", "SYMBOL(vmemmap)",
	"SYMBOL(free_huge_page)",
	"NUMBER(phys_base)", "NUMBER(pgtable_l5_enabled)", "NUMBER(sme_mask)",
	"NUMBER(KERNEL_IMAGE_SIZE)", "NUMBER(SECTION_SIZE_BITS)", "NUMBER(MAX_PHYSMEM_BITS)",
	"NUMBER(PG_head_mask)", "NUMBER(PG_lru)", "NUMBER(PG_private)", "NUMBER(PG_swapcache)",
	"NUMBER(PG_swapbacked)", "NUMBER(PG_slab)", "NUMBER(PG_buddy)", "NUMBER(PG_hwpoison)",
	"NUMBER(PG_hugetlb)", "NUMBER(HUGETLB_PAGE_DTOR)",
	"NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)", "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)",
	"NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)", "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)",
	"NUMBER(PAGE_UNACCEPTED_MAPCOUNT_VALUE)",
	"SIZE(page)", "SIZE(mem_section)", "SIZE(prb_desc)", "SIZE(printk_info)",
	"SIZE(printk_log)", "SIZE(log)", "LENGTH(mem_section)", "LENGTH(zone.free_area)",
	"OFFSET(page.flags)", "OFFSET(page.compound_head)", "OFFSET(page.compound_info)",
	"OFFSET(page.mapping)", "OFFSET(page._mapcount)", "OFFSET(page.private)",
	"OFFSET(page.compound_dtor)", "OFFSET(page.compound_order)",
	"OFFSET(folio._folio_dtor)", "OFFSET(folio._folio_order)",
	"OFFSET(mem_section.section_mem_map)",
	"OFFSET(printk_ringbuffer.desc_ring)", "OFFSET(printk_ringbuffer.text_data_ring)",
	"OFFSET(prb_desc_ring.count_bits)", "OFFSET(prb_desc_ring.descs)",
	"OFFSET(prb_desc_ring.infos)", "OFFSET(prb_desc_ring.head_id)",
	"OFFSET(prb_desc_ring.tail_id)", "OFFSET(prb_data_ring.size_bits)",
	"OFFSET(prb_data_ring.data)", "OFFSET(prb_data_ring.head_lpos)",
	"OFFSET(prb_data_ring.tail_lpos)", "OFFSET(prb_desc.state_var)",
	"OFFSET(prb_desc.text_blk_lpos)", "OFFSET(prb_data_blk_lpos.begin)",
	"OFFSET(prb_data_blk_lpos.next)", "OFFSET(printk_info.ts_nsec)",
	"OFFSET(printk_info.text_len)", "OFFSET(atomic_long_t.counter)",
	"OFFSET(printk_log.ts_nsec)", "OFFSET(printk_log.len)", "OFFSET(printk_log.text_len)",
	"OFFSET(log.ts_nsec)", "OFFSET(log.len)", "OFFSET(log.text_len)",
	/* not keys: lookups that must simply fail */
	"", "=", "SYMBOL(", "NUMBER()",
	NULL,
};

int fuzz_count_line(const char *line, size_t len, void *userdata)
{
	size_t *n = userdata;

	fuzz_touch(line, len + 1); /* the NUL too */
	(*n)++;
	return 0;
}

static int count_problem(const char *message, void *userdata)
{
	size_t *n = userdata;

	fuzz_touch_str(message);
	(*n)++;
	return 0;
}

void fuzz_lookup_key(const vmcore_t *v, const char *key)
{
	const char *value;
	uint64_t u;
	int64_t s;

	if (vmcore_vmcoreinfo_get(v, key, &value) == 0)
		fuzz_touch_str(value);
	(void)vmcore_vmcoreinfo_get_u64(v, key, &u);
	(void)vmcore_vmcoreinfo_get_s64(v, key, &s);
}

/* The PFNs to read: all of them when there are few, else both ends and a spread between. */
static uint64_t pfn_to_read(uint64_t max, unsigned i)
{
	const unsigned edge = FUZZ_MAX_PFN_READS / 4;

	if (max <= FUZZ_MAX_PFN_READS)
		return i;
	if (i < edge)
		return i;
	if (i >= FUZZ_MAX_PFN_READS - edge)
		return max - (FUZZ_MAX_PFN_READS - i);
	return edge + (max - 2 * edge) / (FUZZ_MAX_PFN_READS - 2 * edge) * (i - edge);
}

/* Where a collector would mmap() or pread() a run of pages: inside the file, always. */
static void check_extent(vmcore_t *v, uint64_t pfn)
{
	uint64_t off, count, size = vmcore_file_size(v);

	if (vmcore_pfn_extent(v, pfn, 16, &off, &count) == 0 &&
	    (count < 1 || count > 16 || off > size ||
	     count > (size - off) / vmcore_page_size(v)))
		__builtin_trap();
}

static void elf_loads(vmcore_t *v)
{
	size_t n = vmcore_elf_load_count(v);
	uint64_t paddr, vaddr, memsz, filesz;

	for (size_t i = 0; i < n && i < 64; i++)
		if (vmcore_elf_load(v, i, &paddr, &vaddr, &memsz, &filesz) < 0 || filesz > memsz)
			__builtin_trap(); /* in range, and as checked at open */
	if (vmcore_elf_load(v, n, &paddr, NULL, NULL, NULL) != -ERANGE &&
	    vmcore_format(v) == VMCORE_FORMAT_ELF)
		__builtin_trap();
}

static void read_pages(vmcore_t *v, uint8_t *buf)
{
	uint64_t max = vmcore_max_pfn(v), present, dumped, start, end;
	uint32_t ps = vmcore_page_size(v);
	size_t n = vmcore_phys_range_count(v);

	(void)vmcore_count_pages(v, &present, &dumped);
	elf_loads(v);
	for (unsigned i = 0; i < FUZZ_MAX_PFN_READS && i < max; i++) {
		uint64_t pfn = pfn_to_read(max, i);

		(void)vmcore_pfn_state(v, pfn);
		(void)vmcore_read_pfn(v, pfn, buf);
		check_extent(v, pfn);
	}
	(void)vmcore_pfn_state(v, max);
	(void)vmcore_pfn_state(v, UINT64_MAX);
	(void)vmcore_read_pfn(v, max, buf);
	/* Reads across the edges of the first and last ranges, and of the address space. */
	for (size_t i = 0; i < n && i < 64; i++) {
		size_t k = i < 32 ? i : n - 64 + i;

		if (vmcore_phys_range(v, k, &start, &end) < 0)
			continue;
		(void)vmcore_read_phys(v, start, buf, 16);
		(void)vmcore_read_phys(v, start - 8, buf, 16);
		(void)vmcore_read_phys(v, end - 8, buf, 16);
		(void)vmcore_read_phys(v, end - 16, buf, ps + 32);
	}
	(void)vmcore_phys_range(v, n, &start, &end);
	(void)vmcore_read_phys(v, max * ps - 8, buf, 16);
	(void)vmcore_read_phys(v, UINT64_MAX - 7, buf, 8);
	(void)vmcore_read_phys(v, 0, buf, 0);
}

void fuzz_check_memmap(vmcore_classifier_t *c, uint64_t pfn)
{
	uint64_t vaddr, run_end;

	if (vmcore_classifier_memmap(c, pfn, &vaddr, &run_end) == 0 && run_end <= pfn)
		__builtin_trap(); /* the run must include pfn */
}

static int count_table(uint64_t paddr, int level, void *userdata)
{
	uint64_t *n = userdata;

	if (level < 0 || level > 4 || (paddr & 4095))
		__builtin_trap(); /* a level that does not exist, a table not page-aligned */
	(*n)++;
	return 0;
}

void fuzz_walk_tables(vmcore_t *v, uint64_t max_tables)
{
	uint64_t n = 0;
	int r = vmcore_kernel_page_tables(v, max_tables, count_table, &n);

	if ((r >= 0 && ((uint64_t)r != n || n > max_tables)) || n > max_tables)
		__builtin_trap(); /* visits counted right, and bounded */
}

static void classify(vmcore_t *v)
{
	vmcore_classifier_t *c = NULL;
	uint64_t max = vmcore_max_pfn(v);
	uint8_t classes[256];

	if (vmcore_classifier_new(v, &c) < 0)
		return;
	fuzz_check_memmap(c, 0);
	fuzz_check_memmap(c, max / 2);
	fuzz_check_memmap(c, max - 1);
	for (uint64_t pfn = 0; pfn < max && pfn < 2048; pfn += sizeof(classes))
		(void)vmcore_classify(c, pfn, sizeof(classes), classes);
	if (max > 2048)
		(void)vmcore_classify(c, max - 100, sizeof(classes), classes);
	vmcore_classifier_free(c);
}

void fuzz_exercise(vmcore_t *v, unsigned what)
{
	uint32_t ps = vmcore_page_size(v);
	const char *text;
	const void *notes;
	size_t size, lines = 0, problems = 0;
	uint64_t u;
	int64_t t;
	uint8_t *buf;

	(void)vmcore_format(v);
	fuzz_touch_str(vmcore_format_name(v));
	(void)vmcore_is_flattened(v);
	fuzz_touch_str(vmcore_arch(v));
	fuzz_touch_str(vmcore_osrelease(v));
	fuzz_touch_str(vmcore_nodename(v));
	(void)vmcore_crash_time(v, &t);
	(void)vmcore_nr_cpus(v);
	(void)vmcore_dump_level(v);
	(void)vmcore_header_version(v);
	fuzz_touch_str(vmcore_compression_name(vmcore_compression(v)));
	(void)vmcore_is_incomplete(v);
	(void)vmcore_file_size(v);
	if (vmcore_notes(v, &notes, &size) == 0)
		fuzz_touch(notes, size);
	if (vmcore_vmcoreinfo(v, &text, &size) == 0)
		fuzz_touch(text, size);
	for (size_t i = 0; fuzz_vmcoreinfo_keys[i]; i++)
		fuzz_lookup_key(v, fuzz_vmcoreinfo_keys[i]);

	/* The page size was validated at open: one page, plus room for reads that straddle. */
	buf = malloc((size_t)ps + 64);
	if (!buf)
		abort();
	read_pages(v, buf);
	if (what & FUZZ_EX_VERIFY)
		(void)vmcore_verify(v, count_problem, &problems);
	if (what & FUZZ_EX_DMESG)
		(void)vmcore_dmesg(v, fuzz_count_line, &lines);
	if (what & FUZZ_EX_VIRT) {
		(void)vmcore_vtop(v, 0xffffffff81000000ull, &u);
		(void)vmcore_read_virt(v, 0xffffffff81000000ull, buf, 64);
		(void)vmcore_read_virt(v, 0xffff888000001000ull, buf, 64);
		(void)vmcore_read_virt(v, 0xffff888000000ff8ull, buf, 16);
		fuzz_walk_tables(v, 512);
	}
	if (what & FUZZ_EX_CLASSIFY)
		classify(v);
	free(buf);
}
