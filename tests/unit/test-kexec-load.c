/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Loading, unloading and executing through the fake system calls: the flags and arguments
 * passed, the checks made before the call (no crash region, too big, command line too long),
 * and the message for every errno the kernel can answer with.
 */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "kexec-fixture.h"
#include "kexec-load.h"
#include "tests.h"

#define IMG_SIZE (16u << 10)

struct env {
	char *root;
	KexecCtx ctx;
	struct fake_sys fake;
	char kernel[512], initrd[512];
};

static int contains(const char *s, const char *what)
{
	if (!s || !strstr(s, what)) {
		fprintf(stderr, "  expected '%s' in '%s'\n", what, s ? s : "(null)");
		return 0;
	}
	return 1;
}

/* A machine (fixture_machine), a bzImage with init_size, an initrd of initrd_size bytes. */
static int env_init(struct env *v, uint32_t init_size, uint64_t initrd_size)
{
	static uint8_t img[IMG_SIZE];
	struct fake_bzimage opt = { .init_size = init_size };
	int fd, r;

	*v = (struct env){ 0 };
	v->root = fixture_root_new();
	if (!v->root || fixture_machine(v->root) < 0)
		return -EIO;
	fixture_bzimage(img, sizeof(img), &opt);
	r = fixture_write_bytes(v->root, "boot/vmlinuz", img, sizeof(img));
	if (r < 0)
		return r;
	fixture_path(v->root, "boot/vmlinuz", v->kernel, sizeof(v->kernel));
	fixture_path(v->root, "boot/initrd.img", v->initrd, sizeof(v->initrd));
	r = fixture_write(v->root, "boot/initrd.img", "070701 initramfs");
	if (r < 0)
		return r;
	/* Sparse: a large initrd costs nothing. */
	fd = open(v->initrd, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)initrd_size) < 0)
		return -errno;
	close(fd);
	return fixture_ctx(&v->ctx, v->root, &v->fake);
}

static void env_done(struct env *v)
{
	kexec_ctx_done(&v->ctx);
	fixture_root_free(v->root);
}

static int load(struct env *v, int crash, const char *cmdline, KexecError *e)
{
	KexecLoadRequest req = { .crash = crash, .kernel = v->kernel, .initrd = v->initrd,
				 .cmdline = cmdline };
	return kexec_load_kernel(&v->ctx, &req, e);
}

TEST(load_normal)
{
	struct env v;
	KexecError e = { 0 };

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	ASSERT_OK(load(&v, 0, "root=/dev/vda ro", &e));
	ASSERT_EQ_INT(v.fake.calls, 1);
	ASSERT_EQ_U64(v.fake.flags, 0);
	ASSERT_STREQ(v.fake.cmdline, "root=/dev/vda ro");
	ASSERT_EQ_U64(v.fake.cmdline_len, strlen("root=/dev/vda ro") + 1);
	ASSERT_TRUE(v.fake.kernel_fd >= 0 && v.fake.initrd_fd >= 0);
	ASSERT_TRUE(!memcmp(v.fake.kernel_head, "MZ", 2));
	env_done(&v);
}

TEST(load_flags)
{
	struct env v;
	KexecError e = { 0 };
	KexecLoadRequest req = { .kernel = NULL, .cmdline = "" };

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	req.kernel = v.kernel;
	ASSERT_OK(kexec_load_kernel(&v.ctx, &req, &e));
	ASSERT_EQ_U64(v.fake.flags, KEXEC_FILE_NO_INITRAMFS);
	ASSERT_EQ_INT(v.fake.initrd_fd, -1);
	req.crash = 1;
	ASSERT_OK(kexec_load_kernel(&v.ctx, &req, &e));
	ASSERT_EQ_U64(v.fake.flags, KEXEC_FILE_ON_CRASH | KEXEC_FILE_NO_INITRAMFS);
	ASSERT_OK(load(&v, 1, "irqpoll", &e));
	ASSERT_EQ_U64(v.fake.flags, KEXEC_FILE_ON_CRASH);

	ASSERT_OK(kexec_unload_kernel(&v.ctx, 0, &e));
	ASSERT_EQ_U64(v.fake.flags, KEXEC_FILE_UNLOAD);
	ASSERT_EQ_INT(v.fake.kernel_fd, -1);
	ASSERT_EQ_INT(v.fake.initrd_fd, -1);
	ASSERT_EQ_U64(v.fake.cmdline_len, 0);
	ASSERT_OK(kexec_unload_kernel(&v.ctx, 1, &e));
	ASSERT_EQ_U64(v.fake.flags, KEXEC_FILE_UNLOAD | KEXEC_FILE_ON_CRASH);
	env_done(&v);
}

