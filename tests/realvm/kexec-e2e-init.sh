#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash source-path=SCRIPTDIR
# /init of the kexec end-to-end test (kexec-e2e.sh), for all three kernels of one run:
#  first   booted by qemu without crashkernel=: what --status and --crash-load say then;
#          --load (a gzip-compressed image), --unload, --load again, --exec
#  second  the kernel --exec started, with crashkernel= from --append: its command line;
#          --crash-load of a zstd image and --crash-unload; the too-big refusal; the capture
#          kernel loaded for real; lockdown and kexec_load_disabled; then a sysrq panic
#  capture /proc/vmcore exists: copy it to the dump disk, power off
# Every check prints "KS-CHECK NAME PASS|FAIL DETAIL"; the host decides from those lines.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
# A sanitizer build of our tools: leaks do not matter here, and the checker needs ptrace.
export ASAN_OPTIONS=detect_leaks=0
KEXEC=/opt/ks/sbin/kexec
COLLECTOR=/opt/ks/sbin/makedumpfile-lite
KS_CRASHKERNEL=256M
KS_KERNEL_MEM=""        # "63.0 MiB": the bzImage's init_size, as kexec prints it
KS_MARKER="kexec-e2e"

# shellcheck source=guest-lib.sh
. /lib/ks-guest.sh

report() {
    echo "KS-CHECK $1 $2 $3"
}

# The last ks.stage= on the command line.
stage() {
    local arg cmdline s=first
    read -r cmdline </proc/cmdline
    for arg in $cmdline; do
        case "$arg" in ks.stage=*) s="${arg#ks.stage=}" ;; esac
    done
    echo "$s"
}

# check NAME EXIT PATTERNS CMD...: run CMD, show its output, and require the exit code and
# every '|'-separated fixed string of PATTERNS in its output.
check() {
    local name="$1" want="$2" patterns="$3" rc p
    shift 3
    "$@" >"/tmp/$name.out" 2>&1
    rc=$?
    sed "s/^/KS-OUT $name: /" "/tmp/$name.out"
    if [ "$rc" != "$want" ]; then
        report "$name" FAIL "exit $rc, expected $want"
        return 1
    fi
    set -f
    local IFS='|'
    for p in $patterns; do
        if ! grep -qF -- "$p" "/tmp/$name.out"; then
            report "$name" FAIL "no '$p' in the output"
            return 1
        fi
    done
    report "$name" PASS "exit $rc"
}

# flag NAME FILE VALUE: a sysfs file must read VALUE.
flag() {
    local v
    v="$(cat "$2" 2>/dev/null)"
    if [ "$v" = "$3" ]; then
        report "$1" PASS "$2 = $v"
    else
        report "$1" FAIL "$2 = '$v', expected $3"
    fi
}

show_iomem() {
    sed "s/^/KS-IOMEM $1 /" /proc/iomem
}

unpack_payload() {
    local payload
    payload="$(disk_by_serial kspayload)" || fail_hard "no payload disk"
    tar -xf "$payload" -C /boot || fail_hard "cannot unpack the payload disk"
}

