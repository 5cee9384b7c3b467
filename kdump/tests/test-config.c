/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump.conf: every directive, every error with its exact FILE:LINE message, the file checks. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kdump-config.h"
#include "kdump-util.h"
#include "tests.h"

static KdumpDiags D;
static KdumpConfig *C;
static char *formatted;

static int parse(const char *text)
{
	kdump_config_free(C);
	C = NULL;
	kdump_diags_done(&D);
	return kdump_config_parse_string("kdump.conf", text, &C, &D);
}

/* All diagnostics, formatted and joined by newlines. */
static const char *diags(void)
{
	char **l = NULL;

	for (size_t i = 0; i < D.n; i++) {
		char *s;
		if (kdump_diag_format(&D.items[i], &s) < 0 || kdump_strv_consume(&l, s) < 0)
			abort();
	}
	free(formatted);
	formatted = l ? kdump_strv_join(l, "\n") : strdup("");
	kdump_strv_free(l);
	return formatted;
}

static const char *joined(char **l)
{
	free(formatted);
	formatted = kdump_strv_join(l, " ");
	return formatted;
}

TEST(defaults)
{
	ASSERT_OK(parse(""));
	ASSERT_EQ_INT(D.n, 0);
	ASSERT_STREQ(C->path, "/var/crash");
	ASSERT_EQ_INT(C->target, KDUMP_TARGET_ROOTFS);
	ASSERT_STREQ(joined(C->core_collector), "makedumpfile-lite -z -d 31");
	ASSERT_EQ_INT(C->failure_action, KDUMP_ACTION_REBOOT);
	ASSERT_EQ_INT(C->final_action, KDUMP_ACTION_REBOOT);
	ASSERT_EQ_U64(C->keep_old_dumps, KDUMP_KEEP_ALL);
	ASSERT_EQ_U64(C->min_free_space, 0);
	ASSERT_TRUE(!C->kdump_pre && !C->kdump_post && !C->extra_bins && !C->dracut_args);
	ASSERT_TRUE(!C->force_rebuild && !C->force_no_rebuild);
}

TEST(comments_blank_lines_crlf)
{
	ASSERT_OK(parse("# kdump.conf\n\n   \t\n  path /srv/crash   # where\r\n#path /nowhere\n"));
	ASSERT_STREQ(diags(), "");
	ASSERT_STREQ(C->path, "/srv/crash");
	ASSERT_EQ_INT(C->line[KDUMP_DIR_PATH], 4);
	/* '#' inside a word is part of it, as in the shell. */
	ASSERT_OK(parse("kdump_post /usr/bin/logger a#b\n"));
	ASSERT_STREQ(joined(C->kdump_post), "/usr/bin/logger a#b");
}

TEST(every_directive)
{
	ASSERT_OK(parse("path /dumps\n"
			"ext4 UUID=0a1b2c3d-1111-2222-3333-444455556666\n"
			"core_collector makedumpfile -l --message-level 7 -d 31\n"
			"kdump_pre /usr/local/bin/pre-dump --flag\n"
			"kdump_post sh -c 'logger \"dump finished: $1\"'\n"
			"failure_action shell\n"
			"final_action poweroff\n"
			"extra_bins /usr/bin/logger /usr/bin/sync\n"
			"extra_bins stat\n"
			"extra_modules virtio_blk nvme-core\n"
			"dracut_args --omit-drivers \"cfg80211 snd\" --add-drivers ext4\n"
			"force_rebuild 0\n"
			"force_no_rebuild 1\n"
			"keep_old_dumps 3\n"
			"min_free_space 2G\n"));
	ASSERT_STREQ(diags(), "");
	ASSERT_STREQ(C->path, "/dumps");
	ASSERT_EQ_INT(C->target, KDUMP_TARGET_FS);
	ASSERT_STREQ(C->fstype, "ext4");
	ASSERT_STREQ(C->device, "UUID=0a1b2c3d-1111-2222-3333-444455556666");
	ASSERT_STREQ(joined(C->core_collector), "makedumpfile -l --message-level 7 -d 31");
	ASSERT_STREQ(joined(C->kdump_pre), "/usr/local/bin/pre-dump --flag");
	ASSERT_EQ_INT(kdump_strv_length(C->kdump_post), 3);
	ASSERT_STREQ(C->kdump_post[2], "logger \"dump finished: $1\"");
	ASSERT_EQ_INT(C->failure_action, KDUMP_ACTION_SHELL);
	ASSERT_EQ_INT(C->final_action, KDUMP_ACTION_POWEROFF);
	ASSERT_STREQ(joined(C->extra_bins), "/usr/bin/logger /usr/bin/sync stat");
	ASSERT_STREQ(joined(C->extra_modules), "virtio_blk nvme-core");
	ASSERT_EQ_INT(kdump_strv_length(C->dracut_args), 4);
	ASSERT_STREQ(C->dracut_args[1], "cfg80211 snd");
	ASSERT_TRUE(!C->force_rebuild && C->force_no_rebuild);
	ASSERT_EQ_U64(C->keep_old_dumps, 3);
	ASSERT_EQ_U64(C->min_free_space, 2ULL << 30);
	ASSERT_EQ_INT(C->line[KDUMP_DIR_EXTRA_BINS], 9);
	ASSERT_EQ_INT(C->line[KDUMP_DIR_MIN_FREE_SPACE], 15);
}

