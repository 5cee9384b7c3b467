/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * One dump directory, in this order:
 *   1. the dump path, walked without following links; keep_old_dumps; the space estimate;
 *   2. <host>-<time>/ (0700, never an existing one), kdump-save.log in it;
 *   3. vmcore-dmesg.txt.incomplete, fsync, renamed vmcore-dmesg.txt: the log is saved first;
 *   4. unless space is short: the collector writes vmcore.incomplete (0600), fsync of the file
 *      and the directory, the dump is read back and verified, and only then renamed vmcore
 *      (and the directory synced again). A dump that is cut short or does not verify keeps
 *      the name vmcore.incomplete.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "run.h" /* makedumpfile-lite's test seam */

void ksave_fail(KsaveResult *res, KsaveStatus status, const char *fmt, ...)
{
	va_list ap;

	res->status = status;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
}

/* fsync a file of dirfd by name (without following a link). */
static int sync_file(int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return negative_errno();
	return fsync(fd) < 0 ? negative_errno() : 0;
}

static int rename_final(int dirfd, const char *from, const char *to)
{
	if (renameat2(dirfd, from, dirfd, to, RENAME_NOREPLACE) < 0) {
		/* NFS has no RENAME_NOREPLACE (EINVAL): a hard link never replaces either */
		if (errno != EINVAL)
			return negative_errno();
		if (linkat(dirfd, from, dirfd, to, 0) < 0)
			return negative_errno();
		(void)unlinkat(dirfd, from, 0);
	}
	return ksave_fsync_dir(dirfd);
}

static void save_dmesg(struct ksave *k, int dirfd)
{
	struct dmesg_result d;
	_cleanup_close_ int fd = openat(dirfd, KSAVE_DMESG_TMP, O_WRONLY | O_CREAT | O_EXCL |
					O_NOFOLLOW | O_CLOEXEC, 0600);
	int r;

	if (fd < 0) {
		klog(&k->log, KSAVE_LOG_ERR, "cannot create %s: %s", KSAVE_DMESG_TMP,
		     strerror(errno));
		return;
	}
	ksave_write_dmesg(k->v, fd, 0, 0, &d);
	if (!d.write_error && fsync(fd) < 0)
		d.write_error = negative_errno();
	if (d.write_error) {
		klog(&k->log, KSAVE_LOG_ERR, "writing %s failed after %llu bytes: %s; it keeps "
		     "that name", KSAVE_DMESG_TMP, (unsigned long long)d.size,
		     strerror(-d.write_error));
		return;
	}
	if (d.read_error && d.lines == 0) {
		klog(&k->log, KSAVE_LOG_WARNING, "no kernel log: %s", d.why);
		(void)unlinkat(dirfd, KSAVE_DMESG_TMP, 0);
		return;
	}
	if (d.read_error)
		klog(&k->log, KSAVE_LOG_WARNING, "the kernel log could only be read in part (%llu "
		     "lines): %s", (unsigned long long)d.lines, d.why);
	r = rename_final(dirfd, KSAVE_DMESG_TMP, KSAVE_DMESG_NAME);
	if (r < 0) {
		klog(&k->log, KSAVE_LOG_ERR, "cannot rename %s: %s", KSAVE_DMESG_TMP, strerror(-r));
		return;
	}
	k->dmesg_saved = true;
	k->dmesg_size = d.size;
	klog(&k->log, KSAVE_LOG_INFO, "saved %s: %llu lines, %llu bytes", KSAVE_DMESG_NAME,
	     (unsigned long long)d.lines, (unsigned long long)d.size);
}

