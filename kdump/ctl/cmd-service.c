/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* start, stop, restart, reload, rebuild: what kdump.service runs. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "kdump-crashkernel.h"
#include "kdump-util.h"
#include "kdumpctl.h"

/* One kdumpctl at a time changes the state (udev reloads and the service may race). */
static int take_lock(const Ctl *c)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_RUN_DIR);
	_cleanup_free_ char *path = ctl_path(c, KDUMPCTL_RUN_DIR "/lock");
	int fd, r;

	if (!dir || !path)
		return -ENOMEM;
	r = ctl_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (fd < 0)
		return negative_errno();
	if (flock(fd, LOCK_EX) < 0) {
		r = negative_errno();
		close(fd);
		return r;
	}
	return fd;
}

/* Configuration problems, as the log wants them; CTL_EXIT_CONFIG when there are errors. */
static int report_diags(const Ctl *c, const KdumpDiags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		const KdumpDiag *x = &d->items[i];
		bool err = x->severity == KDUMP_SEVERITY_ERROR;

		ctl_log(&c->log, err ? CTL_LOG_ERR : CTL_LOG_WARNING, NULL,
			err ? "config-error" : NULL, "%s:%u: %s%s%s%s", x->file, x->line,
			x->message, x->hint ? " (" : "", x->hint ? x->hint : "", x->hint ? ")" : "");
	}
	return d->n_errors ? CTL_EXIT_CONFIG : CTL_EXIT_OK;
}

static int load_config(const Ctl *c, KdumpConfig **ret)
{
	KdumpDiags d;
	int r;

	kdump_diags_init(&d);
	r = ctl_config_load(c, ret, &d);
	(void)report_diags(c, &d);
	kdump_diags_done(&d);
	if (r == -ENOMEM)
		return CTL_EXIT_FAILURE;
	if (r < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "config-error",
			"kdump is not ready: %s has errors", c->config_path);
		return CTL_EXIT_CONFIG;
	}
	return CTL_EXIT_OK;
}

static int check_system(const Ctl *c, const CtlFacts *f)
{
	char a[CTL_SIZE_MAX];
	int64_t region = kexec_status_region(&f->kexec);

	if (!f->have_kexec) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "no-kexec", "kdump is not ready: the "
			"running kernel has no kexec support (/sys/kernel/kexec_crash_loaded)");
		return CTL_EXIT_FAILURE;
	}
	if (region == 0) {
		bool asked = kdump_crashkernel_from_cmdline(f->cmdline, f->system_ram,
							    &(KdumpReservation){ 0 }, NULL) == 0;

		ctl_log(&c->log, CTL_LOG_ERR, "failed", "no-reservation",
			"kdump is not ready: no memory is reserved for the capture kernel (%s); "
			"run 'kdumpctl crashkernel --set auto' and reboot",
			asked ? "crashkernel= is on the command line, but the kernel reserved "
				"nothing: see journalctl -k" : "booted without crashkernel=");
		return CTL_EXIT_FAILURE;
	}
	if (!f->kernel_image) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "no-kernel-image",
			"kdump is not ready: no image of the running kernel %s in /boot", f->kver);
		return CTL_EXIT_FAILURE;
	}
	if (region > 0)
		ctl_log(&c->log, CTL_LOG_INFO, NULL, NULL, "%s reserved for the capture kernel",
			ctl_size((uint64_t)region, a, sizeof(a)));
	return CTL_EXIT_OK;
}

static int open_build_log(const Ctl *c, const char *kver)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_STATE_DIR);
	_cleanup_free_ char *p = kdump_asprintf("%s/dracut-%s.log", dir ? dir : "", kver);

	if (!dir || !p || c->args->verbose)
		return -1;
	(void)ctl_mkdir_p(dir, 0755);
	return open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
}

/* The last lines of the build log, after a failure. */
static void show_log_tail(const Ctl *c, const char *kver)
{
	_cleanup_free_ char *p = kdump_asprintf(KDUMPCTL_STATE_DIR "/dracut-%s.log", kver);
	_cleanup_free_ char *text = NULL;
	const char *s;
	int lines = 0;

	if (!p || ctl_read_file(c, p, 1 << 20, &text) < 0 || !text[0])
		return;
	for (s = text + strlen(text); s > text && lines < 16; s--)
		if (s[-1] == '\n')
			lines++;
	ctl_log(&c->log, CTL_LOG_INFO, NULL, NULL, "the end of %s:\n%s", p, s);
}

/* After a failed build: a full /var is the usual cause, and dracut's log may not even fit. */
static void show_free_space(const Ctl *c)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_STATE_DIR);
	char a[CTL_SIZE_MAX];
	struct statvfs sv;
	uint64_t avail;

	if (!dir || statvfs(dir, &sv) < 0)
		return;
	avail = (uint64_t)sv.f_bavail * sv.f_frsize;
	if (avail < (UINT64_C(64) << 20))
		ctl_log(&c->log, CTL_LOG_ERR, NULL, NULL, "only %s free in %s: the capture initramfs "
			"needs tens of MiB there (is the disk full?)", ctl_size(avail, a, sizeof(a)),
			KDUMPCTL_STATE_DIR);
}