TEST(targets)
{
	ASSERT_OK(parse("xfs LABEL=\"crash dumps\"\n"));
	ASSERT_STREQ(C->fstype, "xfs");
	ASSERT_STREQ(C->device, "LABEL=crash dumps");
	ASSERT_OK(parse("btrfs /dev/vdb1\npath /snapshots/crash\n"));
	ASSERT_STREQ(C->fstype, "btrfs");
	ASSERT_STREQ(C->device, "/dev/vdb1");
	ASSERT_OK(parse("raw /dev/disk/by-partlabel/kdump\n"));
	ASSERT_EQ_INT(C->target, KDUMP_TARGET_RAW);
	ASSERT_TRUE(C->fstype == NULL);
	ASSERT_OK(parse("raw PARTUUID=6a0c3b2e-01\n"));
	ASSERT_OK(parse("ext4 PARTLABEL=dumps\n"));
	ASSERT_OK(parse("keep_old_dumps all\nkeep_old_dumps_x 1\n") == -EINVAL ? 0 : 1);
	ASSERT_OK(parse("keep_old_dumps 0\nmin_free_space 0\n"));
	ASSERT_EQ_U64(C->keep_old_dumps, 0);
	ASSERT_OK(parse("final_action halt\nfailure_action dump_to_rootfs\nraw /dev/vdc\n"));
	ASSERT_EQ_INT(C->failure_action, KDUMP_ACTION_DUMP_TO_ROOTFS);
	ASSERT_EQ_INT(C->final_action, KDUMP_ACTION_HALT);
}

#include "config-cases.h"

TEST(errors)
{
	for (size_t i = 0; i < ELEMENTSOF(error_cases); i++) {
		int r = parse(error_cases[i].text);

		if (r != error_cases[i].r || strcmp(diags(), error_cases[i].expect) != 0)
			fprintf(stderr, "case %zu: %s\n  got %d:\n%s\n", i, error_cases[i].text, r, diags());
		ASSERT_EQ_INT(r, error_cases[i].r);
		ASSERT_STREQ(diags(), error_cases[i].expect);
		ASSERT_TRUE((r == 0) == (C != NULL));
	}
}

