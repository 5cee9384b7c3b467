/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A flattened stream (makedumpfile -F) as it is sent: its SHA-256, and whether it is whole.
 * The stream is a 4096-byte header ("makedumpfile", type 1, version 1, zeros), then records
 * of {offset, size} (64-bit big-endian) followed by size bytes of data, then the end record
 * {-1, -1}. A stream is whole when the end record came at a record boundary and nothing came
 * after it. Records are followed, never buffered: a few bytes of state, whatever the size.
 */
#include <endian.h>
#include <stdio.h>
#include <string.h>

#include "internal.h"

#define FLAT_HEADER_SIZE 4096u
#define FLAT_SIGNATURE "makedumpfile"
/* No writer makes a record this large; a size beyond it means the stream is not one. */
#define FLAT_RECORD_MAX (1ull << 32)

enum { FT_HEADER, FT_RECORD, FT_DATA, FT_END, FT_BAD };

void flat_track_init(struct flat_track *t)
{
	*t = (struct flat_track){ .state = FT_HEADER, .need = FLAT_HEADER_SIZE };
	sha256_init(&t->sha);
}

static void bad(struct flat_track *t, const char *why)
{
	t->state = FT_BAD;
	snprintf(t->why, sizeof(t->why), "%s (at byte %llu)", why, (unsigned long long)t->bytes);
}

static void header_checked(struct flat_track *t)
{
	static const uint8_t one[8] = { 0, 0, 0, 0, 0, 0, 0, 1 };
	char sig[16] = FLAT_SIGNATURE;

	if (memcmp(t->buf, sig, sizeof(sig)) != 0 || memcmp(t->buf + 16, one, 8) != 0)
		bad(t, "not a flattened stream: the header's signature or type is wrong");
}

static void record_read(struct flat_track *t)
{
	uint64_t off, size;

	memcpy(&off, t->buf, 8);
	memcpy(&size, t->buf + 8, 8);
	off = be64toh(off);
	size = be64toh(size);
	if (off == UINT64_MAX && size == UINT64_MAX) {
		t->state = FT_END;
		return;
	}
	if (off >> 63 || size > FLAT_RECORD_MAX) {
		bad(t, "a record header is malformed");
		return;
	}
	t->records++;
	t->state = size ? FT_DATA : FT_RECORD;
	t->need = size ? size : 16;
}

void flat_track_feed(struct flat_track *t, const void *data, size_t n)
{
	const uint8_t *p = data;

	sha256_update(&t->sha, p, n);
	while (n > 0 && t->state != FT_BAD) {
		size_t k;

		if (t->state == FT_END) {
			bad(t, "data after the end record");
			break;
		}
		k = (size_t)MIN((uint64_t)n, t->need);
		/* header: its first 32 bytes are checked; a record header is kept whole */
		if (t->state == FT_HEADER && t->bytes < 32) {
			size_t c = (size_t)MIN((uint64_t)k, 32 - t->bytes);
			memcpy(t->buf + t->bytes, p, c);
		} else if (t->state == FT_RECORD)
			memcpy(t->buf + (16 - t->need), p, k);
		t->bytes += k;
		t->need -= k;
		p += k;
		n -= k;
		if (t->state == FT_HEADER && t->bytes >= 32 && t->bytes - k < 32)
			header_checked(t);
		if (t->need || t->state == FT_BAD)
			continue;
		if (t->state == FT_RECORD)
			record_read(t);
		else {
			t->state = FT_RECORD; /* after the header or a record's data */
			t->need = 16;
		}
	}
	if (t->state == FT_BAD && n)
		t->bytes += n;
}

bool flat_track_complete(const struct flat_track *t, char *why, size_t len)
{
	switch (t->state) {
	case FT_END:
		return true;
	case FT_BAD:
		snprintf(why, len, "%s", t->why);
		return false;
	case FT_HEADER:
		snprintf(why, len, "the stream ended within its header (%llu bytes)",
			 (unsigned long long)t->bytes);
		return false;
	default:
		snprintf(why, len, "the stream ended without its end record (%llu bytes, %llu "
			 "records)", (unsigned long long)t->bytes, (unsigned long long)t->records);
		return false;
	}
}

void flat_track_digest(const struct flat_track *t, char hex[SHA256_HEX_SIZE])
{
	Sha256 copy = t->sha;
	uint8_t d[SHA256_DIGEST_SIZE];

	sha256_final(&copy, d);
	sha256_hex(d, hex);
}
