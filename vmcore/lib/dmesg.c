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
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The kernel caps log_buf_len at 2 GiB; descriptors are one per 32 bytes of text. */
#define MAX_LOG_BUF_LEN (UINT64_C(1) << 31)
#define MAX_SIZE_BITS 31u
#define MIN_SIZE_BITS 4u
#define MAX_COUNT_BITS 26u
/* Structure offsets and sizes beyond this are garbage, not a kernel's layout. */
#define MAX_STRUCT 4096u

#define DESC_SV_BITS 64
#define DESC_FLAGS_SHIFT (DESC_SV_BITS - 2)
#define DESC_ID_MASK (~(UINT64_C(3) << DESC_FLAGS_SHIFT))
#define DESC_COMMITTED 1u
#define DESC_FINALIZED 2u

/* ---- reading kernel memory through a few cached pages ---- */

#define KMEM_SLOTS 8

struct kmem {
	vmcore_t *v;
	uint32_t page_size;
	unsigned next;
	int valid[KMEM_SLOTS];
	uint64_t vaddr[KMEM_SLOTS];
	uint8_t *data; /* KMEM_SLOTS pages */
};

static int kmem_init(struct kmem *m, vmcore_t *v)
{
	*m = (struct kmem){ .v = v, .page_size = v->page_size };
	m->data = malloc((size_t)KMEM_SLOTS * m->page_size);
	if (!m->data)
		return vc_error(v, -ENOMEM, "out of memory");
	return 0;
}

static void kmem_done(struct kmem *m)
{
	free(m->data);
	m->data = NULL;
}

static int kmem_read(struct kmem *m, uint64_t vaddr, void *buf, size_t len, const char *what)
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

static int kmem_u64(struct kmem *m, uint64_t vaddr, uint64_t *ret, const char *what)
{
	return kmem_read(m, vaddr, ret, sizeof(*ret), what);
}

static int kmem_u32(struct kmem *m, uint64_t vaddr, uint32_t *ret, const char *what)
{
	return kmem_read(m, vaddr, ret, sizeof(*ret), what);
}

static int kmem_u16(struct kmem *m, uint64_t vaddr, uint16_t *ret, const char *what)
{
	return kmem_read(m, vaddr, ret, sizeof(*ret), what);
}

/* ---- VMCOREINFO ---- */

static int key_u64(vmcore_t *v, const char *key, uint64_t *ret)
{
	int r = vmcore_vmcoreinfo_get_u64(v, key, ret);

	if (r == -ENOKEY)
		return vc_error(v, r, "VMCOREINFO lacks %s, needed to read the kernel log", key);
	if (r < 0)
		return vc_error(v, r, "VMCOREINFO %s is malformed", key);
	return 0;
}

/* A structure offset or size; at most MAX_STRUCT. */
static int key_struct(vmcore_t *v, const char *key, uint64_t *ret)
{
	int r = key_u64(v, key, ret);

	if (r < 0)
		return r;
	if (*ret > MAX_STRUCT)
		return vc_error(v, -EBADMSG, "VMCOREINFO %s=%llu is implausible", key,
				(unsigned long long)*ret);
	return 0;
}

