/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * crashkernel= syntax (kdump/lib/crashkernel.c): the input is the value of one crashkernel=
 * parameter, then (after a NUL) RAM sizes as 64-bit little-endian numbers. Besides the
 * sanitizers, checks what kdump-crashkernel.h promises:
 *   - a parsed value has at most KDUMP_CK_MAX_RANGES ranges, each ending after it starts, none
 *     overlapping, no suffix with an offset or a range table;
 *   - format(parse(s)) succeeds, its length is what it returns, and parse(format(...)) gives
 *     the same structure again (the canonical text is a fixed point);
 *   - kdump_size_format() of any number parses back to that number;
 *   - kdump_crashkernel_size_for_ram(): a size that is below the RAM rounded up to 128 MiB (or
 *     0), the size of the first range that holds that RAM;
 *   - on failure the output parameters are untouched and the KdumpError holds the error and
 *     a terminated message.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "kdump-crashkernel.h"

#define GB (1ULL << 30)

static const uint64_t fixed_rams[] = {
	0, 1, (128ULL << 20) - 1, 128ULL << 20, 512ULL << 20, GB, 2 * GB, 4 * GB - 1, 4 * GB,
	64 * GB, 1ULL << 40, UINT64_MAX - KDUMP_CK_RAM_ROUND, UINT64_MAX - KDUMP_CK_RAM_ROUND + 1,
	UINT64_MAX,
};

static void check_error(int r, const KdumpError *e)
{
	FUZZ_CHECK(r < 0 && e->error == r);
	FUZZ_CHECK(memchr(e->message, '\0', sizeof(e->message)));
	fuzz_touch_str(e->message);
}

static bool same(const KdumpCrashkernel *a, const KdumpCrashkernel *b)
{
	if (a->kind != b->kind || a->suffix != b->suffix || a->has_offset != b->has_offset ||
	    (a->has_offset && a->offset != b->offset))
		return false;
	if (a->kind == KDUMP_CK_AUTO)
		return true;
	if (a->kind == KDUMP_CK_SIZE)
		return a->size == b->size;
	if (a->n_ranges != b->n_ranges)
		return false;
	for (size_t i = 0; i < a->n_ranges; i++)
		if (a->ranges[i].start != b->ranges[i].start || a->ranges[i].end != b->ranges[i].end ||
		    a->ranges[i].size != b->ranges[i].size)
			return false;
	return true;
}

/* What a successful parse promises about the structure. */
static void check_valid(const KdumpCrashkernel *ck)
{
	FUZZ_CHECK(ck->kind == KDUMP_CK_SIZE || ck->kind == KDUMP_CK_RANGES ||
		   ck->kind == KDUMP_CK_AUTO);
	FUZZ_CHECK((unsigned)ck->suffix <= KDUMP_CK_CMA);
	FUZZ_CHECK(!(ck->suffix != KDUMP_CK_PLAIN && ck->has_offset));
	if (ck->kind != KDUMP_CK_RANGES)
		return;
	FUZZ_CHECK(ck->n_ranges >= 1 && ck->n_ranges <= KDUMP_CK_MAX_RANGES);
	FUZZ_CHECK(ck->suffix == KDUMP_CK_PLAIN);
	for (size_t i = 0; i < ck->n_ranges; i++) {
		FUZZ_CHECK(ck->ranges[i].end > ck->ranges[i].start);
		for (size_t j = i + 1; j < ck->n_ranges; j++)
			FUZZ_CHECK(ck->ranges[i].end <= ck->ranges[j].start ||
				   ck->ranges[j].end <= ck->ranges[i].start);
	}
}

