/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdumpctl list over a directory of synthetic dumps made with tests/gen/mkvmcore ($MKVMCORE,
 * examples in $MKVMCORE_EXAMPLES): complete, marked incomplete, cut short, only the log,
 * unreadable, flattened; directories that are not dumps and symbolic links are skipped.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-fixture.h"
#include "tests.h"

#define RUN(fx, rc, ...) fx_run((fx), (rc), (const char *const[]){ __VA_ARGS__, NULL })

static const char *mkvmcore, *examples;

static void sh(const char *fmt, ...) _printf_(1, 2);
static void sh(const char *fmt, ...)
{
	char cmd[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "failed: %s\n", cmd);
		abort();
	}
}

/* var/crash of the fixture, with one directory per case. */
static void make_dumps(CtlFixture *fx)
{
	const char *d = fx_path(fx, "var/crash");

	sh("mkdir -p '%s'/host-2026-11-25-01:02:03 '%s'/host-2026-11-24-00:00:00 "
	   "'%s'/host-2026-11-26-00:00:00 '%s'/host-2026-11-23-00:00:00 "
	   "'%s'/host-2026-11-22-00:00:00 '%s'/notadump '%s'/weird-name", d, d, d, d, d, d, d);
	/* complete */
	sh("'%s' -o '%s'/host-2026-11-25-01:02:03/vmcore '%s'/kdump-basic.spec", mkvmcore, d,
	   examples);
	sh("echo '[    0.000000] Linux version' > '%s'/host-2026-11-25-01:02:03/vmcore-dmesg.txt",
	   d);
	/* marked incomplete by the writer, still named vmcore.incomplete */
	sh("'%s' -s incomplete=yes -o '%s'/host-2026-11-24-00:00:00/vmcore.incomplete "
	   "'%s'/kdump-basic.spec", mkvmcore, d, examples);
	/* cut short */
	sh("'%s' -o '%s'/host-2026-11-26-00:00:00/vmcore '%s'/elf-basic.spec && "
	   "truncate -s -100 '%s'/host-2026-11-26-00:00:00/vmcore", mkvmcore, d, examples, d);
	/* only the log */
	sh("echo log > '%s'/host-2026-11-23-00:00:00/vmcore-dmesg.txt", d);
	/* not a dump at all */
	sh("echo hello > '%s'/host-2026-11-22-00:00:00/vmcore", d);
	/* flattened, named by no rule: its crash time orders it */
	sh("'%s' -o '%s'/weird-name/vmcore '%s'/kdump-flat.spec", mkvmcore, d, examples);
	/* skipped: a symbolic link to a dump, a file */
	sh("ln -s host-2026-11-25-01:02:03 '%s'/host-2026-11-27-00:00:00 && echo x > '%s'/README",
	   d, d);
}

TEST(scan)
{
	CtlFixture fx;
	CtlDumps l;

	fx_new(&fx);
	make_dumps(&fx);
	ASSERT_OK(ctl_dumps_scan(fx_path(&fx, "var/crash"), &l));
	ASSERT_EQ_INT(l.n, 6);
	ASSERT_STREQ(l.items[0].dir, "weird-name");
	ASSERT_EQ_INT(l.items[0].time, 1700000000);
	ASSERT_EQ_INT(l.items[0].state, CTL_DUMP_COMPLETE);
	ASSERT_STREQ(l.items[0].format, "flattened kdump");
	ASSERT_STREQ(l.items[1].dir, "host-2026-11-22-00:00:00");
	ASSERT_EQ_INT(l.items[1].state, CTL_DUMP_UNREADABLE);
	ASSERT_TRUE(strstr(l.items[1].error, "host-2026-11-22-00:00:00/vmcore: "));
	ASSERT_STREQ(l.items[2].dir, "host-2026-11-23-00:00:00");
	ASSERT_EQ_INT(l.items[2].state, CTL_DUMP_DMESG_ONLY);
	ASSERT_TRUE(l.items[2].file == NULL && l.items[2].has_dmesg);
	ASSERT_STREQ(l.items[3].file, "vmcore.incomplete");
	ASSERT_EQ_INT(l.items[3].state, CTL_DUMP_INCOMPLETE);
	ASSERT_STREQ(l.items[3].error, "the collector marked it incomplete");
	ASSERT_STREQ(l.items[4].dir, "host-2026-11-25-01:02:03");
	ASSERT_EQ_INT(l.items[4].time, 1795568523);
	ASSERT_EQ_INT(l.items[4].state, CTL_DUMP_COMPLETE);
	ASSERT_STREQ(l.items[4].release, "6.1.0-mkvmcore");
	ASSERT_STREQ(l.items[4].format, "kdump");
	ASSERT_TRUE(l.items[4].has_dmesg && l.items[4].size > 4096);
	ASSERT_EQ_INT(l.items[5].state, CTL_DUMP_INCOMPLETE);
	ASSERT_STREQ(l.items[5].error, "the file ends before the data its headers describe");
	ASSERT_STREQ(l.items[5].format, "elf");
	ctl_dumps_done(&l);
	ASSERT_EQ_INT(ctl_dumps_scan(fx_path(&fx, "var/nothing"), &l), -ENOENT);
	fx_free(&fx);
}

