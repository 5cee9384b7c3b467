/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * kdump-save: the capture agent (docs/kdump-save.md). Parses the command line and kdump.conf,
 * prints what libkdump-save says to stderr and /dev/kmsg, and exits with its code.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "kdump-config.h"
#include "ksave.h"
#include "macro.h"
#include "parse-util.h"

struct console {
	int kmsg;
	bool verbose;
};

static void console_message(int level, const char *text, void *userdata)
{
	const struct console *c = userdata;

	if (level >= KSAVE_LOG_DEBUG && !c->verbose)
		return;
	fprintf(stderr, "kdump-save: %s\n", text);
	/*
	 * The kernel lets 10 lines per 5 s through /dev/kmsg: the progress stays on stderr, the
	 * kernel log gets what matters (where it goes, warnings, errors, the final line).
	 */
	if (c->kmsg >= 0 && level <= KSAVE_LOG_NOTICE) {
		/* one write() per record (dprintf() seeks first, which /dev/kmsg refuses) */
		char buf[1024];
		int n = snprintf(buf, sizeof(buf), "<%d>kdump-save: %s\n", level, text);
		if (n > 0)
			(void)!write(c->kmsg, buf, (size_t)MIN(n, (int)sizeof(buf) - 1));
	}
}

static void usage(FILE *f)
{
	fputs("Usage: kdump-save [OPTIONS]\n"
	      "       kdump-save --recover-raw DEVICE [--to DIR] [OPTIONS]\n"
	      "\n"
	      "Save the crashed kernel's memory (/proc/vmcore) as kdump.conf says: in the capture\n"
	      "initramfs, run by the kdump capture unit. Then final_action or failure_action.\n"
	      "With --recover-raw: save a dump left on a raw target into 'path' and clear it.\n"
	      "\n"
	      "  --config FILE          kdump.conf (default: " KDUMP_CONFIG_PATH ")\n"
	      "  --vmcore FILE          the dump to save (default: /proc/vmcore)\n"
	      "  --root DIR             where the root filesystem is mounted (default: mount\n"
	      "                         the kernel command line's root=)\n"
	      "  --no-action            do not reboot, halt, power off or start a shell\n"
	      "  --hook-timeout SECS    for kdump_pre and kdump_post (default: 300)\n"
	      "  --device-timeout SECS  wait so long for the target device (default: 60)\n"
	      "  --net-timeout SECS     wait so long for an ssh or nfs server (default: 180)\n"
	      "  --known-hosts FILE     the ssh server's pinned host key (default:\n"
	      "                         /var/lib/kdump-suite/known_hosts)\n"
	      "  --quick-verify         check the saved dump's headers only, not every page\n"
	      "  --run-dir DIR          for private mount points (default: /run/kdump-save)\n"
	      "  --proc DIR             procfs (default: /proc)\n"
	      "  --no-kmsg              messages to stderr only, not also to /dev/kmsg\n"
	      "  --recover-raw DEVICE   save the dump pending on a raw device\n"
	      "  --to DIR               ... into DIR below --root (default: kdump.conf's path)\n"
	      "  --keep-device          ... and do not clear the device\n"
	      "  -v, --verbose          debugging messages too\n"
	      "  -h, --help             this text\n"
	      "  -V, --version          the version\n"
	      "\n"
	      "Exit status: 0 saved and verified, 1 failed, 2 usage, 3 incomplete dump, 4 only\n"
	      "vmcore-dmesg.txt (no space), 5 saved by failure_action dump_to_rootfs.\n", f);
}

enum {
	OPT_CONFIG = 0x100, OPT_VMCORE, OPT_ROOT, OPT_NO_ACTION, OPT_HOOK_TIMEOUT,
	OPT_DEVICE_TIMEOUT, OPT_QUICK, OPT_RUN_DIR, OPT_PROC, OPT_NO_KMSG, OPT_RECOVER, OPT_TO,
	OPT_KEEP_DEVICE, OPT_NET_TIMEOUT, OPT_KNOWN_HOSTS,
};

struct args {
	KsaveOptions o;
	const char *config, *recover, *to;
	bool no_kmsg, verbose, keep_device;
};

static int parse_seconds(const char *s, unsigned *ret)
{
	uint32_t u;

	if (safe_atou32(s, 10, &u) < 0 || u > 86400)
		return -EINVAL;
	*ret = u;
	return 0;
}

