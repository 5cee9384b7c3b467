/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * VMCOREINFO parsing and lookups: the input is the text (as the kernel's note descriptor holds
 * it: KEY=value lines, maybe NUL-padded). Every key libvmcore uses and every key the text has
 * is looked up with every getter. The same bytes then go through the note parser twice: as
 * the descriptor of a "VMCOREINFO" note after a PRSTATUS note, and as a raw note area.
 */
#include <elf.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "internal.h"

static void lookups(vmcore_t *v)
{
	const char *text;
	size_t size;
	int64_t t;

	for (size_t i = 0; fuzz_vmcoreinfo_keys[i]; i++)
		fuzz_lookup_key(v, fuzz_vmcoreinfo_keys[i]);
	for (size_t i = 0; i < v->n_kv; i++) {
		fuzz_lookup_key(v, v->kv[i].key);
		fuzz_touch_str(v->kv[i].value);
	}
	if (vmcore_vmcoreinfo(v, &text, &size) == 0)
		fuzz_touch(text, size + 1); /* the copy is NUL-terminated */
	(void)vmcore_crash_time(v, &t);
	(void)vmcore_nr_cpus(v);
}

static void append_note(uint8_t *p, size_t *off, const char *name, uint32_t type,
			const void *desc, size_t desc_size)
{
	Elf64_Nhdr nh = { .n_namesz = (Elf64_Word)strlen(name) + 1,
			  .n_descsz = (Elf64_Word)desc_size, .n_type = type };

	memcpy(p + *off, &nh, sizeof(nh));
	*off += sizeof(nh);
	memcpy(p + *off, name, nh.n_namesz);
	*off += (nh.n_namesz + 3) & ~3u;
	if (desc_size)
		memcpy(p + *off, desc, desc_size);
	*off += (desc_size + 3) & ~(size_t)3;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t prstatus[336];
	vmcore_t *v = vmcore_new();
	size_t off = 0;
	uint8_t *notes;

	if (!v)
		abort();
	if (vc_set_vmcoreinfo(v, (const char *)data, size) == 0)
		lookups(v);

	notes = calloc(1, 3 * sizeof(Elf64_Nhdr) + 32 + sizeof(prstatus) + size + 4);
	if (!notes)
		abort();
	append_note(notes, &off, "CORE", NT_PRSTATUS, prstatus, sizeof(prstatus));
	append_note(notes, &off, "VMCOREINFO", 0, data, size);
	if (vc_set_notes(v, notes, off) == 0)
		lookups(v);
	free(notes);

	if (vc_set_notes(v, data, size) == 0)
		lookups(v);
	fuzz_touch_str(vmcore_strerror(v));
	vmcore_free(v);
	return 0;
}
