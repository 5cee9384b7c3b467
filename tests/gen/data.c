/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The data section: "@" lines open blocks (@pfn, @phdr, @ram), the lines
 * after them give the block's bytes as hex words, "strings" and directives.
 * See README.md for the grammar.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "mkvmcore.h"

/* Cap for blocks without a declared size, so a typo like "0*99999999999"
 * fails instead of eating all memory. */
#define MAX_BODY_SIZE ((size_t)1 << 30)

struct data_parser {
	struct mkvmcore *ctx;
	bool in_block;		/* this source opened a block already */
	size_t pos;		/* write position inside the current block */
	unsigned width;		/* bytes per hex word */
	uint64_t next_pfn;	/* for "@pfn" without a number */
};

static struct block *current_block(struct data_parser *p)
{
	return p->in_block ? &p->ctx->blocks[p->ctx->n_blocks - 1] : NULL;
}

static const char *const page_kind_names[] = {
	[PAGE_RAW] = "raw",	  [PAGE_ZLIB] = "zlib",	      [PAGE_LZO] = "lzo",
	[PAGE_SNAPPY] = "snappy", [PAGE_ZSTD] = "zstd",	      [PAGE_ZERO] = "zero",
	[PAGE_EXCLUDE] = "exclude", [PAGE_LOST] = "lost",
};

static int check_room(struct data_parser *p, uint64_t n, const struct location *loc)
{
	struct block *b = current_block(p);

	if (!b)
		return loc_error(loc, "data before the first @pfn/@phdr block");
	if (b->no_data)
		return loc_error(loc, "a '%s' page takes no data",
				 page_kind_names[b->pfn.kind]);
	if (n > b->limit || p->pos > b->limit - n)
		return loc_error(loc, "data beyond the end of the block (%zu bytes)", b->limit);
	return 0;
}

static int body_write(struct data_parser *p, const void *src, size_t n,
		      const struct location *loc)
{
	int r = check_room(p, n, loc);

	if (r < 0)
		return r;
	r = bytes_write_at(&current_block(p)->body, p->pos, src, n);
	if (r < 0)
		return r;
	p->pos += n;
	return 0;
}

static struct block *new_block(struct data_parser *p, enum block_type type,
			       const struct location *loc)
{
	struct mkvmcore *ctx = p->ctx;
	struct block *grown = reallocarray(ctx->blocks, ctx->n_blocks + 1, sizeof(*grown));

	if (!grown)
		return NULL;
	ctx->blocks = grown;
	grown[ctx->n_blocks] = (struct block){ .type = type, .loc = *loc, .order = ctx->n_blocks };
	p->in_block = true;
	p->pos = 0;
	p->width = 8;
	return &grown[ctx->n_blocks++];
}

/* "key=value" with a number value; returns 1 if tok was that key. */
static int match_opt(const char *tok, const char *key, struct opt_u64 *ret,
		     const struct location *loc)
{
	size_t len = strlen(key);

	if (strncmp(tok, key, len) != 0 || tok[len] != '=')
		return 0;
	if (parse_number(tok + len + 1, &ret->v) < 0)
		return loc_error(loc, "%s: bad number '%s'", key, tok + len + 1);
	ret->set = true;
	return 1;
}

static int parse_pfn_header(struct data_parser *p, char *args, const struct location *loc)
{
	const uint64_t page_size = p->ctx->spec.page_size;
	struct block *b;
	struct pfn_block *pb;
	char *save = NULL, *tok = strtok_r(args, " \t", &save);
	bool have_kind = false;

	if (p->ctx->spec.format != FORMAT_KDUMP)
		return loc_error(loc, "@pfn blocks need format = kdump");
	b = new_block(p, BLOCK_PFN, loc);
	if (!b)
		return -ENOMEM;
	pb = &b->pfn;
	pb->pfn = p->next_pfn;
	if (tok && parse_number(tok, &pb->pfn) == 0)
		tok = strtok_r(NULL, " \t", &save);
	if (pb->pfn > UINT64_MAX / page_size - 1)
		return loc_error(loc, "pfn 0x%llx is too large", (unsigned long long)pb->pfn);
	p->next_pfn = pb->pfn + 1;

	for (; tok; tok = strtok_r(NULL, " \t", &save)) {
		size_t k;
		int r;

		for (k = 0; k < ELEMENTSOF(page_kind_names); k++)
			if (strcmp(tok, page_kind_names[k]) == 0)
				break;
		if (k < ELEMENTSOF(page_kind_names)) {
			if (have_kind)
				return loc_error(loc, "more than one storage keyword");
			have_kind = true;
			pb->kind = (enum page_kind)k;
			continue;
		}
		if (strcmp(tok, "force") == 0) {
			pb->force = true;
			continue;
		}
		r = match_opt(tok, "offset", &pb->pd_offset, loc);
		if (r == 0)
			r = match_opt(tok, "size", &pb->pd_size, loc);
		if (r == 0)
			r = match_opt(tok, "flags", &pb->pd_flags, loc);
		if (r == 0)
			r = match_opt(tok, "page_flags", &pb->pd_page_flags, loc);
		if (r < 0)
			return r;
		if (r == 0)
			return loc_error(loc, "unknown @pfn option '%s'", tok);
	}
#if !HAVE_LZO
	if (pb->kind == PAGE_LZO)
		return loc_error(loc, "lzo: mkvmcore was built without liblzo2");
#endif
#if !HAVE_SNAPPY
	if (pb->kind == PAGE_SNAPPY)
		return loc_error(loc, "snappy: mkvmcore was built without libsnappy");
#endif
	b->no_data = pb->kind == PAGE_ZERO || pb->kind == PAGE_EXCLUDE || pb->kind == PAGE_LOST;
	b->limit = b->no_data ? 0 : page_size;
	return 0;
}

