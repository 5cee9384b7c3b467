#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dracut module of kdump-suite: the capture initramfs. kdumpctl(8) runs dracut with it and hands
# over what it resolved from kdump.conf in the environment (kdump/ctl/build.c):
#   KDUMP_SUITE_AGENT, KDUMP_SUITE_CONFIG, KDUMP_SUITE_BINARIES (one path per line),
#   KDUMP_SUITE_KMODS, KDUMP_SUITE_DEVICE, KDUMP_SUITE_FAILURE_ACTION,
#   KDUMP_SUITE_FINAL_ACTION, and for network targets KDUMP_SUITE_FILES (the ssh key, the
#   pinned host keys, /etc/kdump-suite/network files: one path per line), KDUMP_SUITE_NET
#   ("ifname=IF mac=MAC mode=dhcp4|dhcp6|static4|static6 [address=A/P] [gateway=G]", or
#   "custom") and KDUMP_SUITE_HOSTS (an /etc/hosts line for the server).
# Without KDUMP_SUITE_AGENT the module is never included: an ordinary initramfs stays as it is.
# initdir, moddir, systemdsystemunitdir and SYSTEMCTL are dracut's.
# shellcheck disable=SC2154

# called by dracut
check() {
    [[ -n "${KDUMP_SUITE_AGENT:-}" ]] || return 255
    return 0
}

# called by dracut
depends() {
    echo systemd-initrd base fs-lib
    return 0
}

# called by dracut
installkernel() {
    local m
    # The target's filesystem and the extra_modules, loaded now or not.
    for m in ${KDUMP_SUITE_KMODS:-}; do
        hostonly='' instmods "$m"
    done
    return 0
}

# systemd's name for an action of kdump.conf, when the agent could not carry it out.
kdump_suite_unit_action() {
    case "$1" in
        reboot | dump_to_rootfs) echo reboot-force ;;
        halt) echo halt-force ;;
        poweroff) echo poweroff-force ;;
        *) echo none ;;
    esac
}

# The capture kernel's network, as kdumpctl decided it from the first kernel's (kdump/ctl/net.c):
# a systemd-networkd .network file for the interface of the route to the dump server, matched
# by its MAC address; or the administrator's own files from /etc/kdump-suite/network.
kdump_suite_network() {
    local word ifname="" mac="" mode="" address="" gateway="" f dir
    dir="$initdir/etc/systemd/network"
    mkdir -p "$dir"
    if [[ "$KDUMP_SUITE_NET" == custom ]]; then
        for f in "$initdir"/etc/kdump-suite/network/*.network; do
            [[ -f "$f" ]] && cp "$f" "$dir/"
        done
        return 0
    fi
    for word in $KDUMP_SUITE_NET; do
        case "$word" in
            ifname=*) ifname="${word#ifname=}" ;;
            mac=*) mac="${word#mac=}" ;;
            mode=*) mode="${word#mode=}" ;;
            address=*) address="${word#address=}" ;;
            gateway=*) gateway="${word#gateway=}" ;;
        esac
    done
    [[ -n "$mac" && -n "$mode" ]] || { derror "kdump-suite: KDUMP_SUITE_NET is incomplete"; return 1; }
    {
        echo "# kdump-suite: the network of the capture kernel, as $ifname had it when"
        echo "# 'kdumpctl rebuild' ran (kdump.conf(5), SSH AND NFS DUMP SERVERS)."
        echo "[Match]"
        echo "MACAddress=$mac"
        echo
        echo "[Link]"
        echo "RequiredForOnline=yes"
        echo
        echo "[Network]"
        case "$mode" in
            dhcp4) echo "DHCP=ipv4"; echo "LinkLocalAddressing=no"; echo "IPv6AcceptRA=no" ;;
            dhcp6) echo "DHCP=ipv6"; echo "IPv6AcceptRA=yes" ;;
            static4 | static6)
                echo "Address=$address"
                [[ -z "$gateway" ]] || echo "Gateway=$gateway"
                [[ "$mode" == static6 ]] || { echo "LinkLocalAddressing=no"; echo "IPv6AcceptRA=no"; }
                ;;
        esac
    } > "$dir/10-kdump-suite.network"
    return 0
}

# called by dracut
install() {
    local bin unit d
    unit="$systemdsystemunitdir/kdump-suite-capture.service"

    inst_binary "$KDUMP_SUITE_AGENT" /usr/libexec/kdump-suite/kdump-save || return 1
    inst_simple "$KDUMP_SUITE_CONFIG" /etc/kdump.conf || return 1
    while IFS= read -r bin; do
        [[ -n "$bin" ]] || continue
        inst_binary "$bin" || return 1
    done <<< "${KDUMP_SUITE_BINARIES:-}"
    inst_multiple -o blkid sync sh

    # Network targets: the files as they are (ssh refuses a key others may read), the server
    # in /etc/hosts, the network, and the capture waiting for it.
    while IFS= read -r bin; do
        [[ -n "$bin" ]] || continue
        inst_simple "$bin" || return 1
        chmod go-rwx "$initdir$bin"
    done <<< "${KDUMP_SUITE_FILES:-}"
    if [[ -n "${KDUMP_SUITE_HOSTS:-}" ]]; then
        printf '%s\n' "$KDUMP_SUITE_HOSTS" >> "$initdir/etc/hosts"
    fi
    if [[ -n "${KDUMP_SUITE_NET:-}" ]]; then
        kdump_suite_network || return 1
        # ssh looks the user up (home directory)
        grep -qs '^root:' "$initdir/etc/passwd" || echo 'root:x:0:0:root:/root:/bin/sh' >> "$initdir/etc/passwd"
        mkdir -p "$initdir/root"
        mkdir -p "$initdir$unit.d"
        printf '[Unit]\nWants=network-online.target\nAfter=network-online.target systemd-networkd.service\n' \
            > "$initdir$unit.d/40-network.conf"
    fi
    inst_simple "$moddir/kdump-suite-capture.service" "$unit" || return 1
    $SYSTEMCTL -q --root "$initdir" add-wants initrd.target kdump-suite-capture.service

    # If the agent returns or dies, do what kdump.conf says rather than sit there.
    mkdir -p "$initdir$unit.d"
    printf '[Unit]\nSuccessAction=%s\nFailureAction=%s\n' \
        "$(kdump_suite_unit_action "${KDUMP_SUITE_FINAL_ACTION:-reboot}")" \
        "$(kdump_suite_unit_action "${KDUMP_SUITE_FAILURE_ACTION:-reboot}")" \
        > "$initdir$unit.d/50-actions.conf"

    # Never switch to the real root in the capture kernel.
    for d in initrd-parse-etc.service initrd-cleanup.service initrd-switch-root.service; do
        mkdir -p "$initdir$systemdsystemunitdir/$d.d"
        printf '[Unit]\nConditionPathExists=!/proc/vmcore\n' \
            > "$initdir$systemdsystemunitdir/$d.d/50-kdump-suite.conf"
    done
    return 0
}
