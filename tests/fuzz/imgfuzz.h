/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Inputs that change a tiny x86_64 ELF vmcore (tests/unit/vmimage.c): the targets for the
 * kernel log, the page classifier and address translation. The image is built once per
 * process; each input changes its VMCOREINFO and some of its memory, and the change is undone
 * afterwards, so that an input costs a few small writes rather than a 16 MiB file.
 *
 * Input format (everything optional; a short input simply changes less):
 *
 *   u8     image flags  IMGFUZZ_5LEVEL (targets that have a 5-level image), IMGFUZZ_NO_PGD..:
 *          what the image leaves out of its headers and VMCOREINFO
 *   u8     target flags (imgfuzz.flags), the target's to interpret
 *   text   VMCOREINFO lines up to the first NUL byte, after the image's own (OSRELEASE,
 *          PAGESIZE, SYMBOL(init_top_pgt), NUMBER(phys_base), NUMBER(pgtable_l5_enabled),
 *          NUMBER(sme_mask), KERNELOFFSET): a later line wins, so any of those can be changed
 *   chunks { u8 window, u16le offset, u16le length, bytes } until the end of the input
 *
 * window is taken modulo (number of the target's windows + 1): each window is a region of
 * physical memory (offset modulo its size, length clipped to it); the last number is the
 * target's own data (imgfuzz.extra: addresses to translate, ranges to classify).
 */
#include <stddef.h>
#include <stdint.h>

#include "vmimage.h"

#define IMGFUZZ_MAX_TEXT 6000u
#define IMGFUZZ_MAX_EXTRA 4096u

/* image flags */
#define IMGFUZZ_5LEVEL 0x01
#define IMGFUZZ_NO_PGD 0x02       /* no SYMBOL(init_top_pgt) */
#define IMGFUZZ_LEVEL4_PGT 0x04   /* SYMBOL(init_level4_pgt) instead (before 4.13) */
#define IMGFUZZ_NO_PHYS_BASE 0x08 /* no NUMBER(phys_base) (before 4.10) */
#define IMGFUZZ_NO_TEXT_LOAD 0x10 /* no kernel-text PT_LOAD */
struct img_window {
	uint64_t paddr;
	uint32_t size; /* at most 64 KiB */
};

struct imgfuzz {
	struct vmimage im;
	uint8_t *pristine; /* im.ram as built */
	int fd;            /* the image as built; changed and restored per input */
	const struct img_window *windows;
	size_t n_windows;

	/* the current input */
	uint8_t flags; /* the target flags */
	uint8_t dirty[IMG_RAM_SIZE / 4096 / 8]; /* pages changed, to write and then restore */
	uint8_t extra[IMGFUZZ_MAX_EXTRA];
	size_t extra_len;
};

/* Fills a freshly initialised image (img_init(levels) has run) before it is written. */
typedef void (*imgfuzz_build_fn)(struct vmimage *im);

/* The image for `levels`, built on first use. Aborts when it cannot be made. */
struct imgfuzz *imgfuzz_get(int levels, imgfuzz_build_fn build, const struct img_window *windows,
			    size_t n_windows);
/* The image flags of an input (0 for an empty one). */
static inline uint8_t imgfuzz_image_flags(const uint8_t *data, size_t size)
{
	return size ? data[0] : 0;
}
/*
 * Applies the input and opens the image: the handle, or NULL when it does not open (that is
 * a fine outcome too). imgfuzz_restore() must follow, after the handle is freed.
 */
vmcore_t *imgfuzz_open(struct imgfuzz *f, const uint8_t *data, size_t size);
void imgfuzz_restore(struct imgfuzz *f);

/* Little-endian reads from imgfuzz.extra, 0 past its end. */
uint64_t imgfuzz_extra_u64(const struct imgfuzz *f, size_t at);
uint16_t imgfuzz_extra_u16(const struct imgfuzz *f, size_t at);
