/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Planning a crashkernel= change for each boot-loader mechanism; nothing here writes. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bootloader-internal.h"
#include "kdump-crashkernel.h"
#include "kdump-util.h"

#define DROPIN_HEADER                                                                        \
	"# Written by kdumpctl (kdump-suite): memory reserved for the capture kernel.\n"     \
	"# 'kdumpctl crashkernel --set SIZE|auto' rewrites this file; delete it and run\n"  \
	"# update-grub to remove the reservation.\n"

static int check_value(const char *value, KdumpError *err)
{
	KdumpCrashkernel ck;
	int r;

	if (!value)
		return 0;
	if (strpbrk(value, " \t\n\"'\\$`"))
		return kdump_error_set(err, -EINVAL, "crashkernel=%s: blanks, quotes and shell "
				       "characters are not allowed", value);
	r = kdump_crashkernel_parse(value, &ck, err);
	if (r < 0) {
		kdump_error_prefix(err, "crashkernel=");
		return r;
	}
	if (ck.kind == KDUMP_CK_AUTO)
		return kdump_error_set(err, -EINVAL, "crashkernel=auto is not a size (mainline "
				       "kernels ignore it): write the estimate's size instead");
	if (ck.suffix == KDUMP_CK_LOW || ck.suffix == KDUMP_CK_CMA)
		return kdump_error_set(err, -EINVAL, "crashkernel=%s only adds to a reservation; "
				       "set SIZE or SIZE,high", value);
	return 0;
}

/* A /etc/default/grub style file whose assignments have crashkernel= words. */
typedef struct GrubFile {
	char *path;
	char *content;
	GrubHit *hits;
	size_t n;
} GrubFile;

static void grub_files_free(GrubFile *f, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(f[i].path);
		free(f[i].content);
		grub_hits_free(f[i].hits, f[i].n);
	}
	free(f);
}

static int strcmpp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* /etc/default/grub and the other drop-ins, in the order grub-mkconfig reads them. */
static int grub_sources(int rootfd, char ***ret, KdumpError *err)
{
	_cleanup_strv_free_ char **paths = NULL;
	int fd, r;
	DIR *d;

	if ((r = kdump_strv_push(&paths, "/etc/default/grub")) < 0)
		return r;
	fd = openat(rootfd, "etc/default/grub.d", O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0 && errno != ENOENT)
		return kdump_error_set(err, -errno, "'/etc/default/grub.d': %m");
	d = fd >= 0 ? fdopendir(fd) : NULL;
	if (fd >= 0 && !d) {
		close(fd);
		return -errno;
	}
	for (struct dirent *de; d && (de = readdir(d));) {
		size_t n = strlen(de->d_name);

		if (n < 5 || strcmp(de->d_name + n - 4, ".cfg") != 0 || de->d_name[0] == '.' ||
		    strcmp(de->d_name, "kdump-suite.cfg") == 0)
			continue;
		r = kdump_strv_consume(&paths, kdump_asprintf("/etc/default/grub.d/%s", de->d_name));
		if (r < 0) {
			closedir(d);
			return r;
		}
	}
	if (d)
		closedir(d);
	qsort(paths + 1, kdump_strv_length(paths) - 1, sizeof(char *), strcmpp);
	*ret = TAKE_PTR(paths);
	return 0;
}

static int join_hits(const GrubFile *f, size_t n, char **ret_values, char **ret_where)
{
	_cleanup_strv_free_ char **values = NULL, **where = NULL;

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < f[i].n; j++)
			if (kdump_strv_push(&values, f[i].hits[j].values) < 0 ||
			    kdump_strv_consume(&where, kdump_asprintf("%s:%u", f[i].path,
								      f[i].hits[j].line)) < 0)
				return -ENOMEM;
	*ret_values = kdump_strv_join(values, " ");
	*ret_where = kdump_strv_join(where, ", ");
	return *ret_values && *ret_where ? 0 : -ENOMEM;
}

