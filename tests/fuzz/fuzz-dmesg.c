/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kernel log on a tiny ELF vmcore: the input gives the VMCOREINFO (which log format, the
 * structure offsets, where the symbols are) and the memory the log lives in: the prb pointer,
 * struct printk_ringbuffer and the log_* variables, the descriptor and printk_info rings, the
 * text ring or log_buf (windows in imglayout.h; seeds from mkseeds.c).
 */
#include "fuzz.h"
#include "imglayout.h"

struct stop {
	size_t lines, stop_after;
};

static int stop_line(const char *line, size_t len, void *userdata)
{
	struct stop *s = userdata;

	fuzz_count_line(line, len, &s->lines);
	return s->lines >= s->stop_after ? 1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct imgfuzz *f = imgfuzz_get(4, NULL, dmesg_windows, DM_N_WINDOWS);
	vmcore_t *v = imgfuzz_open(f, data, size);

	if (v) {
		size_t lines = 0;

		if (f->flags & DM_FLAG_STOP) {
			struct stop s = { .stop_after = 1 + (f->flags >> 4) };

			(void)vmcore_dmesg(v, stop_line, &s);
		} else
			(void)vmcore_dmesg(v, fuzz_count_line, &lines);
		fuzz_touch_str(vmcore_strerror(v));
		vmcore_free(v);
	}
	imgfuzz_restore(f);
	return 0;
}
