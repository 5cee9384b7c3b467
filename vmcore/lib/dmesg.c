/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crashed kernel's log, formatted line for line as makedumpfile --dump-dmesg (1.7.x) does:
 *
 *   - "[%5llu.%06lu] " from ts_nsec, then the text of the record;
 *   - an embedded newline becomes a newline followed by as many spaces as the prefix is long;
 *   - bytes that are neither printable ASCII nor white space become "\xNN" -- and, because
 *     makedumpfile formats a (signed) char, bytes 0x80..0xff become "\xffffffNN";
 *   - the caller id (PRINTK_CALLER) and the dev_info / dictionary are not printed (1.7.2 does
 *     not print the caller id; 1.7.5 and later print "[ T123] " when VMCOREINFO has
 *     OFFSET(printk_info.caller_id), which every 5.10+ kernel exports);
 *   - records without text (data-less) and records not committed are skipped.
 *
 * Three generations of the log buffer:
 *   5.10+      the lockless printk_ringbuffer (SYMBOL(prb)): a descriptor ring, a parallel
 *              printk_info array and a text data ring;
 *   3.5..5.9   variable-length struct printk_log records in log_buf (struct "log" before 3.11);
 *   < 3.5      a flat character buffer, printed as it is, one line per '\n'.
 *
 * Every loop is bounded by the ring sizes and every position is checked against its ring: a
 * corrupt ring ends the walk with -EBADMSG, never with a crash, a hang or a huge allocation.
 * Memory is read through a few cached pages, so the rings are never copied whole.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dmesg.h"
#include "internal.h"

/* The kernel caps log_buf_len at 2 GiB. */
#define MAX_LOG_BUF_LEN (UINT64_C(1) << 31)

/* ---- reading kernel memory through a few cached pages ---- */

int vc_kmem_init(struct kmem *m, vmcore_t *v)
{
	*m = (struct kmem){ .v = v, .page_size = v->page_size };
	m->data = malloc((size_t)KMEM_SLOTS * m->page_size);
	if (!m->data)
		return vc_error(v, -ENOMEM, "out of memory");
	return 0;
}

void vc_kmem_done(struct kmem *m)
{
	free(m->data);
	m->data = NULL;
}

int vc_kmem_read(struct kmem *m, uint64_t vaddr, void *buf, size_t len, const char *what)
{
	uint8_t *out = buf;

	while (len > 0) {
		uint64_t page = vaddr & ~(uint64_t)(m->page_size - 1);
		size_t off = (size_t)(vaddr - page), n = MIN(len, m->page_size - off);
		unsigned i;
		int r;

		for (i = 0; i < KMEM_SLOTS; i++)
			if (m->valid[i] && m->vaddr[i] == page)
				break;
		if (i == KMEM_SLOTS) {
			i = m->next;
			m->next = (m->next + 1) % KMEM_SLOTS;
			m->valid[i] = 0;
			r = vmcore_read_virt(m->v, page, m->data + (size_t)i * m->page_size,
					     m->page_size);
			if (r < 0)
				return vc_error_prefix(m->v, r, "reading %s at 0x%llx", what,
						       (unsigned long long)vaddr);
			m->vaddr[i] = page;
			m->valid[i] = 1;
		}
		memcpy(out, m->data + (size_t)i * m->page_size + off, n);
		out += n;
		vaddr += n;
		len -= n;
	}
	return 0;
}

int vc_kmem_u64(struct kmem *m, uint64_t vaddr, uint64_t *ret, const char *what)
{
	return vc_kmem_read(m, vaddr, ret, sizeof(*ret), what);
}

int vc_kmem_u32(struct kmem *m, uint64_t vaddr, uint32_t *ret, const char *what)
{
	return vc_kmem_read(m, vaddr, ret, sizeof(*ret), what);
}

int vc_kmem_u16(struct kmem *m, uint64_t vaddr, uint16_t *ret, const char *what)
{
	return vc_kmem_read(m, vaddr, ret, sizeof(*ret), what);
}

/* ---- VMCOREINFO ---- */

int vc_dmesg_key_u64(vmcore_t *v, const char *key, uint64_t *ret)
{
	int r = vmcore_vmcoreinfo_get_u64(v, key, ret);

	if (r == -ENOKEY)
		return vc_error(v, r, "VMCOREINFO lacks %s, needed to read the kernel log", key);
	if (r < 0)
		return vc_error(v, r, "VMCOREINFO %s is malformed", key);
	return 0;
}

