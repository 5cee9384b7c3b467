/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* crashkernel= syntax: table-driven parse/print, RAM matching, command lines, bad input. */
#include <errno.h>
#include <string.h>

#include "kdump-crashkernel.h"
#include "tests.h"

#define K (1ULL << 10)
#define M (1ULL << 20)
#define G (1ULL << 30)
#define T_ (1ULL << 40)

static const struct {
	const char *in, *out;
} roundtrip[] = {
	{ "256M", "256M" },
	{ "256m", "256M" },
	{ "1536M", "1536M" },
	{ "1024M", "1G" },
	{ "4t", "4T" },
	{ "1E", "1E" },
	{ "640k", "640K" },
	{ "0", "0" },
	{ "0x10000000", "256M" },
	{ "0x100", "0x100" },
	{ "128M@16M", "128M@16M" },
	{ "128M@0x1000000", "128M@16M" },
	{ "512M,high", "512M,high" },
	{ "0,low", "0,low" },
	{ "72M,low", "72M,low" },
	{ "1G,cma", "1G,cma" },
	{ "auto", "auto" },
	/* RHEL 8's old x86 table, the kernel documentation's example, Ubuntu's current one. */
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", "1G-4G:192M,4G-64G:256M,64G-:512M" },
	{ "512M-2G:64M,2G-:128M", "512M-2G:64M,2G-:128M" },
	{ "2G-4G:320M,4G-32G:512M,32G-64G:1024M,64G-128G:2048M,128G-:4096M",
	  "2G-4G:320M,4G-32G:512M,32G-64G:1G,64G-128G:2G,128G-:4G" },
	{ "0-2G:128M,2G-:256M@16M", "0-2G:128M,2G-:256M@16M" },
	{ "4G-1T:256M,1T-:1536M", "4G-1T:256M,1T-:1536M" },
	{ "4G-64G:256M,1G-4G:192M", "4G-64G:256M,1G-4G:192M" },
};

TEST(parse_and_format)
{
	for (size_t i = 0; i < ELEMENTSOF(roundtrip); i++) {
		KdumpCrashkernel ck;
		KdumpError e = { 0 };
		char buf[128];
		int r = kdump_crashkernel_parse(roundtrip[i].in, &ck, &e);

		if (r < 0)
			fprintf(stderr, "'%s': %s\n", roundtrip[i].in, e.message);
		ASSERT_OK(r);
		ASSERT_TRUE(kdump_crashkernel_format(&ck, buf, sizeof(buf)) > 0);
		ASSERT_STREQ(buf, roundtrip[i].out);
	}
}

TEST(parsed_fields)
{
	KdumpCrashkernel ck;

	ASSERT_OK(kdump_crashkernel_parse("1G-4G:192M,4G-:512M@16M", &ck, NULL));
	ASSERT_EQ_INT(ck.kind, KDUMP_CK_RANGES);
	ASSERT_EQ_INT(ck.n_ranges, 2);
	ASSERT_EQ_U64(ck.ranges[0].start, 1 * G);
	ASSERT_EQ_U64(ck.ranges[0].end, 4 * G);
	ASSERT_EQ_U64(ck.ranges[0].size, 192 * M);
	ASSERT_EQ_U64(ck.ranges[1].end, KDUMP_CK_OPEN_END);
	ASSERT_TRUE(ck.has_offset);
	ASSERT_EQ_U64(ck.offset, 16 * M);
	ASSERT_OK(kdump_crashkernel_parse("512M,high", &ck, NULL));
	ASSERT_EQ_INT(ck.kind, KDUMP_CK_SIZE);
	ASSERT_EQ_INT(ck.suffix, KDUMP_CK_HIGH);
	ASSERT_EQ_U64(ck.size, 512 * M);
	ASSERT_OK(kdump_crashkernel_parse("auto", &ck, NULL));
	ASSERT_EQ_INT(ck.kind, KDUMP_CK_AUTO);
}

