/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mkvmcore: synthetic vmcore generator for the test suite.
 * Shared types of the spec parser, the data parser and the writers.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"
#include "ondisk.h"
#include "util.h"

/* A value the spec may override; unset means "compute it". */
struct opt_u64 {
	bool set;
	uint64_t v;
};

static inline uint64_t opt_or(const struct opt_u64 *o, uint64_t computed)
{
	return o->set ? o->v : computed;
}

enum output_format {
	FORMAT_KDUMP,
	FORMAT_ELF,
};

/* How a kdump page is stored. */
enum page_kind {
	PAGE_RAW,
	PAGE_ZLIB,
	PAGE_LZO,
	PAGE_SNAPPY,
	PAGE_ZSTD,
	PAGE_ZERO,	/* descriptor of the shared zero page */
	PAGE_EXCLUDE,	/* RAM, but not dumped: bitmap 1 set, bitmap 2 clear */
	PAGE_LOST,	/* dumped, but page_desc is all zero (incomplete dump) */
};

struct pfn_block {
	uint64_t pfn;
	enum page_kind kind;
	bool force;			/* keep compressed output even if not smaller */
	struct opt_u64 pd_offset;	/* page_desc overrides */
	struct opt_u64 pd_size;
	struct opt_u64 pd_flags;
	struct opt_u64 pd_page_flags;
};

struct phdr_block {
	uint32_t type;
	uint32_t flags;
	uint64_t paddr;
	struct opt_u64 vaddr;
	struct opt_u64 memsz;
	struct opt_u64 filesz;
	struct opt_u64 offset;
	struct opt_u64 align;
};

enum block_type {
	BLOCK_PFN,
	BLOCK_PHDR,
};

/* One "@" block of the data section and the bytes of its body. */
struct block {
	enum block_type type;
	struct location loc;
	size_t order;		/* position in the data, for a stable sort */
	union {
		struct pfn_block pfn;
		struct phdr_block phdr;
	};
	struct bytes body;
	size_t limit;		/* body may not grow past this; SIZE_MAX = none */
	bool no_data;		/* zero/exclude/lost pages take no body */
};

struct ram_range {
	uint64_t start_pfn;
	uint64_t end_pfn;	/* exclusive */
};

struct corruption {
	uint64_t offset;
	struct bytes bytes;
};

/* A loaded text file (spec, data or vmcoreinfo); kept for error locations. */
struct source {
	char *path;		/* "<stdin>" and "<command line>" are sources too */
	char *text;		/* NUL terminated */
	size_t len;
};

/* A file named in the spec, and where, for errors about it. */
struct spec_path {
	char *path;		/* resolved against the spec's directory */
	struct location loc;
};

/* Everything the spec says; unset overrides are computed by the writers. */
struct spec {
	enum output_format format;
	bool flattened;
	uint64_t page_size;
	struct spec_path data;
	struct spec_path vmcoreinfo;
	struct bytes vmcoreinfo_append;
	unsigned prstatus;
	bool incomplete;

	/* kdump header */
	char signature[KDUMP_SIG_LEN + 1];
	int64_t version;
	struct opt_u64 status;
	struct opt_u64 block_size;
	struct opt_u64 sub_hdr_size;
	struct opt_u64 bitmap_blocks;
	struct opt_u64 max_mapnr;
	struct opt_u64 nr_cpus;
	uint64_t current_cpu;
	struct opt_u64 timestamp;
	struct kdump_utsname uts;

	/* kdump sub-header */
	int64_t dump_level;
	uint64_t phys_base;
	uint64_t split;
	uint64_t start_pfn;
	uint64_t end_pfn;
	struct opt_u64 offset_vmcoreinfo;
	struct opt_u64 size_vmcoreinfo;
	struct opt_u64 offset_note;
	struct opt_u64 size_note;
	uint64_t offset_eraseinfo;
	uint64_t size_eraseinfo;

	/* ELF header */
	uint64_t ei_class;
	uint64_t ei_data;
	uint64_t e_type;
	uint64_t e_machine;
	uint64_t e_flags;

	/* flattened wrapper */
	int64_t flat_type;
	int64_t flat_version;
	bool flat_end;

	/* post-processing of the written file */
	struct corruption *corruptions;
	size_t n_corruptions;
	struct opt_u64 truncate;
};

/* Notes generated from prstatus/vmcoreinfo, shared by both writers. */
struct notes {
	struct bytes data;
	bool has_vmcoreinfo;
	size_t vmcoreinfo_desc_off;	/* offset of the text inside data */
	size_t vmcoreinfo_size;
	char *vmcoreinfo_text;		/* NUL terminated copy, for CRASHTIME= etc. */
};

struct mkvmcore {
	struct spec spec;

	struct source **sources;
	size_t n_sources;

	/* Inline data section of the spec: from its first "@" line on. */
	char *inline_data;
	const char *inline_data_file;
	unsigned inline_data_lines_before;

	struct block *blocks;
	size_t n_blocks;
	struct ram_range *ram;
	size_t n_ram;

	struct notes notes;
};

void mkvmcore_init(struct mkvmcore *ctx);
void mkvmcore_done(struct mkvmcore *ctx);

/* util.c: load a file (or "-" for stdin) into ctx->sources; errors are
 * reported at loc (the line naming the file) if given. */
int load_source(struct mkvmcore *ctx, const char *path, const struct location *loc,
		struct source **ret);

/* spec.c */
int spec_parse(struct mkvmcore *ctx, struct source *src);
/* One "key = value" (also used for --set). */
int spec_set(struct mkvmcore *ctx, char *assignment, const struct location *loc);

/* data.c */
/* Parse data text starting at start; lines_before = line number of start - 1. */
int data_parse(struct mkvmcore *ctx, const char *file, char *start, unsigned lines_before);
int add_ram_range(struct mkvmcore *ctx, uint64_t start_pfn, uint64_t end_pfn,
		  const struct location *loc);
/* Sort and check the blocks once all data is parsed. */
int data_finish(struct mkvmcore *ctx);

/* notes.c: fill ctx->notes from prstatus/vmcoreinfo, then default the
 * header fields makedumpfile takes from VMCOREINFO (uts.release, timestamp). */
int notes_build(struct mkvmcore *ctx);
/* Value of "KEY=" in the VMCOREINFO text, or NULL; result is malloc'ed. */
char *vmcoreinfo_value(const struct notes *notes, const char *key);

/* sink.c: the output file, plain (pwrite) or flattened (records) */
struct sink {
	int fd;
	bool flattened;
	uint8_t *zeros;		/* one page of zeros for sink_write_zeros() */
	size_t zeros_len;
};

int sink_open(struct sink *s, int fd, const struct spec *spec);
int sink_write(struct sink *s, uint64_t off, const void *buf, size_t len);
int sink_write_zeros(struct sink *s, uint64_t off, uint64_t len);
int sink_close(struct sink *s, const struct spec *spec);

/* elf.c, kdump.c */
int elf_write(struct mkvmcore *ctx, struct sink *out);
int kdump_write(struct mkvmcore *ctx, struct sink *out);
