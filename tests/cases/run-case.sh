#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Run one synthetic case: build the dump from CASEDIR/spec with mkvmcore, run each line of
# CASEDIR/cmds as `vmcore <line>` (DUMP stands for the dump's path), and compare the transcript
# (stdout, stderr lines prefixed "! ", exit code) with CASEDIR/expect.
# With --update, write the transcript to CASEDIR/expect instead (review it before committing).
# Exit 0 pass, 1 fail. Any sanitizer report fails the case.
set -euo pipefail

if [ $# -lt 3 ]; then
	echo "Usage: run-case.sh MKVMCORE VMCORE CASEDIR [--update]" >&2
	exit 2
fi
mkvmcore="$1" vmcore="$2" casedir="$3" update="${4:-}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
dump="$work/dump"

# Sanitizer reports must not be mistaken for the tool's own exit codes.
export ASAN_OPTIONS="${ASAN_OPTIONS:-}:exitcode=99"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-}:halt_on_error=1:exitcode=99"

"$mkvmcore" -o "$dump" "$casedir/spec"

transcript="$work/transcript"
: >"$transcript"
while IFS= read -r line || [ -n "$line" ]; do
	case "$line" in '' | '#'*) continue ;; esac
	# Word splitting of the command line is intended: cmds holds plain arguments.
	# shellcheck disable=SC2086
	set -- ${line//DUMP/$dump}
	rc=0
	"$vmcore" "$@" >"$work/out" 2>"$work/err" || rc=$?
	if [ "$rc" -eq 99 ] || grep -q "Sanitizer" "$work/err"; then
		cat "$work/err" >&2
		echo "FAIL: sanitizer report for: vmcore $line" >&2
		exit 1
	fi
	{
		echo "\$ vmcore $line"
		sed "s|$dump|DUMP|g" "$work/out"
		sed "s|$dump|DUMP|g; s|^|! |" "$work/err"
		echo "[exit $rc]"
	} >>"$transcript"
done <"$casedir/cmds"

if [ "$update" = "--update" ]; then
	cp "$transcript" "$casedir/expect"
	echo "updated $casedir/expect"
	exit 0
fi
if ! diff -u "$casedir/expect" "$transcript"; then
	echo "FAIL: $(basename "$casedir"): transcript differs from expect" >&2
	exit 1
fi
