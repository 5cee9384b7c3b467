/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Applying fuzz inputs to a vmimage and undoing them (see imgfuzz.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "fuzz.h"
#include "imgfuzz.h"
#include "io-util.h"

static struct imgfuzz *images[2]; /* 4- and 5-level */

static void die(const char *what)
{
	fprintf(stderr, "imgfuzz: %s\n", what);
	abort();
}

struct imgfuzz *imgfuzz_get(int levels, imgfuzz_build_fn build, const struct img_window *windows,
			    size_t n_windows)
{
	struct imgfuzz **slot = &images[levels == 5];
	struct imgfuzz *f = *slot;

	if (f)
		return f;
	f = calloc(1, sizeof(*f));
	if (!f)
		die("out of memory");
	img_init(&f->im, levels);
	if (build)
		build(&f->im);
	f->pristine = malloc(IMG_RAM_SIZE);
	if (!f->pristine)
		die("out of memory");
	memcpy(f->pristine, f->im.ram, IMG_RAM_SIZE);
	f->fd = memfd_create("imgfuzz", MFD_CLOEXEC);
	if (f->fd < 0 || img_write_fd(&f->im, f->fd, 1) < 0)
		die("cannot write the image");
	f->windows = windows;
	f->n_windows = n_windows;
	*slot = f;
	return f;
}

static void poke(struct imgfuzz *f, uint64_t paddr, const uint8_t *p, size_t len)
{
	img_write(&f->im, paddr, p, len);
	for (uint64_t pg = paddr / 4096; pg <= (paddr + len - 1) / 4096; pg++)
		f->dirty[pg / 8] |= (uint8_t)(1u << (pg % 8));
}

/*
 * Writes each run of changed pages of im.ram to the file, where the file holds RAM; with
 * restore, puts the image's own bytes back first and forgets the changes.
 */
static void sync_dirty(struct imgfuzz *f, int restore)
{
	const uint64_t n = IMG_RAM_SIZE / 4096;

	for (uint64_t pg = 0; pg < n;) {
		uint64_t end = pg, a, len;

		if (!f->dirty[pg / 8]) {
			pg = (pg / 8 + 1) * 8;
			continue;
		}
		while (end < n && (f->dirty[end / 8] >> (end % 8)) & 1)
			end++;
		if (end == pg) {
			pg++;
			continue;
		}
		a = pg * 4096;
		len = (end - pg) * 4096;
		if (restore)
			img_write(&f->im, a, f->pristine + a, len);
		if (a < f->im.ram_filesz &&
		    pwrite_all(f->fd, f->im.ram + a, MIN_SIZE(len, f->im.ram_filesz - a),
			       img_file_offset(a)) < 0)
			die("cannot write the image");
		pg = end;
	}
	if (restore)
		memset(f->dirty, 0, sizeof(f->dirty));
}

static uint16_t rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

vmcore_t *imgfuzz_open(struct imgfuzz *f, const uint8_t *data, size_t size)
{
	const uint8_t *p = data, *end = data + size, *nul;
	size_t text_len;
	vmcore_t *v;

	uint8_t image_flags = imgfuzz_image_flags(data, size);

	f->extra_len = 0;
	if (p < end)
		p++;
	f->flags = p < end ? *p++ : 0;
	if (image_flags & IMGFUZZ_NO_PGD)
		f->im.pgd_key = NULL;
	else if (image_flags & IMGFUZZ_LEVEL4_PGT)
		f->im.pgd_key = "init_level4_pgt";
	f->im.phys_base_key = !(image_flags & IMGFUZZ_NO_PHYS_BASE);
	f->im.text_load = !(image_flags & IMGFUZZ_NO_TEXT_LOAD);
	nul = memchr(p, '\0', (size_t)(end - p));
	text_len = (size_t)((nul ? nul : end) - p);
	f->im.info = malloc(MIN_SIZE(text_len, IMGFUZZ_MAX_TEXT) + 1);
	if (!f->im.info)
		die("out of memory");
	f->im.info_len = MIN_SIZE(text_len, IMGFUZZ_MAX_TEXT);
	memcpy(f->im.info, p, f->im.info_len);
	f->im.info[f->im.info_len] = '\0';
	p = nul ? nul + 1 : end;

	while (end - p >= 5) {
		size_t w = p[0] % (f->n_windows + 1), off = rd16(p + 1), len = rd16(p + 3);

		p += 5;
		len = MIN_SIZE(len, (size_t)(end - p));
		if (w == f->n_windows) {
			len = MIN_SIZE(len, IMGFUZZ_MAX_EXTRA - f->extra_len);
			memcpy(f->extra + f->extra_len, p, len);
			f->extra_len += len;
		} else {
			const struct img_window *win = &f->windows[w];

			off %= win->size;
			len = MIN_SIZE(len, win->size - off);
			if (len)
				poke(f, win->paddr + off, p, len);
		}
		p += len;
	}

	sync_dirty(f, 0);
	/* The headers and the note, over the file that has the RAM. */
	if (img_write_fd(&f->im, f->fd, 0) < 0)
		die("cannot write the image headers");
	v = vmcore_new();
	if (!v)
		die("out of memory");
	if (vmcore_open_fd(v, f->fd) < 0) {
		fuzz_touch_str(vmcore_strerror(v));
		return vmcore_free(v);
	}
	return v;
}

void imgfuzz_restore(struct imgfuzz *f)
{
	sync_dirty(f, 1);
	f->im.pgd_key = "init_top_pgt";
	f->im.phys_base_key = 1;
	f->im.text_load = 1;
	free(f->im.info);
	f->im.info = NULL;
	f->im.info_len = 0;
}

uint64_t imgfuzz_extra_u64(const struct imgfuzz *f, size_t at)
{
	uint64_t x = 0;

	for (unsigned i = 0; i < 8; i++)
		if (at + i < f->extra_len)
			x |= (uint64_t)f->extra[at + i] << (8 * i);
	return x;
}

uint16_t imgfuzz_extra_u16(const struct imgfuzz *f, size_t at)
{
	return (uint16_t)imgfuzz_extra_u64(f, at);
}
