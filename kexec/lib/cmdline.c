/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The new kernel's command line: docs/kexec.md is the prose version of this file. */
#include <errno.h>
#include <string.h>

#include "kexec-cmdline.h"
#include "parse-util.h"

const KexecCmdlineRule kexec_cmdline_reuse_drop[] = {
	{ "BOOT_IMAGE", "names the file the boot loader loaded; stale for a kernel kexec loads" },
	{ "initrd", "names a boot loader file; kexec hands the initrd over itself" },
	{ "elfcorehdr", "set by the kernel for a capture kernel; an inherited one points to "
			"the wrong place" },
	{ "kexec_jump_back_entry", "state of the running kernel's kexec jump" },
	{ NULL, NULL },
};

const KexecCmdlineRule kexec_cmdline_capture_drop[] = {
	{ "crashkernel", "a capture kernel has no memory to reserve for another one" },
	{ "nr_cpus", "replaced by the nr_cpus=1 default" },
	{ "maxcpus", "replaced by the nr_cpus=1 default" },
	{ "panic", "replaced by the panic=10 default" },
	{ "quiet", "the capture kernel's console is often the only witness of a failed capture" },
	{ "hugepages", "reserves huge pages at boot, from memory the capture kernel does not have" },
	{ "hugepagesz", "goes with hugepages=" },
	{ "default_hugepagesz", "goes with hugepages=" },
	{ "hugetlb_cma", "reserves memory at boot that the capture kernel does not have" },
	{ "cma", "reserves memory at boot that the capture kernel does not have" },
	{ "log_buf_len", "a large log buffer comes out of the small crash region" },
	{ "swiotlb", "a large bounce buffer comes out of the small crash region" },
	{ "mem", "describes the running kernel's memory; the capture kernel's is the crash region" },
	{ "memmap", "describes the running kernel's memory; the capture kernel's is the crash "
		    "region" },
	{ "resume", "a capture kernel must never resume a hibernation image" },
	{ "resume_offset", "goes with resume=" },
	{ "panic_on_warn", "a warning, likely with devices left mid-operation, would end the "
			   "capture" },
	{ "slub_debug", "debugging allocators multiply the capture kernel's memory use" },
	{ NULL, NULL },
};

const KexecCmdlineRule kexec_cmdline_capture_defaults[] = {
	{ "irqpoll", "devices the crashed kernel left mid-operation may raise or swallow "
		     "interrupts the capture kernel's drivers do not expect; polling keeps them "
		     "going" },
	{ "nr_cpus=1", "every possible CPU costs memory in the small crash region, and waking "
		       "the CPUs the crashed kernel stopped can hang; one CPU is enough to copy a "
		       "dump" },
	{ "reset_devices", "asks drivers to reset their hardware rather than trust the state the "
			   "crashed kernel left" },
	{ "panic=10", "if the capture kernel panics too, reboot after 10 s instead of leaving the "
		      "machine hanging" },
	{ NULL, NULL },
};

/* ---- tokens ---- */

struct token {
	const char *s;
	size_t len;
};

struct tokens {
	struct token kernel[512], init[512];
	size_t n_kernel, n_init;
};

/* The kernel splits at blanks outside double quotes, and "--" starts init's arguments. */
static int tokenize(const char *s, struct tokens *t)
{
	int after_dashes = 0;

	while (s && *s) {
		const char *start;
		int quoted = 0;

		while (*s == ' ' || *s == '\t' || *s == '\n')
			s++;
		if (!*s)
			break;
		start = s;
		while (*s && (quoted || (*s != ' ' && *s != '\t' && *s != '\n'))) {
			if (*s == '"')
				quoted = !quoted;
			s++;
		}
		if (quoted)
			return -EINVAL;
		struct token tok = { start, (size_t)(s - start) };
		if (!after_dashes && tok.len == 2 && !memcmp(start, "--", 2)) {
			after_dashes = 1;
			continue;
		}
		if (after_dashes) {
			if (t->n_init >= ELEMENTSOF(t->init))
				return -E2BIG;
			t->init[t->n_init++] = tok;
		} else {
			if (t->n_kernel >= ELEMENTSOF(t->kernel))
				return -E2BIG;
			t->kernel[t->n_kernel++] = tok;
		}
	}
	return 0;
}

/* The parameter's name: up to '=', without a leading quote. */
static struct token key_of(struct token t)
{
	const char *eq;

	if (t.len && t.s[0] == '"') {
		t.s++;
		t.len--;
	}
	eq = memchr(t.s, '=', t.len);
	if (eq)
		t.len = (size_t)(eq - t.s);
	else if (t.len && t.s[t.len - 1] == '"')
		t.len--;
	return t;
}

static int key_eq(struct token a, const char *b, size_t blen)
{
	if (a.len != blen)
		return 0;
	for (size_t i = 0; i < blen; i++) {
		char x = a.s[i] == '-' ? '_' : a.s[i], y = b[i] == '-' ? '_' : b[i];
		if (x != y)
			return 0;
	}
	return 1;
}

static int rule_key_eq(struct token key, const char *rule)
{
	const char *eq = strchr(rule, '=');

	return key_eq(key, rule, eq ? (size_t)(eq - rule) : strlen(rule));
}

static int in_rules(struct token key, const KexecCmdlineRule *rules)
{
	for (; rules->key; rules++)
		if (rule_key_eq(key, rules->key))
			return 1;
	return 0;
}

