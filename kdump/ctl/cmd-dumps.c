/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* list (the saved dumps) and test-panic (make one). */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "io-util.h"
#include "json-writer.h"
#include "kdumpctl.h"

static void format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm) == 0)
		snprintf(buf, size, "?");
}

/* One directory's dumps, and how to show it: the system's path for it. */
typedef struct Listing {
	char *dir;      /* to open */
	char *shown;    /* to print */
	CtlDumps d;
	bool missing;   /* the directory does not exist (yet) */
} Listing;

static void list_text(const Listing *l, size_t n)
{
	char t[32], s[CTL_SIZE_MAX];
	size_t total = 0;

	for (size_t k = 0; k < n; k++)
		total += l[k].d.n;
	if (!total) {
		for (size_t k = 0; k < n; k++)
			printf("No dumps in %s\n", l[k].shown);
		return;
	}
	printf("%-19s  %10s  %-24s  %-10s  %s\n", "TIME (UTC)", "SIZE", "KERNEL", "STATE", "DUMP");
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < l[k].d.n; i++) {
			const CtlDump *x = &l[k].d.items[i];

			format_time(x->time, t, sizeof(t));
			printf("%-19s  %10s  %-24s  %-10s  %s/%s%s%s\n", t,
			       x->file ? ctl_size(x->size, s, sizeof(s)) : "-",
			       x->release ? x->release : "?", ctl_dump_state_name(x->state),
			       l[k].shown, x->dir, x->file ? "/" : "", x->file ? x->file : "");
			if (x->error)
				printf("  %s\n", x->error);
		}
}

static void list_json(const Listing *l, size_t n)
{
	JsonWriter w;
	char t[32];

	json_init(&w, stdout, 1);
	json_begin_object(&w, NULL);
	json_begin_array(&w, "directories");
	for (size_t k = 0; k < n; k++)
		json_string(&w, NULL, l[k].shown);
	json_end_array(&w);
	json_begin_array(&w, "dumps");
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < l[k].d.n; i++) {
			const CtlDump *x = &l[k].d.items[i];

			format_time(x->time, t, sizeof(t));
			json_begin_object(&w, NULL);
			json_string(&w, "directory", l[k].shown);
			json_string(&w, "name", x->dir);
			if (x->file)
				json_string(&w, "file", x->file);
			else
				json_null(&w, "file");
			json_i64(&w, "time", x->time);
			json_string(&w, "time_utc", t);
			json_u64(&w, "size", x->size);
			if (x->release)
				json_string(&w, "kernel_release", x->release);
			else
				json_null(&w, "kernel_release");
			if (x->format)
				json_string(&w, "format", x->format);
			else
				json_null(&w, "format");
			json_string(&w, "state", ctl_dump_state_name(x->state));
			json_bool(&w, "complete", x->state == CTL_DUMP_COMPLETE);
			json_bool(&w, "dmesg", x->has_dmesg);
			if (x->error)
				json_string(&w, "error", x->error);
			else
				json_null(&w, "error");
			json_end_object(&w);
		}
	json_end_array(&w);
	json_end_object(&w);
	json_finish(&w);
}

/* The path as the user knows it: without the --root prefix. */
static char *shown_path(const Ctl *c, const char *p)
{
	size_t n = strlen(c->prefix);

	return strdup(n && strncmp(p, c->prefix, n) == 0 && p[n] == '/' ? p + n : p);
}

static int add_listing(const Ctl *c, Listing *l, size_t *n, char *dir)
{
	int r;

	for (size_t k = 0; k < *n; k++)
		if (strcmp(l[k].dir, dir) == 0) {
			free(dir);
			return 0;
		}
	l[*n] = (Listing){ .dir = dir, .shown = shown_path(c, dir) };
	if (!l[*n].shown)
		return -ENOMEM;
	r = ctl_dumps_scan(dir, &l[*n].d);
	(*n)++;
	if (r == -ENOENT) {
		l[*n - 1].missing = true;
		return 0;
	}
	return r;
}

