/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* kdumpctl's command line: COMMAND and options anywhere, each option only where it means
 * something. */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdumpctl.h"
#include "parse-util.h"

enum {
	OPT_HELP = 'h',
	OPT_VERBOSE = 'v',
	OPT_VERSION = 0x100,
	OPT_CONFIG,
	OPT_ROOT,
	OPT_JSON,
	OPT_DRY_RUN,
	OPT_FORCE,
	OPT_SET,
	OPT_YES,
	OPT_KERNEL,
	OPT_INITRD,
	OPT_EXTRA,
	OPT_DIR,
};

static const struct option options[] = {
	{ "help", no_argument, NULL, OPT_HELP },
	{ "version", no_argument, NULL, OPT_VERSION },
	{ "verbose", no_argument, NULL, OPT_VERBOSE },
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "root", required_argument, NULL, OPT_ROOT },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "set", required_argument, NULL, OPT_SET },
	{ "yes", no_argument, NULL, OPT_YES },
	{ "kernel", required_argument, NULL, OPT_KERNEL },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "extra", required_argument, NULL, OPT_EXTRA },
	{ "dir", required_argument, NULL, OPT_DIR },
	{ 0 },
};

#define BIT(o) (1u << ((o) - OPT_VERSION))
/* Options every command takes. */
#define COMMON (BIT(OPT_CONFIG) | BIT(OPT_ROOT))

static const struct command {
	const char *name;
	CtlCommand cmd;
	unsigned allowed;       /* BIT()s of the options it takes besides COMMON, --help */
} commands[] = {
	{ "start", CMD_START, 0 },
	{ "stop", CMD_STOP, 0 },
	{ "restart", CMD_RESTART, 0 },
	{ "reload", CMD_RELOAD, 0 },
	{ "status", CMD_STATUS, BIT(OPT_JSON) },
	{ "rebuild", CMD_REBUILD, 0 },
	{ "check-config", CMD_CHECK_CONFIG, 0 },
	{ "estimate", CMD_ESTIMATE, BIT(OPT_JSON) | BIT(OPT_KERNEL) | BIT(OPT_INITRD) |
					    BIT(OPT_EXTRA) },
	{ "showmem", CMD_SHOWMEM, BIT(OPT_JSON) },
	{ "crashkernel", CMD_CRASHKERNEL, BIT(OPT_SET) | BIT(OPT_DRY_RUN) | BIT(OPT_FORCE) },
	{ "test-panic", CMD_TEST_PANIC, BIT(OPT_YES) },
	{ "list", CMD_LIST, BIT(OPT_JSON) | BIT(OPT_DIR) },
	{ "propagate", CMD_PROPAGATE, BIT(OPT_YES) },
	{ "fetch", CMD_FETCH, 0 },
	{ "help", CMD_HELP, 0 },
	{ "version", CMD_VERSION, 0 },
};

/* Arguments after the command. */
static unsigned operands_of(CtlCommand c)
{
	return c == CMD_FETCH ? 2 : 0;
}

const char *ctl_command_name(CtlCommand c)
{
	for (size_t i = 0; i < ELEMENTSOF(commands); i++)
		if (commands[i].cmd == c)
			return commands[i].name;
	return "kdumpctl";
}

void ctl_usage(FILE *f)
{
	fputs("Usage: kdumpctl [--config FILE] COMMAND [OPTIONS]\n"
	      "\n"
	      "Prepare the capture kernel that saves the memory of a crashed kernel.\n"
	      "\n"
	      "Commands:\n"
	      "  start                 check the configuration and the reservation, build the\n"
	      "                        capture initramfs if its inputs changed, load the capture\n"
	      "                        kernel\n"
	      "  stop                  unload the capture kernel\n"
	      "  restart               stop, then start\n"
	      "  reload                unload and load again, without rebuilding\n"
	      "  status [--json]       say whether kdump is ready, and why not (exit 3)\n"
	      "  rebuild               build the capture initramfs now\n"
	      "  check-config          report every problem of the configuration\n"
	      "  estimate [--json] [--kernel FILE] [--initrd FILE] [--extra NAME=SIZE]...\n"
	      "                        the crashkernel= this system needs, and how it adds up\n"
	      "  showmem [--json]      the memory reserved for the capture kernel\n"
	      "  crashkernel --set SIZE|auto [--dry-run] [--force]\n"
	      "                        set crashkernel= for the next boot in the boot loader\n"
	      "  test-panic [--yes]    crash the system now to test kdump (asks first)\n"
	      "  list [--json] [--dir DIR]\n"
	      "                        the saved dumps (on the ssh server for an ssh target)\n"
	      "  propagate [--yes]     ssh target: create the key, install it on the server, pin\n"
	      "                        the server's host key\n"
	      "  fetch NAME DIR        copy a dump into DIR/NAME and rebuild it into a vmcore\n"
	      "\n"
	      "Options:\n"
	      "  --config FILE         the configuration (default /etc/kdump.conf)\n"
	      "  --root DIR            work on the system below DIR (an image, a test tree)\n"
	      "  -v, --verbose         show dracut's output while building\n"
	      "  -h, --help            this text\n"
	      "  --version             the version\n"
	      "\n"
	      "Exit status: 0 done (status: ready), 1 failed, 2 bad command line, 3 not ready,\n"
	      "4 configuration errors. See kdumpctl(8) and kdump.conf(5).\n",
	      f);
}

