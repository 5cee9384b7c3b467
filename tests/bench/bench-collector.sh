#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# bench-collector.sh [--runs N] [--dir DIR] [BUILDDIR]
#
# makedumpfile-lite against makedumpfile on the real fixtures (the 1 GiB ones of 6.1 and 6.12
# and every 4 GiB one in the cache), in one run, page cache warm, the runs of the tools
# interleaved and each figure the median of N (default 3). Prints wall time, output size and
# peak RSS of each run and the ratios the collector is held to:
#   -d 31: ours -z size / makedumpfile -c size   <= 1.0
#          ours -z time / makedumpfile -l time   <= 1.0
#   -d 1:  ours -z time / makedumpfile -l time   <= 0.6
#          ours -z size / makedumpfile -l size   <= 0.9
#          makedumpfile -c time / ours -z time   >= 5
#          ours -z size / makedumpfile -c size   <= 1.0
# and, for the memory bound, what the in-memory bitmap store costs per TiB of RAM (-F).
# It never fails on a figure: it measures. MAKEDUMPFILE names another makedumpfile (the
# default is the one in PATH: Debian's 1.7.2, which cannot exclude the free pages of 6.12
# kernels, so its -d 31 dumps of 6.12 are larger than they should be).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../realvm/lib.sh
. "$here/../realvm/lib.sh"
# shellcheck source=../realvm/fixture-path.sh
. "$here/../realvm/fixture-path.sh"

runs=3
dir=""
while [ $# -gt 0 ]; do
	case "$1" in
	--runs) runs="$2"; shift 2 ;;
	--dir) dir="$2"; shift 2 ;;
	-h | --help) sed -n '3,20s/^# \{0,1\}//p' "$0"; exit 0 ;;
	-*) die "unknown option $1" ;;
	*) break ;;
	esac
