/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "io-util.h"
#include "macro.h"
#include "sink.h"

#define FLAT_HEADER_SIZE 4096
#define FLAT_SIGNATURE "makedumpfile"
/* Start writing back (and dropping) the page cache every so many bytes. */
#define SYNC_EVERY (UINT64_C(32) << 20)

static void sink_init(struct sink *s, enum sink_kind kind, int fd, int owns)
{
	*s = (struct sink){ .kind = kind, .fd = fd, .owns_fd = owns };
}

int sink_open_file(struct sink *s, const char *path, int force)
{
	int flags = O_RDWR | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL);
	int fd = open(path, flags, 0600);

	if (fd < 0)
		return negative_errno();
	sink_init(s, SINK_FILE, fd, 1);
	return 0;
}

/* Write all of iov, retrying short writes. */
static int writev_all(int fd, struct iovec *iov, int n)
{
	while (n > 0) {
		ssize_t k = writev(fd, iov, n);

		if (k < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (k == 0)
			return -EIO;
		while (n > 0 && (size_t)k >= iov->iov_len) {
			k -= (ssize_t)iov->iov_len;
			iov++;
			n--;
		}
		if (n > 0) {
			iov->iov_base = (char *)iov->iov_base + k;
			iov->iov_len -= (size_t)k;
		}
	}
	return 0;
}

int sink_open_flat(struct sink *s, int fd)
{
	char hdr[FLAT_HEADER_SIZE] = {};
	uint64_t one = htobe64(1);
	int r;

	sink_init(s, SINK_FLAT, fd, 0);
	/* signature NUL-padded to 16 bytes, type 1, version 1, zeros up to 4096 */
	memcpy(hdr, FLAT_SIGNATURE, sizeof(FLAT_SIGNATURE));
	memcpy(hdr + 16, &one, 8);
	memcpy(hdr + 24, &one, 8);
	r = write_all(fd, hdr, sizeof(hdr));
	if (r < 0)
		return s->error = r;
	s->bytes = sizeof(hdr);
	return 0;
}

void sink_open_null(struct sink *s)
{
	sink_init(s, SINK_NULL, -1, 0);
}

/* The test seam: how much of len may still be written, and the error past it. */
static size_t seam_allowed(struct sink *s, size_t len, int *ret_err)
{
	*ret_err = 0;
	if (!s->fail_after)
		return len;
	if (s->at_limit) {
		if (len >= s->fail_after - MIN(s->bytes, s->fail_after)) {
			void (*hook)(void *) = s->at_limit;

			s->at_limit = NULL;
			s->fail_after = 0;
			hook(s->at_limit_data);
		}
		return len;
	}
	if (s->bytes >= s->fail_after) {
		*ret_err = -s->fail_errno;
		return 0;
	}
	if (len > s->fail_after - s->bytes) {
		*ret_err = -s->fail_errno;
		return (size_t)(s->fail_after - s->bytes);
	}
	return len;
}

/*
 * In a capture kernel the page cache of the dump file comes out of the few hundred MiB the
 * crashkernel reservation holds. Every SYNC_EVERY bytes: wait for the writeback started last
 * time, start it for everything dirty now, and drop what is clean.
 */
static void throttle(struct sink *s, size_t len)
{
	s->since_sync += len;
	if (!s->drop_cache || s->since_sync < SYNC_EVERY)
		return;
	s->since_sync = 0;
	(void)sync_file_range(s->fd, 0, 0, SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE);
	(void)posix_fadvise(s->fd, 0, 0, POSIX_FADV_DONTNEED);
}

static int file_write(struct sink *s, const void *buf, size_t len, uint64_t off)
{
	int seam_err, r = 0;
	size_t n = seam_allowed(s, len, &seam_err), done = 0;

	/* pwrite() returns a short count before ENOSPC: remember how much got through */
	while (done < n) {
		ssize_t k = pwrite(s->fd, (const char *)buf + done, n - done, (off_t)(off + done));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0) {
			r = k < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)k;
	}
	s->bytes += done;
	if (done && off + done > s->size)
		s->size = off + done;
	throttle(s, done);
	if (r == 0)
		r = seam_err;
	if (r < 0)
		s->partial = done;
	return r;
}

