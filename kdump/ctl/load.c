/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading the capture kernel through libkexec-core, and the record of what was loaded
 * (/run/kdump-suite/loaded), which status compares with the current inputs.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kdump-util.h"
#include "kdumpctl.h"
#include "kexec-cmdline.h"

#define LOADED_RECORD KDUMPCTL_RUN_DIR "/loaded"

int ctl_capture_cmdline(const Ctl *c, const KdumpConfig *cfg, const char *running, char **ret)
{
	_cleanup_free_ char *append = NULL;
	KexecCmdlineSpec spec = { .base = KEXEC_CMDLINE_CAPTURE, .running = running,
				  .boot_cpu_apicid = -1 };
	KexecCtx kctx;
	const char *emergency;
	int r;

	/*
	 * If the initramfs fails before the agent runs (the root device never shows up), dracut
	 * gives a shell unless told otherwise: do what failure_action says instead.
	 */
	switch (cfg->failure_action) {
	case KDUMP_ACTION_SHELL:
		emergency = NULL;
		break;
	case KDUMP_ACTION_HALT:
		emergency = "halt";
		break;
	case KDUMP_ACTION_POWEROFF:
		emergency = "poweroff";
		break;
	default:
		emergency = "reboot";
		break;
	}
	/* Fewer udev workers: each costs memory the crash region is short of. */
	append = kdump_asprintf("rd.udev.children_max=2 rd.systemd.gpt_auto=0%s%s",
				emergency ? " rd.shell=0 rd.emergency=" : "",
				emergency ? emergency : "");
	if (!append)
		return -ENOMEM;
	spec.append = append;
	if (ctl_kexec_ctx(c, &kctx) == 0) {
		(void)kexec_boot_cpu_apicid(&kctx, &spec.boot_cpu_apicid);
		kexec_ctx_done(&kctx);
	}
	r = kexec_cmdline_build(&spec, ret);
	return r;
}

static int write_record(const Ctl *c, const char *text)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_RUN_DIR);
	_cleanup_close_ int fd = -1;
	int r;

	if (!dir)
		return -ENOMEM;
	r = ctl_mkdir_p(dir, 0755);
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	return kdump_write_file_atomic(fd, "loaded", text, 0644, NULL);
}

int ctl_load(const Ctl *c, const CtlFacts *f, const KdumpConfig *cfg, const char *initrd,
	     const char *inputs_digest, KexecError *e)
{
	_cleanup_free_ char *cmdline = NULL, *kernel = NULL, *rd = NULL, *record = NULL;
	KexecLoadRequest req = { .crash = 1 };
	KexecCtx kctx;
	int r;

	if (!f->kernel_image)
		return kexec_error_set(e, -ENOENT, KEXEC_ORIGIN_FILES,
				       "no kernel image found for the running kernel %s", f->kver);
	r = ctl_capture_cmdline(c, cfg, f->cmdline, &cmdline);
	if (r < 0)
		return kexec_error_set(e, r, KEXEC_ORIGIN_SYSTEM,
				       "cannot build the capture kernel's command line: %s",
				       strerror(-r));
	kernel = ctl_path(c, f->kernel_image);
	rd = ctl_path(c, initrd);
	if (!kernel || !rd)
		return -ENOMEM;
	req.kernel = kernel;
	req.initrd = rd;
	req.cmdline = cmdline;
	r = ctl_kexec_ctx(c, &kctx);
	if (r < 0)
		return kexec_error_set(e, r, KEXEC_ORIGIN_SYSTEM, "cannot open the root: %s",
				       strerror(-r));
	r = kexec_load_kernel(&kctx, &req, e);
	kexec_ctx_done(&kctx);
	if (r < 0)
		return r;
	record = kdump_asprintf("kernel=%s\ninitrd=%s\ninputs=%s\ncmdline=%s\n", f->kernel_image,
				initrd, inputs_digest ? inputs_digest : "", cmdline);
	if (!record)
		return -ENOMEM;
	/* Loaded: a record that cannot be written only costs status its comparison. */
	(void)write_record(c, record);
	return 0;
}

int ctl_unload(const Ctl *c, KexecError *e)
{
	_cleanup_free_ char *record = ctl_path(c, LOADED_RECORD);
	KexecCtx kctx;
	int r;

	if (!record)
		return -ENOMEM;
	r = ctl_kexec_ctx(c, &kctx);
	if (r < 0)
		return kexec_error_set(e, r, KEXEC_ORIGIN_SYSTEM, "cannot open the root: %s",
				       strerror(-r));
	r = kexec_unload_kernel(&kctx, 1, e);
	kexec_ctx_done(&kctx);
	if (r == 0)
		(void)unlink(record);
	return r;
}

static int record_value(const char *text, const char *key, char **ret)
{
	size_t klen = strlen(key);

	for (const char *p = text; *p;) {
		size_t len = strcspn(p, "\n");

		if (len > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
			*ret = strndup(p + klen + 1, len - klen - 1);
			return *ret ? 0 : -ENOMEM;
		}
		p += len + (p[len] == '\n');
	}
	*ret = strdup("");
	return *ret ? 0 : -ENOMEM;
}

int ctl_loaded_read(const Ctl *c, CtlLoaded *ret)
{
	_cleanup_free_ char *text = NULL;
	CtlLoaded l = { 0 };
	int r;

	r = ctl_read_file(c, LOADED_RECORD, 65536, &text);
	if (r < 0)
		return r;
	r = record_value(text, "kernel", &l.kernel);
	if (r == 0)
		r = record_value(text, "initrd", &l.initrd);
	if (r == 0)
		r = record_value(text, "inputs", &l.inputs);
	if (r == 0)
		r = record_value(text, "cmdline", &l.cmdline);
	if (r < 0) {
		ctl_loaded_done(&l);
		return r;
	}
	*ret = l;
	return 0;
}

void ctl_loaded_done(CtlLoaded *l)
{
	free(l->kernel);
	free(l->initrd);
	free(l->inputs);
	free(l->cmdline);
	*l = (CtlLoaded){ 0 };
}