TEST(list_command)
{
	CtlFixture fx;
	const char *out;
	int rc;

	fx_new(&fx);
	/* Nothing saved yet. */
	out = RUN(&fx, &rc, "list");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "No dumps in "));
	make_dumps(&fx);
	/* The config's path on the root filesystem, below --root. */
	out = RUN(&fx, &rc, "list", "--json");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "\"name\": \"host-2026-11-25-01:02:03\",\n      \"file\": \"vmcore\","
			   "\n      \"time\": 1795568523,"));
	ASSERT_TRUE(strstr(out, "\"kernel_release\": \"6.1.0-mkvmcore\""));
	ASSERT_TRUE(strstr(out, "\"state\": \"complete\",\n      \"complete\": true,\n"
			   "      \"dmesg\": true,"));
	ASSERT_TRUE(strstr(out, "\"state\": \"dmesg-only\""));
	ASSERT_TRUE(strstr(out, "\"state\": \"unreadable\""));
	ASSERT_TRUE(!strstr(out, "notadump") && !strstr(out, "11-27") && !strstr(out, "README"));
	out = RUN(&fx, &rc, "list");
	ASSERT_TRUE(strstr(out, "TIME "));
	ASSERT_TRUE(strstr(out, "6.1.0-mkvmcore"));
	ASSERT_TRUE(strstr(out, "/var/crash/host-2026-11-25-01:02:03/vmcore\n"));
	/* --dir, as given. */
	out = RUN(&fx, &rc, "list", "--dir", fx_path(&fx, "var/crash/weird-name"));
	ASSERT_TRUE(strstr(out, "No dumps in "));
	ASSERT_TRUE(strstr(out, "\"directories\": [") == NULL);
	out = RUN(&fx, &rc, "list", "--json");
	ASSERT_TRUE(strstr(out, "\"directories\": [\n    \"/var/crash\"\n  ],"));
	ASSERT_TRUE(strstr(out, "\"directory\": \"/var/crash\",\n      \"name\": \"weird-name\""));
	/* A filesystem target that is not mounted: say so. */
	fx_write(&fx, "etc/kdump.conf", "ext4 LABEL=dumps\n");
	RUN(&fx, &rc, "list");
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	/* ... unless dumps can fall back to the root filesystem: those are listed. */
	fx_write(&fx, "etc/kdump.conf", "ext4 LABEL=dumps\nfailure_action dump_to_rootfs\n");
	out = RUN(&fx, &rc, "list", "--json");
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(strstr(out, "\"name\": \"host-2026-11-25-01:02:03\""));
	fx_free(&fx);
}

/* start with a raw target: a flattened stream left on the device ends up in path. */
TEST(raw_recovery)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	CtlFixture fx;
	CtlDumps l;
	KdumpDiags d;

	fx_new(&fx);
	fx_write(&fx, "etc/kdump.conf", "raw PARTLABEL=kdump\npath /var/crash\n");
	/* Nothing pending: zeros. */
	sh("mkdir -p '%s' && truncate -s 4M '%s'", fx_path(&fx, "dev"), fx_path(&fx, "dev/vdc"));
	kdump_diags_init(&d);
	fx_ctl(&fx);
	ASSERT_OK(ctl_config_load(&fx.ctl, &cfg, &d));
	ASSERT_EQ_INT(ctl_recover_raw(&fx.ctl, cfg), CTL_EXIT_OK);
	ASSERT_EQ_INT(ctl_dumps_scan(fx_path(&fx, "var/crash"), &l), -ENOENT);
	/* A bare flattened stream at offset 0, as Fedora's kdump writes it. */
	sh("'%s' -o '%s' '%s'/kdump-flat.spec && truncate -s 4M '%s'", mkvmcore,
	   fx_path(&fx, "dev/vdc"), examples, fx_path(&fx, "dev/vdc"));
	ASSERT_EQ_INT(ctl_recover_raw(&fx.ctl, cfg), CTL_EXIT_OK);
	ASSERT_OK(ctl_dumps_scan(fx_path(&fx, "var/crash"), &l));
	ASSERT_EQ_INT(l.n, 1);
	ASSERT_EQ_INT(l.items[0].state, CTL_DUMP_COMPLETE);
	ASSERT_STREQ(l.items[0].release, "6.1.0-mkvmcore");
	ctl_dumps_done(&l);
	/* The device was cleared: a second start finds nothing. */
	ASSERT_EQ_INT(ctl_recover_raw(&fx.ctl, cfg), CTL_EXIT_OK);
	ASSERT_OK(ctl_dumps_scan(fx_path(&fx, "var/crash"), &l));
	ASSERT_EQ_INT(l.n, 1);
	ctl_dumps_done(&l);
	/* A device that is not there: start fails, says which. */
	fx_write(&fx, "etc/kdump.conf", "raw LABEL=nosuch\n");
	kdump_config_free(cfg);
	cfg = NULL;
	ASSERT_OK(ctl_config_load(&fx.ctl, &cfg, &d));
	ASSERT_EQ_INT(ctl_recover_raw(&fx.ctl, cfg), CTL_EXIT_FAILURE);
	kdump_diags_done(&d);
	fx_ctl_done(&fx);
	fx_free(&fx);
}

int main(void)
{
	static const struct test_case cases[] = { T(scan), T(list_command), T(raw_recovery) };

	mkvmcore = getenv("MKVMCORE");
	examples = getenv("MKVMCORE_EXAMPLES");
	if (!mkvmcore || !examples || access(mkvmcore, X_OK) < 0) {
		fprintf(stderr, "MKVMCORE and MKVMCORE_EXAMPLES are needed: skipped\n");
		return EXIT_TEST_SKIP;
	}
	return run_tests(cases, ELEMENTSOF(cases));
}
