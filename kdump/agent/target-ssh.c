/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 'ssh USER@HOST[:PORT]': the dump as a flattened stream (makedumpfile -F) through OpenSSH into
 * <path>/<host>-<time>/ on the server, one ssh connection per step, each with the pinned host
 * key (ssh.c):
 *   1. the dump directory, made new (mkdir, never an existing one: .2, .3...), mode 0700; the
 *      first connection is retried until net_timeout while the server cannot be reached (the
 *      network may still be coming up); a refused login or a wrong host key is final;
 *   2. vmcore-dmesg.txt, as .incomplete, renamed once its size and SHA-256 match;
 *   3. the stream into vmcore.flat.incomplete; the agent hashes it and follows its records
 *      while sending; the server answers with the size and SHA-256 of what it wrote;
 *   4. only when the collector finished, the stream ended with its end record and the server
 *      has exactly what was sent: vmcore.flat.sha256 ("HASH  vmcore.flat", for sha256sum -c),
 *      then the rename to vmcore.flat;
 *   5. at the end (ksave_ssh_close()), kdump-save.log.
 * The server needs a POSIX shell, mkdir, cat, wc, mv and sha256sum (coreutils).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "io-util.h"
#include "kdump-util.h"

#define STEP_TIMEOUT 60u /* seconds for a step that moves little data, beyond the connect */

struct ssh_state {
	struct ssh_conn c;
	char *dir;                  /* the dump directory on the server, absolute */
	char *dir_q;                /* ... shell-quoted */
	bool have_sha256sum;
};

struct stream {
	int fd;                     /* ssh's stdin */
	struct flat_track track;
};

static int sink(struct pump *p, const void *buf, size_t n)
{
	struct stream *s = p->userdata;

	flat_track_feed(&s->track, buf, n);
	return write_all(s->fd, buf, n);
}

/* A memory file holding n bytes of data, at offset 0. */
static int memfd_with(const void *data, size_t n)
{
	int fd = memfd_create("kdump-save", MFD_CLOEXEC), r;

	if (fd < 0)
		return negative_errno();
	r = write_all(fd, data, n);
	if (r == 0 && lseek(fd, 0, SEEK_SET) < 0)
		r = negative_errno();
	if (r < 0) {
		close(fd);
		return r;
	}
	return fd;
}

/* The SHA-256 of fd's n bytes from offset 0 (and back to 0). */
static int hash_fd(int fd, uint64_t n, char hex[SHA256_HEX_SIZE])
{
	_cleanup_free_ uint8_t *buf = malloc(1 << 16);
	uint8_t d[SHA256_DIGEST_SIZE];
	uint64_t off = 0;
	Sha256 sha;

	if (!buf)
		return -ENOMEM;
	sha256_init(&sha);
	while (off < n) {
		ssize_t k = pread_full(fd, buf, (size_t)MIN((uint64_t)(1 << 16), n - off), off);
		if (k <= 0)
			return k < 0 ? (int)k : -EIO;
		sha256_update(&sha, buf, (size_t)k);
		off += (uint64_t)k;
	}
	sha256_final(&sha, d);
	sha256_hex(d, hex);
	return lseek(fd, 0, SEEK_SET) < 0 ? negative_errno() : 0;
}

/*
 * Send fd (size bytes, hash) as name into the dump directory: written as name.incomplete,
 * renamed once the server has the same size (and SHA-256 when it has sha256sum).
 */
