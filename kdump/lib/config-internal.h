/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by config.c (the parser), config-directives.c (handlers), config-lex.c (words) and
 * config-values.c (value checks). */
#include <stdbool.h>
#include <stddef.h>

#include "kdump-config.h"

/*
 * One word of a kdump.conf line after quote removal. The rules are the shell's, without any
 * expansion: 'single quotes' keep everything, "double quotes" keep everything but \\ \" \$ \`,
 * a backslash outside quotes keeps the next character, # starts a comment at the beginning of
 * a word. meta is the first character outside quotes that a shell would have treated as
 * syntax (| & ; < > ( ) $ `), so that a hook written as shell can be refused instead of
 * being run with odd arguments.
 */
typedef struct ConfWord {
	char *text;
	char meta;
} ConfWord;

typedef struct ConfLine {
	ConfWord *words;
	size_t n;
} ConfLine;

/*
 * Split one line (without its newline) into words. Returns 0, -ENOMEM, or -EINVAL with
 * *ret_problem set to a static description ("unterminated double quote", ...).
 */
int conf_split_line(const char *line, size_t len, ConfLine *ret, const char **ret_problem);
void conf_line_done(ConfLine *l);

/*
 * Value checks. Each returns NULL when value is fine, or a static message describing what is
 * wrong with it; *ret_hint (may be NULL) gets a static hint.
 */
const char *conf_check_path(const char *value, const char **ret_hint);
const char *conf_check_device(const char *value, const char **ret_hint);
const char *conf_check_ssh(const char *value, const char **ret_hint);
const char *conf_check_nfs(const char *value, const char **ret_hint);
const char *conf_check_program(const char *value, const char **ret_hint);
const char *conf_check_module(const char *value, const char **ret_hint);
int conf_parse_bool(const char *value, bool *ret);

/* The parser's state and directive table (config.c), shared with the handlers
 * (config-directives.c). */
typedef struct ParseState {
	KdumpConfig *c;
	KdumpDiags *diags;
	const char *file;
	unsigned line;
	unsigned target_line;     /* line of the first target directive, 0 if none */
	const char *target_name;  /* its directive name */
} ParseState;

struct Directive;
typedef int (*Handler)(ParseState *s, const struct Directive *d, ConfWord *v, size_t n);

typedef struct Directive {
	const char *name;
	KdumpDirective id;
	unsigned min_args, max_args; /* max_args 0: no limit */
	bool repeatable;             /* each line adds to a list */
	bool target;
	Handler handler;
	const char *usage;
} Directive;

int conf_problem(ParseState *s, KdumpSeverity sev, int error, const char *fmt, ...) _printf_(4, 5);
/* Report "what: message" and a static hint (may be NULL); returns 0 or -ENOMEM. */
int conf_error_hint(ParseState *s, int error, const char *message, const char *h, const char *what);
#define conf_error(s, ...) conf_problem(s, KDUMP_SEVERITY_ERROR, -EINVAL, __VA_ARGS__)
#define conf_hint(s, ...) kdump_diags_hint((s)->diags, __VA_ARGS__)

int conf_on_path(ParseState *s, const Directive *d, ConfWord *v, size_t n);
int conf_on_device_target(ParseState *s, const Directive *d, ConfWord *v, size_t n);
int conf_on_network(ParseState *s, const Directive *d, ConfWord *v, size_t n);
int conf_on_collector(ParseState *s, const Directive *d, ConfWord *v, size_t n);
int conf_on_hook(ParseState *s, const Directive *d, ConfWord *v, size_t n);
int conf_on_action(ParseState *s, const Directive *d, ConfWord *v, size_t n);
int conf_on_list(ParseState *s, const Directive *d, ConfWord *v, size_t n);
int conf_on_bool(ParseState *s, const Directive *d, ConfWord *v, size_t n);
int conf_on_number(ParseState *s, const Directive *d, ConfWord *v, size_t n);
