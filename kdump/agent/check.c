/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Before a dump is named vmcore it is read back with libvmcore: it must open, its headers must
 * not say or show it incomplete, and (unless quick) vmcore_verify() must find no problem: every
 * page descriptor inside the file, every compressed page decompressing to one page.
 */
#include <elf.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"
#include "io-util.h"
#include "ondisk.h" /* makedumpfile-lite's kdump header: where its status is */

struct first_problem {
	char *why;
	size_t len;
	int n;
};

static int on_problem(const char *message, void *userdata)
{
	struct first_problem *f = userdata;

	if (f->n++ == 0)
		snprintf(f->why, f->len, "%s", message);
	return f->n >= 100; /* enough to know it is broken */
}

int ksave_check_dump(int dirfd, const char *name, bool quick, struct dump_check *ret)
{
	struct dump_check c = { .problems = -1 };
	struct first_problem f = { .why = c.why, .len = sizeof(c.why) };
	_cleanup_close_ int fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	vmcore_t *v;
	uint64_t present;
	struct stat st;
	int r;

	if (fd < 0)
		return negative_errno();
	if (fstat(fd, &st) < 0)
		return negative_errno();
	if (!S_ISREG(st.st_mode))
		return -EBADF;
	c.size = (uint64_t)st.st_size;
	v = vmcore_new();
	if (!v)
		return -ENOMEM;
	r = vmcore_open_fd(v, fd);
	if (r < 0) {
		snprintf(c.why, sizeof(c.why), "%s", vmcore_strerror(v));
		c.incomplete = VMCORE_INCOMPLETE_TRUNCATED;
		goto out;
	}
	snprintf(c.format, sizeof(c.format), "%s", vmcore_format_name(v));
	c.incomplete = vmcore_is_incomplete(v);
	if (vmcore_count_pages(v, &present, &c.pages) < 0)
		c.pages = 0;
	if (c.incomplete)
		snprintf(c.why, sizeof(c.why), "%s",
			 c.incomplete & VMCORE_INCOMPLETE_MARKED ? "its header marks it incomplete" :
			 "it is shorter than its headers say");
	if (!quick) {
		r = vmcore_verify(v, on_problem, &f);
		c.problems = r < 0 ? 1 : f.n;
		if (r < 0 && !c.why[0])
			snprintf(c.why, sizeof(c.why), "the check could not run: %s",
				 vmcore_strerror(v));
	}
	r = 0;
out:
	vmcore_free(v);
	*ret = c;
	return 0;
}

int ksave_mark_incomplete(int dirfd, const char *name)
{
	_cleanup_close_ int fd = openat(dirfd, name, O_RDWR | O_NOFOLLOW | O_CLOEXEC);
	struct disk_header h;
	Elf64_Ehdr eh;
	int r;

	if (fd < 0)
		return negative_errno();
	if (pread_exact(fd, &h, sizeof(h), 0) == 0 && !memcmp(h.signature, DISK_SIGNATURE, 8)) {
		uint32_t status = htole32(le32toh(h.status) | DISK_STATUS_INCOMPLETE);
		r = pwrite_all(fd, &status, sizeof(status), offsetof(struct disk_header, status));
	} else if (pread_exact(fd, &eh, sizeof(eh), 0) == 0 &&
		   !memcmp(eh.e_ident, ELFMAG, SELFMAG)) {
		uint32_t flags = htole32(le32toh(eh.e_flags) | 1);
		r = pwrite_all(fd, &flags, sizeof(flags), offsetof(Elf64_Ehdr, e_flags));
	} else
		return -EBADMSG; /* the header itself did not make it */
	if (r == 0 && fsync(fd) < 0)
		r = negative_errno();
	return r;
}
