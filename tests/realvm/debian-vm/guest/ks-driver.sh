#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The guest side of tests/realvm/debian-vm/vm.sh, installed as /usr/local/libexec/ks-driver
# and started by ks-driver.service once the system is up. It talks to the host through the
# 9p share "ks" (a host directory), mounted at /run/ks:
#
#   current            the number N of this boot, written by the host before it starts qemu
#   install.tar        if present: a tree to unpack over / (our build's DESTDIR), then
#                      renamed to installed-boot-N.tar; its listing goes to boot-N/install.log
#   boot-N/run.sh      the script to run, with bash, as root, in /root; its arguments are the
#                      lines of boot-N/args; KS_SHARE, KS_OUT (= the boot-N directory) and
#                      KS_BOOT are in its environment
#   boot-N/output      written here: the script's stdout and stderr (written through, so a
#                      script that panics the guest leaves what it printed until then)
#   boot-N/rc          written here: its exit status, once it has finished
#   boot-N/after       what to do afterwards: poweroff (default), reboot or stay
#
# Progress lines "KS-DRIVER ..." go to the serial console, where the host watches for them.
set -u

share=/run/ks

say() {
    printf 'KS-DRIVER %s\n' "$*" >/dev/console
}

uptime_s() {
    local up
    read -r up _ </proc/uptime
    printf '%s' "$up"
}

finish() { # ACTION
    sync
    case "$1" in
        stay) say "staying up" ;;
        reboot) say "reboot"; systemctl --no-block reboot ;;
        *) say "poweroff"; systemctl --no-block poweroff ;;
    esac
    exit 0
}

say "up uptime=$(uptime_s)"
modprobe -q 9pnet_virtio 2>/dev/null
modprobe -q 9p 2>/dev/null
mkdir -p "$share"
if ! mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144,cache=none ks "$share"; then
    say "error: cannot mount the 9p share 'ks'"
    finish poweroff
fi
boot="$(cat "$share/current" 2>/dev/null)"
if [[ ! "$boot" =~ ^[0-9]+$ ]]; then
    say "error: $share/current does not hold a boot number"
    finish poweroff
fi
out="$share/boot-$boot"
mkdir -p "$out"
say "start boot=$boot uptime=$(uptime_s)"

if [[ -f "$share/install.tar" ]]; then
    # --keep-directory-symlink: Debian's /lib, /bin and /sbin are symlinks into /usr, and a
    # DESTDIR with lib/systemd/... must not replace them with directories.
    if tar -C / --no-same-owner --no-overwrite-dir --keep-directory-symlink -xvf \
        "$share/install.tar" >"$out/install.log" 2>&1; then
        mv "$share/install.tar" "$share/installed-boot-$boot.tar"
        ldconfig
        systemctl daemon-reload
        sync
        say "installed files=$(grep -vc '/$' "$out/install.log")"
    else
        say "error: cannot unpack install.tar (see boot-$boot/install.log)"
        finish poweroff
    fi
fi

after=poweroff
[[ -f "$out/after" ]] && after="$(cat "$out/after")"
if [[ -f "$out/run.sh" ]]; then
    args=()
    [[ -f "$out/args" ]] && mapfile -t args <"$out/args"
    say "run boot=$boot uptime=$(uptime_s)"
    rc=0
    (cd /root && KS_SHARE="$share" KS_OUT="$out" KS_BOOT="$boot" \
        exec bash "$out/run.sh" "${args[@]}") >"$out/output" 2>&1 </dev/null || rc=$?
    echo "$rc" >"$out/rc"
    say "done boot=$boot rc=$rc uptime=$(uptime_s)"
else
    say "no script for boot $boot"
fi
finish "$after"
