/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Where the dump goes: the target filesystem ('ext4|xfs|btrfs DEVICE', the device given by
 * path or by UUID=/LABEL=... through the resolver, mounted at run_dir/target), or the root
 * filesystem (a 'path' alone, and failure_action dump_to_rootfs): the directory --root names,
 * remounted read-write when it is read-only, else the kernel command line's root= (with
 * rootfstype= and rootflags=) mounted at run_dir/rootfs.
 *
 * Disks can show up late in a capture kernel: a device that is not there yet (the resolver
 * finds nothing, mount says ENOENT/ENODEV/ENXIO) is waited for, up to device_timeout.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "internal.h"

static bool not_there_yet(int r)
{
	return r == -ENODEV || r == -ENOENT || r == -ENXIO;
}

int ksave_resolve(struct ksave *k, const char *spec, char **ret, char *err, size_t errlen)
{
	KdumpError e = {};
	int r;

	if (spec[0] == '/') {
		*ret = strdup(spec);
		return *ret ? 0 : -ENOMEM;
	}
	r = kdump_resolve_device(spec, k->resolver, k->resolver_data, ret, &e);
	if (r < 0)
		snprintf(err, errlen, "%s", e.message[0] ? e.message : strerror(-r));
	return r;
}

/* Resolve spec and mount it at run_dir/name; *ret_where is the mount point. */
static int mount_spec(struct ksave *k, const char *spec, const char *fstype, const char *options,
		      const char *name, int *ret_fd, char **ret_where, char *err, size_t errlen)
{
	_cleanup_free_ char *where = ksave_path_join(k->run_dir, name);
	double deadline = ksave_mono() + k->o->device_timeout;
	bool said = false;
	int r;

	if (!where)
		return -ENOMEM;
	for (;;) {
		_cleanup_free_ char *dev = NULL;

		r = ksave_resolve(k, spec, &dev, err, errlen);
		if (r == 0) {
			r = k->ops->mount(dev, fstype, options, where, ret_fd, k->ops->userdata);
			if (r == 0) {
				klog(&k->log, KSAVE_LOG_INFO, "mounted %s (%s) at %s", spec, dev,
				     where);
				*ret_where = TAKE_PTR(where);
				return 0;
			}
			snprintf(err, errlen, "cannot mount %s (%s) at %s: %s", spec, dev, where,
				 strerror(-r));
		}
		if (r == -ENOMEM || !not_there_yet(r) || ksave_mono() >= deadline)
			return r;
		if (!said) {
			klog(&k->log, KSAVE_LOG_INFO, "waiting up to %u s for %s: %s",
			     k->o->device_timeout, spec, err);
			said = true;
		}
		nanosleep(&(struct timespec){ 0, 250 * 1000 * 1000 }, NULL);
	}
}

static void remember_mount(struct ksave *k, char *where)
{
	if (k->n_mounts < ELEMENTSOF(k->mounts))
		k->mounts[k->n_mounts++] = where;
	else
		free(where);
}

void ksave_attempt_fs(struct ksave *k, KsaveResult *res)
{
	const KdumpConfig *cfg = k->cfg;
	_cleanup_close_ int fd = -1;
	char err[512], *where = NULL;
	int r;

	snprintf(k->target, sizeof(k->target), "%s %s", cfg->fstype, cfg->device);
	r = mount_spec(k, cfg->device, cfg->fstype, NULL, "target", &fd, &where, err, sizeof(err));
	if (r < 0) {
		klog(&k->log, KSAVE_LOG_ERR, "%s", err);
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s", err);
		return;
	}
	remember_mount(k, where);
	ksave_save_dir(k, fd, where, res);
}