static const struct {
	const char *in;
	int r;
	const char *message;
} bad[] = {
	{ "", -EINVAL, "crashkernel= has no value" },
	{ "256", -EINVAL, "'256': the size '256' has no unit, so the kernel would read bytes; did "
			  "you mean 256M?" },
	{ "1G-4G:192,4G-:512M", -EINVAL, "'1G-4G:192,4G-:512M': the size '192' has no unit, so the "
					 "kernel would read bytes; did you mean 192M?" },
	{ "-256M", -EINVAL, "'-256M': a size cannot be negative" },
	{ "1G--4G:256M", -EINVAL, "'1G--4G:256M': a size cannot be negative" },
	{ "0100M", -EINVAL, "'0100M': a size with a leading zero is octal to the kernel ('010M' is "
			    "8M); write it without the zero" },
	{ "99999999999999999999M", -ERANGE, "'99999999999999999999M': the size at "
					    "'99999999999999999999M' is too large" },
	{ "17179869184G", -ERANGE, "'17179869184G': the size at '17179869184G' is too large" },
	{ "0x1ffffffffffffffffM", -ERANGE, "'0x1ffffffffffffffffM': the size at "
					   "'0x1ffffffffffffffffM' is too large" },
	{ "256MB", -EINVAL, "'256MB': unexpected 'B' at the end" },
	{ "256M junk", -EINVAL, "'256M junk': unexpected ' junk' at the end" },
	{ "256M@", -EINVAL, "'256M@': expected a size at ''" },
	{ "x", -EINVAL, "'x': expected a size at 'x'" },
	{ "M", -EINVAL, "'M': expected a size at 'M'" },
	{ "0x", -EINVAL, "'0x': expected a size at '0x'" },
	{ "256M,hi", -EINVAL, "'256M,hi': unexpected ',hi' at the end" },
	{ "256M@16M,high", -EINVAL, "'256M@16M,high': unexpected ',high' at the end (an offset "
				    "takes no suffix)" },
	{ "256M,high@16M", -EINVAL, "'256M,high@16M': unexpected ',high@16M' at the end" },
	{ "4G-1G:256M", -EINVAL, "'4G-1G:256M': range 1 ends before it starts" },
	{ "1G-1G:256M", -EINVAL, "'1G-1G:256M': range 1 ends before it starts" },
	{ "1G-4G:256M,2G-8G:512M", -EINVAL, "'1G-4G:256M,2G-8G:512M': ranges 1 and 2 overlap (the "
					    "kernel would use the first that matches)" },
	{ "1G-:256M,4G-8G:512M", -EINVAL, "'1G-:256M,4G-8G:512M': ranges 1 and 2 overlap (the "
					  "kernel would use the first that matches)" },
	{ "1G-4G:256M,high", -EINVAL, "'1G-4G:256M,high': ',high' cannot follow a range table "
				      "(,high, ,low and ,cma take a plain size)" },
	{ "1G-4G:256M,", -EINVAL, "'1G-4G:256M,': ',(end)' cannot follow a range table (,high, "
				  ",low and ,cma take a plain size)" },
	{ "1G4G:256M", -EINVAL, "'1G4G:256M': expected '-' after a range start" },
	{ "1G-4G256M", -EINVAL, "'1G-4G256M': unexpected '-4G256M' at the end" },
	{ "1G-4G;256M", -EINVAL, "'1G-4G;256M': unexpected '-4G;256M' at the end" },
	{ "1G-4G,2G:256M", -EINVAL, "'1G-4G,2G:256M': expected ':' after a range" },
	{ "1G:256M", -EINVAL, "'1G:256M': expected '-' after a range start" },
	{ "1G-4G:", -EINVAL, "'1G-4G:': expected a size at ''" },
	{ "1G-4G:256M@", -EINVAL, "'1G-4G:256M@': expected a size at ''" },
	{ "0-1G:1M,1G-2G:1M,2G-3G:1M,3G-4G:1M,4G-5G:1M,5G-6G:1M,6G-7G:1M,7G-8G:1M,8G-9G:1M,"
	  "9G-10G:1M,10G-11G:1M,11G-12G:1M,12G-13G:1M,13G-14G:1M,14G-15G:1M,15G-16G:1M,16G-:1M",
	  -E2BIG, NULL },
};

TEST(bad_input)
{
	for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
		KdumpCrashkernel ck = { .kind = KDUMP_CK_SIZE, .size = 12345 };
		KdumpError e = { 0 };
		int r = kdump_crashkernel_parse(bad[i].in, &ck, &e);

		if (r != bad[i].r || (bad[i].message && strcmp(e.message, bad[i].message)))
			fprintf(stderr, "'%s': %d %s\n", bad[i].in, r, e.message);
		ASSERT_EQ_INT(r, bad[i].r);
		if (bad[i].message)
			ASSERT_STREQ(e.message, bad[i].message);
		ASSERT_EQ_U64(ck.size, 12345); /* untouched on failure */
	}
}

