/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ssh and nfs targets of ksave_run() (suite 'kdump'). ssh against a real OpenSSH server that
 * this test starts on 127.0.0.1 (sshd-fixture.c): its own host key pinned in a known_hosts
 * file, its own authorized_keys. A saved dump (vmcore-dmesg.txt first, vmcore.flat only with
 * its end record and the checksum the server computed, vmcore.flat.sha256 beside it, readable
 * by libvmcore), the server down, a key the server does not know, a host key that is not the
 * pinned one, the server killed part way through the stream (a proxy cuts it), a collector
 * that fails part way; each with failure_action. The flattened-stream tracker on streams cut at
 * every kind of boundary. nfs: the mount(2) options and the save through the fake mount.
 */
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "ksave-test.h"
#include "sshd-fixture.h"
#include "tests.h"

#define DIR_NAME "agenthost-2023-11-14-22:13:20"
#define DIR_NAME8 "agenthost-2023-11-14-22:13:20" /* the 8 MiB vmcore: the same time */

static struct tenv env;
static struct sshd srv;

static double mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* A configuration for the test server, with extra lines. */
static KdumpConfig *ssh_config(unsigned port, const char *key, const char *dumps, const char *extra)
{
	return tconfig(tpath("ssh %s@127.0.0.1:%u\nsshkey %s\npath %s\n"
			     "core_collector makedumpfile-lite -z -d 31\nfinal_action poweroff\n%s",
			     srv.user, port, key, dumps, extra ? extra : ""));
}

static void ssh_opts(KsaveOptions *o, KdumpConfig *cfg, const char *vmcore, const char *root,
		     KsaveOps *ops, struct fake *f, const char *known_hosts)
{
	topts(o, cfg, vmcore, root, ops, f, "/nonexistent");
	o->known_hosts = known_hosts;
	o->net_timeout = 20;
}

static const char *last_line(const char *path)
{
	FILE *f = fopen(path, "re");
	char line[4096];
	const char *last = NULL;

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f))
		last = tpath("%s", line);
	fclose(f);
	return last;
}

static bool sha256_matches(const char *dir)
{
	return system(tpath("cd '%s' && sha256sum --quiet -c vmcore.flat.sha256 >/dev/null 2>&1",
			    dir)) == 0;
}

TEST(saved)
{
	char *dumps = tpath("%s/srv-saved/dumps", env.base), *dir = tpath("%s/" DIR_NAME, dumps);
	char *log = tpath("%s/kdump-save.log", dir), *flat = tpath("%s/vmcore.flat", dir);
	KdumpConfig *cfg = ssh_config(srv.port, srv.client_key, dumps, NULL);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;
	uint64_t pages = 0;
	const char *last;

	ssh_opts(&o, cfg, env.vmcore, NULL, &ops, &f, srv.known_hosts);
	ASSERT_OK(ksave_run(&o, &res));
	if (res.status != KSAVE_STATUS_SAVED)
		fprintf(stderr, "reason: %s\n", res.reason);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_EQ_INT(res.exit_code, 0);
	ASSERT_STREQ(res.dir, tpath("%s@127.0.0.1:%s", srv.user, dir));
	ASSERT_STREQ(res.file, tpath("%s@127.0.0.1:%s/vmcore.flat", srv.user, dir));
	/* exactly these four files, in a 0700 directory */
	ASSERT_EQ_INT(count_entries(dir), 4);
	ASSERT_EQ_INT(file_mode(dir), 0700);
	ASSERT_TRUE(file_exists(flat));
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore.flat.incomplete", dir)));
	ASSERT_TRUE(file_contains(tpath("%s/vmcore-dmesg.txt", dir), "KDUMP-AGENT-TEST marker"));
	/* the checksum computed while sending is what the server has */
	ASSERT_TRUE(sha256_matches(dir));
	/* libvmcore reads the stream as it is: complete, every page */
	ASSERT_EQ_INT(dump_state(flat, &pages), 0);
	ASSERT_EQ_INT(pages, 512);
	ASSERT_EQ_INT(res.pages_written, 512);
	/* vmcore-dmesg.txt went first; the log ends with the final line */
	ASSERT_TRUE(file_find(log, "saved vmcore-dmesg.txt") >= 0);
	ASSERT_TRUE(file_find(log, "saved vmcore-dmesg.txt") < file_find(log, "collector:"));
	ASSERT_TRUE(file_find(log, "end record seen") >= 0);
	last = last_line(log);
	ASSERT_TRUE(last && strstr(last, tpath("saved: %s/vmcore.flat on ssh %s@127.0.0.1:%u",
					       dir, srv.user, srv.port)));
	ASSERT_TRUE(strstr(last, "512 of 512 pages, complete, sha256 checked on the server"));
	ASSERT_EQ_INT(f.reboots, 1);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_POWEROFF);
	ASSERT_EQ_INT(f.mounts, 0);
	ksave_result_done(&res);

	/* the same crash again: a new directory (.2), never the existing one */
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_TRUE(file_exists(tpath("%s.2/vmcore.flat", dir)));
	ASSERT_TRUE(sha256_matches(tpath("%s.2", dir)));
	ASSERT_EQ_INT(count_entries(dir), 4);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* Nothing listens: bounded retries, then dump_to_rootfs with the reason in its log. */
