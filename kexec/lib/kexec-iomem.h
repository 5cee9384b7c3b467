/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * /proc/iomem: "START-END : NAME" lines, two spaces of indent per nesting level. We want the
 * total of System RAM and the "Crash kernel" ranges (nested inside System RAM). Unprivileged
 * readers see every address as 0; the names are still there.
 */
#include "kexec-core.h"

#define KEXEC_IOMEM_MAX_CRASH 8
#define KEXEC_IOMEM_MAX_SIZE (4u << 20)

typedef struct kexec_range {
	uint64_t start, end; /* end inclusive, as /proc/iomem writes it */
} KexecRange;

typedef struct kexec_iomem {
	uint64_t system_ram;       /* bytes of top-level "System RAM" */
	size_t n_crash;
	KexecRange crash[KEXEC_IOMEM_MAX_CRASH];
	int addresses_hidden;      /* every range read 00000000-00000000: not root */
} KexecIomem;

/* -EBADMSG (and the 1-based line in *reterr_line, if given) for a line that is not a range. */
int kexec_iomem_parse(const char *text, size_t len, KexecIomem *ret, unsigned *reterr_line);
int kexec_iomem_read(const KexecCtx *ctx, KexecIomem *ret);
/* Size of the largest crash range (the one x86_64 loads into); 0 if none. */
uint64_t kexec_iomem_crash_size(const KexecIomem *m);
