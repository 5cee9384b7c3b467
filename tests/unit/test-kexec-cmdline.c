/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The new kernel's command line: what is dropped, what is added, what --append replaces. */
#include <errno.h>

#include "kexec-cmdline.h"
#include "kexec-fixture.h"
#include "tests.h"

static char *build(KexecCmdlineBase base, const char *src, const char *append, int apicid)
{
	KexecCmdlineSpec spec = { .base = base, .append = append, .boot_cpu_apicid = apicid };
	char *out = NULL;

	if (base == KEXEC_CMDLINE_GIVEN)
		spec.given = src;
	else
		spec.running = src;
	return kexec_cmdline_build(&spec, &out) == 0 ? out : NULL;
}

#define ASSERT_BUILDS(base, src, append, apicid, expect)                                    \
	do {                                                                                \
		char *_s = build(base, src, append, apicid);                                \
		int _ok = _s && !strcmp(_s, expect);                                        \
		if (!_ok)                                                                   \
			fprintf(stderr, "  got      '%s'\n  expected '%s'\n",               \
				_s ? _s : "(error)", expect);                               \
		free(_s);                                                                   \
		ASSERT_TRUE(_ok);                                                           \
	} while (0)

TEST(capture_default)
{
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE,
		      "BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=1234 ro quiet "
		      "crashkernel=256M",
		      NULL, 0, "root=UUID=1234 ro irqpoll nr_cpus=1 reset_devices panic=10");
	/* Nothing to start from: only the defaults. */
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE, "", NULL, 0,
		      "irqpoll nr_cpus=1 reset_devices panic=10");
}

/* Every key on the drop list goes, in either spelling ('-' and '_' are the same). */
TEST(capture_drops)
{
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE,
		      "console=ttyS0 crashkernel=2G-64G:256M,64G-:512M crashkernel=64M,low "
		      "initrd=\\initrd.img elfcorehdr=0x1000 nr-cpus=8 maxcpus=4 panic=-1 "
		      "hugepages=100 hugepagesz=2M default_hugepagesz=1G hugetlb_cma=4G cma=64M "
		      "log_buf_len=16M swiotlb=65536 mem=8G memmap=64M$0x100000000 "
		      "resume=/dev/sda2 resume_offset=1234 panic_on_warn=1 slub_debug=FZ "
		      "kexec_jump_back_entry=0x1 quiet",
		      NULL, -1, "console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=10");
}

/* A default already on the running line is kept once, where it was. */
TEST(capture_no_duplicates)
{
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE, "reset_devices root=/dev/vda irqpoll", NULL, 0,
		      "reset_devices root=/dev/vda irqpoll nr_cpus=1 panic=10");
}

/* --append replaces a default of the same key; more CPUs spare the boot CPU from INIT. */
TEST(capture_append)
{
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE, "root=/dev/vda", "nr_cpus=4 panic=30", 2,
		      "root=/dev/vda irqpoll reset_devices disable_cpu_apicid=2 nr_cpus=4 panic=30");
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE, "root=/dev/vda", "nr_cpus=4", -1,
		      "root=/dev/vda irqpoll reset_devices panic=10 nr_cpus=4");
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE, "root=/dev/vda", "nr_cpus=4 disable_cpu_apicid=7", 0,
		      "root=/dev/vda irqpoll reset_devices panic=10 nr_cpus=4 "
		      "disable_cpu_apicid=7");
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE, "root=/dev/vda", "nr_cpus=1 ks.stage=capture", 0,
		      "root=/dev/vda irqpoll reset_devices panic=10 nr_cpus=1 ks.stage=capture");
}

