#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash source-path=SCRIPTDIR
# /init of the real-VM test initramfs (busybox ash), for both kernels:
#  - first kernel: load the virtio modules, fill memory with a known mix, log
#    a marker line, load the capture kernel, crash;
#  - capture kernel (/proc/vmcore exists): copy /proc/vmcore to the dump disk,
#    report its size, power off.
# The host (make-fixture.sh) reads the "KS-..." lines on the serial console.
# Settings come from /etc/kdump-suite.conf, written by make-fixture.sh.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin

# Defaults; the config file overrides them.
KS_MARKER="no-marker-configured"
KS_CAPTURE_APPEND="irqpoll nr_cpus=1 reset_devices"
KS_KEXEC_CMD=""
KS_CAPTURE_CMD=""
KS_FILL_CACHE=25        # percent of MemTotal: page cache (written to a disk)
KS_FILL_ANON=25         # percent: live anonymous memory full of pattern pages
KS_FILL_ZERO=15         # percent: live anonymous memory, zero-filled
KS_FILL_FREE=25         # percent, at most: pattern pages freed by an exit
KS_HEADROOM_KB=49152    # never fill MemFree below this, so nothing OOMs
KS_SERIAL_PAYLOAD=kspayload
KS_SERIAL_DUMP=ksdump
KS_SERIAL_SCRATCH=ksscratch

# shellcheck source=guest-lib.sh
. /lib/ks-guest.sh

meminfo_kb() {
    awk -v k="$1:" '$1 == k { print $2 }' /proc/meminfo
}

disk_kb() {
    echo $(($(cat "/sys/block/${1#/dev/}/size") / 2))
}

min() {
    if [ "$1" -lt "$2" ]; then echo "$1"; else echo "$2"; fi
}

# Fill memory with roughly a quarter each of: page cache, live pattern pages,
# live zero pages, and freed pattern pages (last, so that nothing allocated
# afterwards reuses them). memfill's pattern is documented in memfill.c.
fill_memory() {
    local total scratch cache_kb anon_kb zero_kb free_kb memfree pid
    total="$(meminfo_kb MemTotal)"
    scratch="$(disk_by_serial "$KS_SERIAL_SCRATCH")" || fail_hard "no scratch disk"

    cache_kb="$(min $((total * KS_FILL_CACHE / 100)) "$(disk_kb "$scratch")")"
    echo "KS-FILL cache ${cache_kb}K"
    # Written through the block device's page cache; after sync the pages
    # stay there, clean, as file-backed cache ("Buffers" in meminfo). The
    # kernel drops a block device's cache when its last opener closes it, so
    # init keeps it open for good.
    exec 9<"$scratch"
    memfill stream "${cache_kb}K" cache >"$scratch" || fail_hard "memfill stream"
    sync

    anon_kb=$((total * KS_FILL_ANON / 100))
    pid="$(memfill hold-pattern "${anon_kb}K" anon)" || fail_hard "memfill hold-pattern"
    echo "KS-FILL anon ${anon_kb}K pid $pid"

    zero_kb=$((total * KS_FILL_ZERO / 100))
    pid="$(memfill hold-zero "${zero_kb}K")" || fail_hard "memfill hold-zero"
    echo "KS-FILL zero ${zero_kb}K pid $pid"

    memfree="$(meminfo_kb MemFree)"
    free_kb="$(min $((total * KS_FILL_FREE / 100)) $((memfree - KS_HEADROOM_KB - total / 20)))"
    if [ "$free_kb" -gt 0 ]; then
        echo "KS-FILL free ${free_kb}K"
        memfill exit-pattern "${free_kb}K" free || fail_hard "memfill exit-pattern"
    fi
    grep -E '^(MemTotal|MemFree|Buffers|Cached|AnonPages|AnonHugePages|Shmem):' /proc/meminfo |
        sed 's/^/KS-MEMINFO /'
}

# The capture kernel's command line: ours minus crashkernel= (there is no
# reservation to make inside the reservation), plus the usual kdump options.
capture_cmdline() {
    local arg cmdline out=""
    read -r cmdline </proc/cmdline
    for arg in $cmdline; do
        case "$arg" in
            crashkernel=*) ;;
            *) out="$out $arg" ;;
        esac
    done
    echo "${out# } $KS_CAPTURE_APPEND"
}

