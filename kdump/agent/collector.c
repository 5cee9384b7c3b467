/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * core_collector is makedumpfile-lite's command line (kdump.conf(5)): the agent parses it with
 * the collector's own parser, appends the input and the output, and makes the output fit the
 * target: a file target is written in place (-F is dropped), a raw target gets the flattened
 * stream (-F is added).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "kdump-util.h"

static int build_argv(char *const *core_collector, const char *vmcore, const char *out,
		      char ***ret)
{
	_cleanup_strv_free_ char **argv = NULL;
	int r;

	r = kdump_strv_copy(core_collector, &argv);
	if (r < 0)
		return r;
	if (!argv && (r = kdump_strv_push(&argv, "makedumpfile-lite")) < 0)
		return r;
	/* "--" so that a file name starting with '-' stays a file name */
	if ((r = kdump_strv_push(&argv, "--")) < 0 || (r = kdump_strv_push(&argv, vmcore)) < 0)
		return r;
	if (out && (r = kdump_strv_push(&argv, out)) < 0)
		return r;
	*ret = TAKE_PTR(argv);
	return 0;
}

static int parse(char **argv, struct mdl_options *ret, char *err, size_t errlen)
{
	return mdl_parse_options((int)kdump_strv_length(argv), argv, ret, err, errlen);
}

int ksave_collector_options(struct klog *log, char *const *core_collector, const char *vmcore,
			    const char *out, struct mdl_options *ret)
{
	_cleanup_strv_free_ char **with_out = NULL, **without = NULL;
	struct mdl_options o;
	char err[256], err2[256];
	int r;

	/* Whatever the output will be, first find what the line says: with -F it takes the
	 * input only, else the input and a file. */
	r = build_argv(core_collector, vmcore, "vmcore", &with_out);
	if (r < 0)
		return r;
	r = build_argv(core_collector, vmcore, NULL, &without);
	if (r < 0)
		return r;
	if (parse(with_out, &o, err, sizeof(err)) < 0 &&
	    (parse(without, &o, err2, sizeof(err2)) < 0 || !o.flatten)) {
		klog(log, KSAVE_LOG_ERR, "core_collector: %s", err);
		return -EINVAL;
	}
	if (o.mode != MDL_MODE_DUMP || o.dry_run || o.check_params) {
		klog(log, KSAVE_LOG_ERR, "core_collector: the options ask for no dump (%s)",
		     o.mode == MDL_MODE_REARRANGE ? "-R" : o.mode == MDL_MODE_DMESG ? "--dump-dmesg" :
		     o.dry_run ? "--dry-run" : o.check_params ? "--check-params" : "-h or -v");
		return -EINVAL;
	}
	if (o.flatten && out)
		klog(log, KSAVE_LOG_WARNING, "core_collector: -F is for raw targets; the dump is "
		     "written as a file here");
	/* the options hold no pointer into argv but these two */
	o.vmcore = vmcore;
	o.dumpfile = out;
	o.flatten = !out;
	o.force = 0;
	*ret = o;
	return 0;
}
