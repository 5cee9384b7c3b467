/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * vmcore pages: every page frame's class, and what a makedumpfile dump level keeps of them.
 *
 * Classes come from the struct pages (vmcore_classify()); a dumped page that the level does
 * not already drop for its class is read, and counted as "zero" when it is all zeros: that is
 * how makedumpfile counts its "Pages filled with zero".
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "json-writer.h"
#include "parse-util.h"
#include "verbs.h"

#define CHUNK 65536u
#define MAX_LEVEL 31

struct page_counts {
	uint64_t classes[_VMCORE_CLASS_MAX];
	uint64_t total;      /* PFN 0 to max_pfn */
	uint64_t present;    /* not in a hole */
	uint64_t excluded;   /* dropped at the level */
	uint64_t unreadable; /* dumped, but its contents could not be read */
};

/* The order the classes are listed in, as makedumpfile lists its counters. */
static const enum vmcore_page_class order[] = {
	VMCORE_CLASS_ZERO,     VMCORE_CLASS_CACHE,    VMCORE_CLASS_CACHE_PRIVATE,
	VMCORE_CLASS_USER,     VMCORE_CLASS_HUGETLB,  VMCORE_CLASS_FREE,
	VMCORE_CLASS_HWPOISON, VMCORE_CLASS_OFFLINE,  VMCORE_CLASS_KERNEL,
	VMCORE_CLASS_UNKNOWN,  VMCORE_CLASS_HOLE,
};

/* Classifies and counts page frames [first, end), CHUNK at a time. */
static int count_range(vmcore_t *v, vmcore_classifier_t *cl, int level, uint64_t first,
		       uint64_t end, uint8_t *classes, void *page, struct page_counts *pc)
{
	size_t ps = vmcore_page_size(v);

	for (uint64_t start = first; start < end; start += CHUNK) {
		size_t n = (size_t)(end - start < CHUNK ? end - start : CHUNK);
		int r = vmcore_classify(cl, start, n, classes);

		if (r < 0)
			return r;
		for (size_t i = 0; i < n; i++) {
			uint64_t pfn = start + i;
			enum vmcore_page_class c = classes[i];

			if (c == VMCORE_CLASS_HOLE)
				continue;
			pc->present++;
			if (!vmcore_class_excluded(c, level) &&
			    vmcore_pfn_state(v, pfn) == VMCORE_PFN_DUMPED) {
				if (vmcore_read_pfn(v, pfn, page) < 0)
					pc->unreadable++;
				else if (vmcore_page_is_zero(page, ps))
					c = VMCORE_CLASS_ZERO;
			}
			pc->classes[c]++;
			if (vmcore_class_excluded(c, level))
				pc->excluded++;
		}
	}
	return 0;
}

/*
 * Counts the classes of all page frames, PFN 0 to max_pfn. Only the memory ranges are
 * walked (in ascending order, as vmcore_classify() wants); the rest is hole.
 */
static int count_pages(vmcore_t *v, vmcore_classifier_t *cl, int level, struct page_counts *ret)
{
	struct page_counts pc = { .total = vmcore_max_pfn(v) };
	size_t ps = vmcore_page_size(v);
	uint8_t *classes = malloc(CHUNK), *page = malloc(ps);
	uint64_t done = 0;
	int r = 0;

	if (!classes || !page) {
		r = -ENOMEM;
		goto out;
	}
	for (size_t i = 0; i < vmcore_phys_range_count(v); i++) {
		uint64_t start, end, first, last;

		if (vmcore_phys_range(v, i, &start, &end) < 0)
			continue;
		first = start / ps > done ? start / ps : done;
		last = end / ps + (end % ps != 0);
		if (last > pc.total)
			last = pc.total;
		if (first >= last)
			continue;
		r = count_range(v, cl, level, first, last, classes, page, &pc);
		if (r < 0)
			goto out;
		done = last;
	}
	pc.classes[VMCORE_CLASS_HOLE] = pc.total - pc.present;
	*ret = pc;
out:
	free(classes);
	free(page);
	return r;
}

static void format_size(uint64_t bytes, char *buf, size_t size)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB", "PiB" };
	double d = (double)bytes;
	size_t u = 0;

	while (d >= 1024 && u + 1 < sizeof(units) / sizeof(units[0])) {
		d /= 1024;
		u++;
	}
	if (u == 0)
		snprintf(buf, size, "%" PRIu64 " B", bytes);
	else
		snprintf(buf, size, "%.1f %s", d, units[u]);
}