/* A structure offset or size; at most MAX_STRUCT. */
int vc_dmesg_key_struct(vmcore_t *v, const char *key, uint64_t *ret)
{
	int r = vc_dmesg_key_u64(v, key, ret);

	if (r < 0)
		return r;
	if (*ret > MAX_STRUCT)
		return vc_error(v, -EBADMSG, "VMCOREINFO %s=%llu is implausible", key,
				(unsigned long long)*ret);
	return 0;
}

/* Checks that a field of `width` bytes at `offset` lies inside a structure of `size` bytes. */
int vc_dmesg_check_field(vmcore_t *v, const char *field, uint64_t offset, unsigned width,
			 uint64_t size)
{
	if (offset + width > size)
		return vc_error(v, -EBADMSG,
				"VMCOREINFO: field %s at offset %llu does not fit in its structure "
				"of %llu bytes", field, (unsigned long long)offset,
				(unsigned long long)size);
	return 0;
}

/* ---- formatting ---- */

int vc_line_reserve(vmcore_t *v, struct line *l, size_t more)
{
	size_t cap;
	char *p;

	if (l->len + more <= l->cap)
		return 0;
	cap = MAX(l->cap * 2, l->len + more + 256);
	p = realloc(l->buf, cap);
	if (!p)
		return vc_error(v, -ENOMEM, "out of memory");
	l->buf = p;
	l->cap = cap;
	return 0;
}

/*
 * Formats one record as makedumpfile does and hands it to line(). Returns 0, line()'s non-zero
 * value, or a negative errno.
 */
int vc_dmesg_emit(vmcore_t *v, struct line *l, uint64_t ts_nsec, const uint8_t *text,
		  size_t text_len, vmcore_line_fn line, void *userdata)
{
	char prefix[48];
	size_t indent;
	int r;

	indent = (size_t)snprintf(prefix, sizeof(prefix), "[%5llu.%06llu] ",
				  (unsigned long long)(ts_nsec / 1000000000),
				  (unsigned long long)(ts_nsec % 1000000000 / 1000));
	/* A byte becomes at most "\xffffffNN" (10) or a newline and the indentation. */
	l->len = 0;
	r = vc_line_reserve(v, l, indent + text_len * MAX((size_t)10, 1 + indent) + 1);
	if (r < 0)
		return r;
	memcpy(l->buf, prefix, indent);
	l->len = indent;
	for (size_t i = 0; i < text_len; i++) {
		uint8_t c = text[i];

		if (c == '\n') {
			l->buf[l->len++] = '\n';
			memset(l->buf + l->len, ' ', indent);
			l->len += indent;
		} else if ((c >= 0x20 && c < 0x7f) || (c >= '\t' && c <= '\r'))
			/* isprint() || isspace() in the C locale */
			l->buf[l->len++] = (char)c;
		else if (c >= 0x80)
			/* makedumpfile prints a negative char with %02x */
			l->len += (size_t)snprintf(l->buf + l->len, l->cap - l->len,
						   "\\xffffff%02x", c);
		else
			l->len += (size_t)snprintf(l->buf + l->len, l->cap - l->len, "\\x%02x",
						   c);
	}
	l->buf[l->len] = '\0';
	return line(l->buf, l->len, userdata);
}

/* ---- 3.5 to 5.9: struct printk_log records ---- */

/* SIZE(printk_log) or OFFSET(printk_log.field); the structure was "struct log" before 3.11. */
static void log_key_name(char *key, size_t size, const char *strct, const char *field)
{
	if (field)
		snprintf(key, size, "OFFSET(%s.%s)", strct, field);
	else
		snprintf(key, size, "SIZE(%s)", strct);
}

