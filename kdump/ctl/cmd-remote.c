/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * propagate (an ssh target's key and pinned host key), fetch (a dump back from its target,
 * rebuilt into a seekable vmcore), and list for an ssh target (the dumps on the server).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "io-util.h"
#include "json-writer.h"
#include "kdump-util.h"
#include "kdumpctl.h"
#include "sha256.h"
#include "vmcore.h"

extern char **environ;

#define err(...) fprintf(stderr, "kdumpctl: " __VA_ARGS__)

static int load_config(Ctl *c, KdumpConfig **ret)
{
	KdumpDiags d;
	int r;

	kdump_diags_init(&d);
	r = ctl_config_load(c, ret, &d);
	if (r < 0)
		ctl_print_diags(&d, stderr);
	kdump_diags_done(&d);
	return r == -ENOMEM ? CTL_EXIT_FAILURE : r < 0 ? CTL_EXIT_CONFIG : 0;
}

static int ssh_run(const CtlSsh *s, CtlSshMode mode, const char *cmd, int in_fd, int out_fd)
{
	_cleanup_strv_free_ char **argv = NULL;
	int r = ctl_ssh_argv(s, mode, cmd, &argv);

	return r < 0 ? r : ctl_exec(argv, in_fd, out_fd);
}

/* ---- propagate ---- */

static int make_key(const char *key, const char *host)
{
	_cleanup_free_ char *dir = strdup(key), *comment = kdump_asprintf("kdump-suite@%s", host);
	char *slash;
	int r;

	if (!dir || !comment)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (slash && slash != dir) {
		*slash = '\0';
		r = ctl_mkdir_p(dir, 0700);
		if (r < 0)
			return r;
	}
	{
		char *argv[] = { (char *)"ssh-keygen", (char *)"-q", (char *)"-t", (char *)"ed25519",
				 (char *)"-N", (char *)"", (char *)"-C", comment, (char *)"-f",
				 (char *)key, NULL };

		r = ctl_exec(argv, -1, -1);
	}
	return r < 0 ? r : r > 0 ? -EIO : 0;
}

/* Whether known_hosts pins a key for name (ssh-keygen -F). */
static bool pinned(const CtlSsh *s)
{
	char *argv[] = { (char *)"ssh-keygen", (char *)"-F", (char *)s->name, (char *)"-f",
			 s->known_hosts, NULL };

	return access(s->known_hosts, R_OK) == 0 && ctl_exec(argv, -1, -1) == 0;
}

static int read_line(const char *path, char **ret)
{
	_cleanup_free_ char *buf = malloc(16384);
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	if (fd < 0)
		return negative_errno();
	n = read_full(fd, buf, 16383);
	if (n < 0)
		return (int)n;
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	*ret = TAKE_PTR(buf);
	return 0;
}

