/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * On-disk structures written by mkvmcore, declared here on purpose and
 * independently of vmcore/lib: a wrong field in the library must not be able
 * to cancel itself out in the tests.
 *
 * Only the x86_64 (LP64, little-endian) layout is declared. Every field has a
 * fixed-size type and explicit padding, so the layout does not depend on the
 * host ABI; the _Static_asserts pin each offset to the values makedumpfile
 * produces (see docs: collector-and-formats.md sections 2-4).
 *
 * Multi-byte fields hold target byte order (little-endian); the flattened
 * wrapper is the exception and is big-endian.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

/* ---- kdump-compressed ("diskdump") ---------------------------------- */

#define KDUMP_SIGNATURE "KDUMP   "
#define KDUMP_SIG_LEN 8
#define KDUMP_UTS_LEN 65
#define KDUMP_HEADER_VERSION 6

/* disk_dump_header.status */
#define DUMP_DH_COMPRESSED_ZLIB 0x1
#define DUMP_DH_COMPRESSED_LZO 0x2
#define DUMP_DH_COMPRESSED_SNAPPY 0x4
#define DUMP_DH_COMPRESSED_INCOMPLETE 0x8
#define DUMP_DH_EXCLUDED_VMEMMAP 0x10
#define DUMP_DH_COMPRESSED_ZSTD 0x20

/* page_desc.flags uses the same bits as the status compression flags. */

struct kdump_utsname {
	char sysname[KDUMP_UTS_LEN];
	char nodename[KDUMP_UTS_LEN];
	char release[KDUMP_UTS_LEN];
	char version[KDUMP_UTS_LEN];
	char machine[KDUMP_UTS_LEN];
	char domainname[KDUMP_UTS_LEN];
};

struct disk_dump_header_x86_64 {
	char signature[KDUMP_SIG_LEN];
	int32_t header_version;
	struct kdump_utsname utsname;
	uint8_t pad_uts[6];		/* struct timeval is 8-byte aligned */
	int64_t timestamp_sec;
	int64_t timestamp_usec;
	uint32_t status;
	int32_t block_size;
	int32_t sub_hdr_size;		/* in blocks */
	uint32_t bitmap_blocks;		/* both bitmaps together */
	uint32_t max_mapnr;		/* MIN(max_mapnr, UINT32_MAX) */
	uint32_t total_ram_blocks;
	uint32_t device_blocks;
	uint32_t written_blocks;
	uint32_t current_cpu;
	int32_t nr_cpus;
};

_Static_assert(sizeof(struct kdump_utsname) == 390, "new_utsname");
_Static_assert(offsetof(struct disk_dump_header_x86_64, header_version) == 8, "version");
_Static_assert(offsetof(struct disk_dump_header_x86_64, utsname) == 12, "utsname");
_Static_assert(offsetof(struct disk_dump_header_x86_64, timestamp_sec) == 408, "timestamp");
_Static_assert(offsetof(struct disk_dump_header_x86_64, status) == 424, "status");
_Static_assert(offsetof(struct disk_dump_header_x86_64, block_size) == 428, "block_size");
_Static_assert(offsetof(struct disk_dump_header_x86_64, sub_hdr_size) == 432, "sub_hdr_size");
_Static_assert(offsetof(struct disk_dump_header_x86_64, bitmap_blocks) == 436, "bitmap_blocks");
_Static_assert(offsetof(struct disk_dump_header_x86_64, max_mapnr) == 440, "max_mapnr");
_Static_assert(offsetof(struct disk_dump_header_x86_64, current_cpu) == 456, "current_cpu");
_Static_assert(offsetof(struct disk_dump_header_x86_64, nr_cpus) == 460, "nr_cpus");
_Static_assert(sizeof(struct disk_dump_header_x86_64) == 464, "disk_dump_header");

/* Starts at file offset block_size; the copied ELF notes follow it directly. */
struct kdump_sub_header_x86_64 {
	uint64_t phys_base;
	int32_t dump_level;
	int32_t split;
	uint64_t start_pfn;
	uint64_t end_pfn;
	int64_t offset_vmcoreinfo;
	uint64_t size_vmcoreinfo;
	int64_t offset_note;
	uint64_t size_note;
	int64_t offset_eraseinfo;
	uint64_t size_eraseinfo;
	uint64_t start_pfn_64;
	uint64_t end_pfn_64;
	uint64_t max_mapnr_64;
};

