/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "verbs.h"

const char *program_name = "vmcore";

void print_error(vmcore_t *v, int r, const char *what)
{
	const char *msg = v ? vmcore_strerror(v) : "";

	fprintf(stderr, "%s: %s: %s\n", program_name, what, msg && *msg ? msg : strerror(-r));
}

int exit_code_for(int r)
{
	switch (r) {
	case 0:
		return EXIT_OK;
	case -ENODATA:
	case -EADDRNOTAVAIL:
		return EXIT_PROBLEMS;
	case -ENOKEY:
	case -EOPNOTSUPP:
		return EXIT_UNSUPPORTED;
	default:
		return EXIT_BAD_DUMP;
	}
}

int open_dump(const char *path, vmcore_t **ret)
{
	vmcore_t *v = vmcore_new();
	int r;

	if (!v) {
		fprintf(stderr, "%s: out of memory\n", program_name);
		return EXIT_BAD_DUMP;
	}
	r = vmcore_open(v, path);
	if (r < 0) {
		print_error(v, r, path);
		vmcore_free(v);
		return r == -EOPNOTSUPP ? EXIT_UNSUPPORTED : EXIT_BAD_DUMP;
	}
	*ret = v;
	return EXIT_OK;
}

int usage_hint(const char *verb)
{
	fprintf(stderr, "Try '%s %s --help' for more information.\n", program_name, verb);
	return EXIT_USAGE;
}
