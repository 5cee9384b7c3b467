/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dump path is walked one component at a time from the target's root with
 * openat(O_NOFOLLOW | O_DIRECTORY): a symbolic link anywhere in it is refused, never followed,
 * so a link planted in /var/crash cannot send the dump (all of the machine's memory) elsewhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "io-util.h"

#define DIR_FLAGS (O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)

char *ksave_path_join(const char *a, const char *b)
{
	size_t la = strlen(a);
	char *s;

	while (la > 1 && a[la - 1] == '/')
		la--;
	while (*b == '/')
		b++;
	if (asprintf(&s, "%.*s%s%s", (int)la, a, la && a[la - 1] == '/' ? "" : "/", b) < 0)
		return NULL;
	return s;
}

int ksave_read_text(const char *path, size_t max, char **ret)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	char *buf;
	ssize_t n;

	if (fd < 0)
		return negative_errno();
	buf = malloc(max + 1);
	if (!buf)
		return -ENOMEM;
	n = read_full(fd, buf, max);
	if (n < 0) {
		free(buf);
		return (int)n;
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	*ret = buf;
	return 0;
}

/* Why opening component name in dirfd failed: a symbolic link, not a directory, or errno. */
static int component_error(int dirfd, const char *name, const char *path, int r, char *err,
			   size_t errlen)
{
	struct stat st;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISLNK(st.st_mode)) {
		snprintf(err, errlen, "'%s' in the dump path %s is a symbolic link: refusing to "
			 "follow it (make it a real directory)", name, path);
		return -ELOOP;
	}
	if (r == -ENOTDIR)
		snprintf(err, errlen, "'%s' in the dump path %s is not a directory", name, path);
	else
		snprintf(err, errlen, "cannot open '%s' in the dump path %s: %s", name, path,
			 strerror(-r));
	return r;
}

int ksave_open_dir_path(int rootfd, const char *path, bool create, int *ret_fd, char *err,
			size_t errlen)
{
	_cleanup_free_ char *copy = strdup(path);
	_cleanup_close_ int fd = -1;
	char *save = NULL, *c;

	if (!copy)
		return -ENOMEM;
	fd = openat(rootfd, ".", DIR_FLAGS);
	if (fd < 0) {
		snprintf(err, errlen, "cannot open the target's root: %s", strerror(errno));
		return negative_errno();
	}
	for (c = strtok_r(copy, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		bool last = !save || strspn(save, "/") == strlen(save);
		int next;

		if (!strcmp(c, ".") || !strcmp(c, "..")) {
			snprintf(err, errlen, "the dump path %s has a '%s' component", path, c);
			return -EINVAL;
		}
		next = openat(fd, c, DIR_FLAGS);
		if (next < 0 && errno == ENOENT && create) {
			if (mkdirat(fd, c, last ? 0700 : 0755) < 0 && errno != EEXIST) {
				int r = negative_errno();
				snprintf(err, errlen, "cannot create '%s' in the dump path %s: %s", c,
					 path, strerror(-r));
				return r;
			}
			next = openat(fd, c, DIR_FLAGS);
		}
		if (next < 0)
			return component_error(fd, c, path, negative_errno(), err, errlen);
		close(fd);
		fd = next;
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

int ksave_make_dump_dir(int pathfd, const char *base, char *ret_name, size_t len, int *ret_fd)
{
	char name[KSAVE_DIR_NAME_MAX + 8];
	struct stat st;

	for (unsigned seq = 1; seq < 100; seq++) {
		int fd;

		if (seq == 1)
			snprintf(name, sizeof(name), "%s", base);
		else
			snprintf(name, sizeof(name), "%s.%u", base, seq);
		if (mkdirat(pathfd, name, 0700) < 0) {
			if (errno == EEXIST)
				continue; /* a dump of the same second, or something planted: never reuse */
			return negative_errno();
		}
		fd = openat(pathfd, name, DIR_FLAGS);
		if (fd < 0)
			return negative_errno();
		/* the directory just made, ours, and private whatever the umask said */
		if (fstat(fd, &st) < 0 || st.st_uid != geteuid() ||
		    ((st.st_mode & 07777) != 0700 && fchmod(fd, 0700) < 0)) {
			close(fd);
			return -EPERM;
		}
		if (strlen(name) >= len) {
			close(fd);
			return -ENAMETOOLONG;
		}
		strcpy(ret_name, name);
		*ret_fd = fd;
		return 0;
	}
	return -EEXIST;
}

int ksave_fsync_dir(int dirfd)
{
	return fsync(dirfd) < 0 ? negative_errno() : 0;
}
