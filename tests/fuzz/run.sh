#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fuzzing campaigns: builds the fuzz targets with clang's libFuzzer (ASan + UBSan) in their own
# build directory and runs each target for SECONDS. Each target keeps a working corpus in
# BUILDDIR/fuzz-runs/TARGET/corpus across runs; afterwards the inputs that reach new coverage
# are distilled into tests/fuzz/corpus/TARGET (replayed by ./check.sh from then on): the
# seed-* files, then the inputs that add the most coverage per byte, up to a byte budget per
# target so that the repository stays small (distill.py). Crashes, hangs (more than 10 s for
# one input), allocations over 64 MiB and leaks are left in
# BUILDDIR/fuzz-runs/TARGET/artifacts/ and make the script fail.
set -euo pipefail
cd "$(dirname "$0")/../.."

usage() {
	cat <<USAGE
Usage: tests/fuzz/run.sh [OPTIONS] SECONDS [TARGET...]

Runs each TARGET (default: every directory of tests/fuzz/corpus) for SECONDS of fuzzing and
merges new interesting inputs into its corpus. Per-target libFuzzer flags (-max_len, -dict)
and corpus budgets (budget=KIB) are read from tests/fuzz/TARGET.options.

  -j, --jobs N       targets to run at once (default: 1; one core each)
  --cpu              SECONDS of CPU time rather than of wall-clock time (on a busy machine)
  --budget KIB       bytes of fuzzer-found inputs kept in tests/fuzz/corpus/TARGET, besides
                     its seed-* files, when TARGET.options has no budget= (default: 256)
  --builddir DIR     the clang build directory (default: build-fuzz)
  --no-install       do not apt-get clang and libFuzzer when they are missing
  -h, --help         this text

Results: BUILDDIR/fuzz-runs/TARGET/{log,merge.log,artifacts/} and a line per target in
BUILDDIR/fuzz-runs/summary.tsv: target, seconds, CPU seconds, executions, coverage (edges and
features) reached by the campaign, then files, KiB, edges and features of the distilled
repository corpus, and the number of artifacts.
USAGE
}

jobs=1
budget=256
cpu_mode=0
builddir=build-fuzz
install=1
while [ $# -gt 0 ]; do
	case "$1" in
	-j | --jobs) jobs="$2"; shift ;;
	--budget) budget="$2"; shift ;;
	--cpu) cpu_mode=1 ;;
	--builddir) builddir="$2"; shift ;;
	--no-install) install=0 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "run.sh: unknown option '$1'" >&2; exit 2 ;;
	*) break ;;
	esac
	shift
done
if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
	usage >&2
	exit 2
fi
seconds="$1"
shift
fuzzdir=tests/fuzz
if [ $# -gt 0 ]; then
	targets=("$@")
else
	targets=()
	for d in "$fuzzdir"/corpus/*/; do
		targets+=("$(basename "$d")")
	done
fi

# --- the build ---
# shellcheck source=tests/packages.sh
. tests/packages.sh
have_libfuzzer() {
	command -v clang >/dev/null &&
		echo 'int LLVMFuzzerTestOneInput(const char *d, long n) { return 0; }' |
		clang -x c -fsanitize=fuzzer -o /dev/null - 2>/dev/null
}
if ! have_libfuzzer; then
	if [ "$install" = 1 ] && [ "$(id -u)" = 0 ]; then
		install_packages "${FUZZ_PACKAGES[@]}"
	fi
	if ! have_libfuzzer; then
		echo "run.sh: clang with libFuzzer is needed: apt-get install ${FUZZ_PACKAGES[*]}" >&2
		exit 1
	fi
fi
# clang's -Wformat-nonliteral (from -Wformat=2) refuses kexec/lib/context.c's vformat(), a
# vasprintf() wrapper without _printf_(1, 0), which gcc accepts: the warning is off in this
# build only (the gcc builds keep it).
if [ ! -f "$builddir/build.ninja" ]; then
	CC=clang meson setup "$builddir" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false -Dreal_fixtures=false -Dc_args=-Wno-format-nonliteral >/dev/null
fi
build_targets=()
for t in "${targets[@]}"; do
	if [ ! -d "$fuzzdir/corpus/$t" ]; then
		echo "run.sh: no corpus directory $fuzzdir/corpus/$t: is '$t' a fuzz target?" >&2
		exit 2
	fi
	build_targets+=("$fuzzdir/$t")
done
meson compile -C "$builddir" "${build_targets[@]}" >/dev/null

runs="$builddir/fuzz-runs"
mkdir -p "$runs"
export ASAN_OPTIONS="detect_leaks=1:allocator_may_return_null=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"

# A target's .options file: libFuzzer flags, one per line (the file of -dict= is relative to
# tests/fuzz), and "budget=KIB" for the size of its distilled corpus; '#' starts a comment.
target_options() {
	local line
	[ -f "$fuzzdir/$1.options" ] || return 0
	while IFS= read -r line; do
		line="${line%%#*}"
		line="${line//[[:space:]]/}"
		case "$line" in
		-dict=*) echo "-dict=$fuzzdir/${line#-dict=}" ;;
		-*) echo "$line" ;;
		esac
	done <"$fuzzdir/$1.options"
}

target_budget() {
	local b
	b=$(sed -n 's/^budget=\([0-9]*\).*/\1/p' "$fuzzdir/$1.options" 2>/dev/null | tail -n1)
	echo "${b:-$budget}"
}

