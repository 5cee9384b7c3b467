/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stddef.h>

#include "writer.h"

#define UTS_LEN 65

/* The descriptor of the first note called name in an ELF note area: its offset and size. */
int notes_find(const void *notes, size_t size, const char *name, size_t *ret_off,
	       size_t *ret_size);
/* The crashed kernel's utsname (init_uts_ns), or what the dump says when it cannot be read. */
void read_utsname(vmcore_t *v, char uts[6][UTS_LEN]);
