/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ELF vmcores: a copy of /proc/vmcore, or makedumpfile -E output. One PT_NOTE with the CPUs'
 * registers and VMCOREINFO, one PT_LOAD per RAM range plus one for the kernel text (which
 * describes the same physical memory a second time). makedumpfile -E marks filtered pages by
 * ending a segment's file data early: [p_filesz, p_memsz) is memory that was not dumped.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define START_KERNEL_MAP 0xffffffff80000000ull

struct elf_state {
	struct vmcore_segment *loads; /* sorted by paddr */
	size_t n_loads;
	uint64_t max_end;             /* the highest byte any PT_LOAD's file data reaches */
};

static const char *machine_name(uint16_t m)
{
	switch (m) {
	case EM_X86_64:
		return "x86_64";
	case EM_AARCH64:
		return "aarch64";
	case EM_S390:
		return "s390x";
	case EM_PPC64:
		return "ppc64le";
	case EM_RISCV:
		return "riscv64";
	case EM_386:
		return "i386";
	default:
		return NULL;
	}
}

static int cmp_load(const void *a, const void *b)
{
	const struct vmcore_segment *x = a, *y = b;

	if (x->paddr != y->paddr)
		return x->paddr < y->paddr ? -1 : 1;
	/* Among equal starts, the longer segment (RAM, not kernel text) first. */
	return x->memsz > y->memsz ? -1 : x->memsz < y->memsz;
}

static int read_phnum(struct vmcore *v, const Elf64_Ehdr *eh, uint64_t *ret)
{
	Elf64_Shdr sh;
	int r;

	if (eh->e_phnum != PN_XNUM) {
		*ret = eh->e_phnum;
		return 0;
	}
	/* More than 65534 segments: the real count is in section header 0. */
	if (eh->e_shoff == 0 || eh->e_shentsize != sizeof(Elf64_Shdr))
		return vc_error(v, -EBADMSG, "e_phnum is PN_XNUM but there is no section header 0");
	r = vc_src_read(v, &sh, sizeof(sh), eh->e_shoff, "ELF section header 0");
	if (r < 0)
		return r;
	*ret = sh.sh_info;
	return 0;
}

static int load_phdrs(struct vmcore *v, struct elf_state *st, const Elf64_Ehdr *eh)
{
	_cleanup_free_ Elf64_Phdr *ph = NULL;
	_cleanup_free_ char *notes = NULL;
	size_t notes_size = 0;
	uint64_t phnum = 0;
	int r;

	r = read_phnum(v, eh, &phnum);
	if (r < 0)
		return r;
	if (phnum == 0 || phnum > VMCORE_MAX_SEGMENTS)
		return vc_error(v, -EBADMSG, "implausible number of program headers: %llu",
				(unsigned long long)phnum);
	ph = calloc(phnum, sizeof(*ph));
	st->loads = calloc(phnum, sizeof(*st->loads));
	if (!ph || !st->loads)
		return vc_error(v, -ENOMEM, "out of memory");
	r = vc_src_read(v, ph, phnum * sizeof(*ph), eh->e_phoff, "ELF program headers");
	if (r < 0)
		return r;

	for (size_t i = 0; i < phnum; i++) {
		uint64_t end;

		if (ph[i].p_type == PT_NOTE) {
			if (ph[i].p_filesz > VMCORE_MAX_NOTES_SIZE - notes_size)
				return vc_error(v, -EBADMSG, "PT_NOTE segments are too large");
			/*
			 * A size the input cannot hold must not size an allocation (nor may a
			 * flattened stream's: it can describe a far larger file than it is).
			 */
			if (add_overflows_u64(ph[i].p_offset, ph[i].p_filesz, &end) ||
			    end > v->src.size || ph[i].p_filesz > v->raw_size)
				return vc_error(v, -EIO,
						"ELF note segment at offset 0x%llx (%llu bytes) lies "
						"beyond the end of the file (0x%llx bytes): the file is "
						"truncated", (unsigned long long)ph[i].p_offset,
						(unsigned long long)ph[i].p_filesz,
						(unsigned long long)v->src.size);
			char *n = realloc(notes, notes_size + ph[i].p_filesz + 1);
			if (!n)
				return vc_error(v, -ENOMEM, "out of memory");
			notes = n;
			r = vc_src_read(v, notes + notes_size, ph[i].p_filesz, ph[i].p_offset,
					"ELF note segment");
			if (r < 0)
				return r;
			notes_size += ph[i].p_filesz;
		} else if (ph[i].p_type == PT_LOAD) {
			if (ph[i].p_filesz > ph[i].p_memsz)
				return vc_error(v, -EBADMSG,
						"PT_LOAD %zu: file size 0x%llx exceeds memory size 0x%llx",
						i, (unsigned long long)ph[i].p_filesz,
						(unsigned long long)ph[i].p_memsz);
			if (add_overflows_u64(ph[i].p_paddr, ph[i].p_memsz, &end) ||
			    add_overflows_u64(ph[i].p_offset, ph[i].p_filesz, &end))
				return vc_error(v, -EBADMSG, "PT_LOAD %zu: address or offset overflows", i);
			if (ph[i].p_filesz && end > v->src.size)
				/* Truncated copy: keep what is there, say so when it is read. */
				v->incomplete |= VMCORE_INCOMPLETE_TRUNCATED;
			if (ph[i].p_memsz == 0)
				continue;
			st->loads[st->n_loads++] = (struct vmcore_segment){
				.paddr = ph[i].p_paddr,
				.vaddr = ph[i].p_vaddr,
				.memsz = ph[i].p_memsz,
				.filesz = ph[i].p_filesz,
				.offset = ph[i].p_offset,
			};
			/* The kernel text maps the image at __START_KERNEL_map + offset. */
			if (ph[i].p_vaddr >= START_KERNEL_MAP && !v->have_header_phys_base) {
				v->header_phys_base = ph[i].p_paddr - (ph[i].p_vaddr - START_KERNEL_MAP);
				v->have_header_phys_base = 1;
			}
			if (ph[i].p_paddr + ph[i].p_memsz > st->max_end)
				st->max_end = ph[i].p_paddr + ph[i].p_memsz;
		}
	}
	if (st->n_loads == 0)
		return vc_error(v, -EBADMSG, "no PT_LOAD segment: the dump holds no memory");
	qsort(st->loads, st->n_loads, sizeof(*st->loads), cmp_load);

	if (notes_size) {
		r = vc_set_notes(v, notes, notes_size);
		if (r < 0)
			return vc_error_prefix(v, r, "ELF notes");
	}
	return vc_set_ranges(v, st->loads, st->n_loads);
}

