/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Raw targets, with a file standing in for the device: the capture writes our header, its log,
 * vmcore-dmesg.txt and the flattened stream; ksave_raw_probe() sees it pending;
 * ksave_raw_recover() (what kdumpctl start calls) saves it as a dump directory and clears the
 * device. Also: a device too small for the stream (an incomplete dump, recovered as such), a
 * capture that died half way (its header still says "writing"), a bare flattened stream at
 * offset 0 (Fedora's kdump), nothing pending, and a full disk at recovery time.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "ksave-test.h"
#include "raw.h"
#include "tests.h"

#define DIR_NAME "agenthost-2023-11-14-22:13:20"

static struct tenv env;

static char *device(const char *name, uint64_t size)
{
	char *path = tpath("%s/%s", env.base, name);
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0 || ftruncate(fd, (off_t)size) < 0)
		abort();
	/* what was on the device before: not zeros, so that nothing relies on them */
	for (uint64_t off = 0; off < size; off += 1 << 20)
		if (pwrite(fd, "garbage from an earlier life", 28, (off_t)off) != 28)
			abort();
	close(fd);
	return path;
}

static void capture(const char *dev, const char *collector, const char *vmcore, KsaveResult *res)
{
	/* the parser wants raw devices under /dev: the file is put in afterwards */
	KdumpConfig *cfg = tconfig(tpath("raw /dev/placeholder\npath /var/crash\n"
					 "core_collector %s\n", collector));
	struct fake f = {};
	KsaveOptions o;
	KsaveOps ops;

	free(cfg->device);
	cfg->device = strdup(dev);
	topts(&o, cfg, vmcore, NULL, &ops, &f, "/nonexistent");
	if (ksave_run(&o, res) < 0)
		abort();
	kdump_config_free(cfg);
}

static void quiet(int level, const char *text, void *userdata)
{
	if (getenv("KSAVE_TEST_VERBOSE"))
		fprintf(stderr, "  | %s\n", text);
}

static const KsaveCallbacks cb = { .message = quiet };

static void recover(const char *dev, const char *dir, KsaveResult *res)
{
	KsaveRecoverOptions ro = { .device = dev, .root = dir, .dir = "/crash",
				   .keep_old_dumps = KDUMP_KEEP_ALL, .cb = &cb };

	if (ksave_raw_recover(&ro, res) < 0)
		abort();
}

TEST(round_trip)
{
	char *dev = device("raw1.img", 32 << 20), *dir = tenv_dir(&env, "raw1", "64M");
	char *saved = tpath("%s/crash/" DIR_NAME, dir);
	KsaveResult res;
	KsaveRawInfo info;

	capture(dev, "makedumpfile-lite -z -d 31", env.vmcore, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_EQ_INT(res.exit_code, 0);
	ASSERT_TRUE(res.dir == NULL);
	ksave_result_done(&res);

	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 1);
	ASSERT_TRUE(info.ours && info.finished && info.complete);
	ASSERT_STREQ(info.host, "agenthost");
	ASSERT_STREQ(info.osrelease, "6.1.0-agent-test");
	ASSERT_EQ_INT(info.crash_time, 1700000000);
	ASSERT_EQ_INT(info.stream_offset, 1 << 20);
	ASSERT_TRUE(info.dmesg_size > 100);

	recover(dev, dir, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ASSERT_STREQ(res.dir, saved);
	ASSERT_STREQ(res.file, tpath("%s/vmcore", saved));
	ASSERT_EQ_INT(dump_state(res.file, NULL), 0);
	ASSERT_EQ_INT(file_mode(saved), 0700);
	ASSERT_EQ_INT(file_mode(res.file), 0600);
	ASSERT_EQ_INT(file_mode(tpath("%s/vmcore-dmesg.txt", saved)), 0600);
	ASSERT_TRUE(file_contains(tpath("%s/vmcore-dmesg.txt", saved), "KDUMP-AGENT-TEST marker"));
	/* the capture's log, then the recovery's */
	ASSERT_TRUE(file_find(tpath("%s/kdump-save.log", saved), "saved: ") >= 0);
	ASSERT_TRUE(file_find(tpath("%s/kdump-save.log", saved), "saved: ") <
		    file_find(tpath("%s/kdump-save.log", saved), "recovering the dump"));
	ksave_result_done(&res);
	/* cleared: nothing pending any more */
	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 0);
	recover(dev, dir, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_NONE);
	ASSERT_EQ_INT(res.exit_code, 0);
	ASSERT_EQ_INT(count_entries(tpath("%s/crash", dir)), 1);
	ksave_result_done(&res);
}

