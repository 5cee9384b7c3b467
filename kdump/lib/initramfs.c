/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What an initramfs takes once the kernel has unpacked it: the same walk as the kernel's
 * init/initramfs.c (concatenated segments, each an uncompressed "newc" cpio archive or a
 * compressed one, zero padding between them), counting each file's pages instead of
 * writing them. Streaming: memory use does not depend on the image.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decompress.h"
#include "kdump-estimate.h"
#include "parse-util.h"

#define CPIO_HEADER 110
#define MAX_NAME 4096
#define MAX_UNPACKED (64ULL << 30)

typedef enum CpioState {
	ST_HEADER,  /* collecting the 110-byte header */
	ST_NAME,    /* collecting the name */
	ST_SKIP,    /* skipping padding or file data, then ST_HEADER */
	ST_RESET,   /* after a trailer: zeros until the next header */
} CpioState;

typedef struct Cpio {
	KdumpInitramfs *m;
	KdumpError *err;
	CpioState state;
	bool stop_at_trailer;  /* uncompressed segment: hand back after the trailer */
	bool trailer_seen;
	uint64_t pos;          /* offset in this segment's archive data, for the 4-byte padding */
	uint64_t skip;
	uint8_t header[CPIO_HEADER];
	size_t have;
	char name[MAX_NAME + 1];
	size_t name_size, file_size;
	unsigned mode;
} Cpio;

static int hex_field(const uint8_t *h, unsigned i, size_t *ret)
{
	uint64_t v;

	if (safe_atou64_n((const char *)h + 6 + 8 * i, 8, 16, &v) < 0)
		return -EBADMSG;
	*ret = (size_t)v;
	return 0;
}

static bool is_systemd(const char *name)
{
	while (name[0] == '.' && name[1] == '/')
		name += 2;
	while (name[0] == '/')
		name++;
	return strcmp(name, "usr/lib/systemd/systemd") == 0 || strcmp(name, "lib/systemd/systemd") == 0;
}

/* Header and name are complete: account for the entry. */
static void account(Cpio *c)
{
	KdumpInitramfs *m = c->m;

	if (strcmp(c->name, "TRAILER!!!") == 0) {
		c->trailer_seen = true;
		return;
	}
	m->entries++;
	m->unpacked_size += KDUMP_INITRAMFS_INODE_COST;
	if ((c->mode & 0170000) == 0100000) {
		m->files++;
		m->data_bytes += c->file_size;
		m->unpacked_size += ALIGN_UP((uint64_t)c->file_size, 4096);
	} else if ((c->mode & 0170000) == 0120000)
		m->unpacked_size += c->file_size;
	if (is_systemd(c->name))
		m->has_systemd = true;
}

static int cpio_feed(Cpio *c, const uint8_t *p, size_t n, size_t *ret_consumed)
{
	size_t i = 0;

	while (i < n) {
		size_t k;

		switch (c->state) {
		case ST_RESET:
			if (c->stop_at_trailer) {
				*ret_consumed = i;
				return 0;
			}
			if (p[i] == 0) {
				i++;
				c->pos++;
				continue;
			}
			if (c->pos & 3)
				return kdump_error_set(c->err, -EBADMSG, "an archive does not start at "
						       "a multiple of 4 bytes");
			c->state = ST_HEADER;
			c->have = 0;
			continue;
		case ST_HEADER:
			k = MIN(n - i, CPIO_HEADER - c->have);
			memcpy(c->header + c->have, p + i, k);
			c->have += k;
			i += k;
			c->pos += k;
			if (c->have < CPIO_HEADER)
				continue;
			if (memcmp(c->header, "070701", 6) != 0 && memcmp(c->header, "070702", 6) != 0)
				return kdump_error_set(c->err, -EBADMSG, "not a newc cpio header (the "
						       "kernel reads only \"070701\" archives)");
			if (hex_field(c->header, 1, &k) < 0 || hex_field(c->header, 6, &c->file_size) < 0 ||
			    hex_field(c->header, 11, &c->name_size) < 0)
				return kdump_error_set(c->err, -EBADMSG, "a cpio header has a field "
						       "that is not hexadecimal");
			c->mode = (unsigned)k;
			if (c->name_size == 0 || c->name_size > MAX_NAME)
				return kdump_error_set(c->err, -EBADMSG, "a cpio name is %zu bytes long",
						       c->name_size);
			c->state = ST_NAME;
			c->have = 0;
			continue;
		case ST_NAME:
			k = MIN(n - i, c->name_size - c->have);
			memcpy(c->name + c->have, p + i, k);
			c->have += k;
			i += k;
			c->pos += k;
			if (c->have < c->name_size)
				continue;
			c->name[c->name_size - 1] = '\0';
			account(c);
			/* Name padding, then the data and its padding (the trailer has none). */
			c->skip = (4 - (c->pos & 3)) & 3;
			if (!c->trailer_seen)
				c->skip += ALIGN_UP((uint64_t)c->file_size, 4);
			c->state = ST_SKIP;
			continue;
		case ST_SKIP:
			k = (size_t)MIN((uint64_t)(n - i), c->skip);
			i += k;
			c->pos += k;
			c->skip -= k;
			if (c->skip == 0) {
				c->state = c->trailer_seen ? ST_RESET : ST_HEADER;
				c->have = 0;
			}
			continue;
		}
	}
	*ret_consumed = i;
	return 0;
}

