/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line: every option makedumpfile-lite implements, the combinations it refuses
 * (as makedumpfile does), and every makedumpfile option it does not implement, which must be
 * refused by name and never ignored.
 */
#include <string.h>

#include "config.h"
#include "macro.h"
#include "mdl.h"
#include "tests.h"

#define MAX_ARGS 16

static int parse(struct mdl_options *o, char *err, const char *const *args)
{
	char *argv[MAX_ARGS + 1];
	int argc = 0;

	argv[argc++] = (char *)"makedumpfile-lite";
	for (; *args; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	memset(o, 0xa5, sizeof(*o));
	return mdl_parse_options(argc, argv, o, err, 512);
}

#define PARSE(...) parse(&o, err, (const char *const[]){ __VA_ARGS__, NULL })

TEST(defaults)
{
	struct mdl_options o;
	char err[512];

	ASSERT_OK(PARSE("/proc/vmcore", "dump"));
	ASSERT_EQ_INT(o.mode, MDL_MODE_DUMP);
	ASSERT_EQ_INT(o.dump_level, 0);
	ASSERT_EQ_INT(o.compression, 0);
	ASSERT_EQ_INT(o.format, MDL_FORMAT_KDUMP);
	ASSERT_EQ_INT(o.flatten, 0);
	ASSERT_EQ_INT(o.force, 0);
	ASSERT_EQ_INT(o.non_mmap, 0);
	ASSERT_EQ_INT(o.dry_run, 0);
	ASSERT_EQ_INT(o.num_threads, 0);
	ASSERT_EQ_INT(o.message_level, MDL_ML_DEFAULT);
	ASSERT_EQ_INT(o.block_order, 8);
	ASSERT_STREQ(o.vmcore, "/proc/vmcore");
	ASSERT_STREQ(o.dumpfile, "dump");
}

TEST(every_option)
{
	struct mdl_options o;
	char err[512];

	ASSERT_OK(PARSE("-d", "31", "-c", "/proc/vmcore", "dump"));
	ASSERT_EQ_INT(o.dump_level, 31);
	ASSERT_EQ_INT(o.compression, VMCORE_COMPRESS_ZLIB);
	ASSERT_OK(PARSE("-z", "/proc/vmcore", "dump"));
	ASSERT_EQ_INT(o.compression, VMCORE_COMPRESS_ZSTD);
	/* the last compression wins, as in makedumpfile */
	ASSERT_OK(PARSE("-c", "-z", "/proc/vmcore", "dump"));
	ASSERT_EQ_INT(o.compression, VMCORE_COMPRESS_ZSTD);
	ASSERT_OK(PARSE("-d1", "-E", "vmcore", "dump"));
	ASSERT_EQ_INT(o.format, MDL_FORMAT_ELF);
	ASSERT_EQ_INT(o.dump_level, 1);
	ASSERT_OK(PARSE("-F", "-c", "-d", "31", "vmcore"));
	ASSERT_EQ_INT(o.flatten, 1);
	ASSERT_TRUE(o.dumpfile == NULL);
	ASSERT_STREQ(o.vmcore, "vmcore");
	ASSERT_OK(PARSE("-R", "dump"));
	ASSERT_EQ_INT(o.mode, MDL_MODE_REARRANGE);
	ASSERT_STREQ(o.dumpfile, "dump");
	ASSERT_OK(PARSE("--num-threads", "4", "-f", "--non-mmap", "-b", "4", "v", "d"));
	ASSERT_EQ_INT(o.num_threads, 4);
	ASSERT_EQ_INT(o.force, 1);
	ASSERT_EQ_INT(o.non_mmap, 1);
	ASSERT_EQ_INT(o.block_order, 4);
	ASSERT_OK(PARSE("--num-threads=0", "v", "d"));
	ASSERT_EQ_INT(o.num_threads, 0);
	ASSERT_OK(PARSE("--message-level", "1", "v", "d"));
	ASSERT_EQ_INT(o.message_level, 1);
	ASSERT_OK(PARSE("--message-level", "4", "-D", "v", "d"));
	ASSERT_EQ_INT(o.message_level, 12);
	ASSERT_OK(PARSE("--show-stats", "v", "d"));
	ASSERT_EQ_INT(o.message_level, MDL_ML_DEFAULT | MDL_ML_REPORT);
	ASSERT_OK(PARSE("--dry-run", "v", "d"));
	ASSERT_EQ_INT(o.dry_run, 1);
	ASSERT_OK(PARSE("--check-params", "--message-level", "0", "v", "d"));
	ASSERT_EQ_INT(o.check_params, 1);
	ASSERT_EQ_INT(o.message_level, 0);
	ASSERT_OK(PARSE("--check-params", "-D", "v", "d"));
	ASSERT_EQ_INT(o.message_level, MDL_ML_DEFAULT); /* as makedumpfile: debug suppressed */
	ASSERT_OK(PARSE("--dump-dmesg", "vmcore", "log"));
	ASSERT_EQ_INT(o.mode, MDL_MODE_DMESG);
	ASSERT_STREQ(o.dumpfile, "log");
	ASSERT_OK(PARSE("--dump-dmesg", "-F", "vmcore"));
	ASSERT_EQ_INT(o.mode, MDL_MODE_DMESG);
	ASSERT_TRUE(o.dumpfile == NULL);
	ASSERT_OK(PARSE("-h"));
	ASSERT_EQ_INT(o.mode, MDL_MODE_HELP);
	ASSERT_OK(PARSE("--help", "whatever"));
	ASSERT_EQ_INT(o.mode, MDL_MODE_HELP);
	ASSERT_OK(PARSE("-v"));
	ASSERT_EQ_INT(o.mode, MDL_MODE_VERSION);
	ASSERT_OK(PARSE("--version"));
	ASSERT_EQ_INT(o.mode, MDL_MODE_VERSION);
}

TEST(lzo_snappy)
{
	struct mdl_options o;
	char err[512];

	if (HAVE_LZO) {
		ASSERT_OK(PARSE("-l", "v", "d"));
		ASSERT_EQ_INT(o.compression, VMCORE_COMPRESS_LZO);
	} else {
		ASSERT_EQ_INT(PARSE("-l", "v", "d"), -EINVAL);
		ASSERT_TRUE(strstr(err, "-z") && strstr(err, "liblzo2"));
	}
	if (HAVE_SNAPPY) {
		ASSERT_OK(PARSE("-p", "v", "d"));
		ASSERT_EQ_INT(o.compression, VMCORE_COMPRESS_SNAPPY);
	} else {
		ASSERT_EQ_INT(PARSE("-p", "v", "d"), -EINVAL);
		ASSERT_TRUE(strstr(err, "-z") && strstr(err, "libsnappy"));
	}
}

/* err must contain `want` */
#define BAD(want, ...)                                                         \
	do {                                                                   \
		ASSERT_EQ_INT(PARSE(__VA_ARGS__), -EINVAL);                    \
		if (!strstr(err, want))                                        \
			fprintf(stderr, "message '%s' lacks '%s'\n", err, want); \
		ASSERT_TRUE(strstr(err, want) != NULL);                        \
	} while (0)

TEST(bad_values)
{
	struct mdl_options o;
	char err[512];

	BAD("dump level", "-d", "32", "v", "d");
	BAD("dump level", "-d", "-1", "v", "d");
	BAD("dump level", "-d", "x", "v", "d");
	BAD("list of dump levels", "-d", "11,31", "v", "d");
	BAD("message level", "--message-level", "32", "v", "d");
	BAD("number of threads", "--num-threads", "65", "v", "d");
	BAD("number of threads", "--num-threads", "two", "v", "d");
	BAD("block order", "-b", "11", "v", "d");
	BAD("needs an argument", "v", "d", "-d");
	BAD("needs an argument", "v", "d", "--num-threads");
	BAD("unknown option '-k'", "-k", "v", "d");
	BAD("unknown or incomplete option '--bogus'", "--bogus", "v", "d");
}

TEST(combinations)
{
	struct mdl_options o;
	char err[512];

	BAD("-E cannot be combined", "-E", "-c", "v", "d");
	BAD("-E cannot be combined", "-z", "-E", "v", "d");
	BAD("-R takes no dump options", "-R", "-d", "31", "d");
	BAD("-R takes no dump options", "-R", "-c", "d");
	BAD("-R takes no dump options", "-R", "-F", "d");
	BAD("-R takes no dump options", "-R", "-E", "d");
	BAD("-R needs exactly one DUMPFILE", "-R");
	BAD("-R needs exactly one DUMPFILE", "-R", "a", "b");
	BAD("-R and --dump-dmesg", "-R", "--dump-dmesg", "d");
	BAD("-R and --dump-dmesg", "--dump-dmesg", "-R", "d");
	BAD("--dry-run cannot be used with --dump-dmesg", "--dump-dmesg", "--dry-run", "v", "l");
	BAD("with -F, give only VMCORE", "-F", "v", "d");
	BAD("expected VMCORE and DUMPFILE", "v");
	BAD("expected VMCORE and DUMPFILE", "v", "d", "e");
	BAD("expected VMCORE and LOGFILE", "--dump-dmesg", "v");
}

/* Every makedumpfile option we do not implement: refused, by its name. */
TEST(refused_by_name)
{
	static const struct {
		const char *args[4];
		const char *name;
	} cases[] = {
		{ { "--split", "v", "a", "b" }, "'--split'" },
		{ { "--reassemble", "a", "b", "c" }, "'--reassemble'" },
		{ { "--splitblock-size", "1024", "v", "d" }, "'--splitblock-size'" },
		{ { "--xen-syms", "x", "v", "d" }, "'--xen-syms'" },
		{ { "--xen-vmcoreinfo", "x", "v", "d" }, "'--xen-vmcoreinfo'" },
		{ { "--xen_phys_start", "0", "v", "d" }, "'--xen_phys_start'" },
		{ { "--vtop", "0xffff", "v", "d" }, "'--vtop'" },
		{ { "--partial-dmesg", "--dump-dmesg", "v", "d" }, "'--partial-dmesg'" },
		{ { "--config", "f", "v", "d" }, "'--config'" },
		{ { "--eppic", "f", "v", "d" }, "'--eppic'" },
		{ { "--diskset", "f", "v", "d" }, "'--diskset'" },
		{ { "--cyclic-buffer", "1024", "v", "d" }, "'--cyclic-buffer'" },
		{ { "--work-dir", "/tmp", "v", "d" }, "'--work-dir'" },
		{ { "--mem-usage", "/proc/kcore", NULL, NULL }, "'--mem-usage'" },
		{ { "--extension", "x.so", "v", "d" }, "'--extension'" },
		{ { "-e", "v", "d", NULL }, "'-e'" },
		{ { "-g", "vmcoreinfo", NULL, NULL }, "'-g'" },
		{ { "-i", "vmcoreinfo", "v", "d" }, "'-i'" },
		{ { "-L", "1G", "v", "d" }, "'-L'" },
		{ { "-X", "v", "d", NULL }, "'-X'" },
		{ { "-x", "vmlinux", "v", "d" }, "'-x'" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct mdl_options o;
		char err[512];
		const char *args[6] = {};

		memcpy(args, cases[i].args, sizeof(cases[i].args));
		ASSERT_EQ_INT(parse(&o, err, args), -EINVAL);
		if (!strstr(err, cases[i].name) || !strstr(err, "not supported"))
			fprintf(stderr, "%s: '%s'\n", cases[i].name, err);
		ASSERT_TRUE(strstr(err, cases[i].name) && strstr(err, "not supported"));
	}
}

/* "--" ends the options: a file name may start with '-' (the capture agent appends "--"). */
TEST(double_dash)
{
	struct mdl_options o;
	char err[512];

	ASSERT_OK(PARSE("-z", "-d", "31", "--", "-vmcore", "-dump"));
	ASSERT_STREQ(o.vmcore, "-vmcore");
	ASSERT_STREQ(o.dumpfile, "-dump");
	ASSERT_EQ_INT(o.dump_level, 31);
	ASSERT_OK(PARSE("-F", "-z", "--", "/proc/vmcore"));
	ASSERT_EQ_INT(o.flatten, 1);
	ASSERT_STREQ(o.vmcore, "/proc/vmcore");
}

/* The parser may run twice in one process (getopt state is reset). */
TEST(twice)
{
	struct mdl_options o;
	char err[512];

	ASSERT_OK(PARSE("-d", "31", "-c", "v", "d"));
	ASSERT_OK(PARSE("-d", "1", "-z", "v", "d"));
	ASSERT_EQ_INT(o.dump_level, 1);
	ASSERT_EQ_INT(o.compression, VMCORE_COMPRESS_ZSTD);
}

TEST(progress_format)
{
	struct mdl_progress p = { .phase = "Copying data", .done = 50, .total = 200,
				  .bytes_in = 50u << 20, .seconds = 2.0 };
	char buf[160];

	mdl_progress_format(&p, buf, sizeof(buf));
	ASSERT_TRUE(strstr(buf, "Copying data") != NULL);
	ASSERT_TRUE(strstr(buf, " 25.0 %") != NULL);
	ASSERT_TRUE(strstr(buf, "26.2 MB/s") != NULL);
	ASSERT_TRUE(strstr(buf, "eta 0:06") != NULL);
	p.done = 200;
	p.finished = 1;
	mdl_progress_format(&p, buf, sizeof(buf));
	ASSERT_TRUE(strstr(buf, "100.0 %") != NULL);
	ASSERT_TRUE(strstr(buf, "2.0s") != NULL);
}

RUN_TESTS(T(defaults), T(every_option), T(lzo_snappy), T(bad_values), T(combinations),
	  T(refused_by_name), T(double_dash), T(twice), T(progress_format))
