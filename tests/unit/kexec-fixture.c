/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "kexec-fixture.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <zlib.h>
#include <zstd.h>

#include "io-util.h"

char *fixture_root_new(void)
{
	char tmpl[] = "/tmp/kexec-fixture.XXXXXX";
	char *dir = mkdtemp(tmpl);

	return dir ? strdup(dir) : NULL;
}

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	return remove(path);
}

void fixture_root_free(char *root)
{
	if (!root)
		return;
	(void)nftw(root, remove_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

const char *fixture_path(const char *root, const char *path, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", root, path);
	return buf;
}

static int mkdir_parents(char *path)
{
	for (char *p = strchr(path + 1, '/'); p; p = strchr(p + 1, '/')) {
		*p = '\0';
		if (mkdir(path, 0755) < 0 && errno != EEXIST) {
			*p = '/';
			return -errno;
		}
		*p = '/';
	}
	return 0;
}

int fixture_write_bytes(const char *root, const char *path, const void *buf, size_t len)
{
	char full[4096];
	int fd, r;

	fixture_path(root, path, full, sizeof(full));
	r = mkdir_parents(full);
	if (r < 0)
		return r;
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	r = write_all(fd, buf, len);
	close(fd);
	return r;
}

int fixture_write(const char *root, const char *path, const char *text)
{
	return fixture_write_bytes(root, path, text, strlen(text));
}

int fixture_machine(const char *root)
{
	static const struct {
		const char *path, *text;
	} files[] = {
		{ "proc/cmdline", "BOOT_IMAGE=/boot/vmlinuz-6.1.0-26-amd64 root=UUID=1234 ro "
				  "quiet crashkernel=256M\n" },
		{ "proc/iomem", "00000000-00000fff : Reserved\n"
				"00001000-0009fbff : System RAM\n"
				"00100000-3ffdffff : System RAM\n"
				"  01000000-01e00000 : Kernel code\n"
				"  2b000000-3affffff : Crash kernel\n"
				"3ffe0000-3fffffff : Reserved\n" },
		{ "proc/self/status", "Name:\tkexec\nUid:\t0\t0\t0\t0\n"
				      "CapEff:\t000001ffffffffff\n" },
		{ "proc/sys/kernel/kexec_load_disabled", "0\n" },
		{ "proc/cpuinfo", "processor\t: 0\napicid\t\t: 0\n\nprocessor\t: 1\n"
				  "apicid\t\t: 1\n" },
		{ "sys/kernel/kexec_loaded", "0\n" },
		{ "sys/kernel/kexec_crash_loaded", "0\n" },
		{ "sys/kernel/kexec_crash_size", "268435456\n" },
		{ "sys/kernel/security/lockdown", "[none] integrity confidentiality\n" },
	};

	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		int r = fixture_write(root, files[i].path, files[i].text);
		if (r < 0)
			return r;
	}
	return 0;
}

static int fake_file_load(void *data, int kernel_fd, int initrd_fd, const char *cmdline,
			  size_t cmdline_len, unsigned long flags)
{
	struct fake_sys *f = data;

	f->calls++;
	f->kernel_fd = kernel_fd;
	f->initrd_fd = initrd_fd;
	f->flags = flags;
	f->cmdline_len = cmdline_len;
	snprintf(f->cmdline, sizeof(f->cmdline), "%s", cmdline ? cmdline : "");
	memset(f->kernel_head, 0, sizeof(f->kernel_head));
	if (kernel_fd >= 0)
		(void)pread_full(kernel_fd, f->kernel_head, sizeof(f->kernel_head), 0);
	if (f->drop_crash_root && (flags & KEXEC_FILE_ON_CRASH) && f->file_load_result < 0)
		(void)fixture_write(f->drop_crash_root, "sys/kernel/kexec_crash_loaded", "0\n");
	return f->file_load_result;
}

static int fake_reboot(void *data)
{
	struct fake_sys *f = data;

	f->reboots++;
	return f->reboot_result;
}

static void fake_sync(void *data)
{
	((struct fake_sys *)data)->syncs++;
}

static void fake_sleep(void *data, unsigned seconds)
{
	((struct fake_sys *)data)->sleeps += (int)seconds;
}

const struct kexec_sys_ops fake_sys_ops = {
	.file_load = fake_file_load,
	.reboot_kexec = fake_reboot,
	.sync = fake_sync,
	.sleep = fake_sleep,
};

int fixture_ctx(KexecCtx *ctx, const char *root, struct fake_sys *fake)
{
	int r = kexec_ctx_init(ctx, root);

	if (r < 0)
		return r;
	ctx->ops = &fake_sys_ops;
	ctx->ops_data = fake;
	return 0;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)v);
	put16(p + 2, (uint16_t)(v >> 16));
}

void fixture_bzimage(uint8_t *buf, size_t len, const struct fake_bzimage *opt)
{
	static const char version[] = "6.1.0-test-amd64 (tester@example) #1 SMP";

	memset(buf, 0, len);
	for (size_t i = 0x600; i < len; i++)
		buf[i] = (uint8_t)(i * 7);
	buf[0] = 'M';
	buf[1] = 'Z';
	buf[0x1f1] = 1; /* setup_sects */
	put16(buf + 0x1fe, 0xaa55);
	memcpy(buf + 0x202, "HdrS", 4);
	put16(buf + 0x206, opt->protocol ? opt->protocol : 0x20f);
	uint16_t at = opt->version_at ? opt->version_at : 0x500;
	put16(buf + 0x20e, (uint16_t)(at - 0x200));
	memcpy(buf + at, version, sizeof(version));
	buf[0x211] = opt->loadflags == 0xff ? 0 : opt->loadflags ? opt->loadflags : 1;
	put32(buf + 0x230, 0x200000);
	put16(buf + 0x236, opt->xloadflags == 0xffff ? 0 : opt->xloadflags ? opt->xloadflags :
										   0x7f);
	put32(buf + 0x238, opt->cmdline_size ? opt->cmdline_size : 2047);
	put32(buf + 0x260, opt->init_size ? opt->init_size : 64u << 20);
}

int fixture_gzip(const void *buf, size_t len, void **ret, size_t *ret_len)
{
	z_stream z = { 0 };
	size_t cap = compressBound((uLong)len) + 64;
	uint8_t *out = malloc(cap);

	if (!out || deflateInit2(&z, 6, Z_DEFLATED, 16 + 15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
		free(out);
		return -ENOMEM;
	}
	z.next_in = (Bytef *)(uintptr_t)buf;
	z.avail_in = (uInt)len;
	z.next_out = out;
	z.avail_out = (uInt)cap;
	if (deflate(&z, Z_FINISH) != Z_STREAM_END) {
		deflateEnd(&z);
		free(out);
		return -EIO;
	}
	*ret_len = cap - z.avail_out;
	deflateEnd(&z);
	*ret = out;
	return 0;
}

int fixture_zstd(const void *buf, size_t len, void **ret, size_t *ret_len)
{
	size_t cap = ZSTD_compressBound(len);
	void *out = malloc(cap);
	size_t n;

	if (!out)
		return -ENOMEM;
	n = ZSTD_compress(out, cap, buf, len, 3);
	if (ZSTD_isError(n)) {
		free(out);
		return -EIO;
	}
	*ret = out;
	*ret_len = n;
	return 0;
}
