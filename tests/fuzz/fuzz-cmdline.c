/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Kernel command lines: the capture kernel's line computed by kexec (kexec/lib/cmdline.c),
 * and the crashkernel= finders and editors of kdump (kdump/lib/crashkernel-cmdline.c, the
 * command-line and GRUB edits of bootloader-edit.c). The input is NUL-separated parts:
 *
 *   LINE \0 APPEND \0 VALUE \0 GRUB-FILE
 *
 * LINE is the running (or given) command line, APPEND what --append adds (absent: NULL),
 * VALUE a crashkernel= value to set, GRUB-FILE an /etc/default/grub. Every part is optional.
 * Besides the sanitizers, checks what the headers promise:
 *   - kexec_cmdline_build(): output untouched on error; one blank between words; the given
 *     line rebuilt is itself; a capture line has every default, and a key dropped from the
 *     running line only when --append brings it back;
 *   - kdump_cmdline_next(): words inside the string, in order, without blanks around them;
 *   - cmdline_set_crashkernel(): the line it returns has exactly the value set (lines with
 *     balanced quotes: an open quote swallows the rest of a line, for the kernel too);
 *   - grub_line_remove_crashkernel() leaves no crashkernel= that grub_find_crashkernel()
 *     would find, and text_replace_line() changes only that line;
 *   - kdump_crashkernel_from_cmdline(): untouched output on error, -ENOENT only when no
 *     crashkernel= or crashkernel=,high is there, a size below the RAM.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bootloader-internal.h"
#include "fuzz-common.h"
#include "kdump-crashkernel.h"
#include "kexec-cmdline.h"

/* Tokens the kexec tokenizer takes per part: above it, -E2BIG. */
#define KEXEC_MAX_TOKENS 512

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static size_t count_char(const char *s, char c)
{
	size_t n = 0;

	for (; *s; s++)
		n += *s == c;
	return n;
}

/* ---- kexec ---- */

static int build(KexecCmdlineBase base, const char *line, const char *append, int apicid,
		 char **ret)
{
	KexecCmdlineSpec spec = { .base = base, .append = append, .boot_cpu_apicid = apicid };
	char *const untouched = (char *)&spec;
	int r;

	if (base == KEXEC_CMDLINE_GIVEN)
		spec.given = line;
	else
		spec.running = line;
	*ret = untouched;
	r = kexec_cmdline_build(&spec, ret);
	if (r < 0) {
		FUZZ_CHECK(*ret == untouched);
		FUZZ_CHECK(r == -EINVAL || r == -E2BIG);
		*ret = NULL;
		return r;
	}
	FUZZ_CHECK(r == 0 && *ret && *ret != untouched);
	fuzz_touch_str(*ret);
	return 0;
}

/* Words joined by one blank: none at either end (kexec splits at fewer blanks than kdump). */
static void check_joined(const char *out, bool kexec)
{
	size_t n = strlen(out);

	if (n == 0)
		return;
	if (kexec)
		FUZZ_CHECK(!strchr(" \t\n", out[0]) && !strchr(" \t\n", out[n - 1]));
	else
		FUZZ_CHECK(!is_blank(out[0]) && !is_blank(out[n - 1]));
}

static bool key_in(const KexecCmdlineRule *rules, const char *key)
{
	size_t n = strcspn(key, "=");

	for (; rules->key; rules++)
		if (strncmp(rules->key, key, n) == 0 && strcspn(rules->key, "=") == n)
			return true;
	return false;
}

static void check_drops(const char *out, const char *append, const KexecCmdlineRule *drop)
{
	for (const KexecCmdlineRule *d = drop; d->key; d++) {
		/* nr_cpus and panic are dropped, then come back as defaults */
		if (key_in(kexec_cmdline_capture_defaults, d->key))
			continue;
		FUZZ_CHECK(!kexec_cmdline_has(out, d->key) || (append && kexec_cmdline_has(append, d->key)));
	}
}

static void fuzz_kexec(const char *line, const char *append)
{
	bool few = count_char(line, ' ') + (append ? count_char(append, ' ') : 0) +
			   8 < KEXEC_MAX_TOKENS &&
		   !strpbrk(line, "\t\n") && (!append || !strpbrk(append, "\t\n"));
	char *out, *again;

	/* --command-line: as given, words normalised; rebuilding that gives it back. */
	if (build(KEXEC_CMDLINE_GIVEN, line, append, -1, &out) == 0) {
		check_joined(out, true);
		if (few) {
			FUZZ_CHECK(build(KEXEC_CMDLINE_GIVEN, out, NULL, -1, &again) == 0);
			FUZZ_CHECK(strcmp(out, again) == 0);
			free(again);
		}
		free(out);
	}
	/* --reuse-cmdline */
	if (build(KEXEC_CMDLINE_REUSE, line, append, -1, &out) == 0) {
		check_joined(out, true);
		if (few)
			check_drops(out, append, kexec_cmdline_reuse_drop);
		free(out);
	}
	/* the capture kernel's line, with and without the boot CPU's APIC id */
	for (int apicid = -1; apicid <= 1; apicid += 2) {
		if (build(KEXEC_CMDLINE_CAPTURE, line, append, apicid, &out) < 0)
			continue;
		check_joined(out, true);
		/* the rules once (kexec_cmdline_has() tokenizes the whole line each time) */
		if (few && apicid < 0) {
			check_drops(out, append, kexec_cmdline_reuse_drop);
			check_drops(out, append, kexec_cmdline_capture_drop);
			for (const KexecCmdlineRule *d = kexec_cmdline_capture_defaults; d->key; d++)
				FUZZ_CHECK(kexec_cmdline_has(out, d->key));
		}
		if (apicid < 0)
			FUZZ_CHECK(!kexec_cmdline_has(out, "disable_cpu_apicid") ||
				   kexec_cmdline_has(line, "disable_cpu_apicid") ||
				   (append && kexec_cmdline_has(append, "disable_cpu_apicid")));
		free(out);
	}
	(void)kexec_cmdline_has(line, "crashkernel");
	(void)kexec_cmdline_has(line, "");
	if (append)
		(void)kexec_cmdline_has(line, append);
}

