/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * A raw target: the capture wrote the dump to the device; 'kdumpctl start' saves it into
 * 'path' on the root filesystem through libkdump-save (ksave_raw_recover()) before the capture
 * kernel is armed again, which would overwrite it at the next crash.
 */
#include <errno.h>
#include <string.h>

#include "kdumpctl.h"
#include "ksave.h"

static void message(int level, const char *text, void *userdata)
{
	const Ctl *c = userdata;
	/* The library starts errors and warnings with their word; ctl_log adds its own. */
	if (strncmp(text, "error: ", 7) == 0)
		text += 7;
	else if (strncmp(text, "warning: ", 9) == 0)
		text += 9;
	if (level > KSAVE_LOG_INFO && !c->args->verbose)
		return;
	ctl_log(&c->log, level <= KSAVE_LOG_ERR ? CTL_LOG_ERR : level == KSAVE_LOG_WARNING ?
		CTL_LOG_WARNING : level == KSAVE_LOG_NOTICE ? CTL_LOG_NOTICE : CTL_LOG_INFO,
		NULL, NULL, "raw target: %s", text);
}

int ctl_recover_raw(const Ctl *c, const KdumpConfig *cfg)
{
	_cleanup_free_ char *device = NULL, *dev = NULL;
	KsaveCallbacks cb = { .message = message, .userdata = (void *)c };
	KsaveRecoverOptions o = { .keep_old_dumps = cfg->keep_old_dumps,
				  .min_free_space = cfg->min_free_space, .cb = &cb };
	KsaveResult res = { 0 };
	KdumpError e = { 0 };
	int r;

	r = kdump_resolve_device(cfg->device, c->resolver, c->userdata, &device, &e);
	if (r < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "raw-target",
			"raw target %s: %s", cfg->device, e.message);
		return CTL_EXIT_FAILURE;
	}
	dev = ctl_path(c, device);
	if (!dev)
		return CTL_EXIT_FAILURE;
	o.device = dev;
	o.root = *c->prefix ? c->prefix : NULL;
	o.dir = cfg->path;
	r = ksave_raw_recover(&o, &res);
	if (r < 0) {
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "raw-target",
			"cannot look for a dump on the raw target %s: %s", device, strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	r = CTL_EXIT_OK;
	switch (res.status) {
	case KSAVE_STATUS_NONE:
		break;
	case KSAVE_STATUS_SAVED:
	case KSAVE_STATUS_INCOMPLETE:
		ctl_log(&c->log, CTL_LOG_NOTICE, "recovered", NULL,
			"saved the %sdump left on the raw target %s into %s",
			res.status == KSAVE_STATUS_INCOMPLETE ? "incomplete " : "", device,
			res.dir ? res.dir : cfg->path);
		break;
	default:
		/* Arming again would let the next crash overwrite it: refuse. */
		ctl_log(&c->log, CTL_LOG_ERR, "failed", "raw-target",
			"a dump is waiting on the raw target %s and could not be saved into %s: %s; "
			"fix that (kdumpctl start tries again), or clear the device to give it up",
			device, cfg->path, res.reason[0] ? res.reason : "unknown reason");
		r = CTL_EXIT_FAILURE;
		break;
	}
	ksave_result_done(&res);
	return r;
}
