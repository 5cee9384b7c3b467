/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mdl-test.h"

void env_init(struct mdl_env *e)
{
	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "/tmp/mdl-test-XXXXXX");
	if (!mkdtemp(e->dir))
		abort();
	env_path(e, "vmcore", e->vmcore, sizeof(e->vmcore));
	mdl_image_build(&e->img);
	if (mdl_image_save(&e->img, e->vmcore) < 0)
		abort();
	e->in = vmcore_new();
	if (!e->in || vmcore_open(e->in, e->vmcore) < 0) {
		fprintf(stderr, "the test image does not open: %s\n", vmcore_strerror(e->in));
		abort();
	}
}

void env_done(struct mdl_env *e)
{
	DIR *d = opendir(e->dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		char p[512];
		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "%s/%s", e->dir, de->d_name);
		(void)unlink(p);
	}
	if (d)
		closedir(d);
	(void)rmdir(e->dir);
	vmcore_free(e->in);
	mdl_image_free(&e->img);
}

void env_path(const struct mdl_env *e, const char *name, char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", e->dir, name);
}

static void log_message(int level, const char *text, void *userdata)
{
	struct run_log *l = userdata;
	size_t n = strlen(l->text);

	snprintf(l->text + n, sizeof(l->text) - n, "%s\n", text);
}

int run_args_log(const char *const *args, const struct mdl_seam *seam, struct mdl_stats *st,
		 char *err, size_t errlen, struct run_log *log)
{
	struct mdl_callbacks cb = { .message = log_message, .userdata = log };
	char *argv[32];
	struct mdl_options o;
	int argc = 0, r;

	log->text[0] = '\0';
	argv[argc++] = (char *)"makedumpfile-lite";
	for (; *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	r = mdl_parse_options(argc, argv, &o, err, errlen);
	if (r < 0)
		return r;
	o.message_level = MDL_ML_COMMON | MDL_ML_ERROR;
	*st = (struct mdl_stats){};
	return mdl_run_dump(&o, &cb, st, err, errlen, seam);
}

int run_args(const char *const *args, const struct mdl_seam *seam, struct mdl_stats *st,
	     char *err, size_t errlen)
{
	char *argv[32];
	struct mdl_options o;
	int argc = 0, r;

	argv[argc++] = (char *)"makedumpfile-lite";
	for (; *args && argc < 31; args++)
		argv[argc++] = (char *)*args;
	argv[argc] = NULL;
	r = mdl_parse_options(argc, argv, &o, err, errlen);
	if (r < 0)
		return r;
	o.message_level = 0;
	*st = (struct mdl_stats){};
	if (o.mode == MDL_MODE_DUMP)
		return mdl_run_dump(&o, NULL, st, err, errlen, seam);
	return mdl_run(&o, NULL, st, err, errlen);
}
