/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Boot-loader writers on trees made in a temporary directory: Debian's grub, systemd-boot's
 * /etc/kernel/cmdline, grubby through a fake runner. Admin-set values are preserved, dry runs
 * write nothing, nothing real is ever run.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bootloader-internal.h"
#include "kdump-util.h"
#include "tests.h"

static char root[64];

static void mkdirs(const char *path)
{
	char p[512];

	snprintf(p, sizeof(p), "%s", path);
	for (char *s = p + 1; *s; s++)
		if (*s == '/') {
			*s = '\0';
			(void)mkdir(p, 0755);
			*s = '/';
		}
}

static void wfile(const char *rel, const char *content)
{
	char p[512];
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	mkdirs(p);
	f = fopen(p, "w");
	if (!f || fputs(content, f) < 0 || fclose(f) != 0)
		abort();
}

static char *rfile(const char *rel)
{
	static char buf[8192];
	char p[512];
	FILE *f;
	size_t n;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	f = fopen(p, "r");
	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void new_root(void)
{
	char cmd[128];

	if (root[0]) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", root);
		if (system(cmd) != 0)
			abort();
	}
	snprintf(root, sizeof(root), "/tmp/test-kdump-bootloader.XXXXXX");
	if (!mkdtemp(root))
		abort();
}

