/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A raw target's layout (docs/kdump-save.md):
 *
 *   0        our header, 512 bytes (4 KiB reserved), little-endian, crc32 at its end
 *   4 KiB    the capture's log: its last 60 KiB, whole lines
 *   64 KiB   vmcore-dmesg.txt
 *   N MiB    the flattened stream (makedumpfile -F), at the first 1 MiB boundary after the log
 *
 * state is "writing" from before the first byte of the dump on, with stream_size updated every
 * 64 MiB (after a sync), and "done" at the end: a capture cut short is found and recovered as
 * far as it is known to have got. Clearing zeroes the header and the stream's signature.
 */
#include <stdint.h>

#include "ksave.h"

#define RAW_MAGIC "KDUMP-SUITE-RAW"
#define RAW_VERSION 1u
#define RAW_HEADER_SIZE 512u
#define RAW_LOG_OFF 4096u
#define RAW_LOG_SIZE (60u << 10)
#define RAW_DMESG_OFF (64u << 10)
#define RAW_DMESG_MAX (64u << 20)
#define RAW_STREAM_ALIGN (1u << 20)
#define RAW_CHECKPOINT (64u << 20)
#define RAW_FLAT_SIGNATURE "makedumpfile"

enum { RAW_STATE_WRITING = 1, RAW_STATE_DONE = 2 };
enum { RAW_FLAG_COMPLETE = 1 };
enum { RAW_NONE = 0, RAW_OURS = 1, RAW_BARE = 2 };

/* In memory in host order; raw_header_write()/read() convert. */
struct raw_header {
	char magic[16];
	uint32_t version, state, flags, size;
	int64_t crash_time;
	uint64_t log_off, log_size;
	uint64_t dmesg_off, dmesg_size;
	uint64_t stream_off, stream_size;
	uint64_t pages_to_write, pages_written;
	char host[72];
	char osrelease[72];
	uint8_t reserved[260];
	uint32_t crc;
};
_Static_assert(sizeof(struct raw_header) == RAW_HEADER_SIZE, "raw header size");

int raw_header_write(int fd, const struct raw_header *h);
/* RAW_OURS (*ret filled), RAW_BARE (a flattened stream at 0), RAW_NONE, or -errno. */
int raw_header_read(int fd, struct raw_header *ret);
/* Bytes of a block device or a regular file. */
int raw_device_size(int fd, uint64_t *ret);
/* Zero our header and the stream's signature (kind RAW_OURS or RAW_BARE). */
int raw_clear(int fd, int kind, const struct raw_header *h);
