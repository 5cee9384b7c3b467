/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Building the capture initramfs with dracut and the kdump-suite module
 * (dracut/99kdump-suite). kdumpctl resolves everything first and hands the module its
 * choices in the environment, so the module never parses kdump.conf:
 *
 *   KDUMP_SUITE_AGENT           the capture agent (also what makes the module's check() pass)
 *   KDUMP_SUITE_CONFIG          the configuration, installed as /etc/kdump.conf
 *   KDUMP_SUITE_BINARIES        collector, hooks, extra_bins: one absolute path per line
 *   KDUMP_SUITE_KMODS           kernel modules: the target's filesystem, extra_modules
 *   KDUMP_SUITE_DEVICE          the target device, "" for the root filesystem
 *   KDUMP_SUITE_FAILURE_ACTION  what the initramfs does if the agent itself dies...
 *   KDUMP_SUITE_FINAL_ACTION    ...or returns after a dump
 *   KDUMP_SUITE_FILES           files installed as they are (ssh key, pinned host keys,
 *                               /etc/kdump-suite/network files): one path per line
 *   KDUMP_SUITE_NET             network targets: how to bring the network up (net.c), ""
 *   KDUMP_SUITE_HOSTS           an /etc/hosts line for the dump server, ""
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kdump-util.h"
#include "kdumpctl.h"

/*
 * The dracut modules of a small host-only capture initramfs with systemd: systemd as PID 1
 * (journal, udev, the unit ordering the agent relies on), the root filesystem for the
 * default target and dump_to_rootfs, the kernel modules of the devices involved.
 */
#define CTL_DRACUT_MODULES \
	"systemd systemd-initrd systemd-journald dracut-systemd base fs-lib rootfs-block " \
	"kernel-modules udev-rules kdump-suite"

static int push_env(char ***env, const char *name, const char *value)
{
	char *s = kdump_asprintf("%s=%s", name, value ? value : "");

	return s ? kdump_strv_consume(env, s) : -ENOMEM;
}

int ctl_dracut_command(const KdumpConfig *cfg, const CtlBuildPlan *plan, const char *tmp_output,
		       char ***ret_argv, char ***ret_env)
{
	static const char *const fixed[] = {
		"dracut", "--force", "--hostonly", "--hostonly-mode", "strict",
		"--no-hostonly-cmdline", "--no-early-microcode", "--modules", CTL_DRACUT_MODULES,
	};
	_cleanup_strv_free_ char **argv = NULL, **env = NULL;
	_cleanup_free_ char *bins = kdump_strv_join(plan->binaries, "\n");
	_cleanup_free_ char *kmods = kdump_strv_join(plan->kmods, " ");
	_cleanup_free_ char *files = kdump_strv_join(plan->files, "\n");
	int r = 0;

	if (!bins || !kmods || !files)
		return -ENOMEM;
	for (size_t i = 0; i < ELEMENTSOF(fixed) && r == 0; i++)
		r = kdump_strv_push(&argv, fixed[i]);
	/* the network in the capture kernel: systemd-networkd with the module's .network file */
	if (r == 0 && plan->net) {
		r = kdump_strv_push(&argv, "--add");
		if (r == 0)
			r = kdump_strv_push(&argv, "systemd-networkd");
	}
	if (r == 0 && plan->device) {
		r = kdump_strv_push(&argv, "--add-device");
		if (r == 0)
			r = kdump_strv_push(&argv, plan->device);
	}
	for (char **a = cfg->dracut_args; r == 0 && a && *a; a++)
		r = kdump_strv_push(&argv, *a);
	if (r == 0)
		r = kdump_strv_push(&argv, tmp_output);
	if (r == 0)
		r = kdump_strv_push(&argv, plan->kver);

	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_AGENT", plan->agent);
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_CONFIG", plan->config);
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_BINARIES", bins);
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_KMODS", kmods);
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_DEVICE", plan->device);
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_FILES", files);
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_NET", plan->net);
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_HOSTS", plan->hosts);
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_FAILURE_ACTION",
			     kdump_action_to_string(cfg->failure_action));
	if (r == 0)
		r = push_env(&env, "KDUMP_SUITE_FINAL_ACTION",
			     kdump_action_to_string(cfg->final_action));
	if (r < 0)
		return r;
	*ret_argv = TAKE_PTR(argv);
	*ret_env = TAKE_PTR(env);
	return 0;
}

int ctl_build_initramfs(const Ctl *c, const KdumpConfig *cfg, const CtlBuildPlan *plan,
			const CtlInputs *in, int log_fd, KdumpError *err)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_STATE_DIR);
	_cleanup_free_ char *out = ctl_path(c, plan->output);
	_cleanup_free_ char *tmp = out ? kdump_asprintf("%s.new", out) : NULL;
	_cleanup_free_ char *inputs = out ? kdump_asprintf("%s.inputs", out) : NULL;
	_cleanup_strv_free_ char **argv = NULL, **env = NULL;
	struct stat st;
	int r;

	if (!dir || !tmp || !inputs)
		return -ENOMEM;
	r = ctl_mkdir_p(dir, 0755);
	if (r < 0)
		return kdump_error_set(err, r, "cannot create %s: %s", dir, strerror(-r));
	r = ctl_dracut_command(cfg, plan, tmp, &argv, &env);
	if (r < 0)
		return r;
	/* Never leave a record that describes an image which is not there. */
	(void)unlink(inputs);
	(void)unlink(tmp);
	r = ctl_spawn(argv, env, log_fd);
	if (r < 0)
		return kdump_error_set(err, r, "cannot run dracut: %s", strerror(-r));
	if (r > 0) {
		(void)unlink(tmp);
		return kdump_error_set(err, -EIO, "dracut failed (exit status %d)", r);
	}
	if (stat(tmp, &st) < 0 || st.st_size == 0)
		return kdump_error_set(err, -EIO, "dracut succeeded but wrote no image to %s", tmp);
	if (rename(tmp, out) < 0) {
		r = negative_errno();
		(void)unlink(tmp);
		return kdump_error_set(err, r, "cannot rename %s: %s", tmp, strerror(-r));
	}
	return ctl_inputs_save(c, plan->output, in, err);
}
