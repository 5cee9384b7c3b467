/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _warn_unused_result_ __attribute__((warn_unused_result))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(a) (sizeof(a) / sizeof((a)[0]))
#define MIN(a, b) ((a) < (b) ? (a) : (b))
#define MAX(a, b) ((a) > (b) ? (a) : (b))
#define DIV_ROUND_UP(n, d) (((n) + (d) - 1) / (d))
#define ALIGN_UP(n, a) (DIV_ROUND_UP(n, a) * (a))

/* Hand a pointer over to someone else: the cleanup attribute then sees NULL. */
#define TAKE_PTR(p)                                   \
	({                                            \
		__typeof__(p) _taken_ = (p);          \
		(p) = NULL;                           \
		_taken_;                              \
	})
#define TAKE_FD(fd)                                   \
	({                                            \
		int _taken_fd_ = (fd);                \
		(fd) = -1;                            \
		_taken_fd_;                           \
	})

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		(void)close(*fd);
		errno = saved;
	}
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f)
{
	if (*f)
		(void)fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Turn a libc "-1 and errno" result into a negative errno. */
static inline int negative_errno(void)
{
	return errno > 0 ? -errno : -EIO;
}
#define RET_NERRNO(expr)                              \
	({                                            \
		__typeof__(expr) _r_ = (expr);        \
		_r_ < 0 ? negative_errno() : (int)_r_;\
	})

static inline int add_overflows_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
	return __builtin_add_overflow(a, b, ret);
}
static inline int mul_overflows_u64(uint64_t a, uint64_t b, uint64_t *ret)
{
	return __builtin_mul_overflow(a, b, ret);
}
