/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Boot-loader writers for crashkernel= (see kdump-bootloader.h). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <limits.h>
#include <stdio.h>
#include <sys/random.h>
#include <unistd.h>

#include "bootloader-internal.h"
#include "io-util.h"
#include "kdump-crashkernel.h"
#include "kdump-util.h"

#define MAX_FILE (1024 * 1024)

static const char *const names[] = { "auto", "grub-debian", "kernel-cmdline", "grubby" };

const char *kdump_bootloader_to_string(KdumpBootloader b)
{
	return (unsigned)b < ELEMENTSOF(names) ? names[b] : NULL;
}

int kdump_bootloader_from_string(const char *s, KdumpBootloader *ret)
{
	for (size_t i = 0; i < ELEMENTSOF(names); i++)
		if (strcmp(s, names[i]) == 0) {
			*ret = (KdumpBootloader)i;
			return 0;
		}
	return -EINVAL;
}

/* Paths are relative to the root fd: "/etc/kernel/cmdline" -> "etc/kernel/cmdline". */
const char *bl_rel(const char *path)
{
	while (*path == '/')
		path++;
	return path;
}

bool bl_exists_at(int rootfd, const char *path)
{
	struct stat st;

	return fstatat(rootfd, bl_rel(path), &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* The contents of a file under root; *ret = NULL and 0 when it does not exist. */
int bl_read_at(int rootfd, const char *path, char **ret, KdumpError *err)
{
	_cleanup_close_ int fd = openat(rootfd, bl_rel(path),
					O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY);
	_cleanup_free_ char *s = NULL;
	struct stat st;
	ssize_t n;

	if (fd < 0 && errno == ENOENT) {
		*ret = NULL;
		return 0;
	}
	if (fd < 0 && errno == ELOOP)
		return kdump_error_set(err, -ELOOP, "'%s' is a symbolic link: not following it", path);
	if (fd < 0 || fstat(fd, &st) < 0)
		return kdump_error_set(err, -errno, "'%s': %m", path);
	if (!S_ISREG(st.st_mode) || st.st_size > MAX_FILE)
		return kdump_error_set(err, -EINVAL, "'%s' is not a regular file of at most 1 MiB", path);
	s = malloc((size_t)st.st_size + 1);
	if (!s)
		return -ENOMEM;
	n = read_full(fd, s, (size_t)st.st_size);
	if (n < 0)
		return kdump_error_set(err, (int)n, "'%s': cannot read", path);
	s[n] = '\0';
	if (strlen(s) != (size_t)n)
		return kdump_error_set(err, -EINVAL, "'%s' has a NUL byte", path);
	*ret = TAKE_PTR(s);
	return 0;
}

int kdump_bootloader_detect(const char *root, KdumpBootloader *ret, KdumpError *err)
{
	static const char *const grubby[] = { "/usr/sbin/grubby", "/sbin/grubby", "/usr/bin/grubby" };
	static const char *const kcmd[] = { "/etc/kernel/cmdline", "/usr/lib/kernel/cmdline",
					    "/boot/efi/loader/loader.conf", "/efi/loader/loader.conf",
					    "/boot/loader/loader.conf" };
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (rootfd < 0)
		return kdump_error_set(err, -errno, "'%s': %m", root);
	for (size_t i = 0; i < ELEMENTSOF(grubby); i++)
		if (bl_exists_at(rootfd, grubby[i])) {
			*ret = KDUMP_BOOTLOADER_GRUBBY;
			return 0;
		}
	if (bl_exists_at(rootfd, "/etc/default/grub") &&
	    (bl_exists_at(rootfd, "/usr/sbin/update-grub") || bl_exists_at(rootfd, "/sbin/update-grub"))) {
		*ret = KDUMP_BOOTLOADER_GRUB_DEBIAN;
		return 0;
	}
	for (size_t i = 0; i < ELEMENTSOF(kcmd); i++)
		if (bl_exists_at(rootfd, kcmd[i])) {
			*ret = KDUMP_BOOTLOADER_KERNEL_CMDLINE;
			return 0;
		}
	return kdump_error_set(err, -ENOENT, "cannot tell how this system sets the kernel command "
			       "line: no grubby, no /etc/default/grub with update-grub, no "
			       "/etc/kernel/cmdline or systemd-boot loader.conf under '%s'", root);
}

void kdump_bootloader_plan_free(KdumpBootloaderPlan *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->n_changes; i++) {
		free(p->changes[i].path);
		free(p->changes[i].old_line);
		free(p->changes[i].new_line);
		free(p->changes[i].new_content);
	}
	free(p->changes);
	free(p->current);
	free(p->current_where);
	kdump_strv_free(p->command);
	free(p);
}

/* Takes over content; copies the rest. */
int bl_add_change(KdumpBootloaderPlan *p, const char *path, const char *old_line,
		      const char *new_line, char *content)
{
	KdumpFileChange *c = reallocarray(p->changes, p->n_changes + 1, sizeof(*c));

	if (!c) {
		free(content);
		return -ENOMEM;
	}
	p->changes = c;
	c = &c[p->n_changes++];
	*c = (KdumpFileChange){ .path = strdup(path), .new_content = content,
				.old_line = old_line ? strdup(old_line) : NULL,
				.new_line = new_line ? strdup(new_line) : NULL };
	if (!c->path || (old_line && !c->old_line) || (new_line && !c->new_line))
		return -ENOMEM;
	return 0;
}

int bl_set_command(KdumpBootloaderPlan *p, const char *const *argv)
{
	for (size_t i = 0; argv[i]; i++)
		if (kdump_strv_push(&p->command, argv[i]) < 0)
			return -ENOMEM;
	return 0;
}

int bl_set_current(KdumpBootloaderPlan *p, const char *values, const char *where)
{
	p->current = values ? strdup(values) : NULL;
	p->current_where = where ? strdup(where) : NULL;
	return (values && !p->current) || (where && !p->current_where) ? -ENOMEM : 0;
}

int bl_refuse(const char *values, const char *where, KdumpError *err)
{
	return kdump_error_set(err, -EEXIST, "crashkernel=%s is already set in %s, and not by "
			       "kdumpctl: leaving it alone; change it there, or pass --force to "
			       "replace it", values, where);
}


int kdump_write_file_atomic(int dirfd, const char *name, const char *content, unsigned mode,
			    KdumpError *err)
{
	char tmp[NAME_MAX + 1];
	struct stat st;
	int fd = -1, r;

	if (fstatat(dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		if (S_ISLNK(st.st_mode))
			return kdump_error_set(err, -ELOOP, "'%s' is a symbolic link: not replacing "
					       "it", name);
		if (!S_ISREG(st.st_mode))
			return kdump_error_set(err, -EINVAL, "'%s' is not a regular file", name);
		mode = st.st_mode & 07777;
	}
	for (unsigned i = 0; fd < 0 && i < 100; i++) {
		uint64_t rnd;

		if (getrandom(&rnd, sizeof(rnd), 0) != sizeof(rnd))
			rnd = (uint64_t)getpid() * 1000003u + i;
		snprintf(tmp, sizeof(tmp), ".%.200s.%08llx~", name, (unsigned long long)(rnd & 0xffffffff));
		fd = openat(dirfd, tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
		if (fd < 0 && errno != EEXIST)
			return kdump_error_set(err, -errno, "cannot create a file beside '%s': %m", name);
	}
	if (fd < 0)
		return kdump_error_set(err, -EEXIST, "cannot find a free temporary name for '%s'", name);
	r = write_all(fd, content, strlen(content));
	if (r == 0 && fchmod(fd, mode) < 0)
		r = -errno;
	if (r == 0 && fsync(fd) < 0)
		r = -errno;
	if (close(fd) < 0 && r == 0)
		r = -errno;
	if (r == 0 && renameat(dirfd, tmp, dirfd, name) < 0)
		r = -errno;
	if (r < 0) {
		(void)unlinkat(dirfd, tmp, 0);
		return kdump_error_set(err, r, "cannot write '%s': %s", name, strerror(-r));
	}
	(void)fsync(dirfd);
	return 0;
}

/* Open (creating it if needed, one level) the directory that holds path, under root. */
static int open_parent(int rootfd, const char *path, const char **ret_name, KdumpError *err)
{
	_cleanup_free_ char *dir = strdup(bl_rel(path));
	char *slash;
	int fd;

	if (!dir)
		return -ENOMEM;
	slash = strrchr(dir, '/');
	if (!slash) {
		*ret_name = bl_rel(path);
		fd = fcntl(rootfd, F_DUPFD_CLOEXEC, 0);
		return fd < 0 ? -errno : fd;
	}
	*slash = '\0';
	*ret_name = strrchr(path, '/') + 1;
	if (mkdirat(rootfd, dir, 0755) < 0 && errno != EEXIST)
		return kdump_error_set(err, -errno, "cannot create '/%s': %m", dir);
	fd = openat(rootfd, dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return kdump_error_set(err, -errno, "'/%s': %m", dir);
	return fd;
}

int kdump_bootloader_apply(const char *root, const KdumpBootloaderPlan *plan,
			   KdumpRunner runner, void *userdata, KdumpError *err)
{
	_cleanup_close_ int rootfd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	_cleanup_free_ char *cmd = NULL;
	int r;

	if (rootfd < 0)
		return kdump_error_set(err, -errno, "'%s': %m", root);
	if (plan->unchanged)
		return 0;
	for (size_t i = 0; i < plan->n_changes; i++) {
		const KdumpFileChange *c = &plan->changes[i];
		const char *name = bl_rel(c->path);
		_cleanup_close_ int dirfd = open_parent(rootfd, c->path, &name, err);

		if (dirfd < 0)
			return dirfd;
		if (c->new_content)
			r = kdump_write_file_atomic(dirfd, name, c->new_content, 0644, err);
		else if (c->new_line)
			r = 0; /* a line of a file that a later change writes */
		else if (unlinkat(dirfd, name, 0) < 0 && errno != ENOENT)
			r = kdump_error_set(err, -errno, "cannot remove '%s': %m", c->path);
		else {
			(void)fsync(dirfd);
			r = 0;
		}
		if (r < 0)
			return r;
	}
	if (!plan->command)
		return 0;
	if (!runner)
		return kdump_error_set(err, -EINVAL, "no way to run '%s'", plan->command[0]);
	cmd = kdump_strv_join(plan->command, " ");
	if (!cmd)
		return -ENOMEM;
	r = runner(plan->command, NULL, userdata);
	if (r < 0)
		return kdump_error_set(err, r, "cannot run '%s': %s", cmd, strerror(-r));
	if (r > 0)
		return kdump_error_set(err, -EIO, "'%s' failed with status %d; the files are "
				       "written, run it again once the problem is fixed", cmd, r);
	return 0;
}
