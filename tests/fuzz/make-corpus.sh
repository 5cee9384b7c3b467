#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# (Re)creates the seed files of the fuzz corpora, tests/fuzz/corpus/TARGET/seed-*:
#   fuzz-elf, fuzz-kdump, fuzz-flat  mkvmcore outputs of tests/gen/examples and tests/cases (each
#                                    by its format), and from the real fixtures when they are
#                                    cached: their first 16 KiB (truncated), and small real dumps
#                                    cut down by shrink-dump.py (ELF, makedumpfile -c/-l/plain,
#                                    flattened)
#   fuzz-vmcoreinfo                  the VMCOREINFO texts of the repository
#   fuzz-dmesg, fuzz-pageclass,
#   fuzz-xlat                        written by fuzz-mkseeds (mkseeds.c)
#   fuzz-kdump-conf, fuzz-kexec-config,
#   fuzz-iomem, fuzz-cmdline,
#   fuzz-crashkernel                 written by text-seeds.py: real files of the repository
#                                    (and tests/fuzz/seeds/), the unit tests' inputs, bad variants
# Seeds are never larger than 64 KiB. Inputs the fuzzers found (the other files) are kept.
#
#   make-corpus.sh [BUILDDIR]   BUILDDIR (default build-fuzz-replay) is configured if needed;
#                               mkvmcore and fuzz-mkseeds are built there
#   make-corpus.sh --text       only the seeds of the text-parser targets (nothing to build)
set -euo pipefail
cd "$(dirname "$0")/../.."
top="$PWD"
corpus=tests/fuzz/corpus
max=65536
text_targets=(fuzz-kdump-conf fuzz-kexec-config fuzz-iomem fuzz-cmdline fuzz-crashkernel)

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# put TARGET NAME FILE: FILE becomes corpus/TARGET/seed-NAME, if it is small enough.
put() {
	local size
	size=$(stat -c %s "$3")
	if [ "$size" -eq 0 ] || [ "$size" -gt "$max" ]; then
		echo "make-corpus: skipping $2 for $1 ($size bytes)" >&2
		return 0
	fi
	mkdir -p "$corpus/$1"
	cp "$3" "$corpus/$1/seed-$2"
}

