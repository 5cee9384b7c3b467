/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel log on a tiny ELF vmcore, 5.10+: a lockless printk ring laid out per unusual
 * VMCOREINFO offsets, ids and text wrapping; exact lines as makedumpfile 1.7 prints them; corrupt
 * rings end in -EBADMSG, quickly. The older formats are in test-dmesg-log.c.
 */
#include <errno.h>
#include <time.h>

#include "macro.h"
#include "tests.h"
#include "dmesg-lines.h"
#include "vmimage.h"

#define ID_MASK (~(UINT64_C(3) << 62))

/* ---- the lockless ring, with offsets no kernel uses ---- */

#define PRB_VAR_PA UINT64_C(0x600000)
#define PRB_PA UINT64_C(0x600100)
#define DESCS_PA UINT64_C(0x900000)
#define INFOS_PA UINT64_C(0x910000)
#define DATA_PA UINT64_C(0x920000)

#define O_RB_DESC 8
#define O_RB_TEXT 64
#define O_DR_BITS 4
#define O_DR_DESCS 16
#define O_DR_INFOS 24
#define O_DR_HEAD 32
#define O_DR_TAIL 40
#define O_TR_BITS 0
#define O_TR_DATA 8
#define O_TR_HEAD 16
#define O_TR_TAIL 24
#define SZ_DESC 32
#define O_DESC_SV 8
#define O_DESC_LPOS 16
#define SZ_INFO 96
#define O_INFO_TS 16
#define O_INFO_LEN 4

#define COUNT_BITS 3
#define SIZE_BITS 9
#define RING_SIZE (UINT64_C(1) << SIZE_BITS)

struct ring {
	struct vmimage *im;
	uint64_t first_id, next_id, tail_lpos, head_lpos;
};

static void prb_info_keys(struct vmimage *im)
{
	img_info(im, "SYMBOL(prb)=%llx", (unsigned long long)img_text(PRB_VAR_PA));
	img_info(im, "SIZE(printk_ringbuffer)=128");
	img_info(im, "OFFSET(printk_ringbuffer.desc_ring)=%d", O_RB_DESC);
	img_info(im, "OFFSET(printk_ringbuffer.text_data_ring)=%d", O_RB_TEXT);
	img_info(im, "OFFSET(printk_ringbuffer.fail)=120");
	img_info(im, "SIZE(prb_desc_ring)=48");
	img_info(im, "OFFSET(prb_desc_ring.count_bits)=%d", O_DR_BITS);
	img_info(im, "OFFSET(prb_desc_ring.descs)=%d", O_DR_DESCS);
	img_info(im, "OFFSET(prb_desc_ring.infos)=%d", O_DR_INFOS);
	img_info(im, "OFFSET(prb_desc_ring.head_id)=%d", O_DR_HEAD);
	img_info(im, "OFFSET(prb_desc_ring.tail_id)=%d", O_DR_TAIL);
	img_info(im, "SIZE(prb_desc)=%d", SZ_DESC);
	img_info(im, "OFFSET(prb_desc.state_var)=%d", O_DESC_SV);
	img_info(im, "OFFSET(prb_desc.text_blk_lpos)=%d", O_DESC_LPOS);
	img_info(im, "SIZE(prb_data_blk_lpos)=16");
	img_info(im, "OFFSET(prb_data_blk_lpos.begin)=0");
	img_info(im, "OFFSET(prb_data_blk_lpos.next)=8");
	img_info(im, "SIZE(printk_info)=%d", SZ_INFO);
	img_info(im, "OFFSET(printk_info.seq)=8");
	img_info(im, "OFFSET(printk_info.ts_nsec)=%d", O_INFO_TS);
	img_info(im, "OFFSET(printk_info.text_len)=%d", O_INFO_LEN);
	img_info(im, "OFFSET(printk_info.caller_id)=24");
	img_info(im, "OFFSET(printk_info.dev_info)=32");
	img_info(im, "SIZE(prb_data_ring)=32");
	img_info(im, "OFFSET(prb_data_ring.size_bits)=%d", O_TR_BITS);
	img_info(im, "OFFSET(prb_data_ring.data)=%d", O_TR_DATA);
	img_info(im, "OFFSET(prb_data_ring.head_lpos)=%d", O_TR_HEAD);
	img_info(im, "OFFSET(prb_data_ring.tail_lpos)=%d", O_TR_TAIL);
	img_info(im, "SIZE(atomic_long_t)=8");
	img_info(im, "OFFSET(atomic_long_t.counter)=0");
}