_Static_assert(offsetof(struct kdump_sub_header_x86_64, dump_level) == 8, "dump_level");
_Static_assert(offsetof(struct kdump_sub_header_x86_64, start_pfn) == 16, "start_pfn");
_Static_assert(offsetof(struct kdump_sub_header_x86_64, offset_vmcoreinfo) == 32, "vmcoreinfo");
_Static_assert(offsetof(struct kdump_sub_header_x86_64, offset_note) == 48, "offset_note");
_Static_assert(offsetof(struct kdump_sub_header_x86_64, offset_eraseinfo) == 64, "eraseinfo");
_Static_assert(offsetof(struct kdump_sub_header_x86_64, start_pfn_64) == 80, "start_pfn_64");
_Static_assert(offsetof(struct kdump_sub_header_x86_64, max_mapnr_64) == 96, "max_mapnr_64");
_Static_assert(sizeof(struct kdump_sub_header_x86_64) == 104, "kdump_sub_header");

/* One per set bit of the 2nd bitmap, in PFN order. offset 0 = data lost. */
struct page_desc {
	int64_t offset;
	uint32_t size;
	uint32_t flags;
	uint64_t page_flags;
};

_Static_assert(offsetof(struct page_desc, size) == 8, "page_desc.size");
_Static_assert(offsetof(struct page_desc, flags) == 12, "page_desc.flags");
_Static_assert(offsetof(struct page_desc, page_flags) == 16, "page_desc.page_flags");
_Static_assert(sizeof(struct page_desc) == 24, "page_desc");

/* ---- flattened stream (big-endian) ----------------------------------- */

#define FLAT_SIGNATURE "makedumpfile"
#define FLAT_SIG_LEN 16
#define FLAT_HEADER_SIZE 4096
#define FLAT_TYPE 1
#define FLAT_VERSION 1
#define FLAT_END_MARK (-1)

struct flat_header {
	char signature[FLAT_SIG_LEN];	/* NUL padded: readers compare all 16 */
	int64_t type;			/* big-endian */
	int64_t version;		/* big-endian */
	uint8_t pad[FLAT_HEADER_SIZE - FLAT_SIG_LEN - 2 * sizeof(int64_t)];
};

_Static_assert(offsetof(struct flat_header, type) == 16, "flat type");
_Static_assert(offsetof(struct flat_header, version) == 24, "flat version");
_Static_assert(sizeof(struct flat_header) == FLAT_HEADER_SIZE, "flat header");

/* Followed by size bytes belonging at offset; {-1, -1} ends the stream. */
struct flat_record {
	int64_t offset;			/* big-endian */
	int64_t size;			/* big-endian */
};

_Static_assert(sizeof(struct flat_record) == 16, "flat record");

/* ---- x86_64 ELF core note payload ------------------------------------ */

#define X86_64_NGREG 27

/* struct elf_prstatus as the x86_64 kernel writes it into "CORE" notes. */
struct elf_prstatus_x86_64 {
	int32_t si_signo;
	int32_t si_code;
	int32_t si_errno;
	int16_t pr_cursig;
	uint8_t pad_cursig[2];
	uint64_t pr_sigpend;
	uint64_t pr_sighold;
	int32_t pr_pid;
	int32_t pr_ppid;
	int32_t pr_pgrp;
	int32_t pr_sid;
	int64_t pr_utime[2];		/* struct timeval */
	int64_t pr_stime[2];
	int64_t pr_cutime[2];
	int64_t pr_cstime[2];
	uint64_t pr_reg[X86_64_NGREG];
	int32_t pr_fpvalid;
	uint8_t pad_end[4];
};

_Static_assert(offsetof(struct elf_prstatus_x86_64, pr_cursig) == 12, "pr_cursig");
_Static_assert(offsetof(struct elf_prstatus_x86_64, pr_pid) == 32, "pr_pid");
_Static_assert(offsetof(struct elf_prstatus_x86_64, pr_utime) == 48, "pr_utime");
_Static_assert(offsetof(struct elf_prstatus_x86_64, pr_reg) == 112, "pr_reg");
_Static_assert(offsetof(struct elf_prstatus_x86_64, pr_fpvalid) == 328, "pr_fpvalid");
_Static_assert(sizeof(struct elf_prstatus_x86_64) == 336, "elf_prstatus");

/* Order of struct user_regs_struct, i.e. of pr_reg[]. */
#define X86_64_REG_NAMES                                                     \
	"r15", "r14", "r13", "r12", "rbp", "rbx", "r11", "r10", "r9", "r8",  \
	"rax", "rcx", "rdx", "rsi", "rdi", "orig_rax", "rip", "cs", "eflags", \
	"rsp", "ss", "fs_base", "gs_base", "ds", "es", "fs", "gs"

/* Default direct-map base (no KASLR): vaddr of a PT_LOAD = this + paddr. */
#define X86_64_PAGE_OFFSET 0xffff888000000000ULL
