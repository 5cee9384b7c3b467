/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * How libkdump-core reports problems. The library never prints: a function that can fail returns
 * a negative errno and, when the caller passes one, fills a KdumpError with a sentence that
 * names the file, value or command involved. The kdump.conf parser reports every problem it
 * finds, with FILE:LINE, into a KdumpDiags list instead, so that 'kdumpctl check-config' can
 * show them all at once.
 */
#include <stdarg.h>
#include <stddef.h>

#include "macro.h"

typedef struct KdumpError {
	int error;          /* negative errno of the failure, 0 while unset */
	char message[512];  /* one line, no trailing newline */
} KdumpError;

/* Set e (which may be NULL) to error and the formatted message; returns error. */
int kdump_error_set(KdumpError *e, int error, const char *fmt, ...) _printf_(3, 4);
/* Prepend "context: " to the message already in e (nothing when e is NULL or unset). */
void kdump_error_prefix(KdumpError *e, const char *fmt, ...) _printf_(2, 3);

typedef enum KdumpSeverity {
	KDUMP_SEVERITY_ERROR,
	KDUMP_SEVERITY_WARNING,
} KdumpSeverity;

typedef struct KdumpDiag {
	KdumpSeverity severity;
	int error;      /* negative errno that classifies the problem (-EINVAL, -EOPNOTSUPP, ...) */
	char *file;     /* as given to the parser */
	unsigned line;  /* 1-based; 0 when the problem is about the whole file */
	char *message;  /* e.g. "unknown directive 'core_colector'" */
	char *hint;     /* e.g. "did you mean 'core_collector'?", or NULL */
} KdumpDiag;

typedef struct KdumpDiags {
	KdumpDiag *items;
	size_t n;
	size_t n_errors;
	size_t allocated;
} KdumpDiags;

void kdump_diags_init(KdumpDiags *d);
void kdump_diags_done(KdumpDiags *d);
/* Append a diagnostic; returns 0 or -ENOMEM. */
int kdump_diags_add(KdumpDiags *d, KdumpSeverity severity, int error, const char *file,
		    unsigned line, const char *fmt, ...) _printf_(6, 7);
/* Attach a hint to the diagnostic added last; returns 0 or -ENOMEM. */
int kdump_diags_hint(KdumpDiags *d, const char *fmt, ...) _printf_(2, 3);
/*
 * Format one diagnostic the way compilers do, into a string the caller frees:
 *   FILE:LINE: error: MESSAGE
 *   FILE:LINE: hint: HINT
 * (no hint line without a hint, no trailing newline). Returns 0 or -ENOMEM.
 */
int kdump_diag_format(const KdumpDiag *x, char **ret);

/* printf into a new string; NULL on allocation failure. */
char *kdump_asprintf(const char *fmt, ...) _printf_(1, 2);
