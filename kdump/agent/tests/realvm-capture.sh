#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# The capture agent in a real capture kernel: a cached Debian kernel boots in qemu (TCG), loads
# its capture kernel with Debian's kexec and panics; the capture kernel runs kdump-save with a
# kdump.conf whose target is 'ext4 LABEL=ksdumps', a disk image this script formatted on the
# host (with two earlier dumps on it, for keep_old_dumps 1). kdump-save's final_action
# poweroff ends the VM. Then, on the host, through debugfs: the dump directory and its modes,
# 'vmcore verify', the marker and the panic in vmcore-dmesg.txt, the log's last line, the older
# dump deleted and the newer kept, kdump_post's output, and a clean e2fsck (the agent unmounted
# the filesystem before powering off).
# With --raw the target is 'raw /dev/vdb' instead (the whole disk): the capture writes the
# flattened stream there, and on the host 'kdump-save --recover-raw' on the image saves it as a
# dump directory, verified, and clears it.
# Exit 0 pass, 1 fail, 77 skipped (no qemu, no cached kernel, no mkfs.ext4/debugfs).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
realvm="$here/../../../tests/realvm"
# shellcheck source=../../../tests/realvm/lib.sh
. "$realvm/lib.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} [OPTIONS] 6.1|6.12

Options:
  --agent PATH      kdump-save (default: \$KDUMP_SAVE)
  --vmcore PATH     the vmcore tool (default: \$VMCORE_TOOL)
  --mem SIZE        guest memory (default: 1G)
  --timeout SECS    give up on the guest after this long (default: 300)
  --raw             a raw target instead of ext4, recovered on the host
  --keep            keep the work directory
  -h, --help        this text
USAGE
}

CRASHKERNEL=256M
MARKER=kdump-save-realvm
HOST=ks-agent-vm

parse_args() {
    SERIES="" AGENT="${KDUMP_SAVE:-}" VMCORE="${VMCORE_TOOL:-}" MEM=1G TIMEOUT=300 KEEP=0 RAW=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h|--help) usage; exit 0 ;;
            --agent) AGENT="${2:?--agent needs a path}"; shift 2 ;;
            --vmcore) VMCORE="${2:?--vmcore needs a path}"; shift 2 ;;
            --mem) MEM="${2:?--mem needs a size}"; shift 2 ;;
            --timeout) TIMEOUT="${2:?--timeout needs seconds}"; shift 2 ;;
            --keep) KEEP=1; shift ;;
            --raw) RAW=1; shift ;;
            6.1|6.12) SERIES="$1"; shift ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
    done
    [[ -n "$SERIES" ]] || die "which kernel series? 6.1 or 6.12"
}

skip() {
    log "skip: $*"
    exit 77
}

FAILED=()
result() { # NAME PASS|FAIL DETAIL
    printf '  %-20s %s %s\n' "$1" "$2" "${3:-}" >&2
    [[ "$2" == PASS ]] || FAILED+=("$1")
}
check() { # NAME DETAIL COMMAND...: PASS when the command succeeds
    local name="$1" detail="$2"
    shift 2
    if "$@" >/dev/null 2>&1; then result "$name" PASS "$detail"; else result "$name" FAIL "$detail"; fi
}

