/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * kdumpctl: the first kernel's side of kdump. main.c parses the command line and calls
 * ctl_run(); each subcommand lives in its own cmd-*.c file and is the only place that prints.
 * The pieces below the commands (facts.c, inputs.c, build.c, status.c, dumps.c) return 0 or a
 * negative errno and fill a KdumpError or a list of problems: the unit tests call them on
 * fixture trees.
 *
 * Everything read from or written to the system is below a root directory: "/" normally,
 * a fixture tree with --root (and in the tests). Paths kept in structures are the system's
 * paths ("/boot/vmlinuz-6.1.0"); ctl_path() turns one into the path to open.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "kdump-bootloader.h"
#include "kdump-config.h"
#include "kdump-diag.h"
#include "kdump-estimate.h"
#include "kexec-load.h"

/* Exit codes, documented in kdumpctl(8). */
enum {
	CTL_EXIT_OK = 0,
	CTL_EXIT_FAILURE = 1,   /* the operation failed, or was not confirmed */
	CTL_EXIT_USAGE = 2,     /* bad command line */
	CTL_EXIT_NOT_READY = 3, /* status: kdump is not ready; test-panic: nothing loaded */
	CTL_EXIT_CONFIG = 4,    /* the configuration has errors */
};

/* Where things are on the system (compile-time defaults, see kdump/ctl/meson.build). */
#ifndef KDUMPCTL_AGENT
#define KDUMPCTL_AGENT "/usr/libexec/kdump-suite/kdump-save"
#endif
#ifndef KDUMPCTL_DRACUT_MODULE
#define KDUMPCTL_DRACUT_MODULE "/usr/lib/dracut/modules.d/99kdump-suite"
#endif
#define KDUMPCTL_STATE_DIR "/var/lib/kdump-suite"
#define KDUMPCTL_RUN_DIR "/run/kdump-suite"
/* Where programs named without a path are looked for (the service's PATH may lack sbin). */
#define KDUMPCTL_SEARCH_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define KDUMPCTL_COLLECTOR "makedumpfile-lite"

typedef enum CtlCommand {
	CMD_NONE,
	CMD_START,
	CMD_STOP,
	CMD_RESTART,
	CMD_RELOAD,
	CMD_STATUS,
	CMD_REBUILD,
	CMD_CHECK_CONFIG,
	CMD_ESTIMATE,
	CMD_SHOWMEM,
	CMD_CRASHKERNEL,
	CMD_TEST_PANIC,
	CMD_LIST,
	CMD_PROPAGATE,
	CMD_FETCH,
	CMD_HELP,
	CMD_VERSION,
	_CMD_MAX,
} CtlCommand;

typedef struct CtlArgs {
	CtlCommand command;
	const char *config;     /* --config, NULL: /etc/kdump.conf below the root */
	const char *root;       /* --root, NULL: "/" */
	bool json, dry_run, force, yes, verbose;
	const char *set;        /* crashkernel --set SIZE|auto */
	const char *kernel;     /* estimate --kernel */
	const char *initrd;     /* estimate --initrd */
	const char *dir;        /* list --dir */
	const char *operands[2]; /* fetch NAME DIR */
	size_t n_operands;
	KdumpEstimateExtra extras[KDUMP_ESTIMATE_MAX_EXTRAS]; /* estimate --extra NAME=SIZE */
	size_t n_extras;
	char extra_names[KDUMP_ESTIMATE_MAX_EXTRAS][32];     /* where extras[].name point */
} CtlArgs;

/* Parse argv. Returns 0, or CTL_EXIT_USAGE with a one-line message in *ret_msg (freed by
 * the caller). */
int ctl_args_parse(int argc, char **argv, CtlArgs *ret, char **ret_msg);
void ctl_usage(FILE *f);
const char *ctl_command_name(CtlCommand c);

/* ---- logging (log.c): the journal with KDUMP_* fields under systemd, stderr otherwise ---- */

typedef enum CtlLevel {
	CTL_LOG_ERR = 3,
	CTL_LOG_WARNING = 4,
	CTL_LOG_NOTICE = 5,
	CTL_LOG_INFO = 6,
} CtlLevel;

typedef struct CtlLog {
	bool journal;           /* stderr is connected to the journal: send structured records */
	const char *command;    /* KDUMP_COMMAND= */
} CtlLog;