static int build(const Ctl *c, const KdumpConfig *cfg, const CtlBuildPlan *plan,
		 const CtlInputs *in, const char *why)
{
	_cleanup_close_ int log_fd = open_build_log(c, plan->kver);
	KdumpInitramfs m;
	KdumpError e = { 0 };
	char a[CTL_SIZE_MAX], b[CTL_SIZE_MAX];
	int r;

	ctl_log(&c->log, CTL_LOG_NOTICE, NULL, NULL, "building the capture initramfs %s (%s)",
		plan->output, why);
	r = ctl_build_initramfs(c, cfg, plan, in, log_fd, &e);
	if (r < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "build-failed",
			"cannot build the capture initramfs: %s", e.message);
		show_log_tail(c, plan->kver);
		show_free_space(c);
		return CTL_EXIT_FAILURE;
	}
	{
		_cleanup_free_ char *p = ctl_path(c, plan->output);

		if (p && kdump_initramfs_measure(p, &m, NULL) == 0)
			ctl_log(&c->log, CTL_LOG_NOTICE, "built", NULL,
				"built %s: %s, %s unpacked (%s)", plan->output,
				ctl_size(m.file_size, a, sizeof(a)),
				ctl_size(m.unpacked_size, b, sizeof(b)), m.compression);
	}
	return CTL_EXIT_OK;
}

/* Resolve, hash, and build when needed (never with no_build). */
static int prepare(const Ctl *c, const KdumpConfig *cfg, const char *kver, bool force,
		   bool no_build, CtlBuildPlan *plan, CtlInputs *in)
{
	_cleanup_strv_free_ char **changed = NULL;
	_cleanup_free_ char *list = NULL;
	KdumpDiags d;
	KdumpError e = { 0 };
	CtlRebuild rb;
	int r;

	kdump_diags_init(&d);
	r = ctl_build_plan(c, cfg, kver, plan, &d);
	(void)report_diags(c, &d);
	kdump_diags_done(&d);
	if (r < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "input-missing",
			"kdump is not ready: what kdump.conf names is not all there");
		return r == -EINVAL ? CTL_EXIT_CONFIG : CTL_EXIT_FAILURE;
	}
	r = ctl_inputs_collect(c, plan, in, &e);
	if (r == 0)
		r = ctl_rebuild_needed(c, cfg, plan, in, &rb, &changed);
	if (r < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "input-missing", "%s",
			e.error ? e.message : strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	list = changed ? kdump_strv_join(changed, ", ") : NULL;
	if (force)
		return build(c, cfg, plan, in, "kdumpctl rebuild");
	switch (rb) {
	case CTL_REBUILD_NO:
		return CTL_EXIT_OK;
	case CTL_REBUILD_FORBIDDEN:
		if (!changed) {
			ctl_log(&c->log, CTL_LOG_ERR, "failed", "initramfs-missing",
				"the capture initramfs %s is missing and force_no_rebuild is set",
				plan->output);
			return CTL_EXIT_FAILURE;
		}
		ctl_log(&c->log, CTL_LOG_WARNING, NULL, "initramfs-stale",
			"using the capture initramfs as it is (force_no_rebuild), although these "
			"changed: %s", list ? list : "?");
		return CTL_EXIT_OK;
	default:
		break;
	}
	if (no_build && rb == CTL_REBUILD_MISSING) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "initramfs-missing",
			"the capture initramfs %s is not built: kdumpctl start builds it",
			plan->output);
		return CTL_EXIT_FAILURE;
	}
	if (no_build) {
		ctl_log(&c->log, CTL_LOG_WARNING, NULL, "initramfs-stale",
			"the capture initramfs is out of date (changed: %s); reload keeps it, "
			"kdumpctl restart rebuilds it", list ? list : "?");
		return CTL_EXIT_OK;
	}
	return build(c, cfg, plan, in, rb == CTL_REBUILD_MISSING ? "not built yet" :
				       rb == CTL_REBUILD_FORCED ? "force_rebuild 1" :
				       list ? list : "inputs changed");
}

