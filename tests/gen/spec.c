/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The header part of a spec: "key = value" lines. Keys mirror the on-disk
 * fields, so a test can override any of them to produce a broken file; the
 * writers compute every value that is left unset.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mkvmcore.h"
#include "parse-util.h"

enum param_type {
	P_BOOL,		/* bool */
	P_U64,		/* uint64_t */
	P_S64,		/* int64_t, may be negative */
	P_UINT,		/* unsigned */
	P_OPT,		/* struct opt_u64 */
	P_STRING,	/* char[size], NUL padded, at most size - 1 chars */
	P_PATH,		/* struct spec_path */
	P_CUSTOM,	/* handled by param.fn */
};

struct param;
typedef int (*param_fn)(struct mkvmcore *ctx, const char *value, size_t len,
			const struct location *loc);

struct param {
	const char *key;
	enum param_type type;
	size_t offset;		/* in struct spec */
	size_t size;		/* P_STRING only */
	param_fn fn;		/* P_CUSTOM only */
};

static int set_format(struct mkvmcore *ctx, const char *value, size_t len,
		      const struct location *loc)
{
	if (strcmp(value, "kdump") == 0)
		ctx->spec.format = FORMAT_KDUMP;
	else if (strcmp(value, "elf") == 0)
		ctx->spec.format = FORMAT_ELF;
	else
		return loc_error(loc, "format must be 'kdump' or 'elf', not '%s'", value);
	return 0;
}

static int set_arch(struct mkvmcore *ctx, const char *value, size_t len,
		    const struct location *loc)
{
	if (strcmp(value, "x86_64") != 0)
		return loc_error(loc, "unsupported arch '%s' (only x86_64)", value);
	return 0;
}

static int set_page_size(struct mkvmcore *ctx, const char *value, size_t len,
			 const struct location *loc)
{
	uint64_t v;

	/* The layout is computed in pages; readers accept 1K..64K or so, but a
	 * broken block_size is what the block_size key is for. */
	if (parse_number(value, &v) < 0 || v < 256 || v > (1u << 24) || (v & (v - 1)))
		return loc_error(loc, "page_size must be a power of two in [256, 16M]");
	ctx->spec.page_size = v;
	return 0;
}

static int append_vmcoreinfo(struct mkvmcore *ctx, const char *value, size_t len,
			     const struct location *loc)
{
	struct bytes *b = &ctx->spec.vmcoreinfo_append;

	if (bytes_append(b, value, len) < 0 || bytes_append(b, "\n", 1) < 0)
		return -ENOMEM;
	return 0;
}

/* corrupt = OFFSET:HEXBYTES */
static int add_corruption(struct mkvmcore *ctx, const char *value, size_t len,
			  const struct location *loc)
{
	struct spec *spec = &ctx->spec;
	struct corruption c = { 0 }, *grown;
	const char *colon = strchr(value, ':');
	_cleanup_free_ char *offset = NULL;

	if (!colon)
		return loc_error(loc, "corrupt needs OFFSET:HEXBYTES");
	offset = strndup(value, (size_t)(colon - value));
	if (!offset)
		return -ENOMEM;
	if (parse_number(offset, &c.offset) < 0)
		return loc_error(loc, "bad offset '%s'", offset);
	if (parse_hex_bytes(colon + 1, &c.bytes) < 0) {
		bytes_free(&c.bytes);
		return loc_error(loc, "bad hex bytes '%s' (need an even number of digits)",
				 colon + 1);
	}
	grown = reallocarray(spec->corruptions, spec->n_corruptions + 1, sizeof(*grown));
	if (!grown) {
		bytes_free(&c.bytes);
		return -ENOMEM;
	}
	spec->corruptions = grown;
	grown[spec->n_corruptions++] = c;
	return 0;
}

/* ram = START_PFN END_PFN, the same as "@ram" in the data section. */
static int add_ram(struct mkvmcore *ctx, const char *value, size_t len,
		   const struct location *loc)
{
	char start[32], end[32], extra;
	uint64_t s, e;

	if (sscanf(value, "%31s %31s %c", start, end, &extra) != 2 ||
	    parse_number(start, &s) < 0 || parse_number(end, &e) < 0)
		return loc_error(loc, "ram needs START_PFN END_PFN");
	return add_ram_range(ctx, s, e, loc);
}

