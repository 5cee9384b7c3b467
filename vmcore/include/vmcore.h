/* SPDX-License-Identifier: LGPL-2.1-or-later */
#ifndef VMCORE_H
#define VMCORE_H

/**
 * libvmcore: read Linux crash dumps (ELF /proc/vmcore copies, kdump-compressed files and
 * makedumpfile's flattened streams), parse VMCOREINFO, translate addresses, classify page
 * frames and extract the kernel log.
 *
 * Conventions:
 *  - Functions that can fail return 0 (or a non-negative count) on success and a negative errno
 *    on failure. Output parameters (ret_*) are written only on success.
 *  - Errors with a fixed meaning:
 *      -ENODATA        the page exists in the crashed machine but was filtered out of the dump
 *      -EADDRNOTAVAIL  the address is not in the dump's memory map (a hole), or a virtual
 *                      address has no translation
 *      -EBADMSG        the file is corrupt
 *      -EOPNOTSUPP     the format, architecture or compression is not supported by this build
 *      -ENOKEY         a VMCOREINFO key is missing
 *      -EIO            the file is truncated or the read failed
 *    vmcore_strerror() gives a human-readable description of the last error on a handle.
 *  - Pointers returned by the library are borrowed: valid until vmcore_free().
 *  - A handle must not be used by two threads at once. Open one handle per thread.
 *  - The library never prints and never exits.
 */

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define VMCORE_VERSION_MAJOR 0
#define VMCORE_VERSION_MINOR 1

typedef struct vmcore vmcore_t;

/** The layout of the dump, after any flattened wrapper is removed. */
enum vmcore_format {
	VMCORE_FORMAT_ELF = 1,
	VMCORE_FORMAT_KDUMP = 2,
};

/** Compression of kdump-compressed pages: the page_desc flag values (one per page). */
enum vmcore_compression {
	VMCORE_COMPRESS_NONE = 0,
	VMCORE_COMPRESS_ZLIB = 0x01,
	VMCORE_COMPRESS_LZO = 0x02,
	VMCORE_COMPRESS_SNAPPY = 0x04,
	VMCORE_COMPRESS_ZSTD = 0x20,
};

/** Where a page frame stands in the dump. */
enum vmcore_pfn_state {
	VMCORE_PFN_DUMPED = 0,   /**< present: its data can be read */
	VMCORE_PFN_EXCLUDED = 1, /**< RAM of the crashed machine, filtered out of the dump */
	VMCORE_PFN_HOLE = 2,     /**< not RAM (outside every memory range) */
	VMCORE_PFN_LOST = 3,     /**< meant to be dumped, but the dump is incomplete there */
};

/* ---- opening ---- */

/** A new, empty handle; NULL when out of memory. Free with vmcore_free(). */
vmcore_t *vmcore_new(void);
/** Frees the handle and everything it owns; accepts NULL; returns NULL. */
vmcore_t *vmcore_free(vmcore_t *v);
/** Opens the dump at path: probes the format and reads headers, notes and VMCOREINFO. */
int vmcore_open(vmcore_t *v, const char *path);
/** Same as vmcore_open() on an open file descriptor (it is duplicated, the caller keeps fd). */
int vmcore_open_fd(vmcore_t *v, int fd);
/** The message of the last error on this handle ("" when none). Borrowed. */
const char *vmcore_strerror(const vmcore_t *v);
/** Name of an enum vmcore_compression value ("zlib", ...), "none", or NULL when unknown. */
const char *vmcore_compression_name(uint32_t compression);

/* ---- what the dump is ---- */

enum vmcore_format vmcore_format(const vmcore_t *v);
/** "elf", "kdump", "flattened kdump" or "flattened elf". Borrowed. */
const char *vmcore_format_name(const vmcore_t *v);
int vmcore_is_flattened(const vmcore_t *v);
/** Architecture name as in uname -m ("x86_64"); NULL when unknown. */
const char *vmcore_arch(const vmcore_t *v);
uint32_t vmcore_page_size(const vmcore_t *v);
/** One past the highest page frame number the dump describes. */
uint64_t vmcore_max_pfn(const vmcore_t *v);
/** Kernel release: VMCOREINFO OSRELEASE, else the kdump header's utsname; NULL when unknown. */
const char *vmcore_osrelease(const vmcore_t *v);
/** The kdump header's utsname nodename; NULL for ELF dumps. */
const char *vmcore_nodename(const vmcore_t *v);
/** Crash time in seconds since the epoch (VMCOREINFO CRASHTIME, else the kdump header). */
int vmcore_crash_time(const vmcore_t *v, int64_t *ret);
/** Number of CPUs: the NT_PRSTATUS notes (kdump: the header's nr_cpus when there are none). */
unsigned vmcore_nr_cpus(const vmcore_t *v);
/** Dump level (makedumpfile -d) of a kdump file; -1 when unknown (ELF). */
int vmcore_dump_level(const vmcore_t *v);
/** kdump header version; 0 for ELF. */
int vmcore_header_version(const vmcore_t *v);
/** Compression announced in the header (enum vmcore_compression bits); 0 for ELF. */
uint32_t vmcore_compression(const vmcore_t *v);
/** Why a dump is incomplete: bits of vmcore_is_incomplete(). */
enum vmcore_incomplete {
	VMCORE_INCOMPLETE_MARKED = 1,    /**< the writer said so (kdump status 0x8, ELF e_flags 1) */
	VMCORE_INCOMPLETE_TRUNCATED = 2, /**< the headers describe data beyond the end of the file */
};
/** 0 for a complete dump, else enum vmcore_incomplete bits. */
int vmcore_is_incomplete(const vmcore_t *v);
/** Size in bytes of the (logical, unflattened) dump file. */
uint64_t vmcore_file_size(const vmcore_t *v);

