/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "parse-util.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

int safe_atou64(const char *s, int base, uint64_t *ret)
{
	char *end;

	if (!s || !*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || *end != '\0' || end == s)
		return -EINVAL;
	*ret = v;
	return 0;
}

int safe_atoi64(const char *s, int base, int64_t *ret)
{
	char *end;

	if (!s || !*s || isspace((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	long long v = strtoll(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (errno != 0 || *end != '\0' || end == s)
		return -EINVAL;
	*ret = v;
	return 0;
}

int safe_atou32(const char *s, int base, uint32_t *ret)
{
	uint64_t v;
	int r = safe_atou64(s, base, &v);

	if (r < 0)
		return r;
	if (v > UINT32_MAX)
		return -ERANGE;
	*ret = (uint32_t)v;
	return 0;
}

int safe_atou64_n(const char *s, size_t len, int base, uint64_t *ret)
{
	char buf[32];

	if (len == 0 || len >= sizeof(buf))
		return len == 0 ? -EINVAL : -ERANGE;
	memcpy(buf, s, len);
	buf[len] = '\0';
	return safe_atou64(buf, base, ret);
}

int parse_size(const char *s, uint64_t *ret)
{
	static const struct {
		char suffix;
		unsigned shift;
	} units[] = {
		{ 'K', 10 }, { 'M', 20 }, { 'G', 30 }, { 'T', 40 }, { 'P', 50 },
	};
	char *end;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno == ERANGE)
		return -ERANGE;
	unsigned shift = 0;
	if (*end) {
		char c = (char)toupper((unsigned char)*end);
		size_t i;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
			if (units[i].suffix == c)
				break;
		if (i == sizeof(units) / sizeof(units[0])) {
			if (c != 'B' || end[1])
				return -EINVAL;
		} else {
			shift = units[i].shift;
			end++;
			if (*end == 'i')
				end++;
			if (*end == 'B' || *end == 'b')
				end++;
			if (*end)
				return -EINVAL;
		}
	}
	if (shift && v > (UINT64_MAX >> shift))
		return -ERANGE;
	*ret = (uint64_t)v << shift;
	return 0;
}
