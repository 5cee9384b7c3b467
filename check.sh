#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Install what the project needs, build with ASan/UBSan, produce (or reuse) the real-kernel
# fixtures, and run every test. Idempotent; run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")"

usage() {
	cat <<USAGE
Usage: ./check.sh [--no-install] [--no-real] [-- MESON-TEST-ARGS...]

Installs the build and test dependencies (apt-get), configures build-check/ with ASan and
UBSan, builds, makes sure the real vmcore fixtures exist (boots Debian kernels in qemu and
crashes them, cached under ~/.cache/kdump-suite/), and runs every test with meson test.

  --no-install   do not call apt-get
  --no-real      skip everything that boots a kernel in qemu: the real-kernel fixtures and the
                 tests of the suite 'real' (the end-to-end tests)
  -h, --help     this text
USAGE
}

install=1
real=1
while [ $# -gt 0 ]; do
	case "$1" in
	--no-install) install=0 ;;
	--no-real) real=0 ;;
	-h | --help) usage; exit 0 ;;
	--) shift; break ;;
	*) echo "check.sh: unknown option '$1'" >&2; echo "Try './check.sh --help'." >&2; exit 1 ;;
	esac
	shift
done

# shellcheck source=tests/packages.sh
. tests/packages.sh
if [ "$install" = 1 ]; then
	install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
fi

builddir=build-check
if [ -d "$builddir" ]; then
	meson setup --reconfigure "$builddir" -Db_sanitize=address,undefined -Db_lundef=false >/dev/null
else
	meson setup "$builddir" -Db_sanitize=address,undefined -Db_lundef=false
fi
meson compile -C "$builddir"

if [ "$real" = 1 ]; then
	# Fixtures are produced once per kernel package and cached; a fresh machine needs a few
	# minutes here (two qemu boot-fill-crash-capture cycles under TCG).
	tests/realvm/fixtures.sh >&2
fi

# Every sanitizer report goes to a file of its own and fails the run, also when it comes from
# a tool that a test expects to fail (its exit status alone cannot tell the two apart).
reports="$PWD/$builddir/sanitizer-reports"
rm -rf "$reports"
mkdir -p "$reports"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1:log_path=$reports/ubsan"
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:log_path=$reports/asan"
suites=()
[ "$real" = 1 ] || suites=(--no-suite real)
rc=0
meson test -C "$builddir" --print-errorlogs --num-processes 2 "${suites[@]}" "$@" || rc=$?
if [ -n "$(ls -A "$reports")" ]; then
	echo "check.sh: sanitizer reports (each fails the run):" >&2
	for f in "$reports"/*; do
		echo "== $f" >&2
		head -n 40 "$f" >&2
	done
	[ "$rc" != 0 ] || rc=1
fi
exit "$rc"