/* No crashkernel= at boot: refused before the system call, with what to do. */
TEST(no_crash_region)
{
	struct env v;
	KexecError e = { 0 };

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	ASSERT_OK(fixture_write(v.root, "sys/kernel/kexec_crash_size", "0\n"));
	ASSERT_OK(fixture_write(v.root, "proc/iomem", "00100000-3ffdffff : System RAM\n"));
	ASSERT_EQ_INT(load(&v, 1, "", &e), -EADDRNOTAVAIL);
	ASSERT_EQ_INT(v.fake.calls, 0);
	ASSERT_EQ_INT(e.origin, KEXEC_ORIGIN_SYSTEM);
	ASSERT_TRUE(contains(e.what, "no memory is reserved for a capture kernel"));
	ASSERT_TRUE(contains(e.cause, "crashkernel="));
	ASSERT_TRUE(contains(e.fix, "kdumpctl estimate"));
	ASSERT_TRUE(contains(e.fix, "kdumpctl crashkernel --set"));
	kexec_error_done(&e);
	/* --no-fit-check asks the kernel, and its answer gets the same explanation. */
	KexecLoadRequest req = { .crash = 1, .kernel = v.kernel, .cmdline = "",
				 .no_fit_check = 1 };
	v.fake.file_load_result = -EADDRNOTAVAIL;
	ASSERT_EQ_INT(kexec_load_kernel(&v.ctx, &req, &e), -EADDRNOTAVAIL);
	ASSERT_EQ_INT(v.fake.calls, 1);
	ASSERT_EQ_INT(e.origin, KEXEC_ORIGIN_KERNEL);
	ASSERT_TRUE(contains(e.what, "no memory is reserved for a capture kernel"));
	ASSERT_TRUE(contains(e.fix, "kdumpctl estimate"));
	kexec_error_done(&e);
	/* A normal load does not need the region. */
	v.fake.file_load_result = 0;
	ASSERT_OK(load(&v, 0, "", &e));
	env_done(&v);
}

/* Kernel (in place) + initrd larger than the region: both sizes and the region's. */
TEST(too_big)
{
	struct env v;
	KexecError e = { 0 };
	KexecLoadRequest req = { .crash = 1, .cmdline = "", .no_fit_check = 1 };

	ASSERT_OK(env_init(&v, 64u << 20, 200u << 20));
	ASSERT_EQ_INT(load(&v, 1, "", &e), -EFBIG);
	ASSERT_EQ_INT(v.fake.calls, 0);
	ASSERT_EQ_INT(e.origin, KEXEC_ORIGIN_FILES);
	ASSERT_TRUE(contains(e.what, "kernel 64.0 MiB + initrd 200.0 MiB = 264.0 MiB, the region "
				 "has 256.0 MiB"));
	ASSERT_TRUE(contains(e.fix, "kdumpctl estimate"));
	kexec_error_done(&e);
	/* The same with the region from /proc/iomem (no kexec_crash_size). */
	ASSERT_OK(unlinkat(v.ctx.root_fd, "sys/kernel/kexec_crash_size", 0));
	ASSERT_EQ_INT(load(&v, 1, "", &e), -EFBIG);
	ASSERT_TRUE(contains(e.what, "the region has 256.0 MiB"));
	kexec_error_done(&e);
	/* --no-fit-check leaves it to the kernel, whose EADDRNOTAVAIL gets the sizes too. */
	req.kernel = v.kernel;
	req.initrd = v.initrd;
	v.fake.file_load_result = -EADDRNOTAVAIL;
	ASSERT_EQ_INT(kexec_load_kernel(&v.ctx, &req, &e), -EADDRNOTAVAIL);
	ASSERT_EQ_INT(v.fake.calls, 1);
	ASSERT_TRUE(contains(e.cause, "kernel 64.0 MiB + initrd 200.0 MiB = 264.0 MiB"));
	ASSERT_TRUE(contains(e.cause, "the region has 256.0 MiB"));
	kexec_error_done(&e);
	/* A fitting one goes through. */
	env_done(&v);
	ASSERT_OK(env_init(&v, 64u << 20, 100u << 20));
	ASSERT_OK(load(&v, 1, "", &e));
	env_done(&v);
}