static const struct token *find_key(const struct token *toks, size_t n, const char *rule)
{
	for (size_t i = 0; i < n; i++)
		if (rule_key_eq(key_of(toks[i]), rule))
			return &toks[i];
	return NULL;
}

int kexec_cmdline_has(const char *cmdline, const char *key)
{
	_cleanup_free_ struct tokens *t = calloc(1, sizeof(*t));

	if (!t || tokenize(cmdline, t) < 0)
		return 0;
	return find_key(t->kernel, t->n_kernel, key) != NULL;
}

/* ---- output ---- */

struct out {
	char *buf;
	size_t len, size;
	int failed;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->failed)
		return;
	if (o->len + n + 2 > o->size) {
		size_t size = MAX(o->size * 2, o->len + n + 64);
		char *p = realloc(o->buf, size);
		if (!p) {
			o->failed = 1;
			return;
		}
		o->buf = p;
		o->size = size;
	}
	if (o->len)
		o->buf[o->len++] = ' ';
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

static void put_tokens(struct out *o, const struct token *t, size_t n)
{
	for (size_t i = 0; i < n; i++)
		put(o, t[i].s, t[i].len);
}

/* nr_cpus=N in the appended part, N > 1: then the boot CPU must not get an INIT. */
static int wants_more_cpus(const struct tokens *app)
{
	const struct token *t = find_key(app->kernel, app->n_kernel, "nr_cpus");
	const char *eq;
	uint64_t n;

	if (!t || !(eq = memchr(t->s, '=', t->len)))
		return 0;
	return safe_atou64_n(eq + 1, t->len - (size_t)(eq + 1 - t->s), 10, &n) == 0 && n > 1;
}

int kexec_cmdline_build(const KexecCmdlineSpec *spec, char **ret)
{
	_cleanup_free_ struct tokens *base = calloc(1, sizeof(*base));
	_cleanup_free_ struct tokens *app = calloc(1, sizeof(*app));
	struct out o = { 0 };
	const char *src;
	int r;

	if (!base || !app)
		return -ENOMEM;
	src = spec->base == KEXEC_CMDLINE_GIVEN ? spec->given : spec->running;
	r = tokenize(src, base);
	if (r < 0)
		return r;
	r = tokenize(spec->append, app);
	if (r < 0)
		return r;

	for (size_t i = 0; i < base->n_kernel; i++) {
		struct token key = key_of(base->kernel[i]);
		if (spec->base != KEXEC_CMDLINE_GIVEN && in_rules(key, kexec_cmdline_reuse_drop))
			continue;
		if (spec->base == KEXEC_CMDLINE_CAPTURE && in_rules(key, kexec_cmdline_capture_drop))
			continue;
		put(&o, base->kernel[i].s, base->kernel[i].len);
	}
	if (spec->base == KEXEC_CMDLINE_CAPTURE) {
		for (const KexecCmdlineRule *d = kexec_cmdline_capture_defaults; d->key; d++) {
			/* Already there (kept from the running line), or replaced by --append. */
			if (find_key(app->kernel, app->n_kernel, d->key) ||
			    (o.buf && kexec_cmdline_has(o.buf, d->key)))
				continue;
			put(&o, d->key, strlen(d->key));
		}
		if (wants_more_cpus(app) && spec->boot_cpu_apicid >= 0 &&
		    !find_key(app->kernel, app->n_kernel, "disable_cpu_apicid")) {
			char buf[48];
			snprintf(buf, sizeof(buf), "disable_cpu_apicid=%d", spec->boot_cpu_apicid);
			put(&o, buf, strlen(buf));
		}
	}
	put_tokens(&o, app->kernel, app->n_kernel);
	if (base->n_init || app->n_init) {
		put(&o, "--", 2);
		put_tokens(&o, base->init, base->n_init);
		put_tokens(&o, app->init, app->n_init);
	}
	if (o.failed) {
		free(o.buf);
		return -ENOMEM;
	}
	*ret = o.buf ? o.buf : strdup("");
	return *ret ? 0 : -ENOMEM;
}

int kexec_cmdline_read_running(const KexecCtx *ctx, char **ret)
{
	char *s;
	size_t len;
	int r;

	r = kexec_read_file(ctx, "proc/cmdline", 65536, &s, &len);
	if (r < 0)
		return r;
	while (len > 0 && (s[len - 1] == '\n' || s[len - 1] == ' '))
		s[--len] = '\0';
	*ret = s;
	return 0;
}

int kexec_boot_cpu_apicid(const KexecCtx *ctx, int *ret)
{
	_cleanup_free_ char *text = NULL;
	char *line, *save = NULL;
	int in_cpu0 = 0;

	/* The first processor's block is at the top; no need to read 8192 CPUs' worth. */
	if (kexec_read_head(ctx, "proc/cpuinfo", 65536, &text, NULL) < 0)
		return -ENOENT;
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		uint64_t v;
		if (!colon)
			continue;
		*colon = '\0';
		const char *val = colon + 1 + strspn(colon + 1, " \t");
		size_t klen = strcspn(line, " \t");
		line[klen] = '\0';
		if (!strcmp(line, "processor"))
			in_cpu0 = !strcmp(val, "0");
		else if (in_cpu0 && !strcmp(line, "apicid") && safe_atou64(val, 10, &v) == 0 &&
			 v <= INT32_MAX) {
			*ret = (int)v;
			return 0;
		}
	}
	return -ENOENT;
}
