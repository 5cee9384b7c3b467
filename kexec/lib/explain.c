/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Why kexec_file_load (or reboot) said no, with a fix. The errno alone is ambiguous (EPERM is
 * four different problems), so the state that tells the causes apart is read below the root:
 * capabilities, kexec_load_disabled, the load limits, lockdown and Secure Boot.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "kexec-load.h"
#include "parse-util.h"

#define CAP_SYS_BOOT 22

const char *kexec_op_name(KexecOp op)
{
	switch (op) {
	case KEXEC_OP_LOAD: return "load the kernel";
	case KEXEC_OP_CRASH_LOAD: return "load the capture kernel";
	case KEXEC_OP_UNLOAD: return "unload the kernel";
	case KEXEC_OP_CRASH_UNLOAD: return "unload the capture kernel";
	case KEXEC_OP_EXEC: return "execute the loaded kernel";
	}
	return "kexec";
}

static int is_load(KexecOp op)
{
	return op == KEXEC_OP_LOAD || op == KEXEC_OP_CRASH_LOAD;
}

/* A "Key:\tvalue" line of proc/self/status; the first word of the value. */
static int status_field(const KexecCtx *ctx, const char *key, int base, uint64_t *ret)
{
	_cleanup_free_ char *text = NULL;
	size_t klen = strlen(key);

	if (kexec_read_file(ctx, "proc/self/status", 65536, &text, NULL) < 0)
		return -ENOENT;
	char *line = text;
	while (line && *line) {
		char *next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		if (!strncmp(line, key, klen) && line[klen] == ':') {
			char *v = line + klen + 1;
			v += strspn(v, " \t");
			v[strcspn(v, " \t")] = '\0';
			return safe_atou64(v, base, ret);
		}
		line = next;
	}
	return -ENOENT;
}

/* Append one more cause: "a; and b". */
static void add(char **causes, const char *fmt, ...) _printf_(2, 3);
static void add(char **causes, const char *fmt, ...)
{
	char *one = NULL, *both = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&one, fmt, ap) < 0)
		one = NULL;
	va_end(ap);
	if (!one)
		return;
	if (!*causes) {
		*causes = one;
		return;
	}
	if (asprintf(&both, "%s; and %s", *causes, one) >= 0) {
		free(*causes);
		*causes = both;
	}
	free(one);
}

static void explain_eperm(const KexecCtx *ctx, const KexecFacts *f, KexecError *e)
{
	_cleanup_free_ char *causes = NULL, *fixes = NULL;
	KexecStatus st = { 0 };
	uint64_t cap = 0, uid = 0, limit;
	int have_status = kexec_status_read(ctx, &st) == 0;
	const char *limit_file = f->op == KEXEC_OP_CRASH_LOAD || f->op == KEXEC_OP_CRASH_UNLOAD ?
		"proc/sys/kernel/kexec_load_limit_panic" : "proc/sys/kernel/kexec_load_limit_reboot";

	if (status_field(ctx, "CapEff", 16, &cap) == 0 && !(cap & (1ull << CAP_SYS_BOOT))) {
		int have_uid = status_field(ctx, "Uid", 10, &uid) == 0;
		add(&causes, "this process lacks CAP_SYS_BOOT%s", have_uid && uid != 0 ?
		    " (it does not run as root)" : " (a container, or capabilities dropped)");
		add(&fixes, "run it as root (sudo kexec ...); in a container, kexec needs "
		    "CAP_SYS_BOOT in the host's initial user namespace, which containers do not get");
	}
	if (have_status && st.load_disabled == 1) {
		add(&causes, "loading is disabled: /proc/sys/kernel/kexec_load_disabled is 1, which "
		    "cannot be undone until the next boot");
		add(&fixes, "reboot without setting it (grep -r kexec_load_disabled /etc/sysctl.* "
		    "/usr/lib/sysctl.d) and load the capture kernel before anything sets it");
	}
	if (kexec_read_u64(ctx, limit_file, &limit) == 0 && limit == 0) {
		add(&causes, "no loads are left: /%s is 0 (it only counts down)", limit_file);
		add(&fixes, "reboot; set the limit higher, or leave it at -1, before loading");
	}
	if (is_load(f->op) && have_status && st.lockdown[0] && strcmp(st.lockdown, "none")) {
		add(&causes, "the kernel is locked down ('%s'%s) and '%s' is not signed with a key "
		    "it trusts; under lockdown only signed kernels can be loaded", st.lockdown,
		    st.secure_boot == 1 ? ", because Secure Boot is on" : "", f->kernel);
		add(&fixes, "load a kernel signed for Secure Boot (Debian: linux-image-*-amd64, not "
		    "the -unsigned package; your own: sign it with sbsign and enroll the key with "
		    "mokutil --import)");
	}
	if (!causes) {
		add(&causes, "nothing in /proc and /sys explains it: a security module (SELinux, "
		    "AppArmor, IMA) may have refused%s", is_load(f->op) && !st.lockdown[0] ?
		    ", or the kernel is locked down (/sys/kernel/security/lockdown is not readable)" :
		    "");
		add(&fixes, "look at the kernel's reason in 'dmesg | tail'");
	}
	kexec_error_cause(e, "%s", causes);
	kexec_error_fix(e, "%s", fixes);
}