# The coverage a directory of inputs reaches: "EDGES FEATURES".
coverage_of() {
	"$1" -runs=0 "${@:2}" 2>&1 |
		awk '/INITED|DONE/ { for (i = 1; i < NF; i++) { if ($i == "cov:") c = $(i + 1)
			if ($i == "ft:") f = $(i + 1) } } END { print c, f }'
}

# The seed-* files, then the inputs of the working and repository corpora that add the most
# coverage per byte, up to the budget (distill.py).
distill() {
	local t="$1" exe="$2" dir="$3" f
	shift 3
	rm -rf "$dir/distill" "$dir/chosen" "$dir/merge.ctl"
	mkdir -p "$dir/distill" "$dir/chosen"
	cp "$fuzzdir/corpus/$t"/seed-* "$dir/distill/" 2>/dev/null || true
	# The merge's control file says what each input covers (the seeds first).
	"$exe" -merge=1 -merge_control_file="$dir/merge.ctl" "$@" "$dir/distill" "$dir/corpus" \
		"$fuzzdir/corpus/$t" >"$dir/merge.log" 2>&1
	python3 "$fuzzdir/distill.py" "$dir/merge.ctl" "$(target_budget "$t")" >"$dir/chosen.txt"
	while read -r f; do
		cp "$f" "$dir/chosen/"
	done <"$dir/chosen.txt"
	find "$fuzzdir/corpus/$t" -type f ! -name 'seed-*' -delete
	cp "$dir/chosen"/* "$fuzzdir/corpus/$t/" 2>/dev/null || true
	rm -rf "$dir/distill" "$dir/chosen"
}

run_target() {
	local t="$1" exe="$builddir/$fuzzdir/$1" dir="$runs/$1" opts seeds cpu=0 ms=0 c execs=0 e cov ft
	local files kib arts left
	mapfile -t opts < <(target_options "$t")
	# Artifacts of an earlier run go (a fixed one belongs in tests/fuzz/regress/TARGET/).
	rm -rf "$dir/artifacts"
	mkdir -p "$dir/corpus" "$dir/artifacts"
	: >"$dir/log"
	seeds=("$fuzzdir/corpus/$t")
	if [ -d "$fuzzdir/regress/$t" ]; then
		seeds+=("$fuzzdir/regress/$t")
	fi
	local TIMEFORMAT='%U %S'
	# With --cpu, runs again (from the corpus grown so far) until the CPU time is spent,
	# counted in milliseconds (rounding each run to seconds could end a campaign short of it).
	while left=$(((seconds * 1000 - ms + 999) / 1000)) && [ "$left" -gt 0 ]; do
		{ time "$exe" -max_total_time="$left" -rss_limit_mb=2048 -malloc_limit_mb=64 \
			-timeout=10 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
			"${opts[@]}" "$dir/corpus" "${seeds[@]}" >"$dir/log.last" 2>&1 || true; } \
			2>"$dir/time"
		cat "$dir/log.last" >>"$dir/log"
		c=$(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$dir/time")
		e=$(awk '/^stat::number_of_executed_units:/ { n = $2 } END { print n + 0 }' "$dir/log.last")
		ms=$((ms + c))
		cpu=$((ms / 1000))
		execs=$((execs + e))
		if [ "$cpu_mode" = 0 ] || [ "$c" -lt 10 ] || [ -n "$(find "$dir/artifacts" -type f)" ]; then
			break
		fi
	done
	distill "$t" "$exe" "$dir" "${opts[@]}"

	# the last status line: "#N DONE cov: X ft: Y corp: ..."
	cov=$(awk '/^#[0-9]+/ { for (i = 1; i < NF; i++) if ($i == "cov:") n = $(i + 1) } END { print n }' "$dir/log.last")
	ft=$(awk '/^#[0-9]+/ { for (i = 1; i < NF; i++) if ($i == "ft:") n = $(i + 1) } END { print n }' "$dir/log.last")
	files=$(find "$fuzzdir/corpus/$t" -type f | wc -l)
	kib=$(find "$fuzzdir/corpus/$t" -type f -printf '%s\n' | awk '{ n += $1 } END { printf "%.0f", n / 1024 }')
	arts=$(find "$dir/artifacts" -type f | wc -l)
	printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$seconds" "$cpu" "$execs" \
		"${cov:-?}" "${ft:-?}" "$files" "$kib" \
		"$(coverage_of "$exe" "${opts[@]}" "${seeds[@]}" | tr ' ' '\t')" "$arts" |
		tee -a "$runs/summary.tsv"
}

printf 'target\tseconds\tcpu_s\texecs\tcov\tft\tcorpus_files\tcorpus_kib\tcorpus_cov\tcorpus_ft\tartifacts\n' >&2
running=0
for t in "${targets[@]}"; do
	if [ "$running" -ge "$jobs" ]; then
		wait -n || true
		running=$((running - 1))
	fi
	run_target "$t" &
	running=$((running + 1))
done
wait

failed=0
for t in "${targets[@]}"; do
	if [ -n "$(find "$runs/$t/artifacts" -type f)" ]; then
		echo "run.sh: $t found problems: $runs/$t/artifacts/ (log: $runs/$t/log)" >&2
		failed=1
	fi
done
exit "$failed"