/** Physical memory ranges (RAM of the crashed machine), sorted, merged, [start, end) bytes. */
size_t vmcore_phys_range_count(const vmcore_t *v);
int vmcore_phys_range(const vmcore_t *v, size_t index, uint64_t *ret_start, uint64_t *ret_end);
/** Pages inside the ranges (present) and pages whose data is in the file (dumped). */
int vmcore_count_pages(vmcore_t *v, uint64_t *ret_present, uint64_t *ret_dumped);

/* ---- notes and VMCOREINFO ---- */

/** The ELF notes as they are in the dump (kdump: the copied note area). Borrowed. */
int vmcore_notes(const vmcore_t *v, const void **ret_data, size_t *ret_size);
/** The raw VMCOREINFO text. Borrowed; not NUL-terminated beyond ret_size. -ENOKEY if absent. */
int vmcore_vmcoreinfo(const vmcore_t *v, const char **ret_text, size_t *ret_size);
/** The value of KEY=value (KEY like "OSRELEASE" or "SYMBOL(prb)"), NUL-terminated. -ENOKEY. */
int vmcore_vmcoreinfo_get(const vmcore_t *v, const char *key, const char **ret_value);
/**
 * Numeric value of a VMCOREINFO key: SYMBOL(...), KERNELOFFSET and other hex-valued keys are
 * read as hex, SIZE/OFFSET/LENGTH/NUMBER and the rest as decimal. NUMBER() is signed in the
 * kernel; the s64 variant returns it as such. -ENOKEY when missing, -EBADMSG when malformed.
 */
int vmcore_vmcoreinfo_get_u64(const vmcore_t *v, const char *key, uint64_t *ret);
int vmcore_vmcoreinfo_get_s64(const vmcore_t *v, const char *key, int64_t *ret);

/* ---- reading memory ---- */

/** State of one page frame (enum vmcore_pfn_state), or a negative errno. */
int vmcore_pfn_state(vmcore_t *v, uint64_t pfn);
/** Reads one whole page (vmcore_page_size() bytes) into buf. */
int vmcore_read_pfn(vmcore_t *v, uint64_t pfn, void *buf);
/** Reads len bytes of physical memory; fails as a whole if any page in the range fails. */
int vmcore_read_phys(vmcore_t *v, uint64_t paddr, void *buf, size_t len);
/** Translates a kernel virtual address (x86_64: 4- and 5-level page tables, KASLR). */
int vmcore_vtop(vmcore_t *v, uint64_t vaddr, uint64_t *ret_paddr);
/** Reads len bytes of kernel virtual memory. */
int vmcore_read_virt(vmcore_t *v, uint64_t vaddr, void *buf, size_t len);

/* ---- kernel log ---- */

/**
 * Calls line() for each record of the crashed kernel's log, oldest first, formatted as
 * makedumpfile --dump-dmesg prints it ("[    1.234567] text", without the newline).
 * Handles the lockless ring buffer (5.10+) and the older log_buf formats. Stops and returns
 * line()'s value when it is non-zero.
 */
typedef int (*vmcore_line_fn)(const char *line, size_t len, void *userdata);
int vmcore_dmesg(vmcore_t *v, vmcore_line_fn line, void *userdata);

/* ---- page classes ---- */

/** What a page frame holds, decided from its struct page (and, for ZERO, its contents). */
enum vmcore_page_class {
	VMCORE_CLASS_KERNEL = 0,        /**< anything else; also every page that is not certain */
	VMCORE_CLASS_ZERO = 1,          /**< filled with zeros (decided from contents) */
	VMCORE_CLASS_CACHE = 2,         /**< page cache without private data */
	VMCORE_CLASS_CACHE_PRIVATE = 3, /**< page cache with PG_private */
	VMCORE_CLASS_USER = 4,          /**< anonymous user memory */
	VMCORE_CLASS_FREE = 5,          /**< free (buddy allocator) */
	VMCORE_CLASS_HUGETLB = 6,       /**< hugetlbfs pages */
	VMCORE_CLASS_HWPOISON = 7,      /**< hardware-poisoned */
	VMCORE_CLASS_OFFLINE = 8,       /**< logically offline (balloon, virtio-mem) */
	VMCORE_CLASS_HOLE = 9,          /**< no RAM there */
	VMCORE_CLASS_UNKNOWN = 10,      /**< no struct page readable (excluded from a kdump file) */
	_VMCORE_CLASS_MAX,
};

