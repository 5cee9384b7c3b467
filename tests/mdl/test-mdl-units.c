/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The pieces of libmdl-core on their own: the bitmap store (run-length blocks, file-backed),
 * the flattened sink's records and end record, the self-check's range list, and the pipeline's
 * order and error handling with many workers.
 */
#include <endian.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bmstore.h"
#include "io-util.h"
#include "macro.h"
#include "pipeline.h"
#include "protect.h"
#include "sink.h"
#include "source.h"
#include "tests.h"

static uint64_t rng = 1;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static int bit(const uint8_t *bm, uint64_t i)
{
	return (bm[i >> 3] >> (i & 7)) & 1;
}

/* Blocks of every kind: clear, set, sparse, runs, alternating (stored raw), a short last one. */
static void fill_blocks(uint8_t *bm, uint64_t max_pfn)
{
	uint64_t per = BM_BLOCK_PFNS;

	memset(bm, 0, DIV_ROUND_UP(max_pfn, per) * BM_BLOCK_BYTES);
	for (uint64_t i = 0; i < max_pfn; i++) {
		uint64_t b = i / per, in = i % per;
		int v;

		switch (b % 6) {
		case 0: v = 0; break;
		case 1: v = 1; break;
		case 2: v = next_rand() % 97 == 0; break;
		case 3: v = (in / 300) % 2; break;
		case 4: v = in & 1; break;
		default: v = (next_rand() & 3) != 0; break;
		}
		if (v)
			bm[i >> 3] |= (uint8_t)(1u << (i & 7));
	}
}

TEST(bmstore_memory)
{
	uint64_t max_pfn = 13 * BM_BLOCK_PFNS + 1234, n_blocks = DIV_ROUND_UP(max_pfn, BM_BLOCK_PFNS);
	uint8_t *bm = malloc(n_blocks * BM_BLOCK_BYTES);
	struct bm_store s;
	uint64_t pfn, got;

	ASSERT_TRUE(bm);
	fill_blocks(bm, max_pfn);
	ASSERT_OK(bm_store_init_memory(&s, max_pfn));
	for (uint64_t b = 0; b < n_blocks; b++)
		ASSERT_OK(bm_store_put(&s, b, bm + b * BM_BLOCK_BYTES));
	ASSERT_EQ_INT(bm_store_put(&s, n_blocks, bm), -EINVAL); /* past the end */
	/* far less than the raw bitmap, although two blocks are stored raw */
	ASSERT_TRUE(bm_store_memory(&s) < n_blocks * BM_BLOCK_BYTES);
	for (uint64_t i = 0; i < max_pfn; i++)
		ASSERT_EQ_INT(bm_store_test(&s, i), bit(bm, i));
	ASSERT_EQ_INT(bm_store_test(&s, max_pfn + 5), 0);
	/* next set and next clear agree with the bits */
	for (pfn = 0; bm_store_next(&s, pfn, &got) == 0; pfn = got + 1) {
		for (uint64_t i = pfn; i < got; i++)
			ASSERT_EQ_INT(bit(bm, i), 0);
		ASSERT_EQ_INT(bit(bm, got), 1);
	}
	for (uint64_t i = pfn; i < max_pfn; i++)
		ASSERT_EQ_INT(bit(bm, i), 0);
	for (pfn = 0; pfn < max_pfn; pfn = got + 1) {
		ASSERT_OK(bm_store_next_clear(&s, pfn, &got));
		for (uint64_t i = pfn; i < got && i < max_pfn; i++)
			ASSERT_EQ_INT(bit(bm, i), 1);
		if (got < max_pfn)
			ASSERT_EQ_INT(bit(bm, got), 0);
	}
	bm_store_done(&s);
	free(bm);
}

TEST(bmstore_file)
{
	char path[] = "/tmp/mdl-bm-XXXXXX";
	uint64_t max_pfn = 3 * BM_BLOCK_PFNS + 77, len = DIV_ROUND_UP(max_pfn, 8);
	uint8_t *bm = malloc(4 * BM_BLOCK_BYTES);
	struct sink sink;
	struct bm_store s;
	int fd = mkstemp(path);

	ASSERT_TRUE(bm && fd >= 0);
	fill_blocks(bm, max_pfn);
	sink = (struct sink){ .kind = SINK_FILE, .fd = fd };
	ASSERT_OK(sink_write(&sink, bm, (size_t)len, 4096));
	bm_store_init_file(&s, &sink, 4096, max_pfn);
	for (uint64_t i = 0; i < max_pfn; i += 7)
		ASSERT_EQ_INT(bm_store_test(&s, i), bit(bm, i));
	ASSERT_OK(bm_store_put(&s, 0, bm)); /* nothing to keep */
	ASSERT_EQ_INT(bm_store_memory(&s), 0);
	bm_store_done(&s);
	close(fd);
	unlink(path);
	free(bm);
}