/* Entries in a directory, temporary files included: dry runs and failures leave none. */
static int count_entries(const char *rel)
{
	char p[512];
	int n = 0;
	DIR *d;

	snprintf(p, sizeof(p), "%s/%s", root, rel);
	d = opendir(p);
	if (!d)
		return -1;
	for (struct dirent *de; (de = readdir(d));)
		n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* A command as one string, "(none)" for none. */
static const char *joined_or(char **argv)
{
	static char buf[512];
	char *s = argv ? kdump_strv_join(argv, " ") : strdup("(none)");

	snprintf(buf, sizeof(buf), "%s", s ? s : "(oom)");
	free(s);
	return buf;
}

typedef struct Fake {
	char *log;          /* every command run, one per line */
	const char *output; /* what "grubby --info=ALL" prints */
	int status;         /* exit status of commands other than --info */
} Fake;

static int fake_runner(char *const argv[], char **ret_output, void *userdata)
{
	Fake *f = userdata;
	char *cmd = kdump_strv_join(argv, " "), *log;

	if (!cmd)
		return -ENOMEM;
	log = kdump_asprintf("%s%s\n", f->log ? f->log : "", cmd);
	free(f->log);
	f->log = log;
	free(cmd);
	if (ret_output && strcmp(argv[1], "--info=ALL") == 0) {
		*ret_output = strdup(f->output);
		return 0;
	}
	return f->status;
}

static const char debian_grub[] =
	"# If you change this file, run 'update-grub' afterwards to update\n"
	"# /boot/grub/grub.cfg.\n"
	"\n"
	"GRUB_DEFAULT=0\n"
	"GRUB_TIMEOUT=5\n"
	"GRUB_DISTRIBUTOR=`lsb_release -i -s 2> /dev/null || echo Debian`\n"
	"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
	"GRUB_CMDLINE_LINUX=\"\"\n";

static const char dropin_256[] =
	"# Written by kdumpctl (kdump-suite): memory reserved for the capture kernel.\n"
	"# 'kdumpctl crashkernel --set SIZE|auto' rewrites this file; delete it and run\n"
	"# update-grub to remove the reservation.\n"
	"GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M\"\n";

static KdumpBootloaderPlan *P;

static int plan(KdumpBootloaderRequest req, KdumpError *e)
{
	kdump_bootloader_plan_free(P);
	P = NULL;
	req.root = root;
	return kdump_bootloader_plan(&req, &P, e);
}

TEST(detect)
{
	KdumpBootloader b = KDUMP_BOOTLOADER_AUTO;
	KdumpError e = { 0 };

	new_root();
	ASSERT_EQ_INT(kdump_bootloader_detect(root, &b, &e), -ENOENT);
	ASSERT_TRUE(strstr(e.message, "cannot tell how this system sets the kernel command line"));
	wfile("boot/efi/loader/loader.conf", "timeout 3\n");
	ASSERT_OK(kdump_bootloader_detect(root, &b, &e));
	ASSERT_EQ_INT(b, KDUMP_BOOTLOADER_KERNEL_CMDLINE);
	wfile("etc/default/grub", debian_grub);
	wfile("usr/sbin/update-grub", "#!/bin/sh\n");
	ASSERT_OK(kdump_bootloader_detect(root, &b, &e));
	ASSERT_EQ_INT(b, KDUMP_BOOTLOADER_GRUB_DEBIAN);
	wfile("usr/sbin/grubby", "#!/bin/sh\n");
	ASSERT_OK(kdump_bootloader_detect(root, &b, &e));
	ASSERT_EQ_INT(b, KDUMP_BOOTLOADER_GRUBBY);
	new_root();
	wfile("etc/kernel/cmdline", "root=/dev/vda1\n");
	ASSERT_OK(kdump_bootloader_detect(root, &b, &e));
	ASSERT_EQ_INT(b, KDUMP_BOOTLOADER_KERNEL_CMDLINE);
	ASSERT_STREQ(kdump_bootloader_to_string(KDUMP_BOOTLOADER_GRUB_DEBIAN), "grub-debian");
	ASSERT_OK(kdump_bootloader_from_string("grubby", &b));
	ASSERT_EQ_INT(b, KDUMP_BOOTLOADER_GRUBBY);
}

TEST(debian_set_change_remove)
{
	KdumpError e = { 0 };
	Fake f = { 0 };

	new_root();
	wfile("etc/default/grub", debian_grub);
	wfile("usr/sbin/update-grub", "#!/bin/sh\n");
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "256M" }, &e));
	ASSERT_EQ_INT(P->bootloader, KDUMP_BOOTLOADER_GRUB_DEBIAN);
	ASSERT_TRUE(!P->unchanged && P->current == NULL);
	ASSERT_EQ_INT(P->n_changes, 1);
	ASSERT_STREQ(P->changes[0].path, "/etc/default/grub.d/kdump-suite.cfg");
	ASSERT_TRUE(P->changes[0].old_line == NULL);
	ASSERT_STREQ(P->changes[0].new_line,
		     "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M\"");
	ASSERT_STREQ(P->changes[0].new_content, dropin_256);
	ASSERT_STREQ(joined_or(P->command), "update-grub");
	/* A dry run is a plan: nothing was written. */
	ASSERT_TRUE(rfile("etc/default/grub.d/kdump-suite.cfg") == NULL);
	ASSERT_EQ_INT(count_entries("etc/default"), 1);

	ASSERT_OK(kdump_bootloader_apply(root, P, fake_runner, &f, &e));
	ASSERT_STREQ(rfile("etc/default/grub.d/kdump-suite.cfg"), dropin_256);
	ASSERT_STREQ(rfile("etc/default/grub"), debian_grub);
	ASSERT_STREQ(f.log, "update-grub\n");
	ASSERT_EQ_INT(count_entries("etc/default/grub.d"), 1);

	/* Again: nothing to do. */
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "256M" }, &e));
	ASSERT_TRUE(P->unchanged && P->current_ours && P->command == NULL);
	ASSERT_STREQ(P->current, "256M");
	ASSERT_STREQ(P->current_where, "/etc/default/grub.d/kdump-suite.cfg:4");
	/* Our own value can change without force. */
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "384M" }, &e));
	ASSERT_EQ_INT(P->n_changes, 1);
	ASSERT_STREQ(P->changes[0].old_line,
		     "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=256M\"");
	ASSERT_STREQ(P->changes[0].new_line,
		     "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=384M\"");
	/* Removal deletes our drop-in. */
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = NULL }, &e));
	ASSERT_EQ_INT(P->n_changes, 1);
	ASSERT_TRUE(P->changes[0].new_content == NULL && P->changes[0].new_line == NULL);
	ASSERT_OK(kdump_bootloader_apply(root, P, fake_runner, &f, &e));
	ASSERT_TRUE(rfile("etc/default/grub.d/kdump-suite.cfg") == NULL);
	ASSERT_STREQ(f.log, "update-grub\nupdate-grub\n");
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = NULL }, &e));
	ASSERT_TRUE(P->unchanged);
	free(f.log);
}

