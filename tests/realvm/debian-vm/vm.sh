#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Boot the Debian 12 test image (mkrootfs.sh) in qemu -accel tcg and script it through the
# guest's ks-driver unit: one qemu run per boot, all boots of a test on one qcow2 overlay.
# Source it for the vm_* functions (see the README and --help), or run it for a one-off boot.

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    set -euo pipefail
fi

VM_HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$VM_HERE/../lib.sh"

vm_usage() {
    cat <<USAGE
Usage: ${0##*/} run [OPTIONS] SCRIPT [ARGS...]
       ${0##*/} sh [OPTIONS] 'COMMANDS'
       ${0##*/} console [OPTIONS]
       ${0##*/} image [mkrootfs.sh OPTIONS]

  run       boot once on a new overlay, run SCRIPT in the guest, print its output, exit
            with its status
  sh        the same with a command string
  console   boot with the serial console on this terminal, root logged in (Ctrl-a x quits
            qemu); the overlay is thrown away afterwards
  image     build or find the image (mkrootfs.sh)

Options:
  --kernel 6.1|6.12   which image (default: 6.1)
  --mem SIZE          guest memory (default: $VM_DEFAULT_MEM)
  --smp N             guest CPUs (default: $VM_DEFAULT_SMP)
  --append ARGS       more kernel command line (e.g. crashkernel=256M)
  --install DESTDIR   unpack this tree over the guest's / before the script runs
  --timeout SECONDS   give up on the boot after this long (default: $VM_DEFAULT_TIMEOUT)
  --keep              keep the run directory (overlay, console logs, outputs)
  --cached-only       do not build the image; exit 77 without one
  -h, --help          this text

As a library (". vm.sh"), in the order a test calls them:
  vm_init [--kernel K] [--mem M] [--smp N] [--append ARGS] [--keep] [--cached-only]
          [--net SPEC]
          makes the run directory VM_DIR and a qcow2 overlay on the cached image;
          returns 77 when qemu or the image is unavailable. --net: qemu's -nic for every
          boot (default: none), e.g. a user-mode network that reaches only a service on the
          host's loopback: "user,model=virtio-net-pci,restrict=on,guestfwd=tcp:10.0.2.100:22-
          cmd:socat - TCP:127.0.0.1:PORT" (VM_NET may be changed between boots)
  vm_install DESTDIR       our build's tree, unpacked over / at the start of the next boot
  vm_add_disk NAME SIZE    an extra empty virtio disk, /dev/disk/by-id/virtio-NAME in the
                           guest, attached to every later boot (raw, sparse: VM_DISK_<NAME>)
  vm_boot [--append ARGS] [--timeout S] [--after poweroff|reboot|stay] [SCRIPT [ARGS...]]
          one qemu run until the guest powers off or reboots (or a panic without a capture
          kernel reboots it); sets VM_BOOT (its number), VM_BOOT_DIR, VM_EXIT
          (poweroff|reboot|timeout|qemu-failed), VM_RC (the script's status, empty if it did
          not finish), VM_KERNELS (kernels that booted: 2 after a kdump capture),
          VM_PANICKED (0/1), VM_T_DRIVER and VM_T_TOTAL (seconds from the qemu start);
          returns 0 unless the boot timed out or qemu failed. VM_APPEND (vm_init --append)
          may be changed between boots.
  vm_run  [vm_boot options] SCRIPT [ARGS...]   vm_boot whose script must finish; returns
          its status (125 if it did not finish, with its output on stderr)
  vm_sh   [vm_boot options] 'COMMANDS'         vm_run of a command string
  vm_output [N]    the script's output of boot N (default: the last)
  vm_console [N]   the path of boot N's console log
  vm_copy_out GUEST_PATH HOST_DIR   copy a file or tree out of the guest's file system
          (qemu must not be running; reads a checked copy of the overlay with debugfs)
  vm_cleanup       stop qemu if it runs, delete VM_DIR (kept with --keep or VM_KEEP=1)
  vm_release_build BUILD   the build to install: BUILD, or when it has sanitizers a release
                           build of its sources made beside it (BUILD/kdump-e2e-release)

Environment: KDUMP_SUITE_CACHE (cache root), KDUMP_SUITE_VM_MEM, KDUMP_SUITE_VM_TIMEOUT.
USAGE
}

VM_DEFAULT_MEM="${KDUMP_SUITE_VM_MEM:-2G}"
VM_DEFAULT_SMP=2
VM_DEFAULT_TIMEOUT="${KDUMP_SUITE_VM_TIMEOUT:-600}"
# Every boot gets these; a test adds its own (crashkernel=...) with --append.
VM_BASE_CMDLINE="root=/dev/vda rw console=ttyS0 panic=-1 ks.driver"

VM_DIR="" VM_QEMU_PID="" VM_BOOT=0 VM_KEEP="${VM_KEEP:-0}" VM_DISKS=()

vm_init() {
    local kernel=6.1 cached=() image
    VM_MEM="$VM_DEFAULT_MEM" VM_SMP="$VM_DEFAULT_SMP" VM_APPEND="" VM_NET=none
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --kernel) kernel="${2:?--kernel needs 6.1 or 6.12}"; shift 2 ;;
            --mem) VM_MEM="${2:?--mem needs a size}"; shift 2 ;;
            --smp) VM_SMP="${2:?--smp needs a number}"; shift 2 ;;
            --append) VM_APPEND+=" ${2?--append needs arguments}"; shift 2 ;;
            --net) VM_NET="${2:?--net needs a qemu -nic value}"; shift 2 ;;
            --keep) VM_KEEP=1; shift ;;
            --cached-only) cached=(--cached-only); shift ;;
            *) log "vm_init: unknown argument '$1'"; return 2 ;;
        esac
    done
    if ! command -v qemu-system-x86_64 >/dev/null 2>&1; then
        log "skip: qemu-system-x86_64 not found (apt-get install qemu-system-x86)"
        return 77
    fi
    need_cmd qemu-img timeout tail
    local rc=0
    image="$("$VM_HERE/mkrootfs.sh" --kernel "$kernel" "${cached[@]}")" || rc=$?
    [[ "$rc" == 0 ]] || return "$rc"
    # shellcheck disable=SC2034 # for the caller
    VM_IMAGE="$image"
    VM_KERNEL_RELEASE="$(sed -n 's/^kernel_release=//p' "$image/meta")"
    mkdir -p "$KS_CACHE/work"
    VM_DIR="$(mktemp -d "$KS_CACHE/work/vm.XXXXXX")"
    mkdir -p "$VM_DIR/share"
    # The kernel and initramfs are copied: the image may be rebuilt while a test runs.
    cp "$image/vmlinuz" "$image/initrd.img" "$VM_DIR/"
    qemu-img create -q -f qcow2 -F qcow2 -b "$image/rootfs.qcow2" "$VM_DIR/root.qcow2"
    VM_BOOT=0 VM_DISKS=()
    log "image $image ($VM_KERNEL_RELEASE), run directory $VM_DIR"
}

