/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The inputs of the capture initramfs and their content hashes. A build stores them beside
 * the image (initramfs-KVER.img.inputs); the next start compares them with the current ones
 * and rebuilds only when something differs. Contents, not times: a touched file with the same
 * bytes does not rebuild, a replaced binary with an old mtime does.
 *
 *   # kdump-suite capture initramfs inputs
 *   digest 3f1c...
 *   kdumpctl<TAB>0.1.0
 *   kernel<TAB>6.1.0-26-amd64
 *   config /etc/kdump.conf<TAB>sha256 of the file
 *   agent /usr/libexec/kdump-suite/kdump-save<TAB>...
 *   file /usr/sbin/makedumpfile-lite<TAB>...     (collector, hooks, extra_bins)
 *   modules<TAB>ext4 nvme
 *   target<TAB>ext4 UUID=... /dev/vdb1 uuid=...
 *   modules.dep<TAB>sha256 of /lib/modules/KVER/modules.dep
 *   dracut-module FILE<TAB>... (each file of the kdump-suite dracut module)
 *   dracut<TAB>sha256 of the dracut program
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "kdump-util.h"
#include "kdumpctl.h"
#include "sha256.h"

static int add(CtlInputs *in, const char *name, const char *value)
{
	CtlInput *items = realloc(in->items, (in->n + 1) * sizeof(*items));

	if (!items)
		return -ENOMEM;
	in->items = items;
	items[in->n] = (CtlInput){ strdup(name), strdup(value) };
	if (!items[in->n].name || !items[in->n].value) {
		free(items[in->n].name);
		free(items[in->n].value);
		return -ENOMEM;
	}
	in->n++;
	return 0;
}

/* "kind path" = sha256 of the file below the root; "missing" when there is none. */
static int add_file(const Ctl *c, CtlInputs *in, const char *kind, const char *path,
		    bool required, KdumpError *err)
{
	_cleanup_free_ char *name = kdump_asprintf("%s %s", kind, path);
	_cleanup_free_ char *full = ctl_path(c, path);
	char hex[SHA256_HEX_SIZE];
	int r;

	if (!name || !full)
		return -ENOMEM;
	r = sha256_file(AT_FDCWD, full, hex);
	if (r < 0 && required)
		return kdump_error_set(err, r, "cannot read %s '%s': %s", kind, path, strerror(-r));
	return add(in, name, r < 0 ? "missing" : hex);
}

/* The configuration: read where it is, named as the system knows it. */
static int add_config(CtlInputs *in, const CtlBuildPlan *plan, KdumpError *err)
{
	_cleanup_free_ char *name = kdump_asprintf("config %s", plan->config_name);
	char hex[SHA256_HEX_SIZE];
	int r;

	if (!name)
		return -ENOMEM;
	r = sha256_file(AT_FDCWD, plan->config, hex);
	if (r < 0)
		return kdump_error_set(err, r, "cannot read '%s': %s", plan->config, strerror(-r));
	return add(in, name, hex);
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_module_dir(const Ctl *c, CtlInputs *in)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_DRACUT_MODULE);
	char *names[64];
	size_t n = 0;
	struct dirent *de;
	DIR *d;
	int r = 0;

	if (!dir)
		return -ENOMEM;
	d = opendir(dir);
	if (!d)
		return add(in, "dracut-module " KDUMPCTL_DRACUT_MODULE, "missing");
	while ((de = readdir(d)) && n < ELEMENTSOF(names))
		if (de->d_name[0] != '.' && !(names[n++] = strdup(de->d_name)))
			r = -ENOMEM;
	closedir(d);
	if (r == 0)
		qsort(names, n, sizeof(names[0]), cmp_str);
	for (size_t i = 0; i < n; i++) {
		_cleanup_free_ char *p = kdump_asprintf("%s/%s", KDUMPCTL_DRACUT_MODULE, names[i]);

		if (r == 0)
			r = p ? add_file(c, in, "dracut-module", p, false, NULL) : -ENOMEM;
		free(names[i]);
	}
	return r;
}

static void digest(CtlInputs *in)
{
	uint8_t d[SHA256_DIGEST_SIZE];
	Sha256 s;

	sha256_init(&s);
	for (size_t i = 0; i < in->n; i++) {
		sha256_update(&s, in->items[i].name, strlen(in->items[i].name));
		sha256_update(&s, "\t", 1);
		sha256_update(&s, in->items[i].value, strlen(in->items[i].value));
		sha256_update(&s, "\n", 1);
	}
	sha256_final(&s, d);
	sha256_hex(d, in->digest);
}

int ctl_inputs_collect(const Ctl *c, const CtlBuildPlan *plan, CtlInputs *ret,
		       KdumpError *err)
{
	CtlInputs in = { 0 };
	_cleanup_free_ char *mods = kdump_strv_join(plan->kmods, " ");
	_cleanup_free_ char *dep = kdump_asprintf("/lib/modules/%s/modules.dep", plan->kver);
	_cleanup_free_ char *dracut = NULL;
	int r;

	if (!mods || !dep)
		return -ENOMEM;
	r = add(&in, "kdumpctl", PROJECT_VERSION);
	if (r == 0)
		r = add(&in, "kernel", plan->kver);
	if (r == 0)
		r = add_config(&in, plan, err);
	if (r == 0)
		r = add_file(c, &in, "agent", plan->agent, true, err);
	for (char **b = plan->binaries; r == 0 && b && *b; b++)
		r = add_file(c, &in, "file", *b, true, err);
	for (char **f = plan->files; r == 0 && f && *f; f++)
		r = add_file(c, &in, "file", *f, true, err);
	if (r == 0)
		r = add(&in, "modules", mods);
	if (r == 0)
		r = add(&in, "target", plan->target_id ? plan->target_id : "rootfs");
	if (r == 0)
		r = add_file(c, &in, "modules.dep", dep, false, err);
	if (r == 0)
		r = add_module_dir(c, &in);
	if (r == 0 && ctl_find_program(c, "dracut", &dracut) == 0)
		r = add_file(c, &in, "dracut", dracut, false, err);
	else if (r == 0)
		r = add(&in, "dracut", "missing");
	if (r < 0) {
		ctl_inputs_done(&in);
		return r;
	}
	digest(&in);
	*ret = in;
	return 0;
}

