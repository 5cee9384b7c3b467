/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* VMCOREINFO: the kernel's KEY=value text that tells tools where its structures are. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "parse-util.h"

int vc_set_vmcoreinfo(struct vmcore *v, const char *text, size_t size)
{
	size_t n_lines = 0, k = 0;
	char *copy, *parsed;
	struct vmcore_kv *kv;

	if (size > VMCORE_MAX_VMCOREINFO_SIZE)
		return vc_error(v, -EBADMSG, "VMCOREINFO is %zu bytes, more than the %u allowed",
				size, VMCORE_MAX_VMCOREINFO_SIZE);
	/* The note's descriptor may be NUL-padded. */
	while (size > 0 && text[size - 1] == '\0')
		size--;

	copy = malloc(size + 1);
	parsed = malloc(size + 1);
	if (!copy || !parsed) {
		free(copy);
		free(parsed);
		return vc_error(v, -ENOMEM, "out of memory");
	}
	memcpy(copy, text, size);
	copy[size] = '\0';
	memcpy(parsed, text, size);
	parsed[size] = '\0';

	for (size_t i = 0; i < size; i++)
		if (parsed[i] == '\n')
			n_lines++;
	kv = calloc(n_lines + 1, sizeof(*kv));
	if (!kv) {
		free(copy);
		free(parsed);
		return vc_error(v, -ENOMEM, "out of memory");
	}

	for (char *line = parsed; line && *line;) {
		char *nl = strchr(line, '\n');
		char *eq;

		if (nl)
			*nl = '\0';
		eq = strchr(line, '=');
		/* Lines without '=' (there are none in real kernels) are ignored. */
		if (eq && eq != line && k <= n_lines) {
			*eq = '\0';
			kv[k].key = line;
			kv[k].value = eq + 1;
			k++;
		}
		line = nl ? nl + 1 : NULL;
	}

	free(v->vmcoreinfo);
	free(v->vmcoreinfo_parsed);
	free(v->kv);
	v->vmcoreinfo = copy;
	v->vmcoreinfo_size = size;
	v->vmcoreinfo_parsed = parsed;
	v->kv = kv;
	v->n_kv = k;
	return 0;
}

int vmcore_vmcoreinfo(const vmcore_t *v, const char **ret_text, size_t *ret_size)
{
	if (!v->vmcoreinfo)
		return -ENOKEY;
	*ret_text = v->vmcoreinfo;
	*ret_size = v->vmcoreinfo_size;
	return 0;
}

int vmcore_vmcoreinfo_get(const vmcore_t *v, const char *key, const char **ret_value)
{
	if (!key)
		return -EINVAL;
	/* The last occurrence wins: CRASHTIME is appended at crash time. */
	for (size_t i = v->n_kv; i > 0; i--)
		if (!strcmp(v->kv[i - 1].key, key)) {
			*ret_value = v->kv[i - 1].value;
			return 0;
		}
	return -ENOKEY;
}

static int is_hex_key(const char *key)
{
	return !strncmp(key, "SYMBOL(", 7) || !strcmp(key, "KERNELOFFSET");
}

int vmcore_vmcoreinfo_get_u64(const vmcore_t *v, const char *key, uint64_t *ret)
{
	const char *value;
	int64_t s;
	uint64_t u;
	int r;

	r = vmcore_vmcoreinfo_get(v, key, &value);
	if (r < 0)
		return r;
	if (!strncmp(value, "0x", 2) || !strncmp(value, "0X", 2))
		r = safe_atou64(value + 2, 16, &u);
	else if (is_hex_key(key))
		r = safe_atou64(value, 16, &u);
	else if (value[0] == '-') {
		r = safe_atoi64(value, 10, &s);
		u = (uint64_t)s;
	} else
		r = safe_atou64(value, 10, &u);
	if (r < 0)
		return -EBADMSG;
	*ret = u;
	return 0;
}

int vmcore_vmcoreinfo_get_s64(const vmcore_t *v, const char *key, int64_t *ret)
{
	uint64_t u;
	int r = vmcore_vmcoreinfo_get_u64(v, key, &u);

	if (r < 0)
		return r;
	*ret = (int64_t)u;
	return 0;
}
