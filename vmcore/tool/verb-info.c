/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcore info: what a dump is, in words or as one JSON object. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "json-writer.h"
#include "verbs.h"

static size_t min_size(size_t a, size_t b)
{
	return a < b ? a : b;
}

struct info {
	uint64_t present, dumped;
	int64_t crash_time;
	int have_time;
	const char *vmcoreinfo;
	size_t vmcoreinfo_size;
};

static void format_time(int64_t t, char *buf, size_t size)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, size, "%Y-%m-%d %H:%M:%S UTC", &tm))
		snprintf(buf, size, "%" PRId64, t);
}

static const char *compression_text(uint32_t c)
{
	const char *name = vmcore_compression_name(c);

	return name ? name : "mixed/unknown";
}

static const char *completeness(vmcore_t *v)
{
	switch (vmcore_is_incomplete(v)) {
	case 0:
		return "yes";
	case VMCORE_INCOMPLETE_MARKED:
		return "no (marked incomplete by its writer)";
	case VMCORE_INCOMPLETE_TRUNCATED:
		return "no (the file is truncated)";
	default:
		return "no (marked incomplete, and the file is truncated)";
	}
}

static void print_text(vmcore_t *v, const struct info *in)
{
	const char *s;
	char when[64];
	unsigned ps = vmcore_page_size(v);

	printf("Format:        %s\n", vmcore_format_name(v));
	printf("Kernel:        %s\n", (s = vmcore_osrelease(v)) ? s : "(unknown)");
	printf("Architecture:  %s\n", (s = vmcore_arch(v)) ? s : "(unknown)");
	if ((s = vmcore_nodename(v)))
		printf("Host:          %s\n", s);
	printf("Page size:     %u\n", ps);
	if (in->have_time) {
		format_time(in->crash_time, when, sizeof(when));
		printf("Crash time:    %s (%" PRId64 ")\n", when, in->crash_time);
	} else
		printf("Crash time:    (unknown)\n");
	printf("CPUs:          %u\n", vmcore_nr_cpus(v));
	if (vmcore_format(v) == VMCORE_FORMAT_KDUMP) {
		printf("Header:        version %d\n", vmcore_header_version(v));
		printf("Dump level:    %d\n", vmcore_dump_level(v));
		printf("Compression:   %s\n", compression_text(vmcore_compression(v)));
	} else
		printf("Dump level:    (not recorded in ELF dumps)\n");
	printf("Complete:      %s\n", completeness(v));
	printf("File size:     %" PRIu64 " bytes\n", vmcore_file_size(v));
	printf("Max PFN:       0x%" PRIx64 "\n", vmcore_max_pfn(v));
	printf("Pages present: %" PRIu64 " (%" PRIu64 " MiB)\n", in->present,
	       in->present * ps >> 20);
	printf("Pages dumped:  %" PRIu64 " (%" PRIu64 " MiB)\n", in->dumped, in->dumped * ps >> 20);
	printf("Memory ranges: %zu\n", vmcore_phys_range_count(v));
	for (size_t i = 0; i < vmcore_phys_range_count(v); i++) {
		uint64_t start, end;
		if (vmcore_phys_range(v, i, &start, &end) == 0)
			printf("  0x%016" PRIx64 "-0x%016" PRIx64 " (%" PRIu64 " KiB)\n", start,
			       end - 1, (end - start) >> 10);
	}
	if (in->vmcoreinfo) {
		printf("VMCOREINFO:\n");
		const char *p = in->vmcoreinfo, *end = in->vmcoreinfo + in->vmcoreinfo_size;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			if (n)
				printf("  %.*s\n", (int)n, p);
			p += n + 1;
		}
	} else
		printf("VMCOREINFO:    (none)\n");
}