static int send_file(struct ksave *k, struct ssh_state *s, const char *name, int fd,
		     uint64_t size, const char *hex, char *err, size_t errlen)
{
	_cleanup_free_ char *cmd = NULL;
	struct ssh_result res;
	int r;

	/* the size always; the SHA-256 too when the server can compute it */
	if (s->have_sha256sum)
		cmd = kdump_asprintf("cd -- %s && cat > %s.incomplete && "
				     "s=$(wc -c < %s.incomplete) && [ \"$s\" -eq %llu ] && "
				     "h=$(sha256sum < %s.incomplete) && [ \"${h%%%% *}\" = %s ] && "
				     "mv -f -- %s.incomplete %s && echo KDUMP-OK", s->dir_q, name,
				     name, (unsigned long long)size, name, hex, name, name);
	else
		cmd = kdump_asprintf("cd -- %s && cat > %s.incomplete && "
				     "s=$(wc -c < %s.incomplete) && [ \"$s\" -eq %llu ] && "
				     "mv -f -- %s.incomplete %s && echo KDUMP-OK", s->dir_q, name,
				     name, (unsigned long long)size, name, name);
	if (!cmd)
		return -ENOMEM;
	r = ksave_ssh_run(&s->c, cmd, fd, s->c.connect_timeout + STEP_TIMEOUT +
			  (unsigned)(size >> 20), &res);
	if (r < 0) {
		snprintf(err, errlen, "cannot run ssh: %s", strerror(-r));
		return r;
	}
	if (ksave_ssh_classify(&res) != SSH_OK || !strstr(res.out, "KDUMP-OK")) {
		if (ksave_ssh_classify(&res) == SSH_REMOTE)
			snprintf(err, errlen, "the server did not store %s as sent (size or SHA-256 "
				 "differ, or it cannot write there: %s)", name,
				 *res.err ? res.err : "no message");
		else
			ksave_ssh_explain(&s->c, &res, err, errlen);
		ksave_ssh_result_done(&res);
		return -EIO;
	}
	ksave_ssh_result_done(&res);
	return 0;
}

/* Make the dump directory on the server, waiting for the server up to net_timeout. */
static int make_remote_dir(struct ksave *k, struct ssh_state *s, const char *base,
			   char *err, size_t errlen)
{
	_cleanup_free_ char *path_q = ksave_shell_quote(k->cfg->path);
	_cleanup_free_ char *base_q = ksave_shell_quote(base), *cmd = NULL;
	unsigned timeout = k->o->net_timeout ? k->o->net_timeout : KSAVE_DEFAULT_NET_TIMEOUT;
	double deadline = ksave_mono() + timeout;
	bool said = false;

	if (!path_q || !base_q)
		return -ENOMEM;
	cmd = kdump_asprintf(
		"umask 077 && mkdir -p -- %s && cd -- %s || exit 3; b=%s; n=$b; i=1; "
		"while ! mkdir -- \"$n\" 2>/dev/null; do "
		"[ -e \"$n\" ] || { echo \"cannot create $PWD/$n\" >&2; exit 4; }; "
		"i=$((i+1)); [ \"$i\" -le 999 ] || exit 4; n=\"$b.$i\"; done; "
		"if command -v sha256sum >/dev/null 2>&1; then h=yes; else h=no; fi; "
		"printf 'KDUMP-DIR %%s %%s\\n' \"$h\" \"$n\"",
		path_q, path_q, base_q);
	if (!cmd)
		return -ENOMEM;
	for (;;) {
		double left = deadline - ksave_mono();
		struct ssh_result res;
		enum ssh_outcome o;
		char *line, have[8], name[KSAVE_DIR_NAME_MAX + 8];
		int r;

		s->c.connect_timeout = (unsigned)MAX(1.0, MIN(left, 15.0));
		r = ksave_ssh_run(&s->c, cmd, -1, s->c.connect_timeout + STEP_TIMEOUT, &res);
		if (r < 0) {
			snprintf(err, errlen, "cannot run ssh: %s", strerror(-r));
			return r;
		}
		o = ksave_ssh_classify(&res);
		line = strstr(res.out, "KDUMP-DIR ");
		if (o == SSH_OK && line && sscanf(line, "KDUMP-DIR %7s %103s", have, name) == 2 &&
		    ksave_dump_dir_parse(name, &(int64_t){ 0 }, &(unsigned){ 0 }) == 0) {
			s->have_sha256sum = strcmp(have, "yes") == 0;
			s->dir = ksave_path_join(k->cfg->path, name);
			s->dir_q = s->dir ? ksave_shell_quote(s->dir) : NULL;
			ksave_ssh_result_done(&res);
			return s->dir_q ? 0 : -ENOMEM;
		}
		if (o == SSH_OK || o == SSH_REMOTE)
			snprintf(err, errlen, "cannot make the dump directory in %s on %s: %s",
				 k->cfg->path, s->c.t.host,
				 *res.err ? res.err : "the server's answer is not understood");
		else
			ksave_ssh_explain(&s->c, &res, err, errlen);
		ksave_ssh_result_done(&res);
		if (o != SSH_UNREACHABLE)
			return o == SSH_AUTH ? -EACCES : o == SSH_HOSTKEY ? -EPERM : -EIO;
		left = deadline - ksave_mono();
		if (left <= 0)
			return -EHOSTUNREACH;
		if (!said)
			klog(&k->log, KSAVE_LOG_INFO, "waiting up to %u s for %s: %s", timeout,
			     s->c.t.host, err);
		said = true;
		/* a last attempt at the deadline */
		left = MIN(left, 2.0);
		nanosleep(&(struct timespec){ (time_t)left,
					      (long)((left - (time_t)left) * 1e9) }, NULL);
	}
}