/* Decide where messages go (JOURNAL_STREAM names stderr's device and inode). */
void ctl_log_init(CtlLog *l, const char *command);
/*
 * One message. state (KDUMP_STATE=: "ready", "not-ready", "loaded", "unloaded", "built",
 * "failed") and reason (KDUMP_REASON=, a status reason name) may be NULL.
 */
void ctl_log(const CtlLog *l, CtlLevel level, const char *state, const char *reason,
	     const char *fmt, ...) _printf_(5, 6);

/* ---- the context ---- */

typedef int (*CtlDevProbe)(const char *device, char **ret_uuid, char **ret_type,
			   void *userdata);

typedef struct Ctl {
	const CtlArgs *args;
	char *prefix;           /* "" for "/", else the root without a trailing slash */
	char *config_path;      /* the file to read, already below the root */
	CtlLog log;
	/* Injected system access, real by default. */
	KdumpTagResolver resolver;  /* UUID=, LABEL= to /dev paths (libblkid) */
	CtlDevProbe probe;          /* a device's filesystem UUID and type (libblkid) */
	KdumpRunner runner;         /* runs update-grub, grubby, dracut */
	void *userdata;
	const struct kexec_sys_ops *kexec_ops; /* NULL: the real system calls */
	void *kexec_ops_data;
} Ctl;

int ctl_init(Ctl *c, const CtlArgs *args);
void ctl_done(Ctl *c);
/* The path to open for a system path (abs starts with '/'); NULL on allocation failure. */
char *ctl_path(const Ctl *c, const char *abs);
/* mkdir -p (parents 0755). */
int ctl_mkdir_p(const char *path, mode_t mode);
/* Read a whole (small) file below the root; NUL-terminated. */
int ctl_read_file(const Ctl *c, const char *abs, size_t max, char **ret);
/* Find a program (absolute, or a name looked up in KDUMPCTL_SEARCH_PATH) below the root.
 * *ret is the system path. -ENOENT when there is none. */
int ctl_find_program(const Ctl *c, const char *name, char **ret);
/* Parse the configuration into *ret, problems into diags; as kdump_config_parse_file(). */
int ctl_config_load(const Ctl *c, KdumpConfig **ret, KdumpDiags *diags);
/* Real implementations of the injected functions (libblkid, posix_spawn). */
int ctl_blkid_probe(const char *device, char **ret_uuid, char **ret_type, void *userdata);
int ctl_runner(char *const argv[], char **ret_output, void *userdata);
/* Run argv with env_add (NAME=value, NULL-terminated, may be NULL) added to the environment,
 * its stdout and stderr going to out_fd (-1: inherited). Exit status, or -errno. */
int ctl_spawn(char *const argv[], char *const env_add[], int out_fd);

/* ---- the running system (facts.c) ---- */

typedef struct CtlFacts {
	char kver[128];         /* proc/sys/kernel/osrelease */
	char *kernel_image;     /* system path of the running kernel's image, NULL if not found */
	char *cmdline;          /* proc/cmdline without its newline ("" if unreadable) */
	uint64_t system_ram;    /* proc/iomem System RAM, else MemTotal */
	unsigned nr_cpus;       /* CPUs online */
	int have_kexec;         /* sys/kernel/kexec_crash_loaded exists */
	KexecStatus kexec;
} CtlFacts;

int ctl_facts_read(const Ctl *c, CtlFacts *ret);
void ctl_facts_done(CtlFacts *f);
/* The system path of the capture initramfs for a kernel release (caller frees). */
char *ctl_initramfs_path(const char *kver);

/* ---- what the capture initramfs is built from (inputs.c) ---- */

typedef struct CtlBuildPlan {
	char *kver;
	char *agent;            /* kdump-save */
	char **binaries;        /* collector, hooks, extra_bins: system paths */
	char **kmods;           /* the target's filesystem module and extra_modules */
	char *device;           /* the target device (/dev path), NULL for the root filesystem */
	char *target_id;        /* "ext4 UUID=... on /dev/vdb1", for the hash and messages */
	char *output;           /* the initramfs, system path */
	char *config;           /* the configuration file, the path to open */
	char *config_name;      /* ... and as the system knows it, for the inputs' names */
	/* network targets (net.c) */
	char **files;           /* installed as they are: the ssh key, the pinned host keys */
	char *net;              /* KDUMP_SUITE_NET: how the capture kernel brings the network up */
	char *hosts;            /* an /etc/hosts line for the server ("10.0.2.100 dumps"), or NULL */
} CtlBuildPlan;