load_capture_kernel() {
    local cmdline
    cmdline="$(capture_cmdline)"
    echo "KS-CAPTURE-CMDLINE $cmdline"
    if [ -n "$KS_KEXEC_CMD" ]; then
        echo "KS-KEXEC-METHOD custom"
        KERNEL=/boot/vmlinuz INITRD=/boot/initrd.img CAPTURE_CMDLINE="$cmdline" \
            sh -c "$KS_KEXEC_CMD" || fail_hard "kexec command failed: $KS_KEXEC_CMD"
    elif kexec -s -p --initrd=/boot/initrd.img --command-line="$cmdline" /boot/vmlinuz; then
        echo "KS-KEXEC-METHOD kexec_file_load"
    else
        # kexec_file_load can be refused (e.g. lockdown without a signed
        # image); the older syscall still gives us a dump.
        echo "KS-NOTE kexec -s -p failed; trying kexec_load"
        kexec -p --initrd=/boot/initrd.img --command-line="$cmdline" /boot/vmlinuz ||
            fail_hard "kexec -p failed"
        echo "KS-KEXEC-METHOD kexec_load"
    fi
    [ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] ||
        fail_hard "kexec_crash_loaded is not 1 after loading"
}

first_kernel() {
    local payload
    phase first-init
    echo "KS-UNAME $(uname -r)"
    load_modules
    # The payload disk holds the kernel and initramfs to load for capture,
    # exactly the files this boot came from.
    payload="$(disk_by_serial "$KS_SERIAL_PAYLOAD")" || fail_hard "no payload disk"
    tar -xf "$payload" -C /boot || fail_hard "cannot unpack the payload disk"

    phase fill-start
    fill_memory
    phase fill-done

    echo "KDUMP-SUITE-MARKER $KS_MARKER" >/dev/kmsg
    load_capture_kernel
    phase kexec-loaded
    sync
    phase crash
    # The serial driver sends asynchronously; give the line time to leave
    # before the panic stops everything.
    sleep 0.2
    echo c >/proc/sysrq-trigger
    fail_hard "still alive after sysrq-trigger c"
}

# Default capture: a plain copy, so the fixture is the exact /proc/vmcore.
# busybox dd reports records, not bytes: check them against the size.
default_capture() {
    local size records expect
    size="$(stat -c %s "$VMCORE")"
    dd if="$VMCORE" of="$DUMP_DEV" bs=1M 2>/tmp/dd.log || {
        cat /tmp/dd.log
        return 1
    }
    records="$(sed -n 's/ records out$//p' /tmp/dd.log | tail -n 1)"
    expect="$((size / 1048576))+$((size % 1048576 > 0))"
    if [ "$records" != "$expect" ]; then
        echo "KS-NOTE dd wrote $records records of 1 MiB, expected $expect"
        return 1
    fi
    echo "VMCORE-SIZE=$size"
}

capture_kernel() {
    local rc=0
    phase capture-init
    echo "KS-CAPTURE-UNAME $(uname -r)"
    load_modules
    VMCORE=/proc/vmcore
    DUMP_DEV="$(disk_by_serial "$KS_SERIAL_DUMP")" || fail_hard "no dump disk"
    export VMCORE DUMP_DEV
    echo "KS-PROC-VMCORE-SIZE $(stat -c %s /proc/vmcore)"
    # How much of the reservation the capture kernel left for userspace:
    # data for crashkernel= sizing.
    grep -E '^(MemTotal|MemFree|MemAvailable):' /proc/meminfo | sed 's/^/KS-CAPTURE-MEMINFO /'
    phase capture-start
    # A capture command writes the dump to $DUMP_DEV from offset 0 and prints
    # VMCORE-SIZE=<bytes written> on stdout.
    if [ -n "$KS_CAPTURE_CMD" ]; then
        sh -c "$KS_CAPTURE_CMD" || rc=$?
    else
        default_capture || rc=$?
    fi
    sync
    echo "KS-CAPTURE-STATUS $rc"
    phase capture-done
    poweroff -f
    reboot -f
}

main() {
    mount_basics
    # shellcheck source=/dev/null
    [ -f /etc/kdump-suite.conf ] && . /etc/kdump-suite.conf
    if [ -e /proc/vmcore ]; then
        capture_kernel
    else
        first_kernel
    fi
}

main "$@"