vm_install() {
    local destdir="${1:?vm_install needs a directory}"
    [[ -d "$destdir" ]] || { log "vm_install: $destdir is not a directory"; return 1; }
    # Numeric owners as they are; the guest unpacks with --no-same-owner (root owns it all).
    tar -C "$destdir" --numeric-owner -cf "$VM_DIR/share/install.tar" .
    log "will install $(tar -tf "$VM_DIR/share/install.tar" | grep -vc '/$') files from $destdir at the next boot"
}

vm_add_disk() {
    local name="${1:?vm_add_disk needs a name}" size="${2:?vm_add_disk needs a size}"
    [[ "$name" =~ ^[A-Za-z0-9_]{1,20}$ ]] || { log "vm_add_disk: bad name '$name'"; return 1; }
    truncate -s "$size" "$VM_DIR/disk-$name.img"
    VM_DISKS+=("$name")
    printf -v "VM_DISK_$name" '%s' "$VM_DIR/disk-$name.img"
}

vm_console() {
    printf '%s\n' "$VM_DIR/share/boot-${1:-$VM_BOOT}/console.log"
}

vm_output() {
    cat "$VM_DIR/share/boot-${1:-$VM_BOOT}/output" 2>/dev/null || true
}

# The qemu command line of a boot, into the array VM_QEMU.
_vm_qemu_cmd() {
    local cmdline="$1" serial="$2" name
    # virtio-rng: qemu64 has no RDRAND, and without a hardware source the guest's crng waits
    # for jitter entropy, which a loaded host can stretch into minutes (getrandom() blocks
    # systemd's services meanwhile).
    VM_QEMU=(qemu-system-x86_64 -accel tcg -m "$VM_MEM" -smp "$VM_SMP" -nographic -no-reboot
        -nic "${VM_NET:-none}" -monitor none -serial "$serial"
        -kernel "$VM_DIR/vmlinuz" -initrd "$VM_DIR/initrd.img" -append "$cmdline"
        -drive "file=$VM_DIR/root.qcow2,format=qcow2,if=none,id=root,cache=unsafe,discard=unmap"
        -device "virtio-blk-pci,drive=root,serial=ksroot"
        -fsdev "local,id=ks,path=$VM_DIR/share,security_model=none"
        -device "virtio-9p-pci,fsdev=ks,mount_tag=ks"
        -device virtio-rng-pci)
    for name in "${VM_DISKS[@]}"; do
        VM_QEMU+=(-drive "file=$VM_DIR/disk-$name.img,format=raw,if=none,id=d$name,cache=unsafe"
            -device "virtio-blk-pci,drive=d$name,serial=$name")
    done
}

