/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * When writing fails (a full disk, an I/O error) at any moment, what was written must stay a
 * readable dump: every page it holds is the input's, the pages that did not make it read as
 * lost (never as wrong data), the header says incomplete, and the run says how much was saved.
 * The failures are injected by the sink's seam (struct mdl_seam): a write crossing the limit is
 * cut there, as on a full disk. Also: a flattened stream cut short and rebuilt with -R, and
 * an input that ends early (pages that cannot be read are lost, the dump marked incomplete).
 */
#include <fcntl.h>
#include <sys/stat.h>
#include <string.h>
#include <unistd.h>

#include "io-util.h"
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

int main(void)
{
	static const struct test_case cases[] = {
		T(cut_kdump_zstd), T(cut_kdump_zlib), T(cut_elf), T(cut_stream), T(not_a_stream),
		T(short_input),
	};
	int r;

	env_init(&env);
	r = run_tests(cases, ELEMENTSOF(cases));
	env_done(&env);
	return r;
}
