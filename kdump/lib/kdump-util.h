/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Small helpers shared by the kdump modules: NULL-terminated string vectors, edit distance. */
#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

/* A strv is a NULL-terminated array of heap strings; NULL is the empty vector. */
void kdump_strv_free(char **l);
size_t kdump_strv_length(char *const *l);
/* Append s (taken over, freed on failure) to *l; returns 0 or -ENOMEM. */
int kdump_strv_consume(char ***l, char *s);
/* Append a copy of s; returns 0 or -ENOMEM. */
int kdump_strv_push(char ***l, const char *s);
/* A deep copy; returns 0 or -ENOMEM. NULL copies to NULL. */
int kdump_strv_copy(char *const *l, char ***ret);
/* Join with sep into a new string; NULL on allocation failure. */
char *kdump_strv_join(char *const *l, const char *sep);
bool kdump_strv_contains(char *const *l, const char *s);

static inline void kdump_strv_freep(char ***l)
{
	kdump_strv_free(*l);
}
#define _cleanup_strv_free_ _cleanup_(kdump_strv_freep)

/* Optimal string alignment distance (insertions, deletions, substitutions, transpositions). */
unsigned kdump_edit_distance(const char *a, const char *b);
/*
 * The candidate closest to s if it is close enough to be a likely typo (distance at most 1 for
 * short words, 2 from 5 letters, 3 from 10), else NULL. candidates is NULL-terminated.
 */
const char *kdump_closest(const char *s, const char *const *candidates);

static inline bool kdump_streq(const char *a, const char *b)
{
	return a && b && __builtin_strcmp(a, b) == 0;
}
