/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The 5.10+ lockless printk ring buffer (kernel/printk/printk_ringbuffer.c): a ring of
 * 1 << count_bits descriptors, a parallel array of printk_info, and a text data ring of
 * 1 << size_bits bytes whose blocks start with the id of the record that owns them.
 *
 * Records go from tail_id to head_id, both included (at most one ring of descriptors). A record
 * is printed when its descriptor holds its own id and is committed or finalized, and it has
 * text. Its block is [begin, next) in logical positions; a block that would wrap keeps its data
 * at the start of the ring. Each block must lie inside the data ring's [tail_lpos, head_lpos].
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>

#include "dmesg.h"
#include "internal.h"

/* The kernel caps the text ring at 2 GiB (log_buf_len); descriptors are one per 32 bytes. */
#define MAX_SIZE_BITS 31u
#define MIN_SIZE_BITS 4u
#define MAX_COUNT_BITS 26u

#define DESC_SV_BITS 64
#define DESC_FLAGS_SHIFT (DESC_SV_BITS - 2)
#define DESC_ID_MASK (~(UINT64_C(3) << DESC_FLAGS_SHIFT))
#define DESC_COMMITTED 1u
#define DESC_FINALIZED 2u

/* Where the fields are, from VMCOREINFO. Offsets of fields in nested structures are summed. */
struct prb_layout {
	uint64_t rb_desc_ring, rb_text_ring;                        /* printk_ringbuffer */
	uint64_t dr_count_bits, dr_descs, dr_infos, dr_head, dr_tail; /* prb_desc_ring */
	uint64_t tr_size_bits, tr_data;                             /* prb_data_ring */
	uint64_t desc_size, state_var, text_blk_lpos;               /* prb_desc */
	uint64_t blk_begin, blk_next;                               /* prb_data_blk_lpos */
	uint64_t info_size, ts_nsec, text_len;                      /* printk_info */
	uint64_t counter;                                           /* atomic_long_t */
};

#define KEY(k, field) { k, offsetof(struct prb_layout, field) }
static const struct {
	const char *key;
	size_t offset;
} layout_keys[] = {
	KEY("OFFSET(printk_ringbuffer.desc_ring)", rb_desc_ring),
	KEY("OFFSET(printk_ringbuffer.text_data_ring)", rb_text_ring),
	KEY("OFFSET(prb_desc_ring.count_bits)", dr_count_bits),
	KEY("OFFSET(prb_desc_ring.descs)", dr_descs),
	KEY("OFFSET(prb_desc_ring.infos)", dr_infos),
	KEY("OFFSET(prb_desc_ring.head_id)", dr_head),
	KEY("OFFSET(prb_desc_ring.tail_id)", dr_tail),
	KEY("OFFSET(prb_data_ring.size_bits)", tr_size_bits),
	KEY("OFFSET(prb_data_ring.data)", tr_data),
	KEY("SIZE(prb_desc)", desc_size),
	KEY("OFFSET(prb_desc.state_var)", state_var),
	KEY("OFFSET(prb_desc.text_blk_lpos)", text_blk_lpos),
	KEY("OFFSET(prb_data_blk_lpos.begin)", blk_begin),
	KEY("OFFSET(prb_data_blk_lpos.next)", blk_next),
	KEY("SIZE(printk_info)", info_size),
	KEY("OFFSET(printk_info.ts_nsec)", ts_nsec),
	KEY("OFFSET(printk_info.text_len)", text_len),
	KEY("OFFSET(atomic_long_t.counter)", counter),
};
#undef KEY

static int prb_layout(vmcore_t *v, struct prb_layout *p)
{
	int r;

	for (size_t i = 0; i < ELEMENTSOF(layout_keys); i++) {
		r = vc_dmesg_key_struct(v, layout_keys[i].key,
					(uint64_t *)((char *)p + layout_keys[i].offset));
		if (r < 0)
			return r;
	}
	/* The fields a record is read from must lie inside its descriptor and its info. */
	p->state_var += p->counter;
	p->blk_begin += p->text_blk_lpos;
	p->blk_next += p->text_blk_lpos;
	if ((r = vc_dmesg_check_field(v, "prb_desc.state_var", p->state_var, 8,
				      p->desc_size)) < 0 ||
	    (r = vc_dmesg_check_field(v, "prb_data_blk_lpos.begin", p->blk_begin, 8,
				      p->desc_size)) < 0 ||
	    (r = vc_dmesg_check_field(v, "prb_data_blk_lpos.next", p->blk_next, 8,
				      p->desc_size)) < 0 ||
	    (r = vc_dmesg_check_field(v, "printk_info.ts_nsec", p->ts_nsec, 8,
				      p->info_size)) < 0 ||
	    (r = vc_dmesg_check_field(v, "printk_info.text_len", p->text_len, 2,
				      p->info_size)) < 0)
		return r;
	return 0;
}

