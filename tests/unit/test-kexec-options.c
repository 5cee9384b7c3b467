/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kexec tool's options: aliases, conflicts, refusals by name, and the load-config merge. */
#include <errno.h>
#include <stdarg.h>

#include "options.h"
#include "tests.h"

/* Parse and finish a NULL-terminated argument list (without argv[0]). */
static int parse(KexecArgs *a, char **msg, const KexecLoadConfig *config, ...)
{
	char *argv[32] = { "kexec" };
	int argc = 1, r;
	va_list ap;

	va_start(ap, config);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	argv[argc] = NULL;
	*msg = NULL;
	r = kexec_args_parse(argc, argv, a, msg);
	if (r < 0)
		return r;
	r = kexec_args_finish(a, config, msg);
	if (r < 0)
		kexec_args_done(a);
	return r;
}

/* The arguments must be refused with a message that holds what. */
static int refused(const char *what, ...)
{
	char *argv[32] = { "kexec" };
	int argc = 1, r, ok;
	KexecArgs a;
	char *msg = NULL;
	va_list ap;

	va_start(ap, what);
	while (argc < 31 && (argv[argc] = va_arg(ap, char *)))
		argc++;
	va_end(ap);
	r = kexec_args_parse(argc, argv, &a, &msg);
	if (r == 0) {
		r = kexec_args_finish(&a, NULL, &msg);
		kexec_args_done(&a);
	}
	ok = r == -EINVAL && msg && strstr(msg, what);
	if (!ok)
		fprintf(stderr, "  %s ...: r=%d msg='%s', expected '%s'\n", argv[1], r,
			msg ? msg : "(null)", what);
	free(msg);
	return ok;
}

TEST(actions_and_aliases)
{
	KexecArgs a;
	char *msg;

	ASSERT_OK(parse(&a, &msg, NULL, "--load=/boot/vmlinuz", "--reuse-cmdline", NULL));
	ASSERT_EQ_INT(a.action, ACTION_LOAD);
	ASSERT_STREQ(a.kernel, "/boot/vmlinuz");
	ASSERT_TRUE(a.reuse_cmdline);
	kexec_args_done(&a);
	/* --opt value and --opt=value; the kernel may come last */
	ASSERT_OK(parse(&a, &msg, NULL, "--load", "--initrd", "/boot/initrd.img",
			"--command-line=root=/dev/vda", "/boot/vmlinuz", NULL));
	ASSERT_STREQ(a.kernel, "/boot/vmlinuz");
	ASSERT_STREQ(a.initrd, "/boot/initrd.img");
	ASSERT_STREQ(a.command_line, "root=/dev/vda");
	kexec_args_done(&a);
	/* kexec-tools: -p KERNEL, --load-panic, --ramdisk, -u -p, -e, -s, -a, -x, -y */
	ASSERT_OK(parse(&a, &msg, NULL, "-p", "-s", "--ramdisk=/i", "/k", NULL));
	ASSERT_EQ_INT(a.action, ACTION_CRASH_LOAD);
	ASSERT_STREQ(a.initrd, "/i");
	ASSERT_EQ_INT(a.ignored, IGNORED_FILE_SYSCALL);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "--load-panic", "--load", "/k", NULL));
	ASSERT_EQ_INT(a.action, ACTION_CRASH_LOAD);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "-u", "-p", NULL));
	ASSERT_EQ_INT(a.action, ACTION_CRASH_UNLOAD);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "--crash-unload", NULL));
	ASSERT_EQ_INT(a.action, ACTION_CRASH_UNLOAD);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "--unload", NULL));
	ASSERT_EQ_INT(a.action, ACTION_UNLOAD);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "-e", "-x", "-y", "-d", "5", NULL));
	ASSERT_EQ_INT(a.action, ACTION_EXEC);
	ASSERT_EQ_INT(a.delay, 5);
	ASSERT_TRUE(a.no_sync);
	ASSERT_EQ_INT(a.ignored, IGNORED_NO_IFDOWN);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "--exec", "--delay=0", "--debug", NULL));
	ASSERT_TRUE(a.delay_set && a.verbose);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "--status", "--json", "--initrd", "/i", "/k", NULL));
	ASSERT_EQ_INT(a.action, ACTION_STATUS);
	ASSERT_TRUE(a.json);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "--crash-load=/k", "--append", "a=1", "--append=b",
			"--no-fit-check", NULL));
	ASSERT_STREQ(a.append, "a=1 b");
	ASSERT_TRUE(a.no_fit_check);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "--print-ckr-size", NULL));
	ASSERT_EQ_INT(a.action, ACTION_PRINT_CKR_SIZE);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, NULL, "-h", NULL));
	ASSERT_EQ_INT(a.action, ACTION_HELP);
	kexec_args_done(&a);
}

