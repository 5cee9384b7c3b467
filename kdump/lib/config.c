/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The kdump.conf parser: one table of directives, one handler each, every problem reported. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "kdump-util.h"
#include "parse-util.h"

#define MAX_LINE 4096

int conf_problem(ParseState *s, KdumpSeverity sev, int error, const char *fmt, ...)
{
	_cleanup_free_ char *m = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&m, fmt, ap);
	va_end(ap);
	if (r < 0)
		return -ENOMEM;
	return kdump_diags_add(s->diags, sev, error, s->file, s->line, "%s", m);
}
#define error(s, ...) conf_error(s, __VA_ARGS__)
#define hint(s, ...) conf_hint(s, __VA_ARGS__)
#define problem conf_problem

/* Report "message" plus an optional static hint; returns 0 or -ENOMEM. */
int conf_error_hint(ParseState *s, int error, const char *message, const char *h,
		    const char *what)
{
	int r = problem(s, KDUMP_SEVERITY_ERROR, error, "%s: %s", what, message);

	if (r >= 0 && h)
		r = hint(s, "%s", h);
	return r;
}

#define DEVICE_USAGE " DEVICE (/dev/NAME, UUID=..., LABEL=..., PARTUUID=..., PARTLABEL=...)"
static const Directive directives[] = {
	{ "path", KDUMP_DIR_PATH, 1, 1, false, false, conf_on_path, "path DIRECTORY" },
	{ "ext4", KDUMP_DIR_TARGET_FS, 1, 1, false, true, conf_on_device_target, "ext4" DEVICE_USAGE },
	{ "xfs", KDUMP_DIR_TARGET_FS, 1, 1, false, true, conf_on_device_target, "xfs" DEVICE_USAGE },
	{ "btrfs", KDUMP_DIR_TARGET_FS, 1, 1, false, true, conf_on_device_target, "btrfs" DEVICE_USAGE },
	{ "raw", KDUMP_DIR_RAW, 1, 1, false, true, conf_on_device_target, "raw" DEVICE_USAGE },
	{ "ssh", KDUMP_DIR_SSH, 1, 1, false, true, conf_on_network, "ssh USER@HOST" },
	{ "nfs", KDUMP_DIR_NFS, 1, 1, false, true, conf_on_network, "nfs HOST:/EXPORT" },
	{ "sshkey", KDUMP_DIR_SSHKEY, 1, 1, false, false, conf_on_network, "sshkey FILE" },
	{ "core_collector", KDUMP_DIR_CORE_COLLECTOR, 1, 0, false, false, conf_on_collector,
	  "core_collector makedumpfile-lite [OPTIONS]" },
	{ "kdump_pre", KDUMP_DIR_KDUMP_PRE, 1, 0, false, false, conf_on_hook, "kdump_pre PROGRAM [ARGS]" },
	{ "kdump_post", KDUMP_DIR_KDUMP_POST, 1, 0, false, false, conf_on_hook,
	  "kdump_post PROGRAM [ARGS]" },
	{ "failure_action", KDUMP_DIR_FAILURE_ACTION, 1, 1, false, false, conf_on_action,
	  "failure_action reboot|halt|poweroff|shell|dump_to_rootfs" },
	{ "default", KDUMP_DIR_FAILURE_ACTION, 1, 1, false, false, conf_on_action,
	  "failure_action reboot|halt|poweroff|shell|dump_to_rootfs" },
	{ "final_action", KDUMP_DIR_FINAL_ACTION, 1, 1, false, false, conf_on_action,
	  "final_action reboot|halt|poweroff" },
	{ "extra_bins", KDUMP_DIR_EXTRA_BINS, 1, 0, true, false, conf_on_list, "extra_bins PROGRAM..." },
	{ "extra_modules", KDUMP_DIR_EXTRA_MODULES, 1, 0, true, false, conf_on_list,
	  "extra_modules MODULE..." },
	{ "dracut_args", KDUMP_DIR_DRACUT_ARGS, 1, 0, true, false, conf_on_list, "dracut_args ARGS..." },
	{ "force_rebuild", KDUMP_DIR_FORCE_REBUILD, 1, 1, false, false, conf_on_bool,
	  "force_rebuild 0|1" },
	{ "force_no_rebuild", KDUMP_DIR_FORCE_NO_REBUILD, 1, 1, false, false, conf_on_bool,
	  "force_no_rebuild 0|1" },
	{ "keep_old_dumps", KDUMP_DIR_KEEP_OLD_DUMPS, 1, 1, false, false, conf_on_number,
	  "keep_old_dumps N|all" },
	{ "min_free_space", KDUMP_DIR_MIN_FREE_SPACE, 1, 1, false, false, conf_on_number,
	  "min_free_space SIZE" },
	{ "auto_reset_crashkernel", KDUMP_DIR_AUTO_RESET_CRASHKERNEL, 1, 1, false, false, conf_on_bool,
	  "auto_reset_crashkernel yes|no" },
};

