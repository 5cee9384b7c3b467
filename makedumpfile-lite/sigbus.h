/* SPDX-License-Identifier: LGPL-2.1-or-later */
#pragma once

/*
 * A page read through mmap() can raise SIGBUS instead of returning an error: the file shrank
 * under the mapping, or the kernel could not produce the page behind a /proc/vmcore mapping
 * (its fault handler answers VM_FAULT_SIGBUS). The reader touches every mapped page once,
 * under this guard, before any other thread sees it: a SIGBUS there makes that one page
 * unreadable (saved as lost) instead of killing the collector.
 *
 * The handler is process-wide while installed (the copy of one dump); a SIGBUS outside a
 * probe goes to the handler that was there before, so it kills the process as it would have.
 */
#include <stddef.h>
#include <stdint.h>

/* Installs the handler; 0 or a negative errno. Not nested: one copy at a time. */
int sigbus_guard_install(void);
void sigbus_guard_remove(void);
/*
 * Reads one byte every step bytes of [p, p + len): 0, or -EFAULT when that raised SIGBUS.
 * Only with the guard installed.
 */
int sigbus_probe(const uint8_t *p, size_t len, size_t step);
