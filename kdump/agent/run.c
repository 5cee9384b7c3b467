/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * ksave_run(): the whole capture.
 *   kdump_pre -> the target (or raw device) -> on failure, dump_to_rootfs if asked -> kdump_post
 *   -> the final line -> logs closed, filesystems unmounted -> final_action or failure_action.
 * A broken core_collector falls back on the default options: losing the dump over an option
 * would be the worst outcome.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "internal.h"
#include "kdump-util.h"

static const char *const status_names[_KSAVE_STATUS_MAX] = {
	[KSAVE_STATUS_NONE] = "none",
	[KSAVE_STATUS_SAVED] = "saved",
	[KSAVE_STATUS_INCOMPLETE] = "incomplete",
	[KSAVE_STATUS_DMESG_ONLY] = "dmesg-only",
	[KSAVE_STATUS_FAILED] = "failed",
};

const char *ksave_status_to_string(KsaveStatus s)
{
	return (unsigned)s < _KSAVE_STATUS_MAX ? status_names[s] : "unknown";
}

void ksave_result_done(KsaveResult *r)
{
	free(r->dir);
	free(r->file);
	r->dir = r->file = NULL;
}

static void setup_collector(struct ksave *k)
{
	static const char *const fallback[] = { "makedumpfile-lite", "-z", "-d", "31", NULL };
	bool stream = k->cfg->target == KDUMP_TARGET_RAW || k->cfg->target == KDUMP_TARGET_SSH;
	struct mdl_options mo;

	if (ksave_collector_options(&k->log, k->cfg->core_collector, k->vmcore,
				    stream ? NULL : "vmcore", &mo) == 0 &&
	    kdump_strv_copy(k->cfg->core_collector, &k->collector) == 0) {
		k->dump_level = mo.dump_level;
		return;
	}
	klog(&k->log, KSAVE_LOG_WARNING, "using the default collector options instead: -z -d 31");
	kdump_strv_free(k->collector);
	k->collector = NULL;
	(void)kdump_strv_copy((char *const *)fallback, &k->collector);
	k->dump_level = 31;
}

static int rank(KsaveStatus s)
{
	return s == KSAVE_STATUS_SAVED ? 3 : s == KSAVE_STATUS_INCOMPLETE ? 2 :
	       s == KSAVE_STATUS_DMESG_ONLY ? 1 : 0;
}

static int exit_code(const KsaveResult *r)
{
	switch (r->status) {
	case KSAVE_STATUS_SAVED:
		return r->fallback ? KSAVE_EXIT_FALLBACK : KSAVE_EXIT_SAVED;
	case KSAVE_STATUS_INCOMPLETE:
		return KSAVE_EXIT_INCOMPLETE;
	case KSAVE_STATUS_DMESG_ONLY:
		return KSAVE_EXIT_DMESG_ONLY;
	default:
		return KSAVE_EXIT_FAILED;
	}
}

/* ---- hooks ---- */

static int env_add(char ***env, const char *name, const char *value)
{
	char *s = kdump_asprintf("%s=%s", name, value ? value : "");

	return s ? kdump_strv_consume(env, s) : -ENOMEM;
}