TEST(debian_admin_value_preserved)
{
	static const char admin[] =
		"GRUB_DEFAULT=0\n"
		"GRUB_CMDLINE_LINUX_DEFAULT=\"quiet crashkernel=512M\"\n"
		"# GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\n"
		"export GRUB_CMDLINE_LINUX='crashkernel=1G-:384M console=ttyS0'\n";
	KdumpError e = { 0 };
	Fake f = { 0 };

	new_root();
	wfile("etc/default/grub", admin);
	wfile("usr/sbin/update-grub", "#!/bin/sh\n");
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = "256M" }, &e), -EEXIST);
	ASSERT_STREQ(e.message, "crashkernel=512M 1G-:384M is already set in /etc/default/grub:2, "
		     "/etc/default/grub:4, and not by kdumpctl: leaving it alone; change it there, "
		     "or pass --force to replace it");
	ASSERT_TRUE(P == NULL);
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = NULL }, &e), -EEXIST);

	/* With force: our drop-in, and the other settings lose their crashkernel=. */
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "256M", .force = true }, &e));
	ASSERT_STREQ(P->current, "512M 1G-:384M");
	ASSERT_TRUE(!P->current_ours);
	ASSERT_EQ_INT(P->n_changes, 3);
	ASSERT_STREQ(P->changes[1].path, "/etc/default/grub");
	ASSERT_STREQ(P->changes[1].old_line, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet crashkernel=512M\"");
	ASSERT_STREQ(P->changes[1].new_line, "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"");
	ASSERT_STREQ(P->changes[2].new_line, "export GRUB_CMDLINE_LINUX='console=ttyS0'");
	ASSERT_TRUE(rfile("etc/default/grub.d/kdump-suite.cfg") == NULL);
	ASSERT_OK(kdump_bootloader_apply(root, P, fake_runner, &f, &e));
	ASSERT_STREQ(rfile("etc/default/grub"),
		     "GRUB_DEFAULT=0\n"
		     "GRUB_CMDLINE_LINUX_DEFAULT=\"quiet\"\n"
		     "# GRUB_CMDLINE_LINUX=\"crashkernel=1G\"\n"
		     "export GRUB_CMDLINE_LINUX='console=ttyS0'\n");
	ASSERT_STREQ(rfile("etc/default/grub.d/kdump-suite.cfg"), dropin_256);
	ASSERT_STREQ(f.log, "update-grub\n");
	free(f.log);

	/* Debian's kdump-tools drop-in is someone else's too. */
	new_root();
	wfile("etc/default/grub", debian_grub);
	wfile("etc/default/grub.d/kdump-tools.cfg",
	      "GRUB_CMDLINE_LINUX_DEFAULT=\"$GRUB_CMDLINE_LINUX_DEFAULT crashkernel=512M-:192M\"\n");
	wfile("etc/default/grub.d/init-select.cfg", "# nothing\n");
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .bootloader = KDUMP_BOOTLOADER_GRUB_DEBIAN,
						     .value = "256M" }, &e), -EEXIST);
	ASSERT_STREQ(e.message, "crashkernel=512M-:192M is already set in "
		     "/etc/default/grub.d/kdump-tools.cfg:1, and not by kdumpctl: leaving it alone; "
		     "change it there, or pass --force to replace it");
}