TEST(server_down)
{
	char *root = tenv_dir(&env, "down-root", "64M");
	/* dump_to_rootfs: the same 'path', on the root filesystem */
	char *local = tpath("%s/srv/dumps/" DIR_NAME, root), *log = tpath("%s/kdump-save.log", local);
	unsigned port = free_port();
	KdumpConfig *cfg = ssh_config(port, srv.client_key, "/srv/dumps",
				      "failure_action dump_to_rootfs\n");
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;
	double t0;

	ssh_opts(&o, cfg, env.vmcore, root, &ops, &f, srv.known_hosts);
	o.net_timeout = 4;
	t0 = mono();
	ASSERT_OK(ksave_run(&o, &res));
	/* retried for net_timeout, not forever, not at once */
	ASSERT_TRUE(mono() - t0 >= 3.5);
	ASSERT_TRUE(mono() - t0 < 30);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_TRUE(res.fallback);
	ASSERT_EQ_INT(res.exit_code, 5);
	ASSERT_EQ_INT(dump_state(tpath("%s/vmcore", local), NULL), 0);
	ASSERT_TRUE(file_contains(log, "waiting up to 4 s for 127.0.0.1"));
	ASSERT_TRUE(file_contains(log, tpath("no dump saved: cannot reach 127.0.0.1:%u", port)));
	ASSERT_TRUE(file_contains(log, "Connection refused"));
	ASSERT_TRUE(file_contains(log, "failure_action dump_to_rootfs: saving to the root "
				  "filesystem instead"));
	ASSERT_TRUE(strstr(last_line(log), "saved (by failure_action dump_to_rootfs)"));
	ASSERT_EQ_INT(f.reboots, 1);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_POWEROFF);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* A key the server does not know: no retries (it will not change), failure_action reboot. */
