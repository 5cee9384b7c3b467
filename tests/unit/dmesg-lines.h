/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by test-dmesg.c and test-dmesg-log.c: run vmcore_dmesg() on an image, keep its lines. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "vmimage.h"

/* ---- collecting lines ---- */

#define MAX_LINES 64

struct lines {
	char *line[MAX_LINES];
	size_t n;
	size_t stop_after; /* return 42 after this many lines (0: never) */
};

static inline int collect(const char *line, size_t len, void *userdata)
{
	struct lines *l = userdata;

	if (strlen(line) != len || l->n == MAX_LINES)
		return -E2BIG;
	l->line[l->n++] = strdup(line);
	return l->stop_after && l->n == l->stop_after ? 42 : 0;
}

static inline void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->line[i]);
	*l = (struct lines){};
}

static inline double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Opens the image and runs vmcore_dmesg(); returns its result, lines in *l. */
static inline int run_dmesg(struct vmimage *im, struct lines *l)
{
	vmcore_t *v = img_open(im);
	double t0 = now();
	int r;

	if (!v)
		return -EIO;
	r = vmcore_dmesg(v, collect, l);
	if (r < 0)
		fprintf(stderr, "  vmcore_dmesg: %s\n", vmcore_strerror(v));
	if (now() - t0 > 2.0) {
		fprintf(stderr, "  vmcore_dmesg took %.1f s\n", now() - t0);
		r = -ETIME;
	}
	vmcore_free(v);
	return r;
}

static inline void check_lines(const struct lines *l, const char *const *expected, size_t n,
			int *ok)
{
	*ok = 0;
	if (l->n != n) {
		fprintf(stderr, "  %zu lines, expected %zu\n", l->n, n);
		for (size_t i = 0; i < l->n; i++)
			fprintf(stderr, "  | %s\n", l->line[i]);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (strcmp(l->line[i], expected[i])) {
			fprintf(stderr, "  line %zu:\n  got      '%s'\n  expected '%s'\n", i,
				l->line[i], expected[i]);
			return;
		}
	*ok = 1;
}