static void send_dmesg(struct ksave *k, struct ssh_state *s)
{
	_cleanup_close_ int fd = memfd_create("vmcore-dmesg", MFD_CLOEXEC);
	char hex[SHA256_HEX_SIZE], err[768];
	struct dmesg_result d;
	int r;

	if (fd < 0) {
		klog(&k->log, KSAVE_LOG_ERR, "cannot hold %s in memory: %s", KSAVE_DMESG_NAME,
		     strerror(errno));
		return;
	}
	ksave_write_dmesg(k->v, fd, 0, 0, &d);
	if (d.write_error) {
		klog(&k->log, KSAVE_LOG_ERR, "cannot hold %s in memory: %s", KSAVE_DMESG_NAME,
		     d.why);
		return;
	}
	if (d.read_error && d.lines == 0) {
		klog(&k->log, KSAVE_LOG_WARNING, "no kernel log: %s", d.why);
		return;
	}
	if (d.read_error)
		klog(&k->log, KSAVE_LOG_WARNING, "the kernel log could only be read in part (%llu "
		     "lines): %s", (unsigned long long)d.lines, d.why);
	r = hash_fd(fd, d.size, hex);
	if (r == 0)
		r = send_file(k, s, KSAVE_DMESG_NAME, fd, d.size, hex, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", strerror(-r));
	if (r < 0) {
		klog(&k->log, KSAVE_LOG_ERR, "sending %s failed: %s", KSAVE_DMESG_NAME, err);
		return;
	}
	k->dmesg_saved = true;
	k->dmesg_size = d.size;
	klog(&k->log, KSAVE_LOG_INFO, "saved %s: %llu lines, %llu bytes, sha256 %s",
	     KSAVE_DMESG_NAME, (unsigned long long)d.lines, (unsigned long long)d.size, hex);
}

/* What the stream step's ssh said: "KDUMP-RECEIVED HASH SIZE". */
static bool parse_received(const char *out, char hex[SHA256_HEX_SIZE], uint64_t *size)
{
	const char *line = strstr(out, "KDUMP-RECEIVED ");
	unsigned long long n;

	if (!line || sscanf(line, "KDUMP-RECEIVED %64s %llu", hex, &n) != 2)
		return false;
	*size = n;
	return true;
}

static int commit(struct ksave *k, struct ssh_state *s, const char *hex, char *err,
		  size_t errlen)
{
	_cleanup_free_ char *cmd = kdump_asprintf(
		"cd -- %s && [ -f %s ] && [ ! -e %s ] && "
		"printf '%%s  %s\\n' %s > %s.incomplete && mv -f -- %s.incomplete %s && "
		"mv -- %s %s && { sync . 2>/dev/null || :; } && echo KDUMP-OK",
		s->dir_q, KSAVE_FLAT_TMP, KSAVE_FLAT_NAME, KSAVE_FLAT_NAME, hex,
		KSAVE_FLAT_SHA256, KSAVE_FLAT_SHA256, KSAVE_FLAT_SHA256, KSAVE_FLAT_TMP,
		KSAVE_FLAT_NAME);
	struct ssh_result res;
	int r;

	if (!cmd)
		return -ENOMEM;
	r = ksave_ssh_run(&s->c, cmd, -1, s->c.connect_timeout + STEP_TIMEOUT, &res);
	if (r < 0) {
		snprintf(err, errlen, "cannot run ssh: %s", strerror(-r));
		return r;
	}
	if (ksave_ssh_classify(&res) != SSH_OK || !strstr(res.out, "KDUMP-OK")) {
		ksave_ssh_explain(&s->c, &res, err, errlen);
		ksave_ssh_result_done(&res);
		return -EIO;
	}
	ksave_ssh_result_done(&res);
	return 0;
}

static void send_stream(struct ksave *k, struct ssh_state *s, KsaveResult *res)
{
	_cleanup_free_ char *cmd = kdump_asprintf(
		"cd -- %s && cat > %s && { sync -- %s 2>/dev/null || :; } && "
		"s=$(wc -c < %s) && { h=$(sha256sum < %s) || h=-; } && "
		"printf 'KDUMP-RECEIVED %%s %%s\\n' \"${h%%%% *}\" $s",
		s->dir_q, KSAVE_FLAT_TMP, KSAVE_FLAT_TMP, KSAVE_FLAT_TMP, KSAVE_FLAT_TMP);
	struct stream st = { .fd = -1 };
	struct pump p = { .dir = PUMP_FROM_CHILD, .fd = -1, .limit = UINT64_MAX, .sink = sink,
			  .userdata = &st };
	struct collect_result cr = { .r = -EINVAL };
	struct mdl_options mo;
	struct ssh_proc proc;
	struct ssh_result sr = { .status = -1 };
	char sent[SHA256_HEX_SIZE], got[SHA256_HEX_SIZE] = "", why[256], err[768], sz[32];
	uint64_t got_size = 0;
	bool whole, received;
	int pipefd[2], r;

	flat_track_init(&st.track);
	if (!cmd) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "out of memory");
		return;
	}
	r = ksave_collector_options(&k->log, k->collector, k->vmcore, NULL, &mo);
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot run the collector: %s", strerror(-r));
		return;
	}
	if (pipe2(pipefd, O_CLOEXEC) < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot make a pipe: %s", strerror(errno));
		return;
	}
	/* no limit on the whole transfer: ServerAlive ends it when the server stops answering */
	s->c.connect_timeout = MAX(s->c.connect_timeout, 10u);
	r = ksave_ssh_spawn(&s->c, cmd, pipefd[0], &proc);
	close(pipefd[0]);
	if (r < 0) {
		close(pipefd[1]);
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot run ssh: %s", strerror(-r));
		return;
	}
	st.fd = pipefd[1];
	r = ksave_collect(&k->log, &mo, k->o->fault_after, k->o->fault_errno, &p, &cr);
	/* the end of the stream: the server writes, syncs and hashes what it got */
	close(st.fd);
	st.fd = -1;
	if (ksave_ssh_wait(&proc, STEP_TIMEOUT * 2 + (unsigned)(p.done >> 24), &sr) < 0)
		sr = (struct ssh_result){ .status = -1 };
	res->pages_to_write = cr.st.to_write;
	res->pages_written = cr.st.written;
	res->size = p.done;
	flat_track_digest(&st.track, sent);
	whole = flat_track_complete(&st.track, why, sizeof(why));
	received = sr.out && ksave_ssh_classify(&sr) == SSH_OK &&
		   parse_received(sr.out, got, &got_size);
	if (received)
		res->size = got_size;
	klog(&k->log, KSAVE_LOG_INFO, "stream: %llu bytes sent, sha256 %s%s%s", (unsigned long long)p.done,
	     sent, received ? "; the server has " : "", received ? got : "");

	if (r < 0)
		ksave_fail(res, KSAVE_STATUS_FAILED, "cannot run the collector: %s", strerror(-r));
	else if (p.error || (sr.out && ksave_ssh_classify(&sr) != SSH_OK) || !sr.out) {
		if (sr.out)
			ksave_ssh_explain(&s->c, &sr, err, sizeof(err));
		else
			snprintf(err, sizeof(err), "ssh did not end");
		ksave_fail(res, p.done > 0 ? KSAVE_STATUS_INCOMPLETE : KSAVE_STATUS_FAILED,
			   "the stream to %s was cut after %s (%s%s%s)", s->c.t.host,
			   ksave_size(p.done, sz, sizeof(sz)), p.error ? strerror(-p.error) : "",
			   p.error ? "; " : "", err);
	} else if (cr.r < 0)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "%s", cr.err);
	else if (cr.st.incomplete)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "the collector could not save every page");
	else if (!whole)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "%s", why);
	else if (!received)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "the server did not say what it received");
	else if (strcmp(got, "-") == 0)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "the server has no sha256sum: the stream "
			   "cannot be checked there");
	else if (got_size != p.done || strcmp(got, sent) != 0)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "the server received %llu bytes with "
			   "sha256 %s, but %llu bytes with sha256 %s were sent",
			   (unsigned long long)got_size, got, (unsigned long long)p.done, sent);
	else if ((r = commit(k, s, sent, err, sizeof(err))) < 0)
		ksave_fail(res, KSAVE_STATUS_INCOMPLETE, "cannot rename %s to %s on %s: %s",
			   KSAVE_FLAT_TMP, KSAVE_FLAT_NAME, s->c.t.host, err);
	else {
		res->status = KSAVE_STATUS_SAVED;
		res->reason[0] = '\0';
	}
	ksave_ssh_result_done(&sr);
	free(res->file);
	res->file = res->dir ? kdump_asprintf("%s/%s", res->dir, res->status ==
					      KSAVE_STATUS_SAVED ? KSAVE_FLAT_NAME : KSAVE_FLAT_TMP) :
		    NULL;
	snprintf(k->format, sizeof(k->format), "flattened");
	if (res->status == KSAVE_STATUS_SAVED)
		klog(&k->log, KSAVE_LOG_INFO, "the server has the whole stream (sha256 %s, end "
		     "record seen): %s and %s written", sent, KSAVE_FLAT_NAME, KSAVE_FLAT_SHA256);
	else
		klog(&k->log, KSAVE_LOG_ERR, "%s keeps its name on %s: %s", KSAVE_FLAT_TMP,
		     s->c.t.host, res->reason);
}

