/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Kernel image detection: bzImage headers, gzip and zstd into a memfd, and what is refused. */
#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include "io-util.h"
#include "kexec-fixture.h"
#include "kexec-image.h"
#include "tests.h"

#define IMG_SIZE (64u << 10)

static int contains(const char *s, const char *what)
{
	if (!s || !strstr(s, what)) {
		fprintf(stderr, "  expected '%s' in '%s'\n", what, s ? s : "(null)");
		return 0;
	}
	return 1;
}

/* Write buf to a file in a new root and open it as a kernel. */
static int open_image(const void *buf, size_t len, KexecImage *img, KexecError *e)
{
	char *root = fixture_root_new();
	char path[512];
	KexecCtx ctx;
	int r;

	if (!root)
		return -ENOMEM;
	r = fixture_write_bytes(root, "vmlinuz", buf, len);
	if (r == 0)
		r = kexec_ctx_init(&ctx, root);
	if (r == 0) {
		r = kexec_image_open(&ctx, fixture_path(root, "vmlinuz", path, sizeof(path)), img,
				     e);
		kexec_ctx_done(&ctx);
	}
	fixture_root_free(root);
	return r;
}

TEST(magic)
{
	static uint8_t buf[IMG_SIZE];
	struct fake_bzimage opt = { 0 };

	fixture_bzimage(buf, sizeof(buf), &opt);
	ASSERT_EQ_INT(kexec_magic_of(buf, sizeof(buf)), KEXEC_MAGIC_BZIMAGE);
	ASSERT_EQ_INT(kexec_magic_of(buf, 0), KEXEC_MAGIC_EMPTY);
	ASSERT_EQ_INT(kexec_magic_of("\177ELF\2\1\1", 7), KEXEC_MAGIC_ELF);
	ASSERT_EQ_INT(kexec_magic_of("MZ\0\0", 4), KEXEC_MAGIC_PE);
	ASSERT_EQ_INT(kexec_magic_of("\x1f\x8b\x08\0", 4), KEXEC_MAGIC_GZIP);
	ASSERT_EQ_INT(kexec_magic_of("\x28\xb5\x2f\xfd", 4), KEXEC_MAGIC_ZSTD);
	ASSERT_EQ_INT(kexec_magic_of("\3757zXZ\0", 6), KEXEC_MAGIC_XZ);
	ASSERT_EQ_INT(kexec_magic_of("BZh91AY", 7), KEXEC_MAGIC_BZIP2);
	ASSERT_EQ_INT(kexec_magic_of("\x02\x21\x4c\x18", 4), KEXEC_MAGIC_LZ4);
	ASSERT_EQ_INT(kexec_magic_of("\x5d\0\0\x80", 4), KEXEC_MAGIC_LZMA);
	ASSERT_EQ_INT(kexec_magic_of("07070100000001", 14), KEXEC_MAGIC_CPIO);
	ASSERT_EQ_INT(kexec_magic_of("hello world", 11), KEXEC_MAGIC_UNKNOWN);
	memset(buf, 0, 0x40);
	memcpy(buf + 0x38, "ARM\x64", 4);
	ASSERT_EQ_INT(kexec_magic_of(buf, 0x40), KEXEC_MAGIC_ARM64);
}

TEST(bzimage_header)
{
	static uint8_t buf[IMG_SIZE];
	struct fake_bzimage opt = { .init_size = 40u << 20, .cmdline_size = 4095 };
	KexecImage img;
	const char *why = NULL;

	fixture_bzimage(buf, sizeof(buf), &opt);
	ASSERT_OK(kexec_bzimage_parse(buf, 4096, &img, &why));
	ASSERT_EQ_U64(img.mem_size, 40u << 20);
	ASSERT_EQ_U64(img.cmdline_max, 4095);
	ASSERT_EQ_U64(img.alignment, 0x200000);
	ASSERT_EQ_U64(img.protocol, 0x20f);
	ASSERT_STREQ(img.version, "6.1.0-test-amd64");
}