static void print_text(const char *path, vmcore_t *v, int level, const struct page_counts *pc)
{
	uint64_t ps = vmcore_page_size(v), kept = pc->present - pc->excluded;
	char size[32];

	printf("File            : %s\n", path);
	printf("Dump level      : %d\n", level);
	printf("Page size       : %" PRIu64 "\n\n", ps);
	printf("%-15s %12s %12s  %s\n", "CLASS", "PAGES", "SIZE", "AT THIS LEVEL");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		enum vmcore_page_class c = order[i];
		const char *what = c == VMCORE_CLASS_HOLE ? "-" :
				   vmcore_class_excluded(c, level) ? "excluded" : "kept";

		format_size(pc->classes[c] * ps, size, sizeof(size));
		printf("%-15s %12" PRIu64 " %12s  %s\n", vmcore_class_name(c), pc->classes[c],
		       size, what);
	}
	printf("\n");
	printf("Total pages     : %" PRIu64 " (0x%" PRIx64 ")\n", pc->total, pc->total);
	printf("Memory hole     : %" PRIu64 "\n", pc->classes[VMCORE_CLASS_HOLE]);
	printf("Original pages  : %" PRIu64 "\n", pc->present);
	format_size(pc->excluded * ps, size, sizeof(size));
	printf("  Excluded pages: %" PRIu64 " (%" PRIu64 " bytes, %s)\n", pc->excluded,
	       pc->excluded * ps, size);
	format_size(kept * ps, size, sizeof(size));
	printf("  Kept pages    : %" PRIu64 " (%" PRIu64 " bytes, %s)\n", kept, kept * ps, size);
	if (pc->present)
		printf("  (The number of pages is reduced to %" PRIu64 "%%.)\n",
		       kept * 100 / pc->present);
	if (pc->unreadable)
		printf("Unreadable pages: %" PRIu64 " (dumped, but their contents could not be "
		       "read: not checked for zeros)\n", pc->unreadable);
}

static void print_json(const char *path, vmcore_t *v, int level, const struct page_counts *pc)
{
	uint64_t ps = vmcore_page_size(v), kept = pc->present - pc->excluded;
	JsonWriter w;

	json_init(&w, stdout, 1);
	json_begin_object(&w, NULL);
	json_string(&w, "file", path);
	json_i64(&w, "level", level);
	json_u64(&w, "page_size", ps);
	json_u64(&w, "total_pages", pc->total);
	json_u64(&w, "present_pages", pc->present);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		json_u64(&w, vmcore_class_name(order[i]), pc->classes[order[i]]);
	json_u64(&w, "kept_pages", kept);
	json_u64(&w, "kept_bytes", kept * ps);
	json_u64(&w, "excluded_pages", pc->excluded);
	json_u64(&w, "excluded_bytes", pc->excluded * ps);
	json_u64(&w, "unreadable_pages", pc->unreadable);
	json_begin_array(&w, "excluded_classes");
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
		if (vmcore_class_excluded(order[i], level))
			json_string(&w, NULL, vmcore_class_name(order[i]));
	json_end_array(&w);
	json_end_object(&w);
	json_finish(&w);
}

static void usage(void)
{
	printf("Usage: %s pages [-d LEVEL] [--json] FILE\n\n"
	       "Classify every page frame from the crashed kernel's struct pages, as makedumpfile\n"
	       "does for its dump levels, and count what dump level LEVEL would keep and exclude.\n"
	       "Classes: zero, cache, cache_private, user, hugetlb, free, hwpoison and offline\n"
	       "(dropped at every level), kernel (everything else, and every page that cannot be\n"
	       "classified with certainty), unknown (its struct page is not in the dump), hole.\n"
	       "A page counts as zero when it is dumped, all zeros, and not already dropped at\n"
	       "LEVEL for its class.\n\n"
	       "  -d, --dump-level LEVEL  makedumpfile -d bits, 0-31 (default 31): 1 zero,\n"
	       "                          2 cache, 4 cache and cache_private, 8 user and\n"
	       "                          hugetlb, 16 free\n"
	       "  -j, --json              one JSON object instead of text\n"
	       "  -h, --help              this text\n", program_name);
}

int verb_pages(int argc, char **argv)
{
	static const struct option options[] = {
		{ "dump-level", required_argument, NULL, 'd' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	vmcore_classifier_t *cl = NULL;
	struct page_counts pc;
	vmcore_t *v;
	uint32_t level = MAX_LEVEL;
	int json = 0, c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "d:jh", options, NULL)) >= 0)
		switch (c) {
		case 'd':
			if (safe_atou32(optarg, 10, &level) < 0 || level > MAX_LEVEL) {
				fprintf(stderr, "%s pages: invalid dump level '%s' (0-%d)\n",
					program_name, optarg, MAX_LEVEL);
				return usage_hint("pages");
			}
			break;
		case 'j':
			json = 1;
			break;
		case 'h':
			usage();
			return EXIT_OK;
		default:
			return usage_hint("pages");
		}
	if (optind != argc - 1) {
		fprintf(stderr, "%s pages: expected exactly one FILE\n", program_name);
		return usage_hint("pages");
	}

	r = open_dump(argv[optind], &v);
	if (r != EXIT_OK)
		return r;
	r = vmcore_classifier_new(v, &cl);
	if (r < 0) {
		print_error(v, r, argv[optind]);
		r = exit_code_for(r);
		goto out;
	}
	r = count_pages(v, cl, (int)level, &pc);
	if (r < 0) {
		print_error(v, r, argv[optind]);
		r = exit_code_for(r);
		goto out;
	}
	if (json)
		print_json(argv[optind], v, (int)level, &pc);
	else
		print_text(argv[optind], v, (int)level, &pc);
	r = EXIT_OK;
out:
	vmcore_classifier_free(cl);
	vmcore_free(v);
	return r;
}
