/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ksave_run() end to end on the synthetic vmcore, into tmpfs filesystems of chosen sizes, with
 * the fake KsaveOps (mount, reboot and the shell are recorded, never done): a saved dump, a
 * full disk, a write error, min_free_space, keep_old_dumps, links planted in the dump path,
 * the hooks, failure_action and final_action.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ksave-test.h"
#include "tests.h"

#define DIR_NAME "agenthost-2023-11-14-22:13:20"

static struct tenv env;

/* A config file's text with the dump path on --root; extra lines after it. */
static KdumpConfig *rootfs_config(const char *extra)
{
	return tconfig(tpath("path /var/crash\ncore_collector makedumpfile-lite -z -d 31\n"
			     "final_action poweroff\n%s", extra ? extra : ""));
}

/* The lines of the log, the last one. */
static const char *last_line(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[2048];
	const char *last = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		last = tpath("%s", line);
	fclose(f);
	return last;
}

TEST(saved)
{
	char *root = tenv_dir(&env, "saved", "64M"), *dir = tpath("%s/var/crash/" DIR_NAME, root);
	char *log = tpath("%s/kdump-save.log", dir), *dmesg = tpath("%s/vmcore-dmesg.txt", dir);
	KdumpConfig *cfg = rootfs_config(NULL);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;
	uint64_t pages = 0;
	const char *last;

	topts(&o, cfg, env.vmcore, root, &ops, &f, "/nonexistent");
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_EQ_INT(res.exit_code, 0);
	ASSERT_STREQ(res.dir, dir);
	ASSERT_STREQ(res.file, tpath("%s/vmcore", dir));
	ASSERT_EQ_INT(res.pages_written, 512);
	/* permissions: the directory 0700, every file 0600 */
	ASSERT_EQ_INT(file_mode(dir), 0700);
	ASSERT_EQ_INT(file_mode(tpath("%s/vmcore", dir)), 0600);
	ASSERT_EQ_INT(file_mode(dmesg), 0600);
	ASSERT_EQ_INT(file_mode(log), 0600);
	ASSERT_EQ_INT(count_entries(dir), 3);
	/* the dump reads back complete and clean */
	ASSERT_EQ_INT(dump_state(res.file, &pages), 0);
	ASSERT_EQ_INT(pages, 512);
	ASSERT_TRUE(file_contains(dmesg, "KDUMP-AGENT-TEST marker"));
	/* the log: dmesg saved before the collector started, the final line says it all */
	ASSERT_TRUE(file_find(log, "saved vmcore-dmesg.txt") >= 0);
	ASSERT_TRUE(file_find(log, "saved vmcore-dmesg.txt") < file_find(log, "collector:"));
	last = last_line(log);
	ASSERT_TRUE(last && strstr(last, "saved: /var/crash/" DIR_NAME "/vmcore on the root "
				   "filesystem"));
	ASSERT_TRUE(strstr(last, "512 of 512 pages, complete, verified"));
	ASSERT_TRUE(strstr(last, tpath("(%llu bytes)", (unsigned long long)res.size)));
	/* final_action, through the fake */
	ASSERT_EQ_INT(f.reboots, 1);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_POWEROFF);
	ASSERT_EQ_INT(f.mounts, 0);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(fs_target)
{
	char *target = tenv_dir(&env, "fs", "64M");
	KdumpConfig *cfg = tconfig("ext4 LABEL=dumps\npath /crash/dumps\nfinal_action halt\n");
	struct fake f = { .target_dir = target };
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	topts(&o, cfg, env.vmcore, NULL, &ops, &f, "/nonexistent");
	o.no_action = true;
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	/* the label went through the resolver; the filesystem was unmounted at the end */
	ASSERT_STREQ(f.device, "/dev/fake-dumps");
	ASSERT_STREQ(f.fstype, "ext4");
	ASSERT_EQ_INT(f.mounts, 1);
	ASSERT_EQ_INT(f.umounts, 1);
	ASSERT_STREQ(res.dir, "/nonexistent/run/target/crash/dumps/" DIR_NAME);
	ASSERT_EQ_INT(dump_state(tpath("%s/crash/dumps/" DIR_NAME "/vmcore", target), NULL), 0);
	/* --no-action: halt is announced, not done */
	ASSERT_EQ_INT(f.reboots, 0);
	ASSERT_EQ_INT(res.action, KDUMP_ACTION_HALT);
	ASSERT_TRUE(!res.action_taken);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* An earlier dump, to see that a failure leaves it alone. */
static char *earlier_dump(const char *root)
{
	char *d = tpath("%s/var/crash/old-2020-01-01-00:00:00", root);

	if (mkdir(tpath("%s/var", root), 0755) < 0 || mkdir(tpath("%s/var/crash", root), 0700) < 0 ||
	    mkdir(d, 0700) < 0 || write_file(tpath("%s/kdump-save.log", d), "old\n", 0600) < 0 ||
	    write_file(tpath("%s/vmcore", d), "an old dump", 0600) < 0)
		return NULL;
	return d;
}

TEST(full_disk)
{
	char *root, *old, *dir, *log;
	KdumpConfig *cfg;
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;
	uint32_t crc;

	if (!env.mounts) {
		fprintf(stderr, "skipped: no tmpfs\n");
		return;
	}
	/* 1 MiB: the uncompressed dump (2 MiB) cannot fit */
	root = tenv_dir(&env, "full", "1M");
	old = earlier_dump(root);
	ASSERT_TRUE(old != NULL);
	crc = file_crc(tpath("%s/vmcore", old));
	dir = tpath("%s/var/crash/" DIR_NAME, root);
	log = tpath("%s/kdump-save.log", dir);
	cfg = tconfig("path /var/crash\ncore_collector makedumpfile-lite -d 31\n");
	topts(&o, cfg, env.vmcore, root, &ops, &f, "/nonexistent");
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_EQ_INT(res.exit_code, 3);
	/* never named vmcore; readable, and marked incomplete */
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore", dir)));
	ASSERT_TRUE(file_exists(tpath("%s/vmcore.incomplete", dir)));
	ASSERT_EQ_INT(file_mode(tpath("%s/vmcore.incomplete", dir)), 0600);
	ASSERT_TRUE(dump_state(tpath("%s/vmcore.incomplete", dir), NULL) & 1);
	ASSERT_TRUE(file_contains(tpath("%s/vmcore-dmesg.txt", dir), "KDUMP-AGENT-TEST"));
	/* the log says how much was saved, and why not all */
	ASSERT_TRUE(file_contains(log, "No space left on device"));
	ASSERT_TRUE(file_contains(log, "pages were saved"));
	ASSERT_TRUE(strstr(last_line(log), "incomplete: /var/crash/" DIR_NAME
			   "/vmcore.incomplete"));
	ASSERT_TRUE(strstr(last_line(log), "of 512 pages, readable as far as it got"));
	/* the earlier dump is untouched; failure_action (reboot) through the fake */
	ASSERT_EQ_INT(file_crc(tpath("%s/vmcore", old)), crc);
	ASSERT_EQ_INT(f.reboots, 1);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_REBOOT);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(write_error)
{
	char *root = tenv_dir(&env, "eio", "64M"), *dir = tpath("%s/var/crash/" DIR_NAME, root);
	KdumpConfig *cfg = rootfs_config(NULL);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	topts(&o, cfg, env.vmcore, root, &ops, &f, "/nonexistent");
	o.fault_after = 100000;
	o.fault_errno = EIO;
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_TRUE(strstr(res.reason, "Input/output error") != NULL);
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore", dir)));
	ASSERT_TRUE(dump_state(tpath("%s/vmcore.incomplete", dir), NULL) & 1);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(min_free_space)
{
	char *root = tenv_dir(&env, "minfree", "64M"), *dir = tpath("%s/var/crash/" DIR_NAME, root);
	KdumpConfig *cfg = rootfs_config("min_free_space 1T\n");
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	topts(&o, cfg, env.vmcore, root, &ops, &f, "/nonexistent");
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_DMESG_ONLY);
	ASSERT_EQ_INT(res.exit_code, 4);
	ASSERT_TRUE(file_contains(tpath("%s/vmcore-dmesg.txt", dir), "KDUMP-AGENT-TEST"));
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore", dir)));
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore.incomplete", dir)));
	ASSERT_TRUE(file_contains(tpath("%s/kdump-save.log", dir), "min_free_space keeps 1.0 TiB"));
	ASSERT_TRUE(strstr(last_line(tpath("%s/kdump-save.log", dir)), "dmesg only: "));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

static void make_dump(const char *crash, const char *name, const char *extra)
{
	char *d = tpath("%s/%s", crash, name);

	if (mkdir(d, 0700) < 0 || write_file(tpath("%s/kdump-save.log", d), "x\n", 0600) < 0 ||
	    write_file(tpath("%s/vmcore", d), "x", 0600) < 0 ||
	    (extra && write_file(tpath("%s/%s", d, extra), "x", 0600) < 0))
		abort();
}

TEST(keep_old_dumps)
{
	char *root = tenv_dir(&env, "keep", "64M"), *crash = tpath("%s/var/crash", root);
	char *victim = tenv_dir(&env, "keep-victim", NULL);
	KdumpConfig *cfg = rootfs_config("keep_old_dumps 1\n");
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ASSERT_OK(mkdir(tpath("%s/var", root), 0755));
	ASSERT_OK(mkdir(crash, 0700));
	make_dump(crash, "a-2021-01-01-00:00:00", NULL);
	make_dump(crash, "b-2022-01-01-00:00:00", NULL);
	make_dump(crash, "c-2022-01-01-00:00:00.2", NULL);
	make_dump(crash, "d-2023-01-01-00:00:00", NULL); /* the newest: kept */
	make_dump(crash, "e-2020-01-01-00:00:00", "notes.txt"); /* not only ours: kept */
	ASSERT_OK(mkdir(tpath("%s/fedora-127.0.0.1-2020-01-01-00:00:00", crash), 0700));
	ASSERT_OK(write_file(tpath("%s/x", victim), "precious", 0600));
	ASSERT_OK(symlink(victim, tpath("%s/f-2019-01-01-00:00:00", crash)));
	ASSERT_OK(write_file(tpath("%s/not-a-dump", crash), "x", 0600));

	topts(&o, cfg, env.vmcore, root, &ops, &f, "/nonexistent");
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_TRUE(!file_exists(tpath("%s/a-2021-01-01-00:00:00", crash)));
	ASSERT_TRUE(!file_exists(tpath("%s/b-2022-01-01-00:00:00", crash)));
	ASSERT_TRUE(!file_exists(tpath("%s/c-2022-01-01-00:00:00.2", crash)));
	ASSERT_TRUE(file_exists(tpath("%s/d-2023-01-01-00:00:00/vmcore", crash)));
	ASSERT_TRUE(file_exists(tpath("%s/e-2020-01-01-00:00:00/notes.txt", crash)));
	ASSERT_TRUE(file_exists(tpath("%s/fedora-127.0.0.1-2020-01-01-00:00:00", crash)));
	ASSERT_TRUE(file_exists(tpath("%s/f-2019-01-01-00:00:00", crash)));
	ASSERT_TRUE(file_contains(tpath("%s/x", victim), "precious"));
	ASSERT_TRUE(file_exists(tpath("%s/not-a-dump", crash)));
	ASSERT_TRUE(file_exists(tpath("%s/" DIR_NAME "/vmcore", crash)));
	ASSERT_TRUE(file_contains(tpath("%s/" DIR_NAME "/kdump-save.log", crash),
				  "deleted the old dump b-2022-01-01-00:00:00"));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(symlink_in_path)
{
	char *root = tenv_dir(&env, "link", "64M"), *elsewhere = tenv_dir(&env, "link-to", NULL);
	KdumpConfig *cfg = rootfs_config(NULL);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ASSERT_OK(mkdir(tpath("%s/var", root), 0755));
	ASSERT_OK(symlink(elsewhere, tpath("%s/var/crash", root)));
	topts(&o, cfg, env.vmcore, root, &ops, &f, "/nonexistent");
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_EQ_INT(res.exit_code, 1);
	ASSERT_TRUE(strstr(res.reason, "'crash' in the dump path /var/crash is a symbolic link"));
	ASSERT_EQ_INT(count_entries(elsewhere), 0);
	ASSERT_EQ_INT(f.reboots, 1);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_REBOOT);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(hooks)
{
	char *root = tenv_dir(&env, "hooks", "64M"), *bin = tenv_dir(&env, "hooks-bin", NULL);
	char *pre_out = tpath("%s/pre.out", bin), *post_out = tpath("%s/post.out", bin);
	char *hook = tpath("%s/hook", bin);
	KdumpConfig *cfg;
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ASSERT_OK(write_file(hook, tpath("#!/bin/sh\nout=%s/$KDUMP_HOOK.out\n"
					 "echo \"args=$*\" >$out\nenv | sort >>$out\n"
					 "[ \"$KDUMP_HOOK\" = pre ] && sleep 600\nexit 0\n", bin),
			     0755));
	cfg = rootfs_config(tpath("kdump_pre %s 'one arg'\nkdump_post %s x\n", hook, hook));
	topts(&o, cfg, env.vmcore, root, &ops, &f, "/nonexistent");
	o.hook_timeout = 1;
	ASSERT_OK(ksave_run(&o, &res));
	/* the pre hook timed out and was killed; the dump was saved all the same */
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_TRUE(file_contains(pre_out, "args=one arg\n"));
	ASSERT_TRUE(file_contains(pre_out, "KDUMP_HOOK=pre\n"));
	ASSERT_TRUE(file_contains(pre_out, "KDUMP_VMCORE=" ));
	ASSERT_TRUE(file_contains(pre_out, "KDUMP_PATH=/var/crash\n"));
	ASSERT_TRUE(!file_contains(pre_out, "KDUMP_STATUS="));
	ASSERT_TRUE(file_contains(tpath("%s/var/crash/" DIR_NAME "/kdump-save.log", root),
				  "kdump_pre: still running after 1 s"));
	/* the post hook: the status, where the dump is, and the exit code as last argument */
	ASSERT_TRUE(file_contains(post_out, "args=x 0\n"));
	ASSERT_TRUE(file_contains(post_out, "KDUMP_STATUS=saved\n"));
	ASSERT_TRUE(file_contains(post_out, "KDUMP_EXIT_CODE=0\n"));
	ASSERT_TRUE(file_contains(post_out, tpath("KDUMP_DUMP_DIR=%s/var/crash/" DIR_NAME "\n",
						  root)));
	ASSERT_TRUE(file_contains(post_out, tpath("KDUMP_DUMP_FILE=%s/var/crash/" DIR_NAME
						  "/vmcore\n", root)));
	ASSERT_TRUE(file_contains(post_out, "KDUMP_HOST=agenthost\n"));
	ASSERT_TRUE(file_contains(post_out, "KDUMP_CRASH_TIME=1700000000\n"));
	ASSERT_TRUE(file_contains(post_out, "PATH=/usr/local/sbin:"));
	ASSERT_TRUE(!file_contains(post_out, "HOME="));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(dump_to_rootfs)
{
	char *root = tenv_dir(&env, "fallback", "64M"), *dir = tpath("%s/var/crash/" DIR_NAME, root);
	KdumpConfig *cfg = tconfig("ext4 LABEL=gone\npath /var/crash\n"
				   "failure_action dump_to_rootfs\nfinal_action poweroff\n");
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	topts(&o, cfg, env.vmcore, root, &ops, &f, "/nonexistent");
	ASSERT_OK(ksave_run(&o, &res));
	/* the target is missing (the resolver finds no LABEL=gone): saved on the root instead */
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_TRUE(res.fallback);
	ASSERT_EQ_INT(res.exit_code, 5);
	ASSERT_EQ_INT(dump_state(tpath("%s/vmcore", dir), NULL), 0);
	/* the reason is in the log of the dump that was saved */
	ASSERT_TRUE(file_contains(tpath("%s/kdump-save.log", dir), "no device has LABEL=gone"));
	ASSERT_TRUE(file_contains(tpath("%s/kdump-save.log", dir),
				  "failure_action dump_to_rootfs: saving to the root filesystem"));
	ASSERT_TRUE(strstr(last_line(tpath("%s/kdump-save.log", dir)),
			   "saved (by failure_action dump_to_rootfs)"));
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_POWEROFF);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(failure_shell)
{
	KdumpConfig *cfg = tconfig("ext4 /dev/nothing\nfailure_action shell\nfinal_action halt\n");
	struct fake f = { .mount_error = -EIO };
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	topts(&o, cfg, env.vmcore, NULL, &ops, &f, "/nonexistent");
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_TRUE(strstr(res.reason, "cannot mount /dev/nothing") != NULL);
	/* the shell, then final_action */
	ASSERT_EQ_INT(f.shells, 1);
	ASSERT_EQ_INT(f.reboots, 1);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_HALT);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(no_vmcore)
{
	char *proc = tenv_dir(&env, "proc", NULL);
	KdumpConfig *cfg = rootfs_config("failure_action halt\n");
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ASSERT_OK(mkdir(tpath("%s/sys", proc), 0755));
	ASSERT_OK(mkdir(tpath("%s/sys/kernel", proc), 0755));
	ASSERT_OK(write_file(tpath("%s/sys/kernel/hostname", proc), "capture\n", 0644));
	topts(&o, cfg, "/nonexistent/vmcore", "/nonexistent", &ops, &f, proc);
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_TRUE(strstr(res.reason, "cannot read /nonexistent/vmcore") != NULL);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_HALT);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

TEST(root_from_cmdline)
{
	char *target = tenv_dir(&env, "cmdline-root", "64M"), *proc = tenv_dir(&env, "proc2", NULL);
	KdumpConfig *cfg = rootfs_config(NULL);
	struct fake f = { .target_dir = target };
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ASSERT_OK(write_file(tpath("%s/cmdline", proc), "BOOT_IMAGE=/vmlinuz root=LABEL=dumps "
			     "rootfstype=btrfs rootflags=\"subvol=@\" ro irqpoll\n", 0644));
	topts(&o, cfg, env.vmcore, NULL, &ops, &f, proc);
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_STREQ(f.device, "/dev/fake-dumps");
	ASSERT_STREQ(f.fstype, "btrfs");
	ASSERT_STREQ(f.options, "subvol=@");
	ASSERT_TRUE(file_exists(tpath("%s/var/crash/" DIR_NAME "/vmcore", target)));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		T(saved), T(fs_target), T(full_disk), T(write_error), T(min_free_space),
		T(keep_old_dumps), T(symlink_in_path), T(hooks), T(dump_to_rootfs),
		T(failure_shell), T(no_vmcore), T(root_from_cmdline),
	};
	int r;

	umask(0022);
	tenv_setup(&env, argc, argv);
	r = run_tests(cases, sizeof(cases) / sizeof(cases[0]));
	tenv_cleanup(&env);
	return r;
}
