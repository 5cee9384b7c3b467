/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/* Loading, unloading and executing; the state of kexec; why the kernel said no. */
#include "kexec-core.h"
#include "kexec-image.h"
#include "kexec-iomem.h"

/* ---- status (status.c) ---- */

typedef struct kexec_status {
	int loaded;            /* /sys/kernel/kexec_loaded: 1, 0, or -1 when unreadable */
	int crash_loaded;      /* /sys/kernel/kexec_crash_loaded */
	int64_t crash_size;    /* /sys/kernel/kexec_crash_size, -1 when unreadable */
	int have_iomem;
	KexecIomem iomem;
	char lockdown[20];     /* the active lockdown mode, "" when unknown */
	int load_disabled;     /* /proc/sys/kernel/kexec_load_disabled, -1 unknown */
	int secure_boot;       /* the SecureBoot EFI variable: 1, 0, -1 unknown */
} KexecStatus;

int kexec_status_read(const KexecCtx *ctx, KexecStatus *ret);
/* Bytes a capture kernel can be loaded into: kexec_crash_size, else /proc/iomem; -1 unknown. */
int64_t kexec_status_region(const KexecStatus *s);

/* ---- fitting a capture kernel into the crash region ---- */

typedef struct kexec_fit {
	uint64_t kernel_mem;   /* the kernel where it runs (bzImage init_size) */
	uint64_t initrd;       /* the initrd, page-aligned */
	uint64_t needed;       /* kernel_mem + initrd: a lower bound of what the load takes */
	int64_t region;        /* -1: unknown */
	int fits;              /* 1, 0, or -1 when the region is unknown */
} KexecFit;

void kexec_fit_compute(const KexecImage *kernel, uint64_t initrd_size, int64_t region,
		       KexecFit *ret);

/* ---- the syscall's refusals (explain.c) ---- */

typedef enum kexec_op {
	KEXEC_OP_LOAD,
	KEXEC_OP_CRASH_LOAD,
	KEXEC_OP_UNLOAD,
	KEXEC_OP_CRASH_UNLOAD,
	KEXEC_OP_EXEC,
} KexecOp;

typedef struct kexec_facts {
	KexecOp op;
	const char *kernel, *initrd;     /* paths; NULL for unload and exec */
	int decompressed;                /* the kernel went through a memfd */
	KexecFit fit;
	size_t cmdline_len;              /* with the NUL */
	uint32_t cmdline_max;            /* 0: unknown */
} KexecFacts;

/* What the op was, in words: "load the capture kernel '/boot/vmlinuz'". */
const char *kexec_op_name(KexecOp op);
/*
 * Describe the kernel's refusal err (a negative errno) of op in e: what failed with the
 * errno's name, the cause (reading the lockdown state, kexec_load_disabled, the capabilities
 * and Secure Boot below the root where it helps to tell causes apart) and a fix.
 */
void kexec_explain(const KexecCtx *ctx, int err, const KexecFacts *f, KexecError *e);
/* The "no crash region" failure, shared by the pre-check and the kernel's answer. */
void kexec_explain_no_region(KexecError *e, int code, KexecOrigin origin);

/* ---- actions (load.c) ---- */

typedef struct kexec_load_request {
	int crash;             /* load into the crash region (capture kernel) */
	const char *kernel;
	const char *initrd;    /* NULL: none */
	const char *cmdline;   /* the final command line ("" for none) */
	int no_fit_check;      /* let the kernel decide whether it fits */
} KexecLoadRequest;

int kexec_load_kernel(const KexecCtx *ctx, const KexecLoadRequest *req, KexecError *reterr);
int kexec_unload_kernel(const KexecCtx *ctx, int crash, KexecError *reterr);

typedef void (*KexecTickFn)(void *userdata, unsigned seconds_left);
/*
 * Execute the loaded kernel: refuse when none is loaded, sync (unless no_sync), count delay
 * seconds down (tick is called once per second with the seconds left), reboot into it.
 * Returns only on failure.
 */
int kexec_exec_loaded(const KexecCtx *ctx, unsigned delay, int no_sync, KexecTickFn tick,
		      void *tick_data, KexecError *reterr);

/* Open, size and fit a kernel and initrd without loading them (status, kdumpctl estimate). */
int kexec_fit_files(const KexecCtx *ctx, const char *kernel, const char *initrd,
		    KexecFit *ret, KexecError *reterr);
