/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Load, unload, execute: the checks we can make first, then the system call. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "io-util.h"
#include "kexec-load.h"

/* The x86_64 kernel keeps this much of the command line for "elfcorehdr=0x... ". */
#define ELFCOREHDR_RESERVE 30

static int open_initrd(const KexecCtx *ctx, const char *path, int *ret_fd, uint64_t *ret_size,
		       KexecError *e)
{
	_cleanup_close_ int fd = -1;
	uint8_t hdr[KEXEC_HEADER_SIZE];
	char a[KEXEC_SIZE_MAX];
	struct stat st;
	ssize_t n;
	int r;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
	if (fd < 0 || fstat(fd, &st) < 0) {
		r = negative_errno();
		return kexec_error_set(e, r, KEXEC_ORIGIN_FILES, "cannot open initrd '%s': %s",
				       path, strerror(-r));
	}
	if (!S_ISREG(st.st_mode))
		return kexec_error_set(e, -EINVAL, KEXEC_ORIGIN_FILES,
				       "initrd '%s' is not a regular file", path);
	if (st.st_size == 0)
		return kexec_error_set(e, -EINVAL, KEXEC_ORIGIN_FILES, "initrd '%s' is empty", path);
	n = pread_full(fd, hdr, sizeof(hdr), 0);
	if (n < 0)
		return kexec_error_set(e, (int)n, KEXEC_ORIGIN_FILES, "cannot read initrd '%s': %s",
				       path, strerror((int)-n));
	KexecMagic m = kexec_magic_of(hdr, (size_t)n);
	if (m == KEXEC_MAGIC_BZIMAGE || m == KEXEC_MAGIC_ARM64) {
		kexec_error_set(e, -EINVAL, KEXEC_ORIGIN_FILES,
				"'%s', given as the initrd, is a kernel image (%s)", path,
				kexec_magic_name(m));
		kexec_error_fix(e, "the kernel is the last argument (or --load=KERNEL), the "
				"initramfs goes to --initrd");
		return -EINVAL;
	}
	kexec_log(ctx, "initrd '%s': %s, %s", path, kexec_magic_name(m),
		  kexec_format_size((uint64_t)st.st_size, a, sizeof(a)));
	*ret_fd = TAKE_FD(fd);
	*ret_size = (uint64_t)st.st_size;
	return 0;
}

static int refuse_too_big(KexecError *e, const KexecFit *f)
{
	char k[KEXEC_SIZE_MAX], i[KEXEC_SIZE_MAX], n[KEXEC_SIZE_MAX], r[KEXEC_SIZE_MAX];

	kexec_error_set(e, -EFBIG, KEXEC_ORIGIN_FILES,
			"the capture kernel does not fit into the crash region: kernel %s + "
			"initrd %s = %s, the region has %s",
			kexec_format_size(f->kernel_mem, k, sizeof(k)),
			kexec_format_size(f->initrd, i, sizeof(i)),
			kexec_format_size(f->needed, n, sizeof(n)),
			kexec_format_size((uint64_t)f->region, r, sizeof(r)));
	kexec_error_cause(e, "the kernel is placed whole into the region at the size it "
			  "unpacks to (init_size in its header, more than the file), next to "
			  "the initrd; what is left is all the capture kernel has to run in");
	kexec_error_fix(e, "use a smaller initrd, or reserve more memory: 'kdumpctl estimate' "
			"says how much, 'kdumpctl crashkernel --set' sets crashkernel= (a reboot "
			"applies it)");
	return -EFBIG;
}

static void flag_names(unsigned long flags, char *buf, size_t size)
{
	snprintf(buf, size, "%s%s%s%s", flags & KEXEC_FILE_UNLOAD ? "|KEXEC_FILE_UNLOAD" : "",
		 flags & KEXEC_FILE_ON_CRASH ? "|KEXEC_FILE_ON_CRASH" : "",
		 flags & KEXEC_FILE_NO_INITRAMFS ? "|KEXEC_FILE_NO_INITRAMFS" : "",
		 flags ? "" : "|0");
}

