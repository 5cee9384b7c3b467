/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libkexec-core: load, unload and execute kernels and capture kernels with kexec_file_load.
 * Internal static library, linked by the kexec tool, by kdumpctl and by the unit tests.
 *
 * Conventions: functions return 0 (or a count) on success and a negative errno on failure;
 * ret_* parameters are written only on success; a failure that the user must read about is
 * described in a KexecError (what failed, why, how to fix it). The library never prints: the
 * verbose trail of steps goes to a caller-installed log function.
 *
 * Everything the library reads from /proc and /sys is read below a root directory (a fixture
 * tree in the unit tests), and every system call that loads, unloads or executes a kernel
 * goes through struct kexec_sys_ops (the seam the unit tests fake).
 */
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* kexec_file_load(2) flags (include/uapi/linux/kexec.h). */
#define KEXEC_FILE_UNLOAD 0x00000001UL
#define KEXEC_FILE_ON_CRASH 0x00000002UL
#define KEXEC_FILE_NO_INITRAMFS 0x00000004UL

struct kexec_sys_ops {
	/* kexec_file_load(2): 0 or a negative errno. cmdline_len counts the final NUL. */
	int (*file_load)(void *data, int kernel_fd, int initrd_fd, const char *cmdline,
			 size_t cmdline_len, unsigned long flags);
	/* reboot(LINUX_REBOOT_CMD_KEXEC): returns only on failure, with a negative errno. */
	int (*reboot_kexec)(void *data);
	void (*sync)(void *data);
	void (*sleep)(void *data, unsigned seconds);
};

/* The real system calls. */
extern const struct kexec_sys_ops kexec_sys_real;

typedef void (*KexecLogFn)(void *userdata, const char *msg);

typedef struct kexec_ctx {
	const struct kexec_sys_ops *ops;
	void *ops_data;
	int root_fd;       /* /proc and /sys are read below this directory */
	KexecLogFn log;    /* the verbose trail; NULL: nobody listens */
	void *log_data;
} KexecCtx;

/* root: "/" on a live system, a fixture directory in tests. Uses kexec_sys_real. */
int kexec_ctx_init(KexecCtx *ctx, const char *root);
void kexec_ctx_done(KexecCtx *ctx);
void kexec_log(const KexecCtx *ctx, const char *fmt, ...) _printf_(2, 3);

/*
 * Who has to act on a failure; the tool turns it into its exit code.
 *   FILES:  the kernel, initrd or command line given (missing, not a kernel, too big...)
 *   SYSTEM: the running system is not set up for the request (no crash region, nothing loaded)
 *   KERNEL: the running kernel refused the system call
 */
typedef enum kexec_origin {
	KEXEC_ORIGIN_FILES,
	KEXEC_ORIGIN_SYSTEM,
	KEXEC_ORIGIN_KERNEL,
} KexecOrigin;

typedef struct kexec_error {
	int code;          /* negative errno; 0 while unset */
	KexecOrigin origin;
	char *what;        /* one line: what failed, with the system's words for it */
	char *cause;       /* why (may be NULL) */
	char *fix;         /* what to do about it (may be NULL) */
	char *note;        /* a consequence to know about (may be NULL) */
} KexecError;

void kexec_error_done(KexecError *e);
/* Set code, origin and what (replacing an earlier error); returns code. e may be NULL. */
int kexec_error_set(KexecError *e, int code, KexecOrigin origin, const char *fmt, ...)
	_printf_(4, 5);
void kexec_error_cause(KexecError *e, const char *fmt, ...) _printf_(2, 3);
void kexec_error_fix(KexecError *e, const char *fmt, ...) _printf_(2, 3);
void kexec_error_note(KexecError *e, const char *fmt, ...) _printf_(2, 3);

/* "EPERM" for -EPERM (or EPERM); "errno N" for the ones we do not name. */
const char *kexec_errno_name(int err);

/* Read a small file below the root (path without leading '/'); NUL-terminated. */
int kexec_read_file(const KexecCtx *ctx, const char *path, size_t max, char **ret,
		    size_t *ret_len);
/* The first max bytes of a file below the root, however long it is; NUL-terminated. */
int kexec_read_head(const KexecCtx *ctx, const char *path, size_t max, char **ret,
		    size_t *ret_len);
/* Read a file that holds one unsigned number (decimal, or 0x hex). */
int kexec_read_u64(const KexecCtx *ctx, const char *path, uint64_t *ret);

/* "12.3 MiB"-style size for messages. */
const char *kexec_format_size(uint64_t bytes, char *buf, size_t size);
#define KEXEC_SIZE_MAX 32
