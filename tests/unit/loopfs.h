/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A small ext4 filesystem on a loop device, for the fault tests: a dump target that fills up,
 * and one that goes away in the middle of a dump. "Going away" is EXT4_IOC_SHUTDOWN (what
 * xfstests' "godown" does): the data written so far is flushed to the device, then every
 * operation on the filesystem fails with EIO, as after a disk is pulled. Unmounting and
 * mounting again is the disk coming back (the journal is replayed): a test can then read what
 * made it. No device-mapper, no FUSE.
 *
 * Needs root, a loop device, mkfs.ext4 and mount(8); the caller should be in a mount
 * namespace of its own, so that nothing stays mounted if it dies.
 */
#include <stdbool.h>

struct loopfs {
	char img[256];
	char dir[256];
	bool mounted;
};

/*
 * Make img (size: "64M") with an ext4 filesystem and mount it at dir (created). 0, or -1 when
 * it cannot be done here (the reason on stderr): the test is then skipped.
 */
int loopfs_make(struct loopfs *l, const char *img, const char *dir, const char *size);
/* Mount again (after loopfs_umount): the disk is back. 0 or -1. */
int loopfs_mount(struct loopfs *l);
int loopfs_umount(struct loopfs *l);
/* The disk disappears: flush what was written, then EIO for everything. 0 or -errno. */
int loopfs_shutdown(const char *dir);
/* Unmount and remove the image. */
void loopfs_remove(struct loopfs *l);