static int file_load(const KexecCtx *ctx, int kfd, int ifd, const char *cmdline, size_t len,
		     unsigned long flags)
{
	char names[96];
	int r;

	flag_names(flags, names, sizeof(names));
	r = ctx->ops->file_load(ctx->ops_data, kfd, ifd, cmdline, len, flags);
	kexec_log(ctx, "kexec_file_load(kernel_fd=%d, initrd_fd=%d, cmdline_len=%zu, flags=%s) = "
		  "%s%s", kfd, ifd, len, names + 1, r < 0 ? "-1 " : "0",
		  r < 0 ? kexec_errno_name(r) : "");
	return r;
}

int kexec_load_kernel(const KexecCtx *ctx, const KexecLoadRequest *req, KexecError *reterr)
{
	_cleanup_close_ int ifd = -1;
	KexecImage img = { .fd = -1 };
	KexecFacts facts = { .op = req->crash ? KEXEC_OP_CRASH_LOAD : KEXEC_OP_LOAD,
			     .kernel = req->kernel, .initrd = req->initrd };
	KexecStatus st;
	uint64_t initrd_size = 0;
	unsigned long flags = req->crash ? KEXEC_FILE_ON_CRASH : 0;
	int64_t region = -1;
	int was_loaded = 0;
	char a[KEXEC_SIZE_MAX];
	int r;

	r = kexec_image_open(ctx, req->kernel, &img, reterr);
	if (r < 0)
		return r;
	if (req->initrd) {
		r = open_initrd(ctx, req->initrd, &ifd, &initrd_size, reterr);
		if (r < 0)
			goto out;
	} else
		flags |= KEXEC_FILE_NO_INITRAMFS;

	facts.decompressed = img.compression != KEXEC_MAGIC_UNKNOWN;
	facts.cmdline_len = strlen(req->cmdline) + 1;
	facts.cmdline_max = img.cmdline_max;
	kexec_log(ctx, "command line (%zu bytes): %s", facts.cmdline_len - 1, req->cmdline);
	if (img.kind == KEXEC_MAGIC_BZIMAGE && img.cmdline_max &&
	    facts.cmdline_len + ELFCOREHDR_RESERVE > img.cmdline_max) {
		r = kexec_error_set(reterr, -E2BIG, KEXEC_ORIGIN_FILES,
				    "the command line is %zu bytes; '%s' takes at most %u",
				    facts.cmdline_len - 1, req->kernel,
				    img.cmdline_max - 1 - ELFCOREHDR_RESERVE);
		kexec_error_cause(reterr, "its header allows %u bytes with the final NUL, and the "
				  "kernel keeps %u of them for the elfcorehdr= it adds",
				  img.cmdline_max, ELFCOREHDR_RESERVE);
		kexec_error_fix(reterr, "shorten the command line");
		goto out;
	}
	if (req->crash && kexec_status_read(ctx, &st) == 0) {
		region = kexec_status_region(&st);
		was_loaded = st.crash_loaded == 1;
	}
	kexec_fit_compute(&img, initrd_size, region, &facts.fit);
	if (req->crash) {
		kexec_log(ctx, "crash region: %s", region < 0 ? "size unknown" : region == 0 ?
			  "none reserved" : kexec_format_size((uint64_t)region, a, sizeof(a)));
		if (region == 0 && !req->no_fit_check) {
			kexec_explain_no_region(reterr, -EADDRNOTAVAIL, KEXEC_ORIGIN_SYSTEM);
			r = -EADDRNOTAVAIL;
			goto out;
		}
		if (facts.fit.fits == 0 && !req->no_fit_check) {
			r = refuse_too_big(reterr, &facts.fit);
			goto out;
		}
		if (facts.fit.fits == 1)
			kexec_log(ctx, "fits: %s of the region stay free for the capture kernel",
				  kexec_format_size((uint64_t)region - facts.fit.needed, a,
						    sizeof(a)));
	}

	r = file_load(ctx, img.fd, ifd, req->cmdline, facts.cmdline_len, flags);
	if (r < 0) {
		kexec_explain(ctx, r, &facts, reterr);
		/*
		 * The kernel frees the loaded capture kernel before it loads a new one into the
		 * same region, so a failure after that point leaves none: say so.
		 */
		if (was_loaded && kexec_status_read(ctx, &st) == 0 && st.crash_loaded == 0)
			kexec_error_note(reterr, "the capture kernel that was loaded before is gone "
					 "too (the kernel unloads it before loading a new one): no "
					 "capture kernel is loaded now");
	}
out:
	kexec_image_done(&img);
	return r;
}

