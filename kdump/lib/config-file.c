/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading kdump.conf from disk, and deciding whether it is safe to trust. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io-util.h"
#include "kdump-config.h"

#define MAX_CONFIG_SIZE (1024 * 1024)

int kdump_config_check_stat(const char *path, const struct stat *st, uid_t euid, KdumpError *err)
{
	if (!S_ISREG(st->st_mode))
		return kdump_error_set(err, -EINVAL, "'%s' is not a regular file", path);
	if (st->st_mode & (S_IWGRP | S_IWOTH))
		return kdump_error_set(err, -EPERM,
				       "'%s' is writable by %s (mode %04o), and the hooks it names run "
				       "as root: refusing it; run 'chmod go-w %s'",
				       path, (st->st_mode & S_IWOTH) ? "others" : "its group",
				       (unsigned)(st->st_mode & 07777), path);
	if (st->st_uid != 0 && (euid == 0 || st->st_uid != euid))
		return kdump_error_set(err, -EPERM,
				       "'%s' is owned by uid %u, not root, and the hooks it names run "
				       "as root: refusing it; run 'chown root: %s'",
				       path, (unsigned)st->st_uid, path);
	return 0;
}

static int file_problem(KdumpDiags *diags, const char *path, unsigned line, int error,
			const char *message)
{
	int r = kdump_diags_add(diags, KDUMP_SEVERITY_ERROR, error, path, line, "%s", message);

	return r < 0 ? r : error;
}

int kdump_config_parse_file(const char *path, bool check_owner, KdumpConfig **ret,
			    KdumpDiags *diags)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *text = NULL;
	KdumpError e = { 0 };
	struct stat st;
	ssize_t n;
	char *nul;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0) {
		int r = -errno;
		kdump_error_set(&e, r, "cannot open: %s", strerror(-r));
		return file_problem(diags, path, 0, r, e.message);
	}
	if (fstat(fd, &st) < 0) {
		int r = -errno;
		kdump_error_set(&e, r, "cannot stat: %s", strerror(-r));
		return file_problem(diags, path, 0, r, e.message);
	}
	if (check_owner && kdump_config_check_stat(path, &st, geteuid(), &e) < 0)
		return file_problem(diags, path, 0, e.error, e.message);
	if (!S_ISREG(st.st_mode))
		return file_problem(diags, path, 0, -EINVAL, "not a regular file");
	if (st.st_size > MAX_CONFIG_SIZE)
		return file_problem(diags, path, 0, -EFBIG, "the file is larger than 1 MiB");
	text = malloc((size_t)st.st_size + 2);
	if (!text)
		return -ENOMEM;
	n = read_full(fd, text, (size_t)st.st_size + 1);
	if (n < 0) {
		kdump_error_set(&e, (int)n, "cannot read: %s", strerror((int)-n));
		return file_problem(diags, path, 0, (int)n, e.message);
	}
	if (n > st.st_size)
		return file_problem(diags, path, 0, -EBUSY, "the file grew while it was read");
	text[n] = '\0';
	nul = memchr(text, '\0', (size_t)n);
	if (nul) {
		unsigned line = 1;
		for (const char *p = text; p < nul; p++)
			line += *p == '\n';
		return file_problem(diags, path, line, -EINVAL,
				    "the file contains a NUL byte: is it a text file?");
	}
	return kdump_config_parse_string(path, text, ret, diags);
}
