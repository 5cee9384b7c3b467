/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The estimator's inputs (bzImage header, initramfs walk) on synthetic files, and the model. */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include <zstd.h>
#if HAVE_LZMA
#include <lzma.h>
#endif

#include "kdump-estimate.h"
#include "tests.h"

#define M (1ULL << 20)

typedef struct Buf {
	unsigned char *p;
	size_t n;
} Buf;

static void put(Buf *b, const void *data, size_t n)
{
	b->p = realloc(b->p, b->n + n + 1);
	if (!b->p)
		abort();
	if (n)
		memcpy(b->p + b->n, data, n);
	b->n += n;
}

static void pad4(Buf *b)
{
	while (b->n & 3)
		put(b, "", 1);
}

/* One "newc" entry, written by hand as the format describes it. */
static void cpio_entry(Buf *b, const char *name, unsigned mode, const void *data, size_t size)
{
	char h[111];

	snprintf(h, sizeof(h), "070701%08X%08X%08X%08X%08X%08X%08zX%08X%08X%08X%08X%08zX%08X", 1u,
		 mode, 0u, 0u, 1u, 0u, size, 0u, 0u, 0u, 0u, strlen(name) + 1, 0u);
	put(b, h, 110);
	put(b, name, strlen(name) + 1);
	pad4(b);
	put(b, data, size);
	pad4(b);
}

static char file_data[10000];

/* The test archive and what it takes unpacked. */
static Buf make_cpio(uint64_t *ret_unpacked)
{
	Buf b = { 0 };

	memset(file_data, 'x', sizeof(file_data));
	cpio_entry(&b, "usr", 040755, NULL, 0);
	cpio_entry(&b, "usr/lib", 040755, NULL, 0);
	cpio_entry(&b, "usr/lib/systemd", 040755, NULL, 0);
	cpio_entry(&b, "usr/lib/systemd/systemd", 0100755, file_data, sizeof(file_data));
	cpio_entry(&b, "init", 0120777, "usr/lib/systemd/systemd", 23);
	cpio_entry(&b, "a", 0100644, "1", 1);
	cpio_entry(&b, "TRAILER!!!", 0, NULL, 0);
	*ret_unpacked = 6 * KDUMP_INITRAMFS_INODE_COST + 12288 + 4096 + 23;
	return b;
}