/* Quotes keep a value with blanks together; " -- " separates init's arguments. */
TEST(quotes_and_init_args)
{
	ASSERT_BUILDS(KEXEC_CMDLINE_CAPTURE,
		      "dyndbg=\"file foo.c +p\" \"crashkernel=1G\" root=/dev/vda -- single",
		      "console=ttyS0 -- emergency", -1,
		      "dyndbg=\"file foo.c +p\" root=/dev/vda irqpoll nr_cpus=1 reset_devices "
		      "panic=10 console=ttyS0 -- single emergency");
	ASSERT_EQ_INT(kexec_cmdline_build(&(KexecCmdlineSpec){ .base = KEXEC_CMDLINE_CAPTURE,
					  .running = "a=\"unclosed", .boot_cpu_apicid = -1 },
					  &(char *){ NULL }),
		      -EINVAL);
	ASSERT_EQ_INT(kexec_cmdline_build(&(KexecCmdlineSpec){ .base = KEXEC_CMDLINE_GIVEN,
					  .given = "ro", .append = "x=\"y",
					  .boot_cpu_apicid = -1 }, &(char *){ NULL }),
		      -EINVAL);
}

/* --reuse-cmdline for a normal load: only the boot loader's file names go. */
TEST(reuse)
{
	ASSERT_BUILDS(KEXEC_CMDLINE_REUSE,
		      "BOOT_IMAGE=/vmlinuz root=/dev/vda ro quiet crashkernel=256M initrd=/initrd",
		      "ks.stage=second", 0,
		      "root=/dev/vda ro quiet crashkernel=256M ks.stage=second");
}

/* --command-line: as it is, plus --append. */
TEST(given)
{
	ASSERT_BUILDS(KEXEC_CMDLINE_GIVEN, "BOOT_IMAGE=x crashkernel=1G quiet", NULL, 0,
		      "BOOT_IMAGE=x crashkernel=1G quiet");
	ASSERT_BUILDS(KEXEC_CMDLINE_GIVEN, "", NULL, 0, "");
	ASSERT_BUILDS(KEXEC_CMDLINE_GIVEN, "  root=/dev/vda  ", "  a  b ", 0, "root=/dev/vda a b");
}

TEST(has)
{
	ASSERT_TRUE(kexec_cmdline_has("ro nr-cpus=4 quiet", "nr_cpus"));
	ASSERT_TRUE(kexec_cmdline_has("ro nr_cpus=4 quiet", "nr-cpus=1"));
	ASSERT_TRUE(kexec_cmdline_has("ro quiet", "quiet"));
	ASSERT_TRUE(!kexec_cmdline_has("ro quietly", "quiet"));
	ASSERT_TRUE(!kexec_cmdline_has("ro -- quiet", "quiet"));
}

/* The running kernel's line and boot CPU, from the fixture's /proc. */
TEST(from_proc)
{
	char *root = fixture_root_new();
	KexecCtx ctx;
	char *s = NULL;
	int id = -1;

	ASSERT_TRUE(root);
	ASSERT_OK(fixture_write(root, "proc/cmdline", "ro quiet\n"));
	ASSERT_OK(fixture_write(root, "proc/cpuinfo", "processor\t: 0\nvendor_id\t: x\n"
				"apicid\t\t: 4\ninitial apicid\t: 4\n\nprocessor\t: 1\n"
				"apicid\t\t: 6\n"));
	ASSERT_OK(kexec_ctx_init(&ctx, root));
	ASSERT_OK(kexec_cmdline_read_running(&ctx, &s));
	ASSERT_STREQ(s, "ro quiet");
	free(s);
	ASSERT_OK(kexec_boot_cpu_apicid(&ctx, &id));
	ASSERT_EQ_INT(id, 4);
	ASSERT_OK(fixture_write(root, "proc/cpuinfo", "processor\t: 0\nflags\t: fpu\n"));
	ASSERT_EQ_INT(kexec_boot_cpu_apicid(&ctx, &id), -ENOENT);
	kexec_ctx_done(&ctx);
	fixture_root_free(root);
}

RUN_TESTS(T(capture_default), T(capture_drops), T(capture_no_duplicates), T(capture_append),
	  T(quotes_and_init_args), T(reuse), T(given), T(has), T(from_proc))
