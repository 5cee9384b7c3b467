/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dump readers on arbitrary bytes as a file: open, every accessor, page counts, up to
 * FUZZ_MAX_PFN_READS page frames, physical and virtual reads, verify, dmesg, the classifier.
 *
 * Built three times, one target per format (FUZZ_FORMAT): the input's first bytes are made
 * that format's signature, so that no time goes into inputs every prober rejects at once.
 *   fuzz-elf    "\177ELF"
 *   fuzz-kdump  "KDUMP   " (or "DISKDUMP" when the input has it)
 *   fuzz-flat   the flattened header ("makedumpfile", type 1, version 1); the stream inside
 *               holds a kdump or an ELF file
 * Everything after the signature is the input's, so every other header check is reachable.
 */
#include <endian.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define FORMAT_ELF 1
#define FORMAT_KDUMP 2
#define FORMAT_FLAT 3

#ifndef FUZZ_FORMAT
#error "FUZZ_FORMAT must be FORMAT_ELF, FORMAT_KDUMP or FORMAT_FLAT"
#endif

static void put_signature(uint8_t *buf, size_t size)
{
#if FUZZ_FORMAT == FORMAT_ELF
	memcpy(buf, "\177ELF", MIN_SIZE(size, 4));
#elif FUZZ_FORMAT == FORMAT_KDUMP
	if (size < 8 || memcmp(buf, "DISKDUMP", 8))
		memcpy(buf, "KDUMP   ", MIN_SIZE(size, 8));
#elif FUZZ_FORMAT == FORMAT_FLAT
	uint8_t head[32] = "makedumpfile";
	uint64_t one = htobe64(1);

	memcpy(head + 16, &one, 8); /* type */
	memcpy(head + 24, &one, 8); /* version */
	memcpy(buf, head, MIN_SIZE(size, sizeof(head)));
#else
#error "unknown FUZZ_FORMAT"
#endif
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	int fd = fuzz_memfd();
	uint8_t *buf = malloc(size ? size : 1);
	vmcore_t *v;

	if (!buf)
		abort();
	memcpy(buf, data, size);
	put_signature(buf, size);
	fuzz_set_file(fd, buf, size);
	free(buf);

	v = vmcore_new();
	if (!v)
		abort();
	if (vmcore_open_fd(v, fd) == 0)
		fuzz_exercise(v, FUZZ_EX_ALL);
	fuzz_touch_str(vmcore_strerror(v));
	vmcore_free(v);
	return 0;
}
