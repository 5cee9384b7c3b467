/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* What the kexec tool prints: usage, errors, --status, the verbose trail. */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "json-writer.h"
#include "output.h"

const char program_name[] = "kexec";

void print_usage(FILE *f)
{
	fprintf(f,
		"Usage: %1$s [OPTIONS] --load KERNEL       load a kernel for --exec\n"
		"       %1$s [OPTIONS] --crash-load KERNEL load the capture kernel (kdump)\n"
		"       %1$s --unload | --crash-unload     unload it\n"
		"       %1$s [-d SECONDS] --exec           execute the loaded kernel now\n"
		"       %1$s --status [--json] [KERNEL]    what is loaded; whether KERNEL fits\n"
		"\n"
		"Load, unload and execute Linux kernels with kexec_file_load.\n"
		"\n"
		"Options:\n"
		"      --initrd FILE          initial ramdisk for the loaded kernel\n"
		"      --command-line STRING  the new kernel's whole command line\n"
		"      --append STRING        add to the (computed) command line\n"
		"      --reuse-cmdline        start from the running kernel's command line\n"
		"                             (the default for --crash-load, which also drops\n"
		"                             and adds options: see kexec(8))\n"
		"  -l, --load-config FILE     kernel, initrd, command line from a KEY=VALUE file\n"
		"                             (not kexec-tools' -l: that is --load)\n"
		"  -d, --delay SECONDS        wait before --exec, counting down\n"
		"      --no-sync              do not sync file systems before --exec\n"
		"      --no-fit-check         let the kernel decide whether a capture kernel fits\n"
		"      --json                 --status as JSON\n"
		"  -v, --verbose              say each step: files, sizes, flags, the system call\n"
		"  -h, --help                 this text\n"
		"  -V, --version              the version\n"
		"\n"
		"--exec does not stop services or unmount file systems: 'systemctl kexec' does.\n"
		"Exit status: 0 done (--status: capture kernel loaded), 1 --status: not loaded,\n"
		"2 usage, 3 the files cannot be used, 4 the system refused. See kexec(8).\n",
		program_name);
}

int print_usage_error(const char *msg)
{
	fprintf(stderr, "%s: %s\nTry '%s --help' for more information.\n", program_name,
		msg ? msg : "out of memory", program_name);
	return EXIT_USAGE;
}

int exit_code_for(const KexecError *e)
{
	if (e->origin == KEXEC_ORIGIN_FILES)
		return EXIT_FILES;
	return EXIT_SYSTEM;
}

int print_error(const KexecError *e, int r)
{
	if (e->what)
		fprintf(stderr, "%s: %s\n", program_name, e->what);
	else
		fprintf(stderr, "%s: %s\n", program_name, strerror(r < 0 ? -r : EIO));
	if (e->cause)
		fprintf(stderr, "  cause: %s\n", e->cause);
	if (e->fix)
		fprintf(stderr, "  fix:   %s\n", e->fix);
	if (e->note)
		fprintf(stderr, "  note:  %s\n", e->note);
	return e->code ? exit_code_for(e) : EXIT_SYSTEM;
}

static const char *flag_text(int v, const char *yes, const char *no)
{
	return v < 0 ? "unknown" : v ? yes : no;
}

