/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What a kernel file is. The checks mirror what kexec_file_load's image loaders test, so that
 * a file the kernel would answer with a bare ENOEXEC is refused here with the reason.
 * Header layout: Documentation/arch/x86/boot.rst (x86 boot protocol), and
 * Documentation/arch/arm64/booting.rst (arm64 Image header).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io-util.h"
#include "kexec-image.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	       (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* x86 setup header fields, as offsets into the file (boot_params.hdr starts at 0x1f1). */
enum {
	BZ_BOOT_FLAG = 0x1fe,       /* u16 0xaa55 */
	BZ_HEADER = 0x202,          /* "HdrS" */
	BZ_VERSION = 0x206,         /* u16 boot protocol */
	BZ_KERNEL_VERSION = 0x20e,  /* u16: version string at this + 0x200 */
	BZ_LOADFLAGS = 0x211,       /* u8, bit 0: LOADED_HIGH */
	BZ_KERNEL_ALIGNMENT = 0x230, /* u32 */
	BZ_XLOADFLAGS = 0x236,      /* u16 */
	BZ_CMDLINE_SIZE = 0x238,    /* u32, without the NUL */
	BZ_INIT_SIZE = 0x260,       /* u32 */
	BZ_MIN_HEADER = 0x264,
};
#define XLF_KERNEL_64 (1u << 0)
#define XLF_CAN_BE_LOADED_ABOVE_4G (1u << 1)

/* arm64 Image header */
enum {
	ARM64_IMAGE_SIZE = 0x10, /* u64 */
	ARM64_MAGIC = 0x38,      /* "ARM\x64" */
	ARM64_MIN_HEADER = 0x40,
};

KexecMagic kexec_magic_of(const void *buf, size_t len)
{
	const uint8_t *p = buf;

	if (len == 0)
		return KEXEC_MAGIC_EMPTY;
	if (len >= BZ_HEADER + 4 && le16(p + BZ_BOOT_FLAG) == 0xaa55 &&
	    !memcmp(p + BZ_HEADER, "HdrS", 4))
		return KEXEC_MAGIC_BZIMAGE;
	if (len >= ARM64_MIN_HEADER && !memcmp(p + ARM64_MAGIC, "ARM\x64", 4))
		return KEXEC_MAGIC_ARM64;
	if (len >= 4 && !memcmp(p, "\177ELF", 4))
		return KEXEC_MAGIC_ELF;
	if (len >= 2 && p[0] == 'M' && p[1] == 'Z')
		return KEXEC_MAGIC_PE;
	if (len >= 2 && p[0] == 0x1f && (p[1] == 0x8b || p[1] == 0x9e))
		return KEXEC_MAGIC_GZIP;
	if (len >= 4 && le32(p) == 0xfd2fb528)
		return KEXEC_MAGIC_ZSTD;
	if (len >= 6 && !memcmp(p, "\3757zXZ\0", 6))
		return KEXEC_MAGIC_XZ;
	if (len >= 3 && !memcmp(p, "BZh", 3))
		return KEXEC_MAGIC_BZIP2;
	if (len >= 4 && (le32(p) == 0x184c2102 || le32(p) == 0x184d2204))
		return KEXEC_MAGIC_LZ4;
	if (len >= 3 && p[0] == 0x5d && p[1] == 0 && p[2] == 0)
		return KEXEC_MAGIC_LZMA;
	if (len >= 6 && (!memcmp(p, "070701", 6) || !memcmp(p, "070702", 6) ||
			 !memcmp(p, "070707", 6)))
		return KEXEC_MAGIC_CPIO;
	return KEXEC_MAGIC_UNKNOWN;
}

const char *kexec_magic_name(KexecMagic m)
{
	switch (m) {
	case KEXEC_MAGIC_EMPTY: return "empty file";
	case KEXEC_MAGIC_BZIMAGE: return "x86 bzImage";
	case KEXEC_MAGIC_ARM64: return "arm64 Image";
	case KEXEC_MAGIC_ELF: return "ELF file";
	case KEXEC_MAGIC_PE: return "PE/EFI executable";
	case KEXEC_MAGIC_GZIP: return "gzip";
	case KEXEC_MAGIC_ZSTD: return "zstd";
	case KEXEC_MAGIC_XZ: return "xz";
	case KEXEC_MAGIC_BZIP2: return "bzip2";
	case KEXEC_MAGIC_LZ4: return "lz4";
	case KEXEC_MAGIC_LZMA: return "lzma";
	case KEXEC_MAGIC_CPIO: return "cpio archive";
	case KEXEC_MAGIC_UNKNOWN: break;
	}
	return "unknown data";
}

