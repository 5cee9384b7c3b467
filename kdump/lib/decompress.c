/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#if HAVE_LZMA
#include <lzma.h>
#endif

#include "decompress.h"
#include "macro.h"

#define CHUNK (64 * 1024)

static const struct {
	KdumpCompression c;
	const char *name;
	const char *magic;
	size_t len;
} formats[] = {
	{ KDUMP_COMP_GZIP, "gzip", "\x1f\x8b", 2 },
	{ KDUMP_COMP_GZIP, "gzip", "\x1f\x9e", 2 },
	{ KDUMP_COMP_ZSTD, "zstd", "\x28\xb5\x2f\xfd", 4 },
	{ KDUMP_COMP_XZ, "xz", "\xfd" "7zXZ\0", 6 },
	{ KDUMP_COMP_BZIP2, "bzip2", "BZh", 3 },
	{ KDUMP_COMP_LZMA, "lzma", "\x5d\x00\x00", 3 },
	{ KDUMP_COMP_LZO, "lzo", "\x89LZO", 4 },
	{ KDUMP_COMP_LZ4, "lz4", "\x02\x21\x4c\x18", 4 },
};

KdumpCompression kdump_compression_detect(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < ELEMENTSOF(formats); i++)
		if (n >= formats[i].len && memcmp(p, formats[i].magic, formats[i].len) == 0)
			return formats[i].c;
	return KDUMP_COMP_UNKNOWN;
}

const char *kdump_compression_name(KdumpCompression c)
{
	for (size_t i = 0; i < ELEMENTSOF(formats); i++)
		if (formats[i].c == c)
			return formats[i].name;
	return "unknown";
}

/* Account for a piece of output and pass it on; 1 means stop. */
static int emit(const uint8_t *p, size_t k, uint64_t *total, uint64_t max_out, KdumpSink sink,
		void *userdata, KdumpError *err)
{
	*total += k;
	if (*total > max_out)
		return kdump_error_set(err, -EFBIG, "decompresses to more than %llu MiB",
				       (unsigned long long)(max_out >> 20));
	return k ? sink(p, k, userdata) : 0;
}

static int gunzip(const uint8_t *in, size_t n, KdumpSink sink, void *userdata, uint64_t max_out,
		  size_t *ret_consumed, KdumpError *err)
{
	uint8_t out[CHUNK];
	z_stream z = { 0 };
	uint64_t total = 0;
	int r, zr;

	if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK)
		return -ENOMEM;
	z.next_in = (Bytef *)in;
	z.avail_in = (uInt)MIN(n, (size_t)UINT32_MAX);
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END) {
			r = kdump_error_set(err, zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG,
					    "gzip data is corrupt or truncated (%s)",
					    z.msg ? z.msg : "no more input");
			break;
		}
		r = emit(out, sizeof(out) - z.avail_out, &total, max_out, sink, userdata, err);
	} while (r == 0 && zr != Z_STREAM_END);
	*ret_consumed = (size_t)z.total_in;
	inflateEnd(&z);
	return r < 0 ? r : 0;
}

static int unzstd(const uint8_t *in, size_t n, KdumpSink sink, void *userdata, uint64_t max_out,
		  size_t *ret_consumed, KdumpError *err)
{
	uint8_t out[CHUNK];
	ZSTD_DStream *z = ZSTD_createDStream();
	ZSTD_inBuffer ib = { in, n, 0 };
	uint64_t total = 0;
	size_t zr = 1;
	int r = 0;

	if (!z)
		return -ENOMEM;
	while (r == 0 && zr != 0) {
		ZSTD_outBuffer ob = { out, sizeof(out), 0 };
		size_t before = ib.pos;

		zr = ZSTD_decompressStream(z, &ob, &ib);
		if (ZSTD_isError(zr)) {
			r = kdump_error_set(err, -EBADMSG, "zstd data is corrupt (%s)",
					    ZSTD_getErrorName(zr));
			break;
		}
		r = emit(out, ob.pos, &total, max_out, sink, userdata, err);
		if (r == 0 && zr != 0 && ob.pos == 0 && ib.pos == before)
			r = kdump_error_set(err, -EBADMSG, "zstd data is truncated");
	}
	*ret_consumed = ib.pos;
	ZSTD_freeDStream(z);
	return r < 0 ? r : 0;
}

#if HAVE_LZMA
static int unxz(const uint8_t *in, size_t n, KdumpSink sink, void *userdata, uint64_t max_out,
		size_t *ret_consumed, KdumpError *err)
{
	uint8_t out[CHUNK];
	lzma_stream z = LZMA_STREAM_INIT;
	lzma_ret zr = LZMA_OK;
	uint64_t total = 0;
	int r = 0;

	if (lzma_stream_decoder(&z, 256ULL << 20, 0) != LZMA_OK)
		return -ENOMEM;
	z.next_in = in;
	z.avail_in = n;
	while (r == 0 && zr != LZMA_STREAM_END) {
		z.next_out = out;
		z.avail_out = sizeof(out);
		zr = lzma_code(&z, z.avail_in ? LZMA_RUN : LZMA_FINISH);
		if (zr != LZMA_OK && zr != LZMA_STREAM_END) {
			r = kdump_error_set(err, zr == LZMA_MEM_ERROR ? -ENOMEM : -EBADMSG,
					    "xz data is corrupt or truncated (liblzma error %d)", zr);
			break;
		}
		r = emit(out, sizeof(out) - z.avail_out, &total, max_out, sink, userdata, err);
	}
	*ret_consumed = (size_t)z.total_in;
	lzma_end(&z);
	return r < 0 ? r : 0;
}
#endif

int kdump_decompress(KdumpCompression c, const uint8_t *in, size_t n, KdumpSink sink,
		     void *userdata, uint64_t max_out, size_t *ret_consumed, KdumpError *err)
{
	*ret_consumed = 0;
	switch (c) {
	case KDUMP_COMP_GZIP:
		return gunzip(in, n, sink, userdata, max_out, ret_consumed, err);
	case KDUMP_COMP_ZSTD:
		return unzstd(in, n, sink, userdata, max_out, ret_consumed, err);
#if HAVE_LZMA
	case KDUMP_COMP_XZ:
		return unxz(in, n, sink, userdata, max_out, ret_consumed, err);
#endif
	default:
		return kdump_error_set(err, -EOPNOTSUPP, "%s data cannot be decompressed by this "
				       "build (gzip, zstd%s are)", kdump_compression_name(c),
				       HAVE_LZMA ? " and xz" : "");
	}
}
