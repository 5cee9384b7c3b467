#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# End-to-end test of our kexec on a real Debian kernel in qemu (TCG), in one boot chain:
# qemu boots the kernel without crashkernel=, our kexec --load/--exec starts it again with
# crashkernel=, our kexec --crash-load arms the capture kernel, sysrq panics, the capture
# kernel copies /proc/vmcore, and the host checks the dump. kexec-e2e-init.sh is the guest's
# /init and runs the checks (a)-(e) of issue 4; this script boots, watches and judges.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} [OPTIONS] 6.1|6.12

Boot a cached Debian kernel (get-kernel.sh) in qemu-system-x86_64 -accel tcg and test our
kexec on it: --status, --crash-load without a crash region, --load of a gzip image and
--exec, --crash-load/--crash-unload of a zstd image, the too-big refusal, a real
--crash-load, lockdown and kexec_load_disabled, and a sysrq panic captured by the capture
kernel. The dump must pass 'vmcore verify', hold the panic in 'vmcore dmesg', and open in
libkdumpfile. Exit 0 pass, 1 fail, 77 skipped (no qemu, no cached kernel, no tool).

Options:
  --kexec PATH      our kexec (default: \$KEXEC_TOOL, else build-kexec/kexec/kexec)
  --vmcore PATH     the vmcore tool (default: \$VMCORE_TOOL, else beside --kexec)
  --collector PATH  makedumpfile-lite for the capture (default: \$MAKEDUMPFILE_LITE, else
                    makedumpfile-lite/makedumpfile-lite in --kexec's build directory, if
                    it exists); without one, or if it fails, the capture kernel uses dd
  --mem SIZE        guest memory (default: 1G)
  --timeout SECONDS give up on the guest after this long (default: 300)
  --keep            keep the work directory (console log, dump)
  -h, --help        this text
USAGE
}

CRASHKERNEL=256M
PYTHON=/usr/bin/python3

parse_args() {
    SERIES="" KEXEC="${KEXEC_TOOL:-}" VMCORE="${VMCORE_TOOL:-}" COLLECTOR="${MAKEDUMPFILE_LITE:-}"
    MEM=1G TIMEOUT=300 KEEP=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h|--help) usage; exit 0 ;;
            --kexec) KEXEC="${2:?--kexec needs a path}"; shift 2 ;;
            --vmcore) VMCORE="${2:?--vmcore needs a path}"; shift 2 ;;
            --collector) COLLECTOR="${2:?--collector needs a path}"; shift 2 ;;
            --mem) MEM="${2:?--mem needs a size}"; shift 2 ;;
            --timeout) TIMEOUT="${2:?--timeout needs seconds}"; shift 2 ;;
            --keep) KEEP=1; shift ;;
            6.1|6.12) SERIES="$1"; shift ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
    done
    [[ -n "$SERIES" ]] || die "which kernel series? 6.1 or 6.12 (see --help)"
    [[ -n "$KEXEC" ]] || KEXEC="$here/../../build-kexec/kexec/kexec"
    local build
    build="$(cd "$(dirname "$KEXEC")/.." 2>/dev/null && pwd)" || build=""
    [[ -n "$VMCORE" ]] || VMCORE="$build/vmcore/vmcore"
    if [[ -z "$COLLECTOR" && -x "$build/makedumpfile-lite/makedumpfile-lite" ]]; then
        COLLECTOR="$build/makedumpfile-lite/makedumpfile-lite"
    fi
}

skip() {
    log "skip: $*"
    exit 77
}

# The bzImage's init_size as kexec prints it ("63.0 MiB"): what the too-big message must name.
kernel_mem_text() {
    local init_size
    init_size="$(od -An -t u4 -j $((0x260)) -N 4 "$1" | tr -d ' ')"
    awk -v b="$init_size" 'BEGIN { printf "%.1f MiB", b / 1048576 }'
}

prepare() {
    local kerneldir="$1" release="$2" extra="$WORK/extra"
    mkdir -p "$extra/opt/ks/sbin" "$extra/etc" "$WORK/payload"
    cp "$KEXEC" "$extra/opt/ks/sbin/kexec"
    if [[ -n "$COLLECTOR" ]]; then
        cp "$COLLECTOR" "$extra/opt/ks/sbin/makedumpfile-lite"
    fi
    # An unprivileged user for the EPERM check.
    printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n' \
        >"$extra/etc/passwd"
    printf 'root:x:0:\nnogroup:x:65534:\n' >"$extra/etc/group"
    cp "$kerneldir/boot/vmlinuz-$release" "$WORK/payload/vmlinuz"
    {
        echo "KS_CRASHKERNEL=$CRASHKERNEL"
        echo "KS_KERNEL_MEM='$(kernel_mem_text "$WORK/payload/vmlinuz")'"
        echo "KS_MARKER='kexec-e2e-$SERIES'"
    } >"$extra/etc/kexec-e2e.conf"
    KDUMP_SUITE_INITRAMFS_EXTRA="" "$here/build-initramfs.sh" --init "$here/kexec-e2e-init.sh" \
        --extra "$extra" "$kerneldir" "$WORK/payload/initrd.img"
    # The same kernel three ways: as it is, gzip- and zstd-compressed (decompressed into a
    # memfd by our kexec).
    gzip -1 -c "$WORK/payload/vmlinuz" >"$WORK/payload/vmlinuz.gz"
    zstd -q -1 -c "$WORK/payload/vmlinuz" >"$WORK/payload/vmlinuz.zst"
    tar -C "$WORK/payload" -cf "$WORK/payload.tar" vmlinuz vmlinuz.gz vmlinuz.zst initrd.img
    truncate -s "$(( $(numfmt --from=iec "$MEM") / 1048576 + 256 ))M" "$WORK/dump.img"
}

