/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The collector runs in a child of the agent: the same code, linked in (fork, no exec), so that
 *  - a flattened stream can go through the child's stdout (makedumpfile-lite -F writes there)
 *    and a stream to rearrange can come through its stdin (-R), without touching our own
 *    descriptors;
 *  - a crash of the collector on a corrupt vmcore is an error the agent reports before it
 *    carries out failure_action, not the silent end of the capture.
 * The child sends its messages, progress and final result back as frames on a pipe. The agent
 * copies the stream between the pipe and the device itself, so it knows exactly how much of it
 * is on the device and can stop at the device's end.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "io-util.h"
#include "run.h" /* makedumpfile-lite's write-fault seam, for the tests */

#define COPY_CHUNK (1u << 20)

enum { FRAME_MSG = 1, FRAME_PROGRESS, FRAME_DONE };

struct frame_hdr {
	uint32_t type, len;
};

struct frame_msg {
	int level;
	char text[512];
};

struct frame_progress {
	char phase[64];
	uint64_t done, total, bytes_in;
	double seconds;
	int finished;
};

struct frame_done {
	int r;
	struct mdl_stats st;
	char err[512];
};

struct child {
	int fd;
	pthread_mutex_t lock; /* the collector's threads may all report */
};

static void send_frame(struct child *c, uint32_t type, const void *p, uint32_t len)
{
	struct frame_hdr h = { type, len };

	pthread_mutex_lock(&c->lock);
	if (write_all(c->fd, &h, sizeof(h)) == 0)
		(void)write_all(c->fd, p, len);
	pthread_mutex_unlock(&c->lock);
}

static void child_message(int level, const char *text, void *userdata)
{
	struct frame_msg m = { .level = level };

	snprintf(m.text, sizeof(m.text), "%s", text);
	send_frame(userdata, FRAME_MSG, &m, sizeof(m));
}

static void child_progress(const struct mdl_progress *p, void *userdata)
{
	struct frame_progress f = { .done = p->done, .total = p->total, .bytes_in = p->bytes_in,
				    .seconds = p->seconds, .finished = p->finished };

	snprintf(f.phase, sizeof(f.phase), "%s", p->phase ? p->phase : "");
	send_frame(userdata, FRAME_PROGRESS, &f, sizeof(f));
}

static _Noreturn void child_main(const struct mdl_options *o, const struct mdl_seam *seam,
				 enum pump_dir dir, int data_fd, int msg_fd)
{
	struct child c = { .fd = msg_fd };
	struct mdl_callbacks cb = { .message = child_message, .progress = child_progress,
				    .userdata = &c };
	struct frame_done d = {};

	pthread_mutex_init(&c.lock, NULL);
	/* a closed stream pipe must be an error (EPIPE) for the collector, not its death */
	signal(SIGPIPE, SIG_IGN);
	if (dir == PUMP_FROM_CHILD && dup2(data_fd, STDOUT_FILENO) < 0)
		_exit(127);
	if (dir == PUMP_TO_CHILD && dup2(data_fd, STDIN_FILENO) < 0)
		_exit(127);
	if (data_fd >= 0)
		close(data_fd);
	if (o->mode == MDL_MODE_DUMP && seam && seam->fail_after)
		d.r = mdl_run_dump(o, &cb, &d.st, d.err, sizeof(d.err), seam);
	else
		d.r = mdl_run(o, &cb, &d.st, d.err, sizeof(d.err));
	send_frame(&c, FRAME_DONE, &d, sizeof(d));
	_exit(0);
}

struct parent {
	struct klog *log;
	struct pump *p;
	struct collect_result *ret;
	bool done;
	double last_progress;
	char buf[16384];
	size_t used;
};

static void on_progress(struct parent *s, const struct frame_progress *f)
{
	struct mdl_progress p = { .phase = f->phase, .done = f->done, .total = f->total,
				  .bytes_in = f->bytes_in, .seconds = f->seconds,
				  .finished = f->finished };
	double now = ksave_mono();
	char line[256];

	/* the console gets a line every 10 s and at the end of each phase */
	if (!f->finished && now - s->last_progress < 10)
		return;
	s->last_progress = now;
	mdl_progress_format(&p, line, sizeof(line));
	klog(s->log, KSAVE_LOG_INFO, "collector: %s", line);
}

