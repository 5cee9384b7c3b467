/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * estimate (its JSON and text, against kdump_estimate() fed the same facts), showmem, and
 * crashkernel --set on fixture roots: Debian's grub.d, /etc/kernel/cmdline and grubby (through
 * a fake runner), dry runs that write nothing, values the admin set that stay without --force.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ctl-fixture.h"
#include "kdump-util.h"
#include "tests.h"

#define RUN(fx, rc, ...) fx_run((fx), (rc), (const char *const[]){ __VA_ARGS__, NULL })

/* What kdump_estimate() says for the fixture's facts, built here independently. */
static void expected(CtlFixture *fx, bool with_initrd, KdumpEstimate *est)
{
	KdumpKernelImage k;
	KdumpInitramfs m = { 0 };
	KdumpEstimateInput in = { .nr_cpus = 1, .system_ram = 0x3fee0000ULL + 0x9f000ULL };

	if (kdump_kernel_image_read(fx_path(fx, "boot/vmlinuz-" FX_KVER), &k, NULL) < 0)
		abort();
	in.kernel_load_size = k.load_size;
	in.kernel_resident_size = k.resident_size;
	if (with_initrd) {
		if (kdump_initramfs_measure(fx_path(fx, "var/lib/kdump-suite/initramfs-" FX_KVER
						    ".img"), &m, NULL) < 0)
			abort();
		in.initrd_file_size = m.file_size;
		in.initrd_unpacked_size = m.unpacked_size;
		in.initrd_has_systemd = m.has_systemd;
	} else {
		in.initrd_file_size = CTL_ASSUMED_INITRD_FILE;
		in.initrd_unpacked_size = CTL_ASSUMED_INITRD_UNPACKED;
		in.initrd_has_systemd = true;
	}
	if (kdump_estimate(&in, est, NULL) < 0)
		abort();
}

TEST(estimate_json_and_text)
{
	CtlFixture fx;
	KdumpEstimate est;
	char buf[256];
	const char *out;
	int rc;

	fx_new(&fx);
	/* Not built: the assumption, said as such. */
	expected(&fx, false, &est);
	out = RUN(&fx, &rc, "estimate", "--json");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	snprintf(buf, sizeof(buf), "\"crashkernel\": \"%s\"", est.crashkernel);
	ASSERT_TRUE(strstr(out, buf));
	snprintf(buf, sizeof(buf), "\"need_bytes\": %llu", (unsigned long long)est.need_bytes);
	ASSERT_TRUE(strstr(out, buf));
	ASSERT_TRUE(strstr(out, "\"measured\": false"));
	ASSERT_TRUE(strstr(out, "\"path\": null"));
	ASSERT_TRUE(strstr(out, "\"path\": \"/boot/vmlinuz-" FX_KVER "\""));
	ASSERT_TRUE(strstr(out, "\"load_size\": 41943040"));
	ASSERT_TRUE(strstr(out, "\"resident_size\": 29360128"));
	ASSERT_TRUE(strstr(out, "\"host_cpus\": 4"));
	ASSERT_TRUE(strstr(out, "\"capture_cpus\": 1"));
	ASSERT_TRUE(strstr(out, "\"reserved_bytes\": 268435456"));
	ASSERT_TRUE(strstr(out, "\"reserved_enough\": true"));
	ASSERT_TRUE(strstr(out, "\"name\": \"kernel\""));
	ASSERT_TRUE(strstr(out, "\"source\": \"measured\""));
	ASSERT_TRUE(out[strlen(out) - 1] == '\n' && out[strlen(out) - 2] == '}');
	/* Built: measured; --extra adds a named term. */
	fx_initramfs(&fx, "var/lib/kdump-suite/initramfs-" FX_KVER ".img");
	expected(&fx, true, &est);
	out = RUN(&fx, &rc, "estimate", "--json");
	snprintf(buf, sizeof(buf), "\"crashkernel\": \"%s\"", est.crashkernel);
	ASSERT_TRUE(strstr(out, buf));
	ASSERT_TRUE(strstr(out, "\"measured\": true"));
	ASSERT_TRUE(strstr(out, "\"has_systemd\": true"));
	out = RUN(&fx, &rc, "estimate", "--extra", "luks-argon2=1G");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "Recommended: crashkernel="));
	ASSERT_TRUE(strstr(out, "  luks-argon2 "));
	ASSERT_TRUE(strstr(out, "Reserved now: 256.0 MiB (too small)\n"));
	ASSERT_TRUE(strstr(out, "4 CPUs (the capture kernel runs on 1)"));
	/* Other files, named on the command line. */
	out = RUN(&fx, &rc, "estimate", "--kernel", "/nonexistent/vmlinuz");
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	fx_free(&fx);
}

TEST(showmem)
{
	CtlFixture fx;
	const char *out;
	int rc;

	fx_new(&fx);
	out = RUN(&fx, &rc, "showmem");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "Reserved for the capture kernel: 256.0 MiB\n"));
	ASSERT_TRUE(strstr(out, "  /sys/kernel/kexec_crash_size: 268435456 bytes\n"));
	ASSERT_TRUE(strstr(out, "  /proc/iomem: Crash kernel 0x2b000000-0x3affffff (256.0 MiB)\n"));
	ASSERT_TRUE(strstr(out, "Command line: crashkernel=256M: 256.0 MiB on this machine\n"));
	out = RUN(&fx, &rc, "showmem", "--json");
	ASSERT_TRUE(strstr(out, "\"cmdline_crashkernel\": \"256M\""));
	ASSERT_TRUE(strstr(out, "\"start\": 721420288"));
	fx_write(&fx, "proc/cmdline", "root=/dev/vda\n");
	fx_write(&fx, "sys/kernel/kexec_crash_size", "0\n");
	fx_write(&fx, "proc/iomem", "00100000-3ffdffff : System RAM\n");
	out = RUN(&fx, &rc, "showmem");
	ASSERT_TRUE(strstr(out, "Reserved for the capture kernel: nothing\n"));
	ASSERT_TRUE(strstr(out, "Command line: no crashkernel=\n"));
	fx_free(&fx);
}