run_vm() {
    local line name
    declare -gA T=()
    : >"$WORK/console.log"
    T[start]="$(now)"
    timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -m "$MEM" -smp 2 \
        -nographic -no-reboot -nic none -monitor none -serial "file:$WORK/console.log" \
        -kernel "$WORK/payload/vmlinuz" -initrd "$WORK/payload/initrd.img" \
        -append "console=ttyS0 panic=-1 ks.stage=first" \
        -drive "file=$WORK/payload.tar,format=raw,if=none,id=payload,readonly=on" \
        -device "virtio-blk-pci,drive=payload,serial=kspayload" \
        -drive "file=$WORK/dump.img,format=raw,if=none,id=dump,cache=unsafe" \
        -device "virtio-blk-pci,drive=dump,serial=ksdump" \
        </dev/null >"$WORK/qemu.out" 2>&1 &
    QEMU_PID=$!
    while IFS= read -r line; do
        line="${line%$'\r'}"
        case "$line" in
            "KS-PHASE "*)
                name="${line#KS-PHASE }"
                name="${name%% *}"
                T[$name]="$(now)"
                log "guest: $name (+$(elapsed "${T[start]}")s)"
                ;;
            "KS-CHECK "*" FAIL "*|"KS-FAIL "*) log "guest: $line" ;;
        esac
    done < <(tail -n +1 -s 0.1 --pid="$QEMU_PID" -F "$WORK/console.log" 2>/dev/null)
    QEMU_RC=0
    wait "$QEMU_PID" || QEMU_RC=$?
    QEMU_PID=""
    T[exit]="$(now)"
    tr -d '\r' <"$WORK/console.log" >"$WORK/console.txt"
}

FAILED=()
result() { # NAME PASS|FAIL DETAIL
    printf '  %-22s %s %s\n' "$1" "$2" "${3:-}" >&2
    [[ "$2" == PASS ]] || FAILED+=("$1")
}

console_value() {
    sed -n "s/^$1 //p" "$WORK/console.txt" | tail -n 1
}

# Every check the guest must have reported, in the order it runs them.
EXPECTED_CHECKS=(d-status d-crash-load d-crash-load-kernel eperm-user a-load-gzip a-loaded
    a-status c-unload c-unloaded a-exec-nothing a-load-again a-loaded-again c-crash-load-zstd
    c-crash-loaded e-too-big e-kept-loaded e-too-big-kernel e-kernel-unloaded
    c-crash-load-again c-crash-loaded-again c-crash-unload c-crash-unloaded c-status
    b-status-fit b-crash-load b-crash-loaded b-status b-status-json lockdown
    lockdown-still-loaded load-disabled b-still-loaded)

judge_guest() {
    local name line first second capture expect
    for name in "${EXPECTED_CHECKS[@]}"; do
        line="$(grep "^KS-CHECK $name " "$WORK/console.txt" | tail -n 1 || true)"
        if [[ -z "$line" ]]; then
            result "$name" FAIL "(not reported: the guest did not get there)"
        else
            line="${line#KS-CHECK "$name" }"
            result "$name" "${line%% *}" "${line#* }"
        fi
    done
    # (a) the kernel --exec started has the command line --reuse-cmdline --append built.
    first="$(console_value 'KS-CMDLINE first')"
    second="$(console_value 'KS-CMDLINE second')"
    expect="$first crashkernel=$CRASHKERNEL ks.stage=second"
    if [[ -n "$second" && "$second" == "$expect" ]]; then
        result a-exec-cmdline PASS "'$second'"
    else
        result a-exec-cmdline FAIL "got '$second', expected '$expect'"
    fi
    # (b) the capture kernel's: the second's minus crashkernel= and panic=, plus the capture
    # defaults and --append; x86_64 puts the elfcorehdr= of the capture kernel in front.
    capture="$(console_value 'KS-CMDLINE capture')"
    expect="console=ttyS0 ks.stage=first ks.stage=second irqpoll nr_cpus=1 reset_devices panic=10 ks.stage=capture"
    if [[ "$capture" =~ ^elfcorehdr=0x[0-9a-f]+\ (.*)$ && "${BASH_REMATCH[1]}" == "$expect" ]]; then
        result b-capture-cmdline PASS "'$capture'"
    else
        result b-capture-cmdline FAIL "got '$capture', expected 'elfcorehdr=0x... $expect'"
    fi
}

