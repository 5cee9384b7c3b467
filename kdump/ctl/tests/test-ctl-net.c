/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network targets in kdumpctl's build plan (net.c) on fixture machines: the network of the
 * capture kernel decided from 'ip route get' / 'ip addr show' (a fake runner answers as iproute2
 * does) and sysfs, DHCP or static, the override directory, the server on this machine, the ssh
 * key and pinned host keys required, the NFS modules, dracut's command line and environment,
 * and a change of the network changing the inputs' digest. Also fetch's and propagate's command
 * lines.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-fixture.h"
#include "kdump-util.h"
#include "tests.h"

struct net_fake {
	const char *route;      /* what 'ip -o route get' prints, NULL: fails */
	const char *addrs;      /* what 'ip -o addr show dev X' prints */
	int calls;
};

static int fake_ip(char *const argv[], char **ret_output, void *userdata)
{
	CtlFixture *fx = userdata;
	struct net_fake *n = fx->data;
	const char *out = NULL;

	n->calls++;
	if (strcmp(argv[0], "ip") != 0)
		return 127;
	for (size_t i = 1; argv[i]; i++)
		if (strcmp(argv[i], "route") == 0)
			out = n->route;
		else if (strcmp(argv[i], "addr") == 0)
			out = n->addrs;
	if (!out)
		return 2;
	*ret_output = strdup(out);
	return *ret_output ? 0 : -ENOMEM;
}

static const char route_onlink[] = "10.0.2.100 dev ens3 src 10.0.2.15 uid 0 \\    cache \n";
static const char route_via[] = "10.1.0.5 via 10.0.2.2 dev ens3 src 10.0.2.15 uid 0 \\    cache \n";
static const char addrs_dhcp[] =
	"2: ens3    inet 10.0.2.15/24 metric 1024 brd 10.0.2.255 scope global dynamic ens3\\"
	"       valid_lft 86399sec preferred_lft 86399sec\n";
static const char addrs_static[] =
	"2: ens3    inet 192.168.7.9/16 brd 192.168.255.255 scope global ens3\\       valid_lft "
	"forever preferred_lft forever\n"
	"2: ens3    inet 10.0.2.15/24 brd 10.0.2.255 scope global ens3\\       valid_lft forever "
	"preferred_lft forever\n";

static void must_mkdir(CtlFixture *fx, const char *path)
{
	if (ctl_mkdir_p(fx_path(fx, path), 0755) < 0)
		abort();
}

static void machine(CtlFixture *fx, struct net_fake *n, const char *conf, bool keys)
{
	fx_new(fx);
	fx->data = n;
	fx_write(fx, "/etc/kdump.conf", conf);
	fx_write(fx, "/sys/class/net/ens3/address", "52:54:00:12:34:56\n");
	must_mkdir(fx, "/sys/module/virtio_net");
	must_mkdir(fx, "/sys/class/net/ens3/device/driver");
	if (symlink("../../../../../module/virtio_net",
		    fx_path(fx, "/sys/class/net/ens3/device/driver/module")) < 0)
		abort();
	fx_write_exec(fx, "/usr/bin/ssh", "#!/bin/sh\nexit 0\n");
	if (keys) {
		fx_write(fx, "/root/.ssh/kdump_id_ed25519", "PRIVATE KEY\n");
		fx_write(fx, "/var/lib/kdump-suite/known_hosts", "10.0.2.100 ssh-ed25519 AAAA\n");
	}
	fx_ctl(fx);
	fx->ctl.runner = fake_ip;
}

static int plan(CtlFixture *fx, CtlBuildPlan *p, char **ret_diags)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	KdumpDiags d;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	kdump_diags_init(&d);
	r = ctl_config_load(&fx->ctl, &cfg, &d);
	if (r == 0)
		r = ctl_build_plan(&fx->ctl, cfg, FX_KVER, p, &d);
	f = open_memstream(&text, &len);
	for (size_t i = 0; f && i < d.n; i++) {
		char *s = NULL;

		if (kdump_diag_format(&d.items[i], &s) == 0)
			fprintf(f, "%s\n", s);
		free(s);
	}
	if (f)
		fclose(f);
	kdump_diags_done(&d);
	*ret_diags = text;
	return r;
}

