/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Is kdump ready, and if not, why: every reason at once, each with what to do about it. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kdump-crashkernel.h"
#include "kdump-util.h"
#include "kdumpctl.h"

static const char *const reason_names[_CTL_REASON_MAX] = {
	[CTL_REASON_CONFIG] = "config-error",
	[CTL_REASON_NO_KEXEC] = "no-kexec",
	[CTL_REASON_NO_RESERVATION] = "no-reservation",
	[CTL_REASON_SMALL_RESERVATION] = "reservation-small",
	[CTL_REASON_NO_KERNEL] = "no-kernel-image",
	[CTL_REASON_NO_AGENT] = "no-agent",
	[CTL_REASON_INPUT_MISSING] = "input-missing",
	[CTL_REASON_NO_INITRAMFS] = "initramfs-missing",
	[CTL_REASON_STALE_INITRAMFS] = "initramfs-stale",
	[CTL_REASON_NOT_LOADED] = "not-loaded",
	[CTL_REASON_LOADED_STALE] = "loaded-stale",
	[CTL_REASON_LOADED_OTHER] = "loaded-by-other",
	[CTL_REASON_LAST_TEST] = "last-test-failed",
	[CTL_REASON_LAST_CAPTURE] = "last-capture-failed",
};

const char *ctl_reason_name(CtlReason r)
{
	return r < _CTL_REASON_MAX ? reason_names[r] : "unknown";
}

static int add(CtlStatus *s, CtlReason reason, bool warning, const char *hint,
	       const char *fmt, ...) _printf_(5, 6);
static int add(CtlStatus *s, CtlReason reason, bool warning, const char *hint,
	       const char *fmt, ...)
{
	CtlProblem *p;
	va_list ap;
	char *msg;

	if (s->n >= CTL_STATUS_MAX_PROBLEMS)
		return 0;
	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return -ENOMEM;
	p = &s->problems[s->n++];
	*p = (CtlProblem){ .reason = reason, .warning = warning, .message = msg };
	if (hint && !(p->hint = strdup(hint)))
		return -ENOMEM;
	if (!warning)
		s->ready = false;
	return 0;
}

static int check_reservation(const Ctl *c, const CtlFacts *f, CtlStatus *s)
{
	KdumpReservation res;
	KdumpError e = { 0 };
	char a[CTL_SIZE_MAX];
	int r;

	s->reserved = kexec_status_region(&f->kexec);
	if (s->reserved != 0)
		return 0;
	r = kdump_crashkernel_from_cmdline(f->cmdline, f->system_ram, &res, &e);
	if (r == -ENOENT)
		return add(s, CTL_REASON_NO_RESERVATION, false,
			   "kdumpctl crashkernel --set auto, then reboot",
			   "no memory is reserved for the capture kernel: the kernel was booted "
			   "without crashkernel=");
	if (r < 0)
		return add(s, CTL_REASON_NO_RESERVATION, false,
			   "kdumpctl crashkernel --set auto, then reboot",
			   "no memory is reserved for the capture kernel: %s", e.message);
	return add(s, CTL_REASON_NO_RESERVATION, false,
		   "look for 'crashkernel' in the kernel log (journalctl -k) for why, or try a "
		   "smaller size",
		   "no memory is reserved for the capture kernel, although the command line "
		   "asks for %s", ctl_size(res.size, a, sizeof(a)));
}

/* Compare the reservation with what the built initramfs needs. */
static int check_size(const Ctl *c, const CtlFacts *f, CtlStatus *s)
{
	CtlEstimate est;
	char a[CTL_SIZE_MAX], b[CTL_SIZE_MAX];
	int r;

	if (s->reserved <= 0 || !f->kernel_image)
		return 0;
	if (ctl_estimate_compute(c, f, &est, NULL) < 0)
		return 0;
	r = 0;
	if (est.initrd && (uint64_t)s->reserved < est.est.need_bytes)
		r = add(s, CTL_REASON_SMALL_RESERVATION, true,
			"kdumpctl crashkernel --set auto, then reboot",
			"%s reserved, but the capture kernel needs about %s (kdumpctl estimate "
			"recommends crashkernel=%s)", ctl_size((uint64_t)s->reserved, a, sizeof(a)),
			ctl_size(est.est.need_bytes, b, sizeof(b)), est.est.crashkernel);
	ctl_estimate_done(&est);
	return r;
}