first_kernel() {
    phase first-init
    echo "KS-CMDLINE first $(cat /proc/cmdline)"
    show_iomem first
    load_modules
    unpack_payload

    # (d) no crashkernel=: --status says so, --crash-load explains, also the kernel's answer
    check d-status 1 "Crash region:        none reserved" "$KEXEC" --status
    check d-crash-load 4 "no memory is reserved for a capture kernel|booted without crashkernel=|kdumpctl estimate|kdumpctl crashkernel --set" \
        "$KEXEC" --crash-load --initrd /boot/initrd.img /boot/vmlinuz
    check d-crash-load-kernel 4 "no memory is reserved for a capture kernel (the kernel says|crashkernel=" \
        "$KEXEC" -v --crash-load --no-fit-check --initrd /boot/initrd.img /boot/vmlinuz
    # EPERM as an unprivileged user
    check eperm-user 4 "Operation not permitted (EPERM)|lacks CAP_SYS_BOOT (it does not run as root)|run it as root" \
        su -s /bin/sh nobody -c "$KEXEC --load --reuse-cmdline /boot/vmlinuz"

    # (a) and (c): load a gzip-compressed image, unload, load again, execute
    check a-load-gzip 0 "decompressed from gzip|flags=0) = 0" \
        "$KEXEC" -v --load --initrd /boot/initrd.img --reuse-cmdline \
        --append "crashkernel=$KS_CRASHKERNEL ks.stage=second" /boot/vmlinuz.gz
    flag a-loaded /sys/kernel/kexec_loaded 1
    check a-status 1 "Kernel for --exec:   loaded|Capture kernel:      not loaded" "$KEXEC" --status
    check c-unload 0 "" "$KEXEC" --unload
    flag c-unloaded /sys/kernel/kexec_loaded 0
    check a-exec-nothing 4 "no kernel is loaded to execute|kexec --load" "$KEXEC" --exec
    check a-load-again 0 "" "$KEXEC" --load --initrd /boot/initrd.img --reuse-cmdline \
        --append "crashkernel=$KS_CRASHKERNEL ks.stage=second" /boot/vmlinuz.gz
    flag a-loaded-again /sys/kernel/kexec_loaded 1
    phase exec
    sleep 0.2
    "$KEXEC" -v --exec --delay 1
    fail_hard "kexec --exec returned with status $?"
}

second_kernel() {
    phase second-init
    echo "KS-CMDLINE second $(cat /proc/cmdline)"
    show_iomem second
    load_modules
    unpack_payload

    # (c) a zstd-compressed capture kernel, loaded and unloaded
    check c-crash-load-zstd 0 "decompressed from zstd|flags=KEXEC_FILE_ON_CRASH) = 0" \
        "$KEXEC" -v --crash-load --initrd /boot/initrd.img /boot/vmlinuz.zst
    flag c-crash-loaded /sys/kernel/kexec_crash_loaded 1

    # (e) kernel + initrd larger than the region: refused with both sizes before the system
    # call, which leaves the loaded capture kernel alone; then the kernel's own refusal, which
    # costs the loaded one (the kernel frees it first), and the message says so. The initrd
    # is sparse: no memory until the kernel reads it.
    truncate -s 280M /tmp/big.img
    check e-too-big 3 "does not fit into the crash region|kernel $KS_KERNEL_MEM + initrd 280.0 MiB|the region has 256.0 MiB" \
        "$KEXEC" --crash-load --initrd /tmp/big.img /boot/vmlinuz
    flag e-kept-loaded /sys/kernel/kexec_crash_loaded 1
    check e-too-big-kernel 4 "Cannot assign requested address (EADDRNOTAVAIL)|kernel $KS_KERNEL_MEM + initrd 280.0 MiB|the region has 256.0 MiB|no capture kernel is loaded now" \
        "$KEXEC" -v --crash-load --no-fit-check --initrd /tmp/big.img /boot/vmlinuz
    rm -f /tmp/big.img
    flag e-kernel-unloaded /sys/kernel/kexec_crash_loaded 0

    check c-crash-load-again 0 "" "$KEXEC" --crash-load --initrd /boot/initrd.img /boot/vmlinuz.zst
    flag c-crash-loaded-again /sys/kernel/kexec_crash_loaded 1
    check c-crash-unload 0 "" "$KEXEC" --crash-unload
    flag c-crash-unloaded /sys/kernel/kexec_crash_loaded 0
    check c-status 1 "Capture kernel:      not loaded|Crash region:        256.0 MiB" \
        "$KEXEC" --status

    # (b) the capture kernel for real
    check b-status-fit 1 "Fits:                yes" \
        "$KEXEC" --status --initrd /boot/initrd.img /boot/vmlinuz
    check b-crash-load 0 "flags=KEXEC_FILE_ON_CRASH) = 0" \
        "$KEXEC" -v --crash-load --initrd /boot/initrd.img --append "ks.stage=capture" /boot/vmlinuz
    flag b-crash-loaded /sys/kernel/kexec_crash_loaded 1
    check b-status 0 "Capture kernel:      loaded" "$KEXEC" --status
    check b-status-json 0 '"crash_loaded": true|"crash_size": 268435456' "$KEXEC" --status --json

    # Lockdown, then kexec_load_disabled: both one-way, so last. A --load under lockdown
    # fails in the signature check, a --crash-load with kexec_load_disabled before anything
    # is freed: the capture kernel stays loaded and runs on the panic.
    mount -t securityfs securityfs /sys/kernel/security 2>/dev/null
    if echo integrity >/sys/kernel/security/lockdown 2>/dev/null; then
        check lockdown 4 "Operation not permitted (EPERM)|the kernel is locked down ('integrity')|signed" \
            "$KEXEC" --load --reuse-cmdline --initrd /boot/initrd.img /boot/vmlinuz
    else
        report lockdown FAIL "cannot write /sys/kernel/security/lockdown"
    fi
    flag lockdown-still-loaded /sys/kernel/kexec_crash_loaded 1
    if echo 1 >/proc/sys/kernel/kexec_load_disabled; then
        check load-disabled 4 "Operation not permitted (EPERM)|kexec_load_disabled is 1" \
            "$KEXEC" --crash-load --initrd /boot/initrd.img /boot/vmlinuz
    else
        report load-disabled FAIL "cannot write /proc/sys/kernel/kexec_load_disabled"
    fi
    flag b-still-loaded /sys/kernel/kexec_crash_loaded 1

    echo "KDUMP-SUITE-MARKER $KS_MARKER" >/dev/kmsg
    sync
    phase crash
    sleep 0.2
    echo c >/proc/sysrq-trigger
    fail_hard "still alive after sysrq-trigger c"
}

