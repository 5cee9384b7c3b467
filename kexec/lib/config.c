/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The load-config file: KEY=VALUE lines (format in kexec-config.h and kexec(8)). */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "io-util.h"
#include "kexec-config.h"
#include "kexec-image.h"
#include "parse-util.h"

enum key {
	KEY_KERNEL,
	KEY_INITRD,
	KEY_COMMAND_LINE,
	KEY_REUSE_CMDLINE,
	KEY_APPEND,
	KEY_CRASH,
	KEY_DELAY,
	_KEY_MAX,
};

static const char *const key_names[_KEY_MAX] = {
	[KEY_KERNEL] = "KERNEL",
	[KEY_INITRD] = "INITRD",
	[KEY_COMMAND_LINE] = "COMMAND_LINE",
	[KEY_REUSE_CMDLINE] = "REUSE_CMDLINE",
	[KEY_APPEND] = "APPEND",
	[KEY_CRASH] = "CRASH",
	[KEY_DELAY] = "DELAY",
};
#define KEY_LIST "KERNEL, INITRD, COMMAND_LINE, REUSE_CMDLINE, APPEND, CRASH, DELAY"

#define DELAY_MAX 3600

void kexec_config_done(KexecLoadConfig *c)
{
	free(c->kernel);
	free(c->initrd);
	free(c->command_line);
	free(c->append);
	*c = (KexecLoadConfig){ .reuse_cmdline = -1, .crash = -1, .delay = -1 };
}

struct parser {
	const char *path;
	unsigned line;
	KexecError *e;
};

static int bad(struct parser *p, const char *fmt, ...) _printf_(2, 3);
static int bad(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return kexec_error_set(p->e, -EINVAL, KEXEC_ORIGIN_FILES, "%s:%u: %s", p->path, p->line,
			       msg);
}

static char *trim(char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strlen(s);
	while (n > 0 && strchr(" \t\r", s[n - 1]))
		s[--n] = '\0';
	return s;
}

/* Remove the quotes of a quoted value, in place. */
static int unquote(struct parser *p, char *v)
{
	char q = v[0], *w = v;
	const char *r = v + 1;

	if (q != '"' && q != '\'')
		return 0;
	for (;; r++) {
		if (!*r)
			return bad(p, "the %s quote is not closed", q == '"' ? "double" : "single");
		if (*r == q)
			break;
		if (q == '"' && *r == '\\' && (r[1] == '"' || r[1] == '\\'))
			r++;
		*w++ = *r;
	}
	if (r[1 + strspn(r + 1, " \t")])
		return bad(p, "text after the closing quote: '%s'", r + 1);
	*w = '\0';
	return 0;
}

static int parse_bool(struct parser *p, const char *key, const char *v, int *ret)
{
	if (!strcmp(v, "yes") || !strcmp(v, "true") || !strcmp(v, "1"))
		*ret = 1;
	else if (!strcmp(v, "no") || !strcmp(v, "false") || !strcmp(v, "0"))
		*ret = 0;
	else
		return bad(p, "%s: expected yes or no, got '%s'", key, v);
	return 0;
}

/* A path relative to the config file's directory. */
static char *path_for(const char *config, const char *v)
{
	const char *slash = strrchr(config, '/');
	char *s = NULL;

	if (v[0] == '/' || v[0] == '\0' || !slash)
		return strdup(v);
	if (asprintf(&s, "%.*s/%s", (int)(slash - config), config, v) < 0)
		return NULL;
	return s;
}

static int set_value(struct parser *p, KexecLoadConfig *c, enum key k, const char *v)
{
	char **str = NULL;
	uint64_t u;

	switch (k) {
	case KEY_KERNEL:
		if (!*v)
			return bad(p, "KERNEL is empty");
		c->kernel = path_for(p->path, v);
		return c->kernel ? 0 : -ENOMEM;
	case KEY_INITRD: /* empty: no initrd */
		c->initrd = path_for(p->path, v);
		return c->initrd ? 0 : -ENOMEM;
	case KEY_COMMAND_LINE:
		str = &c->command_line;
		break;
	case KEY_APPEND:
		str = &c->append;
		break;
	case KEY_REUSE_CMDLINE:
		return parse_bool(p, key_names[k], v, &c->reuse_cmdline);
	case KEY_CRASH:
		return parse_bool(p, key_names[k], v, &c->crash);
	case KEY_DELAY:
		if (safe_atou64(v, 10, &u) < 0 || u > DELAY_MAX)
			return bad(p, "DELAY: expected seconds (0-%d), got '%s'", DELAY_MAX, v);
		c->delay = (int64_t)u;
		return 0;
	case _KEY_MAX:
		break;
	}
	*str = strdup(v);
	return *str ? 0 : -ENOMEM;
}

