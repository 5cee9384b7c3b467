/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * kdump.conf inputs and the exact diagnostics the parser must give for them (test-config.c):
 * each error with FILE:LINE and its hint, warnings that do not fail the file, and files with
 * several problems, all reported.
 */
#include <errno.h>
#include <stddef.h>

static const struct {
	const char *text;
	int r;
	const char *expect;
} error_cases[] = {
	{ "core_colector makedumpfile-lite\n", -EINVAL,
	  "kdump.conf:1: error: unknown directive 'core_colector'\n"
	  "kdump.conf:1: hint: did you mean 'core_collector'?" },
	{ "# x\npth /var/crash\n", -EINVAL,
	  "kdump.conf:2: error: unknown directive 'pth'\nkdump.conf:2: hint: did you mean 'path'?" },
	{ "Final_action halt\n", -EINVAL,
	  "kdump.conf:1: error: unknown directive 'Final_action'\n"
	  "kdump.conf:1: hint: did you mean 'final_action'?" },
	{ "frobnicate 1\n", -EINVAL,
	  "kdump.conf:1: error: unknown directive 'frobnicate'\n"
	  "kdump.conf:1: hint: kdump.conf(5) lists the directives" },
	{ "path\n", -EINVAL,
	  "kdump.conf:1: error: 'path' needs a value\nkdump.conf:1: hint: usage: path DIRECTORY" },
	{ "path /a /b\n", -EINVAL,
	  "kdump.conf:1: error: 'path' takes one value, not 2\n"
	  "kdump.conf:1: hint: usage: path DIRECTORY; quote a value with spaces" },
	{ "path var/crash\n", -EINVAL,
	  "kdump.conf:1: error: var/crash: the path must be absolute\n"
	  "kdump.conf:1: hint: write an absolute path such as '/var/crash'; with a target "
	  "filesystem it is taken from that filesystem's root" },
	{ "path /var/../crash\n", -EINVAL,
	  "kdump.conf:1: error: /var/../crash: the path has '.', '..' or empty components\n"
	  "kdump.conf:1: hint: write the path without '.', '..' or '//'" },
	{ "ext4 /tmp/disk\n", -EINVAL,
	  "kdump.conf:1: error: /tmp/disk: the device is not under /dev\n"
	  "kdump.conf:1: hint: name a block device under /dev, or use UUID=, LABEL=, PARTUUID= or "
	  "PARTLABEL=" },
	{ "ext4 uuid=1234\n", -EINVAL,
	  "kdump.conf:1: error: uuid=1234: unknown device tag\n"
	  "kdump.conf:1: hint: tags are upper case: UUID=, LABEL=, PARTUUID=, PARTLABEL=" },
	{ "xfs UUID=xyz\n", -EINVAL,
	  "kdump.conf:1: error: UUID=xyz: a UUID has only hexadecimal digits and '-'\n"
	  "kdump.conf:1: hint: 'blkid' shows the UUIDs of the filesystems" },
	{ "btrfs LABEL=\n", -EINVAL, "kdump.conf:1: error: LABEL=: the device tag has no value" },
	{ "raw sdb\n", -EINVAL,
	  "kdump.conf:1: error: sdb: the device is neither a /dev path nor TAG=value\n"
	  "kdump.conf:1: hint: write /dev/NAME, UUID=..., LABEL=..., PARTUUID=... or PARTLABEL=..." },
	{ "ext3 /dev/sda1\n", -EINVAL,
	  "kdump.conf:1: error: ext3 filesystems are mounted with the ext4 driver\n"
	  "kdump.conf:1: hint: write 'ext4 DEVICE'" },
	{ "virtiofs tag\n", -EINVAL,
	  "kdump.conf:1: error: virtiofs dump targets are not supported\n"
	  "kdump.conf:1: hint: use ext4, xfs or btrfs" },
	{ "ext4 /dev/sda1\nraw /dev/sdb\n", -EINVAL,
	  "kdump.conf:2: error: a second dump target 'raw' (the first, 'ext4', is on line 1)\n"
	  "kdump.conf:2: hint: kdump saves to one target: remove one of the lines" },
	/* network targets (accepted since they are supported) */
	{ "ssh kdump@dumps.example.com\n", 0, "" },
	{ "ssh kdump@dumps.example.com:2222\nsshkey /etc/kdump/id\n", 0, "" },
	{ "ssh kdump@[fd00::1]:2222\n", 0, "" },
	{ "nfs [fd00::1]:/export/crash\n", 0, "" },
	{ "ssh kdump@host:0\n", -EINVAL,
	  "kdump.conf:1: error: kdump@host:0: the ssh target is not USER@HOST[:PORT]\n"
	  "kdump.conf:1: hint: write USER@HOST or USER@HOST:PORT, e.g. 'ssh kdump@dumps.example.com'" },
	{ "ssh kdump@host:22x\n", -EINVAL,
	  "kdump.conf:1: error: kdump@host:22x: the ssh target is not USER@HOST[:PORT]\n"
	  "kdump.conf:1: hint: write USER@HOST or USER@HOST:PORT, e.g. 'ssh kdump@dumps.example.com'" },
	{ "ssh kdump@-oProxyCommand=x\n", -EINVAL,
	  "kdump.conf:1: error: kdump@-oProxyCommand=x: the ssh target is not USER@HOST\n"
	  "kdump.conf:1: hint: write USER@HOST or USER@HOST:PORT, e.g. 'ssh kdump@dumps.example.com'" },
	{ "ssh kdump@dumps\nsshkey id_ed25519\n", -EINVAL,
	  "kdump.conf:2: error: id_ed25519: the key file must be an absolute path" },
	{ "ssh kdump@dumps\nkeep_old_dumps 3\n", 0,
	  "kdump.conf:2: warning: keep_old_dumps and min_free_space are not applied on an ssh server\n"
	  "kdump.conf:2: hint: clean up old dumps on the server itself" },
	{ "nfs dumps:/x\nkeep_old_dumps 3\nmin_free_space 1G\nfailure_action dump_to_rootfs\n", 0, "" },
	{ "nfs dumps.example.com\n", -EINVAL,
	  "kdump.conf:1: error: dumps.example.com: the nfs target is not HOST:/EXPORT\n"
	  "kdump.conf:1: hint: write HOST:/EXPORT, e.g. 'nfs dumps.example.com:/export/crash'" },
	{ "ssh @host\n", -EINVAL,
	  "kdump.conf:1: error: @host: the ssh target is not USER@HOST\n"
	  "kdump.conf:1: hint: write USER@HOST or USER@HOST:PORT, e.g. 'ssh kdump@dumps.example.com'" },
	{ "sshkey /root/.ssh/kdump_id_rsa\n", 0,
	  "kdump.conf:1: warning: sshkey is used only with an ssh target\n"
	  "kdump.conf:1: hint: remove the line, or name the server with 'ssh USER@HOST'" },
	{ "core_collector cp --sparse=always\n", -EINVAL,
	  "kdump.conf:1: error: core_collector must run makedumpfile-lite (or makedumpfile, its "
	  "alias), not 'cp'\n"
	  "kdump.conf:1: hint: e.g. 'core_collector makedumpfile-lite -z -d 31'; the capture agent "
	  "runs the collector itself, so cp, dd and scp are not used" },
	{ "core_collector makedumpfile -d 31 | gzip\n", -EINVAL,
	  "kdump.conf:1: error: 'core_collector' is run without a shell, but '|' has shell syntax "
	  "('|')\n"
	  "kdump.conf:1: hint: quote the character, or ask for a shell: core_collector sh -c '...'" },
	{ "kdump_post /bin/echo done >/dev/kmsg\n", -EINVAL,
	  "kdump.conf:1: error: 'kdump_post' is run without a shell, but '>/dev/kmsg' has shell "
	  "syntax ('>')\n"
	  "kdump.conf:1: hint: quote the character, or ask for a shell: kdump_post sh -c '...'" },
	{ "kdump_pre bin/pre\n", -EINVAL,
	  "kdump.conf:1: error: bin/pre: the program is a relative path\n"
	  "kdump.conf:1: hint: write an absolute path, or a bare name looked up in PATH" },
	{ "kdump_post sh -c 'echo \"unterminated\n", -EINVAL,
	  "kdump.conf:1: error: unterminated single quote" },
	{ "path \"/var/crash\n", -EINVAL, "kdump.conf:1: error: unterminated double quote" },
	{ "path /var/crash\\\n", -EINVAL,
	  "kdump.conf:1: error: backslash at the end of the line (lines do not continue)" },
	{ "failure_action rebot\n", -EINVAL,
	  "kdump.conf:1: error: 'rebot' is not a failure_action\n"
	  "kdump.conf:1: hint: did you mean 'reboot'?" },
	{ "failure_action explode\n", -EINVAL,
	  "kdump.conf:1: error: 'explode' is not a failure_action\n"
	  "kdump.conf:1: hint: failure_action is reboot, halt, poweroff, shell or dump_to_rootfs" },
	{ "final_action shell\n", -EINVAL,
	  "kdump.conf:1: error: 'shell' is not a final_action\n"
	  "kdump.conf:1: hint: final_action is reboot, halt or poweroff; 'shell' is a failure_action" },
	{ "final_action dump_to_rootfs\n", -EINVAL,
	  "kdump.conf:1: error: 'dump_to_rootfs' is not a final_action\n"
	  "kdump.conf:1: hint: final_action is reboot, halt or poweroff; 'dump_to_rootfs' is a "
	  "failure_action" },
	{ "default shell\nfailure_action reboot\n", -EINVAL,
	  "kdump.conf:1: warning: 'default' is the old name of 'failure_action'\n"
	  "kdump.conf:1: hint: write 'failure_action shell'\n"
	  "kdump.conf:2: error: 'failure_action' is set again (first on line 1)\n"
	  "kdump.conf:2: hint: remove one of the lines" },
	{ "failure_action reboot\n\ndefault shell\n", -EINVAL,
	  "kdump.conf:3: error: 'default' sets failure_action again (first on line 1)\n"
	  "kdump.conf:3: hint: remove one of the lines" },
	{ "path /a\npath /b\n", -EINVAL,
	  "kdump.conf:2: error: 'path' is set again (first on line 1)\n"
	  "kdump.conf:2: hint: remove one of the lines" },
	{ "force_rebuild 1\nforce_no_rebuild 1\n", -EINVAL,
	  "kdump.conf:2: error: force_rebuild 1 and force_no_rebuild 1 contradict each other\n"
	  "kdump.conf:2: hint: keep one of them" },
	{ "force_rebuild maybe\n", -EINVAL,
	  "kdump.conf:1: error: force_rebuild takes 0 or 1, not 'maybe'\n"
	  "kdump.conf:1: hint: write 'force_rebuild 1' or 'force_rebuild 0'" },
	{ "keep_old_dumps -1\n", -EINVAL,
	  "kdump.conf:1: error: keep_old_dumps: '-1' is not a number of dumps\n"
	  "kdump.conf:1: hint: a count such as 'keep_old_dumps 3', or 'all' to delete nothing" },
	{ "keep_old_dumps 4294967295\n", -EINVAL,
	  "kdump.conf:1: error: keep_old_dumps: '4294967295' is not a number of dumps\n"
	  "kdump.conf:1: hint: a count such as 'keep_old_dumps 3', or 'all' to delete nothing" },
	{ "min_free_space lots\n", -EINVAL,
	  "kdump.conf:1: error: min_free_space: 'lots' is not a size\n"
	  "kdump.conf:1: hint: a size with a unit, e.g. 'min_free_space 2G'" },
	{ "min_free_space 99999999999P\n", -EINVAL,
	  "kdump.conf:1: error: min_free_space: '99999999999P' is too large\n"
	  "kdump.conf:1: hint: a size with a unit, e.g. 'min_free_space 2G'" },
	{ "extra_modules ext4.ko\n", -EINVAL,
	  "kdump.conf:1: error: ext4.ko: not a module name\n"
	  "kdump.conf:1: hint: write the module name without '.ko', as modprobe takes it" },
	{ "extra_bins ./tool\n", -EINVAL,
	  "kdump.conf:1: error: ./tool: the program is a relative path\n"
	  "kdump.conf:1: hint: write an absolute path, or a bare name looked up in PATH" },
	{ "dracut_args --mount \"/dev/sdb /mnt ext4\"\n", -EINVAL,
	  "kdump.conf:1: error: --mount: dracut_args --mount is not supported as a way to name the "
	  "dump target\n"
	  "kdump.conf:1: hint: name the target with 'ext4 DEVICE', 'xfs DEVICE' or 'btrfs DEVICE'" },
	{ "kdump_emergency /bin/x\n", -EINVAL,
	  "kdump.conf:1: error: kdump_emergency is not supported\n"
	  "kdump.conf:1: hint: kdump_post runs after every attempt and gets its result; "
	  "'failure_action shell' gives a shell" },
	{ "fence_kdump_nodes node1\n", -EINVAL, "kdump.conf:1: error: fence_kdump is not supported" },
	{ "net user@host\n", -EINVAL,
	  "kdump.conf:1: error: 'net' is obsolete (Fedora's kdump dropped it too)\n"
	  "kdump.conf:1: hint: network targets are 'ssh USER@HOST' and 'nfs HOST:/EXPORT'" },
	/* Warnings only: the file is accepted. */
	{ "auto_reset_crashkernel yes\n", 0,
	  "kdump.conf:1: warning: auto_reset_crashkernel is ignored: kdumpctl never changes "
	  "crashkernel= on its own\n"
	  "kdump.conf:1: hint: 'kdumpctl crashkernel --set auto' writes the estimate for the next "
	  "boot; remove this line to silence the warning" },
	{ "failure_action dump_to_rootfs\n", 0,
	  "kdump.conf:1: warning: failure_action dump_to_rootfs adds nothing: the dump already goes "
	  "to the root filesystem\n"
	  "kdump.conf:1: hint: choose reboot, halt, poweroff or shell" },
	{ "default dump_to_rootfs\next4 /dev/vdb\n", 0,
	  "kdump.conf:1: warning: 'default' is the old name of 'failure_action'\n"
	  "kdump.conf:1: hint: write 'failure_action dump_to_rootfs'" },
	/* Every problem of a file is reported, each on its own line. */
	{ "pth /x\nfailure_action rebot\nssh a@b\nraw /dev/sdb\n", -EINVAL,
	  "kdump.conf:1: error: unknown directive 'pth'\nkdump.conf:1: hint: did you mean 'path'?\n"
	  "kdump.conf:2: error: 'rebot' is not a failure_action\n"
	  "kdump.conf:2: hint: did you mean 'reboot'?\n"
	  "kdump.conf:4: error: a second dump target 'raw' (the first, 'ssh', is on line 3)\n"
	  "kdump.conf:4: hint: kdump saves to one target: remove one of the lines" },
};
