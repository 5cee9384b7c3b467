/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Fixture trees for the kexec unit tests: a temporary directory that stands in for "/", with
 * the /proc and /sys files a test writes into it, and a fake system-call table that records
 * what libkexec-core asked for and answers with a chosen errno.
 */
#include <stddef.h>

#include "kexec-core.h"

/* A new empty root (mkdtemp); NULL on failure. */
char *fixture_root_new(void);
/* Remove the tree. */
void fixture_root_free(char *root);
/* Write root/path (parents created) with text. Returns 0 or -errno. */
int fixture_write(const char *root, const char *path, const char *text);
int fixture_write_bytes(const char *root, const char *path, const void *buf, size_t len);
/* A path inside the root, in a static-free buffer the caller provides. */
const char *fixture_path(const char *root, const char *path, char *buf, size_t size);

/* A typical x86_64 machine with a 256 MiB crash region, nothing loaded, root, no lockdown. */
int fixture_machine(const char *root);

struct fake_sys {
	int file_load_result;   /* what file_load answers (0 or -errno) */
	int reboot_result;      /* what reboot_kexec answers */
	int calls, syncs, sleeps, reboots;
	int kernel_fd, initrd_fd;
	unsigned long flags;
	size_t cmdline_len;
	char cmdline[4096];
	char kernel_head[8];    /* the first bytes read through kernel_fd */
	/* Like the kernel: a failing crash load frees the loaded capture kernel first. */
	const char *drop_crash_root;
};

extern const struct kexec_sys_ops fake_sys_ops;
/* A context on root with the fake system calls. */
int fixture_ctx(KexecCtx *ctx, const char *root, struct fake_sys *fake);

/* A synthetic x86 bzImage of len bytes (>= 0x600) with the given header fields. */
#include <stdint.h>
struct fake_bzimage {
	uint16_t protocol;      /* 0: 0x20f */
	uint8_t loadflags;      /* 0: 1 (LOADED_HIGH); 0xff: 0 */
	uint16_t xloadflags;    /* 0: 0x7f; 0xffff: 0 */
	uint32_t init_size;     /* 0: 64 MiB */
	uint32_t cmdline_size;  /* 0: 2047 */
	uint16_t version_at;    /* file offset of the version string; 0: 0x500 */
};
void fixture_bzimage(uint8_t *buf, size_t len, const struct fake_bzimage *opt);
/* gzip or zstd-compress buf into a new malloc'd buffer. */
int fixture_gzip(const void *buf, size_t len, void **ret, size_t *ret_len);
int fixture_zstd(const void *buf, size_t len, void **ret, size_t *ret_len);
