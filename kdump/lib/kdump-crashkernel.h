/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * crashkernel= as the kernel reads it (kernel/crash_reserve.c, parse_crashkernel()), checked
 * more strictly than the kernel does, because a value the kernel accepts can still be a
 * mistake that silently reserves nothing (see docs/crashkernel.md):
 *
 *   SIZE[@OFFSET]                    e.g. 256M, 128M@16M
 *   START-[END]:SIZE[,...][@OFFSET]  e.g. 1G-4G:192M,4G-64G:256M,64G-:512M
 *   SIZE,high  SIZE,low  SIZE,cma    one plain size each
 *   auto                             RHEL 7/8 kernels only; never in mainline
 *
 * Sizes are decimal with a unit K, M, G, T, P or E (either case), "0", or 0x-prefixed bytes.
 * Refused although the kernel would take them: a size without a unit other than 0 ("256" is
 * 256 bytes to the kernel), a leading zero ("0100M" is octal to the kernel), ranges that
 * overlap. Refused as the kernel refuses them: END <= START, a suffix after a range table or
 * an offset, trailing characters, overflow.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdump-diag.h"

#define KDUMP_CK_MAX_RANGES 16
#define KDUMP_CK_OPEN_END UINT64_MAX
/* The kernel rounds System RAM up to this before matching ranges. */
#define KDUMP_CK_RAM_ROUND (128ULL << 20)
/* KdumpReservation.low when the kernel picks the size of the low region itself. */
#define KDUMP_CK_LOW_DEFAULT UINT64_MAX

typedef enum KdumpCkKind {
	KDUMP_CK_SIZE,
	KDUMP_CK_RANGES,
	KDUMP_CK_AUTO,
} KdumpCkKind;

typedef enum KdumpCkSuffix {
	KDUMP_CK_PLAIN,
	KDUMP_CK_HIGH,
	KDUMP_CK_LOW,
	KDUMP_CK_CMA,
} KdumpCkSuffix;

typedef struct KdumpCkRange {
	uint64_t start; /* inclusive */
	uint64_t end;   /* exclusive, KDUMP_CK_OPEN_END for "START-" */
	uint64_t size;
} KdumpCkRange;

typedef struct KdumpCrashkernel {
	KdumpCkKind kind;
	KdumpCkSuffix suffix;
	uint64_t size; /* KDUMP_CK_SIZE */
	KdumpCkRange ranges[KDUMP_CK_MAX_RANGES];
	size_t n_ranges;
	bool has_offset;
	uint64_t offset;
} KdumpCrashkernel;

/* Parse the value of one crashkernel= parameter (without "crashkernel="). */
int kdump_crashkernel_parse(const char *value, KdumpCrashkernel *ret, KdumpError *err);
/*
 * Canonical text of a value, the largest exact unit for each size ("1536M", "2G"). Returns
 * the length, or -ENOBUFS when buf is too small, -EINVAL for an invalid structure.
 */
int kdump_crashkernel_format(const KdumpCrashkernel *ck, char *buf, size_t size);
/*
 * The size the kernel reserves for this value on a machine with system_ram bytes of RAM
 * (rounded up to 128 MiB first, as the kernel does). -ERANGE when no range matches (nothing
 * is reserved), -EINVAL when the size is not below the RAM, -EOPNOTSUPP for "auto".
 */
int kdump_crashkernel_size_for_ram(const KdumpCrashkernel *ck, uint64_t system_ram,
				   uint64_t *ret, KdumpError *err);

typedef struct KdumpReservation {
	uint64_t size;     /* the main region */
	bool high;         /* it came from SIZE,high: placed above 4 GiB on x86_64 when possible */
	uint64_t low;      /* with high: the low region, or KDUMP_CK_LOW_DEFAULT */
	bool has_offset;
	uint64_t offset;
	uint64_t cma;      /* SIZE,cma (Linux 6.17+), 0 if none */
	bool ignored_low;  /* a SIZE,low that the kernel ignores (no SIZE,high, or a plain one) */
	bool ignored_high; /* a SIZE,high that a plain crashkernel= overrides */
} KdumpReservation;

/*
 * What a kernel booted with this command line reserves on a machine with system_ram bytes:
 * the last crashkernel= of each kind wins, a plain one overrides SIZE,high, SIZE,low counts
 * only with SIZE,high. -ENOENT when there is no crashkernel= at all; the errors of
 * kdump_crashkernel_parse() and kdump_crashkernel_size_for_ram() otherwise.
 */
int kdump_crashkernel_from_cmdline(const char *cmdline, uint64_t system_ram,
				   KdumpReservation *ret, KdumpError *err);

/* "256M", "1536M", "0", or "0x..." for sizes that are not whole KiB. -ENOBUFS if too small. */
int kdump_size_format(uint64_t v, char *buf, size_t size);

/*
 * Kernel command line words, as the kernel splits them: blanks separate, double quotes hold
 * blanks. Starting at *pos, finds the next word: *ret_start and *ret_len delimit it in s
 * (quotes included) and *pos moves past it. Returns false at the end.
 */
bool kdump_cmdline_next(const char *s, size_t *pos, size_t *ret_start, size_t *ret_len);