static void elf_free(struct vmcore *v)
{
	struct elf_state *st = v->fmt;

	if (!st)
		return;
	free(st->loads);
	free(st);
	v->fmt = NULL;
}

static int elf_probe(struct vmcore *v)
{
	struct elf_state *st;
	Elf64_Ehdr eh;
	const char *arch;
	uint64_t ps;
	int r;

	if (v->src.size < EI_NIDENT)
		return -ENOTTY;
	r = vc_src_read(v, eh.e_ident, EI_NIDENT, 0, "ELF identification");
	if (r < 0)
		return r;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG) != 0)
		return -ENOTTY;
	if (eh.e_ident[EI_CLASS] != ELFCLASS64)
		return vc_error(v, -EOPNOTSUPP, "32-bit ELF vmcores are not supported");
	if (eh.e_ident[EI_DATA] != ELFDATA2LSB)
		return vc_error(v, -EOPNOTSUPP, "big-endian ELF vmcores are not supported");
	r = vc_src_read(v, &eh, sizeof(eh), 0, "ELF header");
	if (r < 0)
		return r;
	if (eh.e_type != ET_CORE)
		return vc_error(v, -EBADMSG, "ELF file is not a core file (e_type %u)", eh.e_type);
	if (eh.e_phentsize != sizeof(Elf64_Phdr))
		return vc_error(v, -EBADMSG, "unexpected program header size %u", eh.e_phentsize);

	st = calloc(1, sizeof(*st));
	if (!st)
		return vc_error(v, -ENOMEM, "out of memory");
	v->fmt = st;

	arch = machine_name(eh.e_machine);
	if (arch)
		snprintf(v->arch, sizeof(v->arch), "%s", arch);
	if (eh.e_flags & 1)
		v->incomplete |= VMCORE_INCOMPLETE_MARKED;

	r = load_phdrs(v, st, &eh);
	if (r < 0)
		goto fail;

	/* ELF has no page size field: VMCOREINFO has it; every kernel we read uses 4 KiB. */
	if (vmcore_vmcoreinfo_get_u64(v, "PAGESIZE", &ps) == 0) {
		if (ps < VMCORE_MIN_PAGE_SIZE || ps > VMCORE_MAX_PAGE_SIZE || (ps & (ps - 1))) {
			r = vc_error(v, -EBADMSG, "VMCOREINFO PAGESIZE=%llu is not a valid page size",
				     (unsigned long long)ps);
			goto fail;
		}
		v->page_size = (uint32_t)ps;
	} else
		v->page_size = 4096;
	v->max_pfn = DIV_ROUND_UP(st->max_end, v->page_size);
	return 0;

fail:
	elf_free(v);
	return r;
}

