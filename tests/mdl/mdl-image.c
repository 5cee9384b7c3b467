/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "io-util.h"
#include "mdl-image.h"

#define VMEMMAP UINT64_C(0xffffea0000000000)
#define MEMMAP_PA UINT64_C(0xc00000)
#define T_VPUD UINT64_C(0x508000)
#define T_VPMD UINT64_C(0x509000)
#define T_VPT UINT64_C(0xc40000)
#define UTS_PA UINT64_C(0x600000)
#define RAM_OFF UINT64_C(0x2000) /* file offset of physical 0 */
#define SP 64u

#define PG_LRU 5
#define PG_HEAD 6
#define PG_RESERVED 13
#define PG_PRIVATE 14
#define BUDDY UINT32_C(0xf0000000)
#define ANON UINT64_C(0xffff888012345001)
#define FILE_MAPPING UINT64_C(0xffff888012345600)
#define BIT(n) (UINT64_C(1) << (n))

static uint64_t splitmix(uint64_t *s)
{
	uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
	z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
	return z ^ (z >> 31);
}

static void text(struct mdl_image *m, unsigned pfn)
{
	char *p = (char *)m->im.ram + (uint64_t)pfn * 4096;
	size_t n = 0;

	for (unsigned line = 0; n + 80 < 4096; line++)
		n += (size_t)snprintf(p + n, 4096 - n, "pfn %05x line %03u: the quick brown fox %u\n",
				      pfn, line, (pfn * 31 + line) % 17);
}

static void randomize(struct mdl_image *m, unsigned pfn)
{
	uint64_t s = pfn;

	for (unsigned i = 0; i < 512; i++)
		img_w64(&m->im, (uint64_t)pfn * 4096 + i * 8u, splitmix(&s));
	m->random[pfn] = 1;
}

static void sp(struct mdl_image *m, unsigned pfn, uint64_t flags, uint64_t mapping,
	       uint32_t mapcount, uint64_t private)
{
	uint64_t a = MEMMAP_PA + (uint64_t)pfn * SP;

	img_w64(&m->im, a + 0, flags);
	img_w64(&m->im, a + 24, mapping);
	img_w64(&m->im, a + 40, private);
	img_w32(&m->im, a + 48, mapcount);
}

static void set(struct mdl_image *m, unsigned from, unsigned to, uint8_t c)
{
	for (unsigned p = from; p < to; p++)
		m->cls[p] = c;
}

static void free_block(struct mdl_image *m, unsigned pfn, unsigned order, uint64_t flags)
{
	sp(m, pfn, flags, 0, BUDDY, order);
	set(m, pfn, pfn + (1u << order), VMCORE_CLASS_FREE);
}

