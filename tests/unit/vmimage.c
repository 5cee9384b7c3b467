/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A tiny x86_64 ELF vmcore with real page tables, for the xlat and dmesg tests. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "io-util.h"
#include "vmimage.h"

#define RAM_OFFSET UINT64_C(0x2000) /* file offset of physical 0 */
#define NOTE_OFFSET UINT64_C(0x200)

static void *xmalloc(size_t n)
{
	void *p = calloc(1, n);

	if (!p) {
		fprintf(stderr, "out of memory\n");
		abort();
	}
	return p;
}

void img_write(struct vmimage *im, uint64_t paddr, const void *p, size_t len)
{
	if (paddr > IMG_RAM_SIZE || len > IMG_RAM_SIZE - paddr) {
		fprintf(stderr, "img_write outside RAM: 0x%llx\n", (unsigned long long)paddr);
		abort();
	}
	memcpy(im->ram + paddr, p, len);
}

void img_w64(struct vmimage *im, uint64_t paddr, uint64_t val)
{
	img_write(im, paddr, &val, sizeof(val));
}

void img_w32(struct vmimage *im, uint64_t paddr, uint32_t val)
{
	img_write(im, paddr, &val, sizeof(val));
}

void img_w16(struct vmimage *im, uint64_t paddr, uint16_t val)
{
	img_write(im, paddr, &val, sizeof(val));
}

uint64_t img_r64(const struct vmimage *im, uint64_t paddr)
{
	uint64_t val;

	memcpy(&val, im->ram + paddr, sizeof(val));
	return val;
}

void img_entry(struct vmimage *im, uint64_t table, unsigned idx, uint64_t paddr, int leaf)
{
	img_w64(im, table + idx * 8u, paddr | IMG_FLAGS | (leaf ? IMG_LEAF : 0));
}

void img_init(struct vmimage *im, int levels)
{
	uint64_t top_dm, top_text;

	*im = (struct vmimage){
		.levels = levels,
		.dm = levels == 5 ? IMG_DM5 : IMG_DM4,
		.machine = EM_X86_64,
		.phys_base_key = 1,
		.pgd_key = "init_top_pgt",
		.text_load = 1,
		.ram_filesz = IMG_RAM_SIZE,
		.osrelease = "6.1.0-test-amd64",
	};
	im->ram = xmalloc(IMG_RAM_SIZE);

	if (levels == 5) {
		img_entry(im, IMG_T_TOP, img_index(IMG_TEXT_VA, 48), IMG_T_P4D_K, 0);
		img_entry(im, IMG_T_P4D_K, img_index(IMG_TEXT_VA, 39), IMG_T_PUD_K, 0);
		img_entry(im, IMG_T_TOP, img_index(im->dm, 48), IMG_T_P4D_D, 0);
		img_entry(im, IMG_T_P4D_D, img_index(im->dm, 39), IMG_T_PUD_D, 0);
	} else {
		top_text = img_index(IMG_TEXT_VA, 39);
		top_dm = img_index(im->dm, 39);
		img_entry(im, IMG_T_TOP, (unsigned)top_text, IMG_T_PUD_K, 0);
		img_entry(im, IMG_T_TOP, (unsigned)top_dm, IMG_T_PUD_D, 0);
	}
	/* The kernel image: two 2 MiB leaves. */
	img_entry(im, IMG_T_PUD_K, img_index(IMG_TEXT_VA, 30), IMG_T_PMD_K, 0);
	for (unsigned i = 0; i < IMG_TEXT_SIZE >> 21; i++)
		img_entry(im, IMG_T_PMD_K, img_index(IMG_TEXT_VA, 21) + i,
			  IMG_TEXT_PA + ((uint64_t)i << 21), 1);
	/* The direct map: one 1 GiB leaf over [0, 1 GiB). */
	img_entry(im, IMG_T_PUD_D, img_index(im->dm, 30), 0, 1);
}

void img_free(struct vmimage *im)
{
	free(im->ram);
	free(im->info);
	*im = (struct vmimage){};
}

void img_info(struct vmimage *im, const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1)
		abort();
	line[n++] = '\n';
	im->info = realloc(im->info, im->info_len + (size_t)n + 1);
	if (!im->info)
		abort();
	memcpy(im->info + im->info_len, line, (size_t)n);
	im->info_len += (size_t)n;
	im->info[im->info_len] = '\0';
}

