/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#include "codec.h"
#include "config.h"
#include "macro.h"
#include "vmcore.h"

#if HAVE_LZO
#include <lzo/lzo1x.h>
#endif
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif

/* zlib at its fastest level, as makedumpfile; zstd's level is the caller's. */
#define ZLIB_LEVEL Z_BEST_SPEED

int codec_init(struct codec *c, uint32_t method, int zstd_level, size_t page_size)
{
	*c = (struct codec){ .method = method, .level = zstd_level, .page_size = page_size };
	/* LZO's worst case is the largest: n + n/16 + 64 + 3. */
	c->scratch_size = page_size + page_size / 16 + 64 + 3;
	switch (method) {
	case VMCORE_COMPRESS_NONE:
		return 0;
	case VMCORE_COMPRESS_ZLIB: {
		z_stream *z = calloc(1, sizeof(*z));
		if (!z)
			return -ENOMEM;
		if (deflateInit(z, ZLIB_LEVEL) != Z_OK) {
			free(z);
			return -ENOMEM;
		}
		c->zlib = z;
		break;
	}
	case VMCORE_COMPRESS_ZSTD:
		c->zstd = ZSTD_createCCtx();
		if (!c->zstd)
			return -ENOMEM;
		if (ZSTD_isError(ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_compressionLevel,
							zstd_level)) ||
		    ZSTD_isError(ZSTD_CCtx_setParameter(c->zstd, ZSTD_c_checksumFlag, 0))) {
			codec_done(c);
			return -EINVAL;
		}
		break;
#if HAVE_LZO
	case VMCORE_COMPRESS_LZO:
		if (lzo_init() != LZO_E_OK)
			return -EINVAL;
		c->lzo_work = malloc(LZO1X_1_MEM_COMPRESS);
		if (!c->lzo_work)
			return -ENOMEM;
		break;
#endif
#if HAVE_SNAPPY
	case VMCORE_COMPRESS_SNAPPY:
		c->scratch_size = MAX(c->scratch_size, snappy_max_compressed_length(page_size));
		break;
#endif
	default:
		return -EOPNOTSUPP;
	}
	c->scratch = malloc(c->scratch_size);
	if (!c->scratch) {
		codec_done(c);
		return -ENOMEM;
	}
	return 0;
}

void codec_done(struct codec *c)
{
	if (c->zlib) {
		deflateEnd(c->zlib);
		free(c->zlib);
	}
	ZSTD_freeCCtx(c->zstd);
	free(c->lzo_work);
	free(c->scratch);
	*c = (struct codec){};
}

static ssize_t compress_zlib(struct codec *c, const void *src)
{
	z_stream *z = c->zlib;
	int r;

	if (deflateReset(z) != Z_OK)
		return -EINVAL;
	z->next_in = (Bytef *)src;
	z->avail_in = (uInt)c->page_size;
	z->next_out = c->scratch;
	z->avail_out = (uInt)(c->page_size - 1);
	r = deflate(z, Z_FINISH);
	if (r == Z_STREAM_END)
		return (ssize_t)z->total_out;
	if (r == Z_OK || r == Z_BUF_ERROR)
		return 0; /* did not fit in less than a page */
	return -EINVAL;
}

static ssize_t compress_zstd(struct codec *c, const void *src)
{
	size_t n;

	/* The size is pledged so that zstd sizes its tables for one page. */
	if (ZSTD_isError(ZSTD_CCtx_setPledgedSrcSize(c->zstd, c->page_size)))
		return -EINVAL;
	n = ZSTD_compress2(c->zstd, c->scratch, c->page_size - 1, src, c->page_size);
	if (ZSTD_isError(n)) {
		if (ZSTD_getErrorCode(n) == ZSTD_error_dstSize_tooSmall) {
			ZSTD_CCtx_reset(c->zstd, ZSTD_reset_session_only);
			return 0;
		}
		return -EINVAL;
	}
	return (ssize_t)n;
}

ssize_t codec_compress(struct codec *c, const void *src, const uint8_t **ret_data)
{
	ssize_t n;

	switch (c->method) {
	case VMCORE_COMPRESS_ZLIB:
		n = compress_zlib(c, src);
		break;
	case VMCORE_COMPRESS_ZSTD:
		n = compress_zstd(c, src);
		break;
#if HAVE_LZO
	case VMCORE_COMPRESS_LZO: {
		lzo_uint out = 0;
		if (lzo1x_1_compress(src, c->page_size, c->scratch, &out, c->lzo_work) != LZO_E_OK)
			return -EINVAL;
		n = (ssize_t)out;
		break;
	}
#endif
#if HAVE_SNAPPY
	case VMCORE_COMPRESS_SNAPPY: {
		size_t out = c->scratch_size;
		if (snappy_compress(src, c->page_size, (char *)c->scratch, &out) != SNAPPY_OK)
			return -EINVAL;
		n = (ssize_t)out;
		break;
	}
#endif
	default:
		return 0;
	}
	if (n <= 0 || (size_t)n >= c->page_size)
		return n < 0 ? n : 0;
	*ret_data = c->scratch;
	return n;
}

size_t codec_footprint(uint32_t method, size_t page_size)
{
	switch (method) {
	case VMCORE_COMPRESS_ZLIB:
		/* deflate at level 1: window 32 KiB x 2, hash 64 KiB x 2, pending 64 KiB */
		return 256u << 10;
	case VMCORE_COMPRESS_ZSTD:
		/* level 1 with the tables sized for one page: measured ZSTD_sizeof_CCtx() */
		return 320u << 10;
	case VMCORE_COMPRESS_LZO:
		return 64u << 10;
	default:
		return page_size * 2;
	}
}
