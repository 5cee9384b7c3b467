/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Syntax checks of kdump.conf values, and device specifications. */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config-internal.h"

static bool has_control(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return true;
	return false;
}

/* Does the absolute path s have an empty, "." or ".." component (a trailing / is fine)? */
static bool has_odd_component(const char *s)
{
	const char *p = s + 1;

	while (*p) {
		size_t n = strcspn(p, "/");
		if ((n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return true;
		if (n == 0 && p[1] != '\0')
			return true;
		p += n;
		if (*p == '/')
			p++;
	}
	return false;
}

const char *conf_check_path(const char *value, const char **ret_hint)
{
	*ret_hint = NULL;
	if (value[0] != '/') {
		*ret_hint = "write an absolute path such as '/var/crash'; with a target filesystem "
			    "it is taken from that filesystem's root";
		return "the path must be absolute";
	}
	if (strlen(value) >= PATH_MAX)
		return "the path is too long";
	if (has_control(value))
		return "the path contains control characters";
	if (has_odd_component(value)) {
		*ret_hint = "write the path without '.', '..' or '//'";
		return "the path has '.', '..' or empty components";
	}
	return NULL;
}

static const char *const device_tags[] = { "UUID", "LABEL", "PARTUUID", "PARTLABEL", NULL };

bool kdump_device_spec_valid(const char *spec)
{
	const char *hint;

	return conf_check_device(spec, &hint) == NULL;
}

const char *conf_check_device(const char *value, const char **ret_hint)
{
	const char *eq = strchr(value, '=');

	*ret_hint = NULL;
	if (has_control(value))
		return "the device contains control characters";
	if (value[0] == '/') {
		if (strncmp(value, "/dev/", 5) != 0 || value[5] == '\0') {
			*ret_hint = "name a block device under /dev, or use UUID=, LABEL=, PARTUUID= "
				    "or PARTLABEL=";
			return "the device is not under /dev";
		}
		return has_odd_component(value) ? "the device path has '.', '..' or empty components"
						 : NULL;
	}
	if (!eq) {
		*ret_hint = "write /dev/NAME, UUID=..., LABEL=..., PARTUUID=... or PARTLABEL=...";
		return "the device is neither a /dev path nor TAG=value";
	}
	for (size_t i = 0; device_tags[i]; i++) {
		size_t n = strlen(device_tags[i]);

		if ((size_t)(eq - value) == n && strncmp(value, device_tags[i], n) == 0) {
			if (eq[1] == '\0')
				return "the device tag has no value";
			if (i == 0 || i == 2) {
				for (const char *p = eq + 1; *p; p++)
					if (!isxdigit((unsigned char)*p) && *p != '-') {
						*ret_hint = "'blkid' shows the UUIDs of the filesystems";
						return "a UUID has only hexadecimal digits and '-'";
					}
			}
			return NULL;
		}
		if ((size_t)(eq - value) == n && strncasecmp(value, device_tags[i], n) == 0) {
			*ret_hint = "tags are upper case: UUID=, LABEL=, PARTUUID=, PARTLABEL=";
			return "unknown device tag";
		}
	}
	*ret_hint = "the tags are UUID=, LABEL=, PARTUUID= and PARTLABEL=";
	return "unknown device tag";
}

static bool valid_host(const char *h, size_t n)
{
	if (n == 0)
		return false;
	if (h[0] == '[')
		return n > 2 && h[n - 1] == ']';
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)h[i]) && !strchr(".-_", h[i]))
			return false;
	return true;
}

const char *conf_check_ssh(const char *value, const char **ret_hint)
{
	const char *at = strchr(value, '@');
	const char *end = at && at[1] == '[' ? strchr(at, ']') : NULL;
	KdumpSshTarget t;

	*ret_hint = "write USER@HOST or USER@HOST:PORT, e.g. 'ssh kdump@dumps.example.com'";

	if (!at || at == value ||
	    !valid_host(at + 1, end ? (size_t)(end + 1 - (at + 1)) : strcspn(at + 1, ":")))
		return "the ssh target is not USER@HOST";
	for (const char *p = value; p < at; p++)
		if (!isalnum((unsigned char)*p) && !strchr("._-", *p))
			return "the ssh user name has unexpected characters";
	if (kdump_ssh_target_parse(value, &t) < 0)
		return "the ssh target is not USER@HOST[:PORT]";
	*ret_hint = NULL;
	return NULL;
}

const char *conf_check_nfs(const char *value, const char **ret_hint)
{
	const char *colon = value[0] == '[' ? strstr(value, "]:") : strchr(value, ':');
	KdumpNfsTarget t;

	*ret_hint = "write HOST:/EXPORT, e.g. 'nfs dumps.example.com:/export/crash'";
	if (colon && value[0] == '[')
		colon++;
	if (!colon || colon[1] != '/' || !valid_host(value, (size_t)(colon - value)) ||
	    kdump_nfs_target_parse(value, &t) < 0)
		return "the nfs target is not HOST:/EXPORT";
	*ret_hint = NULL;
	return NULL;
}

const char *conf_check_program(const char *value, const char **ret_hint)
{
	*ret_hint = NULL;
	if (value[0] == '\0')
		return "the program name is empty";
	if (has_control(value))
		return "the program name contains control characters";
	if (value[0] != '/' && strchr(value, '/')) {
		*ret_hint = "write an absolute path, or a bare name looked up in PATH";
		return "the program is a relative path";
	}
	return NULL;
}

const char *conf_check_module(const char *value, const char **ret_hint)
{
	size_t n = strlen(value);

	*ret_hint = NULL;
	if (n > 3 && strcmp(value + n - 3, ".ko") == 0) {
		*ret_hint = "write the module name without '.ko', as modprobe takes it";
		return "not a module name";
	}
	for (const char *p = value; *p; p++)
		if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') {
			*ret_hint = "module names have letters, digits, '_' and '-'";
			return "not a module name";
		}
	return n ? NULL : "the module name is empty";
}

int conf_parse_bool(const char *value, bool *ret)
{
	static const char *const yes[] = { "1", "yes", "true" }, *const no[] = { "0", "no", "false" };

	for (size_t i = 0; i < ELEMENTSOF(yes); i++) {
		if (strcmp(value, yes[i]) == 0) {
			*ret = true;
			return 0;
		}
		if (strcmp(value, no[i]) == 0) {
			*ret = false;
			return 0;
		}
	}
	return -EINVAL;
}