static int parse_phdr_type(const char *s, uint32_t *ret)
{
	uint64_t v;

	if (strcmp(s, "LOAD") == 0)
		*ret = PT_LOAD;
	else if (strcmp(s, "NOTE") == 0)
		*ret = PT_NOTE;
	else if (parse_number(s, &v) == 0 && v <= UINT32_MAX)
		*ret = (uint32_t)v;
	else
		return -EINVAL;
	return 0;
}

static int parse_phdr_header(struct data_parser *p, char *args, const struct location *loc)
{
	struct block *b;
	struct phdr_block *ph;
	struct opt_u64 paddr = { 0 }, flags = { 0 };
	char *save = NULL, *tok;

	if (p->ctx->spec.format != FORMAT_ELF)
		return loc_error(loc, "@phdr blocks need format = elf");
	b = new_block(p, BLOCK_PHDR, loc);
	if (!b)
		return -ENOMEM;
	ph = &b->phdr;
	ph->type = PT_LOAD;

	for (tok = strtok_r(args, " \t", &save); tok; tok = strtok_r(NULL, " \t", &save)) {
		int r;

		if (strncmp(tok, "type=", 5) == 0) {
			if (parse_phdr_type(tok + 5, &ph->type) < 0)
				return loc_error(loc, "type must be LOAD, NOTE or a number");
			continue;
		}
		r = match_opt(tok, "paddr", &paddr, loc);
		if (r == 0)
			r = match_opt(tok, "vaddr", &ph->vaddr, loc);
		if (r == 0)
			r = match_opt(tok, "memsz", &ph->memsz, loc);
		if (r == 0)
			r = match_opt(tok, "filesz", &ph->filesz, loc);
		if (r == 0)
			r = match_opt(tok, "offset", &ph->offset, loc);
		if (r == 0)
			r = match_opt(tok, "align", &ph->align, loc);
		if (r == 0)
			r = match_opt(tok, "flags", &flags, loc);
		if (r < 0)
			return r;
		if (r == 0)
			return loc_error(loc, "unknown @phdr option '%s'", tok);
	}
	ph->paddr = paddr.v;
	ph->flags = (uint32_t)opt_or(&flags, ph->type == PT_LOAD ? PF_R | PF_W | PF_X : 0);
	if (ph->type == PT_LOAD && !paddr.set)
		return loc_error(loc, "@phdr type=LOAD needs paddr=");
	b->limit = MAX_BODY_SIZE;
	if (ph->filesz.set || ph->memsz.set) {
		uint64_t limit = ph->filesz.set ? ph->filesz.v : ph->memsz.v;

		if (limit > MAX_BODY_SIZE)
			return loc_error(loc, "more than %zu bytes of file data: give a smaller filesz=",
					 MAX_BODY_SIZE);
		b->limit = (size_t)limit;
	}
	return 0;
}

int add_ram_range(struct mkvmcore *ctx, uint64_t start_pfn, uint64_t end_pfn,
		  const struct location *loc)
{
	struct ram_range *grown;

	if (ctx->spec.format != FORMAT_KDUMP)
		return loc_error(loc, "ram ranges need format = kdump");
	if (start_pfn >= end_pfn || end_pfn > UINT64_MAX / ctx->spec.page_size)
		return loc_error(loc, "bad ram range [0x%llx, 0x%llx)",
				 (unsigned long long)start_pfn, (unsigned long long)end_pfn);
	grown = reallocarray(ctx->ram, ctx->n_ram + 1, sizeof(*grown));
	if (!grown)
		return -ENOMEM;
	ctx->ram = grown;
	grown[ctx->n_ram++] = (struct ram_range){ start_pfn, end_pfn };
	return 0;
}

