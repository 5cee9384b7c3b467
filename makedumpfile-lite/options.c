/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line, as makedumpfile reads it: the same option letters and names mean the same
 * thing. An option makedumpfile has that we do not implement is refused by name, never
 * silently ignored, so that a kdump configuration written for makedumpfile fails loudly
 * rather than producing a different dump than it asked for.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "macro.h"
#include "mdl.h"
#include "parse-util.h"

enum {
	OPT_NUM_THREADS = 0x100,
	OPT_MESSAGE_LEVEL,
	OPT_DUMP_DMESG,
	OPT_NON_MMAP,
	OPT_CHECK_PARAMS,
	OPT_DRY_RUN,
	OPT_SHOW_STATS,
	OPT_VERSION,
	OPT_REFUSED, /* + index into refused[] */
};

/* makedumpfile's options we refuse, and what they would have done. */
static const struct refused {
	const char *name; /* long name, or NULL */
	char letter;      /* short option, or 0 */
	int has_arg;
	const char *what;
} refused[] = {
	{ "split", 0, no_argument, "splitting the dump into several files" },
	{ "reassemble", 0, no_argument, "reassembling split dump files" },
	{ "splitblock-size", 0, required_argument, "the block size of --split" },
	{ "xen-syms", 0, required_argument, "Xen hypervisor dumps" },
	{ "xen-vmcoreinfo", 0, required_argument, "Xen hypervisor dumps" },
	{ "xen_phys_start", 0, required_argument, "Xen hypervisor dumps" },
	{ "vtop", 0, required_argument, "translating an address (use 'vmcore read --virt')" },
	{ "partial-dmesg", 0, no_argument, "the log since the last 'dmesg -c'" },
	{ "config", 0, required_argument, "erasing kernel data named in a filter file" },
	{ "eppic", 0, required_argument, "erasing kernel data with eppic macros" },
	{ "diskset", 0, required_argument, "sadump disk sets" },
	{ "cyclic-buffer", 0, required_argument,
	  "sizing the bitmap buffer: the memory use is bounded without it" },
	{ "work-dir", 0, required_argument,
	  "keeping bitmaps in files: the memory use is bounded without it" },
	{ "mem-usage", 0, no_argument, "estimating the dump size from /proc/kcore" },
	{ "extension", 0, required_argument, "filter extensions" },
	{ NULL, 'e', no_argument, "excluding unused vmemmap pages (-e)" },
	{ NULL, 'g', required_argument, "generating VMCOREINFO from vmlinux (-g)" },
	{ NULL, 'i', required_argument, "reading VMCOREINFO from a file (-i)" },
	{ NULL, 'L', required_argument, "limiting the dump size (-L)" },
	{ NULL, 'X', no_argument, "excluding Xen domains (-X)" },
	{ NULL, 'x', required_argument, "reading symbols from vmlinux (-x)" },
};

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static int refuse(const struct refused *x, char *err, size_t errlen)
{
	if (x->name)
		return fail(err, errlen, "option '--%s' is not supported by makedumpfile-lite (%s)",
			    x->name, x->what);
	return fail(err, errlen, "option '-%c' is not supported by makedumpfile-lite (%s)",
		    x->letter, x->what);
}

static int set_compression(struct mdl_options *o, char letter, char *err, size_t errlen)
{
	switch (letter) {
	case 'c':
		o->compression = VMCORE_COMPRESS_ZLIB;
		return 0;
	case 'z':
		o->compression = VMCORE_COMPRESS_ZSTD;
		return 0;
	case 'l':
		if (!HAVE_LZO)
			return fail(err, errlen, "-l (LZO) is not available: this makedumpfile-lite "
				    "was built without liblzo2; use -z (zstd) or -c (zlib)");
		o->compression = VMCORE_COMPRESS_LZO;
		return 0;
	case 'p':
		if (!HAVE_SNAPPY)
			return fail(err, errlen, "-p (snappy) is not available: this makedumpfile-lite "
				    "was built without libsnappy; use -z (zstd) or -c (zlib)");
		o->compression = VMCORE_COMPRESS_SNAPPY;
		return 0;
	}
	return -EINVAL;
}