static void check_size_for_ram(const KdumpCrashkernel *ck, uint64_t ram)
{
	const uint64_t untouched = 0x5a5a5a5a5a5a5a5aULL;
	KdumpError e = { 0 };
	uint64_t size = untouched, rounded;
	int r = kdump_crashkernel_size_for_ram(ck, ram, &size, &e);

	if (r < 0) {
		check_error(r, &e);
		FUZZ_CHECK(size == untouched);
		FUZZ_CHECK(r == -ERANGE || r == -EINVAL || r == -EOPNOTSUPP);
		return;
	}
	FUZZ_CHECK(r == 0 && ck->kind != KDUMP_CK_AUTO && ram <= UINT64_MAX - KDUMP_CK_RAM_ROUND);
	rounded = (ram + KDUMP_CK_RAM_ROUND - 1) / KDUMP_CK_RAM_ROUND * KDUMP_CK_RAM_ROUND;
	FUZZ_CHECK(size == 0 || size < rounded);
	if (ck->kind == KDUMP_CK_SIZE) {
		FUZZ_CHECK(size == ck->size);
		return;
	}
	for (size_t i = 0; i < ck->n_ranges; i++)
		if (rounded >= ck->ranges[i].start && rounded < ck->ranges[i].end) {
			FUZZ_CHECK(size == ck->ranges[i].size);
			return;
		}
	__builtin_trap(); /* a size without a range that holds the RAM */
}

/* Any number prints as a size that parses back to it, exactly. */
static void check_size_format(uint64_t v)
{
	KdumpCrashkernel ck;
	char buf[32];
	int n = kdump_size_format(v, buf, sizeof(buf));

	FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf));
	FUZZ_CHECK(kdump_crashkernel_parse(buf, &ck, NULL) == 0);
	FUZZ_CHECK(ck.kind == KDUMP_CK_SIZE && ck.size == v && !ck.has_offset);
	/* too small a buffer: -ENOBUFS, never a longer write */
	FUZZ_CHECK(kdump_size_format(v, buf, (size_t)n) == -ENOBUFS);
}

static void check_format(const KdumpCrashkernel *ck)
{
	KdumpCrashkernel again;
	KdumpError e = { 0 };
	char buf[1024], small[8];
	int n = kdump_crashkernel_format(ck, buf, sizeof(buf)), r;

	/* 16 ranges of three 21-character sizes fit in 1 KiB */
	FUZZ_CHECK(n > 0 && (size_t)n == strlen(buf));
	r = kdump_crashkernel_parse(buf, &again, &e);
	FUZZ_CHECK(r == 0);
	FUZZ_CHECK(same(ck, &again));
	/* a buffer too small fails cleanly (ASan watches the writes) */
	r = kdump_crashkernel_format(ck, small, sizeof(small));
	FUZZ_CHECK(r == n || (r == -ENOBUFS && (size_t)n >= sizeof(small)));
	FUZZ_CHECK(kdump_crashkernel_format(ck, small, 0) == -ENOBUFS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *value = fuzz_take_part(&data, &size);
	KdumpCrashkernel ck, untouched;
	KdumpError e = { 0 };
	int r;

	memset(&ck, 0xa5, sizeof(ck));
	memcpy(&untouched, &ck, sizeof(ck));
	r = kdump_crashkernel_parse(value, &ck, &e);
	if (r < 0) {
		check_error(r, &e);
		FUZZ_CHECK(memcmp(&ck, &untouched, sizeof(ck)) == 0);
		FUZZ_CHECK(r == -EINVAL || r == -ERANGE || r == -E2BIG);
		/* the error path without a KdumpError */
		FUZZ_CHECK(kdump_crashkernel_parse(value, &ck, NULL) == r);
	} else {
		FUZZ_CHECK(r == 0);
		check_valid(&ck);
		check_format(&ck);
		for (size_t i = 0; i < ELEMENTSOF(fixed_rams); i++)
			check_size_for_ram(&ck, fixed_rams[i]);
	}
	/* The rest of the input: RAM sizes for the parsed value, and numbers to print. */
	for (unsigned i = 0; i < 16 && size >= 8; i++, data += 8, size -= 8) {
		uint64_t v;

		memcpy(&v, data, sizeof(v));
		if (r == 0)
			check_size_for_ram(&ck, v);
		check_size_format(v);
	}
	free(value);
	return 0;
}
