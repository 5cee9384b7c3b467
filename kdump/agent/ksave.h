/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * libkdump-save: the capture agent's core (kdump-save runs it in the capture initramfs) and the
 * raw-target recovery that 'kdumpctl start' calls in the first kernel. docs/kdump-save.md
 * describes the behaviour; this header is the contract.
 *
 * Like the other libraries of the suite it never prints: every message goes to the caller's
 * KsaveCallbacks (and, once a dump directory exists, to kdump-save.log inside it). Functions
 * return 0 or a negative errno; output parameters are written only on success. Everything that
 * touches the machine beyond the dump files (mounting, rebooting, a shell) goes through a
 * KsaveOps table, so that the tests run it in a temporary directory.
 */
#include <stdbool.h>
#include <stdint.h>

#include "kdump-config.h"

/* kdump-save's exit codes; ksave_run() reports one in KsaveResult.exit_code. */
enum {
	KSAVE_EXIT_SAVED = 0,      /* vmcore saved, complete and verified, where the config says */
	KSAVE_EXIT_FAILED = 1,     /* no dump saved (vmcore-dmesg.txt may have been) */
	KSAVE_EXIT_USAGE = 2,      /* bad command line */
	KSAVE_EXIT_INCOMPLETE = 3, /* only a partial dump: vmcore.incomplete, readable */
	KSAVE_EXIT_DMESG_ONLY = 4, /* not enough space: only vmcore-dmesg.txt was saved */
	KSAVE_EXIT_FALLBACK = 5,   /* saved complete, but by failure_action dump_to_rootfs */
};

typedef enum KsaveStatus {
	KSAVE_STATUS_NONE,       /* raw recovery: nothing was pending on the device */
	KSAVE_STATUS_SAVED,      /* vmcore, complete and verified */
	KSAVE_STATUS_INCOMPLETE, /* vmcore.incomplete */
	KSAVE_STATUS_DMESG_ONLY, /* vmcore-dmesg.txt only */
	KSAVE_STATUS_FAILED,     /* nothing (or nothing usable) */
	_KSAVE_STATUS_MAX,
} KsaveStatus;

/* "none", "saved", "incomplete", "dmesg-only", "failed" (the hooks' KDUMP_STATUS). */
const char *ksave_status_to_string(KsaveStatus s);

/* Message levels: syslog priorities, as /dev/kmsg takes them. */
enum {
	KSAVE_LOG_ERR = 3,
	KSAVE_LOG_WARNING = 4,
	KSAVE_LOG_NOTICE = 5,
	KSAVE_LOG_INFO = 6,
	KSAVE_LOG_DEBUG = 7,
};

typedef struct KsaveCallbacks {
	/* One line, no newline; errors and warnings start with "error: " / "warning: ". */
	void (*message)(int level, const char *text, void *userdata);
	void *userdata;
} KsaveCallbacks;

/*
 * What the agent does to the machine. ksave_real_ops() are the real system calls; the tests
 * pass their own. Each returns 0 or a negative errno.
 */
typedef struct KsaveOps {
	/*
	 * Mount device (fstype NULL: probe it; options: the mount data, NULL for none) read-write
	 * at the directory where (created if needed) and return an O_DIRECTORY descriptor of the
	 * mounted root in *ret_dirfd.
	 */
	int (*mount)(const char *device, const char *fstype, const char *options, const char *where,
		     int *ret_dirfd, void *userdata);
	int (*umount)(const char *where, void *userdata);
	/* Remount the filesystem mounted at where read-write (a read-only --root). */
	int (*remount_rw)(const char *where, void *userdata);
	/* reboot, halt or poweroff; syncs first. Returns only on failure. */
	int (*reboot)(KdumpAction action, void *userdata);
	/* An interactive shell on the console; returns when it exits. */
	int (*shell)(void *userdata);
	/* Seconds since the epoch (the dump's name when the vmcore has no crash time). */
	int64_t (*now)(void *userdata);
	void *userdata;
} KsaveOps;

const KsaveOps *ksave_real_ops(void);

typedef struct KsaveOptions {
	const KdumpConfig *config; /* required; kdump_config_new() gives the defaults */
	const char *config_path;   /* for messages and the hooks' KDUMP_CONFIG; may be NULL */
	const char *vmcore;        /* NULL: /proc/vmcore */
	/*
	 * Where the root filesystem is mounted (dracut's /sysroot), for a 'path' without target
	 * and for failure_action dump_to_rootfs; remounted read-write if it is read-only. NULL:
	 * mount the root= device of the kernel command line at run_dir/rootfs.
	 */
	const char *root;
	const char *proc;          /* NULL: /proc (cmdline, sys/kernel/hostname) */
	const char *run_dir;       /* NULL: /run/kdump-save (private mount points) */
	unsigned hook_timeout;     /* seconds for kdump_pre and kdump_post; 0: 300 */
	unsigned device_timeout;   /* seconds to wait for the target device to appear */
	bool no_action;            /* log final_action/failure_action, do not carry them out */
	bool quick_verify;         /* check the saved dump's headers only, not every page */
	KdumpTagResolver resolver; /* UUID=, LABEL=...; NULL: kdump_blkid_resolver */
	void *resolver_data;
	const KsaveOps *ops;       /* NULL: ksave_real_ops() */
	const KsaveCallbacks *cb;  /* NULL: silent (the log file is still written) */
	/*
	 * Network targets. known_hosts: the pinned host keys of the ssh server (NULL:
	 * /var/lib/kdump-suite/known_hosts, which 'kdumpctl propagate' writes); ssh_program: NULL
	 * for "ssh" in PATH; net_timeout: seconds to wait for the server to answer (the network
	 * coming up included), 0: 180.
	 */
	const char *known_hosts;
	const char *ssh_program;
	unsigned net_timeout;
	/*
	 * Test seam: the collector's writes fail with -fault_errno after fault_after bytes; with
	 * fault_hook set instead, fault_hook(fault_userdata) is called in the collector's process
	 * right before the write that reaches fault_after, and nothing fails by itself (the test
	 * shuts the target's filesystem down, or kills the collector).
	 */
	uint64_t fault_after;
	int fault_errno;
	void (*fault_hook)(void *userdata);
	void *fault_userdata;
} KsaveOptions;

