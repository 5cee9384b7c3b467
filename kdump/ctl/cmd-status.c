/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* status and check-config. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "json-writer.h"
#include "kdumpctl.h"

static void print_text(const CtlStatus *s)
{
	char a[CTL_SIZE_MAX];

	printf("kdump: %s\n", s->ready ? "ready" : "not ready");
	printf("  capture kernel:  %s\n", s->loaded == 1 ? "loaded" :
					   s->loaded == 0 ? "not loaded" : "unknown");
	printf("  kernel release:  %s\n", s->kver[0] ? s->kver : "unknown");
	if (s->reserved > 0)
		printf("  reserved memory: %s\n", ctl_size((uint64_t)s->reserved, a, sizeof(a)));
	else
		printf("  reserved memory: %s\n", s->reserved == 0 ? "none" : "unknown");
	printf("  initramfs:       %s\n", s->initramfs);
	printf("  configuration:   %s\n", s->config);
	for (size_t i = 0; i < s->n; i++) {
		const CtlProblem *p = &s->problems[i];

		printf("%s %s: %s\n", p->warning ? "warning" : "not ready:",
		       ctl_reason_name(p->reason), p->message);
		if (p->hint)
			printf("  fix: %s\n", p->hint);
	}
}

static void print_json(const CtlStatus *s)
{
	JsonWriter w;

	json_init(&w, stdout, 1);
	json_begin_object(&w, NULL);
	json_bool(&w, "ready", s->ready);
	if (s->loaded < 0)
		json_null(&w, "capture_kernel_loaded");
	else
		json_bool(&w, "capture_kernel_loaded", s->loaded);
	json_string(&w, "kernel_release", s->kver);
	if (s->reserved < 0)
		json_null(&w, "reserved_bytes");
	else
		json_i64(&w, "reserved_bytes", s->reserved);
	json_string(&w, "initramfs", s->initramfs);
	json_string(&w, "config", s->config);
	json_begin_array(&w, "problems");
	for (size_t i = 0; i < s->n; i++) {
		json_begin_object(&w, NULL);
		json_string(&w, "reason", ctl_reason_name(s->problems[i].reason));
		json_string(&w, "severity", s->problems[i].warning ? "warning" : "error");
		json_string(&w, "message", s->problems[i].message);
		if (s->problems[i].hint)
			json_string(&w, "hint", s->problems[i].hint);
		else
			json_null(&w, "hint");
		json_end_object(&w);
	}
	json_end_array(&w);
	json_end_object(&w);
	json_finish(&w);
}

int cmd_status(Ctl *c)
{
	CtlStatus s;
	int r;

	r = ctl_status_evaluate(c, &s);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: cannot evaluate the status: %s\n", strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	if (c->args->json)
		print_json(&s);
	else
		print_text(&s);
	r = s.ready ? CTL_EXIT_OK : CTL_EXIT_NOT_READY;
	ctl_status_done(&s);
	return r;
}

int cmd_check_config(Ctl *c)
{
	_cleanup_config_free_ KdumpConfig *cfg = NULL;
	CtlBuildPlan plan = { 0 };
	CtlFacts f;
	KdumpDiags d;
	size_t warnings;
	int r;

	kdump_diags_init(&d);
	r = ctl_config_load(c, &cfg, &d);
	/* What the file names must exist on this system too. */
	if (r == 0 && ctl_facts_read(c, &f) == 0) {
		r = ctl_build_plan(c, cfg, f.kver[0] ? f.kver : "unknown", &plan, &d);
		ctl_build_plan_done(&plan);
		ctl_facts_done(&f);
	}
	if (r == -ENOMEM) {
		kdump_diags_done(&d);
		fprintf(stderr, "kdumpctl: out of memory\n");
		return CTL_EXIT_FAILURE;
	}
	ctl_print_diags(&d, stdout);
	warnings = d.n - d.n_errors;
	if (d.n)
		printf("%s: %zu error%s, %zu warning%s\n", c->config_path, d.n_errors,
		       d.n_errors == 1 ? "" : "s", warnings, warnings == 1 ? "" : "s");
	else
		printf("%s: no problems\n", c->config_path);
	r = d.n_errors ? CTL_EXIT_CONFIG : CTL_EXIT_OK;
	kdump_diags_done(&d);
	return r;
}