prepare() {
    local kerneldir="$1" release="$2" extra="$WORK/extra" tree="$WORK/tree" old
    mkdir -p "$extra/usr/libexec/kdump-suite" "$extra/etc" "$WORK/payload"
    cp "$AGENT" "$extra/usr/libexec/kdump-suite/kdump-save"
    if [[ "$RAW" == 1 ]]; then
        # the target disk is the second virtio disk; /init checks its serial first
        printf '%s\n' "# the capture agent's real-VM test, raw" "raw /dev/vdb" \
            "path /var/crash" "core_collector makedumpfile-lite -z -d 31" \
            "failure_action poweroff" "final_action poweroff" >"$extra/etc/kdump.conf"
    else
        cat >"$extra/etc/kdump.conf" <<'CONF'
# the capture agent's real-VM test
ext4 LABEL=ksdumps
path /var/crash
core_collector makedumpfile-lite -z -d 31
keep_old_dumps 1
kdump_post /bin/sh -c 'echo "post hook: status=$KDUMP_STATUS exit=$KDUMP_EXIT_CODE"'
failure_action poweroff
final_action poweroff
CONF
    fi
    chmod 0600 "$extra/etc/kdump.conf"
    cp "$extra/etc/kdump.conf" "$WORK/kdump.conf"
    KDUMP_SUITE_INITRAMFS_EXTRA="" "$realvm/build-initramfs.sh" --init "$here/realvm-init.sh" \
        --modules "virtio_pci virtio_blk ext4 crc32c_generic" --extra "$extra" \
        "$kerneldir" "$WORK/payload/initrd.img"
    cp "$kerneldir/boot/vmlinuz-$release" "$WORK/payload/vmlinuz"
    tar -C "$WORK/payload" -cf "$WORK/payload.tar" vmlinuz initrd.img
    # The target, formatted here: two earlier dumps of ours (keep_old_dumps 1 deletes the
    # older one) and something else that must stay.
    for old in old-2020-01-01-00:00:00 old-2021-01-01-00:00:00; do
        mkdir -p "$tree/var/crash/$old"
        echo "an earlier dump" >"$tree/var/crash/$old/vmcore"
        echo "[    0.000] saved: an earlier dump" >"$tree/var/crash/$old/kdump-save.log"
        chmod 0600 "$tree/var/crash/$old"/*
        chmod 0700 "$tree/var/crash/$old"
    done
    echo "not a dump" >"$tree/var/crash/README"
    chmod 0700 "$tree/var/crash"
    truncate -s 512M "$WORK/target.img"
    if [[ "$RAW" == 1 ]]; then
        # what was on the disk before: never to be read as records
        printf 'an old filesystem' | dd of="$WORK/target.img" bs=1M seek=100 conv=notrunc \
            status=none
        return 0
    fi
    mkfs.ext4 -q -F -L ksdumps -d "$tree" "$WORK/target.img"
}

run_vm() {
    local line name
    declare -gA T=()
    : >"$WORK/console.log"
    T[start]="$(now)"
    QEMU_RC=0
    timeout -k 10 "$TIMEOUT" qemu-system-x86_64 -accel tcg -m "$MEM" -smp 2 \
        -nographic -no-reboot -nic none -monitor none -serial "file:$WORK/console.log" \
        -kernel "$WORK/payload/vmlinuz" -initrd "$WORK/payload/initrd.img" \
        -append "console=ttyS0 crashkernel=$CRASHKERNEL panic=-1" \
        -drive "file=$WORK/payload.tar,format=raw,if=none,id=payload,readonly=on" \
        -device "virtio-blk-pci,drive=payload,serial=kspayload" \
        -drive "file=$WORK/target.img,format=raw,if=none,id=target,cache=unsafe" \
        -device "virtio-blk-pci,drive=target,serial=kstarget" \
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
            "KS-FAIL "*|"kdump-save: error: "*) log "guest: $line" ;;
        esac
    done < <(tail -n +1 -s 0.1 --pid="$QEMU_PID" -F "$WORK/console.log" 2>/dev/null)
    wait "$QEMU_PID" || QEMU_RC=$?
    QEMU_PID=""
    T[exit]="$(now)"
    tr -d '\r' <"$WORK/console.log" >"$WORK/console.txt"
}

debugfs_mode() { # PATH: the octal mode of a file on the target, e.g. 0600
    debugfs -R "stat \"$1\"" "$WORK/target.img" 2>/dev/null |
        sed -n 's/.*Mode: *\([0-7]*\).*/\1/p' | head -n 1 | sed 's/^0*\([0-7]\{3\}\)$/0\1/'
}

mode_is() { # PATH MODE NAME
    local m
    m="$(debugfs_mode "$1")"
    if [[ "$m" == "$2" ]]; then result "$3" PASS "$m"; else result "$3" FAIL "'$m'"; fi
}

