/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The ssh server of an ssh target, seen from the first kernel: the same hardened ssh command
 * line as the capture agent's (kdump/agent/ssh.c: -F none, the pinned host keys of
 * /var/lib/kdump-suite/known_hosts only, StrictHostKeyChecking=yes), and the listing of the
 * dump directories there. 'kdumpctl propagate' differs only in how it logs in (the user's own
 * way, interactively) and, before a host key is pinned, in letting ssh show the key and record
 * it (asked, or accepted with --yes).
 */
#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kdump-util.h"
#include "kdumpctl.h"
#include "ksave.h"

extern char **environ;

char *ctl_shell_quote(const char *s)
{
	size_t n = 3;
	char *q, *w;

	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	q = malloc(n);
	if (!q)
		return NULL;
	w = q;
	*w++ = '\'';
	for (const char *p = s; *p; p++)
		if (*p == '\'') {
			memcpy(w, "'\\''", 4);
			w += 4;
		} else
			*w++ = *p;
	*w++ = '\'';
	*w = '\0';
	return q;
}

int ctl_ssh_init(const Ctl *c, const KdumpConfig *cfg, CtlSsh *ret, KdumpError *err)
{
	CtlSsh s = { .path = cfg->path };

	if (cfg->target != KDUMP_TARGET_SSH || !cfg->ssh)
		return kdump_error_set(err, -EINVAL, "the dump target is not an ssh server "
				       "(kdump.conf has no 'ssh USER@HOST')");
	if (kdump_ssh_target_parse(cfg->ssh, &s.t) < 0)
		return kdump_error_set(err, -EINVAL, "'%s' is not USER@HOST[:PORT]", cfg->ssh);
	if (kdump_ssh_known_hosts_name(&s.t, s.name, sizeof(s.name)) < 0)
		return kdump_error_set(err, -EINVAL, "the host name is too long");
	s.key = ctl_path(c, cfg->sshkey);
	s.known_hosts = ctl_path(c, CTL_KNOWN_HOSTS);
	if (!s.key || !s.known_hosts) {
		ctl_ssh_done(&s);
		return -ENOMEM;
	}
	/* ssh reads -o values like its configuration: no blanks, quotes or '=' in them */
	if (strpbrk(s.key, " \t\"'=#\\") || strpbrk(s.known_hosts, " \t\"'=#\\")) {
		ctl_ssh_done(&s);
		return kdump_error_set(err, -EINVAL, "the key or known_hosts path has blanks or "
				       "quotes, which ssh's options cannot hold");
	}
	*ret = s;
	return 0;
}

void ctl_ssh_done(CtlSsh *s)
{
	free(s->key);
	free(s->known_hosts);
	s->key = s->known_hosts = NULL;
}

int ctl_ssh_argv(const CtlSsh *s, CtlSshMode mode, const char *command, char ***ret)
{
	_cleanup_strv_free_ char **a = NULL;
	const char *strict = mode == CTL_SSH_INSTALL_ASK ? "ask" :
			     mode == CTL_SSH_INSTALL_ACCEPT ? "accept-new" : "yes";
	char port[16];
	int r = 0;

#define ADD(x) do { if (r == 0) r = kdump_strv_push(&a, (x)); } while (0)
#define OPT(fmt, ...) do { \
		char *o_ = kdump_asprintf(fmt, __VA_ARGS__); \
		ADD("-o"); \
		if (r == 0) \
			r = o_ ? kdump_strv_consume(&a, o_) : -ENOMEM; \
		else \
			free(o_); \
	} while (0)
	ADD("ssh");
	ADD("-F");
	ADD("none");
	ADD("-T");
	ADD("-x");
	ADD("-a");
	OPT("StrictHostKeyChecking=%s", strict);
	OPT("UserKnownHostsFile=%s", s->known_hosts);
	OPT("%s", "GlobalKnownHostsFile=/dev/null");
	OPT("%s", "UpdateHostKeys=no");
	OPT("%s", "CheckHostIP=no");
	OPT("%s", "HashKnownHosts=no");
	OPT("%s", "ControlMaster=no");
	OPT("%s", "ControlPath=none");
	OPT("%s", "ConnectTimeout=15");
	OPT("%s", "ServerAliveInterval=10");
	OPT("%s", "ServerAliveCountMax=3");
	if (mode == CTL_SSH_BATCH) {
		OPT("%s", "BatchMode=yes");
		OPT("%s", "IdentitiesOnly=yes");
		OPT("%s", "IdentityAgent=none");
		OPT("%s", "PasswordAuthentication=no");
		OPT("%s", "KbdInteractiveAuthentication=no");
		OPT("%s", "LogLevel=ERROR");
		ADD("-i");
		ADD(s->key);
	}
	snprintf(port, sizeof(port), "%u", s->t.port);
	ADD("-p");
	ADD(port);
	ADD("-l");
	ADD(s->t.user);
	ADD("--");
	ADD(s->t.host);
	ADD(command);
