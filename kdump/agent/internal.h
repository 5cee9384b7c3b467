/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* What the files of libkdump-save share. Not installed, not for kdumpctl: see ksave.h. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kdump-diag.h"
#include "ksave.h"
#include "macro.h"
#include "mdl.h"
#include "sha256.h"
#include "vmcore.h"

#define KSAVE_DEFAULT_VMCORE "/proc/vmcore"
#define KSAVE_DEFAULT_PROC "/proc"
#define KSAVE_DEFAULT_RUN_DIR "/run/kdump-save"
#define KSAVE_DEFAULT_HOOK_TIMEOUT 300u

#define KSAVE_LOG_NAME "kdump-save.log"
#define KSAVE_DMESG_NAME "vmcore-dmesg.txt"
#define KSAVE_DMESG_TMP "vmcore-dmesg.txt.incomplete"
#define KSAVE_VMCORE_NAME "vmcore"
#define KSAVE_VMCORE_TMP "vmcore.incomplete"
/* ssh targets: the flattened stream as it arrived, and its checksum */
#define KSAVE_FLAT_NAME "vmcore.flat"
#define KSAVE_FLAT_TMP "vmcore.flat.incomplete"
#define KSAVE_FLAT_SHA256 "vmcore.flat.sha256"
#define KSAVE_DEFAULT_KNOWN_HOSTS "/var/lib/kdump-suite/known_hosts"
#define KSAVE_DEFAULT_NET_TIMEOUT 180u

/* ---- log.c: messages to the callbacks, to kdump-save.log, and kept for later logs ---- */

#define KLOG_BACKLOG_MAX (1u << 20)
#define KLOG_RESERVE (256 << 10) /* bytes of kdump-save.log allocated up front */

struct klog {
	const KsaveCallbacks *cb;
	int fd;              /* kdump-save.log, -1 while there is none */
	char *backlog;       /* every line so far, for the next log file (and a raw device) */
	size_t len, cap;
	uint64_t dropped;    /* bytes of backlog dropped (over KLOG_BACKLOG_MAX) */
	double t0;
	bool file_error;     /* a write to the log file failed (reported once) */
};

void klog_init(struct klog *l, const KsaveCallbacks *cb);
void klog_done(struct klog *l);
void klog(struct klog *l, int level, const char *fmt, ...) _printf_(3, 4);
/* Create kdump-save.log in dirfd (0600, O_EXCL) and write the backlog into it. */
int klog_attach(struct klog *l, int dirfd);
/* Sync and close the log file (nothing when there is none). */
void klog_detach(struct klog *l);
/* Text that is already log lines (a capture's log, recovered): backlog and file, no callback. */
void klog_add_lines(struct klog *l, const char *text, size_t n);
/* Seconds of CLOCK_MONOTONIC. */
double ksave_mono(void);
/* "12.3 MiB" */
const char *ksave_size(uint64_t bytes, char *buf, size_t len);

/* ---- fsutil.c: directories by descriptor, never through a symbolic link ---- */

/*
 * Open the directory path (absolute or relative, "/" alone is rootfd itself) below rootfd, one
 * component at a time with O_NOFOLLOW. Missing components are created when create is set (mode
 * 0755, the last one 0700). A symbolic link is refused with -ELOOP. err gets the reason.
 */
int ksave_open_dir_path(int rootfd, const char *path, bool create, int *ret_fd, char *err,
			size_t errlen);
/* Make a new directory base (or base.2, base.3...) in pathfd, mode 0700; open it. */
int ksave_make_dump_dir(int pathfd, const char *base, char *ret_name, size_t len, int *ret_fd);
int ksave_fsync_dir(int dirfd);
/* a/b, with one slash; NULL when out of memory. */
char *ksave_path_join(const char *a, const char *b);
/* Read a small text file (at most max bytes, NUL-terminated, trailing newline cut). */
int ksave_read_text(const char *path, size_t max, char **ret);