static int log_key(vmcore_t *v, const char *field, uint64_t *ret)
{
	char key[64];
	int r;

	log_key_name(key, sizeof(key), "printk_log", field);
	r = vmcore_vmcoreinfo_get_u64(v, key, ret);
	if (r == -ENOKEY) {
		log_key_name(key, sizeof(key), "log", field);
		r = vmcore_vmcoreinfo_get_u64(v, key, ret);
	}
	if (r == -ENOKEY) {
		log_key_name(key, sizeof(key), "printk_log", field);
		return vc_error(v, r, "VMCOREINFO lacks %s, needed to read the kernel log", key);
	}
	if (r < 0)
		return vc_error(v, r, "VMCOREINFO %s is malformed", key);
	if (*ret > MAX_STRUCT)
		return vc_error(v, -EBADMSG, "VMCOREINFO %s=%llu is implausible", key,
				(unsigned long long)*ret);
	return 0;
}

static int read_log_buf(vmcore_t *v, struct kmem *m, uint64_t *ret_buf, uint64_t *ret_len)
{
	uint64_t sym_buf, sym_len, buf;
	uint32_t len;
	int r;

	if ((r = vc_dmesg_key_u64(v, "SYMBOL(log_buf)", &sym_buf)) < 0 ||
	    (r = vc_dmesg_key_u64(v, "SYMBOL(log_buf_len)", &sym_len)) < 0 ||
	    (r = vc_kmem_u64(m, sym_buf, &buf, "log_buf")) < 0 ||
	    (r = vc_kmem_u32(m, sym_len, &len, "log_buf_len")) < 0)
		return r;
	if (len == 0 || len > MAX_LOG_BUF_LEN)
		return vc_error(v, -EBADMSG, "log_buf_len %u is implausible", len);
	*ret_buf = buf;
	*ret_len = len;
	return 0;
}

static int dmesg_printk_log(vmcore_t *v, struct kmem *m, struct line *l, vmcore_line_fn line,
			    void *userdata)
{
	static const char what[] = "a printk_log record";
	uint64_t buf, len, hdr, o_ts, o_len, o_text_len, sym_first, sym_next, walked = 0;
	uint32_t first, next, idx;
	int r;

	if ((r = log_key(v, NULL, &hdr)) < 0 || (r = log_key(v, "ts_nsec", &o_ts)) < 0 ||
	    (r = log_key(v, "len", &o_len)) < 0 || (r = log_key(v, "text_len", &o_text_len)) < 0 ||
	    (r = vc_dmesg_key_u64(v, "SYMBOL(log_first_idx)", &sym_first)) < 0 ||
	    (r = vc_dmesg_key_u64(v, "SYMBOL(log_next_idx)", &sym_next)) < 0 ||
	    (r = vc_dmesg_check_field(v, "printk_log.ts_nsec", o_ts, 8, hdr)) < 0 ||
	    (r = vc_dmesg_check_field(v, "printk_log.len", o_len, 2, hdr)) < 0 ||
	    (r = vc_dmesg_check_field(v, "printk_log.text_len", o_text_len, 2, hdr)) < 0 ||
	    (r = read_log_buf(v, m, &buf, &len)) < 0 ||
	    (r = vc_kmem_u32(m, sym_first, &first, "log_first_idx")) < 0 ||
	    (r = vc_kmem_u32(m, sym_next, &next, "log_next_idx")) < 0)
		return r;
	if (len < hdr || first > len - hdr || next > len - hdr)
		return vc_error(v, -EBADMSG,
				"log_first_idx %u or log_next_idx %u lies outside log_buf (%llu "
				"bytes)", first, next, (unsigned long long)len);

	/* Each record advances by at least a header; one lap of the buffer ends the walk. */
	for (idx = first; idx != next;) {
		uint16_t rec_len, text_len;
		uint64_t ts;
		uint8_t *text;

		if ((r = vc_kmem_u16(m, buf + idx + o_len, &rec_len, what)) < 0)
			return r;
		if (rec_len == 0) {
			/* The end-of-buffer marker: the record is at the start. */
			walked += len - idx;
			idx = 0;
			if (idx == next)
				break;
			r = vc_kmem_u16(m, buf + o_len, &rec_len, what);
			if (r < 0)
				return r;
		}
		walked += rec_len;
		if (rec_len < hdr || rec_len > len - hdr - idx || walked > len)
			return vc_error(v, -EBADMSG,
					"log_buf is corrupt: record at 0x%x has length %u (a "
					"cycle, or beyond the %llu-byte buffer)", idx, rec_len,
					(unsigned long long)len);
		if ((r = vc_kmem_u16(m, buf + idx + o_text_len, &text_len, what)) < 0 ||
		    (r = vc_kmem_u64(m, buf + idx + o_ts, &ts, what)) < 0)
			return r;
		if (text_len > len - hdr - idx)
			return vc_error(v, -EBADMSG,
					"log_buf is corrupt: the text of the record at 0x%x runs "
					"past the end of the buffer", idx);
		text = malloc(text_len ? text_len : 1);
		if (!text)
			return vc_error(v, -ENOMEM, "out of memory");
		r = vc_kmem_read(m, buf + idx + hdr, text, text_len, "printk_log text");
		if (r == 0)
			r = vc_dmesg_emit(v, l, ts, text, text_len, line, userdata);
		free(text);
		if (r != 0)
			return r;
		idx += rec_len;
	}
	return 0;
}

