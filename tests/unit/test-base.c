/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The base helpers: number and size parsing, JSON escaping. */
#include <errno.h>

#include "json-writer.h"
#include "parse-util.h"
#include "tests.h"

TEST(parse_numbers)
{
	uint64_t u = 0;
	int64_t i = 0;

	ASSERT_OK(safe_atou64("0x1f", 0, &u));
	ASSERT_EQ_U64(u, 31);
	ASSERT_OK(safe_atou64("18446744073709551615", 10, &u));
	ASSERT_EQ_U64(u, UINT64_MAX);
	ASSERT_EQ_INT(safe_atou64("18446744073709551616", 10, &u), -ERANGE);
	ASSERT_EQ_INT(safe_atou64("-1", 10, &u), -EINVAL);
	ASSERT_EQ_INT(safe_atou64("12x", 10, &u), -EINVAL);
	ASSERT_EQ_INT(safe_atou64("", 10, &u), -EINVAL);
	ASSERT_EQ_INT(safe_atou64(" 1", 10, &u), -EINVAL);
	ASSERT_OK(safe_atoi64("-129", 10, &i));
	ASSERT_EQ_INT(i, -129);
}

TEST(parse_sizes)
{
	uint64_t u = 0;

	ASSERT_OK(parse_size("4096", &u));
	ASSERT_EQ_U64(u, 4096);
	ASSERT_OK(parse_size("64K", &u));
	ASSERT_EQ_U64(u, 65536);
	ASSERT_OK(parse_size("512M", &u));
	ASSERT_EQ_U64(u, 512ull << 20);
	ASSERT_OK(parse_size("2GiB", &u));
	ASSERT_EQ_U64(u, 2ull << 30);
	ASSERT_OK(parse_size("1t", &u));
	ASSERT_EQ_U64(u, 1ull << 40);
	ASSERT_EQ_INT(parse_size("1X", &u), -EINVAL);
	ASSERT_EQ_INT(parse_size("M", &u), -EINVAL);
	ASSERT_EQ_INT(parse_size("99999999999999P", &u), -ERANGE);
}

TEST(json_escaping)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	JsonWriter w;

	ASSERT_TRUE(f);
	json_init(&w, f, 0);
	json_begin_object(&w, NULL);
	json_string(&w, "a\"b", "line\nnext\x01");
	json_u64(&w, "n", 42);
	json_begin_array(&w, "list");
	json_i64(&w, NULL, -1);
	json_bool(&w, NULL, 1);
	json_end_array(&w);
	json_end_object(&w);
	fclose(f);
	ASSERT_STREQ(buf, "{\"a\\\"b\":\"line\\nnext\\u0001\",\"n\":42,\"list\":[-1,true]}");
	free(buf);
}

RUN_TESTS(T(parse_numbers), T(parse_sizes), T(json_escaping))
