#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# The kdump service end to end on a real Debian 12 system in qemu (TCG): our build installed
# with meson install --destdir, systemd as init, crashkernel= as 'kdumpctl estimate'
# recommends, 'systemctl enable --now kdump', 'kdumpctl status' ready, 'kdumpctl test-panic
# --yes', the capture kernel with our dracut-built initramfs saves the dump, the guest
# reboots, 'kdumpctl list' shows it complete, and on the host the dump passes 'vmcore verify'
# and libkdumpfile reads it. Variants are chained on one overlay to save boots:
#
#   boot 1   prepare (kdump.conf, rebuild, estimate, crashkernel --set auto)
#   boot 2   arm-panic rootfs                  (+ the capture kernel, + its reboot)
#   boot 3   after rootfs, arm-panic raw       (+ capture to the raw disk)
#   boot 4   after raw (start saves the raw dump), arm-panic missing (target wiped)
#   boot 5   after missing (the dump fell back to the root filesystem)
#
# kdump-e2e-guest.sh runs the steps in the guest.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=debian-vm/vm.sh
. "$here/debian-vm/vm.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} [OPTIONS] BUILDDIR

Install the meson build BUILDDIR (configured with --prefix=/usr is best) into the Debian 12
test guest of debian-vm/ and run the kdump end to end test. Exit 0 pass, 1 fail, 77 skipped
(no qemu, no image and it cannot be built, no capture agent in the build, no libkdumpfile).

Options:
  --kernel 6.1|6.12        the guest's kernel (default: 6.1)
  --variants LIST          comma-separated, in order, from rootfs,raw,missing
                           (default: rootfs,raw,missing)
  --mem SIZE               guest memory (default: 2G)
  --crashkernel SIZE       instead of what 'kdumpctl estimate' recommends
  --keep                   keep the run directory (console logs, outputs, dumps)
  -h, --help               this text
USAGE
}

KERNEL=6.1 VARIANTS=rootfs,raw,missing MEM=2G CRASHKERNEL="" BUILD=""
PYTHON=/usr/bin/python3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --kernel) KERNEL="${2:?}"; shift 2 ;;
        --variants) VARIANTS="${2:?}"; shift 2 ;;
        --mem) MEM="${2:?}"; shift 2 ;;
        --crashkernel) CRASHKERNEL="${2:?}"; shift 2 ;;
        --keep) VM_KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) BUILD="$1"; shift ;;
    esac
done
[[ -n "$BUILD" && -f "$BUILD/build.ninja" ]] || die "give the meson build directory (see --help)"
BUILD="$(cd "$BUILD" && pwd)"
VMCORE="$BUILD/vmcore/vmcore"
IFS=, read -r -a variants <<<"$VARIANTS"

FAILED=()
result() { # NAME PASS|FAIL DETAIL
    printf '  %-40s %s %s\n' "$1" "$2" "${3:-}" >&2
    [[ "$2" == PASS ]] || FAILED+=("$1")
}

# Every KS-CHECK of a boot's output (named STEP/CHECK by the guest); each expected name that
# is missing is a FAIL.
judge() { # BOOT EXPECTED...
    local n="$1" name line found
    shift
    while IFS= read -r line; do
        line="${line#KS-CHECK }"
        result "${line%% *}" "$(cut -d' ' -f2 <<<"$line")" "$(cut -d' ' -f3- <<<"$line")"
    done < <(vm_output "$n" | grep '^KS-CHECK ' || true)
    for name in "$@"; do
        found="$(vm_output "$n" | grep -c "^KS-CHECK $name " || true)"
        [[ "$found" != 0 ]] || result "$name" FAIL "(not reported)"
    done
}

TIMES=()
timing() { # NAME SECONDS
    TIMES+=("$(printf '%-34s %7ss' "$1" "$2")")
}
guest_times() { # BOOT
    local name seconds
    while read -r _ name seconds; do
        timing "guest: $name" "$seconds"
    done < <(vm_output "$1" | grep '^KS-TIME ' || true)
}

# On the host: the dump a step copied out must verify and open in libkdumpfile.
check_dump() { # VARIANT
    local v="$1" dir="$VM_DIR/share/boot-$VM_BOOT/dump-$1" rel
    if [[ ! -f "$dir/vmcore" ]]; then
        result "$v/host-dump-copied" FAIL "(no $dir/vmcore)"
        return
    fi
    result "$v/host-dump-copied" PASS "$(stat -c %s "$dir/vmcore") bytes, $(cat "$dir/NAME")"
    if "$VMCORE" verify "$dir/vmcore" >"$dir/verify.txt" 2>&1; then
        result "$v/host-vmcore-verify" PASS "$(tail -n 1 "$dir/verify.txt")"
    else
        result "$v/host-vmcore-verify" FAIL "$(tail -n 3 "$dir/verify.txt" | tr '\n' ' ')"
    fi
    rel="$("$PYTHON" - "$dir/vmcore" <<'PY' 2>&1
import sys, kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr['addrxlat.ostype'] = 'linux'
print(k.attr['linux.uts.release'])
PY
)" || true
    if [[ "$rel" == "$VM_KERNEL_RELEASE" ]]; then
        result "$v/host-libkdumpfile" PASS "linux.uts.release $rel"
    else
        result "$v/host-libkdumpfile" FAIL "($rel, want $VM_KERNEL_RELEASE)"
    fi
    "$VMCORE" dmesg "$dir/vmcore" >"$dir/dmesg.txt" 2>&1 || true
    if grep -q 'sysrq: Trigger a crash' "$dir/dmesg.txt"; then
        result "$v/host-dmesg-has-sysrq" PASS
    else
        result "$v/host-dmesg-has-sysrq" FAIL
    fi
    if grep -q 'sysrq: Trigger a crash' "$dir/vmcore-dmesg.txt"; then
        result "$v/host-vmcore-dmesg.txt" PASS
    else
        result "$v/host-vmcore-dmesg.txt" FAIL
    fi
    if grep -q "\"complete\": true" "$VM_DIR/share/boot-$VM_BOOT/list-$v.json"; then
        result "$v/list-json-complete" PASS
    else
        result "$v/list-json-complete" FAIL
    fi
}

