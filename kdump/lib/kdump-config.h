/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * /etc/kdump.conf: the directive names Fedora's kdump uses, plus keep_old_dumps and
 * min_free_space. docs/man/kdump.conf.5 is the user's reference; this header is the parsed form.
 *
 * The parser reports every problem of a file (FILE:LINE, message, hint) into a KdumpDiags list
 * and returns -EINVAL when at least one of them is an error; warnings alone do not fail.
 */
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "kdump-diag.h"

#define KDUMP_CONFIG_PATH "/etc/kdump.conf"
#define KDUMP_DEFAULT_PATH "/var/crash"
/* keep_old_dumps when the file does not say (or says "all"): never delete a dump. */
#define KDUMP_KEEP_ALL UINT32_MAX
/* sshkey when the file does not say: 'kdumpctl propagate' creates it. */
#define KDUMP_DEFAULT_SSHKEY "/root/.ssh/kdump_id_ed25519"

typedef enum KdumpDirective {
	KDUMP_DIR_PATH,
	KDUMP_DIR_TARGET_FS,      /* ext4 | xfs | btrfs DEVICE */
	KDUMP_DIR_RAW,
	KDUMP_DIR_SSH,            /* ssh USER@HOST[:PORT] */
	KDUMP_DIR_SSHKEY,
	KDUMP_DIR_NFS,            /* nfs HOST:/EXPORT */
	KDUMP_DIR_CORE_COLLECTOR,
	KDUMP_DIR_KDUMP_PRE,
	KDUMP_DIR_KDUMP_POST,
	KDUMP_DIR_FAILURE_ACTION, /* also Fedora's obsolete spelling "default" */
	KDUMP_DIR_FINAL_ACTION,
	KDUMP_DIR_EXTRA_BINS,
	KDUMP_DIR_EXTRA_MODULES,
	KDUMP_DIR_DRACUT_ARGS,
	KDUMP_DIR_FORCE_REBUILD,
	KDUMP_DIR_FORCE_NO_REBUILD,
	KDUMP_DIR_KEEP_OLD_DUMPS,
	KDUMP_DIR_MIN_FREE_SPACE,
	KDUMP_DIR_AUTO_RESET_CRASHKERNEL, /* Fedora's; accepted and ignored with a warning */
	_KDUMP_DIR_MAX,
} KdumpDirective;

typedef enum KdumpTargetType {
	KDUMP_TARGET_ROOTFS, /* no target directive: 'path' on the root filesystem */
	KDUMP_TARGET_FS,
	KDUMP_TARGET_RAW,
	KDUMP_TARGET_SSH,
	KDUMP_TARGET_NFS,
} KdumpTargetType;

typedef enum KdumpAction {
	KDUMP_ACTION_REBOOT,
	KDUMP_ACTION_HALT,
	KDUMP_ACTION_POWEROFF,
	KDUMP_ACTION_SHELL,          /* failure_action only */
	KDUMP_ACTION_DUMP_TO_ROOTFS, /* failure_action only */
	_KDUMP_ACTION_MAX,
} KdumpAction;

typedef struct KdumpConfig {
	/* Where: the directory, relative to the target filesystem's root (or / for ROOTFS). */
	char *path;
	KdumpTargetType target;
	char *fstype;     /* KDUMP_TARGET_FS: "ext4", "xfs" or "btrfs" */
	char *device;     /* FS and RAW: as written, "/dev/vdb1", "UUID=...", "LABEL=..." */
	char *ssh;        /* "user@host[:port]", as written (kdump_ssh_target_parse()) */
	char *sshkey;     /* never NULL: KDUMP_DEFAULT_SSHKEY unless the file says */
	char *nfs;        /* "host:/export", as written (kdump_nfs_target_parse()) */

	/* How: argv vectors (NULL-terminated). core_collector is never NULL. */
	char **core_collector;
	char **kdump_pre;   /* NULL when not set */
	char **kdump_post;
	char **dracut_args;
	char **extra_bins;
	char **extra_modules;

	KdumpAction failure_action;
	KdumpAction final_action;
	bool force_rebuild;
	bool force_no_rebuild;
	uint32_t keep_old_dumps;  /* number of earlier dumps to keep, or KDUMP_KEEP_ALL */
	uint64_t min_free_space;  /* bytes that must stay free on the target; 0 = no check */

	/* The line each directive was last set on, 0 for defaults, for later messages. */
	unsigned line[_KDUMP_DIR_MAX];
} KdumpConfig;

