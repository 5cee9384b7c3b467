/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* One handler per kdump.conf directive: check the values, store them, report problems. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"
#include "kdump-util.h"
#include "parse-util.h"

#define error(s, ...) conf_error(s, __VA_ARGS__)
#define hint(s, ...) conf_hint(s, __VA_ARGS__)
#define problem conf_problem
#define error_hint conf_error_hint

static int set_string(char **field, const char *value)
{
	char *v = strdup(value);

	if (!v)
		return -ENOMEM;
	free(*field);
	*field = v;
	return 0;
}

int conf_on_path(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	const char *h, *m = conf_check_path(v[0].text, &h);

	if (m)
		return error_hint(s, -EINVAL, m, h, v[0].text);
	return set_string(&s->c->path, v[0].text);
}

int conf_on_device_target(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	const char *h, *m = conf_check_device(v[0].text, &h);
	int r;

	if (m)
		return error_hint(s, -EINVAL, m, h, v[0].text);
	s->c->target = d->id == KDUMP_DIR_RAW ? KDUMP_TARGET_RAW : KDUMP_TARGET_FS;
	if (d->id == KDUMP_DIR_TARGET_FS && (r = set_string(&s->c->fstype, d->name)) < 0)
		return r;
	return set_string(&s->c->device, v[0].text);
}

/*
 * A target as messages may show it: a password in it (USER:PASSWORD@HOST, refused anyway) is
 * never repeated, since diagnostics reach the console and the journal.
 */
static const char *without_password(const char *value, char *buf, size_t len)
{
	const char *at = strrchr(value, '@'), *colon = strchr(value, ':');

	if (!at || !colon || colon > at)
		return value;
	snprintf(buf, len, "%.*s:***%s", (int)(colon - value), value, at);
	return buf;
}

int conf_on_network(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	const char *h, *m;
	char **field, shown[512];
	int r;

	switch (d->id) {
	case KDUMP_DIR_SSH:
		m = conf_check_ssh(v[0].text, &h);
		field = &s->c->ssh;
		break;
	case KDUMP_DIR_NFS:
		m = conf_check_nfs(v[0].text, &h);
		field = &s->c->nfs;
		break;
	default:
		m = v[0].text[0] == '/' ? conf_check_path(v[0].text, &h) :
					  "the key file must be an absolute path";
		if (v[0].text[0] != '/')
			h = NULL;
		field = &s->c->sshkey;
		break;
	}
	if (m)
		return error_hint(s, -EINVAL, m, h, without_password(v[0].text, shown, sizeof(shown)));
	if ((r = set_string(field, v[0].text)) < 0)
		return r;
	if (d->id != KDUMP_DIR_SSHKEY)
		s->c->target = d->id == KDUMP_DIR_SSH ? KDUMP_TARGET_SSH : KDUMP_TARGET_NFS;
	return 0;
}

/* Words to an argv; refuses shell syntax. Returns 1 with *ret, 0 when reported, or -ENOMEM. */
static int take_argv(ParseState *s, const Directive *d, ConfWord *v, size_t n, char ***ret)
{
	_cleanup_strv_free_ char **argv = NULL;
	int r;

	for (size_t i = 0; i < n; i++)
		if (v[i].meta) {
			r = error(s, "'%s' is run without a shell, but '%s' has shell syntax ('%c')",
				  d->name, v[i].text, v[i].meta);
			if (r >= 0)
				r = hint(s, "quote the character, or ask for a shell: "
					    "%s sh -c '...'", d->name);
			return r < 0 ? r : 0;
		}
	for (size_t i = 0; i < n; i++)
		if ((r = kdump_strv_push(&argv, v[i].text)) < 0)
			return r;
	*ret = TAKE_PTR(argv);
	return 1;
}

int conf_on_collector(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	const char *prog = v[0].text, *base = strrchr(prog, '/');
	char **argv;
	int r;

	base = base ? base + 1 : prog;
	if ((strchr(prog, '/') && prog[0] != '/') ||
	    (strcmp(base, "makedumpfile-lite") != 0 && strcmp(base, "makedumpfile") != 0)) {
		r = error(s, "core_collector must run makedumpfile-lite (or makedumpfile, its alias), "
			     "not '%s'", prog);
		if (r >= 0)
			r = hint(s, "e.g. 'core_collector makedumpfile-lite -z -d 31'; the capture "
				    "agent runs the collector itself, so cp, dd and scp are not used");
		return r;
	}
	r = take_argv(s, d, v, n, &argv);
	if (r <= 0)
		return r;
	kdump_strv_free(s->c->core_collector);
	s->c->core_collector = argv;
	return 0;
}

int conf_on_hook(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	const char *h, *m = conf_check_program(v[0].text, &h);
	char **argv, ***field = d->id == KDUMP_DIR_KDUMP_PRE ? &s->c->kdump_pre : &s->c->kdump_post;
	int r;

	if (m)
		return error_hint(s, -EINVAL, m, h, v[0].text);
	r = take_argv(s, d, v, n, &argv);
	if (r <= 0)
		return r;
	kdump_strv_free(*field);
	*field = argv;
	return 0;
}

static const char *const action_names[_KDUMP_ACTION_MAX] = {
	[KDUMP_ACTION_REBOOT] = "reboot",
	[KDUMP_ACTION_HALT] = "halt",
	[KDUMP_ACTION_POWEROFF] = "poweroff",
	[KDUMP_ACTION_SHELL] = "shell",
	[KDUMP_ACTION_DUMP_TO_ROOTFS] = "dump_to_rootfs",
};

