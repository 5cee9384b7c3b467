/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ELF output (-E): the ELF header, the program headers (one PT_NOTE first, then the PT_LOADs),
 * [section header 0 when there are PN_XNUM or more], the notes, and from the next page on the
 * segments' data, one after the other.
 *
 * The PT_LOADs are the input's, cut where the filter leaves out at least PFN_EXCLUDED pages in
 * a row: the segment before the run ends its file data where the run starts and its memory
 * where the run ends ([p_filesz, p_memsz) reads as not dumped), and a new segment starts at
 * the next page kept. Shorter runs are written with their data, as makedumpfile does. Every
 * PT_LOAD has p_align 0 (crash takes a non-zero p_align of the first one for an old netdump
 * page size).
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "writer-common.h"

#define PFN_EXCLUDED 256u
#define START_KERNEL_MAP UINT64_C(0xffffffff80000000)
#define DATA_BUF (1u << 20)

struct elf_seg {
	uint64_t paddr, vaddr, memsz, filesz, offset;
};

struct elf_seg_iter {
	vmcore_t *v;
	struct bm_store *bm;
	uint64_t ps;
	size_t load;     /* the how-many-th load, in the order below */
	size_t n_loads;
	int in_load;
	uint64_t l_paddr, l_vaddr, l_memsz, l_filesz;
	uint64_t pos;    /* where the next segment of this load starts */
	uint64_t offset; /* file offset of the next segment's data */
	/* the producer's place in the current segment */
	struct elf_seg seg;
	int have_seg;
	uint64_t page;
};

static void iter_init(struct elf_seg_iter *it, vmcore_t *v, struct bm_store *bm, uint64_t start)
{
	*it = (struct elf_seg_iter){ .v = v, .bm = bm, .ps = vmcore_page_size(v), .offset = start,
				     .n_loads = vmcore_elf_load_count(v) };
}

static int is_text(vmcore_t *v, size_t i)
{
	uint64_t vaddr = 0;

	return vmcore_elf_load(v, i, NULL, &vaddr, NULL, NULL) == 0 && vaddr >= START_KERNEL_MAP;
}

/*
 * The input index of the n-th load to write: the kernel-text segments first (as in
 * /proc/vmcore and makedumpfile's output; a dump cut short then still has the kernel image),
 * then the others by address.
 */
static size_t load_index(struct elf_seg_iter *it, size_t n)
{
	size_t k = 0;

	for (int text = 1; text >= 0; text--)
		for (size_t i = 0; i < it->n_loads; i++)
			if (is_text(it->v, i) == text && k++ == n)
				return i;
	return it->n_loads;
}

/* Whether page p is written: in the dump, and with file data in the input. */
static int next_kept(struct elf_seg_iter *it, uint64_t p, uint64_t limit, uint64_t *ret)
{
	uint64_t q;
	int r = bm_store_next(it->bm, p, &q);

	if (r == -ENOENT)
		q = limit;
	else if (r < 0)
		return r;
	*ret = MIN(q, limit);
	return 0;
}

static void emit(struct elf_seg_iter *it, uint64_t start, uint64_t file_end, uint64_t mem_end,
		 struct elf_seg *ret)
{
	file_end = MAX(MIN(file_end, it->l_paddr + it->l_filesz), start);
	*ret = (struct elf_seg){
		.paddr = start,
		.vaddr = it->l_vaddr + (start - it->l_paddr),
		.memsz = mem_end - start,
		.filesz = file_end - start,
	};
	ret->offset = ret->filesz ? it->offset : 0;
	it->offset += ret->filesz;
}

/* The next output segment: 1, 0 at the end, or a negative errno. */
static int iter_next(struct elf_seg_iter *it, struct elf_seg *ret)
{
	uint64_t ps = it->ps, end, fend, last, p, q;
	int r;

	while (!it->in_load) {
		if (it->load >= it->n_loads)
			return 0;
		r = vmcore_elf_load(it->v, load_index(it, it->load), &it->l_paddr, &it->l_vaddr,
				    &it->l_memsz, &it->l_filesz);
		if (r < 0)
			return r;
		it->in_load = it->l_memsz > 0;
		it->pos = it->l_paddr;
		if (!it->in_load)
			it->load++;
	}
	end = it->l_paddr + it->l_memsz;
	fend = it->l_paddr + it->l_filesz;
	/* pages with file data in the input */
	last = MIN(DIV_ROUND_UP(end, ps), DIV_ROUND_UP(fend, ps));
	for (p = it->pos / ps;;) {
		r = next_kept(it, p, last, &q);
		if (r < 0)
			return r;
		if (q >= last || q - p >= PFN_EXCLUDED) {
			/* the load ends here, or a long run of excluded pages: the segment does */
			emit(it, it->pos, MAX(p * ps, it->pos), q >= last ? end : q * ps, ret);
			if (q >= last) {
				it->in_load = 0;
				it->load++;
			} else
				it->pos = q * ps;
			return 1;
		}
		r = bm_store_next_clear(it->bm, q, &p);
		if (r < 0)
			return r;
		if (p >= last) {
			emit(it, it->pos, fend, end, ret);
			it->in_load = 0;
			it->load++;
			return 1;
		}
	}
}