static int arm(Ctl *c, bool no_build)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	_cleanup_close_ int lock = -1;
	CtlBuildPlan plan = { 0 };
	CtlInputs in = { 0 };
	KexecError e = { 0 };
	CtlFacts f;
	CtlLoaded l;
	char a[CTL_SIZE_MAX];
	int r;

	lock = take_lock(c);
	if (lock < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", NULL, "cannot lock %s: %s",
			KDUMPCTL_RUN_DIR "/lock", strerror(-lock));
		return CTL_EXIT_FAILURE;
	}
	r = ctl_facts_read(c, &f);
	if (r < 0)
		return CTL_EXIT_FAILURE;
	r = load_config(c, &cfg);
	if (r == CTL_EXIT_OK)
		r = check_system(c, &f);
	if (r == CTL_EXIT_OK && cfg->target == KDUMP_TARGET_RAW)
		r = ctl_recover_raw(c, cfg);
	/* network targets: the network may come up after kdump.service at boot */
	if (r == CTL_EXIT_OK && (cfg->target == KDUMP_TARGET_SSH || cfg->target == KDUMP_TARGET_NFS) &&
	    ctl_net_wait(c, cfg, 90) < 0)
		ctl_log(&c->log, CTL_LOG_WARNING, NULL, NULL, "no route to the dump server after 90 s");
	if (r == CTL_EXIT_OK)
		r = prepare(c, cfg, f.kver, false, no_build, &plan, &in);
	if (r != CTL_EXIT_OK)
		goto out;
	if (f.kexec.crash_loaded == 1 && !no_build && ctl_loaded_read(c, &l) == 0) {
		bool same = strcmp(l.inputs, in.digest) == 0 &&
			    strcmp(l.kernel, f.kernel_image) == 0;

		ctl_loaded_done(&l);
		if (same) {
			ctl_log(&c->log, CTL_LOG_NOTICE, "ready", NULL,
				"kdump is ready: the capture kernel %s is already loaded", f.kver);
			goto out;
		}
	}
	if (ctl_load(c, &f, cfg, plan.output, in.digest, &e) < 0) {
		ctl_print_kexec_error(c, &e);
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "load-failed",
			"kdump is not ready: the capture kernel could not be loaded");
		r = CTL_EXIT_FAILURE;
		goto out;
	}
	ctl_log(&c->log, CTL_LOG_NOTICE, "ready", NULL,
		"kdump is ready: capture kernel %s loaded with %s into %s of reserved memory",
		f.kver, plan.output, ctl_size((uint64_t)kexec_status_region(&f.kexec), a,
					       sizeof(a)));
out:
	kexec_error_done(&e);
	ctl_inputs_done(&in);
	ctl_build_plan_done(&plan);
	ctl_facts_done(&f);
	return r;
}

int cmd_start(Ctl *c)
{
	return arm(c, false);
}

static int disarm(Ctl *c)
{
	KexecError e = { 0 };
	CtlFacts f;
	int r, was;

	r = ctl_facts_read(c, &f);
	if (r < 0)
		return CTL_EXIT_FAILURE;
	was = f.kexec.crash_loaded;
	ctl_facts_done(&f);
	r = ctl_unload(c, &e);
	if (r < 0) {
		ctl_print_kexec_error(c, &e);
		kexec_error_done(&e);
		return CTL_EXIT_FAILURE;
	}
	ctl_log(&c->log, CTL_LOG_NOTICE, "unloaded", NULL, "%s",
		was == 0 ? "no capture kernel was loaded" : "capture kernel unloaded");
	return CTL_EXIT_OK;
}

int cmd_stop(Ctl *c)
{
	_cleanup_close_ int lock = take_lock(c);

	if (lock < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", NULL, "cannot lock %s: %s",
			KDUMPCTL_RUN_DIR "/lock", strerror(-lock));
		return CTL_EXIT_FAILURE;
	}
	return disarm(c);
}

int cmd_restart(Ctl *c)
{
	int r = cmd_stop(c);

	return r == CTL_EXIT_OK ? cmd_start(c) : r;
}

int cmd_reload(Ctl *c)
{
	int r = cmd_stop(c);

	return r == CTL_EXIT_OK ? arm(c, true) : r;
}

int cmd_rebuild(Ctl *c)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	_cleanup_close_ int lock = take_lock(c);
	CtlBuildPlan plan = { 0 };
	CtlInputs in = { 0 };
	CtlFacts f;
	int r;

	if (lock < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", NULL, "cannot lock %s: %s",
			KDUMPCTL_RUN_DIR "/lock", strerror(-lock));
		return CTL_EXIT_FAILURE;
	}
	r = ctl_facts_read(c, &f);
	if (r < 0)
		return CTL_EXIT_FAILURE;
	r = load_config(c, &cfg);
	if (r == CTL_EXIT_OK)
		r = prepare(c, cfg, f.kver, true, false, &plan, &in);
	if (r == CTL_EXIT_OK && f.kexec.crash_loaded == 1)
		ctl_log(&c->log, CTL_LOG_NOTICE, NULL, NULL,
			"the loaded capture kernel still has the old initramfs: kdumpctl reload");
	ctl_inputs_done(&in);
	ctl_build_plan_done(&plan);
	ctl_facts_done(&f);
	return r;
}