static int plan_grub_debian(int rootfd, const KdumpBootloaderRequest *req, KdumpBootloaderPlan *p,
			    KdumpError *err)
{
	_cleanup_strv_free_ char **paths = NULL;
	_cleanup_free_ char *ours = NULL, *values = NULL, *where = NULL, *line = NULL;
	GrubFile *others = NULL;
	GrubHit *mine = NULL;
	size_t n_others = 0, n_mine = 0;
	int r;

	if ((r = grub_sources(rootfd, &paths, err)) < 0)
		return r;
	for (size_t i = 0; paths[i]; i++) {
		GrubFile f = { 0 }, *x;

		if ((r = bl_read_at(rootfd, paths[i], &f.content, err)) < 0)
			goto out;
		if (f.content && (r = grub_find_crashkernel(f.content, &f.hits, &f.n)) < 0) {
			free(f.content);
			goto out;
		}
		if (f.n == 0) {
			free(f.content);
			free(f.hits);
			continue;
		}
		f.path = strdup(paths[i]);
		x = reallocarray(others, n_others + 1, sizeof(*x));
		if (!x || !f.path) {
			free(f.path);
			free(f.content);
			grub_hits_free(f.hits, f.n);
			r = -ENOMEM;
			goto out;
		}
		others = x;
		others[n_others++] = f;
	}
	if ((r = bl_read_at(rootfd, KDUMP_GRUB_DROPIN, &ours, err)) < 0)
		goto out;
	if (ours && (r = grub_find_crashkernel(ours, &mine, &n_mine)) < 0)
		goto out;

	if (n_others) {
		if ((r = join_hits(others, n_others, &values, &where)) < 0)
			goto out;
		r = bl_set_current(p, values, where);
		/* Someone else's setting that already says what we want: nothing to do. */
		if (r == 0 && !n_mine && kdump_streq(values, req->value)) {
			p->unchanged = true;
			goto out;
		}
		if (r == 0 && !req->force)
			r = bl_refuse(values, where, err);
	} else if (n_mine) {
		_cleanup_free_ char *w = kdump_asprintf("%s:%u", KDUMP_GRUB_DROPIN, mine[0].line);
		p->current_ours = true;
		r = w ? bl_set_current(p, mine[0].values, w) : -ENOMEM;
	}
	if (r < 0)
		goto out;

	if (req->value) {
		char *content;

		line = kdump_asprintf("GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT "
				      "crashkernel=%s\"", req->value);
		content = line ? kdump_asprintf("%s%s\n", DROPIN_HEADER, line) : NULL;
		if (!content) {
			r = -ENOMEM;
			goto out;
		}
		if (ours && strcmp(ours, content) == 0)
			free(content);
		else if ((r = bl_add_change(p, KDUMP_GRUB_DROPIN, n_mine ? mine[0].text : NULL,
					    line, content)) < 0)
			goto out;
	} else if (ours && (r = bl_add_change(p, KDUMP_GRUB_DROPIN, n_mine ? mine[0].text : NULL,
					      NULL, NULL)) < 0)
		goto out;

	/* With force, the other files lose their crashkernel= words. */
	for (size_t i = 0; i < n_others; i++) {
		_cleanup_free_ char *content = strdup(others[i].content);

		for (size_t j = 0; content && j < others[i].n; j++) {
			_cleanup_free_ char *new_line = NULL;
			char *c = NULL;

			if ((r = grub_line_remove_crashkernel(others[i].hits[j].text, &new_line)) < 0 ||
			    (r = text_replace_line(content, others[i].hits[j].line, new_line, &c)) < 0 ||
			    (r = bl_add_change(p, others[i].path, others[i].hits[j].text, new_line,
					       NULL)) < 0) {
				free(c);
				goto out;
			}
			free(content);
			content = c;
		}
		if (!content) {
			r = -ENOMEM;
			goto out;
		}
		/* The file's last change carries its whole new content. */
		p->changes[p->n_changes - 1].new_content = TAKE_PTR(content);
	}
	p->unchanged = p->n_changes == 0;
	if (!p->unchanged)
		r = bl_set_command(p, (const char *const[]){ "update-grub", NULL });
out:
	grub_files_free(others, n_others);
	grub_hits_free(mine, n_mine);
	return r;
}

static int plan_kernel_cmdline(int rootfd, const KdumpBootloaderRequest *req,
			       KdumpBootloaderPlan *p, KdumpError *err)
{
	static const char path[] = "/etc/kernel/cmdline";
	_cleanup_free_ char *content = NULL, *values = NULL, *seed = NULL, *old = NULL, *line = NULL;
	const char *base;
	int r;

	if ((r = bl_read_at(rootfd, path, &content, err)) < 0)
		return r;
	if (content && (r = cmdline_crashkernel_values(content, &values)) < 0)
		return r;
	if (values) {
		p->current_ours = kdump_streq(values, req->ours);
		if ((r = bl_set_current(p, values, path)) < 0)
			return r;
	}
	if (kdump_streq(values, req->value) || (!req->value && !values)) {
		p->unchanged = true;
		return 0;
	}
	if (values && !p->current_ours && !req->force)
		return bl_refuse(values, path, err);
	base = content;
	if (!content) {
		if ((r = bl_read_at(rootfd, "/usr/lib/kernel/cmdline", &seed, err)) < 0)
			return r;
		if (!seed && !req->proc_cmdline)
			return kdump_error_set(err, -EINVAL, "creating %s needs the current command "
					       "line (/proc/cmdline)", path);
		base = seed ? seed : req->proc_cmdline;
	} else {
		old = strndup(content, strcspn(content, "\n"));
		if (!old)
			return -ENOMEM;
	}
	if ((r = cmdline_set_crashkernel(base, req->value, !content, &line)) < 0)
		return r;
	if ((r = bl_add_change(p, path, old, line, kdump_asprintf("%s\n", line))) < 0)
		return r;
	if (req->kernel_release) {
		_cleanup_free_ char *image = kdump_asprintf("/usr/lib/modules/%s/vmlinuz",
							    req->kernel_release);
		if (!image)
			return -ENOMEM;
		if (!bl_exists_at(rootfd, image)) {
			free(image);
			image = kdump_asprintf("/boot/vmlinuz-%s", req->kernel_release);
			if (!image)
				return -ENOMEM;
		}
		r = bl_set_command(p, (const char *const[]){ "kernel-install", "add",
							     req->kernel_release, image, NULL });
	}
	return r;
}

