/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Every output of the collector read back by libvmcore: each dump level (0, 1, 31) with each
 * format (kdump uncompressed, zlib, zstd, LZO, snappy; ELF), as a file and as a flattened
 * stream. Every page the dump must hold is there with the input's bytes, every page it must
 * leave out reads as excluded, holes stay holes, the structure check is clean, and the
 * headers say what a reader needs (version 6, VMCOREINFO both ways, nr_cpus, crash time).
 * The raw bytes are checked where readers are strict: one shared zero page, raw pages stored
 * whole, compressed pages flagged with the method, PT_NOTE first and p_align 0 in ELF.
 */
#include <elf.h>
#include <endian.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "macro.h"
#include "io-util.h"
#include "mdl-test.h"
#include "ondisk.h"
#include "tests.h"

static struct mdl_env env;
static int kdump_input;

static int count_problem(const char *msg, void *userdata)
{
	fprintf(stderr, "  verify: %s\n", msg);
	return 0;
}

/* Runs with stdout on path (for -F). */
static int run_to(const char *const *args, const char *stdout_path, struct mdl_stats *st,
		  char *err, size_t errlen)
{
	int save, fd, r;

	if (!stdout_path)
		return run_args(args, NULL, st, err, errlen);
	fflush(stdout);
	save = dup(STDOUT_FILENO);
	fd = open(stdout_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (save < 0 || fd < 0)
		return -1;
	dup2(fd, STDOUT_FILENO);
	close(fd);
	r = run_args(args, NULL, st, err, errlen);
	dup2(save, STDOUT_FILENO);
	close(save);
	return r;
}

/* kdump: zero-page descriptors all alike, raw pages whole, compressed ones flagged. */
static void check_kdump_bytes(const char *path, uint32_t method, int level)
{
	struct disk_header h;
	struct disk_sub_header sub;
	struct disk_page_desc pd, zero_pd = {};
	uint64_t copy_offsets[16];
	unsigned n_copy_offsets = 0;
	uint8_t *bm2;
	uint64_t bitmap, desc, k = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC), have_zero = 0, compressed = 0;
	char vi[64];

	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(pread_exact(fd, &h, sizeof(h), 0));
	ASSERT_OK(pread_exact(fd, &sub, sizeof(sub), 4096));
	ASSERT_EQ_INT(h.header_version, 6);
	ASSERT_EQ_INT(h.block_size, 4096);
	ASSERT_EQ_INT(h.status, method);
	ASSERT_EQ_INT(h.nr_cpus, 2);
	ASSERT_EQ_INT(h.bitmap_blocks % 2, 0);
	ASSERT_STREQ(h.utsname[1], "mdl-test");
	ASSERT_EQ_U64(sub.max_mapnr_64, MI_NPFN);
	ASSERT_EQ_U64(sub.offset_note, 4096 + sizeof(sub));
	/* crash's VMCOREINFO is inside the copied notes */
	ASSERT_TRUE(sub.offset_vmcoreinfo > sub.offset_note &&
		    sub.offset_vmcoreinfo + sub.size_vmcoreinfo <= sub.offset_note + sub.size_note);
	ASSERT_OK(pread_exact(fd, vi, 10, sub.offset_vmcoreinfo));
	ASSERT_TRUE(!memcmp(vi, "OSRELEASE=", 10));

	bitmap = (1 + (uint64_t)h.sub_hdr_size) * 4096 + (uint64_t)h.bitmap_blocks / 2 * 4096;
	desc = bitmap + (uint64_t)h.bitmap_blocks / 2 * 4096;
	bm2 = malloc(MI_NPFN / 8);
	ASSERT_TRUE(bm2);
	ASSERT_OK(pread_exact(fd, bm2, MI_NPFN / 8, bitmap));
	for (unsigned pfn = 0; pfn < MI_NPFN; pfn++) {
		if (!((bm2[pfn / 8] >> (pfn & 7)) & 1))
			continue;
		ASSERT_OK(pread_exact(fd, &pd, sizeof(pd), desc + k++ * sizeof(pd)));
		ASSERT_TRUE(pd.offset != 0);
		ASSERT_TRUE(pd.size <= 4096);
		ASSERT_EQ_INT(pd.page_flags, 0);
		if ((level & 1) && env.img.zero[pfn]) {
			if (!have_zero)
				zero_pd = pd;
			have_zero = 1;
			ASSERT_TRUE(!memcmp(&pd, &zero_pd, sizeof(pd)));
			continue;
		}
		if (pd.flags == 0)
			ASSERT_EQ_INT(pd.size, 4096);
		else {
			ASSERT_EQ_INT(pd.flags, method);
			compressed++;
		}
		if (env.img.random[pfn])
			ASSERT_EQ_INT(pd.flags, 0); /* incompressible: stored whole */
		/* 0xd00 and its 15 copies: stored once (twice or three times at chunk edges) */
		if (pfn >= 0xd00 && pfn < 0xd10) {
			unsigned c;
			for (c = 0; c < n_copy_offsets && copy_offsets[c] != pd.offset; c++)
				;
			if (c == n_copy_offsets)
				copy_offsets[n_copy_offsets++] = pd.offset;
		}
	}
	ASSERT_TRUE(!method || compressed > 0);
	/* (a kdump input is read page by page, without the offsets that deduplication needs) */
	ASSERT_TRUE(n_copy_offsets >= 1 && (kdump_input || n_copy_offsets <= 3));
	ASSERT_TRUE(!(level & 1) || have_zero);
	free(bm2);
	close(fd);
}

