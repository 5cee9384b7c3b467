/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdump.conf lines to words: shell quoting rules, no expansion (see config-internal.h). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"

typedef struct Buf {
	char *p;
	size_t n, allocated;
} Buf;

static int buf_put(Buf *b, char c)
{
	if (b->n + 2 > b->allocated) {
		size_t n = b->allocated ? b->allocated * 2 : 32;
		char *p = realloc(b->p, n);
		if (!p)
			return -ENOMEM;
		b->p = p;
		b->allocated = n;
	}
	b->p[b->n++] = c;
	b->p[b->n] = '\0';
	return 0;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

static bool is_shell_meta(char c)
{
	return strchr("|&;<>()$`", c) != NULL;
}

void conf_line_done(ConfLine *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->words[i].text);
	free(l->words);
	l->words = NULL;
	l->n = 0;
}

static int add_word(ConfLine *l, Buf *b, char meta)
{
	ConfWord *w = reallocarray(l->words, l->n + 1, sizeof(*w));

	if (!w)
		return -ENOMEM;
	l->words = w;
	if (!b->p) {
		b->p = strdup("");
		if (!b->p)
			return -ENOMEM;
	}
	l->words[l->n++] = (ConfWord){ .text = b->p, .meta = meta };
	*b = (Buf){ 0 };
	return 0;
}

int conf_split_line(const char *line, size_t len, ConfLine *ret, const char **ret_problem)
{
	ConfLine l = { 0 };
	Buf b = { 0 };
	size_t i = 0;
	int r = 0;

	*ret_problem = NULL;
	for (;;) {
		bool in_word = false;
		char meta = 0;

		while (i < len && is_blank(line[i]))
			i++;
		if (i >= len || line[i] == '#')
			break;
		while (i < len && !is_blank(line[i])) {
			char c = line[i];

			in_word = true;
			if (c == '\'') {
				const char *end = memchr(line + i + 1, '\'', len - i - 1);
				if (!end) {
					*ret_problem = "unterminated single quote";
					r = -EINVAL;
					goto fail;
				}
				for (i++; line + i < end; i++)
					if ((r = buf_put(&b, line[i])) < 0)
						goto fail;
				i++;
			} else if (c == '"') {
				for (i++;; i++) {
					if (i >= len) {
						*ret_problem = "unterminated double quote";
						r = -EINVAL;
						goto fail;
					}
					if (line[i] == '"')
						break;
					if (line[i] == '\\' && i + 1 < len && strchr("\\\"$`", line[i + 1]))
						i++;
					if ((r = buf_put(&b, line[i])) < 0)
						goto fail;
				}
				i++;
			} else if (c == '\\') {
				if (i + 1 >= len) {
					*ret_problem = "backslash at the end of the line (lines do not continue)";
					r = -EINVAL;
					goto fail;
				}
				if ((r = buf_put(&b, line[i + 1])) < 0)
					goto fail;
				i += 2;
			} else {
				if (!meta && is_shell_meta(c))
					meta = c;
				if ((r = buf_put(&b, c)) < 0)
					goto fail;
				i++;
			}
		}
		if (in_word && (r = add_word(&l, &b, meta)) < 0)
			goto fail;
	}
	*ret = l;
	return 0;
fail:
	free(b.p);
	conf_line_done(&l);
	return r;
}