judge() {
    local dir name out="$WORK/out" last
    check poweroff "final_action poweroff ended the VM" \
        grep -q "^kdump-save: final_action: poweroff" "$WORK/console.txt"
    [[ "$QEMU_RC" == 0 ]] || result qemu FAIL "exit status $QEMU_RC (124: timed out)"
    check console-saved "the final line on the console" \
        grep -q "^kdump-save: saved: /var/crash/$HOST-.*/vmcore on ext4 LABEL=ksdumps" \
        "$WORK/console.txt"
    check e2fsck "the filesystem was left clean" e2fsck -fn "$WORK/target.img"
    mkdir -p "$out"
    debugfs -R "rdump /var/crash $out" "$WORK/target.img" >/dev/null 2>&1 || true
    dir="$(find "$out/crash" -mindepth 1 -maxdepth 1 -type d -name "$HOST-*" | head -n 1)"
    if [[ -z "$dir" ]]; then
        result dump-dir FAIL "no $HOST-* directory in /var/crash on the target"
        tail -n 30 "$WORK/console.txt" >&2
        return
    fi
    name="$(basename "$dir")"
    result dump-dir PASS "/var/crash/$name"
    mode_is "/var/crash/$name" 0700 dir-mode
    for f in vmcore vmcore-dmesg.txt kdump-save.log; do
        mode_is "/var/crash/$name/$f" 0600 "mode-$f"
    done
    check no-incomplete "no vmcore.incomplete left" test ! -e "$dir/vmcore.incomplete"
    check vmcore-verify "$(stat -c %s "$dir/vmcore" 2>/dev/null) bytes" \
        "$VMCORE" verify -q "$dir/vmcore"
    check vmcore-complete "vmcore info: complete" \
        grep -q '"complete": true' <("$VMCORE" info --json "$dir/vmcore")
    check dmesg-marker "KDUMP-SUITE-MARKER $MARKER" \
        grep -q "KDUMP-SUITE-MARKER $MARKER" "$dir/vmcore-dmesg.txt"
    check dmesg-panic "the panic" grep -q "sysrq triggered crash" "$dir/vmcore-dmesg.txt"
    last="$(tail -n 1 "$dir/kdump-save.log")"
    if [[ "$last" == *"] saved: /var/crash/$name/vmcore on ext4 LABEL=ksdumps"*"complete, verified"* ]]; then
        result log-final-line PASS
    else
        result log-final-line FAIL "$last"
    fi
    check log-order "vmcore-dmesg.txt saved before the collector ran" \
        awk '/saved vmcore-dmesg.txt/ { d = NR } /collector:/ && !c { c = NR } END { exit !(d && c && d < c) }' \
        "$dir/kdump-save.log"
    check post-hook "kdump_post saw status=saved" \
        grep -q "kdump_post: post hook: status=saved exit=0" "$dir/kdump-save.log"
    check resolved "LABEL=ksdumps resolved through libblkid" \
        grep -q "mounted LABEL=ksdumps (/dev/vd" "$dir/kdump-save.log"
    check keep-deleted "keep_old_dumps 1 deleted the older dump" \
        test ! -e "$out/crash/old-2020-01-01-00:00:00"
    check keep-kept "... and kept the newer one" test -e "$out/crash/old-2021-01-01-00:00:00/vmcore"
    check keep-other "... and the README" test -e "$out/crash/README"
}

