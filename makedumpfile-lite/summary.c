/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The final report, laid out as makedumpfile's (--message-level 16), and the usage text. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>

#include "config.h"
#include "mdl.h"

typedef void (*line_fn)(const char *text, void *userdata);

static void out(line_fn line, void *userdata, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void out(line_fn line, void *userdata, const char *fmt, ...)
{
	char text[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(text, sizeof(text), fmt, ap);
	va_end(ap);
	line(text, userdata);
}

static void row(line_fn line, void *u, const char *label, uint64_t n)
{
	out(line, u, "%-28s: 0x%016" PRIx64 " (%" PRIu64 ")", label, n, n);
}

void mdl_summary(const struct mdl_options *o, const struct mdl_stats *s, line_fn line,
		 void *u)
{
	const uint64_t *x = s->excluded;
	uint64_t excluded = 0, remaining;
	double mib = (double)s->output_size / (1 << 20);

	for (int c = 0; c < _VMCORE_CLASS_MAX; c++)
		excluded += x[c];
	excluded += s->not_in_input;
	remaining = s->ram_pages > excluded ? s->ram_pages - excluded : 0;

	row(line, u, "Original pages", s->ram_pages);
	row(line, u, "  Excluded pages", excluded);
	row(line, u, "    Pages filled with zero", x[VMCORE_CLASS_ZERO]);
	row(line, u, "    Non-private cache pages", x[VMCORE_CLASS_CACHE]);
	row(line, u, "    Private cache pages", x[VMCORE_CLASS_CACHE_PRIVATE]);
	row(line, u, "    User process data pages", x[VMCORE_CLASS_USER] + x[VMCORE_CLASS_HUGETLB]);
	row(line, u, "    Free pages", x[VMCORE_CLASS_FREE]);
	row(line, u, "    Hwpoison pages", x[VMCORE_CLASS_HWPOISON]);
	row(line, u, "    Offline pages", x[VMCORE_CLASS_OFFLINE]);
	if (s->not_in_input)
		row(line, u, "    Not in the input", s->not_in_input);
	row(line, u, "  Remaining pages", remaining);
	if (s->ram_pages)
		out(line, u, "  (The number of pages is reduced to %" PRIu64 "%%.)",
		    remaining * 100 / s->ram_pages);
	row(line, u, "Memory Hole", s->max_pfn - s->ram_pages);
	out(line, u, "--------------------------------------------------");
	row(line, u, "Total pages", s->max_pfn);
	if (s->classified)
		out(line, u, "Self-check                  : %" PRIu64 " pages guarded (kernel image, page "
		    "tables, struct pages), %" PRIu64 " kept that the filter would have dropped",
		    s->protected_pages, s->protected_kept);
	else if (o->dump_level & ~VMCORE_DL_ZERO)
		out(line, u, "Self-check                  : pages could not be classified, all were kept");
	if (s->protected_kept)
		out(line, u, "  kept by the self-check    : kernel image %" PRIu64 ", page tables %"
		    PRIu64 ", struct pages %" PRIu64, s->protected_kernel, s->protected_tables,
		    s->protected_memmap);
	out(line, u, "Pages written               : %" PRIu64 " of %" PRIu64 " (%" PRIu64
	    " compressed, %" PRIu64 " as the shared zero page, %" PRIu64 " as a copy of an "
	    "identical page)", s->written, s->to_write, s->compressed, s->zero_pages,
	    s->dup_pages);
	if (s->unreadable)
		out(line, u, "Pages lost (unreadable)     : %" PRIu64, s->unreadable);
	out(line, u, "Write bytes                 : %" PRIu64 " (%.1f MiB dump file)", s->bytes_written,
	    mib);
	out(line, u, "Time                        : %.2f s (scan %.2f s, copy %.2f s, %u workers, "
	    "%.0f MB/s of page data read)", s->seconds_total, s->seconds_scan, s->seconds_copy,
	    s->workers, s->seconds_copy > 0 ? (double)s->bytes_in / s->seconds_copy / 1e6 : 0.0);
}

void mdl_usage(const char *p, line_fn line, void *u)
{
	out(line, u, "Usage: %s [-c|-l|-p|-z] [-d LEVEL] [-E] [OPTIONS] VMCORE DUMPFILE", p);
	out(line, u, "       %s -F [-c|-l|-p|-z] [-d LEVEL] [-E] [OPTIONS] VMCORE > STREAM", p);
	out(line, u, "       %s -R DUMPFILE < STREAM", p);
	out(line, u, "       %s --dump-dmesg [-F] VMCORE LOGFILE", p);
	out(line, u, "%s", "");
	out(line, u, "Save a crash dump from VMCORE (/proc/vmcore in a capture kernel) without the");
	out(line, u, "pages the dump level leaves out, compressed, in the formats crash, drgn,");
	out(line, u, "libkdumpfile and makedumpfile read. Options mean what they mean to makedumpfile;");
	out(line, u, "those it has that are not implemented here are refused by name.");
	out(line, u, "%s", "");
	out(line, u, "  -d LEVEL           dump level, 0-31 (default 0); the sum of: 1 zero pages,");
	out(line, u, "                     2 cache without private data, 4 all cache, 8 user data,");
	out(line, u, "                     16 free pages");
	out(line, u, "  -c, -z             compress each page with zlib, zstd");
	out(line, u, "  -l, -p             ... with LZO, snappy%s", HAVE_LZO && HAVE_SNAPPY ? "" :
	    " (not all built in: see -v)");
	out(line, u, "  -E                 write an ELF dump instead of kdump-compressed");
	out(line, u, "  -F                 write a flattened stream to standard output");
	out(line, u, "  -R                 rebuild DUMPFILE from a flattened stream on standard input");
	out(line, u, "  -f                 overwrite DUMPFILE if it exists");
	out(line, u, "  -b ORDER           write in buffers of 2^ORDER pages (default 8, max 10)");
	out(line, u, "  --num-threads N    compression threads (default: the CPUs, up to 8,");
	out(line, u, "                     fewer when memory is short)");
	out(line, u, "  --dump-dmesg       write the crashed kernel's log to LOGFILE");
	out(line, u, "  --message-level N  what to print, the sum of: 1 progress, 2 common messages,");
	out(line, u, "                     4 errors, 8 debugging, 16 the report (default 7)");
	out(line, u, "  -D                 add debugging messages (--message-level +8)");
	out(line, u, "  --show-stats       add the report (--message-level +16)");
	out(line, u, "  --non-mmap         read VMCORE with read() only");
	out(line, u, "  --dry-run          do everything but write");
	out(line, u, "  --check-params     only check the options");
	out(line, u, "  -h, --help         this text");
	out(line, u, "  -v, --version      the version and the compression methods built in");
	out(line, u, "%s", "");
	out(line, u, "Exit status: 0 done, 1 failure (nothing usable written), 3 the dump is");
	out(line, u, "incomplete (a write failed, pages were unreadable, or the stream was cut");
	out(line, u, "short) but what was saved is readable. See makedumpfile-lite(8).");
}