/* The flattened sink: header, one record per write, the end record; the seam cuts it. */
TEST(flat_sink)
{
	char path[] = "/tmp/mdl-flat-XXXXXX";
	int fd = mkstemp(path);
	struct sink s;
	uint8_t buf[4096 + 3 * 16 + 5 + 3 + 16];
	uint64_t rec[2];

	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(sink_open_flat(&s, fd));
	ASSERT_OK(sink_write(&s, "hello", 5, 0x2000));
	ASSERT_OK(sink_write(&s, "abc", 3, 7));
	ASSERT_OK(sink_write(&s, "", 0, 9)); /* no empty record: makedumpfile -R stops at one */
	ASSERT_EQ_INT(sink_patch(&s, "x", 1, 0), -EOPNOTSUPP);
	ASSERT_OK(sink_finish(&s));
	ASSERT_EQ_U64(s.size, 0x2005);
	ASSERT_EQ_U64(s.bytes, sizeof(buf) - 16);
	ASSERT_OK(pread_exact(fd, buf, sizeof(buf) - 16, 0));
	ASSERT_TRUE(!memcmp(buf, "makedumpfile\0\0\0\0", 16));
	memcpy(rec, buf + 16, 16);
	ASSERT_EQ_U64(be64toh(rec[0]), 1); /* type */
	ASSERT_EQ_U64(be64toh(rec[1]), 1); /* version */
	memcpy(rec, buf + 4096, 16);
	ASSERT_EQ_U64(be64toh(rec[0]), 0x2000);
	ASSERT_EQ_U64(be64toh(rec[1]), 5);
	ASSERT_TRUE(!memcmp(buf + 4096 + 16, "hello", 5));
	memcpy(rec, buf + 4096 + 21, 16);
	ASSERT_EQ_U64(be64toh(rec[0]), 7);
	memcpy(rec, buf + 4096 + 40, 16);
	ASSERT_EQ_U64(rec[0], UINT64_MAX);
	ASSERT_EQ_U64(rec[1], UINT64_MAX);
	close(fd);

	/* the seam: 4096 + 10 bytes, then ENOSPC, sticky */
	fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(sink_open_flat(&s, fd));
	s.fail_after = 4096 + 10;
	s.fail_errno = ENOSPC;
	ASSERT_EQ_INT(sink_write(&s, "hello", 5, 0), -ENOSPC);
	ASSERT_EQ_INT(sink_write(&s, "hello", 5, 0), -ENOSPC);
	ASSERT_EQ_INT(sink_finish(&s), -ENOSPC);
	ASSERT_EQ_U64(s.bytes, 4096 + 10);
	close(fd);
	unlink(path);
}

TEST(file_sink)
{
	char dir[] = "/tmp/mdl-sink-XXXXXX", path[64];
	struct sink s;
	char buf[8];

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/f", dir);
	ASSERT_OK(sink_open_file(&s, path, 0));
	ASSERT_OK(sink_write(&s, "12345678", 8, 100));
	ASSERT_OK(sink_reserve(&s, 200, 1000));
	ASSERT_EQ_U64(s.size, 1200);
	ASSERT_OK(sink_patch(&s, "AB", 2, 101));
	ASSERT_OK(sink_read(&s, buf, 8, 100));
	ASSERT_TRUE(!memcmp(buf, "1AB45678", 8));
	ASSERT_OK(sink_read(&s, buf, 8, 500));
	ASSERT_TRUE(!memcmp(buf, "\0\0\0\0\0\0\0\0", 8));
	/* the seam cuts a write in the middle */
	s.fail_after = s.bytes + 3;
	s.fail_errno = EIO;
	ASSERT_EQ_INT(sink_write(&s, "abcdef", 6, 2000), -EIO);
	ASSERT_EQ_U64(s.size, 2003);
	sink_close(&s);
	ASSERT_EQ_INT(sink_open_file(&s, path, 0), -EEXIST);
	ASSERT_OK(sink_open_file(&s, path, 1));
	sink_close(&s);
	unlink(path);
	rmdir(dir);
}

TEST(protect_ranges)
{
	struct protect p = {};
	struct protect_range r[] = {
		{ 10, 20, PROTECT_KERNEL }, { 15, 30, PROTECT_TABLES }, { 30, 31, PROTECT_TABLES },
		{ 40, 41, PROTECT_MEMMAP }, { 41, 42, PROTECT_MEMMAP }, { 12, 14, PROTECT_MEMMAP },
		{ 100, 200, PROTECT_MEMMAP },
	};

	p.r = malloc(sizeof(r));
	ASSERT_TRUE(p.r);
	memcpy(p.r, r, sizeof(r));
	p.n = p.cap = ELEMENTSOF(r);
	protect_normalize(&p);
	ASSERT_EQ_INT(protect_lookup(&p, 9), -1);
	ASSERT_EQ_INT(protect_lookup(&p, 10), PROTECT_KERNEL);
	ASSERT_EQ_INT(protect_lookup(&p, 19), PROTECT_KERNEL);
	ASSERT_EQ_INT(protect_lookup(&p, 20), PROTECT_TABLES);
	ASSERT_EQ_INT(protect_lookup(&p, 30), PROTECT_TABLES);
	ASSERT_EQ_INT(protect_lookup(&p, 31), -1);
	ASSERT_EQ_INT(protect_lookup(&p, 41), PROTECT_MEMMAP);
	ASSERT_EQ_INT(protect_lookup(&p, 150), PROTECT_MEMMAP);
	ASSERT_EQ_INT(protect_lookup(&p, 13), PROTECT_KERNEL); /* backwards */
	ASSERT_EQ_INT(protect_lookup(&p, 200), -1);
	ASSERT_EQ_U64(p.pages[PROTECT_KERNEL], 10);
	ASSERT_EQ_U64(p.pages[PROTECT_TABLES], 11);
	ASSERT_EQ_U64(p.pages[PROTECT_MEMMAP], 102);
	protect_done(&p);
}