static void check_elf_bytes(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(pread_exact(fd, &eh, sizeof(eh), 0));
	ASSERT_EQ_INT(eh.e_flags, 0);
	ASSERT_TRUE(eh.e_phnum >= 2);
	for (unsigned i = 0; i < eh.e_phnum; i++) {
		ASSERT_OK(pread_exact(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)));
		ASSERT_EQ_INT(ph.p_type, i == 0 ? PT_NOTE : PT_LOAD);
		if (i)
			ASSERT_EQ_INT(ph.p_align, 0);
		if (i && ph.p_filesz == 0)
			ASSERT_EQ_INT(ph.p_offset, 0);
	}
	close(fd);
}

static int cmp_rec(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return x[0] < y[0] ? -1 : x[0] > y[0];
}

/* A stream: records in order, no byte sent twice (readers do not expect overlaps), an end. */
static void check_stream(const char *path)
{
	static uint64_t recs[65536][2];
	size_t n = 0;
	uint64_t pos = 4096, rec[2];
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	ASSERT_TRUE(fd >= 0);
	for (;;) {
		ASSERT_OK(pread_exact(fd, rec, sizeof(rec), pos));
		pos += sizeof(rec);
		if (rec[0] == UINT64_MAX && rec[1] == UINT64_MAX)
			break;
		ASSERT_TRUE(n < ELEMENTSOF(recs));
		recs[n][0] = be64toh(rec[0]);
		recs[n][1] = be64toh(rec[1]);
		ASSERT_TRUE(recs[n][1] > 0); /* makedumpfile -R stops at an empty record */
		pos += recs[n][1];
		n++;
	}
	close(fd);
	qsort(recs, n, sizeof(recs[0]), cmp_rec);
	for (size_t i = 1; i < n; i++)
		ASSERT_TRUE(recs[i][0] >= recs[i - 1][0] + recs[i - 1][1]);
}