void ksave_save_ssh(struct ksave *k, KsaveResult *res)
{
	_cleanup_free_ struct ssh_state *s = calloc(1, sizeof(*s));
	char base[KSAVE_DIR_NAME_MAX], err[768], where[sizeof(k->target)];
	int r;

	if (!s) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "out of memory");
		return;
	}
	snprintf(k->target, sizeof(k->target), "ssh %s", k->cfg->ssh);
	if (kdump_ssh_target_parse(k->cfg->ssh, &s->c.t) < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "'%s' is not USER@HOST[:PORT]", k->cfg->ssh);
		goto fail;
	}
	s->c.program = k->o->ssh_program;
	s->c.key = k->cfg->sshkey;
	s->c.known_hosts = k->o->known_hosts ? k->o->known_hosts : KSAVE_DEFAULT_KNOWN_HOSTS;
	s->c.alive_interval = 10;
	if (access(s->c.key, R_OK) < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "the ssh key %s cannot be read (%s): "
			   "'kdumpctl propagate' creates it and installs it on the server",
			   s->c.key, strerror(errno));
		goto fail;
	}
	if (access(s->c.known_hosts, R_OK) < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "no pinned host key for %s: %s cannot be "
			   "read (%s); 'kdumpctl propagate' records it", s->c.t.host,
			   s->c.known_hosts, strerror(errno));
		goto fail;
	}
	r = ksave_dump_dir_name(k->id.host, k->id.crash_time, 1, base, sizeof(base));
	if (r == 0)
		r = make_remote_dir(k, s, base, err, sizeof(err));
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s", r == -ENOMEM ? "out of memory" : err);
		goto fail;
	}
	snprintf(k->shown, sizeof(k->shown), "%s", s->dir);
	snprintf(where, sizeof(where), "%s@%s", s->c.t.user, s->c.t.host);
	free(res->dir);
	res->dir = kdump_asprintf("%s:%s", where, s->dir);
	k->ssh = TAKE_PTR(s);
	klog(&k->log, KSAVE_LOG_NOTICE, "saving to %s on %s", k->shown, k->target);
	if (!k->ssh->have_sha256sum)
		klog(&k->log, KSAVE_LOG_WARNING, "%s has no sha256sum: the dump cannot be checked "
		     "there and stays %s", k->ssh->c.t.host, KSAVE_FLAT_TMP);
	send_dmesg(k, k->ssh);
	send_stream(k, k->ssh, res);
	return;
fail:
	klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
}

void ksave_ssh_close(struct ksave *k)
{
	struct ssh_state *s = k->ssh;
	const char *log = k->log.backlog ? k->log.backlog : "";
	char hex[SHA256_HEX_SIZE], err[768];
	_cleanup_close_ int fd = -1;
	int r;

	if (!s)
		return;
	k->ssh = NULL;
	fd = memfd_with(log, k->log.len);
	r = fd < 0 ? fd : hash_fd(fd, k->log.len, hex);
	if (r == 0)
		r = send_file(k, s, KSAVE_LOG_NAME, fd, k->log.len, hex, err, sizeof(err));
	else
		snprintf(err, sizeof(err), "%s", strerror(-r));
	if (r < 0)
		klog(&k->log, KSAVE_LOG_WARNING, "cannot send %s to %s: %s", KSAVE_LOG_NAME,
		     s->c.t.host, err);
	free(s->dir);
	free(s->dir_q);
	free(s);
}
