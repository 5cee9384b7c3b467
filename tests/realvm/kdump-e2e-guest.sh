#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The guest half of kdump-e2e.sh: run by the debian-vm driver as root in the Debian 12 guest,
# with our build installed. Arguments are steps, each with its variant:
#
#   prepare VARIANT     kdump.conf for VARIANT, check-config, rebuild, estimate, crashkernel
#                       --set auto through Debian's grub.d (a stand-in update-grub: the guest
#                       boots without a boot loader); writes $KS_OUT/crashkernel
#   arm-panic VARIANT   kdump.conf for VARIANT, systemctl enable --now (or restart) kdump,
#                       status must say ready, journal fields, then test-panic --yes
#   after VARIANT       kdump.service armed itself at boot (or, for 'missing', says why not),
#                       list --json, the newest dump copied to $KS_OUT/dump-VARIANT
#
# Variants: rootfs (path on the root filesystem), raw (a raw partition; the next start saves
# the dump), missing (an ext4 target that is gone at capture time; failure_action
# dump_to_rootfs). Results are "KS-CHECK NAME PASS|FAIL detail" lines, timings "KS-TIME NAME
# SECONDS"; the host judges them.
set -u

RAW_DISK=/dev/disk/by-id/virtio-ksraw
TARGET_DISK=/dev/disk/by-id/virtio-kstarget

# The step's label in front of every check and timing: prepare, rootfs, raw, missing.
LABEL=""

check() { # NAME COMMAND...: PASS when the command succeeds
    local name="$1"
    shift
    if "$@"; then
        echo "KS-CHECK $LABEL/$name PASS"
    else
        echo "KS-CHECK $LABEL/$name FAIL ($*)"
    fi
}

expect_rc() { # NAME WANT COMMAND...: PASS when the command exits WANT
    local name="$1" want="$2" rc=0
    shift 2
    "$@" || rc=$?
    if [[ "$rc" == "$want" ]]; then
        echo "KS-CHECK $LABEL/$name PASS"
    else
        echo "KS-CHECK $LABEL/$name FAIL (exit $rc, want $want: $*)"
    fi
}

timed() { # NAME COMMAND...: run it, print KS-TIME, return its status
    local name="$1" t0 rc=0
    shift
    t0="${EPOCHREALTIME/,/.}"
    "$@" || rc=$?
    echo "KS-TIME $LABEL/$name $(awk -v a="$t0" -v b="${EPOCHREALTIME/,/.}" 'BEGIN { printf "%.1f", b - a }')"
    return "$rc"
}

write_config() { # VARIANT
    local target=""
    case "$1" in
        rootfs) target="" ;;
        raw) target="raw $RAW_DISK" ;;
        missing) target="ext4 LABEL=kstarget" ;;
        *) echo "unknown variant $1"; return 1 ;;
    esac
    {
        echo "# kdump-e2e.sh: variant $1"
        [[ -z "$target" ]] || echo "$target"
        echo "path /var/crash"
        echo "core_collector makedumpfile-lite -z -d 31"
        if [[ "$1" == missing ]]; then
            echo "failure_action dump_to_rootfs"
        else
            echo "failure_action reboot"
        fi
        echo "final_action reboot"
    } >/etc/kdump.conf
    chmod 0644 /etc/kdump.conf
    cat /etc/kdump.conf
}

step_prepare() { # VARIANT
    local v="$1" rc=0
    uname -r
    cat /proc/cmdline
    # The other variants' disks: a target filesystem for 'missing'.
    if [[ -b "$TARGET_DISK" ]]; then
        mkfs.ext4 -q -F -L kstarget "$TARGET_DISK" && udevadm settle
    fi
    write_config "$v"
    check check-config kdumpctl check-config
    check rebuild timed rebuild kdumpctl rebuild
    check initramfs-built test -s "/var/lib/kdump-suite/initramfs-$(uname -r).img"
    check inputs-recorded test -s "/var/lib/kdump-suite/initramfs-$(uname -r).img.inputs"
    ls -la /var/lib/kdump-suite/
    kdumpctl estimate
    kdumpctl estimate --json >"$KS_OUT/estimate.json"
    check estimate-json grep -q '"measured": true' "$KS_OUT/estimate.json"
    kdumpctl status --json >"$KS_OUT/status-prepare.json" || rc=$?
    check status-no-reservation-3 test "$rc" = 3
    check status-says-no-reservation grep -q '"reason": "no-reservation"' \
        "$KS_OUT/status-prepare.json"
    kdumpctl status || true
    # crashkernel= for the next boot, as a Debian system with grub would get it.
    printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n' >/etc/default/grub
    # shellcheck disable=SC2016 # the stand-in's own $0 and $*
    printf '#!/bin/sh\necho "$0 $*" >/run/update-grub.ran\n' >/usr/sbin/update-grub
    chmod 0755 /usr/sbin/update-grub
    kdumpctl crashkernel --set auto --dry-run
    check crashkernel-dry-run-writes-nothing test ! -e /etc/default/grub.d/kdump-suite.cfg
    check crashkernel-set kdumpctl crashkernel --set auto
    check update-grub-ran test -e /run/update-grub.ran
    cat /etc/default/grub.d/kdump-suite.cfg
    sed -n 's/.*crashkernel=\([^" ]*\).*/\1/p' /etc/default/grub.d/kdump-suite.cfg \
        >"$KS_OUT/crashkernel"
    check crashkernel-value test -s "$KS_OUT/crashkernel"
}