#define SPEC(field) .offset = offsetof(struct spec, field)
#define UTS(field)                                                             \
	.offset = offsetof(struct spec, uts) + offsetof(struct kdump_utsname, field), \
	.size = KDUMP_UTS_LEN

static const struct param params[] = {
	{ "format", P_CUSTOM, .fn = set_format },
	{ "arch", P_CUSTOM, .fn = set_arch },
	{ "flattened", P_BOOL, SPEC(flattened) },
	{ "page_size", P_CUSTOM, .fn = set_page_size },
	{ "data", P_PATH, SPEC(data) },
	{ "vmcoreinfo", P_PATH, SPEC(vmcoreinfo) },
	{ "vmcoreinfo.append", P_CUSTOM, .fn = append_vmcoreinfo },
	{ "prstatus", P_UINT, SPEC(prstatus) },
	{ "incomplete", P_BOOL, SPEC(incomplete) },
	{ "ram", P_CUSTOM, .fn = add_ram },

	{ "signature", P_STRING, SPEC(signature), .size = sizeof(((struct spec *)0)->signature) },
	{ "version", P_S64, SPEC(version) },
	{ "status", P_OPT, SPEC(status) },
	{ "block_size", P_OPT, SPEC(block_size) },
	{ "sub_hdr_size", P_OPT, SPEC(sub_hdr_size) },
	{ "bitmap_blocks", P_OPT, SPEC(bitmap_blocks) },
	{ "max_mapnr", P_OPT, SPEC(max_mapnr) },
	{ "nr_cpus", P_OPT, SPEC(nr_cpus) },
	{ "current_cpu", P_U64, SPEC(current_cpu) },
	{ "timestamp", P_OPT, SPEC(timestamp) },
	{ "uts.sysname", P_STRING, UTS(sysname) },
	{ "uts.nodename", P_STRING, UTS(nodename) },
	{ "uts.release", P_STRING, UTS(release) },
	{ "uts.version", P_STRING, UTS(version) },
	{ "uts.machine", P_STRING, UTS(machine) },
	{ "uts.domainname", P_STRING, UTS(domainname) },

	{ "dump_level", P_S64, SPEC(dump_level) },
	{ "phys_base", P_U64, SPEC(phys_base) },
	{ "split", P_U64, SPEC(split) },
	{ "start_pfn", P_U64, SPEC(start_pfn) },
	{ "end_pfn", P_U64, SPEC(end_pfn) },
	{ "offset_vmcoreinfo", P_OPT, SPEC(offset_vmcoreinfo) },
	{ "size_vmcoreinfo", P_OPT, SPEC(size_vmcoreinfo) },
	{ "offset_note", P_OPT, SPEC(offset_note) },
	{ "size_note", P_OPT, SPEC(size_note) },
	{ "offset_eraseinfo", P_U64, SPEC(offset_eraseinfo) },
	{ "size_eraseinfo", P_U64, SPEC(size_eraseinfo) },

	{ "ei_class", P_U64, SPEC(ei_class) },
	{ "ei_data", P_U64, SPEC(ei_data) },
	{ "e_type", P_U64, SPEC(e_type) },
	{ "e_machine", P_U64, SPEC(e_machine) },
	{ "e_flags", P_U64, SPEC(e_flags) },

	{ "flattened.type", P_S64, SPEC(flat_type) },
	{ "flattened.version", P_S64, SPEC(flat_version) },
	{ "flattened.end", P_BOOL, SPEC(flat_end) },

	{ "corrupt", P_CUSTOM, .fn = add_corruption },
	{ "truncate", P_OPT, SPEC(truncate) },
};

