/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* estimate and showmem: how much memory the capture kernel needs, and what it has. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "json-writer.h"
#include "kdump-crashkernel.h"
#include "kdumpctl.h"

#define MIB(x) ((double)(x) / (1 << 20))

static void estimate_text(const CtlEstimate *e)
{
	const KdumpEstimate *est = &e->est;
	char a[CTL_SIZE_MAX], b[CTL_SIZE_MAX];

	printf("Recommended: crashkernel=%s\n", est->crashkernel);
	printf("  the %s phase needs %.1f MiB, plus a margin of %.1f MiB, rounded up to 16 MiB\n",
	       est->phase, MIB(est->need_bytes), MIB(est->margin_bytes));
	if (e->reserved > 0)
		printf("Reserved now: %s (%s)\n", ctl_size((uint64_t)e->reserved, a, sizeof(a)),
		       (uint64_t)e->reserved >= est->need_bytes ? "enough" : "too small");
	else
		printf("Reserved now: %s\n", e->reserved == 0 ? "nothing" : "unknown");
	printf("Measured:\n");
	printf("  kernel     %s: %s%s%s, init_size %.1f MiB, resident %.1f MiB\n", e->kernel,
	       e->kimage.format, e->kimage.compression[0] ? " " : "", e->kimage.compression,
	       MIB(e->kimage.load_size), MIB(e->kimage.resident_size));
	if (e->initrd)
		printf("  initramfs  %s: %s, %s, %s unpacked in %" PRIu64 " entries%s\n", e->initrd,
		       e->initramfs.compression, ctl_size(e->initramfs.file_size, a, sizeof(a)),
		       ctl_size(e->initramfs.unpacked_size, b, sizeof(b)), e->initramfs.entries,
		       e->initramfs.has_systemd ? ", with systemd" : "");
	else
		printf("  initramfs  not built yet: assumed %.0f MiB, %.0f MiB unpacked, with systemd "
		       "(kdumpctl rebuild, then estimate again)\n",
		       MIB(CTL_ASSUMED_INITRD_FILE), MIB(CTL_ASSUMED_INITRD_UNPACKED));
	printf("  machine    %s of RAM, %u CPUs (the capture kernel runs on %u)\n",
	       ctl_size(e->system_ram, a, sizeof(a)), e->host_cpus, e->capture_cpus);
	printf("Breakdown (docs/crashkernel.md):\n");
	for (size_t i = 0; i < est->n_parts; i++)
		printf("  %-20s %8.1f MiB  %-9s %s\n", est->parts[i].name,
		       MIB(est->parts[i].bytes), kdump_part_source_to_string(est->parts[i].source),
		       est->parts[i].detail);
	printf("Phases: load %.1f MiB, unpack %.1f MiB, tmpfs %.1f MiB, runtime %.1f MiB\n",
	       MIB(est->load_bytes), MIB(est->unpack_bytes), MIB(est->tmpfs_bytes),
	       MIB(est->runtime_bytes));
}

static void estimate_json(const CtlEstimate *e)
{
	const KdumpEstimate *est = &e->est;
	JsonWriter w;

	json_init(&w, stdout, 1);
	json_begin_object(&w, NULL);
	json_string(&w, "crashkernel", est->crashkernel);
	json_u64(&w, "total_bytes", est->total_bytes);
	json_u64(&w, "need_bytes", est->need_bytes);
	json_u64(&w, "margin_bytes", est->margin_bytes);
	json_string(&w, "phase", est->phase);
	json_begin_object(&w, "phases");
	json_u64(&w, "load", est->load_bytes);
	json_u64(&w, "unpack", est->unpack_bytes);
	json_u64(&w, "tmpfs", est->tmpfs_bytes);
	json_u64(&w, "runtime", est->runtime_bytes);
	json_end_object(&w);
	json_begin_array(&w, "parts");
	for (size_t i = 0; i < est->n_parts; i++) {
		json_begin_object(&w, NULL);
		json_string(&w, "name", est->parts[i].name);
		json_u64(&w, "bytes", est->parts[i].bytes);
		json_string(&w, "source", kdump_part_source_to_string(est->parts[i].source));
		json_string(&w, "detail", est->parts[i].detail);
		json_end_object(&w);
	}
	json_end_array(&w);
	json_begin_object(&w, "kernel");
	json_string(&w, "path", e->kernel);
	json_string(&w, "format", e->kimage.format);
	json_string(&w, "compression", e->kimage.compression);
	json_u64(&w, "load_size", e->kimage.load_size);
	json_u64(&w, "resident_size", e->kimage.resident_size);
	json_end_object(&w);
	json_begin_object(&w, "initramfs");
	json_bool(&w, "measured", e->initrd != NULL);
	if (e->initrd)
		json_string(&w, "path", e->initrd);
	else
		json_null(&w, "path");
	json_u64(&w, "file_size", e->initrd ? e->initramfs.file_size : CTL_ASSUMED_INITRD_FILE);
	json_u64(&w, "unpacked_size", e->initrd ? e->initramfs.unpacked_size :
						   CTL_ASSUMED_INITRD_UNPACKED);
	json_bool(&w, "has_systemd", e->initrd ? e->initramfs.has_systemd : 1);
	json_end_object(&w);
	json_u64(&w, "system_ram", e->system_ram);
	json_u64(&w, "host_cpus", e->host_cpus);
	json_u64(&w, "capture_cpus", e->capture_cpus);
	if (e->reserved < 0) {
		json_null(&w, "reserved_bytes");
		json_null(&w, "reserved_enough");
	} else {
		json_i64(&w, "reserved_bytes", e->reserved);
		json_bool(&w, "reserved_enough", (uint64_t)e->reserved >= est->need_bytes);
	}
	json_end_object(&w);
	json_finish(&w);
}