int elf_writer_init(struct elf_writer *w, vmcore_t *v, const struct mdl_options *o,
		    struct sink *sink)
{
	*w = (struct elf_writer){ .v = v, .o = o, .sink = sink, .ps = vmcore_page_size(v) };
	if (vmcore_elf_load_count(v) == 0)
		return -EOPNOTSUPP;
	return 0;
}

void elf_writer_done(struct elf_writer *w)
{
	outbuf_done(&w->data);
	free(w->iter);
	free(w->page_end);
	w->iter = NULL;
	w->page_end = NULL;
}

static uint16_t machine(const char *arch)
{
	static const struct {
		const char *name;
		uint16_t em;
	} map[] = {
		{ "x86_64", EM_X86_64 }, { "aarch64", EM_AARCH64 }, { "s390x", EM_S390 },
		{ "ppc64le", EM_PPC64 }, { "riscv64", EM_RISCV },
	};

	for (size_t i = 0; arch && i < ELEMENTSOF(map); i++)
		if (!strcmp(arch, map[i].name))
			return map[i].em;
	return EM_NONE;
}

static int write_ehdr(struct elf_writer *w, uint64_t shoff)
{
	Elf64_Ehdr eh = {};

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = machine(vmcore_arch(w->v));
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);
	eh.e_phnum = w->phnum >= PN_XNUM ? PN_XNUM : (Elf64_Half)w->phnum;
	/* DUMP_ELF_INCOMPLETE until elf_writer_finish(): a collector killed part way leaves
	 * a file marked as cut (see kdump_writer_headers()) */
	if (w->sink->kind == SINK_FILE)
		eh.e_flags = 1;
	if (shoff) {
		eh.e_shoff = shoff;
		eh.e_shentsize = sizeof(Elf64_Shdr);
		eh.e_shnum = 1;
	}
	return sink_write(w->sink, &eh, sizeof(eh), 0);
}

int elf_writer_headers(struct elf_writer *w, struct bm_store *bm)
{
	struct elf_seg_iter it;
	struct elf_seg seg;
	struct outbuf ph;
	const void *notes = NULL;
	size_t notes_size = 0;
	uint64_t shoff = 0, items = 0;
	int r;

	w->bm = bm;
	(void)vmcore_notes(w->v, &notes, &notes_size);
	w->notes_size = notes_size;

	/* First pass: how many segments, how many pages of data. */
	iter_init(&it, w->v, bm, 0);
	w->phnum = 1;
	while ((r = iter_next(&it, &seg)) > 0) {
		w->phnum++;
		if (seg.filesz)
			items += DIV_ROUND_UP(seg.paddr + seg.filesz, w->ps) - seg.paddr / w->ps;
	}
	if (r < 0)
		return r;
	w->n.to_write = items;
	w->notes_off = sizeof(Elf64_Ehdr) + w->phnum * sizeof(Elf64_Phdr);
	if (w->phnum >= PN_XNUM) {
		shoff = w->notes_off;
		w->notes_off += sizeof(Elf64_Shdr);
	}
	w->data_start = ALIGN_UP(w->notes_off + notes_size, (uint64_t)w->ps);

	r = write_ehdr(w, shoff);
	if (r < 0)
		return r;
	w->marked_at_start = w->sink->kind == SINK_FILE;
	/* Second pass: the program headers. */
	r = outbuf_init(&ph, 64u << 10, sizeof(Elf64_Ehdr));
	if (r < 0)
		return r;
	Elf64_Phdr note = { .p_type = PT_NOTE, .p_offset = w->notes_off, .p_filesz = notes_size,
			    .p_memsz = notes_size };
	memcpy(ph.buf, &note, sizeof(note));
	ph.len = sizeof(note);
	iter_init(&it, w->v, bm, w->data_start);
	while (r == 0 && (r = iter_next(&it, &seg)) > 0) {
		Elf64_Phdr p = { .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
				 .p_offset = seg.offset, .p_vaddr = seg.vaddr, .p_paddr = seg.paddr,
				 .p_filesz = seg.filesz, .p_memsz = seg.memsz };
		r = 0;
		if (outbuf_room(&ph) < sizeof(p))
			r = outbuf_flush(&ph, w->sink);
		memcpy(ph.buf + ph.len, &p, sizeof(p));
		ph.len += sizeof(p);
	}
	if (r == 0)
		r = outbuf_flush(&ph, w->sink);
	outbuf_done(&ph);
	if (r < 0)
		return r;
	if (shoff) {
		Elf64_Shdr sh = { .sh_type = SHT_NULL, .sh_info = (Elf64_Word)w->phnum };
		r = sink_write(w->sink, &sh, sizeof(sh), shoff);
		if (r < 0)
			return r;
	}
	if (notes_size) {
		r = sink_write(w->sink, notes, notes_size, w->notes_off);
		if (r < 0)
			return r;
	}
	/* Third pass, as the pages are produced. */
	w->iter = malloc(sizeof(*w->iter));
	if (!w->iter)
		return -ENOMEM;
	iter_init(w->iter, w->v, bm, w->data_start);
	r = outbuf_init(&w->data, MAX((size_t)DATA_BUF, w->ps << w->o->block_order),
			w->data_start);
	if (r < 0)
		return r;
	w->max_pages = 2 * (w->data.cap / w->ps) + 64;
	w->page_end = malloc(w->max_pages * sizeof(*w->page_end));
	return w->page_end ? 0 : -ENOMEM;
}