static int check_initramfs(const Ctl *c, const KdumpConfig *cfg, const CtlFacts *f,
			   CtlStatus *s, char *digest, size_t digest_size)
{
	_cleanup_strv_free_ char **changed = NULL;
	_cleanup_free_ char *list = NULL;
	CtlBuildPlan plan = { 0 };
	CtlInputs in = { 0 };
	KdumpDiags d;
	KdumpError e = { 0 };
	CtlRebuild rb;
	int r;

	kdump_diags_init(&d);
	r = ctl_build_plan(c, cfg, f->kver, &plan, &d);
	if (r == -EINVAL) {
		for (size_t i = 0; i < d.n && r != -ENOMEM; i++) {
			bool agent = strcmp(d.items[i].file, KDUMPCTL_AGENT) == 0;

			r = add(s, agent ? CTL_REASON_NO_AGENT : CTL_REASON_INPUT_MISSING, false,
				agent ? "install kdump-suite completely" : d.items[i].hint,
				"%s%s%s", agent ? KDUMPCTL_AGENT ": " : "", d.items[i].message,
				agent ? "" : " (kdump.conf)");
		}
		kdump_diags_done(&d);
		return r == -ENOMEM ? r : 0;
	}
	kdump_diags_done(&d);
	if (r < 0)
		return r;
	r = ctl_inputs_collect(c, &plan, &in, &e);
	if (r == 0)
		r = ctl_rebuild_needed(c, cfg, &plan, &in, &rb, &changed);
	if (r == 0)
		snprintf(digest, digest_size, "%s", in.digest);
	ctl_inputs_done(&in);
	ctl_build_plan_done(&plan);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return add(s, CTL_REASON_INPUT_MISSING, false, NULL, "%s", e.message);
	list = changed ? kdump_strv_join(changed, ", ") : NULL;
	switch (rb) {
	case CTL_REBUILD_MISSING:
		return add(s, CTL_REASON_NO_INITRAMFS, false, "kdumpctl start (or kdumpctl rebuild)",
			   "the capture initramfs %s is not built", s->initramfs);
	case CTL_REBUILD_CHANGED:
		return add(s, CTL_REASON_STALE_INITRAMFS, false, "kdumpctl restart",
			   "the capture initramfs is out of date: changed since it was built: %s",
			   list ? list : "?");
	case CTL_REBUILD_FORBIDDEN:
		if (!changed)
			return add(s, CTL_REASON_NO_INITRAMFS, false,
				   "install a prebuilt one, or set force_no_rebuild 0",
				   "the capture initramfs %s is missing and force_no_rebuild is set",
				   s->initramfs);
		return add(s, CTL_REASON_STALE_INITRAMFS, true, NULL,
			   "the capture initramfs is older than its inputs (%s); force_no_rebuild "
			   "keeps it", list ? list : "?");
	default:
		return 0;
	}
}

static int check_loaded(const Ctl *c, const KdumpConfig *cfg, const CtlFacts *f,
			CtlStatus *s, const char *digest)
{
	CtlLoaded l;
	int r;

	s->loaded = f->kexec.crash_loaded;
	if (s->loaded != 1)
		return add(s, CTL_REASON_NOT_LOADED, false, "systemctl start kdump",
			   "no capture kernel is loaded");
	r = ctl_loaded_read(c, &l);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		return add(s, CTL_REASON_LOADED_OTHER, true, NULL,
			   "a capture kernel is loaded, but not by kdumpctl: it may not save "
			   "dumps as kdump.conf says");
	r = 0;
	if (*digest && strcmp(l.inputs, digest) != 0)
		r = add(s, CTL_REASON_LOADED_STALE, cfg && cfg->force_no_rebuild,
			"kdumpctl restart",
			"the loaded capture kernel was prepared from other inputs than the current "
			"ones");
	else if (strcmp(l.kernel, f->kernel_image ? f->kernel_image : "") != 0)
		r = add(s, CTL_REASON_LOADED_STALE, false, "kdumpctl restart",
			"the loaded capture kernel is %s, not the running kernel's image",
			l.kernel);
	ctl_loaded_done(&l);
	return r;
}

int ctl_last_test_record(const Ctl *c, int64_t when)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_STATE_DIR);
	_cleanup_free_ char *text = kdump_asprintf("time=%lld\n", (long long)when);
	_cleanup_close_ int fd = -1;
	int r;

	if (!dir || !text)
		return -ENOMEM;
	r = ctl_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return kdump_write_file_atomic(fd, "last-test-panic", text, 0644, NULL);
}

/* The newest dump at or after t in dir, if any: its state and its name. */
static bool dump_since(const char *dir, int64_t t, CtlDumpState *state, char *name, size_t size)
{
	CtlDumps d;
	bool found = false;

	if (ctl_dumps_scan(dir, &d) < 0)
		return false;
	for (size_t i = 0; i < d.n; i++)
		if (d.items[i].time >= t - 5) { /* the crash comes a moment after the record */
			found = true;
			*state = d.items[i].state;
			snprintf(name, size, "%s", d.items[i].dir);
		}
	ctl_dumps_done(&d);
	return found;
}

