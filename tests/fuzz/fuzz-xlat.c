/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x86_64 address translation on hostile page tables: the input gives the VMCOREINFO
 * (SYMBOL(init_top_pgt), NUMBER(phys_base), NUMBER(pgtable_l5_enabled), NUMBER(sme_mask), ...)
 * and the page-table pages (windows in imglayout.h; image flag IMGFUZZ_5LEVEL: start from
 * the 5-level image). A fixed set of addresses is translated and read, then the target's own records:
 * { u64le vaddr, u16le length } each, read with vmcore_read_virt() (at most XL_MAX_READ bytes).
 * Last, the page-table walk of the collectors (vmcore_kernel_page_tables()).
 */
#include <stdlib.h>

#include "fuzz.h"
#include "imglayout.h"

#define MAX_RECORDS 64u

static void probe(vmcore_t *v, uint64_t vaddr, size_t len, uint8_t *buf)
{
	uint64_t paddr;

	(void)vmcore_vtop(v, vaddr, &paddr);
	if (vmcore_read_virt(v, vaddr, buf, len) == 0)
		fuzz_touch(buf, len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[XL_MAX_READ];
	int levels = imgfuzz_image_flags(data, size) & IMGFUZZ_5LEVEL ? 5 : 4;
	struct imgfuzz *f = imgfuzz_get(levels, NULL, xlat_windows, XL_N_WINDOWS);
	vmcore_t *v = imgfuzz_open(f, data, size);
	const uint64_t fixed[] = {
		IMG_TEXT_VA, IMG_TEXT_VA + IMG_TEXT_SIZE - 8, IMG_TEXT_VA + (UINT64_C(2) << 20) - 8,
		IMG_START_KERNEL_MAP, IMG_START_KERNEL_MAP + 0x1000000, UINT64_C(0xffffffff81000000),
		f->im.dm, f->im.dm + IMG_T_TOP, f->im.dm + IMG_RAM_SIZE - 8,
		f->im.dm + (UINT64_C(1) << 30) - 8, UINT64_C(0xffffea0000000000),
		UINT64_C(0x00007ffffffff000), UINT64_C(0x0000800000000000),
		UINT64_C(0xff00000000000000), UINT64_C(0xffff800000000000), 0, UINT64_MAX - 7,
	};

	if (v) {
		for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
			probe(v, fixed[i], 16, buf);
		for (size_t i = 0; i < MAX_RECORDS && (i + 1) * XL_RECORD <= f->extra_len; i++)
			probe(v, imgfuzz_extra_u64(f, i * XL_RECORD),
			      imgfuzz_extra_u16(f, i * XL_RECORD + 8) % (XL_MAX_READ + 1), buf);
		fuzz_walk_tables(v, 4096);
		fuzz_touch_str(vmcore_strerror(v));
		vmcore_free(v);
	}
	imgfuzz_restore(f);
	return 0;
}
