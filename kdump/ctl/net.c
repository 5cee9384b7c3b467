/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a network target needs in the capture initramfs, decided when it is built:
 *
 *  - the network as this system has it now, for the server: the interface of the route to the
 *    server ('ip -o route get ADDR'), identified by its MAC address (names can differ in the
 *    capture kernel), and how it got the address the route uses ('ip -o addr show dev IF'):
 *    "dynamic" addresses came from DHCP (or router advertisements), so the capture kernel asks
 *    again; others are set as they are, with the route's gateway. The dracut module writes this
 *    as a systemd-networkd .network file (KDUMP_SUITE_NET). Files in
 *    /etc/kdump-suite/network (NAME.network) replace the decision (KDUMP_SUITE_NET=custom);
 *  - the server's address, in /etc/hosts of the initramfs when kdump.conf names it (DNS may
 *    not be there in the capture kernel);
 *  - the interface's driver module; nfs: the NFS client modules; ssh: ssh, the key and the
 *    pinned host keys ('kdumpctl propagate' makes both).
 * All of it is in the build plan's target_id, so a change rebuilds the initramfs.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kdump-util.h"
#include "kdumpctl.h"

#define CTL_NET_OVERRIDE "/etc/kdump-suite/network"

static int problem(const Ctl *c, KdumpDiags *d, unsigned line, const char *hint,
		   const char *fmt, ...) _printf_(5, 6);
static int problem(const Ctl *c, KdumpDiags *d, unsigned line, const char *hint,
		   const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return -ENOMEM;
	r = kdump_diags_add(d, KDUMP_SEVERITY_ERROR, -EINVAL, c->config_path, line, "%s", msg);
	if (r == 0 && hint)
		r = kdump_diags_hint(d, "%s", hint);
	return r;
}

/* The word after key in a line of words ("... dev ens3 src ..."), copied into buf. */
static bool word_after(const char *line, const char *key, char *buf, size_t size)
{
	size_t k = strlen(key);

	for (const char *p = line; (p = strstr(p, key)); p += k) {
		size_t n;

		if ((p != line && p[-1] != ' ' && p[-1] != '\t') || (p[k] != ' ' && p[k] != '\t'))
			continue;
		p += k;
		p += strspn(p, " \t");
		n = strcspn(p, " \t\n\\");
		if (n == 0 || n >= size)
			return false;
		memcpy(buf, p, n);
		buf[n] = '\0';
		return true;
	}
	return false;
}

static int resolve(const char *host, char *addr, size_t len, bool *ipv6)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *ai = NULL;

	if (getaddrinfo(host, NULL, &hints, &ai) != 0)
		return -EHOSTUNREACH;
	*ipv6 = ai->ai_family == AF_INET6;
	if (*ipv6)
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)(void *)ai->ai_addr)->sin6_addr, addr,
			  (socklen_t)len);
	else
		inet_ntop(AF_INET, &((struct sockaddr_in *)(void *)ai->ai_addr)->sin_addr, addr,
			  (socklen_t)len);
	freeaddrinfo(ai);
	return 0;
}

/* The module of the interface's driver, if it is one (not built in). */
static char *driver_module(const Ctl *c, const char *ifname)
{
	_cleanup_free_ char *sys = kdump_asprintf("/sys/class/net/%s/device/driver/module", ifname);
	_cleanup_free_ char *full = sys ? ctl_path(c, sys) : NULL;
	char target[512];
	ssize_t n;
	const char *slash;

	if (!full)
		return NULL;
	n = readlink(full, target, sizeof(target) - 1);
	if (n <= 0)
		return NULL;
	target[n] = '\0';
	slash = strrchr(target, '/');
	return strdup(slash ? slash + 1 : target);
}

/* /etc/kdump-suite/network/NAME.network: the administrator's own configuration. */
static int add_override(const Ctl *c, CtlBuildPlan *p, bool *found)
{
	_cleanup_free_ char *dir = ctl_path(c, CTL_NET_OVERRIDE);
	struct dirent *de;
	DIR *d;
	int r = 0;

	*found = false;
	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return 0;
	while (r == 0 && (de = readdir(d))) {
		size_t n = strlen(de->d_name);

		if (de->d_name[0] == '.' || n < 9 || strcmp(de->d_name + n - 8, ".network") != 0)
			continue;
		*found = true;
		r = kdump_strv_consume(&p->files, kdump_asprintf(CTL_NET_OVERRIDE "/%s",
								  de->d_name));
	}
	closedir(d);
	return r;
}