step_arm_panic() { # VARIANT
    local v="$1" rc=0
    cat /proc/cmdline
    write_config "$v"
    kdumpctl showmem
    if systemctl is-enabled -q kdump; then
        timed restart-kdump systemctl restart kdump || rc=$?
    else
        timed enable-now-kdump systemctl enable --now kdump || rc=$?
    fi
    check kdump-service-started test "$rc" = 0
    systemctl status --no-pager kdump | tail -n 15
    expect_rc status-ready 0 timed status kdumpctl status
    kdumpctl status --json >"$KS_OUT/status-armed-$v.json" || true
    check status-json-ready grep -q '"ready": true' "$KS_OUT/status-armed-$v.json"
    check crash-loaded grep -qx 1 /sys/kernel/kexec_crash_loaded
    check journal-ready-fields sh -c \
        "journalctl -b -u kdump -o verbose --no-pager | grep -q '^ *KDUMP_STATE=ready\$'"
    journalctl -b -u kdump -o verbose --no-pager | grep -E '^ *(MESSAGE|KDUMP_[A-Z]+)=' | tail -n 8
    if [[ "$v" == missing ]]; then
        # The target disappears after arming: the capture must fall back to the root fs.
        wipefs -a "$TARGET_DISK" && udevadm settle
        check target-gone sh -c "! blkid -L kstarget"
    fi
    echo "KS-PANIC $v"
    journalctl --sync
    sync
    kdumpctl test-panic --yes
    echo "KS-CHECK $LABEL/test-panic-returned FAIL (exit $?)"
}

step_after() { # VARIANT
    local v="$1" newest
    cat /proc/cmdline
    if [[ "$v" == missing ]]; then
        # The target is gone: kdump.service cannot arm, and says why.
        expect_rc status-not-ready 3 kdumpctl status
        kdumpctl status || true
    else
        check kdump-armed-at-boot systemctl is-active -q kdump
        expect_rc status-ready-after-boot 0 kdumpctl status
    fi
    journalctl -b -u kdump --no-pager | tail -n 12
    # The test-panic before the reboot left a complete dump: no warning about it.
    check last-test-saved-a-dump sh -c "! kdumpctl status | grep -q last-test-failed"
    if [[ "$v" == raw ]]; then
        check raw-recovered sh -c \
            "journalctl -b -u kdump -o verbose --no-pager | grep -q '^ *KDUMP_STATE=recovered\$'"
    fi
    kdumpctl list
    kdumpctl list --json >"$KS_OUT/list-$v.json"
    # The newest dump directory (names hold no newlines: HOST-YYYY-MM-DD-HH:MM:SS).
    newest="$(find /var/crash -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' |
        sort -n | tail -n 1 | cut -d' ' -f2-)"
    echo "newest dump: $newest"
    ls -la "$newest"
    check dump-complete test -f "$newest/vmcore"
    check dmesg-saved test -s "$newest/vmcore-dmesg.txt"
    # Private: the directory 0700, every file in it 0600, owned by root.
    check dump-private sh -c "[ \"\$(stat -c %a:%u '$newest')\" = 700:0 ] &&
        ! find '$newest' -mindepth 1 \\( ! -perm 0600 -o ! -user 0 \\) -print | grep -q ."
    [[ ! -f "$newest/kdump-save.log" ]] || cat "$newest/kdump-save.log"
    if [[ "$v" == missing ]]; then
        # Why the dump is on the root filesystem, said where the dump is and by status.
        check reason-in-dump-log grep -q 'no device has LABEL=kstarget' "$newest/kdump-save.log"
        check fallback-in-dump-log grep -q 'dump_to_rootfs' "$newest/kdump-save.log"
        check reason-in-status sh -c "kdumpctl status | grep -q 'LABEL=kstarget'"
        check journal-failed-fields sh -c "journalctl -b -u kdump -o verbose --no-pager |
            grep -q '^ *KDUMP_REASON=input-missing\$'"
    fi
    mkdir -p "$KS_OUT/dump-$v"
    cp "$newest"/* "$KS_OUT/dump-$v/"
    basename "$newest" >"$KS_OUT/dump-$v/NAME"
}

while [[ $# -ge 2 ]]; do
    step="$1" variant="$2"
    shift 2
    echo "=== $step $variant"
    LABEL="$variant"
    [[ "$step" != prepare ]] || LABEL=prepare
    case "$step" in
        prepare) step_prepare "$variant" ;;
        arm-panic) step_arm_panic "$variant" ;;
        after) step_after "$variant" ;;
        *) echo "unknown step $step"; exit 2 ;;
    esac
done
exit 0
