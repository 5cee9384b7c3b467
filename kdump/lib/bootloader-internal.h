/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Text edits behind kdump-bootloader.h: pure functions on strings, tested directly. */
#include <stdbool.h>
#include <stddef.h>

#include "kdump-bootloader.h"

/* The values of the crashkernel= words of a kernel command line, space separated, or NULL
 * when there is none (*ret). Returns 0 or -ENOMEM. */
int cmdline_crashkernel_values(const char *cmdline, char **ret);
/*
 * A command line without its crashkernel= words (and, with seed, without BOOT_IMAGE= and
 * initrd=, which describe one boot, not the next), words separated by one space, with
 * "crashkernel=VALUE" appended when value is not NULL. Returns 0 or -ENOMEM.
 */
int cmdline_set_crashkernel(const char *cmdline, const char *value, bool seed, char **ret);

typedef struct GrubHit {
	unsigned line;  /* 1-based */
	char *text;     /* the whole line */
	char *values;   /* its crashkernel= values, space separated */
} GrubHit;

/* The GRUB_CMDLINE_LINUX(_DEFAULT)= lines of a /etc/default/grub style file that have
 * crashkernel=. Returns 0 or -ENOMEM; *ret_n may be 0. */
int grub_find_crashkernel(const char *content, GrubHit **ret, size_t *ret_n);
void grub_hits_free(GrubHit *h, size_t n);
/* The line with its crashkernel= words (and one blank next to each) removed. */
int grub_line_remove_crashkernel(const char *line, char **ret);
/* content with its line number line (1-based) replaced by new_line (or removed if NULL). */
int text_replace_line(const char *content, unsigned line, const char *new_line, char **ret);

/* Shared by bootloader.c and bootloader-plan.c. Paths are as on the system ("/etc/..."). */
const char *bl_rel(const char *path);
bool bl_exists_at(int rootfd, const char *path);
/* The contents of a file under root; *ret = NULL and 0 when it does not exist. */
int bl_read_at(int rootfd, const char *path, char **ret, KdumpError *err);
/* Append a change; takes over content, copies the rest. */
int bl_add_change(KdumpBootloaderPlan *p, const char *path, const char *old_line,
		  const char *new_line, char *content);
int bl_set_command(KdumpBootloaderPlan *p, const char *const *argv);
int bl_set_current(KdumpBootloaderPlan *p, const char *values, const char *where);
/* -EEXIST: someone else's crashkernel= is in the way. */
int bl_refuse(const char *values, const char *where, KdumpError *err);