/* The release from "6.1.0-26-amd64 (debian-kernel@...) #1 SMP ...", NUL-terminated. */
static void set_version(KexecImage *img, const char *s, size_t len)
{
	size_t n = strnlen(s, MIN(len, sizeof(img->version) - 1));

	memcpy(img->version, s, n);
	img->version[n] = '\0';
	img->version[strcspn(img->version, " ")] = '\0';
}

int kexec_bzimage_parse(const void *buf, size_t len, KexecImage *ret, const char **reterr_reason)
{
	const uint8_t *p = buf;
	KexecImage img = { .fd = -1, .kind = KEXEC_MAGIC_BZIMAGE };
	uint16_t xlf;
	const char *why = NULL;

	if (kexec_magic_of(buf, len) != KEXEC_MAGIC_BZIMAGE)
		why = "it has no x86 boot sector with a \"HdrS\" setup header";
	else if (len < BZ_MIN_HEADER)
		why = "it is too short to hold a complete setup header";
	else if ((img.protocol = le16(p + BZ_VERSION)) < 0x20c)
		why = "its boot protocol is older than 2.12, the oldest kexec_file_load takes";
	else if (!(p[BZ_LOADFLAGS] & 1))
		why = "it is a zImage (loaded below 1 MiB), not a bzImage";
	else if (!((xlf = le16(p + BZ_XLOADFLAGS)) & XLF_KERNEL_64))
		why = "it is a 32-bit kernel: its header has no 64-bit entry point (XLF_KERNEL_64)";
	else if (!(xlf & XLF_CAN_BE_LOADED_ABOVE_4G))
		why = "it cannot be loaded above 4 GiB (XLF_CAN_BE_LOADED_ABOVE_4G is not set)";
	if (why) {
		if (reterr_reason)
			*reterr_reason = why;
		return -ENOEXEC;
	}
	img.alignment = le32(p + BZ_KERNEL_ALIGNMENT);
	img.cmdline_max = le32(p + BZ_CMDLINE_SIZE);
	img.mem_size = le32(p + BZ_INIT_SIZE);
	uint16_t kv = le16(p + BZ_KERNEL_VERSION);
	if (kv && (size_t)kv + 0x200 < len)
		set_version(&img, (const char *)p + kv + 0x200, len - kv - 0x200);
	*ret = img;
	return 0;
}

int kexec_arm64_parse(const void *buf, size_t len, KexecImage *ret, const char **reterr_reason)
{
	KexecImage img = { .fd = -1, .kind = KEXEC_MAGIC_ARM64 };

	if (kexec_magic_of(buf, len) != KEXEC_MAGIC_ARM64) {
		if (reterr_reason)
			*reterr_reason = "it has no arm64 Image header";
		return -ENOEXEC;
	}
	img.mem_size = le64((const uint8_t *)buf + ARM64_IMAGE_SIZE);
	*ret = img;
	return 0;
}

void kexec_image_done(KexecImage *img)
{
	if (img->fd >= 0)
		(void)close(img->fd);
	img->fd = -1;
}

#if defined(__x86_64__)
#define NATIVE_KIND KEXEC_MAGIC_BZIMAGE
#define NATIVE_ARCH "x86_64"
#elif defined(__aarch64__)
#define NATIVE_KIND KEXEC_MAGIC_ARM64
#define NATIVE_ARCH "arm64"
#else
#define NATIVE_KIND KEXEC_MAGIC_UNKNOWN
#define NATIVE_ARCH "this architecture"
#endif

