#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# Inside the guest, run by ks-driver for smoke.sh: "first RELEASE [TOOL]" in the first boot,
# "second" in the second. Prints "KS-SMOKE NAME PASS|FAIL DETAIL" per check and
# "KS-INFO KEY VALUE" for what the host reports; exits 1 if a check failed.
set -u

failed=0
check() { # NAME PASS|FAIL DETAIL
    printf 'KS-SMOKE %s %s %s\n' "$1" "$2" "${3:-}"
    [[ "$2" == PASS ]] || failed=1
}

pass_if() { # NAME DETAIL COMMAND...
    local name="$1" detail="$2"
    shift 2
    if "$@"; then check "$name" PASS "$detail"; else check "$name" FAIL "$detail"; fi
}

system_running() {
    local state
    # Boot finished, nothing failed ("degraded" names the failed units).
    state="$(timeout 300 systemctl is-system-running --wait 2>&1)"
    if [[ "$state" == running ]]; then
        check "$1" PASS "$state"
    else
        check "$1" FAIL "$state; failed units: $(systemctl --failed --no-legend --plain | awk '{ print $1 }' | tr '\n' ' ')"
    fi
}

first() {
    local release="$1" tool="${2:-}" cmdline size out
    system_running running
    pass_if uname-r "$(uname -r)" test "$(uname -r)" == "$release"
    out="$(dracut --version 2>&1)"
    pass_if dracut-version "$out" test -n "$out" -a -x /usr/bin/dracut
    cmdline="$(cat /proc/cmdline)"
    pass_if crashkernel-cmdline "$cmdline" grep -q 'crashkernel=' /proc/cmdline
    size="$(cat /sys/kernel/kexec_crash_size)"
    pass_if kexec-crash-size "$size bytes reserved" test "$size" -gt 0
    out="$(findmnt -n -r -o SOURCE,FSTYPE,OPTIONS /)"
    pass_if root-fs "$out" grep -Eq '^/dev/vda ext4 rw,' <<<"$out"
    pass_if extra-disk "/dev/disk/by-id/virtio-kstarget -> $(readlink -f /dev/disk/by-id/virtio-kstarget)" \
        test -b /dev/disk/by-id/virtio-kstarget
    pass_if persistent-journal "/var/log/journal/$(cat /etc/machine-id)" \
        test -d "/var/log/journal/$(cat /etc/machine-id)"
    if [[ -n "$tool" ]]; then
        out="$("$tool" --version 2>&1)"
        pass_if installed-build "$(command -v "$tool"): $out" grep -q "^$tool " <<<"$out"
    fi
    mkdir -p /var/lib/ks-smoke
    cat /proc/sys/kernel/random/boot_id >/var/lib/ks-smoke/first-boot
    echo "KS-SMOKE-MARK first boot $(cat /proc/sys/kernel/random/boot_id)" | systemd-cat -t ks-smoke
    sync
    printf 'KS-INFO systemd-analyze %s\n' "$(systemd-analyze time 2>&1 | head -n 1)"
    printf 'KS-INFO memtotal %s\n' "$(awk '/^MemTotal/ { print $2 " " $3 }' /proc/meminfo)"
    printf 'KS-INFO root-df %s\n' "$(df -h --output=size,used,avail / | tail -n 1 | tr -s ' ')"
}

second() {
    local first_id now_id boots
    system_running running-again
    now_id="$(cat /proc/sys/kernel/random/boot_id)"
    first_id="$(cat /var/lib/ks-smoke/first-boot 2>/dev/null)"
    pass_if file-survived "first boot $first_id, this boot $now_id" \
        test -n "$first_id" -a "$first_id" != "$now_id"
    boots="$(journalctl --list-boots --no-pager -q 2>/dev/null | grep -c .)"
    pass_if journal-boots "$boots boots in the journal" test "$boots" -ge 2
    pass_if journal-previous-boot "journalctl -b -1 -t ks-smoke" \
        grep -q "KS-SMOKE-MARK first boot $first_id" \
        <(journalctl -b -1 -t ks-smoke --no-pager -o cat 2>&1)
    printf 'KS-INFO systemd-analyze %s\n' "$(systemd-analyze time 2>&1 | head -n 1)"
}

case "${1:-}" in
    first) shift; first "$@" ;;
    second) second ;;
    *) echo "usage: $0 first RELEASE [TOOL] | second" >&2; exit 2 ;;
esac
exit "$failed"
