/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Per-page compression for the kdump-compressed format, one context per worker thread (zlib
 * stream, zstd context and LZO work memory are set up once and reused for every page). Each
 * page is compressed on its own, as readers decompress exactly one page per descriptor, and
 * stored raw when compression does not make it smaller.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct codec {
	uint32_t method;   /* enum vmcore_compression value, 0: none */
	int level;         /* zstd's (the other methods have one level here) */
	size_t page_size;
	void *zstd;        /* ZSTD_CCtx */
	void *zlib;        /* z_stream */
	void *lzo_work;
	uint8_t *scratch;  /* room for the worst case of every method */
	size_t scratch_size;
};

/*
 * zstd_level: 1 where the data are mostly kernel pages (a dump level that filters classes),
 * -1 (zstd's fast mode: 60% more throughput for 2% more bytes on real dumps, see
 * docs/collector.md) where they are all of memory.
 */
int codec_init(struct codec *c, uint32_t method, int zstd_level, size_t page_size);
void codec_done(struct codec *c);

/*
 * Compresses the page at src. Returns the compressed size with the bytes in *ret_data
 * (borrowed until the next call), or 0 when the page is to be stored raw (no method, or the
 * result is not smaller than a page); a negative errno when the library fails.
 */
ssize_t codec_compress(struct codec *c, const void *src, const uint8_t **ret_data);

/* Memory a context takes, for sizing the number of workers. */
size_t codec_footprint(uint32_t method, size_t page_size);
