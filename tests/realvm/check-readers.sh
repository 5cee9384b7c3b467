#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Cross-check libvmcore's readers on a real vmcore against independent tools:
#  - the ELF fixture itself: `vmcore verify` is clean, `vmcore info` agrees with the guest's
#    uname and CPU count and with libkdumpfile;
#  - makedumpfile's own outputs of the same fixture (kdump-compressed zlib and lzo, ELF -E,
#    flattened -F, -d 31 and -d 1): each passes `vmcore verify`, reports the right dump level
#    and compression, holds exactly the fixture's bytes in every page it dumped
#    (vmcore-cmp), and libkdumpfile reads every page the same as we do (digest comparison);
#  - the flattened stream reads the same as makedumpfile -R's rebuild of it.
# Exit 0 pass, 1 fail, 77 when the fixture or a peer tool is missing.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
	cat <<USAGE
Usage: ${0##*/} BUILDDIR SERIES|FIXTURE-DIR

BUILDDIR is a meson build directory (vmcore/vmcore and tests/tools/vmcore-cmp in it);
SERIES is 6.1 or 6.12 (the cached 1G fixture of that series is used).
USAGE
}

[ "${1:-}" = "-h" ] || [ "${1:-}" = "--help" ] && { usage; exit 0; }
[ $# -eq 2 ] || { usage >&2; exit 1; }
build="$(cd "$1" && pwd)"
vmcore_tool="$build/vmcore/vmcore"
cmp_tool="$build/tests/tools/vmcore-cmp"
digest_py="$here/../tools/kdumpfile-digest.py"
PY=/usr/bin/python3

# shellcheck source=fixture-path.sh
. "$here/fixture-path.sh"
fixture_dir="$(fixture_dir_for "$2")" || { log "no fixture for '$2': skipped"; exit 77; }
fixture="$fixture_dir/vmcore"
command -v makedumpfile >/dev/null || { log "makedumpfile is not installed: skipped"; exit 77; }
"$PY" -c 'import kdumpfile' 2>/dev/null || { log "python3-libkdumpfile missing: skipped"; exit 77; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() {
	log "FAIL: $*"
	failures=$((failures + 1))
}

meta() {
	sed -n "s/^$1=//p" "$fixture_dir/meta"
}

json_field() {
	"$PY" -c 'import json,sys; v=json.load(open(sys.argv[1]))[sys.argv[2]]; print(v)' "$1" "$2"
}

# libkdumpfile reads a filtered page at the end of an ELF segment as zeros where we say
# "excluded" (it zero-fills p_filesz..p_memsz there); every other line must be identical.
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
	if [ "$diffs" -ne 0 ]; then
		fail "$file: libkdumpfile reads $diffs pages differently"
	else
		log "ok: libkdumpfile reads all $(wc -l <"$ours") page frames of ${file##*/} as we do"
	fi
}

check_output() {
	local file="$1" level="$2" compression="$3" format="$4" out
	"$vmcore_tool" verify -q "$file" || fail "$file: vmcore verify found problems"
	"$vmcore_tool" info --json "$file" >"$work/info.json" || { fail "$file: vmcore info failed"; return; }
	[ "$(json_field "$work/info.json" format)" = "$format" ] ||
		fail "$file: format is $(json_field "$work/info.json" format), expected $format"
	if [ "$format" != elf ]; then
		[ "$(json_field "$work/info.json" dump_level)" = "$level" ] || fail "$file: dump level"
		[ "$(json_field "$work/info.json" compression)" = "$compression" ] ||
			fail "$file: compression is $(json_field "$work/info.json" compression), expected $compression"
	fi
	out="$("$cmp_tool" "$fixture" "$file")" || fail "$file: pages differ from the fixture"
	log "ok: ${file##*/} ($format, -d $level, $compression): $out"
}

log "fixture: $fixture"

# The fixture itself.
"$vmcore_tool" verify -q "$fixture" || fail "fixture: vmcore verify found problems"
"$vmcore_tool" info --json "$fixture" >"$work/fixture.json"
[ "$(json_field "$work/fixture.json" kernel_release)" = "$(meta guest_uname_r)" ] ||
	fail "kernel release $(json_field "$work/fixture.json" kernel_release) != guest's $(meta guest_uname_r)"
[ "$(json_field "$work/fixture.json" cpus)" = 2 ] || fail "expected 2 CPUs (qemu -smp 2)"
[ "$(json_field "$work/fixture.json" format)" = elf ] || fail "fixture format"
kdf_release="$("$PY" -c '
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
print(k.attr["linux.vmcoreinfo.lines.OSRELEASE"], k.attr["arch.page_size"])' "$fixture")"
[ "$kdf_release" = "$(json_field "$work/fixture.json" kernel_release) $(json_field "$work/fixture.json" page_size)" ] ||
	fail "libkdumpfile says '$kdf_release'"

# makedumpfile's outputs.
makedumpfile -c -d 31 "$fixture" "$work/d31.zlib" >/dev/null 2>&1 || fail "makedumpfile -c"
makedumpfile -l -d 31 "$fixture" "$work/d31.lzo" >/dev/null 2>&1 || fail "makedumpfile -l"
makedumpfile -c -d 1 "$fixture" "$work/d1.zlib" >/dev/null 2>&1 || fail "makedumpfile -c -d 1"
makedumpfile -E -d 31 "$fixture" "$work/d31.elf" >/dev/null 2>&1 || fail "makedumpfile -E"
makedumpfile -F -c -d 31 "$fixture" >"$work/d31.flat" 2>/dev/null || fail "makedumpfile -F"
makedumpfile -R "$work/d31.rebuilt" <"$work/d31.flat" >/dev/null 2>&1 || fail "makedumpfile -R"

check_output "$work/d31.zlib" 31 zlib kdump
check_output "$work/d31.lzo" 31 lzo kdump
check_output "$work/d1.zlib" 1 zlib kdump
check_output "$work/d31.elf" 31 none elf
check_output "$work/d31.flat" 31 zlib "flattened kdump"
if out="$("$cmp_tool" "$work/d31.rebuilt" "$work/d31.flat")"; then
	log "ok: flattened stream reads as its makedumpfile -R rebuild: $out"
else
	fail "flattened stream differs from its rebuild"
fi

compare_digests "$work/d31.zlib" no
compare_digests "$work/d31.lzo" no
compare_digests "$work/d31.elf" yes

if [ "$failures" -ne 0 ]; then
	log "$failures check(s) failed"
	exit 1
fi
log "all reader checks passed"
