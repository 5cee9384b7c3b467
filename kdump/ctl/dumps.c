/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The saved dumps: one directory per crash, HOST-YYYY-MM-DD-HH:MM:SS[.N] (UTC), holding
 * vmcore-dmesg.txt and vmcore (vmcore.incomplete while it is written). Each dump is opened
 * with libvmcore to tell complete from incomplete and to read the kernel release.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>

#include "kdump-util.h"
#include "kdumpctl.h"
#include "vmcore.h"

/* The names a dump file has, best first. vmcore-incomplete is Fedora's spelling. */
static const char *const dump_names[] = {
	"vmcore", "vmcore.flat", "vmcore.incomplete", "vmcore-incomplete",
};

const char *ctl_dump_state_name(CtlDumpState s)
{
	switch (s) {
	case CTL_DUMP_COMPLETE:
		return "complete";
	case CTL_DUMP_INCOMPLETE:
		return "incomplete";
	case CTL_DUMP_DMESG_ONLY:
		return "dmesg-only";
	default:
		return "unreadable";
	}
}

int ctl_dump_dir_time(const char *name, int64_t *ret)
{
	size_t len = strlen(name);
	struct tm tm = { 0 };
	const char *dot = strrchr(name, '.');
	const char *p;
	char *end;
	time_t t;

	/* A ".N" suffix tells apart two dumps of the same second. */
	if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1))
		len = (size_t)(dot - name);
	if (len < 20)
		return -EINVAL;
	p = name + len - 19;
	if (p[-1] != '-')
		return -EINVAL;
	end = strptime(p, "%Y-%m-%d-%H:%M:%S", &tm);
	if (!end || end != name + len)
		return -EINVAL;
	/* The agent names directories in UTC. */
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = (int64_t)t;
	return 0;
}

