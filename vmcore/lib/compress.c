/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Page decompression for kdump-compressed files: each page is compressed on its own. */
#include <errno.h>
#include <zlib.h>
#include <zstd.h>

#include "config.h"
#include "internal.h"

#if HAVE_LZO
#include <lzo/lzo1x.h>
#endif
#if HAVE_SNAPPY
#include <snappy-c.h>
#endif

static int wrong_size(struct vmcore *v, const char *algo, size_t got)
{
	return vc_error(v, -EBADMSG, "%s data decompresses to %zu bytes, not one page (%u)", algo,
			got, v->page_size);
}

int vc_decompress_page(struct vmcore *v, uint32_t flags, const void *in, size_t in_len, void *out)
{
	switch (flags) {
	case VMCORE_COMPRESS_ZLIB: {
		uLongf out_len = v->page_size;
		int z = uncompress(out, &out_len, in, in_len);
		if (z != Z_OK)
			return vc_error(v, -EBADMSG, "zlib data is corrupt (%s)",
					z == Z_BUF_ERROR ? "larger than a page" : zError(z));
		if (out_len != v->page_size)
			return wrong_size(v, "zlib", out_len);
		return 0;
	}
	case VMCORE_COMPRESS_ZSTD: {
		if (!v->zstd_dctx) {
			v->zstd_dctx = ZSTD_createDCtx();
			if (!v->zstd_dctx)
				return vc_error(v, -ENOMEM, "out of memory");
		}
		size_t n = ZSTD_decompressDCtx(v->zstd_dctx, out, v->page_size, in, in_len);
		if (ZSTD_isError(n))
			return vc_error(v, -EBADMSG, "zstd data is corrupt (%s)",
					ZSTD_getErrorName(n));
		if (n != v->page_size)
			return wrong_size(v, "zstd", n);
		return 0;
	}
	case VMCORE_COMPRESS_LZO: {
#if HAVE_LZO
		lzo_uint out_len = v->page_size;
		if (lzo_init() != LZO_E_OK)
			return vc_error(v, -EIO, "cannot initialise LZO");
		int z = lzo1x_decompress_safe(in, in_len, out, &out_len, NULL);
		if (z != LZO_E_OK)
			return vc_error(v, -EBADMSG, "lzo data is corrupt (error %d)", z);
		if (out_len != v->page_size)
			return wrong_size(v, "lzo", out_len);
		return 0;
#else
		return vc_error(v, -EOPNOTSUPP, "page is LZO-compressed; this build has no LZO");
#endif
	}
	case VMCORE_COMPRESS_SNAPPY: {
#if HAVE_SNAPPY
		size_t out_len;
		if (snappy_uncompressed_length(in, in_len, &out_len) != SNAPPY_OK)
			return vc_error(v, -EBADMSG, "snappy data is corrupt");
		if (out_len != v->page_size)
			return wrong_size(v, "snappy", out_len);
		if (snappy_uncompress(in, in_len, out, &out_len) != SNAPPY_OK)
			return vc_error(v, -EBADMSG, "snappy data is corrupt");
		return 0;
#else
		return vc_error(v, -EOPNOTSUPP, "page is snappy-compressed; this build has no snappy");
#endif
	}
	default:
		return vc_error(v, -EBADMSG, "unknown page compression flags 0x%x", flags);
	}
}