TEST(kernel_cmdline)
{
	KdumpError e = { 0 };
	Fake f = { 0 };
	struct stat st;
	char p[512];

	new_root();
	wfile("etc/kernel/cmdline", "root=UUID=abcd ro quiet\n");
	wfile("usr/lib/modules/6.12.0-1-amd64/vmlinuz", "");
	snprintf(p, sizeof(p), "%s/etc/kernel/cmdline", root);
	ASSERT_OK(chmod(p, 0600));
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "256M",
						 .kernel_release = "6.12.0-1-amd64" }, &e));
	ASSERT_EQ_INT(P->bootloader, KDUMP_BOOTLOADER_KERNEL_CMDLINE);
	ASSERT_EQ_INT(P->n_changes, 1);
	ASSERT_STREQ(P->changes[0].old_line, "root=UUID=abcd ro quiet");
	ASSERT_STREQ(P->changes[0].new_line, "root=UUID=abcd ro quiet crashkernel=256M");
	ASSERT_STREQ(joined_or(P->command),
		     "kernel-install add 6.12.0-1-amd64 /usr/lib/modules/6.12.0-1-amd64/vmlinuz");
	ASSERT_STREQ(rfile("etc/kernel/cmdline"), "root=UUID=abcd ro quiet\n");
	ASSERT_OK(kdump_bootloader_apply(root, P, fake_runner, &f, &e));
	ASSERT_STREQ(rfile("etc/kernel/cmdline"), "root=UUID=abcd ro quiet crashkernel=256M\n");
	ASSERT_OK(stat(p, &st));
	ASSERT_EQ_INT(st.st_mode & 07777, 0600); /* the file's mode is kept */
	ASSERT_EQ_INT(count_entries("etc/kernel"), 1);
	ASSERT_STREQ(f.log, "kernel-install add 6.12.0-1-amd64 /usr/lib/modules/6.12.0-1-amd64/vmlinuz\n");

	/* Ours (the state says so): replaced without force. Not known to be ours: refused. */
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "384M", .ours = "256M" }, &e));
	ASSERT_STREQ(P->changes[0].new_line, "root=UUID=abcd ro quiet crashkernel=384M");
	ASSERT_TRUE(P->command == NULL && P->current_ours);
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = "384M" }, &e), -EEXIST);
	ASSERT_STREQ(e.message, "crashkernel=256M is already set in /etc/kernel/cmdline, and not "
		     "by kdumpctl: leaving it alone; change it there, or pass --force to replace it");
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "384M", .force = true }, &e));
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "256M" }, &e));
	ASSERT_TRUE(P->unchanged); /* already so, whoever set it */
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = NULL, .ours = "256M" }, &e));
	ASSERT_STREQ(P->changes[0].new_line, "root=UUID=abcd ro quiet");
	free(f.log);

	/* No /etc/kernel/cmdline yet (systemd-boot): it starts from the running command line. */
	new_root();
	wfile("efi/loader/loader.conf", "timeout 3\n");
	wfile("etc/hostname", "test\n"); /* /etc exists, /etc/kernel does not */
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = "256M" }, &e), -EINVAL);
	ASSERT_OK(plan((KdumpBootloaderRequest){
			       .value = "256M",
			       .proc_cmdline = "BOOT_IMAGE=/vmlinuz-6.12 root=/dev/vda1 ro "
					       "crashkernel=128M quiet initrd=\\initrd.img\n" }, &e));
	ASSERT_TRUE(P->changes[0].old_line == NULL);
	ASSERT_STREQ(P->changes[0].new_content, "root=/dev/vda1 ro quiet crashkernel=256M\n");
	ASSERT_OK(kdump_bootloader_apply(root, P, NULL, NULL, &e));
	ASSERT_STREQ(rfile("etc/kernel/cmdline"), "root=/dev/vda1 ro quiet crashkernel=256M\n");
	/* /usr/lib/kernel/cmdline, when there is one, comes before /proc/cmdline. */
	new_root();
	wfile("usr/lib/kernel/cmdline", "root=/dev/sda2 rw\n");
	ASSERT_OK(plan((KdumpBootloaderRequest){ .value = "256M,high", .proc_cmdline = "x" }, &e));
	ASSERT_STREQ(P->changes[0].new_line, "root=/dev/sda2 rw crashkernel=256M,high");

	/* A symbolic link is not followed, for reading or writing. */
	new_root();
	wfile("etc/kernel/target", "root=/dev/vda1 crashkernel=1G\n");
	snprintf(p, sizeof(p), "%s/etc/kernel/cmdline", root);
	ASSERT_OK(symlink("target", p));
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .bootloader = KDUMP_BOOTLOADER_KERNEL_CMDLINE,
						     .value = "256M" }, &e), -ELOOP);
	ASSERT_STREQ(e.message, "'/etc/kernel/cmdline' is a symbolic link: not following it");
}