static int examine(int dirfd, const char *name, CtlDump *d)
{
	_cleanup_close_ int fd = -1;
	vmcore_t *v;
	struct stat st;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(dump_names); i++) {
		if (fstatat(dirfd, dump_names[i], &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISREG(st.st_mode))
			continue;
		d->file = strdup(dump_names[i]);
		if (!d->file)
			return -ENOMEM;
		d->size = (uint64_t)st.st_size;
		d->state = strstr(dump_names[i], "incomplete") ? CTL_DUMP_INCOMPLETE :
								  CTL_DUMP_COMPLETE;
		break;
	}
	d->has_dmesg = fstatat(dirfd, "vmcore-dmesg.txt", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		       S_ISREG(st.st_mode);
	if (!d->file) {
		d->state = CTL_DUMP_DMESG_ONLY;
		return d->has_dmesg ? 0 : -ENOENT;
	}
	fd = openat(dirfd, d->file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	v = vmcore_new();
	if (!v)
		return -ENOMEM;
	r = fd < 0 ? negative_errno() : vmcore_open_fd(v, fd);
	if (r < 0) {
		d->state = CTL_DUMP_UNREADABLE;
		d->error = kdump_asprintf("%s/%s: %s", name, d->file,
					  fd < 0 ? strerror(-r) : vmcore_strerror(v));
	} else {
		int inc = vmcore_is_incomplete(v);
		int64_t t;

		if (vmcore_osrelease(v))
			d->release = strdup(vmcore_osrelease(v));
		d->format = strdup(vmcore_format_name(v));
		if (inc) {
			d->state = CTL_DUMP_INCOMPLETE;
			d->error = strdup(inc & VMCORE_INCOMPLETE_TRUNCATED ?
						  "the file ends before the data its headers describe" :
						  "the collector marked it incomplete");
		}
		if (d->time == 0 && vmcore_crash_time(v, &t) == 0)
			d->time = t;
	}
	vmcore_free(v);
	return 0;
}

static void dump_free(CtlDump *x)
{
	free(x->dir);
	free(x->file);
	free(x->release);
	free(x->format);
	free(x->error);
}

static int cmp_dump(const void *a, const void *b)
{
	const CtlDump *x = a, *y = b;

	if (x->time != y->time)
		return x->time < y->time ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

int ctl_dumps_scan(const char *dir, CtlDumps *ret)
{
	CtlDumps l = { 0 };
	struct dirent *de;
	DIR *d;
	int r = 0;

	d = opendir(dir);
	if (!d)
		return negative_errno();
	while ((de = readdir(d)) && r >= 0) {
		_cleanup_close_ int fd = -1;
		CtlDump x = { 0 };
		struct stat st;
		CtlDump *items;

		if (de->d_name[0] == '.')
			continue;
		/* Symbolic links in the dump path are not followed. */
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		    !S_ISDIR(st.st_mode))
			continue;
		fd = openat(dirfd(d), de->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			continue;
		x.dir = strdup(de->d_name);
		if (!x.dir) {
			r = -ENOMEM;
			break;
		}
		if (ctl_dump_dir_time(de->d_name, &x.time) < 0)
			x.time = 0;
		r = examine(fd, de->d_name, &x);
		if (x.time == 0)
			x.time = (int64_t)st.st_mtime;
		if (r == -ENOENT) {
			/* Not a dump directory. */
			dump_free(&x);
			r = 0;
			continue;
		}
		items = r < 0 ? NULL : realloc(l.items, (l.n + 1) * sizeof(*items));
		if (!items) {
			dump_free(&x);
			r = -ENOMEM;
			break;
		}
		l.items = items;
		l.items[l.n++] = x;
	}
	closedir(d);
	if (r < 0) {
		ctl_dumps_done(&l);
		return r;
	}
	if (l.n)
		qsort(l.items, l.n, sizeof(*l.items), cmp_dump);
	*ret = l;
	return 0;
}

void ctl_dumps_done(CtlDumps *d)
{
	for (size_t i = 0; i < d->n; i++)
		dump_free(&d->items[i]);
	free(d->items);
	*d = (CtlDumps){ 0 };
}

/* The mount point of the filesystem on device dev (its whole tree mounted), below root. */
static int find_mount(const Ctl *c, dev_t dev, char **ret)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;

	if (ctl_read_file(c, "/proc/self/mountinfo", 1 << 20, &text) < 0)
		return -ENODEV;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		unsigned maj, min;
		char root[256], mp[1024];

		if (sscanf(line, "%*s %*s %u:%u %255s %1023s", &maj, &min, root, mp) != 4)
			continue;
		if (makedev(maj, min) == dev && strcmp(root, "/") == 0) {
			*ret = strdup(mp);
			return *ret ? 0 : -ENOMEM;
		}
	}
	return -ENODEV;
}

int ctl_dumps_dir(const Ctl *c, const KdumpConfig *cfg, char **ret, KdumpError *err)
{
	_cleanup_free_ char *device = NULL, *full = NULL, *mp = NULL;
	struct stat st;
	int r;

	if (cfg->target == KDUMP_TARGET_NFS)
		return ctl_nfs_dumps_dir(c, cfg, ret, err);
	if (cfg->target != KDUMP_TARGET_FS) {
		*ret = ctl_path(c, cfg->path);
		return *ret ? 0 : -ENOMEM;
	}
	r = kdump_resolve_device(cfg->device, c->resolver, c->userdata, &device, err);
	if (r < 0)
		return r;
	full = ctl_path(c, device);
	if (!full)
		return -ENOMEM;
	if (stat(full, &st) < 0 || !S_ISBLK(st.st_mode))
		return kdump_error_set(err, -ENODEV, "the target %s is not a block device",
				       device);
	r = find_mount(c, st.st_rdev, &mp);
	if (r == -ENODEV)
		return kdump_error_set(err, r, "the target %s (%s) is not mounted: mount it, or "
				       "give the directory with --dir", cfg->device, device);
	if (r < 0)
		return r;
	*ret = kdump_asprintf("%s%s%s", c->prefix, strcmp(mp, "/") ? mp : "", cfg->path);
	return *ret ? 0 : -ENOMEM;
}