static const struct {
	const char *value;
	uint64_t ram;
	int r;
	uint64_t size;
} for_ram[] = {
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", 1 * G, 0, 192 * M },
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", 1 * G - 100 * M, 0, 192 * M }, /* 128M round-up */
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", 1 * G - 129 * M, -ERANGE, 0 },
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", 512 * M, -ERANGE, 0 },
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", 3 * G + 1, 0, 192 * M },
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", 4 * G - 64 * M, 0, 256 * M }, /* rounds to 4G */
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", 64 * G, 0, 512 * M },
	{ "1G-4G:192M,4G-64G:256M,64G-:512M", 4 * T_, 0, 512 * M },
	{ "2G-:256M", 2 * G - 1, 0, 256 * M },
	{ "4G-64G:256M,1G-4G:192M", 2 * G, 0, 192 * M },
	{ "0-2G:0,2G-:256M", 1 * G, 0, 0 },
	{ "0-512M:512M,512M-:256M", 256 * M, -EINVAL, 0 },
	{ "256M", 1 * G, 0, 256 * M },
	{ "256M", 256 * M, -EINVAL, 0 },
	{ "256M,high", 8 * G, 0, 256 * M },
	{ "auto", 8 * G, -EOPNOTSUPP, 0 },
};

TEST(size_for_ram)
{
	KdumpError e = { 0 };

	for (size_t i = 0; i < ELEMENTSOF(for_ram); i++) {
		KdumpCrashkernel ck;
		uint64_t size = 77;
		int r;

		ASSERT_OK(kdump_crashkernel_parse(for_ram[i].value, &ck, NULL));
		r = kdump_crashkernel_size_for_ram(&ck, for_ram[i].ram, &size, &e);
		if (r != for_ram[i].r)
			fprintf(stderr, "case %zu: %d %s\n", i, r, e.message);
		ASSERT_EQ_INT(r, for_ram[i].r);
		ASSERT_EQ_U64(size, r == 0 ? for_ram[i].size : 77);
	}
	ASSERT_OK(kdump_crashkernel_parse("2G-4G:256M", &(KdumpCrashkernel){ 0 }, NULL));
	{
		KdumpCrashkernel ck;
		uint64_t size;

		ASSERT_OK(kdump_crashkernel_parse("2G-4G:256M", &ck, NULL));
		ASSERT_EQ_INT(kdump_crashkernel_size_for_ram(&ck, 1 * G, &size, &e), -ERANGE);
		ASSERT_STREQ(e.message, "no range covers 1G of RAM (rounded up to 128M): the kernel "
			     "reserves nothing");
		ASSERT_OK(kdump_crashkernel_parse("1G", &ck, NULL));
		ASSERT_EQ_INT(kdump_crashkernel_size_for_ram(&ck, 800 * M, &size, &e), -EINVAL);
		ASSERT_STREQ(e.message, "crashkernel=1G is not smaller than the RAM (896M): the "
			     "kernel reserves nothing");
		ASSERT_OK(kdump_crashkernel_parse("auto", &ck, NULL));
		ASSERT_EQ_INT(kdump_crashkernel_size_for_ram(&ck, 8 * G, &size, &e), -EOPNOTSUPP);
		ASSERT_STREQ(e.message, "crashkernel=auto was a RHEL 7/8 kernel feature and never "
			     "reached mainline: this kernel reserves nothing for it; 'kdumpctl "
			     "estimate' gives a size");
	}
}

TEST(cmdline)
{
	KdumpReservation res;
	KdumpError e = { 0 };

	ASSERT_OK(kdump_crashkernel_from_cmdline("BOOT_IMAGE=/vmlinuz root=/dev/sda1 "
						 "crashkernel=256M quiet", 4 * G, &res, &e));
	ASSERT_EQ_U64(res.size, 256 * M);
	ASSERT_TRUE(!res.high && !res.ignored_high && !res.ignored_low && !res.has_offset);
	/* The last one of a kind wins. */
	ASSERT_OK(kdump_crashkernel_from_cmdline("crashkernel=128M crashkernel=256M@16M", 4 * G,
						 &res, &e));
	ASSERT_EQ_U64(res.size, 256 * M);
	ASSERT_TRUE(res.has_offset && res.offset == 16 * M);
	/* A plain one overrides ,high; ,low counts only with ,high. */
	ASSERT_OK(kdump_crashkernel_from_cmdline("crashkernel=512M,high crashkernel=72M,low "
						 "crashkernel=256M", 8 * G, &res, &e));
	ASSERT_EQ_U64(res.size, 256 * M);
	ASSERT_TRUE(!res.high && res.ignored_high && res.ignored_low);
	ASSERT_OK(kdump_crashkernel_from_cmdline("crashkernel=512M,high crashkernel=72M,low", 8 * G,
						 &res, &e));
	ASSERT_TRUE(res.high);
	ASSERT_EQ_U64(res.size, 512 * M);
	ASSERT_EQ_U64(res.low, 72 * M);
	ASSERT_OK(kdump_crashkernel_from_cmdline("crashkernel=512M,high", 8 * G, &res, &e));
	ASSERT_EQ_U64(res.low, KDUMP_CK_LOW_DEFAULT);
	ASSERT_OK(kdump_crashkernel_from_cmdline("crashkernel=1G-4G:192M,4G-:512M", 8 * G, &res, &e));
	ASSERT_EQ_U64(res.size, 512 * M);
	ASSERT_OK(kdump_crashkernel_from_cmdline("\"crashkernel=256M\" xcrashkernel=1G "
						 "crashkernel=1G,cma", 8 * G, &res, &e));
	ASSERT_EQ_U64(res.size, 256 * M);
	ASSERT_EQ_U64(res.cma, 1 * G);

	ASSERT_EQ_INT(kdump_crashkernel_from_cmdline("quiet splash", 8 * G, &res, &e), -ENOENT);
	ASSERT_STREQ(e.message, "no crashkernel= on the command line");
	ASSERT_EQ_INT(kdump_crashkernel_from_cmdline("crashkernel=128M,low", 8 * G, &res, &e),
		      -ENOENT);
	ASSERT_STREQ(e.message, "no crashkernel=SIZE or crashkernel=SIZE,high: nothing is reserved "
		     "(,low and ,cma only add to one of them)");
	ASSERT_EQ_INT(kdump_crashkernel_from_cmdline("crashkernel=256", 8 * G, &res, &e), -EINVAL);
	ASSERT_EQ_INT(kdump_crashkernel_from_cmdline("crashkernel=2G-:256M", 1 * G, &res, &e),
		      -ERANGE);
}