static const char grubby_info[] =
	"index=0\n"
	"kernel=\"/boot/vmlinuz-6.8.5-301.fc40.x86_64\"\n"
	"args=\"ro rootflags=subvol=root rhgb quiet %s\"\n"
	"root=\"UUID=1234\"\n"
	"initrd=\"/boot/initramfs-6.8.5-301.fc40.x86_64.img\"\n"
	"title=\"Fedora Linux (6.8.5-301.fc40.x86_64) 40\"\n"
	"index=1\n"
	"kernel=\"/boot/vmlinuz-0-rescue-abc\"\n"
	"args=\"ro rootflags=subvol=root rhgb quiet %s\"\n"
	"index=2\n"
	"non linux entry\n";

static int grubby_plan(Fake *f, const char *a, const char *b, KdumpBootloaderRequest req,
		       KdumpError *e)
{
	static char out[2048];

	snprintf(out, sizeof(out), grubby_info, a, b);
	f->output = out;
	req.bootloader = KDUMP_BOOTLOADER_GRUBBY;
	req.runner = fake_runner;
	req.userdata = f;
	return plan(req, e);
}

TEST(grubby)
{
	KdumpError e = { 0 };
	Fake f = { 0 };

	new_root();
	ASSERT_OK(grubby_plan(&f, "", "", (KdumpBootloaderRequest){ .value = "256M" }, &e));
	ASSERT_STREQ(joined_or(P->command), "grubby --update-kernel=ALL --args=crashkernel=256M");
	ASSERT_EQ_INT(P->n_changes, 0);
	ASSERT_STREQ(f.log, "grubby --info=ALL\n"); /* planning only asks */
	ASSERT_OK(kdump_bootloader_apply(root, P, fake_runner, &f, &e));
	ASSERT_STREQ(f.log, "grubby --info=ALL\ngrubby --update-kernel=ALL --args=crashkernel=256M\n");

	/* Fedora's default table, set by the installer: not ours. */
	ASSERT_EQ_INT(grubby_plan(&f, "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M", "",
				  (KdumpBootloaderRequest){ .value = "256M" }, &e), -EEXIST);
	ASSERT_STREQ(e.message, "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M is already set in the "
		     "boot entries (grubby --info=ALL), and not by kdumpctl: leaving it alone; "
		     "change it there, or pass --force to replace it");
	ASSERT_OK(grubby_plan(&f, "crashkernel=1G-4G:192M,4G-64G:256M,64G-:512M", "",
			      (KdumpBootloaderRequest){ .value = "256M", .force = true }, &e));
	ASSERT_STREQ(joined_or(P->command), "grubby --update-kernel=ALL --args=crashkernel=256M");
	/* Ours everywhere: change it; already the value everywhere: nothing to do. */
	ASSERT_OK(grubby_plan(&f, "crashkernel=256M", "crashkernel=256M",
			      (KdumpBootloaderRequest){ .value = "384M", .ours = "256M" }, &e));
	ASSERT_STREQ(joined_or(P->command), "grubby --update-kernel=ALL --args=crashkernel=384M");
	ASSERT_OK(grubby_plan(&f, "crashkernel=256M", "crashkernel=256M",
			      (KdumpBootloaderRequest){ .value = "256M" }, &e));
	ASSERT_TRUE(P->unchanged && P->command == NULL);
	/* ,high and ,low pairs are removed before the new value goes in. */
	ASSERT_OK(grubby_plan(&f, "crashkernel=512M,high crashkernel=72M,low", "",
			      (KdumpBootloaderRequest){ .value = "256M", .force = true }, &e));
	ASSERT_STREQ(joined_or(P->command), "grubby --update-kernel=ALL --remove-args=crashkernel "
		     "--args=crashkernel=256M");
	/* Removal. */
	ASSERT_OK(grubby_plan(&f, "crashkernel=256M", "",
			      (KdumpBootloaderRequest){ .value = NULL, .ours = "256M" }, &e));
	ASSERT_STREQ(joined_or(P->command), "grubby --update-kernel=ALL --remove-args=crashkernel");
	ASSERT_OK(grubby_plan(&f, "", "", (KdumpBootloaderRequest){ .value = NULL }, &e));
	ASSERT_TRUE(P->unchanged);
	/* A failing command. */
	ASSERT_OK(grubby_plan(&f, "", "", (KdumpBootloaderRequest){ .value = "256M" }, &e));
	f.status = 3;
	ASSERT_EQ_INT(kdump_bootloader_apply(root, P, fake_runner, &f, &e), -EIO);
	ASSERT_STREQ(e.message, "'grubby --update-kernel=ALL --args=crashkernel=256M' failed with "
		     "status 3; the files are written, run it again once the problem is fixed");
	f.output = "";
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .bootloader = KDUMP_BOOTLOADER_GRUBBY,
						     .value = "256M", .runner = fake_runner,
						     .userdata = &f }, &e), -ENOENT);
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .bootloader = KDUMP_BOOTLOADER_GRUBBY,
						     .value = "256M" }, &e), -EINVAL);
	free(f.log);
}