TEST(conflicts)
{
	ASSERT_TRUE(refused("--load and --exec exclude each other", "--load=/k", "--exec", NULL));
	ASSERT_TRUE(refused("--status and --crash-unload exclude", "--status", "--crash-unload",
			    NULL));
	ASSERT_TRUE(refused("unexpected argument '/b'", "--load", "/a", "/b", NULL));
	ASSERT_TRUE(refused("the kernel is given twice", "--load=/a", "--load=/b", NULL));
	ASSERT_TRUE(refused("--initrd is given twice", "--initrd=/a", "--initrd", "/b", NULL));
	ASSERT_TRUE(refused("--command-line and --reuse-cmdline exclude each other", "--load=/k",
			    "--command-line=ro", "--reuse-cmdline", NULL));
	ASSERT_TRUE(refused("--append only goes with --load or --crash-load", "--exec",
			    "--append=x", NULL));
	ASSERT_TRUE(refused("--delay only goes with --exec", "--load=/k", "--reuse-cmdline",
			    "-d", "3", NULL));
	ASSERT_TRUE(refused("--no-sync only goes with --exec", "--unload", "--no-sync", NULL));
	ASSERT_TRUE(refused("--json only goes with --status", "--crash-unload", "--json", NULL));
	ASSERT_TRUE(refused("--no-fit-check only goes with --crash-load", "--load=/k",
			    "--reuse-cmdline", "--no-fit-check", NULL));
	ASSERT_TRUE(refused("goes only with --load, --crash-load or --status", "--exec", "/k",
			    NULL));
	ASSERT_TRUE(refused("--initrd goes only with", "--unload", "--initrd=/i", NULL));
	ASSERT_TRUE(refused("--load needs a command line", "--load=/k", NULL));
	ASSERT_TRUE(refused("--append adds to one of them", "--load=/k", "--append=x", NULL));
	ASSERT_TRUE(refused("--crash-load needs a KERNEL", "--crash-load", "--initrd=/i", NULL));
	ASSERT_TRUE(refused("no action given", "-v", NULL));
	ASSERT_TRUE(refused("what should happen to '/k'? Say --load or --crash-load", "/k", NULL));
	ASSERT_TRUE(refused("-p (--load-panic) goes with a kernel to load or with --unload",
			    "-p", "--exec", NULL));
}

TEST(bad_options)
{
	ASSERT_TRUE(refused("unknown or ambiguous option '--frobnicate'", "--frobnicate", NULL));
	ASSERT_TRUE(refused("invalid option -- 'q'", "-q", NULL));
	ASSERT_TRUE(refused("--unload does not take a value", "--unload=1", NULL));
	ASSERT_TRUE(refused("--verbose does not take a value", "--exec", "--verbose=2", NULL));
	ASSERT_TRUE(refused("unknown or ambiguous option '--crash'", "--crash", NULL));
	ASSERT_TRUE(refused("--initrd needs a value", "--load=/k", "--initrd", NULL));
	ASSERT_TRUE(refused("-d needs a value", "--exec", "-d", NULL));
	ASSERT_TRUE(refused("--delay: expected seconds (0-3600), got 'soon'", "--exec",
			    "--delay=soon", NULL));
	ASSERT_TRUE(refused("got '-p' (kexec-tools' -d is --verbose here)", "-d", "-p", NULL));
	ASSERT_TRUE(refused("expected seconds (0-3600), got '3601'", "-e", "-d", "3601", NULL));
}

