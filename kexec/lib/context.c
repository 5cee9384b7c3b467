/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The context: the system-call seam, the root for /proc and /sys, logging, errors. */
#include <errno.h>
#include <fcntl.h>
#include <linux/reboot.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "io-util.h"
#include "kexec-core.h"
#include "parse-util.h"

static int real_file_load(void *data, int kernel_fd, int initrd_fd, const char *cmdline,
			  size_t cmdline_len, unsigned long flags)
{
#ifdef SYS_kexec_file_load
	if (syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, (unsigned long)cmdline_len,
		    cmdline, flags) < 0)
		return negative_errno();
	return 0;
#else
	return -ENOSYS;
#endif
}

static int real_reboot_kexec(void *data)
{
	syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC,
		NULL);
	return negative_errno();
}

static void real_sync(void *data)
{
	sync();
}

static void real_sleep(void *data, unsigned seconds)
{
	/* sleep() returns early on a signal; a countdown second may then be short. */
	(void)sleep(seconds);
}

const struct kexec_sys_ops kexec_sys_real = {
	.file_load = real_file_load,
	.reboot_kexec = real_reboot_kexec,
	.sync = real_sync,
	.sleep = real_sleep,
};

int kexec_ctx_init(KexecCtx *ctx, const char *root)
{
	int fd = open(root ? root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	*ctx = (KexecCtx){ .ops = &kexec_sys_real, .root_fd = fd };
	return 0;
}

void kexec_ctx_done(KexecCtx *ctx)
{
	if (ctx->root_fd >= 0)
		(void)close(ctx->root_fd);
	ctx->root_fd = -1;
}

void kexec_log(const KexecCtx *ctx, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (!ctx->log)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	ctx->log(ctx->log_data, buf);
}

/* ---- errors ---- */

void kexec_error_done(KexecError *e)
{
	if (!e)
		return;
	free(e->what);
	free(e->cause);
	free(e->fix);
	free(e->note);
	*e = (KexecError){ 0 };
}

static char *vformat(const char *fmt, va_list ap)
{
	char *s = NULL;

	if (vasprintf(&s, fmt, ap) < 0)
		return NULL;
	return s;
}

int kexec_error_set(KexecError *e, int code, KexecOrigin origin, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return code;
	kexec_error_done(e);
	e->code = code;
	e->origin = origin;
	va_start(ap, fmt);
	e->what = vformat(fmt, ap);
	va_end(ap);
	return code;
}

void kexec_error_cause(KexecError *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	free(e->cause);
	va_start(ap, fmt);
	e->cause = vformat(fmt, ap);
	va_end(ap);
}

void kexec_error_fix(KexecError *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	free(e->fix);
	va_start(ap, fmt);
	e->fix = vformat(fmt, ap);
	va_end(ap);
}

void kexec_error_note(KexecError *e, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	free(e->note);
	va_start(ap, fmt);
	e->note = vformat(fmt, ap);
	va_end(ap);
}

const char *kexec_errno_name(int err)
{
	static const struct {
		int err;
		const char *name;
	} names[] = {
		{ EPERM, "EPERM" },	       { ENOENT, "ENOENT" },
		{ EINTR, "EINTR" },	       { EIO, "EIO" },
		{ E2BIG, "E2BIG" },	       { ENOEXEC, "ENOEXEC" },
		{ EBADF, "EBADF" },	       { ENOMEM, "ENOMEM" },
		{ EACCES, "EACCES" },	       { EFAULT, "EFAULT" },
		{ EBUSY, "EBUSY" },	       { EEXIST, "EEXIST" },
		{ EISDIR, "EISDIR" },	       { EINVAL, "EINVAL" },
		{ ETXTBSY, "ETXTBSY" },	       { EFBIG, "EFBIG" },
		{ ENOSPC, "ENOSPC" },	       { ENOSYS, "ENOSYS" },
		{ ENODATA, "ENODATA" },	       { EBADMSG, "EBADMSG" },
		{ EOVERFLOW, "EOVERFLOW" },    { ELIBBAD, "ELIBBAD" },
		{ EMSGSIZE, "EMSGSIZE" },      { ENOPKG, "ENOPKG" },
		{ EOPNOTSUPP, "EOPNOTSUPP" },  { EADDRNOTAVAIL, "EADDRNOTAVAIL" },
		{ ENOKEY, "ENOKEY" },	       { EKEYEXPIRED, "EKEYEXPIRED" },
		{ EKEYREVOKED, "EKEYREVOKED" }, { EKEYREJECTED, "EKEYREJECTED" },
	};

	if (err < 0)
		err = -err;
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (names[i].err == err)
			return names[i].name;
	return "unnamed errno";
}

/* ---- files below the root ---- */

static int read_below_root(const KexecCtx *ctx, const char *path, size_t max, int whole,
			   char **ret, size_t *ret_len)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = NULL;
	ssize_t n;

	while (*path == '/')
		path++;
	fd = openat(ctx->root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0)
		return negative_errno();
	/* /proc and /sys files report size 0: read up to max and insist on the end. */
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	n = read_full(fd, buf, max + 1);
	if (n < 0)
		return (int)n;
	if ((size_t)n > max) {
		if (whole)
			return -EFBIG;
		n = (ssize_t)max;
	}
	buf[n] = '\0';
	if (ret_len)
		*ret_len = (size_t)n;
	*ret = TAKE_PTR(buf);
	return 0;
}

int kexec_read_file(const KexecCtx *ctx, const char *path, size_t max, char **ret,
		    size_t *ret_len)
{
	return read_below_root(ctx, path, max, 1, ret, ret_len);
}

int kexec_read_head(const KexecCtx *ctx, const char *path, size_t max, char **ret,
		    size_t *ret_len)
{
	return read_below_root(ctx, path, max, 0, ret, ret_len);
}

int kexec_read_u64(const KexecCtx *ctx, const char *path, uint64_t *ret)
{
	_cleanup_free_ char *s = NULL;
	size_t len;
	int r;

	r = kexec_read_file(ctx, path, 64, &s, &len);
	if (r < 0)
		return r;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	return safe_atou64(s, 0, ret);
}

const char *kexec_format_size(uint64_t bytes, char *buf, size_t size)
{
	if (bytes >= (10ull << 30))
		snprintf(buf, size, "%.1f GiB", (double)bytes / (1ull << 30));
	else if (bytes >= (1ull << 20))
		snprintf(buf, size, "%.1f MiB", (double)bytes / (1ull << 20));
	else if (bytes >= 1024)
		snprintf(buf, size, "%.1f KiB", (double)bytes / 1024);
	else
		snprintf(buf, size, "%llu bytes", (unsigned long long)bytes);
	return buf;
}