typedef struct KsaveResult {
	KsaveStatus status;
	int exit_code;             /* KSAVE_EXIT_* */
	bool fallback;             /* the dump went to the root filesystem (dump_to_rootfs) */
	bool action_taken;         /* the action was carried out (and failed, since we are back) */
	KdumpAction action;        /* final_action or failure_action, as decided */
	char *dir;                 /* the dump directory (agent's view), NULL if none was made */
	char *file;                /* the dump file (vmcore or vmcore.incomplete), NULL if none */
	uint64_t size;             /* of the dump file, bytes */
	uint64_t pages_written, pages_to_write;
	char reason[512];          /* why the dump is not complete ("" when it is) */
} KsaveResult;

void ksave_result_done(KsaveResult *r);

/*
 * The capture: mount the target, make <path>/<host>-<YYYY-MM-DD-HH:MM:SS>/, write
 * vmcore-dmesg.txt, then the dump as vmcore.incomplete, verify it and rename it to vmcore; run
 * the hooks; then final_action or failure_action unless no_action. Returns 0 with *ret filled
 * whatever happened to the dump (ret->status, ret->exit_code), -EINVAL for bad options,
 * -ENOMEM. When the action is carried out successfully this does not return.
 */
int ksave_run(const KsaveOptions *o, KsaveResult *ret);

/*
 * Dump directory names: HOST-YYYY-MM-DD-HH:MM:SS in UTC, with ".N" (N >= 2) appended when the
 * name is taken. ksave_dump_dir_parse() returns the time and N (1 without suffix), -EINVAL for
 * a name that is not one of ours.
 */
#define KSAVE_DIR_NAME_MAX 96
int ksave_dump_dir_name(const char *host, int64_t time, unsigned seq, char *buf, size_t len);
int ksave_dump_dir_parse(const char *name, int64_t *ret_time, unsigned *ret_seq);

/*
 * ---- raw targets ----
 *
 * The capture writes to a 'raw DEVICE' (see docs/kdump-save.md for the layout): a 4 KiB
 * header of ours ("KDUMP-SUITE-RAW", crc32-checked: state, host, crash time, sizes), the
 * agent's log (60 KiB), vmcore-dmesg.txt from 64 KiB, then the flattened stream (makedumpfile
 * -F) at a 1 MiB boundary. The header says "writing" before the first byte of the dump and is
 * updated every 64 MiB, so a capture cut short is still found and recovered as far as it got.
 * A bare flattened stream at offset 0 (what Fedora's kdump writes) is recognised too.
 */
typedef struct KsaveRawInfo {
	bool ours;                 /* our header; false: a bare flattened stream */
	bool finished;             /* the capture finished writing */
	bool complete;             /* ... and the collector saved every page */
	char host[65];             /* "" when unknown (bare streams) */
	char osrelease[65];
	int64_t crash_time;        /* 0 when unknown */
	uint64_t dmesg_size;
	uint64_t stream_offset, stream_size; /* stream_size 0: up to the end of the device */
} KsaveRawInfo;

/*
 * Is a dump pending on device? Returns 1 with *ret filled, 0 when nothing is pending (zeros,
 * a cleared header, anything else), or a negative errno (and err) when the device cannot be
 * read.
 */
int ksave_raw_probe(const char *device, KsaveRawInfo *ret, KdumpError *err);

typedef struct KsaveRecoverOptions {
	const char *device;        /* the raw device (a /dev path; any file in the tests) */
	const char *root;          /* the root filesystem: NULL for "/" (kdumpctl's --root) */
	/*
	 * The directory to save into below root: the config's 'path'. Created if missing; a
	 * symbolic link in it is refused (root itself is opened as it is).
	 */
	const char *dir;
	uint32_t keep_old_dumps;   /* the config's keep_old_dumps */
	uint64_t min_free_space;   /* the config's min_free_space */
	bool keep_device;          /* do not clear the device afterwards (debugging) */
	bool quick_verify;
	const KsaveCallbacks *cb;
} KsaveRecoverOptions;

/*
 * Save a pending raw dump into o->dir as a dump directory like the capture's (vmcore-dmesg.txt,
 * vmcore or vmcore.incomplete, kdump-save.log holding the capture's log and the recovery's),
 * then clear the device (our header and the stream's signature are zeroed). Returns 0 with
 * ret->status NONE when nothing was pending, SAVED or INCOMPLETE when the dump was saved (the
 * device is cleared), FAILED when it could not be saved (the device is left as it was, so that
 * the next start tries again; ret->reason says why). Negative errno: bad options, -ENOMEM.
 */
int ksave_raw_recover(const KsaveRecoverOptions *o, KsaveResult *ret);