int elf_writer_produce(void *userdata, struct chunk *c)
{
	struct elf_writer *w = userdata;
	struct elf_seg_iter *it = w->iter;
	uint64_t ps = w->ps;
	int r;

	c->n = 0;
	while (c->n < CHUNK_PAGES) {
		struct elf_seg *s = &it->seg;
		uint64_t file_end, a, b;

		if (!it->have_seg || it->page * ps >= s->paddr + s->filesz) {
			if (c->n)
				break; /* a chunk stays in one segment */
			r = iter_next(it, s);
			if (r <= 0)
				return r;
			it->have_seg = 1;
			it->page = s->paddr / ps;
			continue;
		}
		file_end = s->paddr + s->filesz;
		a = MAX(it->page * ps, s->paddr);
		b = MIN((it->page + 1) * ps, file_end);
		r = bm_store_test(w->bm, it->page);
		if (r < 0)
			return r;
		c->pfn[c->n] = it->page;
		c->part_off[c->n] = (uint32_t)(a - it->page * ps);
		c->part_len[c->n] = (uint32_t)(b - a);
		c->optional[c->n] = !r;
		c->n++;
		it->page++;
	}
	return 0;
}

static int elf_flush(struct elf_writer *w)
{
	int r = outbuf_flush(&w->data, w->sink);

	if (r < 0) {
		/*
		 * The pages wholly in what a full disk let through are saved; the file is cut
		 * after the last of them, so that no page is left half there.
		 */
		uint64_t end = 0;
		for (size_t i = 0; i < w->data_pages; i++)
			if (w->page_end[i] <= w->sink->partial) {
				w->n.saved++;
				end = w->page_end[i];
			}
		(void)sink_truncate(w->sink, w->data.off + end);
		w->failed = 1;
		return r;
	}
	w->n.saved += w->data_pages;
	w->data_pages = 0;
	return 0;
}

int elf_writer_consume(void *userdata, const struct chunk *c)
{
	static const uint8_t zeros[65536];
	struct elf_writer *w = userdata;
	int r = 0;

	for (unsigned i = 0; i < c->n && r == 0; i++) {
		const uint8_t *src = c->src[i];

		if (c->kind[i] == PAGE_LOST) {
			w->n.lost++;
			src = zeros;
		}
		if (outbuf_room(&w->data) < c->part_len[i] || w->data_pages == w->max_pages) {
			r = elf_flush(w);
			if (r < 0)
				break;
		}
		memcpy(w->data.buf + w->data.len, src + c->part_off[i], c->part_len[i]);
		w->data.len += c->part_len[i];
		/* saved once the buffer holding it is written */
		if (c->kind[i] != PAGE_LOST)
			w->page_end[w->data_pages++] = (uint32_t)w->data.len;
	}
	w->n.done += c->n;
	if (w->progress)
		w->progress(w->progress_userdata, &w->n);
	return r;
}

int elf_writer_finish(struct elf_writer *w, int *ret_marked)
{
	int r = 0;

	*ret_marked = 0;
	if (!w->failed)
		r = elf_flush(w);
	if (w->failed || w->n.lost || r < 0) {
		uint32_t flags = 1; /* DUMP_ELF_INCOMPLETE */
		if (sink_patch(w->sink, &flags, sizeof(flags), offsetof(Elf64_Ehdr, e_flags)) == 0 ||
		    w->marked_at_start)
			*ret_marked = 1;
	} else if (w->sink->kind == SINK_FILE) {
		uint32_t flags = 0; /* every page is in */
		r = sink_patch(w->sink, &flags, sizeof(flags), offsetof(Elf64_Ehdr, e_flags));
		if (r < 0)
			*ret_marked = 1;
	}
	return r;
}
