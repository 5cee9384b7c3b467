/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io-util.h"
#include "macro.h"
#include "pipeline.h"
#include "sigbus.h"
#include "source.h"

/* A chunk is mapped whole only when its pages are no further apart than this. */
#define MAX_MAP_SPAN (UINT64_C(4) << 20)

static const uint8_t zero_page[65536];

void source_init(struct source *s, vmcore_t *v, int fd, int use_mmap)
{
	long os = sysconf(_SC_PAGESIZE);

	*s = (struct source){ .v = v, .fd = fd, .page_size = vmcore_page_size(v),
			      .os_page = os > 0 ? (size_t)os : 4096, .use_mmap = use_mmap };
}

/*
 * Maps the file data of every page of the chunk at once: it must all be in one extent (one
 * segment of the ELF file) and not too far apart. 0 when mapped, -EAGAIN when the chunk is
 * not like that, another negative errno when mmap() itself fails.
 */
static int map_chunk(struct source *s, struct chunk *c)
{
	uint64_t first = c->pfn[0], last = c->pfn[c->n - 1], off, count, base, len;
	void *p;
	int r;

	if (last < first || (last - first + 1) * s->page_size > MAX_MAP_SPAN)
		return -EAGAIN;
	r = vmcore_pfn_extent(s->v, first, last - first + 1, &off, &count);
	if (r < 0 || count != last - first + 1)
		return -EAGAIN;
	/* Every page in between is in the extent too: pfns are ascending in a chunk. */
	for (unsigned i = 1; i < c->n; i++)
		if (c->pfn[i] <= c->pfn[i - 1])
			return -EAGAIN;
	base = off & ~(uint64_t)(s->os_page - 1);
	len = off - base + count * s->page_size;
	p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, s->fd, (off_t)base);
	if (p == MAP_FAILED)
		return negative_errno();
	c->map = p;
	c->map_len = (size_t)len;
	for (unsigned i = 0; i < c->n; i++) {
		c->src[i] = (uint8_t *)p + (off - base) + (c->pfn[i] - first) * s->page_size;
		c->in_off[i] = off + (c->pfn[i] - first) * s->page_size;
		/* first touch here, under the guard: a page that faults is lost, not fatal */
		if (s->guarded && sigbus_probe(c->src[i], s->page_size, s->os_page) < 0) {
			c->src[i] = NULL;
			s->faults++;
		}
	}
	return 0;
}

/* The data of page i of the chunk, the slow way (kdump input, a page at a segment edge). */
static void read_one(struct source *s, struct chunk *c, unsigned i)
{
	uint8_t *dst = c->inbuf + (size_t)i * s->page_size;
	int r = vmcore_read_pfn(s->v, c->pfn[i], dst);

	c->in_off[i] = UINT64_MAX;
	if (r == 0)
		c->src[i] = dst;
	else if (c->optional[i] && (r == -ENODATA || r == -EADDRNOTAVAIL))
		c->src[i] = zero_page;
	else
		c->src[i] = NULL;
}

/* pread() runs of consecutive pages that are contiguous in the file. */
static void read_chunk(struct source *s, struct chunk *c)
{
	unsigned i = 0;

	while (i < c->n) {
		uint64_t off, count;
		unsigned run = 1;
		int r;

		while (i + run < c->n && c->pfn[i + run] == c->pfn[i] + run)
			run++;
		r = vmcore_pfn_extent(s->v, c->pfn[i], run, &off, &count);
		if (r < 0) {
			read_one(s, c, i);
			i++;
			continue;
		}
		uint8_t *dst = c->inbuf + (size_t)i * s->page_size;
		if (pread_exact(s->fd, dst, (size_t)count * s->page_size, off) == 0) {
			for (unsigned k = 0; k < count; k++) {
				c->src[i + k] = dst + (size_t)k * s->page_size;
				c->in_off[i + k] = off + (uint64_t)k * s->page_size;
			}
		} else {
			/* Something in the run failed: find out page by page. */
			for (unsigned k = 0; k < count; k++)
				read_one(s, c, i + k);
		}
		i += (unsigned)count;
	}
}

int source_fill(void *source, struct chunk *c)
{
	struct source *s = source;

	if (c->n == 0)
		return 0;
	if (s->use_mmap) {
		int r = map_chunk(s, c);
		if (r == 0)
			return 0;
		if (r != -EAGAIN)
			s->use_mmap = 0; /* mmap() does not work here: read() from now on */
	}
	if (!c->inbuf) {
		c->inbuf = malloc((size_t)CHUNK_PAGES * s->page_size);
		if (!c->inbuf)
			return -ENOMEM;
	}
	read_chunk(s, c);
	return 0;
}

void source_release(void *source, struct chunk *c)
{
	if (c->map)
		(void)munmap(c->map, c->map_len);
	c->map = NULL;
	c->map_len = 0;
}