/* Resolve what the configuration names. Problems go to diags with the config's FILE:LINE. */
int ctl_build_plan(const Ctl *c, const KdumpConfig *cfg, const char *kver, CtlBuildPlan *ret,
		   KdumpDiags *diags);
void ctl_build_plan_done(CtlBuildPlan *p);

typedef struct CtlInput {
	char *name;             /* "config /etc/kdump.conf", "file /usr/sbin/...", "kernel" */
	char *value;            /* a sha256, a release, a device identity */
} CtlInput;

typedef struct CtlInputs {
	CtlInput *items;
	size_t n;
	char digest[65];        /* sha256 over every name and value */
} CtlInputs;

/* Hash every input of a plan. -ENOENT (and err) when a file cannot be read. */
int ctl_inputs_collect(const Ctl *c, const CtlBuildPlan *plan, CtlInputs *ret,
		       KdumpError *err);
void ctl_inputs_done(CtlInputs *in);
int ctl_inputs_format(const CtlInputs *in, char **ret);
int ctl_inputs_parse(const char *text, CtlInputs *ret);
/* The names of the inputs that differ (changed, new or gone), as a strv. */
int ctl_inputs_diff(const CtlInputs *old, const CtlInputs *cur, char ***ret);
/* The stored manifest of the last build (output + ".inputs"). -ENOENT when none. */
int ctl_inputs_load(const Ctl *c, const char *output, CtlInputs *ret);
int ctl_inputs_save(const Ctl *c, const char *output, const CtlInputs *in, KdumpError *err);

typedef enum CtlRebuild {
	CTL_REBUILD_NO,         /* up to date */
	CTL_REBUILD_MISSING,    /* never built */
	CTL_REBUILD_CHANGED,    /* inputs changed (listed in *ret_changed) */
	CTL_REBUILD_FORCED,     /* force_rebuild 1 */
	CTL_REBUILD_FORBIDDEN,  /* force_no_rebuild 1 and stale (or missing: an error) */
} CtlRebuild;

/* Does the plan's initramfs need building? cur: the current inputs. */
int ctl_rebuild_needed(const Ctl *c, const KdumpConfig *cfg, const CtlBuildPlan *plan,
		       const CtlInputs *cur, CtlRebuild *ret, char ***ret_changed);

/* ---- building (build.c) ---- */

/* dracut's command line and the environment the kdump-suite module reads. */
int ctl_dracut_command(const KdumpConfig *cfg, const CtlBuildPlan *plan, const char *tmp_output,
		       char ***ret_argv, char ***ret_env);
/* Build the plan's initramfs with dracut, atomically; store the inputs. log_fd gets dracut's
 * output (-1: inherited). */
int ctl_build_initramfs(const Ctl *c, const KdumpConfig *cfg, const CtlBuildPlan *plan,
			const CtlInputs *in, int log_fd, KdumpError *err);

/* ---- loading (load.c) ---- */

typedef struct CtlLoaded {
	char *kernel, *initrd, *inputs, *cmdline;
} CtlLoaded;

/* The capture kernel's command line: the running one, made fit, plus what the initramfs
 * needs for cfg. */
int ctl_capture_cmdline(const Ctl *c, const KdumpConfig *cfg, const char *running, char **ret);
int ctl_load(const Ctl *c, const CtlFacts *f, const KdumpConfig *cfg, const char *initrd,
	     const char *inputs_digest, KexecError *e);
int ctl_unload(const Ctl *c, KexecError *e);
/* What kdumpctl recorded at its last load (run dir). -ENOENT when nothing. */
int ctl_loaded_read(const Ctl *c, CtlLoaded *ret);
void ctl_loaded_done(CtlLoaded *l);
int ctl_kexec_ctx(const Ctl *c, KexecCtx *ret);

/* Save a dump the capture left on a raw target into 'path' (raw.c, libkdump-save). Returns
 * an exit code: FAILURE when one is pending and cannot be saved (arming would lose it). */
int ctl_recover_raw(const Ctl *c, const KdumpConfig *cfg);

/* ---- readiness (status.c) ---- */

