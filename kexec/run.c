/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Run one action through libkexec-core and turn its result into output and an exit code. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "kexec-cmdline.h"
#include "output.h"

static int build_cmdline(const KexecCtx *ctx, const KexecArgs *a, char **ret)
{
	_cleanup_free_ char *running = NULL;
	KexecCmdlineSpec spec = { .given = a->command_line, .append = a->append,
				  .boot_cpu_apicid = -1 };
	int r;

	if (a->command_line)
		spec.base = KEXEC_CMDLINE_GIVEN;
	else
		spec.base = a->action == ACTION_CRASH_LOAD ? KEXEC_CMDLINE_CAPTURE :
							     KEXEC_CMDLINE_REUSE;
	if (spec.base != KEXEC_CMDLINE_GIVEN) {
		r = kexec_cmdline_read_running(ctx, &running);
		if (r < 0) {
			fprintf(stderr, "%s: cannot read the running kernel's command line "
				"(/proc/cmdline): %s\n", program_name, strerror(-r));
			return EXIT_SYSTEM;
		}
		spec.running = running;
	}
	if (spec.base == KEXEC_CMDLINE_CAPTURE)
		(void)kexec_boot_cpu_apicid(ctx, &spec.boot_cpu_apicid);
	r = kexec_cmdline_build(&spec, ret);
	if (r == -EINVAL) {
		fprintf(stderr, "%s: a double quote is not closed in the command line%s\n",
			program_name, spec.base == KEXEC_CMDLINE_GIVEN ? "" :
			" (in --append, or in /proc/cmdline)");
		return EXIT_USAGE;
	}
	if (r < 0) {
		fprintf(stderr, "%s: cannot build the command line: %s\n", program_name,
			r == -E2BIG ? "more than 512 parameters" : strerror(-r));
		return EXIT_USAGE;
	}
	kexec_log(ctx, "command line from %s%s", spec.base == KEXEC_CMDLINE_GIVEN ?
		  "--command-line" : spec.base == KEXEC_CMDLINE_REUSE ? "/proc/cmdline" :
		  "/proc/cmdline with the capture rules", a->append ? ", plus --append" : "");
	return EXIT_OK;
}

static int run_load(const KexecCtx *ctx, const KexecArgs *a, KexecError *e)
{
	_cleanup_free_ char *cmdline = NULL;
	KexecLoadRequest req = { .crash = a->action == ACTION_CRASH_LOAD, .kernel = a->kernel,
				 .initrd = a->initrd, .no_fit_check = a->no_fit_check };
	int r;

	r = build_cmdline(ctx, a, &cmdline);
	if (r != EXIT_OK)
		return r;
	req.cmdline = cmdline;
	r = kexec_load_kernel(ctx, &req, e);
	return r < 0 ? print_error(e, r) : EXIT_OK;
}

static int run_status(const KexecCtx *ctx, const KexecArgs *a, KexecError *e)
{
	KexecStatus s;
	KexecFit fit;
	int r;

	r = kexec_status_read(ctx, &s);
	if (r < 0) {
		fprintf(stderr, "%s: cannot read the kexec state from /sys and /proc: %s\n",
			program_name, strerror(-r));
		return EXIT_SYSTEM;
	}
	if (a->action == ACTION_PRINT_CKR_SIZE) {
		int64_t region = kexec_status_region(&s);
		printf("%" PRId64 "\n", region < 0 ? 0 : region);
		return EXIT_OK;
	}
	if (a->kernel) {
		r = kexec_fit_files(ctx, a->kernel, a->initrd, &fit, e);
		if (r < 0)
			return print_error(e, r);
	}
	if (a->json)
		print_status_json(stdout, &s, a->kernel ? &fit : NULL, a->kernel, a->initrd);
	else
		print_status_text(stdout, &s, a->kernel ? &fit : NULL);
	return s.crash_loaded == 1 ? EXIT_OK : EXIT_NOT_LOADED;
}

int run_action(const KexecArgs *a)
{
	KexecCtx ctx;
	KexecError e = { 0 };
	int r;

	r = kexec_ctx_init(&ctx, "/");
	if (r < 0) {
		fprintf(stderr, "%s: cannot open '/': %s\n", program_name, strerror(-r));
		return EXIT_SYSTEM;
	}
	if (a->verbose) {
		ctx.log = print_log_line;
		if (a->ignored & IGNORED_FILE_SYSCALL)
			kexec_log(&ctx, "-s/-a ignored: kexec_file_load is the only system call used");
		if (a->ignored & IGNORED_NO_IFDOWN)
			kexec_log(&ctx, "-x ignored: network interfaces are never taken down");
	}
	switch (a->action) {
	case ACTION_LOAD:
	case ACTION_CRASH_LOAD:
		r = run_load(&ctx, a, &e);
		break;
	case ACTION_UNLOAD:
	case ACTION_CRASH_UNLOAD:
		r = kexec_unload_kernel(&ctx, a->action == ACTION_CRASH_UNLOAD, &e);
		r = r < 0 ? print_error(&e, r) : EXIT_OK;
		break;
	case ACTION_EXEC:
		r = kexec_exec_loaded(&ctx, a->delay, a->no_sync, print_countdown, NULL, &e);
		r = print_error(&e, r);
		break;
	case ACTION_STATUS:
	case ACTION_PRINT_CKR_SIZE:
		r = run_status(&ctx, a, &e);
		break;
	default:
		r = EXIT_USAGE;
		break;
	}
	kexec_error_done(&e);
	kexec_ctx_done(&ctx);
	return r;
}