static void print_json(vmcore_t *v, const struct info *in)
{
	JsonWriter w;

	json_init(&w, stdout, 1);
	json_begin_object(&w, NULL);
	json_string(&w, "format", vmcore_format_name(v));
	json_bool(&w, "flattened", vmcore_is_flattened(v));
	json_string(&w, "kernel_release", vmcore_osrelease(v));
	json_string(&w, "architecture", vmcore_arch(v));
	json_string(&w, "nodename", vmcore_nodename(v));
	json_u64(&w, "page_size", vmcore_page_size(v));
	if (in->have_time)
		json_i64(&w, "crash_time", in->crash_time);
	else
		json_null(&w, "crash_time");
	json_u64(&w, "cpus", vmcore_nr_cpus(v));
	if (vmcore_format(v) == VMCORE_FORMAT_KDUMP) {
		json_i64(&w, "header_version", vmcore_header_version(v));
		json_i64(&w, "dump_level", vmcore_dump_level(v));
		json_string(&w, "compression", compression_text(vmcore_compression(v)));
	} else {
		json_null(&w, "dump_level");
		json_string(&w, "compression", "none");
	}
	json_bool(&w, "complete", !vmcore_is_incomplete(v));
	json_bool(&w, "marked_incomplete", !!(vmcore_is_incomplete(v) & VMCORE_INCOMPLETE_MARKED));
	json_bool(&w, "truncated", !!(vmcore_is_incomplete(v) & VMCORE_INCOMPLETE_TRUNCATED));
	json_u64(&w, "file_size", vmcore_file_size(v));
	json_u64(&w, "max_pfn", vmcore_max_pfn(v));
	json_u64(&w, "pages_present", in->present);
	json_u64(&w, "pages_dumped", in->dumped);
	json_begin_array(&w, "memory_ranges");
	for (size_t i = 0; i < vmcore_phys_range_count(v); i++) {
		uint64_t start, end;
		if (vmcore_phys_range(v, i, &start, &end) < 0)
			continue;
		json_begin_object(&w, NULL);
		json_u64(&w, "start", start);
		json_u64(&w, "end", end);
		json_end_object(&w);
	}
	json_end_array(&w);
	if (in->vmcoreinfo) {
		json_begin_object(&w, "vmcoreinfo");
		const char *p = in->vmcoreinfo, *end = in->vmcoreinfo + in->vmcoreinfo_size;
		while (p < end) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
			const char *eq = memchr(p, '=', n);
			if (eq && eq > p) {
				char key[128];
				size_t klen = min_size((size_t)(eq - p), sizeof(key) - 1);
				memcpy(key, p, klen);
				key[klen] = '\0';
				json_string_n(&w, key, eq + 1, n - (size_t)(eq - p) - 1);
			}
			p += n + 1;
		}
		json_end_object(&w);
	} else
		json_null(&w, "vmcoreinfo");
	json_end_object(&w);
	json_finish(&w);
}

static void usage(void)
{
	printf("Usage: %s info [--json] FILE\n\n"
	       "Print what a crash dump is: format, kernel release, architecture, page size,\n"
	       "crash time, CPUs, dump level, compression, memory ranges, pages present and\n"
	       "dumped, and its VMCOREINFO.\n\n"
	       "  -j, --json   one JSON object instead of text\n"
	       "  -h, --help   this text\n", program_name);
}

int verb_info(int argc, char **argv)
{
	static const struct option options[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	struct info in = {};
	vmcore_t *v;
	int json = 0, c, r;

	optind = 1;
	while ((c = getopt_long(argc, argv, "jh", options, NULL)) >= 0)
		switch (c) {
		case 'j':
			json = 1;
			break;
		case 'h':
			usage();
			return EXIT_OK;
		default:
			return usage_hint("info");
		}
	if (optind != argc - 1) {
		fprintf(stderr, "%s info: expected exactly one FILE\n", program_name);
		return usage_hint("info");
	}

	r = open_dump(argv[optind], &v);
	if (r != EXIT_OK)
		return r;
	r = vmcore_count_pages(v, &in.present, &in.dumped);
	if (r < 0) {
		print_error(v, r, argv[optind]);
		vmcore_free(v);
		return exit_code_for(r);
	}
	in.have_time = vmcore_crash_time(v, &in.crash_time) == 0;
	if (vmcore_vmcoreinfo(v, &in.vmcoreinfo, &in.vmcoreinfo_size) < 0)
		in.vmcoreinfo = NULL;

	if (json)
		print_json(v, &in);
	else
		print_text(v, &in);
	vmcore_free(v);
	return EXIT_OK;
}
