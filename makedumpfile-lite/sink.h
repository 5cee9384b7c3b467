/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Where the dump goes: a seekable file (pwrite at each offset), a flattened stream on a pipe
 * (one {offset, size} record per write, big-endian, the end record last), or nowhere
 * (--dry-run: only counted). The writers address the logical dump file by offset and never
 * know which.
 *
 * The first write error sticks: every later write returns it, so a writer can check once.
 */
#include <stddef.h>
#include <stdint.h>

enum sink_kind {
	SINK_FILE,
	SINK_FLAT,
	SINK_NULL,
};

struct sink {
	enum sink_kind kind;
	int fd;
	int owns_fd;
	uint64_t size;    /* the logical file: one past the highest byte written */
	uint64_t bytes;   /* bytes handed to the kernel (streams: records included) */
	int error;        /* the first write error, sticky */
	size_t partial;   /* bytes of the failed write that did get written (files) */

	/*
	 * Test seam: once fail_after bytes have been written, writes fail with -fail_errno (a
	 * write crossing the limit is cut there first, as a full disk does). 0: off.
	 */
	uint64_t fail_after;
	int fail_errno;
	/* ... or, when set, called once instead of failing (run.h, struct mdl_seam) */
	void (*at_limit)(void *userdata);
	void *at_limit_data;

	/* Keep the page cache from growing without bound (capture kernels): see sink_write. */
	int drop_cache;
	uint64_t since_sync;
};

/*
 * Opens a dump file for writing, mode 0600 (a dump holds all of the machine's secrets). An
 * existing file is refused with -EEXIST unless force is set.
 */
int sink_open_file(struct sink *s, const char *path, int force);
/* A flattened stream on fd (not closed by sink_close); writes the stream's header. */
int sink_open_flat(struct sink *s, int fd);
void sink_open_null(struct sink *s);

/* Writes len bytes at offset off of the logical file. */
int sink_write(struct sink *s, const void *buf, size_t len, uint64_t off);
/*
 * Makes sure [off, off + len) can be written later without running out of space, and reads
 * as zeros until then (file: fallocate, else zeros written). Streams: nothing to do.
 */
int sink_reserve(struct sink *s, uint64_t off, uint64_t len);
/*
 * Writes into a region sink_reserve() made room for (files: no space needed, so neither the
 * seam nor a full disk can cut it; streams: a record like any other).
 */
int sink_write_reserved(struct sink *s, const void *buf, size_t len, uint64_t off);
/* Overwrites bytes written before (a header field); -EOPNOTSUPP for streams. */
int sink_patch(struct sink *s, const void *buf, size_t len, uint64_t off);
/* Cuts a file at size (files only; -EOPNOTSUPP otherwise). */
int sink_truncate(struct sink *s, uint64_t size);
/* Reads back what was written (files only; -EOPNOTSUPP otherwise). */
int sink_read(struct sink *s, void *buf, size_t len, uint64_t off);
/* Removes a dump file that holds nothing usable (regular files only: never a device). */
void sink_discard(struct sink *s, const char *path);
/* Streams: the end record. Files: nothing (the caller decides about fsync). */
int sink_finish(struct sink *s);
void sink_close(struct sink *s);