static void explain_signature(int err, const KexecFacts *f, KexecError *e)
{
	const char *why;

	switch (-err) {
	case EKEYREJECTED:
		why = "signature verification is enforced (CONFIG_KEXEC_SIG_FORCE, or lockdown "
		      "with IMA under Secure Boot) and the image's signature was rejected: it is "
		      "signed by a key the kernel does not trust, or not signed at all";
		break;
	case ENOKEY:
		why = "the image is signed, but with a key that is in none of the kernel's keyrings "
		      "(built-in, secondary, platform/MOK)";
		break;
	case EKEYEXPIRED:
		why = "the key that signed the image has expired";
		break;
	case EKEYREVOKED:
		why = "the key that signed the image has been revoked (it is on a blacklist or in "
		      "the dbx)";
		break;
	case ENOPKG:
		why = "the signature uses an algorithm the running kernel was built without";
		break;
	case EMSGSIZE:
		why = "signature verification is enforced and the image's signature block has an "
		      "impossible size";
		break;
	case EBADMSG:
		why = "signature verification is enforced and the image's signature is malformed or "
		      "does not match its contents (was it changed after signing?)";
		break;
	default: /* ELIBBAD, ENODATA */
		why = "signature verification is enforced and the image carries no usable "
		      "signature (its signature table is missing or malformed)";
		break;
	}
	kexec_error_cause(e, "%s%s", why, f->decompressed ?
			  "; the image was decompressed first, and the kernel checks the "
			  "signature of what it is given, the decompressed image" : "");
	kexec_error_fix(e, "load a kernel signed by your distribution, or enroll the key that "
			"signed it (mokutil --import KEY.der, reboot to confirm); "
			"'dmesg | grep -i -e kexec -e sig' has the kernel's detail");
}

static void explain_no_room(const KexecFacts *f, KexecError *e)
{
	char k[KEXEC_SIZE_MAX], i[KEXEC_SIZE_MAX], n[KEXEC_SIZE_MAX], r[KEXEC_SIZE_MAX];

	if (f->op != KEXEC_OP_CRASH_LOAD) {
		kexec_error_cause(e, "the kernel found no free memory for the new kernel (%s) and "
				  "initrd (%s)", kexec_format_size(f->fit.kernel_mem, k, sizeof(k)),
				  kexec_format_size(f->fit.initrd, i, sizeof(i)));
		kexec_error_fix(e, "free memory, or use a smaller initrd");
		return;
	}
	if (f->fit.region == 0) {
		kexec_explain_no_region(e, e->code, e->origin);
		return;
	}
	kexec_error_cause(e, "the capture kernel does not fit into the crash region: kernel %s + "
			  "initrd %s = %s, plus boot parameters, purgatory and ELF headers; the "
			  "region has %s",
			  kexec_format_size(f->fit.kernel_mem, k, sizeof(k)),
			  kexec_format_size(f->fit.initrd, i, sizeof(i)),
			  kexec_format_size(f->fit.needed, n, sizeof(n)),
			  f->fit.region < 0 ? "an unknown size" :
			  kexec_format_size((uint64_t)f->fit.region, r, sizeof(r)));
	kexec_error_fix(e, "use a smaller initrd, or reserve more memory: 'kdumpctl estimate' "
			"says how much, 'kdumpctl crashkernel --set' sets crashkernel= (a reboot "
			"applies it)");
}

void kexec_explain_no_region(KexecError *e, int code, KexecOrigin origin)
{
	if (origin == KEXEC_ORIGIN_KERNEL)
		kexec_error_set(e, code, origin, "no memory is reserved for a capture kernel (the "
				"kernel says %s, %s)", strerror(-code), kexec_errno_name(code));
	else
		kexec_error_set(e, code, origin, "no memory is reserved for a capture kernel");
	kexec_error_cause(e, "the running kernel was booted without crashkernel=, or the "
			  "reservation failed ('dmesg | grep -i crashkernel'): "
			  "/sys/kernel/kexec_crash_size is 0 and /proc/iomem has no 'Crash kernel' "
			  "range. A capture kernel can only be loaded into memory reserved at boot");
	kexec_error_fix(e, "'kdumpctl estimate' says how much to reserve, 'kdumpctl crashkernel "
			"--set' adds crashkernel= to the boot loader's command line (or add e.g. "
			"crashkernel=256M yourself); then reboot");
}

