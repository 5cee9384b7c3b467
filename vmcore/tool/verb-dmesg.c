/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcore dmesg: the crashed kernel's log, as makedumpfile --dump-dmesg prints it. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "verbs.h"

static void usage(void)
{
	printf("Usage: %s dmesg FILE\n\n"
	       "Print the kernel log of the crashed kernel, oldest record first, one record per\n"
	       "line as makedumpfile --dump-dmesg does (\"[    1.234567] text\").\n\n"
	       "  -h, --help   this text\n", program_name);
}

/* A failed write stops the walk with 1; the errno is kept for the message. */
static int print_line(const char *line, size_t len, void *userdata)
{
	int *write_error = userdata;

	if (fwrite(line, 1, len, stdout) != len || putchar('\n') == EOF) {
		*write_error = errno ?: EIO;
		return 1;
	}
	return 0;
}

int verb_dmesg(int argc, char **argv)
{
	static const struct option options[] = {
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	vmcore_t *v;
	int write_error = 0, c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "h", options, NULL)) >= 0)
		switch (c) {
		case 'h':
			usage();
			return EXIT_OK;
		default:
			return usage_hint("dmesg");
		}
	if (optind != argc - 1) {
		fprintf(stderr, "%s dmesg: expected exactly one FILE\n", program_name);
		return usage_hint("dmesg");
	}

	r = open_dump(argv[optind], &v);
	if (r != EXIT_OK)
		return r;
	r = vmcore_dmesg(v, print_line, &write_error);
	if (fflush(stdout) != 0 && !write_error)
		write_error = errno ?: EIO;
	if (write_error) {
		fprintf(stderr, "%s dmesg: writing the log: %s\n", program_name,
			strerror(write_error));
		vmcore_free(v);
		return EXIT_BAD_DUMP;
	}
	if (r < 0) {
		print_error(v, r, argv[optind]);
		vmcore_free(v);
		return exit_code_for(r);
	}
	vmcore_free(v);
	return EXIT_OK;
}
