/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Shared by dmesg.c (the entry point, the log_buf formats) and dmesg-prb.c (the 5.10+ ring). */
#include <stddef.h>
#include <stdint.h>

#include "vmcore.h"

/* Structure offsets and sizes beyond this are garbage, not a kernel's layout. */
#define MAX_STRUCT 4096u

/* Kernel virtual memory read through a few cached pages (the rings are never copied whole). */
#define KMEM_SLOTS 8

struct kmem {
	vmcore_t *v;
	uint32_t page_size;
	unsigned next;
	int valid[KMEM_SLOTS];
	uint64_t vaddr[KMEM_SLOTS];
	uint8_t *data; /* KMEM_SLOTS pages */
};

int vc_kmem_init(struct kmem *m, vmcore_t *v);
void vc_kmem_done(struct kmem *m);
/* Errors carry "reading WHAT at ADDR" before the library's message. */
int vc_kmem_read(struct kmem *m, uint64_t vaddr, void *buf, size_t len, const char *what);
int vc_kmem_u64(struct kmem *m, uint64_t vaddr, uint64_t *ret, const char *what);
int vc_kmem_u32(struct kmem *m, uint64_t vaddr, uint32_t *ret, const char *what);
int vc_kmem_u16(struct kmem *m, uint64_t vaddr, uint16_t *ret, const char *what);

/* A VMCOREINFO value the log needs: -ENOKEY / -EBADMSG with a message naming the key. */
int vc_dmesg_key_u64(vmcore_t *v, const char *key, uint64_t *ret);
/* The same for a structure offset or size, at most MAX_STRUCT. */
int vc_dmesg_key_struct(vmcore_t *v, const char *key, uint64_t *ret);
/* -EBADMSG unless a field of `width` bytes at `offset` fits in a structure of `size` bytes. */
int vc_dmesg_check_field(vmcore_t *v, const char *field, uint64_t offset, unsigned width,
			 uint64_t size);

/* The line being formatted (reused from record to record). */
struct line {
	char *buf;
	size_t len, cap;
};

int vc_line_reserve(vmcore_t *v, struct line *l, size_t more);
/*
 * Formats one record as makedumpfile does and hands it to line(). Returns 0, line()'s non-zero
 * value, or a negative errno.
 */
int vc_dmesg_emit(vmcore_t *v, struct line *l, uint64_t ts_nsec, const uint8_t *text,
		  size_t text_len, vmcore_line_fn line, void *userdata);

/* 5.10+: the lockless printk_ringbuffer (dmesg-prb.c). */
int vc_dmesg_lockless(vmcore_t *v, struct kmem *m, struct line *l, vmcore_line_fn line,
		      void *userdata);
