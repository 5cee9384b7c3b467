/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * keep_old_dumps N: before a new dump is written, the oldest dump directories beyond N are
 * deleted, to make room. Only directories this tool wrote are candidates: a real directory
 * (not a link) owned by us, named HOST-YYYY-MM-DD-HH:MM:SS[.N], holding kdump-save.log and
 * nothing but the files kdump-save writes, all of them regular files. Anything else in the
 * directory (a Fedora dump, a file someone added) is left alone and said so. Deletion works on
 * directory descriptors and never follows a link.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static const char *const our_files[] = {
	KSAVE_LOG_NAME, KSAVE_DMESG_NAME, KSAVE_DMESG_TMP, KSAVE_VMCORE_NAME, KSAVE_VMCORE_TMP,
};

static bool our_file(const char *name)
{
	for (size_t i = 0; i < ELEMENTSOF(our_files); i++)
		if (!strcmp(name, our_files[i]))
			return true;
	return false;
}

/* Calls fn for every entry but . and .. of the directory fd; stops at fn's non-zero value. */
static int for_each_entry(int fd, int (*fn)(int fd, const char *name, void *userdata),
			  void *userdata)
{
	int dfd = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (dfd < 0)
		return negative_errno();
	d = fdopendir(dfd);
	if (!d) {
		close(dfd);
		return negative_errno();
	}
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		r = fn(fd, de->d_name, userdata);
		if (r)
			break;
	}
	closedir(d);
	return r;
}

struct content {
	bool has_log;
	char *why;
	size_t len;
};

static int check_entry(int fd, const char *name, void *userdata)
{
	struct content *c = userdata;
	struct stat st;

	if (!our_file(name)) {
		snprintf(c->why, c->len, "it holds '%s', which kdump-save does not write", name);
		return 1;
	}
	if (fstatat(fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(c->why, c->len, "'%s' in it is not a regular file", name);
		return 1;
	}
	if (!strcmp(name, KSAVE_LOG_NAME))
		c->has_log = true;
	return 0;
}

bool ksave_is_our_dump_dir(int pathfd, const char *name, char *why, size_t len)
{
	struct content c = { .why = why, .len = len };
	_cleanup_close_ int fd = -1;
	struct stat st;

	why[0] = '\0';
	if (ksave_dump_dir_parse(name, NULL, NULL) < 0) {
		snprintf(why, len, "not a dump directory name");
		return false;
	}
	if (fstatat(pathfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 || !S_ISDIR(st.st_mode)) {
		snprintf(why, len, "not a directory");
		return false;
	}
	if (st.st_uid != geteuid()) {
		snprintf(why, len, "it belongs to uid %u", (unsigned)st.st_uid);
		return false;
	}
	fd = openat(pathfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0) {
		snprintf(why, len, "cannot open it: %s", strerror(errno));
		return false;
	}
	if (for_each_entry(fd, check_entry, &c) != 0) {
		if (!why[0])
			snprintf(why, len, "cannot read it");
		return false;
	}
	if (!c.has_log) {
		snprintf(why, len, "it has no %s", KSAVE_LOG_NAME);
		return false;
	}
	return true;
}

struct dump_entry {
	char *name;
	int64_t time;
	unsigned seq;
};

struct scan {
	struct klog *log;
	struct dump_entry *items;
	size_t n, cap;
};

static int scan_entry(int pathfd, const char *name, void *userdata)
{
	struct scan *s = userdata;
	struct dump_entry e = {};
	char why[256];

	if (ksave_dump_dir_parse(name, &e.time, &e.seq) < 0)
		return 0;
	if (!ksave_is_our_dump_dir(pathfd, name, why, sizeof(why))) {
		klog(s->log, KSAVE_LOG_NOTICE, "keep_old_dumps: leaving '%s' alone: %s", name, why);
		return 0;
	}
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 16;
		struct dump_entry *p = realloc(s->items, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		s->items = p;
		s->cap = cap;
	}
	e.name = strdup(name);
	if (!e.name)
		return -ENOMEM;
	s->items[s->n++] = e;
	return 0;
}

static int cmp_entry(const void *a, const void *b)
{
	const struct dump_entry *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int unlink_entry(int fd, const char *name, void *userdata)
{
	return unlinkat(fd, name, 0) < 0 ? negative_errno() : 0;
}

static int remove_dump(int pathfd, const char *name)
{
	_cleanup_close_ int fd = openat(pathfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW |
					O_CLOEXEC);
	int r;

	if (fd < 0)
		return negative_errno();
	r = for_each_entry(fd, unlink_entry, NULL);
	if (r < 0)
		return r;
	return unlinkat(pathfd, name, AT_REMOVEDIR) < 0 ? negative_errno() : 0;
}

int ksave_rotate(struct klog *log, int pathfd, uint32_t keep)
{
	struct scan s = { .log = log };
	size_t deleted = 0;
	int r;

	if (keep == KDUMP_KEEP_ALL)
		return 0;
	r = for_each_entry(pathfd, scan_entry, &s);
	if (r == 0 && s.n > keep) {
		qsort(s.items, s.n, sizeof(*s.items), cmp_entry);
		for (size_t i = 0; i < s.n - keep; i++) {
			int k = remove_dump(pathfd, s.items[i].name);
			if (k < 0)
				klog(log, KSAVE_LOG_WARNING, "keep_old_dumps: cannot delete the old "
				     "dump %s: %s", s.items[i].name, strerror(-k));
			else {
				klog(log, KSAVE_LOG_INFO, "keep_old_dumps %u: deleted the old dump %s",
				     keep, s.items[i].name);
				deleted++;
			}
		}
		(void)ksave_fsync_dir(pathfd);
	}
	for (size_t i = 0; i < s.n; i++)
		free(s.items[i].name);
	free(s.items);
	if (r < 0)
		return r;
	return (int)deleted;
}