static int cpio_sink(const uint8_t *p, size_t n, void *userdata)
{
	Cpio *c = userdata;
	size_t consumed;
	int r = cpio_feed(c, p, n, &consumed);

	if (r == 0 && c->m->unpacked_size > MAX_UNPACKED)
		r = kdump_error_set(c->err, -EFBIG, "it unpacks to more than 64 GiB");
	return r;
}

static void add_word(KdumpInitramfs *m, const char *w)
{
	size_t len = strlen(m->compression);

	if (len + strlen(w) + 2 < sizeof(m->compression))
		snprintf(m->compression + len, sizeof(m->compression) - len, "%s%s", len ? "+" : "", w);
}

int kdump_initramfs_measure_buffer(const void *data, size_t size, KdumpInitramfs *ret,
				   KdumpError *err)
{
	const uint8_t *d = data;
	KdumpInitramfs m = { .file_size = size };
	size_t pos = 0, consumed;
	int r;

	while (pos < size) {
		Cpio c = { .m = &m, .err = err };
		KdumpCompression comp;

		if (d[pos] == 0) {
			pos++;
			continue;
		}
		m.segments++;
		if (size - pos >= 6 && memcmp(d + pos, "0707", 4) == 0) {
			c.stop_at_trailer = true;
			r = cpio_feed(&c, d + pos, size - pos, &consumed);
			add_word(&m, "cpio");
		} else {
			comp = kdump_compression_detect(d + pos, size - pos);
			if (comp == KDUMP_COMP_UNKNOWN)
				return kdump_error_set(err, -EBADMSG, "unknown data at offset %zu: "
						       "neither a cpio archive nor a compressed one",
						       pos);
			r = kdump_decompress(comp, d + pos, size - pos, cpio_sink, &c, MAX_UNPACKED,
					     &consumed, err);
			add_word(&m, kdump_compression_name(comp));
		}
		if (r < 0) {
			kdump_error_prefix(err, "segment %u at offset %zu", m.segments, pos);
			return r;
		}
		if (!c.trailer_seen || (c.state != ST_RESET && !(c.state == ST_HEADER && c.have == 0)))
			return kdump_error_set(err, -EBADMSG, "segment %u at offset %zu ends inside "
					       "an archive (no TRAILER!!!)", m.segments, pos);
		if (consumed == 0)
			return kdump_error_set(err, -EBADMSG, "segment %u at offset %zu is empty",
					       m.segments, pos);
		pos += consumed;
	}
	if (m.segments == 0)
		return kdump_error_set(err, -EBADMSG, "the image has no archive");
	*ret = m;
	return 0;
}

int kdump_initramfs_measure(const char *path, KdumpInitramfs *ret, KdumpError *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	void *p;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return kdump_error_set(err, -errno, "'%s': %m", path);
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return kdump_error_set(err, -EINVAL, "'%s' is not an initramfs image", path);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return kdump_error_set(err, -errno, "'%s': %m", path);
	r = kdump_initramfs_measure_buffer(p, (size_t)st.st_size, ret, err);
	munmap(p, (size_t)st.st_size);
	if (r < 0)
		kdump_error_prefix(err, "'%s'", path);
	return r;
}
