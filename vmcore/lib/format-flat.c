/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * makedumpfile's flattened stream (-F): a 4096-byte header, then big-endian {offset, size}
 * records each followed by the bytes that belong at that offset of the real file, ended by
 * {-1, -1}. We index the records once and serve reads of the logical file from them, so the
 * format backends never know the difference.
 */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "io-util.h"
#include "kdump-ondisk.h"

struct flat_extent {
	uint64_t offset;      /* in the logical file */
	uint64_t size;
	uint64_t data_offset; /* in the stream */
	uint64_t seq;         /* record order: a later record overrides an earlier one */
};

struct flat_map {
	struct flat_extent *ext; /* sorted by offset */
	size_t n;
	int overlapping;
};

static int cmp_extent(const void *a, const void *b)
{
	const struct flat_extent *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* The extent covering off that was written last, or NULL; *next_start gets the next start. */
static const struct flat_extent *find_extent(const struct flat_map *m, uint64_t off,
					     uint64_t *next_start)
{
	const struct flat_extent *best = NULL;
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (m->ext[mid].offset <= off)
			lo = mid + 1;
		else
			hi = mid;
	}
	*next_start = lo < m->n ? m->ext[lo].offset : UINT64_MAX;
	if (!m->overlapping) {
		if (lo > 0 && off - m->ext[lo - 1].offset < m->ext[lo - 1].size)
			return &m->ext[lo - 1];
		return NULL;
	}
	for (size_t i = lo; i > 0; i--) {
		const struct flat_extent *e = &m->ext[i - 1];
		if (off - e->offset < e->size && (!best || e->seq > best->seq))
			best = e;
	}
	return best;
}

static int flat_pread(struct vmcore *v, void *buf, size_t n, uint64_t off)
{
	const struct flat_map *m = v->src.data;
	char *out = buf;

	while (n > 0) {
		uint64_t next_start;
		const struct flat_extent *e = find_extent(m, off, &next_start);
		size_t k;

		if (!e) {
			/* Never written: a sparse region of the rebuilt file reads as zeros. */
			k = (size_t)MIN((uint64_t)n, next_start - off);
			memset(out, 0, k);
		} else {
			k = (size_t)MIN((uint64_t)n, e->offset + e->size - off);
			if (m->overlapping && next_start > off)
				k = (size_t)MIN((uint64_t)k, next_start - off);
			int r = pread_exact(v->fd, out, k, e->data_offset + (off - e->offset));
			if (r < 0)
				return r;
		}
		out += k;
		off += k;
		n -= k;
	}
	return 0;
}

static void flat_free(struct vmcore *v)
{
	struct flat_map *m = v->src.data;

	if (m) {
		free(m->ext);
		free(m);
	}
	v->src.data = NULL;
}

static int index_records(struct vmcore *v, struct flat_map *m, uint64_t *ret_size)
{
	uint64_t pos = FLAT_HEADER_SIZE, logical_size = 0;
	size_t cap = 0;

	for (;;) {
		struct flat_record rec;
		int r;

		if (pos + sizeof(rec) > v->raw_size)
			return vc_error(v, -EBADMSG,
					"flattened stream ends at 0x%llx without its end record: it "
					"was cut short", (unsigned long long)pos);
		r = pread_exact(v->fd, &rec, sizeof(rec), pos);
		if (r < 0)
			return vc_error(v, r, "reading the flattened record at 0x%llx",
					(unsigned long long)pos);
		int64_t off = (int64_t)be64toh((uint64_t)rec.offset);
		int64_t size = (int64_t)be64toh((uint64_t)rec.size);
		pos += sizeof(rec);
		if (off == -1 && size == -1)
			break;
		if (off < 0 || size < 0 || (uint64_t)size > v->raw_size - pos)
			return vc_error(v, -EBADMSG,
					"flattened record at 0x%llx is invalid (offset %lld, size %lld)",
					(unsigned long long)(pos - sizeof(rec)), (long long)off,
					(long long)size);
		if (size > 0) {
			if (m->n == cap) {
				size_t ncap = cap ? cap * 2 : 256;
				struct flat_extent *e = realloc(m->ext, ncap * sizeof(*e));
				if (!e)
					return vc_error(v, -ENOMEM, "out of memory");
				m->ext = e;
				cap = ncap;
			}
			m->ext[m->n] = (struct flat_extent){ .offset = (uint64_t)off,
							     .size = (uint64_t)size,
							     .data_offset = pos,
							     .seq = m->n };
			m->n++;
			if ((uint64_t)off + (uint64_t)size > logical_size)
				logical_size = (uint64_t)off + (uint64_t)size;
		}
		pos += (uint64_t)size;
	}
	*ret_size = logical_size;
	return 0;
}

int vc_flat_open(struct vmcore *v)
{
	struct flat_header h;
	struct flat_map *m;
	uint64_t size = 0;
	int r;

	if (v->raw_size < FLAT_HEADER_SIZE)
		return -ENOTTY;
	r = pread_exact(v->fd, &h, sizeof(h), 0);
	if (r < 0)
		return vc_error(v, r, "reading the file header");
	if (memcmp(h.signature, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE)) != 0)
		return -ENOTTY;
	for (size_t i = sizeof(FLAT_SIGNATURE); i < FLAT_SIG_LEN; i++)
		if (h.signature[i] != '\0')
			return -ENOTTY;
	if (be64toh((uint64_t)h.type) != FLAT_TYPE || be64toh((uint64_t)h.version) != FLAT_VERSION)
		return vc_error(v, -EOPNOTSUPP, "flattened stream of type %lld version %lld is not "
				"supported", (long long)be64toh((uint64_t)h.type),
				(long long)be64toh((uint64_t)h.version));

	m = calloc(1, sizeof(*m));
	if (!m)
		return vc_error(v, -ENOMEM, "out of memory");
	r = index_records(v, m, &size);
	if (r < 0) {
		free(m->ext);
		free(m);
		return r;
	}
	/* A stream of no records has no array: qsort() must not be given NULL. */
	if (m->n)
		qsort(m->ext, m->n, sizeof(*m->ext), cmp_extent);
	for (size_t i = 1; i < m->n; i++)
		if (m->ext[i].offset < m->ext[i - 1].offset + m->ext[i - 1].size)
			m->overlapping = 1;
	v->src.data = m;
	v->src.pread = flat_pread;
	v->src.free = flat_free;
	v->src.size = size;
	return 0;
}