#undef ADD
#undef OPT
	if (r < 0)
		return r;
	*ret = TAKE_PTR(a);
	return 0;
}

int ctl_exec(char *const argv[], int in_fd, int out_fd)
{
	posix_spawn_file_actions_t fa;
	int r, status;
	pid_t pid;

	/* what was printed so far comes before what the program prints */
	fflush(stdout);
	fflush(stderr);
	r = posix_spawn_file_actions_init(&fa);
	if (r)
		return -r;
	if (in_fd >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, in_fd, STDIN_FILENO);
	else
		r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
	if (!r && out_fd >= 0)
		r = posix_spawn_file_actions_adddup2(&fa, out_fd, STDOUT_FILENO);
	else if (!r)
		r = posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
	if (!r)
		r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (r)
		return -r;
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The listing the server runs: one line per file of each dump directory, tab-separated. */
static const char list_script[] =
	"cd -- %s 2>/dev/null || { echo KDUMP-LIST-END; exit 0; }; "
	"for d in *; do "
	"[ -d \"$d\" ] && [ ! -L \"$d\" ] || continue; "
	"for f in vmcore.flat vmcore.flat.incomplete vmcore vmcore.incomplete vmcore-dmesg.txt "
	"vmcore.flat.sha256 kdump-save.log; do "
	"[ -f \"$d/$f\" ] && [ ! -L \"$d/$f\" ] && printf 'F\\t%%s\\t%%s\\t%%s\\n' \"$d\" \"$f\" "
	"$(wc -c < \"$d/$f\"); done; "
	"[ -f \"$d/vmcore-dmesg.txt\" ] && printf 'R\\t%%s\\t%%s\\n' \"$d\" \"$(grep -m 1 -o "
	"'Linux version [^ ]*' \"$d/vmcore-dmesg.txt\" | cut -d ' ' -f 3)\"; "
	"[ -f \"$d/kdump-save.log\" ] && printf 'L\\t%%s\\t%%s\\n' \"$d\" \"$(tail -n 1 "
	"\"$d/kdump-save.log\" | tr '\\t' ' ')\"; "
	"done; echo KDUMP-LIST-END";

static CtlDump *find_or_add(CtlDumps *l, const char *dir)
{
	CtlDump *items;

	for (size_t i = 0; i < l->n; i++)
		if (strcmp(l->items[i].dir, dir) == 0)
			return &l->items[i];
	items = realloc(l->items, (l->n + 1) * sizeof(*items));
	if (!items)
		return NULL;
	l->items = items;
	items[l->n] = (CtlDump){ .dir = strdup(dir), .state = CTL_DUMP_DMESG_ONLY };
	if (!items[l->n].dir)
		return NULL;
	if (ctl_dump_dir_time(dir, &items[l->n].time) < 0)
		items[l->n].time = 0;
	return &l->items[l->n++];
}

/* The dump file of a directory, best first, as the agent names them. */
static int rank(const char *f)
{
	static const char *const names[] = { "vmcore.flat", "vmcore", "vmcore.flat.incomplete",
					     "vmcore.incomplete" };

	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(f, names[i]) == 0)
			return (int)(ELEMENTSOF(names) - i);
	return 0;
}

