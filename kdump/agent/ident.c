/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * The dump directory's name: the crashed kernel's host name and the crash time.
 *
 * The host name comes, in this order, from the crashed kernel's own utsname (init_uts_ns,
 * which VMCOREINFO locates), the kdump header (dumps made by a collector), the capture
 * kernel's /proc/sys/kernel/hostname, and "localhost". Names that are not safe as a path
 * component ("(none)", anything with a slash or a leading dot) are skipped. The time is
 * VMCOREINFO's CRASHTIME (or the kdump header's), else the clock; it is written in UTC, since a
 * capture initramfs has no time zone.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"
#include "parse-util.h"

#define UTS_LEN 65 /* struct new_utsname fields */

bool ksave_host_valid(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 64 || !isalnum((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '.' && s[i] != '_')
			return false;
	return true;
}

static bool take_host(struct ksave_ident *id, const char *name, const char *from)
{
	if (!name || !ksave_host_valid(name))
		return false;
	snprintf(id->host, sizeof(id->host), "%s", name);
	id->host_from = from;
	return true;
}

/* init_uts_ns.name: sysname then nodename, 65 bytes each. */
static bool host_from_utsname(vmcore_t *v, struct ksave_ident *id)
{
	uint64_t addr, off = 0;
	char uts[2 * UTS_LEN];

	if (vmcore_vmcoreinfo_get_u64(v, "SYMBOL(init_uts_ns)", &addr) < 0)
		return false;
	if (vmcore_vmcoreinfo_get_u64(v, "OFFSET(uts_namespace.name)", &off) < 0 || off > 4096)
		return false;
	if (vmcore_read_virt(v, addr + off, uts, sizeof(uts)) < 0)
		return false;
	uts[UTS_LEN - 1] = uts[2 * UTS_LEN - 1] = '\0';
	if (strcmp(uts, "Linux") != 0)
		return false; /* not a utsname: the offsets are wrong */
	return take_host(id, uts + UTS_LEN, "utsname");
}

static void host_from_proc(const char *proc, struct ksave_ident *id)
{
	_cleanup_free_ char *path = ksave_path_join(proc, "sys/kernel/hostname");
	_cleanup_free_ char *name = NULL;

	if (path && ksave_read_text(path, 64, &name) == 0)
		take_host(id, name, "hostname");
}

void ksave_ident_read(vmcore_t *v, const char *proc, int64_t now, struct ksave_ident *ret)
{
	struct ksave_ident id = { .crash_time = now };
	const char *rel = v ? vmcore_osrelease(v) : NULL;
	int64_t t;

	if (!(v && host_from_utsname(v, &id)) && !(v && take_host(&id, vmcore_nodename(v),
								  "kdump header")))
		host_from_proc(proc, &id);
	if (!id.host[0]) {
		snprintf(id.host, sizeof(id.host), "localhost");
		id.host_from = "default";
	}
	if (v && vmcore_crash_time(v, &t) == 0 && t > 0) {
		id.crash_time = t;
		id.time_from_dump = true;
	}
	snprintf(id.osrelease, sizeof(id.osrelease), "%s", rel ? rel : "");
	*ret = id;
}

int ksave_dump_dir_name(const char *host, int64_t t, unsigned seq, char *buf, size_t len)
{
	time_t tt = (time_t)t;
	char stamp[32];
	struct tm tm;
	int n;

	if (!ksave_host_valid(host) || !gmtime_r(&tt, &tm) ||
	    strftime(stamp, sizeof(stamp), "%Y-%m-%d-%H:%M:%S", &tm) == 0)
		return -EINVAL;
	if (seq > 1)
		n = snprintf(buf, len, "%s-%s.%u", host, stamp, seq);
	else
		n = snprintf(buf, len, "%s-%s", host, stamp);
	return n < 0 || (size_t)n >= len ? -ENAMETOOLONG : 0;
}

/* Digits at s, exactly n of them; their value. */
static bool digits(const char *s, size_t n, int *ret)
{
	int v = 0;

	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*ret = v;
	return true;
}

/* HOST-YYYY-MM-DD-HH:MM:SS in name[0, len). */
static int parse_base(const char *name, size_t len, int64_t *ret)
{
	/* "-YYYY-MM-DD-HH:MM:SS" is 20 characters */
	const char *s = name + len - 20;
	struct tm tm = {};
	char host[65];
	int y, mo, d, h, mi, sec;
	time_t t;

	if (len < 21 || len - 20 >= sizeof(host))
		return -EINVAL;
	if (s[0] != '-' || s[5] != '-' || s[8] != '-' || s[11] != '-' || s[14] != ':' ||
	    s[17] != ':' || !digits(s + 1, 4, &y) || !digits(s + 6, 2, &mo) ||
	    !digits(s + 9, 2, &d) || !digits(s + 12, 2, &h) || !digits(s + 15, 2, &mi) ||
	    !digits(s + 18, 2, &sec))
		return -EINVAL;
	memcpy(host, name, len - 20);
	host[len - 20] = '\0';
	if (!ksave_host_valid(host) || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
	    sec > 60)
		return -EINVAL;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t == (time_t)-1)
		return -EINVAL;
	*ret = (int64_t)t;
	return 0;
}

int ksave_dump_dir_parse(const char *name, int64_t *ret_time, unsigned *ret_seq)
{
	const char *dot = strrchr(name, '.');
	size_t len = strlen(name);
	unsigned seq = 1;
	int64_t t;
	uint32_t u;

	/* base.N, N >= 2, when base is a name of ours; else the whole name */
	if (dot && dot[1] && strspn(dot + 1, "0123456789") == strlen(dot + 1) &&
	    parse_base(name, (size_t)(dot - name), &t) == 0) {
		if (safe_atou32(dot + 1, 10, &u) < 0 || u < 2 || u > 999)
			return -EINVAL;
		seq = u;
	} else if (parse_base(name, len, &t) < 0)
		return -EINVAL;
	if (ret_time)
		*ret_time = t;
	if (ret_seq)
		*ret_seq = seq;
	return 0;
}