TEST(cmdline_too_long)
{
	struct env v;
	KexecError e = { 0 };
	char line[2100];

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	memset(line, 'x', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	line[2016] = '\0'; /* 2016 + NUL + 30 = 2047: the longest that fits */
	ASSERT_OK(load(&v, 0, line, &e));
	line[2016] = 'x';
	line[2017] = '\0';
	ASSERT_EQ_INT(load(&v, 0, line, &e), -E2BIG);
	ASSERT_EQ_INT(v.fake.calls, 1);
	ASSERT_TRUE(contains(e.what, "2017 bytes"));
	ASSERT_TRUE(contains(e.what, "at most 2016"));
	kexec_error_done(&e);
	env_done(&v);
}

TEST(bad_initrd)
{
	struct env v;
	KexecError e = { 0 };
	KexecLoadRequest req = { .cmdline = "" };

	ASSERT_OK(env_init(&v, 32u << 20, 0));
	ASSERT_EQ_INT(load(&v, 0, "", &e), -EINVAL);
	ASSERT_TRUE(contains(e.what, "is empty"));
	kexec_error_done(&e);
	/* kernel and initrd swapped */
	req.kernel = v.kernel;
	req.initrd = v.kernel;
	ASSERT_EQ_INT(kexec_load_kernel(&v.ctx, &req, &e), -EINVAL);
	ASSERT_TRUE(contains(e.what, "given as the initrd, is a kernel image"));
	kexec_error_done(&e);
	req.initrd = "/nonexistent/initrd.img";
	ASSERT_EQ_INT(kexec_load_kernel(&v.ctx, &req, &e), -ENOENT);
	ASSERT_TRUE(contains(e.what, "cannot open initrd '/nonexistent/initrd.img'"));
	kexec_error_done(&e);
	ASSERT_EQ_INT(v.fake.calls, 0);
	env_done(&v);
}

static void tick(void *data, unsigned left)
{
	char *s = data;

	s[strlen(s)] = (char)('0' + left);
}

TEST(exec)
{
	struct env v;
	KexecError e = { 0 };
	char ticks[16] = "";

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	ASSERT_OK(fixture_write(v.root, "sys/kernel/kexec_crash_loaded", "1\n"));
	ASSERT_EQ_INT(kexec_exec_loaded(&v.ctx, 3, 0, tick, ticks, &e), -ENOENT);
	ASSERT_EQ_INT(v.fake.reboots, 0);
	ASSERT_TRUE(contains(e.what, "no kernel is loaded"));
	ASSERT_TRUE(contains(e.cause, "only runs when the kernel panics"));
	ASSERT_TRUE(contains(e.fix, "kexec --load"));
	kexec_error_done(&e);

	ASSERT_OK(fixture_write(v.root, "sys/kernel/kexec_loaded", "1\n"));
	v.fake.reboot_result = -EINVAL;
	ASSERT_EQ_INT(kexec_exec_loaded(&v.ctx, 3, 0, tick, ticks, &e), -EINVAL);
	ASSERT_STREQ(ticks, "321");
	ASSERT_EQ_INT(v.fake.sleeps, 3);
	ASSERT_EQ_INT(v.fake.syncs, 2);
	ASSERT_EQ_INT(v.fake.reboots, 1);
	ASSERT_TRUE(contains(e.what, "execute the loaded kernel"));
	ASSERT_TRUE(contains(e.cause, "no kernel is loaded"));
	kexec_error_done(&e);
	ASSERT_EQ_INT(kexec_exec_loaded(&v.ctx, 0, 1, NULL, NULL, &e), -EINVAL);
	ASSERT_EQ_INT(v.fake.syncs, 2);
	kexec_error_done(&e);
	env_done(&v);
}

/* The kernel's answer err to a load: the message must name the errno and say what to do. */
static int refused(struct env *v, int crash, int err, KexecError *e)
{
	v->fake.file_load_result = err;
	kexec_error_done(e);
	int r = load(v, crash, "ro", e);
	if (r != err || e->code != err || e->origin != KEXEC_ORIGIN_KERNEL ||
	    !contains(e->what, kexec_errno_name(err)) || !e->cause || !e->fix) {
		fprintf(stderr, "  errno %s: r=%d what='%s'\n", kexec_errno_name(err), r,
			e->what ? e->what : "(null)");
		return 0;
	}
	return 1;
}

TEST(every_errno)
{
	static const struct {
		int err, crash;
		const char *cause;
	} cases[] = {
		{ -EACCES, 0, "IMA appraisal" },
		{ -EKEYREJECTED, 0, "signature was rejected" },
		{ -ENOKEY, 0, "keyrings" },
		{ -EKEYEXPIRED, 0, "expired" },
		{ -EKEYREVOKED, 0, "revoked" },
		{ -EBADMSG, 0, "malformed" },
		{ -ELIBBAD, 0, "no usable signature" },
		{ -ENODATA, 0, "no usable signature" },
		{ -EMSGSIZE, 0, "impossible size" },
		{ -ENOPKG, 0, "algorithm" },
		{ -EBUSY, 1, "another kexec load or unload" },
		{ -ENOEXEC, 0, "no loader" },
		{ -ENOSYS, 0, "CONFIG_KEXEC_FILE" },
		{ -EINVAL, 0, "rejected an argument" },
		{ -EADDRNOTAVAIL, 1, "does not fit into the crash region" },
		{ -EADDRNOTAVAIL, 0, "no free memory" },
		{ -ENOMEM, 1, "does not fit into the crash region" },
		{ -ENOMEM, 0, "out of memory" },
		{ -ETXTBSY, 0, "open for writing" },
		{ -EFBIG, 0, "larger than the kernel reads" },
		{ -EIO, 0, "no reason we know" },
	};
	struct env v;
	KexecError e = { 0 };

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		ASSERT_TRUE(refused(&v, cases[i].crash, cases[i].err, &e));
		ASSERT_TRUE(contains(e.cause, cases[i].cause));
	}
	kexec_error_done(&e);
	env_done(&v);
}