/* The name with an article, for sentences. */
static const char *described(KexecMagic m)
{
	switch (m) {
	case KEXEC_MAGIC_BZIMAGE: return "an x86 bzImage";
	case KEXEC_MAGIC_ARM64: return "an arm64 Image";
	case KEXEC_MAGIC_ELF: return "an ELF file";
	case KEXEC_MAGIC_PE: return "a PE/EFI executable";
	case KEXEC_MAGIC_CPIO: return "a cpio archive";
	case KEXEC_MAGIC_EMPTY: return "nothing";
	case KEXEC_MAGIC_UNKNOWN: return "unknown data";
	default: return "compressed data again";
	}
}

static int refuse(KexecError *e, const char *path, const char *why, const char *fix)
{
	kexec_error_set(e, -ENOEXEC, KEXEC_ORIGIN_FILES, "'%s' is not a kernel image kexec can load",
			path);
	kexec_error_cause(e, "%s", why);
	if (fix)
		kexec_error_fix(e, "%s", fix);
	return -ENOEXEC;
}

/* The decompressed (or plain) bytes: must be this machine's kernel format. */
static int parse_kernel(const char *path, const uint8_t *hdr, size_t n, KexecMagic outer,
			KexecImage *img, KexecError *e)
{
	KexecMagic m = kexec_magic_of(hdr, n);
	const char *why = NULL;
	char buf[256];
	int r;

	if (m == KEXEC_MAGIC_BZIMAGE || m == KEXEC_MAGIC_ARM64) {
		if (m != NATIVE_KIND) {
			snprintf(buf, sizeof(buf), "it is %s, and this machine is %s",
				 described(m), NATIVE_ARCH);
			return refuse(e, path, buf, "load a kernel built for this machine");
		}
		r = m == KEXEC_MAGIC_BZIMAGE ? kexec_bzimage_parse(hdr, n, img, &why) :
					       kexec_arm64_parse(hdr, n, img, &why);
		if (r < 0)
			return refuse(e, path, why, NULL);
		return 0;
	}
	if (outer != KEXEC_MAGIC_UNKNOWN) {
		snprintf(buf, sizeof(buf), "it is %s-compressed, and what it holds is %s, not a "
			 "kernel", kexec_magic_name(outer), described(m));
		return refuse(e, path, buf, m == KEXEC_MAGIC_CPIO ?
				    "an initramfs goes to --initrd, the kernel is the vmlinuz" : NULL);
	}
	switch (m) {
	case KEXEC_MAGIC_EMPTY:
		return refuse(e, path, "the file is empty", NULL);
	case KEXEC_MAGIC_ELF:
		return refuse(e, path, "it is an ELF file (an uncompressed vmlinux?); "
			      "kexec_file_load takes the boot image",
			      "load the vmlinuz (bzImage) that the boot loader uses, "
			      "e.g. /boot/vmlinuz-$(uname -r)");
	case KEXEC_MAGIC_PE:
		return refuse(e, path, "it is a PE/EFI executable without a Linux boot header "
			      "(a unified kernel image?)",
			      "extract the kernel and its initrd: objcopy -O binary "
			      "--only-section=.linux FILE vmlinuz; objcopy -O binary "
			      "--only-section=.initrd FILE initrd.img");
	case KEXEC_MAGIC_XZ:
	case KEXEC_MAGIC_BZIP2:
	case KEXEC_MAGIC_LZ4:
	case KEXEC_MAGIC_LZMA:
		snprintf(buf, sizeof(buf), "it is %s-compressed, and only gzip and zstd are "
			 "decompressed", kexec_magic_name(m));
		return refuse(e, path, buf, "decompress it first (e.g. 'xz -dk FILE', "
			      "'bzip2 -dk FILE', 'lz4 -d FILE') and load the result");
	case KEXEC_MAGIC_CPIO:
		return refuse(e, path, "it is a cpio archive (an initramfs?)",
			      "an initramfs goes to --initrd, the kernel is the vmlinuz");
	default:
		snprintf(buf, sizeof(buf), "it has neither a bzImage nor an arm64 Image header, and "
			 "is not gzip or zstd data (it starts with %02x %02x %02x %02x)",
			 n > 0 ? hdr[0] : 0, n > 1 ? hdr[1] : 0, n > 2 ? hdr[2] : 0,
			 n > 3 ? hdr[3] : 0);
		return refuse(e, path, buf, NULL);
	}
}