done
# A release build, as installed: a sanitizer build measures the sanitizers. Without BUILDDIR,
# build-release/ is configured (release, no sanitizers) and built.
if [ $# -gt 0 ]; then
	build="$(cd "$1" && pwd)"
else
	build="$(cd "$here/../.." && pwd)/build-release"
	[ -f "$build/build.ninja" ] ||
		meson setup "$build" "$here/../.." --buildtype=release -Db_sanitize=none >/dev/null
	meson compile -C "$build" makedumpfile-lite/makedumpfile-lite >/dev/null
fi
if grep -q '"name": "b_sanitize", "value": "[a-z]' "$build/meson-info/intro-buildoptions.json" 2>/dev/null &&
	! grep -q '"name": "b_sanitize", "value": "none"' "$build/meson-info/intro-buildoptions.json"; then
	die "$build is a sanitizer build: measure a release build (run without BUILDDIR)"
fi
mdl="${MDL:-$build/makedumpfile-lite/makedumpfile-lite}"
mdf="${MAKEDUMPFILE:-$(command -v makedumpfile || true)}"
[ -x "$mdl" ] || die "no makedumpfile-lite at $mdl (build it, or set MDL)"
{ [ -n "$mdf" ] && [ -x "$mdf" ]; } || die "makedumpfile is not installed"
need_cmd /usr/bin/time awk sort
work="$(mktemp -d "${dir:-/tmp}/bench-collector.XXXXXX")"
trap 'rm -rf "$work"' EXIT

fixtures=()
for s in 6.1 6.12; do
	d="$(fixture_dir_for "$s")" && fixtures+=("$d/vmcore")
done
for d in "$KS_CACHE"/fixtures/*-4G; do
	[ -f "$d/vmcore" ] && grep -qx complete=1 "$d/meta" 2>/dev/null && fixtures+=("$d/vmcore")
done
[ ${#fixtures[@]} -gt 0 ] || die "no fixture in $KS_CACHE (tests/realvm/fixtures.sh makes them)"

# one TOOL LABEL OPTIONS... : runs once; appends "label seconds bytes rss_kb" to $work/raw
one() {
	local tool="$1" label="$2" out="$work/out"
	shift 2
	rm -f "$out"
	/usr/bin/time -f "%e %M %U %S" -o "$work/time" "$tool" "$@" --message-level 0 "$vmcore" "$out" \
		>/dev/null 2>&1 || { log "$label failed (exit $?)"; return 0; }
	printf '%s %s %s %s %s\n' "$label" "$(cut -d' ' -f1 "$work/time")" "$(stat -c %s "$out")" \
		"$(cut -d' ' -f2 "$work/time")" "$(awk '{ print $3 + $4 }' "$work/time")" >>"$work/raw"
	rm -f "$out"
}

# med LABEL FIELD: the median of a field (2 time, 3 size, 4 rss, 5 CPU time) over the runs of LABEL
med() {
	awk -v l="$1" -v f="$2" '$1 == l { print $f }' "$work/raw" | sort -g |
		awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)]; else print "nan" }'
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "nan" }'; }
verdict() { awk -v r="$1" -v t="$2" -v op="$3" 'BEGIN {
	ok = (op == "<=") ? (r <= t) : (r >= t); printf "%s (target %s %s)", ok ? "met" : "NOT met", op, t }'; }

printf 'makedumpfile-lite: %s\nmakedumpfile: %s (%s)\n' "$mdl" "$mdf" \
	"$("$mdf" -v 2>&1 | head -n 1)"
printf 'machine: %s CPUs, load average at start: %s\n\n' "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"

for vmcore in "${fixtures[@]}"; do
	: >"$work/raw"
	cat "$vmcore" >/dev/null # warm
	name="$(basename "$(dirname "$vmcore")")"
	for ((i = 0; i < runs; i++)); do
		one "$mdl" ours-z-31 -z -d 31
		one "$mdf" mdf-c-31 -c -d 31
		one "$mdf" mdf-l-31 -l -d 31
		one "$mdl" ours-z-1 -z -d 1
		one "$mdf" mdf-l-1 -l -d 1
		one "$mdf" mdf-c-1 -c -d 1
		one "$mdl" ours-l-1 -l -d 1
	done
	printf '== %s (%s MiB vmcore), median of %d runs\n' "$name" \
		"$(($(stat -c %s "$vmcore") >> 20))" "$runs"
	printf '%-12s %9s %9s %14s %10s\n' run seconds "CPU s" bytes "peak RSS"
	for l in ours-z-31 mdf-c-31 mdf-l-31 ours-z-1 mdf-l-1 mdf-c-1 ours-l-1; do
		printf '%-12s %9s %9s %14s %7s KiB\n' "$l" "$(med $l 2)" "$(med $l 5)" "$(med $l 3)" \
			"$(med $l 4)"
	done
	r=$(ratio "$(med ours-z-31 3)" "$(med mdf-c-31 3)")
	printf -- '-d 31: size ours -z / makedumpfile -c = %s  %s\n' "$r" "$(verdict "$r" 1.0 '<=')"
	r=$(ratio "$(med ours-z-31 2)" "$(med mdf-l-31 2)")
	printf -- '-d 31: time ours -z / makedumpfile -l = %s  %s\n' "$r" "$(verdict "$r" 1.0 '<=')"
	r=$(ratio "$(med ours-z-1 2)" "$(med mdf-l-1 2)")
	printf -- '-d 1:  time ours -z / makedumpfile -l = %s  %s\n' "$r" "$(verdict "$r" 0.6 '<=')"
	r=$(ratio "$(med ours-z-1 3)" "$(med mdf-l-1 3)")
	printf -- '-d 1:  size ours -z / makedumpfile -l = %s  %s\n' "$r" "$(verdict "$r" 0.9 '<=')"
	r=$(ratio "$(med mdf-c-1 2)" "$(med ours-z-1 2)")
	printf -- '-d 1:  time makedumpfile -c / ours -z = %s  %s\n' "$r" "$(verdict "$r" 5 '>=')"
	r=$(ratio "$(med ours-z-1 3)" "$(med mdf-c-1 3)")
	printf -- '-d 1:  size ours -z / makedumpfile -c = %s  %s\n' "$r" "$(verdict "$r" 1.0 '<=')"
	r=$(ratio "$(med ours-l-1 2)" "$(med mdf-l-1 2)")
	printf -- '-d 1:  time ours -l / makedumpfile -l = %s  (same codec, for reference)\n' "$r"
	# CPU time does not depend on what else the machine runs: what the wall-time ratios
	# would approach on an idle machine, before the gain of our parallel workers.
	printf -- 'CPU time ours / makedumpfile -l: -d 31 -z %s, -d 1 -z %s, -d 1 -l %s\n' \
		"$(ratio "$(med ours-z-31 5)" "$(med mdf-l-31 5)")" \
		"$(ratio "$(med ours-z-1 5)" "$(med mdf-l-1 5)")" \
		"$(ratio "$(med ours-l-1 5)" "$(med mdf-l-1 5)")"

	# the memory that grows with RAM: the bitmap store of a stream (a file needs none)
	store=$("$mdl" -F -z -d 31 -D "$vmcore" 2>&1 >/dev/null |
		sed -n 's/.*bitmap store \([0-9]*\) bytes.*/\1/p')
	ram=$(awk '/^memory=/ { sub("memory=", ""); print }' "$(dirname "$vmcore")/meta")
	printf 'memory: peak RSS %s KiB (-d 31), %s KiB (-d 1); bitmap store of a -F -d 31 stream: %s bytes for %s of RAM\n\n' \
		"$(med ours-z-31 4)" "$(med ours-z-1 4)" "${store:-?}" "${ram:-?}"
done
printf 'load average at the end: %s\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
