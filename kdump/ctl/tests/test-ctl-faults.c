/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdumpctl when things go wrong on the first kernel's side, on fixture machines: the running
 * kernel's image missing, not a kernel, or unreadable (its disk gone: EIO); a kexec load
 * that is busy; a full /var (the capture initramfs cannot be built) and a full /boot (the boot
 * loader's tool fails); a kdump.conf others may write; secrets in the configuration. Each time
 * the exit code and the messages must say what happened, nothing half-written may take the
 * place of a good file, and no secret may reach a message.
 *
 * The full /var is a tmpfs and the unreadable kernel a loop ext4 that is shut down; both need
 * root (in a mount namespace of this test's own) and are skipped otherwise.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-fixture.h"
#include "io-util.h"
#include "loopfs.h"
#include "tests.h"

#define IMAGE "var/lib/kdump-suite/initramfs-" FX_KVER ".img"

static char bindir[] = "/tmp/ctl-faults-bin.XXXXXX";
static bool may_mount;

/* A dracut that writes a small initramfs where it is told (cp fails on a full disk). */
static void setup_fake_dracut(void)
{
	static const char script[] =
		"#!/bin/sh\n"
		"env | grep '^KDUMP_SUITE_' >> \"$FAKE_DRACUT_ENV\"\n"
		"eval \"out=\\${$(($# - 1))}\"\n"
		"exec cp \"$FAKE_DRACUT_IMAGE\" \"$out\"\n";
	char path[400], newpath[4096];
	FILE *f;

	if (!mkdtemp(bindir))
		abort();
	snprintf(path, sizeof(path), "%s/dracut", bindir);
	f = fopen(path, "w");
	if (!f || fputs(script, f) < 0 || fclose(f) != 0 || chmod(path, 0755) < 0)
		abort();
	snprintf(newpath, sizeof(newpath), "%s:%s", bindir, getenv("PATH") ? getenv("PATH") : "");
	setenv("PATH", newpath, 1);
	snprintf(path, sizeof(path), "%s/env", bindir);
	setenv("FAKE_DRACUT_ENV", path, 1);
	snprintf(path, sizeof(path), "%s/image", bindir);
	setenv("FAKE_DRACUT_IMAGE", path, 1);
}

static void machine(CtlFixture *fx)
{
	char image[400];

	fx_new(fx);
	snprintf(image, sizeof(image), "%s/image", bindir);
	fx_initramfs(fx, "/tmp/dracut-image");
	if (rename(fx_path(fx, "/tmp/dracut-image"), image) < 0)
		abort();
}

/* stdout and stderr of a command on the fixture, in one string: a command line (fx_run), or a
 * command function (fx_capture: start refuses --root, which fx_run passes). */
static const char *both(CtlFixture *fx, int *rc, const char *const *argv, int (*fn)(Ctl *c))
{
	static char buf[131072];
	int fd = memfd_create("stderr", MFD_CLOEXEC), saved;
	const char *out;
	ssize_t n;
	size_t len;

	if (fd < 0)
		abort();
	fflush(stderr);
	saved = dup(STDERR_FILENO);
	dup2(fd, STDERR_FILENO);
	out = argv ? fx_run(fx, rc, argv) : fx_capture(fx, fn, rc);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	snprintf(buf, sizeof(buf), "%s", out);
	len = strlen(buf);
	n = pread_full(fd, buf + len, sizeof(buf) - len - 1, 0);
	close(fd);
	buf[len + (n < 0 ? 0 : (size_t)n)] = '\0';
	if (getenv("CTL_TEST_VERBOSE"))
		fprintf(stderr, "---- kdumpctl %s: exit %d\n%s", argv ? argv[0] : "(function)", *rc,
			buf);
	return buf;
}

static const char *run(CtlFixture *fx, int *rc, const char *const *argv)
{
	return both(fx, rc, argv, NULL);
}

#define START(fx, rc) both(fx, rc, NULL, cmd_start)

/* system() of a formatted command; its exit status, -1 when it could not run. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[2048];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	return system(cmd);
}

static bool contains(const char *s, const char *what)
{
	if (strstr(s, what))
		return true;
	fprintf(stderr, "  expected '%s' in:\n%s\n", what, s);
	return false;
}

TEST(missing_kernel)
{
	CtlFixture fx;
	const char *out;
	int rc;

	machine(&fx);
	ASSERT_OK(unlink(fx_path(&fx, "boot/vmlinuz-" FX_KVER)));
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_TRUE(contains(out, "kdump is not ready: no image of the running kernel " FX_KVER
			     " in /boot"));
	ASSERT_EQ_INT(fx.sys.calls, 0);
	ASSERT_TRUE(!fx_read(&fx, "run/kdump-suite/loaded"));
	fx_free(&fx);
}

TEST(not_a_kernel)
{
	CtlFixture fx;
	const char *out;
	int rc;

	machine(&fx);
	fx_write(&fx, "boot/vmlinuz-" FX_KVER, "this is not a kernel image\n");
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_TRUE(contains(out, "/boot/vmlinuz-" FX_KVER));
	ASSERT_TRUE(contains(out, "kdump is not ready"));
	ASSERT_EQ_INT(fx.sys.calls, 0);
	ASSERT_TRUE(!fx_read(&fx, "run/kdump-suite/loaded"));
	fx_free(&fx);
}

/* /boot on a disk that is gone: reading the kernel fails with EIO, and kdumpctl says so. */
TEST(unreadable_kernel)
{
	struct loopfs l;
	CtlFixture fx;
	const char *out;
	static char kernel[4096];
	int rc;

	if (!may_mount) {
		fprintf(stderr, "unreadable_kernel: skipped (not root)\n");
		return;
	}
	machine(&fx);
	snprintf(kernel, sizeof(kernel), "%s", fx_path(&fx, "boot/vmlinuz-" FX_KVER));
	ASSERT_OK(rename(kernel, fx_path(&fx, "tmp/vmlinuz")));
	if (loopfs_make(&l, fx_path(&fx, "tmp/boot.img"), fx_path(&fx, "boot"), "16M") < 0) {
		fprintf(stderr, "unreadable_kernel: skipped (no loop ext4 here)\n");
		fx_free(&fx);
		return;
	}
	ASSERT_OK(sh("cp '%s' '%s'", fx_path(&fx, "tmp/vmlinuz"), kernel));
	ASSERT_OK(loopfs_shutdown(l.dir));
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_TRUE(contains(out, "Input/output error"));
	ASSERT_EQ_INT(fx.sys.calls, 0);
	ASSERT_TRUE(!fx_read(&fx, "run/kdump-suite/loaded"));
	loopfs_remove(&l);
	fx_free(&fx);
}

/* Another kexec load or unload is running: said, nothing recorded, the next start works. */
TEST(busy_kexec)
{
	CtlFixture fx;
	const char *out;
	int rc;

	machine(&fx);
	fx.sys.file_load_result = -EBUSY;
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_TRUE(contains(out, "another kexec load or unload"));
	ASSERT_TRUE(contains(out, "the capture kernel could not be loaded"));
	ASSERT_EQ_INT(fx.sys.calls, 1);
	ASSERT_TRUE(!fx_read(&fx, "run/kdump-suite/loaded"));
	fx.sys.file_load_result = 0;
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(contains(out, "kdump is ready"));
	ASSERT_TRUE(fx_read(&fx, "run/kdump-suite/loaded"));
	fx_free(&fx);
}

/*
 * /var is full: dracut cannot write the image. kdumpctl says the build failed and that the
 * disk is full; no partial image, no manifest; the image of an earlier build, if any, stays.
 */
TEST(full_var)
{
	CtlFixture fx;
	const char *out;
	static char state[4096];
	int rc;

	if (!may_mount) {
		fprintf(stderr, "full_var: skipped (not root)\n");
		return;
	}
	machine(&fx);
	snprintf(state, sizeof(state), "%s", fx_path(&fx, "var/lib/kdump-suite"));
	ASSERT_OK(sh("mkdir -p '%s'", state));
	ASSERT_OK(mount("tmpfs", state, "tmpfs", 0, "size=2M"));
	/* an earlier image, then the disk fills up */
	fx_write(&fx, IMAGE, "an earlier image\n");
	(void)sh("dd if=/dev/zero of='%s/filler' bs=4k 2>/dev/null", state); /* fails: full */
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_TRUE(contains(out, "cannot build the capture initramfs"));
	ASSERT_TRUE(contains(out, "only 0 bytes free in /var/lib/kdump-suite"));
	ASSERT_TRUE(contains(out, "is the disk full?"));
	ASSERT_STREQ(fx_read(&fx, IMAGE), "an earlier image\n");
	ASSERT_TRUE(!fx_read(&fx, IMAGE ".new"));
	ASSERT_TRUE(!fx_read(&fx, IMAGE ".inputs"));
	ASSERT_EQ_INT(fx.sys.calls, 0);
	/* room again: the next start builds and loads */
	ASSERT_OK(sh("rm '%s/filler'", state));
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(fx_read(&fx, IMAGE ".inputs"));
	ASSERT_OK(umount2(state, MNT_DETACH));
	fx_free(&fx);
}

struct fake_runner {
	int status;
	int runs;
};

static int fake_runner(char *const argv[], char **ret_output, void *userdata)
{
	CtlFixture *fx = userdata;
	struct fake_runner *f = fx->data;

	f->runs++;
	if (ret_output)
		*ret_output = strdup(f->status ? "cp: error writing '/boot/grub/grub.cfg.new': No "
				     "space left on device\n" : "");
	return f->status;
}

/* /boot is full: the boot loader's tool fails. Said, with the command and what to do. */
TEST(full_boot)
{
	struct fake_runner runner = { .status = 1 };
	CtlFixture fx;
	const char *out;
	int rc;

	machine(&fx);
	fx_write(&fx, "etc/kernel/cmdline", "root=/dev/vda1 quiet\n");
	fx.data = &runner;
	fx.args = (CtlArgs){ .command = CMD_CRASHKERNEL, .set = "256M" };
	fx_ctl(&fx);
	fx.ctl.runner = fake_runner;
	{
		int fd = memfd_create("output", MFD_CLOEXEC), saved = dup(STDERR_FILENO);
		int saved_out = dup(STDOUT_FILENO);
		static char buf[8192];
		ssize_t n;

		fflush(NULL);
		dup2(fd, STDERR_FILENO);
		dup2(fd, STDOUT_FILENO);
		rc = cmd_crashkernel(&fx.ctl);
		fflush(NULL);
		dup2(saved, STDERR_FILENO);
		dup2(saved_out, STDOUT_FILENO);
		close(saved);
		close(saved_out);
		n = pread_full(fd, buf, sizeof(buf) - 1, 0);
		close(fd);
		buf[n < 0 ? 0 : n] = '\0';
		out = buf;
	}
	ASSERT_EQ_INT(rc, CTL_EXIT_FAILURE);
	ASSERT_EQ_INT(runner.runs, 1);
	ASSERT_TRUE(contains(out, "'kernel-install add " FX_KVER));
	ASSERT_TRUE(contains(out, "failed with status 1"));
	ASSERT_TRUE(contains(out, "run it again once the problem is fixed"));
	fx_ctl_done(&fx);
	fx_free(&fx);
}

/* A kdump.conf others may write names hooks that run as root: refused, nothing built. */
TEST(writable_config)
{
	CtlFixture fx;
	const char *out;
	int rc;

	machine(&fx);
	ASSERT_OK(chmod(fx_path(&fx, "etc/kdump.conf"), 0666));
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_CONFIG);
	ASSERT_TRUE(contains(out, "is writable by others (mode 0666)"));
	ASSERT_TRUE(contains(out, "chmod go-w"));
	ASSERT_TRUE(!fx_read(&fx, IMAGE));
	ASSERT_EQ_INT(fx.sys.calls, 0);
	ASSERT_OK(chmod(fx_path(&fx, "etc/kdump.conf"), 0620));
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_CONFIG);
	ASSERT_TRUE(contains(out, "is writable by its group (mode 0620)"));
	fx_free(&fx);
}

