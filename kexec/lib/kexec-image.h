/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Kernel images: what a file is, and an fd kexec_file_load can take. A bzImage (x86_64) or an
 * arm64 Image is handed over as it is; a gzip- or zstd-compressed one is decompressed into a
 * sealed memfd first. Anything else is refused here, with a reason, before the kernel sees it.
 */
#include "kexec-core.h"

/* What the first bytes of a file say it is. */
typedef enum kexec_magic {
	KEXEC_MAGIC_UNKNOWN,
	KEXEC_MAGIC_EMPTY,
	KEXEC_MAGIC_BZIMAGE,  /* x86 boot sector with a "HdrS" setup header */
	KEXEC_MAGIC_ARM64,    /* arm64 Image ("ARMd" at 0x38) */
	KEXEC_MAGIC_ELF,      /* vmlinux */
	KEXEC_MAGIC_PE,       /* "MZ" without a bzImage header: a UKI, an EFI application */
	KEXEC_MAGIC_GZIP,
	KEXEC_MAGIC_ZSTD,
	KEXEC_MAGIC_XZ,
	KEXEC_MAGIC_BZIP2,
	KEXEC_MAGIC_LZ4,
	KEXEC_MAGIC_LZMA,
	KEXEC_MAGIC_CPIO,     /* an initramfs */
} KexecMagic;

KexecMagic kexec_magic_of(const void *buf, size_t len);
const char *kexec_magic_name(KexecMagic m);

/* Longest image accepted, compressed or not: real kernels are 10-100 MiB. */
#define KEXEC_IMAGE_MAX (512ull << 20)
/* Bytes of a file that kexec_magic_of() and the header parsers look at. */
#define KEXEC_HEADER_SIZE 4096

typedef struct kexec_image {
	int fd;               /* for kexec_file_load: the file itself, or a memfd (owned) */
	KexecMagic kind;      /* KEXEC_MAGIC_BZIMAGE or KEXEC_MAGIC_ARM64 */
	KexecMagic compression; /* KEXEC_MAGIC_UNKNOWN when none, else GZIP or ZSTD */
	uint64_t file_size;   /* on disk */
	uint64_t image_size;  /* after decompression */
	uint64_t mem_size;    /* memory the kernel needs where it is loaded (bzImage init_size) */
	uint32_t alignment;   /* where it must be loaded (bzImage kernel_alignment), 0: unknown */
	uint32_t cmdline_max; /* longest command line it takes, NUL included; 0: unknown */
	uint16_t protocol;    /* x86 boot protocol, 0x20f = 2.15 */
	char version[96];     /* the version string in the bzImage header, "" if none */
} KexecImage;

/*
 * Parse an x86 bzImage header (the first KEXEC_HEADER_SIZE bytes or fewer). -ENOEXEC with
 * *reterr_reason set when kexec_file_load on x86_64 would refuse it.
 */
int kexec_bzimage_parse(const void *buf, size_t len, KexecImage *ret, const char **reterr_reason);
int kexec_arm64_parse(const void *buf, size_t len, KexecImage *ret, const char **reterr_reason);

/*
 * Decompress a gzip or zstd stream from fd into a new sealed, read-only memfd of at most max
 * bytes. -EFBIG when it is longer, -EBADMSG when the data is corrupt or truncated.
 */
int kexec_decompress_to_memfd(int fd, KexecMagic compression, uint64_t max, int *ret_fd,
			      uint64_t *ret_size);

/* Open a kernel image for loading. */
int kexec_image_open(const KexecCtx *ctx, const char *path, KexecImage *ret, KexecError *reterr);
void kexec_image_done(KexecImage *img);
