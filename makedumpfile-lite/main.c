/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* makedumpfile-lite: parse, run, print. Everything else is in libmdl-core (mdl.h). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "mdl.h"

#define EXIT_INCOMPLETE 3

static const char *program = "makedumpfile-lite";

struct ui {
	const struct mdl_options *o;
	FILE *msg;        /* common messages and the report: stdout, stderr with -F */
	int progress;     /* stderr is a terminal (or the console) and level 1 is on */
	int progress_open; /* a progress line is on the screen, unfinished */
};

static void end_progress_line(struct ui *ui)
{
	if (ui->progress_open) {
		fputc('\n', stderr);
		ui->progress_open = 0;
	}
}

static void on_message(int level, const char *text, void *userdata)
{
	struct ui *ui = userdata;

	if (!(ui->o->message_level & level))
		return;
	end_progress_line(ui);
	if (level & (MDL_ML_ERROR | MDL_ML_DEBUG))
		fprintf(stderr, "%s: %s\n", program, text);
	else
		fprintf(ui->msg, "%s\n", text);
	fflush(ui->msg);
}

static void on_progress(const struct mdl_progress *p, void *userdata)
{
	struct ui *ui = userdata;
	char line[160];

	if (!ui->progress)
		return;
	mdl_progress_format(p, line, sizeof(line));
	fprintf(stderr, "\r%s\033[K", line);
	ui->progress_open = !p->finished;
	if (p->finished)
		fputc('\n', stderr);
	fflush(stderr);
}

static void print_line(const char *text, void *userdata)
{
	fprintf(userdata, "%s\n", text);
}

static void print_version(void)
{
	printf("%s %s (options and formats of makedumpfile 1.7)\n", program, PROJECT_VERSION);
	printf("zlib\tenabled\nlzo\t%s\nsnappy\t%s\nzstd\tenabled\n",
	       HAVE_LZO ? "enabled" : "disabled", HAVE_SNAPPY ? "enabled" : "disabled");
}

int main(int argc, char **argv)
{
	struct mdl_options o;
	struct mdl_stats st;
	char err[1024];
	struct ui ui = { .o = &o };
	struct mdl_callbacks cb = { .message = on_message, .progress = on_progress,
				    .userdata = &ui };
	int r;

	if (mdl_parse_options(argc, argv, &o, err, sizeof(err)) < 0) {
		fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", program, err,
			program);
		return 1;
	}
	if (o.mode == MDL_MODE_HELP) {
		mdl_usage(program, print_line, stdout);
		return 0;
	}
	if (o.mode == MDL_MODE_VERSION) {
		print_version();
		return 0;
	}
	ui.msg = o.flatten ? stderr : stdout;
	/*
	 * A file size limit (ulimit -f) is a full disk, and a stream's reader going away (ssh
	 * dropped) a broken pipe: write errors the dump is marked for, not a killed collector.
	 */
	signal(SIGXFSZ, SIG_IGN);
	signal(SIGPIPE, SIG_IGN);
	ui.progress = (o.message_level & MDL_ML_PROGRESS) && isatty(STDERR_FILENO);

	r = mdl_run(&o, &cb, &st, err, sizeof(err));
	end_progress_line(&ui);
	if (o.mode == MDL_MODE_DUMP && !o.check_params && (o.message_level & MDL_ML_REPORT) &&
	    st.max_pfn)
		mdl_summary(&o, &st, print_line, ui.msg);
	if (r < 0) {
		if (o.message_level & MDL_ML_ERROR)
			fprintf(stderr, "%s: %s\n", program, err);
		return st.incomplete ? EXIT_INCOMPLETE : 1;
	}
	if (o.mode == MDL_MODE_DUMP && !o.check_params && (o.message_level & MDL_ML_COMMON)) {
		if (st.protected_kept)
			fprintf(ui.msg, "The self-check kept %llu pages the filter would have "
				"dropped (kernel image %llu, page tables %llu, struct pages %llu).\n",
				(unsigned long long)st.protected_kept,
				(unsigned long long)st.protected_kernel,
				(unsigned long long)st.protected_tables,
				(unsigned long long)st.protected_memmap);
		fprintf(ui.msg, "Copied %llu pages into %.1f MiB in %.2f s.\n",
			(unsigned long long)st.written, (double)st.output_size / (1 << 20),
			st.seconds_total);
		if (o.dry_run)
			fprintf(ui.msg, "Dry run: nothing was written.\n");
		else if (o.dumpfile)
			fprintf(ui.msg, "The dumpfile is saved to %s.\n", o.dumpfile);
		fprintf(ui.msg, "%s Completed.\n", program);
	}
	return 0;
}