TEST(error_classes)
{
	ASSERT_EQ_INT(parse("fence_kdump_nodes node1\n"), -EINVAL);
	ASSERT_EQ_INT(D.items[0].error, -EOPNOTSUPP);
	ASSERT_STREQ(C ? "set" : "unset", "unset");
	ASSERT_EQ_INT(parse("pth /x\n"), -EINVAL);
	ASSERT_EQ_INT(D.items[0].error, -EINVAL);
	ASSERT_EQ_INT(D.items[0].line, 1);
	ASSERT_STREQ(D.items[0].file, "kdump.conf");
	ASSERT_STREQ(D.items[0].hint, "did you mean 'path'?");
	/* Network targets, taken apart for the agent and kdumpctl. */
	ASSERT_OK(parse("ssh kdump@host\n"));
	ASSERT_EQ_INT(C->target, KDUMP_TARGET_SSH);
	ASSERT_STREQ(C->ssh, "kdump@host");
	ASSERT_STREQ(C->sshkey, KDUMP_DEFAULT_SSHKEY);
	{
		KdumpSshTarget t;
		KdumpNfsTarget n;
		char name[300];

		ASSERT_OK(kdump_ssh_target_parse("kdump@host", &t));
		ASSERT_STREQ(t.user, "kdump");
		ASSERT_STREQ(t.host, "host");
		ASSERT_EQ_INT(t.port, 22);
		ASSERT_OK(kdump_ssh_known_hosts_name(&t, name, sizeof(name)));
		ASSERT_STREQ(name, "host");
		ASSERT_OK(kdump_ssh_target_parse("root@[fd00::1]:2222", &t));
		ASSERT_STREQ(t.host, "fd00::1");
		ASSERT_EQ_INT(t.port, 2222);
		ASSERT_TRUE(t.ipv6);
		ASSERT_OK(kdump_ssh_known_hosts_name(&t, name, sizeof(name)));
		ASSERT_STREQ(name, "[fd00::1]:2222");
		ASSERT_EQ_INT(kdump_ssh_target_parse("root@host:65536", &t), -EINVAL);
		ASSERT_EQ_INT(kdump_ssh_target_parse("-oProxyCommand=x@host", &t), -EINVAL);
		ASSERT_EQ_INT(kdump_ssh_target_parse("root@-oProxyCommand=x", &t), -EINVAL);
		ASSERT_EQ_INT(kdump_ssh_target_parse("root@host:22:22", &t), -EINVAL);
		ASSERT_OK(kdump_nfs_target_parse("[fd00::1]:/export/crash", &n));
		ASSERT_STREQ(n.host, "fd00::1");
		ASSERT_STREQ(n.export, "/export/crash");
		ASSERT_OK(kdump_nfs_target_parse("nfs.example.com:/x", &n));
		ASSERT_STREQ(n.host, "nfs.example.com");
		ASSERT_EQ_INT(kdump_nfs_target_parse("host:export", &n), -EINVAL);
	}
	ASSERT_OK(parse("nfs 10.0.2.2:/export\npath /crash\n"));
	ASSERT_EQ_INT(C->target, KDUMP_TARGET_NFS);
	ASSERT_STREQ(C->nfs, "10.0.2.2:/export");
}

TEST(long_line)
{
	char *s = malloc(5000);

	ASSERT_TRUE(s);
	memset(s, 'a', 4999);
	memcpy(s, "path /", 6);
	s[4999] = '\0';
	ASSERT_EQ_INT(parse(s), -EINVAL);
	free(s);
	ASSERT_STREQ(diags(), "kdump.conf:1: error: the line is longer than 4096 characters");
}

TEST(check_stat)
{
	struct stat st = { .st_mode = S_IFREG | 0600, .st_uid = 0 };
	KdumpError e = { 0 };

	ASSERT_OK(kdump_config_check_stat("/etc/kdump.conf", &st, 0, &e));
	st.st_mode = S_IFREG | 0644;
	ASSERT_OK(kdump_config_check_stat("/etc/kdump.conf", &st, 0, &e));
	st.st_mode = S_IFREG | 0664;
	ASSERT_EQ_INT(kdump_config_check_stat("/etc/kdump.conf", &st, 0, &e), -EPERM);
	ASSERT_STREQ(e.message, "'/etc/kdump.conf' is writable by its group (mode 0664), and the "
		     "hooks it names run as root: refusing it; run 'chmod go-w /etc/kdump.conf'");
	st.st_mode = S_IFREG | 0646;
	ASSERT_EQ_INT(kdump_config_check_stat("/etc/kdump.conf", &st, 0, &e), -EPERM);
	ASSERT_STREQ(e.message, "'/etc/kdump.conf' is writable by others (mode 0646), and the "
		     "hooks it names run as root: refusing it; run 'chmod go-w /etc/kdump.conf'");
	st.st_mode = S_IFREG | 0644;
	st.st_uid = 1000;
	ASSERT_EQ_INT(kdump_config_check_stat("/etc/kdump.conf", &st, 0, &e), -EPERM);
	ASSERT_STREQ(e.message, "'/etc/kdump.conf' is owned by uid 1000, not root, and the hooks "
		     "it names run as root: refusing it; run 'chown root: /etc/kdump.conf'");
	/* Not running as root: the user's own file (or root's) is fine. */
	ASSERT_OK(kdump_config_check_stat("/etc/kdump.conf", &st, 1000, &e));
	ASSERT_EQ_INT(kdump_config_check_stat("/etc/kdump.conf", &st, 1001, &e), -EPERM);
	st.st_uid = 0;
	ASSERT_OK(kdump_config_check_stat("/etc/kdump.conf", &st, 1000, &e));
	st.st_mode = S_IFDIR | 0755;
	ASSERT_EQ_INT(kdump_config_check_stat("/etc/kdump.conf", &st, 0, &e), -EINVAL);
	ASSERT_STREQ(e.message, "'/etc/kdump.conf' is not a regular file");
	ASSERT_EQ_INT(kdump_config_check_stat("x", &st, 0, NULL), -EINVAL);
}

