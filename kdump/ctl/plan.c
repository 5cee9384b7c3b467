/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The build plan: what the configuration names, resolved on this system. Programs by PATH,
 * the target by libblkid, with every problem reported at the configuration's FILE:LINE.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kdump-util.h"
#include "kdumpctl.h"

static int add_error(KdumpDiags *d, const char *file, unsigned line, const char *fmt, ...)
	_printf_(4, 5);
static int add_error(KdumpDiags *d, const char *file, unsigned line, const char *fmt, ...)
{
	_cleanup_free_ char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return -ENOMEM;
	return kdump_diags_add(d, KDUMP_SEVERITY_ERROR, -ENOENT, file, line, "%s", msg);
}

static const char *base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s ? s + 1 : p;
}

/* Resolve a program named in the configuration and add it to the plan once. */
static int add_program(const Ctl *c, CtlBuildPlan *p, const char *name, KdumpDirective dir,
		       const KdumpConfig *cfg, KdumpDiags *d)
{
	_cleanup_free_ char *path = NULL;
	int r = ctl_find_program(c, name, &path);

	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		r = add_error(d, c->config_path, cfg->line[dir], "%s: program '%s' not found%s",
			      kdump_directive_to_string(dir), name,
			      strchr(name, '/') ? "" : " in " KDUMPCTL_SEARCH_PATH);
		if (r == 0)
			r = kdump_diags_hint(d, "install it, or give its absolute path");
		return r;
	}
	if (kdump_strv_contains(p->binaries, path))
		return 0;
	return kdump_strv_consume(&p->binaries, TAKE_PTR(path));
}

/*
 * The collector: makedumpfile-lite, which "makedumpfile" names too (kdump.conf(5)). An
 * absolute path to makedumpfile-lite is taken as it is.
 */
static int add_collector(const Ctl *c, CtlBuildPlan *p, const KdumpConfig *cfg, KdumpDiags *d)
{
	const char *name = cfg->core_collector[0];

	if (name[0] == '/' && strcmp(base_name(name), KDUMPCTL_COLLECTOR) == 0)
		return add_program(c, p, name, KDUMP_DIR_CORE_COLLECTOR, cfg, d);
	return add_program(c, p, KDUMPCTL_COLLECTOR, KDUMP_DIR_CORE_COLLECTOR, cfg, d);
}

/* The mount of "/" in mountinfo: "ID PARENT MAJ:MIN ROOT MOUNTPOINT OPTS ... - TYPE SOURCE". */
static int rootfs_identity(const Ctl *c, char **ret)
{
	_cleanup_free_ char *text = NULL, *src = NULL, *type = NULL;
	_cleanup_free_ char *uuid = NULL, *ptype = NULL;
	char *line, *save = NULL;

	if (ctl_read_file(c, "/proc/self/mountinfo", 1 << 20, &text) < 0) {
		*ret = strdup("rootfs");
		return *ret ? 0 : -ENOMEM;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char mp[256], fs[64], source[256];
		const char *dash = strstr(line, " - ");

		if (sscanf(line, "%*s %*s %*s %*s %255s", mp) != 1 || strcmp(mp, "/") != 0 ||
		    !dash || sscanf(dash, " - %63s %255s", fs, source) != 2)
			continue;
		free(src);
		free(type);
		src = strdup(source);
		type = strdup(fs);
		if (!src || !type)
			return -ENOMEM;
	}
	if (src && src[0] == '/' && c->probe)
		(void)c->probe(src, &uuid, &ptype, c->userdata);
	*ret = kdump_asprintf("rootfs %s %s uuid=%s", src ? src : "?", type ? type : "?",
			      uuid ? uuid : "?");
	return *ret ? 0 : -ENOMEM;
}