/* Checks that a field of `width` bytes at `offset` lies inside a structure of `size` bytes. */
static int check_field(vmcore_t *v, const char *field, uint64_t offset, unsigned width,
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

struct line {
	char *buf;
	size_t len, cap;
};

static int line_reserve(vmcore_t *v, struct line *l, size_t more)
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
static int emit_record(vmcore_t *v, struct line *l, uint64_t ts_nsec, const uint8_t *text,
		       size_t text_len, vmcore_line_fn line, void *userdata)
{
	size_t indent;
	int r;

	/* The prefix is at most 40 bytes; a byte expands to at most max(10, 1 + indent). */
	r = line_reserve(v, l, 48 + text_len * 48);
	if (r < 0)
		return r;
	l->len = (size_t)snprintf(l->buf, l->cap, "[%5llu.%06llu] ",
				  (unsigned long long)(ts_nsec / 1000000000),
				  (unsigned long long)(ts_nsec % 1000000000 / 1000));
	indent = l->len;
	for (size_t i = 0; i < text_len; i++) {
		uint8_t c = text[i];

		if (c == '\n') {
			l->buf[l->len++] = '\n';
			memset(l->buf + l->len, ' ', indent);
			l->len += indent;
		} else if ((c >= 0x20 && c < 0x7f) || (c >= '\t' && c <= '\r'))
			l->buf[l->len++] = (char)c;
		else if (c >= 0x80)
			/* a negative char printed with %02x */
			l->len += (size_t)snprintf(l->buf + l->len, l->cap - l->len,
						   "\\xffffff%02x", c);
		else
			l->len += (size_t)snprintf(l->buf + l->len, l->cap - l->len, "\\x%02x",
						   c);
	}
	l->buf[l->len] = '\0';
	return line(l->buf, l->len, userdata);
}

/* ---- 5.10+: the lockless ring buffer ---- */

struct prb_layout {
	uint64_t desc_size, state_var, begin, next; /* begin/next: from the start of a prb_desc */
	uint64_t info_size, ts_nsec, text_len;
	uint64_t counter;
};

static int prb_layout(vmcore_t *v, struct prb_layout *p)
{
	uint64_t text_blk_lpos, blk_begin, blk_next;
	int r;

	if ((r = key_struct(v, "SIZE(prb_desc)", &p->desc_size)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_desc.state_var)", &p->state_var)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_desc.text_blk_lpos)", &text_blk_lpos)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_data_blk_lpos.begin)", &blk_begin)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_data_blk_lpos.next)", &blk_next)) < 0 ||
	    (r = key_struct(v, "SIZE(printk_info)", &p->info_size)) < 0 ||
	    (r = key_struct(v, "OFFSET(printk_info.ts_nsec)", &p->ts_nsec)) < 0 ||
	    (r = key_struct(v, "OFFSET(printk_info.text_len)", &p->text_len)) < 0 ||
	    (r = key_struct(v, "OFFSET(atomic_long_t.counter)", &p->counter)) < 0)
		return r;
	p->state_var += p->counter;
	p->begin = text_blk_lpos + blk_begin;
	p->next = text_blk_lpos + blk_next;
	if ((r = check_field(v, "prb_desc.state_var", p->state_var, 8, p->desc_size)) < 0 ||
	    (r = check_field(v, "prb_data_blk_lpos.begin", p->begin, 8, p->desc_size)) < 0 ||
	    (r = check_field(v, "prb_data_blk_lpos.next", p->next, 8, p->desc_size)) < 0 ||
	    (r = check_field(v, "printk_info.ts_nsec", p->ts_nsec, 8, p->info_size)) < 0 ||
	    (r = check_field(v, "printk_info.text_len", p->text_len, 2, p->info_size)) < 0)
		return r;
	return 0;
}

struct prb {
	uint64_t descs, infos, data;
	uint64_t count, size; /* descriptors, bytes of text */
	uint64_t head_id, tail_id;
	int have_lpos;
	uint64_t head_lpos, tail_lpos;
};

