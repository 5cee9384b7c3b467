/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Small helpers shared by the spec and data parsers. */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "io-util.h"
#include "mkvmcore.h"
#include "parse-util.h"
#include "util.h"

int loc_error(const struct location *loc, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s:%u: ", loc->file, loc->line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -EINVAL;
}

int bytes_write_at(struct bytes *b, size_t pos, const void *src, size_t n)
{
	size_t end;

	if (__builtin_add_overflow(pos, n, &end))
		return -EFBIG;
	if (end > b->alloc) {
		size_t alloc = MAX(b->alloc * 2, (size_t)64);
		uint8_t *p;

		while (alloc < end)
			alloc *= 2;
		p = realloc(b->data, alloc);
		if (!p)
			return -ENOMEM;
		memset(p + b->alloc, 0, alloc - b->alloc);
		b->data = p;
		b->alloc = alloc;
	}
	if (n)
		memcpy(b->data + pos, src, n);
	b->len = MAX(b->len, end);
	return 0;
}

int bytes_append(struct bytes *b, const void *src, size_t n)
{
	return bytes_write_at(b, b->len, src, n);
}

void bytes_free(struct bytes *b)
{
	free(b->data);
	*b = (struct bytes){ 0 };
}

static int read_fd(int fd, struct bytes *out)
{
	for (;;) {
		uint8_t buf[65536];
		ssize_t n = read_full(fd, buf, sizeof(buf));

		if (n < 0)
			return (int)n;
		if (n == 0)
			return 0;
		int r = bytes_append(out, buf, (size_t)n);
		if (r < 0)
			return r;
	}
}

char *resolve_path(const char *path, const char *relative_to)
{
	char *result;

	if (path[0] == '/' || strcmp(path, "-") == 0 || !relative_to || relative_to[0] == '<')
		return strdup(path);

	_cleanup_free_ char *copy = strdup(relative_to);
	if (!copy)
		return NULL;
	if (asprintf(&result, "%s/%s", dirname(copy), path) < 0)
		return NULL;
	return result;
}

int load_source(struct mkvmcore *ctx, const char *path, const struct location *loc,
		struct source **ret)
{
	_cleanup_free_ char *resolved = NULL;
	_cleanup_close_ int fd = -1;
	struct bytes text = { 0 };
	struct source **grown, *src;
	int r;

	if (strcmp(path, "-") == 0) {
		resolved = strdup("<stdin>");
		fd = dup(STDIN_FILENO);
	} else {
		resolved = strdup(path);
		fd = open(path, O_RDONLY | O_CLOEXEC);
	}
	if (!resolved)
		return -ENOMEM;
	r = fd < 0 ? negative_errno() : read_fd(fd, &text);
	if (r >= 0)
		r = bytes_append(&text, "", 1);
	if (r < 0) {
		bytes_free(&text);
		if (r == -ENOMEM)
			return r;
		if (loc)
			return loc_error(loc, "cannot read %s: %s", resolved, strerror(-r));
		fprintf(stderr, "mkvmcore: cannot read %s: %s\n", resolved, strerror(-r));
		return -EINVAL;
	}

	grown = reallocarray(ctx->sources, ctx->n_sources + 1, sizeof(*grown));
	src = malloc(sizeof(*src));
	if (grown)
		ctx->sources = grown;
	if (!grown || !src) {
		free(src);
		bytes_free(&text);
		return -ENOMEM;
	}
	*src = (struct source){
		.path = TAKE_PTR(resolved),
		.text = (char *)text.data,
		.len = text.len - 1,
	};
	ctx->sources[ctx->n_sources++] = src;
	*ret = src;
	return 0;
}

char *next_line(struct line_reader *r, struct location *loc)
{
	char *line = r->p, *nl;
	size_t len;

	if (!line || !*line)
		return NULL;
	nl = strchr(line, '\n');
	if (nl) {
		*nl = '\0';
		r->p = nl + 1;
	} else {
		r->p = line + strlen(line);
	}
	len = strlen(line);
	if (len && line[len - 1] == '\r')
		line[len - 1] = '\0';
	loc->file = r->file;
	loc->line = ++r->line;
	return line;
}

/* Cut the line at a '#' that is not inside a "string", then trim it. */
char *strip_line(char *line)
{
	bool in_string = false;
	char *p, *end;

	for (p = line; *p; p++) {
		if (in_string && *p == '\\' && p[1])
			p++;
		else if (*p == '"')
			in_string = !in_string;
		else if (*p == '#' && !in_string) {
			*p = '\0';
			break;
		}
	}
	line += strspn(line, " \t");
	end = line + strlen(line);
	while (end > line && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return line;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int unescape(const char **p, uint8_t *ret)
{
	static const char simple[] = "n\nt\tr\ra\ab\bf\fv\ve\033\\\\\"\"''";
	const char *s = *p;
	unsigned v = 0;
	int i;

	for (i = 0; simple[i]; i += 2)
		if (*s == simple[i]) {
			*ret = (uint8_t)simple[i + 1];
			*p = s + 1;
			return 0;
		}
	if (*s == 'x') {
		for (i = 1; i <= 2 && hex_digit(s[i]) >= 0; i++)
			v = v * 16 + (unsigned)hex_digit(s[i]);
		if (i == 1)
			return -EINVAL;
		*ret = (uint8_t)v;
		*p = s + i;
		return 0;
	}
	for (i = 0; i < 3 && s[i] >= '0' && s[i] <= '7'; i++)
		v = v * 8 + (unsigned)(s[i] - '0');
	if (i == 0 || v > 0xff)
		return -EINVAL;
	*ret = (uint8_t)v;
	*p = s + i;
	return 0;
}

int parse_c_string(const char **p, struct bytes *out, const char **err)
{
	const char *s = *p;
	int r;

	if (*s != '"') {
		*err = "expected '\"'";
		return -EINVAL;
	}
	for (s++; *s != '"'; s++) {
		uint8_t c = (uint8_t)*s;

		if (!*s) {
			*err = "unterminated string";
			return -EINVAL;
		}
		if (c == '\\') {
			s++;
			if (unescape(&s, &c) < 0) {
				*err = "bad escape sequence in string";
				return -EINVAL;
			}
			s--;
		}
		r = bytes_append(out, &c, 1);
		if (r < 0) {
			*err = "out of memory";
			return r;
		}
	}
	*p = s + 1;
	return 0;
}

int parse_number(const char *s, uint64_t *ret)
{
	if (safe_atou64(s, 0, ret) == 0)
		return 0;
	return parse_size(s, ret);
}

int parse_hex(const char *s, size_t len, uint64_t *ret)
{
	uint64_t v = 0;
	size_t i;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len > 16)
		return len ? -ERANGE : -EINVAL;
	for (i = 0; i < len; i++) {
		int d = hex_digit(s[i]);

		if (d < 0)
			return -EINVAL;
		v = v << 4 | (uint64_t)d;
	}
	*ret = v;
	return 0;
}

int parse_hex_bytes(const char *s, struct bytes *out)
{
	size_t len = strlen(s);
	int r;

	if (len > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		s += 2;
		len -= 2;
	}
	if (len == 0 || len % 2)
		return -EINVAL;
	for (size_t i = 0; i < len; i += 2) {
		int hi = hex_digit(s[i]), lo = hex_digit(s[i + 1]);
		uint8_t c;

		if (hi < 0 || lo < 0)
			return -EINVAL;
		c = (uint8_t)(hi << 4 | lo);
		r = bytes_append(out, &c, 1);
		if (r < 0)
			return r;
	}
	return 0;
}