int cmd_propagate(Ctl *c)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	_cleanup_free_ char *pubpath = NULL, *pub = NULL, *pub_q = NULL, *path_q = NULL;
	_cleanup_free_ char *install = NULL, *check = NULL, *dir = NULL;
	KdumpError e = { 0 };
	CtlSsh s;
	CtlSshMode mode;
	int r;

	r = load_config(c, &cfg);
	if (r)
		return r;
	r = ctl_ssh_init(c, cfg, &s, &e);
	if (r < 0) {
		err("%s\n", e.error ? e.message : strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	/* 1. the key */
	if (access(s.key, F_OK) < 0) {
		r = make_key(s.key, s.t.host);
		if (r < 0) {
			err("cannot create the key %s: %s\n", s.key, strerror(-r));
			goto fail;
		}
		printf("created the key %s\n", s.key);
	} else
		printf("using the key %s\n", s.key);
	pubpath = kdump_asprintf("%s.pub", s.key);
	if (!pubpath || read_line(pubpath, &pub) < 0 || strncmp(pub, "ssh-", 4) != 0) {
		err("cannot read the public key %s.pub (ssh-keygen -y -f %s > %s.pub makes it)\n",
		    s.key, s.key, s.key);
		goto fail;
	}
	/* 2. the host key: pinned already, or pinned now (shown by ssh, accepted or asked) */
	dir = strdup(s.known_hosts);
	if (!dir)
		goto fail;
	*strrchr(dir, '/') = '\0';
	r = ctl_mkdir_p(dir, 0755);
	if (r < 0) {
		err("cannot create %s: %s\n", dir, strerror(-r));
		goto fail;
	}
	if (pinned(&s)) {
		mode = CTL_SSH_INSTALL;
		printf("the host key of %s is pinned in %s\n", s.name, CTL_KNOWN_HOSTS);
	} else if (c->args->yes) {
		mode = CTL_SSH_INSTALL_ACCEPT;
		printf("pinning the host key %s offers now (--yes)\n", s.name);
	} else if (isatty(STDIN_FILENO)) {
		mode = CTL_SSH_INSTALL_ASK;
		printf("no host key of %s is pinned yet: ssh shows the one offered; compare it with "
		       "the server's own ('ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub' "
		       "there)\n", s.name);
	} else {
		err("no host key of %s is pinned in %s: run this on a terminal to see and confirm "
		    "it, or pass --yes to take the one the server offers\n", s.name, CTL_KNOWN_HOSTS);
		goto fail;
	}
	/* 3. install the public key: logging in the user's own way (a password may be asked) */
	pub_q = ctl_shell_quote(pub);
	path_q = ctl_shell_quote(cfg->path);
	install = pub_q ? kdump_asprintf(
		"umask 077 && mkdir -p \"$HOME/.ssh\" && touch \"$HOME/.ssh/authorized_keys\" && "
		"{ grep -qxF -- %s \"$HOME/.ssh/authorized_keys\" && echo KDUMP-KEY-PRESENT || "
		"{ printf '%%s\\n' %s >> \"$HOME/.ssh/authorized_keys\" && echo KDUMP-KEY-ADDED; "
		"}; }", pub_q, pub_q) : NULL;
	if (!install || !path_q)
		goto fail;
	r = ssh_run(&s, mode, install, -1, STDOUT_FILENO);
	if (r != 0) {
		err("cannot install the key on %s (ssh exit status %d)\n", s.t.host, r);
		goto fail;
	}
	if (!pinned(&s)) {
		err("the host key of %s was not recorded in %s\n", s.name, CTL_KNOWN_HOSTS);
		goto fail;
	}
	/* 4. what the capture will do: the kdump key, the pinned host key, the dump path */
	check = kdump_asprintf("mkdir -p -- %s && [ -w %s ] || { echo \"cannot write %s\" >&2; "
			       "exit 3; }; command -v sha256sum >/dev/null || echo "
			       "KDUMP-NO-SHA256SUM; echo KDUMP-OK", path_q, path_q, cfg->path);
	if (!check)
		goto fail;
	r = ssh_run(&s, CTL_SSH_BATCH, check, -1, STDOUT_FILENO);
	if (r != 0) {
		err("the capture's login to %s fails with the kdump key (ssh exit status %d)\n",
		    s.t.host, r);
		goto fail;
	}
	printf("ready: %s@%s accepts %s, its host key is pinned, %s is writable; "
	       "'kdumpctl restart' rebuilds the capture initramfs with them\n", s.t.user,
	       s.name, cfg->sshkey, cfg->path);
	ctl_ssh_done(&s);
	return CTL_EXIT_OK;
fail:
	ctl_ssh_done(&s);
	return CTL_EXIT_FAILURE;
}

/* ---- list (ssh) ---- */

static void format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
}

static void json_dumps(JsonWriter *w, const char *where, const CtlDumps *d)
{
	char t[32];

	for (size_t i = 0; i < d->n; i++) {
		const CtlDump *x = &d->items[i];

		format_time(x->time, t, sizeof(t));
		json_begin_object(w, NULL);
		json_string(w, "directory", where);
		json_string(w, "name", x->dir);
		if (x->file)
			json_string(w, "file", x->file);
		else
			json_null(w, "file");
		json_i64(w, "time", x->time);
		json_string(w, "time_utc", t);
		json_u64(w, "size", x->size);
		if (x->release)
			json_string(w, "kernel_release", x->release);
		else
			json_null(w, "kernel_release");
		json_string(w, "format", x->format ? x->format : "?");
		json_string(w, "state", ctl_dump_state_name(x->state));
		json_bool(w, "complete", x->state == CTL_DUMP_COMPLETE);
		json_bool(w, "dmesg", x->has_dmesg);
		if (x->error)
			json_string(w, "error", x->error);
		else
			json_null(w, "error");
		json_end_object(w);
	}
}