static void on_frame(struct parent *s, const struct frame_hdr *h, const void *payload)
{
	/* the payload sits anywhere in the read buffer: copy it to an aligned place */
	union {
		struct frame_msg m;
		struct frame_progress p;
		struct frame_done d;
	} u;

	if (h->len > sizeof(u))
		return;
	memcpy(&u, payload, h->len);
	if (h->type == FRAME_MSG && h->len == sizeof(u.m)) {
		int level = u.m.level == MDL_ML_DEBUG ? KSAVE_LOG_DEBUG :
			    u.m.level == MDL_ML_ERROR ? KSAVE_LOG_WARNING : KSAVE_LOG_INFO;
		u.m.text[sizeof(u.m.text) - 1] = '\0';
		klog(s->log, level, "collector: %s", u.m.text);
	} else if (h->type == FRAME_PROGRESS && h->len == sizeof(u.p)) {
		u.p.phase[sizeof(u.p.phase) - 1] = '\0';
		on_progress(s, &u.p);
	} else if (h->type == FRAME_DONE && h->len == sizeof(u.d)) {
		s->ret->r = u.d.r;
		s->ret->st = u.d.st;
		u.d.err[sizeof(u.d.err) - 1] = '\0';
		snprintf(s->ret->err, sizeof(s->ret->err), "%s", u.d.err);
		s->done = true;
	}
}

/* Read what the pipe has; false at its end. */
static bool read_frames(struct parent *s, int fd)
{
	ssize_t n = read(fd, s->buf + s->used, sizeof(s->buf) - s->used);
	size_t at = 0;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	s->used += (size_t)n;
	for (;;) {
		struct frame_hdr h;
		if (s->used - at < sizeof(h))
			break;
		memcpy(&h, s->buf + at, sizeof(h));
		if (h.len > sizeof(s->buf) - sizeof(h))
			return false; /* not a frame of ours: stop listening */
		if (s->used - at < sizeof(h) + h.len)
			break;
		on_frame(s, &h, s->buf + at + sizeof(h));
		at += sizeof(h) + h.len;
	}
	memmove(s->buf, s->buf + at, s->used - at);
	s->used -= at;
	return true;
}

/* FROM_CHILD: one read of the stream, onto the device. false: stop reading it. */
static bool pump_from(struct pump *p, int fd, uint8_t *buf, uint64_t *since_check)
{
	ssize_t n = read(fd, buf, COPY_CHUNK);
	uint64_t room = p->limit - p->done;
	size_t k;
	int r;

	if (n < 0)
		return errno == EINTR || errno == EAGAIN;
	if (n == 0)
		return false;
	k = (size_t)MIN((uint64_t)n, room);
	r = p->sink ? p->sink(p, buf, k) : pwrite_all(p->fd, buf, k, p->off + p->done);
	if (r < 0) {
		p->error = r;
		return false;
	}
	p->done += k;
	*since_check += k;
	if (p->checkpoint && p->every && *since_check >= p->every) {
		*since_check = 0;
		if (fdatasync(p->fd) < 0 && errno != EINVAL) {
			p->error = negative_errno();
			return false;
		}
		r = p->checkpoint(p, p->userdata);
		if (r < 0) {
			p->error = r;
			return false;
		}
	}
	if (k < (size_t)n) {
		p->error = -ENOSPC; /* the device is full: the stream is cut here */
		return false;
	}
	return true;
}

/* TO_CHILD: refill from the device and write what the pipe takes. false: done with it. */
static bool pump_to(struct pump *p, int fd, uint8_t *buf, size_t *len, size_t *pos)
{
	ssize_t n;

	if (*pos == *len) {
		uint64_t left = p->limit ? p->limit - p->done : UINT64_MAX;
		if (left == 0)
			return false;
		n = pread(p->fd, buf, (size_t)MIN((uint64_t)COPY_CHUNK, left), p->off + p->done);
		if (n < 0) {
			if (errno == EINTR)
				return true;
			p->error = negative_errno();
			return false;
		}
		if (n == 0)
			return false; /* the end of the device */
		*len = (size_t)n;
		*pos = 0;
	}
	n = write(fd, buf + *pos, *len - *pos);
	if (n < 0)
		return errno == EINTR || errno == EAGAIN; /* EPIPE: the child read all it wanted */
	*pos += (size_t)n;
	p->done += (uint64_t)n;
	return true;
}

