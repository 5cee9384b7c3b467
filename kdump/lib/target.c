/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Device specifications (UUID=, LABEL=, ...) to /dev paths, through libblkid or a test resolver. */
#include <blkid.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-config.h"

int kdump_blkid_resolver(const char *spec, char **ret, void *userdata)
{
	char *dev = blkid_evaluate_tag(spec, NULL, NULL);

	if (!dev)
		return -ENODEV;
	*ret = dev;
	return 0;
}

int kdump_resolve_device(const char *spec, KdumpTagResolver resolver, void *userdata, char **ret,
			 KdumpError *err)
{
	char *dev = NULL;
	int r;

	if (!kdump_device_spec_valid(spec))
		return kdump_error_set(err, -EINVAL, "'%s' is not a device specification", spec);
	if (spec[0] == '/') {
		dev = strdup(spec);
		if (!dev)
			return -ENOMEM;
		*ret = dev;
		return 0;
	}
	r = resolver(spec, &dev, userdata);
	if (r == -ENODEV)
		return kdump_error_set(err, r, "no device has %s ('blkid' lists the filesystems "
				       "present; is the disk attached?)", spec);
	if (r < 0)
		return kdump_error_set(err, r, "cannot resolve %s: %s", spec, strerror(-r));
	if (!dev || dev[0] != '/') {
		free(dev);
		return kdump_error_set(err, -EIO, "resolving %s gave no device path", spec);
	}
	*ret = dev;
	return 0;
}
