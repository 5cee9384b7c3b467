/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The kdump-compressed layout the collector writes (x86_64: LP64, little-endian), declared
 * here on purpose and not shared with libvmcore's reader, so that a wrong field on one side
 * shows up in the round-trip tests instead of cancelling itself out. Offsets are pinned.
 * References: makedumpfile's diskdump_mod.h and IMPLEMENTATION; docs/formats.md.
 */
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#define DISK_SIGNATURE "KDUMP   "
#define DISK_HEADER_VERSION 6
#define DISK_UTS_LEN 65
#define DISK_STATUS_INCOMPLETE 0x8u

struct disk_header {
	char signature[8];
	int32_t header_version;
	char utsname[6][DISK_UTS_LEN]; /* sysname nodename release version machine domainname */
	char pad[6];
	int64_t tv_sec;
	int64_t tv_usec;
	uint32_t status;
	int32_t block_size;
	int32_t sub_hdr_size;   /* blocks */
	uint32_t bitmap_blocks; /* both bitmaps */
	uint32_t max_mapnr;     /* MIN(max_mapnr, UINT32_MAX) */
	uint32_t total_ram_blocks;
	uint32_t device_blocks;
	uint32_t written_blocks;
	uint32_t current_cpu;
	int32_t nr_cpus;
};
static_assert(sizeof(struct disk_header) == 464, "disk_dump_header");
static_assert(offsetof(struct disk_header, tv_sec) == 408, "timestamp");
static_assert(offsetof(struct disk_header, status) == 424, "status");
static_assert(offsetof(struct disk_header, nr_cpus) == 460, "nr_cpus");

struct disk_sub_header {
	uint64_t phys_base;
	int32_t dump_level;
	int32_t split;
	uint64_t start_pfn;
	uint64_t end_pfn;
	uint64_t offset_vmcoreinfo;
	uint64_t size_vmcoreinfo;
	uint64_t offset_note;
	uint64_t size_note;
	uint64_t offset_eraseinfo;
	uint64_t size_eraseinfo;
	uint64_t start_pfn_64;
	uint64_t end_pfn_64;
	uint64_t max_mapnr_64;
};
static_assert(sizeof(struct disk_sub_header) == 104, "kdump_sub_header");
static_assert(offsetof(struct disk_sub_header, offset_vmcoreinfo) == 32, "offset_vmcoreinfo");
static_assert(offsetof(struct disk_sub_header, offset_note) == 48, "offset_note");
static_assert(offsetof(struct disk_sub_header, max_mapnr_64) == 96, "max_mapnr_64");

struct disk_page_desc {
	uint64_t offset; /* 0: not saved (incomplete dump) */
	uint32_t size;
	uint32_t flags;
	uint64_t page_flags;
};
static_assert(sizeof(struct disk_page_desc) == 24, "page_desc");
