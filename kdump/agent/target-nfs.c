/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * 'nfs HOST:/EXPORT': mounted at run_dir/target with the kernel's NFS client (mount(2), no
 * mount.nfs), then the dump is saved as on a local filesystem (save.c): 'path' below the
 * export, keep_old_dumps, min_free_space, vmcore-dmesg.txt first, vmcore verified and renamed.
 *
 * The kernel takes the server's address, not its name: HOST is resolved here (a numeric
 * address, /etc/hosts of the initramfs, or DNS when the network has it). NFS 4.2, 4.1, 4.0,
 * then 3 are tried, as mount.nfs does. The mount is 'soft' with a short timeo, so that a
 * server that goes away ends the dump with an I/O error (a readable vmcore.incomplete), not a
 * capture that hangs; 'clientaddr=' 0.0.0.0 (or ::) turns NFSv4 callbacks off, which a capture
 * does not need. While the server cannot be reached (the network still coming up), the mount
 * is retried until net_timeout.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"
#include "kdump-util.h"

static const char *const versions[] = { "4.2", "4.1", "4.0", "3" };

/* Errors that mean "not (yet) reachable": retried until the timeout. */
static bool transient(int r)
{
	return r == -ECONNREFUSED || r == -ETIMEDOUT || r == -ENETUNREACH || r == -EHOSTUNREACH ||
	       r == -EHOSTDOWN || r == -EAGAIN || r == -ENETDOWN || r == -ECONNRESET;
}

static int resolve(const char *host, char *addr, size_t len, bool *ipv6)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;
	int r = getaddrinfo(host, NULL, &hints, &ai);

	if (r != 0)
		return r == EAI_AGAIN ? -EAGAIN : r == EAI_MEMORY ? -ENOMEM : -EHOSTUNREACH;
	if (ai->ai_family == AF_INET6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, addr,
			  (socklen_t)len);
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, addr,
			  (socklen_t)len);
	*ipv6 = ai->ai_family == AF_INET6;
	freeaddrinfo(ai);
	return 0;
}

int ksave_nfs_options(const char *version, const char *addr, bool ipv6, char *buf, size_t len)
{
	bool v3 = strcmp(version, "3") == 0;
	int n;

	/* timeo is in tenths of a second: 10 s, then 2 retransmissions, then EIO (soft) */
	n = snprintf(buf, len, "vers=%s,addr=%s,%s%s%ssoft,timeo=100,retrans=2,proto=%s%s", version,
		     addr, v3 ? "" : "clientaddr=", v3 ? "" : ipv6 ? "::" : "0.0.0.0",
		     v3 ? "" : ",", ipv6 ? "tcp6" : "tcp", v3 ? ",nolock" : "");
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

void ksave_attempt_nfs(struct ksave *k, KsaveResult *res)
{
	unsigned timeout = k->o->net_timeout ? k->o->net_timeout : KSAVE_DEFAULT_NET_TIMEOUT;
	double deadline = ksave_mono() + timeout;
	_cleanup_free_ char *where = ksave_path_join(k->run_dir, "target"), *source = NULL;
	KdumpNfsTarget t;
	char addr[INET6_ADDRSTRLEN] = "", opts[256], err[512] = "";
	bool ipv6 = false, said = false;
	int fd = -1, r = -EINVAL;

	snprintf(k->target, sizeof(k->target), "nfs %s", k->cfg->nfs);
	if (!where || kdump_nfs_target_parse(k->cfg->nfs, &t) < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s", where ? "the nfs target is not "
			   "HOST:/EXPORT" : "out of memory");
		goto fail;
	}
	for (;;) {
		r = resolve(t.host, addr, sizeof(addr), &ipv6);
		if (r < 0)
			snprintf(err, sizeof(err), "cannot resolve %s: %s", t.host,
				 r == -EAGAIN ? "no answer from the name server" : "unknown host");
		for (size_t i = 0; r == 0 && i < ELEMENTSOF(versions); i++) {
			free(source);
			source = kdump_asprintf(ipv6 ? "[%s]:%s" : "%s:%s", addr, t.export);
			if (!source) {
				r = -ENOMEM;
				break;
			}
			r = ksave_nfs_options(versions[i], addr, ipv6, opts, sizeof(opts));
			if (r == 0)
				r = k->ops->mount(source, "nfs", opts, where, &fd, k->ops->userdata);
			if (r == 0) {
				klog(&k->log, KSAVE_LOG_INFO, "mounted %s (NFS %s, %s) at %s",
				     k->cfg->nfs, versions[i], addr, where);
				break;
			}
			snprintf(err, sizeof(err), "cannot mount %s (%s) with NFS %s: %s",
				 k->cfg->nfs, source, versions[i], strerror(-r));
			/* another version only when this one is what the server refuses */
			if (r != -EPROTONOSUPPORT && r != -EINVAL && r != -ENOENT)
				break;
		}
		if (r == 0 || r == -ENOMEM || (!transient(r) && r != -EHOSTUNREACH) ||
		    ksave_mono() + 1 >= deadline)
			break;
		if (!said)
			klog(&k->log, KSAVE_LOG_INFO, "waiting up to %u s for %s: %s", timeout,
			     t.host, err);
		said = true;
		nanosleep(&(struct timespec){ 1, 0 }, NULL);
	}
	if (r < 0) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s", err[0] ? err : strerror(-r));
		goto fail;
	}
	ksave_save_dir(k, fd, where, res);
	close(fd);
	/* unmounted at the end, after kdump_post */
	if (k->n_mounts < ELEMENTSOF(k->mounts))
		k->mounts[k->n_mounts++] = TAKE_PTR(where);
	return;
fail:
	klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
}