/* ---- before 3.5: a flat buffer of text ---- */

/* Whether OSRELEASE is older than 2.6.25, when log_end was an unsigned long. */
static int log_end_is_long(vmcore_t *v)
{
	const char *rel = vmcore_osrelease(v);
	unsigned a, b, c;

	if (!rel || sscanf(rel, "%u.%u.%u", &a, &b, &c) != 3)
		return 0;
	return a == 2 && (b < 6 || (b == 6 && c < 25));
}

static int dmesg_flat(vmcore_t *v, struct kmem *m, struct line *l, vmcore_line_fn line,
		      void *userdata)
{
	uint64_t buf, len, sym_end, log_end = 0, start, avail;
	_cleanup_free_ char *text = NULL;
	size_t i, b = 0;
	int r;

	if ((r = vc_dmesg_key_u64(v, "SYMBOL(log_end)", &sym_end)) < 0 ||
	    (r = read_log_buf(v, m, &buf, &len)) < 0)
		return r;
	if (len & (len - 1))
		return vc_error(v, -EBADMSG, "log_buf_len %llu is not a power of two",
				(unsigned long long)len);
	if (log_end_is_long(v))
		r = vc_kmem_u64(m, sym_end, &log_end, "log_end");
	else {
		uint32_t end32;

		r = vc_kmem_u32(m, sym_end, &end32, "log_end");
		log_end = end32;
	}
	if (r < 0)
		return r;

	/* Not wrapped yet: [0, log_end). Wrapped: the oldest byte is at log_end mod len. */
	avail = log_end < len ? log_end : len;
	start = log_end < len ? 0 : log_end & (len - 1);
	text = malloc(avail ? avail : 1);
	if (!text)
		return vc_error(v, -ENOMEM, "out of memory");
	if ((r = vc_kmem_read(m, buf + start, text, avail - start, "log_buf")) < 0 ||
	    (r = vc_kmem_read(m, buf, text + (avail - start), start, "log_buf")) < 0)
		return r;

	for (i = 0; i <= avail; i++)
		if (i == avail || text[i] == '\n') {
			if (i == avail && b == avail)
				break; /* nothing after the last newline */
			/* Lines go out NUL-terminated, as the formatted records do. */
			r = vc_line_reserve(v, l, i - b + 1);
			if (r < 0)
				return r;
			memcpy(l->buf, text + b, i - b);
			l->buf[i - b] = '\0';
			r = line(l->buf, i - b, userdata);
			if (r != 0)
				return r;
			b = i + 1;
		}
	return 0;
}

int vmcore_dmesg(vmcore_t *v, vmcore_line_fn line, void *userdata)
{
	struct line l = {};
	struct kmem m;
	const char *s;
	int r;

	if (!v || !v->ops || !line)
		return -EINVAL;
	r = vc_kmem_init(&m, v);
	if (r < 0)
		return r;
	if (vmcore_vmcoreinfo_get(v, "SYMBOL(prb)", &s) == 0)
		r = vc_dmesg_lockless(v, &m, &l, line, userdata);
	else if (vmcore_vmcoreinfo_get(v, "SYMBOL(log_buf)", &s) < 0)
		r = vc_error(v, -ENOKEY,
			     "VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf): cannot find "
			     "the kernel log");
	else if (vmcore_vmcoreinfo_get(v, "SYMBOL(log_end)", &s) == 0)
		r = dmesg_flat(v, &m, &l, line, userdata);
	else
		r = dmesg_printk_log(v, &m, &l, line, userdata);
	vc_kmem_done(&m);
	free(l.buf);
	return r;
}
