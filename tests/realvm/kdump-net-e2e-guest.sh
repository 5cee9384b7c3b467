#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# The guest half of kdump-net-e2e.sh (run by the debian-vm driver as root, our build
# installed). Steps, each with its variant:
#
#   prepare ssh         the network (systemd-networkd, DHCP from qemu), the administrator's key
#                       from the share, kdump.conf for ssh, kdumpctl propagate --yes, rebuild,
#                       what the initramfs holds, estimate, crashkernel --set auto
#   arm-panic VARIANT   kdump.conf for VARIANT, enable/restart kdump, status ready, then
#                       test-panic (wrongkey: the kdump key is first removed on the server)
#   after VARIANT       what the capture left, as kdumpctl sees it
#
# Variants: ssh (saved on the server), wrongkey (login refused), cut (the server dies part way),
# down (no server), all three with failure_action dump_to_rootfs; nfs (nfs 10.0.2.101:/export).
# "KS-CHECK NAME PASS|FAIL detail" lines are judged by the host.
# shellcheck disable=SC2317 # network_up and admin_ssh run through check()
set -u

SSH_SERVER=10.0.2.100
NFS_SERVER=10.0.2.101
DUMPS="$(cat "$KS_SHARE/dumps-path")"
LABEL=""

check() { # NAME COMMAND...
    local name="$1"
    shift
    if "$@"; then
        echo "KS-CHECK $LABEL/$name PASS"
    else
        echo "KS-CHECK $LABEL/$name FAIL ($*)"
    fi
}

expect_rc() { # NAME WANT COMMAND...
    local name="$1" want="$2" rc=0
    shift 2
    "$@" || rc=$?
    if [[ "$rc" == "$want" ]]; then
        echo "KS-CHECK $LABEL/$name PASS"
    else
        echo "KS-CHECK $LABEL/$name FAIL (exit $rc, want $want: $*)"
    fi
}

write_config() { # VARIANT
    {
        echo "# kdump-net-e2e.sh: variant $1"
        if [[ "$1" == nfs ]]; then
            echo "nfs $NFS_SERVER:/export"
            echo "path /dumps"
        else
            echo "ssh root@$SSH_SERVER"
            echo "path $DUMPS"
        fi
        echo "core_collector makedumpfile-lite -z -d 31"
        echo "failure_action dump_to_rootfs"
        echo "final_action reboot"
    } >/etc/kdump.conf
    chmod 0644 /etc/kdump.conf
    cat /etc/kdump.conf
}

network_up() {
    mkdir -p /etc/systemd/network
    printf '[Match]\nName=en* eth*\n\n[Network]\nDHCP=ipv4\n' >/etc/systemd/network/50-e2e.network
    systemctl enable -q systemd-networkd
    systemctl restart systemd-networkd
    for _ in $(seq 120); do
        ip -4 -o addr show scope global | grep -q ' dynamic ' && return 0
        sleep 1
    done
    return 1
}

# The administrator's own login on the server, which propagate uses to install the kdump key.
admin_ssh() {
    ssh -F none -o BatchMode=yes -o StrictHostKeyChecking=yes \
        -o UserKnownHostsFile=/var/lib/kdump-suite/known_hosts -i /root/.ssh/id_ed25519 \
        "root@$SSH_SERVER" "$@"
}

step_prepare() {
    local img
    img="/var/lib/kdump-suite/initramfs-$(uname -r).img"
    check network-up network_up
    ip -o addr show
    ip route
    mkdir -p /root/.ssh
    install -m 0600 "$KS_SHARE/admin_key" /root/.ssh/id_ed25519
    write_config ssh
    check propagate kdumpctl propagate --yes
    cp /var/lib/kdump-suite/known_hosts "$KS_OUT/known_hosts"
    check key-made test -s /root/.ssh/kdump_id_ed25519
    check check-config kdumpctl check-config
    check rebuild kdumpctl rebuild
    check initramfs-built test -s "$img"
    lsinitrd -f etc/systemd/network/10-kdump-suite.network "$img" | tee "$KS_OUT/network"
    check initramfs-network grep -q '^DHCP=ipv4' "$KS_OUT/network"
    check initramfs-network-mac grep -qi "^MACAddress=$(cat /sys/class/net/*/address | grep -v 00:00:00:00:00:00 | head -n1)" \
        "$KS_OUT/network"
    lsinitrd "$img" >"$KS_OUT/initramfs.list"
    check initramfs-ssh sh -c "grep -q 'root/.ssh/kdump_id_ed25519\$' '$KS_OUT/initramfs.list' &&
        grep -q 'var/lib/kdump-suite/known_hosts\$' '$KS_OUT/initramfs.list' &&
        grep -q 'bin/ssh\$' '$KS_OUT/initramfs.list'"
    grep -E 'networkd|kdump|bin/ssh|known_hosts' "$KS_OUT/initramfs.list" | head -n 20
    kdumpctl estimate
    printf 'GRUB_DEFAULT=0\nGRUB_CMDLINE_LINUX_DEFAULT="quiet"\n' >/etc/default/grub
    # shellcheck disable=SC2016 # the stand-in's own $0 and $*
    printf '#!/bin/sh\necho "$0 $*" >/run/update-grub.ran\n' >/usr/sbin/update-grub
    chmod 0755 /usr/sbin/update-grub
    check crashkernel-set kdumpctl crashkernel --set auto
    sed -n 's/.*crashkernel=\([^" ]*\).*/\1/p' /etc/default/grub.d/kdump-suite.cfg \
        >"$KS_OUT/crashkernel"
}