/* ---- kdump ---- */

static void check_words(const char *line)
{
	size_t pos = 0, start, len, end = 0, n = strlen(line);

	while (kdump_cmdline_next(line, &pos, &start, &len)) {
		FUZZ_CHECK(start >= end && len > 0 && start + len <= n && pos == start + len);
		FUZZ_CHECK(!is_blank(line[start]));
		for (size_t i = end; i < start; i++)
			FUZZ_CHECK(is_blank(line[i]));
		end = start + len;
	}
	FUZZ_CHECK(pos == n);
}

static void check_set(const char *line, const char *value, bool seed)
{
	char *out = NULL, *values = NULL;

	FUZZ_CHECK(cmdline_set_crashkernel(line, value, seed, &out) == 0 && out);
	if (count_char(line, '"') % 2 == 0) {
		check_joined(out, false);
		FUZZ_CHECK(cmdline_crashkernel_values(out, &values) == 0);
		FUZZ_CHECK(value ? values && strcmp(values, value) == 0 : !values);
		free(values);
	}
	free(out);
}

static void check_reservation(const char *line, bool has_crashkernel, uint64_t ram)
{
	KdumpReservation res, untouched;
	KdumpError e = { 0 };
	int r;

	memset(&res, 0xa5, sizeof(res));
	memcpy(&untouched, &res, sizeof(res));
	r = kdump_crashkernel_from_cmdline(line, ram, &res, &e);
	if (r < 0) {
		FUZZ_CHECK(memcmp(&res, &untouched, sizeof(res)) == 0);
		FUZZ_CHECK(e.error == r && memchr(e.message, '\0', sizeof(e.message)));
		FUZZ_CHECK(has_crashkernel || r == -ENOENT);
		return;
	}
	FUZZ_CHECK(r == 0 && has_crashkernel);
	FUZZ_CHECK(res.size == 0 || res.size < ram + KDUMP_CK_RAM_ROUND);
	FUZZ_CHECK(res.high || res.low == 0);
	FUZZ_CHECK(!(res.high && res.ignored_high));
}

static void fuzz_kdump(const char *line, const char *value)
{
	char *values = NULL;

	check_words(line);
	FUZZ_CHECK(cmdline_crashkernel_values(line, &values) == 0);
	fuzz_touch_str(values);
	check_set(line, NULL, false);
	check_set(line, NULL, true);
	if (value && *value && !strpbrk(value, " \t\n\r\v\f\""))
		check_set(line, value, true);
	check_reservation(line, values, 0);
	check_reservation(line, values, 1ULL << 30);
	check_reservation(line, values, 64ULL << 30);
	free(values);
}

static void fuzz_grub(const char *content)
{
	GrubHit *hits = NULL;
	size_t n = 0;

	FUZZ_CHECK(grub_find_crashkernel(content, &hits, &n) == 0);
	for (size_t i = 0; i < n; i++) {
		GrubHit *again = NULL;
		char *line = NULL, *edited = NULL;
		size_t n_again = 0;

		FUZZ_CHECK(hits[i].line >= 1 && hits[i].text && hits[i].values);
		FUZZ_CHECK(i == 0 || hits[i].line > hits[i - 1].line);
		FUZZ_CHECK(strstr(hits[i].text, "crashkernel="));
		FUZZ_CHECK(grub_line_remove_crashkernel(hits[i].text, &line) == 0);
		FUZZ_CHECK(grub_find_crashkernel(line, &again, &n_again) == 0 && n_again == 0);
		grub_hits_free(again, n_again);
		/* the file with that line replaced: one hit fewer, the same others */
		if (!strchr(line, '\n') && text_replace_line(content, hits[i].line, line, &edited) == 0) {
			FUZZ_CHECK(grub_find_crashkernel(edited, &again, &n_again) == 0);
			FUZZ_CHECK(n_again == n - 1);
			grub_hits_free(again, n_again);
			free(edited);
		}
		if (text_replace_line(content, hits[i].line, NULL, &edited) == 0)
			free(edited);
		free(line);
	}
	grub_hits_free(hits, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	bool parts = size && memchr(data, '\0', size);
	char *line = fuzz_take_part(&data, &size);
	char *append = parts ? fuzz_take_part(&data, &size) : NULL;
	char *value = size ? fuzz_take_part(&data, &size) : NULL;
	char *grub = size ? fuzz_take_part(&data, &size) : NULL;

	fuzz_kexec(line, append);
	fuzz_kdump(line, value);
	if (append)
		fuzz_kdump(append, NULL);
	fuzz_grub(grub ? grub : line);
	free(line);
	free(append);
	free(value);
	free(grub);
	return 0;
}
