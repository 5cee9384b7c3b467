/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * What the libkdump-save tests share: a work directory (tmpfs filesystems mounted in a private
 * mount namespace when we may, plain directories otherwise), synthetic vmcores made by mkvmcore
 * from specs/, a fake KsaveOps that records what the agent asked for, and file helpers.
 * Usage of every test program: TEST MKVMCORE SPECDIR.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ksave.h"

struct tenv {
	char base[256];
	bool mounts;          /* tmpfs can be mounted (root, private mount namespace) */
	const char *mkvmcore;
	const char *specs;
	char vmcore[320];     /* agent-elf.spec: 2 MiB of RAM, log, utsname "agenthost" */
	char vmcore8[320];    /* agent-elf-8m.spec */
	char flat[320];       /* agent-kdump-flat.spec: a bare flattened stream */
};

/* Set up e (exits 77 when the arguments or mkvmcore are missing). */
void tenv_setup(struct tenv *e, int argc, char **argv);
void tenv_cleanup(struct tenv *e);
/* A fresh directory base/name (a tmpfs of size when mounts work and size is not NULL). */
char *tenv_dir(struct tenv *e, const char *name, const char *size);

struct fake {
	const char *target_dir;  /* what mount returns */
	int mount_error;         /* mount fails with this (negative) */
	int mounts, umounts, remounts, reboots, shells;
	KdumpAction action;      /* of the last reboot */
	char device[256], fstype[32], options[128];
};

void fake_ops(KsaveOps *ops, struct fake *f);
/* LABEL=dumps -> /dev/fake-dumps; anything else -ENODEV. */
int fake_resolver(const char *spec, char **ret, void *userdata);

/* A configuration from text (aborts on a parse error: tests only). */
KdumpConfig *tconfig(const char *text);

/* Options for a run: config, vmcore, fakes; silent unless KSAVE_TEST_VERBOSE is set. */
void topts(KsaveOptions *o, const KdumpConfig *cfg, const char *vmcore, const char *root,
	   KsaveOps *ops, struct fake *f, const char *proc);

/* printf into a string that lives until tenv_cleanup(). */
char *tpath(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
bool file_contains(const char *path, const char *needle);
/* Offset of needle in the file, -1 when absent. */
long file_find(const char *path, const char *needle);
int file_mode(const char *path);
bool file_exists(const char *path);
int write_file(const char *path, const char *text, int mode);
/* The only entry of a directory (NULL when it has none or several). */
char *only_entry(const char *dir);
size_t count_entries(const char *dir);
/* Whether a dump verifies and what libvmcore says about it: 0 ok, else incomplete bits. */
int dump_state(const char *path, uint64_t *ret_pages);
uint32_t file_crc(const char *path);
