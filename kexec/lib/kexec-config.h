/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * The load-config file (kexec -l FILE), one KEY=VALUE per line:
 *
 *   # the capture kernel of this machine
 *   CRASH=yes
 *   KERNEL=/boot/vmlinuz-6.1.0-26-amd64
 *   INITRD=/var/lib/kdump/initrd.img
 *   APPEND="console=ttyS0,115200 nr_cpus=2"
 *
 * Keys: KERNEL, INITRD, COMMAND_LINE, REUSE_CMDLINE (yes|no), APPEND, CRASH (yes|no: the
 * capture kernel, or a kernel for --exec), DELAY (seconds before --exec). '#' starts a comment
 * line; blank lines are ignored; a value may be quoted with "..." (\" and \\ inside) or '...'.
 * Relative paths are relative to the file's directory. Each key at most once; COMMAND_LINE and
 * REUSE_CMDLINE=yes exclude each other. Errors read "FILE:LINE: ...".
 */
#include "kexec-core.h"

typedef struct kexec_load_config {
	char *kernel, *initrd, *command_line, *append;
	int reuse_cmdline;     /* -1: not set */
	int crash;             /* -1: not set */
	int64_t delay;         /* -1: not set */
} KexecLoadConfig;

#define KEXEC_CONFIG_MAX_SIZE (64u << 10)

/* Parse text (len bytes) read from path (used for messages and relative paths). */
int kexec_config_parse(const char *path, const char *text, size_t len, KexecLoadConfig *ret,
		       KexecError *reterr);
int kexec_config_read(const char *path, KexecLoadConfig *ret, KexecError *reterr);
void kexec_config_done(KexecLoadConfig *c);
