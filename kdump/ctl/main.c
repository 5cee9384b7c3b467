/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdumpctl: parse the command line, run the command. */
#include <stdio.h>
#include <stdlib.h>

#include "kdumpctl.h"

int main(int argc, char **argv)
{
	CtlArgs args;
	char *msg = NULL;
	int r;

	r = ctl_args_parse(argc, argv, &args, &msg);
	if (r != 0) {
		fprintf(stderr, "kdumpctl: %s (see 'kdumpctl --help')\n",
			msg ? msg : "out of memory");
		free(msg);
		return CTL_EXIT_USAGE;
	}
	return ctl_run(&args);
}
