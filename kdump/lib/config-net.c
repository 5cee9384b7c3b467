/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Network targets of kdump.conf: 'ssh USER@HOST[:PORT]' and 'nfs HOST:/EXPORT', taken apart
 * for the programs that use them (the capture agent, kdumpctl). The syntax checks the parser
 * reports are in config-values.c; these functions check again and never trust the caller.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kdump-config.h"
#include "parse-util.h"

/* host (brackets removed) and the part after it; NULL when host is malformed. */
static const char *split_host(const char *s, char *host, size_t size)
{
	size_t n;

	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end || end == s + 1)
			return NULL;
		for (const char *p = s + 1; p < end; p++)
			if (!isxdigit((unsigned char)*p) && *p != ':' && *p != '.')
				return NULL;
		n = (size_t)(end - s - 1);
		if (n >= size)
			return NULL;
		memcpy(host, s + 1, n);
		host[n] = '\0';
		return end + 1;
	}
	n = strcspn(s, ":");
	if (n == 0 || n >= size)
		return NULL;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr(".-_", s[i]))
			return NULL;
	/* a leading '-' would be an option to ssh, mount or ssh-keyscan */
	if (s[0] == '-')
		return NULL;
	memcpy(host, s, n);
	host[n] = '\0';
	return s + n;
}

int kdump_ssh_target_parse(const char *spec, KdumpSshTarget *ret)
{
	KdumpSshTarget t = { .port = 22 };
	const char *at, *rest;
	size_t n;

	if (!spec || !ret)
		return -EINVAL;
	at = strchr(spec, '@');
	if (!at || at == spec || (size_t)(at - spec) >= sizeof(t.user))
		return -EINVAL;
	n = (size_t)(at - spec);
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)spec[i]) && !strchr("._-", spec[i]))
			return -EINVAL;
	if (spec[0] == '-')
		return -EINVAL;
	memcpy(t.user, spec, n);
	t.user[n] = '\0';
	rest = split_host(at + 1, t.host, sizeof(t.host));
	if (!rest)
		return -EINVAL;
	t.ipv6 = at[1] == '[';
	if (*rest == ':') {
		uint32_t port;

		if (safe_atou32(rest + 1, 10, &port) < 0 || port == 0 || port > 65535)
			return -EINVAL;
		t.port = (unsigned)port;
	} else if (*rest)
		return -EINVAL;
	*ret = t;
	return 0;
}

int kdump_ssh_known_hosts_name(const KdumpSshTarget *t, char *buf, size_t size)
{
	int n;

	/* ssh's own spelling in known_hosts: [host]:port unless the port is 22 */
	if (t->port == 22)
		n = snprintf(buf, size, "%s", t->host);
	else
		n = snprintf(buf, size, "[%s]:%u", t->host, t->port);
	return n < 0 || (size_t)n >= size ? -ENAMETOOLONG : 0;
}

int kdump_nfs_target_parse(const char *spec, KdumpNfsTarget *ret)
{
	KdumpNfsTarget t = {};
	const char *rest;

	if (!spec || !ret)
		return -EINVAL;
	rest = split_host(spec, t.host, sizeof(t.host));
	if (!rest || rest[0] != ':' || rest[1] != '/' || strlen(rest + 1) >= sizeof(t.export))
		return -EINVAL;
	t.ipv6 = spec[0] == '[';
	snprintf(t.export, sizeof(t.export), "%s", rest + 1);
	*ret = t;
	return 0;
}
