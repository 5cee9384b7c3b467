#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# Self-test of mkvmcore: generate the examples (and a few broken variants)
# and read them back with readers that share no code with this project:
# libkdumpfile (python3-libkdumpfile, via verify.py) and makedumpfile -R.
#
# Usage: selftest.sh PATH/TO/mkvmcore
# Exit:  0 pass, 1 fail, 77 skip (no python3-libkdumpfile).
set -euo pipefail

mkvmcore=${1:?usage: selftest.sh PATH/TO/mkvmcore}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
examples=$here/examples
# libkdumpfile's bindings are a Debian package: use the system python, not
# whatever python3 comes first on PATH (MKVMCORE_PYTHON overrides it).
python=${MKVMCORE_PYTHON:-/usr/bin/python3}
verify=("$python" "$here/verify.py")

if ! "$python" -c 'import kdumpfile' 2>/dev/null; then
	echo "SKIP: python3-libkdumpfile is not installed for $python"
	exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

step() { echo "== $*"; }
fail() { echo "FAIL: $*" >&2; exit 1; }

# Run mkvmcore expecting exit status 1 and an error message matching $1.
expect_spec_error() {
	local pattern=$1 rc=0
	shift
	"$mkvmcore" "$@" 2>"$tmp/err" || rc=$?
	[[ $rc == 1 ]] || fail "mkvmcore $* exited $rc, want 1"
	grep -q -- "$pattern" "$tmp/err" || fail "mkvmcore $*: want '$pattern', got: $(cat "$tmp/err")"
}

step "kdump: raw, zlib, zstd, zero, excluded pages, a hole, VMCOREINFO, 2 PRSTATUS"
"$mkvmcore" -o "$tmp/kdump.dump" "$examples/kdump-basic.spec"
"${verify[@]}" kdump-basic "$tmp/kdump.dump"
"$mkvmcore" -o "$tmp/kdump2.dump" "$examples/kdump-basic.spec"
cmp "$tmp/kdump.dump" "$tmp/kdump2.dump" || fail "output is not reproducible"

step "elf: two PT_LOADs (one with p_memsz > p_filesz), VMCOREINFO, PRSTATUS"
"$mkvmcore" -o "$tmp/elf.dump" "$examples/elf-basic.spec"
"${verify[@]}" elf-basic "$tmp/elf.dump"

step "flattened: records rebuilt independently == the kdump file"
"$mkvmcore" -o "$tmp/kdump.flat" "$examples/kdump-flat.spec"
"${verify[@]}" flat "$tmp/kdump.flat" "$tmp/kdump.dump"
"$mkvmcore" -s flattened=yes -o "$tmp/elf.flat" "$examples/elf-basic.spec"
"${verify[@]}" flat "$tmp/elf.flat" "$tmp/elf.dump"

if command -v makedumpfile >/dev/null; then
	step "flattened: makedumpfile -R gives byte-identical files"
	# timeout: makedumpfile -R spins on streams without an end record
	timeout 60 makedumpfile -R "$tmp/kdump.rebuilt" <"$tmp/kdump.flat" >/dev/null
	cmp "$tmp/kdump.dump" "$tmp/kdump.rebuilt" || fail "makedumpfile -R (kdump) differs"
	"$mkvmcore" "$examples/kdump-flat.spec" |
		timeout 60 makedumpfile -R "$tmp/kdump.piped" >/dev/null
	cmp "$tmp/kdump.dump" "$tmp/kdump.piped" || fail "makedumpfile -R from a pipe differs"
	timeout 60 makedumpfile -R "$tmp/elf.rebuilt" <"$tmp/elf.flat" >/dev/null
	cmp "$tmp/elf.dump" "$tmp/elf.rebuilt" || fail "makedumpfile -R (ELF) differs"
	"${verify[@]}" kdump-basic "$tmp/kdump.rebuilt"
else
	echo "   makedumpfile not installed: -R check skipped"
fi

step "flattened.end = no: the stream lacks the {-1,-1} record"
"$mkvmcore" -s flattened.end=no -o "$tmp/noend.flat" "$examples/kdump-flat.spec"
"${verify[@]}" no-end "$tmp/noend.flat"

step "incompressible page: stored raw unless 'force'"
"${verify[@]}" gen-random "$tmp/random.data" "$tmp/random.bin"
printf 'vmcoreinfo = %s\ndata = %s\n' "$examples/vmcoreinfo.txt" "$tmp/random.data" \
	>"$tmp/random.spec"
"$mkvmcore" -o "$tmp/random.dump" "$tmp/random.spec"
"${verify[@]}" random "$tmp/random.dump" "$tmp/random.bin"

