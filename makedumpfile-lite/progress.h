/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include <stdint.h>

#include "mdl.h"

/* Seconds on a monotonic clock. */
double mdl_now(void);

/* Hands progress of one phase to the caller, at most every PROGRESS_INTERVAL seconds. */
struct progress {
	const struct mdl_callbacks *cb;
	struct mdl_progress p;
	double start, last;
};

void progress_begin(struct progress *p, const struct mdl_callbacks *cb, const char *phase,
		    uint64_t total);
void progress_update(struct progress *p, uint64_t done, uint64_t bytes_in, int finished);