static void parent_loop(struct parent *s, int msg_fd, int data_fd)
{
	_cleanup_free_ uint8_t *buf = data_fd >= 0 ? malloc(COPY_CHUNK) : NULL;
	struct pump *p = s->p;
	uint64_t since_check = 0;
	size_t len = 0, pos = 0;

	if (data_fd >= 0 && !buf) {
		p->error = -ENOMEM;
		close(data_fd);
		data_fd = -1;
	}
	while (msg_fd >= 0 || data_fd >= 0) {
		struct pollfd fds[2] = {
			{ .fd = msg_fd, .events = POLLIN },
			{ .fd = data_fd, .events = p->dir == PUMP_FROM_CHILD ? POLLIN : POLLOUT },
		};
		bool more;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (msg_fd >= 0 && fds[0].revents && !read_frames(s, msg_fd)) {
			close(msg_fd);
			msg_fd = -1;
		}
		if (data_fd < 0 || !fds[1].revents)
			continue;
		if (p->dir == PUMP_FROM_CHILD)
			more = pump_from(p, data_fd, buf, &since_check);
		else
			more = !(fds[1].revents & (POLLERR | POLLHUP)) &&
			       pump_to(p, data_fd, buf, &len, &pos);
		if (!more) {
			close(data_fd);
			data_fd = -1;
		}
	}
	if (data_fd >= 0)
		close(data_fd);
}

int ksave_collect(struct klog *log, const struct mdl_options *o, uint64_t fault_after,
		  int fault_errno, struct pump *p, struct collect_result *ret)
{
	struct mdl_seam seam = { .fail_after = fault_after, .fail_errno = fault_errno };

	return ksave_collect_seam(log, o, &seam, p, ret);
}

int ksave_collect_seam(struct klog *log, const struct mdl_options *o, const struct mdl_seam *seam,
		       struct pump *p, struct collect_result *ret)
{
	struct pump none = { .dir = PUMP_NONE, .fd = -1 };
	struct collect_result res = { .r = -ECHILD };
	struct parent s = { .log = log, .ret = &res, .last_progress = ksave_mono() };
	int msg[2], data[2] = { -1, -1 }, status = 0, child_end, parent_end;
	sigset_t pipe_set, old_set;
	pid_t pid;

	s.p = p ? p : &none;
	if (pipe2(msg, O_CLOEXEC) < 0)
		return negative_errno();
	if (s.p->dir != PUMP_NONE && pipe2(data, O_CLOEXEC) < 0) {
		close(msg[0]);
		close(msg[1]);
		return negative_errno();
	}
	child_end = s.p->dir == PUMP_FROM_CHILD ? data[1] : data[0];
	parent_end = s.p->dir == PUMP_FROM_CHILD ? data[0] : data[1];
	pid = fork();
	if (pid < 0) {
		int r = negative_errno();
		close(msg[0]);
		close(msg[1]);
		if (data[0] >= 0) {
			close(data[0]);
			close(data[1]);
		}
		return r;
	}
	if (pid == 0) {
		close(msg[0]);
		if (parent_end >= 0)
			close(parent_end);
		child_main(o, seam, s.p->dir, child_end, msg[1]);
	}
	close(msg[1]);
	if (child_end >= 0)
		close(child_end);
	if (parent_end >= 0)
		(void)fcntl(parent_end, F_SETFL, O_NONBLOCK);
	/* Writing to the child's stdin after it stopped reading must be EPIPE, not SIGPIPE: block
	 * the signal in this thread while we copy, and take back one that came. */
	sigemptyset(&pipe_set);
	sigaddset(&pipe_set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &pipe_set, &old_set);
	parent_loop(&s, msg[0], parent_end);
	if (!sigismember(&old_set, SIGPIPE)) {
		struct timespec zero = { 0, 0 };
		while (sigtimedwait(&pipe_set, NULL, &zero) > 0)
			;
	}
	pthread_sigmask(SIG_SETMASK, &old_set, NULL);

	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (!s.done) {
		res.r = -ECHILD;
		if (WIFSIGNALED(status)) {
			res.signal = WTERMSIG(status);
			snprintf(res.err, sizeof(res.err), "the collector died of signal %d (%s)",
				 res.signal, strsignal(res.signal));
		} else
			snprintf(res.err, sizeof(res.err), "the collector ended without a result "
				 "(exit status %d)", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
		res.st.incomplete = 1;
	}
	*ret = res;
	return 0;
}
