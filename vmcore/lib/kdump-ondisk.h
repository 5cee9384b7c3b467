/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The kdump-compressed layout as makedumpfile writes it on x86_64 (LP64, little-endian): raw C
 * structures of the dumped machine. Offsets are fixed here and checked, so a change in a field
 * cannot silently move the others.
 */
#include <assert.h>
#include <stdint.h>

#define KDUMP_SIGNATURE "KDUMP   "
#define DISKDUMP_SIGNATURE "DISKDUMP"
#define KDUMP_SIG_LEN 8
#define KDUMP_UTS_LEN 65

#define KDUMP_STATUS_INCOMPLETE 0x8u
#define KDUMP_STATUS_EXCLUDED_VMEMMAP 0x10u
#define KDUMP_STATUS_COMPRESS_MASK 0x27u

struct kdump_new_utsname {
	char sysname[KDUMP_UTS_LEN];
	char nodename[KDUMP_UTS_LEN];
	char release[KDUMP_UTS_LEN];
	char version[KDUMP_UTS_LEN];
	char machine[KDUMP_UTS_LEN];
	char domainname[KDUMP_UTS_LEN];
};

struct kdump_disk_header {
	char signature[KDUMP_SIG_LEN];
	int32_t header_version;
	struct kdump_new_utsname utsname;
	char pad[6];
	int64_t timestamp_sec;
	int64_t timestamp_usec;
	uint32_t status;
	int32_t block_size;
	int32_t sub_hdr_size;
	uint32_t bitmap_blocks;
	uint32_t max_mapnr;
	uint32_t total_ram_blocks;
	uint32_t device_blocks;
	uint32_t written_blocks;
	uint32_t current_cpu;
	int32_t nr_cpus;
};
static_assert(sizeof(struct kdump_disk_header) == 464, "disk_dump_header is 464 bytes");
static_assert(offsetof(struct kdump_disk_header, timestamp_sec) == 408, "timestamp at 408");
static_assert(offsetof(struct kdump_disk_header, status) == 424, "status at 424");
static_assert(offsetof(struct kdump_disk_header, nr_cpus) == 460, "nr_cpus at 460");

struct kdump_sub_header {
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
static_assert(sizeof(struct kdump_sub_header) == 104, "kdump_sub_header is 104 bytes");
static_assert(offsetof(struct kdump_sub_header, offset_vmcoreinfo) == 32, "vmcoreinfo at 32");
static_assert(offsetof(struct kdump_sub_header, max_mapnr_64) == 96, "max_mapnr_64 at 96");

struct kdump_page_desc {
	uint64_t offset; /* 0: the page was meant to be saved but was not (incomplete dump) */
	uint32_t size;
	uint32_t flags;
	uint64_t page_flags;
};
static_assert(sizeof(struct kdump_page_desc) == 24, "page_desc is 24 bytes");

/* The flattened wrapper (big-endian). */
#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_SIG_LEN 16
#define FLAT_HEADER_SIZE 4096
#define FLAT_TYPE 1
#define FLAT_VERSION 1

struct flat_header {
	char signature[FLAT_SIG_LEN];
	int64_t type;
	int64_t version;
};

struct flat_record {
	int64_t offset;
	int64_t size;
};
