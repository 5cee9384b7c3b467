/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Bad-input sweep: from a valid seed dump, make thousands of broken variants (truncated at
 * many lengths, bytes flipped, header-sized fields overwritten with boundary values) and run
 * every reading entry point of libvmcore on each: open, info accessors, page counts, the
 * state and contents of every page frame, verify, dmesg, virtual reads, the classifier.
 * Any crash, sanitizer report or hang (SIGALRM after a few seconds) fails the run; errors
 * returned by the library are what we want. Run it under ASan with max_allocation_size_mb
 * so that an allocation driven by a hostile size fails the test too.
 *
 *   vmcore-mutate [--variants N] [--seed S] SEED-FILE...
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vmcore.h"

#define MAX_PFNS_READ 4096u
#define MAX_SEED_SIZE (64u << 20)

static const char *current;

static void on_alarm(int sig)
{
	static const char msg[] = "vmcore-mutate: a variant hung (no answer in 10 s): ";
	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, current, strlen(current));
	(void)!write(2, "\n", 1);
	_exit(1);
}

static uint64_t rng_state;
static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so a failing variant can be reproduced from its number. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

static int count_line(const char *line, size_t len, void *userdata)
{
	(*(size_t *)userdata)++;
	return 0;
}

static int count_problem(const char *message, void *userdata)
{
	(*(size_t *)userdata)++;
	return 0;
}

/* Everything a reader of an untrusted dump may call; results are ignored, crashes are not. */
static void exercise(const char *path)
{
	vmcore_t *v = vmcore_new();
	uint64_t present, dumped, start, end;
	size_t lines = 0, problems = 0;
	const char *text;
	size_t size;
	int64_t t;

	if (!v)
		abort();
	if (vmcore_open(v, path) < 0) {
		(void)vmcore_strerror(v);
		vmcore_free(v);
		return;
	}
	(void)vmcore_format_name(v);
	(void)vmcore_osrelease(v);
	(void)vmcore_crash_time(v, &t);
	(void)vmcore_nr_cpus(v);
	(void)vmcore_vmcoreinfo(v, &text, &size);
	(void)vmcore_count_pages(v, &present, &dumped);
	for (size_t i = 0; i < vmcore_phys_range_count(v); i++)
		(void)vmcore_phys_range(v, i, &start, &end);

	uint32_t ps = vmcore_page_size(v);
	unsigned char *buf = malloc(ps);
	if (!buf)
		abort();
	uint64_t max = vmcore_max_pfn(v), step = max / MAX_PFNS_READ + 1;
	for (uint64_t pfn = 0; pfn < max; pfn += step) {
		(void)vmcore_pfn_state(v, pfn);
		(void)vmcore_read_pfn(v, pfn, buf);
	}
	(void)vmcore_read_phys(v, max * ps - 8, buf, 16);
	(void)vmcore_verify(v, count_problem, &problems);
	(void)vmcore_dmesg(v, count_line, &lines);
	(void)vmcore_read_virt(v, 0xffffffff81000000ull, buf, 64);
	(void)vmcore_read_virt(v, 0xffff888000001000ull, buf, 64);

	vmcore_classifier_t *c = NULL;
	if (vmcore_classifier_new(v, &c) == 0) {
		uint8_t classes[512];
		uint64_t n = max < 4096 ? max : 4096;
		for (uint64_t pfn = 0; pfn < n; pfn += sizeof(classes))
			(void)vmcore_classify(c, pfn, sizeof(classes), classes);
		vmcore_classifier_free(c);
	}
	free(buf);
	vmcore_free(v);
}

static int write_file(const char *path, const unsigned char *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (fd < 0)
		return -errno;
	for (size_t done = 0; done < len;) {
		ssize_t k = write(fd, data + done, len - done);
		if (k <= 0) {
			close(fd);
			return -EIO;
		}
		done += (size_t)k;
	}
	close(fd);
	return 0;
}