/* ---- ident.c: who crashed, and when ---- */

struct ksave_ident {
	char host[65];        /* a safe path component */
	const char *host_from; /* "utsname", "kdump header", "hostname", "default" */
	int64_t crash_time;
	bool time_from_dump;
	char osrelease[65];
};

void ksave_ident_read(vmcore_t *v, const char *proc, int64_t now, struct ksave_ident *ret);
/* Whether s can be the host part of a dump directory name (a DNS-like label run). */
bool ksave_host_valid(const char *s);

/* ---- dmesg-out.c: the crashed kernel's log, streamed to an fd ---- */

struct dmesg_result {
	uint64_t size;       /* bytes written */
	uint64_t lines;
	int read_error;      /* the log could not be read (whole): the lines so far are kept */
	int write_error;     /* writing failed: the output is cut */
	char why[256];
};

/* Write the log at offset off of fd, at most limit bytes (0: no limit). */
void ksave_write_dmesg(vmcore_t *v, int fd, uint64_t off, uint64_t limit,
		       struct dmesg_result *ret);

/* ---- collector.c: core_collector to makedumpfile-lite options; the collector in a child ---- */

/*
 * Parse core_collector with the input and output appended. out NULL: a flattened stream on the
 * child's stdout (-F added when missing); else a file (-F dropped with a warning). The result
 * points at vmcore and out.
 */
int ksave_collector_options(struct klog *log, char *const *core_collector, const char *vmcore,
			    const char *out, struct mdl_options *ret);

enum pump_dir {
	PUMP_NONE,
	PUMP_FROM_CHILD, /* the child writes a stream to its stdout: copy it to fd */
	PUMP_TO_CHILD,   /* the child reads a stream on its stdin: copy it from fd */
};

struct pump {
	enum pump_dir dir;
	int fd;             /* the device */
	uint64_t off;       /* where the stream starts on it */
	uint64_t limit;     /* bytes at most (the room on the device, or the stream's size) */
	uint64_t done;      /* bytes moved */
	int error;          /* the first error on fd, or -ENOSPC at the limit */
	/* FROM_CHILD: where the stream goes instead of pwrite() to fd at off (ssh: a pipe);
	 * returns 0 or a negative errno, which ends the stream */
	int (*sink)(struct pump *p, const void *buf, size_t n);
	/* FROM_CHILD: called after every `every` bytes (synced first) */
	int (*checkpoint)(struct pump *p, void *userdata);
	uint64_t every;
	void *userdata;
};

struct collect_result {
	int r;                 /* mdl_run()'s result */
	struct mdl_stats st;
	char err[512];
	int signal;            /* the collector died of this signal (r is -ECHILD) */
};

/*
 * Run the collector (o) in a child process of this one: same code, no exec, so that fd 0/1 can
 * carry a stream and a crash of the collector is an error here, not the end of the agent.
 * Messages and progress come back through a pipe and go to log.
 */
int ksave_collect(struct klog *log, const struct mdl_options *o, uint64_t fault_after,
		  int fault_errno, struct pump *p, struct collect_result *ret);
/* The same with makedumpfile-lite's whole test seam (run.h; NULL: none). */
struct mdl_seam;
int ksave_collect_seam(struct klog *log, const struct mdl_options *o, const struct mdl_seam *seam,
		       struct pump *p, struct collect_result *ret);

/* ---- check.c: is a saved dump what the collector says it is ---- */

struct dump_check {
	uint64_t size;         /* bytes */
	uint64_t pages;        /* page frames whose data is in the file */
	int incomplete;        /* vmcore_is_incomplete() bits */
	int problems;          /* vmcore_verify() problems (-1: not run) */
	char format[32];
	char why[256];         /* the first problem, or why it cannot be opened */
};

