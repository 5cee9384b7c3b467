/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The command line. Our own options, kexec-tools' names that mean the same (--load-panic,
 * -p, -e, -u, --ramdisk, -s...), and kexec-tools' options we refuse by name with a hint.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "parse-util.h"

#define DELAY_MAX 3600

enum {
	OPT_LOAD = 0x100,
	OPT_CRASH_LOAD,
	OPT_UNLOAD,
	OPT_CRASH_UNLOAD,
	OPT_EXEC,
	OPT_STATUS,
	OPT_JSON,
	OPT_INITRD,
	OPT_COMMAND_LINE,
	OPT_APPEND,
	OPT_REUSE_CMDLINE,
	OPT_NO_SYNC,
	OPT_NO_FIT_CHECK,
	OPT_PRINT_CKR_SIZE,
	OPT_FILE_SYSCALL,
	OPT_NO_IFDOWN,
	OPT_REFUSED,
};

/* kexec-tools options we do not take, and what to do instead. */
static const struct refused {
	const char *name;
	char short_name;
	const char *hint;
} refused[] = {
	{ "kexec-syscall", 'c', "this kexec only uses kexec_file_load, not the legacy kexec_load" },
	{ "force", 'f', "loading and executing in one go is not supported: kexec --load KERNEL "
			"--reuse-cmdline, then systemctl kexec (or kexec --exec)" },
	{ "type", 't', "with kexec_file_load the kernel recognizes the image itself; drop it" },
	{ "no-checks", 'i', "with kexec_file_load the kernel builds and checks purgatory; drop it" },
	{ "mem-min", 0, "with kexec_file_load the kernel places the image itself; drop it" },
	{ "mem-max", 0, "with kexec_file_load the kernel places the image itself; drop it" },
	{ "reuseinitrd", 0, "pass the initrd with --initrd" },
	{ "load-preserve-context", 0, "kexec jump needs the legacy kexec_load, not supported" },
	{ "load-jump-back-helper", 0, "kexec jump needs the legacy kexec_load, not supported" },
	{ "entry", 0, "kexec jump needs the legacy kexec_load, not supported" },
	{ "hotplug", 0, "with kexec_file_load the kernel updates the capture kernel's ELF headers "
			"on CPU and memory hotplug itself (CONFIG_CRASH_HOTPLUG); drop it" },
	{ "serial", 0, "put console=ttyS0,BAUD into --append" },
	{ "serial-baud", 0, "put console=ttyS0,BAUD into --append" },
	{ "console-serial", 0, "put console=ttyS0 into --append" },
	{ "console-vga", 0, "put console=tty0 into --append" },
	{ "load-live-update", 0, "Xen live update is not supported" },
	{ "exec-live-update", 0, "Xen live update is not supported" },
	{ "real-mode", 0, NULL },
	{ "entry-32bit", 0, NULL },
	{ "reset-vga", 0, NULL },
	{ "elf32-core-headers", 0, NULL },
	{ "elf64-core-headers", 0, NULL },
	{ "pass-memmap-cmdline", 0, NULL },
	{ "noefi", 0, NULL },
	{ "reuse-video-type", 0, NULL },
	{ "module", 0, NULL },
	{ "dtb", 0, NULL },
	{ "force-dtb", 0, NULL },
	{ "no-cma", 0, NULL },
	{ "args-elf", 0, NULL },
	{ "args-linux", 0, NULL },
	{ "args-none", 0, NULL },
	{ NULL, 'S', "use --status, which exits 0 when a capture kernel is loaded (kexec-tools' -S "
		     "exits 1 then)" },
};
#define REFUSED_DEFAULT_HINT \
	"an option of kexec-tools' kexec_load loaders; with kexec_file_load the kernel builds the " \
	"boot parameters itself: drop it"

static const struct option base_options[] = {
	{ "load", optional_argument, NULL, OPT_LOAD },
	{ "crash-load", optional_argument, NULL, OPT_CRASH_LOAD },
	{ "unload", no_argument, NULL, OPT_UNLOAD },
	{ "crash-unload", no_argument, NULL, OPT_CRASH_UNLOAD },
	{ "exec", no_argument, NULL, OPT_EXEC },
	{ "status", no_argument, NULL, OPT_STATUS },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "initrd", required_argument, NULL, OPT_INITRD },
	{ "ramdisk", required_argument, NULL, OPT_INITRD },
	{ "command-line", required_argument, NULL, OPT_COMMAND_LINE },
	{ "append", required_argument, NULL, OPT_APPEND },
	{ "reuse-cmdline", no_argument, NULL, OPT_REUSE_CMDLINE },
	{ "load-config", required_argument, NULL, 'l' },
	{ "delay", required_argument, NULL, 'd' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "debug", no_argument, NULL, 'v' },
	{ "no-sync", no_argument, NULL, OPT_NO_SYNC },
	{ "no-fit-check", no_argument, NULL, OPT_NO_FIT_CHECK },
	{ "print-ckr-size", no_argument, NULL, OPT_PRINT_CKR_SIZE },
	{ "load-panic", no_argument, NULL, 'p' },
	{ "kexec-file-syscall", no_argument, NULL, OPT_FILE_SYSCALL },
	{ "kexec-syscall-auto", no_argument, NULL, OPT_FILE_SYSCALL },
	{ "no-ifdown", no_argument, NULL, OPT_NO_IFDOWN },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
};
#define N_BASE ELEMENTSOF(base_options)
#define N_REFUSED_LONG (ELEMENTSOF(refused) - 1)

