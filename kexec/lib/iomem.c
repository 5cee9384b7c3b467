/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* /proc/iomem: System RAM and the crash region. */
#include <errno.h>
#include <string.h>

#include "kexec-iomem.h"
#include "parse-util.h"

static int parse_hex(const char *s, size_t n, uint64_t *ret)
{
	if (n == 0 || n > 16)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		if (!strchr("0123456789abcdefABCDEF", s[i]) || !s[i])
			return -EINVAL;
	return safe_atou64_n(s, n, 16, ret);
}

/* One line: "  00100000-3ffdffff : System RAM". */
static int parse_line(const char *line, size_t len, unsigned *ret_depth, KexecRange *ret_range,
		      const char **ret_name, size_t *ret_name_len)
{
	size_t i = 0, dash, colon;
	KexecRange r;

	while (i < len && line[i] == ' ')
		i++;
	const char *p = memchr(line + i, '-', len - i);
	if (!p)
		return -EBADMSG;
	dash = (size_t)(p - line);
	p = memchr(line + dash, ':', len - dash);
	if (!p || p == line + dash + 1)
		return -EBADMSG;
	colon = (size_t)(p - line);
	if (colon < 2 || line[colon - 1] != ' ' || colon + 1 >= len || line[colon + 1] != ' ')
		return -EBADMSG;
	if (parse_hex(line + i, dash - i, &r.start) < 0 ||
	    parse_hex(line + dash + 1, colon - 1 - dash - 1, &r.end) < 0 || r.end < r.start)
		return -EBADMSG;
	/* 0-ffffffffffffffff would be 2^64 bytes, a size no uint64_t holds (and no machine has) */
	if (r.start == 0 && r.end == UINT64_MAX)
		return -EBADMSG;
	*ret_depth = (unsigned)(i / 2);
	*ret_range = r;
	*ret_name = line + colon + 2;
	*ret_name_len = len - colon - 2;
	return 0;
}

static int name_is(const char *name, size_t n, const char *what)
{
	size_t w = strlen(what);

	return n >= w && !memcmp(name, what, w);
}

int kexec_iomem_parse(const char *text, size_t len, KexecIomem *ret, unsigned *reterr_line)
{
	KexecIomem m = { .addresses_hidden = 1 };
	unsigned lineno = 0, ranges = 0;
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - text) : len;
		const char *line = text + pos, *name;
		size_t n = end - pos, name_len;
		unsigned depth;
		KexecRange r;

		pos = end + 1;
		lineno++;
		if (n == 0)
			continue;
		if (parse_line(line, n, &depth, &r, &name, &name_len) < 0) {
			if (reterr_line)
				*reterr_line = lineno;
			return -EBADMSG;
		}
		ranges++;
		if (r.start != 0 || r.end != 0)
			m.addresses_hidden = 0;
		if (depth == 0 && name_is(name, name_len, "System RAM")) {
			/* Top-level ranges never overlap, so their total fits: not in this text. */
			if (__builtin_add_overflow(m.system_ram, r.end - r.start + 1, &m.system_ram)) {
				if (reterr_line)
					*reterr_line = lineno;
				return -EBADMSG;
			}
		} else if (name_is(name, name_len, "Crash kernel") && m.n_crash < KEXEC_IOMEM_MAX_CRASH)
			m.crash[m.n_crash++] = r;
	}
	if (ranges == 0)
		m.addresses_hidden = 0;
	*ret = m;
	return 0;
}

int kexec_iomem_read(const KexecCtx *ctx, KexecIomem *ret)
{
	_cleanup_free_ char *text = NULL;
	size_t len;
	int r;

	r = kexec_read_file(ctx, "proc/iomem", KEXEC_IOMEM_MAX_SIZE, &text, &len);
	if (r < 0)
		return r;
	return kexec_iomem_parse(text, len, ret, NULL);
}

uint64_t kexec_iomem_crash_size(const KexecIomem *m)
{
	uint64_t best = 0;

	for (size_t i = 0; i < m->n_crash; i++) {
		uint64_t size = m->crash[i].end - m->crash[i].start + 1;
		/* Hidden addresses read 0-0, which says "present" but not how big. */
		if (!m->addresses_hidden && size > best)
			best = size;
	}
	return best;
}