static int parse_ram_args(struct data_parser *p, char *args, const struct location *loc)
{
	char *save = NULL, *start = strtok_r(args, " \t", &save);
	char *end = strtok_r(NULL, " \t", &save);
	uint64_t s, e;

	if (!start || !end || strtok_r(NULL, " \t", &save) ||
	    parse_number(start, &s) < 0 || parse_number(end, &e) < 0)
		return loc_error(loc, "expected 'ram START_PFN END_PFN' (END exclusive)");
	return add_ram_range(p->ctx, s, e, loc);
}

static int parse_block_header(struct data_parser *p, char *line, const struct location *loc)
{
	size_t len = strcspn(line, " \t");
	char *args = line + len + (line[len] ? 1 : 0);

	line[len] = '\0';
	if (strcmp(line, "@pfn") == 0)
		return parse_pfn_header(p, args, loc);
	if (strcmp(line, "@phdr") == 0)
		return parse_phdr_header(p, args, loc);
	if (strcmp(line, "@ram") == 0) {
		/* A block without a body: lines after it belong to no page. */
		p->in_block = false;
		return parse_ram_args(p, args, loc);
	}
	return loc_error(loc, "unknown block '%s' (expected @pfn, @ram or @phdr)", line);
}

/* VALUE[:WIDTH][*COUNT[+STEP|-STEP]]: VALUE and STEP hex, COUNT in C notation */
static int parse_word(struct data_parser *p, const char *tok, const struct location *loc)
{
	const char *star = strchr(tok, '*'), *colon = strchr(tok, ':');
	const char *value_end = star ? star : tok + strlen(tok);
	uint64_t value, count = 1, step = 0, mask, width_bits;
	unsigned width = p->width;
	bool down = false;
	int r;

	if (colon && colon < value_end) {
		_cleanup_free_ char *w = strndup(colon + 1, (size_t)(value_end - colon - 1));

		if (!w)
			return -ENOMEM;
		if (parse_number(w, &width_bits) < 0 ||
		    (width_bits != 8 && width_bits != 16 && width_bits != 32 && width_bits != 64))
			return loc_error(loc, "word width must be 8, 16, 32 or 64 bits: '%s'", tok);
		width = (unsigned)(width_bits / 8);
		value_end = colon;
	}
	if (parse_hex(tok, (size_t)(value_end - tok), &value) < 0)
		return loc_error(loc, "bad hex word '%s'", tok);
	if (star) {
		const char *sign = strpbrk(star + 1, "+-");
		_cleanup_free_ char *c = strndup(star + 1, sign ? (size_t)(sign - star - 1)
							     : strlen(star + 1));

		if (!c)
			return -ENOMEM;
		/* The step is added to a hex value, so it is hex too; the count
		 * is a count, in C notation. */
		if (parse_number(c, &count) < 0 ||
		    (sign && parse_hex(sign + 1, strlen(sign + 1), &step) < 0))
			return loc_error(loc, "bad repetition in '%s' (VALUE[:WIDTH]*COUNT[+STEP])",
					 tok);
		down = sign && *sign == '-';
	}
	mask = width == 8 ? UINT64_MAX : (UINT64_C(1) << (width * 8)) - 1;
	if (value & ~mask)
		return loc_error(loc, "'%s' does not fit in %u bits", tok, width * 8);
	if (count > MAX_BODY_SIZE)
		return loc_error(loc, "repetition count too large in '%s'", tok);
	r = check_room(p, count * width, loc);
	if (r < 0)
		return r;

	for (uint64_t i = 0; i < count; i++) {
		uint8_t le[8];

		for (unsigned b = 0; b < width; b++)
			le[b] = (uint8_t)(value >> (8 * b));
		r = body_write(p, le, width, loc);
		if (r < 0)
			return r;
		value = (down ? value - step : value + step) & mask;
	}
	return 0;
}

