/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A minimal test harness: TEST(name) { ... } functions registered in a table by the test's
 * main (RUN_TESTS), ASSERT_* macros that print file:line and the values on failure.
 * Exit codes follow meson: 0 pass, 1 fail, 77 skip.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EXIT_TEST_SKIP 77

extern int tests_failed;
int tests_failed;

#define ASSERT_TRUE(expr)                                                              \
	do {                                                                           \
		if (!(expr)) {                                                         \
			fprintf(stderr, "%s:%d: assertion failed: %s\n", __FILE__,     \
				__LINE__, #expr);                                      \
			tests_failed++;                                                \
			return;                                                        \
		}                                                                      \
	} while (0)

#define ASSERT_EQ_U64(a, b)                                                            \
	do {                                                                           \
		uint64_t _a = (uint64_t)(a), _b = (uint64_t)(b);                      \
		if (_a != _b) {                                                        \
			fprintf(stderr, "%s:%d: %s == %s failed: 0x%" PRIx64               \
				" != 0x%" PRIx64 "\n", __FILE__, __LINE__, #a, #b, _a, _b);    \
			tests_failed++;                                                \
			return;                                                        \
		}                                                                      \
	} while (0)

#define ASSERT_EQ_INT(a, b)                                                            \
	do {                                                                           \
		long long _a = (long long)(a), _b = (long long)(b);                   \
		if (_a != _b) {                                                        \
			fprintf(stderr, "%s:%d: %s == %s failed: %lld != %lld\n",      \
				__FILE__, __LINE__, #a, #b, _a, _b);                   \
			tests_failed++;                                                \
			return;                                                        \
		}                                                                      \
	} while (0)

#define ASSERT_STREQ(a, b)                                                             \
	do {                                                                           \
		const char *_a = (a), *_b = (b);                                       \
		if (!_a || !_b || strcmp(_a, _b)) {                                    \
			fprintf(stderr, "%s:%d: %s == %s failed: '%s' != '%s'\n",      \
				__FILE__, __LINE__, #a, #b, _a ? _a : "(null)",         \
				_b ? _b : "(null)");                                   \
			tests_failed++;                                                \
			return;                                                        \
		}                                                                      \
	} while (0)

#define ASSERT_OK(expr) ASSERT_EQ_INT((expr), 0)

struct test_case {
	const char *name;
	void (*fn)(void);
};

#define TEST(name) static void test_##name(void)
#define T(name) { #name, test_##name }

static inline int run_tests(const struct test_case *cases, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int before = tests_failed;
		cases[i].fn();
		fprintf(stderr, "%s %s\n", tests_failed == before ? "ok  " : "FAIL", cases[i].name);
	}
	return tests_failed ? 1 : 0;
}

#define RUN_TESTS(...)                                                                 \
	int main(void)                                                                 \
	{                                                                              \
		static const struct test_case cases[] = { __VA_ARGS__ };               \
		return run_tests(cases, sizeof(cases) / sizeof(cases[0]));              \
	}
