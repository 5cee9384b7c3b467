/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * How much memory a kernel image needs, from its header: the x86 boot protocol's setup header
 * (Documentation/arch/x86/boot.rst: init_size, payload_offset/length, kernel_alignment,
 * kernel_version) and the arm64 Image header (image_size). For a bzImage the payload's ELF
 * program headers are decompressed too, to learn what the started kernel keeps.
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "decompress.h"
#include "kdump-estimate.h"

static uint16_t le16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const uint8_t *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* Collects the first bytes of the decompressed payload: enough for the ELF program headers. */
typedef struct Head {
	uint8_t buf[64 * 1024];
	size_t n;
} Head;

static int head_sink(const uint8_t *p, size_t n, void *userdata)
{
	Head *h = userdata;
	size_t k = MIN(n, sizeof(h->buf) - h->n);

	memcpy(h->buf + h->n, p, k);
	h->n += k;
	return h->n == sizeof(h->buf) ? 1 : 0;
}

/* The span of the PT_LOAD segments of a little-endian ELF64 image in h, or 0. */
static uint64_t elf_load_span(const Head *h)
{
	uint64_t lo = UINT64_MAX, hi = 0;
	uint16_t phnum, phentsize;
	uint64_t phoff;

	if (h->n < sizeof(Elf64_Ehdr) || memcmp(h->buf, ELFMAG, SELFMAG) != 0 ||
	    h->buf[EI_CLASS] != ELFCLASS64 || h->buf[EI_DATA] != ELFDATA2LSB)
		return 0;
	phoff = le64(h->buf + offsetof(Elf64_Ehdr, e_phoff));
	phentsize = le16(h->buf + offsetof(Elf64_Ehdr, e_phentsize));
	phnum = le16(h->buf + offsetof(Elf64_Ehdr, e_phnum));
	if (phentsize < sizeof(Elf64_Phdr) || phoff > h->n || (uint64_t)phnum * phentsize > h->n - phoff)
		return 0;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = h->buf + phoff + (uint64_t)i * phentsize;
		uint64_t paddr = le64(ph + offsetof(Elf64_Phdr, p_paddr));
		uint64_t memsz = le64(ph + offsetof(Elf64_Phdr, p_memsz));

		if (le32(ph) != PT_LOAD || memsz == 0)
			continue;
		if (paddr > UINT64_MAX - memsz)
			return 0;
		lo = MIN(lo, paddr);
		hi = MAX(hi, paddr + memsz);
	}
	return hi > lo ? hi - lo : 0;
}

static int parse_bzimage(const uint8_t *d, size_t size, KdumpKernelImage *k, KdumpError *err)
{
	unsigned setup_sects = d[0x1f1] ? d[0x1f1] : 4;
	uint16_t version = le16(d + 0x206);
	uint64_t pm_start = ((uint64_t)setup_sects + 1) * 512;
	uint32_t payload_offset, payload_length;
	KdumpCompression c;
	size_t consumed;
	Head h = { .n = 0 };
	int r;

	snprintf(k->format, sizeof(k->format), "bzImage");
	if (version < 0x20a)
		return kdump_error_set(err, -EOPNOTSUPP, "boot protocol %u.%02u is older than 2.10, "
				       "which has no init_size", version >> 8, version & 0xff);
	k->load_size = le32(d + 0x260);
	k->alignment = le32(d + 0x230);
	if (k->load_size == 0)
		return kdump_error_set(err, -EBADMSG, "the setup header's init_size is 0");
	if (le16(d + 0x20e)) {
		size_t off = (size_t)le16(d + 0x20e) + 0x200, i;
		for (i = 0; off + i < size && i + 1 < sizeof(k->version) && d[off + i]; i++)
			k->version[i] = (char)d[off + i];
		k->version[i] = '\0';
	}
	payload_offset = le32(d + 0x248);
	payload_length = le32(d + 0x24c);
	if (pm_start > size || payload_offset > size - pm_start ||
	    payload_length > size - pm_start - payload_offset || payload_length == 0)
		return kdump_error_set(err, -EBADMSG, "the payload (offset %u, length %u) is not "
				       "inside the file", payload_offset, payload_length);
	c = kdump_compression_detect(d + pm_start + payload_offset, payload_length);
	snprintf(k->compression, sizeof(k->compression), "%s", kdump_compression_name(c));
	/* Without the payload's headers the estimate falls back on init_size: not an error. */
	r = kdump_decompress(c, d + pm_start + payload_offset, payload_length, head_sink, &h,
			     UINT64_MAX, &consumed, NULL);
	if (r == -ENOMEM)
		return r;
	k->resident_size = r == 0 ? elf_load_span(&h) : 0;
	return 0;
}

int kdump_kernel_image_parse(const void *data, size_t size, KdumpKernelImage *ret,
			     KdumpError *err)
{
	const uint8_t *d = data;
	KdumpKernelImage k = { .file_size = size };
	int r;

	if (size >= 0x270 && le16(d + 0x1fe) == 0xaa55 && memcmp(d + 0x202, "HdrS", 4) == 0) {
		r = parse_bzimage(d, size, &k, err);
		if (r < 0)
			return r;
	} else if (size >= 64 && le32(d + 0x38) == 0x644d5241) {
		snprintf(k.format, sizeof(k.format), "arm64 Image");
		k.load_size = k.resident_size = le64(d + 16);
		k.alignment = 2 << 20;
		if (k.load_size == 0)
			return kdump_error_set(err, -EOPNOTSUPP, "an arm64 Image older than 3.17 "
					       "has no image_size");
	} else
		return kdump_error_set(err, -EOPNOTSUPP, "not a bzImage or an arm64 Image");
	*ret = k;
	return 0;
}

int kdump_kernel_image_read(const char *path, KdumpKernelImage *ret, KdumpError *err)
{
	_cleanup_close_ int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	struct stat st;
	void *p;
	int r;

	if (fd < 0 || fstat(fd, &st) < 0)
		return kdump_error_set(err, -errno, "'%s': %m", path);
	if (!S_ISREG(st.st_mode) || st.st_size == 0)
		return kdump_error_set(err, -EINVAL, "'%s' is not a kernel image file", path);
	p = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (p == MAP_FAILED)
		return kdump_error_set(err, -errno, "'%s': %m", path);
	r = kdump_kernel_image_parse(p, (size_t)st.st_size, ret, err);
	munmap(p, (size_t)st.st_size);
	if (r < 0)
		kdump_error_prefix(err, "'%s'", path);
	return r;
}