judge_dump() {
    local size vmcore="$WORK/vmcore" release="$1" osrelease
    size="$(sed -n 's/^VMCORE-SIZE=//p' "$WORK/console.txt" | tail -n 1)"
    if [[ "$(console_value KS-CAPTURE-STATUS)" != 0 || ! "$size" =~ ^[0-9]+$ ]]; then
        result b-capture FAIL "the capture kernel did not save a dump"
        return
    fi
    truncate -s "$size" "$WORK/dump.img"
    mv "$WORK/dump.img" "$vmcore"
    result b-capture PASS "$(console_value KS-COLLECTOR), $size bytes"
    if "$VMCORE" verify "$vmcore" >"$WORK/verify.out" 2>&1; then
        result b-vmcore-verify PASS
    else
        sed 's/^/    /' "$WORK/verify.out" | head -20 >&2
        result b-vmcore-verify FAIL
    fi
    "$VMCORE" dmesg "$vmcore" >"$WORK/dmesg.txt" 2>"$WORK/dmesg.err" || true
    if grep -q 'Kernel panic - not syncing: sysrq triggered crash' "$WORK/dmesg.txt" &&
        grep -q "KDUMP-SUITE-MARKER kexec-e2e-$SERIES" "$WORK/dmesg.txt"; then
        result b-vmcore-dmesg PASS "panic message and marker found"
    else
        tail -5 "$WORK/dmesg.err" >&2
        result b-vmcore-dmesg FAIL "no panic message or marker in vmcore dmesg"
    fi
    if osrelease="$("$PYTHON" - "$vmcore" 2>&1 <<'EOF'
import sys
import kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr['addrxlat.ostype'] = 'linux'
print(k.attr['linux.vmcoreinfo.lines.OSRELEASE'])
EOF
    )" && [[ "$osrelease" == "$release" ]]; then
        result b-libkdumpfile PASS "OSRELEASE $osrelease"
    else
        result b-libkdumpfile FAIL "$osrelease"
    fi
}

phase_seconds() {
    if [[ -n "${T[$1]:-}" && -n "${T[$2]:-}" ]]; then
        elapsed "${T[$1]}" "${T[$2]}"
    else
        echo "?"
    fi
}

cleanup() {
    if [[ -n "${QEMU_PID:-}" ]]; then
        kill "$QEMU_PID" 2>/dev/null || true
        wait "$QEMU_PID" 2>/dev/null || true
    fi
    if [[ -n "${WORK:-}" && -d "$WORK" ]]; then
        if [[ "$KEEP" == 1 || ${#FAILED[@]} -gt 0 ]]; then
            rm -f "$WORK/dump.img" "$WORK/payload.tar"
            log "kept $WORK (console.txt, vmcore)"
        else
            rm -rf "$WORK"
        fi
    fi
}

main() {
    parse_args "$@"
    command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
    [[ -x "$KEXEC" ]] || skip "no kexec binary at $KEXEC"
    [[ -x "$VMCORE" ]] || skip "no vmcore tool at $VMCORE"
    "$PYTHON" -c 'import kdumpfile' 2>/dev/null || skip "$PYTHON cannot import kdumpfile"
    need_cmd busybox cpio gzip zstd timeout tail tar truncate numfmt od
    local kerneldir release t0
    kerneldir="$("$here/get-kernel.sh" --cached-only "$SERIES")" ||
        skip "no cached $SERIES kernel (tests/realvm/get-kernel.sh $SERIES fetches one)"
    release="$(cat "$kerneldir/release")"
    mkdir -p "$KS_CACHE/work"
    WORK="$(mktemp -d "$KS_CACHE/work/kexec-e2e.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    t0="$(now)"
    log "kernel $(cat "$kerneldir/package") ($release), $MEM, crashkernel=$CRASHKERNEL" \
        "${COLLECTOR:+, collector $COLLECTOR}"
    prepare "$kerneldir" "$release"
    log "booting qemu (tcg, timeout ${TIMEOUT}s); console: $WORK/console.log"
    run_vm
    log "results:"
    judge_guest
    judge_dump "$release"
    [[ "$QEMU_RC" == 0 ]] || result qemu FAIL "exit status $QEMU_RC (124: timed out)"
    log "timings: first boot to exec $(phase_seconds start exec)s, exec to second kernel" \
        "$(phase_seconds exec second-init)s, second kernel to panic" \
        "$(phase_seconds second-init crash)s, panic to capture kernel" \
        "$(phase_seconds crash capture-init)s, capture $(phase_seconds capture-start capture-done)s," \
        "qemu total $(phase_seconds start exit)s, host total $(elapsed "$t0")s"
    if [[ ${#FAILED[@]} -gt 0 ]]; then
        log "FAILED: ${FAILED[*]}"
        exit 1
    fi
    log "all passed"
}

main "$@"