/* EPERM has four causes; /proc and /sys tell them apart, and every one that applies is named. */
TEST(eperm)
{
	struct env v;
	KexecError e = { 0 };

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	ASSERT_TRUE(refused(&v, 0, -EPERM, &e));
	ASSERT_TRUE(contains(e.cause, "security module"));

	ASSERT_OK(fixture_write(v.root, "proc/self/status", "Uid:\t1000\t1000\t1000\t1000\n"
				"CapEff:\t0000000000000000\n"));
	ASSERT_TRUE(refused(&v, 0, -EPERM, &e));
	ASSERT_TRUE(contains(e.cause, "lacks CAP_SYS_BOOT (it does not run as root)"));
	ASSERT_TRUE(contains(e.fix, "run it as root"));
	ASSERT_OK(fixture_write(v.root, "proc/self/status", "Uid:\t0\t0\t0\t0\n"
				"CapEff:\t000001ffffbfffff\n"));
	ASSERT_TRUE(refused(&v, 0, -EPERM, &e));
	ASSERT_TRUE(contains(e.cause, "lacks CAP_SYS_BOOT (a container"));
	ASSERT_OK(fixture_write(v.root, "proc/self/status", "Uid:\t0\t0\t0\t0\n"
				"CapEff:\t000001ffffffffff\n"));

	ASSERT_OK(fixture_write(v.root, "proc/sys/kernel/kexec_load_disabled", "1\n"));
	ASSERT_TRUE(refused(&v, 1, -EPERM, &e));
	ASSERT_TRUE(contains(e.cause, "kexec_load_disabled is 1"));
	ASSERT_TRUE(!strstr(e.cause, "locked down"));

	ASSERT_OK(fixture_write(v.root, "sys/kernel/security/lockdown",
				"none [integrity] confidentiality\n"));
	ASSERT_TRUE(refused(&v, 1, -EPERM, &e));
	ASSERT_TRUE(contains(e.cause, "kexec_load_disabled is 1"));
	ASSERT_TRUE(contains(e.cause, "; and the kernel is locked down ('integrity')"));

	ASSERT_OK(fixture_write(v.root, "proc/sys/kernel/kexec_load_disabled", "0\n"));
	ASSERT_OK(fixture_write_bytes(v.root, "sys/firmware/efi/efivars/"
				      "SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c",
				      "\x06\0\0\0\x01", 5));
	ASSERT_TRUE(refused(&v, 0, -EPERM, &e));
	ASSERT_TRUE(contains(e.cause, "locked down ('integrity', because Secure Boot is on)"));
	ASSERT_TRUE(contains(e.fix, "signed"));
	ASSERT_TRUE(!strstr(e.cause, "kexec_load_disabled"));

	/* Unloading is not subject to lockdown. */
	v.fake.file_load_result = -EPERM;
	ASSERT_EQ_INT(kexec_unload_kernel(&v.ctx, 1, &e), -EPERM);
	ASSERT_TRUE(!strstr(e.cause, "locked down"));

	ASSERT_OK(fixture_write(v.root, "sys/kernel/security/lockdown",
				"[none] integrity confidentiality\n"));
	ASSERT_OK(fixture_write(v.root, "proc/sys/kernel/kexec_load_limit_panic", "0\n"));
	ASSERT_TRUE(refused(&v, 1, -EPERM, &e));
	ASSERT_TRUE(contains(e.cause, "kexec_load_limit_panic is 0"));
	kexec_error_done(&e);
	env_done(&v);
}