static int resolve_target(const Ctl *c, CtlBuildPlan *p, const KdumpConfig *cfg,
			  KdumpDiags *d)
{
	KdumpDirective dir = cfg->target == KDUMP_TARGET_RAW ? KDUMP_DIR_RAW : KDUMP_DIR_TARGET_FS;
	_cleanup_free_ char *uuid = NULL, *type = NULL;
	KdumpError e = { 0 };
	int r;

	if (cfg->target == KDUMP_TARGET_ROOTFS)
		return rootfs_identity(c, &p->target_id);
	if (cfg->target == KDUMP_TARGET_SSH || cfg->target == KDUMP_TARGET_NFS)
		return ctl_plan_network(c, cfg, p, d);
	if (cfg->target != KDUMP_TARGET_FS && cfg->target != KDUMP_TARGET_RAW)
		return add_error(d, c->config_path, 0, "%s targets are not supported",
				 kdump_target_type_to_string(cfg->target));
	r = kdump_resolve_device(cfg->device, c->resolver, c->userdata, &p->device, &e);
	if (r == -ENOMEM)
		return r;
	if (r < 0) {
		r = add_error(d, c->config_path, cfg->line[dir], "%s", e.message);
		return r ? r : kdump_diags_hint(d, "'blkid' lists the devices and their tags");
	}
	if (c->probe)
		(void)c->probe(p->device, &uuid, &type, c->userdata);
	if (cfg->target == KDUMP_TARGET_FS && type && strcmp(type, cfg->fstype) != 0) {
		r = add_error(d, c->config_path, cfg->line[dir], "%s holds %s, not %s", p->device,
			      type, cfg->fstype);
		return r ? r : kdump_diags_hint(d, "write '%s %s'", type, cfg->device);
	}
	p->target_id = kdump_asprintf("%s %s %s uuid=%s",
				      cfg->target == KDUMP_TARGET_RAW ? "raw" : cfg->fstype,
				      cfg->device, p->device, uuid ? uuid : "?");
	if (!p->target_id)
		return -ENOMEM;
	if (cfg->target == KDUMP_TARGET_FS && !kdump_strv_contains(p->kmods, cfg->fstype))
		return kdump_strv_push(&p->kmods, cfg->fstype);
	return 0;
}

int ctl_build_plan(const Ctl *c, const KdumpConfig *cfg, const char *kver, CtlBuildPlan *ret,
		   KdumpDiags *diags)
{
	CtlBuildPlan p = { 0 };
	_cleanup_free_ char *agent = ctl_path(c, KDUMPCTL_AGENT);
	size_t errors = diags->n_errors;
	int r;

	p.kver = strdup(kver);
	p.output = ctl_initramfs_path(kver);
	p.config = strdup(c->config_path);
	p.config_name = strdup(c->args->config ? c->args->config : KDUMP_CONFIG_PATH);
	p.agent = strdup(KDUMPCTL_AGENT);
	if (!p.kver || !p.output || !p.config || !p.config_name || !p.agent || !agent) {
		r = -ENOMEM;
		goto fail;
	}
	if (access(agent, X_OK) < 0) {
		r = add_error(diags, KDUMPCTL_AGENT, 0, "the capture agent is not installed");
		if (r < 0)
			goto fail;
	}
	r = add_collector(c, &p, cfg, diags);
	if (r >= 0 && cfg->kdump_pre)
		r = add_program(c, &p, cfg->kdump_pre[0], KDUMP_DIR_KDUMP_PRE, cfg, diags);
	if (r >= 0 && cfg->kdump_post)
		r = add_program(c, &p, cfg->kdump_post[0], KDUMP_DIR_KDUMP_POST, cfg, diags);
	for (char **b = cfg->extra_bins; r >= 0 && b && *b; b++)
		r = add_program(c, &p, *b, KDUMP_DIR_EXTRA_BINS, cfg, diags);
	if (r >= 0)
		r = resolve_target(c, &p, cfg, diags);
	for (char **m = cfg->extra_modules; r >= 0 && m && *m; m++)
		if (!kdump_strv_contains(p.kmods, *m))
			r = kdump_strv_push(&p.kmods, *m);
	if (r < 0)
		goto fail;
	if (diags->n_errors > errors) {
		r = -EINVAL;
		goto fail;
	}
	*ret = p;
	return 0;
fail:
	ctl_build_plan_done(&p);
	return r;
}

void ctl_build_plan_done(CtlBuildPlan *p)
{
	free(p->kver);
	free(p->agent);
	kdump_strv_free(p->binaries);
	kdump_strv_free(p->kmods);
	free(p->device);
	free(p->target_id);
	free(p->output);
	free(p->config);
	free(p->config_name);
	kdump_strv_free(p->files);
	free(p->net);
	free(p->hosts);
	*p = (CtlBuildPlan){ 0 };
}