/* ---- the pipeline, with a fake source: pages are made up, not read ---- */

struct fake {
	uint64_t next, end, consumed, seq;
	int64_t fail_at;     /* consume fails on this chunk (-1: never) */
	int64_t produce_err; /* produce fails at this PFN (-1: never) */
	int order_ok;
	uint8_t page[4096];
	uint8_t zeros[4096];
};

static int fake_produce(void *userdata, struct chunk *c)
{
	struct fake *f = userdata;

	c->n = 0;
	while (c->n < CHUNK_PAGES && f->next < f->end) {
		if (f->produce_err >= 0 && f->next == (uint64_t)f->produce_err)
			return -EIO;
		c->pfn[c->n] = f->next++;
		c->part_off[c->n] = 0;
		c->part_len[c->n] = 4096;
		c->optional[c->n] = 0;
		c->n++;
		if (next_rand() % 50 == 0)
			break; /* chunks of every size */
	}
	return 0;
}

static int fake_fill(void *userdata, struct chunk *c)
{
	struct fake *f = userdata;

	for (unsigned i = 0; i < c->n; i++)
		c->src[i] = c->pfn[i] % 3 == 2 ? NULL : c->pfn[i] % 3 ? f->page : f->zeros;
	return 0;
}

static int fake_consume(void *userdata, const struct chunk *c)
{
	struct fake *f = userdata;

	if (f->fail_at >= 0 && c->seq == (uint64_t)f->fail_at)
		return -ENOSPC;
	if (c->seq != f->seq++)
		f->order_ok = 0;
	for (unsigned i = 0; i < c->n; i++) {
		static const uint8_t want[3] = { PAGE_ZERO, PAGE_COMPRESSED, PAGE_LOST };
		if (c->pfn[i] != f->consumed++ || c->kind[i] != want[c->pfn[i] % 3])
			f->order_ok = 0;
		if (c->kind[i] == PAGE_COMPRESSED &&
		    (c->flags[i] != VMCORE_COMPRESS_ZSTD || c->size[i] >= 4096 ||
		     c->off[i] + c->size[i] > c->out_len))
			f->order_ok = 0;
	}
	return 0;
}

static int run_fake(struct fake *f, unsigned workers, uint64_t pages)
{
	struct pipeline_config cfg = {
		.workers = workers, .page_size = 4096, .method = VMCORE_COMPRESS_ZSTD,
		.zero_check = 1, .fill = fake_fill, .source = f, .produce = fake_produce,
		.consume = fake_consume, .userdata = f,
	};
	struct pipeline_stats st;

	f->next = f->consumed = f->seq = 0;
	f->end = pages;
	f->order_ok = 1;
	for (unsigned i = 0; i < 4096; i++)
		f->page[i] = (uint8_t)("abcdefgh"[i % 8] + (i / 512));
	return pipeline_run(&cfg, &st);
}

TEST(pipeline_order)
{
	static struct fake f;

	for (unsigned w = 1; w <= 8; w *= 2) {
		f.fail_at = f.produce_err = -1;
		ASSERT_OK(run_fake(&f, w, 20000));
		ASSERT_EQ_INT(f.order_ok, 1);
		ASSERT_EQ_U64(f.consumed, 20000);
		/* an error in the writer stops everyone, whatever the chunk */
		f.fail_at = (int64_t)(next_rand() % 40);
		ASSERT_EQ_INT(run_fake(&f, w, 20000), -ENOSPC);
		ASSERT_EQ_INT(f.order_ok, 1);
		/* and one in the reader */
		f.fail_at = -1;
		f.produce_err = (int64_t)(next_rand() % 15000);
		ASSERT_EQ_INT(run_fake(&f, w, 20000), -EIO);
		ASSERT_EQ_INT(f.order_ok, 1);
		ASSERT_TRUE(f.consumed <= (uint64_t)f.produce_err);
	}
	/* nothing at all */
	f.fail_at = f.produce_err = -1;
	ASSERT_OK(run_fake(&f, 2, 0));
	ASSERT_EQ_U64(f.consumed, 0);
}

RUN_TESTS(T(bmstore_memory), T(bmstore_file), T(flat_sink), T(file_sink), T(protect_ranges),
	  T(pipeline_order))