/* How the interface of the route to addr is configured, as KDUMP_SUITE_NET. */
static int decide(const Ctl *c, const KdumpConfig *cfg, unsigned line, const char *addr,
		  bool ipv6, CtlBuildPlan *p, KdumpDiags *d)
{
	char *route_argv[] = { (char *)"ip", (char *)(ipv6 ? "-6" : "-4"), (char *)"-o",
			       (char *)"route", (char *)"get", (char *)addr, NULL };
	_cleanup_free_ char *route = NULL, *addrs = NULL, *mac = NULL, *macpath = NULL;
	_cleanup_free_ char *module = NULL;
	char dev[64], via[INET6_ADDRSTRLEN] = "", src[INET6_ADDRSTRLEN] = "", found[128] = "";
	bool dynamic = false;
	int r;

	r = c->runner(route_argv, &route, c->userdata);
	if (r == -ENOMEM)
		return r;
	if (r != 0 || !route || !word_after(route, "dev", dev, sizeof(dev)))
		return problem(c, d, line, "check the network ('ip route get ADDRESS'); 'ip' is in "
			       "iproute2", "no route to the dump server %s (%s)", addr,
			       r < 0 ? strerror(-r) : "ip route get found none");
	if (strcmp(dev, "lo") == 0)
		return problem(c, d, line, "a dump server must be another machine",
			       "the dump server %s is this machine", addr);
	(void)word_after(route, "via", via, sizeof(via));
	(void)word_after(route, "src", src, sizeof(src));
	{
		char *addr_argv[] = { (char *)"ip", (char *)(ipv6 ? "-6" : "-4"), (char *)"-o",
				      (char *)"addr", (char *)"show", (char *)"dev", dev, NULL };

		r = c->runner(addr_argv, &addrs, c->userdata);
		if (r == -ENOMEM)
			return r;
	}
	/* the address the route uses (src), else the interface's first global one */
	for (char *save = NULL, *l = addrs ? strtok_r(addrs, "\n", &save) : NULL; l;
	     l = strtok_r(NULL, "\n", &save)) {
		char a[128], *slash;

		if (!word_after(l, ipv6 ? "inet6" : "inet", a, sizeof(a)) || strstr(l, "scope link"))
			continue;
		slash = strchr(a, '/');
		if (found[0] && (!slash || strncmp(a, src, (size_t)(slash - a)) != 0 ||
				 src[slash - a] != '\0'))
			continue;
		snprintf(found, sizeof(found), "%s", a);
		dynamic = strstr(l, " dynamic") != NULL;
	}
	if (!found[0])
		return problem(c, d, line, "configure the interface, or describe the capture "
			       "kernel's network in " CTL_NET_OVERRIDE "/*.network",
			       "%s, the interface of the route to %s, has no address", dev, addr);
	macpath = kdump_asprintf("/sys/class/net/%s/address", dev);
	if (!macpath)
		return -ENOMEM;
	if (ctl_read_file(c, macpath, 64, &mac) < 0 || !mac[0])
		return problem(c, d, line, NULL, "cannot read the MAC address of %s (%s)", dev,
			       macpath);
	mac[strcspn(mac, "\n")] = '\0';
	module = driver_module(c, dev);
	if (module && !kdump_strv_contains(p->kmods, module) && kdump_strv_push(&p->kmods, module) < 0)
		return -ENOMEM;
	if (dynamic)
		p->net = kdump_asprintf("ifname=%s mac=%s mode=%s", dev, mac,
					ipv6 ? "dhcp6" : "dhcp4");
	else
		p->net = kdump_asprintf("ifname=%s mac=%s mode=%s address=%s%s%s", dev, mac,
					ipv6 ? "static6" : "static4", found, via[0] ? " gateway=" : "",
					via);
	return p->net ? 0 : -ENOMEM;
}