static char tmpdir[] = "/tmp/test-kdump-config.XXXXXX";

static const char *write_tmp(const char *name, const char *content, size_t len, mode_t mode)
{
	static char path[256];
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, content, len) != (ssize_t)len || fchmod(fd, mode) < 0)
		abort();
	close(fd);
	return path;
}

TEST(parse_file)
{
	const char *p;
	char expect[512];

	ASSERT_TRUE(mkdtemp(tmpdir));
	kdump_config_free(C);
	C = NULL;
	kdump_diags_done(&D);
	p = write_tmp("good.conf", "path /var/crash\nfinal_action halt\n", 34, 0600);
	ASSERT_OK(kdump_config_parse_file(p, true, &C, &D));
	ASSERT_EQ_INT(C->final_action, KDUMP_ACTION_HALT);

	kdump_config_free(C);
	C = NULL;
	p = write_tmp("open.conf", "path /var/crash\n", 16, 0666);
	ASSERT_EQ_INT(kdump_config_parse_file(p, true, &C, &D), -EPERM);
	snprintf(expect, sizeof(expect), "%s: error: '%s' is writable by others (mode 0666), and "
		 "the hooks it names run as root: refusing it; run 'chmod go-w %s'", p, p, p);
	ASSERT_STREQ(diags(), expect);
	kdump_diags_done(&D);
	ASSERT_OK(kdump_config_parse_file(p, false, &C, &D));

	kdump_config_free(C);
	C = NULL;
	p = write_tmp("nul.conf", "path /var/crash\nfinal_action\0halt\n", 34, 0600);
	ASSERT_EQ_INT(kdump_config_parse_file(p, true, &C, &D), -EINVAL);
	snprintf(expect, sizeof(expect), "%s:2: error: the file contains a NUL byte: is it a text "
		 "file?", p);
	ASSERT_STREQ(diags(), expect);
	kdump_diags_done(&D);

	snprintf(expect, sizeof(expect), "%s/missing.conf", tmpdir);
	ASSERT_EQ_INT(kdump_config_parse_file(expect, true, &C, &D), -ENOENT);
	ASSERT_EQ_INT(D.items[0].line, 0);
	ASSERT_STREQ(D.items[0].message, "cannot open: No such file or directory");
	kdump_diags_done(&D);
	unlink(write_tmp("good.conf", "", 0, 0600));
	unlink(write_tmp("open.conf", "", 0, 0600));
	unlink(write_tmp("nul.conf", "", 0, 0600));
	rmdir(tmpdir);
}

static int fake_resolver(const char *spec, char **ret, void *userdata)
{
	(*(int *)userdata)++;
	if (strcmp(spec, "UUID=0a1b-2c3d") == 0) {
		*ret = strdup("/dev/vdb1");
		return *ret ? 0 : -ENOMEM;
	}
	if (strcmp(spec, "LABEL=broken") == 0) {
		*ret = strdup("vdb1");
		return 0;
	}
	return -ENODEV;
}

