/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bmstore.h"
#include "macro.h"
#include "sink.h"

enum { TAG_CLEAR, TAG_SET, TAG_RUNS, TAG_RAW };

int bm_store_init_memory(struct bm_store *s, uint64_t max_pfn)
{
	*s = (struct bm_store){ .max_pfn = max_pfn, .cached = UINT64_MAX };
	s->n_blocks = DIV_ROUND_UP(max_pfn, BM_BLOCK_PFNS);
	s->index = calloc(s->n_blocks ? s->n_blocks : 1, sizeof(*s->index));
	return s->index ? 0 : -ENOMEM;
}

void bm_store_init_file(struct bm_store *s, struct sink *sink, uint64_t file_off,
			uint64_t max_pfn)
{
	*s = (struct bm_store){ .max_pfn = max_pfn, .cached = UINT64_MAX, .sink = sink,
				.file_off = file_off };
	s->n_blocks = DIV_ROUND_UP(max_pfn, BM_BLOCK_PFNS);
}

void bm_store_done(struct bm_store *s)
{
	free(s->index);
	free(s->data);
	*s = (struct bm_store){ .cached = UINT64_MAX };
}

static uint64_t word(const uint8_t *bits, uint64_t i)
{
	uint64_t w;

	memcpy(&w, bits + i * 8, 8);
	return le64toh(w);
}

/* Length of the run of `bit` values starting at pos, up to end. */
static uint64_t run_length(const uint8_t *bits, uint64_t pos, int bit, uint64_t end)
{
	uint64_t start = pos;

	while (pos < end) {
		uint64_t w = word(bits, pos >> 6);

		if (bit)
			w = ~w;
		w >>= pos & 63;
		if (w) {
			pos += (uint64_t)__builtin_ctzll(w);
			return MIN(pos, end) - start;
		}
		pos = (pos | 63) + 1;
	}
	return end - start;
}

