/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* mdl-mkimage PATH: writes the collector's synthetic test vmcore (mdl-image.h) to PATH. */
#include <stdio.h>
#include <string.h>

#include "mdl-image.h"

int main(int argc, char **argv)
{
	struct mdl_image m;
	int r;

	if (argc != 2) {
		fprintf(stderr, "Usage: mdl-mkimage PATH\n");
		return 2;
	}
	mdl_image_build(&m);
	r = mdl_image_save(&m, argv[1]);
	mdl_image_free(&m);
	if (r < 0) {
		fprintf(stderr, "mdl-mkimage: %s: %s\n", argv[1], strerror(-r));
		return 1;
	}
	return 0;
}