/* A configuration with every default filled in. Returns 0 or -ENOMEM. */
int kdump_config_new(KdumpConfig **ret);
void kdump_config_free(KdumpConfig *c);
static inline void kdump_config_freep(KdumpConfig **c)
{
	kdump_config_free(*c);
}
#define _cleanup_config_free_ _cleanup_(kdump_config_freep)

/*
 * Parse text (the contents of a file named filename, used in diagnostics). Every problem goes
 * to diags. Returns 0 and *ret when there was no error (there may be warnings), -EINVAL when
 * diags holds at least one error, -ENOMEM. *ret is written only on success.
 */
int kdump_config_parse_string(const char *filename, const char *text, KdumpConfig **ret,
			      KdumpDiags *diags);

/*
 * Open and parse a file. When check_owner is true the file is first checked with
 * kdump_config_check_stat() against geteuid(), and refused (-EPERM) when unsafe.
 * Errors opening or reading the file (-ENOENT, ...) are reported as a diagnostic with line 0.
 */
int kdump_config_parse_file(const char *path, bool check_owner, KdumpConfig **ret,
			    KdumpDiags *diags);

/*
 * Is a file with these attributes safe to take commands from, for a process running as euid?
 * kdump.conf names hooks that run as root in the capture kernel, so it must be a regular file,
 * not writable by group or others, and owned by root when euid is root (by euid or root
 * otherwise). Returns 0, or -EPERM / -EINVAL with a message in err.
 */
int kdump_config_check_stat(const char *path, const struct stat *st, uid_t euid, KdumpError *err);

/* Names for messages and JSON: "reboot", "ext4", "path"... */
const char *kdump_action_to_string(KdumpAction a);
int kdump_action_from_string(const char *s, KdumpAction *ret);
const char *kdump_directive_to_string(KdumpDirective d);
const char *kdump_target_type_to_string(KdumpTargetType t);

/*
 * Device specifications: "/dev/..." or TAG=value with TAG one of UUID, LABEL, PARTUUID,
 * PARTLABEL. kdump_device_spec_valid() checks the syntax only.
 */
bool kdump_device_spec_valid(const char *spec);

/*
 * Resolve a device specification to a /dev path. A resolver maps "UUID=..." to a path it
 * returns in *ret (caller frees), or returns -ENODEV when no such device exists. Paths are
 * returned as they are. kdump_blkid_resolver() is the real one (libblkid's
 * blkid_evaluate_tag()); tests pass their own.
 */
typedef int (*KdumpTagResolver)(const char *spec, char **ret, void *userdata);
int kdump_resolve_device(const char *spec, KdumpTagResolver resolver, void *userdata, char **ret,
			 KdumpError *err);
int kdump_blkid_resolver(const char *spec, char **ret, void *userdata);

/*
 * Network targets taken apart. 'ssh USER@HOST[:PORT]' (port 22 when not given; an IPv6
 * address in brackets, [fd00::1]:2222) and 'nfs HOST:/EXPORT'. host is without brackets.
 * Return 0, or -EINVAL for a malformed value.
 */
typedef struct KdumpSshTarget {
	char user[64];
	char host[256];
	unsigned port;
	bool ipv6;
} KdumpSshTarget;

typedef struct KdumpNfsTarget {
	char host[256];
	char export[1024];
	bool ipv6;
} KdumpNfsTarget;

int kdump_ssh_target_parse(const char *spec, KdumpSshTarget *ret);
int kdump_nfs_target_parse(const char *spec, KdumpNfsTarget *ret);
/* How ssh names the server in known_hosts: "host", or "[host]:port" for another port. */
int kdump_ssh_known_hosts_name(const KdumpSshTarget *t, char *buf, size_t size);
