/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "kdump-diag.h"
#include "ksave-test.h"
#include "vmcore.h"

static void die(const char *what)
{
	fprintf(stderr, "test setup: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* Test paths live until tenv_cleanup(): a test never frees them (and leaks nothing). */
static char **paths;
static size_t n_paths;

char *tpath(const char *fmt, ...)
{
	va_list ap;
	char **p;
	char *s;

	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0)
		abort();
	va_end(ap);
	p = realloc(paths, (n_paths + 1) * sizeof(*paths));
	if (!p)
		abort();
	paths = p;
	paths[n_paths++] = s;
	return s;
}

static void mkvmcore(struct tenv *e, const char *spec, const char *out, const char *extra)
{
	char *cmd = tpath("'%s' -o '%s' %s '%s/%s'", e->mkvmcore, out, extra ? extra : "",
			  e->specs, spec);

	if (system(cmd) != 0) {
		fprintf(stderr, "test setup: %s failed\n", cmd);
		exit(1);
	}
}

void tenv_setup(struct tenv *e, int argc, char **argv)
{
	*e = (struct tenv){};
	if (argc < 3 || access(argv[1], X_OK) < 0) {
		fprintf(stderr, "usage: %s MKVMCORE SPECDIR (skipped: no mkvmcore)\n", argv[0]);
		exit(77);
	}
	e->mkvmcore = argv[1];
	e->specs = argv[2];
	snprintf(e->base, sizeof(e->base), "/tmp/ksave-test.XXXXXX");
	if (!mkdtemp(e->base))
		die("mkdtemp");
	/* Our own mount namespace: the tmpfs filesystems vanish with this process. */
	e->mounts = geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0 &&
		    mount("tmpfs", e->base, "tmpfs", 0, "size=256M,mode=0755") == 0;
	if (!e->mounts)
		fprintf(stderr, "note: cannot mount tmpfs here (not root?): plain directories; "
			"the full-disk cases are skipped\n");
	snprintf(e->vmcore, sizeof(e->vmcore), "%s/agent.vmcore", e->base);
	snprintf(e->vmcore8, sizeof(e->vmcore8), "%s/agent-8m.vmcore", e->base);
	snprintf(e->flat, sizeof(e->flat), "%s/agent.flat", e->base);
	mkvmcore(e, "agent-elf.spec", e->vmcore, NULL);
	mkvmcore(e, "agent-elf-8m.spec", e->vmcore8, NULL);
	mkvmcore(e, "agent-kdump-flat.spec", e->flat, NULL);
}

void tenv_cleanup(struct tenv *e)
{
	char *cmd;

	if (e->mounts)
		(void)umount2(e->base, MNT_DETACH);
	cmd = tpath("rm -rf '%s'", e->base);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup: %s failed\n", cmd);
	for (size_t i = 0; i < n_paths; i++)
		free(paths[i]);
	free(paths);
	paths = NULL;
	n_paths = 0;
}

char *tenv_dir(struct tenv *e, const char *name, const char *size)
{
	char *dir = tpath("%s/%s", e->base, name);

	if (mkdir(dir, 0755) < 0)
		die(dir);
	if (size && e->mounts) {
		char *opts = tpath("size=%s,mode=0755", size);
		if (mount("tmpfs", dir, "tmpfs", 0, opts) < 0)
			die("mount tmpfs");
	}
	return dir;
}

/* ---- fakes ---- */

static int f_mount(const char *device, const char *fstype, const char *options,
		   const char *where, int *ret_dirfd, void *userdata)
{
	struct fake *f = userdata;
	int fd;

	snprintf(f->device, sizeof(f->device), "%s", device);
	snprintf(f->fstype, sizeof(f->fstype), "%s", fstype ? fstype : "(probe)");
	snprintf(f->options, sizeof(f->options), "%s", options ? options : "");
	if (f->mount_error)
		return f->mount_error;
	fd = open(f->target_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	f->mounts++;
	*ret_dirfd = fd;
	return 0;
}

static int f_umount(const char *where, void *userdata)
{
	((struct fake *)userdata)->umounts++;
	return 0;
}

static int f_remount(const char *where, void *userdata)
{
	((struct fake *)userdata)->remounts++;
	return 0;
}

static int f_reboot(KdumpAction action, void *userdata)
{
	struct fake *f = userdata;

	f->reboots++;
	f->action = action;
	return 0;
}

static int f_shell(void *userdata)
{
	((struct fake *)userdata)->shells++;
	return 0;
}

static int64_t f_now(void *userdata)
{
	return 1800000000;
}

void fake_ops(KsaveOps *ops, struct fake *f)
{
	*ops = (KsaveOps){ .mount = f_mount, .umount = f_umount, .remount_rw = f_remount,
			   .reboot = f_reboot, .shell = f_shell, .now = f_now, .userdata = f };
}

int fake_resolver(const char *spec, char **ret, void *userdata)
{
	if (strcmp(spec, "LABEL=dumps") != 0)
		return -ENODEV;
	*ret = strdup("/dev/fake-dumps");
	return *ret ? 0 : -ENOMEM;
}

KdumpConfig *tconfig(const char *text)
{
	KdumpConfig *c = NULL;
	KdumpDiags d;

	kdump_diags_init(&d);
	if (kdump_config_parse_string("test.conf", text, &c, &d) < 0) {
		for (size_t i = 0; i < d.n; i++)
			fprintf(stderr, "config: line %u: %s\n", d.items[i].line, d.items[i].message);
		abort();
	}
	kdump_diags_done(&d);
	return c;
}

static void print_message(int level, const char *text, void *userdata)
{
	if (getenv("KSAVE_TEST_VERBOSE"))
		fprintf(stderr, "  | %s\n", text);
}

static const KsaveCallbacks quiet_cb = { .message = print_message };

void topts(KsaveOptions *o, const KdumpConfig *cfg, const char *vmcore, const char *root,
	   KsaveOps *ops, struct fake *f, const char *proc)
{
	fake_ops(ops, f);
	*o = (KsaveOptions){
		.config = cfg, .config_path = "test.conf", .vmcore = vmcore, .root = root,
		.proc = proc, .run_dir = "/nonexistent/run", .hook_timeout = 30,
		.resolver = fake_resolver, .ops = ops, .cb = &quiet_cb,
	};
}

/* ---- files ---- */

static char *slurp(const char *path, size_t *ret_len)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	{
		char chunk[65536];
		size_t n;
		while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0) {
			char *p = realloc(buf, len + n + 1);
			if (!p)
				abort();
			buf = p;
			memcpy(buf + len, chunk, n);
			len += n;
		}
	}
	fclose(f);
	if (!buf && !(buf = calloc(1, 1)))
		abort();
	buf[len] = '\0';
	if (ret_len)
		*ret_len = len;
	return buf;
}

