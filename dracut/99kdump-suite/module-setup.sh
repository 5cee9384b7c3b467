#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# dracut module of kdump-suite: the capture initramfs. kdumpctl(8) runs dracut with it and hands
# over what it resolved from kdump.conf in the environment (kdump/ctl/build.c):
#   KDUMP_SUITE_AGENT, KDUMP_SUITE_CONFIG, KDUMP_SUITE_BINARIES (one path per line),
#   KDUMP_SUITE_KMODS, KDUMP_SUITE_DEVICE, KDUMP_SUITE_FAILURE_ACTION,
#   KDUMP_SUITE_FINAL_ACTION.
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