/* Directives of other kdump implementations: known, refused with a precise reason. */
static const struct {
	const char *name;
	int error;
	const char *message;
	const char *hint;
} foreign[] = {
	{ "ext2", -EINVAL, "ext2 filesystems are mounted with the ext4 driver", "write 'ext4 DEVICE'" },
	{ "ext3", -EINVAL, "ext3 filesystems are mounted with the ext4 driver", "write 'ext4 DEVICE'" },
	{ "minix", -EOPNOTSUPP, "minix dump targets are not supported", "use ext4, xfs or btrfs" },
	{ "virtiofs", -EOPNOTSUPP, "virtiofs dump targets are not supported",
	  "use ext4, xfs or btrfs" },
	{ "kdump_emergency", -EOPNOTSUPP, "kdump_emergency is not supported",
	  "kdump_post runs after every attempt and gets its result; 'failure_action shell' "
	  "gives a shell" },
	{ "fence_kdump_args", -EOPNOTSUPP, "fence_kdump is not supported", NULL },
	{ "fence_kdump_nodes", -EOPNOTSUPP, "fence_kdump is not supported", NULL },
	{ "net", -EINVAL, "'net' is obsolete (Fedora's kdump dropped it too)",
	  "network targets are 'ssh USER@HOST' and 'nfs HOST:/EXPORT'" },
	{ "options", -EINVAL, "'options' is obsolete (Fedora's kdump dropped it too)",
	  "pass module options with dracut_args --kernel-cmdline" },
	{ "link_delay", -EINVAL, "'link_delay' is obsolete (Fedora's kdump dropped it too)", NULL },
	{ "disk_timeout", -EINVAL, "'disk_timeout' is obsolete (Fedora's kdump dropped it too)", NULL },
	{ "debug_mem_level", -EINVAL, "'debug_mem_level' is obsolete (Fedora's kdump dropped it too)",
	  NULL },
	{ "blacklist", -EINVAL, "'blacklist' is obsolete (Fedora's kdump dropped it too)",
	  "leave modules out with dracut_args --omit-drivers" },
};

static int unknown_directive(ParseState *s, const char *name)
{
	const char *names[ELEMENTSOF(directives) + 1] = { NULL };
	const char *near;
	int r;

	for (size_t i = 0; i < ELEMENTSOF(foreign); i++)
		if (strcmp(name, foreign[i].name) == 0) {
			r = problem(s, KDUMP_SEVERITY_ERROR, foreign[i].error, "%s", foreign[i].message);
			if (r >= 0 && foreign[i].hint)
				r = hint(s, "%s", foreign[i].hint);
			return r;
		}
	for (size_t i = 0; i < ELEMENTSOF(directives); i++)
		names[i] = directives[i].name;
	r = error(s, "unknown directive '%s'", name);
	if (r < 0)
		return r;
	near = kdump_closest(name, names);
	if (near)
		return hint(s, "did you mean '%s'?", near);
	return hint(s, "kdump.conf(5) lists the directives");
}

static int parse_line(ParseState *s, unsigned *seen, const char *line, size_t len)
{
	const Directive *d = NULL;
	const char *why;
	ConfLine l;
	size_t n;
	int r;

	if (len > MAX_LINE)
		return error(s, "the line is longer than %d characters", MAX_LINE);
	r = conf_split_line(line, len, &l, &why);
	if (r == -EINVAL)
		return error(s, "%s", why);
	if (r < 0 || l.n == 0)
		return r;
	for (size_t i = 0; i < ELEMENTSOF(directives); i++)
		if (strcmp(l.words[0].text, directives[i].name) == 0)
			d = &directives[i];
	n = l.n - 1;
	if (!d)
		r = unknown_directive(s, l.words[0].text);
	else if (n < d->min_args || (d->max_args && n > d->max_args)) {
		r = n < d->min_args ? error(s, "'%s' needs a value", d->name)
				    : error(s, "'%s' takes one value, not %zu", d->name, n);
		if (r >= 0)
			r = hint(s, "usage: %s%s", d->usage, n > 1 ? "; quote a value with spaces" : "");
	} else if (d->target && s->target_line) {
		r = error(s, "a second dump target '%s' (the first, '%s', is on line %u)", d->name,
			  s->target_name, s->target_line);
		if (r >= 0)
			r = hint(s, "kdump saves to one target: remove one of the lines");
	} else if (!d->repeatable && seen[d->id]) {
		r = error(s, "'%s' %s again (first on line %u)", d->name,
			  strcmp(d->name, "default") == 0 ? "sets failure_action" : "is set",
			  seen[d->id]);
		if (r >= 0)
			r = hint(s, "remove one of the lines");
	} else {
		seen[d->id] = s->line;
		s->c->line[d->id] = s->line;
		if (d->target) {
			s->target_line = s->line;
			s->target_name = d->name;
		}
		r = d->handler(s, d, l.words + 1, n);
	}
	conf_line_done(&l);
	return r;
}

