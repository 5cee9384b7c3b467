/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "loopfs.h"

/* fs/ext4/ext4.h (not in the uapi headers); the same numbers as XFS_IOC_GOINGDOWN */
#ifndef EXT4_IOC_SHUTDOWN
#define EXT4_IOC_SHUTDOWN _IOR('X', 125, uint32_t)
#endif
#define EXT4_GOING_FLAGS_DEFAULT 0x0 /* freeze (everything written reaches the disk), then down */

static int run(const char *cmd)
{
	int r = system(cmd);

	return r == 0 ? 0 : -1;
}

int loopfs_make(struct loopfs *l, const char *img, const char *dir, const char *size)
{
	char cmd[1024];

	*l = (struct loopfs){};
	snprintf(l->img, sizeof(l->img), "%s", img);
	snprintf(l->dir, sizeof(l->dir), "%s", dir);
	if (geteuid() != 0) {
		fprintf(stderr, "loopfs: not root\n");
		return -1;
	}
	if (mkdir(dir, 0755) < 0 && errno != EEXIST)
		return -1;
	snprintf(cmd, sizeof(cmd), "truncate -s %s '%s' && mkfs.ext4 -q -F -L faults '%s' "
		 ">/dev/null 2>&1", size, img, img);
	if (run(cmd) < 0) {
		fprintf(stderr, "loopfs: mkfs.ext4 failed (not installed?)\n");
		return -1;
	}
	if (loopfs_mount(l) < 0) {
		fprintf(stderr, "loopfs: cannot mount a loop device here\n");
		(void)unlink(img);
		return -1;
	}
	return 0;
}

int loopfs_mount(struct loopfs *l)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "mount -t ext4 -o loop '%s' '%s' >/dev/null 2>&1", l->img,
		 l->dir);
	if (run(cmd) < 0)
		return -1;
	l->mounted = true;
	return 0;
}

int loopfs_umount(struct loopfs *l)
{
	if (!l->mounted)
		return 0;
	if (umount2(l->dir, 0) < 0)
		return -1;
	l->mounted = false;
	return 0;
}

int loopfs_shutdown(const char *dir)
{
	uint32_t how = EXT4_GOING_FLAGS_DEFAULT;
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r = 0;

	if (fd < 0)
		return -errno;
	if (ioctl(fd, EXT4_IOC_SHUTDOWN, &how) < 0)
		r = -errno;
	close(fd);
	return r;
}

void loopfs_remove(struct loopfs *l)
{
	if (l->mounted)
		(void)umount2(l->dir, MNT_DETACH);
	l->mounted = false;
	(void)unlink(l->img);
	(void)rmdir(l->dir);
}
