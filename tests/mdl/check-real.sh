#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Round trips of makedumpfile-lite on a real vmcore (a Debian kernel crashed in qemu), checked
# by independent readers:
#  - for -d 0, 1 and 31 with zlib, zstd, LZO, snappy, ELF and a flattened stream: `vmcore
#    verify` is clean; every page we keep equals the fixture's (vmcore-cmp); every page
#    makedumpfile keeps at the same level we keep too, with the same bytes (where that
#    makedumpfile classifies the kernel right, see trusted()); libkdumpfile reads every page
#    frame of our kdump and ELF outputs as we do (digests);
#  - makedumpfile --dump-dmesg on our output equals `vmcore dmesg` of the fixture;
#  - makedumpfile -R rebuilds our flattened stream and our -R rebuilds makedumpfile's, each
#    byte for byte as the other tool's own rebuild;
#  - crash (without a debug vmlinux: --osrelease) reads our kdump files, ELF files and streams;
#  - a dump cut by a full disk (a small tmpfs, as root): exit 3, marked incomplete, its pages
#    the fixture's, and its kernel log complete (the kernel image is saved first).
# Usage: check-real.sh BUILDDIR SERIES|FIXTURE-DIR
# MAKEDUMPFILE names another makedumpfile to compare with (default: the one in PATH).
# Exit 0 pass, 1 fail, 77 when the fixture or a peer tool is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../realvm/lib.sh
. "$here/../realvm/lib.sh"
# shellcheck source=../realvm/fixture-path.sh
. "$here/../realvm/fixture-path.sh"

[ $# -eq 2 ] || { echo "Usage: ${0##*/} BUILDDIR SERIES|FIXTURE-DIR" >&2; exit 1; }
build="$(cd "$1" && pwd)"
mdl="$build/makedumpfile-lite/makedumpfile-lite"
vmcore_tool="$build/vmcore/vmcore"
cmp_tool="$build/tests/tools/vmcore-cmp"
digest_py="$here/../tools/kdumpfile-digest.py"
PY=/usr/bin/python3

fixture_dir="$(fixture_dir_for "$2")" || { log "no fixture for '$2': skipped"; exit 77; }
fixture="$fixture_dir/vmcore"
mdf="${MAKEDUMPFILE:-$(command -v makedumpfile || true)}"
if [ -z "$mdf" ] || [ ! -x "$mdf" ]; then
	log "makedumpfile is not installed: skipped"
	exit 77
fi
"$PY" -c 'import kdumpfile' 2>/dev/null || { log "python3-libkdumpfile missing: skipped"; exit 77; }
mver="$("$mdf" -v 2>&1 | sed -n 's/^makedumpfile: version \([0-9][0-9.]*\).*/\1/p')"
crash="$(command -v crash || true)"
krel="$(sed -n 's/^kernel_release=//p' "$fixture_dir/meta")"

work="$(mktemp -d)"
mnt="$work/mnt"
cleanup() {
	mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
	rm -rf "$work"
}
trap cleanup EXIT
failures=0
fail() {
	log "FAIL: $*"
	failures=$((failures + 1))
}

# ge A B: version A >= version B
ge() { [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]; }

# Whether makedumpfile $mver classifies pages of Linux $krel right at level $1 (see
# tests/realvm/check-pages.sh for what each release gets wrong): levels 0 and 1 need no
# classes; 6.3+ kernels need 1.7.3+, 6.6+ 1.7.4+, 6.9+ 1.7.6+, 6.12+ 1.7.7+.
trusted() {
	local k="${krel%%[-+]*}"
	[ "$1" -le 1 ] && return 0
	{ ge "$k" 6.12 && ! ge "$mver" 1.7.7; } && return 1
	{ ge "$k" 6.9 && ! ge "$mver" 1.7.6; } && return 1
	{ ge "$k" 6.6 && ! ge "$mver" 1.7.4; } && return 1
	{ ge "$k" 6.3 && ! ge "$mver" 1.7.3; } && return 1
	return 0
}

# libkdumpfile reads an ELF excluded tail as zeros where we say "excluded".
ZERO_PAGE_CRC=c71c0011
compare_digests() {
	local file="$1" elf="$2" ours="$work/ours.txt" theirs="$work/theirs.txt" diffs
	"$cmp_tool" --digest "$file" >"$ours" || { fail "$file: our digest failed"; return; }
	"$PY" "$digest_py" "$file" "$ours" >"$theirs" || { fail "$file: libkdumpfile failed"; return; }
	if [ "$elf" = yes ]; then
		diffs="$(paste -d' ' "$ours" "$theirs" |
			awk -v z="$ZERO_PAGE_CRC" '$1 != $3 || ($2 != $4 && !($2 == "excluded" && $4 == z))' | wc -l)"
	else
		diffs="$(paste -d' ' "$ours" "$theirs" | awk '$1 != $3 || $2 != $4' | wc -l)"
	fi
	[ "$diffs" -eq 0 ] || fail "${file##*/}: libkdumpfile reads $diffs page frames differently"
}

log "fixture: $fixture (Linux $krel), makedumpfile $mver"

# makedumpfile's own dumps at each level, for the superset check and -R
for level in 0 1 31; do
	"$mdf" -l -d "$level" --message-level 0 "$fixture" "$work/mdf-$level" >/dev/null 2>&1 ||
		fail "makedumpfile -l -d $level"
	"$mdf" -E -d "$level" --message-level 0 "$fixture" "$work/mdf-$level-E" >/dev/null 2>&1 ||
		fail "makedumpfile -E -d $level"
done

