/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * When writing fails (a full disk, an I/O error) at any moment, what was written must stay a
 * readable dump: every page it holds is the input's, the pages that did not make it read as
 * lost (never as wrong data), the header says incomplete, and the run says how much was saved.
 * The failures are injected by the sink's seam (struct mdl_seam): a write crossing the limit is
 * cut there, as on a full disk. Also: a flattened stream cut short and rebuilt with -R, and
 * an input that ends early (pages that cannot be read are lost, the dump marked incomplete).
 *
 * And the faults that do not come from the seam: pages that raise SIGBUS when read through
 * mmap() (the input truncated under the collector's mapping windows), the collector killed
 * with SIGKILL part way, and, on a small ext4 filesystem on a loop device that is shut down
 * part way (EXT4_IOC_SHUTDOWN: the disk is gone, the kernel answers EIO), the dump's target
 * disappearing and the input becoming unreadable (real EIO on read).
 */
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "io-util.h"
#include "loopfs.h"
#include "macro.h"
#include "mdl-test.h"
#include "tests.h"

static struct mdl_env env;

/* Every page of a cut dump: the input's bytes, or not there; returns how many are there. */
static uint64_t check_cut_dump(const char *path, int level, int elf)
{
	static uint8_t a[4096], b[4096];
	vmcore_t *out = vmcore_new();
	uint64_t there = 0;

	if (!out || vmcore_open(out, path) < 0) {
		fprintf(stderr, "cut dump %s does not open: %s\n", path, vmcore_strerror(out));
		vmcore_free(out);
		tests_failed++;
		return 0;
	}
	if (!(vmcore_is_incomplete(out) & VMCORE_INCOMPLETE_MARKED)) {
		fprintf(stderr, "%s: not marked incomplete\n", path);
		tests_failed++;
	}
	for (unsigned pfn = 0; pfn < MI_NPFN; pfn++) {
		int st = vmcore_pfn_state(out, pfn), r;

		if (st != VMCORE_PFN_DUMPED)
			continue;
		r = vmcore_read_pfn(out, pfn, b);
		if (r == -EIO)
			continue; /* beyond the end of a cut ELF file */
		if (r < 0 || vmcore_read_pfn(env.in, pfn, a) < 0 || memcmp(a, b, sizeof(a))) {
			fprintf(stderr, "%s: PFN 0x%x: r=%d, or contents differ\n", path, pfn, r);
			tests_failed++;
			break;
		}
		if (mdl_image_kept(&env.img, pfn, level, elf))
			there++;
	}
	vmcore_free(out);
	return there;
}

static void cuts(const char *opt)
{
	const char *args[] = { "-d", "31", opt, env.vmcore, NULL, NULL };
	char out[160], err[512];
	struct mdl_stats full, st;
	int elf = !strcmp(opt, "-E");
	uint64_t size;

	env_path(&env, "cut", out, sizeof(out));
	args[4] = out;
	(void)unlink(out);
	ASSERT_OK(run_args(args, NULL, &full, err, sizeof(err)));
	size = full.bytes_written;
	(void)unlink(out);

	/* from inside the headers to the last bytes, and every error a disk gives */
	for (int i = 1; i <= 40; i++) {
		struct mdl_seam seam = { .fail_after = size * (uint64_t)i / 41,
					 .fail_errno = i % 3 == 0 ? EIO : i % 3 == 1 ? ENOSPC : EFBIG };
		int r;

		(void)unlink(out);
		r = run_args(args, &seam, &st, err, sizeof(err));
		ASSERT_TRUE(r < 0);
		ASSERT_EQ_INT(r, -seam.fail_errno);
		if (!st.incomplete) {
			/* cut in the headers or bitmaps: nothing usable, and no file left */
			ASSERT_TRUE(access(out, F_OK) < 0);
			continue;
		}
		ASSERT_TRUE(strstr(err, "pages were saved") != NULL);
		ASSERT_TRUE(strstr(err, "marked incomplete") != NULL);
		ASSERT_EQ_INT(st.marked_incomplete, 1);
		ASSERT_TRUE(st.written < st.to_write);
		uint64_t there = check_cut_dump(out, 31, elf);
		if (elf)
			continue; /* written counts the kernel-text segment's pages twice */
		/* the page tables go first: whatever was saved, the top one is in */
		if (st.written) {
			vmcore_t *v = vmcore_new();
			ASSERT_OK(vmcore_open(v, out));
			ASSERT_EQ_INT(vmcore_pfn_state(v, IMG_T_TOP >> 12), VMCORE_PFN_DUMPED);
			vmcore_free(v);
		}
		if (there < st.written)
			fprintf(stderr, "%s cut at %llu: %llu pages there, %llu said saved\n", opt,
				(unsigned long long)seam.fail_after, (unsigned long long)there,
				(unsigned long long)st.written);
		ASSERT_TRUE(there >= st.written);
	}
	(void)unlink(out);
}

TEST(cut_kdump_zstd) { cuts("-z"); }
TEST(cut_kdump_zlib) { cuts("-c"); }
TEST(cut_elf) { cuts("-E"); }

/* A flattened stream cut anywhere: -R keeps what arrived and marks it incomplete. */
TEST(cut_stream)
{
	char flat[160], cut[160], rebuilt[160], err[512];
	const char *args[] = { "-z", "-d", "31", "-F", env.vmcore, NULL };
	const char *re[] = { "-R", rebuilt, NULL };
	struct mdl_stats st;
	struct stat sb;
	int save, fd, r;

	env_path(&env, "flat", flat, sizeof(flat));
	env_path(&env, "flat-cut", cut, sizeof(cut));
	env_path(&env, "rebuilt", rebuilt, sizeof(rebuilt));
	fflush(stdout);
	save = dup(STDOUT_FILENO);
	fd = open(flat, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_TRUE(save >= 0 && fd >= 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	r = run_args(args, NULL, &st, err, sizeof(err));
	dup2(save, STDOUT_FILENO);
	close(save);
	ASSERT_OK(r);
	ASSERT_OK(stat(flat, &sb));

	for (int i = 1; i <= 12; i++) {
		off_t at = sb.st_size * i / 13;
		int in;

		ASSERT_OK(truncate(flat, sb.st_size) < 0 ? -1 : 0);
		/* a copy cut at `at` */
		{
			uint8_t *buf = malloc((size_t)at);
			int src = open(flat, O_RDONLY | O_CLOEXEC);
			int dst = open(cut, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
			ASSERT_TRUE(buf && src >= 0 && dst >= 0);
			ASSERT_OK(pread_exact(src, buf, (size_t)at, 0));
			ASSERT_OK(write_all(dst, buf, (size_t)at));
			close(src);
			close(dst);
			free(buf);
		}
		(void)unlink(rebuilt);
		save = dup(STDIN_FILENO);
		in = open(cut, O_RDONLY | O_CLOEXEC);
		ASSERT_TRUE(save >= 0 && in >= 0);
		dup2(in, STDIN_FILENO);
		close(in);
		r = run_args(re, NULL, &st, err, sizeof(err));
		dup2(save, STDIN_FILENO);
		close(save);
		ASSERT_EQ_INT(r, -EPIPE);
		ASSERT_EQ_INT(st.incomplete, 1);
		ASSERT_TRUE(strstr(err, "cut short") != NULL);
		if (st.marked_incomplete)
			(void)check_cut_dump(rebuilt, 31, 0);
	}
	/* and the whole stream rebuilds to a complete dump */
	save = dup(STDIN_FILENO);
	fd = open(flat, O_RDONLY | O_CLOEXEC);
	dup2(fd, STDIN_FILENO);
	close(fd);
	(void)unlink(rebuilt);
	r = run_args(re, NULL, &st, err, sizeof(err));
	dup2(save, STDIN_FILENO);
	close(save);
	ASSERT_OK(r);
	{
		vmcore_t *v = vmcore_new();
		ASSERT_OK(vmcore_open(v, rebuilt));
		ASSERT_EQ_INT(vmcore_is_incomplete(v), 0);
		vmcore_free(v);
	}
	(void)unlink(flat);
	(void)unlink(cut);
	(void)unlink(rebuilt);
}

/* -R refuses what is not a flattened stream. */
TEST(not_a_stream)
{
	char rebuilt[160], err[512];
	const char *re[] = { "-R", rebuilt, NULL };
	struct mdl_stats st;
	int save = dup(STDIN_FILENO), in = open(env.vmcore, O_RDONLY | O_CLOEXEC), r;

	env_path(&env, "nostream", rebuilt, sizeof(rebuilt));
	ASSERT_TRUE(save >= 0 && in >= 0);
	dup2(in, STDIN_FILENO);
	close(in);
	r = run_args(re, NULL, &st, err, sizeof(err));
	dup2(save, STDIN_FILENO);
	close(save);
	ASSERT_EQ_INT(r, -EBADMSG);
	ASSERT_TRUE(strstr(err, "not a flattened stream") != NULL);
	ASSERT_TRUE(access(rebuilt, F_OK) < 0);
}

/* An input cut short (a partial copy of /proc/vmcore): its missing pages are lost. */
TEST(short_input)
{
	char in[160], out[160], err[512];
	const char *args[] = { "-c", "-d", "31", in, out, NULL };
	struct mdl_stats st;
	vmcore_t *v;
	int r;

	env_path(&env, "short-input", in, sizeof(in));
	env_path(&env, "short-out", out, sizeof(out));
	ASSERT_OK(mdl_image_save(&env.img, in));
	ASSERT_OK(truncate(in, 14 << 20) < 0 ? -1 : 0);
	(void)unlink(out);
	r = run_args(args, NULL, &st, err, sizeof(err));
	ASSERT_EQ_INT(r, -EIO);
	ASSERT_EQ_INT(st.incomplete, 1);
	ASSERT_EQ_INT(st.marked_incomplete, 1);
	ASSERT_TRUE(st.unreadable > 0);
	ASSERT_TRUE(strstr(err, "could not be read") != NULL);
	v = vmcore_new();
	ASSERT_OK(vmcore_open(v, out));
	ASSERT_TRUE(vmcore_is_incomplete(v) & VMCORE_INCOMPLETE_MARKED);
	/* the pages beyond the cut are lost, those before it are there */
	ASSERT_EQ_INT(vmcore_pfn_state(v, 0xfff), VMCORE_PFN_LOST);
	ASSERT_EQ_INT(vmcore_pfn_state(v, 0x400), VMCORE_PFN_DUMPED);
	vmcore_free(v);
	(void)check_cut_dump(out, 31, 0);
	(void)unlink(in);
	(void)unlink(out);
}

/* A copy of the test image at path. */
static void copy_image(const char *path)
{
	ASSERT_OK(mdl_image_save(&env.img, path));
}

/*
 * ELF cannot say "lost" for a page inside a segment (the layout is written before the pages):
 * a page that could not be read is written as zeros, and the header's incomplete flag and the
 * message are what tell. Every other page must be the input's.
 */
static void check_elf_lost_zero(const char *path, uint64_t unreadable)
{
	static uint8_t a[4096], b[4096];
	vmcore_t *out = vmcore_new();
	uint64_t zeroed = 0;

	ASSERT_OK(vmcore_open(out, path));
	for (unsigned pfn = 0; pfn < MI_NPFN; pfn++) {
		if (vmcore_pfn_state(out, pfn) != VMCORE_PFN_DUMPED)
			continue;
		if (vmcore_read_pfn(out, pfn, b) < 0 || vmcore_read_pfn(env.in, pfn, a) < 0) {
			fprintf(stderr, "%s: PFN 0x%x does not read\n", path, pfn);
			tests_failed++;
			break;
		}
		if (memcmp(a, b, sizeof(a)) == 0)
			continue;
		if (!vmcore_page_is_zero(b, sizeof(b))) {
			fprintf(stderr, "%s: PFN 0x%x: neither the input's page nor zeros\n", path, pfn);
			tests_failed++;
			break;
		}
		zeroed++;
	}
	vmcore_free(out);
	ASSERT_TRUE(zeroed > 0 && zeroed <= unreadable);
}

static void truncate_input(void *userdata)
{
	/* the collector has the file open and mapped windows of it: they now run past its end */
	if (truncate(userdata, 14 << 20) < 0)
		abort();
}

/*
 * Pages that cannot be read through mmap(): the input (read through mmap() as /proc/vmcore
 * is) is truncated after the scan, so that the windows the copy maps reach past its end and
 * touching those pages raises SIGBUS. Each such page must be lost, not the collector: the
 * run ends (this process is still here), the dump is marked incomplete, the pages before the
 * cut are the input's and those after it read as lost, and the message names SIGBUS.
 */
static void sigbus(const char *opt)
{
	char in[160], out[160], err[512];
	const char *args[] = { opt, "-d", "31", in, out, NULL };
	struct mdl_seam seam = { .force_mmap = 1, .before_copy = truncate_input, .userdata = in };
	struct mdl_stats st;
	struct run_log log;
	int elf = !strcmp(opt, "-E");
	vmcore_t *v;
	int r;

	env_path(&env, "sigbus-input", in, sizeof(in));
	env_path(&env, "sigbus-out", out, sizeof(out));
	/* the mmap() path itself, on the whole input: a complete dump */
	copy_image(in);
	(void)unlink(out);
	seam.before_copy = NULL;
	ASSERT_OK(run_args_log(args, &seam, &st, err, sizeof(err), &log));
	ASSERT_EQ_INT(st.unreadable, 0);
	v = vmcore_new();
	ASSERT_OK(vmcore_open(v, out));
	ASSERT_EQ_INT(vmcore_is_incomplete(v), 0);
	vmcore_free(v);

	(void)unlink(out);
	seam.before_copy = truncate_input;
	r = run_args_log(args, &seam, &st, err, sizeof(err), &log);
	ASSERT_EQ_INT(r, -EIO);
	ASSERT_EQ_INT(st.incomplete, 1);
	ASSERT_EQ_INT(st.marked_incomplete, 1);
	ASSERT_TRUE(st.unreadable > 0);
	ASSERT_TRUE(strstr(err, "could not be read") != NULL);
	ASSERT_TRUE(strstr(log.text, "raised SIGBUS when read through mmap(): saved as lost"));
	v = vmcore_new();
	ASSERT_OK(vmcore_open(v, out));
	ASSERT_TRUE(vmcore_is_incomplete(v) & VMCORE_INCOMPLETE_MARKED);
	if (!elf) {
		ASSERT_EQ_INT(vmcore_pfn_state(v, 0xfff), VMCORE_PFN_LOST);
		ASSERT_EQ_INT(vmcore_pfn_state(v, 0x400), VMCORE_PFN_DUMPED);
	}
	vmcore_free(v);
	/* truncate_input() shrank a copy: env.in is the whole input */
	if (!elf)
		(void)check_cut_dump(out, 31, 0);
	else
		check_elf_lost_zero(out, st.unreadable);
	(void)unlink(in);
	(void)unlink(out);
}

TEST(sigbus_kdump) { sigbus("-z"); }
TEST(sigbus_elf) { sigbus("-E"); }

static void kill_me(void *userdata)
{
	raise(SIGKILL);
}

/*
 * The collector killed with SIGKILL part way (in a child process, once half the dump is
 * written): nothing can mark the dump then, so it is marked from its first byte and only
 * unmarked once every page is in. What is left opens, says incomplete, and holds the input's
 * pages.
 */
static void killed(const char *opt)
{
	char out[160], err[512];
	const char *args[] = { opt, "-d", "31", env.vmcore, out, NULL };
	struct mdl_stats st;
	int elf = !strcmp(opt, "-E"), status;
	uint64_t size;
	vmcore_t *v;
	pid_t pid;

	env_path(&env, "killed", out, sizeof(out));
	(void)unlink(out);
	ASSERT_OK(run_args(args, NULL, &st, err, sizeof(err)));
	size = st.bytes_written;
	/* a complete dump does not say incomplete */
	v = vmcore_new();
	ASSERT_OK(vmcore_open(v, out));
	ASSERT_EQ_INT(vmcore_is_incomplete(v), 0);
	vmcore_free(v);

	for (int i = 1; i <= 3; i++) {
		struct mdl_seam seam = { .fail_after = size * (uint64_t)i / 4, .at_limit = kill_me };

		(void)unlink(out);
		fflush(NULL);
		pid = fork();
		ASSERT_TRUE(pid >= 0);
		if (pid == 0) {
			(void)run_args(args, &seam, &st, err, sizeof(err));
			_exit(0); /* not reached: killed */
		}
		ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
		ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
		v = vmcore_new();
		ASSERT_OK(vmcore_open(v, out));
		ASSERT_TRUE(vmcore_is_incomplete(v) & VMCORE_INCOMPLETE_MARKED);
		vmcore_free(v);
		(void)check_cut_dump(out, 31, elf);
	}
	(void)unlink(out);
}

TEST(killed_kdump) { killed("-c"); }
TEST(killed_elf) { killed("-E"); }

/* Waits until the file at path stops growing (and exists), at most ~10 s. */
static void wait_settled(const char *path)
{
	off_t last = -1;

	for (int stable = 0, i = 0; stable < 4 && i < 200; i++) {
		struct stat sb;
		off_t now = stat(path, &sb) == 0 ? sb.st_size : -1;

		stable = now > 0 && now == last ? stable + 1 : 0;
		last = now;
		usleep(50 * 1000);
	}
}

/*
 * -R killed part way (a pipe that delivered half the stream, then SIGKILL): the rebuilt
 * file says incomplete, because its header was written marked; the whole stream rebuilt
 * does not (cut_stream checks that).
 */
static void killed_rearrange(const char *opt)
{
	char flat[160], rebuilt[160], err[512];
	const char *args[] = { opt, "-d", "31", "-F", env.vmcore, NULL };
	const char *re[] = { "-R", rebuilt, NULL };
	struct mdl_stats st;
	struct stat sb;
	uint8_t *buf;
	int save, fd, pipefd[2], status;
	pid_t pid;
	vmcore_t *v;

	env_path(&env, "killed-flat", flat, sizeof(flat));
	env_path(&env, "killed-rebuilt", rebuilt, sizeof(rebuilt));
	fflush(stdout);
	save = dup(STDOUT_FILENO);
	fd = open(flat, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	ASSERT_TRUE(save >= 0 && fd >= 0);
	dup2(fd, STDOUT_FILENO);
	close(fd);
	ASSERT_OK(run_args(args, NULL, &st, err, sizeof(err)));
	dup2(save, STDOUT_FILENO);
	close(save);
	ASSERT_OK(stat(flat, &sb));
	buf = malloc((size_t)sb.st_size);
	fd = open(flat, O_RDONLY | O_CLOEXEC);
	ASSERT_TRUE(buf && fd >= 0);
	ASSERT_OK(pread_exact(fd, buf, (size_t)sb.st_size, 0));
	close(fd);

	(void)unlink(rebuilt);
	ASSERT_OK(pipe(pipefd));
	fflush(NULL);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		dup2(pipefd[0], STDIN_FILENO);
		close(pipefd[0]);
		close(pipefd[1]);
		(void)run_args(re, NULL, &st, err, sizeof(err));
		_exit(0); /* not reached: killed while it waits for the rest */
	}
	close(pipefd[0]);
	ASSERT_OK(write_all(pipefd[1], buf, (size_t)sb.st_size / 2));
	wait_settled(rebuilt);
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_TRUE(waitpid(pid, &status, 0) == pid);
	close(pipefd[1]);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	v = vmcore_new();
	ASSERT_OK(vmcore_open(v, rebuilt));
	ASSERT_TRUE(vmcore_is_incomplete(v) & VMCORE_INCOMPLETE_MARKED);
	vmcore_free(v);
	free(buf);
	(void)unlink(flat);
	(void)unlink(rebuilt);
}

TEST(killed_rearrange_kdump) { killed_rearrange("-z"); }
TEST(killed_rearrange_elf) { killed_rearrange("-E"); }

static int no_problem(const char *message, void *userdata)
{
	fprintf(stderr, "verify: %s\n", message);
	return 0;
}

static bool have_loopfs;
static struct loopfs lfs;

static void shut_down(void *userdata)
{
	if (loopfs_shutdown(userdata) < 0)
		abort();
}

/* The loop filesystem, fresh: unmounted, made again. */
static int fresh_loopfs(void)
{
	char img[160], dir[160];

	loopfs_remove(&lfs);
	env_path(&env, "ext4.img", img, sizeof(img));
	env_path(&env, "ext4", dir, sizeof(dir));
	return loopfs_make(&lfs, img, dir, "64M");
}

/*
 * The target disappears a third of the way in: the kernel fails every write, the sync and the
 * marking with EIO. The run says so; once the disk is back, the earlier dump beside it is
 * untouched and the partial one opens, marked incomplete (from its first byte), with the
 * input's pages.
 */
TEST(target_gone)
{
	char out[300], old[300], err[512];
	const char *args[] = { "-z", "-d", "31", env.vmcore, out, NULL };
	struct mdl_seam seam = { .at_limit = shut_down, .userdata = lfs.dir };
	struct mdl_stats st;
	struct run_log log;
	vmcore_t *v;
	int r;

	if (!have_loopfs || fresh_loopfs() < 0) {
		fprintf(stderr, "target_gone: skipped (no loop ext4 here)\n");
		return;
	}
	snprintf(out, sizeof(out), "%s/vmcore", lfs.dir);
	snprintf(old, sizeof(old), "%s/earlier", lfs.dir);
	ASSERT_OK(run_args(args, NULL, &st, err, sizeof(err)));
	ASSERT_OK(rename(out, old));
	seam.fail_after = st.bytes_written / 3;
	r = run_args_log(args, &seam, &st, err, sizeof(err), &log);
	ASSERT_EQ_INT(r, -EIO);
	ASSERT_EQ_INT(st.incomplete, 1);
	ASSERT_TRUE(strstr(err, "writing the dump failed: Input/output error") != NULL);
	ASSERT_TRUE(strstr(err, "pages were saved") != NULL);
	/* the disk comes back */
	ASSERT_OK(loopfs_umount(&lfs));
	ASSERT_OK(loopfs_mount(&lfs));
	v = vmcore_new();
	ASSERT_OK(vmcore_open(v, old));
	ASSERT_EQ_INT(vmcore_is_incomplete(v), 0);
	ASSERT_EQ_INT(vmcore_verify(v, no_problem, NULL), 0);
	vmcore_free(v);
	v = vmcore_new();
	ASSERT_OK(vmcore_open(v, out));
	ASSERT_TRUE(vmcore_is_incomplete(v) & VMCORE_INCOMPLETE_MARKED);
	vmcore_free(v);
	(void)check_cut_dump(out, 31, 0);
}

/*
 * The input's disk disappears a third of the way in: every read from then on fails with EIO
 * (the page cache does not help: a shut-down ext4 refuses reads). Those pages are lost, the
 * dump is finished, marked incomplete, and the message says how many could not be read.
 */
TEST(input_gone)
{
	char in[300], out[160], err[512];
	const char *args[] = { "-z", "-d", "0", in, out, NULL };
	struct mdl_seam seam = { .at_limit = shut_down, .userdata = lfs.dir };
	struct mdl_stats st;
	vmcore_t *v;
	int r;

	if (!have_loopfs || fresh_loopfs() < 0) {
		fprintf(stderr, "input_gone: skipped (no loop ext4 here)\n");
		return;
	}
	snprintf(in, sizeof(in), "%s/vmcore", lfs.dir);
	env_path(&env, "input-gone", out, sizeof(out));
	copy_image(in);
	(void)unlink(out);
	ASSERT_OK(run_args(args, NULL, &st, err, sizeof(err)));
	seam.fail_after = st.bytes_written / 3;
	(void)unlink(out);
	r = run_args(args, &seam, &st, err, sizeof(err));
	ASSERT_EQ_INT(r, -EIO);
	ASSERT_EQ_INT(st.incomplete, 1);
	ASSERT_EQ_INT(st.marked_incomplete, 1);
	ASSERT_TRUE(st.unreadable > 0 && st.unreadable < st.to_write);
	ASSERT_TRUE(strstr(err, "pages could not be read from") != NULL);
	v = vmcore_new();
	ASSERT_OK(vmcore_open(v, out));
	ASSERT_TRUE(vmcore_is_incomplete(v) & VMCORE_INCOMPLETE_MARKED);
	vmcore_free(v);
	(void)check_cut_dump(out, 0, 0);
	(void)unlink(out);
}

/*
 * Every file the collector writes is 0600 whatever the umask (a dump holds every secret of the
 * machine), and a name that is already taken, a symbolic link included, is refused without -f:
 * nothing is written through a link planted where the dump is to go.
 */
TEST(output_safety)
{
	char out[160], victim[160], err[512];
	const char *dump[] = { "-z", "-d", "31", env.vmcore, out, NULL };
	const char *elf[] = { "-E", "-d", "31", env.vmcore, out, NULL };
	const char *const *runs[] = { dump, elf };
	struct mdl_stats st;
	struct stat sb;
	mode_t old = umask(0);

	env_path(&env, "safety-out", out, sizeof(out));
	env_path(&env, "safety-victim", victim, sizeof(victim));
	for (size_t i = 0; i < ELEMENTSOF(runs); i++) {
		(void)unlink(out);
		ASSERT_OK(run_args(runs[i], NULL, &st, err, sizeof(err)));
		ASSERT_OK(stat(out, &sb));
		ASSERT_EQ_INT(sb.st_mode & 07777, 0600);
	}
	umask(old);
	/* a link where the dump goes: refused, its target untouched */
	(void)unlink(out);
	ASSERT_OK(symlink(victim, out));
	for (size_t i = 0; i < ELEMENTSOF(runs); i++) {
		ASSERT_EQ_INT(run_args(runs[i], NULL, &st, err, sizeof(err)), -EEXIST);
		ASSERT_TRUE(strstr(err, "exists") != NULL);
		ASSERT_TRUE(access(victim, F_OK) < 0);
	}
	ASSERT_OK(lstat(out, &sb));
	ASSERT_TRUE(S_ISLNK(sb.st_mode));
	(void)unlink(out);
}

int main(void)
{
	static const struct test_case cases[] = {
		T(cut_kdump_zstd), T(cut_kdump_zlib), T(cut_elf), T(cut_stream), T(not_a_stream),
		T(short_input), T(sigbus_kdump), T(sigbus_elf), T(killed_kdump), T(killed_elf),
		T(killed_rearrange_kdump), T(killed_rearrange_elf),
		T(target_gone), T(input_gone), T(output_safety),
	};
	int r;

	/* a mount namespace of our own for the loop filesystem: it goes when we do */
	have_loopfs = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
		      mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0;
	env_init(&env);
	r = run_tests(cases, ELEMENTSOF(cases));
	loopfs_remove(&lfs);
	env_done(&env);
	return r;
}