/* The ring as the crashed kernel left it. */
struct prb {
	uint64_t descs, infos, data;
	uint64_t count, size; /* descriptors, bytes of text */
	uint64_t head_id, tail_id;
	int have_lpos;
	uint64_t head_lpos, tail_lpos;
};

/* The data ring's bounds, when VMCOREINFO says where they are (every 5.10+ kernel does). */
static int prb_read_lpos(vmcore_t *v, struct kmem *m, const struct prb_layout *p,
			 uint64_t text_ring, struct prb *ring)
{
	uint64_t o_head, o_tail;
	int r;

	if (vmcore_vmcoreinfo_get_u64(v, "OFFSET(prb_data_ring.head_lpos)", &o_head) < 0 ||
	    vmcore_vmcoreinfo_get_u64(v, "OFFSET(prb_data_ring.tail_lpos)", &o_tail) < 0 ||
	    o_head > MAX_STRUCT || o_tail > MAX_STRUCT)
		return 0;
	if ((r = vc_kmem_u64(m, text_ring + o_head + p->counter, &ring->head_lpos,
			     "prb_data_ring")) < 0 ||
	    (r = vc_kmem_u64(m, text_ring + o_tail + p->counter, &ring->tail_lpos,
			     "prb_data_ring")) < 0)
		return r;
	if (ring->head_lpos - ring->tail_lpos > ring->size)
		return vc_error(v, -EBADMSG,
				"printk ring: head_lpos 0x%llx and tail_lpos 0x%llx are more than "
				"the ring's %llu bytes apart", (unsigned long long)ring->head_lpos,
				(unsigned long long)ring->tail_lpos,
				(unsigned long long)ring->size);
	ring->have_lpos = 1;
	return 0;
}

static int prb_read(vmcore_t *v, struct kmem *m, const struct prb_layout *p, struct prb *ring)
{
	uint64_t sym, prb, desc_ring, text_ring;
	uint32_t count_bits, size_bits;
	int r;

	if ((r = vc_dmesg_key_u64(v, "SYMBOL(prb)", &sym)) < 0 ||
	    (r = vc_kmem_u64(m, sym, &prb, "the prb pointer")) < 0)
		return r;
	desc_ring = prb + p->rb_desc_ring;
	text_ring = prb + p->rb_text_ring;
	if ((r = vc_kmem_u32(m, desc_ring + p->dr_count_bits, &count_bits, "prb_desc_ring")) < 0 ||
	    (r = vc_kmem_u64(m, desc_ring + p->dr_descs, &ring->descs, "prb_desc_ring")) < 0 ||
	    (r = vc_kmem_u64(m, desc_ring + p->dr_infos, &ring->infos, "prb_desc_ring")) < 0 ||
	    (r = vc_kmem_u64(m, desc_ring + p->dr_head + p->counter, &ring->head_id,
			     "prb_desc_ring")) < 0 ||
	    (r = vc_kmem_u64(m, desc_ring + p->dr_tail + p->counter, &ring->tail_id,
			     "prb_desc_ring")) < 0 ||
	    (r = vc_kmem_u32(m, text_ring + p->tr_size_bits, &size_bits, "prb_data_ring")) < 0 ||
	    (r = vc_kmem_u64(m, text_ring + p->tr_data, &ring->data, "prb_data_ring")) < 0)
		return r;

	if (count_bits > MAX_COUNT_BITS)
		return vc_error(v, -EBADMSG,
				"printk ring: count_bits %u is implausible (at most %u)",
				count_bits, MAX_COUNT_BITS);
	if (size_bits < MIN_SIZE_BITS || size_bits > MAX_SIZE_BITS)
		return vc_error(v, -EBADMSG, "printk ring: size_bits %u is implausible", size_bits);
	ring->count = UINT64_C(1) << count_bits;
	ring->size = UINT64_C(1) << size_bits;
	ring->head_id &= DESC_ID_MASK;
	ring->tail_id &= DESC_ID_MASK;
	if (((ring->head_id - ring->tail_id) & DESC_ID_MASK) >= ring->count)
		return vc_error(v, -EBADMSG,
				"printk ring: head_id 0x%llx is not within %llu descriptors after "
				"tail_id 0x%llx", (unsigned long long)ring->head_id,
				(unsigned long long)ring->count, (unsigned long long)ring->tail_id);
	return prb_read_lpos(v, m, p, text_ring, ring);
}

