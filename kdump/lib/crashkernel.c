/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crashkernel= syntax: parse, print, evaluate for a RAM size (see kdump-crashkernel.h). */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-crashkernel.h"

static const char units[] = "KMGTPE";

static int unit_shift(char c)
{
	const char *u = strchr(units, toupper((unsigned char)c));

	return c && u ? 10 * (int)(u - units + 1) : 0;
}

/* One size at *p (see the header for the syntax); *p moves past it. */
static int parse_size_at(const char **p, uint64_t *ret, const char *value, KdumpError *err)
{
	const char *s = *p, *start = s;
	uint64_t v = 0;
	unsigned base = 10;
	int shift;

	if (*s == '-')
		return kdump_error_set(err, -EINVAL, "'%s': a size cannot be negative", value);
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
	} else if (s[0] == '0' && isdigit((unsigned char)s[1]))
		return kdump_error_set(err, -EINVAL, "'%s': a size with a leading zero is octal to "
				       "the kernel ('010M' is 8M); write it without the zero", value);
	if (!(base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s)))
		return kdump_error_set(err, -EINVAL, "'%s': expected a size at '%s'", value, start);
	for (; base == 16 ? isxdigit((unsigned char)*s) : isdigit((unsigned char)*s); s++) {
		unsigned d = isdigit((unsigned char)*s) ? (unsigned)(*s - '0')
							: (unsigned)(toupper((unsigned char)*s) - 'A' + 10);
		if (__builtin_mul_overflow(v, base, &v) || __builtin_add_overflow(v, d, &v))
			return kdump_error_set(err, -ERANGE, "'%s': the size at '%s' is too large",
					       value, start);
	}
	shift = unit_shift(*s);
	if (shift) {
		if (v > (UINT64_MAX >> shift))
			return kdump_error_set(err, -ERANGE, "'%s': the size at '%s' is too large",
					       value, start);
		v <<= shift;
		s++;
	} else if (base == 10 && v != 0)
		return kdump_error_set(err, -EINVAL, "'%s': the size '%.*s' has no unit, so the "
				       "kernel would read bytes; did you mean %.*sM?", value,
				       (int)(s - start), start, (int)(s - start), start);
	*p = s;
	*ret = v;
	return 0;
}

static int parse_offset(const char **p, KdumpCrashkernel *ck, const char *value, KdumpError *err)
{
	if (**p != '@')
		return 0;
	(*p)++;
	ck->has_offset = true;
	return parse_size_at(p, &ck->offset, value, err);
}

static int parse_ranges(const char *value, KdumpCrashkernel *ck, KdumpError *err)
{
	const char *p = value;
	int r;

	ck->kind = KDUMP_CK_RANGES;
	for (;;) {
		KdumpCkRange *x;

		if (ck->n_ranges == KDUMP_CK_MAX_RANGES)
			return kdump_error_set(err, -E2BIG, "'%s': more than %d ranges", value,
					       KDUMP_CK_MAX_RANGES);
		x = &ck->ranges[ck->n_ranges++];
		if ((r = parse_size_at(&p, &x->start, value, err)) < 0)
			return r;
		if (*p != '-')
			return kdump_error_set(err, -EINVAL, "'%s': expected '-' after a range start",
					       value);
		p++;
		x->end = KDUMP_CK_OPEN_END;
		if (*p != ':' && (r = parse_size_at(&p, &x->end, value, err)) < 0)
			return r;
		if (*p != ':')
			return kdump_error_set(err, -EINVAL, "'%s': expected ':' after a range", value);
		p++;
		if ((r = parse_size_at(&p, &x->size, value, err)) < 0)
			return r;
		if (x->end <= x->start)
			return kdump_error_set(err, -EINVAL, "'%s': range %zu ends before it starts",
					       value, ck->n_ranges);
		if (*p != ',')
			break;
		p++;
		if (!isdigit((unsigned char)*p)) {
			const char *w = *p ? p : "(end)";
			return kdump_error_set(err, -EINVAL, "'%s': ',%s' cannot follow a range table "
					       "(,high, ,low and ,cma take a plain size)", value, w);
		}
	}
	if ((r = parse_offset(&p, ck, value, err)) < 0)
		return r;
	if (*p)
		return kdump_error_set(err, -EINVAL, "'%s': unexpected '%s' at the end", value, p);
	for (size_t i = 0; i < ck->n_ranges; i++)
		for (size_t j = i + 1; j < ck->n_ranges; j++)
			if (ck->ranges[i].start < ck->ranges[j].end &&
			    ck->ranges[j].start < ck->ranges[i].end)
				return kdump_error_set(err, -EINVAL, "'%s': ranges %zu and %zu overlap "
						       "(the kernel would use the first that matches)",
						       value, i + 1, j + 1);
	return 0;
}

