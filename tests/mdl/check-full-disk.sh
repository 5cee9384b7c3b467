#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# check-full-disk.sh MAKEDUMPFILE-LITE MDL-MKIMAGE VMCORE-TOOL [VMCORE-CMP]
#
# A dump written to a disk that fills up (a small tmpfs) or to a file size limit (ulimit -f):
# the collector exits 3 and says how much it saved, the dump is marked incomplete and reads
# back with the pages it holds equal to the input's (vmcore-cmp), libkdumpfile opens it. A
# flattened stream cut by the full disk is rebuilt by -R, marked incomplete.
# Exit 0 pass, 1 fail, 77 when tmpfs cannot be mounted (not root).
set -uo pipefail

mdl=$1
mkimage=$2
vmcore_tool=$3
cmp_tool=${4:-$(dirname "$vmcore_tool")/../tests/tools/vmcore-cmp}
failures=0
log() { printf 'check-full-disk: %s\n' "$*" >&2; }
fail() { log "FAIL: $*"; failures=$((failures + 1)); }

work=$(mktemp -d)
mnt="$work/mnt"
mkdir -p "$mnt"
cleanup() {
	mountpoint -q "$mnt" && umount "$mnt"
	rm -rf "$work"
}
trap cleanup EXIT
if ! mount -t tmpfs -o size=1M tmpfs "$mnt" 2>/dev/null; then
	log "cannot mount a tmpfs (not root?): skipped"
	exit 77
fi
"$mkimage" "$work/vmcore" || { log "mdl-mkimage failed"; exit 1; }

# check_cut FILE WHAT: a cut dump reads back, marked incomplete, with the input's pages
check_cut() {
	local file=$1 what=$2 info
	info=$("$vmcore_tool" info --json "$file") || { fail "$what: vmcore info cannot read it"; return; }
	grep -q '"marked_incomplete": true' <<<"$info" || fail "$what: not marked incomplete"
	if [ -x "$cmp_tool" ]; then
		"$cmp_tool" "$work/vmcore" "$file" >/dev/null || fail "$what: pages differ from the input"
	fi
	if /usr/bin/python3 -c 'import kdumpfile' 2>/dev/null; then
		/usr/bin/python3 - "$file" <<'PY' || fail "$what: libkdumpfile cannot read the saved pages"
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr["addrxlat.ostype"] = "linux"
# the top page table: the kernel image and page tables are saved first
k.read(kdumpfile.KDUMP_KPHYSADDR, 0x500000, 4096)
PY
	fi
	log "ok: $what"
}

# expect_incomplete RC OUTPUT WHAT
expect_incomplete() {
	[ "$1" -eq 3 ] || fail "$3: exit code $1, expected 3"
	grep -q "pages were saved" "$2" || fail "$3: the message does not say how much was saved"
}

# 1. kdump to a full disk
"$mdl" -d 0 "$work/vmcore" "$mnt/dump" >"$work/out" 2>&1
rc=$?
grep -q "No space left on device" "$work/out" || fail "kdump: the message does not name ENOSPC"
expect_incomplete $rc "$work/out" "kdump, full disk"
check_cut "$mnt/dump" "kdump cut by a full disk"
rm -f "$mnt/dump"

# 2. ELF to a full disk
"$mdl" -E -d 0 "$work/vmcore" "$mnt/dump" >"$work/out" 2>&1
rc=$?
expect_incomplete $rc "$work/out" "ELF, full disk"
info=$("$vmcore_tool" info --json "$mnt/dump") || fail "ELF: vmcore info cannot read it"
grep -q '"marked_incomplete": true' <<<"$info" || fail "ELF: not marked incomplete"
[ -x "$cmp_tool" ] && { "$cmp_tool" "$work/vmcore" "$mnt/dump" >/dev/null || fail "ELF: pages differ"; }
rm -f "$mnt/dump"

# 3. a file size limit: EFBIG (SIGXFSZ is ignored by the collector)
(ulimit -f 2048; "$mdl" -c -d 0 "$work/vmcore" "$work/limited") >"$work/out" 2>&1
rc=$?
grep -q "File too large" "$work/out" || fail "ulimit -f: the message does not name EFBIG"
expect_incomplete $rc "$work/out" "kdump, ulimit -f"
check_cut "$work/limited" "kdump cut by ulimit -f"

# 4. a flattened stream onto a full disk, rebuilt with -R
"$mdl" -F -d 0 "$work/vmcore" >"$mnt/stream" 2>"$work/out"
rc=$?
[ $rc -eq 3 ] || fail "stream: exit code $rc, expected 3"
"$mdl" -R "$work/rebuilt" <"$mnt/stream" >"$work/out" 2>&1
rc=$?
[ $rc -eq 3 ] || fail "-R of a cut stream: exit code $rc, expected 3"
grep -q "cut short" "$work/out" || fail "-R of a cut stream: the message does not say so"
check_cut "$work/rebuilt" "stream cut by a full disk, rebuilt with -R"

if [ "$failures" -ne 0 ]; then
	log "$failures check(s) failed"
	exit 1
fi
log "all full-disk checks passed"
