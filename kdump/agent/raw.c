/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* 'raw DEVICE': the capture side, and the header both sides read (raw.h). */
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "internal.h"
#include "io-util.h"
#include "raw.h"

struct raw_state {
	int fd;
	uint64_t size;
	struct raw_header h;
};

/* Host order <-> little-endian, field by field (the same function both ways). */
static void swap_header(struct raw_header *h)
{
	h->version = htole32(h->version);
	h->state = htole32(h->state);
	h->flags = htole32(h->flags);
	h->size = htole32(h->size);
	h->crash_time = (int64_t)htole64((uint64_t)h->crash_time);
	h->log_off = htole64(h->log_off);
	h->log_size = htole64(h->log_size);
	h->dmesg_off = htole64(h->dmesg_off);
	h->dmesg_size = htole64(h->dmesg_size);
	h->stream_off = htole64(h->stream_off);
	h->stream_size = htole64(h->stream_size);
	h->pages_to_write = htole64(h->pages_to_write);
	h->pages_written = htole64(h->pages_written);
}

static uint32_t header_crc(const struct raw_header *disk)
{
	return (uint32_t)crc32(0, (const Bytef *)disk, offsetof(struct raw_header, crc));
}

int raw_header_write(int fd, const struct raw_header *h)
{
	struct raw_header d = *h;

	swap_header(&d);
	d.crc = htole32(header_crc(&d));
	return pwrite_all(fd, &d, sizeof(d), 0);
}

int raw_header_read(int fd, struct raw_header *ret)
{
	struct raw_header d;
	uint64_t type;
	int r;

	r = pread_exact(fd, &d, sizeof(d), 0);
	if (r == -EIO)
		return RAW_NONE; /* shorter than a header: nothing of ours */
	if (r < 0)
		return r;
	if (!memcmp(d.magic, RAW_MAGIC, sizeof(RAW_MAGIC))) {
		if (le32toh(d.crc) != header_crc(&d))
			return RAW_NONE; /* torn or foreign: do not trust it */
		swap_header(&d);
		if (d.version != RAW_VERSION || d.size != RAW_HEADER_SIZE ||
		    (d.state != RAW_STATE_WRITING && d.state != RAW_STATE_DONE))
			return RAW_NONE;
		d.host[sizeof(d.host) - 1] = d.osrelease[sizeof(d.osrelease) - 1] = '\0';
		*ret = d;
		return RAW_OURS;
	}
	memcpy(&type, (const char *)&d + 16, 8);
	if (!memcmp(d.magic, RAW_FLAT_SIGNATURE, sizeof(RAW_FLAT_SIGNATURE)) && be64toh(type) == 1)
		return RAW_BARE;
	return RAW_NONE;
}

int raw_device_size(int fd, uint64_t *ret)
{
	struct stat st;

	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (S_ISBLK(st.st_mode))
		return ioctl(fd, BLKGETSIZE64, ret) < 0 ? negative_errno() : 0;
	if (!S_ISREG(st.st_mode))
		return -ENOTBLK;
	*ret = (uint64_t)st.st_size;
	return 0;
}

int raw_clear(int fd, int kind, const struct raw_header *h)
{
	static const uint8_t zeros[4096];
	int r;

	r = pwrite_all(fd, zeros, sizeof(zeros), 0);
	if (r == 0 && kind == RAW_OURS && h->stream_off)
		r = pwrite_all(fd, zeros, sizeof(zeros), h->stream_off);
	if (r == 0 && fdatasync(fd) < 0)
		r = negative_errno();
	return r;
}

