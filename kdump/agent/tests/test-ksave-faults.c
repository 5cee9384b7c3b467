/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ksave_run() under faults, each checked for the same promises: an earlier dump beside it is
 * untouched, what was written is vmcore.incomplete (never vmcore), marked incomplete and
 * readable with libvmcore, and the exit code, the console and kdump-save.log say what
 * happened.
 *
 *   write_error      EIO on write (makedumpfile-lite's sink seam)
 *   short_input      the vmcore ends early: pages that cannot be read
 *   killed           the collector's process SIGKILLed part way (from inside it, at a byte
 *                    count: no race)
 *   full_ext4        ENOSPC part way on a small ext4 filesystem on a loop device
 *   target_gone      the target's disk disappears part way (EXT4_IOC_SHUTDOWN: EIO for
 *                    everything, the log file included); read back once the disk is back
 *   gone_fallback    the same with failure_action dump_to_rootfs: saved on the root instead
 *
 * The loop cases need root, a loop device and mkfs.ext4; without them they say "skipped".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksave-test.h"
#include "loopfs.h"
#include "tests.h"

#define DIR_NAME "agenthost-2023-11-14-22:13:20"

static struct tenv env;

/* What the agent said on the console (the callbacks), all of it. */
static char console[65536];

static void keep_message(int level, const char *text, void *userdata)
{
	size_t n = strlen(console);

	snprintf(console + n, sizeof(console) - n, "%s\n", text);
	if (getenv("KSAVE_TEST_VERBOSE"))
		fprintf(stderr, "  | %s\n", text);
}

static const KsaveCallbacks keep_cb = { .message = keep_message };

static void options(KsaveOptions *o, const KdumpConfig *cfg, const char *vmcore, const char *root,
		    KsaveOps *ops, struct fake *f)
{
	topts(o, cfg, vmcore, root, ops, f, "/nonexistent");
	o->cb = &keep_cb;
	console[0] = '\0';
}

static const char *last_line(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[2048];
	const char *last = NULL;

	if (!f)
		return "";
	while (fgets(line, sizeof(line), f))
		last = tpath("%s", line);
	fclose(f);
	return last ? last : "";
}

/* An earlier dump in base/var/crash, to see that a failure leaves it alone; its crc. */
static uint32_t earlier_dump(const char *base)
{
	char *d = tpath("%s/var/crash/old-2020-01-01-00:00:00", base);

	if (mkdir(tpath("%s/var", base), 0755) < 0 || mkdir(tpath("%s/var/crash", base), 0700) < 0 ||
	    mkdir(d, 0700) < 0 || write_file(tpath("%s/kdump-save.log", d), "old\n", 0600) < 0 ||
	    write_file(tpath("%s/vmcore", d), "an earlier dump", 0600) < 0)
		abort();
	return file_crc(tpath("%s/vmcore", d));
}

static uint32_t earlier_crc(const char *base)
{
	return file_crc(tpath("%s/var/crash/old-2020-01-01-00:00:00/vmcore", base));
}

/* What every partial dump must be: kept as vmcore.incomplete, 0600, marked, readable. */
static void check_partial(const char *dir)
{
	char *part = tpath("%s/vmcore.incomplete", dir);
	uint64_t pages = 0;
	int st;

	ASSERT_TRUE(!file_exists(tpath("%s/vmcore", dir)));
	ASSERT_TRUE(file_exists(part));
	ASSERT_EQ_INT(file_mode(part), 0600);
	ASSERT_EQ_INT(file_mode(dir), 0700);
	st = dump_state(part, &pages);
	ASSERT_TRUE(st > 0 && st != 100 && (st & 1)); /* opens; marked incomplete */
	ASSERT_TRUE(file_contains(tpath("%s/vmcore-dmesg.txt", dir), "KDUMP-AGENT-TEST marker"));
}

