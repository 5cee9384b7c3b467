/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-util.h"

void kdump_strv_free(char **l)
{
	if (!l)
		return;
	for (char **p = l; *p; p++)
		free(*p);
	free(l);
}

size_t kdump_strv_length(char *const *l)
{
	size_t n = 0;

	while (l && l[n])
		n++;
	return n;
}

int kdump_strv_consume(char ***l, char *s)
{
	size_t n = kdump_strv_length(*l);
	char **p;

	if (!s)
		return -ENOMEM;
	p = reallocarray(*l, n + 2, sizeof(char *));
	if (!p) {
		free(s);
		return -ENOMEM;
	}
	p[n] = s;
	p[n + 1] = NULL;
	*l = p;
	return 0;
}

int kdump_strv_push(char ***l, const char *s)
{
	return kdump_strv_consume(l, strdup(s));
}

int kdump_strv_copy(char *const *l, char ***ret)
{
	char **c = NULL;
	int r;

	for (size_t i = 0; l && l[i]; i++) {
		r = kdump_strv_push(&c, l[i]);
		if (r < 0) {
			kdump_strv_free(c);
			return r;
		}
	}
	*ret = c;
	return 0;
}

char *kdump_strv_join(char *const *l, const char *sep)
{
	size_t n = 1, k = strlen(sep);
	char *s, *p;

	for (size_t i = 0; l && l[i]; i++)
		n += strlen(l[i]) + (i ? k : 0);
	s = p = malloc(n);
	if (!s)
		return NULL;
	for (size_t i = 0; l && l[i]; i++) {
		if (i) {
			memcpy(p, sep, k);
			p += k;
		}
		size_t m = strlen(l[i]);
		memcpy(p, l[i], m);
		p += m;
	}
	*p = '\0';
	return s;
}

bool kdump_strv_contains(char *const *l, const char *s)
{
	for (size_t i = 0; l && l[i]; i++)
		if (strcmp(l[i], s) == 0)
			return true;
	return false;
}

unsigned kdump_edit_distance(const char *a, const char *b)
{
	size_t n = strlen(a), m = strlen(b);
	unsigned d[3][65]; /* row i of the (n+1) x (m+1) table lives in d[i % 3] */

	if (m > 64 || n > 64)
		return 1000;
	for (size_t j = 0; j <= m; j++)
		d[0][j] = (unsigned)j;
	for (size_t i = 1; i <= n; i++) {
		unsigned *cur = d[i % 3], *prev = d[(i + 2) % 3], *prev2 = d[(i + 1) % 3];

		cur[0] = (unsigned)i;
		for (size_t j = 1; j <= m; j++) {
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned v = MIN(prev[j] + 1, cur[j - 1] + 1);

			v = MIN(v, prev[j - 1] + cost);
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
				v = MIN(v, prev2[j - 2] + 1);
			cur[j] = v;
		}
	}
	return d[n % 3][m];
}

const char *kdump_closest(const char *s, const char *const *candidates)
{
	size_t len = strlen(s);
	unsigned limit = len >= 10 ? 3 : len >= 5 ? 2 : 1;
	const char *best = NULL;
	unsigned best_d = limit + 1;

	for (size_t i = 0; candidates[i]; i++) {
		unsigned dist = kdump_edit_distance(s, candidates[i]);
		if (dist < best_d) {
			best_d = dist;
			best = candidates[i];
		}
	}
	return best;
}