TEST(ssh_dhcp)
{
	struct net_fake n = { .route = route_onlink, .addrs = addrs_dhcp };
	CtlFixture fx;
	CtlBuildPlan p = { 0 };
	_cleanup_strv_free_ char **argv = NULL, **env = NULL;
	_cleanup_free_ char *diags = NULL;
	KdumpConfig *cfg = NULL;
	KdumpDiags d;

	machine(&fx, &n, "ssh root@10.0.2.100\npath /srv/dumps\n", true);
	ASSERT_OK(plan(&fx, &p, &diags));
	ASSERT_STREQ(p.net, "ifname=ens3 mac=52:54:00:12:34:56 mode=dhcp4");
	ASSERT_TRUE(p.hosts == NULL); /* a numeric address needs no /etc/hosts line */
	ASSERT_TRUE(kdump_strv_contains(p.kmods, "virtio_net"));
	ASSERT_TRUE(kdump_strv_contains(p.binaries, "/usr/bin/ssh"));
	ASSERT_TRUE(kdump_strv_contains(p.files, "/root/.ssh/kdump_id_ed25519"));
	ASSERT_TRUE(kdump_strv_contains(p.files, "/var/lib/kdump-suite/known_hosts"));
	ASSERT_TRUE(strstr(p.target_id, "ssh root@10.0.2.100 10.0.2.100 net ifname=ens3"));
	/* dracut: systemd-networkd added, the decision in the environment */
	kdump_diags_init(&d);
	ASSERT_OK(ctl_config_load(&fx.ctl, &cfg, &d));
	kdump_diags_done(&d);
	ASSERT_OK(ctl_dracut_command(cfg, &p, "/tmp/x.img", &argv, &env));
	{
		_cleanup_free_ char *a = kdump_strv_join(argv, " ");
		ASSERT_TRUE(strstr(a, " --add systemd-networkd "));
	}
	ASSERT_TRUE(kdump_strv_contains(env, "KDUMP_SUITE_NET=ifname=ens3 mac=52:54:00:12:34:56 "
					"mode=dhcp4"));
	ASSERT_TRUE(kdump_strv_contains(env, "KDUMP_SUITE_FILES=/root/.ssh/kdump_id_ed25519\n"
					"/var/lib/kdump-suite/known_hosts"));
	ASSERT_TRUE(kdump_strv_contains(env, "KDUMP_SUITE_HOSTS="));
	kdump_config_free(cfg);
	ctl_build_plan_done(&p);
	fx_ctl_done(&fx);
	fx_free(&fx);
}

TEST(ssh_static_and_digest)
{
	struct net_fake n = { .route = route_via, .addrs = addrs_static };
	CtlFixture fx;
	CtlBuildPlan p = { 0 };
	CtlInputs a = { 0 }, b = { 0 };
	_cleanup_free_ char *diags = NULL, *diags2 = NULL;
	KdumpError e = { 0 };

	machine(&fx, &n, "ssh kdump@10.0.2.100:2222\npath /srv/dumps\n", true);
	ASSERT_OK(plan(&fx, &p, &diags));
	/* the address the route uses (src), not the interface's first one; the gateway */
	ASSERT_STREQ(p.net, "ifname=ens3 mac=52:54:00:12:34:56 mode=static4 address=10.0.2.15/24 "
		     "gateway=10.0.2.2");
	ASSERT_OK(ctl_inputs_collect(&fx.ctl, &p, &a, &e));
	ctl_build_plan_done(&p);
	/* the same machine on DHCP: another initramfs */
	n.addrs = addrs_dhcp;
	ASSERT_OK(plan(&fx, &p, &diags2));
	ASSERT_OK(ctl_inputs_collect(&fx.ctl, &p, &b, &e));
	ASSERT_TRUE(strcmp(a.digest, b.digest) != 0);
	ctl_inputs_done(&a);
	ctl_inputs_done(&b);
	/* and a new pinned host key too */
	fx_write(&fx, "/var/lib/kdump-suite/known_hosts", "10.0.2.100 ssh-ed25519 BBBB\n");
	ASSERT_OK(ctl_inputs_collect(&fx.ctl, &p, &a, &e));
	ASSERT_TRUE(strcmp(a.digest, b.digest) != 0);
	ctl_inputs_done(&a);
	ctl_build_plan_done(&p);
	fx_ctl_done(&fx);
	fx_free(&fx);
}