/* The collector into vmcore.incomplete, then the check and the rename. */
static void save_vmcore(struct ksave *k, int dirfd, KsaveResult *res)
{
	char out[64], sz[32];
	struct mdl_options mo;
	struct collect_result cr;
	struct dump_check chk;
	bool have_file;
	int r;

	/* the directory by descriptor: no path component of the target is looked up again */
	snprintf(out, sizeof(out), "/proc/self/fd/%d/%s", dirfd, KSAVE_VMCORE_TMP);
	r = ksave_collector_options(&k->log, k->collector, k->vmcore, out, &mo);
	if (r == 0)
		r = ksave_collect_seam(&k->log, &mo, &(struct mdl_seam){
				.fail_after = k->o->fault_after, .fail_errno = k->o->fault_errno,
				.at_limit = k->o->fault_hook, .userdata = k->o->fault_userdata },
				NULL, &cr);
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot run the collector: %s", strerror(-r));
		klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
		return;
	}
	if (cr.r < 0)
		klog(&k->log, KSAVE_LOG_ERR, "collector: %s", cr.err);
	res->pages_written = cr.st.written;
	res->pages_to_write = cr.st.to_write;

	r = sync_file(dirfd, KSAVE_VMCORE_TMP);
	have_file = r != -ENOENT;
	if (r < 0 && have_file)
		klog(&k->log, KSAVE_LOG_ERR, "fsync of %s: %s", KSAVE_VMCORE_TMP, strerror(-r));
	(void)ksave_fsync_dir(dirfd);
	if (!have_file) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "no dump was written: %s",
			   cr.r < 0 ? cr.err : "the collector wrote nothing");
		return;
	}
	r = ksave_check_dump(dirfd, KSAVE_VMCORE_TMP, k->o->quick_verify, &chk);
	if (r < 0) {
		/* written in part, perhaps, but not readable now: the disk may be gone */
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s cannot be read back (%s): the target may "
			   "be gone; %s", KSAVE_VMCORE_TMP, strerror(-r),
			   cr.r < 0 ? cr.err : "the collector said it finished");
		return;
	}
	if (chk.size == 0) {
		(void)unlinkat(dirfd, KSAVE_VMCORE_TMP, 0);
		ksave_fail(res, KSAVE_STATUS_FAILED, "the dump is empty (removed): %s",
			   cr.r < 0 ? cr.err : "the collector wrote nothing");
		return;
	}
	res->size = chk.size;
	snprintf(k->format, sizeof(k->format), "%s", chk.format[0] ? chk.format : "unreadable");
	free(res->file);
	res->file = res->dir ? ksave_path_join(res->dir, KSAVE_VMCORE_TMP) : NULL;

	if (cr.r == 0 && !cr.st.incomplete && !chk.incomplete && chk.problems <= 0 &&
	    (chk.problems == 0 || k->o->quick_verify)) {
		r = rename_final(dirfd, KSAVE_VMCORE_TMP, KSAVE_VMCORE_NAME);
		if (r < 0) {
			ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "cannot rename %s to %s: %s",
				   KSAVE_VMCORE_TMP, KSAVE_VMCORE_NAME, strerror(-r));
			return;
		}
		free(res->file);
		res->file = res->dir ? ksave_path_join(res->dir, KSAVE_VMCORE_NAME) : NULL;
		res->status = KSAVE_STATUS_SAVED;
		res->reason[0] = '\0';
		klog(&k->log, KSAVE_LOG_INFO, "%s verified (%s%s, %llu pages), renamed %s",
		     KSAVE_VMCORE_TMP, chk.format, k->o->quick_verify ? ", headers only" : "",
		     (unsigned long long)chk.pages, KSAVE_VMCORE_NAME);
		return;
	}
	/* the collector marks what it cuts short, unless it died: then we do */
	if (!(chk.incomplete & VMCORE_INCOMPLETE_MARKED) &&
	    (cr.r < 0 || cr.st.incomplete || chk.problems > 0)) {
		r = ksave_mark_incomplete(dirfd, KSAVE_VMCORE_TMP);
		if (r == 0) {
			chk.incomplete |= VMCORE_INCOMPLETE_MARKED;
			klog(&k->log, KSAVE_LOG_INFO, "marked %s incomplete in its header",
			     KSAVE_VMCORE_TMP);
		}
	}
	if (cr.r < 0)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "%s", cr.err);
	else if (cr.st.incomplete)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "the collector could not save every page");
	else
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "the saved dump does not verify: %s",
			   chk.why[0] ? chk.why : "problems found");
	klog(&k->log, KSAVE_LOG_ERR, "%s keeps its name: %s, %s%s", KSAVE_VMCORE_TMP,
	     ksave_size(chk.size, sz, sizeof(sz)),
	     chk.format[0] ? "readable" : "not readable",
	     chk.incomplete & VMCORE_INCOMPLETE_MARKED ? " and marked incomplete" : "");
}