# The text parsers: kdump.conf, the load-config file, /proc/iomem, command lines, crashkernel=.
text_seeds() {
	local t f
	for t in "${text_targets[@]}"; do
		rm -f "$corpus/$t"/seed-*
	done
	python3 tests/fuzz/text-seeds.py "$work/text"
	for t in "$work"/text/*; do
		for f in "$t"/*; do
			put "$(basename "$t")" "$(basename "$f")" "$f"
		done
	done
}

if [ "${1:-}" = --text ]; then
	text_seeds
	exit 0
fi
builddir="${1:-build-fuzz-replay}"

if [ ! -f "$builddir/build.ninja" ]; then
	meson setup "$builddir" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
fi
meson compile -C "$builddir" tests/gen/mkvmcore tests/fuzz/fuzz-mkseeds >/dev/null
mkvmcore="$builddir/tests/gen/mkvmcore"

# The target of a dump file, by its signature.
target_of() {
	case "$(head -c 12 "$1" | tr -d '\0')" in
	makedumpfile) echo fuzz-flat ;;
	KDUMP* | DISKDUMP*) echo fuzz-kdump ;;
	*) echo fuzz-elf ;;
	esac
}

rm -f "$corpus"/*/seed-*

# --- synthetic dumps ---
for spec in tests/gen/examples/*.spec tests/cases/*/spec; do
	case "$spec" in
	*/examples/*) name="example-$(basename "$spec" .spec)" ;;
	*) name="case-$(basename "$(dirname "$spec")")" ;;
	esac
	if "$mkvmcore" -o "$work/dump" "$spec" 2>/dev/null; then
		put "$(target_of "$work/dump")" "$name" "$work/dump"
	fi
done
# The examples in the other container too.
for spec in tests/gen/examples/kdump-basic.spec tests/gen/examples/elf-basic.spec; do
	"$mkvmcore" -s flattened=yes -o "$work/dump" "$spec"
	put fuzz-flat "example-$(basename "$spec" .spec)-flattened" "$work/dump"
done

# Small files with every page compression (about 22 KiB: the fuzzers mutate their pages
# within -max_len), in both containers.
small_kdump() {
	cat <<SPEC
format = kdump
prstatus = 1
vmcoreinfo.append = OSRELEASE=6.1.0-fuzz
vmcoreinfo.append = PAGESIZE=4096
@pfn 0 zlib
0*512+1
@pfn 1 zstd
fill 5a
@pfn 2 lzo
206f7a6c:32*300
@pfn 3 snappy
fill a5
@pfn 4 zero
@pfn 5 exclude
@pfn 6 lost
SPEC
}
small_kdump | "$mkvmcore" -o "$work/dump"
put fuzz-kdump small-compressed "$work/dump"
small_kdump | "$mkvmcore" -s flattened=yes -o "$work/dump"
put fuzz-flat small-compressed "$work/dump"
small_kdump | "$mkvmcore" -s bitmap_blocks=1 -s version=1 -s signature=DISKDUMP -o "$work/dump"
put fuzz-kdump small-diskdump-one-bitmap "$work/dump"

# --- real fixtures (tests/realvm; skipped when they are not cached) ---
# shellcheck source=tests/realvm/lib.sh
. tests/realvm/lib.sh
# shellcheck source=tests/realvm/fixture-path.sh
. tests/realvm/fixture-path.sh
shrink="$top/tests/fuzz/shrink-dump.py"
for series in 6.1 6.12; do
	if ! dir="$(fixture_dir_for "$series")"; then
		echo "make-corpus: no cached $series fixture: no real seeds for it" >&2
		continue
	fi
	vmcore="$dir/vmcore"
	head -c 16384 "$vmcore" >"$work/head"
	put fuzz-elf "real-$series-first-16k" "$work/head"
	python3 "$shrink" elf "$vmcore" "$work/elf" --pages 1
	put fuzz-elf "real-$series-elf-small" "$work/elf"
	python3 "$shrink" flat "$work/elf" "$work/elf-flat"
	put fuzz-flat "real-$series-elf-small" "$work/elf-flat"
	if ! command -v makedumpfile >/dev/null; then
		echo "make-corpus: no makedumpfile: no real kdump seeds" >&2
		continue
	fi
	# -c zlib, -l lzo, -p is snappy where makedumpfile has it and plain pages where it has not
	for c in c l p; do
		makedumpfile "-$c" -d 31 "$vmcore" "$work/mdf-$c" >/dev/null 2>&1
		python3 "$shrink" kdump "$work/mdf-$c" "$work/small" --pages "$([ "$c" = p ] && echo 1 || echo 2)"
		put fuzz-kdump "real-$series-makedumpfile-$c-small" "$work/small"
		if [ "$c" = c ]; then
			head -c 16384 "$work/mdf-$c" >"$work/head"
			put fuzz-kdump "real-$series-makedumpfile-c-first-16k" "$work/head"
			python3 "$shrink" flat "$work/small" "$work/small-flat"
			put fuzz-flat "real-$series-makedumpfile-c-small" "$work/small-flat"
			makedumpfile -F -c -d 31 "$vmcore" 2>/dev/null | head -c 49152 >"$work/flat-head" || true
			put fuzz-flat "real-$series-makedumpfile-F-first-48k" "$work/flat-head"
		fi
		rm -f "$work/mdf-$c"
	done
done

# --- VMCOREINFO texts ---
for f in tests/realvm/vmcoreinfo-*.txt; do
	put fuzz-vmcoreinfo "$(basename "$f" .txt)" "$f"
done
put fuzz-vmcoreinfo synthetic-cases tests/cases/common/vmcoreinfo.txt
put fuzz-vmcoreinfo synthetic-examples tests/gen/examples/vmcoreinfo.txt

# --- the text parsers ---
text_seeds

# --- the vmimage targets ---
"$builddir/tests/fuzz/fuzz-mkseeds" "$work/img"
for t in "$work"/img/*; do
	for f in "$t"/seed-*; do
		put "$(basename "$t")" "${f##*/seed-}" "$f"
	done
done

du -sh "$corpus"/* >&2