static int parse_number(const char *what, const char *arg, uint32_t max, uint32_t *ret, char *err,
			size_t errlen)
{
	uint32_t v;

	if (safe_atou32(arg, 10, &v) < 0 || v > max)
		return fail(err, errlen, "invalid %s '%s' (0-%u)", what, arg, max);
	*ret = v;
	return 0;
}

static int check_combination(struct mdl_options *o, int set_level, int set_compress, int npos,
			     char **pos, char *err, size_t errlen)
{
	switch (o->mode) {
	case MDL_MODE_HELP:
	case MDL_MODE_VERSION:
		return 0;
	case MDL_MODE_REARRANGE:
		if (set_level || set_compress || o->format == MDL_FORMAT_ELF || o->flatten ||
		    o->dry_run)
			return fail(err, errlen, "-R takes no dump options: the stream's own format "
				    "is rebuilt as it is");
		if (npos != 1)
			return fail(err, errlen, "-R needs exactly one DUMPFILE (the stream is read "
				    "from standard input)");
		o->dumpfile = pos[0];
		return 0;
	case MDL_MODE_DMESG:
		if (o->dry_run)
			return fail(err, errlen, "--dry-run cannot be used with --dump-dmesg");
		break;
	case MDL_MODE_DUMP:
		if (set_compress && o->format == MDL_FORMAT_ELF)
			return fail(err, errlen, "-E cannot be combined with -c, -l, -p or -z: ELF "
				    "dumps are not compressed");
		break;
	}
	if (o->flatten) {
		if (npos != 1)
			return fail(err, errlen, "with -F, give only VMCORE: the %s goes to standard "
				    "output", o->mode == MDL_MODE_DMESG ? "log" : "dump");
		o->vmcore = pos[0];
		o->dumpfile = NULL;
		return 0;
	}
	if (npos != 2)
		return fail(err, errlen, "expected VMCORE and %s", o->mode == MDL_MODE_DMESG ?
			    "LOGFILE" : "DUMPFILE");
	o->vmcore = pos[0];
	o->dumpfile = pos[1];
	return 0;
}

