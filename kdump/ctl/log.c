/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Messages: to the journal with structured fields when stderr is the journal (kdumpctl runs
 * as kdump.service), to stderr otherwise. The fields, documented in kdumpctl(8):
 *   KDUMP_COMMAND=start    the subcommand
 *   KDUMP_STATE=ready      ready, not-ready, loaded, unloaded, built, failed
 *   KDUMP_REASON=...       a status reason name (no-reservation, initramfs-stale...)
 * and MESSAGE_ID for "kdump is ready" and "kdump failed".
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>

#include "kdumpctl.h"

#if HAVE_LIBSYSTEMD
#include <systemd/sd-journal.h>
#endif

/* journalctl MESSAGE_ID=... finds every readiness change of every boot. */
#define MESSAGE_ID_READY "MESSAGE_ID=c28f53822dc34903932a911d4ead2942"
#define MESSAGE_ID_FAILED "MESSAGE_ID=8b176feadc2e4d10a3546d96d4693395"

void ctl_log_init(CtlLog *l, const char *command)
{
	const char *e = getenv("JOURNAL_STREAM");
	unsigned long long dev, ino;
	struct stat st;

	*l = (CtlLog){ .command = command };
#if HAVE_LIBSYSTEMD
	if (e && sscanf(e, "%llu:%llu", &dev, &ino) == 2 && fstat(STDERR_FILENO, &st) == 0 &&
	    (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino)
		l->journal = true;
#else
	(void)e, (void)dev, (void)ino, (void)st;
#endif
}

#if HAVE_LIBSYSTEMD
static void journal_send(const CtlLog *l, CtlLevel level, const char *state, const char *reason,
			 const char *msg)
{
	char f[6][300];
	struct iovec iov[8];
	size_t n = 0;

#define FIELD(...)                                                                     \
	do {                                                                           \
		snprintf(f[n], sizeof(f[n]), __VA_ARGS__);                             \
		iov[n] = (struct iovec){ f[n], strlen(f[n]) };                         \
		n++;                                                                   \
	} while (0)
	FIELD("PRIORITY=%d", (int)level);
	FIELD("SYSLOG_IDENTIFIER=kdumpctl");
	if (l->command)
		FIELD("KDUMP_COMMAND=%s", l->command);
	if (state)
		FIELD("KDUMP_STATE=%s", state);
	if (reason)
		FIELD("KDUMP_REASON=%s", reason);
#undef FIELD
	if (state && strcmp(state, "ready") == 0)
		iov[n++] = (struct iovec){ (void *)MESSAGE_ID_READY, strlen(MESSAGE_ID_READY) };
	else if (state && strcmp(state, "failed") == 0)
		iov[n++] = (struct iovec){ (void *)MESSAGE_ID_FAILED, strlen(MESSAGE_ID_FAILED) };
	{
		size_t len = strlen("MESSAGE=") + strlen(msg);
		char *m = malloc(len + 1);

		if (!m)
			return;
		snprintf(m, len + 1, "MESSAGE=%s", msg);
		iov[n++] = (struct iovec){ m, len };
		if (sd_journal_sendv(iov, (int)n) < 0)
			fprintf(stderr, "kdumpctl: %s\n", msg);
		free(m);
	}
}
#endif

void ctl_log(const CtlLog *l, CtlLevel level, const char *state, const char *reason,
	     const char *fmt, ...)
{
	char *msg = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&msg, fmt, ap) < 0)
		msg = NULL;
	va_end(ap);
	if (!msg)
		return;
#if HAVE_LIBSYSTEMD
	if (l->journal) {
		journal_send(l, level, state, reason, msg);
		free(msg);
		return;
	}
#endif
	fprintf(stderr, "kdumpctl: %s%s\n",
		level <= CTL_LOG_ERR ? "error: " : level == CTL_LOG_WARNING ? "warning: " : "", msg);
	free(msg);
}
