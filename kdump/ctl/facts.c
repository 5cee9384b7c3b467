/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the running system is: kernel release and image, command line, RAM, CPUs, kexec. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "kdump-util.h"
#include "kdumpctl.h"
#include "parse-util.h"

char *ctl_initramfs_path(const char *kver)
{
	return kdump_asprintf(KDUMPCTL_STATE_DIR "/initramfs-%s.img", kver);
}

static void strip(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == '\n' || s[n - 1] == ' '))
		s[--n] = '\0';
}

/* Where distributions put the image of kernel kver. */
static int find_kernel_image(const Ctl *c, const char *kver, char **ret)
{
	static const char *const patterns[][2] = {
		{ "/boot/vmlinuz-", "" },
		{ "/usr/lib/modules/", "/vmlinuz" }, /* Fedora, kernel-install layouts */
		{ "/lib/modules/", "/vmlinuz" },
		{ "/boot/vmlinux-", "" },
	};

	for (size_t i = 0; i < ELEMENTSOF(patterns); i++) {
		_cleanup_free_ char *sys = kdump_asprintf("%s%s%s", patterns[i][0], kver,
							  patterns[i][1]);
		_cleanup_free_ char *full = sys ? ctl_path(c, sys) : NULL;
		struct stat st;

		if (!full)
			return -ENOMEM;
		if (stat(full, &st) == 0 && S_ISREG(st.st_mode)) {
			*ret = TAKE_PTR(sys);
			return 0;
		}
	}
	return -ENOENT;
}

/* "0-3,5,7-8" -> 7 */
static unsigned count_cpu_list(const char *s)
{
	unsigned n = 0;

	while (*s && *s != '\n') {
		char *end;
		unsigned long a = strtoul(s, &end, 10), b = a;

		if (end == s)
			break;
		if (*end == '-')
			b = strtoul(end + 1, &end, 10);
		if (b >= a)
			n += (unsigned)(b - a + 1);
		s = *end == ',' ? end + 1 : end;
		if (*end != ',')
			break;
	}
	return n;
}

static uint64_t meminfo_total(const Ctl *c)
{
	_cleanup_free_ char *text = NULL;
	const char *p;
	uint64_t kib;

	if (ctl_read_file(c, "/proc/meminfo", 65536, &text) < 0)
		return 0;
	p = strstr(text, "MemTotal:");
	if (!p)
		return 0;
	p += strlen("MemTotal:");
	while (*p == ' ')
		p++;
	if (safe_atou64_n(p, strspn(p, "0123456789"), 10, &kib) < 0)
		return 0;
	return kib * 1024;
}

int ctl_kexec_ctx(const Ctl *c, KexecCtx *ret)
{
	int r = kexec_ctx_init(ret, *c->prefix ? c->prefix : "/");

	if (r < 0)
		return r;
	if (c->kexec_ops) {
		ret->ops = c->kexec_ops;
		ret->ops_data = c->kexec_ops_data;
	}
	return 0;
}

int ctl_facts_read(const Ctl *c, CtlFacts *ret)
{
	CtlFacts f = { .nr_cpus = 1 };
	_cleanup_free_ char *text = NULL, *probe = NULL;
	KexecCtx kctx;
	int r;

	if (ctl_read_file(c, "/proc/sys/kernel/osrelease", sizeof(f.kver) - 1, &text) == 0) {
		strip(text);
		snprintf(f.kver, sizeof(f.kver), "%s", text);
	} else if (!*c->prefix) {
		struct utsname u;

		if (uname(&u) == 0)
			snprintf(f.kver, sizeof(f.kver), "%s", u.release);
	}
	if (f.kver[0])
		(void)find_kernel_image(c, f.kver, &f.kernel_image);
	free(text);
	text = NULL;
	if (ctl_read_file(c, "/proc/cmdline", 65536, &text) == 0) {
		strip(text);
		f.cmdline = TAKE_PTR(text);
	} else {
		f.cmdline = strdup("");
		if (!f.cmdline)
			return -ENOMEM;
	}
	if (ctl_read_file(c, "/sys/devices/system/cpu/online", 4096, &text) == 0) {
		f.nr_cpus = count_cpu_list(text);
		if (!f.nr_cpus)
			f.nr_cpus = 1;
	}
	probe = ctl_path(c, "/sys/kernel/kexec_crash_loaded");
	if (!probe) {
		ctl_facts_done(&f);
		return -ENOMEM;
	}
	f.have_kexec = access(probe, F_OK) == 0;
	r = ctl_kexec_ctx(c, &kctx);
	if (r == 0) {
		r = kexec_status_read(&kctx, &f.kexec);
		kexec_ctx_done(&kctx);
	}
	if (r < 0) {
		f.kexec = (KexecStatus){ .loaded = -1, .crash_loaded = -1, .crash_size = -1 };
	}
	f.system_ram = f.kexec.have_iomem && f.kexec.iomem.system_ram ? f.kexec.iomem.system_ram :
									 meminfo_total(c);
	*ret = f;
	return 0;
}

void ctl_facts_done(CtlFacts *f)
{
	free(f->kernel_image);
	free(f->cmdline);
	*f = (CtlFacts){ 0 };
}
