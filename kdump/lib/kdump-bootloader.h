/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * Setting crashkernel= for the next boot, through whichever mechanism the system uses:
 *
 *   GRUB_DEBIAN     /etc/default/grub.d/kdump-suite.cfg, then update-grub
 *   KERNEL_CMDLINE  /etc/kernel/cmdline (systemd-boot, kernel-install), then kernel-install add
 *   GRUBBY          grubby --update-kernel=ALL --args=crashkernel=... (Fedora, RHEL)
 *
 * Everything happens under a root directory ("/" on a real system), so tests work on fixture
 * trees. kdump_bootloader_plan() only reads: it returns the changes (file, old line, new line,
 * the command to run) for a dry run or for kdump_bootloader_apply(), which writes the files
 * atomically and runs the command through the caller's runner. A crashkernel= that someone
 * else set is never replaced unless the request says force.
 */
#include <stdbool.h>
#include <stddef.h>

#include "kdump-diag.h"

typedef enum KdumpBootloader {
	KDUMP_BOOTLOADER_AUTO,
	KDUMP_BOOTLOADER_GRUB_DEBIAN,
	KDUMP_BOOTLOADER_KERNEL_CMDLINE,
	KDUMP_BOOTLOADER_GRUBBY,
} KdumpBootloader;

#define KDUMP_GRUB_DROPIN "/etc/default/grub.d/kdump-suite.cfg"

/*
 * Runs argv[0] (looked up in PATH) with argv; returns its exit status (>= 0) or -errno when
 * it could not be run. When ret_output is not NULL it gets the command's standard output
 * (caller frees).
 */
typedef int (*KdumpRunner)(char *const argv[], char **ret_output, void *userdata);

typedef struct KdumpFileChange {
	char *path;        /* as on the system, e.g. "/etc/kernel/cmdline" */
	char *old_line;    /* the line as it was, NULL when the line (or file) is new */
	char *new_line;    /* the line as it will be, NULL when it goes away */
	char *new_content; /* the whole new file. NULL with new_line NULL deletes the file;
			    * NULL with a new_line: a later change of the same file writes it */
} KdumpFileChange;

typedef struct KdumpBootloaderPlan {
	KdumpBootloader bootloader;
	char *current;       /* the crashkernel= values in place now, space separated, or NULL */
	char *current_where; /* where they are ("/etc/default/grub:6", "grubby"), or NULL */
	bool current_ours;   /* they were written by kdumpctl */
	bool unchanged;      /* already as requested: no change, no command */
	KdumpFileChange *changes;
	size_t n_changes;
	char **command;      /* argv to run after the writes, or NULL */
} KdumpBootloaderPlan;

typedef struct KdumpBootloaderRequest {
	const char *root;            /* "/" or a tree that looks like one */
	KdumpBootloader bootloader;  /* AUTO to detect */
	const char *value;           /* the crashkernel= value to set, NULL to remove ours */
	const char *ours;            /* the value kdumpctl set last time (its state), or NULL */
	bool force;                  /* replace (or remove) a value that is not ours */
	const char *proc_cmdline;    /* seeds a new /etc/kernel/cmdline */
	const char *kernel_release;  /* kernel-install add KVER IMAGE, for KERNEL_CMDLINE */
	KdumpRunner runner;          /* runs "grubby --info=ALL" (read-only) for GRUBBY */
	void *userdata;
} KdumpBootloaderRequest;

/* Which mechanism the tree under root uses. -ENOENT when none is recognised. */
int kdump_bootloader_detect(const char *root, KdumpBootloader *ret, KdumpError *err);
/*
 * The changes a request needs, without writing anything. -EEXIST when a crashkernel= that is
 * not ours is in place and force is false; -EINVAL for a bad value (including "auto", which
 * the caller turns into a size first).
 */
int kdump_bootloader_plan(const KdumpBootloaderRequest *req, KdumpBootloaderPlan **ret,
			  KdumpError *err);
/*
 * Write the plan's files under root (temporary file, fsync, rename; symbolic links are not
 * followed) and run its command. -EIO when the command fails: the files are then written.
 */
int kdump_bootloader_apply(const char *root, const KdumpBootloaderPlan *plan,
			   KdumpRunner runner, void *userdata, KdumpError *err);
void kdump_bootloader_plan_free(KdumpBootloaderPlan *p);
const char *kdump_bootloader_to_string(KdumpBootloader b);
int kdump_bootloader_from_string(const char *s, KdumpBootloader *ret);

/* Write content to path (relative to the directory dirfd) atomically, mode for a new file. */
int kdump_write_file_atomic(int dirfd, const char *name, const char *content, unsigned mode,
			    KdumpError *err);