typedef enum CtlReason {
	CTL_REASON_CONFIG,         /* the configuration has errors */
	CTL_REASON_NO_KEXEC,       /* the kernel has no kexec support */
	CTL_REASON_NO_RESERVATION, /* no crashkernel= memory */
	CTL_REASON_SMALL_RESERVATION,
	CTL_REASON_NO_KERNEL,      /* the running kernel's image is not found */
	CTL_REASON_NO_AGENT,       /* kdump-save is not installed */
	CTL_REASON_INPUT_MISSING,  /* a program the configuration names is missing */
	CTL_REASON_NO_INITRAMFS,
	CTL_REASON_STALE_INITRAMFS,
	CTL_REASON_NOT_LOADED,
	CTL_REASON_LOADED_STALE,   /* loaded, but not from the current initramfs and inputs */
	CTL_REASON_LOADED_OTHER,   /* loaded by something other than kdumpctl */
	CTL_REASON_LAST_TEST,      /* the last test-panic saved no (complete) dump */
	CTL_REASON_LAST_CAPTURE,   /* the last capture could not save to the target (fallback) */
	_CTL_REASON_MAX,
} CtlReason;

#define CTL_STATUS_MAX_PROBLEMS 16

typedef struct CtlProblem {
	CtlReason reason;
	bool warning;           /* reported, but does not make kdump not ready */
	char *message;
	char *hint;             /* may be NULL */
} CtlProblem;

typedef struct CtlStatus {
	bool ready;
	CtlProblem problems[CTL_STATUS_MAX_PROBLEMS];
	size_t n;
	int64_t reserved;       /* crash region bytes, -1 unknown */
	int loaded;             /* kexec_crash_loaded: 1, 0, -1 unknown */
	char kver[128];
	char *initramfs;        /* system path */
	char *config;
} CtlStatus;

const char *ctl_reason_name(CtlReason r);
/* test-panic leaves its time here; status looks for the dump it should have made. */
#define CTL_LAST_TEST_PANIC KDUMPCTL_STATE_DIR "/last-test-panic"
int ctl_last_test_record(const Ctl *c, int64_t when);
/* Evaluate readiness; never fails except for -ENOMEM. */
int ctl_status_evaluate(const Ctl *c, CtlStatus *ret);
void ctl_status_done(CtlStatus *s);

/* ---- estimate (estimate.c) ---- */

typedef struct CtlEstimate {
	KdumpEstimate est;
	char *kernel;           /* what was measured (system paths) */
	char *initrd;           /* NULL: not built, the model's assumption was used */
	KdumpKernelImage kimage;
	KdumpInitramfs initramfs;
	uint64_t system_ram;
	unsigned host_cpus, capture_cpus;
	int64_t reserved;       /* -1 unknown */
} CtlEstimate;

/* Assumed capture initramfs while none is built: a host-only dracut image with systemd. */
#define CTL_ASSUMED_INITRD_FILE (16ULL << 20)
#define CTL_ASSUMED_INITRD_UNPACKED (40ULL << 20)

int ctl_estimate_compute(const Ctl *c, const CtlFacts *f, CtlEstimate *ret, KdumpError *err);
void ctl_estimate_done(CtlEstimate *e);

/* ---- saved dumps (dumps.c) ---- */

typedef enum CtlDumpState {
	CTL_DUMP_COMPLETE,
	CTL_DUMP_INCOMPLETE,    /* vmcore.incomplete, or a dump marked or cut short */
	CTL_DUMP_DMESG_ONLY,    /* only vmcore-dmesg.txt (no space, or the collector failed) */
	CTL_DUMP_UNREADABLE,    /* libvmcore cannot open it */
} CtlDumpState;

typedef struct CtlDump {
	char *dir;              /* the dump's directory name */
	char *file;             /* vmcore, vmcore.incomplete, vmcore.flat...; NULL if none */
	int64_t time;           /* from the directory name; the crash time if that fails */
	uint64_t size;          /* of the dump file (bytes on disk) */
	char *release;          /* kernel release from VMCOREINFO, NULL if unknown */
	char *format;
	CtlDumpState state;
	char *error;            /* why it is unreadable or incomplete */
	bool has_dmesg;
} CtlDump;

typedef struct CtlDumps {
	CtlDump *items;
	size_t n;
} CtlDumps;

/* The dumps in a directory (already below the root), oldest first. -ENOENT if no directory. */
int ctl_dumps_scan(const char *dir, CtlDumps *ret);
void ctl_dumps_done(CtlDumps *d);
const char *ctl_dump_state_name(CtlDumpState s);
/* Parse "HOST-YYYY-MM-DD-HH:MM:SS[.N]" (UTC, as the agent names its directories). */
int ctl_dump_dir_time(const char *name, int64_t *ret);
/* Where the dumps of cfg are (below the root): path on the root filesystem, or on the
 * target filesystem where it is mounted. -ENODEV (and err) when the target is not mounted. */
