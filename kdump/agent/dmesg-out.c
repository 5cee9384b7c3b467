/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmcore-dmesg.txt: the crashed kernel's log as makedumpfile --dump-dmesg prints it, read by
 * libvmcore and written through a buffer at an offset (0 in a file; the dmesg area of a raw
 * device), never beyond a limit (the area's end).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "io-util.h"

#define BUF_SIZE (64u << 10)

struct out {
	int fd;
	uint64_t off, limit;
	struct dmesg_result *res;
	size_t used;
	char buf[BUF_SIZE];
};

static int flush(struct out *o)
{
	uint64_t room = o->limit ? o->limit - o->res->size : UINT64_MAX;
	size_t n = (size_t)MIN((uint64_t)o->used, room);
	int r;

	if (o->used == 0)
		return 0;
	r = pwrite_all(o->fd, o->buf, n, o->off + o->res->size);
	if (r < 0)
		return o->res->write_error = r;
	o->res->size += n;
	if (n < o->used) {
		o->used = 0;
		return o->res->write_error = -ENOSPC;
	}
	o->used = 0;
	return 0;
}

static int line(const char *text, size_t len, void *userdata)
{
	struct out *o = userdata;

	/* the line and its newline; a line longer than the buffer goes in pieces */
	while (len + 1 > BUF_SIZE - o->used) {
		size_t n = MIN(len, (size_t)(BUF_SIZE - o->used));
		memcpy(o->buf + o->used, text, n);
		o->used += n;
		text += n;
		len -= n;
		if (flush(o) < 0)
			return o->res->write_error;
	}
	memcpy(o->buf + o->used, text, len);
	o->used += len;
	o->buf[o->used++] = '\n';
	o->res->lines++;
	return 0;
}

void ksave_write_dmesg(vmcore_t *v, int fd, uint64_t off, uint64_t limit,
		       struct dmesg_result *ret)
{
	struct out *o = malloc(sizeof(*o)); /* 64 KiB: not on the stack */
	int r;

	*ret = (struct dmesg_result){};
	if (!o) {
		ret->read_error = -ENOMEM;
		snprintf(ret->why, sizeof(ret->why), "out of memory");
		return;
	}
	*o = (struct out){ .fd = fd, .off = off, .limit = limit, .res = ret };
	r = vmcore_dmesg(v, line, o);
	if (r < 0 && !ret->write_error) {
		ret->read_error = r;
		snprintf(ret->why, sizeof(ret->why), "%s", vmcore_strerror(v));
	}
	if (!ret->write_error)
		(void)flush(o);
	if (ret->write_error)
		snprintf(ret->why, sizeof(ret->why), "%s", strerror(-ret->write_error));
	free(o);
}