/* The same on the ssh server (one connection, bounded by ssh's timeouts). */
static bool remote_dump_since(const Ctl *c, const KdumpConfig *cfg, int64_t t,
			      CtlDumpState *state, char *name, size_t size)
{
	CtlDumps d = { 0 };
	CtlSsh s;
	bool found = false;

	if (ctl_ssh_init(c, cfg, &s, NULL) < 0)
		return false;
	if (ctl_remote_scan(&s, &d, NULL) == 0)
		for (size_t i = 0; i < d.n; i++)
			if (d.items[i].time >= t - 5) {
				found = true;
				*state = d.items[i].state;
				snprintf(name, size, "%s", d.items[i].dir);
			}
	ctl_dumps_done(&d);
	ctl_ssh_done(&s);
	return found;
}

int ctl_last_fallback(const char *dir, char **ret_name, char **ret_reason)
{
	_cleanup_free_ char *log = NULL, *text = NULL;
	CtlDumps d;
	const char *mark, *line, *end;
	char *reason;
	FILE *f;
	size_t len = 0;
	int r;

	r = ctl_dumps_scan(dir, &d);
	if (r < 0)
		return r;
	if (d.n == 0) {
		ctl_dumps_done(&d);
		return 0;
	}
	log = kdump_asprintf("%s/%s/kdump-save.log", dir, d.items[d.n - 1].dir);
	f = log ? fopen(log, "re") : NULL;
	if (f) {
		text = malloc(1 << 20);
		len = text ? fread(text, 1, (1 << 20) - 1, f) : 0;
		fclose(f);
		if (text)
			text[len] = '\0';
	}
	mark = text ? strstr(text, "failure_action dump_to_rootfs: saving to the root filesystem "
				    "instead") : NULL;
	if (!mark) {
		ctl_dumps_done(&d);
		return 0;
	}
	/* the line before the mark's: the failed attempt's final line */
	end = mark;
	while (end > text && end[-1] != '\n')
		end--;
	while (end > text && end[-1] == '\n')
		end--;
	line = end;
	while (line > text && line[-1] != '\n')
		line--;
	reason = strndup(line, (size_t)(end - line));
	*ret_name = strdup(d.items[d.n - 1].dir);
	ctl_dumps_done(&d);
	if (!reason || !*ret_name) {
		free(reason);
		free(*ret_name);
		return -ENOMEM;
	}
	*ret_reason = reason;
	return 1;
}

/*
 * failure_action dump_to_rootfs saved the newest dump of the root filesystem: the target
 * failed at the last capture. Said until a newer dump is there (or this one is moved away).
 */
static int check_last_capture(const Ctl *c, const KdumpConfig *cfg, CtlStatus *s)
{
	_cleanup_free_ char *dir = NULL, *name = NULL, *reason = NULL;
	int r;

	if (!cfg || cfg->failure_action != KDUMP_ACTION_DUMP_TO_ROOTFS ||
	    cfg->target == KDUMP_TARGET_ROOTFS)
		return 0;
	dir = ctl_path(c, cfg->path);
	if (!dir)
		return -ENOMEM;
	r = ctl_last_fallback(dir, &name, &reason);
	if (r == -ENOMEM)
		return r;
	if (r <= 0)
		return 0;
	/* "kdump-save: error: no dump saved: ..." -> from "no dump saved" on */
	{
		const char *p = strstr(reason, "error: ");
		const char *why = p ? p + strlen("error: ") : reason;

		return add(s, CTL_REASON_LAST_CAPTURE, true, "kdump-save.log beside the dump has "
			   "the whole story; 'kdumpctl list' shows what the target holds",
			   "the last capture could not save to the target and failure_action "
			   "dump_to_rootfs saved it in %s/%s instead: %s", cfg->path, name, why);
	}
}

