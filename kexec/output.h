/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the kexec tool prints, and its exit codes (documented in kexec(8)). */
#include <stdio.h>

#include "kexec-load.h"
#include "options.h"

enum {
	EXIT_OK = 0,          /* done; --status: a capture kernel is loaded */
	EXIT_NOT_LOADED = 1,  /* --status: no capture kernel is loaded */
	EXIT_USAGE = 2,       /* bad option, conflicting options, bad load-config file */
	EXIT_FILES = 3,       /* the kernel, initrd or command line cannot be used */
	EXIT_SYSTEM = 4,      /* the system refused: no crash region, permissions, lockdown,
			       * signature, busy, no kexec_file_load, nothing loaded... */
};

extern const char program_name[];

void print_usage(FILE *f);
/* "kexec: MSG" and the one-line hint; returns EXIT_USAGE. */
int print_usage_error(const char *msg);
/* The error's three parts, to stderr; returns the exit code for it. */
int print_error(const KexecError *e, int r);
int exit_code_for(const KexecError *e);

/* --status. fit may be NULL (no kernel given). */
void print_status_text(FILE *f, const KexecStatus *s, const KexecFit *fit);
void print_status_json(FILE *f, const KexecStatus *s, const KexecFit *fit, const char *kernel,
		       const char *initrd);

/* Log sink for --verbose, and the --exec countdown. */
void print_log_line(void *userdata, const char *msg);
void print_countdown(void *userdata, unsigned seconds_left);

/* Run the parsed and finished action. */
int run_action(const KexecArgs *a);
