/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the modes of mdl_run() share (run.c). */
#include <stddef.h>

#include "mdl.h"
#include "sink.h"

void mdl_message(const struct mdl_callbacks *cb, int level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Formats the error into err and returns r. */
int mdl_fail(char *err, size_t errlen, int r, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
int mdl_open_input(const char *path, vmcore_t **ret_v, int *ret_fd, char *err, size_t errlen);
/* The dump file, stdout (-F) or nothing (--dry-run). */
int mdl_open_output(const struct mdl_options *o, struct sink *sink, char *err, size_t errlen);

/*
 * The test seam, without LD_PRELOAD tricks. NULL: off.
 *  - writes to the dump fail with -fail_errno once fail_after bytes were written (a full disk,
 *    an I/O error); with at_limit set instead, at_limit(userdata) is called once, from the
 *    writing thread, right before the write that reaches fail_after, and nothing fails by
 *    itself: the test makes the kernel fail it (shuts the filesystem down) or kills us;
 *  - before_copy(userdata) is called once the headers and bitmaps are written, before the
 *    first page is read (a test truncates the input there);
 *  - force_mmap: read a regular-file input through mmap() as /proc/vmcore is read.
 */
struct mdl_seam {
	uint64_t fail_after;
	int fail_errno;
	void (*at_limit)(void *userdata);
	void (*before_copy)(void *userdata);
	void *userdata;
	int force_mmap;
};

int mdl_run_dump(const struct mdl_options *o, const struct mdl_callbacks *cb,
		 struct mdl_stats *st, char *err, size_t errlen, const struct mdl_seam *seam);
int mdl_rearrange(const struct mdl_options *o, const struct mdl_callbacks *cb,
		  struct mdl_stats *st, char *err, size_t errlen);
int mdl_dump_dmesg(const struct mdl_options *o, const struct mdl_callbacks *cb, char *err,
		   size_t errlen);