int conf_on_action(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	bool final = d->id == KDUMP_DIR_FINAL_ACTION;
	size_t max = final ? KDUMP_ACTION_SHELL : _KDUMP_ACTION_MAX;
	const char *names[_KDUMP_ACTION_MAX + 1] = { NULL };
	KdumpAction a;
	const char *near;
	int r;

	for (size_t i = 0; i < max; i++)
		names[i] = action_names[i];
	if (kdump_action_from_string(v[0].text, &a) == 0 && (size_t)a < max) {
		if (final)
			s->c->final_action = a;
		else
			s->c->failure_action = a;
		if (strcmp(d->name, "default") == 0) {
			r = problem(s, KDUMP_SEVERITY_WARNING, 0,
				    "'default' is the old name of 'failure_action'");
			return r < 0 ? r : hint(s, "write 'failure_action %s'", v[0].text);
		}
		return 0;
	}
	r = error(s, "'%s' is not a %s", v[0].text, final ? "final_action" : "failure_action");
	if (r < 0)
		return r;
	near = kdump_closest(v[0].text, names);
	if (final && kdump_action_from_string(v[0].text, &a) == 0)
		return hint(s, "final_action is reboot, halt or poweroff; '%s' is a failure_action",
			    v[0].text);
	if (near)
		return hint(s, "did you mean '%s'?", near);
	return hint(s, final ? "final_action is reboot, halt or poweroff"
			     : "failure_action is reboot, halt, poweroff, shell or dump_to_rootfs");
}

int conf_on_list(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	char ***field = d->id == KDUMP_DIR_EXTRA_BINS ? &s->c->extra_bins
			: d->id == KDUMP_DIR_EXTRA_MODULES ? &s->c->extra_modules
							     : &s->c->dracut_args;
	_cleanup_strv_free_ char **argv = NULL;
	int r;

	for (size_t i = 0; i < n; i++) {
		const char *h = NULL, *m = NULL;

		if (d->id == KDUMP_DIR_EXTRA_BINS)
			m = conf_check_program(v[i].text, &h);
		else if (d->id == KDUMP_DIR_EXTRA_MODULES)
			m = conf_check_module(v[i].text, &h);
		else if (strcmp(v[i].text, "--mount") == 0 || strncmp(v[i].text, "--mount=", 8) == 0)
			m = "dracut_args --mount is not supported as a way to name the dump target",
			h = "name the target with 'ext4 DEVICE', 'xfs DEVICE' or 'btrfs DEVICE'";
		if (m)
			return error_hint(s, -EINVAL, m, h, v[i].text);
	}
	r = take_argv(s, d, v, n, &argv);
	if (r <= 0)
		return r;
	for (size_t i = 0; argv[i]; i++)
		if ((r = kdump_strv_push(field, argv[i])) < 0)
			return r;
	return 0;
}

int conf_on_bool(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	bool b;
	int r;

	if (conf_parse_bool(v[0].text, &b) < 0) {
		r = error(s, "%s takes 0 or 1, not '%s'", d->name, v[0].text);
		return r < 0 ? r : hint(s, "write '%s 1' or '%s 0'", d->name, d->name);
	}
	if (d->id == KDUMP_DIR_FORCE_REBUILD)
		s->c->force_rebuild = b;
	else if (d->id == KDUMP_DIR_FORCE_NO_REBUILD)
		s->c->force_no_rebuild = b;
	else {
		r = problem(s, KDUMP_SEVERITY_WARNING, 0, "auto_reset_crashkernel is ignored: "
			    "kdumpctl never changes crashkernel= on its own");
		return r < 0 ? r : hint(s, "'kdumpctl crashkernel --set auto' writes the estimate "
				       "for the next boot; remove this line to silence the warning");
	}
	return 0;
}

int conf_on_number(ParseState *s, const Directive *d, ConfWord *v, size_t n)
{
	uint64_t u;
	uint32_t k;
	int r;

	if (d->id == KDUMP_DIR_MIN_FREE_SPACE) {
		r = parse_size(v[0].text, &u);
		if (r == 0) {
			s->c->min_free_space = u;
			return 0;
		}
		r = error(s, "min_free_space: '%s' is %s", v[0].text,
			  r == -ERANGE ? "too large" : "not a size");
		return r < 0 ? r : hint(s, "a size with a unit, e.g. 'min_free_space 2G'");
	}
	if (strcmp(v[0].text, "all") == 0) {
		s->c->keep_old_dumps = KDUMP_KEEP_ALL;
		return 0;
	}
	r = safe_atou32(v[0].text, 10, &k);
	if (r == 0 && k != KDUMP_KEEP_ALL) {
		s->c->keep_old_dumps = k;
		return 0;
	}
	r = error(s, "keep_old_dumps: '%s' is not a number of dumps", v[0].text);
	return r < 0 ? r : hint(s, "a count such as 'keep_old_dumps 3', or 'all' to delete nothing");
}

const char *kdump_action_to_string(KdumpAction a)
{
	return (unsigned)a < _KDUMP_ACTION_MAX ? action_names[a] : NULL;
}

int kdump_action_from_string(const char *s, KdumpAction *ret)
{
	for (unsigned i = 0; i < _KDUMP_ACTION_MAX; i++)
		if (strcmp(s, action_names[i]) == 0) {
			*ret = (KdumpAction)i;
			return 0;
		}
	return -EINVAL;
}

