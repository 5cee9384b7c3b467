/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until this verb lands (being written in parallel). */
#include <stdio.h>

#include "verbs.h"

int verb_dmesg(int argc, char **argv)
{
	fprintf(stderr, "vmcore dmesg: not implemented yet\n");
	return EXIT_UNSUPPORTED;
}