/* Every page frame of the output against the input and what the level keeps. */
static void check_pages(vmcore_t *out, int level, int elf)
{
	static uint8_t a[4096], b[4096];

	for (unsigned pfn = 0; pfn < MI_NPFN + 4; pfn++) {
		int st = vmcore_pfn_state(out, pfn), want = mdl_image_kept(&env.img, pfn, level, elf);

		if (pfn >= MI_NPFN || env.img.cls[pfn] == VMCORE_CLASS_HOLE) {
			if (st != VMCORE_PFN_HOLE)
				fprintf(stderr, "PFN 0x%x: state %d, expected a hole\n", pfn, st);
			ASSERT_EQ_INT(st, VMCORE_PFN_HOLE);
			continue;
		}
		if (want && st != VMCORE_PFN_DUMPED)
			fprintf(stderr, "PFN 0x%x (%s): state %d, expected dumped\n", pfn,
				vmcore_class_name(env.img.cls[pfn]), st);
		if (want)
			ASSERT_EQ_INT(st, VMCORE_PFN_DUMPED);
		/* ELF keeps short runs of excluded pages; kdump leaves out exactly those */
		if (!want && !elf && st != VMCORE_PFN_EXCLUDED)
			fprintf(stderr, "PFN 0x%x (%s, level %d): state %d, expected excluded\n", pfn,
				vmcore_class_name(env.img.cls[pfn]), level, st);
		if (!want && !elf)
			ASSERT_EQ_INT(st, VMCORE_PFN_EXCLUDED);
		if (st != VMCORE_PFN_DUMPED)
			continue;
		ASSERT_OK(vmcore_read_pfn(env.in, pfn, a));
		ASSERT_OK(vmcore_read_pfn(out, pfn, b));
		if (memcmp(a, b, sizeof(a)))
			fprintf(stderr, "PFN 0x%x: contents differ\n", pfn);
		ASSERT_TRUE(!memcmp(a, b, sizeof(a)));
	}
}

static void check_output(const char *path, int level, int elf, uint32_t method, int flat)
{
	const char *vi_in, *vi_out;
	size_t n_in, n_out;
	int64_t t = 0;
	vmcore_t *out = vmcore_new();

	ASSERT_TRUE(out);
	if (vmcore_open(out, path) < 0)
		fprintf(stderr, "%s: %s\n", path, vmcore_strerror(out));
	ASSERT_OK(vmcore_open(out, path));
	ASSERT_EQ_INT(vmcore_verify(out, count_problem, NULL), 0);
	ASSERT_EQ_INT(vmcore_is_flattened(out), flat);
	ASSERT_EQ_INT(vmcore_format(out), elf ? VMCORE_FORMAT_ELF : VMCORE_FORMAT_KDUMP);
	ASSERT_EQ_INT(vmcore_is_incomplete(out), 0);
	ASSERT_EQ_INT(vmcore_nr_cpus(out), 2);
	ASSERT_STREQ(vmcore_osrelease(out), "6.12.0-mdltest");
	ASSERT_OK(vmcore_crash_time(out, &t));
	ASSERT_EQ_INT(t, 1700000000);
	ASSERT_OK(vmcore_vmcoreinfo(env.in, &vi_in, &n_in));
	ASSERT_OK(vmcore_vmcoreinfo(out, &vi_out, &n_out));
	ASSERT_TRUE(n_in == n_out && !memcmp(vi_in, vi_out, n_in));
	if (!elf) {
		ASSERT_EQ_INT(vmcore_header_version(out), 6);
		ASSERT_EQ_INT(vmcore_dump_level(out), level);
		ASSERT_EQ_INT(vmcore_compression(out), method);
	}
	check_pages(out, level, elf);
	vmcore_free(out);
	if (!flat && !elf)
		check_kdump_bytes(path, method, level);
	if (!flat && elf)
		check_elf_bytes(path);
	if (flat)
		check_stream(path);
}

