/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "verbs.h"

static const struct {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} verbs[] = {
	{ "info", verb_info, "format, kernel, memory ranges, pages, VMCOREINFO" },
	{ "dmesg", verb_dmesg, "the crashed kernel's log" },
	{ "pages", verb_pages, "page frames per class, and what each dump level keeps" },
	{ "read", verb_read, "hexdump physical or kernel virtual memory" },
	{ "verify", verb_verify, "check the dump's structure" },
};

static void usage(void)
{
	printf("Usage: %s COMMAND [OPTIONS] FILE\n\n"
	       "Look inside a Linux crash dump (ELF vmcore, kdump-compressed or flattened).\n\n"
	       "Commands:\n", program_name);
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		printf("  %-8s %s\n", verbs[i].name, verbs[i].summary);
	printf("\nRun '%s COMMAND --help' for a command's options.\n"
	       "  -h, --help     this text\n"
	       "  -V, --version  the version\n", program_name);
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "%s: no command given\nTry '%s --help' for more information.\n",
			program_name, program_name);
		return EXIT_USAGE;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
		usage();
		return EXIT_OK;
	}
	if (!strcmp(argv[1], "-V") || !strcmp(argv[1], "--version")) {
		printf("vmcore %s\n", PROJECT_VERSION);
		return EXIT_OK;
	}
	for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++)
		if (!strcmp(argv[1], verbs[i].name))
			return verbs[i].run(argc - 1, argv + 1);

	fprintf(stderr, "%s: unknown command '%s'\nTry '%s --help' for more information.\n",
		program_name, argv[1], program_name);
	return EXIT_USAGE;
}