static int plan_grubby(const KdumpBootloaderRequest *req, KdumpBootloaderPlan *p, KdumpError *err)
{
	char *const info[] = { (char *)"grubby", (char *)"--info=ALL", NULL };
	_cleanup_free_ char *out = NULL, *current = NULL;
	_cleanup_strv_free_ char **distinct = NULL;
	size_t entries = 0, with = 0, same = 0, mine = 0, multi = 0;
	int r;

	if (!req->runner)
		return kdump_error_set(err, -EINVAL, "grubby needs a command runner");
	r = req->runner(info, &out, req->userdata);
	if (r != 0 || !out)
		return kdump_error_set(err, r < 0 ? r : -EIO, "'grubby --info=ALL' failed (%s %d)",
				       r < 0 ? "error" : "status", r < 0 ? -r : r);
	char *save = NULL;

	for (char *l = strtok_r(out, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		_cleanup_free_ char *values = NULL;

		size_t len;

		if (strncmp(l, "args=", 5) != 0)
			continue;
		/* args="..." holds the whole command line: drop the outer quotes. */
		l += 5;
		len = strlen(l);
		if (len >= 2 && l[0] == '"' && l[len - 1] == '"') {
			l[len - 1] = '\0';
			l++;
		}
		entries++;
		if ((r = cmdline_crashkernel_values(l, &values)) < 0)
			return r;
		same += kdump_streq(values, req->value) || (!values && !req->value);
		if (!values)
			continue;
		with++;
		mine += kdump_streq(values, req->ours);
		multi += strchr(values, ' ') != NULL;
		if (!kdump_strv_contains(distinct, values) && kdump_strv_push(&distinct, values) < 0)
			return -ENOMEM;
	}
	if (entries == 0)
		return kdump_error_set(err, -ENOENT, "'grubby --info=ALL' lists no boot entries");
	if (with) {
		current = kdump_strv_join(distinct, " ");
		if (!current || bl_set_current(p, current, "grubby --info=ALL") < 0)
			return -ENOMEM;
		p->current_ours = mine == with;
	}
	if (same == entries) {
		p->unchanged = true;
		return 0;
	}
	if (with && !p->current_ours && !req->force)
		return bl_refuse(current, "the boot entries (grubby --info=ALL)", err);
	if (!req->value)
		return bl_set_command(p, (const char *const[]){ "grubby", "--update-kernel=ALL",
								"--remove-args=crashkernel", NULL });
	_cleanup_free_ char *arg = kdump_asprintf("--args=crashkernel=%s", req->value);
	if (!arg)
		return -ENOMEM;
	if (multi)
		return bl_set_command(p, (const char *const[]){ "grubby", "--update-kernel=ALL",
								"--remove-args=crashkernel", arg,
								NULL });
	return bl_set_command(p, (const char *const[]){ "grubby", "--update-kernel=ALL", arg, NULL });
}

int kdump_bootloader_plan(const KdumpBootloaderRequest *req, KdumpBootloaderPlan **ret,
			  KdumpError *err)
{
	_cleanup_close_ int rootfd = -1;
	KdumpBootloaderPlan *p;
	KdumpBootloader b = req->bootloader;
	int r;

	if ((r = check_value(req->value, err)) < 0)
		return r;
	if (b == KDUMP_BOOTLOADER_AUTO && (r = kdump_bootloader_detect(req->root, &b, err)) < 0)
		return r;
	rootfd = open(req->root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0)
		return kdump_error_set(err, -errno, "'%s': %m", req->root);
	p = calloc(1, sizeof(*p));
	if (!p)
		return -ENOMEM;
	p->bootloader = b;
	switch (b) {
	case KDUMP_BOOTLOADER_GRUB_DEBIAN:
		r = plan_grub_debian(rootfd, req, p, err);
		break;
	case KDUMP_BOOTLOADER_KERNEL_CMDLINE:
		r = plan_kernel_cmdline(rootfd, req, p, err);
		break;
	case KDUMP_BOOTLOADER_GRUBBY:
		r = plan_grubby(req, p, err);
		break;
	default:
		r = kdump_error_set(err, -EINVAL, "unknown boot loader %d", (int)b);
	}
	if (r < 0) {
		kdump_bootloader_plan_free(p);
		return r;
	}
	*ret = p;
	return 0;
}