static int fail(char **ret_msg, const char *fmt, ...) _printf_(2, 3);
static int fail(char **ret_msg, const char *fmt, ...)
{
	va_list ap;
	char *m = NULL;

	va_start(ap, fmt);
	if (vasprintf(&m, fmt, ap) < 0)
		m = NULL;
	va_end(ap);
	*ret_msg = m;
	return CTL_EXIT_USAGE;
}

static const char *option_name(int opt)
{
	for (const struct option *o = options; o->name; o++)
		if (o->val == opt)
			return o->name;
	return "?";
}

static int parse_extra(CtlArgs *a, const char *s, char **ret_msg)
{
	const char *eq = strchr(s, '=');
	uint64_t bytes;

	if (!eq || eq == s)
		return fail(ret_msg, "--extra wants NAME=SIZE, e.g. --extra luks-argon2=1G");
	if ((size_t)(eq - s) >= sizeof(a->extra_names[0]))
		return fail(ret_msg, "--extra %.*s: the name is too long", (int)(eq - s), s);
	if (parse_size(eq + 1, &bytes) < 0)
		return fail(ret_msg, "--extra %s: '%s' is not a size (512M, 1G...)", s, eq + 1);
	if (a->n_extras >= KDUMP_ESTIMATE_MAX_EXTRAS)
		return fail(ret_msg, "at most %d --extra", KDUMP_ESTIMATE_MAX_EXTRAS);
	snprintf(a->extra_names[a->n_extras], sizeof(a->extra_names[0]), "%.*s", (int)(eq - s), s);
	a->extras[a->n_extras] = (KdumpEstimateExtra){ .name = a->extra_names[a->n_extras],
						       .bytes = bytes };
	a->n_extras++;
	return 0;
}

int ctl_args_parse(int argc, char **argv, CtlArgs *ret, char **ret_msg)
{
	CtlArgs a = { .command = CMD_NONE };
	unsigned seen = 0;
	const struct command *cmd = NULL;
	int c, r;

	*ret_msg = NULL;
	optind = 0; /* GNU: start afresh, also when called again (tests) */
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":hv", options, NULL)) != -1) {
		switch (c) {
		case OPT_HELP:
			a.command = CMD_HELP;
			break;
		case OPT_VERSION:
			a.command = CMD_VERSION;
			break;
		case OPT_VERBOSE:
			a.verbose = true;
			break;
		case OPT_CONFIG:
			a.config = optarg;
			break;
		case OPT_ROOT:
			a.root = optarg;
			break;
		case OPT_JSON:
			a.json = true;
			break;
		case OPT_DRY_RUN:
			a.dry_run = true;
			break;
		case OPT_FORCE:
			a.force = true;
			break;
		case OPT_SET:
			a.set = optarg;
			break;
		case OPT_YES:
			a.yes = true;
			break;
		case OPT_KERNEL:
			a.kernel = optarg;
			break;
		case OPT_INITRD:
			a.initrd = optarg;
			break;
		case OPT_DIR:
			a.dir = optarg;
			break;
		case OPT_EXTRA:
			r = parse_extra(&a, optarg, ret_msg);
			if (r)
				return r;
			break;
		case ':':
			return fail(ret_msg, "option '%s' needs a value", argv[optind - 1]);
		default:
			return fail(ret_msg, "unknown option '%s'", argv[optind - 1]);
		}
		if (c >= OPT_VERSION)
			seen |= BIT(c);
	}
	if (optind < argc) {
		for (size_t i = 0; i < ELEMENTSOF(commands); i++)
			if (strcmp(argv[optind], commands[i].name) == 0)
				cmd = &commands[i];
		if (!cmd)
			return fail(ret_msg, "unknown command '%s'", argv[optind]);
		unsigned want = operands_of(cmd->cmd);

		if ((unsigned)(argc - optind - 1) > want)
			return fail(ret_msg, "unexpected argument '%s'", argv[optind + 1 + want]);
		if (a.command != CMD_HELP && a.command != CMD_VERSION &&
		    (unsigned)(argc - optind - 1) < want)
			return fail(ret_msg, "'%s' needs %u argument%s (see --help)", cmd->name,
				    want, want == 1 ? "" : "s");
		for (unsigned i = 0; i < want && optind + 1 + (int)i < argc; i++)
			a.operands[a.n_operands++] = argv[optind + 1 + i];
		if (a.command != CMD_HELP && a.command != CMD_VERSION)
			a.command = cmd->cmd;
	}
	if (a.command == CMD_NONE)
		return fail(ret_msg, "no command given");
	if (a.command == CMD_HELP || a.command == CMD_VERSION) {
		*ret = a;
		return 0;
	}
	seen &= ~(COMMON | BIT(OPT_VERSION));
	for (int o = OPT_VERSION; seen; o++)
		if (seen & BIT(o) & ~cmd->allowed)
			return fail(ret_msg, "'%s' does not take --%s", cmd->name, option_name(o));
		else
			seen &= ~BIT(o);
	/* These act on the running kernel, whatever tree --root names. */
	if (a.root && strcmp(a.root, "/") != 0 &&
	    (a.command == CMD_START || a.command == CMD_STOP || a.command == CMD_RESTART ||
	     a.command == CMD_RELOAD))
		return fail(ret_msg, "'%s' loads or unloads in the running kernel: it does not "
			    "take --root", cmd->name);
	if (a.command == CMD_CRASHKERNEL && !a.set)
		return fail(ret_msg, "crashkernel needs --set SIZE|auto");
	*ret = a;
	/* The names point into the copy. */
	for (size_t i = 0; i < ret->n_extras; i++)
		ret->extras[i].name = ret->extra_names[i];
	return 0;
}