TEST(device_too_small)
{
	/* 5 MiB: room for 4 MiB of stream, the uncompressed 8 MiB dump does not fit */
	char *dev = device("raw2.img", 5 << 20), *dir = tenv_dir(&env, "raw2", "64M");
	KsaveResult res;
	KsaveRawInfo info;

	capture(dev, "makedumpfile-lite -d 0", env.vmcore8, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_EQ_INT(res.exit_code, 3);
	ASSERT_TRUE(strstr(res.reason, "the device is full") != NULL);
	ksave_result_done(&res);
	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 1);
	ASSERT_TRUE(info.finished && !info.complete);

	recover(dev, dir, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_STREQ(res.file, tpath("%s/crash/" DIR_NAME "/vmcore.incomplete", dir));
	/* rebuilt as far as the stream got, readable, marked incomplete */
	ASSERT_TRUE(dump_state(res.file, NULL) & 1);
	ASSERT_TRUE(!file_exists(tpath("%s/crash/" DIR_NAME "/vmcore", dir)));
	ksave_result_done(&res);
	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 0);
}

TEST(capture_died)
{
	char *dev = device("raw3.img", 32 << 20), *dir = tenv_dir(&env, "raw3", "64M");
	struct raw_header h;
	KsaveResult res;
	KsaveRawInfo info;
	int fd;

	capture(dev, "makedumpfile-lite -d 31", env.vmcore, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ksave_result_done(&res);
	/* as if the capture kernel had died after the first checkpoint: "writing", 64 KiB known */
	fd = open(dev, O_RDWR);
	ASSERT_EQ_INT(raw_header_read(fd, &h), RAW_OURS);
	h.state = RAW_STATE_WRITING;
	h.flags = 0;
	h.stream_size = 64 << 10;
	ASSERT_OK(raw_header_write(fd, &h));
	close(fd);
	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 1);
	ASSERT_TRUE(!info.finished);

	recover(dev, dir, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_INCOMPLETE);
	ASSERT_TRUE(strstr(res.reason, "did not finish") != NULL);
	ASSERT_TRUE(dump_state(res.file, NULL) != 0);
	ASSERT_TRUE(file_contains(tpath("%s/crash/" DIR_NAME "/vmcore-dmesg.txt", dir),
				  "KDUMP-AGENT-TEST"));
	ksave_result_done(&res);
}

TEST(bare_stream)
{
	char *dev = device("raw4.img", 8 << 20), *dir = tenv_dir(&env, "raw4", "64M");
	char *cmd = tpath("dd if='%s' of='%s' conv=notrunc status=none", env.flat, dev);
	KsaveResult res;
	KsaveRawInfo info;

	ASSERT_OK(system(cmd));
	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 1);
	ASSERT_TRUE(!info.ours);
	recover(dev, dir, &res);
	/* the garbage after the stream's end record is never read as records */
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	/* named after the dump's own host and crash time; the log taken from the dump */
	ASSERT_STREQ(res.dir, tpath("%s/crash/" DIR_NAME, dir));
	ASSERT_EQ_INT(dump_state(res.file, NULL), 0);
	ASSERT_TRUE(file_contains(tpath("%s/vmcore-dmesg.txt", res.dir), "KDUMP-AGENT-TEST"));
	ksave_result_done(&res);
	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 0);
}

TEST(nothing_pending)
{
	char *dev = device("raw5.img", 8 << 20), *dir = tenv_dir(&env, "raw5", NULL);
	KsaveResult res;
	KsaveRawInfo info;

	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 0);
	recover(dev, dir, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_NONE);
	ASSERT_TRUE(!file_exists(tpath("%s/crash", dir)));
	ksave_result_done(&res);
	ASSERT_TRUE(ksave_raw_probe("/nonexistent/dev", &info, NULL) == -ENOENT);
}

TEST(recover_disk_full)
{
	char *dev, *dir;
	KsaveResult res;
	KsaveRawInfo info;

	if (!env.mounts) {
		fprintf(stderr, "skipped: no tmpfs\n");
		return;
	}
	dev = device("raw6.img", 32 << 20);
	dir = tenv_dir(&env, "raw6", "4M");
	capture(dev, "makedumpfile-lite -d 0", env.vmcore8, &res);
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_SAVED);
	ksave_result_done(&res);
	recover(dev, dir, &res);
	/* not saved: the device keeps it for the next start */
	ASSERT_EQ_INT(res.status, KSAVE_STATUS_FAILED);
	ASSERT_TRUE(strstr(res.reason, "not enough space") != NULL);
	ASSERT_EQ_INT(res.exit_code, 1);
	ksave_result_done(&res);
	ASSERT_EQ_INT(ksave_raw_probe(dev, &info, NULL), 1);
}

int main(int argc, char **argv)
{
	static const struct test_case cases[] = {
		T(round_trip), T(device_too_small), T(capture_died), T(bare_stream),
		T(nothing_pending), T(recover_disk_full),
	};
	int r;

	umask(0022);
	tenv_setup(&env, argc, argv);
	r = run_tests(cases, ELEMENTSOF(cases));
	tenv_cleanup(&env);
	return r;
}
