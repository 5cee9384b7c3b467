/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump_pre and kdump_post: argv as the config gave it, executed directly (a shell only when
 * argv[0] is one), with an environment of our own making, stdin from /dev/null, stdout and
 * stderr into the log line by line, in a process group of its own that is killed as a whole
 * when the timeout expires or when processes of it outlive the hook.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "internal.h"
#include "kdump-util.h"

#define SEARCH_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define KILL_GRACE 2.0       /* seconds between SIGTERM and SIGKILL */
#define MAX_LOGGED (64u << 10)

/* The program to execute: argv[0] itself when it has a slash, else found in SEARCH_PATH. */
static int find_program(const char *name, char **ret)
{
	_cleanup_free_ char *dirs = strdup(SEARCH_PATH);
	char *save = NULL;

	if (!dirs)
		return -ENOMEM;
	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			return negative_errno();
		*ret = strdup(name);
		return *ret ? 0 : -ENOMEM;
	}
	for (char *d = strtok_r(dirs, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
		char *p = ksave_path_join(d, name);
		struct stat st;

		if (!p)
			return -ENOMEM;
		if (stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0) {
			*ret = p;
			return 0;
		}
		free(p);
	}
	return -ENOENT;
}

static _Noreturn void child(const char *prog, char *const *argv, char *const *env, int out)
{
	int null = open("/dev/null", O_RDONLY | O_CLOEXEC);
	sigset_t none;

	(void)setpgid(0, 0);
	/* a hook starts with the signals as a program expects them */
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	signal(SIGPIPE, SIG_DFL);
	if (null < 0 || dup2(null, STDIN_FILENO) < 0 || dup2(out, STDOUT_FILENO) < 0 ||
	    dup2(out, STDERR_FILENO) < 0)
		_exit(126);
	if (close_range(3, ~0U, 0) < 0)
		for (int fd = 3; fd < 1024; fd++)
			close(fd);
	execve(prog, argv, env);
	dprintf(STDERR_FILENO, "cannot execute %s: %s\n", prog, strerror(errno));
	_exit(127);
}

struct output {
	struct klog *log;
	const char *what;
	char line[512];
	size_t used;
	size_t logged;
	bool noted;
};

static void emit(struct output *o)
{
	if (o->logged < MAX_LOGGED) {
		klog(o->log, KSAVE_LOG_INFO, "%s: %.*s", o->what, (int)o->used, o->line);
		o->logged += o->used + 1;
	} else if (!o->noted) {
		klog(o->log, KSAVE_LOG_INFO, "%s: (more output, not logged)", o->what);
		o->noted = true;
	}
	o->used = 0;
}

/* Read what is there; false at the end. */
static bool read_output(struct output *o, int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	for (ssize_t i = 0; i < n; i++) {
		if (buf[i] == '\n' || o->used == sizeof(o->line)) {
			emit(o);
			if (buf[i] == '\n')
				continue;
		}
		o->line[o->used++] = buf[i] >= 0x20 || buf[i] == '\t' || buf[i] < 0 ? buf[i] : '?';
	}
	return true;
}

/* Read the output until it ends or until deadline. */
static void drain(int *fd, struct output *o, double deadline)
{
	while (*fd >= 0) {
		double left = deadline - ksave_mono();
		struct pollfd p = { .fd = *fd, .events = POLLIN };

		if (left <= 0 || poll(&p, 1, (int)(left * 1000) + 1) <= 0)
			return;
		if (!read_output(o, *fd)) {
			close(*fd);
			*fd = -1;
		}
	}
}

/* Wait for pid, reading its output, until it exits or deadline passes. */
static bool wait_for(pid_t pid, int *fd, struct output *o, double deadline, int *status)
{
	for (;;) {
		pid_t w = waitpid(pid, status, WNOHANG);

		if (w == pid)
			return true;
		if (ksave_mono() >= deadline)
			return false;
		/* read the pipe, but look at the child at least every 100 ms */
		if (*fd >= 0)
			drain(fd, o, MIN(deadline, ksave_mono() + 0.1));
		else
			poll(NULL, 0, 20);
	}
}

int ksave_hook_run(struct klog *log, const char *what, char *const *argv, char *const *env,
		   unsigned timeout, struct hook_result *ret)
{
	struct output out = { .log = log, .what = what };
	struct hook_result res = {};
	_cleanup_free_ char *prog = NULL;
	int pipefd[2], status = 0, r;
	double start = ksave_mono();
	pid_t pid;

	r = find_program(argv[0], &prog);
	if (r < 0) {
		klog(log, KSAVE_LOG_ERR, "%s: cannot run '%s': %s", what, argv[0],
		     r == -ENOENT && !strchr(argv[0], '/') ? "not found in " SEARCH_PATH :
		     strerror(-r));
		return r;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return negative_errno();
	pid = fork();
	if (pid < 0) {
		r = negative_errno();
		close(pipefd[0]);
		close(pipefd[1]);
		return r;
	}
	if (pid == 0)
		child(prog, argv, env, pipefd[1]);
	close(pipefd[1]);
	(void)setpgid(pid, pid); /* also here: no race with the kill below */
	(void)fcntl(pipefd[0], F_SETFL, O_NONBLOCK);
	/* argv[1..] may hold anything (a token): only the program is logged */
	klog(log, KSAVE_LOG_INFO, "%s: running %s (%zu argument%s, timeout %u s)", what, prog,
	     kdump_strv_length(argv) - 1, kdump_strv_length(argv) == 2 ? "" : "s",
	     timeout);
	if (!wait_for(pid, &pipefd[0], &out, start + timeout, &status)) {
		res.timed_out = true;
		klog(log, KSAVE_LOG_ERR, "%s: still running after %u s: killing it (its process "
		     "group)", what, timeout);
		kill(-pid, SIGTERM);
		if (!wait_for(pid, &pipefd[0], &out, ksave_mono() + KILL_GRACE, &status)) {
			kill(-pid, SIGKILL);
			while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
				;
		}
	}
	/* what its descendants still print, briefly; then they go too */
	drain(&pipefd[0], &out, ksave_mono() + 0.1);
	if (kill(-pid, 0) == 0) {
		res.left_behind = true;
		kill(-pid, SIGKILL);
		klog(log, KSAVE_LOG_WARNING, "%s: killed the processes it left behind", what);
	}
	if (pipefd[0] >= 0)
		close(pipefd[0]);
	if (out.used)
		emit(&out);
	res.exit_status = WIFEXITED(status) ? WEXITSTATUS(status) :
			  WIFSIGNALED(status) ? 128 + WTERMSIG(status) : 255;
	klog(log, res.exit_status == 0 && !res.timed_out ? KSAVE_LOG_INFO : KSAVE_LOG_WARNING,
	     "%s: %s %d after %.1f s", what,
	     res.timed_out ? "killed (timeout), status" :
	     WIFSIGNALED(status) ? "killed by a signal, status" : "exited with status",
	     res.exit_status, ksave_mono() - start);
	*ret = res;
	return 0;
}
