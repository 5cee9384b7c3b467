/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every message goes to the caller's callback (the console), to kdump-save.log once a dump
 * directory exists, and into a backlog: the log file made later (after a fallback to the root
 * filesystem, or beside a dump that could only start after the target was mounted) begins with
 * everything said before it, and a raw device gets the backlog's tail.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "io-util.h"

double ksave_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *ksave_size(uint64_t bytes, char *buf, size_t len)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	double v = (double)bytes;
	size_t u = 0;

	if (bytes < 1024) {
		snprintf(buf, len, "%llu bytes", (unsigned long long)bytes);
		return buf;
	}
	v /= 1024;
	while (v >= 1024 && u + 1 < ELEMENTSOF(units)) {
		v /= 1024;
		u++;
	}
	snprintf(buf, len, "%.1f %s", v, units[u]);
	return buf;
}

void klog_init(struct klog *l, const KsaveCallbacks *cb)
{
	*l = (struct klog){ .cb = cb, .fd = -1, .t0 = ksave_mono() };
}

void klog_done(struct klog *l)
{
	klog_detach(l);
	free(l->backlog);
	l->backlog = NULL;
	l->len = l->cap = 0;
}

static void backlog_add(struct klog *l, const char *line, size_t n)
{
	if (l->len + n > KLOG_BACKLOG_MAX) {
		l->dropped += n;
		return;
	}
	if (l->len + n > l->cap) {
		size_t cap = MAX(l->cap * 2, (size_t)16384);
		char *p;

		while (cap < l->len + n)
			cap *= 2;
		cap = MIN(cap, (size_t)KLOG_BACKLOG_MAX);
		p = realloc(l->backlog, cap);
		if (!p) {
			l->dropped += n;
			return;
		}
		l->backlog = p;
		l->cap = cap;
	}
	memcpy(l->backlog + l->len, line, n);
	l->len += n;
}

static void file_write(struct klog *l, const char *line, size_t n)
{
	if (l->fd < 0 || l->file_error)
		return;
	if (write_all(l->fd, line, n) < 0) {
		l->file_error = true;
		if (l->cb && l->cb->message)
			l->cb->message(KSAVE_LOG_WARNING, "warning: cannot write to " KSAVE_LOG_NAME
				       " any more; messages go to the console only",
				       l->cb->userdata);
	}
}

void klog(struct klog *l, int level, const char *fmt, ...)
{
	const char *prefix = level <= KSAVE_LOG_ERR ? "error: " :
			     level == KSAVE_LOG_WARNING ? "warning: " : "";
	char text[1024], line[1100];
	va_list ap;
	int n;

	n = snprintf(text, sizeof(text), "%s", prefix);
	va_start(ap, fmt);
	vsnprintf(text + n, sizeof(text) - (size_t)n, fmt, ap);
	va_end(ap);
	/* one line per message, whatever the text held */
	for (char *c = text; *c; c++)
		if (*c == '\n' || *c == '\r')
			*c = ' ';
	if (l->cb && l->cb->message)
		l->cb->message(level, text, l->cb->userdata);
	if (level >= KSAVE_LOG_DEBUG)
		return;
	n = snprintf(line, sizeof(line), "[%9.3f] %s\n", ksave_mono() - l->t0, text);
	if (n < 0)
		return;
	n = MIN(n, (int)sizeof(line) - 1);
	backlog_add(l, line, (size_t)n);
	file_write(l, line, (size_t)n);
}

void klog_add_lines(struct klog *l, const char *text, size_t n)
{
	backlog_add(l, text, n);
	file_write(l, text, n);
}

int klog_attach(struct klog *l, int dirfd)
{
	char note[128];
	int fd;

	klog_detach(l);
	fd = openat(dirfd, KSAVE_LOG_NAME, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_APPEND |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	/* room for the rest of the log now: the final line must fit even on a full disk */
	(void)fallocate(fd, FALLOC_FL_KEEP_SIZE, 0, KLOG_RESERVE);
	l->fd = fd;
	l->file_error = false;
	if (l->dropped) {
		int n = snprintf(note, sizeof(note), "(%llu bytes of messages were dropped: the "
				 "backlog is full)\n", (unsigned long long)l->dropped);
		file_write(l, note, (size_t)n);
	}
	file_write(l, l->backlog ? l->backlog : "", l->len);
	return l->file_error ? -EIO : 0;
}

void klog_detach(struct klog *l)
{
	if (l->fd < 0)
		return;
	(void)fsync(l->fd);
	close(l->fd);
	l->fd = -1;
}
