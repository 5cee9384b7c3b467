/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The handle: opening, the format registry, errors, and the accessors every format shares. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/vfs.h>

#include "internal.h"
#include "io-util.h"

#include <zstd.h>

static const struct vmcore_format_ops *const formats[] = {
	&vc_elf_ops,
	&vc_kdump_ops,
};

int vc_error(struct vmcore *v, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(v->errmsg, sizeof(v->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

int vc_error_prefix(struct vmcore *v, int r, const char *fmt, ...)
{
	char prefix[VMCORE_ERRMSG_SIZE], old[VMCORE_ERRMSG_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(prefix, sizeof(prefix), fmt, ap);
	va_end(ap);
	memcpy(old, v->errmsg, sizeof(old));
	if (old[0])
		snprintf(v->errmsg, sizeof(v->errmsg), "%s: %s", prefix, old);
	else
		snprintf(v->errmsg, sizeof(v->errmsg), "%s: %s", prefix, strerror(-r));
	return r;
}

/* The mmap() window over /proc/vmcore (see struct vmcore). */
#define WIN_SIZE (UINT64_C(4) << 20)

static void window_unmap(struct vmcore *v)
{
	if (v->win)
		(void)munmap(v->win, v->win_len);
	v->win = NULL;
	v->win_len = 0;
}

/* -EOPNOTSUPP when the window cannot serve the read (then it is off for good). */
static int window_read(struct vmcore *v, void *buf, size_t n, uint64_t off)
{
	uint64_t base, len;
	void *p;

	if (!v->win || off < v->win_off || off - v->win_off > v->win_len ||
	    n > v->win_len - (off - v->win_off)) {
		window_unmap(v);
		base = off & ~(WIN_SIZE - 1);
		if (off + n > base + WIN_SIZE)
			base = off & ~(uint64_t)(sysconf(_SC_PAGESIZE) - 1);
		len = MIN(WIN_SIZE, v->src.size - base);
		p = mmap(NULL, (size_t)len, PROT_READ, MAP_PRIVATE, v->fd, (off_t)base);
		if (p == MAP_FAILED) {
			v->win_ok = 0;
			return -EOPNOTSUPP;
		}
		v->win = p;
		v->win_off = base;
		v->win_len = (size_t)len;
	}
	memcpy(buf, v->win + (off - v->win_off), n);
	return 0;
}

static int file_pread(struct vmcore *v, void *buf, size_t n, uint64_t off)
{
	if (v->win_ok && n <= WIN_SIZE / 2 && off + n <= v->src.size &&
	    window_read(v, buf, n, off) == 0)
		return 0;
	return pread_exact(v->fd, buf, n, off);
}

int vc_src_read(struct vmcore *v, void *buf, size_t n, uint64_t off, const char *what)
{
	uint64_t end;
	int r;

	if (add_overflows_u64(off, n, &end) || end > v->src.size)
		return vc_error(v, -EIO,
				"%s at offset 0x%llx (%zu bytes) lies beyond the end of the file "
				"(0x%llx bytes): the file is truncated",
				what, (unsigned long long)off, n, (unsigned long long)v->src.size);
	r = v->src.pread(v, buf, n, off);
	if (r == -EIO)
		return vc_error(v, r, "%s at offset 0x%llx: short read, the file is truncated", what,
				(unsigned long long)off);
	if (r < 0)
		return vc_error(v, r, "%s at offset 0x%llx: %s", what, (unsigned long long)off,
				strerror(-r));
	return 0;
}

vmcore_t *vmcore_new(void)
{
	vmcore_t *v = calloc(1, sizeof(*v));

	if (!v)
		return NULL;
	v->fd = -1;
	v->dump_level = -1;
	v->header_time = -1;
	return v;
}

static void reset(vmcore_t *v)
{
	if (v->ops && v->ops->free)
		v->ops->free(v);
	if (v->src.free)
		v->src.free(v);
	vc_xlat_free(v);
	free(v->ranges);
	free(v->notes);
	free(v->vmcoreinfo);
	free(v->vmcoreinfo_parsed);
	free(v->kv);
	free(v->page_buf);
	window_unmap(v);
	ZSTD_freeDCtx(v->zstd_dctx);
	if (v->fd >= 0)
		close(v->fd);
	memset(v, 0, offsetof(struct vmcore, errmsg));
	v->fd = -1;
	v->dump_level = -1;
	v->header_time = -1;
}

vmcore_t *vmcore_free(vmcore_t *v)
{
	if (!v)
		return NULL;
	reset(v);
	free(v);
	return NULL;
}

const char *vmcore_strerror(const vmcore_t *v)
{
	return v ? v->errmsg : "";
}

static int probe_formats(vmcore_t *v)
{
	for (size_t i = 0; i < ELEMENTSOF(formats); i++) {
		int r;

		v->errmsg[0] = '\0';
		r = formats[i]->probe(v);
		if (r == -ENOTTY)
			continue;
		if (r < 0)
			return r;
		v->ops = formats[i];
		return 0;
	}
	return vc_error(v, -EBADMSG,
			"not a crash dump: no ELF core, kdump-compressed or flattened signature");
}

int vmcore_open_fd(vmcore_t *v, int fd)
{
	struct statfs sfs;
	struct stat st;
	int r;

	if (!v || fd < 0)
		return -EINVAL;
	reset(v);
	v->errmsg[0] = '\0';

	v->fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	if (v->fd < 0)
		return vc_error(v, negative_errno(), "cannot duplicate the file descriptor: %m");
	if (fstat(v->fd, &st) < 0)
		return vc_error(v, negative_errno(), "cannot stat the file: %m");
	if (S_ISDIR(st.st_mode))
		return vc_error(v, -EISDIR, "is a directory");
	v->raw_size = (uint64_t)st.st_size;
	v->src.pread = file_pread;
	v->src.size = v->raw_size;
	if (fstatfs(v->fd, &sfs) == 0 && sfs.f_type == PROC_SUPER_MAGIC && S_ISREG(st.st_mode))
		v->win_ok = 1;

	r = vc_flat_open(v);
	if (r < 0 && r != -ENOTTY)
		goto fail;
	v->flattened = r == 0;

	r = probe_formats(v);
	if (r < 0)
		goto fail;

	if (!v->page_size || v->page_size < VMCORE_MIN_PAGE_SIZE ||
	    v->page_size > VMCORE_MAX_PAGE_SIZE || (v->page_size & (v->page_size - 1))) {
		r = vc_error(v, -EBADMSG, "invalid page size %u", v->page_size);
		goto fail;
	}
	v->page_shift = (unsigned)__builtin_ctz(v->page_size);
	v->page_buf = malloc(v->page_size);
	if (!v->page_buf) {
		r = vc_error(v, -ENOMEM, "out of memory");
		goto fail;
	}
	if (!v->osrelease[0]) {
		const char *rel;
		if (vmcore_vmcoreinfo_get(v, "OSRELEASE", &rel) == 0)
			snprintf(v->osrelease, sizeof(v->osrelease), "%s", rel);
	}
	snprintf(v->format_name, sizeof(v->format_name), "%s%s", v->flattened ? "flattened " : "",
		 v->ops->name);
	return 0;

fail: {
	/* Keep the message across the reset. */
	char msg[VMCORE_ERRMSG_SIZE];
	memcpy(msg, v->errmsg, sizeof(msg));
	reset(v);
	memcpy(v->errmsg, msg, sizeof(msg));
	return r;
}
}

int vmcore_open(vmcore_t *v, const char *path)
{
	_cleanup_close_ int fd = -1;

	if (!v || !path)
		return -EINVAL;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		reset(v);
		return vc_error(v, negative_errno(), "cannot open: %m");
	}
	return vmcore_open_fd(v, fd);
}

/* ---- accessors ---- */

enum vmcore_format vmcore_format(const vmcore_t *v)
{
	return v->ops ? v->ops->format : 0;
}

const char *vmcore_format_name(const vmcore_t *v)
{
	return v->format_name;
}

int vmcore_is_flattened(const vmcore_t *v)
{
	return v->flattened;
}

const char *vmcore_arch(const vmcore_t *v)
{
	return v->arch[0] ? v->arch : NULL;
}

uint32_t vmcore_page_size(const vmcore_t *v)
{
	return v->page_size;
}

uint64_t vmcore_max_pfn(const vmcore_t *v)
{
	return v->max_pfn;
}

const char *vmcore_osrelease(const vmcore_t *v)
{
	return v->osrelease[0] ? v->osrelease : NULL;
}

const char *vmcore_nodename(const vmcore_t *v)
{
	return v->nodename[0] ? v->nodename : NULL;
}

int vmcore_crash_time(const vmcore_t *v, int64_t *ret)
{
	int64_t t;

	if (vmcore_vmcoreinfo_get_s64(v, "CRASHTIME", &t) == 0) {
		*ret = t;
		return 0;
	}
	if (v->header_time > 0) {
		*ret = v->header_time;
		return 0;
	}
	return -ENODATA;
}

unsigned vmcore_nr_cpus(const vmcore_t *v)
{
	return v->nr_prstatus ? v->nr_prstatus : v->header_nr_cpus;
}

int vmcore_dump_level(const vmcore_t *v)
{
	return v->dump_level;
}

int vmcore_header_version(const vmcore_t *v)
{
	return v->header_version;
}

uint32_t vmcore_compression(const vmcore_t *v)
{
	return v->compression;
}

int vmcore_is_incomplete(const vmcore_t *v)
{
	return v->incomplete;
}

uint64_t vmcore_file_size(const vmcore_t *v)
{
	return v->src.size;
}

const char *vmcore_compression_name(uint32_t compression)
{
	switch (compression) {
	case VMCORE_COMPRESS_NONE:
		return "none";
	case VMCORE_COMPRESS_ZLIB:
		return "zlib";
	case VMCORE_COMPRESS_LZO:
		return "lzo";
	case VMCORE_COMPRESS_SNAPPY:
		return "snappy";
	case VMCORE_COMPRESS_ZSTD:
		return "zstd";
	default:
		return NULL;
	}
}

/* ---- memory ranges ---- */

static int cmp_segment(const void *a, const void *b)
{
	const struct vmcore_segment *x = a, *y = b;

	return x->paddr < y->paddr ? -1 : x->paddr > y->paddr;
}

int vc_set_ranges(struct vmcore *v, const struct vmcore_segment *segs, size_t n)
{
	struct vmcore_segment *r;
	size_t k = 0;

	r = calloc(n ? n : 1, sizeof(*r));
	if (!r)
		return vc_error(v, -ENOMEM, "out of memory");
	for (size_t i = 0; i < n; i++)
		if (segs[i].memsz)
			r[k++] = (struct vmcore_segment){ .paddr = segs[i].paddr,
							  .memsz = segs[i].memsz };
	qsort(r, k, sizeof(*r), cmp_segment);

	/* Merge overlapping and adjacent ranges: the kernel text is described twice in ELF. */
	size_t m = 0;
	for (size_t i = 0; i < k; i++) {
		uint64_t end = r[i].paddr + r[i].memsz;
		if (m > 0 && r[i].paddr <= r[m - 1].paddr + r[m - 1].memsz) {
			uint64_t prev_end = r[m - 1].paddr + r[m - 1].memsz;
			if (end > prev_end)
				r[m - 1].memsz = end - r[m - 1].paddr;
			continue;
		}
		r[m++] = r[i];
	}
	free(v->ranges);
	v->ranges = r;
	v->n_ranges = m;
	return 0;
}

ssize_t vc_find_range(const struct vmcore *v, uint64_t paddr)
{
	size_t lo = 0, hi = v->n_ranges;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct vmcore_segment *s = &v->ranges[mid];
		if (paddr < s->paddr)
			hi = mid;
		else if (paddr - s->paddr >= s->memsz)
			lo = mid + 1;
		else
			return (ssize_t)mid;
	}
	return -1;
}

size_t vmcore_phys_range_count(const vmcore_t *v)
{
	return v->n_ranges;
}

int vmcore_phys_range(const vmcore_t *v, size_t index, uint64_t *ret_start, uint64_t *ret_end)
{
	if (index >= v->n_ranges)
		return -ERANGE;
	*ret_start = v->ranges[index].paddr;
	*ret_end = v->ranges[index].paddr + v->ranges[index].memsz;
	return 0;
}

int vmcore_count_pages(vmcore_t *v, uint64_t *ret_present, uint64_t *ret_dumped)
{
	if (!v->ops)
		return -EINVAL;
	return v->ops->count_pages(v, ret_present, ret_dumped);
}

/* ---- reading ---- */

int vmcore_pfn_state(vmcore_t *v, uint64_t pfn)
{
	if (!v->ops)
		return -EINVAL;
	return v->ops->pfn_state(v, pfn);
}

int vmcore_read_pfn(vmcore_t *v, uint64_t pfn, void *buf)
{
	if (!v->ops || !buf)
		return -EINVAL;
	return v->ops->read_pfn(v, pfn, buf);
}

int vmcore_read_phys(vmcore_t *v, uint64_t paddr, void *buf, size_t len)
{
	char *out = buf;

	if (!v->ops || (!buf && len))
		return -EINVAL;
	while (len > 0) {
		uint64_t pfn = paddr >> v->page_shift;
		size_t in_page = (size_t)(paddr & (v->page_size - 1));
		size_t n = MIN(len, v->page_size - in_page);
		int r;

		if (in_page == 0 && n == v->page_size)
			r = v->ops->read_pfn(v, pfn, out);
		else {
			r = v->ops->read_pfn(v, pfn, v->page_buf);
			if (r == 0)
				memcpy(out, (char *)v->page_buf + in_page, n);
		}
		if (r < 0)
			return r;
		out += n;
		paddr += n;
		len -= n;
	}
	return 0;
}

int vmcore_verify(vmcore_t *v, vmcore_problem_fn problem, void *userdata)
{
	if (!v || !v->ops || !problem)
		return -EINVAL;
	return v->ops->verify(v, problem, userdata);
}
