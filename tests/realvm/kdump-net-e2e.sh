#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Network dump targets end to end on the Debian 12 guest of debian-vm/ (qemu TCG). The guest
# reaches the host's loopback only through qemu's user-mode network with restrict=on: its
# guestfwd rules connect 10.0.2.100:22 to an OpenSSH server this test starts on 127.0.0.1
# (its own host key, authorized_keys and $HOME in a temporary directory) and 10.0.2.101:2049
# to a user-space NFS server (nfs-ganesha, NFSv4, FSAL_VFS, numeric owners as Linux's nfsd
# sends them for AUTH_SYS: the capture kernel has no idmapper) on 127.0.0.1. Chained on one
# overlay:
#
#   boot 1  prepare: the guest's network (systemd-networkd, DHCP), kdump.conf 'ssh
#           root@10.0.2.100', kdumpctl propagate --yes (key made, installed with the
#           administrator's key, host key pinned), rebuild (network, key, pinned host key in
#           the initramfs), crashkernel --set auto
#   boot 2  arm-panic ssh       the capture streams the dump to the server
#   boot 3  after ssh (list, fetch, vmcore verify in the guest); arm-panic wrongkey (the
#           kdump key is removed from the server: the login is refused)
#   boot 4  after wrongkey (dump_to_rootfs saved it, status says why); propagate again;
#           arm-panic cut (the host kills sshd once 2 MiB of the stream arrived)
#   boot 5  after cut; arm-panic down (the host stops sshd when the guest panics)
#   boot 6  after down; arm-panic nfs (kdump.conf 'nfs 10.0.2.101:/export')
#   boot 7  after nfs
#
# The host checks what the servers received: vmcore.flat with vmcore.flat.sha256
# (sha256sum -c), rebuilt with makedumpfile-lite -R into a dump 'vmcore verify' accepts; the
# cut stream never renamed; the NFS dump verified.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# The guest needs ssh, ip, dracut's network modules (systemd-networkd) and dbus for them: an
# image of its own (debian-vm/mkrootfs.sh --packages), so the other tests' image is unchanged.
export KDUMP_SUITE_VM_PACKAGES="${KDUMP_SUITE_VM_PACKAGES:-} openssh-client iproute2 dracut-network dbus"
# shellcheck source=debian-vm/vm.sh
. "$here/debian-vm/vm.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} [OPTIONS] BUILDDIR

Install the meson build BUILDDIR (a release build of it when it has sanitizers) into the
Debian 12 test guest and run the network dump target test. Exit 0 pass, 1 fail, 77 skipped
(no qemu, image, sshd, socat).

Options:
  --kernel 6.1|6.12   the guest's kernel (default: 6.1)
  --variants LIST     comma-separated, in order, from ssh,wrongkey,cut,down,nfs
                      (default: all; 'ssh' first: it leaves the key on the server)
  --mem SIZE          guest memory (default: 2G)
  --keep              keep the run directory and the servers' directories
  -h, --help          this text
USAGE
}

KERNEL=6.1 VARIANTS=ssh,wrongkey,cut,down,nfs MEM=2G BUILD=""
PYTHON=/usr/bin/python3
while [[ $# -gt 0 ]]; do
    case "$1" in
        --kernel) KERNEL="${2:?}"; shift 2 ;;
        --variants) VARIANTS="${2:?}"; shift 2 ;;
        --mem) MEM="${2:?}"; shift 2 ;;
        --keep) VM_KEEP=1; shift ;;
        -h|--help) usage; exit 0 ;;
        -*) die "unknown option '$1' (see --help)" ;;
        *) BUILD="$1"; shift ;;
    esac
done
[[ -n "$BUILD" && -f "$BUILD/build.ninja" ]] || die "give the meson build directory (see --help)"
BUILD="$(cd "$BUILD" && pwd)"
VMCORE="$BUILD/vmcore/vmcore"
MDL="$BUILD/makedumpfile-lite/makedumpfile-lite"
IFS=, read -r -a variants <<<"$VARIANTS"

[[ "$(id -u)" == 0 ]] || { log "skip: needs root"; exit 77; }
[[ -x /usr/sbin/sshd ]] || { log "skip: no /usr/sbin/sshd (apt-get install openssh-server)"; exit 77; }
command -v socat >/dev/null || { log "skip: no socat (apt-get install socat)"; exit 77; }
[[ -x "$VMCORE" && -x "$MDL" ]] || { log "skip: no vmcore or makedumpfile-lite in $BUILD"; exit 77; }
GANESHA="$(command -v ganesha.nfsd || true)"
if [[ ",$VARIANTS," == *,nfs,* && -z "$GANESHA" ]]; then
    log "no ganesha.nfsd (apt-get install nfs-ganesha nfs-ganesha-vfs): the nfs variant is skipped"
    variants=("${variants[@]/nfs/}")