static const char debian_grub[] = "GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n";

TEST(crashkernel_debian_dry_run)
{
	CtlFixture fx;
	const char *out;
	int rc;

	fx_new(&fx);
	fx_write(&fx, "etc/default/grub", debian_grub);
	fx_write_exec(&fx, "usr/sbin/update-grub", "#!/bin/sh\nexit 99\n");
	out = RUN(&fx, &rc, "crashkernel", "--set", "320M", "--dry-run");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "Boot loader: grub-debian\n"));
	ASSERT_TRUE(strstr(out, "Now: no crashkernel=\n"));
	ASSERT_TRUE(strstr(out, "/etc/default/grub.d/kdump-suite.cfg:\n  + GRUB_CMDLINE_LINUX_DEFAULT="
			   "\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=320M\"\n"));
	ASSERT_TRUE(strstr(out, "Then: update-grub\n"));
	ASSERT_TRUE(strstr(out, "Dry run: nothing written, nothing run.\n"));
	ASSERT_TRUE(!fx_read(&fx, "etc/default/grub.d/kdump-suite.cfg"));
	ASSERT_TRUE(!fx_read(&fx, "var/lib/kdump-suite/crashkernel"));
	/* auto: the estimate's value. */
	out = RUN(&fx, &rc, "crashkernel", "--set", "auto", "--dry-run");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "auto: crashkernel="));
	ASSERT_TRUE(strstr(out, "the capture initramfs is not built yet"));
	/* Not a valid value: refused before anything is planned. */
	out = RUN(&fx, &rc, "crashkernel", "--set", "256", "--dry-run");
	ASSERT_EQ_INT(rc, CTL_EXIT_USAGE);
	ASSERT_STREQ(out, "");
	fx_free(&fx);
}

TEST(crashkernel_admin_value)
{
	CtlFixture fx;
	const char *out;
	int rc;

	fx_new(&fx);
	fx_write(&fx, "etc/default/grub", "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet crashkernel=512M\"\n");
	fx_write_exec(&fx, "usr/sbin/update-grub", "#!/bin/sh\n");
	out = RUN(&fx, &rc, "crashkernel", "--set", "256M", "--dry-run");
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_STREQ(out, "");
	out = RUN(&fx, &rc, "crashkernel", "--set", "256M", "--dry-run", "--force");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "Now: crashkernel=512M (/etc/default/grub:1)\n"));
	ASSERT_TRUE(strstr(out, "crashkernel=256M"));
	ASSERT_STREQ(fx_read(&fx, "etc/default/grub"),
		     "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet crashkernel=512M\"\n");
	fx_free(&fx);
}

struct fake_runner {
	char log[1024];
	int status;
};

static int fake_runner(char *const argv[], char **ret_output, void *userdata)
{
	CtlFixture *fx = userdata;
	struct fake_runner *f = fx->data;
	_cleanup_free_ char *line = kdump_strv_join(argv, " ");

	snprintf(f->log + strlen(f->log), sizeof(f->log) - strlen(f->log), "%s\n", line);
	if (ret_output)
		*ret_output = strdup("");
	return f->status;
}

/* Apply through cmd_crashkernel with the fake runner: /etc/kernel/cmdline and state. */
TEST(crashkernel_apply_kernel_cmdline)
{
	struct fake_runner runner = { 0 };
	CtlFixture fx;
	int rc;

	fx_new(&fx);
	fx_write(&fx, "etc/kernel/cmdline", "root=/dev/vda1 quiet\n");
	fx.args = (CtlArgs){ .command = CMD_CRASHKERNEL, .set = "192M" };
	fx.data = &runner;
	fx_ctl(&fx);
	fx.ctl.runner = fake_runner;
	rc = cmd_crashkernel(&fx.ctl);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_STREQ(fx_read(&fx, "etc/kernel/cmdline"), "root=/dev/vda1 quiet crashkernel=192M\n");
	ASSERT_STREQ(fx_read(&fx, "var/lib/kdump-suite/crashkernel"), "192M\n");
	ASSERT_STREQ(runner.log, "kernel-install add " FX_KVER " /boot/vmlinuz-" FX_KVER "\n");
	/* Ours now: a new value replaces it without --force. */
	fx.args.set = "256M";
	rc = cmd_crashkernel(&fx.ctl);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_STREQ(fx_read(&fx, "etc/kernel/cmdline"), "root=/dev/vda1 quiet crashkernel=256M\n");
	/* The command fails: the files are written, the exit code says it failed. */
	runner.status = 1;
	fx.args.set = "320M";
	rc = cmd_crashkernel(&fx.ctl);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_STREQ(fx_read(&fx, "etc/kernel/cmdline"), "root=/dev/vda1 quiet crashkernel=320M\n");
	fx_ctl_done(&fx);
	fx_free(&fx);
}

TEST(crashkernel_no_bootloader)
{
	CtlFixture fx;
	int rc;

	fx_new(&fx);
	RUN(&fx, &rc, "crashkernel", "--set", "256M", "--dry-run");
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	fx_free(&fx);
}

RUN_TESTS(T(estimate_json_and_text), T(showmem), T(crashkernel_debian_dry_run),
	  T(crashkernel_admin_value), T(crashkernel_apply_kernel_cmdline),
	  T(crashkernel_no_bootloader))