vm_boot() {
    local append="" timeout="$VM_DEFAULT_TIMEOUT" after=poweroff script="" dir line t0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --append) append+=" ${2?--append needs arguments}"; shift 2 ;;
            --timeout) timeout="${2:?--timeout needs seconds}"; shift 2 ;;
            --after) after="${2:?--after needs poweroff, reboot or stay}"; shift 2 ;;
            --) shift; break ;;
            -*) log "vm_boot: unknown option '$1'"; return 2 ;;
            *) break ;;
        esac
    done
    if [[ $# -gt 0 ]]; then
        script="$1"
        shift
        [[ -f "$script" ]] || { log "vm_boot: no script $script"; return 2; }
    fi
    [[ -n "$VM_DIR" ]] || { log "vm_boot: call vm_init first"; return 2; }

    VM_BOOT=$((VM_BOOT + 1))
    dir="$VM_DIR/share/boot-$VM_BOOT"
    # shellcheck disable=SC2034 # for the caller
    VM_BOOT_DIR="$dir"
    mkdir -p "$dir"
    if [[ -n "$script" ]]; then
        cp "$script" "$dir/run.sh"
        if [[ $# -gt 0 ]]; then printf '%s\n' "$@" >"$dir/args"; fi
    fi
    printf '%s\n' "$after" >"$dir/after"
    printf '%s\n' "$VM_BOOT" >"$VM_DIR/share/current"
    : >"$dir/console.log"
    VM_EXIT="" VM_RC="" VM_T_DRIVER="" VM_T_TOTAL="" VM_KERNELS=0 VM_PANICKED=0

    local cmdline
    read -r -a cmdline <<<"$VM_BASE_CMDLINE $VM_APPEND $append"
    _vm_qemu_cmd "${cmdline[*]}" "file:$dir/console.log"
    printf '%s\n' "${VM_QEMU[*]}" >"$dir/qemu.cmd"
    log "boot $VM_BOOT: qemu (tcg, ${VM_MEM}, timeout ${timeout}s), cmdline: ${cmdline[*]}"
    t0="$(now)"
    timeout -k 10 "$timeout" "${VM_QEMU[@]}" </dev/null >"$dir/qemu.log" 2>&1 &
    VM_QEMU_PID=$!
    while IFS= read -r line; do
        line="${line%$'\r'}"
        case "$line" in
            *"KS-DRIVER start "*)
                VM_T_DRIVER="$(elapsed "$t0")"
                log "boot $VM_BOOT: driver up after ${VM_T_DRIVER}s"
                ;;
            *"KS-DRIVER "*) log "boot $VM_BOOT: ${line#*KS-DRIVER } (+$(elapsed "$t0")s)" ;;
            *"Kernel panic - not syncing"*) log "boot $VM_BOOT: ${line#*] } (+$(elapsed "$t0")s)" ;;
            *"Linux version "*) log "boot $VM_BOOT: kernel starts (+$(elapsed "$t0")s)" ;;
        esac
    done < <(tail -n +1 -s 0.2 --pid="$VM_QEMU_PID" -F "$dir/console.log" 2>/dev/null)
    local qrc=0
    wait "$VM_QEMU_PID" || qrc=$?
    VM_QEMU_PID=""
    VM_T_TOTAL="$(elapsed "$t0")"
    tr -d '\r' <"$dir/console.log" >"$dir/console.txt" && mv "$dir/console.txt" "$dir/console.log"

    VM_KERNELS="$(grep -c 'Linux version ' "$dir/console.log" || true)"
    grep -q 'Kernel panic - not syncing' "$dir/console.log" && VM_PANICKED=1
    [[ -f "$dir/rc" ]] && VM_RC="$(cat "$dir/rc")"
    if [[ "$qrc" == 124 || "$qrc" == 137 ]]; then
        VM_EXIT=timeout
    elif [[ "$qrc" != 0 ]]; then
        VM_EXIT=qemu-failed
        sed "s/^/qemu: /" "$dir/qemu.log" >&2
    else
        # The last word of the last kernel decides.
        case "$(grep -oE 'reboot: (Restarting system|Power down)' "$dir/console.log" | tail -n 1)" in
            *Power*) VM_EXIT=poweroff ;;
            *) VM_EXIT=reboot ;;
        esac
    fi
    {
        echo "boot=$VM_BOOT"
        echo "exit=$VM_EXIT"
        echo "rc=$VM_RC"
        echo "kernels=$VM_KERNELS"
        echo "panicked=$VM_PANICKED"
        echo "seconds_to_driver=$VM_T_DRIVER"
        echo "seconds_total=$VM_T_TOTAL"
    } >"$dir/meta"
    log "boot $VM_BOOT: $VM_EXIT after ${VM_T_TOTAL}s (script status: ${VM_RC:-none}, kernels: $VM_KERNELS)"
    case "$VM_EXIT" in
        timeout|qemu-failed)
            log "boot $VM_BOOT: last console lines:"
            tail -n 25 "$dir/console.log" | sed 's/^/  | /' >&2
            return 1
            ;;
    esac
    return 0
}

