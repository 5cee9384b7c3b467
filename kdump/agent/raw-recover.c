/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 'kdumpctl start' with a raw target: a dump the capture left on the device is saved into
 * 'path' on the root filesystem as a dump directory like any other (the capture's log first in
 * kdump-save.log, then vmcore-dmesg.txt, then the stream rearranged into vmcore.incomplete by
 * the collector's -R, verified, renamed vmcore), and the device is cleared. A bare flattened
 * stream (Fedora's kdump writes those) is taken too; its name comes from the dump itself.
 * Nothing is cleared unless the dump was saved: a full disk leaves it pending for next time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "io-util.h"
#include "raw.h"

struct recover {
	const KsaveRecoverOptions *o;
	struct klog log;
	int dev, kind;
	struct raw_header h;
	uint64_t dev_size, stream_off, stream_size;
	int pathfd, dirfd;
	char name[KSAVE_DIR_NAME_MAX + 8];
	bool hopeless;  /* the device holds nothing we can ever rebuild: clear it anyway */
};

/* root + dir + name: the dump directory as this process reaches it. */
static char *join_dir(const KsaveRecoverOptions *o, const char *name)
{
	_cleanup_free_ char *d = ksave_path_join(o->root ? o->root : "/", o->dir);

	return d ? ksave_path_join(d, name) : NULL;
}

/* The capture's log and vmcore-dmesg.txt, copied from the device. */
static void copy_dmesg(struct recover *rc)
{
	_cleanup_free_ char *buf = malloc(1u << 20);
	_cleanup_close_ int fd = -1;
	uint64_t done = 0;
	int r = 0;

	if (!buf)
		return;
	fd = openat(rc->dirfd, KSAVE_DMESG_TMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		    O_CLOEXEC, 0600);
	if (fd < 0)
		return;
	while (r == 0 && done < rc->h.dmesg_size) {
		size_t n = (size_t)MIN(rc->h.dmesg_size - done, (uint64_t)(1u << 20));
		r = pread_exact(rc->dev, buf, n, rc->h.dmesg_off + done);
		if (r == 0)
			r = pwrite_all(fd, buf, n, done);
		done += n;
	}
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	if (r == 0 && renameat2(rc->dirfd, KSAVE_DMESG_TMP, rc->dirfd, KSAVE_DMESG_NAME,
				RENAME_NOREPLACE) < 0)
		r = negative_errno();
	if (r < 0)
		klog(&rc->log, KSAVE_LOG_ERR, "saving %s: %s", KSAVE_DMESG_NAME, strerror(-r));
	else
		klog(&rc->log, KSAVE_LOG_INFO, "saved %s (%llu bytes)", KSAVE_DMESG_NAME,
		     (unsigned long long)rc->h.dmesg_size);
}

/* A bare stream carries no log: take it from the rebuilt dump. */
static void dmesg_from_dump(struct recover *rc, const char *file)
{
	_cleanup_close_ int fd = openat(rc->dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	_cleanup_close_ int out = -1;
	struct dmesg_result d;
	vmcore_t *v = vmcore_new();

	if (fd < 0 || !v || vmcore_open_fd(v, fd) < 0)
		goto out;
	out = openat(rc->dirfd, KSAVE_DMESG_TMP, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
		     O_CLOEXEC, 0600);
	if (out < 0)
		goto out;
	ksave_write_dmesg(v, out, 0, 0, &d);
	if (!d.write_error && d.lines > 0 && fsync(out) == 0 &&
	    renameat2(rc->dirfd, KSAVE_DMESG_TMP, rc->dirfd, KSAVE_DMESG_NAME,
		      RENAME_NOREPLACE) == 0)
		klog(&rc->log, KSAVE_LOG_INFO, "saved %s from the dump (%llu lines)",
		     KSAVE_DMESG_NAME, (unsigned long long)d.lines);
	else
		(void)unlinkat(rc->dirfd, KSAVE_DMESG_TMP, 0);
out:
	vmcore_free(v);
}

/* The stream, through the collector's -R, into vmcore.incomplete; checked; renamed. */
static void rearrange(struct recover *rc, KsaveResult *res)
{
	struct pump p = { .dir = PUMP_TO_CHILD, .fd = rc->dev, .off = rc->stream_off,
			  .limit = rc->stream_size };
	struct mdl_options mo = { .mode = MDL_MODE_REARRANGE, .message_level = MDL_ML_DEFAULT };
	struct collect_result cr;
	struct dump_check chk;
	char out[64], sz[32];
	int r;

	snprintf(out, sizeof(out), "/proc/self/fd/%d/%s", rc->dirfd, KSAVE_VMCORE_TMP);
	mo.dumpfile = out;
	r = ksave_collect(&rc->log, &mo, 0, 0, &p, &cr);
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot run the collector: %s", strerror(-r));
		return;
	}
	if (cr.r < 0)
		klog(&rc->log, KSAVE_LOG_WARNING, "collector: %s", cr.err);
	if (p.error)
		klog(&rc->log, KSAVE_LOG_ERR, "reading the device: %s", strerror(-p.error));
	r = openat(rc->dirfd, KSAVE_VMCORE_TMP, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (r >= 0) {
		(void)fsync(r);
		close(r);
	}
	(void)ksave_fsync_dir(rc->dirfd);
	if (ksave_check_dump(rc->dirfd, KSAVE_VMCORE_TMP, rc->o->quick_verify, &chk) < 0 ||
	    chk.size == 0) {
		(void)unlinkat(rc->dirfd, KSAVE_VMCORE_TMP, 0);
		ksave_fail(res, KSAVE_STATUS_FAILED, "nothing could be rebuilt from the stream: %s",
			   cr.r < 0 ? cr.err : "it is empty");
		rc->hopeless = !p.error;
		return;
	}
	res->size = chk.size;
	res->pages_written = chk.pages;
	if (rc->kind == RAW_OURS) {
		res->pages_to_write = rc->h.pages_to_write;
		res->pages_written = rc->h.pages_written;
	}
	if (cr.r == 0 && !p.error && !chk.incomplete && chk.problems <= 0 &&
	    (rc->kind == RAW_BARE || (rc->h.flags & RAW_FLAG_COMPLETE)) &&
	    renameat2(rc->dirfd, KSAVE_VMCORE_TMP, rc->dirfd, KSAVE_VMCORE_NAME,
		      RENAME_NOREPLACE) == 0) {
		(void)ksave_fsync_dir(rc->dirfd);
		res->status = KSAVE_STATUS_SAVED;
		klog(&rc->log, KSAVE_LOG_INFO, "rebuilt and verified the dump: %s, %s",
		     chk.format, ksave_size(chk.size, sz, sizeof(sz)));
		return;
	}
	ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "%s",
		   rc->kind == RAW_OURS && rc->h.state != RAW_STATE_DONE ?
		   "the capture did not finish writing the stream" :
		   rc->kind == RAW_OURS && !(rc->h.flags & RAW_FLAG_COMPLETE) ?
		   "the capture could not save every page" :
		   cr.r < 0 ? cr.err : chk.why[0] ? chk.why : "the dump does not verify");
}

/* Where it goes: the dump directory, named from the header (or for now, for bare streams). */
static int make_dir(struct recover *rc, KsaveResult *res)
{
	char base[KSAVE_DIR_NAME_MAX], err[512];
	struct statvfs sv;
	int r, rootfd;

	rootfd = open(rc->o->root ? rc->o->root : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return negative_errno();
	r = ksave_open_dir_path(rootfd, rc->o->dir, true, &rc->pathfd, err, sizeof(err));
	close(rootfd);
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s", err);
		return r;
	}
	(void)ksave_rotate(&rc->log, rc->pathfd, rc->o->keep_old_dumps);
	if (fstatvfs(rc->pathfd, &sv) == 0) {
		uint64_t avail = (uint64_t)sv.f_bavail * sv.f_frsize;
		uint64_t need = rc->stream_size + rc->h.dmesg_size + (16u << 20);
		if (rc->stream_size && (avail < need || avail - need < rc->o->min_free_space)) {
			ksave_fail(res, KSAVE_STATUS_FAILED, "not enough space in %s: the dump needs "
				   "%llu bytes, %llu are free, min_free_space %llu; the dump stays on "
				   "%s", rc->o->dir, (unsigned long long)need,
				   (unsigned long long)avail,
				   (unsigned long long)rc->o->min_free_space, rc->o->device);
			return -ENOSPC;
		}
	}
	if (rc->kind == RAW_OURS && ksave_host_valid(rc->h.host))
		r = ksave_dump_dir_name(rc->h.host, rc->h.crash_time, 1, base, sizeof(base));
	else
		r = ksave_dump_dir_name("raw", (int64_t)time(NULL), 1, base, sizeof(base));
	if (r == 0)
		r = ksave_make_dump_dir(rc->pathfd, base, rc->name, sizeof(rc->name), &rc->dirfd);
	if (r < 0)
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot make a dump directory in %s: %s",
			   rc->o->dir, strerror(-r));
	return r;
}

/* A bare stream's directory gets the name of the host and time the dump itself gives. */
static void rename_bare(struct recover *rc, const char *file, KsaveResult *res)
{
	char base[KSAVE_DIR_NAME_MAX], name[KSAVE_DIR_NAME_MAX + 8];
	_cleanup_close_ int fd = openat(rc->dirfd, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct ksave_ident id;
	vmcore_t *v = vmcore_new();

	if (fd >= 0 && v && vmcore_open_fd(v, fd) == 0) {
		ksave_ident_read(v, "/nonexistent", (int64_t)time(NULL), &id);
		if (id.time_from_dump && strcmp(id.host_from, "default") &&
		    ksave_dump_dir_name(id.host, id.crash_time, 1, base, sizeof(base)) == 0) {
			for (unsigned seq = 1; seq < 100; seq++) {
				if (ksave_dump_dir_name(id.host, id.crash_time, seq, name,
							sizeof(name)) < 0)
					break;
				if (renameat2(rc->pathfd, rc->name, rc->pathfd, name,
					      RENAME_NOREPLACE) == 0) {
					snprintf(rc->name, sizeof(rc->name), "%s", name);
					break;
				}
				if (errno != EEXIST)
					break;
			}
		}
	}
	vmcore_free(v);
	free(res->dir);
	res->dir = join_dir(rc->o, rc->name);
}

static void recover(struct recover *rc, KsaveResult *res)
{
	const char *file;
	char sz[32];
	int r;

	if (rc->kind == RAW_OURS) {
		rc->stream_off = rc->h.stream_off;
		rc->stream_size = rc->h.stream_size;
	}
	if (make_dir(rc, res) < 0)
		return;
	res->dir = join_dir(rc->o, rc->name);
	if (rc->kind == RAW_OURS && rc->h.log_size > 0 && rc->h.log_size <= RAW_LOG_SIZE) {
		_cleanup_free_ char *text = malloc(rc->h.log_size);
		if (text && pread_exact(rc->dev, text, rc->h.log_size, rc->h.log_off) == 0)
			klog_add_lines(&rc->log, text, rc->h.log_size);
	}
	r = klog_attach(&rc->log, rc->dirfd);
	if (r < 0)
		klog(&rc->log, KSAVE_LOG_WARNING, "cannot write %s: %s", KSAVE_LOG_NAME,
		     strerror(-r));
	klog(&rc->log, KSAVE_LOG_INFO, "recovering the dump on %s into %s (%s stream, %s)",
	     rc->o->device, res->dir ? res->dir : rc->o->dir,
	     rc->kind == RAW_BARE ? "a bare" : rc->h.state == RAW_STATE_DONE ? "a finished" :
	     "an unfinished", rc->stream_size ? ksave_size(rc->stream_size, sz, sizeof(sz)) :
	     "size unknown");
	if (rc->kind == RAW_OURS && rc->h.dmesg_size)
		copy_dmesg(rc);
	if (rc->kind == RAW_OURS && rc->stream_size <= 4096)
		ksave_fail(res, rc->h.dmesg_size ? KSAVE_STATUS_DMESG_ONLY : KSAVE_STATUS_FAILED,
			   "the capture wrote no dump to the device");
	else
		rearrange(rc, res);
	file = res->status == KSAVE_STATUS_SAVED ? KSAVE_VMCORE_NAME : KSAVE_VMCORE_TMP;
	if (rc->kind == RAW_BARE && res->status != KSAVE_STATUS_FAILED)
		dmesg_from_dump(rc, file);
	if (rc->kind == RAW_BARE)
		rename_bare(rc, file, res);
	if (res->dir && res->status != KSAVE_STATUS_FAILED && res->status != KSAVE_STATUS_DMESG_ONLY)
		res->file = ksave_path_join(res->dir, file);
}

int ksave_raw_recover(const KsaveRecoverOptions *o, KsaveResult *ret)
{
	struct recover rc = { .o = o, .pathfd = -1, .dirfd = -1 };
	KsaveResult res = { .status = KSAVE_STATUS_NONE };
	int r;

	if (!o || !o->device || !o->dir || !ret)
		return -EINVAL;
	klog_init(&rc.log, o->cb);
	rc.dev = open(o->device, (o->keep_device ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	if (rc.dev < 0) {
		r = negative_errno();
		ksave_fail(&res, KSAVE_STATUS_FAILED, "cannot open the raw device %s: %s",
			   o->device, strerror(-r));
		goto out;
	}
	rc.kind = raw_header_read(rc.dev, &rc.h);
	if (rc.kind < 0) {
		ksave_fail(&res, KSAVE_STATUS_FAILED, "cannot read the raw device %s: %s", o->device,
			   strerror(-rc.kind));
		goto out;
	}
	if (rc.kind == RAW_NONE || raw_device_size(rc.dev, &rc.dev_size) < 0)
		goto out;
	recover(&rc, &res);
	if ((res.status == KSAVE_STATUS_FAILED && !rc.hopeless) || o->keep_device)
		goto out;
	r = raw_clear(rc.dev, rc.kind, &rc.h);
	if (r < 0)
		klog(&rc.log, KSAVE_LOG_ERR, "cannot clear %s: %s (the same dump will be saved "
		     "again next time)", o->device, strerror(-r));
	else
		klog(&rc.log, KSAVE_LOG_INFO, "cleared %s", o->device);
out:
	if (res.status == KSAVE_STATUS_FAILED)
		klog(&rc.log, KSAVE_LOG_ERR, "%s", res.reason);
	else if (res.status != KSAVE_STATUS_NONE)
		klog(&rc.log, res.status == KSAVE_STATUS_SAVED ? KSAVE_LOG_NOTICE : KSAVE_LOG_ERR,
		     "%s: %s%s%s", ksave_status_to_string(res.status),
		     res.file ? res.file : res.dir ? res.dir : "", res.reason[0] ? ": " : "",
		     res.reason);
	res.exit_code = res.status == KSAVE_STATUS_SAVED || res.status == KSAVE_STATUS_NONE ?
			KSAVE_EXIT_SAVED : res.status == KSAVE_STATUS_INCOMPLETE ?
			KSAVE_EXIT_INCOMPLETE : res.status == KSAVE_STATUS_DMESG_ONLY ?
			KSAVE_EXIT_DMESG_ONLY : KSAVE_EXIT_FAILED;
	klog_done(&rc.log);
	if (rc.dirfd >= 0)
		close(rc.dirfd);
	if (rc.pathfd >= 0)
		close(rc.pathfd);
	if (rc.dev >= 0)
		close(rc.dev);
	*ret = res;
	return 0;
}
