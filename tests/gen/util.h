/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Helpers shared by the spec and data parsers of mkvmcore. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

/* Where a spec or data line came from, for "FILE:LINE: message". */
struct location {
	const char *file;	/* owned by the context's source list */
	unsigned line;
};

/* Print "FILE:LINE: message" to stderr; returns -EINVAL. */
int loc_error(const struct location *loc, const char *fmt, ...) _printf_(2, 3);

/* A growable byte buffer; bytes between len and a later write are zero. */
struct bytes {
	uint8_t *data;
	size_t len;
	size_t alloc;
};

int bytes_write_at(struct bytes *b, size_t pos, const void *src, size_t n);
int bytes_append(struct bytes *b, const void *src, size_t n);
void bytes_free(struct bytes *b);

/* path as written in the file relative_to: relative paths are taken from its
 * directory, so specs work from any working directory. Returns malloc'ed. */
char *resolve_path(const char *path, const char *relative_to);

/* Iterates over the lines of a NUL-terminated text, terminating each in place. */
struct line_reader {
	char *p;
	const char *file;
	unsigned line;		/* number of the line returned last */
};

char *next_line(struct line_reader *r, struct location *loc);
/* Cut a line at a '#' outside "strings" and trim white space. */
char *strip_line(char *line);

/* *p points at '"'; appends the unescaped bytes and moves *p past the closing '"'. */
int parse_c_string(const char **p, struct bytes *out, const char **err);
/* C notation (decimal, 0x hex, 0 octal) or a size with a K/M/G/T suffix. */
int parse_number(const char *s, uint64_t *ret);
/* len hex digits, with an optional 0x prefix. */
int parse_hex(const char *s, size_t len, uint64_t *ret);
/* "de ad be ef" written as "deadbeef": bytes in the order given. */
int parse_hex_bytes(const char *s, struct bytes *out);