int ctl_plan_network(const Ctl *c, const KdumpConfig *cfg, CtlBuildPlan *p, KdumpDiags *d)
{
	bool ssh = cfg->target == KDUMP_TARGET_SSH, ipv6 = false, custom;
	unsigned line = cfg->line[ssh ? KDUMP_DIR_SSH : KDUMP_DIR_NFS];
	char host[256], addr[INET6_ADDRSTRLEN];
	int r;

	if (ssh) {
		KdumpSshTarget t;

		if (kdump_ssh_target_parse(cfg->ssh, &t) < 0)
			return problem(c, d, line, NULL, "'%s' is not USER@HOST[:PORT]", cfg->ssh);
		snprintf(host, sizeof(host), "%s", t.host);
	} else {
		KdumpNfsTarget t;

		if (kdump_nfs_target_parse(cfg->nfs, &t) < 0)
			return problem(c, d, line, NULL, "'%s' is not HOST:/EXPORT", cfg->nfs);
		snprintf(host, sizeof(host), "%s", t.host);
	}
	if (resolve(host, addr, sizeof(addr), &ipv6) < 0)
		return problem(c, d, line, "use an address, or a name this system resolves",
			       "cannot resolve the dump server '%s'", host);
	if (strcmp(addr, host) != 0) {
		p->hosts = kdump_asprintf("%s %s", addr, host);
		if (!p->hosts)
			return -ENOMEM;
	}
	r = add_override(c, p, &custom);
	if (r < 0)
		return r;
	if (custom) {
		p->net = strdup("custom");
		if (!p->net)
			return -ENOMEM;
	} else {
		r = decide(c, cfg, line, addr, ipv6, p, d);
		/* a problem is in diags: the plan fails with it */
		if (r < 0 || !p->net)
			return r;
	}

	if (ssh) {
		_cleanup_free_ char *key = ctl_path(c, cfg->sshkey);
		_cleanup_free_ char *kh = ctl_path(c, CTL_KNOWN_HOSTS), *prog = NULL;

		if (!key || !kh)
			return -ENOMEM;
		if (access(key, R_OK) < 0)
			r = problem(c, d, cfg->line[KDUMP_DIR_SSHKEY] ? cfg->line[KDUMP_DIR_SSHKEY] :
				    line, "kdumpctl propagate creates it and installs it on the "
				    "server", "the ssh key %s is missing", cfg->sshkey);
		if (r == 0 && access(kh, R_OK) < 0)
			r = problem(c, d, line, "kdumpctl propagate records it",
				    "no host key of %s is pinned in %s", host, CTL_KNOWN_HOSTS);
		if (r == 0 && ctl_find_program(c, "ssh", &prog) < 0)
			r = problem(c, d, line, "install openssh-client", "ssh is not installed");
		if (r == 0 && !kdump_strv_contains(p->binaries, prog))
			r = kdump_strv_push(&p->binaries, prog);
		if (r == 0)
			r = kdump_strv_push(&p->files, cfg->sshkey);
		if (r == 0)
			r = kdump_strv_push(&p->files, CTL_KNOWN_HOSTS);
	} else {
		static const char *const nfs_mods[] = { "nfs", "nfsv3", "nfsv4" };

		for (size_t i = 0; r == 0 && i < ELEMENTSOF(nfs_mods); i++)
			if (!kdump_strv_contains(p->kmods, nfs_mods[i]))
				r = kdump_strv_push(&p->kmods, nfs_mods[i]);
	}
	if (r < 0)
		return r;
	p->target_id = kdump_asprintf("%s %s %s net %s", ssh ? "ssh" : "nfs",
				      ssh ? cfg->ssh : cfg->nfs, addr, p->net);
	return p->target_id ? 0 : -ENOMEM;
}

int ctl_nfs_dumps_dir(const Ctl *c, const KdumpConfig *cfg, char **ret, KdumpError *err)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;

	/* "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTIONS... - TYPE SOURCE SUPEROPTIONS" */
	if (ctl_read_file(c, "/proc/self/mountinfo", 1 << 20, &text) < 0)
		text = NULL;
	for (line = text ? strtok_r(text, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save)) {
		const char *dash = strstr(line, " - ");
		char root[256], mp[1024], type[32], source[1100];

		if (!dash || sscanf(line, "%*s %*s %*s %255s %1023s", root, mp) != 2 ||
		    sscanf(dash, " - %31s %1099s", type, source) != 2)
			continue;
		if (strncmp(type, "nfs", 3) != 0 || strcmp(source, cfg->nfs) != 0 ||
		    strcmp(root, "/") != 0)
			continue;
		*ret = kdump_asprintf("%s%s%s", c->prefix, strcmp(mp, "/") ? mp : "", cfg->path);
		return *ret ? 0 : -ENOMEM;
	}
	return kdump_error_set(err, -ENODEV, "the NFS export %s is not mounted here: mount it "
			       "(mount -t nfs %s DIR), or give the directory with --dir", cfg->nfs,
			       cfg->nfs);
}

/* The server's address, for the route lookups. */
static int server_address(const KdumpConfig *cfg, char *addr, size_t len, bool *ipv6)
{
	KdumpSshTarget t;
	KdumpNfsTarget n;

	if (cfg->target == KDUMP_TARGET_SSH && kdump_ssh_target_parse(cfg->ssh, &t) == 0)
		return resolve(t.host, addr, len, ipv6);
	if (cfg->target == KDUMP_TARGET_NFS && kdump_nfs_target_parse(cfg->nfs, &n) == 0)
		return resolve(n.host, addr, len, ipv6);
	return -EINVAL;
}

int ctl_net_wait(const Ctl *c, const KdumpConfig *cfg, unsigned timeout)
{
	char addr[INET6_ADDRSTRLEN];
	bool ipv6 = false;

	for (unsigned i = 0;; i++) {
		_cleanup_free_ char *out = NULL;
		char dev[64], src[INET6_ADDRSTRLEN];

		if (server_address(cfg, addr, sizeof(addr), &ipv6) == 0) {
			char *argv[] = { (char *)"ip", (char *)(ipv6 ? "-6" : "-4"), (char *)"-o",
					 (char *)"route", (char *)"get", addr, NULL };

			if (c->runner(argv, &out, c->userdata) == 0 && out &&
			    word_after(out, "dev", dev, sizeof(dev)) && strcmp(dev, "lo") != 0 &&
			    word_after(out, "src", src, sizeof(src)))
				return 0;
		}
		if (i >= timeout)
			return -ETIMEDOUT;
		nanosleep(&(struct timespec){ 1, 0 }, NULL);
	}
}