static unsigned char *load(const char *path, size_t *ret_len)
{
	struct stat st;
	unsigned char *data;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0 || fstat(fd, &st) < 0 || st.st_size <= 0 || st.st_size > MAX_SEED_SIZE) {
		fprintf(stderr, "vmcore-mutate: %s: cannot use as a seed\n", path);
		exit(2);
	}
	data = malloc((size_t)st.st_size);
	if (!data || read(fd, data, (size_t)st.st_size) != st.st_size)
		exit(2);
	close(fd);
	*ret_len = (size_t)st.st_size;
	return data;
}

static const uint64_t boundary[] = {
	0, 1, 0x7f, 0xff, 0x7fff, 0xffff, 0x7fffffff, 0x80000000, 0xffffffff,
	0x100000000ull, 0x7fffffffffffffffull, 0x8000000000000000ull, UINT64_MAX, 4096, 4095, 24,
};

/* One variant: a truncation, a flipped byte or an overwritten field, chosen by the PRNG. */
static size_t mutate(unsigned char *out, const unsigned char *seed, size_t len)
{
	memcpy(out, seed, len);
	/* Headers live near the start: aim most mutations at the first 16 KiB. */
	size_t hot = len < 16384 ? len : 16384;
	switch (rng() % 4) {
	case 0:
		return (size_t)(rng() % len);
	case 1: {
		size_t n = 1 + rng() % 4;
		for (size_t i = 0; i < n; i++)
			out[rng() % hot] ^= (unsigned char)(1u << (rng() % 8));
		return len;
	}
	case 2: {
		uint64_t v = boundary[rng() % (sizeof(boundary) / sizeof(boundary[0]))];
		size_t width = (rng() % 2) ? 8 : 4;
		if (hot <= width)
			return len;
		size_t at = (rng() % (hot - width)) & ~(size_t)3;
		memcpy(out + at, &v, width);
		return len;
	}
	default: {
		size_t at = rng() % len;
		out[at] = (unsigned char)rng();
		return len;
	}
	}
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "variants", required_argument, NULL, 'n' },
		{ "seed", required_argument, NULL, 's' },
		{},
	};
	unsigned long variants = 500;
	uint64_t seed_value = 0x5eed;
	char tmpl[] = "/tmp/vmcore-mutate-XXXXXX";
	char path[sizeof(tmpl) + 16];
	int c;

	while ((c = getopt_long(argc, argv, "n:s:", options, NULL)) >= 0)
		switch (c) {
		case 'n':
			variants = strtoul(optarg, NULL, 0);
			break;
		case 's':
			seed_value = strtoull(optarg, NULL, 0);
			break;
		default:
			return 2;
		}
	if (optind >= argc) {
		fprintf(stderr, "Usage: vmcore-mutate [--variants N] [--seed S] SEED-FILE...\n");
		return 2;
	}
	if (!mkdtemp(tmpl))
		return 2;
	snprintf(path, sizeof(path), "%s/v", tmpl);
	signal(SIGALRM, on_alarm);

	for (int f = optind; f < argc; f++) {
		size_t len;
		unsigned char *seed = load(argv[f], &len), *buf = malloc(len);
		char label[512];

		if (!buf)
			return 2;
		rng_state = seed_value ^ (uint64_t)f * 0x9e3779b97f4a7c15ull;
		/* The seed itself must read cleanly before its mutations mean anything. */
		write_file(path, seed, len);
		snprintf(label, sizeof(label), "%s (unmodified)", argv[f]);
		current = label;
		alarm(10);
		exercise(path);
		for (unsigned long i = 0; i < variants; i++) {
			size_t n = mutate(buf, seed, len);
			if (write_file(path, buf, n) < 0)
				return 2;
			snprintf(label, sizeof(label), "%s variant %lu (seed 0x%" PRIx64 ")", argv[f], i,
				 seed_value);
			alarm(10);
			exercise(path);
		}
		alarm(0);
		fprintf(stderr, "%s: %lu variants read without a crash or a hang\n", argv[f], variants);
		free(seed);
		free(buf);
	}
	unlink(path);
	rmdir(tmpl);
	return 0;
}