fi


FAILED=()
result() { # NAME PASS|FAIL DETAIL
    printf '  %-44s %s %s\n' "$1" "$2" "${3:-}" >&2
    [[ "$2" == PASS ]] || FAILED+=("$1")
}
judge() { # BOOT EXPECTED...
    local n="$1" name line found
    shift
    while IFS= read -r line; do
        line="${line#KS-CHECK }"
        result "${line%% *}" "$(cut -d' ' -f2 <<<"$line")" "$(cut -d' ' -f3- <<<"$line")"
    done < <(vm_output "$n" | grep '^KS-CHECK ' || true)
    for name in "$@"; do
        found="$(vm_output "$n" | grep -c "^KS-CHECK $name " || true)"
        [[ "$found" != 0 ]] || result "$name" FAIL "(not reported)"
    done
}
judge_panic() { # VARIANT
    local v="$1" console
    console="$(vm_console "$VM_BOOT")"
    result "$v/panicked-and-rebooted" "$([[ "$VM_EXIT" == reboot && "$VM_PANICKED" == 1 ]] &&
        echo PASS || echo FAIL)" "(exit $VM_EXIT, panicked $VM_PANICKED)"
    result "$v/capture-kernel-booted" "$([[ "$VM_KERNELS" -ge 2 ]] && echo PASS || echo FAIL)" \
        "($VM_KERNELS kernels)"
    grep 'kdump-save: ' "$console" | tail -n 4 | cut -c1-220 | sed 's/^/    | /' >&2 || true
}