# The boot that ends in a panic: the capture kernel must have run and rebooted.
judge_panic() { # VARIANT
    local v="$1" console
    console="$(vm_console "$VM_BOOT")"
    result "$v/panicked-and-rebooted" "$([[ "$VM_EXIT" == reboot && "$VM_PANICKED" == 1 ]] &&
        echo PASS || echo FAIL)" "(exit $VM_EXIT, panicked $VM_PANICKED)"
    result "$v/capture-kernel-booted" "$([[ "$VM_KERNELS" -ge 2 ]] && echo PASS || echo FAIL)" \
        "($VM_KERNELS kernels)"
    if grep -q 'kdump-save: ' "$console"; then
        result "$v/agent-ran" PASS "$(grep 'kdump-save: ' "$console" | tail -n 1 | cut -c1-100)"
    else
        result "$v/agent-ran" FAIL
    fi
}

[[ -x "$VMCORE" ]] || { log "skip: no vmcore tool in $BUILD"; exit 77; }
"$PYTHON" -c 'import kdumpfile' 2>/dev/null ||
    { log "skip: libkdumpfile (python3 kdumpfile) is not installed"; exit 77; }
DEST="$(mktemp -d "${TMPDIR:-/tmp}/kdump-e2e-destdir.XXXXXX")"
trap 'vm_cleanup; rm -rf "$DEST"' EXIT
trap 'exit 130' INT TERM
INSTALL_BUILD="$(vm_release_build "$BUILD")" || { log "cannot build a release build to install"; exit 1; }
meson install -C "$INSTALL_BUILD" --destdir "$DEST" --no-rebuild --quiet >/dev/null
if ! find "$DEST" -path '*/kdump-suite/kdump-save' -type f | grep -q . ||
    ! find "$DEST" -name kdumpctl -type f | grep -q .; then
    log "skip: the build has no kdumpctl or kdump-save"
    exit 77
fi
t_all="$(now)"
rc=0
vm_init --kernel "$KERNEL" --mem "$MEM" || rc=$?
[[ "$rc" == 0 ]] || exit "$rc"
vm_add_disk ksraw 3G
vm_add_disk kstarget 1G
vm_install "$DEST"

g="$here/kdump-e2e-guest.sh"
log "boot 1: prepare (${variants[0]})"
vm_run --timeout 1200 "$g" prepare "${variants[0]}" || true
judge "$VM_BOOT" prepare/check-config prepare/rebuild prepare/initramfs-built \
    prepare/crashkernel-set
guest_times "$VM_BOOT"
timing "boot 1 (prepare)" "$VM_T_TOTAL"
ck="${CRASHKERNEL:-$(cat "$VM_BOOT_DIR/crashkernel" 2>/dev/null || true)}"
[[ -n "$ck" ]] || { log "no crashkernel value from the guest"; vm_output | tail -n 30 >&2; exit 1; }
log "crashkernel=$ck (kdumpctl estimate, written by kdumpctl crashkernel --set auto)"
VM_APPEND+=" crashkernel=$ck"

prev=""
for v in "${variants[@]}"; do
    steps=()
    [[ -z "$prev" ]] || steps+=(after "$prev")
    steps+=(arm-panic "$v")
    log "boot $((VM_BOOT + 1)): ${steps[*]}"
    vm_boot --timeout 1200 "$g" "${steps[@]}" || true
    judge "$VM_BOOT" "$v/kdump-service-started" "$v/status-ready" ${prev:+"$prev/dump-complete"}
    [[ -z "$prev" ]] || check_dump "$prev"
    judge_panic "$v"
    guest_times "$VM_BOOT"
    timing "boot $VM_BOOT (${steps[*]})" "$VM_T_TOTAL"
    prev="$v"
done
log "boot $((VM_BOOT + 1)): after $prev"
vm_run --timeout 900 "$g" after "$prev" || true
judge "$VM_BOOT" "$prev/dump-complete"
check_dump "$prev"
guest_times "$VM_BOOT"
timing "boot $VM_BOOT (after $prev)" "$VM_T_TOTAL"
timing "total" "$(elapsed "$t_all")"

log "timings:"
printf '  %s\n' "${TIMES[@]}" >&2
if [[ ${#FAILED[@]} -gt 0 ]]; then
    log "FAILED: ${FAILED[*]} (console logs and outputs: run with --keep)"
    exit 1
fi
log "all checks passed"
