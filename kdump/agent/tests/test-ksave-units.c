/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libkdump-save's pieces one by one: dump directory names, the path walk that refuses links,
 * the collector's options, the hooks (no shell, timeout, process group), the space estimate,
 * keep_old_dumps' idea of "ours".
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "kdump-util.h"
#include "ksave-test.h"
#include "tests.h"

static struct tenv env;

static void quiet(int level, const char *text, void *userdata)
{
	if (getenv("KSAVE_TEST_VERBOSE"))
		fprintf(stderr, "  | %s\n", text);
}

static const KsaveCallbacks cb = { .message = quiet };

TEST(dir_names)
{
	char buf[KSAVE_DIR_NAME_MAX];
	int64_t t;
	unsigned seq;

	ASSERT_OK(ksave_dump_dir_name("web-1.example", 1700000000, 1, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "web-1.example-2023-11-14-22:13:20");
	ASSERT_OK(ksave_dump_dir_parse(buf, &t, &seq));
	ASSERT_EQ_INT(t, 1700000000);
	ASSERT_EQ_INT(seq, 1);
	ASSERT_OK(ksave_dump_dir_name("node.1", 1700000000, 3, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "node.1-2023-11-14-22:13:20.3");
	ASSERT_OK(ksave_dump_dir_parse(buf, &t, &seq));
	ASSERT_EQ_INT(seq, 3);
	ASSERT_OK(ksave_dump_dir_parse("node.1-2023-11-14-22:13:20", &t, &seq));
	ASSERT_EQ_INT(seq, 1);
	/* not ours */
	ASSERT_EQ_INT(ksave_dump_dir_parse("127.0.0.1-2023-11-14-22:13:20x", &t, &seq), -EINVAL);
	ASSERT_EQ_INT(ksave_dump_dir_parse("-2023-11-14-22:13:20", &t, &seq), -EINVAL);
	ASSERT_EQ_INT(ksave_dump_dir_parse("h-2023-13-14-22:13:20", &t, &seq), -EINVAL);
	ASSERT_EQ_INT(ksave_dump_dir_parse("h-2023-11-14-22:13:20.1", &t, &seq), -EINVAL);
	ASSERT_EQ_INT(ksave_dump_dir_parse("vmcore", &t, &seq), -EINVAL);
	/* host names that are not a path component are refused */
	ASSERT_TRUE(!ksave_host_valid("(none)"));
	ASSERT_TRUE(!ksave_host_valid("../etc"));
	ASSERT_TRUE(!ksave_host_valid(".hidden"));
	ASSERT_TRUE(!ksave_host_valid(""));
	ASSERT_TRUE(ksave_host_valid("db_2.local"));
	ASSERT_EQ_INT(ksave_dump_dir_name("a/b", 0, 1, buf, sizeof(buf)), -EINVAL);
}

TEST(ident)
{
	vmcore_t *v = vmcore_new();
	struct ksave_ident id;

	ASSERT_OK(vmcore_open(v, env.vmcore));
	ksave_ident_read(v, "/nonexistent", 5, &id);
	ASSERT_STREQ(id.host, "agenthost");
	ASSERT_STREQ(id.host_from, "utsname");
	ASSERT_EQ_INT(id.crash_time, 1700000000);
	ASSERT_STREQ(id.osrelease, "6.1.0-agent-test");
	vmcore_free(v);
	/* no dump: the capture kernel's host name, else localhost, and the clock */
	ksave_ident_read(NULL, "/nonexistent", 5, &id);
	ASSERT_STREQ(id.host, "localhost");
	ASSERT_EQ_INT(id.crash_time, 5);
	ASSERT_TRUE(!id.time_from_dump);
}

TEST(path_walk)
{
	char *top = tenv_dir(&env, "walk", NULL), *elsewhere = tpath("%s/elsewhere", top);
	char *link = tpath("%s/var/crash", top), err[512];
	int root = open(top, O_RDONLY | O_DIRECTORY), fd = -1;

	ASSERT_TRUE(root >= 0);
	ASSERT_OK(ksave_open_dir_path(root, "/var/crash/deep", true, &fd, err, sizeof(err)));
	close(fd);
	ASSERT_EQ_INT(file_mode(tpath("%s/var", top)), 0755);
	ASSERT_EQ_INT(file_mode(tpath("%s/var/crash/deep", top)), 0700);
	/* a link planted in the path: refused, nothing written where it points */
	ASSERT_OK(mkdir(elsewhere, 0755));
	ASSERT_OK(rename(link, tpath("%s/var/moved", top)));
	ASSERT_OK(symlink(elsewhere, link));
	ASSERT_EQ_INT(ksave_open_dir_path(root, "/var/crash/deep", true, &fd, err, sizeof(err)),
		      -ELOOP);
	ASSERT_TRUE(strstr(err, "symbolic link") != NULL);
	ASSERT_EQ_INT(count_entries(elsewhere), 0);
	ASSERT_EQ_INT(ksave_open_dir_path(root, "/var/../etc", true, &fd, err, sizeof(err)),
		      -EINVAL);
	/* not a directory */
	ASSERT_OK(write_file(tpath("%s/file", top), "x", 0600));
	ASSERT_EQ_INT(ksave_open_dir_path(root, "/file/x", true, &fd, err, sizeof(err)), -ENOTDIR);
	close(root);
}

TEST(make_dump_dir)
{
	char *top = tenv_dir(&env, "mkdir", NULL), name[128];
	int pathfd = open(top, O_RDONLY | O_DIRECTORY), fd;

	ASSERT_TRUE(pathfd >= 0);
	umask(0077);
	/* a link with the dump's name is never reused nor followed: the next name is taken */
	ASSERT_OK(symlink("/tmp", tpath("%s/h-2023-11-14-22:13:20", top)));
	ASSERT_OK(ksave_make_dump_dir(pathfd, "h-2023-11-14-22:13:20", name, sizeof(name), &fd));
	ASSERT_STREQ(name, "h-2023-11-14-22:13:20.2");
	ASSERT_EQ_INT(file_mode(tpath("%s/%s", top, name)), 0700);
	close(fd);
	umask(0022);
	close(pathfd);
}

TEST(collector_options)
{
	char *a[] = { "makedumpfile-lite", "-z", "-d", "31", NULL };
	char *flat[] = { "/usr/sbin/makedumpfile", "-F", "-l", "-d", "17", NULL };
	char *dry[] = { "makedumpfile-lite", "--dry-run", NULL };
	char *bad[] = { "makedumpfile-lite", "--cyclic-buffer", "10", NULL };
	struct klog log;
	struct mdl_options o;

	klog_init(&log, &cb);
	ASSERT_OK(ksave_collector_options(&log, a, "/proc/vmcore", "/d/vmcore.incomplete", &o));
	ASSERT_EQ_INT(o.dump_level, 31);
	ASSERT_EQ_INT(o.flatten, 0);
	ASSERT_STREQ(o.dumpfile, "/d/vmcore.incomplete");
	ASSERT_STREQ(o.vmcore, "/proc/vmcore");
	/* a raw target: -F added */
	ASSERT_OK(ksave_collector_options(&log, a, "/proc/vmcore", NULL, &o));
	ASSERT_EQ_INT(o.flatten, 1);
	ASSERT_TRUE(o.dumpfile == NULL);
	/* -F on a file target: dropped */
	ASSERT_OK(ksave_collector_options(&log, flat, "/proc/vmcore", "/d/x", &o));
	ASSERT_EQ_INT(o.flatten, 0);
	ASSERT_EQ_INT(o.dump_level, 17);
	ASSERT_STREQ(o.dumpfile, "/d/x");
	ASSERT_TRUE(strstr(log.backlog, "-F is for raw targets") != NULL);
	ASSERT_EQ_INT(ksave_collector_options(&log, dry, "/proc/vmcore", "/d/x", &o), -EINVAL);
	ASSERT_EQ_INT(ksave_collector_options(&log, bad, "/proc/vmcore", "/d/x", &o), -EINVAL);
	ASSERT_TRUE(strstr(log.backlog, "cyclic-buffer") != NULL);
	klog_done(&log);
}

TEST(hook_no_shell)
{
	char *dir = tenv_dir(&env, "hook1", NULL), *script = tpath("%s/hook", dir);
	char *out = tpath("%s/out", dir);
	char *body = tpath("#!/bin/sh\nfor a in \"$@\"; do echo \"arg=$a\"; done >'%s'\n"
			   "echo \"env=$KDUMP_TEST_VAR home=${HOME-unset}\" >>'%s'\n"
			   "echo 'to the log'; echo 'to stderr' >&2; exit 3\n", out, out);
	char *argv[] = { script, "a b", "$HOME", "*", ";", NULL };
	char *envp[] = { "KDUMP_TEST_VAR=x y", NULL };
	struct hook_result hr;
	struct klog log;

	ASSERT_OK(write_file(script, body, 0755));
	klog_init(&log, &cb);
	ASSERT_OK(ksave_hook_run(&log, "kdump_post", argv, envp, 10, &hr));
	ASSERT_EQ_INT(hr.exit_status, 3);
	ASSERT_TRUE(!hr.timed_out);
	/* every argument arrives as it was written: no word splitting, no expansion */
	ASSERT_TRUE(file_contains(out, "arg=a b\narg=$HOME\narg=*\narg=;\n"));
	/* the environment is exactly ours */
	ASSERT_TRUE(file_contains(out, "env=x y home=unset"));
	ASSERT_TRUE(strstr(log.backlog, "kdump_post: to the log") != NULL);
	ASSERT_TRUE(strstr(log.backlog, "kdump_post: to stderr") != NULL);
	ASSERT_TRUE(strstr(log.backlog, "exited with status 3") != NULL);
	/* arguments are not logged (they may hold secrets) */
	ASSERT_TRUE(strstr(log.backlog, "$HOME") == NULL);
	klog_done(&log);
}

/* Gone, or a zombie waiting for an init that reaps slowly. */
static bool dead(int pid)
{
	char *path = tpath("/proc/%d/stat", pid), state = 0;
	FILE *f = fopen(path, "re");
	bool r;

	if (!f)
		return true;
	r = fscanf(f, "%*d (%*[^)]) %c", &state) == 1 && state == 'Z';
	fclose(f);
	return r;
}

TEST(hook_timeout_kills_group)
{
	char *dir = tenv_dir(&env, "hook2", NULL), *script = tpath("%s/hook", dir);
	char *pidfile = tpath("%s/pid", dir);
	char *body = tpath("#!/bin/sh\nsleep 300 &\necho $! >'%s'\nsleep 300\n", pidfile);
	char *argv[] = { script, NULL }, *envp[] = { NULL };
	struct hook_result hr;
	struct klog log;
	double t0 = ksave_mono();
	FILE *f;
	int pid = 0;

	ASSERT_OK(write_file(script, body, 0755));
	klog_init(&log, &cb);
	ASSERT_OK(ksave_hook_run(&log, "kdump_pre", argv, envp, 1, &hr));
	ASSERT_TRUE(hr.timed_out);
	ASSERT_TRUE(ksave_mono() - t0 < 10);
	ASSERT_TRUE(strstr(log.backlog, "killing it") != NULL);
	/* the background sleep went with its group */
	f = fopen(pidfile, "re");
	ASSERT_TRUE(f && fscanf(f, "%d", &pid) == 1 && pid > 0);
	fclose(f);
	usleep(100 * 1000);
	ASSERT_TRUE(dead(pid));
	klog_done(&log);
}

TEST(hook_missing_program)
{
	char *argv[] = { "no-such-program-kdump", NULL }, *envp[] = { NULL };
	struct hook_result hr;
	struct klog log;

	klog_init(&log, &cb);
	ASSERT_EQ_INT(ksave_hook_run(&log, "kdump_pre", argv, envp, 1, &hr), -ENOENT);
	ASSERT_TRUE(strstr(log.backlog, "not found in") != NULL);
	klog_done(&log);
}

TEST(space_estimate)
{
	char *dir = tenv_dir(&env, "space", "64M");
	vmcore_t *v = vmcore_new();
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	struct space s;

	ASSERT_OK(vmcore_open(v, env.vmcore));
	ASSERT_OK(ksave_space_check(v, 31, fd, 0, &s));
	/* 512 pages of RAM, uncompressed, plus the headers: an upper bound */
	ASSERT_TRUE(s.need >= 512 * 4096);
	ASSERT_TRUE(s.enough);
	ASSERT_OK(ksave_space_check(v, 31, fd, UINT64_C(1) << 50, &s));
	ASSERT_TRUE(!s.enough);
	ASSERT_OK(ksave_space_check(v, 31, fd, 1, &s));
	ASSERT_EQ_INT(s.enough, !env.mounts || s.avail > s.need);
	close(fd);
	vmcore_free(v);
}

TEST(ours_or_not)
{
	char *dir = tenv_dir(&env, "ours", NULL), why[256];
	int fd = open(dir, O_RDONLY | O_DIRECTORY);
	char *a = tpath("%s/h-2023-11-14-22:13:20", dir), *b = tpath("%s/h-2023-11-14-22:13:21",
								       dir);

	ASSERT_OK(mkdir(a, 0700));
	ASSERT_OK(write_file(tpath("%s/kdump-save.log", a), "x\n", 0600));
	ASSERT_OK(write_file(tpath("%s/vmcore", a), "x", 0600));
	ASSERT_TRUE(ksave_is_our_dump_dir(fd, "h-2023-11-14-22:13:20", why, sizeof(why)));
	/* without our log: someone else's (Fedora's kdump writes no kdump-save.log) */
	ASSERT_OK(mkdir(b, 0700));
	ASSERT_OK(write_file(tpath("%s/vmcore", b), "x", 0600));
	ASSERT_TRUE(!ksave_is_our_dump_dir(fd, "h-2023-11-14-22:13:21", why, sizeof(why)));
	/* a file we never write */
	ASSERT_OK(write_file(tpath("%s/kdump-save.log", b), "x\n", 0600));
	ASSERT_OK(write_file(tpath("%s/notes.txt", b), "mine", 0600));
	ASSERT_TRUE(!ksave_is_our_dump_dir(fd, "h-2023-11-14-22:13:21", why, sizeof(why)));
	ASSERT_TRUE(strstr(why, "notes.txt") != NULL);
	/* a link inside */
	ASSERT_OK(unlink(tpath("%s/notes.txt", b)));
	ASSERT_OK(symlink("/etc/passwd", tpath("%s/vmcore-dmesg.txt", b)));
	ASSERT_TRUE(!ksave_is_our_dump_dir(fd, "h-2023-11-14-22:13:21", why, sizeof(why)));
	close(fd);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		T(dir_names), T(ident), T(path_walk), T(make_dump_dir), T(collector_options),
		T(hook_no_shell), T(hook_timeout_kills_group), T(hook_missing_program),
		T(space_estimate), T(ours_or_not),
	};
	int r;

	tenv_setup(&env, argc, argv);
	r = run_tests(cases, ELEMENTSOF(cases));
	tenv_cleanup(&env);
	return r;
}