# ---- the servers ----
# Not below /tmp: failure_action dump_to_rootfs saves under the same path in the guest, whose
# /tmp is emptied at boot.
SRV="$(mktemp -d /var/tmp/kdump-net-e2e.XXXXXX)"
DUMPS="$SRV/dumps"
SSHD_PID="" GANESHA_PID="" WATCH_PID=""
# The sshd this test started and everything below it: each connection's sshd calls setsid(),
# so a process group is not enough to take down a session in the middle of a transfer.
kill_sshd_tree() { # PID
    local pid="$1" child
    for child in $(ps -o pid= --ppid "$pid" 2>/dev/null); do
        kill_sshd_tree "$child"
    done
    kill -KILL "$pid" 2>/dev/null || true
}
stop_sshd() {
    if [[ -n "$SSHD_PID" ]]; then
        kill -STOP "$SSHD_PID" 2>/dev/null || true # no new sessions meanwhile
        kill_sshd_tree "$SSHD_PID"
        wait "$SSHD_PID" 2>/dev/null || true
    fi
    SSHD_PID=""
}
start_sshd() {
    stop_sshd
    setsid /usr/sbin/sshd -D -e -f "$SRV/sshd_config" -p "$SSH_PORT" 2>>"$SRV/sshd.log" &
    SSHD_PID=$!
    for _ in $(seq 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$SSH_PORT") 2>/dev/null && return 0
        sleep 0.1
    done
    die "sshd did not start: $(tail -n 5 "$SRV/sshd.log")"
}
stop_watch() {
    [[ -z "$WATCH_PID" ]] || kill "$WATCH_PID" 2>/dev/null || true
    [[ -z "$WATCH_PID" ]] || wait "$WATCH_PID" 2>/dev/null || true
    WATCH_PID=""
}
cleanup() {
    stop_watch
    stop_sshd
    [[ -z "$GANESHA_PID" ]] || kill "$GANESHA_PID" 2>/dev/null || true
    vm_cleanup
    rm -rf "${DEST:-}"
    if [[ "$VM_KEEP" == 1 ]]; then log "kept $SRV"; else rm -rf "$SRV"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    "$PYTHON" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
SSH_PORT="$(free_port)"
mkdir -p "$SRV/home/.ssh" "$DUMPS" /run/sshd
ssh-keygen -q -t ed25519 -N '' -f "$SRV/host_key"
ssh-keygen -q -t ed25519 -N '' -C kdump-e2e-admin -f "$SRV/admin_key"
cp "$SRV/admin_key.pub" "$SRV/home/.ssh/authorized_keys"
cat >"$SRV/sshd_config" <<EOF
ListenAddress 127.0.0.1
HostKey $SRV/host_key
AuthorizedKeysFile $SRV/home/.ssh/authorized_keys
SetEnv HOME=$SRV/home
PidFile none
StrictModes no
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin prohibit-password
LogLevel VERBOSE
EOF
start_sshd
net="user,model=virtio-net-pci,restrict=on"
net+=",guestfwd=tcp:10.0.2.100:22-cmd:socat - TCP:127.0.0.1:$SSH_PORT"
if [[ -n "$GANESHA" ]]; then
    NFS_PORT="$(free_port)"
    mkdir -p "$SRV/nfs/export"
    cat >"$SRV/ganesha.conf" <<EOF
NFS_CORE_PARAM { NFS_Port = $NFS_PORT; Protocols = 4; Bind_addr = 127.0.0.1;
                 Enable_NLM = false; Enable_RQUOTA = false; }
NFSV4 { Graceless = true; Lease_Lifetime = 20; Allow_Numeric_Owners = true;
        Only_Numeric_Owners = true; }
NFS_KRB5 { Active_krb5 = false; }
EXPORT { Export_Id = 1; Path = $SRV/nfs/export; Pseudo = /export; Access_Type = RW;
         Squash = No_Root_Squash; SecType = sys; Protocols = 4; Transports = TCP;
         FSAL { Name = VFS; } }
EOF
    "$GANESHA" -F -f "$SRV/ganesha.conf" -L "$SRV/ganesha.log" -p "$SRV/ganesha.pid" -N NIV_EVENT &
    GANESHA_PID=$!
    net+=",guestfwd=tcp:10.0.2.101:2049-cmd:socat - TCP:127.0.0.1:$NFS_PORT"
fi

# ---- the guest ----
DEST="$(mktemp -d "${TMPDIR:-/tmp}/kdump-net-e2e-destdir.XXXXXX")"
INSTALL_BUILD="$(vm_release_build "$BUILD")" || { log "cannot build a release build to install"; exit 1; }
meson install -C "$INSTALL_BUILD" --destdir "$DEST" --no-rebuild --quiet >/dev/null
rc=0
vm_init --kernel "$KERNEL" --mem "$MEM" --net "$net" || rc=$?
[[ "$rc" == 0 ]] || exit "$rc"
vm_install "$DEST"
cp "$SRV/admin_key" "$VM_DIR/share/admin_key"
printf '%s\n' "$DUMPS" >"$VM_DIR/share/dumps-path"

# ---- host-side checks of what the servers got ----
files_of() { find "$1" -mindepth 1 -maxdepth 1 -printf '%f ' 2>/dev/null || true; }
newest_server_dir() {
    find "$DUMPS" -mindepth 1 -maxdepth 1 -type d -newer "$VM_DIR/share/boot-$VM_BOOT/run.sh" \
        -printf '%T@ %p\n' 2>/dev/null | sort -n | tail -n 1 | cut -d' ' -f2-
}
check_server_dump() { # the dump directory of the last capture on the ssh server
    local d
    d="$(newest_server_dir)"
    if [[ -z "$d" ]]; then
        result "ssh/host-server-dir" FAIL "(nothing new in $DUMPS)"
        return
    fi
    result "ssh/host-server-dir" PASS "$(basename "$d"): $(files_of "$d")"
    if (cd "$d" && sha256sum --quiet -c vmcore.flat.sha256) >/dev/null 2>&1; then
        result "ssh/host-sha256sum-c" PASS "$(cut -c1-16 "$d/vmcore.flat.sha256")..."
    else
        result "ssh/host-sha256sum-c" FAIL
    fi
    if "$MDL" -R "$SRV/rebuilt-vmcore" <"$d/vmcore.flat" >"$SRV/rebuild.log" 2>&1 &&
        "$VMCORE" verify "$SRV/rebuilt-vmcore" >"$SRV/verify.log" 2>&1; then
        result "ssh/host-rebuilt-verifies" PASS "$(stat -c %s "$SRV/rebuilt-vmcore") bytes"
    else
        result "ssh/host-rebuilt-verifies" FAIL "$(tail -n 2 "$SRV/rebuild.log" "$SRV/verify.log" | tr '\n' ' ')"
    fi
    if grep -q 'sysrq: Trigger a crash' "$d/vmcore-dmesg.txt" 2>/dev/null; then
        result "ssh/host-vmcore-dmesg.txt" PASS
    else
        result "ssh/host-vmcore-dmesg.txt" FAIL
    fi
    if grep -q "^\[.*\] saved: .*vmcore.flat on ssh root@10.0.2.100" "$d/kdump-save.log"; then
        result "ssh/host-log-final-line" PASS
    else
        result "ssh/host-log-final-line" FAIL "$(tail -n 1 "$d/kdump-save.log" 2>/dev/null)"
    fi
    rm -f "$SRV/rebuilt-vmcore"
}
check_cut_on_server() {
    local d
    d="$(newest_server_dir)"
    if [[ -n "$d" && ! -e "$d/vmcore.flat" && ! -e "$d/vmcore.flat.sha256" ]]; then
        result "cut/host-never-renamed" PASS "$(files_of "$d")"
    else
        result "cut/host-never-renamed" FAIL "(${d:-no directory}: $(files_of "$d"))"
    fi
}
check_pinned() {
    if [[ "$(awk '{print $2, $3}' "$VM_DIR/share/boot-1/known_hosts" 2>/dev/null)" == \
          "$(awk '{print $1, $2}' "$SRV/host_key.pub")" ]]; then
        result "prepare/host-pinned-key-is-the-servers" PASS
    else
        result "prepare/host-pinned-key-is-the-servers" FAIL
    fi
}

# watchers, for the boot that is starting
watch_cut() { # BOOT: kill sshd once 2 MiB of a stream of that boot arrived
    local f size
    while sleep 0.2; do
        f="$(find "$DUMPS" -name vmcore.flat.incomplete -newer "$VM_DIR/share/boot-$1/run.sh" 2>/dev/null | head -n1)"
        [[ -n "$f" ]] || continue
        size="$(stat -c %s "$f" 2>/dev/null || echo 0)"
        if ((size > 2 * 1024 * 1024)); then
            kill -STOP "$SSHD_PID" 2>/dev/null
            kill_sshd_tree "$SSHD_PID"
            echo "killed sshd at $size bytes of $f" >"$SRV/cut.txt"
            return 0
        fi
    done
}
watch_panic() { # BOOT: stop sshd when the guest says it panics now
    local console
    while sleep 0.5; do
        console="$VM_DIR/share/boot-$1/console.log"
        if grep -q "KS-PANIC down" "$console" 2>/dev/null; then
            kill -STOP "$SSHD_PID" 2>/dev/null
            kill_sshd_tree "$SSHD_PID"
            echo "stopped sshd at the panic" >"$SRV/down.txt"
            return 0
        fi
    done
}

g="$here/kdump-net-e2e-guest.sh"
log "boot 1: prepare"
vm_run --timeout 1800 "$g" prepare ssh || true
judge "$VM_BOOT" prepare/network-up prepare/propagate prepare/rebuild prepare/initramfs-network \
    prepare/initramfs-ssh prepare/crashkernel-set
check_pinned
ck="$(cat "$VM_BOOT_DIR/crashkernel" 2>/dev/null || true)"
[[ -n "$ck" ]] || { log "no crashkernel value from the guest"; vm_output | tail -n 40 >&2; exit 1; }
VM_APPEND+=" crashkernel=$ck"

prev=""
for v in "${variants[@]}" ""; do
    steps=()
    [[ -z "$prev" ]] || steps+=(after "$prev")
    [[ -z "$v" ]] || steps+=(arm-panic "$v")
    [[ ${#steps[@]} -gt 0 ]] || break
    case "$v" in
        cut) watch_cut $((VM_BOOT + 1)) & WATCH_PID=$! ;;
        down) watch_panic $((VM_BOOT + 1)) & WATCH_PID=$! ;;
    esac
    log "boot $((VM_BOOT + 1)): ${steps[*]}"
    vm_boot --timeout 2400 "$g" "${steps[@]}" || true
    stop_watch
    judge "$VM_BOOT" ${prev:+"$prev/after-checked"} ${v:+"$v/kdump-service-started"} ${v:+"$v/status-ready"}
    case "$v" in
        ssh) check_server_dump ;;
        cut) check_cut_on_server; result "cut/host-killed-sshd" "$([[ -s "$SRV/cut.txt" ]] && echo PASS || echo FAIL)" "$(cat "$SRV/cut.txt" 2>/dev/null)" ;;
        down) result "down/host-stopped-sshd" "$([[ -s "$SRV/down.txt" ]] && echo PASS || echo FAIL)" ;;
        nfs)
            d="$(find "$SRV/nfs/export" -name vmcore -newer "$VM_DIR/share/boot-$VM_BOOT/run.sh" | head -n1)"
            if [[ -n "$d" ]] && "$VMCORE" verify "$d" >/dev/null 2>&1; then
                result "nfs/host-vmcore-verify" PASS "$d"
            else
                result "nfs/host-vmcore-verify" FAIL "(${d:-no vmcore in the export})"
            fi
            ;;
    esac
    [[ -z "$v" ]] || judge_panic "$v"
    # sshd is down after 'cut' and 'down': back for the next boot's list and fetch
    case "$v" in cut | down) start_sshd ;; esac
    prev="$v"
done

if [[ ${#FAILED[@]} -gt 0 ]]; then
    log "FAILED: ${FAILED[*]} (console logs and outputs: run with --keep)"
    exit 1
fi
log "all checks passed"
