/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * OpenSSH as the capture agent runs it: the same options for every connection, none of them
 * from a configuration file (-F none), so that nothing can turn the host key check off or send
 * the dump elsewhere:
 *
 *   ssh -F none -T -x -a -o BatchMode=yes -o StrictHostKeyChecking=yes
 *       -o UserKnownHostsFile=PINNED -o GlobalKnownHostsFile=/dev/null -o UpdateHostKeys=no
 *       -o IdentitiesOnly=yes -o IdentityAgent=none -i KEY -o ConnectTimeout=N
 *       -o ServerAliveInterval=10 -o ServerAliveCountMax=3 ... -p PORT -l USER -- HOST COMMAND
 *
 * COMMAND is POSIX shell for the account's login shell, with every value single-quoted. Its
 * standard output and error go into memory files read when it ends; a failure is told from
 * ssh's exit status (255: ssh itself) and its messages: unreachable (worth retrying while the
 * network comes up), login refused, host key mismatch.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "io-util.h"
#include "kdump-util.h"

#define SSH_OUTPUT_MAX (64u << 10)

char *ksave_shell_quote(const char *s)
{
	size_t n = 2;
	char *q, *w;

	for (const char *p = s; *p; p++)
		n += *p == '\'' ? 4 : 1;
	q = malloc(n + 1);
	if (!q)
		return NULL;
	w = q;
	*w++ = '\'';
	for (const char *p = s; *p; p++) {
		if (*p == '\'') {
			memcpy(w, "'\\''", 4);
			w += 4;
		} else
			*w++ = *p;
	}
	*w++ = '\'';
	*w = '\0';
	return q;
}

/* A -o value must not hold blanks, quotes or '=': ssh would split or misread it. */
static bool option_safe(const char *s)
{
	return s && *s && !strpbrk(s, " \t\n\"'=\\#");
}

int ksave_ssh_argv(const struct ssh_conn *c, const char *command, char ***ret)
{
	_cleanup_strv_free_ char **a = NULL;
	char num[64];
	int r = 0;

	if (!option_safe(c->key) || !option_safe(c->known_hosts))
		return -EINVAL;
#define ADD(s) do { if (r == 0) r = kdump_strv_push(&a, (s)); } while (0)
#define OPT(fmt, ...) do { \
		if (r == 0) { \
			char *o_ = kdump_asprintf(fmt, __VA_ARGS__); \
			r = o_ ? kdump_strv_push(&a, "-o") : -ENOMEM; \
			if (r == 0) \
				r = kdump_strv_consume(&a, o_); \
			else \
				free(o_); \
		} \
	} while (0)
	ADD(c->program ? c->program : "ssh");
	ADD("-F");
	ADD("none");
	ADD("-T");
	ADD("-x");
	ADD("-a");
	OPT("%s", "BatchMode=yes");
	OPT("%s", "StrictHostKeyChecking=yes");
	OPT("UserKnownHostsFile=%s", c->known_hosts);
	OPT("%s", "GlobalKnownHostsFile=/dev/null");
	OPT("%s", "UpdateHostKeys=no");
	OPT("%s", "CheckHostIP=no");
	OPT("%s", "HashKnownHosts=no");
	OPT("%s", "IdentitiesOnly=yes");
	OPT("%s", "IdentityAgent=none");
	OPT("%s", "PasswordAuthentication=no");
	OPT("%s", "KbdInteractiveAuthentication=no");
	OPT("%s", "ControlMaster=no");
	OPT("%s", "ControlPath=none");
	OPT("%s", "ForwardAgent=no");
	OPT("%s", "ConnectionAttempts=1");
	OPT("ConnectTimeout=%u", c->connect_timeout ? c->connect_timeout : 10);
	OPT("ServerAliveInterval=%u", c->alive_interval ? c->alive_interval : 10);
	OPT("%s", "ServerAliveCountMax=3");
	OPT("%s", "LogLevel=ERROR");
	ADD("-i");
	ADD(c->key);
	snprintf(num, sizeof(num), "%u", c->t.port);
	ADD("-p");
	ADD(num);
	ADD("-l");
	ADD(c->t.user);
	ADD("--");
	ADD(c->t.host);
	ADD(command);
#undef ADD
#undef OPT
	if (r < 0)
		return r;
	*ret = TAKE_PTR(a);
	return 0;
}

static int memfd(const char *name)
{
	int fd = memfd_create(name, MFD_CLOEXEC);

	return fd < 0 ? negative_errno() : fd;
}