step "every compression mkvmcore was built with"
algos=(zlib zstd)
for algo in lzo snappy; do
	if printf '@pfn 0 %s\n' "$algo" | "$mkvmcore" -o "$tmp/probe" 2>"$tmp/err"; then
		algos+=("$algo")
	elif grep -q "built without" "$tmp/err"; then
		echo "   mkvmcore was built without $algo: skipped"
	else
		fail "probing $algo: $(cat "$tmp/err")"
	fi
done
{
	echo "vmcoreinfo = $examples/vmcoreinfo.txt"
	for i in "${!algos[@]}"; do
		printf '@pfn %d %s\n"%s page %d\\n"\nfill a5\n' "$i" "${algos[i]}" "${algos[i]}" "$i"
	done
} >"$tmp/algos.spec"
"$mkvmcore" -o "$tmp/algos.dump" "$tmp/algos.spec"
"${verify[@]}" algos "$tmp/algos.dump" "${algos[@]}"

step "broken kdump: lost page, page_desc overrides, header overrides"
cat >"$tmp/broken.spec" <<EOF
vmcoreinfo = $examples/vmcoreinfo.txt
incomplete = yes
version = 5
nr_cpus = 7
@pfn 0
"a"
@pfn 1 lost
@pfn 2 raw size=8192		# raw page claiming two pages
"c"
@pfn 3 raw offset=0x100000	# data beyond the end of the file
@pfn 4 zlib flags=0x20		# zlib data flagged as zstd
"x"
EOF
"$mkvmcore" -o "$tmp/broken.dump" "$tmp/broken.spec"
"${verify[@]}" broken "$tmp/broken.dump"

step "broken ELF: incomplete, header overrides"
cat >"$tmp/elf-broken.spec" <<EOF
format = elf
incomplete = yes
e_flags = 0x40
ei_class = 1
e_machine = 3
@phdr type=LOAD paddr=0 memsz=0x1000
EOF
"$mkvmcore" -o "$tmp/elf-broken.dump" "$tmp/elf-broken.spec"
"${verify[@]}" elf-incomplete "$tmp/elf-broken.dump"

step "corrupt= and truncate= patch the written file"
"$mkvmcore" -s corrupt=0:4241 -o "$tmp/corrupt.dump" "$examples/kdump-basic.spec"
[[ $(head -c 8 "$tmp/corrupt.dump") == "BAUMP   " ]] || fail "corrupt= did not patch offset 0"
"${verify[@]}" open-fails "$tmp/corrupt.dump" "Unknown file format"
"$mkvmcore" -s truncate=6000 -o "$tmp/truncated.dump" "$examples/kdump-basic.spec"
[[ $(stat -c %s "$tmp/truncated.dump") == 6000 ]] || fail "truncate= did not cut the file"
"${verify[@]}" unreadable "$tmp/truncated.dump" 0

step "bad specs exit 1 with FILE:LINE"
printf 'format = kdump\nbogus = 1\n' >"$tmp/bad.spec"
expect_spec_error "bad.spec:2: unknown key 'bogus'" -o "$tmp/bad.dump" "$tmp/bad.spec"
[[ ! -e $tmp/bad.dump ]] || fail "a failed run left an output file"
printf 'format = elf\n\n@pfn 0\n' >"$tmp/bad.spec"
expect_spec_error "bad.spec:3: @pfn blocks need format = kdump" -o "$tmp/bad.dump" "$tmp/bad.spec"
printf '@pfn 0\n55:8*4097\n' >"$tmp/bad.spec"
expect_spec_error "bad.spec:2: data beyond the end of the block" -o "$tmp/bad.dump" "$tmp/bad.spec"
printf '@pfn 3\n@pfn 3 zero\n' >"$tmp/bad.spec"
expect_spec_error "bad.spec:2: pfn 0x3 is already defined at .*bad.spec:1" -o "$tmp/bad.dump" \
	"$tmp/bad.spec"
expect_spec_error "<command line>:1: page_size must be" -s page_size=1000 -o "$tmp/bad.dump" \
	"$examples/kdump-basic.spec"
rc=0
"$mkvmcore" "$examples/kdump-basic.spec" 2>"$tmp/err" | cat >/dev/null || rc=$?
if [[ $rc != 1 ]] || ! grep -q "not seekable" "$tmp/err"; then
	fail "non-flattened output to a pipe: exit $rc, $(cat "$tmp/err")"
fi
"$mkvmcore" --help | grep -q "Usage: mkvmcore" || fail "--help"

echo "PASS"