static int parse_line(CtlDumps *l, char *line, char ***sha256)
{
	char *save = NULL, *kind = strtok_r(line, "\t", &save), *dir = strtok_r(NULL, "\t", &save);
	char *rest = strtok_r(NULL, "", &save);
	CtlDump *d;

	if (!kind || !dir || !rest || strchr(dir, '/'))
		return 0;
	d = find_or_add(l, dir);
	if (!d)
		return -ENOMEM;
	if (strcmp(kind, "F") == 0) {
		char *name = strtok_r(rest, "\t", &save), *size = strtok_r(NULL, "\t", &save);
		int rk = name ? rank(name) : 0;

		if (!name || !size)
			return 0;
		if (strcmp(name, "vmcore-dmesg.txt") == 0)
			d->has_dmesg = true;
		if (strcmp(name, "vmcore.flat.sha256") == 0 && kdump_strv_push(sha256, dir) < 0)
			return -ENOMEM;
		if (rk && (!d->file || rk > rank(d->file))) {
			free(d->file);
			d->file = strdup(name);
			if (!d->file)
				return -ENOMEM;
			d->size = strtoull(size, NULL, 10);
			d->state = strstr(name, "incomplete") ? CTL_DUMP_INCOMPLETE :
								 CTL_DUMP_COMPLETE;
		}
	} else if (strcmp(kind, "R") == 0 && *rest && !d->release) {
		d->release = strdup(rest);
		if (!d->release)
			return -ENOMEM;
	} else if (strcmp(kind, "L") == 0 && *rest && !d->error) {
		d->error = strdup(rest);
		if (!d->error)
			return -ENOMEM;
	}
	return 0;
}

static int cmp_dump(const void *a, const void *b)
{
	const CtlDump *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

int ctl_remote_scan(const CtlSsh *s, CtlDumps *ret, KdumpError *err)
{
	_cleanup_free_ char *path_q = ctl_shell_quote(s->path), *cmd = NULL, *out = NULL;
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_strv_free_ char **sha256 = NULL;
	CtlDumps l = { 0 };
	size_t len = 0;
	FILE *f = NULL;
	int r, status;

	if (!path_q)
		return -ENOMEM;
	cmd = kdump_asprintf(list_script, path_q);
	if (!cmd || ctl_ssh_argv(s, CTL_SSH_BATCH, cmd, &argv) < 0)
		return -ENOMEM;
	f = open_memstream(&out, &len);
	if (!f)
		return -ENOMEM;
	{
		int pipefd[2];
		char buf[4096];
		ssize_t n;
		posix_spawn_file_actions_t fa;
		pid_t pid;

		if (pipe2(pipefd, O_CLOEXEC) < 0) {
			fclose(f);
			return negative_errno();
		}
		r = posix_spawn_file_actions_init(&fa);
		if (!r)
			r = posix_spawn_file_actions_adddup2(&fa, pipefd[1], STDOUT_FILENO);
		if (!r)
			r = posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null",
							     O_RDONLY, 0);
		if (!r)
			r = posix_spawnp(&pid, argv[0], &fa, NULL, argv, environ);
		posix_spawn_file_actions_destroy(&fa);
		close(pipefd[1]);
		if (r) {
			close(pipefd[0]);
			fclose(f);
			return kdump_error_set(err, -r, "cannot run ssh: %s", strerror(r));
		}
		while ((n = read(pipefd[0], buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
			if (n > 0)
				fwrite(buf, 1, (size_t)n, f);
		close(pipefd[0]);
		while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	if (fclose(f) != 0 || !out)
		return -ENOMEM;
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0 || !strstr(out, "KDUMP-LIST-END"))
		return kdump_error_set(err, -EIO, "cannot list %s on %s (ssh exit status %d; its "
				       "message is above)", s->path, s->t.host,
				       WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	r = 0;
	for (char *save = NULL, *line = strtok_r(out, "\n", &save); line && r == 0;
	     line = strtok_r(NULL, "\n", &save))
		r = parse_line(&l, line, &sha256);
	/* a vmcore.flat is complete with its checksum beside it; the agent writes it first */
	for (size_t i = 0; r == 0 && i < l.n; i++) {
		CtlDump *d = &l.items[i];

		if (d->file && strcmp(d->file, "vmcore.flat") == 0 &&
		    !kdump_strv_contains(sha256, d->dir))
			d->state = CTL_DUMP_INCOMPLETE;
		d->format = strdup(d->file && strstr(d->file, "flat") ? "flattened" : "?");
		if (!d->format)
			r = -ENOMEM;
		/* the log's last line is the reason, when there is one to give */
		if (d->state == CTL_DUMP_COMPLETE) {
			free(d->error);
			d->error = NULL;
		}
		if (!d->file && !d->has_dmesg)
			d->state = CTL_DUMP_UNREADABLE;
	}
	if (r < 0) {
		ctl_dumps_done(&l);
		return r;
	}
	if (l.n)
		qsort(l.items, l.n, sizeof(*l.items), cmp_dump);
	*ret = l;
	return 0;
}