/* Did the last test-panic leave a complete dump? (The capture kernel cannot tell us.) */
static int check_last_test(const Ctl *c, const KdumpConfig *cfg, CtlStatus *s)
{
	_cleanup_free_ char *text = NULL, *dir = NULL, *rootfs = NULL;
	CtlDumpState state = CTL_DUMP_UNREADABLE;
	char name[256] = "", when[32];
	long long t;
	time_t tt;
	struct tm tm;
	bool found;

	if (!cfg || ctl_read_file(c, CTL_LAST_TEST_PANIC, 256, &text) < 0 ||
	    sscanf(text, "time=%lld", &t) != 1)
		return 0;
	tt = (time_t)t;
	if (!gmtime_r(&tt, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(when, sizeof(when), "%lld", t);
	if (cfg->target == KDUMP_TARGET_SSH)
		found = remote_dump_since(c, cfg, t, &state, name, sizeof(name));
	else
		found = ctl_dumps_dir(c, cfg, &dir, NULL) == 0 &&
			dump_since(dir, t, &state, name, sizeof(name));
	/* a target that failed leaves the dump to failure_action dump_to_rootfs: a complete one
	 * there is what the test made (the target may hold the incomplete attempt) */
	if ((!found || state != CTL_DUMP_COMPLETE) &&
	    cfg->failure_action == KDUMP_ACTION_DUMP_TO_ROOTFS && cfg->target != KDUMP_TARGET_ROOTFS) {
		CtlDumpState st2 = CTL_DUMP_UNREADABLE;
		char name2[256] = "";

		rootfs = ctl_path(c, cfg->path);
		if (rootfs && dump_since(rootfs, t, &st2, name2, sizeof(name2)) &&
		    (!found || st2 == CTL_DUMP_COMPLETE)) {
			found = true;
			state = st2;
			snprintf(name, sizeof(name), "%s", name2);
		}
	}
	if (!found)
		return add(s, CTL_REASON_LAST_TEST, true, "the capture kernel's console output says "
			   "why; often the reservation is too small (kdumpctl estimate)",
			   "the last test-panic (%s) saved no dump", when);
	if (state != CTL_DUMP_COMPLETE)
		return add(s, CTL_REASON_LAST_TEST, true, "kdump-save.log beside the dump says why",
			   "the last test-panic (%s) saved only a %s dump: %s", when,
			   ctl_dump_state_name(state), name);
	return 0;
}

int ctl_status_evaluate(const Ctl *c, CtlStatus *ret)
{
	CtlStatus s = { .ready = true, .reserved = -1, .loaded = -1 };
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	CtlFacts f;
	KdumpDiags d;
	char digest[65] = "";
	bool stale;
	int r;

	r = ctl_facts_read(c, &f);
	if (r < 0)
		return r;
	snprintf(s.kver, sizeof(s.kver), "%s", f.kver);
	s.initramfs = ctl_initramfs_path(f.kver);
	s.config = strdup(c->config_path);
	if (!s.initramfs || !s.config) {
		r = -ENOMEM;
		goto out;
	}
	kdump_diags_init(&d);
	r = ctl_config_load(c, &cfg, &d);
	if (r < 0 && r != -ENOMEM) {
		_cleanup_free_ char *first = NULL;

		for (size_t i = 0; i < d.n && !first; i++)
			if (d.items[i].severity == KDUMP_SEVERITY_ERROR)
				(void)kdump_diag_format(&d.items[i], &first);
		r = add(&s, CTL_REASON_CONFIG, false, "kdumpctl check-config lists every problem",
			"%s has %zu error%s%s%s", c->config_path, d.n_errors,
			d.n_errors == 1 ? "" : "s", first ? ", the first: " : "",
			first ? first : "");
	}
	kdump_diags_done(&d);
	if (r < 0)
		goto out;
	if (!f.have_kexec)
		r = add(&s, CTL_REASON_NO_KEXEC, false, "use a kernel built with CONFIG_KEXEC_FILE "
			"and CONFIG_CRASH_DUMP", "the running kernel has no kexec support "
			"(/sys/kernel/kexec_crash_loaded is missing)");
	if (r == 0)
		r = check_reservation(c, &f, &s);
	if (r == 0 && !f.kernel_image)
		r = add(&s, CTL_REASON_NO_KERNEL, false, "install the kernel package's image",
			"no image of the running kernel %s in /boot or /lib/modules/%s", f.kver,
			f.kver);
	if (r == 0 && cfg && f.kernel_image)
		r = check_initramfs(c, cfg, &f, &s, digest, sizeof(digest));
	stale = false;
	for (size_t i = 0; i < s.n; i++)
		if (s.problems[i].reason == CTL_REASON_STALE_INITRAMFS)
			stale = true;
	if (r == 0 && f.have_kexec)
		r = check_loaded(c, cfg, &f, &s, stale ? "" : digest);
	if (r == 0)
		r = check_size(c, &f, &s);
	if (r == 0)
		r = check_last_test(c, cfg, &s);
	if (r == 0)
		r = check_last_capture(c, cfg, &s);
out:
	ctl_facts_done(&f);
	if (r < 0) {
		ctl_status_done(&s);
		return r;
	}
	*ret = s;
	return 0;
}

void ctl_status_done(CtlStatus *s)
{
	for (size_t i = 0; i < s->n; i++) {
		free(s->problems[i].message);
		free(s->problems[i].hint);
	}
	free(s->initramfs);
	free(s->config);
	*s = (CtlStatus){ 0 };
}