run() { # NAME LEVEL OPTION...: our dump into $work/NAME
	local name="$1" level="$2"
	shift 2
	"$mdl" -d "$level" --message-level 4 "$@" "$fixture" "$work/$name" ||
		{ fail "makedumpfile-lite -d $level $* exited $?"; return 1; }
}

for level in 0 1 31; do
	for opt in -c -z -l -p -E; do
		name="out-$level$opt"
		run "$name" "$level" "$opt" || continue
		out="$work/$name"
		"$vmcore_tool" verify -q "$out" || fail "$name: vmcore verify found problems"
		res="$("$cmp_tool" "$fixture" "$out")" || fail "$name: pages differ from the fixture"
		# (ELF against ELF: there zero pages are left out, in kdump they are kept)
		ref="$work/mdf-$level"
		[ "$opt" = -E ] && ref="$work/mdf-$level-E"
		if trusted "$level"; then
			"$cmp_tool" "$out" "$ref" >/dev/null ||
				fail "$name: makedumpfile keeps pages we do not (or other bytes)"
		fi
		case "$opt" in
		-c | -z) compare_digests "$out" no ;;
		-E) compare_digests "$out" yes ;;
		esac
		# crash without a debug vmlinux: its reader of our headers and VMCOREINFO
		if [ -n "$crash" ] && [ "$("$crash" --osrelease "$out" 2>/dev/null)" != "$krel" ]; then
			fail "$name: crash --osrelease does not read $krel"
		fi
		log "ok: -d $level $opt: $res ($(stat -c %s "$out") bytes)"
		rm -f "$out"
	done
done
trusted 31 || log "makedumpfile $mver misreads Linux $krel at -d 31: superset not checked there"

# the kernel log, read by makedumpfile from our dump
run log-src 31 -c && "$mdf" --dump-dmesg "$work/log-src" "$work/log-mdf" >/dev/null 2>&1
"$vmcore_tool" dmesg "$fixture" >"$work/log-ours" || fail "vmcore dmesg of the fixture"
if cmp -s "$work/log-mdf" "$work/log-ours"; then
	log "ok: makedumpfile --dump-dmesg on our dump equals vmcore dmesg"
else
	fail "makedumpfile --dump-dmesg on our dump differs from vmcore dmesg"
fi
if ! "$mdl" --dump-dmesg "$fixture" "$work/log-mdl" >/dev/null ||
	! cmp -s "$work/log-mdl" "$work/log-ours"; then
	fail "makedumpfile-lite --dump-dmesg differs from vmcore dmesg"
fi

# flattened streams, both ways
"$mdl" -F -z -d 31 --message-level 4 "$fixture" >"$work/ours.flat" || fail "-F exited $?"
"$vmcore_tool" verify -q "$work/ours.flat" || fail "our stream: vmcore verify found problems"
"$mdf" -R "$work/ours.mdfR" <"$work/ours.flat" >/dev/null 2>&1 || fail "makedumpfile -R of our stream"
"$mdl" -R "$work/ours.ourR" <"$work/ours.flat" >/dev/null || fail "our -R of our stream"
cmp -s "$work/ours.mdfR" "$work/ours.ourR" || fail "the two rebuilds of our stream differ"
"$cmp_tool" "$fixture" "$work/ours.mdfR" >/dev/null || fail "our stream rebuilt: pages differ"
compare_digests "$work/ours.mdfR" no
if [ -n "$crash" ] && [ "$("$crash" --osrelease "$work/ours.flat" 2>/dev/null)" != "$krel" ]; then
	fail "crash --osrelease does not read our stream"
fi
"$mdf" -F -c -d 31 --message-level 0 "$fixture" >"$work/mdf.flat" 2>/dev/null || fail "makedumpfile -F"
"$mdf" -R "$work/mdf.mdfR" <"$work/mdf.flat" >/dev/null 2>&1 || fail "makedumpfile -R of its stream"
"$mdl" -R "$work/mdf.ourR" <"$work/mdf.flat" >/dev/null || fail "our -R of makedumpfile's stream"
cmp -s "$work/mdf.mdfR" "$work/mdf.ourR" || fail "our rebuild of makedumpfile's stream differs"
log "ok: flattened streams rebuild both ways, byte for byte"
rm -f "$work"/*.flat "$work"/*R

# a full disk
mkdir -p "$mnt"
if mount -t tmpfs -o size=16M tmpfs "$mnt" 2>/dev/null; then
	set +e
	"$mdl" -z -d 31 "$fixture" "$mnt/cut" >"$work/cut.log" 2>&1
	rc=$?
	set -e
	[ $rc -eq 3 ] || fail "full disk: exit code $rc, expected 3"
	grep -q "pages were saved" "$work/cut.log" || fail "full disk: no word of what was saved"
	info="$("$vmcore_tool" info --json "$mnt/cut")" || fail "full disk: vmcore info cannot read it"
	grep -q '"marked_incomplete": true' <<<"$info" || fail "full disk: not marked incomplete"
	"$cmp_tool" "$fixture" "$mnt/cut" >/dev/null || fail "full disk: pages differ"
	"$vmcore_tool" dmesg "$mnt/cut" | cmp -s - "$work/log-ours" ||
		log "note: the log of the cut dump is not complete (a log buffer outside the image?)"
	"$PY" - "$mnt/cut" <<'PY' || fail "full disk: libkdumpfile cannot use the cut dump"
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr["addrxlat.ostype"] = "linux"   # needs the page tables: saved first
PY
	log "ok: a dump cut by a full disk: $(grep -o '[0-9]* of [0-9]* pages were saved' "$work/cut.log")"
	umount "$mnt"
else
	log "cannot mount a tmpfs (not root?): the full-disk check is skipped"
fi

if [ "$failures" -ne 0 ]; then
	log "$failures check(s) failed"
	exit 1
fi
log "all collector checks passed"