static int refuse_binary(const char *path, const char *text, size_t len, KexecError *e)
{
	KexecMagic m;

	/*
	 * Kernels, initrds and compressed files have NUL bytes; a text file has none, whatever
	 * its bytes 56-59 or 0x1fe-0x205 (where the arm64 and bzImage magics are) happen to be.
	 */
	if (!memchr(text, '\0', len))
		return 0;
	m = kexec_magic_of(text, len);
	kexec_error_set(e, -ENOEXEC, KEXEC_ORIGIN_FILES, "'%s' is not a load-config file: it is "
			"a%s %s", path, m == KEXEC_MAGIC_UNKNOWN ? " binary file, not" : "n",
			m == KEXEC_MAGIC_UNKNOWN ? "text" : kexec_magic_name(m));
	kexec_error_fix(e, "-l is --load-config in this kexec, not kexec-tools' --load; to load "
			"a kernel: kexec --load KERNEL --initrd INITRD --reuse-cmdline");
	return -ENOEXEC;
}

int kexec_config_parse(const char *path, const char *text, size_t len, KexecLoadConfig *ret,
		       KexecError *reterr)
{
	KexecLoadConfig c = { .reuse_cmdline = -1, .crash = -1, .delay = -1 };
	unsigned seen[_KEY_MAX] = { 0 };
	struct parser p = { .path = path, .e = reterr };
	_cleanup_free_ char *copy = NULL;
	char *line, *next;
	int r = 0;

	r = refuse_binary(path, text, len, reterr);
	if (r < 0)
		return r;
	copy = strndup(text, len);
	if (!copy)
		return -ENOMEM;
	for (line = copy; line && r == 0; line = next) {
		char *eq, *key, *value;
		enum key k;

		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		p.line++;
		line = trim(line);
		if (!*line || *line == '#')
			continue;
		eq = strchr(line, '=');
		if (!eq) {
			r = bad(&p, "expected KEY=VALUE, got '%.60s'", line);
			break;
		}
		*eq = '\0';
		key = trim(line);
		value = trim(eq + 1);
		for (k = 0; k < _KEY_MAX; k++)
			if (!strcmp(key, key_names[k]))
				break;
		if (k == _KEY_MAX) {
			r = bad(&p, "unknown key '%.40s' (the keys are %s)", key, KEY_LIST);
			break;
		}
		if (seen[k]) {
			r = bad(&p, "%s is set twice (first on line %u)", key, seen[k]);
			break;
		}
		seen[k] = p.line;
		r = unquote(&p, value);
		if (r == 0)
			r = set_value(&p, &c, k, value);
		if (r == 0 && seen[KEY_COMMAND_LINE] && seen[KEY_REUSE_CMDLINE] &&
		    c.reuse_cmdline == 1)
			r = bad(&p, "COMMAND_LINE and REUSE_CMDLINE=yes exclude each other: one "
				"sets the whole line, the other takes the running kernel's");
	}
	if (r < 0) {
		if (r == -ENOMEM)
			kexec_error_set(reterr, r, KEXEC_ORIGIN_FILES, "%s: out of memory", path);
		kexec_config_done(&c);
		return r;
	}
	*ret = c;
	return 0;
}

int kexec_config_read(const char *path, KexecLoadConfig *ret, KexecError *reterr)
{
	_cleanup_close_ int fd = -1;
	_cleanup_free_ char *buf = malloc(KEXEC_CONFIG_MAX_SIZE + 1);
	ssize_t n;

	if (!buf)
		return -ENOMEM;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	n = fd < 0 ? negative_errno() : read_full(fd, buf, KEXEC_CONFIG_MAX_SIZE + 1);
	if (n < 0)
		return kexec_error_set(reterr, (int)n, KEXEC_ORIGIN_FILES,
				       "cannot read load-config file '%s': %s", path,
				       strerror((int)-n));
	if (n > KEXEC_CONFIG_MAX_SIZE) {
		kexec_error_set(reterr, -EFBIG, KEXEC_ORIGIN_FILES,
				"'%s' is larger than a load-config file can be (64 KiB)", path);
		return refuse_binary(path, buf, KEXEC_HEADER_SIZE, reterr) < 0 ? -ENOEXEC : -EFBIG;
	}
	return kexec_config_parse(path, buf, (size_t)n, ret, reterr);
}
