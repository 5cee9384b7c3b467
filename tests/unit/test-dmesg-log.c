/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel log before 5.10 on a tiny ELF vmcore: printk_log records (3.5..5.9, also under the
 * pre-3.11 name "struct log"), the flat pre-3.5 buffer (and 2.6.24's unsigned long log_end);
 * exact lines as makedumpfile 1.7 prints them; corrupt buffers end in -EBADMSG.
 */
#include "macro.h"
#include "tests.h"
#include "dmesg-lines.h"
#include "vmimage.h"

/* ---- 3.5 .. 5.9: struct printk_log records ---- */

#define LOGVAR_PA UINT64_C(0x600400)
#define LOGBUF_PA UINT64_C(0xb00000)
#define LOG_LEN 256

static void log_keys(struct vmimage *im, const char *strct)
{
	img_info(im, "SYMBOL(log_buf)=%llx", (unsigned long long)img_text(LOGVAR_PA));
	img_info(im, "SYMBOL(log_buf_len)=%llx", (unsigned long long)img_text(LOGVAR_PA + 8));
	img_info(im, "SYMBOL(log_first_idx)=%llx", (unsigned long long)img_text(LOGVAR_PA + 12));
	img_info(im, "SYMBOL(log_next_idx)=%llx", (unsigned long long)img_text(LOGVAR_PA + 16));
	img_info(im, "SIZE(%s)=16", strct);
	img_info(im, "OFFSET(%s.ts_nsec)=0", strct);
	img_info(im, "OFFSET(%s.len)=8", strct);
	img_info(im, "OFFSET(%s.text_len)=10", strct);
}

static uint32_t log_record(struct vmimage *im, uint32_t idx, uint64_t ts, const char *text)
{
	uint16_t len = (uint16_t)((16 + strlen(text) + 7) & ~7u);

	if (idx + len + 16 > LOG_LEN) {
		img_w16(im, LOGBUF_PA + idx + 8, 0); /* the wrap marker */
		idx = 0;
	}
	img_w64(im, LOGBUF_PA + idx, ts);
	img_w16(im, LOGBUF_PA + idx + 8, len);
	img_w16(im, LOGBUF_PA + idx + 10, (uint16_t)strlen(text));
	img_write(im, LOGBUF_PA + idx + 16, text, strlen(text));
	return idx + len;
}

static const char *const log_expected[] = {
	"[    7.000100] old record one",
	"[    8.000000] second\n               line",
	"[   10.000000] after wrap",
	"[   11.000000] bad\\xffffff80byte",
};

static void build_log(struct vmimage *im, const char *strct)
{
	uint32_t idx = 176;

	img_init(im, 4);
	im->osrelease = "4.19.0-test";
	log_keys(im, strct);
	img_w64(im, LOGVAR_PA, im->dm + LOGBUF_PA);
	img_w32(im, LOGVAR_PA + 8, LOG_LEN);
	img_w32(im, LOGVAR_PA + 12, idx);
	memset(im->ram + LOGBUF_PA, 0xee, LOG_LEN);
	idx = log_record(im, idx, 7000100000, "old record one");
	idx = log_record(im, idx, 8000000000, "second\nline");
	idx = log_record(im, idx, 10000000000, "after wrap");
	idx = log_record(im, idx, 11000000000, "bad\x80" "byte");
	img_w32(im, LOGVAR_PA + 16, idx);
}

TEST(printk_log)
{
	static const char *const structs[] = { "printk_log", "log" };

	for (size_t i = 0; i < ELEMENTSOF(structs); i++) {
		struct vmimage im;
		struct lines l = {};
		int ok;

		build_log(&im, structs[i]);
		ASSERT_OK(run_dmesg(&im, &l));
		check_lines(&l, log_expected, ELEMENTSOF(log_expected), &ok);
		lines_free(&l);
		img_free(&im);
		ASSERT_TRUE(ok);
	}
}

TEST(printk_log_corrupt)
{
	static const struct {
		uint64_t pa;
		uint32_t value;
		unsigned width;
	} cases[] = {
		{ LOGVAR_PA + 12, 300, 4 },           /* log_first_idx beyond the buffer */
		{ LOGVAR_PA + 16, LOG_LEN - 8, 4 },   /* log_next_idx: no room for a header */
		{ LOGVAR_PA + 8, 0, 4 },              /* log_buf_len 0 */
		{ LOGBUF_PA + 176 + 8, 4, 2 },        /* a record shorter than its header */
		{ LOGBUF_PA + 176 + 8, 200, 2 },      /* a record running past the end */
		{ LOGBUF_PA + 176 + 10, 300, 2 },     /* text running past the end */
		{ LOGBUF_PA + 32 + 8, 0, 2 },         /* a wrap marker at 32: a cycle */
		{ LOGBUF_PA + 0 + 8, 0, 2 },          /* a wrap marker at the start */
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		struct vmimage im;
		struct lines l = {};
		int r;

		build_log(&im, "printk_log");
		if (cases[i].width == 4)
			img_w32(&im, cases[i].pa, cases[i].value);
		else
			img_w16(&im, cases[i].pa, (uint16_t)cases[i].value);
		r = run_dmesg(&im, &l);
		lines_free(&l);
		img_free(&im);
		if (r != -EBADMSG)
			fprintf(stderr, "  case %zu\n", i);
		ASSERT_EQ_INT(r, -EBADMSG);
	}
}

/* ---- before 3.5: the flat buffer ---- */

#define FLAT_LEN 64

static void build_flat(struct vmimage *im, const char *release, uint64_t log_end, int wide,
		       const char *text)
{
	size_t start = log_end < FLAT_LEN ? 0 : log_end % FLAT_LEN;

	img_init(im, 4);
	im->osrelease = release;
	img_info(im, "SYMBOL(log_buf)=%llx", (unsigned long long)img_text(LOGVAR_PA));
	img_info(im, "SYMBOL(log_buf_len)=%llx", (unsigned long long)img_text(LOGVAR_PA + 8));
	img_info(im, "SYMBOL(log_end)=%llx", (unsigned long long)img_text(LOGVAR_PA + 16));
	img_w64(im, LOGVAR_PA, im->dm + LOGBUF_PA);
	img_w32(im, LOGVAR_PA + 8, FLAT_LEN);
	if (wide)
		img_w64(im, LOGVAR_PA + 16, log_end);
	else
		img_w32(im, LOGVAR_PA + 16, (uint32_t)log_end);
	for (size_t i = 0; i < strlen(text); i++)
		im->ram[LOGBUF_PA + (start + i) % FLAT_LEN] = (uint8_t)text[i];
}

TEST(flat)
{
	static const char text[] = "<6>alpha\n<4>bravo bravo\n<6>charlie charlie\n"
				   "<6>delta delta delta\n";
	static const char *const all[] = { "<6>alpha", "<4>bravo bravo", "<6>charlie charlie",
					   "<6>delta delta delta" };
	static const char *const part[] = { "<6>alpha", "<4>bravo bravo", "<6>cha" };
	struct vmimage im;
	struct lines l = {};
	int ok;

	ASSERT_EQ_INT(strlen(text), FLAT_LEN);
	/* wrapped: the oldest byte is at log_end % len */
	build_flat(&im, "2.6.32-test", 5 * FLAT_LEN + 20, 0, text);
	ASSERT_OK(run_dmesg(&im, &l));
	check_lines(&l, all, ELEMENTSOF(all), &ok);
	lines_free(&l);
	img_free(&im);
	ASSERT_TRUE(ok);
	/* not wrapped yet: [0, log_end), the last line unfinished */
	build_flat(&im, "3.2.0", 30, 0, text);
	ASSERT_OK(run_dmesg(&im, &l));
	check_lines(&l, part, ELEMENTSOF(part), &ok);
	lines_free(&l);
	img_free(&im);
	ASSERT_TRUE(ok);
	/* 2.6.24: log_end is an unsigned long, its high half counts */
	build_flat(&im, "2.6.24", (UINT64_C(1) << 32) + 20, 1, text);
	ASSERT_OK(run_dmesg(&im, &l));
	check_lines(&l, all, ELEMENTSOF(all), &ok);
	lines_free(&l);
	img_free(&im);
	ASSERT_TRUE(ok);
}

TEST(no_log_keys)
{
	struct vmimage im;
	struct lines l = {};

	img_init(&im, 4);
	ASSERT_EQ_INT(run_dmesg(&im, &l), -ENOKEY);
	img_free(&im);
}

RUN_TESTS(T(printk_log), T(printk_log_corrupt), T(flat), T(no_log_keys))
