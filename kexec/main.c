/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kexec: parse the command line, read the load-config file, run the action. */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "output.h"

int main(int argc, char **argv)
{
	KexecLoadConfig config = { .reuse_cmdline = -1, .crash = -1, .delay = -1 };
	KexecError e = { 0 };
	KexecArgs a;
	char *msg = NULL;
	int r;

	if (kexec_args_parse(argc, argv, &a, &msg) < 0) {
		r = print_usage_error(msg);
		free(msg);
		return r;
	}
	if (a.action == ACTION_HELP) {
		print_usage(stdout);
		kexec_args_done(&a);
		return EXIT_OK;
	}
	if (a.action == ACTION_VERSION) {
		printf("kexec (kdump-suite) %s\n", PROJECT_VERSION);
		kexec_args_done(&a);
		return EXIT_OK;
	}
	if (a.config && kexec_config_read(a.config, &config, &e) < 0) {
		print_error(&e, e.code);
		kexec_error_done(&e);
		kexec_args_done(&a);
		return EXIT_USAGE;
	}
	if (kexec_args_finish(&a, a.config ? &config : NULL, &msg) < 0)
		r = print_usage_error(msg);
	else
		r = run_action(&a);
	free(msg);
	kexec_config_done(&config);
	kexec_args_done(&a);
	return r;
}