int mdl_parse_options(int argc, char **argv, struct mdl_options *ret, char *err, size_t errlen)
{
	struct option longopts[64];
	char shortopts[64] = "b:cDd:EFfhlpRvz";
	struct mdl_options o = {
		.mode = MDL_MODE_DUMP,
		.dump_level = 0,
		.format = MDL_FORMAT_KDUMP,
		.message_level = MDL_ML_DEFAULT,
		.block_order = 8,
	};
	int debug = 0, show_stats = 0, set_level = 0, set_compress = 0, ml_set = 0;
	size_t n = 0, s = strlen(shortopts);
	uint32_t u = 0;
	int c, r;

	static const struct option ours[] = {
		{ "num-threads", required_argument, NULL, OPT_NUM_THREADS },
		{ "message-level", required_argument, NULL, OPT_MESSAGE_LEVEL },
		{ "dump-dmesg", no_argument, NULL, OPT_DUMP_DMESG },
		{ "non-mmap", no_argument, NULL, OPT_NON_MMAP },
		{ "check-params", no_argument, NULL, OPT_CHECK_PARAMS },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ "show-stats", no_argument, NULL, OPT_SHOW_STATS },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, OPT_VERSION },
	};
	for (size_t i = 0; i < ELEMENTSOF(ours); i++)
		longopts[n++] = ours[i];
	for (size_t i = 0; i < ELEMENTSOF(refused); i++) {
		if (refused[i].name)
			longopts[n++] = (struct option){ refused[i].name, refused[i].has_arg, NULL,
							 OPT_REFUSED + (int)i };
		else {
			shortopts[s++] = refused[i].letter;
			if (refused[i].has_arg)
				shortopts[s++] = ':';
		}
	}
	longopts[n] = (struct option){};
	shortopts[s] = '\0';

	if (errlen)
		err[0] = '\0';
	optind = 0; /* a full reset: the caller may parse twice (tests do) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, shortopts, longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			r = parse_number("block order", optarg, 10, &u, err, errlen);
			if (r < 0)
				return r;
			o.block_order = u;
			break;
		case 'c':
		case 'l':
		case 'p':
		case 'z':
			r = set_compression(&o, (char)c, err, errlen);
			if (r < 0)
				return r;
			set_compress = 1;
			break;
		case 'D':
			debug = 1;
			break;
		case 'd':
			if (strchr(optarg, ','))
				return fail(err, errlen, "a list of dump levels ('-d %s': retrying with "
					    "the next level when the disk is full) is not supported: "
					    "give one level", optarg);
			r = parse_number("dump level", optarg, MDL_MAX_DUMP_LEVEL, &u, err, errlen);
			if (r < 0)
				return r;
			o.dump_level = (int)u;
			set_level = 1;
			break;
		case 'E':
			o.format = MDL_FORMAT_ELF;
			break;
		case 'F':
			o.flatten = 1;
			break;
		case 'f':
			o.force = 1;
			break;
		case 'h':
			o.mode = MDL_MODE_HELP;
			break;
		case 'R':
			if (o.mode == MDL_MODE_DMESG)
				return fail(err, errlen, "-R and --dump-dmesg cannot be combined");
			o.mode = MDL_MODE_REARRANGE;
			break;
		case 'v':
		case OPT_VERSION:
			if (o.mode != MDL_MODE_HELP)
				o.mode = MDL_MODE_VERSION;
			break;
		case OPT_NUM_THREADS:
			r = parse_number("number of threads", optarg, MDL_MAX_THREADS, &u, err, errlen);
			if (r < 0)
				return r;
			o.num_threads = u;
			break;
		case OPT_MESSAGE_LEVEL:
			r = parse_number("message level", optarg, MDL_ML_MAX, &u, err, errlen);
			if (r < 0)
				return r;
			o.message_level = (int)u;
			ml_set = 1;
			break;
		case OPT_DUMP_DMESG:
			if (o.mode == MDL_MODE_REARRANGE)
				return fail(err, errlen, "-R and --dump-dmesg cannot be combined");
			o.mode = MDL_MODE_DMESG;
			break;
		case OPT_NON_MMAP:
			o.non_mmap = 1;
			break;
		case OPT_CHECK_PARAMS:
			o.check_params = 1;
			break;
		case OPT_DRY_RUN:
			o.dry_run = 1;
			break;
		case OPT_SHOW_STATS:
			show_stats = 1;
			break;
		case '?':
			if (optopt) {
				for (size_t i = 0; i < ELEMENTSOF(refused); i++)
					if (refused[i].letter == optopt)
						return fail(err, errlen, "option '-%c' needs an argument",
							    optopt);
				for (size_t i = 0; i < ELEMENTSOF(ours); i++)
					if (ours[i].val == optopt)
						return fail(err, errlen, "option '--%s' needs an "
							    "argument", ours[i].name);
				if (strchr("bd", optopt))
					return fail(err, errlen, "option '-%c' needs an argument",
						    optopt);
				return fail(err, errlen, "unknown option '-%c'", optopt);
			}
			return fail(err, errlen, "unknown or incomplete option '%s'",
				    argv[optind - 1]);
		default:
			if (c >= OPT_REFUSED && c < OPT_REFUSED + (int)ELEMENTSOF(refused))
				return refuse(&refused[c - OPT_REFUSED], err, errlen);
			for (size_t i = 0; i < ELEMENTSOF(refused); i++)
				if (refused[i].letter && refused[i].letter == c)
					return refuse(&refused[i], err, errlen);
			return fail(err, errlen, "unexpected option");
		}
	}
	if (debug)
		o.message_level |= MDL_ML_DEBUG;
	if (show_stats)
		o.message_level |= MDL_ML_REPORT;
	if (o.check_params && !ml_set)
		o.message_level = MDL_ML_DEFAULT;

	r = check_combination(&o, set_level, set_compress, argc - optind, argv + optind, err,
			      errlen);
	if (r < 0)
		return r;
	*ret = o;
	return 0;
}
