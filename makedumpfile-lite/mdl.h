/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * makedumpfile-lite's core (libmdl-core.a): everything the program does but printing. main()
 * parses the options (mdl_parse_options), runs one mode (mdl_run) and turns the result into
 * messages and an exit code. The core never prints: it hands messages, progress and the final
 * report to the caller's callbacks.
 */
#include <stddef.h>
#include <stdint.h>

#include "vmcore.h"

/* makedumpfile's --message-level bits. */
enum {
	MDL_ML_PROGRESS = 1, /* the progress indicator */
	MDL_ML_COMMON = 2,   /* common messages: what was saved where */
	MDL_ML_ERROR = 4,    /* error messages */
	MDL_ML_DEBUG = 8,    /* debugging messages (-D) */
	MDL_ML_REPORT = 16,  /* the report of page classes (--show-stats) */
	MDL_ML_DEFAULT = 7,
	MDL_ML_MAX = 31,
};

enum mdl_mode {
	MDL_MODE_DUMP,      /* VMCORE DUMPFILE, or -F VMCORE > STREAM */
	MDL_MODE_REARRANGE, /* -R DUMPFILE < STREAM */
	MDL_MODE_DMESG,     /* --dump-dmesg VMCORE LOGFILE */
	MDL_MODE_HELP,
	MDL_MODE_VERSION,
};

enum mdl_format {
	MDL_FORMAT_KDUMP,
	MDL_FORMAT_ELF,
};

#define MDL_MAX_DUMP_LEVEL 31
#define MDL_MAX_THREADS 64

struct mdl_options {
	enum mdl_mode mode;
	int dump_level;       /* -d: makedumpfile's bits, 0..31 */
	uint32_t compression; /* page_desc flag: 0 (none) or one enum vmcore_compression value */
	enum mdl_format format;
	int flatten;          /* -F: a flattened stream on stdout */
	int force;            /* -f: overwrite an existing DUMPFILE */
	int non_mmap;         /* --non-mmap: read() only */
	int dry_run;          /* --dry-run: do everything but write */
	int check_params;     /* --check-params: stop after checking the options */
	unsigned num_threads; /* --num-threads: compression workers; 0 = choose */
	int message_level;    /* MDL_ML_* bits */
	unsigned block_order; /* -b: the write buffer is page_size << block_order bytes */
	const char *vmcore;   /* input */
	const char *dumpfile; /* output; NULL for -F (stdout) */
};

/*
 * Parses makedumpfile-style arguments. On error returns -EINVAL with the reason in err (one
 * line, no newline); an option makedumpfile has but we do not implement is refused by name.
 */
int mdl_parse_options(int argc, char **argv, struct mdl_options *ret, char *err, size_t errlen);

/* Progress of one phase, for the caller to show (called at most a few times a second). */
struct mdl_progress {
	const char *phase;  /* "Excluding unnecessary pages", "Copying data" */
	uint64_t done, total; /* pages */
	uint64_t bytes_in;  /* bytes of page data read so far in this phase */
	double seconds;     /* since the phase started */
	int finished;       /* the last call of the phase */
};

/* Formats a progress line ("Copying data : [ 45.2 %] 123.4 MB/s, eta 0:12"), no newline. */
void mdl_progress_format(const struct mdl_progress *p, char *buf, size_t len);

/* What a dump run did, for the summary. */
struct mdl_stats {
	uint64_t max_pfn;     /* page frames 0..max_pfn */
	uint64_t ram_pages;   /* of those, RAM */
	uint64_t class_pages[_VMCORE_CLASS_MAX]; /* RAM pages per class (zero: found while copying) */
	uint64_t excluded[_VMCORE_CLASS_MAX];    /* of those, excluded */
	uint64_t not_in_input; /* RAM the input itself did not hold (filtered before, lost) */
	uint64_t protected_kept; /* pages the filter would have dropped, kept by the self-check */
	uint64_t protected_kernel, protected_tables, protected_memmap; /* ... by reason */
	uint64_t protected_pages; /* pages the self-check guards */
	int classified;       /* 0: the struct pages could not be read, every page was kept */
	int self_checked;     /* 0: the self-check could not be set up */
	uint64_t to_write;    /* pages meant to be written (kdump: bitmap 2 set) */
	uint64_t written;     /* of those, saved (their data, or the shared zero page) */
	uint64_t zero_pages;  /* written as the shared zero page (-d 1, kdump) */
	uint64_t dup_pages;   /* pointed at an identical page's data (kdump) */
	uint64_t compressed;  /* stored compressed */
	uint64_t unreadable;  /* could not be read from the input: saved as lost */
	uint64_t bytes_in;    /* page data read */
	uint64_t bytes_written; /* output file (stream: records included) */
	uint64_t output_size;   /* size of the dump file (logical, for streams) */
	unsigned workers;
	double seconds_scan, seconds_copy, seconds_total;
	int incomplete;       /* a write failed: what was saved stays readable */
	int marked_incomplete; /* ... and the header says so */
};

/* The caller's side: messages (one line, no newline) and progress. */
struct mdl_callbacks {
	void (*message)(int level, const char *text, void *userdata); /* level: MDL_ML_* bit */
	void (*progress)(const struct mdl_progress *p, void *userdata);
	void *userdata;
};

/*
 * Runs the mode the options name. Returns 0 on success; a negative errno on failure with the
 * reason in err. A dump cut short by a write error returns the error too, with stats->incomplete
 * set: what was written is a readable, incomplete dump.
 */
int mdl_run(const struct mdl_options *o, const struct mdl_callbacks *cb, struct mdl_stats *stats,
	    char *err, size_t errlen);

/* The summary, like makedumpfile's report: calls line() once per line (no newline). */
void mdl_summary(const struct mdl_options *o, const struct mdl_stats *s,
		 void (*line)(const char *text, void *userdata), void *userdata);

/* The usage text, one line per call. */
void mdl_usage(const char *program, void (*line)(const char *text, void *userdata),
	       void *userdata);