# makedumpfile-lite when the test brought it (-d 31 -z), dd of the whole /proc/vmcore
# otherwise or when it fails; through tmpfs, to learn the size.
capture() {
    local dump size records
    dump="$(disk_by_serial ksdump)" || fail_hard "no dump disk"
    if [ -x "$COLLECTOR" ]; then
        if "$COLLECTOR" -d 31 -z /proc/vmcore /tmp/vmcore >/tmp/collector.out 2>&1; then
            sed 's/^/KS-OUT collector: /' /tmp/collector.out
            size="$(stat -c %s /tmp/vmcore)"
            dd if=/tmp/vmcore of="$dump" bs=1M 2>/dev/null || return 1
            echo "KS-COLLECTOR makedumpfile-lite"
            echo "VMCORE-SIZE=$size"
            return 0
        fi
        sed 's/^/KS-OUT collector: /' /tmp/collector.out
        echo "KS-COLLECTOR makedumpfile-lite failed, falling back to dd"
        rm -f /tmp/vmcore
    fi
    size="$(stat -c %s /proc/vmcore)"
    dd if=/proc/vmcore of="$dump" bs=1M 2>/tmp/dd.log || return 1
    records="$(sed -n 's/ records out$//p' /tmp/dd.log | tail -n 1)"
    [ "$records" = "$((size / 1048576))+$((size % 1048576 > 0))" ] || return 1
    echo "KS-COLLECTOR dd"
    echo "VMCORE-SIZE=$size"
}

capture_kernel() {
    local rc=0
    phase capture-init
    echo "KS-CMDLINE capture $(cat /proc/cmdline)"
    load_modules
    phase capture-start
    capture || rc=$?
    sync
    echo "KS-CAPTURE-STATUS $rc"
    phase capture-done
    poweroff -f
}

main() {
    mount_basics
    # shellcheck source=/dev/null
    [ -f /etc/kexec-e2e.conf ] && . /etc/kexec-e2e.conf
    if [ -e /proc/vmcore ]; then
        capture_kernel
    elif [ "$(stage)" = second ]; then
        second_kernel
    else
        first_kernel
    fi
}

main "$@"