/** Stable lower-case key of a class ("zero", "cache", "cache_private", ...). */
const char *vmcore_class_name(enum vmcore_page_class c);

/** makedumpfile -d bits. */
enum vmcore_dump_level_bit {
	VMCORE_DL_ZERO = 1,
	VMCORE_DL_CACHE = 2,
	VMCORE_DL_CACHE_PRIVATE = 4,
	VMCORE_DL_USER = 8,
	VMCORE_DL_FREE = 16,
};

/**
 * Whether a page of class c is dropped at dump level `level`. HWPOISON and OFFLINE pages are
 * dropped at every level (as makedumpfile does); KERNEL, HOLE and UNKNOWN never.
 */
int vmcore_class_excluded(enum vmcore_page_class c, int level);

typedef struct vmcore_classifier vmcore_classifier_t;

/**
 * Prepares to classify page frames from the dumped struct page array through VMCOREINFO.
 * Fails with -ENOKEY (and a message naming the key) when what it needs is not exported.
 * Classes that cannot be decided with the keys present are never reported: those pages are
 * KERNEL.
 */
int vmcore_classifier_new(vmcore_t *v, vmcore_classifier_t **ret);
vmcore_classifier_t *vmcore_classifier_free(vmcore_classifier_t *c);
/**
 * Classifies n page frames starting at start_pfn into ret_classes[0..n). Calls must go in
 * ascending, non-overlapping order (a free block or huge page may span two calls). Never
 * returns ZERO: contents are the caller's business (see vmcore_page_is_zero()).
 */
int vmcore_classify(vmcore_classifier_t *c, uint64_t start_pfn, size_t n, uint8_t *ret_classes);

/** Whether a buffer of len bytes (a multiple of 8) is all zero. */
int vmcore_page_is_zero(const void *buf, size_t len);

/* ---- for collectors: where the data is, what readers need ---- */

/**
 * Where the data of page frame pfn lies in the dump file, for a dump that stores whole pages
 * uncompressed (an ELF vmcore that is not flattened), so that a collector can mmap() or
 * pread() runs of pages itself. *ret_offset is the file offset of the page's first byte,
 * *ret_count the number of page frames from pfn (1..max_count) whose data follows it
 * contiguously in the file. -EOPNOTSUPP when this page is not stored that way (kdump and
 * flattened dumps, a page only partly described by its segment): read it with
 * vmcore_read_pfn(). -ENODATA when it was filtered out, -EADDRNOTAVAIL in a hole, -EIO when the
 * file is too short to hold it.
 */
int vmcore_pfn_extent(vmcore_t *v, uint64_t pfn, uint64_t max_count, uint64_t *ret_offset,
		      uint64_t *ret_count);

/** ELF dumps: the number of PT_LOAD segments (with a non-zero p_memsz); 0 for other formats. */
size_t vmcore_elf_load_count(const vmcore_t *v);
/**
 * PT_LOAD segment `index` of an ELF dump, sorted by physical address (the kernel-text segment
 * of /proc/vmcore, which describes RAM a second time, is among them). -ERANGE past the end.
 */
int vmcore_elf_load(const vmcore_t *v, size_t index, uint64_t *ret_paddr, uint64_t *ret_vaddr,
		    uint64_t *ret_memsz, uint64_t *ret_filesz);

/**
 * The kernel virtual address of the struct page of pfn, and in *ret_run_end the first PFN from
 * which the array may no longer be contiguous with this one (the end of its memory section).
 * -ENOENT when the kernel has no struct page there; other errors as vmcore_classify() would
 * meet them.
 */
int vmcore_classifier_memmap(vmcore_classifier_t *c, uint64_t pfn, uint64_t *ret_vaddr,
			     uint64_t *ret_run_end);

/**
 * Called by vmcore_kernel_page_tables() for each page-table page: return 0 to go on, a
 * negative errno to stop the walk (it is returned).
 */
typedef int (*vmcore_table_fn)(uint64_t paddr, int level, void *userdata);
/**
 * Walks the kernel's page tables (x86_64: from init_top_pgt) and calls fn with the physical
 * address of every table page reachable from the top-level one, the top first (level 0), then
 * depth first. A table that cannot be read is reported but not descended into. At most
 * max_tables tables are visited (-E2BIG beyond: a corrupt table graph). Returns the number of
 * tables visited, or a negative errno (-ENOKEY without SYMBOL(init_top_pgt)).
 */
int vmcore_kernel_page_tables(vmcore_t *v, uint64_t max_tables, vmcore_table_fn fn,
			      void *userdata);

/* ---- structure check ---- */

/** Called by vmcore_verify() for each problem found; return non-zero to stop. */
typedef int (*vmcore_problem_fn)(const char *message, void *userdata);
/**
 * Checks the dump's structure: headers, bitmaps, page descriptors inside the file, every
 * compressed page decompressing to exactly one page. Returns the number of problems found
 * (0 = clean) or a negative errno when the check itself could not run.
 */
int vmcore_verify(vmcore_t *v, vmcore_problem_fn problem, void *userdata);

#ifdef __cplusplus
}
#endif

#endif
