/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ELF64 vmcore writer, laid out like /proc/vmcore and makedumpfile -E:
 *
 *   Elf64_Ehdr, Elf64_Phdr[] (the PT_NOTE first), note data,
 *   then each other segment's data at a page-aligned offset.
 *
 * PT_LOADs get p_align 0 (crash takes a page-aligned p_align as the mark
 * of an old netdump file). Overrides of p_offset only change the header.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkvmcore.h"

/* One program header and the bytes behind it. */
struct segment {
	Elf64_Phdr phdr;		/* host byte order until written */
	uint64_t data_off;		/* where the bytes go (p_offset may lie) */
	const struct bytes *body;	/* NULL for the generated notes */
};

static void fill_phdr(struct segment *seg, const struct phdr_block *ph, uint64_t filesz)
{
	bool load = ph->type == PT_LOAD;

	seg->phdr = (Elf64_Phdr){
		.p_type = ph->type,
		.p_flags = ph->flags,
		.p_vaddr = opt_or(&ph->vaddr, load ? X86_64_PAGE_OFFSET + ph->paddr : 0),
		.p_paddr = ph->paddr,
		.p_filesz = filesz,
		.p_memsz = opt_or(&ph->memsz, filesz),
		.p_align = opt_or(&ph->align, ph->type == PT_NOTE ? 4 : 0),
	};
}

/* Size of a segment's file image: filesz=, else memsz=, else its bytes. */
static uint64_t segment_filesz(const struct block *b)
{
	return opt_or(&b->phdr.filesz, opt_or(&b->phdr.memsz, b->body.len));
}

static void layout_segments(struct mkvmcore *ctx, struct segment *segs, size_t n_segs,
			   bool auto_note)
{
	const uint64_t ps = ctx->spec.page_size;
	uint64_t pos = sizeof(Elf64_Ehdr) + n_segs * sizeof(Elf64_Phdr);
	size_t s = 0;

	if (auto_note) {
		segs[s].phdr = (Elf64_Phdr){
			.p_type = PT_NOTE,
			.p_filesz = ctx->notes.data.len,
			.p_memsz = ctx->notes.data.len,
			.p_align = 4,
		};
		segs[s].data_off = pos;
		pos += ctx->notes.data.len;
		s++;
	}
	/* Notes first, right after the headers; then the rest, page aligned. */
	for (int pass = 0; pass < 2; pass++) {
		if (pass == 1)
			pos = ALIGN_UP(pos, ps);
		for (size_t i = 0, k = s; i < ctx->n_blocks; i++, k++) {
			const struct block *b = &ctx->blocks[i];
			uint64_t filesz = segment_filesz(b);

			if ((b->phdr.type == PT_NOTE) != (pass == 0))
				continue;
			fill_phdr(&segs[k], &b->phdr, filesz);
			segs[k].body = &b->body;
			segs[k].data_off = pos;
			/* makedumpfile: a segment without file data has p_offset 0 */
			segs[k].phdr.p_offset = opt_or(&b->phdr.offset, filesz ? pos : 0);
			pos += filesz;
			if (pass == 1)
				pos = ALIGN_UP(pos, ps);
		}
	}
	if (auto_note)
		segs[0].phdr.p_offset = segs[0].data_off;
}

static void phdr_to_le(Elf64_Phdr *p)
{
	p->p_type = htole32(p->p_type);
	p->p_flags = htole32(p->p_flags);
	p->p_offset = htole64(p->p_offset);
	p->p_vaddr = htole64(p->p_vaddr);
	p->p_paddr = htole64(p->p_paddr);
	p->p_filesz = htole64(p->p_filesz);
	p->p_memsz = htole64(p->p_memsz);
	p->p_align = htole64(p->p_align);
}

static int write_segments(struct mkvmcore *ctx, struct segment *segs, size_t n_segs,
			  struct sink *out)
{
	const struct spec *spec = &ctx->spec;
	Elf64_Ehdr eh = {
		.e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, (uint8_t)spec->ei_class,
			     (uint8_t)spec->ei_data, EV_CURRENT },
		.e_type = htole16((uint16_t)spec->e_type),
		.e_machine = htole16((uint16_t)spec->e_machine),
		.e_version = htole32(EV_CURRENT),
		.e_phoff = htole64(sizeof(Elf64_Ehdr)),
		.e_flags = htole32((uint32_t)spec->e_flags | (spec->incomplete ? 1u : 0u)),
		.e_ehsize = htole16(sizeof(Elf64_Ehdr)),
		.e_phentsize = htole16(sizeof(Elf64_Phdr)),
		.e_phnum = htole16((uint16_t)n_segs),
	};
	int r = sink_write(out, 0, &eh, sizeof(eh));

	for (size_t i = 0; r >= 0 && i < n_segs; i++) {
		Elf64_Phdr le = segs[i].phdr;

		phdr_to_le(&le);
		r = sink_write(out, sizeof(eh) + i * sizeof(le), &le, sizeof(le));
	}
	for (size_t i = 0; r >= 0 && i < n_segs; i++) {
		const struct segment *seg = &segs[i];
		const struct bytes *body = seg->body ? seg->body : &ctx->notes.data;

		r = sink_write(out, seg->data_off, body->data, body->len);
		/* Bytes up to filesz that the data file did not give are zero; write
		 * them, so the file (and a makedumpfile -R rebuild) has its full size. */
		if (r >= 0 && seg->phdr.p_filesz > body->len)
			r = sink_write_zeros(out, seg->data_off + body->len,
					     seg->phdr.p_filesz - body->len);
	}
	return r;
}

int elf_write(struct mkvmcore *ctx, struct sink *out)
{
	_cleanup_free_ struct segment *segs = NULL;
	const struct block *explicit_note = NULL;
	size_t n_segs;

	for (size_t i = 0; i < ctx->n_blocks && !explicit_note; i++)
		if (ctx->blocks[i].phdr.type == PT_NOTE)
			explicit_note = &ctx->blocks[i];
	if (explicit_note && ctx->notes.data.len)
		return loc_error(&explicit_note->loc,
				 "explicit NOTE segment, but prstatus/vmcoreinfo in the spec "
				 "generate one too; use one or the other");

	/* Readers insist on a PT_NOTE, even an empty one. */
	n_segs = ctx->n_blocks + (explicit_note ? 0 : 1);
	if (n_segs >= PN_XNUM) {
		fprintf(stderr, "mkvmcore: %zu program headers: PN_XNUM is not supported\n",
			n_segs);
		return -EINVAL;
	}
	segs = calloc(n_segs, sizeof(*segs));
	if (!segs)
		return -ENOMEM;
	layout_segments(ctx, segs, n_segs, !explicit_note);
	return write_segments(ctx, segs, n_segs, out);
}