int ksave_ssh_spawn(const struct ssh_conn *c, const char *command, int in_fd, struct ssh_proc *ret)
{
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_close_ int out = -1, err = -1, null = -1;
	pid_t pid;
	int r;

	r = ksave_ssh_argv(c, command, &argv);
	if (r < 0)
		return r;
	out = memfd("ssh-stdout");
	if (out < 0)
		return out;
	err = memfd("ssh-stderr");
	if (err < 0)
		return err;
	if (in_fd < 0) {
		null = open("/dev/null", O_RDONLY | O_CLOEXEC);
		if (null < 0)
			return negative_errno();
		in_fd = null;
	}
	pid = fork();
	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		sigset_t none;

		/* the agent blocks SIGPIPE while it copies; ssh gets the defaults */
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGPIPE, SIG_DFL);
		/* its own process group: a timeout kills ssh and whatever it started */
		(void)setpgid(0, 0);
		if (dup2(in_fd, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
		    dup2(err, STDERR_FILENO) < 0)
			_exit(127);
		execvp(argv[0], argv);
		dprintf(STDERR_FILENO, "cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	*ret = (struct ssh_proc){ .pid = pid, .out = TAKE_FD(out), .err = TAKE_FD(err) };
	return 0;
}

static char *read_memfd(int fd)
{
	char *buf = malloc(SSH_OUTPUT_MAX + 1);
	ssize_t n;

	if (!buf)
		return NULL;
	n = pread_full(fd, buf, SSH_OUTPUT_MAX, 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	/* one line of ssh's messages per line of ours: no trailing newline, no CR */
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	for (char *p = buf; *p; p++)
		if (*p == '\r')
			*p = ' ';
	return buf;
}

void ksave_ssh_result_done(struct ssh_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

int ksave_ssh_wait(struct ssh_proc *p, unsigned timeout, struct ssh_result *ret)
{
	double deadline = ksave_mono() + timeout;
	struct ssh_result res = { .status = -1 };
	int status = 0;
	bool killed = false;

	for (;;) {
		pid_t w = waitpid(p->pid, &status, timeout ? WNOHANG : 0);

		if (w == p->pid)
			break;
		if (w < 0 && errno != EINTR) {
			status = -1;
			break;
		}
		if (w == 0 && ksave_mono() >= deadline) {
			/* its group: ssh, and a ProxyCommand if one ever appears */
			(void)kill(-p->pid, killed ? SIGKILL : SIGTERM);
			if (!killed)
				deadline = ksave_mono() + 2;
			killed = true;
			res.timed_out = true;
		}
		if (w == 0)
			nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	if (status >= 0)
		res.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	res.out = read_memfd(p->out);
	res.err = read_memfd(p->err);
	close(p->out);
	close(p->err);
	p->out = p->err = -1;
	p->pid = 0;
	if (!res.out || !res.err) {
		ksave_ssh_result_done(&res);
		return -ENOMEM;
	}
	*ret = res;
	return 0;
}

int ksave_ssh_run(const struct ssh_conn *c, const char *command, int in_fd, unsigned timeout,
		  struct ssh_result *ret)
{
	struct ssh_proc p;
	int r = ksave_ssh_spawn(c, command, in_fd, &p);

	if (r < 0)
		return r;
	return ksave_ssh_wait(&p, timeout, ret);
}

static bool has(const char *s, const char *needle)
{
	return s && strcasestr(s, needle);
}

enum ssh_outcome ksave_ssh_classify(const struct ssh_result *r)
{
	if (r->timed_out)
		return SSH_UNREACHABLE;
	if (r->status == 0)
		return SSH_OK;
	if (r->status != 255)
		return r->status == 127 && has(r->err, "cannot run") ? SSH_OTHER : SSH_REMOTE;
	if (has(r->err, "Host key verification failed") ||
	    has(r->err, "REMOTE HOST IDENTIFICATION HAS CHANGED") ||
	    has(r->err, "host key for") || has(r->err, "No matching host key"))
		return SSH_HOSTKEY;
	if (has(r->err, "Permission denied") || has(r->err, "Too many authentication failures"))
		return SSH_AUTH;
	if (has(r->err, "Connection refused") || has(r->err, "No route to host") ||
	    has(r->err, "Network is unreachable") || has(r->err, "timed out") ||
	    has(r->err, "Could not resolve hostname") || has(r->err, "Name or service not known") ||
	    has(r->err, "Temporary failure in name resolution") ||
	    has(r->err, "kex_exchange_identification") ||
	    has(r->err, "Connection closed by") || has(r->err, "Connection reset"))
		return SSH_UNREACHABLE;
	return SSH_OTHER;
}

void ksave_ssh_explain(const struct ssh_conn *c, const struct ssh_result *r, char *buf,
		       size_t len)
{
	const char *msg = r->err && *r->err ? r->err : "no message";
	const char *nl;
	int n;

	/* ssh's last line says it best */
	nl = strrchr(msg, '\n');
	if (nl && nl[1])
		msg = nl + 1;
	switch (ksave_ssh_classify(r)) {
	case SSH_HOSTKEY:
		n = snprintf(buf, len, "the host key of %s is not the one pinned in %s (%s); "
			     "'kdumpctl propagate' records it", c->t.host, c->known_hosts, msg);
		break;
	case SSH_AUTH:
		n = snprintf(buf, len, "%s refused the login as '%s' with the key %s (%s)",
			     c->t.host, c->t.user, c->key, msg);
		break;
	case SSH_UNREACHABLE:
		if (r->timed_out)
			n = snprintf(buf, len, "%s:%u did not answer in time", c->t.host, c->t.port);
		else
			n = snprintf(buf, len, "cannot reach %s:%u (%s)", c->t.host, c->t.port,
				     msg);
		break;
	case SSH_REMOTE:
		n = snprintf(buf, len, "the command on %s failed with status %d (%s)", c->t.host,
			     r->status, msg);
		break;
	default:
		n = snprintf(buf, len, "ssh to %s failed with status %d (%s)", c->t.host, r->status,
			     msg);
		break;
	}
	(void)n;
}
