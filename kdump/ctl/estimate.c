/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump_estimate() fed with this host: the running kernel's image (or --kernel), the capture
 * initramfs when it is built (or --initrd), the RAM, the capture kernel's CPUs (nr_cpus=1,
 * which the capture command line sets), and the --extra terms.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "kdumpctl.h"

int ctl_estimate_compute(const Ctl *c, const CtlFacts *f, CtlEstimate *ret, KdumpError *err)
{
	const CtlArgs *a = c->args;
	CtlEstimate e = { .host_cpus = f->nr_cpus, .capture_cpus = 1,
			  .system_ram = f->system_ram };
	KdumpEstimateInput in = { .nr_cpus = 1, .system_ram = f->system_ram };
	_cleanup_free_ char *kpath = NULL, *ipath = NULL;
	struct stat st;
	int r;

	e.reserved = kexec_status_region(&f->kexec);
	if (a && a->kernel)
		e.kernel = strdup(a->kernel);
	else if (f->kernel_image)
		e.kernel = strdup(f->kernel_image);
	else
		return kdump_error_set(err, -ENOENT, "no image of the running kernel %s found "
				       "(give one with --kernel)", f->kver);
	if (a && a->initrd)
		e.initrd = strdup(a->initrd);
	else if (f->kver[0])
		e.initrd = ctl_initramfs_path(f->kver);
	if (!e.kernel || (!e.initrd && ((a && a->initrd) || f->kver[0]))) {
		r = -ENOMEM;
		goto fail;
	}
	/* --kernel and --initrd are the user's paths; the defaults are below the root. */
	kpath = a && a->kernel ? strdup(a->kernel) : ctl_path(c, e.kernel);
	ipath = e.initrd ? (a && a->initrd ? strdup(a->initrd) : ctl_path(c, e.initrd)) : NULL;
	if (!kpath || (e.initrd && !ipath)) {
		r = -ENOMEM;
		goto fail;
	}
	r = kdump_kernel_image_read(kpath, &e.kimage, err);
	if (r < 0)
		goto fail;
	in.kernel_load_size = e.kimage.load_size;
	in.kernel_resident_size = e.kimage.resident_size;

	if (ipath && (stat(ipath, &st) == 0 || (a && a->initrd))) {
		r = kdump_initramfs_measure(ipath, &e.initramfs, err);
		if (r < 0)
			goto fail;
		in.initrd_file_size = e.initramfs.file_size;
		in.initrd_unpacked_size = e.initramfs.unpacked_size;
		in.initrd_has_systemd = e.initramfs.has_systemd;
	} else {
		/* Not built yet: the model's assumption, said as such by the commands. */
		free(e.initrd);
		e.initrd = NULL;
		in.initrd_file_size = CTL_ASSUMED_INITRD_FILE;
		in.initrd_unpacked_size = CTL_ASSUMED_INITRD_UNPACKED;
		in.initrd_has_systemd = true;
	}
	for (size_t i = 0; a && i < a->n_extras; i++)
		in.extras[in.n_extras++] = a->extras[i];
	r = kdump_estimate(&in, &e.est, err);
	if (r < 0)
		goto fail;
	*ret = e;
	return 0;
fail:
	ctl_estimate_done(&e);
	return r;
}

void ctl_estimate_done(CtlEstimate *e)
{
	free(e->kernel);
	free(e->initrd);
	*e = (CtlEstimate){ 0 };
}