static uint64_t desc_pa(uint64_t id, unsigned field)
{
	return DESCS_PA + (id & ((1u << COUNT_BITS) - 1)) * SZ_DESC + field;
}

static uint64_t info_pa(uint64_t id, unsigned field)
{
	return INFOS_PA + (id & ((1u << COUNT_BITS) - 1)) * SZ_INFO + field;
}

/* Appends a record as the kernel's data_alloc() places it; text NULL: a data-less record. */
static uint64_t add(struct ring *rb, unsigned state, uint64_t ts, const char *text,
		    uint16_t text_len)
{
	uint64_t id = rb->next_id, begin = 1, next = 1;

	rb->next_id = (id + 1) & ID_MASK;
	if (text) {
		size_t len = strlen(text);
		uint64_t size = (8 + len + 7) & ~UINT64_C(7), at;

		begin = rb->head_lpos;
		next = begin + size;
		at = begin % RING_SIZE;
		img_w64(rb->im, DATA_PA + at, id);
		if ((begin >> SIZE_BITS) != (next >> SIZE_BITS)) {
			/* wraps: the data goes at the start of the ring */
			next = ((next >> SIZE_BITS) << SIZE_BITS) + size;
			at = 0;
			img_w64(rb->im, DATA_PA, id);
		}
		img_write(rb->im, DATA_PA + at + 8, text, len);
		rb->head_lpos = next;
	}
	img_w64(rb->im, desc_pa(id, O_DESC_SV), ((uint64_t)state << 62) | id);
	img_w64(rb->im, desc_pa(id, O_DESC_LPOS), begin);
	img_w64(rb->im, desc_pa(id, O_DESC_LPOS + 8), next);
	img_w64(rb->im, info_pa(id, O_INFO_TS), ts);
	img_w16(rb->im, info_pa(id, O_INFO_LEN), text_len);
	return id;
}

static void add_text(struct ring *rb, unsigned state, uint64_t ts, const char *text)
{
	add(rb, state, ts, text, (uint16_t)strlen(text));
}

static void prb_finish(struct ring *rb)
{
	struct vmimage *im = rb->im;

	img_w64(im, PRB_VAR_PA, img_text(PRB_PA));
	img_w32(im, PRB_PA + O_RB_DESC + O_DR_BITS, COUNT_BITS);
	img_w64(im, PRB_PA + O_RB_DESC + O_DR_DESCS, im->dm + DESCS_PA);
	img_w64(im, PRB_PA + O_RB_DESC + O_DR_INFOS, im->dm + INFOS_PA);
	img_w64(im, PRB_PA + O_RB_DESC + O_DR_HEAD, (rb->next_id - 1) & ID_MASK);
	img_w64(im, PRB_PA + O_RB_DESC + O_DR_TAIL, rb->first_id);
	img_w32(im, PRB_PA + O_RB_TEXT + O_TR_BITS, SIZE_BITS);
	img_w64(im, PRB_PA + O_RB_TEXT + O_TR_DATA, im->dm + DATA_PA);
	img_w64(im, PRB_PA + O_RB_TEXT + O_TR_HEAD, rb->head_lpos);
	img_w64(im, PRB_PA + O_RB_TEXT + O_TR_TAIL, rb->tail_lpos);
}

static const char *const prb_expected[] = {
	"[    0.000000] Linux version 6.1.0-test (gcc) #1 SMP",
	"[    1.500000] line one\n               line two",
	"[    2.000001] ctl\\x01 tab\t del\\x7f hi\\xffffffc3\\xffffffa9 cr\r nul\\x00.",
	"[    3.500000] committed record",
	"[    4.000000] truncated-record",
	"[123456789.012345] wrapped around the end of the ring",
};

/* Eight records, ids wrapping through DESC_ID_MASK, the last one's data wrapping the ring. */
static void build_prb(struct vmimage *im, int levels, struct ring *rb)
{
	static const char ctl[] = "ctl\x01 tab\t del\x7f hi\xc3\xa9 cr\r nul\0.";

	img_init(im, levels);
	prb_info_keys(im);
	*rb = (struct ring){ .im = im, .first_id = ID_MASK - 2, .next_id = ID_MASK - 2,
			     .tail_lpos = 5 * RING_SIZE + 300, .head_lpos = 5 * RING_SIZE + 300 };
	add_text(rb, 2, 0, "Linux version 6.1.0-test (gcc) #1 SMP");
	add_text(rb, 2, 1500000000, "line one\nline two");
	{
		uint64_t id = add(rb, 2, 2000001234, "ctl", sizeof(ctl) - 1);

		/* the text has a NUL: write it whole over the placeholder */
		uint64_t begin = img_r64(im, desc_pa(id, O_DESC_LPOS));
		uint64_t size = (8 + sizeof(ctl) - 1 + 7) & ~UINT64_C(7);

		img_write(im, DATA_PA + begin % RING_SIZE + 8, ctl, sizeof(ctl) - 1);
		rb->head_lpos = begin + size;
		img_w64(im, desc_pa(id, O_DESC_LPOS + 8), rb->head_lpos);
	}
	add(rb, 2, 2500000000, NULL, 0);                     /* data-less: skipped */
	add_text(rb, 0, 2600000000, "reserved, not written yet"); /* skipped */
	add_text(rb, 1, 3500000000, "committed record");
	add(rb, 2, 4000000000, "truncated-record", 200);      /* block shorter than text_len */
	add_text(rb, 2, UINT64_C(123456789012345678), "wrapped around the end of the ring");
	prb_finish(rb);
}

