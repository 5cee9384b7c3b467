/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A machine in a temporary directory for the kdumpctl tests: tests/unit's kexec fixture (a
 * 1 GiB x86_64 machine with a 256 MiB crash region, crashkernel=256M on its command line,
 * nothing loaded), plus the running kernel's release and image (a bzImage both libkexec-core
 * and the estimator read), /etc/kdump.conf, the agent, the collector, the dracut module and
 * the root filesystem's mount. Devices resolve and probe through fakes, system calls go to
 * tests/unit's fake table: nothing real is ever loaded, built or run.
 */
#include <stdbool.h>

#include "kdumpctl.h"
#include "kexec-fixture.h"

#define FX_KVER "6.1.0-test-amd64"

typedef struct CtlFixture {
	char *root;
	CtlArgs args;
	Ctl ctl;
	struct fake_sys sys;
	char uuid[64];          /* what the fake probe says a device's filesystem UUID is */
	char type[16];          /* ... and its type */
	void *data;             /* a test's own state, for its fakes (userdata is the fixture) */
} CtlFixture;

/* A fresh machine; aborts on failure (a test cannot run without it). */
void fx_new(CtlFixture *fx);
void fx_free(CtlFixture *fx);
/* A context on the fixture for these arguments (args.root is set to the fixture). */
void fx_ctl(CtlFixture *fx);
void fx_ctl_done(CtlFixture *fx);

void fx_write(CtlFixture *fx, const char *path, const char *text);
void fx_write_exec(CtlFixture *fx, const char *path, const char *text);
char *fx_read(CtlFixture *fx, const char *path);
const char *fx_path(CtlFixture *fx, const char *path);
/* A small newc initramfs (with usr/lib/systemd/systemd) at path. */
void fx_initramfs(CtlFixture *fx, const char *path);

/* Run fn(fx) with stdout going to a buffer; returns the output (static, until the next call)
 * and the exit code in *ret. */
const char *fx_capture(CtlFixture *fx, int (*fn)(Ctl *c), int *ret);
/* The same for a whole command line (ctl_args_parse + ctl_run), --root added. */
const char *fx_run(CtlFixture *fx, int *ret, const char *const *argv);