int cmd_list(Ctl *c)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	KdumpError e = { 0 };
	Listing l[2] = { 0 };
	size_t n = 0;
	KdumpDiags diags;
	char *dir = NULL;
	int r = 0, rc = CTL_EXIT_OK;

	if (c->args->dir) {
		dir = strdup(c->args->dir);
		r = dir ? add_listing(c, l, &n, dir) : -ENOMEM;
	} else {
		kdump_diags_init(&diags);
		r = ctl_config_load(c, &cfg, &diags);
		if (r < 0) {
			ctl_print_diags(&diags, stderr);
			kdump_diags_done(&diags);
			return r == -ENOMEM ? CTL_EXIT_FAILURE : CTL_EXIT_CONFIG;
		}
		kdump_diags_done(&diags);
		if (cfg->target == KDUMP_TARGET_SSH)
			return cmd_list_ssh(c, cfg);
		r = ctl_dumps_dir(c, cfg, &dir, &e);
		if (r == -ENOMEM)
			return CTL_EXIT_FAILURE;
		if (r < 0) {
			/* The target is not mounted: said, and what can be listed still is. */
			fprintf(stderr, "kdumpctl: %s\n", e.error ? e.message : strerror(-r));
			rc = CTL_EXIT_FAILURE;
			r = 0;
		} else
			r = add_listing(c, l, &n, dir);
		/* failure_action dump_to_rootfs puts dumps on the root filesystem too. */
		if (r == 0 && cfg->failure_action == KDUMP_ACTION_DUMP_TO_ROOTFS &&
		    (cfg->target == KDUMP_TARGET_FS || cfg->target == KDUMP_TARGET_NFS)) {
			dir = ctl_path(c, cfg->path);
			r = dir ? add_listing(c, l, &n, dir) : -ENOMEM;
			if (r == 0)
				rc = CTL_EXIT_OK;
		}
	}
	if (r < 0)
		fprintf(stderr, "kdumpctl: cannot read %s: %s\n", n ? l[n - 1].shown : "the dumps",
			strerror(-r));
	else if (n && c->args->json)
		list_json(l, n);
	else if (n)
		list_text(l, n);
	for (size_t k = 0; k < n; k++) {
		free(l[k].dir);
		free(l[k].shown);
		ctl_dumps_done(&l[k].d);
	}
	return r < 0 ? CTL_EXIT_FAILURE : rc;
}

static bool confirmed(const Ctl *c)
{
	char line[16];

	if (c->args->yes)
		return true;
	if (!isatty(STDIN_FILENO)) {
		fprintf(stderr, "kdumpctl: test-panic crashes this system: confirm on a terminal, "
			"or pass --yes\n");
		return false;
	}
	fprintf(stderr, "This crashes the system NOW to test kdump: the capture kernel saves a "
		"dump, then the machine %s.\nType 'yes' to go on: ", "does its final_action");
	if (!fgets(line, sizeof(line), stdin))
		return false;
	line[strcspn(line, "\n")] = '\0';
	return strcmp(line, "yes") == 0;
}

int cmd_test_panic(Ctl *c)
{
	_cleanup_free_ char *trigger = ctl_path(c, "/proc/sysrq-trigger");
	_cleanup_close_ int fd = -1;
	CtlStatus s;
	int r;

	if (!trigger || ctl_status_evaluate(c, &s) < 0)
		return CTL_EXIT_FAILURE;
	if (s.loaded != 1) {
		fprintf(stderr, "kdumpctl: refusing: no capture kernel is loaded, so the crash "
			"would save nothing (kdumpctl status says why; kdumpctl start loads it)\n");
		ctl_status_done(&s);
		return CTL_EXIT_NOT_READY;
	}
	for (size_t i = 0; i < s.n; i++)
		fprintf(stderr, "kdumpctl: %s: %s: %s\n", s.problems[i].warning ? "warning" :
			"not ready", ctl_reason_name(s.problems[i].reason), s.problems[i].message);
	ctl_status_done(&s);
	if (!confirmed(c)) {
		fprintf(stderr, "kdumpctl: not confirmed: nothing done\n");
		return CTL_EXIT_FAILURE;
	}
	/* So that status can tell, after the reboot, whether the capture saved anything. */
	r = ctl_last_test_record(c, (int64_t)time(NULL));
	if (r < 0)
		fprintf(stderr, "kdumpctl: warning: cannot record the test in %s: %s\n",
			CTL_LAST_TEST_PANIC, strerror(-r));
	ctl_log(&c->log, CTL_LOG_NOTICE, "test-panic", NULL,
		"crashing the system through /proc/sysrq-trigger to test kdump");
	sync();
	fd = open(trigger, O_WRONLY | O_CLOEXEC);
	if (fd < 0 || (r = write_all(fd, "c", 1)) < 0) {
		r = fd < 0 ? negative_errno() : r;
		fprintf(stderr, "kdumpctl: cannot write to %s: %s\n", trigger, strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	/* Only a fixture tree gets here. */
	return CTL_EXIT_OK;
}