/* Problems that involve more than one line. */
static int check_combinations(ParseState *s)
{
	KdumpConfig *c = s->c;
	int r = 0;

	if (c->force_rebuild && c->force_no_rebuild) {
		s->line = MAX(c->line[KDUMP_DIR_FORCE_REBUILD], c->line[KDUMP_DIR_FORCE_NO_REBUILD]);
		r = error(s, "force_rebuild 1 and force_no_rebuild 1 contradict each other");
		if (r >= 0)
			r = hint(s, "keep one of them");
	}
	if (r >= 0 && c->failure_action == KDUMP_ACTION_DUMP_TO_ROOTFS &&
	    c->target == KDUMP_TARGET_ROOTFS && !c->line[KDUMP_DIR_SSH] && !c->line[KDUMP_DIR_NFS]) {
		s->line = c->line[KDUMP_DIR_FAILURE_ACTION];
		r = problem(s, KDUMP_SEVERITY_WARNING, 0, "failure_action dump_to_rootfs adds nothing: "
			    "the dump already goes to the root filesystem");
		if (r >= 0)
			r = hint(s, "choose reboot, halt, poweroff or shell");
	}
	if (r >= 0 && c->line[KDUMP_DIR_SSHKEY] && c->target != KDUMP_TARGET_SSH) {
		s->line = c->line[KDUMP_DIR_SSHKEY];
		r = problem(s, KDUMP_SEVERITY_WARNING, 0, "sshkey is used only with an ssh target");
		if (r >= 0)
			r = hint(s, "remove the line, or name the server with 'ssh USER@HOST'");
	}
	if (r >= 0 && c->target == KDUMP_TARGET_SSH &&
	    (c->line[KDUMP_DIR_KEEP_OLD_DUMPS] || c->line[KDUMP_DIR_MIN_FREE_SPACE])) {
		s->line = MAX(c->line[KDUMP_DIR_KEEP_OLD_DUMPS], c->line[KDUMP_DIR_MIN_FREE_SPACE]);
		r = problem(s, KDUMP_SEVERITY_WARNING, 0, "keep_old_dumps and min_free_space are "
			    "not applied on an ssh server");
		if (r >= 0)
			r = hint(s, "clean up old dumps on the server itself");
	}
	return r;
}

int kdump_config_parse_string(const char *filename, const char *text, KdumpConfig **ret,
			      KdumpDiags *diags)
{
	_cleanup_config_free_ KdumpConfig *c = NULL;
	ParseState s = { .diags = diags, .file = filename };
	unsigned seen[_KDUMP_DIR_MAX] = { 0 };
	size_t errors_before = diags->n_errors;
	int r;

	r = kdump_config_new(&c);
	if (r < 0)
		return r;
	s.c = c;
	for (const char *p = text; *p;) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);

		s.line++;
		r = parse_line(&s, seen, p, len);
		if (r < 0)
			return r;
		p += len + (nl ? 1 : 0);
	}
	r = check_combinations(&s);
	if (r < 0)
		return r;
	if (diags->n_errors > errors_before)
		return -EINVAL;
	*ret = TAKE_PTR(c);
	return 0;
}

int kdump_config_new(KdumpConfig **ret)
{
	static const char *const collector[] = { "makedumpfile-lite", "-z", "-d", "31" };
	KdumpConfig *c = calloc(1, sizeof(*c));
	int r = 0;

	if (!c)
		return -ENOMEM;
	c->target = KDUMP_TARGET_ROOTFS;
	c->failure_action = KDUMP_ACTION_REBOOT;
	c->final_action = KDUMP_ACTION_REBOOT;
	c->keep_old_dumps = KDUMP_KEEP_ALL;
	c->path = strdup(KDUMP_DEFAULT_PATH);
	c->sshkey = strdup(KDUMP_DEFAULT_SSHKEY);
	for (size_t i = 0; i < ELEMENTSOF(collector) && r == 0; i++)
		r = kdump_strv_push(&c->core_collector, collector[i]);
	if (!c->path || !c->sshkey || r < 0) {
		kdump_config_free(c);
		return -ENOMEM;
	}
	*ret = c;
	return 0;
}

void kdump_config_free(KdumpConfig *c)
{
	if (!c)
		return;
	free(c->path);
	free(c->fstype);
	free(c->device);
	free(c->ssh);
	free(c->sshkey);
	free(c->nfs);
	kdump_strv_free(c->core_collector);
	kdump_strv_free(c->kdump_pre);
	kdump_strv_free(c->kdump_post);
	kdump_strv_free(c->dracut_args);
	kdump_strv_free(c->extra_bins);
	kdump_strv_free(c->extra_modules);
	free(c);
}

const char *kdump_directive_to_string(KdumpDirective d)
{
	if (d == KDUMP_DIR_TARGET_FS)
		return "ext4|xfs|btrfs";
	for (size_t i = 0; i < ELEMENTSOF(directives); i++)
		if (directives[i].id == d)
			return directives[i].name;
	return NULL;
}

const char *kdump_target_type_to_string(KdumpTargetType t)
{
	static const char *const names[] = { "rootfs", "fs", "raw", "ssh", "nfs" };

	return (unsigned)t < ELEMENTSOF(names) ? names[t] : NULL;
}
