/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctl-fixture.h"
#include "io-util.h"

static void must(int r, const char *what)
{
	if (r < 0) {
		fprintf(stderr, "fixture: %s: %s\n", what, strerror(-r));
		abort();
	}
}

const char *fx_path(CtlFixture *fx, const char *path)
{
	static char buf[4][4096];
	static int i;

	i = (i + 1) % 4;
	return fixture_path(fx->root, path[0] == '/' ? path + 1 : path, buf[i], sizeof(buf[i]));
}

void fx_write(CtlFixture *fx, const char *path, const char *text)
{
	must(fixture_write(fx->root, path[0] == '/' ? path + 1 : path, text), path);
}

void fx_write_exec(CtlFixture *fx, const char *path, const char *text)
{
	fx_write(fx, path, text);
	must(chmod(fx_path(fx, path), 0755) < 0 ? -errno : 0, path);
}

char *fx_read(CtlFixture *fx, const char *path)
{
	static char buf[65536];
	int fd = open(fx_path(fx, path), O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return NULL;
	n = read_full(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* A bzImage the kexec library opens and whose gzip'd ELF payload the estimator reads. */
static void write_kernel(CtlFixture *fx)
{
	Elf64_Ehdr eh = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB,
				       1 },
			  .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_phoff = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 2 };
	Elf64_Phdr ph[2] = {
		{ .p_type = PT_LOAD, .p_paddr = 0x1000000, .p_memsz = 0x1400000 },
		{ .p_type = PT_LOAD, .p_paddr = 0x2400000, .p_memsz = 0x800000 },
	};
	uint8_t elf[sizeof(eh) + sizeof(ph) + 4096] = { 0 }, *img;
	void *gz;
	size_t gz_len, len;
	uint32_t v;

	memcpy(elf, &eh, sizeof(eh));
	memcpy(elf + sizeof(eh), ph, sizeof(ph));
	must(fixture_gzip(elf, sizeof(elf), &gz, &gz_len), "gzip");
	len = 2048 + gz_len;
	img = malloc(len);
	if (!img)
		abort();
	fixture_bzimage(img, len, &(struct fake_bzimage){ .init_size = 40u << 20 });
	img[0x1f1] = 3; /* setup: 2048 bytes, the payload right after */
	memcpy(img + 2048, gz, gz_len);
	v = 0;
	memcpy(img + 0x248, &v, 4);
	v = (uint32_t)gz_len;
	memcpy(img + 0x24c, &v, 4);
	must(fixture_write_bytes(fx->root, "boot/vmlinuz-" FX_KVER, img, len), "kernel");
	free(img);
	free(gz);
}

static void put_cpio(FILE *f, const char *name, unsigned mode, const char *data, size_t size)
{
	static const char zeros[4];

	fprintf(f, "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", 1u, mode, 0u,
		0u, 1u, 0u, size, 0u, 0u, 0u, 0u, strlen(name) + 1, 0u);
	fwrite(name, 1, strlen(name) + 1, f);
	fwrite(zeros, 1, (4 - (110 + strlen(name) + 1) % 4) % 4, f);
	if (size)
		fwrite(data, 1, size, f);
	fwrite(zeros, 1, (4 - size % 4) % 4, f);
}

void fx_initramfs(CtlFixture *fx, const char *path)
{
	static char data[300000];
	FILE *f;

	must(fixture_write(fx->root, path[0] == '/' ? path + 1 : path, ""), path);
	f = fopen(fx_path(fx, path), "w");
	if (!f)
		abort();
	memset(data, 'k', sizeof(data));
	put_cpio(f, "usr", 040755, NULL, 0);
	put_cpio(f, "usr/lib", 040755, NULL, 0);
	put_cpio(f, "usr/lib/systemd", 040755, NULL, 0);
	put_cpio(f, "usr/lib/systemd/systemd", 0100755, data, sizeof(data));
	put_cpio(f, "TRAILER!!!", 0, NULL, 0);
	if (fclose(f) != 0)
		abort();
}

static int fake_resolver(const char *spec, char **ret, void *userdata)
{
	if (strcmp(spec, "UUID=0a1b2c3d-1111-2222-3333-444455556666") == 0 ||
	    strcmp(spec, "LABEL=dumps") == 0)
		*ret = strdup("/dev/vdb1");
	else if (strcmp(spec, "PARTLABEL=kdump") == 0)
		*ret = strdup("/dev/vdc");
	else
		return -ENODEV;
	return *ret ? 0 : -ENOMEM;
}

static int fake_probe(const char *device, char **ret_uuid, char **ret_type, void *userdata)
{
	CtlFixture *fx = userdata;

	*ret_uuid = strdup(fx->uuid);
	*ret_type = fx->type[0] ? strdup(fx->type) : NULL;
	return 0;
}

void fx_new(CtlFixture *fx)
{
	*fx = (CtlFixture){ .sys = { .kernel_fd = -1, .initrd_fd = -1 } };
	snprintf(fx->uuid, sizeof(fx->uuid), "530edeef-4ee6-49f6-8d80-29e7b28bb4ea");
	snprintf(fx->type, sizeof(fx->type), "ext4");
	fx->root = fixture_root_new();
	if (!fx->root)
		abort();
	must(fixture_machine(fx->root), "machine");
	fx_write(fx, "proc/sys/kernel/osrelease", FX_KVER "\n");
	fx_write(fx, "proc/meminfo", "MemTotal:        1015812 kB\nMemFree:  500000 kB\n");
	fx_write(fx, "sys/devices/system/cpu/online", "0-3\n");
	fx_write(fx, "proc/self/mountinfo",
		 "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
		 "23 22 0:21 / /proc rw,nosuid - proc proc rw\n");
	write_kernel(fx);
	fx_write(fx, "etc/kdump.conf", "path /var/crash\ncore_collector makedumpfile-lite -z -d 31\n"
		 "failure_action reboot\nfinal_action reboot\n");
	fx_write_exec(fx, KDUMPCTL_AGENT, "#!/bin/sh\n# the capture agent\n");
	fx_write_exec(fx, "usr/sbin/makedumpfile-lite", "#!/bin/sh\n# the collector\n");
	fx_write_exec(fx, KDUMPCTL_DRACUT_MODULE "/module-setup.sh", "#!/bin/bash\n");
	fx_write(fx, KDUMPCTL_DRACUT_MODULE "/kdump-suite-capture.service", "[Unit]\n");
	fx_write(fx, "lib/modules/" FX_KVER "/modules.dep", "kernel/fs/ext4/ext4.ko:\n");
	fx_write(fx, "proc/sysrq-trigger", "");
}

void fx_ctl(CtlFixture *fx)
{
	fx->args.root = fx->root;
	must(ctl_init(&fx->ctl, &fx->args), "ctl_init");
	fx->ctl.resolver = fake_resolver;
	fx->ctl.probe = fake_probe;
	fx->ctl.userdata = fx;
	fx->ctl.kexec_ops = &fake_sys_ops;
	fx->ctl.kexec_ops_data = &fx->sys;
}

void fx_ctl_done(CtlFixture *fx)
{
	ctl_done(&fx->ctl);
}

void fx_free(CtlFixture *fx)
{
	fixture_root_free(fx->root);
	*fx = (CtlFixture){ 0 };
}

static const char *capture(int (*fn)(void *), void *arg, int *ret)
{
	static char buf[1 << 17];
	char tmpl[] = "/tmp/ctl-out.XXXXXX";
	int fd = mkstemp(tmpl), saved;
	ssize_t n;

	if (fd < 0)
		abort();
	unlink(tmpl);
	fflush(stdout);
	saved = dup(STDOUT_FILENO);
	dup2(fd, STDOUT_FILENO);
	*ret = fn(arg);
	fflush(stdout);
	dup2(saved, STDOUT_FILENO);
	close(saved);
	n = pread_full(fd, buf, sizeof(buf) - 1, 0);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

struct call {
	CtlFixture *fx;
	int (*fn)(Ctl *c);
};

static int call_fn(void *arg)
{
	struct call *c = arg;
	int r;

	fx_ctl(c->fx);
	r = c->fn(&c->fx->ctl);
	fx_ctl_done(c->fx);
	return r;
}

const char *fx_capture(CtlFixture *fx, int (*fn)(Ctl *c), int *ret)
{
	struct call c = { fx, fn };

	return capture(call_fn, &c, ret);
}

struct run {
	CtlFixture *fx;
	const char *const *argv;
};

static int run_fn(void *arg)
{
	struct run *x = arg;
	char *argv[32];
	char *msg = NULL;
	int argc = 0, r;

	argv[argc++] = (char *)"kdumpctl";
	argv[argc++] = (char *)"--root";
	argv[argc++] = x->fx->root;
	for (const char *const *a = x->argv; *a && argc < 31; a++)
		argv[argc++] = (char *)*a;
	argv[argc] = NULL;
	r = ctl_args_parse(argc, argv, &x->fx->args, &msg);
	if (r) {
		printf("usage: %s\n", msg ? msg : "?");
		free(msg);
		return r;
	}
	/* ctl_run() with the fakes: the same dispatch through a fixture context. */
	if (x->fx->args.command == CMD_HELP || x->fx->args.command == CMD_VERSION)
		return ctl_run(&x->fx->args);
	{
		static int (*const fns[_CMD_MAX])(Ctl *) = {
			[CMD_START] = cmd_start, [CMD_STOP] = cmd_stop,
			[CMD_RESTART] = cmd_restart, [CMD_RELOAD] = cmd_reload,
			[CMD_STATUS] = cmd_status, [CMD_REBUILD] = cmd_rebuild,
			[CMD_CHECK_CONFIG] = cmd_check_config, [CMD_ESTIMATE] = cmd_estimate,
			[CMD_SHOWMEM] = cmd_showmem, [CMD_CRASHKERNEL] = cmd_crashkernel,
			[CMD_TEST_PANIC] = cmd_test_panic, [CMD_LIST] = cmd_list,
		};

		fx_ctl(x->fx);
		r = fns[x->fx->args.command](&x->fx->ctl);
		fx_ctl_done(x->fx);
	}
	return r;
}

const char *fx_run(CtlFixture *fx, int *ret, const char *const *argv)
{
	struct run x = { fx, argv };

	return capture(run_fn, &x, ret);
}
