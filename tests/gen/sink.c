/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The output file. The writers place bytes at absolute offsets; a plain sink
 * pwrite()s them, a flattened sink turns every write into a big-endian
 * {offset, size} record in write order, as makedumpfile -F does, so the
 * offsets in the stream are not monotonic.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "io-util.h"
#include "mkvmcore.h"

/* Largest record payload. makedumpfile -F flushes its 64 KiB write cache
 * per record, so readers and makedumpfile -R are used to that size. */
#define FLAT_MAX_RECORD (64 * 1024)

int sink_open(struct sink *s, int fd, const struct spec *spec)
{
	*s = (struct sink){ .fd = fd, .flattened = spec->flattened };

	s->zeros_len = (size_t)spec->page_size;
	s->zeros = calloc(1, s->zeros_len);
	if (!s->zeros)
		return -ENOMEM;

	if (s->flattened) {
		_cleanup_free_ struct flat_header *hdr = calloc(1, sizeof(*hdr));

		if (!hdr)
			return -ENOMEM;
		memcpy(hdr->signature, FLAT_SIGNATURE, strlen(FLAT_SIGNATURE));
		hdr->type = (int64_t)htobe64((uint64_t)spec->flat_type);
		hdr->version = (int64_t)htobe64((uint64_t)spec->flat_version);
		return write_all(fd, hdr, sizeof(*hdr));
	}
	return 0;
}

static int flat_record(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	struct flat_record rec = {
		.offset = (int64_t)htobe64(off),
		.size = (int64_t)htobe64(len),
	};
	int r = write_all(s->fd, &rec, sizeof(rec));

	return r < 0 ? r : write_all(s->fd, buf, len);
}

int sink_write(struct sink *s, uint64_t off, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (!s->flattened)
		return len ? pwrite_all(s->fd, buf, len, off) : 0;
	/* No empty records: makedumpfile never writes them. */
	for (size_t done = 0, n; done < len; done += n) {
		int r;

		n = MIN(len - done, (size_t)FLAT_MAX_RECORD);
		r = flat_record(s, off + done, p + done, n);
		if (r < 0)
			return r;
	}
	return 0;
}

int sink_write_zeros(struct sink *s, uint64_t off, uint64_t len)
{
	while (len) {
		size_t n = (size_t)MIN(len, (uint64_t)s->zeros_len);
		int r = sink_write(s, off, s->zeros, n);

		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

int sink_close(struct sink *s, const struct spec *spec)
{
	int r = 0;

	/* Readers refuse a stream without the end record; flattened.end = no
	 * produces exactly that. */
	if (s->flattened && spec->flat_end) {
		struct flat_record end = {
			.offset = (int64_t)htobe64((uint64_t)FLAT_END_MARK),
			.size = (int64_t)htobe64((uint64_t)FLAT_END_MARK),
		};

		r = write_all(s->fd, &end, sizeof(end));
	}
	free(s->zeros);
	s->zeros = NULL;
	return r;
}
