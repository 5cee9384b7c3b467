#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck shell=dash
# What every /init of the test initramfs images needs (busybox ash): build-initramfs.sh
# installs this file as /lib/ks-guest.sh, and the init scripts source it.

phase() {
    echo "KS-PHASE $1 $(cut -d' ' -f1 /proc/uptime)"
}

# Report the failure where the host looks for it, then stop the VM at once rather than let
# the host wait for its timeout.
fail_hard() {
    echo "KS-FAIL $*"
    sync
    poweroff -f
    reboot -f
}

mount_basics() {
    mount -t proc proc /proc
    mount -t sysfs sysfs /sys
    mount -t devtmpfs devtmpfs /dev 2>/dev/null || true
    mount -t tmpfs -o mode=1777 tmpfs /tmp
    mkdir -p /run
    mount -t tmpfs -o mode=0755 tmpfs /run
}

# The modules build-initramfs.sh put in, in the order of their dependencies.
load_modules() {
    local dir m
    dir="/lib/modules/$(uname -r)"
    [ -f "$dir/load-order" ] || return 0
    while read -r m; do
        [ -n "$m" ] || continue
        insmod "$dir/$m" || fail_hard "insmod $m"
    done <"$dir/load-order"
}

# disk_by_serial SERIAL: /dev node of the virtio disk QEMU gave that serial. Waits a little:
# virtio probing may finish after insmod returns.
disk_by_serial() {
    local tries=0 d
    while [ "$tries" -lt 50 ]; do
        for d in /sys/block/vd*; do
            if [ -e "$d/serial" ] && [ "$(cat "$d/serial")" = "$1" ]; then
                echo "/dev/${d##*/}"
                return 0
            fi
        done
        tries=$((tries + 1))
        sleep 0.1
    done
    return 1
}
