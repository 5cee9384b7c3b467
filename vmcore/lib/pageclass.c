/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Placeholder until the classifier lands (being written in parallel). */
#include "internal.h"

const char *vmcore_class_name(enum vmcore_page_class c)
{
	return "kernel";
}

int vmcore_class_excluded(enum vmcore_page_class c, int level)
{
	return 0;
}

int vmcore_page_is_zero(const void *buf, size_t len)
{
	return 0;
}

int vmcore_classifier_new(vmcore_t *v, vmcore_classifier_t **ret)
{
	return -EOPNOTSUPP;
}

vmcore_classifier_t *vmcore_classifier_free(vmcore_classifier_t *c)
{
	return NULL;
}

int vmcore_classify(vmcore_classifier_t *c, uint64_t start_pfn, size_t n, uint8_t *ret_classes)
{
	return -EOPNOTSUPP;
}
