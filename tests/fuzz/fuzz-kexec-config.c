/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The kexec load-config file (kexec -l FILE, kexec/lib/config.c): the input is the file, as
 * read (NUL bytes and all). It is parsed from memory and read from a file
 * (kexec_config_read()). Besides the sanitizers, checks what kexec-config.h promises:
 *   - on error: *ret untouched, the KexecError set with that error and a message;
 *   - on success: CRASH and REUSE_CMDLINE -1, 0 or 1, DELAY -1 or 0..3600, not both
 *     COMMAND_LINE and REUSE_CMDLINE=yes, KERNEL never empty, paths relative to the file's
 *     directory made absolute;
 *   - the result written back as a file (every value double-quoted) parses to the same;
 *   - reading the file gives what parsing its text gives.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-common.h"
#include "kexec-config.h"

#define CONFIG_PATH "/etc/kexec/load.conf"

static bool streq_null(const char *a, const char *b)
{
	return a == b || (a && b && strcmp(a, b) == 0);
}

static bool same(const KexecLoadConfig *a, const KexecLoadConfig *b)
{
	return streq_null(a->kernel, b->kernel) && streq_null(a->initrd, b->initrd) &&
	       streq_null(a->command_line, b->command_line) && streq_null(a->append, b->append) &&
	       a->reuse_cmdline == b->reuse_cmdline && a->crash == b->crash &&
	       a->delay == b->delay;
}

/* KEY="VALUE" with \" and \\ escaped, as kexec-config.h says. */
static void put_value(FILE *f, const char *key, const char *v)
{
	if (!v)
		return;
	fprintf(f, "%s=\"", key);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fputc('\\', f);
		fputc(*v, f);
	}
	fputs("\"\n", f);
}

static void put_bool(FILE *f, const char *key, int v)
{
	if (v >= 0)
		fprintf(f, "%s=%s\n", key, v ? "yes" : "no");
}

static void check_roundtrip(const KexecLoadConfig *c)
{
	KexecLoadConfig again;
	KexecError e = { 0 };
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	if (!f)
		abort();
	fputs("# written back by fuzz-kexec-config\n", f);
	put_value(f, "KERNEL", c->kernel);
	put_value(f, "INITRD", c->initrd);
	put_value(f, "COMMAND_LINE", c->command_line);
	put_value(f, "APPEND", c->append);
	put_bool(f, "REUSE_CMDLINE", c->reuse_cmdline);
	put_bool(f, "CRASH", c->crash);
	if (c->delay >= 0)
		fprintf(f, "DELAY=%lld\n", (long long)c->delay);
	if (fclose(f) != 0)
		abort();
	FUZZ_CHECK(kexec_config_parse(CONFIG_PATH, text, len, &again, &e) == 0);
	FUZZ_CHECK(same(c, &again));
	kexec_config_done(&again);
	kexec_error_done(&e);
	free(text);
}

static void check_valid(const KexecLoadConfig *c)
{
	FUZZ_CHECK(c->reuse_cmdline >= -1 && c->reuse_cmdline <= 1);
	FUZZ_CHECK(c->crash >= -1 && c->crash <= 1);
	FUZZ_CHECK(c->delay >= -1 && c->delay <= 3600);
	FUZZ_CHECK(!(c->command_line && c->reuse_cmdline == 1));
	FUZZ_CHECK(!c->kernel || c->kernel[0] == '/');
	FUZZ_CHECK(!c->initrd || c->initrd[0] == '/' || c->initrd[0] == '\0');
	fuzz_touch_str(c->kernel);
	fuzz_touch_str(c->initrd);
	fuzz_touch_str(c->command_line);
	fuzz_touch_str(c->append);
}

static void check_error(int r, const KexecError *e)
{
	FUZZ_CHECK(r == -EINVAL || r == -ENOEXEC);
	FUZZ_CHECK(e->code == r && e->what);
	fuzz_touch_str(e->what);
	fuzz_touch_str(e->cause);
	fuzz_touch_str(e->fix);
	fuzz_touch_str(e->note);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	KexecLoadConfig c, untouched, read;
	KexecError e = { 0 }, e2 = { 0 };
	char path[64];
	int fd, r, r2;

	memset(&c, 0xa5, sizeof(c));
	memcpy(&untouched, &c, sizeof(c));
	r = kexec_config_parse(CONFIG_PATH, text, size, &c, &e);
	if (r < 0) {
		check_error(r, &e);
		FUZZ_CHECK(memcmp(&c, &untouched, sizeof(c)) == 0);
		FUZZ_CHECK(kexec_config_parse(CONFIG_PATH, text, size, &c, NULL) == r);
	} else {
		FUZZ_CHECK(r == 0);
		check_valid(&c);
		check_roundtrip(&c);
	}

	/* The same bytes as a file: the same answer (paths relative to /proc/self/fd). */
	fd = fuzz_memfd();
	fuzz_set_file(fd, data, size);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	r2 = kexec_config_read(path, &read, &e2);
	if (size > KEXEC_CONFIG_MAX_SIZE)
		FUZZ_CHECK(r2 == -EFBIG || r2 == -ENOEXEC);
	else
		FUZZ_CHECK(r2 == r);
	if (r2 == 0) {
		FUZZ_CHECK(streq_null(read.command_line, c.command_line) &&
			   streq_null(read.append, c.append) && read.delay == c.delay &&
			   read.crash == c.crash && read.reuse_cmdline == c.reuse_cmdline);
		kexec_config_done(&read);
	}
	if (r == 0)
		kexec_config_done(&c);
	kexec_error_done(&e);
	kexec_error_done(&e2);
	return 0;
}