static void info(struct mdl_image *m)
{
	struct vmimage *im = &m->im;

	img_info(im, "SYMBOL(init_uts_ns)=%llx", (unsigned long long)img_text(UTS_PA));
	img_info(im, "OFFSET(uts_namespace.name)=0");
	img_info(im, "SYMBOL(_stext)=%llx", (unsigned long long)img_text(IMG_TEXT_PA));
	img_info(im, "SYMBOL(vmemmap)=%llx", (unsigned long long)VMEMMAP);
	img_info(im, "SIZE(page)=64");
	img_info(im, "OFFSET(page.flags)=0");
	img_info(im, "OFFSET(page._refcount)=52");
	img_info(im, "OFFSET(page.mapping)=24");
	img_info(im, "OFFSET(page.lru)=8");
	img_info(im, "OFFSET(page._mapcount)=48");
	img_info(im, "OFFSET(page.private)=40");
	img_info(im, "OFFSET(page.compound_head)=8");
	img_info(im, "LENGTH(zone.free_area)=11");
	img_info(im, "NUMBER(PG_lru)=%d", PG_LRU);
	img_info(im, "NUMBER(PG_private)=%d", PG_PRIVATE);
	img_info(im, "NUMBER(PG_swapcache)=10");
	img_info(im, "NUMBER(PG_swapbacked)=17");
	img_info(im, "NUMBER(PG_hwpoison)=20");
	img_info(im, "NUMBER(PG_head_mask)=%d", 1 << PG_HEAD);
	img_info(im, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d", (int32_t)BUDDY);
	img_info(im, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%u", 0xf1000000u);
	img_info(im, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=%u", 0xf4000000u);
	img_info(im, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=%d", (int32_t)0xf5000000u);
	img_info(im, "CRASHTIME=1700000000");
}

void mdl_image_build(struct mdl_image *m)
{
	static const char uts[6][65] = { "Linux", "mdl-test", "6.12.0-mdltest",
					 "#1 SMP PREEMPT_DYNAMIC", "x86_64", "(none)" };
	struct vmimage *im = &m->im;

	memset(m, 0, sizeof(*m));
	img_init(im, 4);
	im->osrelease = "6.12.0-mdltest";

	/* contents first; the struct pages and page tables overwrite their own pages */
	for (unsigned p = 0; p < MI_NPFN; p++) {
		if ((p >= 0xa0 && p < 0x100) || (p >= 0x200 && p < 0x300) ||
		    (p > 0xc40 && (p & 0x10)) || (p >= 0x500 && p < 0x510))
			continue; /* zeros, or vmimage's page tables */
		if ((p >= 0x1e0 && p < 0x200) || (p >= 0x300 && p < 0x400))
			randomize(m, p);
		else
			text(m, p);
	}
	memset(im->ram + MEMMAP_PA, 0, (size_t)MI_NPFN * SP);
	set(m, 0, MI_NPFN, VMCORE_CLASS_KERNEL);
	set(m, 0xa0, 0x100, VMCORE_CLASS_HOLE);
	for (unsigned p = 0; p < MI_NPFN; p++)
		sp(m, p, p >= 0x400 && p < 0x800 ? BIT(PG_RESERVED) : 0, 0, UINT32_MAX, 0);

	free_block(m, 0x100, 7, 0);
	for (unsigned p = 0x180; p < 0x1c0; p++)
		sp(m, p, BIT(PG_LRU), FILE_MAPPING, UINT32_MAX, 0);
	set(m, 0x180, 0x1c0, VMCORE_CLASS_CACHE);
	for (unsigned p = 0x1c0; p < 0x1e0; p++)
		sp(m, p, BIT(PG_LRU) | BIT(PG_PRIVATE), FILE_MAPPING, UINT32_MAX, 0);
	set(m, 0x1c0, 0x1e0, VMCORE_CLASS_CACHE_PRIVATE);
	for (unsigned p = 0x1e0; p < 0x200; p++)
		sp(m, p, BIT(PG_LRU), ANON, 0, 0);
	set(m, 0x1e0, 0x200, VMCORE_CLASS_USER);

	/* the kernel image: a page that looks like page cache, and the init memory freed */
	sp(m, 0x600, BIT(PG_RESERVED) | BIT(PG_LRU), FILE_MAPPING, UINT32_MAX, 0);
	m->cls[0x600] = VMCORE_CLASS_CACHE;
	for (unsigned p = 0x700; p < 0x780; p++)
		sp(m, p, 0, 0, UINT32_MAX, 0);
	free_block(m, 0x700, 7, 0);
	for (unsigned p = 0x400; p < 0x800; p++)
		m->prot[p] = !(p >= 0x700 && p < 0x780);

	free_block(m, 0x800, 9, 0);
	for (unsigned p = 0xa00; p < 0xc00; p++)
		sp(m, p, BIT(PG_LRU), FILE_MAPPING, UINT32_MAX, 0);
	set(m, 0xa00, 0xc00, VMCORE_CLASS_CACHE);

	/* the struct pages (one that looks anonymous) and the vmemmap table (looks like cache) */
	for (unsigned p = 0xc00; p < 0xc40; p++)
		m->prot[p] = 1;
	sp(m, 0xc10, BIT(PG_LRU), ANON, 0, 0);
	m->cls[0xc10] = VMCORE_CLASS_USER;
	sp(m, 0xc40, BIT(PG_LRU), FILE_MAPPING, UINT32_MAX, 0);
	m->cls[0xc40] = VMCORE_CLASS_CACHE;
	m->prot[0xc40] = 1;

	/* vmemmap -> T_VPUD -> T_VPMD -> T_VPT -> the struct page pages */
	memset(im->ram + T_VPT, 0, 4096);
	img_entry(im, IMG_T_TOP, img_index(VMEMMAP, 39), T_VPUD, 0);
	img_entry(im, T_VPUD, img_index(VMEMMAP, 30), T_VPMD, 0);
	img_entry(im, T_VPMD, img_index(VMEMMAP, 21), T_VPT, 0);
	for (unsigned i = 0; i < MI_NPFN * SP / 4096; i++)
		img_entry(im, T_VPT, i, MEMMAP_PA + i * UINT64_C(4096), 0);
	img_write(im, UTS_PA, uts, sizeof(uts));
	/* pages the same as another: stored once */
	for (unsigned p = 0xd01; p < 0xd10; p++)
		memcpy(im->ram + (uint64_t)p * 4096, im->ram + UINT64_C(0xd00) * 4096, 4096);
	info(m);
	for (unsigned p = 0; p < MI_NPFN; p++) {
		const uint8_t *page = im->ram + (uint64_t)p * 4096;
		m->zero[p] = page[0] == 0 && !memcmp(page, page + 1, 4095);
	}
}

void mdl_image_free(struct mdl_image *m)
{
	img_free(&m->im);
}

int mdl_image_kept(const struct mdl_image *m, unsigned pfn, int level, int elf)
{
	if (pfn >= MI_NPFN || m->cls[pfn] == VMCORE_CLASS_HOLE)
		return 0;
	if (vmcore_class_excluded(m->cls[pfn], level) && !m->prot[pfn])
		return 0;
	if (elf && (level & VMCORE_DL_ZERO) && m->zero[pfn])
		return 0;
	return 1;
}

/* ---- the ELF file ---- */

#define NOTE_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

static size_t add_note(uint8_t *p, const char *name, uint32_t type, const void *desc,
		       size_t len)
{
	Elf64_Nhdr nh = { .n_namesz = (Elf64_Word)strlen(name) + 1, .n_descsz = (Elf64_Word)len,
			  .n_type = type };
	size_t n = 0;

	memcpy(p, &nh, sizeof(nh));
	n += sizeof(nh);
	memcpy(p + n, name, nh.n_namesz);
	n += NOTE_ALIGN(nh.n_namesz);
	memcpy(p + n, desc, len);
	return n + NOTE_ALIGN(len);
}

static char *vmcoreinfo(const struct mdl_image *m)
{
	const struct vmimage *im = &m->im;
	char *t = malloc(4096 + im->info_len);
	size_t n = 0;

	if (!t)
		abort();
	n += (size_t)sprintf(t + n, "OSRELEASE=%s\nPAGESIZE=4096\n", im->osrelease);
	n += (size_t)sprintf(t + n, "SYMBOL(init_top_pgt)=%llx\n",
			     (unsigned long long)img_text(IMG_T_TOP));
	n += (size_t)sprintf(t + n, "NUMBER(phys_base)=%lld\n", (long long)(int64_t)IMG_PHYS_BASE);
	n += (size_t)sprintf(t + n, "NUMBER(pgtable_l5_enabled)=0\n");
	n += (size_t)sprintf(t + n, "NUMBER(sme_mask)=%llu\n", (unsigned long long)IMG_SME);
	n += (size_t)sprintf(t + n, "KERNELOFFSET=%llx\n", (unsigned long long)IMG_KERNELOFFSET);
	memcpy(t + n, im->info, im->info_len + 1);
	return t;
}

int mdl_image_save(struct mdl_image *m, const char *path)
{
	uint8_t notes[4096] = {}, prstatus[336] = {};
	char *vi = vmcoreinfo(m);
	size_t nn = 0;
	Elf64_Ehdr eh = {};
	Elf64_Phdr ph[4] = {};
	int fd, r;

	for (int cpu = 0; cpu < 2; cpu++) {
		uint32_t pid = 100 + (uint32_t)cpu;
		memcpy(prstatus + 32, &pid, sizeof(pid)); /* pr_pid */
		nn += add_note(notes + nn, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	}
	nn += add_note(notes + nn, "VMCOREINFO", 0, vi, strlen(vi));
	free(vi);

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = EM_X86_64;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = 4;
	ph[0] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = 0x1000, .p_filesz = nn,
			      .p_memsz = nn, .p_align = 4 };
	ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
			      .p_offset = RAM_OFF + IMG_TEXT_PA, .p_vaddr = IMG_TEXT_VA,
			      .p_paddr = IMG_TEXT_PA, .p_filesz = IMG_TEXT_SIZE,
			      .p_memsz = IMG_TEXT_SIZE };
	ph[2] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
			      .p_offset = RAM_OFF, .p_vaddr = m->im.dm, .p_paddr = 0,
			      .p_filesz = MI_RAM0_END, .p_memsz = MI_RAM0_END };
	ph[3] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
			      .p_offset = RAM_OFF + MI_RAM1_START, .p_vaddr = m->im.dm + MI_RAM1_START,
			      .p_paddr = MI_RAM1_START, .p_filesz = IMG_RAM_SIZE - MI_RAM1_START,
			      .p_memsz = IMG_RAM_SIZE - MI_RAM1_START };

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = pwrite_all(fd, &eh, sizeof(eh), 0);
	if (r == 0)
		r = pwrite_all(fd, ph, sizeof(ph), sizeof(eh));
	if (r == 0)
		r = pwrite_all(fd, notes, nn, 0x1000);
	if (r == 0)
		r = pwrite_all(fd, m->im.ram, MI_RAM0_END, RAM_OFF);
	if (r == 0)
		r = pwrite_all(fd, m->im.ram + MI_RAM1_START, IMG_RAM_SIZE - MI_RAM1_START,
			       RAM_OFF + MI_RAM1_START);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}
