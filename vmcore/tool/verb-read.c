/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* vmcore read: hexdump physical or kernel virtual memory of a dump. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "parse-util.h"
#include "verbs.h"

#define DEFAULT_SIZE 256u

static void usage(void)
{
	printf("Usage: %s read FILE (--phys|--virt) ADDR [--size N] [--raw]\n\n"
	       "Print memory of the crashed machine as a hexdump (address, 16 bytes in hex,\n"
	       "the same bytes as ASCII), or as raw bytes with --raw.\n\n"
	       "  -p, --phys ADDR   read physical memory at ADDR\n"
	       "  -v, --virt ADDR   read kernel virtual memory at ADDR (x86_64 page tables)\n"
	       "  -s, --size N      bytes to read, with an optional K, M or G suffix\n"
	       "                    (default %u)\n"
	       "  -r, --raw         write the bytes to stdout instead of a hexdump\n"
	       "  -h, --help        this text\n\n"
	       "ADDR is hexadecimal with 0x, or decimal. Exit status 3 when the memory is not in\n"
	       "the dump: filtered out, a hole, or (--virt) not mapped.\n",
	       program_name, DEFAULT_SIZE);
}

static int parse_addr(const char *s, uint64_t *ret)
{
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		return safe_atou64(s + 2, 16, ret);
	return safe_atou64(s, 10, ret);
}

struct hexdump {
	uint64_t addr; /* of line[0] */
	uint8_t line[16];
	size_t n;
};

static void hexdump_flush(struct hexdump *h)
{
	char ascii[17];

	if (h->n == 0)
		return;
	printf("%016" PRIx64 " ", h->addr);
	for (size_t i = 0; i < 16; i++) {
		if (i == 8)
			putchar(' ');
		if (i < h->n)
			printf(" %02x", h->line[i]);
		else
			fputs("   ", stdout);
		ascii[i] = h->line[i] >= 0x20 && h->line[i] < 0x7f ? (char)h->line[i] : '.';
	}
	ascii[h->n] = '\0';
	printf("  |%s|\n", ascii);
	h->addr += h->n;
	h->n = 0;
}

static void hexdump_add(struct hexdump *h, const uint8_t *p, size_t len)
{
	while (len > 0) {
		size_t n = MIN(len, 16 - h->n);

		memcpy(h->line + h->n, p, n);
		h->n += n;
		p += n;
		len -= n;
		if (h->n == 16)
			hexdump_flush(h);
	}
}

static int dump_memory(vmcore_t *v, const char *path, int virt, uint64_t addr, uint64_t size,
		       int raw)
{
	uint32_t ps = vmcore_page_size(v);
	struct hexdump h = { .addr = addr };
	_cleanup_free_ uint8_t *buf = malloc(ps);
	int r = 0;

	if (!buf) {
		fprintf(stderr, "%s read: out of memory\n", program_name);
		return EXIT_BAD_DUMP;
	}
	/* Page by page: the data is printed as it comes and a failure names its page. */
	while (size > 0) {
		size_t n = (size_t)MIN(size, (uint64_t)ps - (addr & (ps - 1)));
		char what[512];

		r = virt ? vmcore_read_virt(v, addr, buf, n) : vmcore_read_phys(v, addr, buf, n);
		if (r < 0) {
			if (!raw)
				hexdump_flush(&h);
			fflush(stdout);
			/* A --virt message names the address already, a --phys one only the PFN. */
			if (virt)
				snprintf(what, sizeof(what), "%s", path);
			else
				snprintf(what, sizeof(what), "%s: physical address 0x%" PRIx64,
					 path, addr);
			print_error(v, r, what);
			return exit_code_for(r);
		}
		if (raw) {
			if (fwrite(buf, 1, n, stdout) != n)
				break;
		} else
			hexdump_add(&h, buf, n);
		addr += n;
		size -= n;
	}
	if (!raw)
		hexdump_flush(&h);
	if (fflush(stdout) != 0 || ferror(stdout)) {
		fprintf(stderr, "%s read: writing the output: %s\n", program_name,
			strerror(errno ?: EIO));
		return EXIT_BAD_DUMP;
	}
	return EXIT_OK;
}

int verb_read(int argc, char **argv)
{
	static const struct option options[] = {
		{ "phys", required_argument, NULL, 'p' },
		{ "virt", required_argument, NULL, 'v' },
		{ "size", required_argument, NULL, 's' },
		{ "raw", no_argument, NULL, 'r' },
		{ "help", no_argument, NULL, 'h' },
		{},
	};
	uint64_t addr = 0, size = DEFAULT_SIZE, end;
	const char *addr_arg = NULL;
	int virt = -1, raw = 0, c, r;
	vmcore_t *v;

	optind = 1;
	while ((c = getopt_long(argc, argv, "p:v:s:rh", options, NULL)) >= 0)
		switch (c) {
		case 'p':
		case 'v':
			if (virt >= 0) {
				fprintf(stderr, "%s read: give one of --phys and --virt, once\n",
					program_name);
				return usage_hint("read");
			}
			virt = c == 'v';
			addr_arg = optarg;
			if (parse_addr(optarg, &addr) < 0) {
				fprintf(stderr, "%s read: invalid address '%s'\n", program_name,
					optarg);
				return usage_hint("read");
			}
			break;
		case 's':
			if (parse_size(optarg, &size) < 0 || size == 0) {
				fprintf(stderr, "%s read: invalid size '%s'\n", program_name,
					optarg);
				return usage_hint("read");
			}
			break;
		case 'r':
			raw = 1;
			break;
		case 'h':
			usage();
			return EXIT_OK;
		default:
			return usage_hint("read");
		}
	if (optind != argc - 1) {
		fprintf(stderr, "%s read: expected exactly one FILE\n", program_name);
		return usage_hint("read");
	}
	if (virt < 0) {
		fprintf(stderr, "%s read: give an address with --phys or --virt\n", program_name);
		return usage_hint("read");
	}
	if (add_overflows_u64(addr, size - 1, &end)) {
		fprintf(stderr, "%s read: %s + %" PRIu64 " bytes is beyond the address space\n",
			program_name, addr_arg, size);
		return usage_hint("read");
	}

	r = open_dump(argv[optind], &v);
	if (r != EXIT_OK)
		return r;
	r = dump_memory(v, argv[optind], virt, addr, size, raw);
	vmcore_free(v);
	return r;
}
