/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ELF notes both formats carry: one "CORE"/NT_PRSTATUS note per CPU and
 * a "VMCOREINFO" note, in the order /proc/vmcore has them. The kdump writer
 * copies the same bytes into its sub-header area.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkvmcore.h"

static int append_note(struct bytes *out, const char *name, uint32_t type,
		       const void *desc, size_t descsz, size_t *desc_off)
{
	static const uint8_t pad[4];
	size_t namesz = strlen(name) + 1;
	Elf64_Nhdr nhdr = {
		.n_namesz = htole32((uint32_t)namesz),
		.n_descsz = htole32((uint32_t)descsz),
		.n_type = htole32(type),
	};
	int r;

	r = bytes_append(out, &nhdr, sizeof(nhdr));
	if (r >= 0)
		r = bytes_append(out, name, namesz);
	if (r >= 0)
		r = bytes_append(out, pad, ALIGN_UP(namesz, 4) - namesz);
	if (r < 0)
		return r;
	if (desc_off)
		*desc_off = out->len;
	r = bytes_append(out, desc, descsz);
	if (r >= 0)
		r = bytes_append(out, pad, ALIGN_UP(descsz, 4) - descsz);
	return r;
}

/* Registers hold their own names as ASCII ("     r15"), so an offset mistake
 * in a reader shows up as the wrong name rather than a plausible number. */
static int append_prstatus(struct bytes *out, unsigned cpu)
{
	static const char *const reg_names[X86_64_NGREG] = { X86_64_REG_NAMES };
	struct elf_prstatus_x86_64 prs = { .pr_pid = (int32_t)htole32(cpu) };

	for (size_t i = 0; i < X86_64_NGREG; i++) {
		char name[9];

		snprintf(name, sizeof(name), "%8s", reg_names[i]);
		memcpy(&prs.pr_reg[i], name, 8);
	}
	return append_note(out, "CORE", NT_PRSTATUS, &prs, sizeof(prs), NULL);
}

static int vmcoreinfo_text(struct mkvmcore *ctx, struct bytes *text)
{
	const struct spec *spec = &ctx->spec;
	struct source *src;
	int r;

	if (spec->vmcoreinfo.path) {
		r = load_source(ctx, spec->vmcoreinfo.path, &spec->vmcoreinfo.loc, &src);
		if (r < 0)
			return r;
		r = bytes_append(text, src->text, src->len);
		if (r < 0)
			return r;
		if (src->len && src->text[src->len - 1] != '\n' && spec->vmcoreinfo_append.len)
			r = bytes_append(text, "\n", 1);
		if (r < 0)
			return r;
	}
	return bytes_append(text, spec->vmcoreinfo_append.data, spec->vmcoreinfo_append.len);
}

char *vmcoreinfo_value(const struct notes *notes, const char *key)
{
	size_t keylen = strlen(key);
	const char *line = notes->vmcoreinfo_text;

	while (line && *line) {
		if (strncmp(line, key, keylen) == 0 && line[keylen] == '=')
			return strndup(line + keylen + 1, strcspn(line + keylen + 1, "\n"));
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return NULL;
}

/* makedumpfile takes these header fields from VMCOREINFO; do the same for
 * any the spec leaves unset. */
static int derive_header_defaults(struct mkvmcore *ctx)
{
	struct spec *spec = &ctx->spec;

	if (!spec->uts.release[0]) {
		_cleanup_free_ char *release = vmcoreinfo_value(&ctx->notes, "OSRELEASE");

		snprintf(spec->uts.release, sizeof(spec->uts.release), "%s",
			 release ? release : "6.1.0-mkvmcore");
	}
	if (!spec->timestamp.set) {
		_cleanup_free_ char *crashtime = vmcoreinfo_value(&ctx->notes, "CRASHTIME");

		if (crashtime && parse_number(crashtime, &spec->timestamp.v) < 0) {
			fprintf(stderr, "mkvmcore: VMCOREINFO: bad CRASHTIME=%s\n", crashtime);
			return -EINVAL;
		}
		spec->timestamp.set = crashtime != NULL;
	}
	return 0;
}

int notes_build(struct mkvmcore *ctx)
{
	struct notes *notes = &ctx->notes;
	_cleanup_(bytes_free) struct bytes text = { 0 };
	int r;

	for (unsigned cpu = 0; cpu < ctx->spec.prstatus; cpu++) {
		r = append_prstatus(&notes->data, cpu);
		if (r < 0)
			return r;
	}

	r = vmcoreinfo_text(ctx, &text);
	if (r < 0)
		return r;
	if (ctx->spec.vmcoreinfo.path || text.len) {
		notes->has_vmcoreinfo = true;
		notes->vmcoreinfo_size = text.len;
		/* The kernel's VMCOREINFO note has type 0. */
		r = append_note(&notes->data, "VMCOREINFO", 0, text.data, text.len,
				&notes->vmcoreinfo_desc_off);
		if (r < 0)
			return r;
		notes->vmcoreinfo_text = strndup((const char *)text.data ?: "", text.len);
		if (!notes->vmcoreinfo_text)
			return -ENOMEM;
	}
	return derive_header_defaults(ctx);
}