static Buf gzip_buf(const Buf *in)
{
	Buf out = { .p = malloc(compressBound(in->n) + 64) };
	z_stream z = { 0 };

	if (!out.p || deflateInit2(&z, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK)
		abort();
	z.next_in = in->p;
	z.avail_in = (uInt)in->n;
	z.next_out = out.p;
	z.avail_out = (uInt)(compressBound(in->n) + 64);
	if (deflate(&z, Z_FINISH) != Z_STREAM_END)
		abort();
	out.n = z.total_out;
	deflateEnd(&z);
	return out;
}

static Buf zstd_buf(const Buf *in)
{
	Buf out = { .p = malloc(ZSTD_compressBound(in->n)) };

	out.n = ZSTD_compress(out.p, ZSTD_compressBound(in->n), in->p, in->n, 3);
	if (!out.p || ZSTD_isError(out.n))
		abort();
	return out;
}

#if HAVE_LZMA
static Buf xz_buf(const Buf *in)
{
	size_t cap = lzma_stream_buffer_bound(in->n), pos = 0;
	Buf out = { .p = malloc(cap) };

	if (!out.p || lzma_easy_buffer_encode(6, LZMA_CHECK_CRC32, NULL, in->p, in->n, out.p, &pos,
					      cap) != LZMA_OK)
		abort();
	out.n = pos;
	return out;
}
#endif

static int measure(const Buf *b, KdumpInitramfs *m, KdumpError *e)
{
	return kdump_initramfs_measure_buffer(b->p, b->n, m, e);
}

TEST(initramfs_formats)
{
	uint64_t unpacked;
	Buf raw = make_cpio(&unpacked), gz = gzip_buf(&raw), zs = zstd_buf(&raw);
	KdumpInitramfs m;
	KdumpError e = { 0 };

	ASSERT_OK(measure(&raw, &m, &e));
	ASSERT_EQ_U64(m.unpacked_size, unpacked);
	ASSERT_EQ_U64(m.entries, 6);
	ASSERT_EQ_U64(m.files, 2);
	ASSERT_EQ_U64(m.data_bytes, 10001);
	ASSERT_TRUE(m.has_systemd);
	ASSERT_STREQ(m.compression, "cpio");
	ASSERT_OK(measure(&gz, &m, &e));
	ASSERT_EQ_U64(m.unpacked_size, unpacked);
	ASSERT_STREQ(m.compression, "gzip");
	ASSERT_EQ_U64(m.file_size, gz.n);
	ASSERT_OK(measure(&zs, &m, &e));
	ASSERT_EQ_U64(m.unpacked_size, unpacked);
	ASSERT_STREQ(m.compression, "zstd");
#if HAVE_LZMA
	Buf xz = xz_buf(&raw);
	ASSERT_OK(measure(&xz, &m, &e));
	ASSERT_EQ_U64(m.unpacked_size, unpacked);
	ASSERT_STREQ(m.compression, "xz");
	free(xz.p);
#endif
	free(raw.p);
	free(gz.p);
	free(zs.p);
}

/* Early microcode (uncompressed), padding, then the compressed main archive, as dracut and
 * initramfs-tools write them. */
TEST(initramfs_concatenated)
{
	uint64_t unpacked;
	Buf main_cpio = make_cpio(&unpacked), gz = gzip_buf(&main_cpio), all = { 0 };
	KdumpInitramfs m;
	KdumpError e = { 0 };

	cpio_entry(&all, "kernel", 040755, NULL, 0);
	cpio_entry(&all, "kernel/x86/microcode/GenuineIntel.bin", 0100644, file_data, 5000);
	cpio_entry(&all, "TRAILER!!!", 0, NULL, 0);
	put(&all, "\0\0\0\0\0\0\0\0\0\0\0\0", 12);
	put(&all, gz.p, gz.n);
	put(&all, "\0\0\0\0", 4);
	ASSERT_OK(measure(&all, &m, &e));
	ASSERT_EQ_INT(m.segments, 2);
	ASSERT_STREQ(m.compression, "cpio+gzip");
	ASSERT_EQ_U64(m.unpacked_size, unpacked + 2 * KDUMP_INITRAMFS_INODE_COST + 8192);
	ASSERT_EQ_U64(m.entries, 8);
	/* Two gzip members in a row. */
	all.n = 0;
	put(&all, gz.p, gz.n);
	put(&all, gz.p, gz.n);
	ASSERT_OK(measure(&all, &m, &e));
	ASSERT_EQ_INT(m.segments, 2);
	ASSERT_EQ_U64(m.unpacked_size, 2 * unpacked);
	free(main_cpio.p);
	free(gz.p);
	free(all.p);
}

TEST(initramfs_bad)
{
	uint64_t unpacked;
	Buf raw = make_cpio(&unpacked), gz = gzip_buf(&raw), b = { 0 };
	KdumpInitramfs m = { .entries = 99 };
	KdumpError e = { 0 };

	put(&b, "hello world", 11);
	ASSERT_EQ_INT(measure(&b, &m, &e), -EBADMSG);
	ASSERT_STREQ(e.message, "unknown data at offset 0: neither a cpio archive nor a compressed one");
	b.n = 0;
	put(&b, gz.p, gz.n / 2);
	ASSERT_EQ_INT(measure(&b, &m, &e), -EBADMSG);
	ASSERT_TRUE(strstr(e.message, "segment 1 at offset 0: gzip data is corrupt or truncated"));
	b.n = 0;
	put(&b, raw.p, raw.n - 124); /* without the trailer */
	ASSERT_EQ_INT(measure(&b, &m, &e), -EBADMSG);
	ASSERT_STREQ(e.message, "segment 1 at offset 0 ends inside an archive (no TRAILER!!!)");
	b.n = 0;
	put(&b, "BZh91AY&SY", 10);
	ASSERT_EQ_INT(measure(&b, &m, &e), -EOPNOTSUPP);
	b.n = 0;
	put(&b, "070707", 6); /* odc: the kernel does not read it */
	put(&b, file_data, 200);
	ASSERT_EQ_INT(measure(&b, &m, &e), -EBADMSG);
	ASSERT_STREQ(e.message, "segment 1 at offset 0: not a newc cpio header (the kernel reads "
		     "only \"070701\" archives)");
	b.n = 0;
	put(&b, raw.p, 110);
	memcpy(b.p + 6 + 8 * 11, "0000FFFF", 8); /* name size 65535 */
	put(&b, file_data, 2000);
	ASSERT_EQ_INT(measure(&b, &m, &e), -EBADMSG);
	ASSERT_STREQ(e.message, "segment 1 at offset 0: a cpio name is 65535 bytes long");
	b.n = 0;
	put(&b, "\0\0\0\0", 4);
	ASSERT_EQ_INT(measure(&b, &m, &e), -EBADMSG);
	ASSERT_EQ_U64(m.entries, 99); /* untouched on failure */
	free(raw.p);
	free(gz.p);
	free(b.p);
}

/* The same archive made by cpio(1), when it is installed. */
TEST(initramfs_from_cpio_command)
{
	char dir[] = "/tmp/test-kdump-cpio.XXXXXX", cmd[512], path[300];
	KdumpInitramfs m;
	KdumpError e = { 0 };
	FILE *f;

	if (system("command -v cpio >/dev/null 2>&1") != 0) {
		fprintf(stderr, "cpio not installed: skipping this case\n");
		return;
	}
	ASSERT_TRUE(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/root/bin", dir);
	snprintf(cmd, sizeof(cmd), "mkdir -p %s && head -c 5000 /dev/zero > %s/tool && "
		 "printf x > %s/x && ln -s tool %s/link", path, path, path, path);
	ASSERT_OK(system(cmd));
	snprintf(cmd, sizeof(cmd), "cd %s/root && find . | LC_ALL=C sort | cpio -o -H newc "
		 "--quiet | gzip -9 > %s/initrd.img", dir, dir);
	ASSERT_OK(system(cmd));
	snprintf(path, sizeof(path), "%s/initrd.img", dir);
	ASSERT_OK(kdump_initramfs_measure(path, &m, &e));
	/* ".", "bin", "bin/link", "bin/tool", "bin/x" */
	ASSERT_EQ_U64(m.entries, 5);
	ASSERT_EQ_U64(m.files, 2);
	ASSERT_EQ_U64(m.unpacked_size, 5 * KDUMP_INITRAMFS_INODE_COST + 8192 + 4096 + 4);
	ASSERT_TRUE(!m.has_systemd);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	ASSERT_OK(system(cmd));
	f = fopen(path, "r");
	ASSERT_TRUE(f == NULL);
}

/* A bzImage with a setup header and a compressed ELF payload, as the boot protocol lays out. */
static Buf make_bzimage(uint16_t version, uint32_t init_size, Buf (*compress)(const Buf *))
{
	Buf elf = { 0 }, payload, img = { 0 };
	Elf64_Ehdr eh = { .e_ident = { ELFMAG0, ELFMAG1, ELFMAG2, ELFMAG3, ELFCLASS64, ELFDATA2LSB, 1 },
			  .e_type = ET_EXEC, .e_machine = EM_X86_64, .e_phoff = sizeof(Elf64_Ehdr),
			  .e_phentsize = sizeof(Elf64_Phdr), .e_phnum = 4 };
	Elf64_Phdr ph[4] = {
		{ .p_type = PT_LOAD, .p_paddr = 0x1000000, .p_memsz = 0x800000 },
		{ .p_type = PT_LOAD, .p_paddr = 0x1800000, .p_memsz = 0x400000 },
		{ .p_type = PT_NOTE, .p_paddr = 0x9000000, .p_memsz = 0x1000 },
		{ .p_type = PT_LOAD, .p_paddr = 0x1c00000, .p_memsz = 0x300000 },
	};
	unsigned char setup[1024] = { 0 };

	put(&elf, &eh, sizeof(eh));
	put(&elf, ph, sizeof(ph));
	put(&elf, file_data, 4096);
	payload = compress ? compress(&elf) : elf;
	setup[0x1f1] = 1;
	setup[0x1fe] = 0x55;
	setup[0x1ff] = 0xaa;
	memcpy(setup + 0x202, "HdrS", 4);
	memcpy(setup + 0x206, &version, 2);
	memcpy(setup + 0x20e, &(uint16_t){ 0x100 }, 2);
	memcpy(setup + 0x300, "6.99.0-test (builder@example) #1 SMP", 37);
	memcpy(setup + 0x230, &(uint32_t){ 0x200000 }, 4);
	memcpy(setup + 0x24c, &(uint32_t){ (uint32_t)payload.n }, 4);
	memcpy(setup + 0x260, &init_size, 4);
	put(&img, setup, sizeof(setup));
	put(&img, payload.p, payload.n);
	if (compress)
		free(payload.p);
	free(elf.p);
	return img;
}

TEST(kernel_image)
{
	Buf (*compressors[])(const Buf *) = { gzip_buf, zstd_buf,
#if HAVE_LZMA
					      xz_buf,
#endif
	};
	const char *names[] = { "gzip", "zstd", "xz" };
	KdumpKernelImage k;
	KdumpError e = { 0 };

	for (size_t i = 0; i < ELEMENTSOF(compressors); i++) {
		Buf img = make_bzimage(0x20f, 32 << 20, compressors[i]);

		ASSERT_OK(kdump_kernel_image_parse(img.p, img.n, &k, &e));
		ASSERT_STREQ(k.format, "bzImage");
		ASSERT_STREQ(k.compression, names[i]);
		ASSERT_STREQ(k.version, "6.99.0-test (builder@example) #1 SMP");
		ASSERT_EQ_U64(k.load_size, 32 << 20);
		ASSERT_EQ_U64(k.resident_size, 0xf00000);
		ASSERT_EQ_U64(k.alignment, 0x200000);
		ASSERT_EQ_U64(k.file_size, img.n);
		free(img.p);
	}
	/* A payload this build cannot decompress: the header alone still gives init_size. */
	Buf img = make_bzimage(0x20f, 32 << 20, NULL);
	memcpy(img.p + 1024, "BZh9", 4);
	ASSERT_OK(kdump_kernel_image_parse(img.p, img.n, &k, &e));
	ASSERT_EQ_U64(k.resident_size, 0);
	ASSERT_STREQ(k.compression, "bzip2");
	free(img.p);
}

TEST(kernel_image_bad)
{
	KdumpKernelImage k = { .load_size = 7 };
	KdumpError e = { 0 };
	Buf img = make_bzimage(0x209, 32 << 20, gzip_buf);

	ASSERT_EQ_INT(kdump_kernel_image_parse(img.p, img.n, &k, &e), -EOPNOTSUPP);
	ASSERT_STREQ(e.message, "boot protocol 2.09 is older than 2.10, which has no init_size");
	free(img.p);
	img = make_bzimage(0x20f, 0, gzip_buf);
	ASSERT_EQ_INT(kdump_kernel_image_parse(img.p, img.n, &k, &e), -EBADMSG);
	ASSERT_STREQ(e.message, "the setup header's init_size is 0");
	memcpy(img.p + 0x260, &(uint32_t){ 1 << 20 }, 4);
	memcpy(img.p + 0x24c, &(uint32_t){ 1 << 30 }, 4);
	ASSERT_EQ_INT(kdump_kernel_image_parse(img.p, img.n, &k, &e), -EBADMSG);
	ASSERT_EQ_INT(kdump_kernel_image_parse(img.p, 0x200, &k, &e), -EOPNOTSUPP);
	ASSERT_STREQ(e.message, "not a bzImage or an arm64 Image");
	ASSERT_EQ_U64(k.load_size, 7);
	free(img.p);

	unsigned char arm64[64] = { 0 };
	memcpy(arm64 + 16, &(uint64_t){ 40 << 20 }, 8);
	memcpy(arm64 + 0x38, "ARM\x64", 4);
	ASSERT_OK(kdump_kernel_image_parse(arm64, sizeof(arm64), &k, &e));
	ASSERT_STREQ(k.format, "arm64 Image");
	ASSERT_EQ_U64(k.load_size, 40 << 20);
	ASSERT_EQ_U64(k.resident_size, 40 << 20);
	ASSERT_EQ_INT(kdump_kernel_image_read("/nonexistent/vmlinuz", &k, &e), -ENOENT);
	ASSERT_STREQ(e.message, "'/nonexistent/vmlinuz': No such file or directory");
}

static const KdumpEstimateInput base_input = {
	.kernel_load_size = 64 * M,
	.kernel_resident_size = 45 * M,
	.initrd_file_size = 5 * M / 2,
	.initrd_unpacked_size = 6 * M,
	.system_ram = 1ULL << 30,
	.collector_bytes = 2 * M,
};

TEST(estimate_terms)
{
	KdumpEstimate e;
	KdumpError err = { 0 };

	ASSERT_OK(kdump_estimate(&base_input, &e, &err));
	ASSERT_EQ_U64(e.load_bytes, 64 * M + 5 * M / 2 + 1 * M);
	ASSERT_EQ_U64(e.unpack_bytes, 58 * M + 5 * M / 2 + 6 * M);
	ASSERT_EQ_U64(e.runtime_bytes, 68 * M + 64 * 1024);
	ASSERT_EQ_U64(e.tmpfs_bytes, 45 * M + 12 * M + 1 * M);
	ASSERT_STREQ(e.phase, "runtime");
	ASSERT_EQ_U64(e.need_bytes, 75972647);
	ASSERT_EQ_U64(e.margin_bytes, 8 * M);
	ASSERT_EQ_U64(e.total_bytes, 96 * M);
	ASSERT_STREQ(e.crashkernel, "96M");
	/* Every part, in order, and the sum of the runtime terms. */
	const char *names[] = { "kernel", "kernel-base", "allocator-reserve", "cpus", "initramfs",
				"userspace", "collector", "ram", "reservation", "margin" };
	uint64_t sum = 0;
	ASSERT_EQ_INT(e.n_parts, ELEMENTSOF(names));
	for (size_t i = 0; i < e.n_parts; i++) {
		ASSERT_STREQ(e.parts[i].name, names[i]);
		if (i < 8)
			sum += e.parts[i].bytes;
	}
	ASSERT_EQ_U64(sum, e.runtime_bytes);
	ASSERT_EQ_U64(e.parts[8].bytes, e.need_bytes - e.runtime_bytes);
	ASSERT_EQ_INT(e.parts[0].source, KDUMP_PART_MEASURED);
	ASSERT_EQ_INT(e.parts[6].source, KDUMP_PART_INPUT);
	ASSERT_STREQ(kdump_part_source_to_string(e.parts[1].source), "modelled");
}

TEST(estimate_defaults_and_phases)
{
	KdumpEstimateInput in = base_input;
	KdumpEstimate e;

	/* Defaults: the collector's documented peak, systemd's userspace, init_size. */
	in.collector_bytes = 0;
	in.kernel_resident_size = 0;
	in.initrd_has_systemd = true;
	ASSERT_OK(kdump_estimate(&in, &e, NULL));
	ASSERT_EQ_U64(e.parts[0].bytes, 64 * M);
	ASSERT_EQ_U64(e.parts[5].bytes, KDUMP_EST_USERSPACE_SYSTEMD);
	ASSERT_EQ_U64(e.parts[6].bytes, KDUMP_COLLECTOR_PEAK);
	/* A big initramfs: unpacking decides (compressed and unpacked at once). */
	in = base_input;
	in.initrd_file_size = 200 * M;
	in.initrd_unpacked_size = 210 * M;
	ASSERT_OK(kdump_estimate(&in, &e, NULL));
	ASSERT_STREQ(e.phase, "unpack");
	/* Files that are mostly one big file in tmpfs: half the memory is the limit. */
	in.initrd_file_size = 1 * M;
	in.initrd_unpacked_size = 300 * M;
	ASSERT_OK(kdump_estimate(&in, &e, NULL));
	ASSERT_STREQ(e.phase, "tmpfs");
	/* A kernel that needs much room to decompress. */
	in = base_input;
	in.kernel_load_size = 200 * M;
	ASSERT_OK(kdump_estimate(&in, &e, NULL));
	ASSERT_STREQ(e.phase, "load");
	/* Extras are named in the breakdown. */
	in = base_input;
	in.extras[0] = (KdumpEstimateExtra){ "luks-argon2", 1ULL << 30 };
	in.extras[1] = (KdumpEstimateExtra){ NULL, 5 * M };
	in.n_extras = 2;
	ASSERT_OK(kdump_estimate(&in, &e, NULL));
	ASSERT_EQ_U64(e.runtime_bytes, 68 * M + 64 * 1024 + (1ULL << 30) + 5 * M);
	ASSERT_STREQ(e.parts[8].name, "luks-argon2");
	ASSERT_STREQ(e.parts[9].name, "extra");
}

/* More CPUs, RAM, files or extras never lower the recommendation. */
TEST(estimate_monotonic)
{
	KdumpEstimate prev, e;

	ASSERT_OK(kdump_estimate(&base_input, &prev, NULL));
	for (int knob = 0; knob < 5; knob++) {
		KdumpEstimateInput in = base_input;
		uint64_t last = 0;

		for (int step = 0; step < 64; step++) {
			switch (knob) {
			case 0: in.nr_cpus = (unsigned)step + 1; break;
			case 1: in.system_ram = (uint64_t)(step + 1) << 34; break;
			case 2: in.initrd_unpacked_size = (uint64_t)step * 3 * M; break;
			case 3: in.initrd_file_size = (uint64_t)step * 5 * M; break;
			default:
				in.extras[0] = (KdumpEstimateExtra){ "x", (uint64_t)step * 7 * M };
				in.n_extras = 1;
			}
			ASSERT_OK(kdump_estimate(&in, &e, NULL));
			ASSERT_TRUE(e.total_bytes >= last);
			ASSERT_TRUE(e.total_bytes % (16 * M) == 0);
			ASSERT_TRUE(e.total_bytes >= e.need_bytes + KDUMP_EST_MARGIN_MIN);
			last = e.total_bytes;
		}
	}
}

TEST(estimate_bad)
{
	KdumpEstimateInput in = base_input;
	KdumpEstimate e = { .total_bytes = 5 };
	KdumpError err = { 0 };

	in.kernel_load_size = 0;
	ASSERT_EQ_INT(kdump_estimate(&in, &e, &err), -EINVAL);
	ASSERT_STREQ(err.message, "the kernel's load size is not known");
	in = base_input;
	in.n_extras = KDUMP_ESTIMATE_MAX_EXTRAS + 1;
	ASSERT_EQ_INT(kdump_estimate(&in, &e, &err), -EINVAL);
	in = base_input;
	in.extras[0].bytes = UINT64_MAX - 5;
	in.n_extras = 1;
	ASSERT_EQ_INT(kdump_estimate(&in, &e, &err), -ERANGE);
	in = base_input;
	in.initrd_unpacked_size = UINT64_MAX / 2;
	ASSERT_EQ_INT(kdump_estimate(&in, &e, &err), -ERANGE);
	ASSERT_EQ_U64(e.total_bytes, 5);
}

RUN_TESTS(T(initramfs_formats), T(initramfs_concatenated), T(initramfs_bad),
	  T(initramfs_from_cpio_command), T(kernel_image), T(kernel_image_bad), T(estimate_terms),
	  T(estimate_defaults_and_phases), T(estimate_monotonic), T(estimate_bad))