long file_find(const char *path, const char *needle)
{
	char *s = slurp(path, NULL), *at;
	long r;

	if (!s)
		return -1;
	at = strstr(s, needle);
	r = at ? at - s : -1;
	free(s);
	return r;
}

bool file_contains(const char *path, const char *needle)
{
	return file_find(path, needle) >= 0;
}

int file_mode(const char *path)
{
	struct stat st;

	return lstat(path, &st) < 0 ? -1 : (int)(st.st_mode & 07777);
}

bool file_exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

int write_file(const char *path, const char *text, int mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
	size_t n = strlen(text);

	if (fd < 0 || write(fd, text, n) != (ssize_t)n || fchmod(fd, (mode_t)mode) < 0) {
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return close(fd);
}

size_t count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0;

	if (!d)
		return 0;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, ".."))
			n++;
	closedir(d);
	return n;
}

char *only_entry(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char *name = NULL;
	size_t n = 0;

	if (!d)
		return NULL;
	while ((de = readdir(d)))
		if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && n++ == 0)
			name = strdup(de->d_name);
	closedir(d);
	if (n != 1) {
		free(name);
		return NULL;
	}
	{
		char *kept = tpath("%s", name);
		free(name);
		return kept;
	}
}

static int count_problem(const char *message, void *userdata)
{
	fprintf(stderr, "verify: %s\n", message);
	return 0;
}

int dump_state(const char *path, uint64_t *ret_pages)
{
	vmcore_t *v = vmcore_new();
	uint64_t present, dumped;
	int r;

	if (!v)
		abort();
	r = vmcore_open(v, path);
	if (r < 0) {
		fprintf(stderr, "dump_state: %s: %s\n", path, vmcore_strerror(v));
		vmcore_free(v);
		return r;
	}
	r = vmcore_is_incomplete(v);
	if (r == 0 && vmcore_verify(v, count_problem, NULL) != 0)
		r = 100;
	if (ret_pages && vmcore_count_pages(v, &present, &dumped) == 0)
		*ret_pages = dumped;
	vmcore_free(v);
	return r;
}

uint32_t file_crc(const char *path)
{
	size_t len = 0;
	char *s = slurp(path, &len);
	uint32_t c;

	if (!s)
		return 0;
	c = (uint32_t)crc32(0, (const Bytef *)s, (uInt)len);
	free(s);
	return c;
}
