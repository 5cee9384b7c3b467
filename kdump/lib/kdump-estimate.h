/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * crashkernel= sizing from measured parts: the capture kernel's image, the capture initramfs,
 * and inputs for what cannot be read from files (CPUs, the collector's bound, extras such as
 * LUKS or network drivers). docs/crashkernel.md explains the model and its calibration.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kdump-diag.h"

/* ---- the capture kernel's image ---- */

typedef struct KdumpKernelImage {
	char format[16];        /* "bzImage" or "arm64 Image" */
	char version[128];      /* the version string in the header, "" if none */
	char compression[8];    /* of the bzImage payload: "gzip", "xz", "zstd", ... */
	uint64_t file_size;
	/* Memory the kernel needs from where it is loaded until it has started: the bzImage
	 * setup header's init_size (decompressor and decompressed kernel), arm64 image_size. */
	uint64_t load_size;
	/* Memory the started kernel keeps: the span of the payload's PT_LOAD segments (text,
	 * data, init, bss, brk). 0 when the payload could not be read (compression not built
	 * in); the estimator then uses load_size. */
	uint64_t resident_size;
	uint32_t alignment;     /* where it must be loaded (bzImage kernel_alignment) */
} KdumpKernelImage;

int kdump_kernel_image_read(const char *path, KdumpKernelImage *ret, KdumpError *err);
int kdump_kernel_image_parse(const void *data, size_t size, KdumpKernelImage *ret,
			     KdumpError *err);

/* ---- the capture initramfs ---- */

typedef struct KdumpInitramfs {
	uint64_t file_size;
	/* What the unpacked files take in the rootfs tmpfs: each regular file's data rounded
	 * up to pages, plus KDUMP_INITRAMFS_INODE_COST per entry (inode and dentry). */
	uint64_t unpacked_size;
	uint64_t data_bytes;     /* the sum of the file sizes */
	uint64_t entries;        /* cpio entries, trailers excluded */
	uint64_t files;          /* regular files */
	unsigned segments;       /* concatenated archives (e.g. early microcode + main) */
	char compression[48];    /* "gzip", "cpio+zstd", ... one word per segment */
	bool has_systemd;        /* usr/lib/systemd/systemd is in it */
} KdumpInitramfs;

#define KDUMP_INITRAMFS_INODE_COST 1024

int kdump_initramfs_measure(const char *path, KdumpInitramfs *ret, KdumpError *err);
int kdump_initramfs_measure_buffer(const void *data, size_t size, KdumpInitramfs *ret,
				   KdumpError *err);

/* ---- the estimator ---- */

#define KDUMP_ESTIMATE_MAX_EXTRAS 8
#define KDUMP_ESTIMATE_MAX_PARTS 24
/* makedumpfile-lite's documented peak (its own bitmaps and buffers, any RAM size). */
#define KDUMP_COLLECTOR_PEAK (32ULL << 20)

typedef struct KdumpEstimateExtra {
	const char *name;  /* "luks-argon2", "mlx5", "sev-swiotlb" ... */
	uint64_t bytes;
} KdumpEstimateExtra;

typedef struct KdumpEstimateInput {
	/* Measured from the files the capture kernel boots. */
	uint64_t kernel_load_size;      /* KdumpKernelImage.load_size: required */
	uint64_t kernel_resident_size;  /* KdumpKernelImage.resident_size, 0 if unknown */
	uint64_t initrd_file_size;
	uint64_t initrd_unpacked_size;
	bool initrd_has_systemd;
	/* The machine whose memory is dumped. */
	uint64_t system_ram;
	unsigned nr_cpus;               /* CPUs of the capture kernel (nr_cpus=); 0 means 1 */
	/* The capture userspace. 0 selects the default for each. */
	uint64_t collector_bytes;       /* default KDUMP_COLLECTOR_PEAK */
	uint64_t userspace_bytes;       /* default: modelled from the initramfs */
	KdumpEstimateExtra extras[KDUMP_ESTIMATE_MAX_EXTRAS];
	size_t n_extras;
} KdumpEstimateInput;

typedef enum KdumpPartSource {
	KDUMP_PART_MEASURED,  /* read from the kernel or initramfs file */
	KDUMP_PART_INPUT,     /* given by the caller */
	KDUMP_PART_MODELLED,  /* a constant of the model (docs/crashkernel.md) */
	KDUMP_PART_DERIVED,   /* computed from the others */
} KdumpPartSource;

typedef struct KdumpEstimatePart {
	char name[32];
	uint64_t bytes;
	KdumpPartSource source;
	char detail[160];
} KdumpEstimatePart;

typedef struct KdumpEstimate {
	KdumpEstimatePart parts[KDUMP_ESTIMATE_MAX_PARTS]; /* the terms, in order */
	size_t n_parts;
	/* The phases; the largest decides. */
	uint64_t load_bytes;     /* kexec's segments: kernel load size + initrd + the rest */
	uint64_t unpack_bytes;   /* while the initramfs unpacks: compressed and unpacked */
	uint64_t runtime_bytes;  /* while the collector runs */
	uint64_t tmpfs_bytes;    /* the rootfs tmpfs takes at most half of the memory */
	const char *phase;       /* "load", "unpack", "runtime" or "tmpfs" */
	uint64_t need_bytes;     /* that phase plus what scales with the reservation itself */
	uint64_t margin_bytes;
	uint64_t total_bytes;    /* need + margin rounded up: the recommendation */
	char crashkernel[32];    /* total as a crashkernel= value, e.g. "96M" */
} KdumpEstimate;

/* The model's constants, documented and tested (docs/crashkernel.md). */
/* What the kernel allocates beyond its image (slab, page tables, stacks, drivers of a virtio
 * disk), net of the image parts it frees once booted (init sections, alignment gaps). */
#define KDUMP_EST_KERNEL_BASE (8ULL << 20)
#define KDUMP_EST_PER_CPU (1ULL << 20)
/* What the page allocator keeps free: the min watermark plus a boost of one 2 MiB pageblock. */
#define KDUMP_EST_ALLOCATOR_RESERVE (4ULL << 20)
#define KDUMP_EST_SEGMENTS (1ULL << 20)         /* purgatory, boot params, elfcorehdr */
#define KDUMP_EST_USERSPACE (2ULL << 20)        /* init, shell, the capture agent */
#define KDUMP_EST_USERSPACE_SYSTEMD (24ULL << 20)
#define KDUMP_EST_PER_GIB_RAM (64ULL << 10)
/* Parts per 10000 of the reservation the kernel uses for itself: struct pages (1/64, 156),
 * hash tables and per-CPU page lists (450). */
#define KDUMP_EST_RESERVATION_PER_10K 606
#define KDUMP_EST_MARGIN_MIN (8ULL << 20)
#define KDUMP_EST_ROUND (16ULL << 20)

/* Returns 0, or -EINVAL (no kernel size, too many extras), -ERANGE (sizes overflow). */
int kdump_estimate(const KdumpEstimateInput *in, KdumpEstimate *ret, KdumpError *err);
const char *kdump_part_source_to_string(KdumpPartSource s);