int ksave_raw_probe(const char *device, KsaveRawInfo *ret, KdumpError *err)
{
	_cleanup_close_ int fd = open(device, O_RDONLY | O_CLOEXEC);
	KsaveRawInfo info = {};
	struct raw_header h;
	int kind;

	if (fd < 0)
		return kdump_error_set(err, negative_errno(), "cannot open the raw device %s: %s",
				       device, strerror(errno));
	kind = raw_header_read(fd, &h);
	if (kind < 0)
		return kdump_error_set(err, kind, "cannot read the raw device %s: %s", device,
				       strerror(-kind));
	if (kind == RAW_NONE)
		return 0;
	info.ours = kind == RAW_OURS;
	if (info.ours) {
		info.finished = h.state == RAW_STATE_DONE;
		info.complete = info.finished && (h.flags & RAW_FLAG_COMPLETE);
		snprintf(info.host, sizeof(info.host), "%s", h.host);
		snprintf(info.osrelease, sizeof(info.osrelease), "%s", h.osrelease);
		info.crash_time = h.crash_time;
		info.dmesg_size = h.dmesg_size;
		info.stream_offset = h.stream_off;
		info.stream_size = h.stream_size;
	}
	*ret = info;
	return 1;
}

/* ---- the capture ---- */

static int checkpoint(struct pump *p, void *userdata)
{
	struct raw_state *s = userdata;

	s->h.stream_size = p->done;
	return raw_header_write(s->fd, &s->h);
}

static int open_device(struct ksave *k, char **ret_dev, int *ret_fd, char *err, size_t len)
{
	double deadline = ksave_mono() + k->o->device_timeout;
	int r;

	for (;;) {
		char *dev = NULL;

		r = ksave_resolve(k, k->cfg->device, &dev, err, len);
		if (r == 0) {
			/* O_EXCL: a mounted device is refused (EBUSY), not overwritten */
			int fd = open(dev, O_RDWR | O_EXCL | O_CLOEXEC);
			if (fd >= 0) {
				*ret_fd = fd;
				*ret_dev = dev;
				return 0;
			}
			r = negative_errno();
			snprintf(err, len, "cannot open %s (%s): %s", k->cfg->device, dev,
				 strerror(-r));
			free(dev);
		}
		if ((r != -ENODEV && r != -ENOENT && r != -ENXIO) || ksave_mono() >= deadline)
			return r;
		nanosleep(&(struct timespec){ 0, 250 * 1000 * 1000 }, NULL);
	}
}

static void write_stream(struct ksave *k, struct raw_state *s, KsaveResult *res)
{
	struct pump p = { .dir = PUMP_FROM_CHILD, .fd = s->fd, .off = s->h.stream_off,
			  .limit = s->size - s->h.stream_off, .checkpoint = checkpoint,
			  .every = RAW_CHECKPOINT, .userdata = s };
	struct collect_result cr = { .r = -EINVAL };
	struct mdl_options mo;
	char sz[32];
	int r;

	r = ksave_collector_options(&k->log, k->collector, k->vmcore, NULL, &mo);
	if (r == 0)
		r = ksave_collect(&k->log, &mo, 0, 0, &p, &cr);
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot run the collector: %s", strerror(-r));
		return;
	}
	if (fdatasync(s->fd) < 0 && !p.error)
		p.error = negative_errno();
	s->h.stream_size = p.done;
	s->h.state = RAW_STATE_DONE;
	s->h.pages_to_write = cr.st.to_write;
	s->h.pages_written = cr.st.written;
	res->pages_to_write = cr.st.to_write;
	res->pages_written = cr.st.written;
	res->size = p.done;
	if (cr.r == 0 && !cr.st.incomplete && !p.error) {
		s->h.flags |= RAW_FLAG_COMPLETE;
		res->status = KSAVE_STATUS_SAVED;
		res->reason[0] = '\0';
	} else if (p.error)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "%s after %s of the stream",
			   p.error == -ENOSPC ? "the device is full" : strerror(-p.error),
			   ksave_size(p.done, sz, sizeof(sz)));
	else
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "%s", cr.err);
	if (res->status != KSAVE_STATUS_SAVED && p.done <= 4096)
		res->status = KSAVE_STATUS_FAILED;
	r = raw_header_write(s->fd, &s->h);
	if (r == 0 && fdatasync(s->fd) < 0)
		r = negative_errno();
	if (r < 0)
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot write the header of %s: %s",
			   k->cfg->device, strerror(-r));
}