static void lockless(int levels)
{
	struct vmimage im;
	struct ring rb;
	struct lines l = {};
	int ok;

	build_prb(&im, levels, &rb);
	ASSERT_EQ_U64(rb.head_lpos % RING_SIZE, 48); /* the last block did wrap */
	ASSERT_OK(run_dmesg(&im, &l));
	check_lines(&l, prb_expected, ELEMENTSOF(prb_expected), &ok);
	lines_free(&l);
	img_free(&im);
	ASSERT_TRUE(ok);
}

TEST(lockless_4level)
{
	lockless(4);
}

TEST(lockless_5level)
{
	lockless(5);
}

TEST(lockless_stop_and_skip)
{
	struct vmimage im;
	struct ring rb;
	struct lines l = { .stop_after = 2 };

	build_prb(&im, 4, &rb);
	ASSERT_EQ_INT(run_dmesg(&im, &l), 42);
	ASSERT_EQ_INT(l.n, 2);
	lines_free(&l);
	/* a descriptor recycled for another id, and a reusable one, are skipped */
	img_w64(&im, desc_pa(ID_MASK - 2, O_DESC_SV),
		(UINT64_C(2) << 62) | ((ID_MASK - 2 + 8) & ID_MASK));
	img_w64(&im, desc_pa(ID_MASK - 1, O_DESC_SV), (UINT64_C(3) << 62) | (ID_MASK - 1));
	ASSERT_OK(run_dmesg(&im, &l));
	ASSERT_EQ_INT(l.n, ELEMENTSOF(prb_expected) - 2);
	ASSERT_STREQ(l.line[0], prb_expected[2]);
	lines_free(&l);
	img_free(&im);
}

/* Each corruption must end in `expected`, within the time run_dmesg() allows. */
static int corrupt(void (*mutate)(struct vmimage *im, struct ring *rb))
{
	struct vmimage im;
	struct ring rb;
	struct lines l = {};
	int r;

	build_prb(&im, 4, &rb);
	mutate(&im, &rb);
	r = run_dmesg(&im, &l);
	lines_free(&l);
	img_free(&im);
	return r;
}

static void huge_count_bits(struct vmimage *im, struct ring *rb)
{
	img_w32(im, PRB_PA + O_RB_DESC + O_DR_BITS, 60);
}
static void huge_size_bits(struct vmimage *im, struct ring *rb)
{
	img_w32(im, PRB_PA + O_RB_TEXT + O_TR_BITS, 40);
}
static void tiny_size_bits(struct vmimage *im, struct ring *rb)
{
	img_w32(im, PRB_PA + O_RB_TEXT + O_TR_BITS, 1);
}
static void head_far_from_tail(struct vmimage *im, struct ring *rb)
{
	img_w64(im, PRB_PA + O_RB_DESC + O_DR_HEAD, (rb->first_id + 100) & ID_MASK);
}
static void head_before_tail(struct vmimage *im, struct ring *rb)
{
	img_w64(im, PRB_PA + O_RB_DESC + O_DR_HEAD, (rb->first_id - 1) & ID_MASK);
}
static void lpos_beyond_head(struct vmimage *im, struct ring *rb)
{
	img_w64(im, desc_pa(ID_MASK - 1, O_DESC_LPOS), rb->head_lpos + 1000);
	img_w64(im, desc_pa(ID_MASK - 1, O_DESC_LPOS + 8), rb->head_lpos + 1032);
}
static void lpos_backwards(struct vmimage *im, struct ring *rb)
{
	uint64_t begin = img_r64(im, desc_pa(ID_MASK - 1, O_DESC_LPOS));

	img_w64(im, desc_pa(ID_MASK - 1, O_DESC_LPOS + 8), begin - 8);
}
static void lpos_span_no_bounds(struct vmimage *im, struct ring *rb)
{
	/* no head/tail keys to check against, but a block larger than the ring */
	img_info(im, "OFFSET(prb_data_ring.head_lpos)=99999");
	img_w64(im, desc_pa(ID_MASK - 1, O_DESC_LPOS), 0x1000000);
	img_w64(im, desc_pa(ID_MASK - 1, O_DESC_LPOS + 8), 0x1000000 + 3 * RING_SIZE + 16);
}
static void data_lpos_apart(struct vmimage *im, struct ring *rb)
{
	img_w64(im, PRB_PA + O_RB_TEXT + O_TR_HEAD, rb->tail_lpos + 10 * RING_SIZE);
}
static void huge_desc_size(struct vmimage *im, struct ring *rb)
{
	img_info(im, "SIZE(prb_desc)=1000000");
}
static void field_outside_struct(struct vmimage *im, struct ring *rb)
{
	img_info(im, "OFFSET(printk_info.ts_nsec)=%d", SZ_INFO - 4);
}