/* The last NAME= of the command line, unquoted ("root=/dev/vda1", "rootflags=subvol=@"). */
static char *cmdline_value(const char *cmdline, const char *name)
{
	size_t n = strlen(name);
	char *found = NULL;
	const char *p = cmdline;

	while (*p) {
		const char *start, *end;
		bool quoted = false;

		p += strspn(p, " \t\n");
		if (!*p)
			break;
		start = p;
		while (*p && (quoted || !strchr(" \t\n", *p))) {
			if (*p == '"')
				quoted = !quoted;
			p++;
		}
		end = p;
		if ((size_t)(end - start) > n && !strncmp(start, name, n) && start[n] == '=') {
			char *v = strndup(start + n + 1, (size_t)(end - start) - n - 1), *w = v;
			if (!v)
				break;
			for (char *c = v; *c; c++)
				if (*c != '"')
					*w++ = *c;
			*w = '\0';
			free(found);
			found = v;
		}
	}
	return found;
}

/* The --root directory: opened, and made writable. */
static int open_root_dir(struct ksave *k, int *ret_fd, char *err, size_t errlen)
{
	_cleanup_close_ int fd = open(k->o->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	struct statvfs sv;
	int r;

	if (fd < 0) {
		r = negative_errno();
		snprintf(err, errlen, "cannot open the root filesystem at %s: %s", k->o->root,
			 strerror(-r));
		return r;
	}
	if (fstatvfs(fd, &sv) == 0 && (sv.f_flag & ST_RDONLY)) {
		r = k->ops->remount_rw(k->o->root, k->ops->userdata);
		if (r < 0) {
			snprintf(err, errlen, "the root filesystem at %s is read-only and cannot "
				 "be remounted read-write: %s", k->o->root, strerror(-r));
			return r;
		}
		klog(&k->log, KSAVE_LOG_INFO, "remounted the root filesystem at %s read-write",
		     k->o->root);
	}
	*ret_fd = TAKE_FD(fd);
	return 0;
}

void ksave_attempt_rootfs(struct ksave *k, KsaveResult *res)
{
	_cleanup_free_ char *cmdline_path = ksave_path_join(k->proc, "cmdline");
	_cleanup_free_ char *cmdline = NULL, *root = NULL, *type = NULL, *flags = NULL;
	_cleanup_close_ int fd = -1;
	char err[512], *where = NULL;
	int r;

	if (k->o->root) {
		snprintf(k->target, sizeof(k->target), "the root filesystem (%s)", k->o->root);
		r = open_root_dir(k, &fd, err, sizeof(err));
		if (r < 0)
			goto fail;
		ksave_save_dir(k, fd, k->o->root, res);
		return;
	}
	if (!cmdline_path) {
		ksave_fail(res, KSAVE_STATUS_FAILED, "out of memory");
		return;
	}
	r = ksave_read_text(cmdline_path, 65536, &cmdline);
	if (r == 0)
		root = cmdline_value(cmdline, "root");
	if (!root) {
		snprintf(k->target, sizeof(k->target), "the root filesystem");
		snprintf(err, sizeof(err), "cannot find the root filesystem: no --root, and no "
			 "root= on the kernel command line (%s)", cmdline_path);
		r = -ENODEV;
		goto fail;
	}
	type = cmdline_value(cmdline, "rootfstype");
	flags = cmdline_value(cmdline, "rootflags");
	snprintf(k->target, sizeof(k->target), "the root filesystem (root=%s)", root);
	r = mount_spec(k, root, type, flags, "rootfs", &fd, &where, err, sizeof(err));
	if (r < 0)
		goto fail;
	remember_mount(k, where);
	ksave_save_dir(k, fd, where, res);
	return;
fail:
	klog(&k->log, KSAVE_LOG_ERR, "%s", err);
	ksave_fail(res, KSAVE_STATUS_FAILED, "%s", err);
}

void ksave_unmount_all(struct ksave *k)
{
	while (k->n_mounts > 0) {
		char *where = k->mounts[--k->n_mounts];
		int r = k->ops->umount(where, k->ops->userdata);

		if (r < 0)
			klog(&k->log, KSAVE_LOG_WARNING, "cannot unmount %s: %s", where,
			     strerror(-r));
		free(where);
	}
}
