/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <stdio.h>
#include <time.h>

#include "progress.h"

#define PROGRESS_INTERVAL 0.25

double mdl_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_begin(struct progress *p, const struct mdl_callbacks *cb, const char *phase,
		    uint64_t total)
{
	*p = (struct progress){ .cb = cb };
	p->p.phase = phase;
	p->p.total = total;
	p->start = mdl_now();
	p->last = 0;
}

void progress_update(struct progress *p, uint64_t done, uint64_t bytes_in, int finished)
{
	double t;

	if (!p->cb || !p->cb->progress)
		return;
	t = mdl_now();
	if (!finished && t - p->last < PROGRESS_INTERVAL)
		return;
	p->last = t;
	p->p.done = done;
	p->p.bytes_in = bytes_in;
	p->p.seconds = t - p->start;
	p->p.finished = finished;
	p->cb->progress(&p->p, p->cb->userdata);
}

void mdl_progress_format(const struct mdl_progress *p, char *buf, size_t len)
{
	double pct = p->total ? 100.0 * (double)p->done / (double)p->total : 100.0;
	double rate = p->seconds > 0 ? (double)p->bytes_in / p->seconds / 1e6 : 0;
	char eta[32] = "";

	if (pct > 100.0)
		pct = 100.0;
	if (p->finished) {
		snprintf(eta, sizeof(eta), "%.1fs", p->seconds);
	} else if (p->done && p->total > p->done && p->seconds > 0) {
		double left = p->seconds * (double)(p->total - p->done) / (double)p->done;
		unsigned s = (unsigned)(left + 0.5);
		snprintf(eta, sizeof(eta), "eta %u:%02u", s / 60, s % 60);
	}
	if (p->bytes_in)
		snprintf(buf, len, "%-28s : [%5.1f %%] %7.1f MB/s  %s", p->phase, pct, rate, eta);
	else
		snprintf(buf, len, "%-28s : [%5.1f %%]  %s", p->phase, pct, eta);
}