static int prb_read(vmcore_t *v, struct kmem *m, const struct prb_layout *p, struct prb *ring)
{
	uint64_t sym, prb, desc_ring, data_ring, o_count_bits, o_descs, o_infos, o_head, o_tail;
	uint64_t o_size_bits, o_data, o_head_lpos, o_tail_lpos;
	uint32_t count_bits, size_bits;
	int r;

	if ((r = key_u64(v, "SYMBOL(prb)", &sym)) < 0 ||
	    (r = key_struct(v, "OFFSET(printk_ringbuffer.desc_ring)", &desc_ring)) < 0 ||
	    (r = key_struct(v, "OFFSET(printk_ringbuffer.text_data_ring)", &data_ring)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_desc_ring.count_bits)", &o_count_bits)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_desc_ring.descs)", &o_descs)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_desc_ring.infos)", &o_infos)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_desc_ring.head_id)", &o_head)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_desc_ring.tail_id)", &o_tail)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_data_ring.size_bits)", &o_size_bits)) < 0 ||
	    (r = key_struct(v, "OFFSET(prb_data_ring.data)", &o_data)) < 0)
		return r;

	if ((r = kmem_u64(m, sym, &prb, "the prb pointer")) < 0 ||
	    (r = kmem_u32(m, prb + desc_ring + o_count_bits, &count_bits, "prb_desc_ring")) < 0 ||
	    (r = kmem_u64(m, prb + desc_ring + o_descs, &ring->descs, "prb_desc_ring")) < 0 ||
	    (r = kmem_u64(m, prb + desc_ring + o_infos, &ring->infos, "prb_desc_ring")) < 0 ||
	    (r = kmem_u64(m, prb + desc_ring + o_head + p->counter, &ring->head_id,
			  "prb_desc_ring")) < 0 ||
	    (r = kmem_u64(m, prb + desc_ring + o_tail + p->counter, &ring->tail_id,
			  "prb_desc_ring")) < 0 ||
	    (r = kmem_u32(m, prb + data_ring + o_size_bits, &size_bits, "prb_data_ring")) < 0 ||
	    (r = kmem_u64(m, prb + data_ring + o_data, &ring->data, "prb_data_ring")) < 0)
		return r;

	if (count_bits > MAX_COUNT_BITS)
		return vc_error(v, -EBADMSG,
				"printk ring: count_bits %u is implausible (at most %u)", count_bits,
				MAX_COUNT_BITS);
	if (size_bits < MIN_SIZE_BITS || size_bits > MAX_SIZE_BITS)
		return vc_error(v, -EBADMSG, "printk ring: size_bits %u is implausible", size_bits);
	ring->count = UINT64_C(1) << count_bits;
	ring->size = UINT64_C(1) << size_bits;
	ring->head_id &= DESC_ID_MASK;
	ring->tail_id &= DESC_ID_MASK;
	if (((ring->head_id - ring->tail_id) & DESC_ID_MASK) >= ring->count)
		return vc_error(v, -EBADMSG,
				"printk ring: head_id 0x%llx and tail_id 0x%llx are more than "
				"%llu descriptors apart", (unsigned long long)ring->head_id,
				(unsigned long long)ring->tail_id, (unsigned long long)ring->count);

	/* The data ring's bounds, to check each record's block against (optional keys). */
	if (vmcore_vmcoreinfo_get_u64(v, "OFFSET(prb_data_ring.head_lpos)", &o_head_lpos) == 0 &&
	    vmcore_vmcoreinfo_get_u64(v, "OFFSET(prb_data_ring.tail_lpos)", &o_tail_lpos) == 0 &&
	    o_head_lpos <= MAX_STRUCT && o_tail_lpos <= MAX_STRUCT) {
		if ((r = kmem_u64(m, prb + data_ring + o_head_lpos + p->counter, &ring->head_lpos,
				  "prb_data_ring")) < 0 ||
		    (r = kmem_u64(m, prb + data_ring + o_tail_lpos + p->counter, &ring->tail_lpos,
				  "prb_data_ring")) < 0)
			return r;
		if (ring->head_lpos - ring->tail_lpos > ring->size)
			return vc_error(v, -EBADMSG,
					"printk ring: head_lpos 0x%llx and tail_lpos 0x%llx are more "
					"than the ring's %llu bytes apart",
					(unsigned long long)ring->head_lpos,
					(unsigned long long)ring->tail_lpos,
					(unsigned long long)ring->size);
		ring->have_lpos = 1;
	}
	return 0;
}