TEST(ssh_without_propagate)
{
	struct net_fake n = { .route = route_onlink, .addrs = addrs_dhcp };
	CtlFixture fx;
	CtlBuildPlan p = { 0 };
	_cleanup_free_ char *diags = NULL;

	machine(&fx, &n, "ssh root@10.0.2.100\npath /srv/dumps\n", false);
	ASSERT_EQ_INT(plan(&fx, &p, &diags), -EINVAL);
	ASSERT_TRUE(strstr(diags, "error: the ssh key /root/.ssh/kdump_id_ed25519 is missing"));
	ASSERT_TRUE(strstr(diags, "hint: kdumpctl propagate creates it"));
	fx_write(&fx, "/root/.ssh/kdump_id_ed25519", "PRIVATE KEY\n");
	free(diags);
	ASSERT_EQ_INT(plan(&fx, &p, &diags), -EINVAL);
	ASSERT_TRUE(strstr(diags, "error: no host key of 10.0.2.100 is pinned in "
			   "/var/lib/kdump-suite/known_hosts"));
	fx_ctl_done(&fx);
	fx_free(&fx);
}

TEST(no_route_and_loopback)
{
	struct net_fake n = { .route = NULL, .addrs = addrs_dhcp };
	CtlFixture fx;
	CtlBuildPlan p = { 0 };
	_cleanup_free_ char *diags = NULL;

	machine(&fx, &n, "nfs 10.0.2.100:/export\n", true);
	ASSERT_EQ_INT(plan(&fx, &p, &diags), -EINVAL);
	ASSERT_TRUE(strstr(diags, "kdump.conf:1: error: no route to the dump server 10.0.2.100"));
	n.route = "10.0.2.100 dev lo src 127.0.0.1 uid 0\n";
	free(diags);
	ASSERT_EQ_INT(plan(&fx, &p, &diags), -EINVAL);
	ASSERT_TRUE(strstr(diags, "the dump server 10.0.2.100 is this machine"));
	fx_ctl_done(&fx);
	fx_free(&fx);
}

TEST(nfs_and_override)
{
	struct net_fake n = { .route = route_onlink, .addrs = addrs_dhcp };
	CtlFixture fx;
	CtlBuildPlan p = { 0 };
	_cleanup_free_ char *diags = NULL, *diags2 = NULL;

	machine(&fx, &n, "nfs 10.0.2.100:/export\npath /dumps\n", false);
	ASSERT_OK(plan(&fx, &p, &diags));
	ASSERT_TRUE(kdump_strv_contains(p.kmods, "nfs"));
	ASSERT_TRUE(kdump_strv_contains(p.kmods, "nfsv4"));
	ASSERT_TRUE(kdump_strv_contains(p.kmods, "nfsv3"));
	ASSERT_TRUE(!kdump_strv_contains(p.binaries, "/usr/bin/ssh"));
	ASSERT_TRUE(p.files == NULL);
	ctl_build_plan_done(&p);
	/* the administrator's own network files replace the decision */
	fx_write(&fx, "/etc/kdump-suite/network/50-bond.network", "[Match]\nName=bond0\n");
	n.calls = 0;
	ASSERT_OK(plan(&fx, &p, &diags2));
	ASSERT_STREQ(p.net, "custom");
	ASSERT_TRUE(kdump_strv_contains(p.files, "/etc/kdump-suite/network/50-bond.network"));
	ASSERT_EQ_INT(n.calls, 0);
	ctl_build_plan_done(&p);
	fx_ctl_done(&fx);
	fx_free(&fx);
}

