/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How big can the dump get? An upper bound, since compression is only known afterwards: the
 * pages the dump level keeps, uncompressed, plus the headers, bitmaps and page descriptors.
 * First the cheap bound (every page of RAM); when that does not fit, the page classes are
 * counted (the struct pages are read once more: seconds even on large machines), which is the
 * bound the collector's own filter reaches. The collector's self-check may keep a few pages
 * more than their class says: 1/16 and 16 MiB are added for them.
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/statvfs.h>

#include "internal.h"

#define BATCH 4096u

static uint64_t with_overhead(vmcore_t *v, uint64_t pages)
{
	uint64_t ps = vmcore_page_size(v), max_pfn = vmcore_max_pfn(v);
	uint64_t bitmaps = 2 * ALIGN_UP(DIV_ROUND_UP(max_pfn, 8), ps);

	return pages * ps + pages / 16 * ps + bitmaps + pages * 24 + (16u << 20);
}

/* Pages a dump at `level` keeps, by class; -errno when the classes cannot be read. */
static int count_kept(vmcore_t *v, int level, uint64_t *ret)
{
	_cleanup_free_ uint8_t *cls = malloc(BATCH);
	vmcore_classifier_t *c = NULL;
	uint64_t max_pfn = vmcore_max_pfn(v), kept = 0;
	int r;

	if (!cls)
		return -ENOMEM;
	r = vmcore_classifier_new(v, &c);
	if (r < 0)
		return r;
	for (uint64_t pfn = 0; pfn < max_pfn; pfn += BATCH) {
		size_t n = (size_t)MIN((uint64_t)BATCH, max_pfn - pfn);
		r = vmcore_classify(c, pfn, n, cls);
		if (r < 0)
			break;
		for (size_t i = 0; i < n; i++)
			if (cls[i] != VMCORE_CLASS_HOLE && !vmcore_class_excluded(cls[i], level))
				kept++;
	}
	vmcore_classifier_free(c);
	if (r < 0)
		return r;
	*ret = kept;
	return 0;
}

int ksave_space_check(vmcore_t *v, int level, int fd, uint64_t min_free, struct space *ret)
{
	struct space s = {};
	uint64_t present, dumped, kept;
	struct statvfs sv;

	if (fstatvfs(fd, &sv) < 0)
		return negative_errno();
	s.avail = (uint64_t)sv.f_bavail * (uint64_t)sv.f_frsize;
	if (vmcore_count_pages(v, &present, &dumped) < 0)
		dumped = vmcore_max_pfn(v);
	s.need = with_overhead(v, dumped);
	if ((s.avail < s.need || s.avail - s.need < min_free) && (level & ~VMCORE_DL_ZERO) &&
	    count_kept(v, level, &kept) == 0) {
		s.need = MIN(s.need, with_overhead(v, kept));
		s.by_class = true;
	}
	s.fits = s.avail >= s.need;
	s.enough = min_free == 0 || (s.fits && s.avail - s.need >= min_free);
	*ret = s;
	return 0;
}
