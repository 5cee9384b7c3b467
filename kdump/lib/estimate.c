/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The crashkernel= estimator. The model, its constants and how they were measured are in
 * docs/crashkernel.md; in short, for a reservation R:
 *
 *   load    = ALIGN(kernel load size, 2M) + initrd file + segments   (what kexec places)
 *   base    = kernel resident + kernel base + CPUs + allocator reserve
 *   unpack  = base + initrd file + unpacked                         (the initramfs unpacks)
 *   runtime = base + unpacked + userspace + collector + RAM-proportional + extras
 *                                                                    (the dump is written)
 *   tmpfs   = kernel resident + 2 x unpacked + segments              (rootfs gets half)
 *   need    = max(phases) / (1 - 6.06%)   the kernel's own use of R: struct pages (1/64),
 *                                         hash tables and per-CPU page lists
 *   total   = ALIGN(need + max(need / 10, 8M), 16M)
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "kdump-crashkernel.h"
#include "kdump-estimate.h"

#define MiB (1ULL << 20)

typedef struct Sum {
	KdumpEstimate *e;
	bool overflow;
} Sum;

static uint64_t add(Sum *s, uint64_t a, uint64_t b)
{
	uint64_t r;

	if (__builtin_add_overflow(a, b, &r)) {
		s->overflow = true;
		return UINT64_MAX;
	}
	return r;
}

static void part(Sum *s, const char *name, uint64_t bytes, KdumpPartSource source,
		 const char *fmt, ...) _printf_(5, 6);
