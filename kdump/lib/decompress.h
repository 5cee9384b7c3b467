/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Streaming decompression of the formats Linux unpacks kernels and initramfs images from. */
#include <stddef.h>
#include <stdint.h>

#include "kdump-diag.h"

typedef enum KdumpCompression {
	KDUMP_COMP_UNKNOWN,
	KDUMP_COMP_GZIP,
	KDUMP_COMP_ZSTD,
	KDUMP_COMP_XZ,
	KDUMP_COMP_BZIP2, /* recognised, not decompressed */
	KDUMP_COMP_LZMA,
	KDUMP_COMP_LZO,
	KDUMP_COMP_LZ4,
} KdumpCompression;

KdumpCompression kdump_compression_detect(const uint8_t *p, size_t n);
const char *kdump_compression_name(KdumpCompression c);

/* Gets each piece of output; returns 0 to go on, 1 to stop early (success), or -errno. */
typedef int (*KdumpSink)(const uint8_t *p, size_t n, void *userdata);

/*
 * Decompress one stream starting at in (n bytes available; the stream may end before) and
 * hand the output to sink. *ret_consumed is the stream's compressed length when it ended,
 * or how far decompression got when sink stopped it. More than max_out bytes of output is
 * -EFBIG. -EOPNOTSUPP for a format this build cannot read, -EBADMSG for corrupt or
 * truncated data.
 */
int kdump_decompress(KdumpCompression c, const uint8_t *in, size_t n, KdumpSink sink,
		     void *userdata, uint64_t max_out, size_t *ret_consumed, KdumpError *err);
