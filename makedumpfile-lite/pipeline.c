/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "pipeline.h"
#include "vmcore.h"

enum slot_state { SLOT_FREE, SLOT_FILLED, SLOT_WORKING, SLOT_DONE };

#define MAX_DEFAULT_WORKERS 8u

struct pipeline {
	const struct pipeline_config *cfg;
	struct chunk *slots;
	unsigned n_slots;
	pthread_mutex_t lock;
	pthread_cond_t cond; /* every state change; few waiters, so one condition is enough */
	uint64_t filled;     /* chunks handed to the workers so far */
	uint64_t taken;      /* chunks a worker has started */
	int eof;             /* the reader has no more */
	double read_busy, read_wait; /* the reader's, apart: it has no lock when it counts */
	int error;           /* the first error; stops everyone */
	struct pipeline_stats stats;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void set_error(struct pipeline *p, int r)
{
	pthread_mutex_lock(&p->lock);
	if (!p->error)
		p->error = r;
	pthread_cond_broadcast(&p->cond);
	pthread_mutex_unlock(&p->lock);
}

/* One page: lost, zero, a copy of one written before, compressed into c->out, or raw. */
static int process_page(struct pipeline *p, struct codec *codec, uint8_t *scratch,
			struct chunk *c, unsigned i)
{
	const struct pipeline_config *cfg = p->cfg;
	const uint8_t *data = NULL;
	struct disk_page_desc pd;
	ssize_t n;