static int parse_bool(const char *s, bool *ret)
{
	static const char *const yes[] = { "yes", "true", "on", "1" };
	static const char *const no[] = { "no", "false", "off", "0" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcmp(s, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(s, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}

static int apply_param(struct mkvmcore *ctx, const struct param *p, const char *value,
		       size_t len, const struct location *loc)
{
	void *field = (char *)&ctx->spec + p->offset;
	uint64_t u;
	int64_t s;

	if (p->type != P_STRING && p->type != P_CUSTOM && strlen(value) != len)
		return loc_error(loc, "%s: embedded NUL in value", p->key);

	switch (p->type) {
	case P_BOOL:
		if (parse_bool(value, field) < 0)
			return loc_error(loc, "%s: expected yes or no, not '%s'", p->key, value);
		return 0;
	case P_U64:
	case P_OPT:
	case P_UINT:
		if (parse_number(value, &u) < 0)
			return loc_error(loc, "%s: bad number '%s'", p->key, value);
		if (p->type == P_U64)
			*(uint64_t *)field = u;
		else if (p->type == P_OPT)
			*(struct opt_u64 *)field = (struct opt_u64){ .set = true, .v = u };
		else if (u > 0xffff)
			return loc_error(loc, "%s: %s is too large", p->key, value);
		else
			*(unsigned *)field = (unsigned)u;
		return 0;
	case P_S64:
		if (safe_atoi64(value, 0, &s) < 0)
			return loc_error(loc, "%s: bad number '%s'", p->key, value);
		*(int64_t *)field = s;
		return 0;
	case P_STRING:
		if (len >= p->size)
			return loc_error(loc, "%s: longer than %zu bytes", p->key, p->size - 1);
		memset(field, 0, p->size);
		memcpy(field, value, len);
		return 0;
	case P_PATH: {
		struct spec_path *path = field;

		free(path->path);
		path->path = resolve_path(value, loc->file);
		path->loc = *loc;
		return path->path ? 0 : -ENOMEM;
	}
	case P_CUSTOM:
		return p->fn(ctx, value, len, loc);
	}
	return -EINVAL;
}

int spec_set(struct mkvmcore *ctx, char *assignment, const struct location *loc)
{
	_cleanup_(bytes_free) struct bytes unquoted = { 0 };
	char *eq = strchr(assignment, '='), *key = assignment, *value;
	size_t len;

	if (!eq)
		return loc_error(loc, "expected 'key = value'");
	*eq = '\0';
	key = strip_line(key);
	value = eq + 1;
	value += strspn(value, " \t");
	len = strlen(value);
	while (len && (value[len - 1] == ' ' || value[len - 1] == '\t'))
		value[--len] = '\0';

	/* Quotes keep leading/trailing spaces ("KDUMP   ") and allow escapes. */
	if (value[0] == '"') {
		const char *p = value, *err;

		if (parse_c_string(&p, &unquoted, &err) < 0)
			return loc_error(loc, "%s: %s", key, err);
		if (*p)
			return loc_error(loc, "%s: junk after the closing quote", key);
		len = unquoted.len;
		if (bytes_append(&unquoted, "", 1) < 0)
			return -ENOMEM;
		value = (char *)unquoted.data;
	}
	if (!*key)
		return loc_error(loc, "missing key before '='");

	for (size_t i = 0; i < ELEMENTSOF(params); i++)
		if (strcmp(params[i].key, key) == 0)
			return apply_param(ctx, &params[i], value, len, loc);
	return loc_error(loc, "unknown key '%s'", key);
}

int spec_parse(struct mkvmcore *ctx, struct source *src)
{
	struct line_reader reader = { .p = src->text, .file = src->path };
	struct location loc;
	char *line;
	int r;

	for (;;) {
		/* The first "@" line starts the inline data section. */
		const char *peek = reader.p + strspn(reader.p, " \t");

		if (*peek == '@') {
			ctx->inline_data = reader.p;
			ctx->inline_data_file = src->path;
			ctx->inline_data_lines_before = reader.line;
			return 0;
		}
		line = next_line(&reader, &loc);
		if (!line)
			return 0;
		line = strip_line(line);
		if (!*line)
			continue;
		r = spec_set(ctx, line, &loc);
		if (r < 0)
			return r;
	}
}
