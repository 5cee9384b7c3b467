/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sshd-fixture.h"

#define SSHD "/usr/sbin/sshd"

static void fail(const char *what)
{
	fprintf(stderr, "sshd fixture: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void keygen(const char *path, const char *type)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "ssh-keygen -q -t %s -N '' -C kdump-suite-test -f '%s' "
		 "</dev/null >/dev/null", type, path);
	if (system(cmd) != 0) {
		fprintf(stderr, "sshd fixture: %s failed\n", cmd);
		exit(1);
	}
}

/* "NAME KEYTYPE BASE64" from a .pub file into path (written anew). */
static void pin(const char *path, const char *name, const char *hostkey)
{
	char pub[400], line[4096];
	FILE *in, *out;

	snprintf(pub, sizeof(pub), "%s.pub", hostkey);
	in = fopen(pub, "re");
	if (!in || !fgets(line, sizeof(line), in))
		fail(pub);
	fclose(in);
	/* drop the comment: "TYPE BASE64 COMMENT" */
	{
		char *sp = strchr(line, ' ');
		char *sp2 = sp ? strchr(sp + 1, ' ') : NULL;
		if (sp2)
			*sp2 = '\0';
		line[strcspn(line, "\n")] = '\0';
	}
	out = fopen(path, "we");
	if (!out || fprintf(out, "%s %s\n", name, line) < 0 || fclose(out) != 0)
		fail(path);
}

static void append_pub(const char *path, const char *key)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "cat '%s.pub' >> '%s'", key, path);
	if (system(cmd) != 0)
		fail(path);
}

unsigned free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	unsigned port;

	if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    getsockname(fd, (struct sockaddr *)&a, &len) < 0)
		fail("a free port");
	port = ntohs(a.sin_port);
	close(fd);
	return port;
}

static int connect_port(unsigned port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) < 0) {
		int r = -errno;
		close(fd);
		return r;
	}
	return fd;
}

int wait_port(unsigned port)
{
	for (int i = 0; i < 200; i++) {
		int fd = connect_port(port);
		if (fd >= 0) {
			close(fd);
			return 0;
		}
		nanosleep(&(struct timespec){ 0, 50 * 1000 * 1000 }, NULL);
	}
	return -ETIMEDOUT;
}

void sshd_setup(struct sshd *s, const char *base)
{
	struct passwd *pw = getpwuid(geteuid());
	char path[512];
	FILE *f;

	if (access(SSHD, X_OK) < 0 || system("command -v ssh-keygen >/dev/null && "
					      "command -v ssh >/dev/null") != 0) {
		fprintf(stderr, "skipped: no %s, ssh or ssh-keygen (apt-get install "
			"openssh-server openssh-client)\n", SSHD);
		exit(77);
	}
	if (!pw)
		fail("who am I");
	*s = (struct sshd){ .port = free_port() };
	snprintf(s->user, sizeof(s->user), "%s", pw->pw_name);
	snprintf(s->dir, sizeof(s->dir), "%s/sshd", base);
	if (mkdir(s->dir, 0700) < 0)
		fail(s->dir);
	/* sshd wants its privilege separation directory */
	(void)mkdir("/run/sshd", 0755);
	snprintf(s->hostkey, sizeof(s->hostkey), "%s/ssh_host_ed25519_key", s->dir);
	snprintf(s->other_hostkey, sizeof(s->other_hostkey), "%s/other_host_key", s->dir);
	snprintf(s->client_key, sizeof(s->client_key), "%s/kdump_id_ed25519", s->dir);
	snprintf(s->other_key, sizeof(s->other_key), "%s/unknown_id_ed25519", s->dir);
	keygen(s->hostkey, "ed25519");
	keygen(s->other_hostkey, "ed25519");
	keygen(s->client_key, "ed25519");
	keygen(s->other_key, "ed25519");
	snprintf(path, sizeof(path), "%s/authorized_keys", s->dir);
	append_pub(path, s->client_key);
	snprintf(s->known_hosts, sizeof(s->known_hosts), "%s/known_hosts", s->dir);
	snprintf(s->wrong_known_hosts, sizeof(s->wrong_known_hosts), "%s/wrong_known_hosts",
		 s->dir);
	snprintf(path, sizeof(path), "[127.0.0.1]:%u", s->port);
	pin(s->known_hosts, path, s->hostkey);
	pin(s->wrong_known_hosts, path, s->other_hostkey);

	snprintf(path, sizeof(path), "%s/sshd_config", s->dir);
	f = fopen(path, "we");
	if (!f)
		fail(path);
	fprintf(f, "ListenAddress 127.0.0.1\n"
		"HostKey %s\n"
		"AuthorizedKeysFile %s/authorized_keys\n"
		"PidFile none\n"
		"StrictModes no\n"
		"UsePAM no\n"
		"PasswordAuthentication no\n"
		"KbdInteractiveAuthentication no\n"
		"PermitRootLogin prohibit-password\n"
		"MaxStartups 100\n"
		"LogLevel VERBOSE\n", s->hostkey, s->dir);
	if (fclose(f) != 0)
		fail(path);
}

