/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <string.h>

#include "macro.h"
#include "sigbus.h"

/* The probe running on this thread, if any: where a SIGBUS jumps back to. */
static __thread sigjmp_buf *volatile armed;
static struct sigaction previous;

static void on_sigbus(int sig, siginfo_t *si, void *ucontext)
{
	sigjmp_buf *jb = armed;

	if (jb) {
		armed = NULL;
		/* SA_NODEFER: SIGBUS is not blocked here, so no mask needs restoring */
		siglongjmp(*jb, 1);
	}
	/* Not a probe: the handler from before gets it when the access faults again. */
	(void)sigaction(SIGBUS, &previous, NULL);
}

int sigbus_guard_install(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigbus, .sa_flags = SA_SIGINFO | SA_NODEFER };

	sigemptyset(&sa.sa_mask);
	return sigaction(SIGBUS, &sa, &previous) < 0 ? negative_errno() : 0;
}

void sigbus_guard_remove(void)
{
	(void)sigaction(SIGBUS, &previous, NULL);
}

int sigbus_probe(const uint8_t *p, size_t len, size_t step)
{
	const volatile uint8_t *q = p;
	sigjmp_buf jb;

	if (sigsetjmp(jb, 0))
		return -EFAULT;
	armed = &jb;
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	for (size_t off = 0; off < len; off += step)
		(void)q[off];
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	armed = NULL;
	return 0;
}
