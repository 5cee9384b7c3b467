/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The new kernel's command line (docs/kexec.md explains every rule):
 *   --command-line STR   STR, as it is
 *   --reuse-cmdline      the running kernel's, minus what names the boot loader's files
 *   capture kernel       the running kernel's, minus what must not be inherited, plus the
 *                        capture defaults (each with a reason below)
 * then --append. A key given in --append replaces a default with the same key. Everything
 * goes before a " -- " that separates the kernel's parameters from init's.
 */
#include "kexec-core.h"

typedef enum kexec_cmdline_base {
	KEXEC_CMDLINE_GIVEN,   /* spec->given */
	KEXEC_CMDLINE_REUSE,   /* spec->running, with the boot loader's keys removed */
	KEXEC_CMDLINE_CAPTURE, /* spec->running, made fit for a capture kernel */
} KexecCmdlineBase;

typedef struct kexec_cmdline_spec {
	KexecCmdlineBase base;
	const char *given;     /* KEXEC_CMDLINE_GIVEN */
	const char *running;   /* /proc/cmdline of the running kernel */
	const char *append;    /* NULL: nothing */
	int boot_cpu_apicid;   /* x86: the boot CPU's APIC id, -1 unknown (see docs/kexec.md) */
} KexecCmdlineSpec;

typedef struct kexec_cmdline_rule {
	const char *key;       /* "crashkernel", or "crashkernel=1G" for a default */
	const char *reason;
} KexecCmdlineRule;

/* The keys dropped from the running kernel's line, and the capture defaults; NULL-ended. */
extern const KexecCmdlineRule kexec_cmdline_capture_drop[];
extern const KexecCmdlineRule kexec_cmdline_reuse_drop[];
extern const KexecCmdlineRule kexec_cmdline_capture_defaults[];

/* Build the command line; -EINVAL for an unbalanced quote in an input. Caller frees *ret. */
int kexec_cmdline_build(const KexecCmdlineSpec *spec, char **ret);

/* Does the line set key (compared as the kernel does: '-' and '_' are the same)? */
int kexec_cmdline_has(const char *cmdline, const char *key);

/* The running kernel's command line (proc/cmdline), without its final newline. */
int kexec_cmdline_read_running(const KexecCtx *ctx, char **ret);
/* The APIC id of processor 0 in proc/cpuinfo ("apicid"), -ENOENT when there is none. */
int kexec_boot_cpu_apicid(const KexecCtx *ctx, int *ret);