int sshd_start(struct sshd *s)
{
	char config[512], port[16], log[512];
	pid_t pid;

	snprintf(config, sizeof(config), "%s/sshd_config", s->dir);
	snprintf(log, sizeof(log), "%s/sshd.log", s->dir);
	snprintf(port, sizeof(port), "%u", s->port);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);

		setpgid(0, 0);
		if (fd >= 0)
			dup2(fd, STDERR_FILENO);
		execl(SSHD, SSHD, "-D", "-e", "-f", config, "-p", port, (char *)NULL);
		_exit(127);
	}
	setpgid(pid, pid);
	s->pid = pid;
	if (wait_port(s->port) < 0) {
		fprintf(stderr, "sshd fixture: sshd did not start (see %s)\n", log);
		return -ETIMEDOUT;
	}
	return 0;
}

void sshd_stop(struct sshd *s)
{
	if (s->pid > 0) {
		kill(-s->pid, SIGKILL);
		waitpid(s->pid, NULL, 0);
	}
	s->pid = 0;
}

/* ---- the cutting proxy ---- */

static _Noreturn void proxy_main(int lfd, unsigned port, pid_t server, unsigned cut_conn,
				 unsigned long cut_after)
{
	struct conn {
		int c, s;
		unsigned long up;
		bool cut;
	} conns[32] = {};
	unsigned n = 0;
	char buf[16384];

	for (;;) {
		struct pollfd fds[1 + 2 * 32];
		unsigned nf = 0;

		fds[nf++] = (struct pollfd){ .fd = lfd, .events = POLLIN };
		for (unsigned i = 0; i < n; i++) {
			fds[nf++] = (struct pollfd){ .fd = conns[i].c, .events = POLLIN };
			fds[nf++] = (struct pollfd){ .fd = conns[i].s, .events = POLLIN };
		}
		if (poll(fds, nf, -1) < 0)
			continue;
		if ((fds[0].revents & POLLIN) && n < 32) {
			int c = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
			int sfd = c >= 0 ? connect_port(port) : -1;
			if (c >= 0 && sfd < 0)
				close(c);
			if (c >= 0 && sfd >= 0)
				conns[n++] = (struct conn){ .c = c, .s = sfd };
		}
		for (unsigned i = 0; i < n; i++) {
			struct conn *k = &conns[i];
			for (int dir = 0; dir < 2 && k->c >= 0; dir++) {
				short re = fds[1 + 2 * i + dir].revents;
				int from = dir ? k->s : k->c, to = dir ? k->c : k->s;
				ssize_t m;

				if (!re)
					continue;
				m = read(from, buf, sizeof(buf));
				if (m > 0 && dir == 0 && i + 1 == cut_conn &&
				    k->up + (unsigned long)m > cut_after) {
					/* the server dies now, mid-transfer */
					kill(-server, SIGKILL);
					m = 0;
				}
				if (m > 0 && dir == 0)
					k->up += (unsigned long)m;
				if (m <= 0 || write(to, buf, (size_t)m) != m) {
					close(k->c);
					close(k->s);
					k->c = k->s = -1;
				}
			}
		}
		/* closed connections stay in the table (their numbers count), polled as -1 */
	}
}

int sshd_start_cutting_proxy(struct sshd *s, unsigned cut_conn, unsigned long cut_after)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	char name[64];
	int lfd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	pid_t pid;

	if (lfd < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(lfd, 16) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&a, &len) < 0)
		return -errno;
	s->proxy_port = ntohs(a.sin_port);
	snprintf(s->proxy_known_hosts, sizeof(s->proxy_known_hosts), "%s/proxy_known_hosts",
		 s->dir);
	snprintf(name, sizeof(name), "[127.0.0.1]:%u", s->proxy_port);
	pin(s->proxy_known_hosts, name, s->hostkey);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0)
		proxy_main(lfd, s->port, s->pid, cut_conn, cut_after);
	close(lfd);
	s->proxy = pid;
	return 0;
}

void sshd_stop_proxy(struct sshd *s)
{
	if (s->proxy > 0) {
		kill(s->proxy, SIGKILL);
		waitpid(s->proxy, NULL, 0);
	}
	s->proxy = 0;
}