/* The PT_LOAD holding paddr, preferring one whose file data covers it. */
static const struct vmcore_segment *find_load(const struct elf_state *st, uint64_t paddr)
{
	const struct vmcore_segment *best = NULL;
	size_t lo = 0, hi = st->n_loads;

	/* Last segment starting at or below paddr; overlapping ones sit before it. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (st->loads[mid].paddr <= paddr)
			lo = mid + 1;
		else
			hi = mid;
	}
	for (size_t i = lo; i > 0; i--) {
		const struct vmcore_segment *s = &st->loads[i - 1];
		if (paddr - s->paddr >= s->memsz)
			continue;
		if (paddr - s->paddr < s->filesz)
			return s;
		if (!best)
			best = s;
	}
	return best;
}

/* The state of a page: that of the first of its bytes that any segment covers. */
static int elf_pfn_state(struct vmcore *v, uint64_t pfn)
{
	const struct elf_state *st = v->fmt;
	uint64_t start = pfn << v->page_shift;

	if (pfn >= v->max_pfn)
		return VMCORE_PFN_HOLE;
	for (uint64_t a = start; a < start + v->page_size;) {
		const struct vmcore_segment *s = find_load(st, a);
		if (s) {
			if (a - s->paddr >= s->filesz)
				return VMCORE_PFN_EXCLUDED;
			/* A copy cut short: the headers promise data the file no longer has. */
			return s->offset + (a - s->paddr) >= v->src.size ? VMCORE_PFN_LOST
									 : VMCORE_PFN_DUMPED;
		}
		ssize_t next = -1;
		/* Skip to the next segment start inside this page, if any. */
		for (size_t i = 0; i < st->n_loads; i++)
			if (st->loads[i].paddr > a && st->loads[i].paddr < start + v->page_size) {
				next = (ssize_t)i;
				break;
			}
		if (next < 0)
			break;
		a = st->loads[next].paddr;
	}
	return VMCORE_PFN_HOLE;
}

static int elf_read_pfn(struct vmcore *v, uint64_t pfn, void *buf)
{
	const struct elf_state *st = v->fmt;
	uint64_t start = pfn << v->page_shift;
	int state;

	state = elf_pfn_state(v, pfn);
	if (state == VMCORE_PFN_HOLE)
		return vc_error(v, -EADDRNOTAVAIL, "PFN 0x%llx is not in the dump's memory map",
				(unsigned long long)pfn);
	if (state == VMCORE_PFN_EXCLUDED)
		return vc_error(v, -ENODATA, "PFN 0x%llx was filtered out of the dump",
				(unsigned long long)pfn);
	/* LOST pages fall through: the read below says where the file ends. */

	/* Pages at the edge of a RAM range are only partly described: zero the rest. */
	char *out = buf;
	for (uint64_t a = start; a < start + v->page_size;) {
		const struct vmcore_segment *s = find_load(st, a);
		uint64_t in_page = a - start;
		size_t n;
		int r;

		if (!s || a - s->paddr >= s->filesz) {
			out[in_page] = 0;
			a++;
			continue;
		}
		n = (size_t)MIN(start + v->page_size - a, s->filesz - (a - s->paddr));
		r = vc_src_read(v, out + in_page, n, s->offset + (a - s->paddr), "page data");
		if (r < 0)
			return vc_error_prefix(v, r, "PFN 0x%llx", (unsigned long long)pfn);
		a += n;
	}
	return 0;
}

static int cmp_u64_pair(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* Pages touched by a sorted list of [start, end) byte intervals, overlaps counted once. */
static uint64_t pages_in_intervals(uint64_t (*iv)[2], size_t n, unsigned page_shift)
{
	uint64_t pages = 0, covered_to = 0; /* first PFN not yet counted */

	qsort(iv, n, sizeof(*iv), cmp_u64_pair);
	for (size_t i = 0; i < n; i++) {
		uint64_t first = iv[i][0] >> page_shift;
		uint64_t last = (iv[i][1] - 1) >> page_shift;
		if (iv[i][1] <= iv[i][0])
			continue;
		if (first < covered_to)
			first = covered_to;
		if (first <= last) {
			pages += last - first + 1;
			covered_to = last + 1;
		}
	}
	return pages;
}

/*
 * Counted per segment, not per page: a hostile p_memsz may claim petabytes. "Dumped" pages are
 * those with file data that is actually in the file.
 */
static int elf_count_pages(struct vmcore *v, uint64_t *ret_present, uint64_t *ret_dumped)
{
	const struct elf_state *st = v->fmt;
	_cleanup_free_ uint64_t(*iv)[2] = calloc(MAX(st->n_loads, v->n_ranges) + 1, sizeof(*iv));
	size_t n = 0;

	if (!iv)
		return vc_error(v, -ENOMEM, "out of memory");
	for (size_t i = 0; i < v->n_ranges; i++) {
		iv[n][0] = v->ranges[i].paddr;
		iv[n][1] = v->ranges[i].paddr + v->ranges[i].memsz;
		n++;
	}
	uint64_t present = pages_in_intervals(iv, n, v->page_shift);

	n = 0;
	for (size_t i = 0; i < st->n_loads; i++) {
		const struct vmcore_segment *s = &st->loads[i];
		uint64_t in_file = s->offset >= v->src.size ? 0 : MIN(s->filesz, v->src.size - s->offset);
		if (!in_file)
			continue;
		iv[n][0] = s->paddr;
		iv[n][1] = s->paddr + in_file;
		n++;
	}
	*ret_present = present;
	*ret_dumped = pages_in_intervals(iv, n, v->page_shift);
	return 0;
}

static int elf_verify(struct vmcore *v, vmcore_problem_fn problem, void *userdata)
{
	const struct elf_state *st = v->fmt;
	char msg[256];
	int problems = 0;

#define REPORT(...)                                                \
	do {                                                       \
		snprintf(msg, sizeof(msg), __VA_ARGS__);           \
		problems++;                                        \
		if (problem(msg, userdata))                        \
			return problems;                           \
	} while (0)

	if (!v->vmcoreinfo)
		REPORT("no VMCOREINFO note: tools cannot find the kernel's structures");
	if (v->nr_prstatus == 0)
		REPORT("no NT_PRSTATUS note: the CPUs' registers are missing");
	if (v->incomplete & VMCORE_INCOMPLETE_MARKED)
		REPORT("the dump is marked incomplete (e_flags bit 0)");
	for (size_t i = 0; i < st->n_loads; i++) {
		const struct vmcore_segment *s = &st->loads[i];
		if (s->filesz && s->offset + s->filesz > v->src.size)
			REPORT("PT_LOAD at physical 0x%llx: data 0x%llx-0x%llx runs past the end of "
			       "the file (0x%llx bytes): the file is truncated",
			       (unsigned long long)s->paddr, (unsigned long long)s->offset,
			       (unsigned long long)(s->offset + s->filesz),
			       (unsigned long long)v->src.size);
	}
#undef REPORT
	return problems;
}

const struct vmcore_format_ops vc_elf_ops = {
	.name = "elf",
	.format = VMCORE_FORMAT_ELF,
	.probe = elf_probe,
	.pfn_state = elf_pfn_state,
	.read_pfn = elf_read_pfn,
	.count_pages = elf_count_pages,
	.verify = elf_verify,
	.free = elf_free,
};

/* ---- for collectors ---- */

int vmcore_pfn_extent(vmcore_t *v, uint64_t pfn, uint64_t max_count, uint64_t *ret_offset,
		      uint64_t *ret_count)
{
	const struct elf_state *st;
	const struct vmcore_segment *s;
	uint64_t start, in_seg, off, n;
	int state;

	if (!v || !v->ops || !ret_offset || !ret_count || max_count == 0)
		return -EINVAL;
	if (v->ops != &vc_elf_ops || v->flattened)
		return -EOPNOTSUPP;
	st = v->fmt;
	state = elf_pfn_state(v, pfn);
	if (state == VMCORE_PFN_HOLE)
		return -EADDRNOTAVAIL;
	if (state == VMCORE_PFN_EXCLUDED)
		return -ENODATA;
	start = pfn << v->page_shift;
	s = find_load(st, start);
	/* The whole page must be file data of this one segment. */
	if (!s || start < s->paddr || start - s->paddr >= s->filesz ||
	    s->filesz - (start - s->paddr) < v->page_size)
		return -EOPNOTSUPP;
	in_seg = start - s->paddr;
	off = s->offset + in_seg;
	if (off >= v->src.size || v->src.size - off < v->page_size)
		return -EIO;
	n = MIN((s->filesz - in_seg) >> v->page_shift, (v->src.size - off) >> v->page_shift);
	*ret_offset = off;
	*ret_count = MIN(n, max_count);
	return 0;
}

size_t vmcore_elf_load_count(const vmcore_t *v)
{
	if (!v || v->ops != &vc_elf_ops)
		return 0;
	return ((const struct elf_state *)v->fmt)->n_loads;
}

int vmcore_elf_load(const vmcore_t *v, size_t index, uint64_t *ret_paddr, uint64_t *ret_vaddr,
		    uint64_t *ret_memsz, uint64_t *ret_filesz)
{
	const struct elf_state *st;

	if (!v || v->ops != &vc_elf_ops)
		return -EINVAL;
	st = v->fmt;
	if (index >= st->n_loads)
		return -ERANGE;
	if (ret_paddr)
		*ret_paddr = st->loads[index].paddr;
	if (ret_vaddr)
		*ret_vaddr = st->loads[index].vaddr;
	if (ret_memsz)
		*ret_memsz = st->loads[index].memsz;
	if (ret_filesz)
		*ret_filesz = st->loads[index].filesz;
	return 0;
}