vm_run() {
    local opts=()
    while [[ $# -gt 0 ]]; do
        case "$1" in
            --append|--timeout|--after) opts+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
            *) break ;;
        esac
    done
    vm_boot "${opts[@]}" "$@" || return 125
    if [[ -z "$VM_RC" ]]; then
        log "boot $VM_BOOT: the script did not finish (exit: $VM_EXIT); its output:"
        vm_output "$VM_BOOT" | sed 's/^/  | /' >&2
        return 125
    fi
    return "$VM_RC"
}

vm_sh() {
    local opts=() rc=0
    while [[ $# -gt 1 ]]; do
        opts+=("$1")
        shift
    done
    printf '%s\n' "${1:?vm_sh needs commands}" >"$VM_DIR/sh.$((VM_BOOT + 1))"
    vm_run "${opts[@]}" "$VM_DIR/sh.$((VM_BOOT + 1))" || rc=$?
    return "$rc"
}

vm_copy_out() {
    local path="${1:?vm_copy_out needs a guest path}" dest="${2:?vm_copy_out needs a host directory}"
    local raw="$VM_DIR/copy-out.raw" rc=0
    [[ -z "$VM_QEMU_PID" ]] || { log "vm_copy_out: qemu is running"; return 1; }
    mkdir -p "$dest"
    qemu-img convert -O raw "$VM_DIR/root.qcow2" "$raw"
    # A copy: replay the journal and fix what a crash left, so debugfs sees the files.
    e2fsck -fy "$raw" >"$VM_DIR/copy-out.fsck" 2>&1 || rc=$?
    if ((rc >= 4)); then
        log "vm_copy_out: e2fsck of the copy exited $rc"
        cat "$VM_DIR/copy-out.fsck" >&2
        rm -f "$raw"
        return 1
    fi
    debugfs -R "rdump \"$path\" \"$dest\"" "$raw" 2>"$VM_DIR/copy-out.err" || rc=1
    rm -f "$raw"
    if grep -qiE 'not found|error|cannot' "$VM_DIR/copy-out.err"; then
        cat "$VM_DIR/copy-out.err" >&2
        return 1
    fi
    [[ "$rc" != 1 ]]
}

vm_cleanup() {
    if [[ -n "$VM_QEMU_PID" ]]; then
        # timeout passes the signal on to its qemu child.
        kill "$VM_QEMU_PID" 2>/dev/null || true
        wait "$VM_QEMU_PID" 2>/dev/null || true
        VM_QEMU_PID=""
    fi
    if [[ -n "$VM_DIR" && -d "$VM_DIR" ]]; then
        if [[ "$VM_KEEP" == 1 ]]; then
            log "kept $VM_DIR"
        else
            rm -rf "$VM_DIR"
        fi
    fi
}

# ---------- command line ----------

_vm_main() {
    local cmd="${1:-}" init=() boot=() install="" rc=0
    case "$cmd" in
        -h|--help|"") vm_usage; return 0 ;;
        image) shift; exec "$VM_HERE/mkrootfs.sh" "$@" ;;
        run|sh|console) shift ;;
        *) die "unknown command '$cmd' (see --help)" ;;
    esac
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h|--help) vm_usage; return 0 ;;
            --kernel|--mem|--smp) init+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
            --append) init+=("$1" "${2?$1 needs a value}"); shift 2 ;;
            --timeout) boot+=("$1" "${2:?$1 needs a value}"); shift 2 ;;
            --install) install="${2:?--install needs a directory}"; shift 2 ;;
            --keep|--cached-only) init+=("$1"); shift ;;
            --) shift; break ;;
            -*) die "unknown option '$1' (see --help)" ;;
            *) break ;;
        esac
    done
    trap vm_cleanup EXIT
    trap 'exit 130' INT TERM
    vm_init "${init[@]}" || rc=$?
    [[ "$rc" == 0 ]] || exit "$rc"
    [[ -z "$install" ]] || vm_install "$install"
    case "$cmd" in
        run)
            [[ $# -gt 0 ]] || die "run: which script?"
            vm_run "${boot[@]}" "$@" || rc=$?
            vm_output "$VM_BOOT"
            ;;
        sh)
            [[ $# -eq 1 ]] || die "sh: one argument, the commands"
            vm_sh "${boot[@]}" "$1" || rc=$?
            vm_output "$VM_BOOT"
            ;;
        console)
            _vm_qemu_cmd "${VM_BASE_CMDLINE% ks.driver} $VM_APPEND" mon:stdio
            "${VM_QEMU[@]}" || rc=$?
            ;;
    esac
    return "$rc"
}

# vm_release_build BUILD: what to install in the guest is a release build, as a user installs
# it: a sanitizer build's tools need the sanitizer runtimes and their shadow memory in the capture kernel's small
# reservation. When BUILD has sanitizers, a release build of the same sources is made (or
# refreshed) beside it, in BUILD/kdump-e2e-release, and installed instead.
vm_release_build() { # BUILD: prints the directory to install
    local b="$1" src sanitize rel
    read -r src sanitize < <(/usr/bin/python3 - "$b/meson-info" <<'PY'
import json, sys
info = json.load(open(sys.argv[1] + "/meson-info.json"))
opts = json.load(open(sys.argv[1] + "/intro-buildoptions.json"))
print(info["directories"]["source"],
      next((o["value"] for o in opts if o["name"] == "b_sanitize"), "none"))
PY
) || return 1
    if [[ "$sanitize" == none ]]; then
        printf '%s\n' "$b"
        return 0
    fi
    rel="$b/kdump-e2e-release"
    log "installing a release build of $src ($rel), not the sanitizer build"
    if [[ ! -f "$rel/build.ninja" ]]; then
        meson setup "$rel" "$src" --prefix=/usr --sysconfdir=/etc --localstatedir=/var \
            --buildtype=release -Db_sanitize=none >"$b/kdump-e2e-release.log" 2>&1 ||
            { tail -n 20 "$b/kdump-e2e-release.log" >&2; return 1; }
    fi
    meson compile -C "$rel" >>"$b/kdump-e2e-release.log" 2>&1 ||
        { tail -n 20 "$b/kdump-e2e-release.log" >&2; return 1; }
    printf '%s\n' "$rel"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
    _vm_main "$@"
fi
