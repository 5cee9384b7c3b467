/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What kexec has loaded, the crash region, and what stands in the way of loading. */
#include <errno.h>
#include <string.h>

#include "kexec-load.h"

#define SECURE_BOOT_VAR \
	"sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c"

static int read_flag(const KexecCtx *ctx, const char *path)
{
	uint64_t v;

	if (kexec_read_u64(ctx, path, &v) < 0)
		return -1;
	return v ? 1 : 0;
}

/* "none [integrity] confidentiality": the bracketed word is the active mode. */
static void read_lockdown(const KexecCtx *ctx, char *buf, size_t size)
{
	_cleanup_free_ char *s = NULL;
	const char *open_, *close_;

	buf[0] = '\0';
	if (kexec_read_file(ctx, "sys/kernel/security/lockdown", 256, &s, NULL) < 0)
		return;
	open_ = strchr(s, '[');
	close_ = open_ ? strchr(open_, ']') : NULL;
	if (!close_ || (size_t)(close_ - open_ - 1) >= size)
		return;
	memcpy(buf, open_ + 1, (size_t)(close_ - open_ - 1));
	buf[close_ - open_ - 1] = '\0';
}

/* efivarfs: 4 bytes of attributes, then the value. */
static int read_secure_boot(const KexecCtx *ctx)
{
	_cleanup_free_ char *s = NULL;
	size_t len;

	if (kexec_read_file(ctx, SECURE_BOOT_VAR, 64, &s, &len) < 0 || len < 5)
		return -1;
	return s[4] == 1;
}

int kexec_status_read(const KexecCtx *ctx, KexecStatus *ret)
{
	KexecStatus s = { .crash_size = -1 };
	uint64_t v;

	s.loaded = read_flag(ctx, "sys/kernel/kexec_loaded");
	s.crash_loaded = read_flag(ctx, "sys/kernel/kexec_crash_loaded");
	if (kexec_read_u64(ctx, "sys/kernel/kexec_crash_size", &v) == 0 && v <= INT64_MAX)
		s.crash_size = (int64_t)v;
	s.have_iomem = kexec_iomem_read(ctx, &s.iomem) == 0;
	read_lockdown(ctx, s.lockdown, sizeof(s.lockdown));
	s.load_disabled = read_flag(ctx, "proc/sys/kernel/kexec_load_disabled");
	s.secure_boot = read_secure_boot(ctx);
	if (s.loaded < 0 && s.crash_loaded < 0 && s.crash_size < 0 && !s.have_iomem)
		return -ENOENT; /* no /sys, no /proc: nothing to report */
	*ret = s;
	return 0;
}

int64_t kexec_status_region(const KexecStatus *s)
{
	if (s->crash_size > 0)
		return s->crash_size;
	if (s->have_iomem) {
		uint64_t size = kexec_iomem_crash_size(&s->iomem);
		if (size > 0 && size <= INT64_MAX)
			return (int64_t)size;
		/* Hidden addresses (not root): a range exists but its size is unknown. */
		return s->iomem.n_crash > 0 ? -1 : 0;
	}
	return s->crash_size; /* 0 or -1 */
}

void kexec_fit_compute(const KexecImage *kernel, uint64_t initrd_size, int64_t region,
		       KexecFit *ret)
{
	KexecFit f = { .region = region };

	/*
	 * The kernel reserves the kernel's whole in-place size (bzImage init_size, page-aligned)
	 * and the initrd (page-aligned) in the region, plus a few pages of boot parameters,
	 * purgatory and ELF headers. needed is the part we can compute exactly: a load that
	 * needs more than the region can never succeed.
	 */
	f.kernel_mem = ALIGN_UP(kernel->mem_size, 4096);
	f.initrd = ALIGN_UP(initrd_size, 4096);
	f.needed = f.kernel_mem + f.initrd;
	f.fits = region < 0 ? -1 : f.needed <= (uint64_t)region;
	*ret = f;
}
