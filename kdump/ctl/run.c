/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Dispatch to the commands, and what they share for printing. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "kdumpctl.h"

const char *ctl_size(uint64_t bytes, char *buf, size_t size)
{
	return kexec_format_size(bytes, buf, size);
}

void ctl_print_diags(const KdumpDiags *d, FILE *f)
{
	for (size_t i = 0; i < d->n; i++) {
		_cleanup_free_ char *s = NULL;

		if (kdump_diag_format(&d->items[i], &s) == 0)
			fprintf(f, "%s\n", s);
	}
}

void ctl_print_kexec_error(const Ctl *c, const KexecError *e)
{
	ctl_log(&c->log, CTL_LOG_ERR, "failed", "load-failed", "%s",
		e->what ? e->what : strerror(e->code < 0 ? -e->code : EIO));
	if (e->cause)
		ctl_log(&c->log, CTL_LOG_INFO, NULL, NULL, "  cause: %s", e->cause);
	if (e->fix)
		ctl_log(&c->log, CTL_LOG_INFO, NULL, NULL, "  fix:   %s", e->fix);
	if (e->note)
		ctl_log(&c->log, CTL_LOG_INFO, NULL, NULL, "  note:  %s", e->note);
}

typedef int (*CmdFn)(Ctl *c);

static const CmdFn handlers[_CMD_MAX] = {
	[CMD_START] = cmd_start,
	[CMD_STOP] = cmd_stop,
	[CMD_RESTART] = cmd_restart,
	[CMD_RELOAD] = cmd_reload,
	[CMD_STATUS] = cmd_status,
	[CMD_REBUILD] = cmd_rebuild,
	[CMD_CHECK_CONFIG] = cmd_check_config,
	[CMD_ESTIMATE] = cmd_estimate,
	[CMD_SHOWMEM] = cmd_showmem,
	[CMD_CRASHKERNEL] = cmd_crashkernel,
	[CMD_TEST_PANIC] = cmd_test_panic,
	[CMD_LIST] = cmd_list,
	[CMD_PROPAGATE] = cmd_propagate,
	[CMD_FETCH] = cmd_fetch,
};

int ctl_run(const CtlArgs *args)
{
	Ctl c;
	int r;

	if (args->command == CMD_HELP) {
		ctl_usage(stdout);
		return CTL_EXIT_OK;
	}
	if (args->command == CMD_VERSION) {
		printf("kdumpctl (kdump-suite) %s\n", PROJECT_VERSION);
		return CTL_EXIT_OK;
	}
	if (args->command <= CMD_NONE || args->command >= _CMD_MAX || !handlers[args->command])
		return CTL_EXIT_USAGE;
	r = ctl_init(&c, args);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: %s\n", strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	r = handlers[args->command](&c);
	ctl_done(&c);
	return r;
}
