#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash source-path=SCRIPTDIR
# /init of the capture agent's real-VM test (realvm-capture.sh), for both kernels:
#  first    set a host name, log the marker, load the capture kernel (Debian's kexec -s -p),
#           panic through sysrq;
#  capture  /proc/vmcore exists: run kdump-save as the capture unit would, without
#           --no-action: its final_action (poweroff) ends the VM.
# The host reads the "KS-..." lines and the kdump-save messages on the serial console.

export PATH=/bin:/sbin:/usr/bin:/usr/sbin
export ASAN_OPTIONS=detect_leaks=0
AGENT=/usr/libexec/kdump-suite/kdump-save
KS_MARKER="kdump-save-realvm"
KS_HOSTNAME="ks-agent-vm"

# shellcheck source=../../../tests/realvm/guest-lib.sh
. /lib/ks-guest.sh

first_kernel() {
    local payload cmdline
    phase first-init
    load_modules
    payload="$(disk_by_serial kspayload)" || fail_hard "no payload disk"
    mkdir -p /boot
    tar -xf "$payload" -C /boot || fail_hard "cannot unpack the payload disk"
    # the crashed kernel's utsname names the dump directory
    hostname "$KS_HOSTNAME"
    echo "KDUMP-SUITE-MARKER $KS_MARKER" >/dev/kmsg
    cmdline="console=ttyS0 irqpoll nr_cpus=1 reset_devices panic=-1"
    kexec -s -p --initrd=/boot/initrd.img --command-line="$cmdline" /boot/vmlinuz ||
        kexec -p --initrd=/boot/initrd.img --command-line="$cmdline" /boot/vmlinuz ||
        fail_hard "kexec -p failed"
    [ "$(cat /sys/kernel/kexec_crash_loaded)" = 1 ] || fail_hard "no capture kernel loaded"
    phase crash
    sleep 0.2
    echo c >/proc/sysrq-trigger
    fail_hard "still alive after sysrq-trigger c"
}

capture_kernel() {
    local rc=0
    phase capture-init
    load_modules
    grep -E '^(MemTotal|MemFree):' /proc/meminfo | sed 's/^/KS-CAPTURE-MEMINFO /'
    # a raw target is named /dev/vdb: it must be the disk the host gave the target serial
    if grep -q '^raw /dev/vdb' /etc/kdump.conf &&
        [ "$(cat /sys/block/vdb/serial 2>/dev/null)" != kstarget ]; then
        fail_hard "/dev/vdb is not the target disk"
    fi
    phase agent-start
    # as the capture unit runs it; the target is LABEL=ksdumps (resolved by libblkid)
    "$AGENT" --config /etc/kdump.conf --device-timeout 30 || rc=$?
    # only reached when final_action did not power the VM off
    echo "KS-AGENT-EXIT $rc"
    fail_hard "kdump-save returned instead of powering off"
}

main() {
    mount_basics
    if [ -e /proc/vmcore ]; then
        capture_kernel
    else
        first_kernel
    fi
}

main "$@"
