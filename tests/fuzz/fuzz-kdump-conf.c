/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * /etc/kdump.conf (kdump/lib/config*.c): the input is the file. It is parsed from a string
 * (up to its first NUL, as a C string ends) and read from a file (kdump_config_parse_file(),
 * which refuses a NUL byte). Then every field of the result, every diagnostic formatted as
 * 'kdumpctl check-config' prints it, the name tables, the device resolution (with a fake
 * resolver) and kdump_config_check_stat() on attributes taken from the input. Besides the
 * sanitizers, checks what kdump-config.h promises (and the network target parsers, on the
 * first line of the input too):
 *   - -EINVAL exactly when an error was reported, *ret written only on success; every
 *     diagnostic names the file and a line of it;
 *   - a successful parse holds only what the value checks let through: an absolute path, a
 *     dump target with a valid device, or an ssh or nfs target that kdump_ssh_target_parse()
 *     and kdump_nfs_target_parse() take apart, makedumpfile-lite as the collector, programs
 *     and modules with valid names, a final_action that is one, never force_rebuild with
 *     force_no_rebuild;
 *   - the result written back as a file (every word double-quoted) parses to the same.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "kdump-config.h"
#include "kdump-util.h"

#define FILENAME "kdump.conf"
/* config.c's longest line */
#define MAX_LINE 4096

static unsigned count_lines(const char *text)
{
	unsigned n = 0;
	const char *p = text;

	for (; *p; p++)
		n += *p == '\n';
	return n + (p > text && p[-1] != '\n');
}

/* Lines of the whole input, NUL bytes included (where the file reader reports a NUL). */
static unsigned count_all_lines(const uint8_t *data, size_t size)
{
	unsigned n = 1;

	for (size_t i = 0; i < size; i++)
		n += data[i] == '\n';
	return n;
}

static void check_diags(const KdumpDiags *d, const char *file, unsigned lines)
{
	size_t errors = 0;

	FUZZ_CHECK(d->n <= d->allocated);
	for (size_t i = 0; i < d->n; i++) {
		const KdumpDiag *x = &d->items[i];
		char *s = NULL;

		FUZZ_CHECK(x->severity == KDUMP_SEVERITY_ERROR || x->severity == KDUMP_SEVERITY_WARNING);
		FUZZ_CHECK(x->error <= 0 && x->message && x->file && strcmp(x->file, file) == 0);
		FUZZ_CHECK(x->line <= lines);
		errors += x->severity == KDUMP_SEVERITY_ERROR;
		FUZZ_CHECK(kdump_diag_format(x, &s) == 0 && strstr(s, x->message));
		fuzz_touch_str(s);
		fuzz_touch_str(x->hint);
		free(s);
	}
	FUZZ_CHECK(errors == d->n_errors);
}

