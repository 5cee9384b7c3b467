/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What every fuzz target shares: the input file, touching results, splitting inputs. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "io-util.h"

int fuzz_memfd(void)
{
	static int fd = -1;

	if (fd < 0) {
		fd = memfd_create("fuzz-input", MFD_CLOEXEC);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
	}
	return fd;
}

void fuzz_set_file(int fd, const void *data, size_t size)
{
	if (ftruncate(fd, 0) < 0 || (size && pwrite_all(fd, data, size, 0) < 0) ||
	    ftruncate(fd, (off_t)size) < 0) {
		perror("writing the fuzz input");
		abort();
	}
}

/* Where fuzz_touch() puts what it reads, so that the reads are not optimised away. */
static volatile unsigned sink;

void fuzz_touch(const void *p, size_t n)
{
	const uint8_t *b = p;
	unsigned sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += b[i];
	sink += sum;
}

void fuzz_touch_str(const char *s)
{
	if (s)
		fuzz_touch(s, strlen(s) + 1);
}

char *fuzz_strndup(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		abort();
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

char *fuzz_take_part(const uint8_t **data, size_t *size)
{
	const uint8_t *nul = *size ? memchr(*data, '\0', *size) : NULL;
	size_t n = nul ? (size_t)(nul - *data) : *size;
	char *s = fuzz_strndup(*data, n);

	*data += n + (nul ? 1 : 0);
	*size -= n + (nul ? 1 : 0);
	return s;
}
