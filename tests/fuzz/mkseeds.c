/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Seed inputs of the vmimage targets (fuzz-dmesg, fuzz-pageclass, fuzz-xlat), in the format
 * imgfuzz.h describes: each seed is built on the target's own image with the vmimage calls
 * the unit tests use, and written as the difference to that image (its VMCOREINFO lines and
 * the changed memory, as chunks of the target's windows).
 *
 *   fuzz-mkseeds OUTDIR     writes OUTDIR/fuzz-dmesg/seed-*, OUTDIR/fuzz-pageclass/seed-*, ...
 *
 * The layouts follow tests/unit/test-dmesg.c, test-dmesg-log.c, test-pageclass.c and
 * test-xlat.c; the ring offsets of the "real" seeds are those of Debian's 6.1 and 6.12 kernels
 * (tests/realvm/vmcoreinfo-*.txt).
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "imglayout.h"
#include "macro.h"

static const char *outdir;

struct seed {
	const char *target;
	struct vmimage base, im; /* the target's image, and the seed's */
	const struct img_window *windows;
	size_t n_windows;
	uint8_t image_flags, flags;
	uint8_t extra[IMGFUZZ_MAX_EXTRA];
	size_t extra_len;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("fuzz-mkseeds: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

typedef void (*build_fn)(struct vmimage *im);

static void seed_start(struct seed *s, const char *target, int levels, build_fn build,
		       const struct img_window *windows, size_t n_windows)
{
	*s = (struct seed){ .target = target, .windows = windows, .n_windows = n_windows };
	img_init(&s->base, levels);
	img_init(&s->im, levels);
	if (build) {
		build(&s->base);
		build(&s->im);
	}
	if (levels == 5)
		s->image_flags |= IMGFUZZ_5LEVEL;
}

static void seed_extra(struct seed *s, const void *p, size_t len)
{
	if (len > sizeof(s->extra) - s->extra_len)
		die("%s: too much extra data", s->target);
	memcpy(s->extra + s->extra_len, p, len);
	s->extra_len += len;
}

static void put(FILE *f, const void *p, size_t len)
{
	if (len && fwrite(p, 1, len, f) != len)
		die("write error");
}

static void put_chunk(FILE *f, size_t window, size_t off, const uint8_t *p, size_t len)
{
	uint8_t h[5] = { (uint8_t)window, (uint8_t)off, (uint8_t)(off >> 8), (uint8_t)len,
			 (uint8_t)(len >> 8) };

	put(f, h, sizeof(h));
	put(f, p, len);
}

/* Which window holds paddr, or -1. */
static int window_of(const struct seed *s, uint64_t paddr)
{
	for (size_t w = 0; w < s->n_windows; w++)
		if (paddr >= s->windows[w].paddr && paddr - s->windows[w].paddr < s->windows[w].size)
			return (int)w;
	return -1;
}

/* Writes the seed and frees it. Changes outside the windows are a bug of this program. */
static void seed_save(struct seed *s, const char *name)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", outdir, s->target);
	if (mkdir(path, 0755) < 0 && errno != EEXIST)
		die("%s: %s", path, strerror(errno));
	snprintf(path, sizeof(path), "%s/%s/seed-%s", outdir, s->target, name);
	f = fopen(path, "we");
	if (!f)
		die("%s: %s", path, strerror(errno));
	put(f, &s->image_flags, 1);
	put(f, &s->flags, 1);
	put(f, s->im.info, s->im.info_len);
	put(f, "", 1);

	/* Runs of changed bytes; gaps of less than 16 unchanged bytes are not worth a header. */
	for (uint64_t a = 0; a < IMG_RAM_SIZE;) {
		uint64_t end, last, k;
		int w;

		if (s->im.ram[a] == s->base.ram[a]) {
			a++;
			continue;
		}
		w = window_of(s, a);
		if (w < 0)
			die("%s/%s: changes 0x%llx, outside every window", s->target, name,
			    (unsigned long long)a);
		end = s->windows[w].paddr + s->windows[w].size;
		for (k = last = a; k < end && k - a < 0xfff0 && k - last < 16; k++)
			if (s->im.ram[k] != s->base.ram[k])
				last = k + 1;
		put_chunk(f, (size_t)w, (size_t)(a - s->windows[w].paddr), s->im.ram + a,
			  (size_t)(last - a));
		a = last;
	}
	for (size_t off = 0; off < s->extra_len; off += 0xfff0)
		put_chunk(f, s->n_windows, 0, s->extra + off, MIN(0xfff0, s->extra_len - off));
	if (fclose(f) != 0)
		die("%s: write error", path);
	img_free(&s->base);
	img_free(&s->im);
}

/* ---- fuzz-dmesg ---- */

#define PRB_VAR_PA DM_VARS_PA
#define PRB_PA (DM_VARS_PA + 0x100)
#define LOGVAR_PA (DM_VARS_PA + 0x400)
#define DESCS_PA DM_RINGS_PA
#define INFOS_PA (DM_RINGS_PA + 0x8000)
#define DATA_PA DM_TEXT_PA
#define ID_MASK (~(UINT64_C(3) << 62))

/* Where the lockless ring's fields are. */
struct prb_offsets {
	unsigned rb_desc, rb_text;
	unsigned dr_bits, dr_descs, dr_infos, dr_head, dr_tail;
	unsigned tr_bits, tr_data, tr_head, tr_tail;
	unsigned desc_size, desc_sv, desc_lpos;
	unsigned info_size, info_ts, info_len;
};

/* Debian 6.1 and 6.12 */
static const struct prb_offsets prb_real = {
	.rb_desc = 0, .rb_text = 48,
	.dr_bits = 0, .dr_descs = 8, .dr_infos = 16, .dr_head = 24, .dr_tail = 32,
	.tr_bits = 0, .tr_data = 8, .tr_head = 16, .tr_tail = 24,
	.desc_size = 24, .desc_sv = 0, .desc_lpos = 8,
	.info_size = 88, .info_ts = 8, .info_len = 16,
};

/* tests/unit/test-dmesg.c: offsets no kernel uses */
static const struct prb_offsets prb_odd = {
	.rb_desc = 8, .rb_text = 64,
	.dr_bits = 4, .dr_descs = 16, .dr_infos = 24, .dr_head = 32, .dr_tail = 40,
	.tr_bits = 0, .tr_data = 8, .tr_head = 16, .tr_tail = 24,
	.desc_size = 32, .desc_sv = 8, .desc_lpos = 16,
	.info_size = 96, .info_ts = 16, .info_len = 4,
};

struct ring {
	struct vmimage *im;
	const struct prb_offsets *o;
	unsigned count_bits, size_bits;
	uint64_t first_id, next_id, tail_lpos, head_lpos;
};

static void prb_keys(struct vmimage *im, const struct prb_offsets *o, int lpos_keys)
{
	img_info(im, "SYMBOL(prb)=%llx", (unsigned long long)img_text(PRB_VAR_PA));
	img_info(im, "OFFSET(printk_ringbuffer.desc_ring)=%u", o->rb_desc);
	img_info(im, "OFFSET(printk_ringbuffer.text_data_ring)=%u", o->rb_text);
	img_info(im, "OFFSET(prb_desc_ring.count_bits)=%u", o->dr_bits);
	img_info(im, "OFFSET(prb_desc_ring.descs)=%u", o->dr_descs);
	img_info(im, "OFFSET(prb_desc_ring.infos)=%u", o->dr_infos);
	img_info(im, "OFFSET(prb_desc_ring.head_id)=%u", o->dr_head);
	img_info(im, "OFFSET(prb_desc_ring.tail_id)=%u", o->dr_tail);
	img_info(im, "SIZE(prb_desc)=%u", o->desc_size);
	img_info(im, "OFFSET(prb_desc.state_var)=%u", o->desc_sv);
	img_info(im, "OFFSET(prb_desc.text_blk_lpos)=%u", o->desc_lpos);
	img_info(im, "OFFSET(prb_data_blk_lpos.begin)=0");
	img_info(im, "OFFSET(prb_data_blk_lpos.next)=8");
	img_info(im, "SIZE(printk_info)=%u", o->info_size);
	img_info(im, "OFFSET(printk_info.ts_nsec)=%u", o->info_ts);
	img_info(im, "OFFSET(printk_info.text_len)=%u", o->info_len);
	img_info(im, "OFFSET(prb_data_ring.size_bits)=%u", o->tr_bits);
	img_info(im, "OFFSET(prb_data_ring.data)=%u", o->tr_data);
	if (lpos_keys) {
		img_info(im, "OFFSET(prb_data_ring.head_lpos)=%u", o->tr_head);
		img_info(im, "OFFSET(prb_data_ring.tail_lpos)=%u", o->tr_tail);
	}
	img_info(im, "OFFSET(atomic_long_t.counter)=0");
}

/* Appends a record as the kernel's data_alloc() places it; text NULL: a data-less record. */
static void prb_add(struct ring *rb, unsigned state, uint64_t ts, const char *text,
		    uint16_t text_len)
{
	const struct prb_offsets *o = rb->o;
	uint64_t id = rb->next_id, begin = 1, next = 1, ring = UINT64_C(1) << rb->size_bits;
	uint64_t slot = id & ((UINT64_C(1) << rb->count_bits) - 1);
	uint64_t desc = DESCS_PA + slot * o->desc_size, info = INFOS_PA + slot * o->info_size;

	rb->next_id = (id + 1) & ID_MASK;
	if (text) {
		size_t len = strlen(text);
		uint64_t size = (8 + len + 7) & ~UINT64_C(7), at;

		begin = rb->head_lpos;
		next = begin + size;
		at = begin % ring;
		img_w64(rb->im, DATA_PA + at, id);
		if ((begin >> rb->size_bits) != (next >> rb->size_bits)) {
			next = ((next >> rb->size_bits) << rb->size_bits) + size;
			at = 0;
			img_w64(rb->im, DATA_PA, id);
		}
		img_write(rb->im, DATA_PA + at + 8, text, len);
		rb->head_lpos = next;
	}
	img_w64(rb->im, desc + o->desc_sv, ((uint64_t)state << 62) | id);
	img_w64(rb->im, desc + o->desc_lpos, begin);
	img_w64(rb->im, desc + o->desc_lpos + 8, next);
	img_w64(rb->im, info + o->info_ts, ts);
	img_w16(rb->im, info + o->info_len, text_len);
}

static void prb_text(struct ring *rb, unsigned state, uint64_t ts, const char *text)
{
	prb_add(rb, state, ts, text, (uint16_t)strlen(text));
}

static void prb_finish(struct ring *rb)
{
	struct vmimage *im = rb->im;
	const struct prb_offsets *o = rb->o;

	img_w64(im, PRB_VAR_PA, img_text(PRB_PA));
	img_w32(im, PRB_PA + o->rb_desc + o->dr_bits, rb->count_bits);
	img_w64(im, PRB_PA + o->rb_desc + o->dr_descs, im->dm + DESCS_PA);
	img_w64(im, PRB_PA + o->rb_desc + o->dr_infos, im->dm + INFOS_PA);
	img_w64(im, PRB_PA + o->rb_desc + o->dr_head, (rb->next_id - 1) & ID_MASK);
	img_w64(im, PRB_PA + o->rb_desc + o->dr_tail, rb->first_id);
	img_w32(im, PRB_PA + o->rb_text + o->tr_bits, rb->size_bits);
	img_w64(im, PRB_PA + o->rb_text + o->tr_data, im->dm + DATA_PA);
	img_w64(im, PRB_PA + o->rb_text + o->tr_head, rb->head_lpos);
	img_w64(im, PRB_PA + o->rb_text + o->tr_tail, rb->tail_lpos);
}

static void seed_prb(const char *name, const struct prb_offsets *o, uint64_t first_id,
		     int lpos_keys, uint8_t flags)
{
	struct seed s;
	struct ring rb;

	seed_start(&s, "fuzz-dmesg", 4, NULL, dmesg_windows, DM_N_WINDOWS);
	s.flags = flags;
	prb_keys(&s.im, o, lpos_keys);
	rb = (struct ring){ .im = &s.im, .o = o, .count_bits = 3, .size_bits = 9,
			    .first_id = first_id, .next_id = first_id,
			    .tail_lpos = 5 * 512 + 300, .head_lpos = 5 * 512 + 300 };
	prb_text(&rb, 2, 0, "Linux version 6.1.0-test (gcc) #1 SMP");
	prb_text(&rb, 2, 1500000000, "line one\nline two");
	prb_add(&rb, 2, 2000001234, "ctl\x01 tab\t del\x7f hi\xc3\xa9", 22);
	prb_add(&rb, 2, 2500000000, NULL, 0);                       /* data-less */
	prb_text(&rb, 0, 2600000000, "reserved, not written yet"); /* skipped */
	prb_text(&rb, 1, 3500000000, "committed record");
	prb_add(&rb, 2, 4000000000, "truncated-record", 200);       /* text_len > block */
	prb_text(&rb, 2, UINT64_C(123456789012345678), "wrapped around the end of the ring");
	prb_finish(&rb);
	seed_save(&s, name);
}

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

#define LOG_LEN 256u

static uint32_t log_record(struct vmimage *im, uint32_t idx, uint64_t ts, const char *text)
{
	uint16_t len = (uint16_t)((16 + strlen(text) + 7) & ~7u);

	if (idx + len + 16 > LOG_LEN) {
		img_w16(im, DATA_PA + idx + 8, 0); /* the wrap marker */
		idx = 0;
	}
	img_w64(im, DATA_PA + idx, ts);
	img_w16(im, DATA_PA + idx + 8, len);
	img_w16(im, DATA_PA + idx + 10, (uint16_t)strlen(text));
	img_write(im, DATA_PA + idx + 16, text, strlen(text));
	return idx + len;
}

static void seed_printk_log(const char *name, const char *strct)
{
	struct seed s;
	uint32_t idx = 176;

	seed_start(&s, "fuzz-dmesg", 4, NULL, dmesg_windows, DM_N_WINDOWS);
	img_info(&s.im, "OSRELEASE=4.19.0-test");
	log_keys(&s.im, strct);
	img_w64(&s.im, LOGVAR_PA, s.im.dm + DATA_PA);
	img_w32(&s.im, LOGVAR_PA + 8, LOG_LEN);
	img_w32(&s.im, LOGVAR_PA + 12, idx);
	memset(s.im.ram + DATA_PA, 0xee, LOG_LEN);
	idx = log_record(&s.im, idx, 7000100000, "old record one");
	idx = log_record(&s.im, idx, 8000000000, "second\nline");
	idx = log_record(&s.im, idx, 10000000000, "after wrap");
	idx = log_record(&s.im, idx, 11000000000, "bad\x80" "byte");
	img_w32(&s.im, LOGVAR_PA + 16, idx);
	seed_save(&s, name);
}

/* Before 3.5: a character buffer; log_end an unsigned long before 2.6.25. */
static void seed_flat_log(const char *name, const char *release, int wrapped)
{
	static const char text[] = "<6>first line\n<4>second line\nno newline at the end";
	const uint32_t len = 64;
	struct seed s;
	uint64_t end;

	seed_start(&s, "fuzz-dmesg", 4, NULL, dmesg_windows, DM_N_WINDOWS);
	img_info(&s.im, "OSRELEASE=%s", release);
	img_info(&s.im, "SYMBOL(log_buf)=%llx", (unsigned long long)img_text(LOGVAR_PA));
	img_info(&s.im, "SYMBOL(log_buf_len)=%llx", (unsigned long long)img_text(LOGVAR_PA + 8));
	img_info(&s.im, "SYMBOL(log_end)=%llx", (unsigned long long)img_text(LOGVAR_PA + 24));
	img_w64(&s.im, LOGVAR_PA, s.im.dm + DATA_PA);
	img_w32(&s.im, LOGVAR_PA + 8, wrapped ? len : 4096);
	end = wrapped ? 3 * len + 17 : sizeof(text) - 1;
	for (uint64_t i = 0; i < sizeof(text) - 1; i++) {
		uint64_t at = wrapped ? (end - (sizeof(text) - 1) + i) % len : i;

		s.im.ram[DATA_PA + at] = (uint8_t)text[i];
	}
	if (!strncmp(release, "2.6.2", 5) && release[5] < '5')
		img_w64(&s.im, LOGVAR_PA + 24, end);
	else
		img_w32(&s.im, LOGVAR_PA + 24, (uint32_t)end);
	seed_save(&s, name);
}

static void dmesg_seeds(void)
{
	seed_prb("prb-6.x", &prb_real, 1000, 1, 0);
	seed_prb("prb-odd-offsets", &prb_odd, ID_MASK - 2, 1, 0);
	seed_prb("prb-no-lpos-keys", &prb_real, 0, 0, 0);
	seed_prb("prb-stop-early", &prb_real, 7, 1, DM_FLAG_STOP | 0x20);
	seed_printk_log("printk_log", "printk_log");
	seed_printk_log("log-before-3.11", "log");
	seed_flat_log("flat-log_buf", "3.2.0", 0);
	seed_flat_log("flat-log_buf-wrapped", "3.2.0", 1);
	seed_flat_log("flat-log_buf-2.6.24", "2.6.24", 1);
}

/* ---- fuzz-pageclass (tests/unit/test-pageclass.c) ---- */

#define SP 64u
#define O_FLAGS 0
#define O_HEAD 8
#define O_DTOR 16
#define O_ORDER 17
#define O_MAPPING 24
#define O_PRIVATE 40
#define O_MAPCOUNT 48
#define PG_LRU 4
#define PG_SLAB 7
#define PG_SWAPCACHE 9
#define PG_PRIVATE 12
#define PG_HEAD 16
#define PG_SWAPBACKED 18
#define PG_HWPOISON 21
#define BUDDY_61 UINT32_C(0xffffff7f)
#define OFFLINE_61 UINT32_C(0xfffffeff)
#define BUDDY_612 UINT32_C(0xf0000000)
#define OFFLINE_612 UINT32_C(0xf1000000)
#define HUGETLB_612 UINT32_C(0xf4000000)
#define SLAB_612 UINT32_C(0xf5000000)
#define ANON UINT64_C(0xffff888012345001)
#define FILE_MAPPING UINT64_C(0xffff888012345600)
#define ROOTS_PA PC_SECTIONS_PA
#define ROOT0_PA (PC_SECTIONS_PA + 0x1000)
#define STATIC_PA (PC_SECTIONS_PA + 0x2000)

enum enc { ENC_61, ENC_612 };
enum model { EXTREME, EXTREME_PTR, STATIC, FLAT, VMEMMAP_ONLY, BROKEN_SECTIONS };

static uint64_t sp_pa(unsigned pfn)
{
	unsigned page = pfn * SP / 4096;

	if (page == 63)
		return PC_LAST_PA + (pfn * SP) % 4096;
	return PC_MEMMAP_PA + (uint64_t)pfn * SP;
}

static void pc_build(struct vmimage *im)
{
	img_entry(im, IMG_T_TOP, img_index(PC_VMEMMAP, 39), PC_T_PUD, 0);
	img_entry(im, PC_T_PUD, img_index(PC_VMEMMAP, 30), PC_T_PMD, 0);
	img_entry(im, PC_T_PMD, img_index(PC_VMEMMAP, 21), PC_T_PT, 0);
	for (unsigned i = 0; i < 64; i++)
		if (i != 62)
			img_entry(im, PC_T_PT, i, i == 63 ? PC_LAST_PA : PC_MEMMAP_PA + i * 4096u, 0);
	im->ram_filesz = PC_LAST_PA;
}

static void page(struct vmimage *im, unsigned pfn, uint64_t flags, uint64_t mapping,
		 uint32_t mapcount, uint64_t private)
{
	img_w64(im, sp_pa(pfn) + O_FLAGS, flags);
	img_w64(im, sp_pa(pfn) + O_MAPPING, mapping);
	img_w32(im, sp_pa(pfn) + O_MAPCOUNT, mapcount);
	img_w64(im, sp_pa(pfn) + O_PRIVATE, private);
}

static void compound(struct vmimage *im, enum enc e, unsigned pfn, unsigned order,
		     uint64_t flags, uint64_t mapping, uint32_t mapcount, uint8_t dtor)
{
	page(im, pfn, flags | (UINT64_C(1) << PG_HEAD), mapping, mapcount, 0);
	for (unsigned i = 1; i < (1u << order); i++)
		img_w64(im, sp_pa(pfn + i) + O_HEAD, (PC_VMEMMAP + (uint64_t)pfn * SP) | 1);
	if (e == ENC_61)
		img_w16(im, sp_pa(pfn + 1) + O_DTOR, (uint16_t)(dtor | (order << 8)));
	else
		img_w64(im, sp_pa(pfn + 1) + O_FLAGS, order);
}

static void pc_keys(struct vmimage *im, enum enc e, enum model m)
{
	img_info(im, "SIZE(page)=64");
	img_info(im, "OFFSET(page.flags)=0");
	img_info(im, "OFFSET(page.mapping)=24");
	img_info(im, "OFFSET(page._mapcount)=48");
	img_info(im, "OFFSET(page.private)=40");
	img_info(im, "OFFSET(page.compound_head)=8");
	img_info(im, "LENGTH(zone.free_area)=11");
	if (m == FLAT)
		img_info(im, "SYMBOL(mem_map)=%llx", (unsigned long long)img_text(PC_PTRVARS_PA + 8));
	if (m == VMEMMAP_ONLY || m == BROKEN_SECTIONS)
		img_info(im, "SYMBOL(vmemmap)=%llx", (unsigned long long)PC_VMEMMAP);
	if (m == BROKEN_SECTIONS) {
		img_info(im, "SYMBOL(mem_section)=%llx", (unsigned long long)(im->dm + 0x908000));
		img_info(im, "LENGTH(mem_section)=16");
	}
	if (m == EXTREME || m == EXTREME_PTR) {
		img_info(im, "SYMBOL(mem_section)=%llx",
			 (unsigned long long)(m == EXTREME_PTR ? img_text(PC_PTRVARS_PA)
							       : im->dm + ROOTS_PA));
		img_info(im, "LENGTH(mem_section)=16");
	}
	if (m == STATIC) {
		img_info(im, "SYMBOL(mem_section)=%llx", (unsigned long long)(im->dm + STATIC_PA));
		img_info(im, "LENGTH(mem_section)=4096");
	}
	if (m == EXTREME || m == EXTREME_PTR || m == STATIC || m == BROKEN_SECTIONS) {
		img_info(im, "SIZE(mem_section)=16");
		img_info(im, "OFFSET(mem_section.section_mem_map)=0");
		img_info(im, "NUMBER(SECTION_SIZE_BITS)=22");
		img_info(im, "NUMBER(MAX_PHYSMEM_BITS)=34");
	}
	img_info(im, "NUMBER(PG_lru)=%d", PG_LRU);
	img_info(im, "NUMBER(PG_private)=%d", PG_PRIVATE);
	img_info(im, "NUMBER(PG_swapcache)=%d", PG_SWAPCACHE);
	img_info(im, "NUMBER(PG_swapbacked)=%d", PG_SWAPBACKED);
	img_info(im, "NUMBER(PG_hwpoison)=%d", PG_HWPOISON);
	img_info(im, "NUMBER(PG_head_mask)=%d", 1 << PG_HEAD);
	if (e == ENC_61) {
		img_info(im, "OFFSET(page.compound_dtor)=%d", O_DTOR);
		img_info(im, "OFFSET(page.compound_order)=%d", O_ORDER);
		img_info(im, "NUMBER(PG_slab)=%d", PG_SLAB);
		img_info(im, "NUMBER(HUGETLB_PAGE_DTOR)=2");
		img_info(im, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d", (int32_t)BUDDY_61);
		img_info(im, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%d", (int32_t)OFFLINE_61);
	} else {
		img_info(im, "NUMBER(PAGE_BUDDY_MAPCOUNT_VALUE)=%d", (int32_t)BUDDY_612);
		img_info(im, "NUMBER(PAGE_OFFLINE_MAPCOUNT_VALUE)=%u", OFFLINE_612);
		img_info(im, "NUMBER(PAGE_HUGETLB_MAPCOUNT_VALUE)=%u", HUGETLB_612);
		img_info(im, "NUMBER(PAGE_SLAB_MAPCOUNT_VALUE)=%d", (int32_t)SLAB_612);
	}
}

static void seed_pageclass(const char *name, enum enc e, enum model m)
{
	uint32_t buddy = e == ENC_61 ? BUDDY_61 : BUDDY_612;
	uint32_t offline = e == ENC_61 ? OFFLINE_61 : OFFLINE_612;
	uint64_t slab_flag = e == ENC_61 ? UINT64_C(1) << PG_SLAB : 0;
	uint32_t slab_type = e == ENC_61 ? UINT32_MAX : SLAB_612;
	/* classify calls after the full pass: forwards, backwards, past the end */
	static const uint16_t calls[] = { 500, 40, 0, 4096, 4000, 160, 1000, 1, 3580, 30 };
	struct vmimage *im;
	struct seed s;

	seed_start(&s, "fuzz-pageclass", 4, pc_build, pageclass_windows, PC_N_WINDOWS);
	s.flags = e == ENC_61 ? 9 : 4; /* first pass in batches of 512 or 16 */
	im = &s.im;
	img_w64(im, ROOTS_PA, im->dm + ROOT0_PA);
	for (unsigned i = 0; i < 4; i++)
		if (i != 2) {
			img_w64(im, ROOT0_PA + i * 16u, PC_VMEMMAP | 0x0f);
			img_w64(im, STATIC_PA + i * 16u, PC_VMEMMAP | 0x0f);
		}
	img_w64(im, PC_PTRVARS_PA, im->dm + ROOTS_PA);
	img_w64(im, PC_PTRVARS_PA + 8, PC_VMEMMAP);

	page(im, 0, 0, 0, buddy, 11);
	page(im, 16, 0, 0, buddy, 0);
	page(im, 24, 0, 0, buddy, 3);
	page(im, 40, 0, 0, buddy, 40);
	page(im, 42, 0, 0, buddy, 2);
	page(im, 64, UINT64_C(1) << PG_LRU, FILE_MAPPING, UINT32_MAX, 0);
	page(im, 65, UINT64_C(1) << PG_LRU | UINT64_C(1) << PG_PRIVATE, FILE_MAPPING, 0, 0);
	page(im, 66, UINT64_C(1) << PG_SWAPCACHE | UINT64_C(1) << PG_SWAPBACKED, FILE_MAPPING, 0, 0);
	page(im, 67, UINT64_C(1) << PG_SWAPCACHE, FILE_MAPPING, UINT32_MAX, 0);
	page(im, 68, UINT64_C(1) << PG_LRU, ANON, 0, 0);
	page(im, 70, 0, ANON, 0, 0);
	page(im, 71, slab_flag, ANON, slab_type, 0);
	page(im, 72, UINT64_C(1) << PG_HWPOISON, 0, UINT32_MAX, 0);
	page(im, 73, 0, 0, offline, 0);
	compound(im, e, 512, 9, UINT64_C(1) << PG_LRU, ANON, 0, 1);
	page(im, 1024, 0, 0, buddy, 10);
	compound(im, e, 3072, 9, 0, FILE_MAPPING, e == ENC_61 ? UINT32_MAX : HUGETLB_612, 2);
	compound(im, e, 3584, 2, UINT64_C(1) << PG_LRU, FILE_MAPPING, UINT32_MAX, 0);
	img_w64(im, sp_pa(3585) + O_HEAD, (PC_VMEMMAP + 3000 * SP) | 1);
	img_w64(im, sp_pa(3600) + O_HEAD, (PC_VMEMMAP + 3599 * SP) | 1);
	page(im, 3601, 0, 0, buddy ^ 0x100, 0);
	page(im, 3602, 0, ANON, e == ENC_61 ? UINT32_MAX : SLAB_612, 0);
	pc_keys(im, e, m);
	for (size_t i = 0; i < sizeof(calls) / sizeof(calls[0]); i++) {
		uint8_t le[2] = { (uint8_t)calls[i], (uint8_t)(calls[i] >> 8) };

		seed_extra(&s, le, 2);
	}
	seed_save(&s, name);
}

static void pageclass_seeds(void)
{
	static const struct {
		const char *name;
		enum model m;
	} models[] = {
		{ "extreme", EXTREME }, { "extreme-ptr", EXTREME_PTR }, { "static", STATIC },
		{ "flat", FLAT }, { "vmemmap", VMEMMAP_ONLY }, { "broken-sections", BROKEN_SECTIONS },
	};
	char name[64];

	for (size_t i = 0; i < sizeof(models) / sizeof(models[0]); i++) {
		snprintf(name, sizeof(name), "6.1-%s", models[i].name);
		seed_pageclass(name, ENC_61, models[i].m);
		snprintf(name, sizeof(name), "6.12-%s", models[i].name);
		seed_pageclass(name, ENC_612, models[i].m);
	}
}

/* ---- fuzz-xlat (tests/unit/test-xlat.c) ---- */

#define T_PT_K (IMG_T_FREE + 0x0000)
#define T_PMD_D (IMG_T_FREE + 0x1000)
#define T_PT_D (IMG_T_FREE + 0x2000)
#define GIB (UINT64_C(1) << 30)
#define MIB (UINT64_C(1) << 20)

static void xlat_record(struct seed *s, uint64_t vaddr, uint16_t len)
{
	uint8_t r[XL_RECORD];

	for (unsigned i = 0; i < 8; i++)
		r[i] = (uint8_t)(vaddr >> (8 * i));
	r[8] = (uint8_t)len;
	r[9] = (uint8_t)(len >> 8);
	seed_extra(s, r, sizeof(r));
}

/* 4 KiB pages in the kernel image, a 2 MiB leaf and reversed 4 KiB pages above 1 GiB. */
static void seed_xlat(const char *name, int levels, uint8_t image_flags, const char *info)
{
	struct seed s;
	struct vmimage *im;
	uint64_t dm;

	seed_start(&s, "fuzz-xlat", levels, NULL, xlat_windows, XL_N_WINDOWS);
	s.image_flags |= image_flags;
	im = &s.im;
	dm = im->dm;
	img_entry(im, IMG_T_PMD_K, img_index(IMG_TEXT_VA, 21) + 1, T_PT_K, 0);
	for (unsigned i = 0; i < 512; i++)
		img_entry(im, T_PT_K, i, IMG_TEXT_PA + 0x200000 + i * UINT64_C(4096), 0);
	img_w64(im, T_PT_K + 7 * 8, img_r64(im, T_PT_K + 7 * 8) & ~UINT64_C(1));
	img_entry(im, IMG_T_PUD_D, img_index(dm, 30) + 1, T_PMD_D, 0);
	img_entry(im, T_PMD_D, 0, 0x800000, 1);
	img_entry(im, T_PMD_D, 1, T_PT_D, 0);
	for (unsigned i = 0; i < 512; i++)
		if (i != 5)
			img_entry(im, T_PT_D, i, 0xa00000 + (511 - i) * UINT64_C(4096), 0);
	if (info)
		img_info(im, "%s", info);

	xlat_record(&s, IMG_TEXT_VA + 0x1238, 8);
	xlat_record(&s, IMG_TEXT_VA + 0x200000 + 3 * 4096 + 0x10, 16);
	xlat_record(&s, IMG_TEXT_VA + 0x200000 + 7 * 4096 + 1, 8);
	xlat_record(&s, IMG_TEXT_VA + 0x200000 - 8, 16);
	xlat_record(&s, dm + GIB + 0x1234, 8);
	xlat_record(&s, dm + GIB + 2 * MIB + 4096 - 8, 16);
	xlat_record(&s, dm + GIB + 2 * MIB - 4096, 8192);
	xlat_record(&s, dm + GIB + 2 * MIB + 5 * 4096 - 8, 16);
	xlat_record(&s, dm + GIB + 4 * MIB, 8);
	xlat_record(&s, dm + 2 * GIB, 8);
	xlat_record(&s, dm + 32 * MIB, 8);
	xlat_record(&s, levels == 5 ? UINT64_C(0xffa0000000000000) : UINT64_C(0xffffc90000000000), 8);
	xlat_record(&s, levels == 5 ? UINT64_C(0x0100000000000000) : UINT64_C(0x0000800000000000), 8);
	xlat_record(&s, UINT64_MAX - 3, 8);
	seed_save(&s, name);
}

static void xlat_seeds(void)
{
	seed_xlat("4-level", 4, 0, NULL);
	seed_xlat("5-level", 5, 0, NULL);
	seed_xlat("4-level-level4_pgt-no-phys_base", 4, IMGFUZZ_LEVEL4_PGT | IMGFUZZ_NO_PHYS_BASE,
		  NULL);
	seed_xlat("4-level-no-pgd", 4, IMGFUZZ_NO_PGD, "NUMBER(KERNEL_IMAGE_SIZE)=1073741824");
	seed_xlat("5-level-no-phys_base-no-text-load", 5,
		  IMGFUZZ_NO_PHYS_BASE | IMGFUZZ_NO_TEXT_LOAD, NULL);
	seed_xlat("4-level-sme-mask", 4, 0, "NUMBER(sme_mask)=0");
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "Usage: fuzz-mkseeds OUTDIR\n");
		return 2;
	}
	outdir = argv[1];
	if (mkdir(outdir, 0755) < 0 && errno != EEXIST)
		die("%s: %s", outdir, strerror(errno));
	dmesg_seeds();
	pageclass_seeds();
	xlat_seeds();
	return 0;
}