static int flat_write(struct sink *s, const void *buf, size_t len, uint64_t off)
{
	uint64_t rec[2] = { htobe64(off), htobe64(len) };
	struct iovec iov[2] = {
		{ .iov_base = rec, .iov_len = sizeof(rec) },
		{ .iov_base = (void *)buf, .iov_len = len },
	};
	int seam_err, r;
	size_t n = seam_allowed(s, sizeof(rec) + len, &seam_err);

	if (seam_err) {
		/* Cut the stream where the seam says, as a full pipe reader would see it. */
		if (n > 0)
			(void)write_all(s->fd, rec, MIN(n, sizeof(rec)));
		if (n > sizeof(rec))
			(void)write_all(s->fd, buf, n - sizeof(rec));
		s->bytes += n;
		return seam_err;
	}
	r = writev_all(s->fd, iov, 2);
	if (r < 0)
		return r;
	s->bytes += sizeof(rec) + len;
	if (off + len > s->size)
		s->size = off + len;
	return 0;
}

int sink_write(struct sink *s, const void *buf, size_t len, uint64_t off)
{
	int r;

	if (s->error)
		return s->error;
	if (len == 0)
		return 0;
	switch (s->kind) {
	case SINK_FILE:
		r = file_write(s, buf, len, off);
		break;
	case SINK_FLAT:
		r = flat_write(s, buf, len, off);
		break;
	default:
		s->bytes += len;
		if (off + len > s->size)
			s->size = off + len;
		r = 0;
	}
	if (r < 0)
		s->error = r;
	return r;
}

int sink_reserve(struct sink *s, uint64_t off, uint64_t len)
{
	static const char zeros[65536];
	int r;

	if (s->error)
		return s->error;
	if (s->kind != SINK_FILE || len == 0)
		return 0;
	/* fallocate(2), not posix_fallocate(): glibc would emulate it byte by byte */
	if (!s->fail_after || s->at_limit) {
		if (fallocate(s->fd, 0, (off_t)off, (off_t)len) == 0) {
			if (off + len > s->size)
				s->size = off + len;
			return 0;
		}
		r = errno;
		if (r != EOPNOTSUPP && r != EINVAL && r != ENODEV)
			return s->error = -r;
	}
	/* No fallocate here (or the seam is on): write the zeros. */
	while (len > 0) {
		size_t n = (size_t)MIN(len, (uint64_t)sizeof(zeros));
		r = sink_write(s, zeros, n, off);
		if (r < 0)
			return r;
		off += n;
		len -= n;
	}
	return 0;
}

int sink_write_reserved(struct sink *s, const void *buf, size_t len, uint64_t off)
{
	int r;

	if (s->kind != SINK_FILE)
		return sink_write(s, buf, len, off);
	if (s->error)
		return s->error;
	r = pwrite_all(s->fd, buf, len, off);
	if (r < 0)
		return s->error = r;
	s->bytes += len;
	return 0;
}

int sink_patch(struct sink *s, const void *buf, size_t len, uint64_t off)
{
	if (s->kind == SINK_NULL)
		return 0;
	if (s->kind != SINK_FILE)
		return -EOPNOTSUPP;
	/* Overwriting allocated blocks needs no space: no seam here. */
	return pwrite_all(s->fd, buf, len, off);
}

int sink_truncate(struct sink *s, uint64_t size)
{
	if (s->kind != SINK_FILE)
		return -EOPNOTSUPP;
	if (ftruncate(s->fd, (off_t)size) < 0)
		return negative_errno();
	s->size = size;
	return 0;
}

int sink_read(struct sink *s, void *buf, size_t len, uint64_t off)
{
	if (s->kind != SINK_FILE)
		return -EOPNOTSUPP;
	return pread_exact(s->fd, buf, len, off);
}

void sink_discard(struct sink *s, const char *path)
{
	struct stat st;

	if (s->kind == SINK_FILE && s->owns_fd && fstat(s->fd, &st) == 0 && S_ISREG(st.st_mode))
		(void)unlink(path);
}

int sink_finish(struct sink *s)
{
	static const uint64_t end[2] = { UINT64_MAX, UINT64_MAX }; /* {-1, -1} */
	int r;

	if (s->error)
		return s->error;
	if (s->kind != SINK_FLAT)
		return 0;
	r = write_all(s->fd, end, sizeof(end));
	if (r < 0)
		return s->error = r;
	s->bytes += sizeof(end);
	return 0;
}

void sink_close(struct sink *s)
{
	if (s->owns_fd && s->fd >= 0)
		(void)close(s->fd);
	s->fd = -1;
}
