/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * start, stop, status and test-panic on fixture machines: every status reason, the rebuild
 * decision seen from start (a fake dracut on PATH counts its runs), the load through the fake
 * kexec system calls, the refusals of test-panic. Nothing real is loaded, built or crashed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-fixture.h"
#include "tests.h"

static char bindir[] = "/tmp/ctl-fake-dracut.XXXXXX";
static char dracut_log[300], dracut_image[300];

/* A dracut that logs its arguments and environment and copies a ready image to its output. */
static void setup_fake_dracut(void)
{
	static const char script[] =
		"#!/bin/sh\n"
		"printf 'RUN %s\\n' \"$*\" >> \"$FAKE_DRACUT_LOG\"\n"
		"env | grep '^KDUMP_SUITE_' | sort >> \"$FAKE_DRACUT_LOG\"\n"
		"if [ -n \"$FAKE_DRACUT_FAIL\" ]; then echo 'dracut: failing as asked'; exit 1; fi\n"
		"eval \"out=\\${$(($# - 1))}\"\n"
		"cp \"$FAKE_DRACUT_IMAGE\" \"$out\"\n";
	char path[400], newpath[4096];
	FILE *f;

	if (!mkdtemp(bindir))
		abort();
	snprintf(path, sizeof(path), "%s/dracut", bindir);
	f = fopen(path, "w");
	if (!f || fputs(script, f) < 0 || fclose(f) != 0 || chmod(path, 0755) < 0)
		abort();
	snprintf(dracut_log, sizeof(dracut_log), "%s/log", bindir);
	snprintf(dracut_image, sizeof(dracut_image), "%s/image", bindir);
	snprintf(newpath, sizeof(newpath), "%s:%s", bindir, getenv("PATH") ? getenv("PATH") : "");
	setenv("PATH", newpath, 1);
	setenv("FAKE_DRACUT_LOG", dracut_log, 1);
	setenv("FAKE_DRACUT_IMAGE", dracut_image, 1);
}

static int dracut_runs(void)
{
	char line[8192];
	int n = 0;
	FILE *f = fopen(dracut_log, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		n += strncmp(line, "RUN ", 4) == 0;
	fclose(f);
	return n;
}

static bool dracut_log_has(const char *s)
{
	static char buf[65536];
	FILE *f = fopen(dracut_log, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return strstr(buf, s) != NULL;
}

/* A fixture machine whose fake dracut produces a real (small) initramfs. */
static void machine(CtlFixture *fx)
{
	fx_new(fx);
	unlink(dracut_log);
	fx_initramfs(fx, "/tmp/dracut-image");
	if (rename(fx_path(fx, "/tmp/dracut-image"), dracut_image) < 0)
		abort();
	unsetenv("FAKE_DRACUT_FAIL");
}

static bool has_reason(const CtlStatus *s, CtlReason r, bool warning, const char *text)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->problems[i].reason == r && s->problems[i].warning == warning &&
		    (!text || strstr(s->problems[i].message, text)))
			return true;
	return false;
}

static int status_of(CtlFixture *fx, CtlStatus *s)
{
	int r;

	fx_ctl(fx);
	r = ctl_status_evaluate(&fx->ctl, s);
	fx_ctl_done(fx);
	return r;
}

TEST(status_no_crashkernel)
{
	CtlFixture fx;
	CtlStatus s;
	int rc;

	machine(&fx);
	fx_write(&fx, "proc/cmdline", "root=/dev/vda ro quiet\n");
	fx_write(&fx, "sys/kernel/kexec_crash_size", "0\n");
	fx_write(&fx, "proc/iomem", "00100000-3ffdffff : System RAM\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(!s.ready);
	ASSERT_EQ_INT(s.reserved, 0);
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NO_RESERVATION, false,
			       "booted without crashkernel="));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NO_INITRAMFS, false, NULL));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NOT_LOADED, false, NULL));
	ctl_status_done(&s);
	const char *out = fx_capture(&fx, cmd_status, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_NOT_READY);
	ASSERT_TRUE(strstr(out, "kdump: not ready\n"));
	ASSERT_TRUE(strstr(out, "not ready: no-reservation: "));
	ASSERT_TRUE(strstr(out, "  fix: kdumpctl crashkernel --set auto, then reboot\n"));
	fx_free(&fx);
}

