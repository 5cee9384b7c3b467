/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* The kexec tool's command line, merged with a load-config file. */
#include "kexec-config.h"

typedef enum kexec_action {
	ACTION_NONE,
	ACTION_LOAD,
	ACTION_CRASH_LOAD,
	ACTION_UNLOAD,
	ACTION_CRASH_UNLOAD,
	ACTION_EXEC,
	ACTION_STATUS,
	ACTION_PRINT_CKR_SIZE,
	ACTION_HELP,
	ACTION_VERSION,
} KexecAction;

typedef struct kexec_args {
	KexecAction action;
	char *kernel;          /* --load=KERNEL, --crash-load=KERNEL or the positional one */
	char *initrd;          /* "" when a config file said INITRD= (none) */
	char *command_line;    /* NULL: not given */
	char *append;
	char *config;          /* -l FILE */
	int reuse_cmdline;
	int panic_modifier;    /* kexec-tools' -p / --load-panic */
	unsigned delay;
	int delay_set;
	int json, verbose, no_sync, no_fit_check;
	unsigned ignored;      /* kexec-tools options accepted without effect (see options.c) */
} KexecArgs;

/* Bits of KexecArgs.ignored, for the verbose trail. */
enum {
	IGNORED_FILE_SYSCALL = 1 << 0, /* -s, -a: we always use kexec_file_load */
	IGNORED_NO_IFDOWN = 1 << 1,    /* -x: we never take interfaces down */
};

/*
 * Parse argv (argv[0] is the program). On a usage error returns -EINVAL and a message
 * (caller frees) that names the option. The result still needs kexec_args_finish().
 */
int kexec_args_parse(int argc, char **argv, KexecArgs *ret, char **reterr_msg);
/*
 * Fold in the load-config file (the command line wins) and check what goes with what.
 * -EINVAL with a message for a usage error.
 */
int kexec_args_finish(KexecArgs *a, const KexecLoadConfig *config, char **reterr_msg);
void kexec_args_done(KexecArgs *a);
