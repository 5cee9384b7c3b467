/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * mkvmcore: write a synthetic ELF or kdump-compressed vmcore (optionally
 * flattened) from a text spec, for the test suite. See README.md.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io-util.h"
#include "mkvmcore.h"

static void help(void)
{
	printf("Usage: mkvmcore [OPTIONS] [SPEC]\n"
	       "Write a synthetic vmcore described by SPEC (or stdin) for tests.\n\n"
	       "  -o, --output=FILE     write to FILE instead of stdout\n"
	       "  -s, --set=KEY=VALUE   override a spec key (after the spec is read)\n"
	       "  -h, --help            show this help\n\n"
	       "Spec keys and the data-file syntax are described in tests/gen/README.md.\n"
	       "Exit status: 0 on success, 1 on a bad spec (FILE:LINE: message) or\n"
	       "an I/O error.\n");
}

void mkvmcore_init(struct mkvmcore *ctx)
{
	struct spec *spec = &ctx->spec;

	*ctx = (struct mkvmcore){ 0 };
	spec->format = FORMAT_KDUMP;
	spec->page_size = 4096;
	memcpy(spec->signature, KDUMP_SIGNATURE, KDUMP_SIG_LEN);
	spec->version = KDUMP_HEADER_VERSION;
	spec->dump_level = 31;
	/* uts.release defaults later, from VMCOREINFO OSRELEASE if present. */
	strcpy(spec->uts.sysname, "Linux");
	strcpy(spec->uts.nodename, "mkvmcore");
	strcpy(spec->uts.version, "#1 SMP PREEMPT_DYNAMIC");
	strcpy(spec->uts.machine, "x86_64");
	strcpy(spec->uts.domainname, "(none)");
	spec->ei_class = ELFCLASS64;
	spec->ei_data = ELFDATA2LSB;
	spec->e_type = ET_CORE;
	spec->e_machine = EM_X86_64;
	spec->flat_type = FLAT_TYPE;
	spec->flat_version = FLAT_VERSION;
	spec->flat_end = true;
}

void mkvmcore_done(struct mkvmcore *ctx)
{
	struct spec *spec = &ctx->spec;

	free(spec->data.path);
	free(spec->vmcoreinfo.path);
	bytes_free(&spec->vmcoreinfo_append);
	for (size_t i = 0; i < spec->n_corruptions; i++)
		bytes_free(&spec->corruptions[i].bytes);
	free(spec->corruptions);
	for (size_t i = 0; i < ctx->n_blocks; i++)
		bytes_free(&ctx->blocks[i].body);
	free(ctx->blocks);
	free(ctx->ram);
	bytes_free(&ctx->notes.data);
	free(ctx->notes.vmcoreinfo_text);
	for (size_t i = 0; i < ctx->n_sources; i++) {
		free(ctx->sources[i]->path);
		free(ctx->sources[i]->text);
		free(ctx->sources[i]);
	}
	free(ctx->sources);
}

/* Spec header, --set overrides, then the data: the data parser needs the
 * final format and page size. */
static int read_input(struct mkvmcore *ctx, const char *spec_path, char **sets, size_t n_sets)
{
	struct source *spec_src, *data_src;
	int r;

	r = load_source(ctx, spec_path ? spec_path : "-", NULL, &spec_src);
	if (r >= 0)
		r = spec_parse(ctx, spec_src);
	for (size_t i = 0; r >= 0 && i < n_sets; i++) {
		struct location loc = { "<command line>", (unsigned)i + 1 };

		r = spec_set(ctx, sets[i], &loc);
	}
	if (r >= 0 && ctx->spec.data.path) {
		r = load_source(ctx, ctx->spec.data.path, &ctx->spec.data.loc, &data_src);
		if (r >= 0)
			r = data_parse(ctx, data_src->path, data_src->text, 0);
	}
	if (r >= 0 && ctx->inline_data)
		r = data_parse(ctx, ctx->inline_data_file, ctx->inline_data,
			       ctx->inline_data_lines_before);
	if (r >= 0)
		r = data_finish(ctx);
	if (r >= 0)
		r = notes_build(ctx);
	return r;
}

/* corrupt= and truncate= patch the finished file (the stream, if flattened). */
static int post_process(const struct spec *spec, int fd)
{
	for (size_t i = 0; i < spec->n_corruptions; i++) {
		const struct corruption *c = &spec->corruptions[i];
		int r = pwrite_all(fd, c->bytes.data, c->bytes.len, c->offset);

		if (r < 0)
			return r;
	}
	if (spec->truncate.set && ftruncate(fd, (off_t)spec->truncate.v) < 0)
		return negative_errno();
	return 0;
}

static int write_output(struct mkvmcore *ctx, int fd, const char *name)
{
	const struct spec *spec = &ctx->spec;
	bool needs_seek = !spec->flattened || spec->n_corruptions || spec->truncate.set;
	struct sink out;
	int r, r2;

	if (needs_seek && lseek(fd, 0, SEEK_CUR) < 0) {
		fprintf(stderr, "mkvmcore: %s is not seekable; use -o FILE (only a flattened "
			"stream without corrupt=/truncate= can go to a pipe)\n", name);
		return -ESPIPE;
	}
	r = sink_open(&out, fd, spec);
	if (r >= 0)
		r = spec->format == FORMAT_ELF ? elf_write(ctx, &out) : kdump_write(ctx, &out);
	r2 = sink_close(&out, spec);
	if (r >= 0)
		r = r2;
	if (r >= 0)
		r = post_process(spec, fd);
	if (r < 0 && r != -EINVAL)
		fprintf(stderr, "mkvmcore: writing %s: %s\n", name, strerror(-r));
	return r;
}

int main(int argc, char *argv[])
{
	static const struct option options[] = {
		{ "output", required_argument, NULL, 'o' },
		{ "set", required_argument, NULL, 's' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	_cleanup_free_ char **sets = NULL;
	const char *output = NULL;
	size_t n_sets = 0;
	struct mkvmcore ctx;
	_cleanup_close_ int fd = -1;
	int c, r;

	while ((c = getopt_long(argc, argv, "o:s:h", options, NULL)) >= 0) {
		switch (c) {
		case 'o':
			output = optarg;
			break;
		case 's': {
			char **grown = reallocarray(sets, n_sets + 1, sizeof(*sets));

			if (!grown)
				return EXIT_FAILURE;
			sets = grown;
			sets[n_sets++] = optarg;
			break;
		}
		case 'h':
			help();
			return EXIT_SUCCESS;
		default:
			return EXIT_FAILURE;
		}
	}
	if (argc - optind > 1) {
		fprintf(stderr, "mkvmcore: at most one SPEC (see --help)\n");
		return EXIT_FAILURE;
	}

	mkvmcore_init(&ctx);
	r = read_input(&ctx, optind < argc ? argv[optind] : NULL, sets, n_sets);
	if (r >= 0 && output) {
		fd = open(output, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			r = negative_errno();
			fprintf(stderr, "mkvmcore: cannot create %s: %s\n", output, strerror(-r));
		}
	}
	if (r == -ENOMEM)
		fprintf(stderr, "mkvmcore: out of memory\n");
	if (r >= 0)
		r = write_output(&ctx, output ? fd : STDOUT_FILENO, output ? output : "stdout");
	/* Do not leave a half-written dump behind for the next test step. */
	if (r < 0 && output && fd >= 0)
		(void)unlink(output);
	mkvmcore_done(&ctx);
	return r < 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
