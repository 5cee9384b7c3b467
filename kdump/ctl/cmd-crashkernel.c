/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crashkernel --set SIZE|auto: crashkernel= for the next boot, through the boot loader. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "kdump-crashkernel.h"
#include "kdump-util.h"
#include "kdumpctl.h"

/* The value kdumpctl set last time, so that it may replace its own value without --force. */
#define OURS_STATE KDUMPCTL_STATE_DIR "/crashkernel"

static char *read_ours(const Ctl *c)
{
	char *s = NULL;

	if (ctl_read_file(c, OURS_STATE, 256, &s) < 0)
		return NULL;
	s[strcspn(s, "\n")] = '\0';
	return s;
}

static int save_ours(const Ctl *c, const char *value, KdumpError *e)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_STATE_DIR);
	_cleanup_free_ char *text = kdump_asprintf("%s\n", value);
	_cleanup_close_ int fd = -1;

	if (!dir || !text)
		return -ENOMEM;
	(void)ctl_mkdir_p(dir, 0755);
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return kdump_error_set(e, negative_errno(), "cannot open %s: %m", dir);
	return kdump_write_file_atomic(fd, "crashkernel", text, 0644, e);
}

/* "auto" is the estimate; anything else must be a valid crashkernel= value. */
static int resolve_value(const Ctl *c, const CtlFacts *f, char *buf, size_t size)
{
	KdumpCrashkernel ck;
	KdumpError e = { 0 };
	CtlEstimate est;

	if (strcmp(c->args->set, "auto") != 0) {
		if (kdump_crashkernel_parse(c->args->set, &ck, &e) < 0) {
			fprintf(stderr, "kdumpctl: crashkernel=%s: %s\n", c->args->set, e.message);
			return CTL_EXIT_USAGE;
		}
		snprintf(buf, size, "%s", c->args->set);
		return CTL_EXIT_OK;
	}
	if (ctl_estimate_compute(c, f, &est, &e) < 0) {
		fprintf(stderr, "kdumpctl: cannot estimate the size for 'auto': %s\n", e.message);
		return CTL_EXIT_FAILURE;
	}
	snprintf(buf, size, "%s", est.est.crashkernel);
	printf("auto: crashkernel=%s (kdumpctl estimate%s)\n", buf,
	       est.initrd ? "" : "; the capture initramfs is not built yet, so its size was "
				 "assumed: kdumpctl rebuild measures it");
	ctl_estimate_done(&est);
	return CTL_EXIT_OK;
}

static void print_plan(const KdumpBootloaderPlan *p)
{
	printf("Boot loader: %s\n", kdump_bootloader_to_string(p->bootloader));
	if (p->current)
		printf("Now: crashkernel=%s (%s%s)\n", p->current,
		       p->current_where ? p->current_where : "?",
		       p->current_ours ? ", set by kdumpctl" : "");
	else
		printf("Now: no crashkernel=\n");
	for (size_t i = 0; i < p->n_changes; i++) {
		const KdumpFileChange *x = &p->changes[i];

		printf("%s:\n", x->path);
		if (x->old_line)
			printf("  - %s\n", x->old_line);
		if (x->new_line)
			printf("  + %s\n", x->new_line);
		if (!x->new_line && !x->new_content)
			printf("  (deleted)\n");
	}
	if (p->command) {
		_cleanup_free_ char *cmd = kdump_strv_join(p->command, " ");

		printf("Then: %s\n", cmd ? cmd : "?");
	}
}

int cmd_crashkernel(Ctl *c)
{
	_cleanup_free_ char *ours = read_ours(c);
	KdumpBootloaderPlan *plan = NULL;
	KdumpError e = { 0 };
	char value[64];
	CtlFacts f;
	int r;

	r = ctl_facts_read(c, &f);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: cannot read the system's facts: %s\n", strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	r = resolve_value(c, &f, value, sizeof(value));
	if (r != CTL_EXIT_OK)
		goto out;
	KdumpBootloaderRequest req = {
		.root = *c->prefix ? c->prefix : "/", .bootloader = KDUMP_BOOTLOADER_AUTO,
		.value = value, .ours = ours, .force = c->args->force,
		.proc_cmdline = f.cmdline, .kernel_release = f.kver,
		.runner = c->runner, .userdata = c->userdata,
	};
	r = kdump_bootloader_plan(&req, &plan, &e);
	if (r == -EEXIST) {
		fprintf(stderr, "kdumpctl: %s\nkdumpctl: --force replaces it\n", e.message);
		r = CTL_EXIT_FAILURE;
		goto out;
	}
	if (r < 0) {
		fprintf(stderr, "kdumpctl: %s\n", e.error ? e.message : strerror(-r));
		r = CTL_EXIT_FAILURE;
		goto out;
	}
	print_plan(plan);
	if (plan->unchanged) {
		printf("crashkernel=%s is already set: nothing to do\n", value);
		r = CTL_EXIT_OK;
		goto out;
	}
	if (c->args->dry_run) {
		printf("Dry run: nothing written, nothing run.\n");
		r = CTL_EXIT_OK;
		goto out;
	}
	r = kdump_bootloader_apply(req.root, plan, c->runner, c->userdata, &e);
	if (r < 0 && r != -EIO) {
		fprintf(stderr, "kdumpctl: %s\n", e.message);
		r = CTL_EXIT_FAILURE;
		goto out;
	}
	if (save_ours(c, value, &e) < 0)
		fprintf(stderr, "kdumpctl: warning: %s\n", e.message);
	if (r == -EIO) {
		fprintf(stderr, "kdumpctl: %s\n", e.message);
		r = CTL_EXIT_FAILURE;
		goto out;
	}
	printf("crashkernel=%s takes effect at the next boot.\n", value);
	r = CTL_EXIT_OK;
out:
	kdump_bootloader_plan_free(plan);
	ctl_facts_done(&f);
	return r;
}
