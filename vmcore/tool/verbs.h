/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

#include "vmcore.h"

/*
 * Exit codes of the vmcore tool (documented in vmcore(1)):
 *   0  success
 *   1  usage error
 *   2  the dump could not be opened or read (not a dump, corrupt, truncated, I/O error)
 *   3  verify found problems; read: the address is not in the dump (filtered out, hole, unmapped)
 *   4  this dump lacks what the command needs (e.g. VMCOREINFO keys for dmesg or pages)
 */
enum {
	EXIT_OK = 0,
	EXIT_USAGE = 1,
	EXIT_BAD_DUMP = 2,
	EXIT_PROBLEMS = 3,
	EXIT_UNSUPPORTED = 4,
};

int verb_info(int argc, char **argv);
int verb_dmesg(int argc, char **argv);
int verb_pages(int argc, char **argv);
int verb_read(int argc, char **argv);
int verb_verify(int argc, char **argv);

/* Shared by the verbs (util.c). */
extern const char *program_name;
/* Opens path, printing "vmcore: PATH: message" on failure. Returns 0 or EXIT_BAD_DUMP. */
int open_dump(const char *path, vmcore_t **ret);
/* Prints "vmcore: <what>: <library message or strerror>" to stderr. */
void print_error(vmcore_t *v, int r, const char *what);
/* Maps a library errno to an exit code. */
int exit_code_for(int r);
/* One-line hint after a bad option, exit code EXIT_USAGE. */
int usage_hint(const char *verb);
