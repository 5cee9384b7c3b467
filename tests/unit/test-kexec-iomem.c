/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /proc/iomem (fixture files from real qemu guests and hand-made ones in
 * tests/fixtures/kexec/, $KEXEC_FIXTURES) and the kexec state read below a fixture root.
 */
#include <errno.h>

#include "kexec-fixture.h"
#include "kexec-load.h"
#include "tests.h"

static int parse_fixture(const char *name, KexecIomem *m, unsigned *bad_line)
{
	const char *dir = getenv("KEXEC_FIXTURES");
	char path[1024];
	KexecCtx ctx;
	char *text = NULL;
	size_t len;
	int r;

	if (!dir)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	r = kexec_ctx_init(&ctx, "/");
	if (r < 0)
		return r;
	r = kexec_read_file(&ctx, path, KEXEC_IOMEM_MAX_SIZE, &text, &len);
	kexec_ctx_done(&ctx);
	if (r < 0)
		return r;
	r = kexec_iomem_parse(text, len, m, bad_line);
	free(text);
	return r;
}

/* Debian 6.1 in qemu, 1 GiB, crashkernel=256M. */
TEST(qemu_crashkernel)
{
	KexecIomem m;

	ASSERT_OK(parse_fixture("iomem-qemu-6.1-crashkernel256M.txt", &m, NULL));
	ASSERT_EQ_INT(m.n_crash, 1);
	ASSERT_EQ_U64(kexec_iomem_crash_size(&m), 256u << 20);
	ASSERT_EQ_U64(m.crash[0].end + 1 - m.crash[0].start, 256u << 20);
	ASSERT_TRUE(!m.addresses_hidden);
	/* 1 GiB minus the BIOS area and the top 152 KiB the firmware reserves */
	ASSERT_EQ_U64(m.system_ram, 0x9ec00 + 0x3feda000);
	ASSERT_EQ_U64(m.crash[0].start, 0x1a000000);
}

/* Debian 6.12 in qemu, booted without crashkernel=. */
TEST(qemu_no_crashkernel)
{
	KexecIomem m;

	ASSERT_OK(parse_fixture("iomem-qemu-6.12-nocrash.txt", &m, NULL));
	ASSERT_EQ_INT(m.n_crash, 0);
	ASSERT_EQ_U64(kexec_iomem_crash_size(&m), 0);
	ASSERT_EQ_U64(m.system_ram, 0x9ec00 + 0x3feda000);
	ASSERT_TRUE(!m.addresses_hidden);
}

/* An unprivileged reader sees 0-0 everywhere: present, size unknown. */
TEST(hidden)
{
	KexecIomem m;

	ASSERT_OK(parse_fixture("iomem-hidden.txt", &m, NULL));
	ASSERT_TRUE(m.addresses_hidden);
	ASSERT_EQ_INT(m.n_crash, 1);
	ASSERT_EQ_U64(kexec_iomem_crash_size(&m), 0);
}

/* crashkernel=X,high: a high and a low range; x86_64 loads into the large one. */
TEST(high_low)
{
	KexecIomem m;

	ASSERT_OK(parse_fixture("iomem-high-low.txt", &m, NULL));
	ASSERT_EQ_INT(m.n_crash, 2);
	ASSERT_EQ_U64(kexec_iomem_crash_size(&m), 1u << 30);
	ASSERT_EQ_U64(m.system_ram, 0x9f000 + 0x7ff00000 + 0x780000000ull);
}

TEST(bad)
{
	KexecIomem m;
	unsigned line = 0;

	ASSERT_EQ_INT(parse_fixture("iomem-bad.txt", &m, &line), -EBADMSG);
	ASSERT_EQ_INT(line, 3);
	ASSERT_EQ_INT(kexec_iomem_parse("0-1 : x\n", 8, &m, &line), 0);
	ASSERT_EQ_INT(kexec_iomem_parse("2-1 : x\n", 8, &m, &line), -EBADMSG);
	ASSERT_EQ_INT(kexec_iomem_parse("00-ff :x\n", 9, &m, &line), -EBADMSG);
	ASSERT_EQ_INT(kexec_iomem_parse("00-ff : \n", 9, &m, &line), 0);
	ASSERT_EQ_INT(kexec_iomem_parse("zz-ff : x\n", 10, &m, &line), -EBADMSG);
	ASSERT_EQ_INT(kexec_iomem_parse("00-11111111111111111 : x\n", 25, &m, &line), -EBADMSG);
	ASSERT_EQ_INT(kexec_iomem_parse("", 0, &m, &line), 0);
	ASSERT_EQ_INT(m.system_ram, 0);
}

TEST(status)
{
	char *root = fixture_root_new();
	KexecStatus s;
	KexecCtx ctx;

	ASSERT_TRUE(root);
	ASSERT_OK(fixture_machine(root));
	ASSERT_OK(kexec_ctx_init(&ctx, root));
	ASSERT_OK(kexec_status_read(&ctx, &s));
	ASSERT_EQ_INT(s.loaded, 0);
	ASSERT_EQ_INT(s.crash_loaded, 0);
	ASSERT_EQ_INT(s.crash_size, 256u << 20);
	ASSERT_EQ_INT(kexec_status_region(&s), 256u << 20);
	ASSERT_STREQ(s.lockdown, "none");
	ASSERT_EQ_INT(s.load_disabled, 0);
	ASSERT_EQ_INT(s.secure_boot, -1);
	ASSERT_TRUE(s.have_iomem);

	/* The region from /proc/iomem when sysfs does not say. */
	ASSERT_OK(fixture_write(root, "sys/kernel/kexec_crash_size", "junk\n"));
	ASSERT_OK(fixture_write(root, "sys/kernel/kexec_crash_loaded", "1\n"));
	ASSERT_OK(kexec_status_read(&ctx, &s));
	ASSERT_EQ_INT(s.crash_size, -1);
	ASSERT_EQ_INT(s.crash_loaded, 1);
	ASSERT_EQ_INT(kexec_status_region(&s), 256u << 20);
	/* Not root: hidden addresses, nothing in sysfs: unknown, not "none". */
	ASSERT_OK(fixture_write(root, "proc/iomem", "00000000-00000000 : System RAM\n"
				"  00000000-00000000 : Crash kernel\n"));
	ASSERT_OK(kexec_status_read(&ctx, &s));
	ASSERT_EQ_INT(kexec_status_region(&s), -1);
	/* No reservation at all. */
	ASSERT_OK(fixture_write(root, "sys/kernel/kexec_crash_size", "0\n"));
	ASSERT_OK(fixture_write(root, "proc/iomem", "00100000-3ffdffff : System RAM\n"));
	ASSERT_OK(kexec_status_read(&ctx, &s));
	ASSERT_EQ_INT(kexec_status_region(&s), 0);
	kexec_ctx_done(&ctx);
	fixture_root_free(root);

	/* An empty root: nothing to report. */
	root = fixture_root_new();
	ASSERT_OK(kexec_ctx_init(&ctx, root));
	ASSERT_EQ_INT(kexec_status_read(&ctx, &s), -ENOENT);
	kexec_ctx_done(&ctx);
	fixture_root_free(root);
}

RUN_TESTS(T(qemu_crashkernel), T(qemu_no_crashkernel), T(hidden), T(high_low), T(bad),
	  T(status))