TEST(cmdline_words)
{
	const char *s = "  a \"b c\" d=\"e f\"\tg ";
	const char *want[] = { "a", "\"b c\"", "d=\"e f\"", "g" };
	size_t pos = 0, start, len, n = 0;

	while (kdump_cmdline_next(s, &pos, &start, &len)) {
		ASSERT_TRUE(n < ELEMENTSOF(want));
		ASSERT_EQ_INT(len, strlen(want[n]));
		ASSERT_TRUE(strncmp(s + start, want[n], len) == 0);
		n++;
	}
	ASSERT_EQ_INT(n, 4);
}

/* Random tables, printed and parsed again, give the same size for every RAM size. */
TEST(property_roundtrip)
{
	uint64_t seed = 0x9e3779b97f4a7c15ULL;

	for (int iter = 0; iter < 2000; iter++) {
		KdumpCrashkernel a = { .kind = KDUMP_CK_RANGES }, b;
		uint64_t start = 0;
		char buf[512];

		a.n_ranges = 1 + (seed >> 60) % 6;
		for (size_t i = 0; i < a.n_ranges; i++) {
			seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
			start += (seed >> 40) % 4 * 128 * M;
			a.ranges[i].start = start;
			start += 128 * M * (1 + (seed >> 50) % 64);
			a.ranges[i].end = i + 1 == a.n_ranges && (seed & 1) ? KDUMP_CK_OPEN_END : start;
			a.ranges[i].size = M * (1 + (seed >> 20) % 2048);
		}
		ASSERT_TRUE(kdump_crashkernel_format(&a, buf, sizeof(buf)) > 0);
		ASSERT_OK(kdump_crashkernel_parse(buf, &b, NULL));
		ASSERT_EQ_INT(b.n_ranges, a.n_ranges);
		ASSERT_TRUE(strchr(buf, ',') == NULL || strstr(buf, ",high") == NULL);
		for (uint64_t ram = 128 * M; ram < start + 4 * G; ram += 128 * M) {
			uint64_t x = 1, y = 2;
			int ra = kdump_crashkernel_size_for_ram(&a, ram, &x, NULL);
			int rb = kdump_crashkernel_size_for_ram(&b, ram, &y, NULL);

			ASSERT_EQ_INT(ra, rb);
			if (ra == 0)
				ASSERT_EQ_U64(x, y);
		}
	}
}

TEST(format_errors)
{
	KdumpCrashkernel ck = { .kind = KDUMP_CK_SIZE, .size = 256 * M };
	char small[3];

	ASSERT_EQ_INT(kdump_crashkernel_format(&ck, small, sizeof(small)), -ENOBUFS);
	ck.suffix = KDUMP_CK_HIGH;
	ck.has_offset = true;
	ASSERT_EQ_INT(kdump_crashkernel_format(&ck, (char[64]){ 0 }, 64), -EINVAL);
	ck = (KdumpCrashkernel){ .kind = KDUMP_CK_RANGES };
	ASSERT_EQ_INT(kdump_crashkernel_format(&ck, (char[64]){ 0 }, 64), -EINVAL);
	ASSERT_EQ_INT(kdump_size_format(1536 * M, small, sizeof(small)), -ENOBUFS);
}

RUN_TESTS(T(parse_and_format), T(parsed_fields), T(bad_input), T(size_for_ram), T(cmdline),
	  T(cmdline_words), T(property_roundtrip), T(format_errors))