static void one(const char *compress_opt, uint32_t method, int level, int flat)
{
	const char *args[12];
	char out[160], lv[8], err[512], threads[8];
	struct mdl_stats st;
	int n = 0, elf = compress_opt && !strcmp(compress_opt, "-E"), r;

	snprintf(lv, sizeof(lv), "%d", level);
	/* the number of workers must not matter: vary it */
	snprintf(threads, sizeof(threads), "%d", 1 + level % 3);
	snprintf(out, sizeof(out), "%s/out-%s-%d-%d", env.dir, compress_opt ? compress_opt + 1 : "raw",
		 level, flat);
	args[n++] = "-d";
	args[n++] = lv;
	args[n++] = "--num-threads";
	args[n++] = threads;
	if (compress_opt)
		args[n++] = compress_opt;
	if (flat)
		args[n++] = "-F";
	args[n++] = env.vmcore;
	if (!flat)
		args[n++] = out;
	args[n] = NULL;

	(void)unlink(out);
	r = run_to(args, flat ? out : NULL, &st, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "%s -d %d: %s\n", compress_opt ? compress_opt : "", level, err);
	ASSERT_OK(r);
	ASSERT_EQ_INT(st.incomplete, 0);
	ASSERT_EQ_U64(st.written, st.to_write);
	check_output(out, level, elf, method, flat);
	(void)unlink(out);
}

static void all_levels(const char *opt, uint32_t method)
{
	static const int levels[] = { 0, 1, 31, 16, 8 };

	for (size_t i = 0; i < ELEMENTSOF(levels); i++)
		for (int flat = 0; flat < 2; flat++)
			one(opt, method, levels[i], flat);
}

TEST(uncompressed) { all_levels(NULL, 0); }
TEST(zlib) { all_levels("-c", VMCORE_COMPRESS_ZLIB); }
TEST(zstd) { all_levels("-z", VMCORE_COMPRESS_ZSTD); }
TEST(lzo)
{
	if (HAVE_LZO)
		all_levels("-l", VMCORE_COMPRESS_LZO);
}
TEST(snappy)
{
	if (HAVE_SNAPPY)
		all_levels("-p", VMCORE_COMPRESS_SNAPPY);
}
TEST(elf) { all_levels("-E", 0); }

/* What the run says it did: the self-check kept the three misclassified pages. */
TEST(stats)
{
	const char *args[] = { "-z", "-d", "31", env.vmcore, NULL, NULL };
	char out[160], err[512];
	struct mdl_stats st;

	env_path(&env, "stats", out, sizeof(out));
	args[4] = out;
	(void)unlink(out);
	ASSERT_OK(run_args(args, NULL, &st, err, sizeof(err)));
	ASSERT_EQ_INT(st.classified, 1);
	ASSERT_EQ_INT(st.self_checked, 1);
	ASSERT_EQ_U64(st.protected_kernel, 1);  /* 0x600 */
	ASSERT_EQ_U64(st.protected_memmap, 1);  /* 0xc10 */
	ASSERT_EQ_U64(st.protected_tables, 1);  /* 0xc40 */
	ASSERT_EQ_U64(st.protected_kept, 3);
	ASSERT_EQ_U64(st.max_pfn, MI_NPFN);
	ASSERT_EQ_U64(st.ram_pages, MI_NPFN - 0x60);
	ASSERT_EQ_U64(st.excluded[VMCORE_CLASS_FREE], 0x80 + 0x80 + 0x200);
	ASSERT_EQ_U64(st.excluded[VMCORE_CLASS_CACHE], 0x40 + 0x200);
	ASSERT_EQ_U64(st.excluded[VMCORE_CLASS_CACHE_PRIVATE], 0x20);
	ASSERT_EQ_U64(st.excluded[VMCORE_CLASS_USER], 0x20);
	ASSERT_TRUE(st.zero_pages > 0x100);
	/* 0xd01-0xd0f are copies of 0xd00 (and some struct page pages are alike) */
	ASSERT_TRUE(st.dup_pages >= 13);
	ASSERT_TRUE(st.compressed > 0);
	ASSERT_EQ_U64(st.written, st.to_write);
	(void)unlink(out);
}