static char *vmcoreinfo_text(const struct vmimage *im)
{
	char *text = xmalloc(1024 + im->info_len);
	size_t n = 0;

	n += (size_t)sprintf(text + n, "OSRELEASE=%s\nPAGESIZE=4096\n", im->osrelease);
	if (im->pgd_key)
		n += (size_t)sprintf(text + n, "SYMBOL(%s)=%llx\n", im->pgd_key,
				     (unsigned long long)img_text(IMG_T_TOP));
	if (im->phys_base_key)
		n += (size_t)sprintf(text + n, "NUMBER(phys_base)=%lld\n",
				     (long long)(int64_t)IMG_PHYS_BASE);
	n += (size_t)sprintf(text + n, "NUMBER(pgtable_l5_enabled)=%d\n", im->levels == 5);
	n += (size_t)sprintf(text + n, "NUMBER(sme_mask)=%llu\n", (unsigned long long)IMG_SME);
	n += (size_t)sprintf(text + n, "KERNELOFFSET=%llx\n",
			     (unsigned long long)IMG_KERNELOFFSET);
	if (im->info)
		memcpy(text + n, im->info, im->info_len + 1);
	return text;
}

uint64_t img_file_offset(uint64_t paddr)
{
	return RAM_OFFSET + paddr;
}

int img_write_fd(struct vmimage *im, int fd, int with_ram)
{
	char *info = vmcoreinfo_text(im);
	size_t info_len = strlen(info), note_len;
	uint8_t *note;
	Elf64_Ehdr eh = {};
	Elf64_Phdr ph[3] = {};
	Elf64_Nhdr nh = { .n_namesz = 11, .n_descsz = (Elf64_Word)info_len, .n_type = 0 };
	unsigned n = 0;
	int r;

	note_len = sizeof(nh) + 12 + ((info_len + 3) & ~(size_t)3);
	note = xmalloc(note_len);
	memcpy(note, &nh, sizeof(nh));
	memcpy(note + sizeof(nh), "VMCOREINFO", 11);
	memcpy(note + sizeof(nh) + 12, info, info_len);
	free(info);
	if (NOTE_OFFSET + note_len > RAM_OFFSET) {
		free(note);
		return -E2BIG;
	}

	memcpy(eh.e_ident, ELFMAG, SELFMAG);
	eh.e_ident[EI_CLASS] = ELFCLASS64;
	eh.e_ident[EI_DATA] = ELFDATA2LSB;
	eh.e_ident[EI_VERSION] = EV_CURRENT;
	eh.e_type = ET_CORE;
	eh.e_machine = im->machine;
	eh.e_version = EV_CURRENT;
	eh.e_phoff = sizeof(eh);
	eh.e_ehsize = sizeof(eh);
	eh.e_phentsize = sizeof(Elf64_Phdr);

	ph[n++] = (Elf64_Phdr){ .p_type = PT_NOTE, .p_offset = NOTE_OFFSET,
				.p_filesz = note_len, .p_memsz = note_len };
	if (im->text_load)
		/* As /proc/vmcore does: the kernel text first, describing its RAM a second time. */
		ph[n++] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
					.p_offset = RAM_OFFSET + IMG_TEXT_PA,
					.p_vaddr = IMG_TEXT_VA, .p_paddr = IMG_TEXT_PA,
					.p_filesz = IMG_TEXT_SIZE, .p_memsz = IMG_TEXT_SIZE };
	ph[n++] = (Elf64_Phdr){ .p_type = PT_LOAD, .p_flags = PF_R | PF_W | PF_X,
				.p_offset = RAM_OFFSET, .p_vaddr = im->dm, .p_paddr = 0,
				.p_filesz = im->ram_filesz, .p_memsz = IMG_RAM_SIZE };
	eh.e_phnum = (Elf64_Half)n;

	r = pwrite_all(fd, &eh, sizeof(eh), 0);
	if (r == 0)
		r = pwrite_all(fd, ph, n * sizeof(ph[0]), sizeof(eh));
	if (r == 0)
		r = pwrite_all(fd, note, note_len, NOTE_OFFSET);
	if (r == 0 && with_ram)
		r = pwrite_all(fd, im->ram, im->ram_filesz, RAM_OFFSET);
	free(note);
	return r;
}

int img_try_open(struct vmimage *im, vmcore_t **ret)
{
	vmcore_t *v;
	int fd, r;

	fd = memfd_create("vmimage", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	r = img_write_fd(im, fd, 1);
	if (r < 0) {
		close(fd);
		return r;
	}
	v = vmcore_new();
	if (!v) {
		close(fd);
		return -ENOMEM;
	}
	r = vmcore_open_fd(v, fd);
	close(fd);
	if (r < 0) {
		fprintf(stderr, "opening the test image: %s\n", vmcore_strerror(v));
		vmcore_free(v);
		return r;
	}
	*ret = v;
	return 0;
}

vmcore_t *img_open(struct vmimage *im)
{
	vmcore_t *v = NULL;
	int r = img_try_open(im, &v);

	if (r < 0) {
		fprintf(stderr, "cannot open the test image: %s\n", strerror(-r));
		return NULL;
	}
	return v;
}

int img_save(struct vmimage *im, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), r;

	if (fd < 0)
		return -errno;
	r = img_write_fd(im, fd, 1);
	if (close(fd) < 0 && r == 0)
		r = -errno;
	return r;
}