static char **hook_env(struct ksave *k, const char *phase, const KsaveResult *res)
{
	char **env = NULL, num[32];
	int r = 0;

	r |= env_add(&env, "PATH", "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
	r |= env_add(&env, "KDUMP_HOOK", phase);
	r |= env_add(&env, "KDUMP_CONFIG", k->o->config_path);
	r |= env_add(&env, "KDUMP_VMCORE", k->vmcore);
	r |= env_add(&env, "KDUMP_TARGET", k->target);
	r |= env_add(&env, "KDUMP_PATH", k->cfg->path);
	r |= env_add(&env, "KDUMP_HOST", k->id.host);
	snprintf(num, sizeof(num), "%lld", (long long)k->id.crash_time);
	r |= env_add(&env, "KDUMP_CRASH_TIME", num);
	if (res) {
		r |= env_add(&env, "KDUMP_STATUS", ksave_status_to_string(res->status));
		snprintf(num, sizeof(num), "%d", exit_code(res));
		r |= env_add(&env, "KDUMP_EXIT_CODE", num);
		r |= env_add(&env, "KDUMP_DUMP_DIR", res->dir);
		r |= env_add(&env, "KDUMP_DUMP_FILE", res->file);
		r |= env_add(&env, "KDUMP_REASON", res->reason);
	}
	if (r < 0) {
		kdump_strv_free(env);
		return NULL;
	}
	return env;
}

static void run_hook(struct ksave *k, const char *what, char **argv, const KsaveResult *res)
{
	_cleanup_strv_free_ char **env = hook_env(k, what + strlen("kdump_"), res);
	_cleanup_strv_free_ char **args = NULL;
	struct hook_result hr;
	char code[16];

	if (!env || kdump_strv_copy(argv, &args) < 0) {
		klog(&k->log, KSAVE_LOG_ERR, "%s: out of memory", what);
		return;
	}
	/* kdump_post gets the exit code as its last argument, as Fedora's kdump passes it */
	snprintf(code, sizeof(code), "%d", res ? exit_code(res) : 0);
	if (res && kdump_strv_push(&args, code) < 0)
		return;
	if (ksave_hook_run(&k->log, what, args, env, k->o->hook_timeout ? k->o->hook_timeout :
			   KSAVE_DEFAULT_HOOK_TIMEOUT, &hr) < 0)
		return;
	if (!res && (hr.exit_status || hr.timed_out))
		klog(&k->log, KSAVE_LOG_WARNING, "kdump_pre failed: saving the dump anyway");
}

/* ---- the end ---- */

static void final_line(struct ksave *k, const KsaveResult *res)
{
	bool raw = k->cfg->target == KDUMP_TARGET_RAW && !res->fallback;
	bool ssh = k->cfg->target == KDUMP_TARGET_SSH && !res->fallback;
	char sz[32], dm[96] = "", what[1024], pages[64];
	const char *via = res->fallback ? " (by failure_action dump_to_rootfs)" : "";

	if (k->dmesg_saved)
		snprintf(dm, sizeof(dm), "; %s %llu bytes", KSAVE_DMESG_NAME,
			 (unsigned long long)k->dmesg_size);
	if (raw)
		snprintf(what, sizeof(what), "the flattened stream on %s (%s)", k->target, k->shown);
	else if (ssh)
		snprintf(what, sizeof(what), "%s/%s on %s", k->shown,
			 res->status == KSAVE_STATUS_SAVED ? KSAVE_FLAT_NAME : KSAVE_FLAT_TMP,
			 k->target);
	else
		snprintf(what, sizeof(what), "%s/%s on %s", k->shown,
			 res->status == KSAVE_STATUS_SAVED ? KSAVE_VMCORE_NAME : KSAVE_VMCORE_TMP,
			 k->target);
	switch (res->status) {
	case KSAVE_STATUS_SAVED:
		klog(&k->log, KSAVE_LOG_NOTICE, "saved%s: %s: %s (%llu bytes), %llu of %llu pages, "
		     "complete, %s%s", via, what, ksave_size(res->size, sz, sizeof(sz)),
		     (unsigned long long)res->size, (unsigned long long)res->pages_written,
		     (unsigned long long)res->pages_to_write,
		     raw ? "verified when 'kdumpctl start' saves it" :
		     ssh ? "sha256 checked on the server" : "verified", dm);
		break;
	case KSAVE_STATUS_INCOMPLETE:
		if (res->pages_to_write)
			snprintf(pages, sizeof(pages), "%llu of %llu pages",
				 (unsigned long long)res->pages_written,
				 (unsigned long long)res->pages_to_write);
		else
			snprintf(pages, sizeof(pages), "pages saved unknown");
		klog(&k->log, KSAVE_LOG_ERR, "incomplete%s: %s: %s (%llu bytes), %s, readable as far "
		     "as it got: %s%s", via, what, ksave_size(res->size, sz, sizeof(sz)),
		     (unsigned long long)res->size, pages, res->reason, dm);
		break;
	case KSAVE_STATUS_DMESG_ONLY:
		klog(&k->log, KSAVE_LOG_ERR, "dmesg only%s: %s/%s on %s (%llu bytes); no vmcore: %s",
		     via, k->shown, KSAVE_DMESG_NAME, k->target, (unsigned long long)k->dmesg_size,
		     res->reason);
		break;
	default:
		klog(&k->log, KSAVE_LOG_ERR, "no dump saved: %s%s%s%s", res->reason,
		     k->shown[0] ? " (in " : "", k->shown, k->shown[0] ? ")" : "");
		if (k->dmesg_saved)
			klog(&k->log, KSAVE_LOG_ERR, "only %s was saved, in %s on %s",
			     KSAVE_DMESG_NAME, k->shown, k->target);
		break;
	}
}

static void fallback_to_rootfs(struct ksave *k, KsaveResult *res)
{
	KsaveResult second = { .status = KSAVE_STATUS_FAILED, .fallback = true };
	char target[sizeof(k->target)], shown[sizeof(k->shown)];
	bool dmesg_saved = k->dmesg_saved;
	uint64_t dmesg_size = k->dmesg_size;

	if (k->cfg->target == KDUMP_TARGET_ROOTFS) {
		klog(&k->log, KSAVE_LOG_WARNING, "failure_action dump_to_rootfs: the dump already "
		     "went to the root filesystem");
		return;
	}
	final_line(k, res);
	klog(&k->log, KSAVE_LOG_NOTICE, "failure_action dump_to_rootfs: saving to the root "
	     "filesystem instead");
	klog_detach(&k->log);
	memcpy(target, k->target, sizeof(target));
	memcpy(shown, k->shown, sizeof(shown));
	k->dmesg_saved = false;
	k->dmesg_size = 0;
	k->shown[0] = '\0';
	ksave_attempt_rootfs(k, &second);
	if (rank(second.status) > rank(res->status) ||
	    (second.status == res->status && second.dir)) {
		ksave_result_done(res);
		*res = second;
		return;
	}
	klog(&k->log, KSAVE_LOG_ERR, "dump_to_rootfs: %s", second.reason);
	ksave_result_done(&second);
	memcpy(k->target, target, sizeof(target));
	memcpy(k->shown, shown, sizeof(shown));
	k->dmesg_saved = dmesg_saved;
	k->dmesg_size = dmesg_size;
}

static void carry_out(struct ksave *k, KsaveResult *res)
{
	const KdumpConfig *cfg = k->cfg;
	bool ok = res->status == KSAVE_STATUS_SAVED;
	KdumpAction a = ok ? cfg->final_action : cfg->failure_action;
	const char *which = ok ? "final_action" : "failure_action";
	int r;

	if (a == KDUMP_ACTION_DUMP_TO_ROOTFS) {
		a = cfg->final_action; /* done above */
		which = "final_action";
	}
	res->action = a;
	if (a == KDUMP_ACTION_SHELL) {
		if (k->o->no_action) {
			klog(&k->log, KSAVE_LOG_NOTICE, "failure_action shell, then final_action %s: "
			     "not carried out (--no-action)", kdump_action_to_string(cfg->final_action));
			return;
		}
		klog(&k->log, KSAVE_LOG_NOTICE, "failure_action shell: a shell on the console; "
		     "final_action %s follows when it exits",
		     kdump_action_to_string(cfg->final_action));
		r = k->ops->shell(k->ops->userdata);
		if (r < 0)
			klog(&k->log, KSAVE_LOG_ERR, "cannot start a shell: %s", strerror(-r));
		a = res->action = cfg->final_action;
		which = "final_action";
	}
	ksave_unmount_all(k);
	if (k->o->no_action) {
		klog(&k->log, KSAVE_LOG_NOTICE, "%s %s: not carried out (--no-action)", which,
		     kdump_action_to_string(a));
		return;
	}
	klog(&k->log, KSAVE_LOG_NOTICE, "%s: %s", which, kdump_action_to_string(a));
	res->action_taken = true;
	r = k->ops->reboot(a, k->ops->userdata);
	if (r < 0)
		klog(&k->log, KSAVE_LOG_ERR, "%s %s failed: %s", which, kdump_action_to_string(a),
		     strerror(-r));
}

static void save(struct ksave *k, KsaveResult *res)
{
	switch (k->cfg->target) {
	case KDUMP_TARGET_FS:
		ksave_attempt_fs(k, res);
		break;
	case KDUMP_TARGET_ROOTFS:
		ksave_attempt_rootfs(k, res);
		break;
	case KDUMP_TARGET_RAW:
		ksave_save_raw(k, res);
		break;
	case KDUMP_TARGET_SSH:
		ksave_save_ssh(k, res);
		break;
	case KDUMP_TARGET_NFS:
		ksave_attempt_nfs(k, res);
		break;
	default:
		snprintf(k->target, sizeof(k->target), "%s",
			 kdump_target_type_to_string(k->cfg->target));
		ksave_fail(res, KSAVE_STATUS_FAILED, "%s targets are not supported",
			   kdump_target_type_to_string(k->cfg->target));
		klog(&k->log, KSAVE_LOG_ERR, "%s", res->reason);
		break;
	}
	if (res->status != KSAVE_STATUS_SAVED &&
	    k->cfg->failure_action == KDUMP_ACTION_DUMP_TO_ROOTFS)
		fallback_to_rootfs(k, res);
}

int ksave_run(const KsaveOptions *o, KsaveResult *ret)
{
	struct ksave k = { .o = o, .cfg = o ? o->config : NULL };
	KsaveResult res = { .status = KSAVE_STATUS_FAILED };
	int r;

	if (!o || !o->config || !ret)
		return -EINVAL;
	k.ops = o->ops ? o->ops : ksave_real_ops();
	k.vmcore = o->vmcore ? o->vmcore : KSAVE_DEFAULT_VMCORE;
	k.proc = o->proc ? o->proc : KSAVE_DEFAULT_PROC;
	k.run_dir = o->run_dir ? o->run_dir : KSAVE_DEFAULT_RUN_DIR;
	k.resolver = o->resolver ? o->resolver : kdump_blkid_resolver;
	k.resolver_data = o->resolver_data;
	klog_init(&k.log, o->cb);
	klog(&k.log, KSAVE_LOG_NOTICE, "kdump-save %s: saving %s as %s says", PROJECT_VERSION,
	     k.vmcore, o->config_path ? o->config_path : "the configuration");

	k.v = vmcore_new();
	if (!k.v) {
		klog_done(&k.log);
		return -ENOMEM;
	}
	r = vmcore_open(k.v, k.vmcore);
	if (r < 0) {
		ksave_fail(&res, KSAVE_STATUS_FAILED, "cannot read %s: %s", k.vmcore,
			   vmcore_strerror(k.v));
		klog(&k.log, KSAVE_LOG_ERR, "%s", res.reason);
		k.v = vmcore_free(k.v);
	}
	ksave_ident_read(k.v, k.proc, k.ops->now(k.ops->userdata), &k.id);
	klog(&k.log, KSAVE_LOG_INFO, "the crashed kernel: %s, host %s (from %s), crashed at %lld%s",
	     k.id.osrelease[0] ? k.id.osrelease : "release unknown", k.id.host, k.id.host_from,
	     (long long)k.id.crash_time, k.id.time_from_dump ? "" : " (no crash time: now)");
	setup_collector(&k);

	if (k.cfg->kdump_pre)
		run_hook(&k, "kdump_pre", k.cfg->kdump_pre, NULL);
	if (k.v)
		save(&k, &res);
	res.exit_code = exit_code(&res);
	if (k.cfg->kdump_post)
		run_hook(&k, "kdump_post", k.cfg->kdump_post, &res);

	final_line(&k, &res);
	ksave_raw_close(&k);
	ksave_ssh_close(&k);
	klog_detach(&k.log);
	carry_out(&k, &res);
	ksave_unmount_all(&k);

	klog_done(&k.log);
	vmcore_free(k.v);
	kdump_strv_free(k.collector);
	*ret = res;
	return 0;
}