/* Each refusal the kernel's bzImage64 probe would answer with a bare ENOEXEC. */
TEST(bzimage_refused)
{
	static uint8_t buf[IMG_SIZE];
	static const struct {
		struct fake_bzimage opt;
		const char *reason;
	} cases[] = {
		{ { .protocol = 0x20b }, "older than 2.12" },
		{ { .loadflags = 0xff }, "zImage" },
		{ { .xloadflags = 0x2 }, "32-bit" },
		{ { .xloadflags = 0x1 }, "above 4 GiB" },
	};
	KexecImage img = { 0 };

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		const char *why = NULL;
		fixture_bzimage(buf, sizeof(buf), &cases[i].opt);
		ASSERT_EQ_INT(kexec_bzimage_parse(buf, 4096, &img, &why), -ENOEXEC);
		ASSERT_TRUE(contains(why, cases[i].reason));
	}
	fixture_bzimage(buf, sizeof(buf), &cases[0].opt);
	const char *why = NULL;
	ASSERT_EQ_INT(kexec_bzimage_parse(buf, 0x210, &img, &why), -ENOEXEC);
	ASSERT_TRUE(contains(why, "too short"));
}

TEST(open_plain)
{
	static uint8_t buf[IMG_SIZE];
	/* Beyond the header: real kernels keep the string in the setup code (0x3xxx). */
	struct fake_bzimage opt = { .version_at = 0x3200 };
	KexecImage img;
	KexecError e = { 0 };

	fixture_bzimage(buf, sizeof(buf), &opt);
	ASSERT_OK(open_image(buf, sizeof(buf), &img, &e));
	ASSERT_EQ_INT(img.kind, KEXEC_MAGIC_BZIMAGE);
	ASSERT_EQ_INT(img.compression, KEXEC_MAGIC_UNKNOWN);
	ASSERT_EQ_U64(img.file_size, IMG_SIZE);
	ASSERT_EQ_U64(img.mem_size, 64u << 20);
	ASSERT_STREQ(img.version, "6.1.0-test-amd64");
	ASSERT_TRUE(img.fd >= 0);
	kexec_image_done(&img);
}

/* A compressed bzImage ends up whole, sealed and read-only in a memfd. */
static void check_compressed(int (*compress)(const void *, size_t, void **, size_t *),
			     KexecMagic kind)
{
	static uint8_t buf[IMG_SIZE], back[IMG_SIZE];
	struct fake_bzimage opt = { 0 };
	_cleanup_free_ void *z = NULL;
	size_t zlen;
	KexecImage img;
	KexecError e = { 0 };

	fixture_bzimage(buf, sizeof(buf), &opt);
	ASSERT_OK(compress(buf, sizeof(buf), &z, &zlen));
	ASSERT_OK(open_image(z, zlen, &img, &e));
	ASSERT_EQ_INT(img.compression, kind);
	ASSERT_EQ_U64(img.file_size, zlen);
	ASSERT_EQ_U64(img.image_size, IMG_SIZE);
	ASSERT_OK(pread_exact(img.fd, back, sizeof(back), 0));
	ASSERT_TRUE(!memcmp(buf, back, sizeof(buf)));
	ASSERT_EQ_INT(fcntl(img.fd, F_GETFL) & O_ACCMODE, O_RDONLY);
	ASSERT_TRUE(fcntl(img.fd, F_GET_SEALS) & F_SEAL_WRITE);
	kexec_image_done(&img);
}

TEST(open_gzip)
{
	check_compressed(fixture_gzip, KEXEC_MAGIC_GZIP);
}

TEST(open_zstd)
{
	check_compressed(fixture_zstd, KEXEC_MAGIC_ZSTD);
}