void ksave_save_raw(struct ksave *k, KsaveResult *res)
{
	_cleanup_free_ char *dev = NULL;
	struct dmesg_result d;
	struct raw_state *s;
	char err[512], sz[32];
	uint64_t dmesg_max;
	int fd = -1, r;

	snprintf(k->target, sizeof(k->target), "raw %s", k->cfg->device);
	r = open_device(k, &dev, &fd, err, sizeof(err));
	if (r < 0) {
		klog(&k->log, KSAVE_LOG_ERR, "%s", err);
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s", err);
		return;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		ksave_fail(res, KSAVE_STATUS_FAILED, "out of memory");
		return;
	}
	s->fd = fd;
	k->raw = s;
	r = raw_device_size(fd, &s->size);
	if (r == 0 && s->size < RAW_DMESG_OFF + 4 * RAW_STREAM_ALIGN)
		r = -ENOSPC;
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s (%s): %s", k->cfg->device, dev,
			   r == -ENOSPC ? "too small for a dump" : strerror(-r));
		klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
		return;
	}
	snprintf(k->shown, sizeof(k->shown), "%s", dev);
	memcpy(s->h.magic, RAW_MAGIC, sizeof(RAW_MAGIC));
	s->h.version = RAW_VERSION;
	s->h.size = RAW_HEADER_SIZE;
	s->h.state = RAW_STATE_WRITING;
	s->h.crash_time = k->id.crash_time;
	s->h.log_off = RAW_LOG_OFF;
	s->h.dmesg_off = RAW_DMESG_OFF;
	snprintf(s->h.host, sizeof(s->h.host), "%s", k->id.host);
	snprintf(s->h.osrelease, sizeof(s->h.osrelease), "%s", k->id.osrelease);
	r = raw_header_write(fd, &s->h);
	if (r == 0 && fdatasync(fd) < 0)
		r = negative_errno();
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot write to %s: %s", dev, strerror(-r));
		klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
		return;
	}
	klog(&k->log, KSAVE_LOG_NOTICE, "saving to %s (%s, %s): the next 'kdumpctl start' saves "
	     "it into %s", k->target, dev, ksave_size(s->size, sz, sizeof(sz)), k->cfg->path);

	dmesg_max = MIN((uint64_t)RAW_DMESG_MAX, s->size - RAW_DMESG_OFF - 2 * RAW_STREAM_ALIGN);
	ksave_write_dmesg(k->v, fd, RAW_DMESG_OFF, dmesg_max, &d);
	if (d.write_error || d.read_error)
		klog(&k->log, d.write_error ? KSAVE_LOG_ERR : KSAVE_LOG_WARNING,
		     "kernel log: %s (%llu bytes saved)", d.why, (unsigned long long)d.size);
	k->dmesg_saved = d.size > 0;
	k->dmesg_size = d.size;
	s->h.dmesg_size = d.size;
	s->h.stream_off = ALIGN_UP(RAW_DMESG_OFF + d.size, (uint64_t)RAW_STREAM_ALIGN);
	r = raw_header_write(fd, &s->h);
	if (r == 0 && fdatasync(fd) < 0)
		r = negative_errno();
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot write to %s: %s", dev, strerror(-r));
		klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
		return;
	}
	write_stream(k, s, res);
	if (res->status != KSAVE_STATUS_SAVED)
		klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
}

void ksave_raw_close(struct ksave *k)
{
	struct raw_state *s = k->raw;
	const char *log = k->log.backlog;
	size_t n = k->log.len;

	if (!s)
		return;
	/* the log's tail, from the start of a line */
	if (n > RAW_LOG_SIZE) {
		const char *cut = memchr(log + n - RAW_LOG_SIZE, '\n', RAW_LOG_SIZE);
		size_t skip = cut ? (size_t)(cut + 1 - log) : n - RAW_LOG_SIZE;
		log += skip;
		n -= skip;
	}
	if (s->h.state && log && pwrite_all(s->fd, log, n, RAW_LOG_OFF) == 0) {
		s->h.log_size = n;
		(void)raw_header_write(s->fd, &s->h);
	}
	(void)fdatasync(s->fd);
	close(s->fd);
	free(s);
	k->raw = NULL;
}
