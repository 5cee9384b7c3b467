/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Read exactly n bytes at off. Returns 0, -EIO on a short read (end of file), or -errno. */
int pread_exact(int fd, void *buf, size_t n, uint64_t off);
/* Read up to n bytes at off; returns the number read (short only at end of file) or -errno. */
ssize_t pread_full(int fd, void *buf, size_t n, uint64_t off);
/* Read up to n bytes from the current position, retrying on EINTR and short reads. */
ssize_t read_full(int fd, void *buf, size_t n);
/* Write all of buf, retrying on EINTR and short writes. Returns 0 or -errno. */
int write_all(int fd, const void *buf, size_t n);
int pwrite_all(int fd, const void *buf, size_t n, uint64_t off);