void ksave_save_dir(struct ksave *k, int rootfd, const char *where, KsaveResult *res)
{
	const KdumpConfig *cfg = k->cfg;
	char err[512], base[KSAVE_DIR_NAME_MAX], name[KSAVE_DIR_NAME_MAX + 8];
	char need[32], avail[32], minfree[32];
	_cleanup_close_ int pathfd = -1, dirfd = -1;
	_cleanup_free_ char *dirpath = NULL;
	struct space sp = { .enough = true, .fits = true };
	int r;

	r = ksave_open_dir_path(rootfd, cfg->path, true, &pathfd, err, sizeof(err));
	if (r < 0) {
		klog(&k->log, KSAVE_LOG_ERR, "%s (on %s)", err, k->target);
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s", err);
		return;
	}
	r = ksave_rotate(&k->log, pathfd, cfg->keep_old_dumps);
	if (r < 0)
		klog(&k->log, KSAVE_LOG_WARNING, "keep_old_dumps: %s", strerror(-r));
	r = ksave_space_check(k->v, k->dump_level, pathfd, cfg->min_free_space, &sp);
	if (r < 0)
		klog(&k->log, KSAVE_LOG_WARNING, "cannot tell the free space: %s", strerror(-r));
	else
		klog(&k->log, KSAVE_LOG_INFO, "space: the dump needs at most %s (%s), %s free, "
		     "min_free_space %s", ksave_size(sp.need, need, sizeof(need)),
		     sp.by_class ? "the pages dump level kept, uncompressed" : "all of RAM, "
		     "uncompressed", ksave_size(sp.avail, avail, sizeof(avail)),
		     ksave_size(cfg->min_free_space, minfree, sizeof(minfree)));

	r = ksave_dump_dir_name(k->id.host, k->id.crash_time, 1, base, sizeof(base));
	if (r == 0)
		r = ksave_make_dump_dir(pathfd, base, name, sizeof(name), &dirfd);
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot make the dump directory %s in %s: %s",
			   base, cfg->path, strerror(-r));
		klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
		return;
	}
	dirpath = ksave_path_join(cfg->path, name);
	snprintf(k->shown, sizeof(k->shown), "%s", dirpath ? dirpath : name);
	free(res->dir);
	res->dir = dirpath ? ksave_path_join(where, dirpath) : NULL;
	r = klog_attach(&k->log, dirfd);
	if (r < 0)
		klog(&k->log, KSAVE_LOG_WARNING, "cannot write %s: %s", KSAVE_LOG_NAME,
		     strerror(-r));
	klog(&k->log, KSAVE_LOG_NOTICE, "saving to %s on %s", k->shown, k->target);

	save_dmesg(k, dirfd);
	if (!sp.enough) {
		ksave_fail(res, k->dmesg_saved ? KSAVE_STATUS_DMESG_ONLY : KSAVE_STATUS_FAILED,
			   "not enough space on %s: the dump needs up "
			   "to %s, %s are free and min_free_space keeps %s", k->target, need, avail,
			   minfree);
		klog(&k->log, KSAVE_LOG_ERR, "%s: saving only %s", res->reason, KSAVE_DMESG_NAME);
		return;
	}
	if (!sp.fits)
		klog(&k->log, KSAVE_LOG_WARNING, "the dump may not fit (up to %s, %s free): trying "
		     "anyway, compressed it is often much smaller", need, avail);
	save_vmcore(k, dirfd, res);
}