/* An existing dump file is not overwritten without -f. */
TEST(exists)
{
	const char *args[] = { "-d", "31", env.vmcore, NULL, NULL, NULL };
	const char *forced[] = { "-f", "-d", "31", env.vmcore, NULL, NULL };
	char out[160], err[512];
	struct mdl_stats st;
	int fd;

	env_path(&env, "exists", out, sizeof(out));
	fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ_INT(write(fd, "x", 1), 1);
	close(fd);
	args[3] = out;
	forced[4] = out;
	ASSERT_EQ_INT(run_args(args, NULL, &st, err, sizeof(err)), -EEXIST);
	ASSERT_TRUE(strstr(err, "-f") != NULL);
	ASSERT_TRUE(access(out, F_OK) == 0); /* left as it was */
	ASSERT_OK(run_args(forced, NULL, &st, err, sizeof(err)));
	check_output(out, 31, 0, 0, 0);
	(void)unlink(out);
}

/* Inputs that are not dumps, or not there. */
TEST(bad_input)
{
	char out[160], junk[160], err[512];
	const char *args[] = { "-d", "31", junk, out, NULL };
	struct mdl_stats st;
	int fd;

	env_path(&env, "junk", junk, sizeof(junk));
	env_path(&env, "bad-out", out, sizeof(out));
	fd = open(junk, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ_INT(write(fd, "not a dump at all, just some text\n", 34), 34);
	close(fd);
	ASSERT_TRUE(run_args(args, NULL, &st, err, sizeof(err)) < 0);
	ASSERT_TRUE(strstr(err, junk) != NULL);
	ASSERT_TRUE(access(out, F_OK) < 0); /* nothing created */
	(void)unlink(junk);
	ASSERT_EQ_INT(run_args(args, NULL, &st, err, sizeof(err)), -ENOENT);
	/* ELF output of a kdump input needs PT_LOADs: refused */
	{
		char kd[160];
		const char *mk[] = { "-d", "31", env.vmcore, kd, NULL };
		const char *e[] = { "-E", kd, out, NULL };
		env_path(&env, "kd", kd, sizeof(kd));
		(void)unlink(kd);
		ASSERT_OK(run_args(mk, NULL, &st, err, sizeof(err)));
		ASSERT_EQ_INT(run_args(e, NULL, &st, err, sizeof(err)), -EOPNOTSUPP);
		(void)unlink(kd);
		(void)unlink(out);
	}
}

/* A kdump file re-filtered at a higher level keeps what it had minus the new classes. */
TEST(refilter)
{
	char kd[160], out[160], err[512];
	const char *mk[] = { "-c", "-d", "1", env.vmcore, kd, NULL };
	const char *re[] = { "-z", "-d", "31", kd, out, NULL };
	struct mdl_stats st;
	int r;

	env_path(&env, "refilter-in", kd, sizeof(kd));
	env_path(&env, "refilter-out", out, sizeof(out));
	(void)unlink(kd);
	(void)unlink(out);
	ASSERT_OK(run_args(mk, NULL, &st, err, sizeof(err)));
	r = run_args(re, NULL, &st, err, sizeof(err));
	if (r < 0)
		fprintf(stderr, "refilter: %s\n", err);
	ASSERT_OK(r);
	kdump_input = 1;
	check_output(out, 31, 0, VMCORE_COMPRESS_ZSTD, 0);
	kdump_input = 0;
	(void)unlink(kd);
	(void)unlink(out);
}

int main(void)
{
	static const struct test_case cases[] = {
		T(uncompressed), T(zlib), T(zstd), T(lzo), T(snappy), T(elf), T(stats),
		T(exists), T(bad_input), T(refilter),
	};
	int r;

	env_init(&env);
	r = run_tests(cases, ELEMENTSOF(cases));
	env_done(&env);
	return r;
}
