/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What every fuzz target shares, whatever library it fuzzes (fuzz.h adds libvmcore's part).
 * Each target defines LLVMFuzzerTestOneInput(); it is linked with libFuzzer (-Dfuzz=true,
 * clang) or with replay.c, a main() that runs every file of the corpus directories it is given
 * (the default build: the meson suite 'fuzz-regress').
 *
 * A target must be deterministic, never exit, and free everything it allocates: the same
 * process runs millions of inputs. A broken API promise is a __builtin_trap() (FUZZ_CHECK).
 */
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MIN_SIZE(a, b) ((size_t)(a) < (size_t)(b) ? (size_t)(a) : (size_t)(b))

/* A promise of the API that the input broke: a finding, like a sanitizer report. */
#define FUZZ_CHECK(cond)                    \
	do {                                \
		if (!(cond))                \
			__builtin_trap();   \
	} while (0)

/* A memfd for the inputs of this process (created once); aborts when it cannot. */
int fuzz_memfd(void);
/* Makes fd hold exactly data[0..size); aborts on failure (a broken harness, not a finding). */
void fuzz_set_file(int fd, const void *data, size_t size);

/* Reads every byte (so that ASan checks the buffer); NULL strings are fine. */
void fuzz_touch(const void *p, size_t n);
void fuzz_touch_str(const char *s);

/* A NUL-terminated heap copy of data[0..size) (a text parser's input); aborts on ENOMEM. */
char *fuzz_strndup(const uint8_t *data, size_t size);

/*
 * Splits an input into NUL-separated parts: data and size move past the first part, which is
 * returned as a heap string (the rest of the input when there is no NUL). Free with free().
 */
char *fuzz_take_part(const uint8_t **data, size_t *size);