static int parse_directive(struct data_parser *p, const char *name, char *args,
			   const struct location *loc)
{
	struct block *b = current_block(p);
	uint64_t v;

	if (strcmp(name, "ram") == 0)
		return parse_ram_args(p, args, loc);
	if (!b)
		return loc_error(loc, "'%s' before the first @pfn/@phdr block", name);

	if (strcmp(name, "width") == 0) {
		if (parse_number(args, &v) < 0 || (v != 8 && v != 16 && v != 32 && v != 64))
			return loc_error(loc, "width must be 8, 16, 32 or 64 (bits)");
		p->width = (unsigned)(v / 8);
		return 0;
	}
	if (strcmp(name, ".org") == 0) {
		if (parse_number(args, &v) < 0)
			return loc_error(loc, ".org needs an offset inside the block");
		if (v > b->limit)
			return loc_error(loc, ".org 0x%llx is beyond the end of the block",
					 (unsigned long long)v);
		p->pos = (size_t)v;
		return 0;
	}
	/* fill BYTE: the rest of the block, up to its declared size. */
	if (parse_hex(args, strlen(args), &v) < 0 || v > 0xff)
		return loc_error(loc, "fill needs one hex byte");
	if (b->type == BLOCK_PHDR && b->limit == MAX_BODY_SIZE)
		return loc_error(loc, "fill needs a segment with filesz= or memsz=");
	if (p->pos < b->limit) {
		size_t n = b->limit - p->pos;
		_cleanup_free_ uint8_t *buf = malloc(n);

		if (!buf)
			return -ENOMEM;
		memset(buf, (int)v, n);
		return body_write(p, buf, n, loc);
	}
	return check_room(p, 0, loc);
}

static int parse_body_line(struct data_parser *p, char *line, const struct location *loc)
{
	static const char *const directives[] = { "width", ".org", "fill", "ram" };
	size_t len = strcspn(line, " \t");
	int r;

	for (size_t i = 0; i < ELEMENTSOF(directives); i++)
		if (len == strlen(directives[i]) && strncmp(line, directives[i], len) == 0) {
			char *args = line + len;

			if (*args) {
				*args++ = '\0';
				args += strspn(args, " \t");
			}
			return parse_directive(p, directives[i], args, loc);
		}

	while (*line) {
		char saved;

		line += strspn(line, " \t");
		if (!*line)
			break;
		if (*line == '"') {
			_cleanup_(bytes_free) struct bytes s = { 0 };
			const char *q = line, *err;

			if (parse_c_string(&q, &s, &err) < 0)
				return loc_error(loc, "%s", err);
			r = body_write(p, s.data, s.len, loc);
			if (r < 0)
				return r;
			line = (char *)q;
			continue;
		}
		len = strcspn(line, " \t\"");
		saved = line[len];
		line[len] = '\0';
		r = parse_word(p, line, loc);
		if (r < 0)
			return r;
		line[len] = saved;
		line += len;
	}
	return 0;
}

int data_parse(struct mkvmcore *ctx, const char *file, char *start, unsigned lines_before)
{
	struct line_reader reader = { .p = start, .file = file, .line = lines_before };
	struct data_parser p = { .ctx = ctx, .width = 8 };
	struct location loc;
	char *line;
	int r;

	/* Continue numbering pfns after blocks of an earlier data source. */
	for (size_t i = 0; i < ctx->n_blocks; i++)
		if (ctx->blocks[i].type == BLOCK_PFN)
			p.next_pfn = ctx->blocks[i].pfn.pfn + 1;

	while ((line = next_line(&reader, &loc))) {
		line = strip_line(line);
		if (!*line)
			continue;
		r = line[0] == '@' ? parse_block_header(&p, line, &loc)
				   : parse_body_line(&p, line, &loc);
		if (r < 0)
			return r;
	}
	return 0;
}

static int compare_pfn(const void *a, const void *b)
{
	const struct block *x = a, *y = b;

	if (x->pfn.pfn != y->pfn.pfn)
		return x->pfn.pfn < y->pfn.pfn ? -1 : 1;
	/* Same pfn: keep data order so the error names the second definition. */
	return x->order < y->order ? -1 : x->order > y->order;
}

int data_finish(struct mkvmcore *ctx)
{
	if (ctx->spec.format != FORMAT_KDUMP || ctx->n_blocks == 0)
		return 0;
	qsort(ctx->blocks, ctx->n_blocks, sizeof(*ctx->blocks), compare_pfn);
	for (size_t i = 1; i < ctx->n_blocks; i++)
		if (ctx->blocks[i].pfn.pfn == ctx->blocks[i - 1].pfn.pfn)
			return loc_error(&ctx->blocks[i].loc, "pfn 0x%llx is already defined at %s:%u",
					 (unsigned long long)ctx->blocks[i].pfn.pfn,
					 ctx->blocks[i - 1].loc.file, ctx->blocks[i - 1].loc.line);
	return 0;
}
