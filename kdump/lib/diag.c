/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-diag.h"

int kdump_error_set(KdumpError *e, int error, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return error;
	e->error = error;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
	return error;
}

void kdump_error_prefix(KdumpError *e, const char *fmt, ...)
{
	char prefix[256], old[sizeof(e->message)];
	va_list ap;

	if (!e || e->error == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, e->message, sizeof(old));
	snprintf(e->message, sizeof(e->message), "%s: %s", prefix, old);
}

char *kdump_asprintf(const char *fmt, ...)
{
	char *s;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	return r < 0 ? NULL : s;
}

void kdump_diags_init(KdumpDiags *d)
{
	*d = (KdumpDiags){ 0 };
}

void kdump_diags_done(KdumpDiags *d)
{
	for (size_t i = 0; i < d->n; i++) {
		free(d->items[i].file);
		free(d->items[i].message);
		free(d->items[i].hint);
	}
	free(d->items);
	kdump_diags_init(d);
}

int kdump_diags_add(KdumpDiags *d, KdumpSeverity severity, int error, const char *file,
		    unsigned line, const char *fmt, ...)
{
	KdumpDiag x = { .severity = severity, .error = error, .line = line };
	va_list ap;
	int r;

	if (d->n == d->allocated) {
		size_t n = d->allocated ? d->allocated * 2 : 8;
		KdumpDiag *p = reallocarray(d->items, n, sizeof(*p));
		if (!p)
			return -ENOMEM;
		d->items = p;
		d->allocated = n;
	}
	x.file = strdup(file ? file : "");
	va_start(ap, fmt);
	r = vasprintf(&x.message, fmt, ap);
	va_end(ap);
	if (!x.file || r < 0) {
		free(x.file);
		return -ENOMEM;
	}
	d->items[d->n++] = x;
	if (severity == KDUMP_SEVERITY_ERROR)
		d->n_errors++;
	return 0;
}

int kdump_diags_hint(KdumpDiags *d, const char *fmt, ...)
{
	KdumpDiag *x;
	char *s;
	va_list ap;
	int r;

	if (d->n == 0)
		return -EINVAL;
	x = &d->items[d->n - 1];
	va_start(ap, fmt);
	r = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	free(x->hint);
	x->hint = s;
	return 0;
}

int kdump_diag_format(const KdumpDiag *x, char **ret)
{
	const char *sev = x->severity == KDUMP_SEVERITY_ERROR ? "error" : "warning";
	char where[64];
	char *s;

	if (x->line)
		snprintf(where, sizeof(where), ":%u", x->line);
	else
		where[0] = '\0';
	if (x->hint)
		s = kdump_asprintf("%s%s: %s: %s\n%s%s: hint: %s", x->file, where, sev, x->message,
				   x->file, where, x->hint);
	else
		s = kdump_asprintf("%s%s: %s: %s", x->file, where, sev, x->message);
	if (!s)
		return -ENOMEM;
	*ret = s;
	return 0;
}