TEST(unload_errors)
{
	struct env v;
	KexecError e = { 0 };

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	v.fake.file_load_result = -EINVAL;
	ASSERT_EQ_INT(kexec_unload_kernel(&v.ctx, 0, &e), -EINVAL);
	ASSERT_TRUE(contains(e.what, "cannot unload the kernel: "));
	ASSERT_TRUE(contains(e.cause, "cannot unload through kexec_file_load"));
	v.fake.file_load_result = -EBUSY;
	ASSERT_EQ_INT(kexec_unload_kernel(&v.ctx, 1, &e), -EBUSY);
	ASSERT_TRUE(contains(e.what, "cannot unload the capture kernel"));
	kexec_error_done(&e);
	env_done(&v);
}

/* A failed crash load costs the capture kernel that was loaded: the message says so. */
TEST(failed_crash_load_unloads)
{
	struct env v;
	KexecError e = { 0 };

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	ASSERT_OK(fixture_write(v.root, "sys/kernel/kexec_crash_loaded", "1\n"));
	v.fake.drop_crash_root = v.root;
	ASSERT_TRUE(refused(&v, 1, -EKEYREJECTED, &e));
	ASSERT_TRUE(contains(e.note, "no capture kernel is loaded now"));
	/* Nothing was loaded before: nothing to say. */
	ASSERT_TRUE(refused(&v, 1, -EKEYREJECTED, &e));
	ASSERT_TRUE(e.note == NULL);
	/* The kernel kept it (an early EPERM): nothing to say either. */
	ASSERT_OK(fixture_write(v.root, "sys/kernel/kexec_crash_loaded", "1\n"));
	v.fake.drop_crash_root = NULL;
	ASSERT_TRUE(refused(&v, 1, -EPERM, &e));
	ASSERT_TRUE(e.note == NULL);
	kexec_error_done(&e);
	env_done(&v);
}

static void collect(void *data, const char *msg)
{
	char *buf = data;

	strncat(buf, msg, 8191 - strlen(buf));
	strncat(buf, "\n", 8191 - strlen(buf));
}

/* --verbose: files, sizes, flags, the system call and its result. */
TEST(verbose_trail)
{
	static char trail[8192];
	struct env v;
	KexecError e = { 0 };

	ASSERT_OK(env_init(&v, 32u << 20, 4096));
	v.ctx.log = collect;
	v.ctx.log_data = trail;
	v.fake.file_load_result = -EBUSY;
	ASSERT_EQ_INT(load(&v, 1, "irqpoll", &e), -EBUSY);
	ASSERT_TRUE(contains(trail, "x86 bzImage, 16.0 KiB on disk, needs 32.0 MiB in memory, "
			     "version 6.1.0-test-amd64"));
	ASSERT_TRUE(contains(trail, "initrd '"));
	ASSERT_TRUE(contains(trail, "command line (7 bytes): irqpoll"));
	ASSERT_TRUE(contains(trail, "crash region: 256.0 MiB"));
	ASSERT_TRUE(contains(trail, "flags=KEXEC_FILE_ON_CRASH) = -1 EBUSY"));
	kexec_error_done(&e);
	env_done(&v);
}

RUN_TESTS(T(load_normal), T(load_flags), T(no_crash_region), T(too_big), T(cmdline_too_long),
	  T(bad_initrd), T(exec), T(every_errno), T(eperm), T(unload_errors), T(failed_crash_load_unloads),
	  T(verbose_trail))