static size_t put_varint(uint8_t *p, uint64_t v)
{
	size_t n = 0;

	while (v >= 0x80) {
		p[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	p[n++] = (uint8_t)v;
	return n;
}

static int get_varint(const uint8_t *p, size_t len, size_t *pos, uint64_t *ret)
{
	uint64_t v = 0;

	for (unsigned shift = 0; shift < 64 && *pos < len; shift += 7) {
		uint8_t b = p[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80)) {
			*ret = v;
			return 0;
		}
	}
	return -EBADMSG;
}

/* Runs of clear and set bits, alternating, the first clear; 0 when not smaller than raw. */
static size_t encode_runs(const uint8_t *bits, uint8_t *out)
{
	uint64_t pos = 0;
	size_t len = 0;
	int bit = 0;

	while (pos < BM_BLOCK_PFNS) {
		uint64_t run = run_length(bits, pos, bit, BM_BLOCK_PFNS);
		if (len + 10 >= BM_BLOCK_BYTES)
			return 0;
		len += put_varint(out + len, run);
		pos += run;
		bit ^= 1;
	}
	return len;
}

static void set_bits(uint8_t *bits, uint64_t from, uint64_t to)
{
	for (; from < to && (from & 7); from++)
		bits[from >> 3] |= (uint8_t)(1u << (from & 7));
	if (to - from >= 8) {
		memset(bits + (from >> 3), 0xff, (to - from) >> 3);
		from += (to - from) & ~UINT64_C(7);
	}
	for (; from < to; from++)
		bits[from >> 3] |= (uint8_t)(1u << (from & 7));
}

static int reserve(struct bm_store *s, size_t n)
{
	if (s->data_len + n <= s->data_cap)
		return 0;
	size_t cap = MAX(s->data_cap * 2, s->data_len + n + 4096);
	uint8_t *d = realloc(s->data, cap);
	if (!d)
		return -ENOMEM;
	s->data = d;
	s->data_cap = cap;
	return 0;
}

int bm_store_put(struct bm_store *s, uint64_t index, const uint8_t *bits)
{
	uint8_t runs[BM_BLOCK_BYTES];
	size_t n;
	int clear = 1, set = 1, r;

	if (s->sink)
		return 0;
	if (index != s->n_put || index >= s->n_blocks)
		return -EINVAL;
	for (size_t i = 0; i < BM_BLOCK_BYTES / 8 && (clear || set); i++) {
		uint64_t w = word(bits, i);
		clear &= w == 0;
		set &= w == UINT64_MAX;
	}
	n = clear || set ? 0 : encode_runs(bits, runs);
	r = reserve(s, 1 + (clear || set ? 0 : n ? n : BM_BLOCK_BYTES));
	if (r < 0)
		return r;
	s->index[index] = s->data_len;
	if (clear || set)
		s->data[s->data_len++] = clear ? TAG_CLEAR : TAG_SET;
	else if (n) {
		s->data[s->data_len++] = TAG_RUNS;
		memcpy(s->data + s->data_len, runs, n);
		s->data_len += n;
	} else {
		s->data[s->data_len++] = TAG_RAW;
		memcpy(s->data + s->data_len, bits, BM_BLOCK_BYTES);
		s->data_len += BM_BLOCK_BYTES;
	}
	s->n_put++;
	return 0;
}

static int decode(struct bm_store *s, uint64_t index)
{
	size_t pos, end;
	uint64_t bit_pos = 0;
	int bit = 0;

	if (index >= s->n_put)
		return -EINVAL;
	pos = (size_t)s->index[index];
	end = index + 1 < s->n_put ? (size_t)s->index[index + 1] : s->data_len;
	switch (s->data[pos++]) {
	case TAG_CLEAR:
		memset(s->block, 0, BM_BLOCK_BYTES);
		return 0;
	case TAG_SET:
		memset(s->block, 0xff, BM_BLOCK_BYTES);
		return 0;
	case TAG_RAW:
		memcpy(s->block, s->data + pos, BM_BLOCK_BYTES);
		return 0;
	}
	memset(s->block, 0, BM_BLOCK_BYTES);
	while (bit_pos < BM_BLOCK_PFNS && pos < end) {
		uint64_t run;
		if (get_varint(s->data, end, &pos, &run) < 0 || run > BM_BLOCK_PFNS - bit_pos)
			return -EBADMSG;
		if (bit)
			set_bits(s->block, bit_pos, bit_pos + run);
		bit_pos += run;
		bit ^= 1;
	}
	return 0;
}

static int load(struct bm_store *s, uint64_t index)
{
	int r;

	if (s->cached == index)
		return 0;
	s->cached = UINT64_MAX;
	if (s->sink) {
		uint64_t off = index * BM_BLOCK_BYTES;
		uint64_t len = MIN((uint64_t)BM_BLOCK_BYTES, DIV_ROUND_UP(s->max_pfn, 8) - off);
		memset(s->block, 0, BM_BLOCK_BYTES);
		r = sink_read(s->sink, s->block, (size_t)len, s->file_off + off);
	} else
		r = decode(s, index);
	if (r < 0)
		return r;
	s->cached = index;
	return 0;
}

int bm_store_test(struct bm_store *s, uint64_t pfn)
{
	int r;

	if (pfn >= s->max_pfn)
		return 0;
	r = load(s, pfn / BM_BLOCK_PFNS);
	if (r < 0)
		return r;
	pfn %= BM_BLOCK_PFNS;
	return (s->block[pfn >> 3] >> (pfn & 7)) & 1;
}

/* The first PFN >= pfn whose bit is not `skip`, or max_pfn. */
static int find(struct bm_store *s, uint64_t pfn, int skip, uint64_t *ret)
{
	while (pfn < s->max_pfn) {
		uint64_t b = pfn / BM_BLOCK_PFNS, in = pfn % BM_BLOCK_PFNS, run;
		int r = load(s, b);

		if (r < 0)
			return r;
		run = run_length(s->block, in, skip, BM_BLOCK_PFNS);
		if (in + run < BM_BLOCK_PFNS) {
			*ret = MIN(pfn + run, s->max_pfn);
			return 0;
		}
		pfn = (b + 1) * BM_BLOCK_PFNS;
	}
	*ret = s->max_pfn;
	return 0;
}

int bm_store_next(struct bm_store *s, uint64_t pfn, uint64_t *ret)
{
	uint64_t x;
	int r = find(s, pfn, 0, &x);

	if (r < 0)
		return r;
	if (x >= s->max_pfn)
		return -ENOENT;
	*ret = x;
	return 0;
}

int bm_store_next_clear(struct bm_store *s, uint64_t pfn, uint64_t *ret)
{
	if (pfn >= s->max_pfn) {
		*ret = pfn;
		return 0;
	}
	return find(s, pfn, 1, ret);
}

int bm_store_count(struct bm_store *s, uint64_t from, uint64_t to, uint64_t *ret)
{
	uint64_t n = 0;

	to = MIN(to, s->max_pfn);
	while (from < to) {
		uint64_t b = from / BM_BLOCK_PFNS, in = from % BM_BLOCK_PFNS;
		uint64_t end = MIN(to - b * BM_BLOCK_PFNS, (uint64_t)BM_BLOCK_PFNS);
		int r = load(s, b);

		if (r < 0)
			return r;
		for (; in < end && (in & 63); in++)
			n += (s->block[in >> 3] >> (in & 7)) & 1;
		for (; in + 64 <= end; in += 64)
			n += (uint64_t)__builtin_popcountll(word(s->block, in >> 6));
		for (; in < end; in++)
			n += (s->block[in >> 3] >> (in & 7)) & 1;
		from = b * BM_BLOCK_PFNS + end;
	}
	*ret = n;
	return 0;
}

size_t bm_store_memory(const struct bm_store *s)
{
	return s->data_cap + (s->index ? s->n_blocks * sizeof(*s->index) : 0);
}