TEST(wrong_key)
{
	char *dumps = tpath("%s/srv-wrongkey", env.base);
	KdumpConfig *cfg = ssh_config(srv.port, srv.other_key, tpath("%s/dumps", dumps), NULL);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;
	double t0;

	ssh_opts(&o, cfg, env.vmcore, NULL, &ops, &f, srv.known_hosts);
	o.net_timeout = 60;
	t0 = mono();
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_TRUE(mono() - t0 < 20);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_EQ_INT(res.exit_code, 1);
	ASSERT_TRUE(strstr(res.reason, tpath("127.0.0.1 refused the login as '%s' with the key %s",
					     srv.user, srv.other_key)));
	ASSERT_TRUE(strstr(res.reason, "Permission denied"));
	/* nothing was made on the server */
	ASSERT_TRUE(!file_exists(dumps));
	ASSERT_EQ_INT(f.reboots, 1);
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_REBOOT);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* The server's host key is not the pinned one: refused, nothing sent. */
TEST(wrong_host_key)
{
	char *dumps = tpath("%s/srv-hostkey", env.base);
	KdumpConfig *cfg = ssh_config(srv.port, srv.client_key, tpath("%s/dumps", dumps),
				      "failure_action halt\n");
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ssh_opts(&o, cfg, env.vmcore, NULL, &ops, &f, srv.wrong_known_hosts);
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_TRUE(strstr(res.reason, tpath("the host key of 127.0.0.1 is not the one pinned in "
					     "%s", srv.wrong_known_hosts)));
	ASSERT_TRUE(!file_exists(dumps));
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_HALT);
	ksave_result_done(&res);

	/* no pinned key at all: refused before connecting */
	o.known_hosts = tpath("%s/none", env.base);
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_TRUE(strstr(res.reason, "no pinned host key for 127.0.0.1"));
	ASSERT_TRUE(strstr(res.reason, "'kdumpctl propagate' records it"));
	ASSERT_TRUE(!file_exists(dumps));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* The server dies part way through the stream: never renamed; dump_to_rootfs saves it. */
