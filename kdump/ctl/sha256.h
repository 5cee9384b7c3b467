/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* SHA-256 (FIPS 180-4), for the content hashes of the capture initramfs' inputs. */
#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_SIZE 32
#define SHA256_HEX_SIZE (2 * SHA256_DIGEST_SIZE + 1)

typedef struct Sha256 {
	uint32_t h[8];
	uint64_t length;      /* bytes hashed so far */
	uint8_t buf[64];
	size_t n;             /* bytes in buf */
} Sha256;

void sha256_init(Sha256 *s);
void sha256_update(Sha256 *s, const void *data, size_t len);
void sha256_final(Sha256 *s, uint8_t out[SHA256_DIGEST_SIZE]);
/* Lower-case hex of a digest into hex (SHA256_HEX_SIZE bytes, NUL-terminated). */
void sha256_hex(const uint8_t digest[SHA256_DIGEST_SIZE], char hex[SHA256_HEX_SIZE]);
/* The hex digest of a whole file (symbolic links followed). Returns 0 or -errno. */
int sha256_file(int dirfd, const char *path, char hex[SHA256_HEX_SIZE]);