static void text_dumps(const char *where, const CtlDumps *d)
{
	char t[32], sz[CTL_SIZE_MAX];

	for (size_t i = 0; i < d->n; i++) {
		const CtlDump *x = &d->items[i];

		format_time(x->time, t, sizeof(t));
		printf("%-19s  %10s  %-24s  %-10s  %s/%s%s%s\n", t,
		       x->file ? ctl_size(x->size, sz, sizeof(sz)) : "-",
		       x->release ? x->release : "?", ctl_dump_state_name(x->state), where, x->dir,
		       x->file ? "/" : "", x->file ? x->file : "");
		if (x->error)
			printf("  %s\n", x->error);
	}
}

int cmd_list_ssh(Ctl *c, const KdumpConfig *cfg)
{
	_cleanup_free_ char *local = NULL;
	KdumpError e = { 0 };
	CtlDumps d = { 0 }, l = { 0 };
	CtlSsh s;
	char where[600];
	int r, rc = CTL_EXIT_OK;

	r = ctl_ssh_init(c, cfg, &s, &e);
	if (r < 0) {
		err("%s\n", e.error ? e.message : strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	r = ctl_remote_scan(&s, &d, &e);
	if (r == -ENOMEM) {
		ctl_ssh_done(&s);
		return CTL_EXIT_FAILURE;
	}
	/* the server cannot be listed: said; what the root filesystem holds still is */
	if (r < 0) {
		err("%s\n", e.error ? e.message : strerror(-r));
		rc = CTL_EXIT_FAILURE;
	}
	snprintf(where, sizeof(where), "%s@%s:%s", s.t.user, s.t.host, cfg->path);
	/* failure_action dump_to_rootfs puts dumps on the root filesystem too */
	if (cfg->failure_action == KDUMP_ACTION_DUMP_TO_ROOTFS) {
		local = ctl_path(c, cfg->path);
		if (!local || ctl_dumps_scan(local, &l) < 0)
			l = (CtlDumps){ 0 };
	}
	if (rc != CTL_EXIT_OK && !l.n) {
		ctl_ssh_done(&s);
		return rc;
	}
	if (c->args->json) {
		JsonWriter w;

		json_init(&w, stdout, 1);
		json_begin_object(&w, NULL);
		json_begin_array(&w, "directories");
		json_string(&w, NULL, where);
		if (local)
			json_string(&w, NULL, cfg->path);
		json_end_array(&w);
		json_begin_array(&w, "dumps");
		json_dumps(&w, where, &d);
		json_dumps(&w, cfg->path, &l);
		json_end_array(&w);
		json_end_object(&w);
		json_finish(&w);
	} else if (!d.n && !l.n)
		printf("No dumps in %s%s%s\n", where, local ? " or " : "", local ? cfg->path : "");
	else {
		printf("%-19s  %10s  %-24s  %-10s  %s\n", "TIME (UTC)", "SIZE", "KERNEL", "STATE",
		       "DUMP");
		text_dumps(where, &d);
		text_dumps(cfg->path, &l);
	}
	ctl_dumps_done(&d);
	ctl_dumps_done(&l);
	ctl_ssh_done(&s);
	return rc;
}

/* ---- fetch ---- */

/* Copy fd in to a new file dirfd/name (0600), hashing what passes. */
static int copy_to(int in, int dirfd, const char *name, char hex[SHA256_HEX_SIZE], uint64_t *ret_n)
{
	_cleanup_close_ int out = openat(dirfd, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW |
					 O_CLOEXEC, 0600);
	_cleanup_free_ uint8_t *buf = malloc(1 << 20);
	uint8_t d[SHA256_DIGEST_SIZE];
	uint64_t total = 0;
	Sha256 s;

	if (out < 0)
		return negative_errno();
	if (!buf)
		return -ENOMEM;
	sha256_init(&s);
	for (;;) {
		ssize_t n = read(in, buf, 1 << 20);
		int r;

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return negative_errno();
		if (n == 0)
			break;
		sha256_update(&s, buf, (size_t)n);
		r = write_all(out, buf, (size_t)n);
		if (r < 0)
			return r;
		total += (uint64_t)n;
	}
	if (fsync(out) < 0)
		return negative_errno();
	sha256_final(&s, d);
	sha256_hex(d, hex);
	*ret_n = total;
	return 0;
}

/* One file of the remote dump directory into dirfd: 1 fetched, 0 absent there, -errno. */
static int fetch_one(const CtlSsh *s, const char *name, const char *file, int dirfd,
		     char hex[SHA256_HEX_SIZE], uint64_t *size)
{
	_cleanup_free_ char *dir = kdump_asprintf("%s/%s", s->path, name);
	_cleanup_free_ char *dir_q = dir ? ctl_shell_quote(dir) : NULL, *cmd = NULL;
	_cleanup_strv_free_ char **argv = NULL;
	posix_spawn_file_actions_t fa;
	int pipefd[2], r, status, copied;
	pid_t pid;

	if (!dir_q)
		return -ENOMEM;
	cmd = kdump_asprintf("cd -- %s && if [ -f %s ]; then exec cat -- %s; else exit 3; fi",
			     dir_q, file, file);
	if (!cmd || ctl_ssh_argv(s, CTL_SSH_BATCH, cmd, &argv) < 0)
		return -ENOMEM;
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return negative_errno();
	r = posix_spawn_file_actions_init(&fa);
	if (!r)
		r = posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
	if (!r)
		r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!r)
		r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	if (r) {
		close(pipefd[0]);
		return -r;
	}
	copied = copy_to(pipefd[0], dirfd, file, hex, size);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	if (WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		(void)unlinkat(dirfd, file, 0);
		return 0;
	}
	if (copied < 0)
		return copied;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		(void)unlinkat(dirfd, file, 0);
		return -EIO;
	}
	return 1;
}

