/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crashkernel= on a whole kernel command line: which one the kernel uses, and what it reserves. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-crashkernel.h"

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

bool kdump_cmdline_next(const char *s, size_t *pos, size_t *ret_start, size_t *ret_len)
{
	size_t i = *pos, start;
	bool quoted = false;

	while (s[i] && is_space(s[i]))
		i++;
	if (!s[i]) {
		*pos = i;
		return false;
	}
	start = i;
	for (; s[i] && (quoted || !is_space(s[i])); i++)
		if (s[i] == '"')
			quoted = !quoted;
	*ret_start = start;
	*ret_len = i - start;
	*pos = i;
	return true;
}

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcmp(s + n - k, suffix) == 0;
}

/* The value of the last crashkernel= of each kind: plain, ,high, ,low, ,cma. */
static int find_last(const char *cmdline, char *last[4])
{
	size_t pos = 0, start, len;

	while (kdump_cmdline_next(cmdline, &pos, &start, &len)) {
		char *w = malloc(len + 1), *o = w;
		int kind;

		if (!w)
			return -ENOMEM;
		for (size_t i = 0; i < len; i++)
			if (cmdline[start + i] != '"')
				*o++ = cmdline[start + i];
		*o = '\0';
		if (strncmp(w, "crashkernel=", 12) != 0) {
			free(w);
			continue;
		}
		memmove(w, w + 12, strlen(w + 12) + 1);
		kind = ends_with(w, ",high") ? 1 : ends_with(w, ",low") ? 2 : ends_with(w, ",cma") ? 3 : 0;
		free(last[kind]);
		last[kind] = w;
	}
	return 0;
}

static int from_values(char *last[4], uint64_t system_ram, KdumpReservation *ret, KdumpError *err)
{
	KdumpReservation res = { 0 };
	KdumpCrashkernel ck;
	int r;

	if (!last[0] && !last[1])
		return kdump_error_set(err, -ENOENT, last[2] || last[3]
				       ? "no crashkernel=SIZE or crashkernel=SIZE,high: nothing is "
					 "reserved (,low and ,cma only add to one of them)"
				       : "no crashkernel= on the command line");
	if (last[0]) {
		if ((r = kdump_crashkernel_parse(last[0], &ck, err)) < 0)
			return r;
		if ((r = kdump_crashkernel_size_for_ram(&ck, system_ram, &res.size, err)) < 0)
			return r;
		res.has_offset = ck.has_offset;
		res.offset = ck.offset;
		res.ignored_high = last[1] != NULL;
		res.ignored_low = last[2] != NULL;
	} else {
		if ((r = kdump_crashkernel_parse(last[1], &ck, err)) < 0)
			return r;
		if ((r = kdump_crashkernel_size_for_ram(&ck, system_ram, &res.size, err)) < 0)
			return r;
		res.high = true;
		res.low = KDUMP_CK_LOW_DEFAULT;
		if (last[2]) {
			if ((r = kdump_crashkernel_parse(last[2], &ck, err)) < 0)
				return r;
			res.low = ck.size;
		}
	}
	if (last[3]) {
		if ((r = kdump_crashkernel_parse(last[3], &ck, err)) < 0)
			return r;
		res.cma = ck.size;
	}
	*ret = res;
	return 0;
}

int kdump_crashkernel_from_cmdline(const char *cmdline, uint64_t system_ram,
				   KdumpReservation *ret, KdumpError *err)
{
	char *last[4] = { NULL };
	int r;

	r = find_last(cmdline, last);
	if (r == 0)
		r = from_values(last, system_ram, ret, err);
	for (size_t i = 0; i < 4; i++)
		free(last[i]);
	return r;
}
