/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Helpers of the collector's tests: a scratch directory with the test vmcore, and runs of the
 * core with an argument list. */
#include <stdint.h>

#include "mdl-image.h"
#include "mdl.h"
#include "run.h"

struct mdl_env {
	char dir[64];
	char vmcore[128];
	struct mdl_image img;
	vmcore_t *in; /* the input, for comparing pages */
};

/* Builds the image in a fresh scratch directory; aborts on failure. */
void env_init(struct mdl_env *e);
void env_done(struct mdl_env *e);
/* dir/name */
void env_path(const struct mdl_env *e, const char *name, char *buf, size_t len);

/*
 * Parses args (a NULL-terminated list, without the program name) and runs the dump with
 * the seam (may be NULL); err gets the message.
 */
int run_args(const char *const *args, const struct mdl_seam *seam, struct mdl_stats *st,
	     char *err, size_t errlen);

/* The messages of a run, one per line. */
struct run_log {
	char text[8192];
};

/* run_args() for a dump, with the messages (common and error levels) kept in log. */
int run_args_log(const char *const *args, const struct mdl_seam *seam, struct mdl_stats *st,
		 char *err, size_t errlen, struct run_log *log);
