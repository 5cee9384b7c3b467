#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The Quick-start demo: install what is needed, build, crash a real Debian
# kernel in qemu, capture its /proc/vmcore and look inside with our own tool.
# Idempotent; run as root on Debian 12.
set -euo pipefail
cd "$(dirname "$0")"

KERNEL_SERIES="${DEMO_KERNEL:-6.12}"
MEM="${DEMO_MEM:-1G}"
OUT="${DEMO_OUT:-demo-output}"
BUILDDIR=build
VMCORE_TOOL="$BUILDDIR/vmcore/vmcore"
INSTALL=1

usage() {
	cat <<USAGE
Usage: ./demo.sh [--no-install] [--kernel 6.1|6.12] [--mem SIZE] [--out DIR]

1. installs the Debian packages the project needs (apt-get, only what is
   missing; the package lists are refreshed at most once a day),
2. builds the project in $BUILDDIR/ (meson setup once, then meson compile),
3. runs a FRESH crash cycle in qemu (TCG): boots a Debian $KERNEL_SERIES kernel with
   $MEM of RAM, fills its memory, loads the capture kernel with our kexec,
   panics it through sysrq, and in the capture kernel our makedumpfile-lite
   saves /proc/vmcore (-d 31, zstd) to a disk; the dump lands in $OUT/,
4. summarises the dump with build/vmcore/vmcore: info, the end of dmesg,
   pages, and how long each phase took.

Kernel packages are downloaded once and cached in ~/.cache/kdump-suite/.

Options:
  --no-install     do not call apt-get
  --kernel SERIES  Debian kernel series (default $KERNEL_SERIES; env DEMO_KERNEL)
  --mem SIZE       guest memory (default $MEM; env DEMO_MEM)
  --out DIR        output directory (default $OUT; env DEMO_OUT)
  -h, --help       this text
USAGE
}

say() {
	printf '\n==> %s\n' "$*"
}

now() {
	printf '%s' "${EPOCHREALTIME/,/.}"
}

# The package lists decide which kernel get-kernel.sh downloads. Refresh them
# once a day at most: apt keeps a list file's old mtime when the archive has
# not changed, so our own stamp says when we last ran apt-get update.
refresh_apt_lists() {
	local stamp="${KDUMP_SUITE_CACHE:-$HOME/.cache/kdump-suite}/apt-update.stamp"
	if [ -n "$(find /var/lib/apt/lists -maxdepth 1 -name '*_Packages*' 2>/dev/null | head -n1)" ] &&
		[ -n "$(find "$stamp" /var/lib/apt/lists -maxdepth 1 -newermt '-1 day' \
			\( -name '*_Packages*' -o -name apt-update.stamp \) 2>/dev/null | head -n1)" ]; then
		return 0
	fi
	say "apt-get update (package lists missing or older than a day)"
	apt-get update -qq
	mkdir -p "$(dirname "$stamp")"
	touch "$stamp"
}

install_dependencies() {
	# shellcheck source=tests/packages.sh
	. tests/packages.sh
	if [ "$INSTALL" = 0 ]; then
		return 0
	fi
	if [ "$(id -u)" != 0 ]; then
		echo "demo.sh: run as root (apt-get), or pass --no-install" >&2
		exit 1
	fi
	say "Checking the Debian packages (installing what is missing)"
	refresh_apt_lists
	install_packages "${BUILD_PACKAGES[@]}" "${TEST_PACKAGES[@]}"
}

# Build, but do not stop the demo if it fails: the crash cycle does not need
# our binaries, and its dump is still worth showing. BUILD_OK says.
build_project() {
	say "Building in $BUILDDIR/"
	BUILD_OK=1
	if [ ! -f "$BUILDDIR/build.ninja" ]; then
		meson setup "$BUILDDIR" || BUILD_OK=0
	fi
	if [ "$BUILD_OK" = 1 ]; then
		meson compile -C "$BUILDDIR" || BUILD_OK=0
	fi
	if [ "$BUILD_OK" = 0 ] || [ ! -x "$VMCORE_TOOL" ]; then
		BUILD_OK=0
		echo "demo.sh: the build failed; the dump will be made anyway" >&2
	fi
}

# Our own tools in the guest: kexec loads the capture kernel, makedumpfile-lite saves the
# dump (-d 31, zstd) in the capture kernel. They go into the initramfs under /opt/ks.
stage_our_tools() {
	STAGE="$OUT.tools"
	rm -rf "$STAGE"
	mkdir -p "$STAGE/opt/ks/sbin" "$STAGE/opt/ks/bin"
	cp "$BUILDDIR/kexec/kexec" "$BUILDDIR/makedumpfile-lite/makedumpfile-lite" "$STAGE/opt/ks/sbin/"
	cat >"$STAGE/opt/ks/bin/ks-capture.sh" <<'CAPTURE'
#!/bin/sh
# The capture step: our collector into the capture kernel's tmpfs, then onto the dump disk.
set -e
/opt/ks/sbin/makedumpfile-lite -d 31 -z "$VMCORE" /tmp/vmcore
size=$(stat -c %s /tmp/vmcore)
dd if=/tmp/vmcore of="$DUMP_DEV" bs=1M 2>/dev/null
echo "VMCORE-SIZE=$size"
CAPTURE
	chmod 0755 "$STAGE/opt/ks/bin/ks-capture.sh"
}