static bool streq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool strv_equal(char *const *a, char *const *b)
{
	size_t n = kdump_strv_length(a);

	if (n != kdump_strv_length(b))
		return false;
	for (size_t i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return false;
	return true;
}

static bool same(const KdumpConfig *a, const KdumpConfig *b)
{
	return streq_null(a->path, b->path) && a->target == b->target &&
	       streq_null(a->fstype, b->fstype) && streq_null(a->device, b->device) &&
	       streq_null(a->ssh, b->ssh) && streq_null(a->sshkey, b->sshkey) &&
	       streq_null(a->nfs, b->nfs) && strv_equal(a->core_collector, b->core_collector) &&
	       strv_equal(a->kdump_pre, b->kdump_pre) && strv_equal(a->kdump_post, b->kdump_post) &&
	       strv_equal(a->dracut_args, b->dracut_args) &&
	       strv_equal(a->extra_bins, b->extra_bins) &&
	       strv_equal(a->extra_modules, b->extra_modules) &&
	       a->failure_action == b->failure_action && a->final_action == b->final_action &&
	       a->force_rebuild == b->force_rebuild && a->force_no_rebuild == b->force_no_rebuild &&
	       a->keep_old_dumps == b->keep_old_dumps && a->min_free_space == b->min_free_space;
}

/* ---- writing a configuration back ---- */

typedef struct Out {
	FILE *f;
	size_t line_len;
	bool too_long;
} Out;

static void out_raw(Out *o, const char *s)
{
	fputs(s, o->f);
	o->line_len += strlen(s);
}

static void out_word(Out *o, const char *w)
{
	fputs(" \"", o->f);
	o->line_len += 3;
	for (; *w; w++) {
		if (strchr("\\\"$`", *w)) {
			fputc('\\', o->f);
			o->line_len++;
		}
		fputc(*w, o->f);
		o->line_len++;
	}
	fputc('"', o->f);
}

static void out_end(Out *o)
{
	fputc('\n', o->f);
	if (o->line_len > MAX_LINE)
		o->too_long = true;
	o->line_len = 0;
}

static void out_directive(Out *o, const char *name, char *const *words)
{
	out_raw(o, name);
	for (size_t i = 0; words && words[i]; i++)
		out_word(o, words[i]);
	out_end(o);
}

/* Repeatable directives: one word a line, so that no line grows past the limit. */
static void out_list(Out *o, const char *name, char *const *words)
{
	for (size_t i = 0; words && words[i]; i++) {
		out_raw(o, name);
		out_word(o, words[i]);
		out_end(o);
	}
}

static void check_roundtrip(const KdumpConfig *c)
{
	KdumpConfig *again = NULL;
	KdumpDiags diags;
	char *text = NULL, num[32];
	size_t len = 0;
	Out o = { .f = open_memstream(&text, &len) };

	if (!o.f)
		abort();
	out_raw(&o, "path");
	out_word(&o, c->path);
	out_end(&o);
	if (c->target == KDUMP_TARGET_FS || c->target == KDUMP_TARGET_RAW) {
		out_raw(&o, c->target == KDUMP_TARGET_RAW ? "raw" : c->fstype);
		out_word(&o, c->device);
		out_end(&o);
	} else if (c->target != KDUMP_TARGET_ROOTFS) {
		out_raw(&o, c->target == KDUMP_TARGET_SSH ? "ssh" : "nfs");
		out_word(&o, c->target == KDUMP_TARGET_SSH ? c->ssh : c->nfs);
		out_end(&o);
	}
	out_raw(&o, "sshkey");
	out_word(&o, c->sshkey);
	out_end(&o);
	out_directive(&o, "core_collector", c->core_collector);
	if (c->kdump_pre)
		out_directive(&o, "kdump_pre", c->kdump_pre);
	if (c->kdump_post)
		out_directive(&o, "kdump_post", c->kdump_post);
	fprintf(o.f, "failure_action %s\nfinal_action %s\n",
		kdump_action_to_string(c->failure_action), kdump_action_to_string(c->final_action));
	out_list(&o, "extra_bins", c->extra_bins);
	out_list(&o, "extra_modules", c->extra_modules);
	out_list(&o, "dracut_args", c->dracut_args);
	fprintf(o.f, "force_rebuild %d\nforce_no_rebuild %d\n", c->force_rebuild,
		c->force_no_rebuild);
	if (c->keep_old_dumps == KDUMP_KEEP_ALL)
		snprintf(num, sizeof(num), "all");
	else
		snprintf(num, sizeof(num), "%u", c->keep_old_dumps);
	fprintf(o.f, "keep_old_dumps %s\nmin_free_space %llu\n", num,
		(unsigned long long)c->min_free_space);
	if (fclose(o.f) != 0)
		abort();

	if (!o.too_long) {
		kdump_diags_init(&diags);
		FUZZ_CHECK(kdump_config_parse_string("written-back.conf", text, &again, &diags) == 0);
		FUZZ_CHECK(same(c, again));
		kdump_config_free(again);
		kdump_diags_done(&diags);
	}
	free(text);
}

/* ---- what a successful parse holds ---- */

static void check_program(const char *p)
{
	FUZZ_CHECK(p && p[0] && (p[0] == '/' || !strchr(p, '/')));
	for (; *p; p++)
		FUZZ_CHECK((unsigned char)*p >= 0x20 && *p != 0x7f);
}

static void touch_strv(char *const *l)
{
	for (size_t i = 0; l && l[i]; i++)
		fuzz_touch_str(l[i]);
}

static int fake_resolver(const char *spec, char **ret, void *userdata)
{
	unsigned *calls = userdata;

	(*calls)++;
	if (strncmp(spec, "UUID=", 5) == 0)
		return (*ret = strdup("/dev/disk/by-uuid/fuzz")) ? 0 : -ENOMEM;
	if (strncmp(spec, "LABEL=", 6) == 0)
		return (*ret = strdup("not-a-path")) ? 0 : -ENOMEM; /* a broken resolver */
	return strncmp(spec, "PARTUUID=", 9) == 0 ? -EIO : -ENODEV;
}

static void check_device(const char *device)
{
	char *dev = (char *)&device, *const untouched = dev;
	KdumpError e = { 0 };
	unsigned calls = 0;
	int r;

	FUZZ_CHECK(device && kdump_device_spec_valid(device));
	r = kdump_resolve_device(device, fake_resolver, &calls, &dev, &e);
	if (r < 0) {
		FUZZ_CHECK(dev == untouched && e.error == r);
		FUZZ_CHECK(memchr(e.message, '\0', sizeof(e.message)));
		return;
	}
	FUZZ_CHECK(dev && dev != untouched && dev[0] == '/');
	FUZZ_CHECK(calls == (device[0] == '/' ? 0u : 1u));
	free(dev);
}

/* kdump_ssh_target_parse(): its answer, and what a success holds. */
static int check_ssh(const char *spec)
{
	KdumpSshTarget t, untouched;
	char buf[300];
	int r;

	memset(&t, 0xa5, sizeof(t));
	memcpy(&untouched, &t, sizeof(t));
	r = kdump_ssh_target_parse(spec, &t);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL && memcmp(&t, &untouched, sizeof(t)) == 0);
		return r;
	}
	FUZZ_CHECK(r == 0 && t.user[0] && t.user[0] != '-' && memchr(t.user, '\0', sizeof(t.user)));
	FUZZ_CHECK(t.host[0] && memchr(t.host, '\0', sizeof(t.host)));
	FUZZ_CHECK(t.ipv6 || t.host[0] != '-');
	FUZZ_CHECK(t.port >= 1 && t.port <= 65535);
	/* [host]:port fits in 300 bytes; a buffer too small is refused, not overrun */
	FUZZ_CHECK(kdump_ssh_known_hosts_name(&t, buf, sizeof(buf)) == 0);
	fuzz_touch_str(buf);
	r = kdump_ssh_known_hosts_name(&t, buf, strlen(buf));
	FUZZ_CHECK(r == -ENAMETOOLONG);
	return 0;
}