void ctl_inputs_done(CtlInputs *in)
{
	for (size_t i = 0; i < in->n; i++) {
		free(in->items[i].name);
		free(in->items[i].value);
	}
	free(in->items);
	*in = (CtlInputs){ 0 };
}

int ctl_inputs_format(const CtlInputs *in, char **ret)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (!f)
		return -ENOMEM;
	fprintf(f, "# kdump-suite capture initramfs inputs (kdumpctl(8))\ndigest %s\n",
		in->digest);
	for (size_t i = 0; i < in->n; i++)
		fprintf(f, "%s\t%s\n", in->items[i].name, in->items[i].value);
	if (fclose(f) != 0 || !buf) {
		free(buf);
		return -ENOMEM;
	}
	*ret = buf;
	return 0;
}

int ctl_inputs_parse(const char *text, CtlInputs *ret)
{
	CtlInputs in = { 0 };
	const char *p = text;
	int r = 0;

	while (*p && r == 0) {
		size_t len = strcspn(p, "\n");
		_cleanup_free_ char *line = strndup(p, len);
		char *tab;

		p += len + (p[len] == '\n');
		if (!line) {
			r = -ENOMEM;
			break;
		}
		if (line[0] == '#' || line[0] == '\0')
			continue;
		if (strncmp(line, "digest ", 7) == 0) {
			snprintf(in.digest, sizeof(in.digest), "%s", line + 7);
			continue;
		}
		tab = strchr(line, '\t');
		if (!tab) {
			r = -EBADMSG;
			break;
		}
		*tab = '\0';
		r = add(&in, line, tab + 1);
	}
	if (r < 0) {
		ctl_inputs_done(&in);
		return r;
	}
	*ret = in;
	return 0;
}

static const char *lookup(const CtlInputs *in, const char *name)
{
	for (size_t i = 0; i < in->n; i++)
		if (strcmp(in->items[i].name, name) == 0)
			return in->items[i].value;
	return NULL;
}

int ctl_inputs_diff(const CtlInputs *old, const CtlInputs *cur, char ***ret)
{
	char **l = NULL;
	int r = 0;

	for (size_t i = 0; i < cur->n && r == 0; i++) {
		const char *v = lookup(old, cur->items[i].name);

		if (!v || strcmp(v, cur->items[i].value) != 0)
			r = kdump_strv_push(&l, cur->items[i].name);
	}
	for (size_t i = 0; i < old->n && r == 0; i++)
		if (!lookup(cur, old->items[i].name))
			r = kdump_strv_push(&l, old->items[i].name);
	if (r < 0) {
		kdump_strv_free(l);
		return r;
	}
	*ret = l;
	return 0;
}

int ctl_inputs_load(const Ctl *c, const char *output, CtlInputs *ret)
{
	_cleanup_free_ char *name = kdump_asprintf("%s.inputs", output), *text = NULL;
	int r;

	if (!name)
		return -ENOMEM;
	r = ctl_read_file(c, name, 1 << 20, &text);
	return r < 0 ? r : ctl_inputs_parse(text, ret);
}

int ctl_inputs_save(const Ctl *c, const char *output, const CtlInputs *in, KdumpError *err)
{
	_cleanup_free_ char *dir = ctl_path(c, KDUMPCTL_STATE_DIR), *text = NULL;
	_cleanup_free_ char *name = kdump_asprintf("%s.inputs", strrchr(output, '/') + 1);
	_cleanup_close_ int fd = -1;
	int r;

	if (!dir || !name)
		return -ENOMEM;
	r = ctl_inputs_format(in, &text);
	if (r < 0)
		return r;
	fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return kdump_error_set(err, negative_errno(), "cannot open %s: %m", dir);
	return kdump_write_file_atomic(fd, name, text, 0644, err);
}

int ctl_rebuild_needed(const Ctl *c, const KdumpConfig *cfg, const CtlBuildPlan *plan,
		       const CtlInputs *cur, CtlRebuild *ret, char ***ret_changed)
{
	_cleanup_free_ char *img = ctl_path(c, plan->output);
	CtlInputs old = { 0 };
	char **changed = NULL;
	struct stat st;
	int r;

	*ret_changed = NULL;
	if (!img)
		return -ENOMEM;
	if (stat(img, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
		*ret = cfg->force_no_rebuild ? CTL_REBUILD_FORBIDDEN : CTL_REBUILD_MISSING;
		return 0;
	}
	r = ctl_inputs_load(c, plan->output, &old);
	if (r == -ENOMEM)
		return r;
	if (r < 0)
		r = kdump_strv_push(&changed, "(no record of the last build's inputs)");
	else if (strcmp(old.digest, cur->digest) != 0)
		r = ctl_inputs_diff(&old, cur, &changed);
	ctl_inputs_done(&old);
	if (r < 0)
		return r;
	if (cfg->force_rebuild)
		*ret = CTL_REBUILD_FORCED;
	else if (!changed)
		*ret = CTL_REBUILD_NO;
	else
		*ret = cfg->force_no_rebuild ? CTL_REBUILD_FORBIDDEN : CTL_REBUILD_CHANGED;
	*ret_changed = changed;
	return 0;
}