TEST(command_lines)
{
	CtlArgs a;
	char *msg = NULL;
	char *fetch[] = { (char *)"kdumpctl", (char *)"fetch", (char *)"host-2026-01-01-00:00:00",
			  (char *)"/var/tmp", NULL };
	char *fetch1[] = { (char *)"kdumpctl", (char *)"fetch", (char *)"x", NULL };
	char *fetch3[] = { (char *)"kdumpctl", (char *)"fetch", (char *)"x", (char *)"y",
			   (char *)"z", NULL };
	char *prop[] = { (char *)"kdumpctl", (char *)"propagate", (char *)"--yes", NULL };
	char *list[] = { (char *)"kdumpctl", (char *)"list", (char *)"x", NULL };

	ASSERT_OK(ctl_args_parse(4, fetch, &a, &msg));
	ASSERT_EQ_INT(a.command, CMD_FETCH);
	ASSERT_EQ_INT(a.n_operands, 2);
	ASSERT_STREQ(a.operands[0], "host-2026-01-01-00:00:00");
	ASSERT_STREQ(a.operands[1], "/var/tmp");
	ASSERT_EQ_INT(ctl_args_parse(3, fetch1, &a, &msg), CTL_EXIT_USAGE);
	ASSERT_STREQ(msg, "'fetch' needs 2 arguments (see --help)");
	free(msg);
	ASSERT_EQ_INT(ctl_args_parse(5, fetch3, &a, &msg), CTL_EXIT_USAGE);
	ASSERT_STREQ(msg, "unexpected argument 'z'");
	free(msg);
	ASSERT_OK(ctl_args_parse(3, prop, &a, &msg));
	ASSERT_EQ_INT(a.command, CMD_PROPAGATE);
	ASSERT_TRUE(a.yes);
	ASSERT_EQ_INT(ctl_args_parse(3, list, &a, &msg), CTL_EXIT_USAGE);
	ASSERT_STREQ(msg, "unexpected argument 'x'");
	free(msg);
}

TEST(ssh_argv)
{
	CtlSsh s = { .key = (char *)"/root/.ssh/k", .known_hosts = (char *)"/var/lib/kh",
		     .path = "/srv" };
	_cleanup_strv_free_ char **argv = NULL;
	_cleanup_free_ char *joined = NULL;

	ASSERT_OK(kdump_ssh_target_parse("kdump@[fd00::1]:2222", &s.t));
	ASSERT_OK(ctl_ssh_argv(&s, CTL_SSH_BATCH, "echo hi", &argv));
	joined = kdump_strv_join(argv, " ");
	/* no configuration file, the pinned keys only, strict, the kdump key only */
	ASSERT_TRUE(strstr(joined, "ssh -F none "));
	ASSERT_TRUE(strstr(joined, "-o StrictHostKeyChecking=yes "));
	ASSERT_TRUE(strstr(joined, "-o UserKnownHostsFile=/var/lib/kh "));
	ASSERT_TRUE(strstr(joined, "-o GlobalKnownHostsFile=/dev/null "));
	ASSERT_TRUE(strstr(joined, "-o BatchMode=yes "));
	ASSERT_TRUE(strstr(joined, "-o IdentitiesOnly=yes "));
	ASSERT_TRUE(strstr(joined, "-i /root/.ssh/k "));
	ASSERT_TRUE(strstr(joined, "-p 2222 -l kdump -- fd00::1 echo hi"));
	kdump_strv_free(argv);
	free(joined);
	/* propagate before a key is pinned: ssh asks, or accept-new with --yes; never "no" */
	ASSERT_OK(ctl_ssh_argv(&s, CTL_SSH_INSTALL_ACCEPT, "true", &argv));
	joined = kdump_strv_join(argv, " ");
	ASSERT_TRUE(strstr(joined, "-o StrictHostKeyChecking=accept-new "));
	ASSERT_TRUE(!strstr(joined, "BatchMode"));
	ASSERT_TRUE(!strstr(joined, "StrictHostKeyChecking=no"));
	argv = (kdump_strv_free(argv), NULL);
	free(joined);
	ASSERT_OK(ctl_ssh_argv(&s, CTL_SSH_INSTALL, "true", &argv));
	joined = kdump_strv_join(argv, " ");
	ASSERT_TRUE(strstr(joined, "-o StrictHostKeyChecking=yes "));
	{
		char *q = ctl_shell_quote("/srv/it's");
		ASSERT_STREQ(q, "'/srv/it'\\''s'");
		free(q);
	}
}

int main(void)
{
	static const struct test_case cases[] = {
		T(ssh_dhcp), T(ssh_static_and_digest), T(ssh_without_propagate),
		T(no_route_and_loopback), T(nfs_and_override), T(command_lines), T(ssh_argv),
	};

	return run_tests(cases, ELEMENTSOF(cases));
}
