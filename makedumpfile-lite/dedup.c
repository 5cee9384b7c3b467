/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dedup.h"
#include "io-util.h"

int dedup_init(struct dedup *d, int fd, size_t page_size)
{
	*d = (struct dedup){ .fd = fd, .ps = page_size };
	d->slot = calloc(DEDUP_SLOTS, sizeof(*d->slot));
	if (!d->slot)
		return -ENOMEM;
	pthread_mutex_init(&d->lock, NULL);
	return 0;
}

void dedup_done(struct dedup *d)
{
	if (!d->slot)
		return;
	pthread_mutex_destroy(&d->lock);
	free(d->slot);
	d->slot = NULL;
}

uint64_t dedup_key(const void *page, size_t page_size)
{
	const uint8_t *p = page;
	uint64_t h = UINT64_C(0x9e3779b97f4a7c15);

	/* one word of every 64 bytes: every cache line the compressor reads next anyway */
	for (size_t off = 0; off + 8 <= page_size; off += 64) {
		uint64_t w;

		memcpy(&w, p + off, sizeof(w));
		h = (h ^ w) * UINT64_C(0xff51afd7ed558ccd);
		h ^= h >> 29;
	}
	return h ? h : 1;
}

int dedup_find(struct dedup *d, uint64_t key, const void *page, void *scratch,
	       struct disk_page_desc *ret)
{
	struct dedup_slot s;

	pthread_mutex_lock(&d->lock);
	s = d->slot[key & (DEDUP_SLOTS - 1)];
	pthread_mutex_unlock(&d->lock);
	if (s.key != key)
		return 0;
	/* the sample matched: compare every byte with the page written before */
	if (pread_exact(d->fd, scratch, d->ps, s.in_off) < 0 || memcmp(page, scratch, d->ps))
		return 0;
	*ret = s.pd;
	return 1;
}

void dedup_add(struct dedup *d, uint64_t key, uint64_t in_off, const struct disk_page_desc *pd)
{
	struct dedup_slot *s = &d->slot[key & (DEDUP_SLOTS - 1)];

	pthread_mutex_lock(&d->lock);
	*s = (struct dedup_slot){ .key = key, .in_off = in_off, .pd = *pd };
	pthread_mutex_unlock(&d->lock);
}
