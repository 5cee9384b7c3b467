/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The struct-page classifier on hostile values: the input gives the VMCOREINFO (SIZE(page),
 * field offsets, flag numbers, page type values, the memory model and its keys) and the
 * memory it reads: the struct pages, the mem_section roots and arrays, the pointer variables
 * and the page tables of the vmemmap (windows in imglayout.h; seeds from mkseeds.c).
 *
 * Every PFN of the image is classified in ascending batches; the target's own data then
 * gives more calls, { u16le start, u16le count } each, in any order (the classifier must
 * forget what ran on from an earlier call when calls go back), each followed by
 * vmcore_classifier_memmap() on its first PFN, as the collectors call it.
 */
#include <string.h>

#include "fuzz.h"
#include "imglayout.h"

#define MAX_CALLS 64u
/* PFNs past the end of the image are classified too (holes) */
#define PFN_LIMIT (PC_NPFN + 64u)

/* Maps the struct page array, as tests/unit/test-pageclass.c lays it out. */
static void build(struct vmimage *im)
{
	img_entry(im, IMG_T_TOP, img_index(PC_VMEMMAP, 39), PC_T_PUD, 0);
	img_entry(im, PC_T_PUD, img_index(PC_VMEMMAP, 30), PC_T_PMD, 0);
	img_entry(im, PC_T_PMD, img_index(PC_VMEMMAP, 21), PC_T_PT, 0);
	for (unsigned i = 0; i < 64; i++)
		if (i != 62)
			img_entry(im, PC_T_PT, i, i == 63 ? PC_LAST_PA : PC_MEMMAP_PA + i * 4096u, 0);
	im->ram_filesz = PC_LAST_PA;
}

/*
 * What the API promises whatever the input: every PFN gets a class that exists, never ZERO
 * (contents are the caller's business), and HOLE past the end of the image's RAM.
 */
static void check(const uint8_t *classes, size_t start, size_t n)
{
	for (size_t k = 0; k < n; k++)
		if (classes[k] >= _VMCORE_CLASS_MAX || classes[k] == VMCORE_CLASS_ZERO ||
		    (start + k >= PC_NPFN && classes[k] != VMCORE_CLASS_HOLE))
			__builtin_trap();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t classes[PFN_LIMIT];
	struct imgfuzz *f = imgfuzz_get(4, build, pageclass_windows, PC_N_WINDOWS);
	vmcore_t *v = imgfuzz_open(f, data, size);
	vmcore_classifier_t *c = NULL;
	/* the batch size of the first pass: 1 to 1024 PFNs */
	size_t batch = (size_t)1 << (f->flags % 11);

	if (v && vmcore_classifier_new(v, &c) == 0) {
		for (size_t pfn = 0; pfn < PC_NPFN; pfn += batch) {
			size_t n = MIN_SIZE(batch, PC_NPFN - pfn);

			memset(classes, 0xff, n);
			if (vmcore_classify(c, pfn, n, classes) == 0)
				check(classes, pfn, n);
		}
		for (size_t i = 0; i < MAX_CALLS && 4 * i + 4 <= f->extra_len; i++) {
			size_t start = imgfuzz_extra_u16(f, 4 * i) % PFN_LIMIT;
			size_t n = imgfuzz_extra_u16(f, 4 * i + 2) % (PFN_LIMIT - start + 1);

			memset(classes, 0xff, n);
			if (vmcore_classify(c, start, n, classes) == 0)
				check(classes, start, n);
			fuzz_check_memmap(c, start);
		}
		vmcore_classifier_free(c);
	}
	if (v) {
		fuzz_touch_str(vmcore_strerror(v));
		vmcore_free(v);
	}
	imgfuzz_restore(f);
	return 0;
}