static int check_nfs(const char *spec)
{
	KdumpNfsTarget t, untouched;
	int r;

	memset(&t, 0xa5, sizeof(t));
	memcpy(&untouched, &t, sizeof(t));
	r = kdump_nfs_target_parse(spec, &t);
	if (r < 0) {
		FUZZ_CHECK(r == -EINVAL && memcmp(&t, &untouched, sizeof(t)) == 0);
		return r;
	}
	FUZZ_CHECK(r == 0 && t.host[0] && memchr(t.host, '\0', sizeof(t.host)));
	FUZZ_CHECK(t.export[0] == '/' && memchr(t.export, '\0', sizeof(t.export)));
	FUZZ_CHECK(t.ipv6 || t.host[0] != '-');
	return 0;
}

static void check_valid(const KdumpConfig *c, unsigned lines)
{
	const char *base;

	FUZZ_CHECK(c->path && c->path[0] == '/');
	fuzz_touch_str(c->path);
	switch (c->target) {
	case KDUMP_TARGET_ROOTFS:
		FUZZ_CHECK(!c->device && !c->fstype);
		break;
	case KDUMP_TARGET_FS:
		FUZZ_CHECK(c->fstype && (!strcmp(c->fstype, "ext4") || !strcmp(c->fstype, "xfs") ||
					 !strcmp(c->fstype, "btrfs")));
		check_device(c->device);
		break;
	case KDUMP_TARGET_RAW:
		FUZZ_CHECK(!c->fstype);
		check_device(c->device);
		break;
	case KDUMP_TARGET_SSH:
		FUZZ_CHECK(c->ssh && !c->device && !c->fstype);
		break;
	case KDUMP_TARGET_NFS:
		FUZZ_CHECK(c->nfs && !c->device && !c->fstype);
		break;
	default:
		__builtin_trap();
	}
	/* the network targets as the capture agent takes them apart */
	FUZZ_CHECK(!c->ssh == (c->target != KDUMP_TARGET_SSH));
	FUZZ_CHECK(!c->nfs == (c->target != KDUMP_TARGET_NFS));
	if (c->ssh)
		FUZZ_CHECK(check_ssh(c->ssh) == 0);
	if (c->nfs)
		FUZZ_CHECK(check_nfs(c->nfs) == 0);
	FUZZ_CHECK(c->sshkey && c->sshkey[0] == '/');
	fuzz_touch_str(c->sshkey);
	FUZZ_CHECK(kdump_target_type_to_string(c->target));

	FUZZ_CHECK(c->core_collector && c->core_collector[0]);
	base = strrchr(c->core_collector[0], '/');
	base = base ? base + 1 : c->core_collector[0];
	FUZZ_CHECK(!strcmp(base, "makedumpfile-lite") || !strcmp(base, "makedumpfile"));
	FUZZ_CHECK(!strchr(c->core_collector[0], '/') || c->core_collector[0][0] == '/');
	touch_strv(c->core_collector);
	if (c->kdump_pre)
		check_program(c->kdump_pre[0]);
	if (c->kdump_post)
		check_program(c->kdump_post[0]);
	touch_strv(c->kdump_pre);
	touch_strv(c->kdump_post);
	for (size_t i = 0; c->extra_bins && c->extra_bins[i]; i++)
		check_program(c->extra_bins[i]);
	for (size_t i = 0; c->extra_modules && c->extra_modules[i]; i++) {
		const char *m = c->extra_modules[i];

		FUZZ_CHECK(m[0] && strspn(m, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
					  "0123456789_-") == strlen(m));
	}
	for (size_t i = 0; c->dracut_args && c->dracut_args[i]; i++)
		FUZZ_CHECK(strcmp(c->dracut_args[i], "--mount") != 0 &&
			   strncmp(c->dracut_args[i], "--mount=", 8) != 0);
	touch_strv(c->dracut_args);

	FUZZ_CHECK((unsigned)c->failure_action < _KDUMP_ACTION_MAX);
	FUZZ_CHECK(c->final_action == KDUMP_ACTION_REBOOT || c->final_action == KDUMP_ACTION_HALT ||
		   c->final_action == KDUMP_ACTION_POWEROFF);
	FUZZ_CHECK(!(c->force_rebuild && c->force_no_rebuild));
	for (unsigned d = 0; d < _KDUMP_DIR_MAX; d++) {
		FUZZ_CHECK(c->line[d] <= lines);
		FUZZ_CHECK(kdump_directive_to_string((KdumpDirective)d));
	}
	FUZZ_CHECK(!kdump_directive_to_string(_KDUMP_DIR_MAX));
	for (unsigned a = 0; a <= _KDUMP_ACTION_MAX; a++) {
		const char *name = kdump_action_to_string((KdumpAction)a);
		KdumpAction back;

		FUZZ_CHECK(!name == (a == _KDUMP_ACTION_MAX));
		FUZZ_CHECK(!name || (kdump_action_from_string(name, &back) == 0 && back == a));
	}
}