struct first_problem {
	char msg[200];
};

static int on_problem(const char *message, void *userdata)
{
	struct first_problem *f = userdata;

	if (!f->msg[0])
		snprintf(f->msg, sizeof(f->msg), "%s", message);
	return 0;
}

/* makedumpfile-lite -R OUT < STREAM, then libvmcore's check. */
static int rebuild(int dirfd, const char *dir, const char *flat, const char *out, char *why,
		   size_t len)
{
	_cleanup_free_ char *outpath = kdump_asprintf("%s/%s", dir, out);
	_cleanup_close_ int in = openat(dirfd, flat, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char *argv[] = { (char *)KDUMPCTL_COLLECTOR, (char *)"-R", outpath, NULL };
	vmcore_t *v;
	int r, problems = 0;

	if (!outpath)
		return -ENOMEM;
	if (in < 0)
		return negative_errno();
	r = ctl_exec(argv, in, -1);
	/* a cut stream: -R keeps the whole records that arrived, marked incomplete, and fails */
	if (r != 0 && (r < 0 || access(outpath, F_OK) < 0)) {
		snprintf(why, len, "%s -R failed (%s)", KDUMPCTL_COLLECTOR,
			 r < 0 ? strerror(-r) : "see its message above");
		return -EIO;
	}
	v = vmcore_new();
	if (!v)
		return -ENOMEM;
	r = vmcore_open(v, outpath);
	if (r == 0) {
		struct first_problem f = { "" };

		r = vmcore_verify(v, on_problem, &f);
		problems = r != 0 ? MAX(r, 1) : 0;
		if (vmcore_is_incomplete(v))
			snprintf(why, len, "the rebuilt dump is incomplete (the stream was)");
		else if (problems)
			snprintf(why, len, "the rebuilt dump does not verify: %s",
				 f.msg[0] ? f.msg : vmcore_strerror(v));
		r = vmcore_is_incomplete(v) || problems ? 1 : 0;
	} else
		snprintf(why, len, "%s", vmcore_strerror(v));
	vmcore_free(v);
	return r;
}

static int open_dest(const char *dest, const char *name, int *ret, char **ret_path)
{
	_cleanup_free_ char *path = kdump_asprintf("%s/%s", dest, name);
	int r, fd;

	if (!path)
		return -ENOMEM;
	r = ctl_mkdir_p(dest, 0755);
	if (r < 0)
		return r;
	if (mkdir(path, 0700) < 0)
		return negative_errno();
	fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return negative_errno();
	*ret = fd;
	*ret_path = TAKE_PTR(path);
	return 0;
}

/* Finish a fetched stream: rebuilt into vmcore (or vmcore.incomplete), the stream removed. */
static int finish(int dirfd, const char *path, const char *name, bool incomplete)
{
	char why[256] = "";
	const char *out = incomplete ? "vmcore.incomplete" : "vmcore";
	int r;

	r = rebuild(dirfd, path, "vmcore.flat", "vmcore.rebuilding", why, sizeof(why));
	if (r < 0) {
		err("%s: cannot rebuild a vmcore: %s (the stream is kept: %s/vmcore.flat)\n", name,
		    why[0] ? why : strerror(-r), path);
		return CTL_EXIT_FAILURE;
	}
	if (r > 0)
		out = "vmcore.incomplete";
	if (renameat(dirfd, "vmcore.rebuilding", dirfd, out) < 0) {
		err("cannot rename %s/vmcore.rebuilding: %s\n", path, strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	(void)unlinkat(dirfd, "vmcore.flat", 0);
	{
		struct stat st;
		char sz[CTL_SIZE_MAX];

		if (fstatat(dirfd, out, &st, 0) < 0)
			st.st_size = 0;
		printf("%s: %s/%s, %s%s%s\n", name, path, out,
		       ctl_size((uint64_t)st.st_size, sz, sizeof(sz)),
		       r > 0 || incomplete ? ", incomplete: " : ", complete and verified",
		       r > 0 ? why : incomplete ? "the capture did not finish it" : "");
	}
	return r > 0 || incomplete ? CTL_EXIT_FAILURE : CTL_EXIT_OK;
}

static int fetch_ssh(Ctl *c, const KdumpConfig *cfg, const char *name, const char *dest)
{
	_cleanup_free_ char *path = NULL, *sumline = NULL;
	_cleanup_close_ int dirfd = -1;
	KdumpError e = { 0 };
	CtlDumps d = { 0 };
	const CtlDump *x = NULL;
	CtlSsh s;
	char hex[SHA256_HEX_SIZE], sum[SHA256_HEX_SIZE] = "";
	uint64_t size;
	int r, rc = CTL_EXIT_FAILURE;

	r = ctl_ssh_init(c, cfg, &s, &e);
	if (r == 0)
		r = ctl_remote_scan(&s, &d, &e);
	if (r < 0) {
		err("%s\n", e.error ? e.message : strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < d.n; i++)
		if (strcmp(d.items[i].dir, name) == 0)
			x = &d.items[i];
	if (!x) {
		err("no dump '%s' in %s on %s ('kdumpctl list' shows them)\n", name, cfg->path,
		    s.t.host);
		goto out;
	}
	r = open_dest(dest, name, &dirfd, &path);
	if (r < 0) {
		err("cannot make %s/%s: %s\n", dest, name, strerror(-r));
		goto out;
	}
	for (size_t i = 0; i < 3; i++) {
		static const char *const small[] = { "vmcore-dmesg.txt", "kdump-save.log",
						     "vmcore.flat.sha256" };

		r = fetch_one(&s, name, small[i], dirfd, hex, &size);
		if (r < 0) {
			err("cannot fetch %s/%s: %s\n", name, small[i], strerror(-r));
			goto out;
		}
		if (r > 0)
			printf("%s: %s, %llu bytes\n", name, small[i], (unsigned long long)size);
	}
	if (!x->file) {
		printf("%s: no dump file on the server (only what is listed above)\n", name);
		goto out;
	}
	if (strcmp(x->file, "vmcore.flat") != 0 && strcmp(x->file, "vmcore.flat.incomplete") != 0) {
		err("%s: %s is not a flattened stream of ours\n", name, x->file);
		goto out;
	}
	r = fetch_one(&s, name, x->file, dirfd, hex, &size);
	if (r <= 0) {
		err("cannot fetch %s/%s: %s\n", name, x->file, r < 0 ? strerror(-r) : "it is gone");
		goto out;
	}
	if (strcmp(x->file, "vmcore.flat") != 0 &&
	    renameat(dirfd, x->file, dirfd, "vmcore.flat") < 0) {
		err("cannot rename %s: %s\n", x->file, strerror(errno));
		goto out;
	}
	/* the checksum the capture computed while sending */
	if (x->state == CTL_DUMP_COMPLETE) {
		_cleanup_free_ char *sumfile = kdump_asprintf("%s/vmcore.flat.sha256", path);

		if (!sumfile || read_line(sumfile, &sumline) < 0 ||
		    sscanf(sumline, "%64s", sum) != 1 || strcmp(sum, hex) != 0) {
			err("%s: the stream's SHA-256 %s is not the one the capture recorded (%s): "
			    "kept as %s/vmcore.flat\n", name, hex, sum[0] ? sum : "none", path);
			goto out;
		}
		printf("%s: vmcore.flat, %llu bytes, sha256 %s matches vmcore.flat.sha256\n", name,
		       (unsigned long long)size, hex);
	} else
		printf("%s: %s, %llu bytes (incomplete: no checksum to compare)\n", name, x->file,
		       (unsigned long long)size);
	rc = finish(dirfd, path, name, x->state != CTL_DUMP_COMPLETE);
out:
	ctl_dumps_done(&d);
	ctl_ssh_done(&s);
	return rc;
}

static int copy_file(int from_dir, int to_dir, const char *file)
{
	_cleanup_close_ int in = openat(from_dir, file, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	char hex[SHA256_HEX_SIZE];
	uint64_t n;

	if (in < 0)
		return errno == ENOENT ? 0 : negative_errno();
	return copy_to(in, to_dir, file, hex, &n) < 0 ? -EIO : 1;
}

/* A local target (the root filesystem, a mounted target filesystem): a copy. */
static int fetch_local(Ctl *c, const KdumpConfig *cfg, const char *name, const char *dest)
{
	static const char *const files[] = { "vmcore-dmesg.txt", "kdump-save.log", "vmcore",
					     "vmcore.incomplete", "vmcore.flat" };
	_cleanup_free_ char *dir = NULL, *src = NULL, *path = NULL;
	_cleanup_close_ int from = -1, to = -1;
	KdumpError e = { 0 };
	int r;
	bool flat = false;

	r = ctl_dumps_dir(c, cfg, &dir, &e);
	if (r < 0) {
		err("%s\n", e.error ? e.message : strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	src = kdump_asprintf("%s/%s", dir, name);
	if (!src)
		return CTL_EXIT_FAILURE;
	from = open(src, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (from < 0) {
		err("no dump '%s' in %s: %s\n", name, dir, strerror(errno));
		return CTL_EXIT_FAILURE;
	}
	r = open_dest(dest, name, &to, &path);
	if (r < 0) {
		err("cannot make %s/%s: %s\n", dest, name, strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	for (size_t i = 0; i < ELEMENTSOF(files); i++) {
		r = copy_file(from, to, files[i]);
		if (r < 0) {
			err("cannot copy %s/%s: %s\n", src, files[i], strerror(-r));
			return CTL_EXIT_FAILURE;
		}
		if (r > 0)
			printf("%s: %s copied\n", name, files[i]);
		if (r > 0 && strcmp(files[i], "vmcore.flat") == 0)
			flat = true;
	}
	return flat ? finish(to, path, name, false) : CTL_EXIT_OK;
}

int cmd_fetch(Ctl *c)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	const char *name = c->args->operands[0], *dest = c->args->operands[1];
	int r;

	if (!name || !dest || !*name || strchr(name, '/') || name[0] == '.' || name[0] == '-') {
		err("fetch NAME DIR: NAME is a dump directory as 'kdumpctl list' shows it\n");
		return CTL_EXIT_USAGE;
	}
	r = load_config(c, &cfg);
	if (r)
		return r;
	if (cfg->target == KDUMP_TARGET_SSH)
		return fetch_ssh(c, cfg, name, dest);
	return fetch_local(c, cfg, name, dest);
}
