/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>
#include <stdio.h>

/*
 * A tiny streaming JSON writer for the tools' --json output. It tracks nesting so that commas
 * and indentation come out right; it does not validate the caller's sequence beyond that.
 */
typedef struct json_writer {
	FILE *f;
	int depth;
	int need_comma[32];
	int pretty;
} JsonWriter;

void json_init(JsonWriter *w, FILE *f, int pretty);
void json_begin_object(JsonWriter *w, const char *key);
void json_end_object(JsonWriter *w);
void json_begin_array(JsonWriter *w, const char *key);
void json_end_array(JsonWriter *w);
void json_string(JsonWriter *w, const char *key, const char *value);
void json_string_n(JsonWriter *w, const char *key, const char *value, size_t len);
void json_u64(JsonWriter *w, const char *key, uint64_t value);
void json_i64(JsonWriter *w, const char *key, int64_t value);
void json_bool(JsonWriter *w, const char *key, int value);
void json_null(JsonWriter *w, const char *key);
/* Finish the document with a newline. */
void json_finish(JsonWriter *w);
