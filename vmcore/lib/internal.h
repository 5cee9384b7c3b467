/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdarg.h>
#include <stdint.h>

#include "macro.h"
#include "vmcore.h"

/*
 * Limits that keep hostile input from making us allocate without bound. Real values are far
 * below them (the kernel caps VMCOREINFO at a page; notes are ~1 MiB on 4096 CPUs).
 */
#define VMCORE_MAX_NOTES_SIZE (64u << 20)
#define VMCORE_MAX_VMCOREINFO_SIZE (1u << 20)
#define VMCORE_MAX_SEGMENTS 65536u
#define VMCORE_MIN_PAGE_SIZE 4096u
#define VMCORE_MAX_PAGE_SIZE (256u << 10)
#define VMCORE_ERRMSG_SIZE 512

/*
 * Where the bytes of the (logical) dump file come from: the file itself, or a flattened
 * stream whose records are mapped back to their offsets.
 */
struct vmcore_source {
	int (*pread)(struct vmcore *v, void *buf, size_t n, uint64_t off);
	void (*free)(struct vmcore *v);
	uint64_t size;
	void *data;
};

/* A physical range with its place in the file (ELF PT_LOAD, or a RAM range of a kdump). */
struct vmcore_segment {
	uint64_t paddr;
	uint64_t vaddr;
	uint64_t memsz;
	uint64_t filesz;
	uint64_t offset;
};

/*
 * One format backend. probe() returns -ENOTTY when the file is not its format, 0 when it
 * opened it, any other negative errno when it is its format but broken.
 */
struct vmcore_format_ops {
	const char *name;
	enum vmcore_format format;
	int (*probe)(struct vmcore *v);
	int (*pfn_state)(struct vmcore *v, uint64_t pfn);
	int (*read_pfn)(struct vmcore *v, uint64_t pfn, void *buf);
	int (*count_pages)(struct vmcore *v, uint64_t *ret_present, uint64_t *ret_dumped);
	int (*verify)(struct vmcore *v, vmcore_problem_fn problem, void *userdata);
	void (*free)(struct vmcore *v);
};

struct vmcore_kv {
	const char *key;
	const char *value;
};

struct vmcore {
	int fd;
	uint64_t raw_size; /* size of the file on disk (flattened: the stream) */
	struct vmcore_source src;
	const struct vmcore_format_ops *ops;
	void *fmt; /* the backend's private state */
	int flattened;
	char format_name[32];

	uint32_t page_size;
	unsigned page_shift;
	uint64_t max_pfn;
	char arch[16];
	char osrelease[65];
	char nodename[65];
	int64_t header_time; /* -1 when the format has none */
	unsigned header_nr_cpus;
	int dump_level;
	int header_version;
	uint32_t compression;
	int incomplete; /* enum vmcore_incomplete bits */
	/* phys_base as the format describes it (kdump sub-header, ELF kernel-text PT_LOAD) */
	uint64_t header_phys_base;
	int have_header_phys_base;

	/* sorted, merged physical RAM ranges in bytes */
	struct vmcore_segment *ranges;
	size_t n_ranges;

	void *notes;
	size_t notes_size;
	unsigned nr_prstatus;

	char *vmcoreinfo; /* NUL-terminated copy */
	size_t vmcoreinfo_size;
	char *vmcoreinfo_parsed; /* the same text, split into key/value strings */
	struct vmcore_kv *kv;
	size_t n_kv;

	void *xlat; /* address translation state, built on first use */
	void *zstd_dctx; /* reused across pages */
	void *page_buf; /* scratch page for reads that straddle pages */

	/*
	 * /proc/vmcore: reads go through an mmap() window, as read() costs the kernel an
	 * ioremap() per page (context.c). Off for every other file.
	 */
	int win_ok;
	uint8_t *win;
	uint64_t win_off;
	size_t win_len;

	char errmsg[VMCORE_ERRMSG_SIZE];
};

/* Records the message for vmcore_strerror() and returns r (a negative errno). */
int vc_error(struct vmcore *v, int r, const char *fmt, ...) _printf_(3, 4);
/* Prepends context to the current message and returns r. */
int vc_error_prefix(struct vmcore *v, int r, const char *fmt, ...) _printf_(3, 4);

/* Reads from the logical dump file; a read past its end is -EIO with a message. */
int vc_src_read(struct vmcore *v, void *buf, size_t n, uint64_t off, const char *what);

/* The flattened container: returns -ENOTTY when the file is not a flattened stream. */
int vc_flat_open(struct vmcore *v);

/* Notes: parse a note area, take VMCOREINFO and count PRSTATUS. The area is copied. */
int vc_set_notes(struct vmcore *v, const void *data, size_t size);
/* VMCOREINFO text (copied). */
int vc_set_vmcoreinfo(struct vmcore *v, const char *text, size_t size);
/* Sets ranges from a list of segments (sorted and merged here; the array is not kept). */
int vc_set_ranges(struct vmcore *v, const struct vmcore_segment *segs, size_t n);

/* Returns the index of the range containing paddr, or -1. */
ssize_t vc_find_range(const struct vmcore *v, uint64_t paddr);

/* Decompress one kdump page; out is page_size bytes. -EBADMSG on bad data or wrong size. */
int vc_decompress_page(struct vmcore *v, uint32_t flags, const void *in, size_t in_len,
			   void *out);

/* Address translation state (xlat-x86_64.c). */
void vc_xlat_free(struct vmcore *v);

extern const struct vmcore_format_ops vc_elf_ops;
extern const struct vmcore_format_ops vc_kdump_ops;