TEST(stream_cut)
{
	char *dumps = tpath("%s/srv-cut/dumps", env.base), *dir = tpath("%s/" DIR_NAME8, dumps);
	char *root = tenv_dir(&env, "cut-root", "64M");
	char *local = tpath("%s%s/" DIR_NAME8, root, dumps), *log = tpath("%s/kdump-save.log", local);
	KdumpConfig *cfg;
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;
	struct stat st;

	/* connections: 1 the directory, 2 vmcore-dmesg.txt, 3 the stream (1.2 MiB): cut at 900 KiB */
	ASSERT_OK(sshd_start_cutting_proxy(&srv, 3, 900 << 10));
	cfg = ssh_config(srv.proxy_port, srv.client_key, dumps, "failure_action dump_to_rootfs\n");
	ssh_opts(&o, cfg, env.vmcore8, root, &ops, &f, srv.proxy_known_hosts);
	o.net_timeout = 5;
	ASSERT_OK(ksave_run(&o, &res));
	sshd_stop_proxy(&srv);
	sshd_stop(&srv);
	ASSERT_OK(sshd_start(&srv));
	/* the server has the part that reached the disk (sshd may have held it all in its
	 * buffers when it was killed), under its temporary name only */
	ASSERT_TRUE(file_exists(tpath("%s/vmcore-dmesg.txt", dir)));
	ASSERT_TRUE(stat(tpath("%s/vmcore.flat.incomplete", dir), &st) < 0 ||
		    st.st_size < 900 << 10);
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore.flat", dir)));
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore.flat.sha256", dir)));
	/* the fallback has the dump, and the reason */
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_TRUE(res.fallback);
	ASSERT_EQ_INT(dump_state(tpath("%s/vmcore", local), NULL), 0);
	ASSERT_TRUE(file_contains(log, "incomplete: " ));
	ASSERT_TRUE(file_contains(log, "the stream to 127.0.0.1 was cut after"));
	ASSERT_TRUE(file_contains(log, "vmcore.flat.incomplete keeps its name on 127.0.0.1"));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* The collector fails part way (a write error): the stream has no end record; not renamed. */
TEST(collector_fails)
{
	char *dumps = tpath("%s/srv-fault/dumps", env.base), *dir = tpath("%s/" DIR_NAME8, dumps);
	KdumpConfig *cfg = ssh_config(srv.port, srv.client_key, dumps, NULL);
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	ssh_opts(&o, cfg, env.vmcore8, NULL, &ops, &f, srv.known_hosts);
	o.fault_after = 300000;
	o.fault_errno = EIO;
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_EQ_INT(res.exit_code, 3);
	ASSERT_TRUE(strstr(res.reason, "Input/output error"));
	ASSERT_TRUE(file_exists(tpath("%s/vmcore.flat.incomplete", dir)));
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore.flat", dir)));
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore.flat.sha256", dir)));
	/* the log went to the server too, ending with what happened */
	ASSERT_TRUE(strstr(last_line(tpath("%s/kdump-save.log", dir)), "incomplete: "));
	ASSERT_EQ_INT(f.action, KDUMP_ACTION_REBOOT);
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* The server's disk fills up: its own words reach the reason; never renamed. */
TEST(server_full)
{
	char *disk, *dumps, *dir;
	KdumpConfig *cfg;
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	if (!env.mounts) {
		fprintf(stderr, "skipped: no tmpfs\n");
		return;
	}
	disk = tenv_dir(&env, "srv-full", "512K");
	dumps = tpath("%s/dumps", disk);
	dir = tpath("%s/" DIR_NAME8, dumps);
	cfg = ssh_config(srv.port, srv.client_key, dumps, NULL);
	ssh_opts(&o, cfg, env.vmcore8, NULL, &ops, &f, srv.known_hosts);
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_TRUE(strstr(res.reason, "No space left on device"));
	ASSERT_TRUE(file_exists(tpath("%s/vmcore-dmesg.txt", dir)));
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore.flat", dir)));
	ASSERT_TRUE(!file_exists(tpath("%s/vmcore.flat.sha256", dir)));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

/* ---- the stream tracker ---- */

static size_t make_stream(uint8_t *buf, size_t cap, bool end, bool junk)
{
	size_t n = 4096;
	uint64_t rec[2];

	memset(buf, 0, 4096);
	memcpy(buf, "makedumpfile", 12);
	buf[23] = 1;
	buf[31] = 1;
	for (int i = 0; i < 3; i++) {
		uint64_t len = 1000 + 777 * (uint64_t)i;

		rec[0] = htobe64(8192 * (uint64_t)i);
		rec[1] = htobe64(len);
		memcpy(buf + n, rec, 16);
		n += 16;
		memset(buf + n, 'a' + i, len);
		n += len;
	}
	if (end) {
		memset(buf + n, 0xff, 16);
		n += 16;
	}
	if (junk)
		buf[n++] = 'x';
	(void)cap;
	return n;
}

TEST(flat_track)
{
	static uint8_t buf[16384];
	struct flat_track t;
	char why[256];
	size_t n = make_stream(buf, sizeof(buf), true, false);

	/* whole, fed in pieces of every size */
	for (size_t step = 1; step <= 4113; step += step < 20 ? 1 : 509) {
		flat_track_init(&t);
		for (size_t off = 0; off < n; off += step)
			flat_track_feed(&t, buf + off, MIN(step, n - off));
		ASSERT_TRUE(flat_track_complete(&t, why, sizeof(why)));
		ASSERT_EQ_INT(t.records, 3);
	}
	/* cut anywhere before the end record's last byte: not whole */
	for (size_t cut = 0; cut < n; cut += cut < 4200 ? 97 : 1) {
		flat_track_init(&t);
		flat_track_feed(&t, buf, cut);
		ASSERT_TRUE(!flat_track_complete(&t, why, sizeof(why)));
	}
	/* without the end record */
	n = make_stream(buf, sizeof(buf), false, false);
	flat_track_init(&t);
	flat_track_feed(&t, buf, n);
	ASSERT_TRUE(!flat_track_complete(&t, why, sizeof(why)));
	ASSERT_TRUE(strstr(why, "without its end record"));
	/* something after it */
	n = make_stream(buf, sizeof(buf), true, true);
	flat_track_init(&t);
	flat_track_feed(&t, buf, n);
	ASSERT_TRUE(!flat_track_complete(&t, why, sizeof(why)));
	ASSERT_TRUE(strstr(why, "data after the end record"));
	/* not a flattened stream */
	n = make_stream(buf, sizeof(buf), true, false);
	buf[0] = 'M';
	flat_track_init(&t);
	flat_track_feed(&t, buf, n);
	ASSERT_TRUE(!flat_track_complete(&t, why, sizeof(why)));
	ASSERT_TRUE(strstr(why, "signature"));
	/* the digest is the stream's SHA-256, whatever the pieces */
	{
		char a[SHA256_HEX_SIZE], b[SHA256_HEX_SIZE];
		Sha256 s;
		uint8_t d[SHA256_DIGEST_SIZE];

		buf[0] = 'm';
		flat_track_init(&t);
		flat_track_feed(&t, buf, 5);
		flat_track_feed(&t, buf + 5, n - 5);
		flat_track_digest(&t, a);
		sha256_init(&s);
		sha256_update(&s, buf, n);
		sha256_final(&s, d);
		sha256_hex(d, b);
		ASSERT_STREQ(a, b);
	}
}

TEST(shell_quote)
{
	char *q = ksave_shell_quote("/var/crash/it's $HOME `x`");

	ASSERT_STREQ(q, "'/var/crash/it'\\''s $HOME `x`'");
	free(q);
}

/* ---- nfs, through the fake mount ---- */

TEST(nfs_options)
{
	char buf[256];

	ASSERT_OK(ksave_nfs_options("4.2", "10.0.2.100", false, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "vers=4.2,addr=10.0.2.100,clientaddr=0.0.0.0,soft,timeo=100,retrans=2,"
		     "proto=tcp");
	ASSERT_OK(ksave_nfs_options("3", "fd00::1", true, buf, sizeof(buf)));
	ASSERT_STREQ(buf, "vers=3,addr=fd00::1,soft,timeo=100,retrans=2,proto=tcp6,nolock");
}

TEST(nfs_saved)
{
	char *target = tenv_dir(&env, "nfs", "64M");
	KdumpConfig *cfg = tconfig("nfs 127.0.0.1:/export/crash\npath /dumps\nkeep_old_dumps 2\n");
	struct fake f = { .target_dir = target };
	KsaveOptions o;
	KsaveOps ops;
	KsaveResult res;

	topts(&o, cfg, env.vmcore, NULL, &ops, &f, "/nonexistent");
	o.no_action = true;
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_STREQ(f.device, "127.0.0.1:/export/crash");
	ASSERT_STREQ(f.fstype, "nfs");
	ASSERT_TRUE(strstr(f.options, "vers=4.2,addr=127.0.0.1,"));
	ASSERT_EQ_INT(f.umounts, 1);
	ASSERT_STREQ(res.dir, "/nonexistent/run/target/dumps/" DIR_NAME);
	ASSERT_EQ_INT(dump_state(tpath("%s/dumps/" DIR_NAME "/vmcore", target), NULL), 0);
	ASSERT_TRUE(file_contains(tpath("%s/dumps/" DIR_NAME "/kdump-save.log", target),
				  "on nfs 127.0.0.1:/export/crash"));
	ksave_result_done(&res);

	/* the server refuses (ECONNREFUSED until the timeout): failure_action, with the reason */
	f.mount_error = -ECONNREFUSED;
	o.net_timeout = 2;
	ASSERT_OK(ksave_run(&o, &res));
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_TRUE(strstr(res.reason, "cannot mount 127.0.0.1:/export/crash (127.0.0.1:/export/"
			   "crash) with NFS 4.2: Connection refused"));
	ksave_result_done(&res);
	kdump_config_free(cfg);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		T(flat_track), T(shell_quote), T(nfs_options), T(nfs_saved),
		T(saved), T(server_down), T(wrong_key), T(wrong_host_key), T(stream_cut),
		T(collector_fails), T(server_full),
	};
	int rc;

	tenv_setup(&env, argc, argv);
	sshd_setup(&srv, env.base);
	if (sshd_start(&srv) < 0) {
		tenv_cleanup(&env);
		return 1;
	}
	rc = run_tests(cases, ELEMENTSOF(cases));
	sshd_stop_proxy(&srv);
	sshd_stop(&srv);
	if (rc && getenv("KSAVE_TEST_KEEP"))
		fprintf(stderr, "kept %s\n", env.base);
	else
		tenv_cleanup(&env);
	return rc;
}
