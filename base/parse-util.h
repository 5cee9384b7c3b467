/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* Whole-string unsigned parse; base 0 accepts 0x.. hex. -EINVAL on junk, -ERANGE on overflow. */
int safe_atou64(const char *s, int base, uint64_t *ret);
int safe_atoi64(const char *s, int base, int64_t *ret);
int safe_atou32(const char *s, int base, uint32_t *ret);
/* Sizes as users write them: 4096, 64K, 512M, 2G, 1T (binary units, optional trailing B or iB). */
int parse_size(const char *s, uint64_t *ret);
/* Same as above but for a string of known length (not NUL-terminated). */
int safe_atou64_n(const char *s, size_t len, int base, uint64_t *ret);