int kexec_unload_kernel(const KexecCtx *ctx, int crash, KexecError *reterr)
{
	KexecFacts facts = { .op = crash ? KEXEC_OP_CRASH_UNLOAD : KEXEC_OP_UNLOAD };
	int r;

	r = file_load(ctx, -1, -1, NULL, 0, KEXEC_FILE_UNLOAD | (crash ? KEXEC_FILE_ON_CRASH : 0));
	if (r < 0)
		kexec_explain(ctx, r, &facts, reterr);
	return r;
}

int kexec_exec_loaded(const KexecCtx *ctx, unsigned delay, int no_sync, KexecTickFn tick,
		      void *tick_data, KexecError *reterr)
{
	KexecFacts facts = { .op = KEXEC_OP_EXEC };
	KexecStatus st;
	int r;

	if (kexec_status_read(ctx, &st) == 0 && st.loaded == 0) {
		kexec_error_set(reterr, -ENOENT, KEXEC_ORIGIN_SYSTEM,
				"no kernel is loaded to execute");
		kexec_error_cause(reterr, "/sys/kernel/kexec_loaded is 0%s",
				  st.crash_loaded == 1 ? "; a capture kernel is loaded, but it "
				  "only runs when the kernel panics" : "");
		kexec_error_fix(reterr, "load one first: kexec --load KERNEL --initrd INITRD "
				"--reuse-cmdline");
		return -ENOENT;
	}
	if (!no_sync) {
		kexec_log(ctx, "sync");
		ctx->ops->sync(ctx->ops_data);
	}
	for (unsigned left = delay; left > 0; left--) {
		if (tick)
			tick(tick_data, left);
		ctx->ops->sleep(ctx->ops_data, 1);
	}
	if (delay > 0 && !no_sync)
		ctx->ops->sync(ctx->ops_data);
	kexec_log(ctx, "reboot(LINUX_REBOOT_CMD_KEXEC)");
	r = ctx->ops->reboot_kexec(ctx->ops_data);
	if (r >= 0)
		r = -EIO; /* a fake that returns: still a failure to execute */
	kexec_explain(ctx, r, &facts, reterr);
	return r;
}

int kexec_fit_files(const KexecCtx *ctx, const char *kernel, const char *initrd,
		    KexecFit *ret, KexecError *reterr)
{
	_cleanup_close_ int ifd = -1;
	KexecImage img = { .fd = -1 };
	KexecStatus st;
	uint64_t initrd_size = 0;
	int64_t region = -1;
	int r;

	r = kexec_image_open(ctx, kernel, &img, reterr);
	if (r < 0)
		return r;
	if (initrd) {
		r = open_initrd(ctx, initrd, &ifd, &initrd_size, reterr);
		if (r < 0) {
			kexec_image_done(&img);
			return r;
		}
	}
	if (kexec_status_read(ctx, &st) == 0)
		region = kexec_status_region(&st);
	kexec_fit_compute(&img, initrd_size, region, ret);
	kexec_image_done(&img);
	return 0;
}