	c->flags[i] = 0;
	c->size[i] = (uint32_t)cfg->page_size;
	c->key[i] = 0;
	if (!c->src[i]) {
		c->kind[i] = PAGE_LOST;
		return 0;
	}
	if (cfg->zero_check && vmcore_page_is_zero(c->src[i], cfg->page_size)) {
		c->kind[i] = PAGE_ZERO;
		return 0;
	}
	if (cfg->dedup && c->in_off[i] != UINT64_MAX) {
		c->key[i] = dedup_key(c->src[i], cfg->page_size);
		/* the same as an earlier page of this chunk (not written yet: not in the table) */
		for (unsigned k = 0; k < i; k++)
			if (c->key[k] == c->key[i] && c->kind[k] != PAGE_DUP_CHUNK &&
			    !memcmp(c->src[k], c->src[i], cfg->page_size)) {
				c->kind[i] = PAGE_DUP_CHUNK;
				c->ref[i] = k;
				return 0;
			}
		if (dedup_find(cfg->dedup, c->key[i], c->src[i], scratch, &pd)) {
			c->kind[i] = PAGE_DUP;
			c->ref[i] = pd.offset;
			c->size[i] = pd.size;
			c->flags[i] = (uint8_t)pd.flags;
			return 0;
		}
	}
	n = codec_compress(codec, c->src[i], &data);
	if (n < 0)
		return (int)n;
	if (n == 0) {
		c->kind[i] = PAGE_RAW;
		return 0;
	}
	memcpy(c->out + c->out_len, data, (size_t)n);
	c->kind[i] = PAGE_COMPRESSED;
	c->flags[i] = (uint8_t)cfg->method;
	c->size[i] = (uint32_t)n;
	c->off[i] = (uint32_t)c->out_len;
	c->out_len += (size_t)n;
	return 0;
}

static void *worker(void *arg)
{
	struct pipeline *p = arg;
	struct codec codec;
	uint8_t *scratch = malloc(p->cfg->page_size);
	int r;

	r = scratch ? codec_init(&codec, p->cfg->method, p->cfg->zstd_level, p->cfg->page_size) :
		      -ENOMEM;
	if (r < 0) {
		free(scratch);
		set_error(p, r);
		return NULL;
	}
	for (;;) {
		struct chunk *c;
		double t0 = now(), t1;

		pthread_mutex_lock(&p->lock);
		while (!p->error && p->taken == p->filled && !p->eof)
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->error || p->taken == p->filled) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		c = &p->slots[p->taken % p->n_slots];
		p->taken++;
		c->state = SLOT_WORKING;
		pthread_mutex_unlock(&p->lock);

		r = 0;
		c->out_len = 0;
		t1 = now();
		for (unsigned i = 0; i < c->n && r == 0; i++)
			r = process_page(p, &codec, scratch, c, i);

		pthread_mutex_lock(&p->lock);
		p->stats.work_wait += t1 - t0;
		p->stats.work_busy += now() - t1;
		if (r < 0 && !p->error)
			p->error = r;
		c->state = SLOT_DONE;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	codec_done(&codec);
	free(scratch);
	return NULL;
}

static void *writer(void *arg)
{
	struct pipeline *p = arg;

	for (uint64_t seq = 0;; seq++) {
		struct chunk *c = &p->slots[seq % p->n_slots];
		double t0 = now(), t1;
		int r;

		pthread_mutex_lock(&p->lock);
		while (!p->error && !(c->state == SLOT_DONE && c->seq == seq) &&
		       !(p->eof && seq == p->filled))
			pthread_cond_wait(&p->cond, &p->lock);
		if (p->error || seq == p->filled) {
			pthread_mutex_unlock(&p->lock);
			break;
		}
		pthread_mutex_unlock(&p->lock);

		t1 = now();
		r = p->cfg->consume(p->cfg->userdata, c);
		p->stats.write_wait += t1 - t0;
		p->stats.write_busy += now() - t1;
		if (r < 0) {
			set_error(p, r);
			break;
		}
		p->stats.pages += c->n;
		p->stats.bytes_in += (uint64_t)c->n * p->cfg->page_size;
		for (unsigned i = 0; i < c->n; i++)
			p->stats.unreadable += c->kind[i] == PAGE_LOST;

		pthread_mutex_lock(&p->lock);
		c->state = SLOT_FREE;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
	return NULL;
}

/* The calling thread: fill the ring in order. */
static int read_chunks(struct pipeline *p)
{
	const struct pipeline_config *cfg = p->cfg;

	for (uint64_t seq = 0;; seq++) {
		struct chunk *c = &p->slots[seq % p->n_slots];
		double t0 = now(), t1;
		int r;

		pthread_mutex_lock(&p->lock);
		while (!p->error && c->state != SLOT_FREE)
			pthread_cond_wait(&p->cond, &p->lock);
		r = p->error;
		pthread_mutex_unlock(&p->lock);
		if (r)
			return r;
		t1 = now();
		p->read_wait += t1 - t0;

		if (cfg->release)
			cfg->release(cfg->source, c);
		c->n = 0;
		c->seq = seq;
		r = cfg->produce(cfg->userdata, c);
		if (r == 0 && c->n > 0)
			r = cfg->fill(cfg->source, c);
		p->read_busy += now() - t1;
		pthread_mutex_lock(&p->lock);
		if (r < 0 || c->n == 0) {
			if (r < 0 && !p->error)
				p->error = r;
			p->eof = 1;
			pthread_cond_broadcast(&p->cond);
			pthread_mutex_unlock(&p->lock);
			return r;
		}
		c->state = SLOT_FILLED;
		p->filled++;
		pthread_cond_broadcast(&p->cond);
		pthread_mutex_unlock(&p->lock);
	}
}

int pipeline_run(const struct pipeline_config *cfg, struct pipeline_stats *stats)
{
	struct pipeline p = { .cfg = cfg };
	pthread_t *threads;
	unsigned workers = MAX(cfg->workers, 1u), started = 0;
	int r = 0;

	p.n_slots = 2 * workers + 2;
	p.slots = calloc(p.n_slots, sizeof(*p.slots));
	threads = calloc(workers + 1, sizeof(*threads));
	if (!p.slots || !threads) {
		free(p.slots);
		free(threads);
		return -ENOMEM;
	}
	for (unsigned i = 0; i < p.n_slots; i++) {
		p.slots[i].out = malloc((size_t)CHUNK_PAGES * cfg->page_size);
		if (!p.slots[i].out)
			r = -ENOMEM;
	}
	pthread_mutex_init(&p.lock, NULL);
	pthread_cond_init(&p.cond, NULL);

	if (r == 0)
		r = -pthread_create(&threads[started], NULL, writer, &p);
	if (r == 0)
		started++;
	for (unsigned i = 0; r == 0 && i < workers; i++) {
		r = -pthread_create(&threads[started], NULL, worker, &p);
		if (r == 0)
			started++;
	}
	if (r < 0)
		set_error(&p, r);
	else
		(void)read_chunks(&p);

	pthread_mutex_lock(&p.lock);
	p.eof = 1;
	pthread_cond_broadcast(&p.cond);
	pthread_mutex_unlock(&p.lock);
	for (unsigned i = 0; i < started; i++)
		pthread_join(threads[i], NULL);

	r = p.error;
	for (unsigned i = 0; i < p.n_slots; i++) {
		if (cfg->release)
			cfg->release(cfg->source, &p.slots[i]);
		free(p.slots[i].out);
		free(p.slots[i].inbuf);
	}
	pthread_mutex_destroy(&p.lock);
	pthread_cond_destroy(&p.cond);
	free(p.slots);
	free(threads);
	p.stats.read_busy = p.read_busy;
	p.stats.read_wait = p.read_wait;
	if (stats)
		*stats = p.stats;
	return r;
}

/* MemAvailable in bytes, 0 when unknown. */
static uint64_t mem_available(void)
{
	FILE *f = fopen("/proc/meminfo", "re");
	char line[128];
	unsigned long long kb = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1)
			break;
	fclose(f);
	return (uint64_t)kb << 10;
}

unsigned pipeline_default_workers(uint32_t method, size_t page_size)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t avail = mem_available();
	/* two chunks' output and input buffers and a compression context per worker */
	uint64_t per_worker = 4 * (uint64_t)CHUNK_PAGES * page_size + codec_footprint(method, page_size);
	unsigned n = cpus > 0 ? (unsigned)cpus : 1;

	n = MIN(n, MAX_DEFAULT_WORKERS);
	/* Leave most of a capture kernel's memory to the page cache of the dump file. */
	if (avail && per_worker * n > avail / 8)
		n = (unsigned)MAX(avail / 8 / per_worker, UINT64_C(1));
	return n;
}