step_arm_panic() { # VARIANT
    local v="$1" rc=0
    write_config "$v"
    if systemctl is-enabled -q kdump; then
        systemctl restart kdump || rc=$?
    else
        systemctl enable --now kdump || rc=$?
    fi
    check kdump-service-started test "$rc" = 0
    journalctl -b -u kdump --no-pager | tail -n 8
    expect_rc status-ready 0 kdumpctl status
    if [[ "$v" == wrongkey ]]; then
        # the server forgets the kdump key: the capture's login is refused
        check key-removed admin_ssh "sed -i '/kdump-suite@/d' \"\$HOME/.ssh/authorized_keys\""
    fi
    echo "KS-PANIC $v"
    # the host watches the console for this line ('down': it stops the server now)
    echo "KS-PANIC $v" >/dev/console
    sleep 2
    journalctl --sync
    sync
    kdumpctl test-panic --yes
    echo "KS-CHECK $LABEL/test-panic-returned FAIL (exit $?)"
}

newest_local() {
    find "$DUMPS" -mindepth 1 -maxdepth 1 -type d -printf '%T@ %p\n' 2>/dev/null |
        sort -n | tail -n 1 | cut -d' ' -f2-
}

step_after() { # VARIANT
    local v="$1" name newest
    check kdump-armed-at-boot systemctl is-active -q kdump
    kdumpctl status >"$KS_OUT/status-after-$v.txt" 2>&1
    cat "$KS_OUT/status-after-$v.txt"
    case "$v" in
        ssh)
            check no-fallback-reported sh -c "! grep -q last-capture-failed '$KS_OUT/status-after-$v.txt'"
            check last-test-saved-a-dump sh -c "! grep -q last-test-failed '$KS_OUT/status-after-$v.txt'"
            kdumpctl list | tee "$KS_OUT/list-$v.txt"
            kdumpctl list --json >"$KS_OUT/list-$v.json"
            check list-complete grep -qE "complete +root@$SSH_SERVER:" "$KS_OUT/list-$v.txt"
            name="$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1]))["dumps"]; print([x["name"] for x in d if x["state"] == "complete"][-1])' \
                "$KS_OUT/list-$v.json" 2>/dev/null ||
                grep -oE "root@$SSH_SERVER:[^ ]*/[^/ ]+/vmcore.flat" "$KS_OUT/list-$v.txt" | tail -n1 | awk -F/ '{print $(NF-1)}')"
            echo "fetching $name"
            rm -rf /var/tmp/fetched
            check fetch kdumpctl fetch "$name" /var/tmp/fetched
            check fetched-verifies vmcore verify "/var/tmp/fetched/$name/vmcore"
            vmcore info "/var/tmp/fetched/$name/vmcore" | head -n 12
            check fetched-dmesg grep -q 'sysrq: Trigger a crash' "/var/tmp/fetched/$name/vmcore-dmesg.txt"
            ;;
        wrongkey | cut | down)
            newest="$(newest_local)"
            echo "newest local dump: ${newest:-none}"
            check fallback-dir test -n "$newest"
            newest="${newest:-/nonexistent}"
            ls -la "$newest"
            check fallback-saved test -f "$newest/vmcore"
            check fallback-verifies vmcore verify "$newest/vmcore"
            tail -n 30 "$newest/kdump-save.log"
            check status-says-why grep -q 'last-capture-failed' "$KS_OUT/status-after-$v.txt"
            case "$v" in
                wrongkey) check refused-login-in-status grep -q "refused the login as 'root'" "$KS_OUT/status-after-$v.txt" ;;
                cut) check reason-stream-cut grep -q "the stream to $SSH_SERVER was cut after" "$newest/kdump-save.log" ;;
                down) check reason-unreachable grep -qE "cannot reach $SSH_SERVER|did not answer" "$newest/kdump-save.log" ;;
            esac
            kdumpctl list | tee "$KS_OUT/list-$v.txt"
            check list-shows-fallback grep -q "$(basename "$newest")" "$KS_OUT/list-$v.txt"
            if [[ "$v" == cut ]]; then
                check list-shows-cut-incomplete grep -qE "incomplete +root@$SSH_SERVER:.*vmcore.flat.incomplete" "$KS_OUT/list-$v.txt"
            fi
            # the next captures go to the server again: the key back, the fallback moved away
            if [[ "$v" == wrongkey ]]; then
                check propagate-again kdumpctl propagate
            fi
            [[ ! -d "$newest" ]] || mv "$newest" "/var/tmp/$(basename "$newest").$v"
            ;;
        nfs)
            mkdir -p /mnt/nfs
            check mount-export mount -t nfs -o "vers=4.1,addr=$NFS_SERVER,clientaddr=0.0.0.0" \
                "$NFS_SERVER:/export" /mnt/nfs
            kdumpctl list | tee "$KS_OUT/list-$v.txt"
            check list-nfs-complete grep -qE "complete +/mnt/nfs/dumps/" "$KS_OUT/list-$v.txt"
            newest="$(find /mnt/nfs/dumps -mindepth 1 -maxdepth 1 -type d | sort | tail -n 1)"
            check nfs-dump-verifies vmcore verify "$newest/vmcore"
            check nfs-dmesg grep -q 'sysrq: Trigger a crash' "$newest/vmcore-dmesg.txt"
            umount /mnt/nfs
            ;;
    esac
    echo "KS-CHECK $LABEL/after-checked PASS"
}

while [[ $# -ge 2 ]]; do
    step="$1" variant="$2"
    shift 2
    echo "=== $step $variant"
    LABEL="$variant"
    [[ "$step" != prepare ]] || LABEL=prepare
    case "$step" in
        prepare) step_prepare ;;
        arm-panic) step_arm_panic "$variant" ;;
        after) step_after "$variant" ;;
        *) echo "unknown step $step"; exit 2 ;;
    esac
done
exit 0