TEST(status_reservation_failed)
{
	CtlFixture fx;
	CtlStatus s;

	machine(&fx);
	fx_write(&fx, "sys/kernel/kexec_crash_size", "0\n");
	fx_write(&fx, "proc/iomem", "00100000-3ffdffff : System RAM\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NO_RESERVATION, false,
			       "although the command line asks for 256.0 MiB"));
	ctl_status_done(&s);
	/* A range table that does not cover 1 GiB reserves nothing: the parser says so. */
	fx_write(&fx, "proc/cmdline", "root=/dev/vda crashkernel=2G-:256M\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NO_RESERVATION, false, "no range covers 1G of RAM"));
	ctl_status_done(&s);
	fx_free(&fx);
}

TEST(status_no_kexec_no_kernel_no_agent)
{
	CtlFixture fx;
	CtlStatus s;

	machine(&fx);
	unlink(fx_path(&fx, "sys/kernel/kexec_crash_loaded"));
	unlink(fx_path(&fx, "boot/vmlinuz-" FX_KVER));
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NO_KEXEC, false, NULL));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NO_KERNEL, false, FX_KVER));
	ctl_status_done(&s);
	fx_free(&fx);

	machine(&fx);
	unlink(fx_path(&fx, KDUMPCTL_AGENT));
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NO_AGENT, false, KDUMPCTL_AGENT));
	ctl_status_done(&s);
	fx_free(&fx);
}

TEST(status_config_error)
{
	CtlFixture fx;
	CtlStatus s;
	int rc;

	machine(&fx);
	fx_write(&fx, "etc/kdump.conf", "path /var/crash\ncore_colector makedumpfile-lite\n"
		 "failure_action rebot\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_CONFIG, false, "has 2 errors, the first: "));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_CONFIG, false, "kdump.conf:2: error: unknown "
			       "directive 'core_colector'"));
	ctl_status_done(&s);
	/* check-config lists them all, with hints. */
	const char *out = fx_run(&fx, &rc, (const char *const[]){ "check-config", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_CONFIG);
	ASSERT_TRUE(strstr(out, "kdump.conf:2: hint: did you mean 'core_collector'?\n"));
	ASSERT_TRUE(strstr(out, "kdump.conf:3: error: "));
	ASSERT_TRUE(strstr(out, ": 2 errors, 0 warnings\n"));
	/* start refuses the file. */
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_CONFIG);
	ASSERT_EQ_INT(fx.sys.calls, 0);
	fx_free(&fx);
}