/* kexec-tools options we do not take are refused by name, with what to do instead. */
TEST(refused_by_name)
{
	ASSERT_TRUE(refused("-c (kexec-tools) is not supported: this kexec only uses "
			    "kexec_file_load", "-c", NULL));
	ASSERT_TRUE(refused("--kexec-syscall (kexec-tools) is not supported", "--kexec-syscall",
			    NULL));
	ASSERT_TRUE(refused("-S (kexec-tools) is not supported: use --status", "-S", NULL));
	ASSERT_TRUE(refused("-f (kexec-tools) is not supported", "-f", NULL));
	ASSERT_TRUE(refused("--force (kexec-tools)", "--force", NULL));
	ASSERT_TRUE(refused("-t (kexec-tools) is not supported: with kexec_file_load the kernel "
			    "recognizes the image", "-t", "bzImage64", NULL));
	ASSERT_TRUE(refused("--type (kexec-tools)", "--type=bzImage", NULL));
	ASSERT_TRUE(refused("-i (kexec-tools)", "-i", NULL));
	ASSERT_TRUE(refused("--mem-min (kexec-tools)", "--mem-min=0x1000", NULL));
	ASSERT_TRUE(refused("--hotplug (kexec-tools) is not supported: with kexec_file_load the "
			    "kernel updates", "-p", "--hotplug", "/k", NULL));
	ASSERT_TRUE(refused("put console=ttyS0,BAUD into --append", "--serial=ttyS0", NULL));
	ASSERT_TRUE(refused("--elf32-core-headers (kexec-tools) is not supported: an option of "
			    "kexec-tools' kexec_load loaders", "--elf32-core-headers", NULL));
	ASSERT_TRUE(refused("--load-preserve-context (kexec-tools)", "--load-preserve-context",
			    NULL));
}

/* The load-config file fills in; the command line wins. */
TEST(config_merge)
{
	KexecLoadConfig c = { .kernel = "/boot/vmlinuz", .initrd = "/boot/initrd.img",
			      .command_line = NULL, .append = "console=ttyS0", .reuse_cmdline = -1,
			      .crash = 1, .delay = 7 };
	KexecArgs a;
	char *msg;

	ASSERT_OK(parse(&a, &msg, &c, "-l", "/etc/x.conf", NULL));
	ASSERT_EQ_INT(a.action, ACTION_CRASH_LOAD);
	ASSERT_STREQ(a.kernel, "/boot/vmlinuz");
	ASSERT_STREQ(a.initrd, "/boot/initrd.img");
	ASSERT_STREQ(a.append, "console=ttyS0");
	kexec_args_done(&a);

	/* The command line's action, append and kernel win. */
	ASSERT_OK(parse(&a, &msg, &c, "-l", "/etc/x.conf", "--load", "--append=x", "/k",
			"--command-line=ro", NULL));
	ASSERT_EQ_INT(a.action, ACTION_LOAD);
	ASSERT_STREQ(a.kernel, "/k");
	ASSERT_STREQ(a.append, "x");
	kexec_args_done(&a);

	/* The file's REUSE_CMDLINE gives --load its command line; INITRD= means none. */
	c.crash = 0;
	c.reuse_cmdline = 1;
	c.initrd = "";
	ASSERT_OK(parse(&a, &msg, &c, "-l", "/etc/x.conf", NULL));
	ASSERT_EQ_INT(a.action, ACTION_LOAD);
	ASSERT_TRUE(a.reuse_cmdline);
	ASSERT_TRUE(a.initrd == NULL);
	kexec_args_done(&a);
	/* ...unless the command line says --command-line. */
	ASSERT_OK(parse(&a, &msg, &c, "-l", "/etc/x.conf", "--command-line=", NULL));
	ASSERT_TRUE(!a.reuse_cmdline);
	ASSERT_STREQ(a.command_line, "");
	kexec_args_done(&a);

	/* DELAY for --exec, and -d wins over it. */
	ASSERT_OK(parse(&a, &msg, &c, "-l", "/etc/x.conf", "--exec", NULL));
	ASSERT_EQ_INT(a.delay, 7);
	kexec_args_done(&a);
	ASSERT_OK(parse(&a, &msg, &c, "-l", "/etc/x.conf", "--exec", "-d", "1", NULL));
	ASSERT_EQ_INT(a.delay, 1);
	ASSERT_TRUE(a.kernel == NULL);
	kexec_args_done(&a);
}

RUN_TESTS(T(actions_and_aliases), T(conflicts), T(bad_options), T(refused_by_name),
	  T(config_merge))