static void part(Sum *s, const char *name, uint64_t bytes, KdumpPartSource source,
		 const char *fmt, ...)
{
	KdumpEstimatePart *p;
	va_list ap;

	if (s->e->n_parts == KDUMP_ESTIMATE_MAX_PARTS) {
		s->overflow = true;
		return;
	}
	p = &s->e->parts[s->e->n_parts++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	p->bytes = bytes;
	p->source = source;
	va_start(ap, fmt);
	vsnprintf(p->detail, sizeof(p->detail), fmt, ap);
	va_end(ap);
}

static double mib(uint64_t v)
{
	return (double)v / (double)MiB;
}

int kdump_estimate(const KdumpEstimateInput *in, KdumpEstimate *ret, KdumpError *err)
{
	KdumpEstimate e = { 0 };
	Sum s = { .e = &e };
	unsigned cpus = in->nr_cpus ? in->nr_cpus : 1;
	uint64_t resident, cpu, user, collector, ram, extras = 0, base, need, v;
	uint64_t gib = (in->system_ram + (1ULL << 30) - 1) >> 30;

	if (in->kernel_load_size == 0)
		return kdump_error_set(err, -EINVAL, "the kernel's load size is not known");
	if (in->n_extras > KDUMP_ESTIMATE_MAX_EXTRAS)
		return kdump_error_set(err, -EINVAL, "more than %d extras", KDUMP_ESTIMATE_MAX_EXTRAS);

	resident = in->kernel_resident_size ? in->kernel_resident_size : in->kernel_load_size;
	if (in->kernel_resident_size)
		part(&s, "kernel", resident, KDUMP_PART_MEASURED,
		     "text, data, init and bss of the capture kernel (payload PT_LOAD span)");
	else
		part(&s, "kernel", resident, KDUMP_PART_MEASURED,
		     "init_size from the image header (the payload could not be read; an upper "
		     "bound of what the started kernel keeps)");
	part(&s, "kernel-base", KDUMP_EST_KERNEL_BASE, KDUMP_PART_MODELLED,
	     "slab, page tables, stacks, early reservations, a disk driver, net of the image "
	     "parts freed after boot (calibrated on Debian 6.1 and 6.12 in qemu)");
	part(&s, "allocator-reserve", KDUMP_EST_ALLOCATOR_RESERVE, KDUMP_PART_MODELLED,
	     "pages the allocator keeps free: the min watermark and a one-pageblock boost");
	cpu = (uint64_t)cpus * KDUMP_EST_PER_CPU;
	part(&s, "cpus", cpu, KDUMP_PART_MODELLED,
	     "%u CPU%s x 1 MiB: per-CPU areas, idle and per-CPU kernel threads, page lists "
	     "(the capture kernel runs with nr_cpus=1)", cpus, cpus == 1 ? "" : "s");
	part(&s, "initramfs", in->initrd_unpacked_size, KDUMP_PART_MEASURED,
	     "files of the capture initramfs in the rootfs tmpfs (pages + inodes)");
	user = in->userspace_bytes ? in->userspace_bytes
		: in->initrd_has_systemd ? KDUMP_EST_USERSPACE_SYSTEMD : KDUMP_EST_USERSPACE;
	part(&s, "userspace", user, in->userspace_bytes ? KDUMP_PART_INPUT : KDUMP_PART_MODELLED,
	     in->userspace_bytes ? "given"
	     : in->initrd_has_systemd ? "systemd, journald and udevd (children-max=2) in the initramfs"
				      : "init, shell and the capture agent");
	collector = in->collector_bytes ? in->collector_bytes : KDUMP_COLLECTOR_PEAK;
	part(&s, "collector", collector, KDUMP_PART_INPUT,
	     in->collector_bytes ? "the collector's peak, given" : "makedumpfile-lite's documented peak");
	ram = gib * KDUMP_EST_PER_GIB_RAM;
	part(&s, "ram", ram, KDUMP_PART_MODELLED,
	     "%llu GiB of RAM x 64 KiB: elfcorehdr and /proc/vmcore's range lists (struct pages "
	     "and page tables are for the reservation only)", (unsigned long long)gib);
	for (size_t i = 0; i < in->n_extras; i++) {
		part(&s, in->extras[i].name ? in->extras[i].name : "extra", in->extras[i].bytes,
		     KDUMP_PART_INPUT, "given");
		extras = add(&s, extras, in->extras[i].bytes);
	}

	base = add(&s, add(&s, resident, KDUMP_EST_KERNEL_BASE), cpu);
	base = add(&s, base, KDUMP_EST_ALLOCATOR_RESERVE);
	v = add(&s, ALIGN_UP(in->kernel_load_size, 2 * MiB), in->initrd_file_size);
	e.load_bytes = add(&s, v, KDUMP_EST_SEGMENTS);
	e.unpack_bytes = add(&s, add(&s, base, in->initrd_file_size), in->initrd_unpacked_size);
	v = add(&s, add(&s, base, in->initrd_unpacked_size), add(&s, user, collector));
	e.runtime_bytes = add(&s, add(&s, v, ram), extras);
	v = add(&s, in->initrd_unpacked_size, in->initrd_unpacked_size);
	e.tmpfs_bytes = add(&s, add(&s, resident, v), KDUMP_EST_SEGMENTS);
	if (s.overflow || in->initrd_unpacked_size > UINT64_MAX / 4 || extras > UINT64_MAX / 4)
		return kdump_error_set(err, -ERANGE, "the sizes are too large");

	need = e.runtime_bytes;
	e.phase = "runtime";
	if (e.unpack_bytes > need)
		need = e.unpack_bytes, e.phase = "unpack";
	if (e.tmpfs_bytes > need)
		need = e.tmpfs_bytes, e.phase = "tmpfs";
	if (e.load_bytes > need)
		need = e.load_bytes, e.phase = "load";
	if (need > UINT64_MAX / 20000)
		return kdump_error_set(err, -ERANGE, "the sizes are too large");
	v = need;
	need = DIV_ROUND_UP(need * 10000, 10000 - KDUMP_EST_RESERVATION_PER_10K);
	part(&s, "reservation", need - v, KDUMP_PART_DERIVED,
	     "the kernel's own use of the reservation: struct pages (1/64), hash tables and "
	     "per-CPU page lists, 6.06%% in all");
	e.need_bytes = need;
	e.margin_bytes = MAX(need / 10, KDUMP_EST_MARGIN_MIN);
	part(&s, "margin", e.margin_bytes, KDUMP_PART_MODELLED,
	     "10%% of %.1f MiB, at least 8 MiB: twice the model's error on measured boots",
	     mib(need));
	e.total_bytes = ALIGN_UP(need + e.margin_bytes, KDUMP_EST_ROUND);
	if (s.overflow)
		return kdump_error_set(err, -ERANGE, "too many parts");
	kdump_size_format(e.total_bytes, e.crashkernel, sizeof(e.crashkernel));
	*ret = e;
	return 0;
}

const char *kdump_part_source_to_string(KdumpPartSource s)
{
	static const char *const names[] = { "measured", "input", "modelled", "derived" };

	return (unsigned)s < ELEMENTSOF(names) ? names[s] : NULL;
}