TEST(write_error)
{
	char *root = tenv_dir(&env, "eio", "64M"), *dir = tpath("%s/var/crash/" DIR_NAME, root);
	char *log = tpath("%s/kdump-save.log", dir);
	KdumpConfig *cfg = tconfig("path /var/crash\ncore_collector makedumpfile-lite -d 0\n");
	uint32_t crc = earlier_dump(root);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	options(&o, cfg, env.vmcore8, root, &ops, &f);
	o.fault_after = 1 << 20;
	o.fault_errno = EIO;
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_EQ_INT(res.exit_code, KSAVE_EXIT_INCOMPLETE);
	check_partial(dir);
	ASSERT_TRUE(file_contains(log, "collector: writing the dump failed: Input/output error"));
	ASSERT_TRUE(strstr(last_line(log), "error: incomplete: /var/crash/" DIR_NAME
			   "/vmcore.incomplete"));
	ASSERT_TRUE(strstr(last_line(log), "of 2048 pages, readable as far as it got"));
	ASSERT_TRUE(strstr(console, "Input/output error"));
	ASSERT_EQ_INT(earlier_crc(root), crc);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_REBOOT); /* failure_action */
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(short_input)
{
	char *root = tenv_dir(&env, "short", "64M"), *dir = tpath("%s/var/crash/" DIR_NAME, root);
	char *log = tpath("%s/kdump-save.log", dir), *in = tpath("%s/short.vmcore", env.base);
	char *cmd = tpath("cp '%s' '%s' && truncate -s 4M '%s'", env.vmcore8, in, in);
	KdumpConfig *cfg = tconfig("path /var/crash\ncore_collector makedumpfile-lite -z -d 0\n");
	uint32_t crc = earlier_dump(root);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ASSERT_OK(system(cmd));
	options(&o, cfg, in, root, &ops, &f);
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_EQ_INT(res.exit_code, KSAVE_EXIT_INCOMPLETE);
	check_partial(dir);
	ASSERT_TRUE(file_contains(log, "pages could not be read from"));
	ASSERT_TRUE(strstr(last_line(log), "error: incomplete: "));
	ASSERT_EQ_INT(earlier_crc(root), crc);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

static void kill_me(void *userdata)
{
	raise(SIGKILL);
}

TEST(killed)
{
	char *root = tenv_dir(&env, "killed", "64M"), *dir = tpath("%s/var/crash/" DIR_NAME, root);
	char *log = tpath("%s/kdump-save.log", dir);
	KdumpConfig *cfg = tconfig("path /var/crash\ncore_collector makedumpfile-lite -d 0\n");
	uint32_t crc = earlier_dump(root);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	options(&o, cfg, env.vmcore8, root, &ops, &f);
	o.fault_after = 3 << 20;
	o.fault_hook = kill_me;
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_EQ_INT(res.exit_code, KSAVE_EXIT_INCOMPLETE);
	check_partial(dir);
	ASSERT_TRUE(file_contains(log, "the collector died of signal 9 (Killed)"));
	ASSERT_TRUE(strstr(last_line(log), "error: incomplete: "));
	ASSERT_TRUE(strstr(last_line(log), "pages saved unknown, readable as far as it got: the "
			   "collector died of signal 9"));
	ASSERT_EQ_INT(earlier_crc(root), crc);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/*
 * A token in a hook's arguments never reaches the console or kdump-save.log; the hooks get it
 * (and may print it: their output is theirs to keep clean).
 */
TEST(no_secrets)
{
	char *root = tenv_dir(&env, "secrets", "64M"), *dir = tpath("%s/var/crash/" DIR_NAME, root);
	char *bin = tenv_dir(&env, "secrets-bin", NULL), *hook = tpath("%s/hook", bin);
	KdumpConfig *cfg;
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ASSERT_OK(write_file(hook, tpath("#!/bin/sh\necho \"$#\" >>'%s/args'\nexit 0\n", bin),
			     0755));
	cfg = tconfig(tpath("path /var/crash\nkdump_pre %s --token=S3CRET-TOKEN-1\n"
			    "kdump_post %s 'Authorization: S3CRET-TOKEN-2'\n", hook, hook));
	options(&o, cfg, env.vmcore, root, &ops, &f);
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_TRUE(file_contains(tpath("%s/args", bin), "1\n2\n")); /* both ran, with their args */
	ASSERT_TRUE(strstr(console, "kdump_pre") && strstr(console, "kdump_post"));
	ASSERT_TRUE(!strstr(console, "S3CRET"));
	ASSERT_TRUE(!file_contains(tpath("%s/kdump-save.log", dir), "S3CRET"));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* ---- on a loop ext4 ---- */

static struct loopfs lfs;

static bool loop_target(const char *name, const char *size)
{
	if (!env.mounts || loopfs_make(&lfs, tpath("%s/%s.img", env.base, name),
				       tpath("%s/%s", env.base, name), size) < 0) {
		fprintf(stderr, "skipped: no loop ext4 filesystem here\n");
		return false;
	}
	return true;
}

TEST(full_ext4)
{
	KdumpConfig *cfg = tconfig("ext4 LABEL=dumps\npath /var/crash\n"
				   "core_collector makedumpfile-lite -d 0\n");
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;
	uint32_t crc;
	char *dir;

	if (!loop_target("full-ext4", "8M"))
		return;
	crc = earlier_dump(lfs.dir);
	/* leave less room than the 8 MiB dump needs */
	ASSERT_OK(system(tpath("fallocate -l 3M '%s/filler'", lfs.dir)));
	dir = tpath("%s/var/crash/" DIR_NAME, lfs.dir);
	f.target_dir = lfs.dir;
	options(&o, cfg, env.vmcore8, NULL, &ops, &f);
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_EQ_INT(res.exit_code, KSAVE_EXIT_INCOMPLETE);
	check_partial(dir);
	ASSERT_TRUE(file_contains(tpath("%s/kdump-save.log", dir), "No space left on device"));
	ASSERT_TRUE(strstr(last_line(tpath("%s/kdump-save.log", dir)),
			   "error: incomplete: /var/crash/" DIR_NAME "/vmcore.incomplete on ext4 "
			   "LABEL=dumps"));
	ASSERT_EQ_INT(earlier_crc(lfs.dir), crc);
	ksave_result_done(&res);
	kdump_config_free(cfg);
	loopfs_remove(&lfs);
}

static void shut_down(void *userdata)
{
	if (loopfs_shutdown(userdata) < 0)
		abort();
}

/* Run with the target's disk going away 3 MiB into the dump. */
static void run_gone(const char *conf, const char *root, KsaveResult *res, uint32_t *crc)
{
	KdumpConfig *cfg = tconfig(conf);
	struct fake f = { .target_dir = lfs.dir };
	KsaveOptions o;
	KsaveOps ops;

	*crc = earlier_dump(lfs.dir);
	options(&o, cfg, env.vmcore8, root, &ops, &f);
	o.fault_after = 3 << 20;
	o.fault_hook = shut_down;
	o.fault_userdata = lfs.dir;
	if (ksave_run(&o, res) < 0)
		abort();
	kdump_config_free(cfg);
}

TEST(target_gone)
{
	KsaveResult res;
	uint32_t crc;
	char *dir;

	if (!loop_target("gone", "64M"))
		return;
	run_gone("ext4 LABEL=dumps\npath /var/crash\ncore_collector makedumpfile-lite -d 0\n",
		 NULL, &res, &crc);
	/* nothing readable is there now: no dump saved, and the console says why */
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_EQ_INT(res.exit_code, KSAVE_EXIT_FAILED);
	ASSERT_TRUE(strstr(console, "collector: writing the dump failed: Input/output error"));
	ASSERT_TRUE(strstr(console, "cannot write to kdump-save.log any more"));
	ASSERT_TRUE(strstr(console, "error: no dump saved: vmcore.incomplete cannot be read back "
			   "(Input/output error): the target may be gone"));
	/* the disk comes back: the partial dump is there, marked, readable; the earlier one as
	 * it was; the log as far as it could be written */
	ASSERT_OK(loopfs_umount(&lfs));
	ASSERT_OK(loopfs_mount(&lfs));
	dir = tpath("%s/var/crash/" DIR_NAME, lfs.dir);
	check_partial(dir);
	ASSERT_EQ_INT(earlier_crc(lfs.dir), crc);
	ASSERT_EQ_INT(file_mode(tpath("%s/kdump-save.log", dir)), 0600);
	ASSERT_TRUE(file_contains(tpath("%s/kdump-save.log", dir), "saved vmcore-dmesg.txt"));
	ksave_result_done(&res);
	loopfs_remove(&lfs);
}

TEST(gone_fallback)
{
	char *root = tenv_dir(&env, "gone-root", "64M");
	char *dir = tpath("%s/var/crash/" DIR_NAME, root), *log = tpath("%s/kdump-save.log", dir);
	KsaveResult res;
	uint32_t crc;

	if (!loop_target("gone2", "64M"))
		return;
	run_gone("ext4 LABEL=dumps\npath /var/crash\ncore_collector makedumpfile-lite -d 0\n"
		 "failure_action dump_to_rootfs\n", root, &res, &crc);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_EQ_INT(res.exit_code, KSAVE_EXIT_FALLBACK);
	ASSERT_EQ_INT(dump_state(tpath("%s/vmcore", dir), NULL), 0);
	/* the root's log starts with the failed attempt */
	ASSERT_TRUE(file_contains(log, "cannot be read back (Input/output error)"));
	ASSERT_TRUE(strstr(last_line(log), "saved (by failure_action dump_to_rootfs)"));
	ASSERT_OK(loopfs_umount(&lfs));
	ASSERT_OK(loopfs_mount(&lfs));
	check_partial(tpath("%s/var/crash/" DIR_NAME, lfs.dir));
	ASSERT_EQ_INT(earlier_crc(lfs.dir), crc);
	ksave_result_done(&res);
	loopfs_remove(&lfs);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		T(write_error), T(short_input), T(killed), T(no_secrets), T(full_ext4),
		T(target_gone), T(gone_fallback),
	};
	int r;

	umask(0022);
	tenv_setup(&env, argc, argv);
	r = run_tests(cases, sizeof(cases) / sizeof(cases[0]));
	loopfs_remove(&lfs);
	tenv_cleanup(&env);
	return r;
}
