/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What both writers share: buffered sequential writes, the notes, the kernel's utsname. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "writer-common.h"

int outbuf_init(struct outbuf *b, size_t cap, uint64_t off)
{
	*b = (struct outbuf){ .cap = cap, .off = off };
	b->buf = malloc(cap);
	return b->buf ? 0 : -ENOMEM;
}

void outbuf_done(struct outbuf *b)
{
	free(b->buf);
	*b = (struct outbuf){};
}

int outbuf_flush(struct outbuf *b, struct sink *s)
{
	int r;

	if (b->len == 0)
		return 0;
	r = b->reserved ? sink_write_reserved(s, b->buf, b->len, b->off) :
			  sink_write(s, b->buf, b->len, b->off);
	if (r < 0)
		return r;
	b->off += b->len;
	b->len = 0;
	return 0;
}

#define NOTE_ALIGN(n) (((n) + 3u) & ~(size_t)3u)

int notes_find(const void *notes, size_t size, const char *name, size_t *ret_off,
	       size_t *ret_size)
{
	const uint8_t *p = notes;
	size_t off = 0, want = strlen(name);

	while (off + sizeof(Elf64_Nhdr) <= size) {
		Elf64_Nhdr nh;
		size_t name_off, desc_off, namelen;

		memcpy(&nh, p + off, sizeof(nh));
		if (nh.n_namesz == 0 && nh.n_descsz == 0 && nh.n_type == 0)
			break;
		name_off = off + sizeof(nh);
		if (nh.n_namesz > size - name_off)
			break;
		desc_off = name_off + NOTE_ALIGN(nh.n_namesz);
		if (desc_off > size || nh.n_descsz > size - desc_off)
			break;
		namelen = nh.n_namesz;
		while (namelen > 0 && p[name_off + namelen - 1] == '\0')
			namelen--;
		if (namelen == want && !memcmp(p + name_off, name, want)) {
			*ret_off = desc_off;
			*ret_size = nh.n_descsz;
			return 0;
		}
		off = desc_off + NOTE_ALIGN(nh.n_descsz);
	}
	return -ENOENT;
}

static int printable(const char *s, size_t n)
{
	size_t i = 0;

	for (; i < n && s[i]; i++)
		if ((unsigned char)s[i] < 0x20 || (unsigned char)s[i] > 0x7e)
			return 0;
	return i < n; /* NUL-terminated inside the field */
}

void read_utsname(vmcore_t *v, char uts[6][UTS_LEN])
{
	uint64_t sym, off = 0;
	char buf[6][UTS_LEN];
	const char *rel = vmcore_osrelease(v), *arch = vmcore_arch(v), *node;
	int ok = 0;

	/* The crashed kernel's init_uts_ns, as makedumpfile copies it. */
	if (vmcore_vmcoreinfo_get_u64(v, "SYMBOL(init_uts_ns)", &sym) == 0 &&
	    vmcore_vmcoreinfo_get_u64(v, "OFFSET(uts_namespace.name)", &off) == 0 &&
	    vmcore_read_virt(v, sym + off, buf, sizeof(buf)) == 0) {
		ok = !strcmp(buf[0], "Linux");
		for (int i = 0; i < 6 && ok; i++)
			ok = printable(buf[i], UTS_LEN);
	}
	if (ok) {
		memcpy(uts, buf, sizeof(buf));
		return;
	}
	/* What the dump says otherwise. */
	memset(uts, 0, 6 * UTS_LEN);
	strcpy(uts[0], "Linux");
	node = vmcore_nodename(v);
	snprintf(uts[1], UTS_LEN, "%s", node ? node : "(none)");
	snprintf(uts[2], UTS_LEN, "%s", rel ? rel : "");
	snprintf(uts[4], UTS_LEN, "%s", arch ? arch : "");
	strcpy(uts[5], "(none)");
}
