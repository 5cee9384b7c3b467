/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The real KsaveOps: mount(2) at a private mount point (mode 0700, propagation private),
 * libblkid to tell a filesystem's type, reboot(2) after sync(), /bin/sh on /dev/console.
 * The tests never use these: they pass their own table.
 */
#include <blkid.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static int probe_type(const char *device, char **ret)
{
	blkid_probe pr = blkid_new_probe_from_filename(device);
	const char *type = NULL;
	int r = -ENODEV;

	if (!pr)
		return errno == ENOENT ? -ENOENT : -ENODEV;
	blkid_probe_enable_superblocks(pr, 1);
	blkid_probe_set_superblocks_flags(pr, BLKID_SUBLKS_TYPE);
	if (blkid_do_safeprobe(pr) == 0 && blkid_probe_lookup_value(pr, "TYPE", &type, NULL) == 0 &&
	    type) {
		*ret = strdup(type);
		r = *ret ? 0 : -ENOMEM;
	}
	blkid_free_probe(pr);
	return r;
}

/* mkdir -p, the last component 0700. */
static int make_dirs(const char *path)
{
	_cleanup_free_ char *p = strdup(path);

	if (!p)
		return -ENOMEM;
	for (char *c = p + 1; *c; c++) {
		if (*c != '/')
			continue;
		*c = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST)
			return negative_errno();
		*c = '/';
	}
	if (mkdir(p, 0700) < 0 && errno != EEXIST)
		return negative_errno();
	return 0;
}

static int real_mount(const char *device, const char *fstype, const char *options,
		      const char *where, int *ret_dirfd, void *userdata)
{
	_cleanup_free_ char *probed = NULL;
	int r, fd;

	if (!fstype) {
		r = probe_type(device, &probed);
		if (r < 0)
			return r;
		fstype = probed;
	}
	r = make_dirs(where);
	if (r < 0)
		return r;
	if (mount(device, where, fstype, MS_NOSUID | MS_NODEV | MS_NOEXEC, options) < 0)
		return negative_errno();
	(void)mount(NULL, where, NULL, MS_PRIVATE, NULL);
	fd = open(where, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		r = negative_errno();
		(void)umount2(where, MNT_DETACH);
		return r;
	}
	*ret_dirfd = fd;
	return 0;
}

static int real_umount(const char *where, void *userdata)
{
	sync();
	if (umount2(where, 0) < 0 && (errno != EBUSY || umount2(where, MNT_DETACH) < 0))
		return negative_errno();
	(void)rmdir(where);
	return 0;
}

static int real_remount_rw(const char *where, void *userdata)
{
	struct statvfs sv;
	unsigned long keep = 0;

	if (statvfs(where, &sv) < 0)
		return negative_errno();
	/* keep the per-mount flags that a remount would otherwise clear */
	if (sv.f_flag & ST_NOSUID)
		keep |= MS_NOSUID;
	if (sv.f_flag & ST_NODEV)
		keep |= MS_NODEV;
	if (sv.f_flag & ST_NOEXEC)
		keep |= MS_NOEXEC;
	if (mount(NULL, where, NULL, MS_REMOUNT | keep, NULL) < 0)
		return negative_errno();
	return 0;
}

static int real_reboot(KdumpAction action, void *userdata)
{
	int cmd = action == KDUMP_ACTION_HALT ? RB_HALT_SYSTEM :
		  action == KDUMP_ACTION_POWEROFF ? RB_POWER_OFF : RB_AUTOBOOT;

	sync();
	if (reboot(cmd) < 0)
		return negative_errno();
	return -EIO; /* not reached */
}

static int real_shell(void *userdata)
{
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return negative_errno();
	if (pid == 0) {
		int fd;

		(void)setsid();
		fd = open("/dev/console", O_RDWR);
		if (fd >= 0) {
			(void)ioctl(fd, TIOCSCTTY, 1);
			dup2(fd, STDIN_FILENO);
			dup2(fd, STDOUT_FILENO);
			dup2(fd, STDERR_FILENO);
			if (fd > STDERR_FILENO)
				close(fd);
		}
		{
			sigset_t none;
			sigemptyset(&none);
			sigprocmask(SIG_SETMASK, &none, NULL);
		}
		signal(SIGPIPE, SIG_DFL);
		execl("/bin/sh", "sh", "-i", (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return negative_errno();
	return 0;
}

static int64_t real_now(void *userdata)
{
	return (int64_t)time(NULL);
}

static const KsaveOps real_ops = {
	.mount = real_mount,
	.umount = real_umount,
	.remount_rw = real_remount_rw,
	.reboot = real_reboot,
	.shell = real_shell,
	.now = real_now,
};

const KsaveOps *ksave_real_ops(void)
{
	return &real_ops;
}