static int prb_record(vmcore_t *v, struct kmem *m, const struct prb_layout *p,
		      const struct prb *ring, uint64_t id, struct line *l, vmcore_line_fn line,
		      void *userdata)
{
	uint64_t index = id & (ring->count - 1), desc = ring->descs + index * p->desc_size;
	uint64_t info = ring->infos + index * p->info_size;
	uint64_t sv, begin_lpos, next_lpos, begin, next, off, ts, span;
	uint16_t text_len;
	uint8_t *text;
	unsigned state;
	size_t n;
	int r;

	if ((r = vc_kmem_u64(m, desc + p->state_var, &sv, "a printk descriptor")) < 0)
		return r;
	/* Another id (recycled) or a state that is not committed/finalized: skipped. */
	if ((sv & DESC_ID_MASK) != id)
		return 0;
	state = (unsigned)(sv >> DESC_FLAGS_SHIFT);
	if (state != DESC_COMMITTED && state != DESC_FINALIZED)
		return 0;
	if ((r = vc_kmem_u64(m, desc + p->blk_begin, &begin_lpos, "a printk descriptor")) < 0 ||
	    (r = vc_kmem_u64(m, desc + p->blk_next, &next_lpos, "a printk descriptor")) < 0)
		return r;
	begin = begin_lpos % ring->size;
	next = next_lpos % ring->size;
	if (begin == next) /* no data */
		return 0;

	if (next_lpos - begin_lpos > ring->size)
		return vc_error(v, -EBADMSG,
				"printk ring: record 0x%llx has its text at [0x%llx, 0x%llx), "
				"not a block of the %llu-byte data ring", (unsigned long long)id,
				(unsigned long long)begin_lpos, (unsigned long long)next_lpos,
				(unsigned long long)ring->size);
	span = ring->head_lpos - ring->tail_lpos;
	if (ring->have_lpos &&
	    (begin_lpos - ring->tail_lpos > span || next_lpos - ring->tail_lpos > span))
		return vc_error(v, -EBADMSG,
				"printk ring: record 0x%llx has its text at [0x%llx, 0x%llx), "
				"outside the data ring's [0x%llx, 0x%llx)", (unsigned long long)id,
				(unsigned long long)begin_lpos, (unsigned long long)next_lpos,
				(unsigned long long)ring->tail_lpos,
				(unsigned long long)ring->head_lpos);

	if ((r = vc_kmem_u16(m, info + p->text_len, &text_len, "a printk_info")) < 0 ||
	    (r = vc_kmem_u64(m, info + p->ts_nsec, &ts, "a printk_info")) < 0)
		return r;

	/* A block that wraps keeps its data at the start of the ring; skip the block's id. */
	off = (begin > next ? 0 : begin) + sizeof(uint64_t);
	n = text_len;
	if (next >= off && next - off < n) /* truncated */
		n = (size_t)(next - off);
	if (off > ring->size || n > ring->size - off)
		return vc_error(v, -EBADMSG,
				"printk ring: record 0x%llx: %zu bytes of text at offset 0x%llx "
				"run past the end of the %llu-byte data ring",
				(unsigned long long)id, n, (unsigned long long)off,
				(unsigned long long)ring->size);

	text = malloc(n ? n : 1);
	if (!text)
		return vc_error(v, -ENOMEM, "out of memory");
	r = vc_kmem_read(m, ring->data + off, text, n, "printk text");
	if (r == 0)
		r = vc_dmesg_emit(v, l, ts, text, n, line, userdata);
	free(text);
	return r;
}

int vc_dmesg_lockless(vmcore_t *v, struct kmem *m, struct line *l, vmcore_line_fn line,
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