TEST(lockless_corrupt)
{
	ASSERT_EQ_INT(corrupt(huge_count_bits), -EBADMSG);
	ASSERT_EQ_INT(corrupt(huge_size_bits), -EBADMSG);
	ASSERT_EQ_INT(corrupt(tiny_size_bits), -EBADMSG);
	ASSERT_EQ_INT(corrupt(head_far_from_tail), -EBADMSG);
	ASSERT_EQ_INT(corrupt(head_before_tail), -EBADMSG);
	ASSERT_EQ_INT(corrupt(lpos_beyond_head), -EBADMSG);
	ASSERT_EQ_INT(corrupt(lpos_backwards), -EBADMSG);
	ASSERT_EQ_INT(corrupt(lpos_span_no_bounds), -EBADMSG);
	ASSERT_EQ_INT(corrupt(data_lpos_apart), -EBADMSG);
	ASSERT_EQ_INT(corrupt(huge_desc_size), -EBADMSG);
	ASSERT_EQ_INT(corrupt(field_outside_struct), -EBADMSG);
}

static void descs_unmapped(struct vmimage *im, struct ring *rb)
{
	img_w64(im, PRB_PA + O_RB_DESC + O_DR_DESCS, im->dm + (UINT64_C(5) << 30));
}
static void prb_null(struct vmimage *im, struct ring *rb)
{
	img_w64(im, PRB_VAR_PA, 0);
}
static void key_malformed(struct vmimage *im, struct ring *rb)
{
	/* the last occurrence wins: a malformed one */
	img_info(im, "OFFSET(prb_desc.state_var)=x");
}

TEST(lockless_unreadable)
{
	ASSERT_EQ_INT(corrupt(descs_unmapped), -EADDRNOTAVAIL);
	ASSERT_EQ_INT(corrupt(prb_null), -EADDRNOTAVAIL);
	ASSERT_EQ_INT(corrupt(key_malformed), -EBADMSG);
}

/* Random garbage in the descriptors, infos and text: an error or lines, never a crash. */
TEST(lockless_fuzz)
{
	struct vmimage im;
	struct ring rb;
	unsigned seed = 12345;
	double t0 = now();
	uint8_t descs[SZ_DESC << COUNT_BITS];

	build_prb(&im, 4, &rb);
	memcpy(descs, im.ram + DESCS_PA, sizeof(descs));
	for (int round = 0; round < 40; round++) {
		struct lines l = {};
		int r;

		/* every other round with intact descriptors, to get to the text */
		if (round % 2)
			memcpy(im.ram + DESCS_PA, descs, sizeof(descs));
		for (int i = round % 2; i < 64; i += 1 + round % 2) {
			uint64_t pa = (i % 3 == 0 ? DESCS_PA : i % 3 == 1 ? INFOS_PA : DATA_PA) +
				      (uint64_t)(rand_r(&seed) % 512);
			uint8_t b = (uint8_t)rand_r(&seed);

			img_write(&im, pa, &b, 1);
		}
		r = run_dmesg(&im, &l);
		lines_free(&l);
		ASSERT_TRUE(r == 0 || r == -EBADMSG || r == -EADDRNOTAVAIL || r == -E2BIG);
	}
	img_free(&im);
	ASSERT_TRUE(now() - t0 < 30);
}

RUN_TESTS(T(lockless_4level), T(lockless_5level), T(lockless_stop_and_skip),
	  T(lockless_corrupt), T(lockless_unreadable), T(lockless_fuzz))