static int parse_args(int argc, char **argv, struct args *a)
{
	static const struct option opts[] = {
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "vmcore", required_argument, NULL, OPT_VMCORE },
		{ "root", required_argument, NULL, OPT_ROOT },
		{ "no-action", no_argument, NULL, OPT_NO_ACTION },
		{ "hook-timeout", required_argument, NULL, OPT_HOOK_TIMEOUT },
		{ "device-timeout", required_argument, NULL, OPT_DEVICE_TIMEOUT },
		{ "quick-verify", no_argument, NULL, OPT_QUICK },
		{ "run-dir", required_argument, NULL, OPT_RUN_DIR },
		{ "proc", required_argument, NULL, OPT_PROC },
		{ "no-kmsg", no_argument, NULL, OPT_NO_KMSG },
		{ "recover-raw", required_argument, NULL, OPT_RECOVER },
		{ "to", required_argument, NULL, OPT_TO },
		{ "keep-device", no_argument, NULL, OPT_KEEP_DEVICE },
		{ "net-timeout", required_argument, NULL, OPT_NET_TIMEOUT },
		{ "known-hosts", required_argument, NULL, OPT_KNOWN_HOSTS },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{}
	};
	int c;

	a->config = KDUMP_CONFIG_PATH;
	a->o.device_timeout = 60;
	while ((c = getopt_long(argc, argv, "vhV", opts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG: a->config = optarg; break;
		case OPT_VMCORE: a->o.vmcore = optarg; break;
		case OPT_ROOT: a->o.root = optarg; break;
		case OPT_NO_ACTION: a->o.no_action = true; break;
		case OPT_HOOK_TIMEOUT:
			if (parse_seconds(optarg, &a->o.hook_timeout) < 0 || !a->o.hook_timeout) {
				fprintf(stderr, "kdump-save: --hook-timeout: '%s' is not 1..86400 "
					"seconds\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_DEVICE_TIMEOUT:
			if (parse_seconds(optarg, &a->o.device_timeout) < 0) {
				fprintf(stderr, "kdump-save: --device-timeout: '%s' is not 0..86400 "
					"seconds\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_NET_TIMEOUT:
			if (parse_seconds(optarg, &a->o.net_timeout) < 0 || !a->o.net_timeout) {
				fprintf(stderr, "kdump-save: --net-timeout: '%s' is not 1..86400 "
					"seconds\n", optarg);
				return -EINVAL;
			}
			break;
		case OPT_KNOWN_HOSTS: a->o.known_hosts = optarg; break;
		case OPT_QUICK: a->o.quick_verify = true; break;
		case OPT_RUN_DIR: a->o.run_dir = optarg; break;
		case OPT_PROC: a->o.proc = optarg; break;
		case OPT_NO_KMSG: a->no_kmsg = true; break;
		case OPT_RECOVER: a->recover = optarg; break;
		case OPT_TO: a->to = optarg; break;
		case OPT_KEEP_DEVICE: a->keep_device = true; break;
		case 'v': a->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case 'V': printf("kdump-save %s\n", PROJECT_VERSION); exit(0);
		default:
			fprintf(stderr, "kdump-save: see --help\n");
			return -EINVAL;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "kdump-save: unexpected argument '%s' (see --help)\n", argv[optind]);
		return -EINVAL;
	}
	if (a->to && a->to[0] != '/') {
		fprintf(stderr, "kdump-save: --to needs an absolute directory\n");
		return -EINVAL;
	}
	return 0;
}

/* The configuration; its problems on the console. Errors: the defaults, so a dump is saved. */
static KdumpConfig *load_config(const char *path, const KsaveCallbacks *cb)
{
	KdumpConfig *cfg = NULL;
	KdumpDiags diags;
	int r;

	kdump_diags_init(&diags);
	r = kdump_config_parse_file(path, true, &cfg, &diags);
	for (size_t i = 0; i < diags.n; i++) {
		char *text = NULL, *save = NULL;
		if (kdump_diag_format(&diags.items[i], &text) < 0)
			continue;
		for (char *line = strtok_r(text, "\n", &save); line;
		     line = strtok_r(NULL, "\n", &save))
			cb->message(diags.items[i].severity == KDUMP_SEVERITY_ERROR ?
				    KSAVE_LOG_ERR : KSAVE_LOG_WARNING, line, cb->userdata);
		free(text);
	}
	kdump_diags_done(&diags);
	if (r < 0) {
		cb->message(KSAVE_LOG_ERR, "error: the configuration cannot be used: saving with the "
			    "defaults (path /var/crash on the root filesystem)", cb->userdata);
		if (kdump_config_new(&cfg) < 0)
			return NULL;
	}
	return cfg;
}

static int recover(const struct args *a, const KdumpConfig *cfg, const KsaveCallbacks *cb)
{
	KsaveRecoverOptions ro = {
		.device = a->recover,
		.root = a->o.root,
		.dir = a->to ? a->to : cfg->path,
		.keep_old_dumps = cfg->keep_old_dumps,
		.min_free_space = cfg->min_free_space,
		.keep_device = a->keep_device,
		.quick_verify = a->o.quick_verify,
		.cb = cb,
	};
	KsaveResult res;
	int r, code;

	r = ksave_raw_recover(&ro, &res);
	if (r < 0) {
		fprintf(stderr, "kdump-save: %s\n", strerror(-r));
		return KSAVE_EXIT_FAILED;
	}
	if (res.status == KSAVE_STATUS_NONE)
		fprintf(stderr, "kdump-save: no dump is pending on %s\n", a->recover);
	code = res.exit_code;
	ksave_result_done(&res);
	return code;
}

int main(int argc, char **argv)
{
	struct args a = {};
	struct console con = { .kmsg = -1 };
	KsaveCallbacks cb = { .message = console_message, .userdata = &con };
	KsaveResult res;
	KdumpConfig *cfg;
	int r, code;

	if (parse_args(argc, argv, &a) < 0)
		return KSAVE_EXIT_USAGE;
	con.verbose = a.verbose;
	if (!a.no_kmsg)
		con.kmsg = open("/dev/kmsg", O_WRONLY | O_CLOEXEC | O_NOCTTY);
	cfg = load_config(a.config, &cb);
	if (!cfg) {
		fprintf(stderr, "kdump-save: out of memory\n");
		return KSAVE_EXIT_FAILED;
	}
	if (a.recover) {
		code = recover(&a, cfg, &cb);
		kdump_config_free(cfg);
		return code;
	}
	a.o.config = cfg;
	a.o.config_path = a.config;
	a.o.cb = &cb;
	r = ksave_run(&a.o, &res);
	kdump_config_free(cfg);
	if (r < 0) {
		fprintf(stderr, "kdump-save: %s\n", strerror(-r));
		return KSAVE_EXIT_FAILED;
	}
	code = res.exit_code;
	ksave_result_done(&res);
	return code;
}