crash_cycle() {
	say "Crash cycle: Debian $KERNEL_SERIES kernel, $MEM RAM, qemu -accel tcg"
	local tools=()
	if [ "$BUILD_OK" = 1 ]; then
		stage_our_tools
		echo "capture kernel loaded by our kexec, dump saved by our makedumpfile-lite (-d 31 -z)"
		# The single quotes are deliberate: the guest's /init expands these variables.
		# shellcheck disable=SC2016
		tools=(--extra "$STAGE"
			--kexec-cmd '/opt/ks/sbin/kexec --crash-load --initrd "$INITRD" "$KERNEL"'
			--capture-cmd /opt/ks/bin/ks-capture.sh)
	fi
	VMCORE="$(tests/realvm/make-fixture.sh --kernel "$KERNEL_SERIES" --mem "$MEM" \
		--out "$OUT" --force --marker "demo $(date -u +%Y-%m-%dT%H:%M:%SZ)" "${tools[@]}")"
}

meta() {
	sed -n "s/^$1=//p" "$OUT/meta"
}

# Run one of our tool's commands, keep its output in OUT, and add its time
# to ANALYSIS_SECONDS.
run_tool() {
	local name="$1" start rc=0
	shift
	start="$(now)"
	"$VMCORE_TOOL" "$@" >"$OUT/vmcore-$name.txt" 2>&1 || rc=$?
	ANALYSIS_SECONDS="$(awk -v s="$ANALYSIS_SECONDS" -v a="$start" -v b="$(now)" \
		'BEGIN { printf "%.2f", s + b - a }')"
	if [ "$rc" != 0 ]; then
		cat "$OUT/vmcore-$name.txt"
		echo "demo.sh: vmcore $* exited $rc" >&2
		TOOL_FAILED=1
		return 1
	fi
}

analyse() {
	ANALYSIS_SECONDS=0
	TOOL_FAILED=0
	if [ "$BUILD_OK" = 0 ]; then
		say "Our tool did not build; what Debian's tools read from the dump"
		grep -E '^(kernel_release|libkdumpfile_|makedumpfile_|kernel_offset|vmcore_size)' "$OUT/meta"
		if [ -f "$OUT/dmesg.txt" ]; then
			say "makedumpfile --dump-dmesg (last 15 lines)"
			tail -n 15 "$OUT/dmesg.txt"
		fi
		return 0
	fi
	say "vmcore info $VMCORE"
	run_tool info info "$VMCORE" && cat "$OUT/vmcore-info.txt"
	say "vmcore dmesg $VMCORE (last 15 lines)"
	if run_tool dmesg dmesg "$VMCORE"; then
		tail -n 15 "$OUT/vmcore-dmesg.txt"
		# The line the guest wrote to /dev/kmsg just before the crash.
		printf '\nmarker: %s\n' "$(grep -m1 'KDUMP-SUITE-MARKER' "$OUT/vmcore-dmesg.txt" || echo 'NOT FOUND')"
	fi
	say "vmcore pages $VMCORE"
	run_tool pages pages "$VMCORE" && cat "$OUT/vmcore-pages.txt"
	return 0
}

timings() {
	local fill_done exit_at
	fill_done="$(meta at_fill_done)"
	exit_at="$(meta at_exit)"
	say "Timings"
	printf '  %-42s %6s s\n' \
		"boot the first kernel" "$(meta at_first_init)" \
		"boot + fill memory" "$fill_done" \
		"load capture kernel, crash, capture, off" \
		"$(awk -v a="$fill_done" -v b="$exit_at" 'BEGIN { printf "%.1f", b - a }')" \
		"  of which saving the dump" "$(meta seconds_capture_copy)" \
		"whole qemu run" "$exit_at" \
		"analysis with build/vmcore/vmcore" "$ANALYSIS_SECONDS"
	printf '  dump: %s (%s bytes, kernel %s)\n' "$VMCORE" "$(meta vmcore_size)" "$(meta kernel_release)"
}

main() {
	while [ $# -gt 0 ]; do
		case "$1" in
		--no-install) INSTALL=0; shift ;;
		--kernel) KERNEL_SERIES="${2:?--kernel needs 6.1 or 6.12}"; shift 2 ;;
		--mem) MEM="${2:?--mem needs a size}"; shift 2 ;;
		--out) OUT="${2:?--out needs a directory}"; shift 2 ;;
		-h | --help) usage; exit 0 ;;
		*) echo "demo.sh: unknown option '$1' (see --help)" >&2; exit 2 ;;
		esac
	done
	install_dependencies
	build_project
	crash_cycle
	analyse
	timings
	if [ "$BUILD_OK" = 0 ] || [ "$TOOL_FAILED" = 1 ]; then
		echo "demo.sh: the dump was made, but our own tool failed (see above)" >&2
		exit 1
	fi
}

main "$@"