static int prb_record(vmcore_t *v, struct kmem *m, const struct prb_layout *p,
		      const struct prb *ring, uint64_t id, struct line *l, vmcore_line_fn line,
		      void *userdata)
{
	uint64_t index = id & (ring->count - 1), desc = ring->descs + index * p->desc_size;
	uint64_t info = ring->infos + index * p->info_size;
	uint64_t sv, begin_lpos, next_lpos, begin, next, off, ts;
	uint16_t text_len;
	uint8_t *text;
	size_t n;
	int r;

	if ((r = kmem_u64(m, desc + p->state_var, &sv, "a printk descriptor")) < 0)
		return r;
	/* Another id (recycled) or a state that is not committed/finalized: skipped. */
	if ((sv & DESC_ID_MASK) != id)
		return 0;
	if ((sv >> DESC_FLAGS_SHIFT) != DESC_COMMITTED && (sv >> DESC_FLAGS_SHIFT) != DESC_FINALIZED)
		return 0;
	if ((r = kmem_u64(m, desc + p->begin, &begin_lpos, "a printk descriptor")) < 0 ||
	    (r = kmem_u64(m, desc + p->next, &next_lpos, "a printk descriptor")) < 0)
		return r;
	begin = begin_lpos % ring->size;
	next = next_lpos % ring->size;
	if (begin == next) /* no data */
		return 0;

	if (next_lpos - begin_lpos > ring->size ||
	    (ring->have_lpos && (begin_lpos - ring->tail_lpos > ring->head_lpos - ring->tail_lpos ||
				 next_lpos - ring->tail_lpos > ring->head_lpos - ring->tail_lpos)))
		return vc_error(v, -EBADMSG,
				"printk ring: record 0x%llx has its text at [0x%llx, 0x%llx), "
				"outside the data ring [0x%llx, 0x%llx)", (unsigned long long)id,
				(unsigned long long)begin_lpos, (unsigned long long)next_lpos,
				(unsigned long long)ring->tail_lpos,
				(unsigned long long)ring->head_lpos);

	if ((r = kmem_u16(m, info + p->text_len, &text_len, "a printk_info")) < 0 ||
	    (r = kmem_u64(m, info + p->ts_nsec, &ts, "a printk_info")) < 0)
		return r;

	/* A block that wraps keeps its data at the start of the ring; skip the block's id. */
	off = (begin > next ? 0 : begin) + sizeof(uint64_t);
	n = text_len;
	if (next >= off && next - off < n) /* truncated */
		n = (size_t)(next - off);
	if (off > ring->size || n > ring->size - off)
		return vc_error(v, -EBADMSG,
				"printk ring: record 0x%llx: %zu bytes of text at offset 0x%llx run "
				"past the end of the %llu-byte data ring", (unsigned long long)id,
				n, (unsigned long long)off, (unsigned long long)ring->size);

	text = malloc(n ? n : 1);
	if (!text)
		return vc_error(v, -ENOMEM, "out of memory");
	r = kmem_read(m, ring->data + off, text, n, "printk text");
	if (r == 0)
		r = emit_record(v, l, ts, text, n, line, userdata);
	free(text);
	return r;
}

static int dmesg_lockless(vmcore_t *v, struct kmem *m, struct line *l, vmcore_line_fn line,
			  void *userdata)
{
	struct prb_layout p;
	struct prb ring = {};
	uint64_t n;
	int r;

	if ((r = prb_layout(v, &p)) < 0 || (r = prb_read(v, m, &p, &ring)) < 0)
		return r;
	/* From the oldest descriptor to the newest, both included: at most count records. */
	n = ((ring.head_id - ring.tail_id) & DESC_ID_MASK) + 1;
	for (uint64_t i = 0; i < n; i++) {
		r = prb_record(v, m, &p, &ring, (ring.tail_id + i) & DESC_ID_MASK, l, line,
			       userdata);
		if (r != 0)
			return r;
	}
	return 0;
}

/* ---- 3.5 to 5.9: struct printk_log records ---- */

