/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Compressed kernel images (arm64's vmlinuz is a gzipped Image; some distributions zstd them):
 * kexec_file_load reads a kernel from an fd and does not decompress, so we decompress into a
 * memfd and hand that over. The memfd is sealed and reopened read-only, because the kernel
 * refuses (ETXTBSY) a file that someone still holds open for writing.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "io-util.h"
#include "kexec-image.h"

#define IN_CHUNK (128u << 10)
#define OUT_CHUNK (256u << 10)

struct sink {
	int fd;
	uint64_t size, max;
};

static int sink_write(struct sink *s, const void *buf, size_t n)
{
	if (n == 0)
		return 0;
	if (s->size + n > s->max)
		return -EFBIG;
	s->size += n;
	return write_all(s->fd, buf, n);
}

static int inflate_gzip(int in_fd, struct sink *s, void *in, void *out)
{
	z_stream z = { 0 };
	int zr = Z_OK, r = 0;

	/* 15 + 32: a 32 KiB window, and accept either a gzip or a zlib header. */
	if (inflateInit2(&z, 15 + 32) != Z_OK)
		return -ENOMEM;
	while (zr != Z_STREAM_END) {
		ssize_t n = read_full(in_fd, in, IN_CHUNK);
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0) {
			r = -EBADMSG; /* the stream ended before its end marker */
			break;
		}
		z.next_in = in;
		z.avail_in = (uInt)n;
		do {
			z.next_out = out;
			z.avail_out = OUT_CHUNK;
			zr = inflate(&z, Z_NO_FLUSH);
			if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
				r = zr == Z_MEM_ERROR ? -ENOMEM : -EBADMSG;
				goto out;
			}
			r = sink_write(s, out, OUT_CHUNK - z.avail_out);
			if (r < 0)
				goto out;
		} while (z.avail_out == 0 && zr != Z_STREAM_END);
	}
	/* Bytes after the first gzip member (padding) are ignored. */
out:
	inflateEnd(&z);
	return r;
}

static int inflate_zstd(int in_fd, struct sink *s, void *in, void *out)
{
	ZSTD_DCtx *dctx = ZSTD_createDCtx();
	size_t zr = 1;
	int r = 0;

	if (!dctx)
		return -ENOMEM;
	for (;;) {
		ssize_t n = read_full(in_fd, in, IN_CHUNK);
		if (n < 0) {
			r = (int)n;
			break;
		}
		if (n == 0) {
			/* zr == 0: the last frame is complete. */
			if (zr != 0)
				r = -EBADMSG;
			break;
		}
		ZSTD_inBuffer ib = { in, (size_t)n, 0 };
		while (ib.pos < ib.size) {
			ZSTD_outBuffer ob = { out, OUT_CHUNK, 0 };
			zr = ZSTD_decompressStream(dctx, &ob, &ib);
			if (ZSTD_isError(zr)) {
				r = -EBADMSG;
				goto out;
			}
			r = sink_write(s, out, ob.pos);
			if (r < 0)
				goto out;
		}
		/* Flush what the decoder still holds for this input. */
		for (;;) {
			ZSTD_outBuffer ob = { out, OUT_CHUNK, 0 };
			ZSTD_inBuffer none = { in, 0, 0 };
			if (zr == 0)
				break;
			zr = ZSTD_decompressStream(dctx, &ob, &none);
			if (ZSTD_isError(zr)) {
				r = -EBADMSG;
				goto out;
			}
			r = sink_write(s, out, ob.pos);
			if (r < 0)
				goto out;
			if (ob.pos < ob.size)
				break;
		}
	}
out:
	ZSTD_freeDCtx(dctx);
	return r;
}

/* A read-only fd of the same memfd, so that no writer is left when the kernel reads it. */
static int reopen_read_only(int fd)
{
	char path[64];
	int ro;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	ro = open(path, O_RDONLY | O_CLOEXEC);
	if (ro < 0)
		return fd; /* no /proc: keep the sealed writable fd and hope */
	(void)close(fd);
	return ro;
}

int kexec_decompress_to_memfd(int fd, KexecMagic compression, uint64_t max, int *ret_fd,
			      uint64_t *ret_size)
{
	_cleanup_free_ void *in = malloc(IN_CHUNK);
	_cleanup_free_ void *out = malloc(OUT_CHUNK);
	_cleanup_close_ int mfd = -1;
	struct sink s = { .max = max };
	int r;

	if (compression != KEXEC_MAGIC_GZIP && compression != KEXEC_MAGIC_ZSTD)
		return -EOPNOTSUPP;
	if (!in || !out)
		return -ENOMEM;
	if (lseek(fd, 0, SEEK_SET) < 0)
		return negative_errno();
	mfd = memfd_create("kexec-image", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (mfd < 0)
		return negative_errno();
	s.fd = mfd;
	if (compression == KEXEC_MAGIC_GZIP)
		r = inflate_gzip(fd, &s, in, out);
	else
		r = inflate_zstd(fd, &s, in, out);
	if (r < 0)
		return r;
	if (s.size == 0)
		return -EBADMSG;
	if (fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE | F_SEAL_SEAL) < 0)
		return negative_errno();
	mfd = reopen_read_only(TAKE_FD(mfd));
	*ret_fd = TAKE_FD(mfd);
	*ret_size = s.size;
	return 0;
}