TEST(bad_values)
{
	KdumpError e = { 0 };

	new_root();
	wfile("etc/kernel/cmdline", "root=/dev/vda1\n");
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = "auto" }, &e), -EINVAL);
	ASSERT_STREQ(e.message, "crashkernel=auto is not a size (mainline kernels ignore it): write "
		     "the estimate's size instead");
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = "256" }, &e), -EINVAL);
	ASSERT_STREQ(e.message, "crashkernel=: '256': the size '256' has no unit, so the kernel "
		     "would read bytes; did you mean 256M?");
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = "72M,low" }, &e), -EINVAL);
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = "256M quiet" }, &e), -EINVAL);
	ASSERT_EQ_INT(plan((KdumpBootloaderRequest){ .value = "$(reboot)" }, &e), -EINVAL);
	ASSERT_STREQ(rfile("etc/kernel/cmdline"), "root=/dev/vda1\n");
}

TEST(edits)
{
	static const struct {
		const char *in, *out;
	} lines[] = {
		{ "GRUB_CMDLINE_LINUX=\"crashkernel=256M\"", "GRUB_CMDLINE_LINUX=\"\"" },
		{ "GRUB_CMDLINE_LINUX=crashkernel=256M", "GRUB_CMDLINE_LINUX=" },
		{ "  GRUB_CMDLINE_LINUX_DEFAULT=\"crashkernel=1G quiet crashkernel=2G,high splash\"",
		  "  GRUB_CMDLINE_LINUX_DEFAULT=\"quiet splash\"" },
		{ "GRUB_CMDLINE_LINUX=\"xcrashkernel=1G\"", "GRUB_CMDLINE_LINUX=\"xcrashkernel=1G\"" },
		{ "GRUB_TIMEOUT=crashkernel=5", "GRUB_TIMEOUT=crashkernel=5" },
	};
	char *s;

	for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
		ASSERT_OK(grub_line_remove_crashkernel(lines[i].in, &s));
		ASSERT_STREQ(s, lines[i].out);
		free(s);
	}
	ASSERT_OK(cmdline_set_crashkernel("a  \"b c\"\tcrashkernel=1G d", "2G", false, &s));
	ASSERT_STREQ(s, "a \"b c\" d crashkernel=2G");
	free(s);
	ASSERT_OK(cmdline_crashkernel_values("crashkernel=1G x \"crashkernel=2G,high\"", &s));
	ASSERT_STREQ(s, "1G 2G,high");
	free(s);
	ASSERT_OK(text_replace_line("a\nb\nc", 3, "C", &s));
	ASSERT_STREQ(s, "a\nb\nC\n");
	free(s);
	ASSERT_OK(text_replace_line("a\nb\nc\n", 2, NULL, &s));
	ASSERT_STREQ(s, "a\nc\n");
	free(s);
	ASSERT_EQ_INT(text_replace_line("a\n", 2, "x", &s), -EINVAL);
}

TEST(cleanup)
{
	kdump_bootloader_plan_free(P);
	P = NULL;
	new_root();
	rmdir(root);
}

RUN_TESTS(T(detect), T(debian_set_change_remove), T(debian_admin_value_preserved),
	  T(kernel_cmdline), T(grubby), T(bad_values), T(edits), T(cleanup))