TEST(check_config_programs)
{
	CtlFixture fx;
	int rc;

	machine(&fx);
	fx_write(&fx, "etc/kdump.conf", "kdump_post /usr/local/bin/notify --quiet\n"
		 "extra_bins nosuchtool\next4 LABEL=nosuch\n");
	const char *out = fx_run(&fx, &rc, (const char *const[]){ "check-config", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_CONFIG);
	ASSERT_TRUE(strstr(out, "kdump.conf:1: error: kdump_post: program '/usr/local/bin/notify' "
			   "not found\n"));
	ASSERT_TRUE(strstr(out, "kdump.conf:2: error: extra_bins: program 'nosuchtool' not "
			   "found in "));
	ASSERT_TRUE(strstr(out, "kdump.conf:3: error: "));
	fx_write_exec(&fx, "usr/local/bin/notify", "#!/bin/sh\n");
	fx_write_exec(&fx, "usr/bin/nosuchtool", "#!/bin/sh\n");
	fx_write(&fx, "etc/kdump.conf", "kdump_post /usr/local/bin/notify --quiet\n"
		 "extra_bins nosuchtool\next4 LABEL=dumps\n");
	out = fx_run(&fx, &rc, (const char *const[]){ "check-config", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, ": no problems\n"));
	/* The device holds another filesystem than the line says. */
	snprintf(fx.type, sizeof(fx.type), "xfs");
	out = fx_run(&fx, &rc, (const char *const[]){ "check-config", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_CONFIG);
	ASSERT_TRUE(strstr(out, "kdump.conf:3: error: /dev/vdb1 holds xfs, not ext4\n"));
	ASSERT_TRUE(strstr(out, "kdump.conf:3: hint: write 'xfs LABEL=dumps'\n"));
	fx_free(&fx);
}

TEST(start_builds_loads_then_ready)
{
	CtlFixture fx;
	CtlStatus s;
	const char *out;
	int rc;

	machine(&fx);
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_EQ_INT(dracut_runs(), 1);
	ASSERT_TRUE(dracut_log_has(" --hostonly "));
	ASSERT_TRUE(dracut_log_has("initramfs-" FX_KVER ".img.new " FX_KVER "\n"));
	ASSERT_TRUE(dracut_log_has("KDUMP_SUITE_AGENT=" KDUMPCTL_AGENT "\n"));
	ASSERT_TRUE(dracut_log_has("KDUMP_SUITE_BINARIES=/usr/sbin/makedumpfile-lite\n"));
	ASSERT_TRUE(dracut_log_has("KDUMP_SUITE_FAILURE_ACTION=reboot\n"));
	ASSERT_TRUE(fx_read(&fx, "var/lib/kdump-suite/initramfs-" FX_KVER ".img"));
	ASSERT_TRUE(fx_read(&fx, "var/lib/kdump-suite/initramfs-" FX_KVER ".img.inputs"));
	/* One crash load, with the capture command line. */
	ASSERT_EQ_INT(fx.sys.calls, 1);
	ASSERT_EQ_INT(fx.sys.flags, KEXEC_FILE_ON_CRASH);
	ASSERT_TRUE(fx.sys.initrd_fd >= 0);
	ASSERT_TRUE(strstr(fx.sys.cmdline, "root=UUID=1234 "));
	ASSERT_TRUE(!strstr(fx.sys.cmdline, "crashkernel="));
	ASSERT_TRUE(!strstr(fx.sys.cmdline, "BOOT_IMAGE"));
	ASSERT_TRUE(!strstr(fx.sys.cmdline, "quiet"));
	ASSERT_TRUE(strstr(fx.sys.cmdline, " nr_cpus=1"));
	ASSERT_TRUE(strstr(fx.sys.cmdline, " rd.shell=0 rd.emergency=reboot"));
	out = fx_read(&fx, "run/kdump-suite/loaded");
	ASSERT_TRUE(out && strstr(out, "kernel=/boot/vmlinuz-" FX_KVER "\n"));
	/* The kernel now says loaded: ready. */
	fx_write(&fx, "sys/kernel/kexec_crash_loaded", "1\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(s.ready);
	ASSERT_EQ_INT(s.n, 0);
	ctl_status_done(&s);
	out = fx_run(&fx, &rc, (const char *const[]){ "status", "--json", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "\"ready\": true"));
	ASSERT_TRUE(strstr(out, "\"capture_kernel_loaded\": true"));
	ASSERT_TRUE(strstr(out, "\"reserved_bytes\": 268435456"));
	ASSERT_TRUE(strstr(out, "\"problems\": []"));
	/* A second start: nothing changed, nothing built, nothing loaded again. */
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_EQ_INT(dracut_runs(), 1);
	ASSERT_EQ_INT(fx.sys.calls, 1);
	/* The same bytes written again: still nothing to rebuild. */
	fx_write(&fx, "etc/kdump.conf", "path /var/crash\ncore_collector makedumpfile-lite -z -d 31\n"
		 "failure_action reboot\nfinal_action reboot\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(s.ready);
	ctl_status_done(&s);
	/* stop: the unload call, the record gone. */
	fx_capture(&fx, cmd_stop, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_EQ_INT(fx.sys.calls, 2);
	ASSERT_EQ_INT(fx.sys.flags, KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH);
	ASSERT_TRUE(!fx_read(&fx, "run/kdump-suite/loaded"));
	fx_free(&fx);
}

TEST(inputs_change_rebuilds)
{
	CtlFixture fx;
	CtlStatus s;
	int rc;

	machine(&fx);
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	fx_write(&fx, "sys/kernel/kexec_crash_loaded", "1\n");
	/* The configuration changes: stale, and the loaded one is not the current one. */
	fx_write(&fx, "etc/kdump.conf", "path /var/crash\nkeep_old_dumps 3\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(!s.ready);
	ASSERT_TRUE(has_reason(&s, CTL_REASON_STALE_INITRAMFS, false, "config "));
	ctl_status_done(&s);
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_EQ_INT(dracut_runs(), 2);
	ASSERT_EQ_INT(fx.sys.calls, 2);
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(s.ready);
	ctl_status_done(&s);
	/* A new collector binary. */
	fx_write_exec(&fx, "usr/sbin/makedumpfile-lite", "#!/bin/sh\n# version 2\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_STALE_INITRAMFS, false,
			       "file /usr/sbin/makedumpfile-lite"));
	ctl_status_done(&s);
	/* reload keeps the stale image (a warning), restart rebuilds it. */
	fx_capture(&fx, cmd_reload, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_EQ_INT(dracut_runs(), 2);
	ASSERT_EQ_INT(fx.sys.calls, 4); /* unload, load */
	fx_capture(&fx, cmd_restart, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_EQ_INT(dracut_runs(), 3);
	/* A loaded capture kernel that kdumpctl did not load: a warning only. */
	unlink(fx_path(&fx, "run/kdump-suite/loaded"));
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(s.ready);
	ASSERT_TRUE(has_reason(&s, CTL_REASON_LOADED_OTHER, true, NULL));
	ctl_status_done(&s);
	fx_free(&fx);
}

TEST(force_rebuild_and_no_rebuild)
{
	CtlFixture fx;
	CtlStatus s;
	int rc;

	machine(&fx);
	fx_write(&fx, "etc/kdump.conf", "force_no_rebuild 1\n");
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_EQ_INT(dracut_runs(), 0);
	ASSERT_EQ_INT(fx.sys.calls, 0);
	fx_write(&fx, "etc/kdump.conf", "force_rebuild 1\n");
	fx_capture(&fx, cmd_start, &rc);
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_EQ_INT(dracut_runs(), 2);
	/* Stale but kept: a warning, and start loads it as it is. */
	fx_write(&fx, "etc/kdump.conf", "force_no_rebuild 1\n");
	fx_write(&fx, "sys/kernel/kexec_crash_loaded", "1\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_STALE_INITRAMFS, true, "force_no_rebuild"));
	ctl_status_done(&s);
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_EQ_INT(dracut_runs(), 2);
	fx_free(&fx);
}

TEST(build_and_load_failures)
{
	CtlFixture fx;
	CtlStatus s;
	int rc;

	machine(&fx);
	setenv("FAKE_DRACUT_FAIL", "1", 1);
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_TRUE(!fx_read(&fx, "var/lib/kdump-suite/initramfs-" FX_KVER ".img"));
	ASSERT_TRUE(!fx_read(&fx, "var/lib/kdump-suite/initramfs-" FX_KVER ".img.inputs"));
	ASSERT_TRUE(strstr(fx_read(&fx, "var/lib/kdump-suite/dracut-" FX_KVER ".log"),
			   "failing as asked"));
	ASSERT_EQ_INT(fx.sys.calls, 0);
	unsetenv("FAKE_DRACUT_FAIL");
	/* The kernel refuses the load: explained, not loaded, no record. */
	fx.sys.file_load_result = -EADDRNOTAVAIL;
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_EQ_INT(fx.sys.calls, 1);
	ASSERT_TRUE(!fx_read(&fx, "run/kdump-suite/loaded"));
	/* No reservation: start refuses before it builds anything. */
	fx_write(&fx, "sys/kernel/kexec_crash_size", "0\n");
	fx_write(&fx, "proc/iomem", "00100000-3ffdffff : System RAM\n");
	fx.sys.file_load_result = 0;
	fx_capture(&fx, cmd_restart, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_NO_RESERVATION, false, NULL));
	ctl_status_done(&s);
	fx_free(&fx);
}

TEST(reservation_small)
{
	CtlFixture fx;
	CtlStatus s;
	int rc;

	machine(&fx);
	fx_capture(&fx, cmd_start, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	fx_write(&fx, "sys/kernel/kexec_crash_loaded", "1\n");
	fx_write(&fx, "sys/kernel/kexec_crash_size", "33554432\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(s.ready);
	ASSERT_TRUE(has_reason(&s, CTL_REASON_SMALL_RESERVATION, true, "32.0 MiB reserved"));
	ctl_status_done(&s);
	fx_free(&fx);
}

TEST(test_panic)
{
	CtlFixture fx;
	CtlStatus s;
	int rc;

	machine(&fx);
	fx_run(&fx, &rc, (const char *const[]){ "test-panic", "--yes", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_NOT_READY);
	ASSERT_STREQ(fx_read(&fx, "proc/sysrq-trigger"), "");
	fx_capture(&fx, cmd_start, &rc);
	fx_write(&fx, "sys/kernel/kexec_crash_loaded", "1\n");
	/* No terminal and no --yes: no crash. */
	if (!isatty(STDIN_FILENO)) {
		fx_run(&fx, &rc, (const char *const[]){ "test-panic", NULL });
		ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
		ASSERT_STREQ(fx_read(&fx, "proc/sysrq-trigger"), "");
	}
	fx_run(&fx, &rc, (const char *const[]){ "test-panic", "--yes", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_STREQ(fx_read(&fx, "proc/sysrq-trigger"), "c");
	/* After the "reboot": no dump since the test, a warning that says so. */
	ASSERT_TRUE(strstr(fx_read(&fx, "var/lib/kdump-suite/last-test-panic"), "time="));
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(s.ready);
	ASSERT_TRUE(has_reason(&s, CTL_REASON_LAST_TEST, true, "saved no dump"));
	ctl_status_done(&s);
	/* Only the log was saved: said too. */
	fx_write(&fx, "var/crash/host-2999-01-01-00:00:00/vmcore-dmesg.txt", "log\n");
	ASSERT_OK(status_of(&fx, &s));
	ASSERT_TRUE(has_reason(&s, CTL_REASON_LAST_TEST, true, "only a dmesg-only dump"));
	ctl_status_done(&s);
	fx_free(&fx);
}

static void cleanup(void)
{
	char cmd[512];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bindir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", bindir);
}

int main(void)
{
	static const struct test_case cases[] = {
		T(status_no_crashkernel), T(status_reservation_failed),
		T(status_no_kexec_no_kernel_no_agent), T(status_config_error),
		T(check_config_programs), T(start_builds_loads_then_ready),
		T(inputs_change_rebuilds), T(force_rebuild_and_no_rebuild),
		T(build_and_load_failures), T(reservation_small), T(test_panic),
	};
	int r;

	setup_fake_dracut();
	r = run_tests(cases, ELEMENTSOF(cases));
	cleanup();
	return r;
}
