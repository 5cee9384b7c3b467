/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * -R: rebuilds a dump file from a flattened stream on stdin (ours or makedumpfile's), each
 * record's bytes written at its offset. A stream without its end record was cut short: what
 * arrived is kept, the rebuilt dump is marked incomplete (kdump status 0x8, ELF e_flags bit
 * 0), and a kdump file is extended to cover its whole descriptor table, so that the
 * descriptors that never arrived read as "lost" rather than beyond the end of the file.
 * The header says incomplete from the start and is set back when the end record arrives.
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sys/stat.h>

#include "io-util.h"
#include "macro.h"
#include "ondisk.h"
#include "run.h"

#define FLAT_HEADER_SIZE 4096
#define COPY_BUF (8u << 20) /* larger than any record of ours or makedumpfile's */

/* Reads exactly n bytes from stdin: 0, 1 at a clean end of file before any byte, or -EPIPE
 * when it ends in the middle. */
static int read_in(int fd, void *buf, size_t n)
{
	ssize_t k = read_full(fd, buf, n);

	if (k < 0)
		return (int)k;
	if (k == 0 && n > 0)
		return 1;
	return (size_t)k == n ? 0 : -EPIPE;
}

static uint64_t popcount_file(int fd, uint64_t off, uint64_t len)
{
	uint8_t buf[4096];
	uint64_t n = 0;

	while (len > 0) {
		size_t k = (size_t)MIN(len, (uint64_t)sizeof(buf));
		if (pread_exact(fd, buf, k, off) < 0)
			break;
		for (size_t i = 0; i < k; i++)
			n += (uint64_t)__builtin_popcount(buf[i]);
		off += k;
		len -= k;
	}
	return n;
}

/* Marks a rebuilt dump incomplete; 1 when it could, 0 when the header is not there. */
static int mark_incomplete(int fd)
{
	struct disk_header h;
	struct stat st;
	Elf64_Ehdr eh;

	if (pread_exact(fd, &h, sizeof(h), 0) == 0 && !memcmp(h.signature, DISK_SIGNATURE, 8)) {
		uint64_t bs = (uint64_t)(uint32_t)h.block_size, b1, half, table_end;

		h.status |= DISK_STATUS_INCOMPLETE;
		if (pwrite_all(fd, &h.status, sizeof(h.status), offsetof(struct disk_header, status)))
			return 0;
		if (bs < 4096 || h.sub_hdr_size < 0 || fstat(fd, &st) < 0)
			return 1;
		b1 = (1 + (uint64_t)h.sub_hdr_size) * bs;
		half = (uint64_t)h.bitmap_blocks / 2 * bs;
		if ((uint64_t)st.st_size < b1 + 2 * half)
			return 1; /* the bitmaps did not arrive: nothing more to do */
		table_end = b1 + 2 * half +
			    popcount_file(fd, b1 + half, half) * sizeof(struct disk_page_desc);
		if ((uint64_t)st.st_size < table_end)
			(void)ftruncate(fd, (off_t)table_end);
		return 1;
	}
	if (pread_exact(fd, &eh, sizeof(eh), 0) == 0 && !memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		eh.e_flags |= 1;
		return pwrite_all(fd, &eh.e_flags, sizeof(eh.e_flags),
				  offsetof(Elf64_Ehdr, e_flags)) == 0;
	}
	return 0;
}

/*
 * Where the header's "incomplete" bit is (kdump status, ELF e_flags) and what the stream
 * said there: until the end record arrives the rebuilt file says incomplete, so that a -R
 * killed part way leaves a dump that says it was cut, as the collector's own files do.
 */
struct header_mark {
	size_t at;
	uint32_t original;
	int set;
};

static void mark_header_record(struct header_mark *m, uint8_t *buf, size_t n, int64_t off)
{
	uint32_t bit, v;

	if (off != 0)
		return;
	if (n >= sizeof(struct disk_header) && !memcmp(buf, DISK_SIGNATURE, 8)) {
		m->at = offsetof(struct disk_header, status);
		bit = DISK_STATUS_INCOMPLETE;
	} else if (n >= sizeof(Elf64_Ehdr) && !memcmp(buf, ELFMAG, SELFMAG)) {
		m->at = offsetof(Elf64_Ehdr, e_flags);
		bit = 1;
	} else {
		return;
	}
	memcpy(&m->original, buf + m->at, sizeof(m->original));
	v = m->original | bit;
	memcpy(buf + m->at, &v, sizeof(v));
	m->set = 1;
}

int mdl_rearrange(const struct mdl_options *o, const struct mdl_callbacks *cb,
		  struct mdl_stats *st, char *err, size_t errlen)
{
	char hdr[FLAT_HEADER_SIZE];
	struct sink out = { .fd = -1 };
	struct header_mark mark = {};
	uint64_t type, in = 0;
	uint8_t *buf = NULL;
	int r, cut = 0;

	r = read_in(STDIN_FILENO, hdr, sizeof(hdr));
	if (r != 0)
		return mdl_fail(err, errlen, -EBADMSG, "standard input is not a flattened stream: "
				"%s", r == 1 ? "it is empty" : "it ends inside the header");
	memcpy(&type, hdr + 16, 8);
	if (memcmp(hdr, "makedumpfile", 13) || be64toh(type) != 1)
		return mdl_fail(err, errlen, -EBADMSG, "standard input is not a flattened stream "
				"(no \"makedumpfile\" signature)");
	in = sizeof(hdr);
	buf = malloc(COPY_BUF);
	if (!buf)
		return mdl_fail(err, errlen, -ENOMEM, "out of memory");
	r = mdl_open_output(o, &out, err, errlen);
	if (r < 0)
		goto out;

	for (;;) {
		uint64_t rec[2];
		int64_t off, size;

		r = read_in(STDIN_FILENO, rec, sizeof(rec));
		if (r) {
			cut = 1;
			break;
		}
		in += sizeof(rec);
		off = (int64_t)be64toh(rec[0]);
		size = (int64_t)be64toh(rec[1]);
		if (off == -1 && size == -1)
			break;
		if (off < 0 || size < 0) {
			r = mdl_fail(err, errlen, -EBADMSG, "the record at byte %llu of the stream "
				     "is invalid (offset %lld, size %lld)",
				     (unsigned long long)(in - sizeof(rec)), (long long)off,
				     (long long)size);
			goto out;
		}
		while (size > 0) {
			size_t n = (size_t)MIN((uint64_t)size, (uint64_t)COPY_BUF);
			r = read_in(STDIN_FILENO, buf, n);
			if (r) {
				/*
				 * A record cut short is dropped (one not larger than COPY_BUF
				 * is whole or nothing): a torn page descriptor would point at
				 * the wrong bytes.
				 */
				cut = 1;
				break;
			}
			mark_header_record(&mark, buf, n, off);
			r = sink_write(&out, buf, n, (uint64_t)off);
			if (r < 0) {
				st->incomplete = 1;
				st->marked_incomplete = mark_incomplete(out.fd);
				r = mdl_fail(err, errlen, r, "writing '%s': %s (after %llu bytes of "
					     "the stream; the dump is incomplete%s)", o->dumpfile,
					     strerror(-r), (unsigned long long)in,
					     st->marked_incomplete ? " and marked so" : "");
				goto out;
			}
			in += n;
			off += (int64_t)n;
			size -= (int64_t)n;
		}
		if (cut)
			break;
	}
	st->bytes_written = out.bytes;
	st->output_size = out.size;
	if (cut) {
		st->incomplete = 1;
		st->marked_incomplete = mark_incomplete(out.fd);
		r = mdl_fail(err, errlen, -EPIPE, "the stream ends after %llu bytes without its end "
			     "record: it was cut short. What arrived is in '%s'%s", (unsigned long long)in,
			     o->dumpfile, st->marked_incomplete ? ", marked incomplete" : "");
		goto out;
	}
	/* the end record arrived: the header says what the stream said */
	if (mark.set) {
		r = pwrite_all(out.fd, &mark.original, sizeof(mark.original), mark.at);
		if (r < 0) {
			st->incomplete = 1;
			st->marked_incomplete = 1;
			r = mdl_fail(err, errlen, r, "writing '%s': %s (the dump is whole but stays "
				     "marked incomplete)", o->dumpfile, strerror(-r));
			goto out;
		}
	}
	r = 0;
	mdl_message(cb, MDL_ML_COMMON, "The dumpfile is saved to %s.", o->dumpfile);
out:
	free(buf);
	sink_close(&out);
	return r;
}