int cmd_estimate(Ctl *c)
{
	CtlEstimate e;
	KdumpError err = { 0 };
	CtlFacts f;
	int r;

	r = ctl_facts_read(c, &f);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: cannot read the system's facts: %s\n", strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	r = ctl_estimate_compute(c, &f, &e, &err);
	ctl_facts_done(&f);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: %s\n", err.error ? err.message : strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	if (c->args->json)
		estimate_json(&e);
	else
		estimate_text(&e);
	ctl_estimate_done(&e);
	return CTL_EXIT_OK;
}

/* The crashkernel= words of a command line, space separated, into buf. */
static void cmdline_values(const char *cmdline, char *buf, size_t size)
{
	size_t pos = 0, start, len, n = 0;

	buf[0] = '\0';
	while (kdump_cmdline_next(cmdline, &pos, &start, &len))
		if (len > 12 && strncmp(cmdline + start, "crashkernel=", 12) == 0 && n < size)
			n += (size_t)snprintf(buf + n, size - n, "%s%.*s", n ? " " : "",
					      (int)(len - 12), cmdline + start + 12);
}

int cmd_showmem(Ctl *c)
{
	char a[CTL_SIZE_MAX], b[CTL_SIZE_MAX], values[512];
	KdumpReservation res;
	KdumpError err = { 0 };
	CtlFacts f;
	int64_t region;
	int r;

	r = ctl_facts_read(c, &f);
	if (r < 0) {
		fprintf(stderr, "kdumpctl: cannot read the system's facts: %s\n", strerror(-r));
		return CTL_EXIT_FAILURE;
	}
	region = kexec_status_region(&f.kexec);
	cmdline_values(f.cmdline, values, sizeof(values));
	r = kdump_crashkernel_from_cmdline(f.cmdline, f.system_ram, &res, &err);
	if (c->args->json) {
		JsonWriter w;

		json_init(&w, stdout, 1);
		json_begin_object(&w, NULL);
		if (region < 0)
			json_null(&w, "reserved_bytes");
		else
			json_i64(&w, "reserved_bytes", region);
		json_i64(&w, "kexec_crash_size", f.kexec.crash_size);
		json_begin_array(&w, "regions");
		for (size_t i = 0; f.kexec.have_iomem && i < f.kexec.iomem.n_crash; i++) {
			json_begin_object(&w, NULL);
			json_u64(&w, "start", f.kexec.iomem.crash[i].start);
			json_u64(&w, "end", f.kexec.iomem.crash[i].end);
			json_end_object(&w);
		}
		json_end_array(&w);
		if (values[0])
			json_string(&w, "cmdline_crashkernel", values);
		else
			json_null(&w, "cmdline_crashkernel");
		if (r == 0)
			json_u64(&w, "cmdline_reserves_bytes", res.size);
		else
			json_null(&w, "cmdline_reserves_bytes");
		json_u64(&w, "system_ram", f.system_ram);
		json_end_object(&w);
		json_finish(&w);
		ctl_facts_done(&f);
		return CTL_EXIT_OK;
	}
	if (region > 0)
		printf("Reserved for the capture kernel: %s\n",
		       ctl_size((uint64_t)region, a, sizeof(a)));
	else
		printf("Reserved for the capture kernel: %s\n", region == 0 ? "nothing" : "unknown");
	if (f.kexec.crash_size >= 0)
		printf("  /sys/kernel/kexec_crash_size: %" PRId64 " bytes\n", f.kexec.crash_size);
	for (size_t i = 0; f.kexec.have_iomem && i < f.kexec.iomem.n_crash; i++) {
		const KexecRange *x = &f.kexec.iomem.crash[i];

		if (f.kexec.iomem.addresses_hidden)
			printf("  /proc/iomem: Crash kernel (addresses hidden: not root)\n");
		else
			printf("  /proc/iomem: Crash kernel %#" PRIx64 "-%#" PRIx64 " (%s)\n",
			       x->start, x->end, ctl_size(x->end - x->start + 1, b, sizeof(b)));
	}
	if (!values[0])
		printf("Command line: no crashkernel=\n");
	else if (r == 0)
		printf("Command line: crashkernel=%s: %s on this machine%s\n", values,
		       ctl_size(res.size, a, sizeof(a)), res.high ? " (high)" : "");
	else
		printf("Command line: crashkernel=%s: %s\n", values, err.message);
	printf("System RAM: %s\n", ctl_size(f.system_ram, a, sizeof(a)));
	ctl_facts_done(&f);
	return CTL_EXIT_OK;
}