judge_raw() {
    local root="$WORK/recovered" dir rc=0
    check poweroff "final_action poweroff ended the VM" \
        grep -q "^kdump-save: final_action: poweroff" "$WORK/console.txt"
    [[ "$QEMU_RC" == 0 ]] || result qemu FAIL "exit status $QEMU_RC (124: timed out)"
    check console-saved "the final line on the console" \
        grep -q "^kdump-save: saved: the flattened stream on raw /dev/vdb" "$WORK/console.txt"
    # what 'kdumpctl start' does, on the image
    mkdir -p "$root"
    "$AGENT" --config "$WORK/kdump.conf" --no-kmsg --recover-raw "$WORK/target.img" \
        --root "$root" 2>"$WORK/recover.out" || rc=$?
    dir="$(find "$root/var/crash" -mindepth 1 -maxdepth 1 -type d -name "$HOST-*" 2>/dev/null |
        head -n 1)"
    if [[ "$rc" != 0 || -z "$dir" ]]; then
        result recover FAIL "exit $rc"
        cat "$WORK/recover.out" >&2
        return
    fi
    result recover PASS "/var/crash/$(basename "$dir")"
    check mode "0700 and 0600" test "$(stat -c %a "$dir" "$dir/vmcore" | tr '\n' ' ')" = "700 600 "
    check vmcore-verify "$(stat -c %s "$dir/vmcore") bytes" "$VMCORE" verify -q "$dir/vmcore"
    check dmesg-marker "KDUMP-SUITE-MARKER $MARKER" \
        grep -q "KDUMP-SUITE-MARKER $MARKER" "$dir/vmcore-dmesg.txt"
    check capture-log "the capture's log first in kdump-save.log" \
        awk '/saved: the flattened stream/ { s = NR } /recovering the dump/ { r = NR } END { exit !(s && r && s < r) }' \
        "$dir/kdump-save.log"
    check cleared "the device was cleared" \
        grep -q "no dump is pending" <("$AGENT" --config "$WORK/kdump.conf" --no-kmsg \
            --recover-raw "$WORK/target.img" --root "$root" 2>&1)
}

cleanup() {
    if [[ -n "${QEMU_PID:-}" ]]; then
        kill "$QEMU_PID" 2>/dev/null || true
        wait "$QEMU_PID" 2>/dev/null || true
    fi
    if [[ -n "${WORK:-}" && -d "$WORK" ]]; then
        if [[ "$KEEP" == 1 || ${#FAILED[@]} -gt 0 ]]; then
            rm -f "$WORK/payload.tar"
            log "kept $WORK (console.txt, target.img, out/)"
        else
            rm -rf "$WORK"
        fi
    fi
}

main() {
    parse_args "$@"
    command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 is not installed"
    if ! command -v mkfs.ext4 >/dev/null || ! command -v debugfs >/dev/null; then
        skip "mkfs.ext4 or debugfs missing (e2fsprogs)"
    fi
    [[ -x "$AGENT" ]] || skip "no kdump-save at '$AGENT'"
    [[ -x "$VMCORE" ]] || skip "no vmcore tool at '$VMCORE'"
    need_cmd busybox cpio gzip timeout tail tar truncate e2fsck
    local kerneldir release t0
    kerneldir="$("$realvm/get-kernel.sh" --cached-only "$SERIES")" ||
        skip "no cached $SERIES kernel (tests/realvm/get-kernel.sh $SERIES fetches one)"
    release="$(cat "$kerneldir/release")"
    mkdir -p "$KS_CACHE/work"
    WORK="$(mktemp -d "$KS_CACHE/work/kdump-save-vm.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    t0="$(now)"
    log "kernel $(cat "$kerneldir/package") ($release), $MEM, crashkernel=$CRASHKERNEL"
    prepare "$kerneldir" "$release"
    log "booting qemu (tcg, timeout ${TIMEOUT}s); console: $WORK/console.log"
    run_vm
    log "results:"
    if [[ "$RAW" == 1 ]]; then judge_raw; else judge; fi
    log "timings: panic to capture kernel $(elapsed "${T[crash]:-${T[start]}}" "${T[capture-init]:-${T[exit]}}")s," \
        "agent to poweroff $(elapsed "${T[agent-start]:-${T[exit]}}" "${T[exit]}")s," \
        "qemu total $(elapsed "${T[start]}" "${T[exit]}")s, host total $(elapsed "$t0")s"
    if [[ ${#FAILED[@]} -gt 0 ]]; then
        log "FAILED: ${FAILED[*]}"
        exit 1
    fi
    log "all passed"
}

main "$@"