int kdump_crashkernel_parse(const char *value, KdumpCrashkernel *ret, KdumpError *err)
{
	static const struct {
		const char *text;
		KdumpCkSuffix suffix;
	} suffixes[] = { { ",high", KDUMP_CK_HIGH }, { ",low", KDUMP_CK_LOW }, { ",cma", KDUMP_CK_CMA } };
	KdumpCrashkernel ck = { 0 };
	const char *p = value;
	int r;

	if (!value || !*value)
		return kdump_error_set(err, -EINVAL, "crashkernel= has no value");
	if (strcmp(value, "auto") == 0) {
		ck.kind = KDUMP_CK_AUTO;
		*ret = ck;
		return 0;
	}
	if (strchr(value, ':')) {
		r = parse_ranges(value, &ck, err);
		if (r < 0)
			return r;
		*ret = ck;
		return 0;
	}
	if ((r = parse_size_at(&p, &ck.size, value, err)) < 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(suffixes); i++)
		if (strcmp(p, suffixes[i].text) == 0) {
			ck.suffix = suffixes[i].suffix;
			p += strlen(p);
		}
	if (ck.suffix == KDUMP_CK_PLAIN && (r = parse_offset(&p, &ck, value, err)) < 0)
		return r;
	if (*p)
		return kdump_error_set(err, -EINVAL, "'%s': unexpected '%s' at the end%s", value, p,
				       *p == ',' && ck.has_offset ? " (an offset takes no suffix)" : "");
	*ret = ck;
	return 0;
}

int kdump_size_format(uint64_t v, char *buf, size_t size)
{
	int n;

	if (v == 0)
		n = snprintf(buf, size, "0");
	else if (v & 1023)
		n = snprintf(buf, size, "0x%llx", (unsigned long long)v);
	else {
		int u = 0;

		v >>= 10;
		while (u < 5 && (v & 1023) == 0) {
			v >>= 10;
			u++;
		}
		n = snprintf(buf, size, "%llu%c", (unsigned long long)v, units[u]);
	}
	return n < 0 || (size_t)n >= size ? -ENOBUFS : n;
}

int kdump_crashkernel_format(const KdumpCrashkernel *ck, char *buf, size_t size)
{
	static const char *const suffix[] = { "", ",high", ",low", ",cma" };
	size_t len = 0;
	int n;

#define PUT(...)                                                             \
	do {                                                                 \
		n = snprintf(buf + len, size - len, __VA_ARGS__);            \
		if (n < 0 || (size_t)n >= size - len)                        \
			return -ENOBUFS;                                     \
		len += (size_t)n;                                            \
	} while (0)
#define PUT_SIZE(v)                                                          \
	do {                                                                 \
		n = kdump_size_format((v), buf + len, size - len);          \
		if (n < 0)                                                   \
			return n;                                            \
		len += (size_t)n;                                            \
	} while (0)

	if (size == 0)
		return -ENOBUFS;
	buf[0] = '\0';
	switch (ck->kind) {
	case KDUMP_CK_AUTO:
		PUT("auto");
		return (int)len;
	case KDUMP_CK_SIZE:
		if ((unsigned)ck->suffix > KDUMP_CK_CMA || (ck->suffix && ck->has_offset))
			return -EINVAL;
		PUT_SIZE(ck->size);
		break;
	case KDUMP_CK_RANGES:
		if (ck->n_ranges == 0 || ck->n_ranges > KDUMP_CK_MAX_RANGES || ck->suffix)
			return -EINVAL;
		for (size_t i = 0; i < ck->n_ranges; i++) {
			if (i)
				PUT(",");
			PUT_SIZE(ck->ranges[i].start);
			PUT("-");
			if (ck->ranges[i].end != KDUMP_CK_OPEN_END)
				PUT_SIZE(ck->ranges[i].end);
			PUT(":");
			PUT_SIZE(ck->ranges[i].size);
		}
		break;
	default:
		return -EINVAL;
	}
	if (ck->has_offset) {
		PUT("@");
		PUT_SIZE(ck->offset);
	}
	PUT("%s", suffix[ck->suffix]);
	return (int)len;
#undef PUT
#undef PUT_SIZE
}

int kdump_crashkernel_size_for_ram(const KdumpCrashkernel *ck, uint64_t system_ram,
				   uint64_t *ret, KdumpError *err)
{
	uint64_t ram = system_ram, size;
	char b1[32], b2[32];

	if (ck->kind == KDUMP_CK_AUTO)
		return kdump_error_set(err, -EOPNOTSUPP, "crashkernel=auto was a RHEL 7/8 kernel "
				       "feature and never reached mainline: this kernel reserves "
				       "nothing for it; 'kdumpctl estimate' gives a size");
	if (ram > UINT64_MAX - KDUMP_CK_RAM_ROUND)
		return kdump_error_set(err, -ERANGE, "the RAM size is too large");
	ram = ALIGN_UP(ram, KDUMP_CK_RAM_ROUND);
	kdump_size_format(ram, b1, sizeof(b1));
	if (ck->kind == KDUMP_CK_SIZE)
		size = ck->size;
	else {
		size_t i;
		for (i = 0; i < ck->n_ranges; i++)
			if (ram >= ck->ranges[i].start && ram < ck->ranges[i].end)
				break;
		if (i == ck->n_ranges)
			return kdump_error_set(err, -ERANGE, "no range covers %s of RAM (rounded up "
					       "to 128M): the kernel reserves nothing", b1);
		size = ck->ranges[i].size;
	}
	if (size >= ram && size != 0) {
		kdump_size_format(size, b2, sizeof(b2));
		return kdump_error_set(err, -EINVAL, "crashkernel=%s is not smaller than the RAM "
				       "(%s): the kernel reserves nothing", b2, b1);
	}
	*ret = size;
	return 0;
}