/* What is not a kernel, and what the message says about it. */
TEST(not_a_kernel)
{
	static uint8_t buf[IMG_SIZE];
	static const struct {
		const char *data;
		size_t len;
		const char *cause, *fix;
	} cases[] = {
		{ "", 0, "empty", NULL },
		{ "\177ELF\2\1\1\0\0\0\0\0\0\0\0\0", 16, "ELF", "vmlinuz" },
		{ "MZ\x90\0\3\0\0\0", 8, "unified kernel image", "objcopy" },
		{ "\3757zXZ\0\0\4", 8, "xz-compressed", "xz -dk" },
		{ "070701000000010000", 18, "cpio", "--initrd" },
		{ "\xde\xad\xbe\xef garbage", 13, "starts with de ad be ef", NULL },
	};

	for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
		KexecImage img;
		KexecError e = { 0 };
		ASSERT_EQ_INT(open_image(cases[i].data, cases[i].len, &img, &e), -ENOEXEC);
		ASSERT_EQ_INT(e.code, -ENOEXEC);
		ASSERT_EQ_INT(e.origin, KEXEC_ORIGIN_FILES);
		ASSERT_TRUE(contains(e.what, "is not a kernel image"));
		ASSERT_TRUE(contains(e.cause, cases[i].cause));
		if (cases[i].fix)
			ASSERT_TRUE(contains(e.fix, cases[i].fix));
		kexec_error_done(&e);
	}
	/* An arm64 Image on x86_64, and the other way round: the wrong machine. */
	memset(buf, 0, 0x100);
	memcpy(buf + 0x38, "ARM\x64", 4);
	KexecImage img;
	KexecError e = { 0 };
#ifdef __x86_64__
	ASSERT_EQ_INT(open_image(buf, 0x100, &img, &e), -ENOEXEC);
	ASSERT_TRUE(contains(e.cause, "arm64 Image, and this machine is x86_64"));
	kexec_error_done(&e);
#endif
}

TEST(compressed_not_a_kernel)
{
	static const char cpio[] = "070701000000010000 an initramfs";
	static uint8_t junk[8192];
	_cleanup_free_ void *z = NULL;
	size_t zlen;
	KexecImage img;
	KexecError e = { 0 };

	ASSERT_OK(fixture_gzip(cpio, sizeof(cpio), &z, &zlen));
	ASSERT_EQ_INT(open_image(z, zlen, &img, &e), -ENOEXEC);
	ASSERT_TRUE(contains(e.cause, "gzip-compressed, and what it holds is a cpio archive"));
	ASSERT_TRUE(contains(e.fix, "--initrd"));
	kexec_error_done(&e);
	free(z);
	z = NULL;

	memset(junk, 'x', sizeof(junk));
	ASSERT_OK(fixture_zstd(junk, sizeof(junk), &z, &zlen));
	ASSERT_EQ_INT(open_image(z, zlen, &img, &e), -ENOEXEC);
	ASSERT_TRUE(contains(e.cause, "zstd-compressed, and what it holds is unknown data"));
	kexec_error_done(&e);
}

/* A gzip stream cut short is corrupt, not "not a kernel". */
TEST(truncated_gzip)
{
	static uint8_t buf[IMG_SIZE];
	struct fake_bzimage opt = { 0 };
	_cleanup_free_ void *z = NULL;
	size_t zlen;
	KexecImage img;
	KexecError e = { 0 };

	fixture_bzimage(buf, sizeof(buf), &opt);
	ASSERT_OK(fixture_gzip(buf, sizeof(buf), &z, &zlen));
	ASSERT_EQ_INT(open_image(z, zlen / 2, &img, &e), -EBADMSG);
	ASSERT_TRUE(contains(e.what, "corrupt or truncated"));
	kexec_error_done(&e);
	free(z);
	z = NULL;
	ASSERT_OK(fixture_zstd(buf, sizeof(buf), &z, &zlen));
	ASSERT_EQ_INT(open_image(z, zlen - 8, &img, &e), -EBADMSG);
	kexec_error_done(&e);
}

TEST(not_a_file)
{
	KexecCtx ctx;
	KexecImage img;
	KexecError e = { 0 };

	ASSERT_OK(kexec_ctx_init(&ctx, "/"));
	ASSERT_EQ_INT(kexec_image_open(&ctx, "/nonexistent/vmlinuz", &img, &e), -ENOENT);
	ASSERT_TRUE(contains(e.what, "cannot open kernel image '/nonexistent/vmlinuz'"));
	ASSERT_EQ_INT(kexec_image_open(&ctx, "/tmp", &img, &e), -EINVAL);
	ASSERT_TRUE(contains(e.what, "not a regular file"));
	kexec_error_done(&e);
	kexec_ctx_done(&ctx);
}

RUN_TESTS(T(magic), T(bzimage_header), T(bzimage_refused), T(open_plain), T(open_gzip),
	  T(open_zstd), T(not_a_kernel), T(compressed_not_a_kernel), T(truncated_gzip),
	  T(not_a_file))