/* ---- the file's attributes ---- */

static void check_stat(const uint8_t *data, size_t size)
{
	struct stat st = { 0 };
	KdumpError e = { 0 };
	uint32_t bits[3] = { 0 };
	uid_t euid;
	int r;

	memcpy(bits, data, MIN_SIZE(size, sizeof(bits)));
	st.st_mode = (mode_t)bits[0];
	st.st_uid = (uid_t)(bits[1] & 0x8000ffff);
	euid = (uid_t)(bits[2] & 0x8000ffff);
	r = kdump_config_check_stat("/etc/kdump.conf", &st, euid, &e);
	if (r == 0)
		FUZZ_CHECK(S_ISREG(st.st_mode) && !(st.st_mode & (S_IWGRP | S_IWOTH)) &&
			   (st.st_uid == 0 || (euid != 0 && st.st_uid == euid)));
	else
		FUZZ_CHECK((r == -EPERM || r == -EINVAL) && e.error == r);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *text = fuzz_strndup(data, size), path[64];
	KdumpConfig *const untouched = (KdumpConfig *)&text;
	KdumpConfig *c = untouched, *f = untouched;
	unsigned lines = count_lines(text);
	const uint8_t *nul = size ? memchr(data, '\0', size) : NULL;
	KdumpDiags diags;
	int r, fd;

	kdump_diags_init(&diags);
	r = kdump_config_parse_string(FILENAME, text, &c, &diags);
	check_diags(&diags, FILENAME, lines);
	FUZZ_CHECK(r == 0 || r == -EINVAL);
	FUZZ_CHECK((r < 0) == (diags.n_errors > 0));
	if (r < 0) {
		FUZZ_CHECK(c == untouched);
	} else {
		FUZZ_CHECK(c && c != untouched);
		check_valid(c, lines);
		check_roundtrip(c);
	}
	kdump_diags_done(&diags);

	/* The same bytes from a file: refused at a NUL, else the same answer. */
	fd = fuzz_memfd();
	fuzz_set_file(fd, data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	kdump_diags_init(&diags);
	r = kdump_config_parse_file(path, false, &f, &diags);
	check_diags(&diags, path, nul ? count_all_lines(data, size) : lines);
	if (nul) {
		FUZZ_CHECK(r == -EINVAL && f == untouched && diags.n_errors > 0);
	} else {
		FUZZ_CHECK((r == 0) == (c != untouched));
		FUZZ_CHECK(r < 0 || same(c, f));
	}
	if (r == 0)
		kdump_config_free(f);
	kdump_diags_done(&diags);
	if (c != untouched)
		kdump_config_free(c);

	check_stat(data, size);
	/* the network target parsers on the first line, as a value */
	text[strcspn(text, "\n")] = '\0';
	(void)check_ssh(text);
	(void)check_nfs(text);
	free(text);
	return 0;
}