int kexec_image_open(const KexecCtx *ctx, const char *path, KexecImage *ret, KexecError *reterr)
{
	_cleanup_close_ int fd = -1;
	_cleanup_close_ int mfd = -1;
	uint8_t hdr[KEXEC_HEADER_SIZE];
	KexecImage img = { .fd = -1 };
	char a[KEXEC_SIZE_MAX], b[KEXEC_SIZE_MAX];
	KexecMagic outer;
	struct stat st;
	ssize_t n;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = negative_errno();
		return kexec_error_set(reterr, r, KEXEC_ORIGIN_FILES,
				       "cannot open kernel image '%s': %s", path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode))
		return kexec_error_set(reterr, -EINVAL, KEXEC_ORIGIN_FILES,
				       "kernel image '%s' is not a regular file", path);
	if ((uint64_t)st.st_size > KEXEC_IMAGE_MAX)
		return kexec_error_set(reterr, -EFBIG, KEXEC_ORIGIN_FILES,
				       "kernel image '%s' is %s, more than any kernel (%s at most)",
				       path, kexec_format_size((uint64_t)st.st_size, a, sizeof(a)),
				       kexec_format_size(KEXEC_IMAGE_MAX, b, sizeof(b)));
	n = pread_full(fd, hdr, sizeof(hdr), 0);
	if (n < 0)
		return kexec_error_set(reterr, (int)n, KEXEC_ORIGIN_FILES, "cannot read '%s': %s",
				       path, strerror((int)-n));

	outer = kexec_magic_of(hdr, (size_t)n);
	if (outer == KEXEC_MAGIC_GZIP || outer == KEXEC_MAGIC_ZSTD) {
		uint64_t size;
		r = kexec_decompress_to_memfd(fd, outer, KEXEC_IMAGE_MAX, &mfd, &size);
		if (r < 0) {
			kexec_error_set(reterr, r, KEXEC_ORIGIN_FILES,
					"cannot decompress %s kernel image '%s': %s",
					kexec_magic_name(outer), path,
					r == -EBADMSG ? "the data is corrupt or truncated" :
					r == -EFBIG ? "it decompresses to more than 512 MiB" :
						      strerror(-r));
			return r;
		}
		n = pread_full(mfd, hdr, sizeof(hdr), 0);
		if (n < 0)
			return kexec_error_set(reterr, (int)n, KEXEC_ORIGIN_FILES,
					       "cannot read the decompressed '%s': %s", path,
					       strerror((int)-n));
		r = parse_kernel(path, hdr, (size_t)n, outer, &img, reterr);
		if (r < 0)
			return r;
		img.compression = outer;
		img.image_size = size;
		img.fd = TAKE_FD(mfd);
	} else {
		r = parse_kernel(path, hdr, (size_t)n, KEXEC_MAGIC_UNKNOWN, &img, reterr);
		if (r < 0)
			return r;
		img.image_size = (uint64_t)st.st_size;
		img.fd = TAKE_FD(fd);
	}
	img.file_size = (uint64_t)st.st_size;
	/* The version string is in the setup code, usually beyond the header we read. */
	if (img.kind == KEXEC_MAGIC_BZIMAGE && !img.version[0] && le16(hdr + BZ_KERNEL_VERSION)) {
		char v[sizeof(img.version)];
		ssize_t k = pread_full(img.fd, v, sizeof(v), le16(hdr + BZ_KERNEL_VERSION) + 0x200u);
		if (k > 0)
			set_version(&img, v, (size_t)k);
	}
	if (img.mem_size < img.image_size)
		img.mem_size = img.image_size;
	kexec_log(ctx, "kernel '%s': %s%s%s, %s on disk, needs %s in memory%s%s", path,
		  kexec_magic_name(img.kind),
		  img.compression ? ", decompressed from " : "",
		  img.compression ? kexec_magic_name(img.compression) : "",
		  kexec_format_size(img.file_size, a, sizeof(a)),
		  kexec_format_size(img.mem_size, b, sizeof(b)),
		  img.version[0] ? ", version " : "", img.version);
	*ret = img;
	return 0;
}
