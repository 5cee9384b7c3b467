/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crashkernel= words in kernel command lines and in /etc/default/grub assignments. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bootloader-internal.h"
#include "kdump-crashkernel.h"
#include "kdump-util.h"

/* A word of a command line without its quotes. */
static char *unquote(const char *s, size_t len)
{
	char *w = malloc(len + 1), *o = w;

	if (!w)
		return NULL;
	for (size_t i = 0; i < len; i++)
		if (s[i] != '"')
			*o++ = s[i];
	*o = '\0';
	return w;
}

static bool has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

int cmdline_crashkernel_values(const char *cmdline, char **ret)
{
	_cleanup_strv_free_ char **values = NULL;
	size_t pos = 0, start, len;
	int r;

	while (kdump_cmdline_next(cmdline, &pos, &start, &len)) {
		_cleanup_free_ char *w = unquote(cmdline + start, len);

		if (!w)
			return -ENOMEM;
		if (has_prefix(w, "crashkernel=") && (r = kdump_strv_push(&values, w + 12)) < 0)
			return r;
	}
	if (!values) {
		*ret = NULL;
		return 0;
	}
	*ret = kdump_strv_join(values, " ");
	return *ret ? 0 : -ENOMEM;
}

int cmdline_set_crashkernel(const char *cmdline, const char *value, bool seed, char **ret)
{
	_cleanup_strv_free_ char **words = NULL;
	size_t pos = 0, start, len;
	int r;

	while (cmdline && kdump_cmdline_next(cmdline, &pos, &start, &len)) {
		_cleanup_free_ char *w = unquote(cmdline + start, len);

		if (!w)
			return -ENOMEM;
		if (has_prefix(w, "crashkernel=") ||
		    (seed && (has_prefix(w, "BOOT_IMAGE=") || has_prefix(w, "initrd="))))
			continue;
		if ((r = kdump_strv_consume(&words, strndup(cmdline + start, len))) < 0)
			return r;
	}
	if (value && (r = kdump_strv_consume(&words, kdump_asprintf("crashkernel=%s", value))) < 0)
		return r;
	*ret = kdump_strv_join(words, " ");
	return *ret ? 0 : -ENOMEM;
}

static bool is_word_end(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == '"' || c == '\'' || c == '\n';
}

/* The value part of a GRUB_CMDLINE_LINUX(_DEFAULT)= line, or NULL. */
static const char *grub_value(const char *line)
{
	static const char *const vars[] = { "GRUB_CMDLINE_LINUX=", "GRUB_CMDLINE_LINUX_DEFAULT=" };

	line += strspn(line, " \t");
	if (has_prefix(line, "export") && (line[6] == ' ' || line[6] == '\t'))
		line += 6 + strspn(line + 6, " \t");
	for (size_t i = 0; i < ELEMENTSOF(vars); i++)
		if (has_prefix(line, vars[i]))
			return line + strlen(vars[i]);
	return NULL;
}

/* Next "crashkernel=" word in v at or after *i: its start and end. */
static bool next_crashkernel(const char *v, size_t *i, size_t *ret_start, size_t *ret_end)
{
	for (const char *p = v + *i; (p = strstr(p, "crashkernel=")); p++) {
		size_t s = (size_t)(p - v), e = s + 12;

		if (s > 0 && !is_word_end(v[s - 1]))
			continue;
		while (!is_word_end(v[e]))
			e++;
		*ret_start = s;
		*ret_end = e;
		*i = e;
		return true;
	}
	return false;
}

void grub_hits_free(GrubHit *h, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(h[i].text);
		free(h[i].values);
	}
	free(h);
}

int grub_find_crashkernel(const char *content, GrubHit **ret, size_t *ret_n)
{
	GrubHit *hits = NULL;
	size_t n = 0;
	unsigned line = 0;

	for (const char *p = content; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		_cleanup_free_ char *text = strndup(p, len);
		_cleanup_strv_free_ char **values = NULL;
		const char *v;
		size_t i = 0, s, e;

		line++;
		p += len + (nl ? 1 : 0);
		if (!text)
			goto oom;
		v = grub_value(text);
		while (v && next_crashkernel(v, &i, &s, &e))
			if (kdump_strv_consume(&values, strndup(v + s + 12, e - s - 12)) < 0)
				goto oom;
		if (!values)
			continue;
		GrubHit *h = reallocarray(hits, n + 1, sizeof(*h));
		if (!h)
			goto oom;
		hits = h;
		hits[n] = (GrubHit){ .line = line, .text = TAKE_PTR(text),
				     .values = kdump_strv_join(values, " ") };
		if (!hits[n++].values)
			goto oom;
	}
	*ret = hits;
	*ret_n = n;
	return 0;
oom:
	grub_hits_free(hits, n);
	return -ENOMEM;
}

int grub_line_remove_crashkernel(const char *line, char **ret)
{
	char *s = strdup(line);
	const char *v;
	size_t off, i = 0, start, end;

	if (!s)
		return -ENOMEM;
	v = grub_value(s);
	if (!v) {
		*ret = s;
		return 0;
	}
	off = (size_t)(v - s);
	while (next_crashkernel(s + off, &i, &start, &end)) {
		start += off;
		end += off;
		if (start > off && (s[start - 1] == ' ' || s[start - 1] == '\t'))
			start--;
		else if (s[end] == ' ' || s[end] == '\t')
			end++;
		memmove(s + start, s + end, strlen(s + end) + 1);
		i = start - off;
	}
	*ret = s;
	return 0;
}

int text_replace_line(const char *content, unsigned line, const char *new_line, char **ret)
{
	const char *p = content, *end;
	char *s;

	if (line == 0)
		return -EINVAL;
	for (unsigned l = 1; l < line; l++) {
		p = strchr(p, '\n');
		if (!p)
			return -EINVAL;
		p++;
	}
	if (!*p)
		return -EINVAL;
	end = strchr(p, '\n');
	end = end ? end + 1 : p + strlen(p);
	s = kdump_asprintf("%.*s%s%s%s", (int)(p - content), content, new_line ? new_line : "",
			   new_line ? "\n" : "", end);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}
