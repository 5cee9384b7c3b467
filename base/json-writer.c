/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "json-writer.h"

#include <inttypes.h>
#include <string.h>

void json_init(JsonWriter *w, FILE *f, int pretty)
{
	memset(w, 0, sizeof(*w));
	w->f = f;
	w->pretty = pretty;
}

static void put_escaped(FILE *f, const char *s, size_t len)
{
	fputc('"', f);
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		switch (c) {
		case '"':
			fputs("\\\"", f);
			break;
		case '\\':
			fputs("\\\\", f);
			break;
		case '\n':
			fputs("\\n", f);
			break;
		case '\t':
			fputs("\\t", f);
			break;
		case '\r':
			fputs("\\r", f);
			break;
		default:
			if (c < 0x20 || c == 0x7f)
				fprintf(f, "\\u%04x", c);
			else
				fputc(c, f);
		}
	}
	fputc('"', f);
}

static void begin_value(JsonWriter *w, const char *key)
{
	if (w->depth > 0 && w->need_comma[w->depth])
		fputc(',', w->f);
	if (w->depth > 0) {
		if (w->pretty) {
			fputc('\n', w->f);
			for (int i = 0; i < w->depth; i++)
				fputs("  ", w->f);
		}
		w->need_comma[w->depth] = 1;
	}
	if (key) {
		put_escaped(w->f, key, strlen(key));
		fputs(w->pretty ? ": " : ":", w->f);
	}
}

static void open_container(JsonWriter *w, const char *key, char c)
{
	begin_value(w, key);
	fputc(c, w->f);
	if (w->depth < (int)(sizeof(w->need_comma) / sizeof(w->need_comma[0])) - 1)
		w->depth++;
	w->need_comma[w->depth] = 0;
}

static void close_container(JsonWriter *w, char c)
{
	int had_items = w->need_comma[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (w->pretty && had_items) {
		fputc('\n', w->f);
		for (int i = 0; i < w->depth; i++)
			fputs("  ", w->f);
	}
	fputc(c, w->f);
}

void json_begin_object(JsonWriter *w, const char *key)
{
	open_container(w, key, '{');
}

void json_end_object(JsonWriter *w)
{
	close_container(w, '}');
}

void json_begin_array(JsonWriter *w, const char *key)
{
	open_container(w, key, '[');
}

void json_end_array(JsonWriter *w)
{
	close_container(w, ']');
}

void json_string_n(JsonWriter *w, const char *key, const char *value, size_t len)
{
	begin_value(w, key);
	put_escaped(w->f, value, len);
}

void json_string(JsonWriter *w, const char *key, const char *value)
{
	if (!value) {
		json_null(w, key);
		return;
	}
	json_string_n(w, key, value, strlen(value));
}

void json_u64(JsonWriter *w, const char *key, uint64_t value)
{
	begin_value(w, key);
	fprintf(w->f, "%" PRIu64, value);
}

void json_i64(JsonWriter *w, const char *key, int64_t value)
{
	begin_value(w, key);
	fprintf(w->f, "%" PRId64, value);
}

void json_bool(JsonWriter *w, const char *key, int value)
{
	begin_value(w, key);
	fputs(value ? "true" : "false", w->f);
}

void json_null(JsonWriter *w, const char *key)
{
	begin_value(w, key);
	fputs("null", w->f);
}

void json_finish(JsonWriter *w)
{
	fputc('\n', w->f);
}