TEST(resolve_device)
{
	KdumpError e = { 0 };
	char *dev = NULL;
	int calls = 0;

	ASSERT_OK(kdump_resolve_device("UUID=0a1b-2c3d", fake_resolver, &calls, &dev, &e));
	ASSERT_STREQ(dev, "/dev/vdb1");
	free(dev);
	ASSERT_OK(kdump_resolve_device("/dev/sda2", fake_resolver, &calls, &dev, &e));
	ASSERT_STREQ(dev, "/dev/sda2");
	free(dev);
	ASSERT_EQ_INT(calls, 1);
	dev = NULL;
	ASSERT_EQ_INT(kdump_resolve_device("LABEL=dumps", fake_resolver, &calls, &dev, &e), -ENODEV);
	ASSERT_STREQ(e.message, "no device has LABEL=dumps ('blkid' lists the filesystems present; "
		     "is the disk attached?)");
	ASSERT_TRUE(dev == NULL);
	ASSERT_EQ_INT(kdump_resolve_device("LABEL=broken", fake_resolver, &calls, &dev, &e), -EIO);
	ASSERT_EQ_INT(kdump_resolve_device("sda", fake_resolver, &calls, &dev, &e), -EINVAL);
	ASSERT_STREQ(e.message, "'sda' is not a device specification");
	ASSERT_TRUE(kdump_device_spec_valid("PARTLABEL=x") && !kdump_device_spec_valid("/dev/"));
	/* libblkid itself: a UUID no disk has. */
	ASSERT_EQ_INT(kdump_resolve_device("UUID=00000000-dead-beef-0000-000000000000",
					   kdump_blkid_resolver, NULL, &dev, &e), -ENODEV);
}

TEST(names_and_distance)
{
	KdumpAction a;

	ASSERT_STREQ(kdump_action_to_string(KDUMP_ACTION_DUMP_TO_ROOTFS), "dump_to_rootfs");
	ASSERT_OK(kdump_action_from_string("poweroff", &a));
	ASSERT_EQ_INT(a, KDUMP_ACTION_POWEROFF);
	ASSERT_EQ_INT(kdump_action_from_string("Reboot", &a), -EINVAL);
	ASSERT_STREQ(kdump_directive_to_string(KDUMP_DIR_MIN_FREE_SPACE), "min_free_space");
	ASSERT_STREQ(kdump_directive_to_string(KDUMP_DIR_TARGET_FS), "ext4|xfs|btrfs");
	ASSERT_STREQ(kdump_target_type_to_string(KDUMP_TARGET_RAW), "raw");
	ASSERT_EQ_INT(kdump_edit_distance("", "abc"), 3);
	ASSERT_EQ_INT(kdump_edit_distance("reboot", "rebot"), 1);
	ASSERT_EQ_INT(kdump_edit_distance("halt", "hlat"), 1);
	ASSERT_EQ_INT(kdump_edit_distance("kitten", "sitting"), 3);
}

/* The sample installed as /etc/kdump.conf parses without a word. */
TEST(sample_file)
{
	kdump_config_free(C);
	C = NULL;
	kdump_diags_done(&D);
	ASSERT_OK(kdump_config_parse_file(KDUMP_SAMPLE_CONF, false, &C, &D));
	ASSERT_STREQ(diags(), "");
	ASSERT_STREQ(C->path, "/var/crash");
	ASSERT_STREQ(joined(C->core_collector), "makedumpfile-lite -z -d 31");
}

/* What Fedora's kdump-utils installs (comments aside) is accepted, with one warning. */
TEST(fedora_default_file)
{
	ASSERT_OK(parse("# This file contains a series of commands to perform (in order) in the kdump\n"
			"auto_reset_crashkernel yes\n"
			"path /var/crash\n"
			"core_collector makedumpfile -l --message-level 7 -d 31\n"
			"#failure_action shell\n"
			"#sshkey /root/.ssh/kdump_id_rsa\n"));
	ASSERT_EQ_INT(D.n, 1);
	ASSERT_EQ_INT(D.items[0].severity, KDUMP_SEVERITY_WARNING);
	ASSERT_EQ_INT(D.items[0].line, 2);
	ASSERT_STREQ(C->core_collector[0], "makedumpfile");
	/* Fedora's obsolete "default", as older files have it. */
	ASSERT_OK(parse("xfs LABEL=crash\npath /crash\ndefault reboot\n"));
	ASSERT_EQ_INT(C->failure_action, KDUMP_ACTION_REBOOT);
}

TEST(cleanup)
{
	kdump_config_free(C);
	C = NULL;
	kdump_diags_done(&D);
	free(formatted);
	formatted = NULL;
}

RUN_TESTS(T(defaults), T(comments_blank_lines_crlf), T(every_directive), T(targets), T(errors),
	  T(error_classes), T(long_line), T(check_stat), T(parse_file), T(resolve_device),
	  T(names_and_distance), T(sample_file), T(fedora_default_file), T(cleanup))