/*
 * Secrets in kdump.conf: a token in a hook's arguments, a password in an ssh target. None may
 * reach kdumpctl's messages, nor dracut's environment.
 */
TEST(no_secrets)
{
	CtlFixture fx;
	const char *out;
	int rc;

	machine(&fx);
	fx_write_exec(&fx, "usr/bin/notify", "#!/bin/sh\nexit 0\n");
	fx_write(&fx, "etc/kdump.conf", "path /var/crash\n"
		 "kdump_post /usr/bin/notify --token=S3CRET-TOKEN-1\n"
		 "kdump_pre /usr/bin/notify S3CRET-TOKEN-2\n");
	ASSERT_OK(chmod(fx_path(&fx, "etc/kdump.conf"), 0600));
	out = run(&fx, &rc, (const char *const[]){ "check-config", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(!strstr(out, "S3CRET"));
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_OK);
	ASSERT_TRUE(!strstr(out, "S3CRET"));
	{
		char path[400];
		FILE *f;
		static char buf[65536];
		size_t n;

		snprintf(path, sizeof(path), "%s/env", bindir);
		f = fopen(path, "re");
		ASSERT_TRUE(f);
		n = fread(buf, 1, sizeof(buf) - 1, f);
		fclose(f);
		buf[n] = '\0';
		ASSERT_TRUE(contains(buf, "KDUMP_SUITE_BINARIES="));
		ASSERT_TRUE(!strstr(buf, "S3CRET"));
	}
	ASSERT_TRUE(!strstr(fx_read(&fx, "var/lib/kdump-suite/dracut-" FX_KVER ".log") ?: "",
			    "S3CRET"));
	/* a password in an ssh target: refused, and not repeated */
	fx_write(&fx, "etc/kdump.conf", "ssh kdump:hunter2-S3CRET@dumps.example.com\n"
		 "path /var/crash\n");
	ASSERT_OK(chmod(fx_path(&fx, "etc/kdump.conf"), 0600));
	out = run(&fx, &rc, (const char *const[]){ "check-config", NULL });
	ASSERT_EQ_INT(rc, CTL_EXIT_CONFIG);
	ASSERT_TRUE(contains(out, "etc/kdump.conf:1"));
	ASSERT_TRUE(!strstr(out, "S3CRET"));
	out = START(&fx, &rc);
	ASSERT_EQ_INT(rc, CTL_EXIT_CONFIG);
	ASSERT_TRUE(!strstr(out, "S3CRET"));
	fx_free(&fx);
}

int main(void)
{
	static const struct test_case cases[] = {
		T(missing_kernel), T(not_a_kernel), T(unreadable_kernel), T(busy_kexec),
		T(full_var), T(full_boot), T(writable_config), T(no_secrets),
	};
	char cmd[512];
	int r;

	unsetenv("JOURNAL_STREAM");
	may_mount = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	setup_fake_dracut();
	r = run_tests(cases, ELEMENTSOF(cases));
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", bindir);
	if (system(cmd) != 0)
		fprintf(stderr, "cannot remove %s\n", bindir);
	return r;
}
