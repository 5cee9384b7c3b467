/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The load-config file: a good one, and every kind of bad line with its FILE:LINE. */
#include <errno.h>

#include "kexec-config.h"
#include "kexec-fixture.h"
#include "tests.h"

static int parse(const char *text, KexecLoadConfig *c, KexecError *e)
{
	return kexec_config_parse("/etc/kexec/capture.conf", text, strlen(text), c, e);
}

TEST(good)
{
	static const char text[] =
		"# the capture kernel\n"
		"\n"
		"CRASH=yes\n"
		"  KERNEL = /boot/vmlinuz-6.1.0-26-amd64  \n"
		"INITRD=initrd-kdump.img\n"
		"APPEND=\"console=ttyS0,115200 dyndbg=\\\"file a.c +p\\\" back\\\\slash\"\n"
		"REUSE_CMDLINE=no\n"
		"DELAY=10\r\n";
	KexecLoadConfig c;
	KexecError e = { 0 };

	ASSERT_OK(parse(text, &c, &e));
	ASSERT_EQ_INT(c.crash, 1);
	ASSERT_STREQ(c.kernel, "/boot/vmlinuz-6.1.0-26-amd64");
	ASSERT_STREQ(c.initrd, "/etc/kexec/initrd-kdump.img");
	ASSERT_STREQ(c.append, "console=ttyS0,115200 dyndbg=\"file a.c +p\" back\\slash");
	ASSERT_EQ_INT(c.reuse_cmdline, 0);
	ASSERT_EQ_INT(c.delay, 10);
	ASSERT_TRUE(c.command_line == NULL);
	kexec_config_done(&c);

	ASSERT_OK(parse("COMMAND_LINE='root=/dev/vda \"quoted\"'\nINITRD=\nCRASH=false\n", &c,
			&e));
	ASSERT_STREQ(c.command_line, "root=/dev/vda \"quoted\"");
	ASSERT_STREQ(c.initrd, "");
	ASSERT_EQ_INT(c.crash, 0);
	ASSERT_EQ_INT(c.reuse_cmdline, -1);
	ASSERT_EQ_INT(c.delay, -1);
	kexec_config_done(&c);
	ASSERT_OK(parse("", &c, &e));
	kexec_config_done(&c);
}

TEST(bad_lines)
{
	static const struct {
		const char *text, *what;
	} cases[] = {
		{ "KERNEL=/k\njust words\n",
		  "/etc/kexec/capture.conf:2: expected KEY=VALUE, got 'just words'" },
		{ "\n\nKERNL=/k\n", "capture.conf:3: unknown key 'KERNL' (the keys are KERNEL, "
				    "INITRD, COMMAND_LINE, REUSE_CMDLINE, APPEND, CRASH, DELAY)" },
		{ "kernel=/k\n", ":1: unknown key 'kernel'" },
		{ "KERNEL=/a\n# x\nKERNEL=/b\n", ":3: KERNEL is set twice (first on line 1)" },
		{ "CRASH=maybe\n", ":1: CRASH: expected yes or no, got 'maybe'" },
		{ "REUSE_CMDLINE=\n", ":1: REUSE_CMDLINE: expected yes or no, got ''" },
		{ "DELAY=soon\n", ":1: DELAY: expected seconds (0-3600), got 'soon'" },
		{ "DELAY=-1\n", ":1: DELAY: expected seconds" },
		{ "APPEND=\"console=ttyS0\n", ":1: the double quote is not closed" },
		{ "APPEND='a\n", ":1: the single quote is not closed" },
		{ "APPEND=\"a\" b\n", ":1: text after the closing quote: ' b'" },
		{ "KERNEL=\n", ":1: KERNEL is empty" },
		{ "COMMAND_LINE=ro\nREUSE_CMDLINE=yes\n",
		  ":2: COMMAND_LINE and REUSE_CMDLINE=yes exclude each other" },
		{ "=x\n", ":1: unknown key ''" },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		KexecLoadConfig c;
		KexecError e = { 0 };
		int r = parse(cases[i].text, &c, &e);
		if (r != -EINVAL || !e.what || !strstr(e.what, cases[i].what))
			fprintf(stderr, "  case %zu: r=%d what='%s'\n  expected '%s'\n", i, r,
				e.what ? e.what : "(null)", cases[i].what);
		ASSERT_EQ_INT(r, -EINVAL);
		ASSERT_TRUE(strstr(e.what, cases[i].what));
		kexec_error_done(&e);
	}
}

/* kexec-tools' "kexec -l vmlinuz": -l is --load-config here; a kernel is not a config. */
TEST(binary_file)
{
	static uint8_t img[8192];
	struct fake_bzimage opt = { 0 };
	KexecLoadConfig c;
	KexecError e = { 0 };

	fixture_bzimage(img, sizeof(img), &opt);
	ASSERT_EQ_INT(kexec_config_parse("/boot/vmlinuz", (const char *)img, sizeof(img), &c, &e),
		      -ENOEXEC);
	ASSERT_TRUE(strstr(e.what, "'/boot/vmlinuz' is not a load-config file: it is an x86 "
			   "bzImage"));
	ASSERT_TRUE(strstr(e.fix, "-l is --load-config in this kexec, not kexec-tools' --load"));
	kexec_error_done(&e);
	ASSERT_EQ_INT(kexec_config_parse("/x", "KERNEL=/k\n\0\1", 12, &c, &e), -ENOEXEC);
	ASSERT_TRUE(strstr(e.what, "binary file"));
	kexec_error_done(&e);
}

TEST(read_file)
{
	char *root = fixture_root_new();
	char path[512];
	KexecLoadConfig c;
	KexecError e = { 0 };

	ASSERT_TRUE(root);
	ASSERT_OK(fixture_write(root, "etc/capture.conf", "KERNEL=vmlinuz\nCRASH=yes\n"));
	ASSERT_OK(kexec_config_read(fixture_path(root, "etc/capture.conf", path, sizeof(path)),
				    &c, &e));
	ASSERT_TRUE(strstr(c.kernel, "/etc/vmlinuz"));
	kexec_config_done(&c);
	ASSERT_EQ_INT(kexec_config_read(fixture_path(root, "etc/none.conf", path, sizeof(path)), &c,
					&e), -ENOENT);
	ASSERT_TRUE(strstr(e.what, "cannot read load-config file"));
	kexec_error_done(&e);
	fixture_root_free(root);
}

RUN_TESTS(T(good), T(bad_lines), T(binary_file), T(read_file))
