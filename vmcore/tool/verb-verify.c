/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcore verify: check a dump's structure and say precisely what is wrong. */
#include <getopt.h>
#include <stdio.h>

#include "parse-util.h"
#include "verbs.h"

struct printer {
	const char *path;
	unsigned long shown, max;
};

static int print_problem(const char *message, void *userdata)
{
	struct printer *p = userdata;

	if (p->shown < p->max)
		fprintf(stderr, "%s: %s\n", p->path, message);
	p->shown++;
	return 0;
}

static void usage(void)
{
	printf("Usage: %s verify [--max-problems N] FILE\n\n"
	       "Check a dump's structure: headers, bitmaps, page descriptors inside the file,\n"
	       "every compressed page decompressing to exactly one page. Each problem is printed\n"
	       "on its own line; the exit code is 0 when there is none and 3 when there are.\n\n"
	       "  -m, --max-problems N  print at most N problems (default 1000), count the rest\n"
	       "  -q, --quiet           print nothing on success\n"
	       "  -h, --help            this text\n", program_name);
}

int verb_verify(int argc, char **argv)
{
	static const struct option options[] = {
		{ "max-problems", required_argument, NULL, 'm' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct printer p = { .max = 1000 };
	int quiet = 0, c, r;
	uint64_t max;
	vmcore_t *v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "m:qh", options, NULL)) >= 0)
		switch (c) {
		case 'm':
			if (safe_atou64(optarg, 10, &max) < 0) {
				fprintf(stderr, "%s verify: invalid number '%s'\n", program_name, optarg);
				return usage_hint("verify");
			}
			p.max = (unsigned long)max;
			break;
		case 'q':
			quiet = 1;
			break;
		case 'h':
			usage();
			return EXIT_OK;
		default:
			return usage_hint("verify");
		}
	if (optind != argc - 1) {
		fprintf(stderr, "%s verify: expected exactly one FILE\n", program_name);
		return usage_hint("verify");
	}
	p.path = argv[optind];

	r = open_dump(p.path, &v);
	if (r != EXIT_OK)
		return r;
	r = vmcore_verify(v, print_problem, &p);
	if (r < 0) {
		print_error(v, r, p.path);
		vmcore_free(v);
		return exit_code_for(r);
	}
	vmcore_free(v);
	if (r > 0) {
		if (p.shown > p.max)
			fprintf(stderr, "%s: ... and %lu more problems\n", p.path, p.shown - p.max);
		fprintf(stderr, "%s: %d problem%s found\n", p.path, r, r == 1 ? "" : "s");
		return EXIT_PROBLEMS;
	}
	if (!quiet)
		printf("%s: OK\n", p.path);
	return EXIT_OK;
}