/* Open dirfd/name with libvmcore; quick: headers only, else vmcore_verify() too. */
int ksave_check_dump(int dirfd, const char *name, bool quick, struct dump_check *ret);
/*
 * Mark a dump incomplete in its header (kdump status 0x8, ELF e_flags bit 0), as the collector
 * does when a write fails: for a collector that could not (it was killed). -EBADMSG when the
 * file does not even hold a header.
 */
int ksave_mark_incomplete(int dirfd, const char *name);

/* ---- space.c ---- */

struct space {
	uint64_t avail;        /* bytes free for us on the target */
	uint64_t need;         /* the dump's estimated size: an upper bound */
	bool by_class;         /* need comes from the page classes (else: all of RAM) */
	bool enough;           /* avail - need >= min_free (always true for min_free 0) */
	bool fits;             /* avail >= need */
};

int ksave_space_check(vmcore_t *v, int level, int fd, uint64_t min_free, struct space *ret);

/* ---- rotate.c ---- */

/* Delete the oldest of our dump directories in pathfd beyond keep. Returns how many. */
int ksave_rotate(struct klog *log, int pathfd, uint32_t keep);
/* Whether dirfd/name is a dump directory this tool wrote (pattern and contents). */
bool ksave_is_our_dump_dir(int pathfd, const char *name, char *why, size_t len);

/* ---- hooks.c ---- */

struct hook_result {
	int exit_status;       /* exit code; 128 + signal when killed */
	bool timed_out;
	bool left_behind;      /* processes of its group outlived it (killed) */
};

/*
 * Run argv (no shell) with exactly env as its environment, stdout and stderr into the log
 * ("NAME: line"), stdin /dev/null, in its own process group, killed (the group) after timeout
 * seconds. Returns 0 with *ret once it ran, a negative errno when it could not be started.
 */
int ksave_hook_run(struct klog *log, const char *what, char *const *argv, char *const *env,
		   unsigned timeout, struct hook_result *ret);

/* ---- flat-track.c: a flattened stream's SHA-256 and whether it ended with its end record ---- */

struct flat_track {
	Sha256 sha;
	uint64_t bytes;        /* fed so far */
	uint64_t need;         /* bytes left of the current part */
	uint64_t records;
	int state;
	uint8_t buf[32];       /* the header's start, or a record header */
	char why[128];
};

void flat_track_init(struct flat_track *t);
void flat_track_feed(struct flat_track *t, const void *data, size_t n);
/* Whether the stream so far is whole: ended with its end record, nothing after it. */
bool flat_track_complete(const struct flat_track *t, char *why, size_t len);
void flat_track_digest(const struct flat_track *t, char hex[SHA256_HEX_SIZE]);

/* ---- ssh.c: OpenSSH with pinned host keys, run for one remote command ---- */

struct ssh_conn {
	const char *program;        /* NULL: "ssh" in PATH */
	KdumpSshTarget t;
	const char *key;            /* the identity (sshkey) */
	const char *known_hosts;    /* the pinned host keys */
	unsigned connect_timeout;   /* seconds; 0: 10 */
	unsigned alive_interval;    /* ServerAliveInterval (3 unanswered end it); 0: 10 */
};

struct ssh_proc {
	pid_t pid;
	int out, err;               /* memory files with ssh's stdout and stderr */
};

struct ssh_result {
	int status;                 /* exit status; 128 + signal; -1 unknown */
	bool timed_out;             /* killed after the timeout */
	char *out, *err;            /* what it printed (at most 64 KiB each), trailing newline cut */
};

enum ssh_outcome {
	SSH_OK,
	SSH_REMOTE,       /* connected; the remote command failed */
	SSH_UNREACHABLE,  /* no connection (refused, no route, timeout, name): worth retrying */
	SSH_AUTH,         /* the server refused the key */
	SSH_HOSTKEY,      /* the server's host key is not the pinned one */
	SSH_OTHER,
};