int ctl_dumps_dir(const Ctl *c, const KdumpConfig *cfg, char **ret, KdumpError *err);

/* ---- the commands (cmd-*.c): each returns an exit code ---- */

int ctl_run(const CtlArgs *args);
int cmd_start(Ctl *c);
int cmd_stop(Ctl *c);
int cmd_restart(Ctl *c);
int cmd_reload(Ctl *c);
int cmd_rebuild(Ctl *c);
int cmd_status(Ctl *c);
int cmd_check_config(Ctl *c);
int cmd_estimate(Ctl *c);
int cmd_showmem(Ctl *c);
int cmd_crashkernel(Ctl *c);
int cmd_test_panic(Ctl *c);
int cmd_list(Ctl *c);
int cmd_propagate(Ctl *c);
int cmd_fetch(Ctl *c);
/* list for an ssh target: the dumps on the server (cmd-remote.c). */
/* status.c: the newest dump of dir, when failure_action dump_to_rootfs made it: the reason
 * the target failed (the first attempt's final line in its kdump-save.log). */
int ctl_last_fallback(const char *dir, char **ret_name, char **ret_reason);
int cmd_list_ssh(Ctl *c, const KdumpConfig *cfg);

/* ---- network targets (net.c, remote.c) ---- */

/* The ssh server's host keys as 'kdumpctl propagate' recorded them (the capture's copy). */
#define CTL_KNOWN_HOSTS KDUMPCTL_STATE_DIR "/known_hosts"

/*
 * The network of a network target, decided from this system: the interface of the route to
 * the server and how it got its address, as KDUMP_SUITE_NET for the dracut module, plus the
 * files and modules the capture needs. Problems go to diags.
 */
int ctl_plan_network(const Ctl *c, const KdumpConfig *cfg, CtlBuildPlan *p, KdumpDiags *diags);
/* Where the dumps of an nfs target are: 'path' in the export where it is mounted (mountinfo).
 * -ENODEV (and err) when it is not mounted. */
int ctl_nfs_dumps_dir(const Ctl *c, const KdumpConfig *cfg, char **ret, KdumpError *err);
/* Wait up to timeout seconds until this system has a route to the server (with a source
 * address): at boot the network may come up after kdump.service. 0, or -ETIMEDOUT. */
int ctl_net_wait(const Ctl *c, const KdumpConfig *cfg, unsigned timeout);

typedef struct CtlSsh {
	KdumpSshTarget t;
	char *key;              /* the identity, to open (below the root) */
	char *known_hosts;      /* the pinned host keys, to open */
	char name[300];         /* the server as known_hosts names it: host or [host]:port */
	const char *path;       /* the dump directory on the server */
} CtlSsh;

int ctl_ssh_init(const Ctl *c, const KdumpConfig *cfg, CtlSsh *ret, KdumpError *err);
void ctl_ssh_done(CtlSsh *s);

typedef enum CtlSshMode {
	CTL_SSH_BATCH,          /* the kdump key, the pinned host key, nothing interactive */
	CTL_SSH_INSTALL,        /* propagate: the user's own login, the pinned host key */
	CTL_SSH_INSTALL_ASK,    /* ... no pinned key yet: ssh shows it and asks */
	CTL_SSH_INSTALL_ACCEPT, /* ... no pinned key yet: record the one offered (--yes) */
} CtlSshMode;

/* ssh's command line for one remote command (every value of command already quoted). */
int ctl_ssh_argv(const CtlSsh *s, CtlSshMode mode, const char *command, char ***ret);
/* Run argv with stdin from in_fd and stdout to out_fd (-1: /dev/null), stderr inherited. Its
 * exit status, or -errno. */
int ctl_exec(char *const argv[], int in_fd, int out_fd);
/* 'text' for a POSIX shell (caller frees). */
char *ctl_shell_quote(const char *s);
/* The dumps on the ssh server, oldest first (dir, file, size, state, release, has_dmesg; the
 * last line of kdump-save.log in error when the dump is not complete). */
int ctl_remote_scan(const CtlSsh *s, CtlDumps *ret, KdumpError *err);

/* Shared by the commands (cmd-util.c). */
void ctl_print_diags(const KdumpDiags *d, FILE *f);
void ctl_print_kexec_error(const Ctl *c, const KexecError *e);
/* "256 MiB" style. */
const char *ctl_size(uint64_t bytes, char *buf, size_t size);
#define CTL_SIZE_MAX 32
