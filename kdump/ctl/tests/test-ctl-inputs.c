/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The rebuild decision's parts: SHA-256, the inputs manifest (collect, format, parse, diff),
 * what counts as a change (content, target identity, modules, not mtimes), the dracut command
 * a plan makes, and kdumpctl's command line.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <utime.h>

#include "ctl-fixture.h"
#include "kdump-util.h"
#include "sha256.h"
#include "tests.h"

static void hex_of(const char *s, size_t len, char hex[SHA256_HEX_SIZE])
{
	uint8_t d[SHA256_DIGEST_SIZE];
	Sha256 h;

	sha256_init(&h);
	sha256_update(&h, s, len);
	sha256_final(&h, d);
	sha256_hex(d, hex);
}

TEST(sha256_vectors)
{
	static const char two_blocks[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
	char hex[SHA256_HEX_SIZE], big[SHA256_HEX_SIZE];
	static char million[1000000];
	uint8_t d[SHA256_DIGEST_SIZE];
	Sha256 h;

	hex_of("", 0, hex);
	ASSERT_STREQ(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	hex_of("abc", 3, hex);
	ASSERT_STREQ(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	hex_of(two_blocks, strlen(two_blocks), hex);
	ASSERT_STREQ(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
	/* One million 'a', fed in uneven pieces: the buffering across calls. */
	memset(million, 'a', sizeof(million));
	sha256_init(&h);
	for (size_t off = 0, step = 1; off < sizeof(million); off += step, step = step * 3 % 1000 + 1)
		sha256_update(&h, million + off, MIN(step, sizeof(million) - off));
	sha256_final(&h, d);
	sha256_hex(d, big);
	ASSERT_STREQ(big, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

static void plan_and_inputs(CtlFixture *fx, CtlBuildPlan *plan, CtlInputs *in)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	KdumpDiags d;
	KdumpError e = { 0 };

	kdump_diags_init(&d);
	fx_ctl(fx);
	if (ctl_config_load(&fx->ctl, &cfg, &d) < 0 ||
	    ctl_build_plan(&fx->ctl, cfg, FX_KVER, plan, &d) < 0 ||
	    ctl_inputs_collect(&fx->ctl, plan, in, &e) < 0) {
		ctl_print_diags(&d, stderr);
		fprintf(stderr, "%s\n", e.message);
		abort();
	}
	kdump_diags_done(&d);
}

/* Build (pretend: an image and the stored inputs), then ask what changed. */
static CtlRebuild decide(CtlFixture *fx, bool build_first, char ***changed)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	CtlBuildPlan plan = { 0 };
	CtlInputs in = { 0 };
	KdumpDiags d;
	CtlRebuild rb;

	plan_and_inputs(fx, &plan, &in);
	if (build_first) {
		fx_initramfs(fx, plan.output);
		if (ctl_inputs_save(&fx->ctl, plan.output, &in, NULL) < 0)
			abort();
	}
	kdump_diags_init(&d);
	if (ctl_config_load(&fx->ctl, &cfg, &d) < 0 ||
	    ctl_rebuild_needed(&fx->ctl, cfg, &plan, &in, &rb, changed) < 0)
		abort();
	kdump_diags_done(&d);
	ctl_inputs_done(&in);
	ctl_build_plan_done(&plan);
	fx_ctl_done(fx);
	return rb;
}

TEST(manifest_roundtrip)
{
	CtlFixture fx;
	CtlBuildPlan plan = { 0 };
	CtlInputs in = { 0 }, again = { 0 }, parsed = { 0 };
	_cleanup_free_ char *text = NULL;
	char **diff = NULL;

	fx_new(&fx);
	plan_and_inputs(&fx, &plan, &in);
	ASSERT_EQ_INT(strlen(in.digest), 64);
	ASSERT_STREQ(in.items[0].name, "kdumpctl");
	ASSERT_STREQ(in.items[1].value, FX_KVER);
	ASSERT_STREQ(in.items[2].name, "config /etc/kdump.conf");
	ASSERT_STREQ(in.items[3].name, "agent " KDUMPCTL_AGENT);
	ASSERT_STREQ(in.items[4].name, "file /usr/sbin/makedumpfile-lite");
	ASSERT_STREQ(in.items[6].value, "rootfs /dev/vda ext4 uuid=530edeef-4ee6-49f6-8d80-29e7b28bb4ea");
	ctl_build_plan_done(&plan);
	fx_ctl_done(&fx);
	plan_and_inputs(&fx, &plan, &again);
	ASSERT_STREQ(in.digest, again.digest);
	ASSERT_OK(ctl_inputs_format(&in, &text));
	ASSERT_TRUE(strstr(text, "\nconfig /etc/kdump.conf\t"));
	ASSERT_OK(ctl_inputs_parse(text, &parsed));
	ASSERT_STREQ(parsed.digest, in.digest);
	ASSERT_EQ_INT(parsed.n, in.n);
	ASSERT_OK(ctl_inputs_diff(&in, &parsed, &diff));
	ASSERT_TRUE(diff == NULL);
	/* One value changed, one entry gone: both named. */
	free(parsed.items[1].value);
	parsed.items[1].value = strdup("6.12.0");
	free(parsed.items[parsed.n - 1].name);
	parsed.items[parsed.n - 1].name = strdup("file /usr/bin/gone");
	ASSERT_OK(ctl_inputs_diff(&parsed, &in, &diff));
	ASSERT_EQ_INT(kdump_strv_length(diff), 3);
	ASSERT_STREQ(diff[0], "kernel");
	ASSERT_STREQ(diff[2], "file /usr/bin/gone");
	kdump_strv_free(diff);
	ctl_inputs_done(&parsed);
	ASSERT_EQ_INT(ctl_inputs_parse("kdumpctl 0.1\n", &parsed), -EBADMSG);
	ctl_inputs_done(&in);
	ctl_inputs_done(&again);
	ctl_build_plan_done(&plan);
	fx_ctl_done(&fx);
	fx_free(&fx);
}

TEST(what_is_a_change)
{
	_cleanup_strv_free_ char **changed = NULL;
	CtlFixture fx;
	struct utimbuf old = { 1000000000, 1000000000 };

	fx_new(&fx);
	ASSERT_EQ_INT(decide(&fx, false, &changed), CTL_REBUILD_MISSING);
	ASSERT_EQ_INT(decide(&fx, true, &changed), CTL_REBUILD_NO);
	ASSERT_TRUE(changed == NULL);
	/* New mtimes, same bytes: no change. */
	ASSERT_OK(utime(fx_path(&fx, "/etc/kdump.conf"), &old));
	ASSERT_OK(utime(fx_path(&fx, "/usr/sbin/makedumpfile-lite"), NULL));
	ASSERT_EQ_INT(decide(&fx, false, &changed), CTL_REBUILD_NO);
	/* A replaced binary with an old mtime: a change. */
	fx_write_exec(&fx, KDUMPCTL_AGENT, "#!/bin/sh\n# the capture agent, version 2\n");
	ASSERT_OK(utime(fx_path(&fx, KDUMPCTL_AGENT), &old));
	ASSERT_EQ_INT(decide(&fx, false, &changed), CTL_REBUILD_CHANGED);
	ASSERT_STREQ(changed[0], "agent " KDUMPCTL_AGENT);
	kdump_strv_free(changed);
	changed = NULL;
	/* The root filesystem was recreated (new UUID): a change of target. */
	ASSERT_EQ_INT(decide(&fx, true, &changed), CTL_REBUILD_NO);
	snprintf(fx.uuid, sizeof(fx.uuid), "ffffffff-4ee6-49f6-8d80-29e7b28bb4ea");
	ASSERT_EQ_INT(decide(&fx, false, &changed), CTL_REBUILD_CHANGED);
	ASSERT_STREQ(changed[0], "target");
	ASSERT_TRUE(changed[1] == NULL);
	kdump_strv_free(changed);
	changed = NULL;
	/* The kernel's modules, the dracut module: changes. */
	ASSERT_EQ_INT(decide(&fx, true, &changed), CTL_REBUILD_NO);
	fx_write(&fx, "lib/modules/" FX_KVER "/modules.dep", "kernel/fs/xfs/xfs.ko:\n");
	fx_write(&fx, KDUMPCTL_DRACUT_MODULE "/kdump-suite-capture.service", "[Unit]\n# new\n");
	ASSERT_EQ_INT(decide(&fx, false, &changed), CTL_REBUILD_CHANGED);
	ASSERT_EQ_INT(kdump_strv_length(changed), 2);
	kdump_strv_free(changed);
	changed = NULL;
	/* extra_bins and a target device: each a new input. */
	ASSERT_EQ_INT(decide(&fx, true, &changed), CTL_REBUILD_NO);
	fx_write_exec(&fx, "usr/bin/logger", "#!/bin/sh\n");
	fx_write(&fx, "etc/kdump.conf", "extra_bins logger\nxfs LABEL=dumps\nextra_modules nvme\n");
	snprintf(fx.type, sizeof(fx.type), "xfs");
	ASSERT_EQ_INT(decide(&fx, false, &changed), CTL_REBUILD_CHANGED);
	ASSERT_TRUE(kdump_strv_contains(changed, "file /usr/bin/logger"));
	ASSERT_TRUE(kdump_strv_contains(changed, "modules"));
	ASSERT_TRUE(kdump_strv_contains(changed, "target"));
	ASSERT_TRUE(kdump_strv_contains(changed, "config /etc/kdump.conf"));
	kdump_strv_free(changed);
	changed = NULL;
	/* The record of the inputs lost: rebuild. */
	ASSERT_EQ_INT(decide(&fx, true, &changed), CTL_REBUILD_NO);
	unlink(fx_path(&fx, "var/lib/kdump-suite/initramfs-" FX_KVER ".img.inputs"));
	ASSERT_EQ_INT(decide(&fx, false, &changed), CTL_REBUILD_CHANGED);
	fx_free(&fx);
}

TEST(dracut_command)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	_cleanup_strv_free_ char **argv = NULL, **env = NULL;
	_cleanup_free_ char *line = NULL, *envs = NULL;
	CtlBuildPlan plan = { 0 };
	CtlFixture fx;
	KdumpDiags d;

	fx_new(&fx);
	fx_write(&fx, "etc/kdump.conf", "ext4 UUID=0a1b2c3d-1111-2222-3333-444455556666\n"
		 "kdump_pre sh -c 'echo pre'\ndracut_args --omit-drivers \"cfg80211 snd\"\n"
		 "extra_modules nvme\nfailure_action shell\nfinal_action poweroff\n");
	fx_write_exec(&fx, "bin/sh", "");
	kdump_diags_init(&d);
	fx_ctl(&fx);
	ASSERT_OK(ctl_config_load(&fx.ctl, &cfg, &d));
	ASSERT_OK(ctl_build_plan(&fx.ctl, cfg, FX_KVER, &plan, &d));
	ASSERT_OK(ctl_dracut_command(cfg, &plan, "/out.img", &argv, &env));
	line = kdump_strv_join(argv, "|");
	envs = kdump_strv_join(env, "|");
	ASSERT_STREQ(line, "dracut|--force|--hostonly|--hostonly-mode|strict|--no-hostonly-cmdline|"
		     "--no-early-microcode|--modules|systemd systemd-initrd systemd-journald "
		     "dracut-systemd base fs-lib rootfs-block kernel-modules udev-rules kdump-suite|"
		     "--add-device|/dev/vdb1|--omit-drivers|cfg80211 snd|/out.img|" FX_KVER);
	ASSERT_TRUE(strstr(envs, "KDUMP_SUITE_BINARIES=/usr/sbin/makedumpfile-lite\n/bin/sh|"));
	ASSERT_TRUE(strstr(envs, "KDUMP_SUITE_KMODS=ext4 nvme|"));
	ASSERT_TRUE(strstr(envs, "KDUMP_SUITE_DEVICE=/dev/vdb1|"));
	ASSERT_TRUE(strstr(envs, "KDUMP_SUITE_FAILURE_ACTION=shell|"));
	ASSERT_TRUE(strstr(envs, "KDUMP_SUITE_FINAL_ACTION=poweroff"));
	ASSERT_STREQ(plan.target_id, "ext4 UUID=0a1b2c3d-1111-2222-3333-444455556666 /dev/vdb1 "
		     "uuid=530edeef-4ee6-49f6-8d80-29e7b28bb4ea");
	/* The capture command line for failure_action shell: dracut keeps its shell. */
	{
		_cleanup_free_ char *cmdline = NULL;

		ASSERT_OK(ctl_capture_cmdline(&fx.ctl, cfg, "root=/dev/vda ro crashkernel=256M "
					      "quiet", &cmdline));
		ASSERT_TRUE(!strstr(cmdline, "rd.shell=0"));
		ASSERT_TRUE(strstr(cmdline, "root=/dev/vda ro "));
		ASSERT_TRUE(strstr(cmdline, "rd.udev.children_max=2"));
	}
	kdump_diags_done(&d);
	ctl_build_plan_done(&plan);
	fx_ctl_done(&fx);
	fx_free(&fx);
}

static int parse(const char *const *words, CtlArgs *a, char **msg)
{
	char *argv[16];
	int argc = 0;

	argv[argc++] = (char *)"kdumpctl";
	for (; *words; words++)
		argv[argc++] = (char *)*words; /* getopt reorders argv, never its strings */
	argv[argc] = NULL;
	return ctl_args_parse(argc, argv, a, msg);
}

#define PARSE_FAILS(msg_, ...)                                                          \
	do {                                                                           \
		CtlArgs pa_;                                                          \
		char *pm_ = NULL;                                                     \
		ASSERT_EQ_INT(parse((const char *const[]){ __VA_ARGS__, NULL }, &pa_, &pm_), \
			      CTL_EXIT_USAGE);                                         \
		ASSERT_STREQ(pm_, msg_);                                                \
		free(pm_);                                                            \
	} while (0)

TEST(options)
{
	CtlArgs a;
	char *m = NULL;

	ASSERT_OK(parse((const char *const[]){ "status", "--json", "--config", "/x.conf", NULL },
			&a, &m));
	ASSERT_EQ_INT(a.command, CMD_STATUS);
	ASSERT_TRUE(a.json);
	ASSERT_STREQ(a.config, "/x.conf");
	ASSERT_OK(parse((const char *const[]){ "--config=/y", "crashkernel", "--set", "auto",
					       "--dry-run", NULL }, &a, &m));
	ASSERT_EQ_INT(a.command, CMD_CRASHKERNEL);
	ASSERT_STREQ(a.set, "auto");
	ASSERT_TRUE(a.dry_run && !a.force);
	ASSERT_OK(parse((const char *const[]){ "estimate", "--extra", "luks-argon2=1G", "--extra",
					       "mlx5=124M", NULL }, &a, &m));
	ASSERT_EQ_INT(a.n_extras, 2);
	ASSERT_STREQ(a.extras[0].name, "luks-argon2");
	ASSERT_EQ_U64(a.extras[1].bytes, 124ULL << 20);
	ASSERT_OK(parse((const char *const[]){ "list", "--help", NULL }, &a, &m));
	ASSERT_EQ_INT(a.command, CMD_HELP);
	ASSERT_OK(parse((const char *const[]){ "--version", NULL }, &a, &m));
	ASSERT_EQ_INT(a.command, CMD_VERSION);
	PARSE_FAILS("no command given", "--json");
	PARSE_FAILS("unknown command 'statu'", "statu");
	PARSE_FAILS("unknown option '--jsn'", "status", "--jsn");
	PARSE_FAILS("option '--config' needs a value", "status", "--config");
	PARSE_FAILS("'start' does not take --json", "start", "--json");
	PARSE_FAILS("'status' does not take --yes", "status", "--yes");
	PARSE_FAILS("crashkernel needs --set SIZE|auto", "crashkernel", "--dry-run");
	PARSE_FAILS("unexpected argument 'now'", "test-panic", "now");
	PARSE_FAILS("'start' loads or unloads in the running kernel: it does not take --root",
		    "--root", "/tmp", "start");
	ASSERT_OK(parse((const char *const[]){ "--root", "/", "stop", NULL }, &a, &m));
	PARSE_FAILS("--extra wants NAME=SIZE, e.g. --extra luks-argon2=1G", "estimate", "--extra",
		    "x");
	PARSE_FAILS("--extra a=lots: 'lots' is not a size (512M, 1G...)", "estimate", "--extra",
		    "a=lots");
}

TEST(dump_dir_names)
{
	int64_t t;

	ASSERT_OK(ctl_dump_dir_time("host-2026-11-25-01:02:03", &t));
	ASSERT_EQ_INT(t, 1795568523);
	ASSERT_OK(ctl_dump_dir_time("my-host.example-2026-11-25-01:02:03.2", &t));
	ASSERT_EQ_INT(t, 1795568523);
	ASSERT_OK(ctl_dump_dir_time("127.0.0.1-2026-11-25-01:02:03", &t));
	ASSERT_EQ_INT(ctl_dump_dir_time("2026-11-25-01:02:03", &t), -EINVAL);
	ASSERT_EQ_INT(ctl_dump_dir_time("host-2026-11-25-01:02", &t), -EINVAL);
	ASSERT_EQ_INT(ctl_dump_dir_time("host-2026-13-25-01:02:03", &t), -EINVAL);
	ASSERT_EQ_INT(ctl_dump_dir_time("host-2026-11-25-01:02:03x", &t), -EINVAL);
}

RUN_TESTS(T(sha256_vectors), T(manifest_roundtrip), T(what_is_a_change), T(dracut_command),
	  T(options), T(dump_dir_names))
