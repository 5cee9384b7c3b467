/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* ELF notes: per-CPU NT_PRSTATUS ("CORE") and the VMCOREINFO text. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define NOTE_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

int vc_set_notes(struct vmcore *v, const void *data, size_t size)
{
	const char *p = data;
	size_t off = 0;
	unsigned prstatus = 0;
	void *copy;
	int r;

	if (size > VMCORE_MAX_NOTES_SIZE)
		return vc_error(v, -EBADMSG, "the note area is %zu bytes, more than the %u allowed",
				size, VMCORE_MAX_NOTES_SIZE);
	copy = malloc(size ? size : 1);
	if (!copy)
		return vc_error(v, -ENOMEM, "out of memory");
	memcpy(copy, data, size);
	free(v->notes);
	v->notes = copy;
	v->notes_size = size;

	while (off + sizeof(Elf64_Nhdr) <= size) {
		Elf64_Nhdr nh;
		size_t name_off, desc_off, next;

		memcpy(&nh, p + off, sizeof(nh));
		/* /proc/vmcore pads the merged note segment; a zero header ends it. */
		if (nh.n_namesz == 0 && nh.n_descsz == 0 && nh.n_type == 0)
			break;
		name_off = off + sizeof(nh);
		if (nh.n_namesz > size - name_off)
			return vc_error(v, -EBADMSG, "note at offset %zu: name runs past the note area",
					off);
		desc_off = name_off + NOTE_ALIGN(nh.n_namesz);
		if (desc_off > size || nh.n_descsz > size - desc_off)
			return vc_error(v, -EBADMSG,
					"note at offset %zu: descriptor (%u bytes) runs past the note area",
					off, nh.n_descsz);
		next = desc_off + NOTE_ALIGN(nh.n_descsz);

		const char *name = p + name_off;
		size_t namelen = nh.n_namesz;
		while (namelen > 0 && name[namelen - 1] == '\0')
			namelen--;
		if (namelen == 10 && !memcmp(name, "VMCOREINFO", 10)) {
			r = vc_set_vmcoreinfo(v, p + desc_off, nh.n_descsz);
			if (r < 0)
				return r;
		} else if (nh.n_type == NT_PRSTATUS && namelen == 4 && !memcmp(name, "CORE", 4))
			prstatus++;
		off = next;
	}
	v->nr_prstatus = prstatus;
	return 0;
}

int vmcore_notes(const vmcore_t *v, const void **ret_data, size_t *ret_size)
{
	if (!v->notes)
		return -ENODATA;
	*ret_data = v->notes;
	*ret_size = v->notes_size;
	return 0;
}
