/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A real OpenSSH server for the tests of ssh targets: /usr/sbin/sshd -D on 127.0.0.1 and a free
 * high port, its own host key, authorized_keys and configuration in a directory of the test,
 * logging in as the user running the test. The keys are made with ssh-keygen. A cutting proxy
 * in a child process stands in for a server that dies part way through a transfer.
 */
#include <stdbool.h>
#include <sys/types.h>

struct sshd {
	char dir[256];          /* everything of the server lives here */
	char hostkey[320];      /* the server's host key (private; .pub beside it) */
	char client_key[320];   /* a key in authorized_keys (the kdump key) */
	char other_key[320];    /* a key the server does not know */
	char other_hostkey[320];/* a host key the server does not have */
	char known_hosts[320];  /* the server's host key, pinned for port */
	char wrong_known_hosts[320]; /* other_hostkey pinned for port */
	char user[64];
	unsigned port;
	pid_t pid;              /* sshd -D, in a process group of its own */
	pid_t proxy;            /* the cutting proxy, 0 when none */
	unsigned proxy_port;
	char proxy_known_hosts[320];
};

/* Exits 77 (skip) when sshd or ssh-keygen is missing; 1 on a setup failure. */
void sshd_setup(struct sshd *s, const char *base);
int sshd_start(struct sshd *s);
void sshd_stop(struct sshd *s);
/* A free port on 127.0.0.1 (nothing listens on it once this returns). */
unsigned free_port(void);
/*
 * Start a proxy on a free port to the server: connection number cut_conn (1-based) is cut
 * after cut_after bytes from the client, and the server is killed (SIGKILL to its group) at
 * that moment, as a crash of the dump server would. known_hosts for its port is written.
 */
int sshd_start_cutting_proxy(struct sshd *s, unsigned cut_conn, unsigned long cut_after);
void sshd_stop_proxy(struct sshd *s);
/* Wait until something accepts connections on 127.0.0.1:port (up to 10 s). */
int wait_port(unsigned port);
