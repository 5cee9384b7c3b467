/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The main() of a fuzz target when it is not built with libFuzzer: runs every file of the
 * directories (and every file) it is given through LLVMFuzzerTestOneInput(), in name order.
 * A crash or a sanitizer report ends the process as it would end the fuzzer; an input that
 * takes longer than FUZZ_REPLAY_TIMEOUT seconds is a hang: exit 1 naming it. So the corpora
 * are regression tests of every build (the meson suite 'fuzz-regress').
 *
 *   fuzz-TARGET [-v] DIR|FILE...
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fuzz-common.h"
#include "io-util.h"

#define FUZZ_REPLAY_TIMEOUT 10
#define STR(x) STR_(x)
#define STR_(x) #x

static char current[4096];

static void on_alarm(int sig)
{
	static const char msg[] = "replay: no answer in " STR(FUZZ_REPLAY_TIMEOUT) " s, a hang: ";

	(void)sig;
	(void)!write(2, msg, sizeof(msg) - 1);
	(void)!write(2, current, strlen(current));
	(void)!write(2, "\n", 1);
	_exit(1);
}

static int run_file(const char *path, int verbose)
{
	struct stat st;
	uint8_t *data;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	/* Exactly the input's size, as libFuzzer hands it over: ASan sees reads past its end. */
	data = malloc(st.st_size ? (size_t)st.st_size : 1);
	if (!data)
		abort();
	n = pread_full(fd, data, (size_t)st.st_size, 0);
	close(fd);
	if (n != st.st_size) {
		fprintf(stderr, "replay: %s: cannot read it\n", path);
		free(data);
		return -1;
	}

	snprintf(current, sizeof(current), "%s", path);
	if (verbose)
		fprintf(stderr, "replay: %s (%zd bytes)\n", path, n);
	alarm(FUZZ_REPLAY_TIMEOUT);
	(void)LLVMFuzzerTestOneInput(data, (size_t)n);
	alarm(0);
	free(data);
	return 0;
}

static int is_input(const struct dirent *e)
{
	return e->d_name[0] != '.';
}

static int run_dir(const char *dir, int verbose, unsigned *count)
{
	struct dirent **names;
	int n = scandir(dir, &names, is_input, alphasort), r = 0;

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path, verbose) < 0)
				r = -1;
			else
				(*count)++;
		}
		free(names[i]);
	}
	free(names);
	return r;
}

int main(int argc, char **argv)
{
	unsigned count = 0;
	int verbose = 0, r = 0;

	signal(SIGALRM, on_alarm);
	for (int i = 1; i < argc; i++) {
		struct stat st;

		if (!strcmp(argv[i], "-v")) {
			verbose = 1;
			continue;
		}
		if (stat(argv[i], &st) < 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			r = -1;
		} else if (S_ISDIR(st.st_mode)) {
			if (run_dir(argv[i], verbose, &count) < 0)
				r = -1;
		} else if (run_file(argv[i], verbose) < 0)
			r = -1;
		else
			count++;
	}
	fprintf(stderr, "%s: %u inputs replayed without a crash or a hang\n", argv[0], count);
	/* A corpus that went missing must not pass as an empty one. */
	return r < 0 || count == 0 ? 1 : 0;
}
