# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=bash
# fixture_dir_for SERIES|DIR: the cached standard 1 GiB fixture of a kernel series (the newest
# complete one), or DIR itself when it holds a vmcore. Fails when there is none: tests skip then.
fixture_dir_for() {
	local want="$1" d best=""
	if [ -f "$want/vmcore" ]; then
		printf '%s\n' "$want"
		return 0
	fi
	for d in "$KS_CACHE"/fixtures/*-1G; do
		if [ ! -f "$d/meta" ] || [ ! -f "$d/vmcore" ]; then
			continue
		fi
		grep -qx "kernel_series=$want" "$d/meta" || continue
		grep -qx "complete=1" "$d/meta" || continue
		best="$d"
	done
	[ -n "$best" ] || return 1
	printf '%s\n' "$best"
}