static const char short_options[] = ":hVvd:l:peusaxycSfit:";

static int fail(char **reterr_msg, const char *fmt, ...) _printf_(2, 3);
static int fail(char **reterr_msg, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(reterr_msg, fmt, ap) < 0)
		*reterr_msg = NULL;
	va_end(ap);
	return -EINVAL;
}

static const char *action_option(KexecAction a)
{
	switch (a) {
	case ACTION_LOAD: return "--load";
	case ACTION_CRASH_LOAD: return "--crash-load";
	case ACTION_UNLOAD: return "--unload";
	case ACTION_CRASH_UNLOAD: return "--crash-unload";
	case ACTION_EXEC: return "--exec";
	case ACTION_STATUS: return "--status";
	case ACTION_PRINT_CKR_SIZE: return "--print-ckr-size";
	case ACTION_HELP: return "--help";
	case ACTION_VERSION: return "--version";
	case ACTION_NONE: break;
	}
	return "(none)";
}

static int set_action(KexecArgs *a, KexecAction action, char **msg)
{
	if (a->action != ACTION_NONE && a->action != action)
		return fail(msg, "%s and %s exclude each other: one action at a time",
			    action_option(a->action), action_option(action));
	a->action = action;
	return 0;
}

static int set_string(char **field, const char *opt, const char *value, char **msg)
{
	if (*field)
		return fail(msg, "%s is given twice", opt);
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

static int add_append(KexecArgs *a, const char *value)
{
	char *joined = NULL;

	if (!a->append) {
		a->append = strdup(value);
		return a->append ? 0 : -ENOMEM;
	}
	/* Several --append add up, in order. */
	if (asprintf(&joined, "%s %s", a->append, value) < 0)
		return -ENOMEM;
	free(a->append);
	a->append = joined;
	return 0;
}

/* as_long: the user wrote the long name, else the short one. */
static int refuse(const struct refused *r, int as_long, char **msg)
{
	char name[64];

	if (as_long)
		snprintf(name, sizeof(name), "--%s", r->name);
	else
		snprintf(name, sizeof(name), "-%c", r->short_name);
	return fail(msg, "%s (kexec-tools) is not supported: %s", name,
		    r->hint ? r->hint : REFUSED_DEFAULT_HINT);
}

static int refuse_short(int c, char **msg)
{
	for (size_t i = 0; i < ELEMENTSOF(refused); i++)
		if (refused[i].short_name == c)
			return refuse(&refused[i], 0, msg);
	return fail(msg, "invalid option -- '%c'", c);
}

static int parse_delay(KexecArgs *a, const char *v, char **msg)
{
	uint32_t d;

	if (safe_atou32(v, 10, &d) < 0 || d > DELAY_MAX)
		return fail(msg, "--delay: expected seconds (0-%d), got '%s'%s", DELAY_MAX, v,
			    v[0] == '-' ? " (kexec-tools' -d is --verbose here)" : "");
	a->delay = d;
	a->delay_set = 1;
	return 0;
}

/* bad_arg: the option as written, without "=value"; had_value: it had one. */
static int handle(KexecArgs *a, int c, const struct option *longopts, int longindex,
		  const char *bad_arg, int had_value, char **msg)
{
	switch (c) {
	case OPT_LOAD:
	case OPT_CRASH_LOAD:
		if (optarg && set_string(&a->kernel, "the kernel", optarg, msg) < 0)
			return -EINVAL;
		return set_action(a, c == OPT_LOAD ? ACTION_LOAD : ACTION_CRASH_LOAD, msg);
	case OPT_UNLOAD:
	case 'u':
		return set_action(a, ACTION_UNLOAD, msg);
	case OPT_CRASH_UNLOAD:
		return set_action(a, ACTION_CRASH_UNLOAD, msg);
	case OPT_EXEC:
	case 'e':
		return set_action(a, ACTION_EXEC, msg);
	case OPT_STATUS:
		return set_action(a, ACTION_STATUS, msg);
	case OPT_PRINT_CKR_SIZE:
		return set_action(a, ACTION_PRINT_CKR_SIZE, msg);
	case 'h':
		return set_action(a, ACTION_HELP, msg);
	case 'V':
		return set_action(a, ACTION_VERSION, msg);
	case 'p':
		a->panic_modifier = 1;
		return 0;
	case OPT_JSON:
		a->json = 1;
		return 0;
	case OPT_INITRD:
		return set_string(&a->initrd, "--initrd", optarg, msg);
	case OPT_COMMAND_LINE:
		return set_string(&a->command_line, "--command-line", optarg, msg);
	case OPT_APPEND:
		return add_append(a, optarg);
	case OPT_REUSE_CMDLINE:
		a->reuse_cmdline = 1;
		return 0;
	case 'l':
		return set_string(&a->config, "--load-config", optarg, msg);
	case 'd':
		return parse_delay(a, optarg, msg);
	case 'v':
		a->verbose = 1;
		return 0;
	case OPT_NO_SYNC:
	case 'y':
		a->no_sync = 1;
		return 0;
	case OPT_NO_FIT_CHECK:
		a->no_fit_check = 1;
		return 0;
	case OPT_FILE_SYSCALL:
	case 's':
	case 'a':
		a->ignored |= IGNORED_FILE_SYSCALL;
		return 0;
	case OPT_NO_IFDOWN:
	case 'x':
		a->ignored |= IGNORED_NO_IFDOWN;
		return 0;
	case OPT_REFUSED:
		for (size_t i = 0; i < N_REFUSED_LONG; i++)
			if (!strcmp(refused[i].name, longopts[longindex].name))
				return refuse(&refused[i], 1, msg);
		return -EINVAL;
	case ':':
		return fail(msg, "%s needs a value", bad_arg);
	case '?':
		if (bad_arg[0] == '-' && bad_arg[1] == '-') {
			if (optopt && had_value)
				return fail(msg, "%s does not take a value", bad_arg);
			return fail(msg, "unknown or ambiguous option '%s'", bad_arg);
		}
		return refuse_short(optopt, msg);
	default:
		return refuse_short(c, msg);
	}
}

int kexec_args_parse(int argc, char **argv, KexecArgs *ret, char **reterr_msg)
{
	struct option longopts[N_BASE + N_REFUSED_LONG + 1];
	KexecArgs a = { 0 };
	int c, longindex, r;

	memcpy(longopts, base_options, sizeof(base_options));
	for (size_t i = 0; i < N_REFUSED_LONG; i++)
		longopts[N_BASE + i] = (struct option){ refused[i].name, optional_argument, NULL,
							OPT_REFUSED };
	longopts[N_BASE + N_REFUSED_LONG] = (struct option){ 0 };

	*reterr_msg = NULL;
	optind = 0; /* GNU: start afresh, also when called again (tests) */
	opterr = 0;
	for (;;) {
		longindex = -1;
		c = getopt_long(argc, argv, short_options, longopts, &longindex);
		if (c == -1)
			break;
		/* The option getopt stopped at, for "unknown option" and "needs a value". */
		const char *word = optind > 0 && optind <= argc ? argv[optind - 1] : "?";
		char name[64];
		if (word[0] == '-' && word[1] == '-')
			snprintf(name, sizeof(name), "%.*s", (int)strcspn(word, "="), word);
		else if (optopt > 0 && optopt < 0x100)
			snprintf(name, sizeof(name), "-%c", optopt);
		else
			snprintf(name, sizeof(name), "%s", word);
		r = handle(&a, c, longopts, longindex, name, strchr(word, '=') != NULL, reterr_msg);
		if (r < 0)
			goto fail;
	}
	for (int i = optind; i < argc; i++) {
		if (a.kernel) {
			r = fail(reterr_msg, "unexpected argument '%s' (the kernel is '%s')", argv[i],
				 a.kernel);
			goto fail;
		}
		a.kernel = strdup(argv[i]);
		if (!a.kernel) {
			r = -ENOMEM;
			goto fail;
		}
	}
	*ret = a;
	return 0;
fail:
	kexec_args_done(&a);
	return r;
}

void kexec_args_done(KexecArgs *a)
{
	free(a->kernel);
	free(a->initrd);
	free(a->command_line);
	free(a->append);
	free(a->config);
	*a = (KexecArgs){ 0 };
}

/* ---- what goes with what, and the load-config file ---- */

static int is_load(KexecAction a)
{
	return a == ACTION_LOAD || a == ACTION_CRASH_LOAD;
}

/* Options that only make sense with some actions; given with another, they are a mistake. */
static int check_combinations(const KexecArgs *a, char **msg)
{
	const char *with_load = "only goes with --load or --crash-load";

	if (a->kernel && !is_load(a->action) && a->action != ACTION_STATUS)
		return fail(msg, "a kernel ('%s') goes only with --load, --crash-load or --status",
			    a->kernel);
	if (a->initrd && !is_load(a->action) && a->action != ACTION_STATUS)
		return fail(msg, "--initrd goes only with --load, --crash-load or --status");
	if (a->command_line && !is_load(a->action))
		return fail(msg, "--command-line %s", with_load);
	if (a->append && !is_load(a->action))
		return fail(msg, "--append %s", with_load);
	if (a->reuse_cmdline && !is_load(a->action))
		return fail(msg, "--reuse-cmdline %s", with_load);
	if (a->no_fit_check && a->action != ACTION_CRASH_LOAD)
		return fail(msg, "--no-fit-check only goes with --crash-load");
	if (a->command_line && a->reuse_cmdline)
		return fail(msg, "--command-line and --reuse-cmdline exclude each other: the first "
			    "sets the whole line, the second takes the running kernel's (add to "
			    "either with --append)");
	if ((a->delay_set || a->no_sync) && a->action != ACTION_EXEC)
		return fail(msg, "%s only goes with --exec", a->delay_set ? "--delay" : "--no-sync");
	if (a->json && a->action != ACTION_STATUS)
		return fail(msg, "--json only goes with --status");
	if (a->config && (a->action == ACTION_HELP || a->action == ACTION_VERSION))
		return fail(msg, "--load-config goes with an action");
	return 0;
}

static int take(char **field, const char *value)
{
	if (*field || !value)
		return 0;
	*field = strdup(value);
	return *field ? 0 : -ENOMEM;
}

/* The command line wins; the file fills in what it did not say. */
static int merge_config(KexecArgs *a, const KexecLoadConfig *c)
{
	if (is_load(a->action) || a->action == ACTION_STATUS) {
		if (take(&a->kernel, c->kernel) < 0 || take(&a->initrd, c->initrd) < 0)
			return -ENOMEM;
	}
	if (is_load(a->action)) {
		if (!a->command_line && !a->reuse_cmdline) {
			if (take(&a->command_line, c->command_line) < 0)
				return -ENOMEM;
			a->reuse_cmdline = c->reuse_cmdline == 1;
		}
		if (take(&a->append, c->append) < 0)
			return -ENOMEM;
	}
	if (a->action == ACTION_EXEC && !a->delay_set && c->delay >= 0) {
		a->delay = (unsigned)c->delay;
		a->delay_set = 1;
	}
	return 0;
}

int kexec_args_finish(KexecArgs *a, const KexecLoadConfig *config, char **reterr_msg)
{
	int r;

	*reterr_msg = NULL;
	if (a->action == ACTION_HELP || a->action == ACTION_VERSION)
		return 0;
	if (a->panic_modifier) {
		if (a->action == ACTION_NONE || a->action == ACTION_LOAD)
			a->action = ACTION_CRASH_LOAD;
		else if (a->action == ACTION_UNLOAD)
			a->action = ACTION_CRASH_UNLOAD;
		else if (a->action != ACTION_CRASH_LOAD && a->action != ACTION_CRASH_UNLOAD)
			return fail(reterr_msg, "-p (--load-panic) goes with a kernel to load or with "
				    "--unload, not with %s", action_option(a->action));
	}
	if (a->action == ACTION_NONE && config && config->crash >= 0)
		a->action = config->crash ? ACTION_CRASH_LOAD : ACTION_LOAD;
	if (a->action == ACTION_NONE) {
		if (a->kernel)
			return fail(reterr_msg, "what should happen to '%s'? Say --load or "
				    "--crash-load", a->kernel);
		return fail(reterr_msg, "no action given: --load, --crash-load, --unload, "
			    "--crash-unload, --exec or --status");
	}
	r = check_combinations(a, reterr_msg);
	if (r < 0)
		return r;
	if (config && merge_config(a, config) < 0)
		return -ENOMEM;
	if (a->initrd && !*a->initrd) {
		free(a->initrd);
		a->initrd = NULL;
	}
	if (is_load(a->action) && !a->kernel)
		return fail(reterr_msg, "%s needs a KERNEL (the last argument, or %s=KERNEL)",
			    action_option(a->action), action_option(a->action));
	if (a->action == ACTION_LOAD && !a->command_line && !a->reuse_cmdline)
		return fail(reterr_msg, "--load needs a command line: --reuse-cmdline (the running "
			    "kernel's), --command-line=STRING, or --command-line='' for none%s",
			    a->append ? "; --append adds to one of them" : "");
	return 0;
}
