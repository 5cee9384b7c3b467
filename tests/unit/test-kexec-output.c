/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the kexec tool prints for --status (text and JSON), and its exit codes. */
#include <errno.h>

#include "kexec-fixture.h"
#include "output.h"
#include "tests.h"

static char *status_text(const KexecStatus *s, const KexecFit *fit, int json)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return NULL;
	if (json)
		print_status_json(f, s, fit, "/boot/vmlinuz", NULL);
	else
		print_status_text(f, s, fit);
	fclose(f);
	return buf;
}

static int contains(const char *s, const char *what)
{
	if (!s || !strstr(s, what)) {
		fprintf(stderr, "  expected '%s' in:\n%s\n", what, s ? s : "(null)");
		return 0;
	}
	return 1;
}

TEST(status)
{
	char *root = fixture_root_new();
	KexecStatus s;
	KexecFit fit = { .kernel_mem = 64u << 20, .initrd = 32u << 20, .needed = 96u << 20,
			 .region = 256u << 20, .fits = 1 };
	KexecCtx ctx;
	char *out;

	ASSERT_TRUE(root);
	ASSERT_OK(fixture_machine(root));
	ASSERT_OK(fixture_write(root, "sys/kernel/kexec_crash_loaded", "1\n"));
	ASSERT_OK(kexec_ctx_init(&ctx, root));
	ASSERT_OK(kexec_status_read(&ctx, &s));

	out = status_text(&s, &fit, 0);
	ASSERT_TRUE(contains(out, "Kernel for --exec:   not loaded\n"));
	ASSERT_TRUE(contains(out, "Capture kernel:      loaded\n"));
	ASSERT_TRUE(contains(out, "Crash region:        256.0 MiB\n"
				  "  at                 0x000000002b000000-0x000000003affffff\n"));
	ASSERT_TRUE(contains(out, "Lockdown:            none\n"));
	ASSERT_TRUE(contains(out, "Secure Boot:         unknown\n"));
	ASSERT_TRUE(contains(out, "Fits:                yes: kernel 64.0 MiB + initrd 32.0 MiB = "
				  "96.0 MiB; 160.0 MiB left to run in\n"));
	free(out);

	out = status_text(&s, &fit, 1);
	ASSERT_TRUE(contains(out, "\"crash_loaded\": true"));
	ASSERT_TRUE(contains(out, "\"crash_size\": 268435456"));
	ASSERT_TRUE(contains(out, "\"start\": 721420288"));
	ASSERT_TRUE(contains(out, "\"secure_boot\": null"));
	ASSERT_TRUE(contains(out, "\"kernel\": \"/boot/vmlinuz\""));
	ASSERT_TRUE(contains(out, "\"fits\": true"));
	free(out);

	/* No reservation: say so, and that the kernel would not fit. */
	ASSERT_OK(fixture_write(root, "sys/kernel/kexec_crash_size", "0\n"));
	ASSERT_OK(fixture_write(root, "proc/iomem", "00100000-3ffdffff : System RAM\n"));
	ASSERT_OK(kexec_status_read(&ctx, &s));
	fit.region = 0;
	fit.fits = 0;
	out = status_text(&s, &fit, 0);
	ASSERT_TRUE(contains(out, "Crash region:        none reserved (boot with crashkernel="));
	ASSERT_TRUE(contains(out, "Fits:                no: kernel 64.0 MiB + initrd 32.0 MiB = "
				  "96.0 MiB, and no crash region is reserved"));
	free(out);
	out = status_text(&s, NULL, 1);
	ASSERT_TRUE(contains(out, "\"crash_size\": 0"));
	ASSERT_TRUE(contains(out, "\"crash_ranges\": []"));
	ASSERT_TRUE(!strstr(out, "\"fit\""));
	free(out);
	kexec_ctx_done(&ctx);
	fixture_root_free(root);
}

TEST(exit_codes)
{
	KexecError e = { .code = -ENOEXEC, .origin = KEXEC_ORIGIN_FILES };

	ASSERT_EQ_INT(exit_code_for(&e), EXIT_FILES);
	e.origin = KEXEC_ORIGIN_SYSTEM;
	ASSERT_EQ_INT(exit_code_for(&e), EXIT_SYSTEM);
	e.origin = KEXEC_ORIGIN_KERNEL;
	ASSERT_EQ_INT(exit_code_for(&e), EXIT_SYSTEM);
}

RUN_TESTS(T(status), T(exit_codes))