/* 'text' with every ' escaped, for a POSIX shell; NULL when out of memory. */
char *ksave_shell_quote(const char *s);
int ksave_ssh_argv(const struct ssh_conn *c, const char *command, char ***ret);
/* Start ssh with stdin from in_fd (-1: /dev/null), in a process group of its own. */
int ksave_ssh_spawn(const struct ssh_conn *c, const char *command, int in_fd, struct ssh_proc *ret);
/* Wait for it, killing its group after timeout seconds (0: no limit). */
int ksave_ssh_wait(struct ssh_proc *p, unsigned timeout, struct ssh_result *ret);
int ksave_ssh_run(const struct ssh_conn *c, const char *command, int in_fd, unsigned timeout,
		  struct ssh_result *ret);
void ksave_ssh_result_done(struct ssh_result *r);
enum ssh_outcome ksave_ssh_classify(const struct ssh_result *r);
/* One sentence for the log: what failed, and ssh's own words. */
void ksave_ssh_explain(const struct ssh_conn *c, const struct ssh_result *r, char *buf,
		       size_t len);

/* ---- the run (run.c, attempt.c, save.c, raw.c) ---- */

struct raw_state;
struct ssh_state;

struct ksave {
	const KsaveOptions *o;
	const KdumpConfig *cfg;
	const KsaveOps *ops;
	struct klog log;
	const char *vmcore, *proc, *run_dir;
	KdumpTagResolver resolver;
	void *resolver_data;
	vmcore_t *v;                /* the input, for the name, the log and the estimate */
	struct ksave_ident id;
	char **collector;           /* core_collector, or the default when it cannot be used */
	int dump_level;
	char *mounts[2];            /* what to unmount at the end */
	size_t n_mounts;

	/* the attempt being made, for the final line */
	char target[256];           /* "ext4 LABEL=dumps", "raw /dev/vdb", "the root filesystem" */
	char shown[512];            /* the dump directory on the target: /var/crash/host-... */
	bool dmesg_saved;
	uint64_t dmesg_size;
	char format[32];            /* of the saved dump */
	struct raw_state *raw;      /* raw target: the device, until its log is written */
	struct ssh_state *ssh;      /* ssh target: the server's dump directory, for the log */
};

/*
 * attempt.c: a device specification to a path: a path is taken as it is (kdump.conf wants
 * /dev/..., kdumpctl's checks and the tests may give others), UUID=, LABEL=... go through the
 * resolver. err gets the reason.
 */
int ksave_resolve(struct ksave *k, const char *spec, char **ret, char *err, size_t errlen);
/* attempt.c: mount the target (or find the root filesystem) and save there. */
void ksave_attempt_fs(struct ksave *k, KsaveResult *res);
void ksave_attempt_rootfs(struct ksave *k, KsaveResult *res);
void ksave_unmount_all(struct ksave *k);

/*
 * save.c: save into the directory path below rootfd (the mounted target); where: the target's
 * root in this process (for res->dir and the hooks).
 */
void ksave_save_dir(struct ksave *k, int rootfd, const char *where, KsaveResult *res);
/* raw.c: the flattened stream onto the raw device; ksave_raw_close() writes the log there. */
void ksave_save_raw(struct ksave *k, KsaveResult *res);
void ksave_raw_close(struct ksave *k);
/* target-ssh.c: the flattened stream over ssh; ksave_ssh_close() sends the log there. */
void ksave_save_ssh(struct ksave *k, KsaveResult *res);
void ksave_ssh_close(struct ksave *k);
/* target-nfs.c: mount HOST:/EXPORT and save there as on a local filesystem. */
void ksave_attempt_nfs(struct ksave *k, KsaveResult *res);
/* The mount(2) options for NFS version ("4.2", "3") of a server at addr. */
int ksave_nfs_options(const char *version, const char *addr, bool ipv6, char *buf, size_t len);
/* Set res->status and its reason (formatted). */
void ksave_fail(KsaveResult *res, KsaveStatus status, const char *fmt, ...) _printf_(3, 4);