void kexec_explain(const KexecCtx *ctx, int err, const KexecFacts *f, KexecError *e)
{
	kexec_error_set(e, err, KEXEC_ORIGIN_KERNEL, "cannot %s%s%s%s: the kernel says %s (%s)",
			kexec_op_name(f->op), f->kernel ? " '" : "", f->kernel ? f->kernel : "",
			f->kernel ? "'" : "", strerror(-err), kexec_errno_name(err));
	switch (-err) {
	case EPERM:
		explain_eperm(ctx, f, e);
		break;
	case EACCES:
		kexec_error_cause(e, "a security policy refused to let the kernel read the image: "
				  "IMA appraisal (ima_appraise=, or the policy Secure Boot turns on) "
				  "wants a valid signature in the file's security.ima attribute%s, or "
				  "SELinux/AppArmor denied the read",
				  f->decompressed ? " (the image was decompressed into memory, which "
				  "has no such attribute)" : "");
		kexec_error_fix(e, "'dmesg | grep -i -e ima -e avc' names the policy; load the "
				"distribution's signed kernel%s, or sign the image (evmctl ima_sign)",
				f->decompressed ? " uncompressed" : "");
		break;
	case EKEYREJECTED:
	case ENOKEY:
	case EKEYEXPIRED:
	case EKEYREVOKED:
	case EBADMSG:
	case ELIBBAD:
	case EMSGSIZE:
	case ENODATA:
	case ENOPKG:
		explain_signature(err, f, e);
		break;
	case EBUSY:
		kexec_error_cause(e, "another kexec load or unload is running right now; the "
				  "kernel does one at a time");
		kexec_error_fix(e, "try again in a moment; if kdump.service or a udev rule is "
				"reloading the capture kernel, let it finish");
		break;
	case ENOEXEC:
		kexec_error_cause(e, "the running kernel has no loader that accepts '%s' (which "
				  "passed our checks): the running kernel may use 5-level paging the "
				  "image does not support, or boot from 32-bit EFI; 'dmesg | tail' has "
				  "the loader's reason", f->kernel ? f->kernel : "the image");
		kexec_error_fix(e, "load a kernel built for this machine and its boot mode");
		break;
	case ENOSYS:
		kexec_error_cause(e, "the running kernel has no kexec_file_load: it was built "
				  "without CONFIG_KEXEC_FILE, or a seccomp filter (a container, a "
				  "SystemCallFilter=) blocks it");
		kexec_error_fix(e, "use a kernel built with CONFIG_KEXEC_FILE=y (grep KEXEC_FILE "
				"/boot/config-$(uname -r)); this kexec does not fall back to the "
				"legacy kexec_load");
		break;
	case EINVAL:
		if (f->op == KEXEC_OP_EXEC) {
			kexec_error_cause(e, "no kernel is loaded (it may have been unloaded "
					  "meanwhile)");
			kexec_error_fix(e, "load one: kexec --load KERNEL --reuse-cmdline");
		} else if (!is_load(f->op)) {
			kexec_error_cause(e, "the running kernel cannot unload through "
					  "kexec_file_load (KEXEC_FILE_UNLOAD)");
			kexec_error_fix(e, "update the kernel");
		} else if (f->cmdline_max && f->cmdline_len + 30 > f->cmdline_max) {
			kexec_error_cause(e, "the command line (%zu bytes with its NUL) is longer "
					  "than the new kernel takes (%u, of which the kernel keeps "
					  "30 for elfcorehdr=)", f->cmdline_len, f->cmdline_max);
			kexec_error_fix(e, "shorten the command line");
		} else {
			kexec_error_cause(e, "the kernel rejected an argument: an empty kernel or "
					  "initrd, a command line the new kernel cannot take, or a "
					  "flag the running kernel does not know");
			kexec_error_fix(e, "'dmesg | tail' has the kernel's reason");
		}
		break;
	case EADDRNOTAVAIL:
	case ENOMEM:
		if (-err == ENOMEM && f->op != KEXEC_OP_CRASH_LOAD) {
			kexec_error_cause(e, "the kernel ran out of memory while reading the kernel "
					  "and initrd into RAM");
			kexec_error_fix(e, "free memory and try again");
		} else
			explain_no_room(f, e);
		break;
	case ETXTBSY:
		kexec_error_cause(e, "the kernel or initrd file is open for writing by another "
				  "process (being installed right now?), and the kernel will not "
				  "read a file that can change under it");
		kexec_error_fix(e, "wait for the writer (e.g. a package installation) to finish, "
				"then try again");
		break;
	case EFBIG:
		kexec_error_cause(e, "the kernel or initrd is larger than the kernel reads in one "
				  "piece");
		kexec_error_fix(e, "use a smaller initrd");
		break;
	default:
		kexec_error_cause(e, "the kernel gave no reason we know of");
		kexec_error_fix(e, "'dmesg | tail' may have the kernel's reason");
		break;
	}
}