void print_status_text(FILE *f, const KexecStatus *s, const KexecFit *fit)
{
	char a[KEXEC_SIZE_MAX], b[KEXEC_SIZE_MAX], c[KEXEC_SIZE_MAX], d[KEXEC_SIZE_MAX];
	int64_t region = kexec_status_region(s);

	fprintf(f, "Kernel for --exec:   %s\n", flag_text(s->loaded, "loaded", "not loaded"));
	fprintf(f, "Capture kernel:      %s\n", flag_text(s->crash_loaded, "loaded", "not loaded"));
	if (region == 0)
		fprintf(f, "Crash region:        none reserved (boot with crashkernel=; "
			"'kdumpctl estimate' says how much)\n");
	else if (region < 0)
		fprintf(f, "Crash region:        size unknown\n");
	else
		fprintf(f, "Crash region:        %s\n", kexec_format_size((uint64_t)region, a,
									   sizeof(a)));
	for (size_t i = 0; s->have_iomem && !s->iomem.addresses_hidden && i < s->iomem.n_crash; i++)
		fprintf(f, "  at                 0x%016" PRIx64 "-0x%016" PRIx64 "\n",
			s->iomem.crash[i].start, s->iomem.crash[i].end);
	if (s->have_iomem && !s->iomem.addresses_hidden)
		fprintf(f, "System RAM:          %s\n", kexec_format_size(s->iomem.system_ram, a,
									   sizeof(a)));
	fprintf(f, "Lockdown:            %s\n", s->lockdown[0] ? s->lockdown : "unknown");
	fprintf(f, "kexec_load_disabled: %s\n", flag_text(s->load_disabled, "yes", "no"));
	fprintf(f, "Secure Boot:         %s\n", flag_text(s->secure_boot, "on", "off"));
	if (!fit)
		return;
	kexec_format_size(fit->kernel_mem, a, sizeof(a));
	kexec_format_size(fit->initrd, b, sizeof(b));
	kexec_format_size(fit->needed, c, sizeof(c));
	if (fit->region == 0)
		fprintf(f, "Fits:                no: kernel %s + initrd %s = %s, and no crash region "
			"is reserved\n", a, b, c);
	else if (fit->fits < 0)
		fprintf(f, "Fits:                unknown: kernel %s + initrd %s = %s, region size "
			"unknown\n", a, b, c);
	else if (fit->fits)
		fprintf(f, "Fits:                yes: kernel %s + initrd %s = %s; %s left to run "
			"in\n", a, b, c,
			kexec_format_size((uint64_t)fit->region - fit->needed, d, sizeof(d)));
	else
		fprintf(f, "Fits:                no: kernel %s + initrd %s = %s, more than the %s "
			"region\n", a, b, c, kexec_format_size((uint64_t)fit->region, d,
								 sizeof(d)));
}

static void json_flag(JsonWriter *w, const char *key, int v)
{
	if (v < 0)
		json_null(w, key);
	else
		json_bool(w, key, v);
}

void print_status_json(FILE *f, const KexecStatus *s, const KexecFit *fit, const char *kernel,
		       const char *initrd)
{
	int64_t region = kexec_status_region(s);
	JsonWriter w;

	json_init(&w, f, 1);
	json_begin_object(&w, NULL);
	json_flag(&w, "loaded", s->loaded);
	json_flag(&w, "crash_loaded", s->crash_loaded);
	if (region < 0)
		json_null(&w, "crash_size");
	else
		json_u64(&w, "crash_size", (uint64_t)region);
	json_begin_array(&w, "crash_ranges");
	for (size_t i = 0; s->have_iomem && !s->iomem.addresses_hidden && i < s->iomem.n_crash; i++) {
		json_begin_object(&w, NULL);
		json_u64(&w, "start", s->iomem.crash[i].start);
		json_u64(&w, "end", s->iomem.crash[i].end);
		json_end_object(&w);
	}
	json_end_array(&w);
	if (s->have_iomem && !s->iomem.addresses_hidden)
		json_u64(&w, "system_ram", s->iomem.system_ram);
	else
		json_null(&w, "system_ram");
	if (s->lockdown[0])
		json_string(&w, "lockdown", s->lockdown);
	else
		json_null(&w, "lockdown");
	json_flag(&w, "kexec_load_disabled", s->load_disabled);
	json_flag(&w, "secure_boot", s->secure_boot);
	if (fit) {
		json_begin_object(&w, "fit");
		json_string(&w, "kernel", kernel);
		if (initrd)
			json_string(&w, "initrd", initrd);
		else
			json_null(&w, "initrd");
		json_u64(&w, "kernel_mem", fit->kernel_mem);
		json_u64(&w, "initrd_size", fit->initrd);
		json_u64(&w, "needed", fit->needed);
		json_flag(&w, "fits", fit->fits);
		json_end_object(&w);
	}
	json_end_object(&w);
	json_finish(&w);
}

void print_log_line(void *userdata, const char *msg)
{
	fprintf(stderr, "%s: %s\n", program_name, msg);
}

void print_countdown(void *userdata, unsigned seconds_left)
{
	fprintf(stderr, "%s: executing the loaded kernel in %u s (Ctrl-C cancels)\n", program_name,
		seconds_left);
}