static int log_key(vmcore_t *v, const char *fmt, const char *field, uint64_t *ret)
{
	char key[64];
	int r;

	/* The structure was "struct log" before 3.11. */
	snprintf(key, sizeof(key), fmt, "printk_log", field);
	r = vmcore_vmcoreinfo_get_u64(v, key, ret);
	if (r == -ENOKEY) {
		snprintf(key, sizeof(key), fmt, "log", field);
		r = vmcore_vmcoreinfo_get_u64(v, key, ret);
	}
	if (r == -ENOKEY) {
		snprintf(key, sizeof(key), fmt, "printk_log", field);
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

	if ((r = key_u64(v, "SYMBOL(log_buf)", &sym_buf)) < 0 ||
	    (r = key_u64(v, "SYMBOL(log_buf_len)", &sym_len)) < 0 ||
	    (r = kmem_u64(m, sym_buf, &buf, "log_buf")) < 0 ||
	    (r = kmem_u32(m, sym_len, &len, "log_buf_len")) < 0)
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
	uint64_t buf, len, hdr, o_ts, o_len, o_text_len, sym_first, sym_next, walked = 0;
	uint32_t first, next, idx;
	int r;

	if ((r = log_key(v, "SIZE(%s%s)", "", &hdr)) < 0 ||
	    (r = log_key(v, "OFFSET(%s.%s)", "ts_nsec", &o_ts)) < 0 ||
	    (r = log_key(v, "OFFSET(%s.%s)", "len", &o_len)) < 0 ||
	    (r = log_key(v, "OFFSET(%s.%s)", "text_len", &o_text_len)) < 0 ||
	    (r = key_u64(v, "SYMBOL(log_first_idx)", &sym_first)) < 0 ||
	    (r = key_u64(v, "SYMBOL(log_next_idx)", &sym_next)) < 0 ||
	    (r = check_field(v, "printk_log.ts_nsec", o_ts, 8, hdr)) < 0 ||
	    (r = check_field(v, "printk_log.len", o_len, 2, hdr)) < 0 ||
	    (r = check_field(v, "printk_log.text_len", o_text_len, 2, hdr)) < 0 ||
	    (r = read_log_buf(v, m, &buf, &len)) < 0 ||
	    (r = kmem_u32(m, sym_first, &first, "log_first_idx")) < 0 ||
	    (r = kmem_u32(m, sym_next, &next, "log_next_idx")) < 0)
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

		if ((r = kmem_u16(m, buf + idx + o_len, &rec_len, "a printk_log record")) < 0)
			return r;
		if (rec_len == 0) {
			/* The end-of-buffer marker: the record is at the start. */
			walked += len - idx;
			idx = 0;
			if (idx == next)
				break;
			if ((r = kmem_u16(m, buf + o_len, &rec_len, "a printk_log record")) < 0)
				return r;
		}
		walked += rec_len;
		if (rec_len < hdr || rec_len > len - hdr - idx || walked > len)
			return vc_error(v, -EBADMSG,
					"log_buf is corrupt: record at 0x%x has length %u (a cycle, "
					"or beyond the %llu-byte buffer)", idx, rec_len,
					(unsigned long long)len);
		if ((r = kmem_u16(m, buf + idx + o_text_len, &text_len, "a printk_log record")) < 0 ||
		    (r = kmem_u64(m, buf + idx + o_ts, &ts, "a printk_log record")) < 0)
			return r;
		if (text_len > len - hdr - idx)
			return vc_error(v, -EBADMSG,
					"log_buf is corrupt: the text of the record at 0x%x runs past "
					"the end of the buffer", idx);
		text = malloc(text_len ? text_len : 1);
		if (!text)
			return vc_error(v, -ENOMEM, "out of memory");
		r = kmem_read(m, buf + idx + hdr, text, text_len, "printk_log text");
		if (r == 0)
			r = emit_record(v, l, ts, text, text_len, line, userdata);
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

static int dmesg_flat(vmcore_t *v, struct kmem *m, vmcore_line_fn line, void *userdata)
{
	uint64_t buf, len, sym_end, log_end = 0, start, avail;
	_cleanup_free_ char *text = NULL;
	size_t i, b = 0;
	int r;

	if ((r = key_u64(v, "SYMBOL(log_end)", &sym_end)) < 0 ||
	    (r = read_log_buf(v, m, &buf, &len)) < 0)
		return r;
	if (len & (len - 1))
		return vc_error(v, -EBADMSG, "log_buf_len %llu is not a power of two",
				(unsigned long long)len);
	r = log_end_is_long(v) ? kmem_u64(m, sym_end, &log_end, "log_end")
			       : kmem_u32(m, sym_end, (uint32_t *)&log_end, "log_end");
	if (r < 0)
		return r;

	/* Not wrapped yet: [0, log_end). Wrapped: the oldest byte is at log_end mod len. */
	avail = log_end < len ? log_end : len;
	start = log_end < len ? 0 : log_end & (len - 1);
	text = malloc(avail ? avail : 1);
	if (!text)
		return vc_error(v, -ENOMEM, "out of memory");
	if ((r = kmem_read(m, buf + start, text, avail - start, "log_buf")) < 0 ||
	    (r = kmem_read(m, buf, text + (avail - start), start, "log_buf")) < 0)
		return r;

	for (i = 0; i <= avail; i++)
		if (i == avail || text[i] == '\n') {
			if (i == avail && b == avail)
				break; /* nothing after the last newline */
			r = line(text + b, i - b, userdata);
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
	r = kmem_init(&m, v);
	if (r < 0)
		return r;
	if (vmcore_vmcoreinfo_get(v, "SYMBOL(prb)", &s) == 0)
		r = dmesg_lockless(v, &m, &l, line, userdata);
	else if (vmcore_vmcoreinfo_get(v, "SYMBOL(log_buf)", &s) < 0)
		r = vc_error(v, -ENOKEY,
			     "VMCOREINFO has neither SYMBOL(prb) nor SYMBOL(log_buf): cannot find "
			     "the kernel log");
	else if (vmcore_vmcoreinfo_get(v, "SYMBOL(log_end)", &s) == 0)
		r = dmesg_flat(v, &m, line, userdata);
	else
		r = dmesg_printk_log(v, &m, &l, line, userdata);
	kmem_done(&m);
	free(l.buf);
	return r;
}
