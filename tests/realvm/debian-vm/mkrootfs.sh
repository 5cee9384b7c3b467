#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Build (once, cached) the Debian 12 root file system the end-to-end kdump tests boot in qemu:
# debootstrap --variant=minbase, systemd as init, a Debian kernel, dracut, the ks-driver
# control unit; an ext4 file system in a compressed qcow2, with the kernel and its
# dracut-built initramfs beside it for qemu -kernel/-initrd.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=../lib.sh
. "$here/../lib.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} [OPTIONS]

Make sure a Debian 12 (bookworm) test image exists and print its directory:
  $KS_CACHE/rootfs/bookworm-<kernel>-<key>/
holding rootfs.qcow2 (ext4, label ksroot, no partition table: root=/dev/vda), vmlinuz and
initrd.img (the guest's own /boot files, for qemu -kernel/-initrd), packages.list (what
dpkg has installed) and meta (key=value: kernel package and release, file system UUID,
sizes, build time). <key> is a hash of this script, packages.txt, guest/ and the options
below, so the image is rebuilt only when one of them changes; an image already built is
reused without asking apt. Progress goes to stderr, the directory to stdout.

The guest: debootstrap --variant=minbase, then with apt (bookworm, bookworm-updates,
bookworm-security) the kernel, systemd, udev, dracut and the rest of packages.txt, without
recommends, documentation, manual pages or locales. Root has no password; the serial console
logs root in automatically unless "ks.driver" is on the kernel command line, in which case
ks-driver.service runs the host's script from the 9p share (see vm.sh). The boot initramfs is
made by the guest's dracut (--no-hostonly, virtio and ext4 drivers only).

Options:
  --kernel 6.1|6.12   Debian kernel: 6.1 is linux-image-amd64 (what Debian 12 runs), 6.12
                      is linux-image-6.12-amd64 from bookworm-security (default: 6.1)
  --kernel-package P  exact kernel package instead (e.g. linux-image-6.1.0-56-amd64)
  --size SIZE         size of the ext4 file system, sparse (default: $DEFAULT_SIZE; dumps of
                      the guest's memory are saved on it)
  --packages "P ..."  more packages (also: KDUMP_SUITE_VM_PACKAGES)
  --mirror URL        Debian mirror (default: \$KDUMP_SUITE_DEBIAN_MIRROR or $DEFAULT_MIRROR)
  --force             rebuild even if the image exists
  --cached-only       build nothing: print the image if it exists, else exit 77
  --prune             after success, delete the other images of the same kernel choice
  -h, --help          show this help

Exit status: 0 with the directory printed, 77 when the image cannot be had (no debootstrap,
no qemu-img, not root, --cached-only without an image), 1 on a failed build.
USAGE
}

DEFAULT_SIZE=4G
DEFAULT_MIRROR=http://deb.debian.org/debian
SUITE=bookworm
# Drivers the boot initramfs needs to mount /dev/vda; everything else loads from the root.
BOOT_DRIVERS="virtio_pci virtio_blk ext4 crc32c_generic"

parse_args() {
    SERIES=6.1 KERNEL_PKG="" SIZE="$DEFAULT_SIZE" EXTRA_PKGS="${KDUMP_SUITE_VM_PACKAGES:-}"
    MIRROR="${KDUMP_SUITE_DEBIAN_MIRROR:-$DEFAULT_MIRROR}" FORCE=0 CACHED_ONLY=0 PRUNE=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h|--help) usage; exit 0 ;;
            --kernel) SERIES="${2:?--kernel needs 6.1 or 6.12}"; shift 2 ;;
            --kernel-package) KERNEL_PKG="${2:?--kernel-package needs a name}"; shift 2 ;;
            --size) SIZE="${2:?--size needs a size}"; shift 2 ;;
            --packages) EXTRA_PKGS+=" ${2?--packages needs names}"; shift 2 ;;
            --mirror) MIRROR="${2:?--mirror needs a URL}"; shift 2 ;;
            --force) FORCE=1; shift ;;
            --cached-only) CACHED_ONLY=1; shift ;;
            --prune) PRUNE=1; shift ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
    done
    case "$SERIES" in
        6.1) : "${KERNEL_PKG:=linux-image-amd64}" ;;
        6.12) : "${KERNEL_PKG:=linux-image-6.12-amd64}" ;;
        *) die "--kernel: unknown series '$SERIES' (6.1 or 6.12)" ;;
    esac
    [[ "$SIZE" =~ ^[0-9]+[MG]$ ]] || die "--size: '$SIZE' is not like 4G or 3072M"
}

skip() {
    log "skip: $*"
    exit 77
}

# The packages of packages.txt, the kernel and the extras, sorted, one per line.
package_list() {
    {
        sed -e 's/#.*//' -e 's/[[:space:]]\+/\n/g' "$here/packages.txt"
        printf '%s\n' "$KERNEL_PKG"
        local extra
        read -r -a extra <<<"$EXTRA_PKGS"
        printf '%s\n' "${extra[@]}"
    } | sed '/^$/d' | sort -u
}

# Everything the image depends on, hashed: the scripts, the guest files, the options.
cache_key() {
    {
        sha256sum "$here/mkrootfs.sh" "$here/packages.txt" "$here"/guest/*
        package_list
        printf 'suite=%s size=%s\n' "$SUITE" "$SIZE"
    } | sed "s|$here/||" | sha256sum | cut -c1-12
}

# ---------- the chroot ----------

ROOT="" MOUNTED=()

chroot_mount() {
    mount -t proc proc "$ROOT/proc"
    MOUNTED+=("$ROOT/proc")
    mount -t sysfs sysfs "$ROOT/sys"
    MOUNTED+=("$ROOT/sys")
}

chroot_umount() {
    local i
    for ((i = ${#MOUNTED[@]} - 1; i >= 0; i--)); do
        umount "${MOUNTED[i]}" 2>/dev/null || umount -l "${MOUNTED[i]}" || true
    done
    MOUNTED=()
}

# logged COMMAND...: its output goes to the build log; on failure, show the end of it.
logged() {
    printf '\n$ %s\n' "$*" >>"$BUILD_LOG"
    if ! "$@" >>"$BUILD_LOG" 2>&1 </dev/null; then
        tail -n 40 "$BUILD_LOG" | sed 's/^/  | /' >&2
        die "failed: $*"
    fi
}

in_chroot() {
    LC_ALL=C DEBIAN_FRONTEND=noninteractive chroot "$ROOT" "$@"
}

# No documentation, manual pages or translations, in this image or from later installs.
write_nodoc_config() {
    mkdir -p "$ROOT/etc/dpkg/dpkg.cfg.d"
    cat >"$ROOT/etc/dpkg/dpkg.cfg.d/01-kdump-suite-nodoc" <<'EOF'
# kdump-suite test image: keep it small (tests/realvm/debian-vm/mkrootfs.sh)
path-exclude=/usr/share/doc/*
path-include=/usr/share/doc/*/copyright
path-exclude=/usr/share/man/*
path-exclude=/usr/share/info/*
path-exclude=/usr/share/locale/*
path-include=/usr/share/locale/locale.alias
path-exclude=/usr/share/lintian/*
path-exclude=/usr/share/bash-completion/*
EOF
    printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' \
        >"$ROOT/etc/apt/apt.conf.d/01-kdump-suite-norecommends"
}

write_sources() {
    cat >"$ROOT/etc/apt/sources.list" <<EOF
deb $MIRROR $SUITE main
deb $MIRROR $SUITE-updates main
deb http://deb.debian.org/debian-security $SUITE-security main
EOF
}

install_packages() {
    local pkgs
    mapfile -t pkgs < <(package_list)
    # Services never start inside the chroot.
    printf '#!/bin/sh\nexit 101\n' >"$ROOT/usr/sbin/policy-rc.d"
    chmod 755 "$ROOT/usr/sbin/policy-rc.d"
    cp /etc/resolv.conf "$ROOT/etc/resolv.conf"
    logged in_chroot apt-get -q update
    # INITRD=No: the kernel's postinst hook would run dracut with its defaults (a generic
    # initramfs of every storage driver); build_initramfs makes a small one instead.
    logged in_chroot env INITRD=No apt-get -q -y -o Dpkg::Use-Pty=0 install "${pkgs[@]}"
    # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
    if in_chroot dpkg-query -W -f='${Status}\n' initramfs-tools 2>/dev/null | grep -q '^install ok installed'; then
        die "initramfs-tools got installed; dracut must provide the initramfs"
    fi
    rm -f "$ROOT/usr/sbin/policy-rc.d"
}

kernel_release() {
    local rel
    rel="$(find "$ROOT/lib/modules" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | sort -V | tail -n 1)"
    [[ -n "$rel" && -f "$ROOT/boot/vmlinuz-$rel" ]] || die "no kernel in the image (/boot, /lib/modules)"
    printf '%s' "$rel"
}

build_initramfs() {
    local rel="$1"
    in_chroot depmod -a "$rel"
    # --no-hostonly: dracut in a chroot would look at the build machine's disks.
    logged in_chroot dracut -q --force --no-hostonly --no-hostonly-cmdline \
        --drivers "$BOOT_DRIVERS" --omit "plymouth" \
        "/boot/initrd.img-$rel" "$rel"
}

configure_guest() {
    local uuid="$1" machine_id="$2" unitdir="$ROOT/etc/systemd/system"
    printf 'ksvm\n' >"$ROOT/etc/hostname"
    printf '127.0.0.1\tlocalhost\n127.0.1.1\tksvm\n::1\tlocalhost ip6-localhost ip6-loopback\n' \
        >"$ROOT/etc/hosts"
    printf '# kdump-suite test image\nUUID=%s\t/\text4\trw,errors=remount-ro\t0\t1\n' "$uuid" \
        >"$ROOT/etc/fstab"
    # A machine id makes this a booted-before system: no first-boot prompts on the console.
    printf '%s\n' "$machine_id" >"$ROOT/etc/machine-id"
    # Root without a password, logged in on the serial console when a human boots it.
    in_chroot passwd -q -d root
    mkdir -p "$unitdir/serial-getty@ttyS0.service.d"
    cat >"$unitdir/serial-getty@ttyS0.service.d/autologin.conf" <<'EOF'
# kdump-suite test image: root shell on the serial console, except under the test driver
[Unit]
ConditionKernelCommandLine=!ks.driver
[Service]
ExecStart=
ExecStart=-/sbin/agetty --autologin root --keep-baud 115200,57600,38400,9600 %I $TERM
EOF
    # The journal survives reboots: a later boot can read why an earlier one went wrong.
    mkdir -p "$ROOT/var/log/journal"
    # Nothing periodic that would eat TCG time in the middle of a test.
    local unit
    for unit in apt-daily.timer apt-daily-upgrade.timer dpkg-db-backup.timer e2scrub_all.timer \
        e2scrub_reap.service fstrim.timer systemd-firstboot.service; do
        ln -sf /dev/null "$unitdir/$unit"
    done
    # The control channel: ks-driver.service runs the host's script (vm.sh).
    install -D -m 755 "$here/guest/ks-driver.sh" "$ROOT/usr/local/libexec/ks-driver"
    install -m 644 "$here/guest/ks-driver.service" "$unitdir/ks-driver.service"
    mkdir -p "$unitdir/multi-user.target.wants"
    ln -sf ../ks-driver.service "$unitdir/multi-user.target.wants/ks-driver.service"
    # No network in the guest; keep resolv.conf empty rather than the build host's.
    : >"$ROOT/etc/resolv.conf"
}

trim_guest() {
    logged in_chroot apt-get -q clean
    rm -rf "$ROOT"/var/lib/apt/lists/* "$ROOT"/var/cache/apt/*.bin "$ROOT"/var/cache/debconf/*-old \
        "$ROOT"/var/log/*.log "$ROOT"/var/log/apt/* "$ROOT"/tmp/* "$ROOT"/var/tmp/*
    # What debootstrap installed before the dpkg exclusions were in place.
    find "$ROOT/usr/share/doc" -mindepth 1 ! -name copyright ! -type d -delete 2>/dev/null || true
    find "$ROOT/usr/share/doc" -mindepth 1 -type d -empty -delete 2>/dev/null || true
    rm -rf "$ROOT"/usr/share/man/* "$ROOT"/usr/share/info/* "$ROOT"/usr/share/lintian/*
    find "$ROOT/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias \
        -exec rm -rf {} + 2>/dev/null || true
}

# ---------- main ----------

WORK="" BUILD_LOG=""
cleanup() {
    local rc=$?
    chroot_umount
    if [[ "$rc" != 0 && -n "$BUILD_LOG" && -f "$BUILD_LOG" ]]; then
        cp "$BUILD_LOG" "$KS_CACHE/rootfs/failed-build.log"
        log "the build log is kept as $KS_CACHE/rootfs/failed-build.log"
    fi
    if [[ -n "$WORK" && -d "$WORK" ]]; then
        # Never delete through a mount point left behind.
        if grep -qF " $WORK/" /proc/mounts; then
            log "warning: mounts left under $WORK; not deleting it"
        else
            rm -rf "$WORK"
        fi
    fi
}

image_complete() {
    [[ -f "$1/.complete" && -f "$1/rootfs.qcow2" && -f "$1/vmlinuz" && -f "$1/initrd.img" ]]
}

build() {
    local out="$1" key="$2" t0 t rel uuid machine_id raw
    t0="$(now)"
    WORK="$(mktemp -d "$KS_CACHE/work/rootfs.XXXXXX")"
    ROOT="$WORK/root"
    BUILD_LOG="$WORK/build.log"
    raw="$WORK/rootfs.raw"
    declare -A T=()
    uuid="$(printf '%s' "$key-uuid" | sha256sum |
        sed -E 's/^(.{8})(.{4}).(.{3}).(.{3})(.{12}).*/\1-\2-4\3-8\4-\5/')"
    machine_id="$(printf '%s' "$key-machine-id" | sha256sum | cut -c1-32)"

    log "debootstrap $SUITE (minbase) from $MIRROR into $ROOT"
    t="$(now)"
    logged debootstrap --variant=minbase --arch=amd64 "$SUITE" "$ROOT" "$MIRROR"
    T[debootstrap]="$(elapsed "$t")"
    write_nodoc_config
    write_sources
    chroot_mount
    log "installing $(package_list | tr '\n' ' ')"
    t="$(now)"
    install_packages
    T[packages]="$(elapsed "$t")"
    rel="$(kernel_release)"
    log "dracut: boot initramfs for $rel"
    t="$(now)"
    build_initramfs "$rel"
    T[dracut]="$(elapsed "$t")"
    configure_guest "$uuid" "$machine_id"
    # shellcheck disable=SC2016 # dpkg-query's format, not the shell's
    in_chroot dpkg-query -W -f='${Package} ${Version}\n' >"$WORK/packages.list"
    trim_guest
    chroot_umount

    log "ext4 image ($SIZE, sparse) and qcow2"
    t="$(now)"
    mkdir -p "$out.partial"
    rm -rf "${out:?}.partial/"*
    logged mke2fs -q -t ext4 -L ksroot -U "$uuid" -m 1 -E root_owner=0:0 -d "$ROOT" -F "$raw" "$SIZE"
    # The kernel and initramfs as the image has them (debugfs reads ext4 without mounting).
    debugfs -R "dump -p /boot/vmlinuz-$rel $out.partial/vmlinuz" "$raw" 2>/dev/null
    debugfs -R "dump -p /boot/initrd.img-$rel $out.partial/initrd.img" "$raw" 2>/dev/null
    [[ -s "$out.partial/vmlinuz" && -s "$out.partial/initrd.img" ]] ||
        die "debugfs could not read /boot/vmlinuz-$rel or /boot/initrd.img-$rel from the image"
    qemu-img convert -c -O qcow2 "$raw" "$out.partial/rootfs.qcow2"
    T[image]="$(elapsed "$t")"
    mv "$WORK/packages.list" "$out.partial/packages.list"
    cp "$BUILD_LOG" "$out.partial/build.log"
    {
        echo "suite=$SUITE"
        echo "kernel_series=$SERIES"
        echo "kernel_package=$KERNEL_PKG"
        echo "kernel_release=$rel"
        echo "kernel_package_version=$(awk -v p="linux-image-$rel" '$1 == p { print $2 }' "$out.partial/packages.list")"
        echo "dracut_version=$(awk '$1 == "dracut" { print $2 }' "$out.partial/packages.list")"
        echo "systemd_version=$(awk '$1 == "systemd" { print $2 }' "$out.partial/packages.list")"
        echo "fs_uuid=$uuid"
        echo "fs_size=$SIZE"
        echo "fs_used_kib=$(du -sk --apparent-size "$ROOT" | cut -f1)"
        echo "qcow2_bytes=$(stat -c %s "$out.partial/rootfs.qcow2")"
        echo "initrd_bytes=$(stat -c %s "$out.partial/initrd.img")"
        echo "packages=$(wc -l <"$out.partial/packages.list")"
        echo "key=$key"
        echo "seconds_debootstrap=${T[debootstrap]}"
        echo "seconds_packages=${T[packages]}"
        echo "seconds_dracut=${T[dracut]}"
        echo "seconds_image=${T[image]}"
        echo "seconds_total=$(elapsed "$t0")"
        echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$out.partial/meta"
    touch "$out.partial/.complete"
    rm -rf "$out"
    mv "$out.partial" "$out"
    log "built in $(elapsed "$t0")s: $(grep -E '^(kernel_release|qcow2_bytes|fs_used_kib)=' "$out/meta" | tr '\n' ' ')"
}

main() {
    parse_args "$@"
    local key out lockfd
    key="$(cache_key)"
    out="$KS_CACHE/rootfs/$SUITE-$SERIES-$key"
    [[ "$KERNEL_PKG" == linux-image-amd64 || "$KERNEL_PKG" == linux-image-6.12-amd64 ]] ||
        out="$KS_CACHE/rootfs/$SUITE-$KERNEL_PKG-$key"

    if [[ "$FORCE" == 0 ]] && image_complete "$out"; then
        log "cached image: $out"
        printf '%s\n' "$out"
        return 0
    fi
    [[ "$CACHED_ONLY" == 0 ]] || skip "no image in $out"
    [[ "$(id -u)" == 0 ]] || skip "debootstrap and chroot need root"
    command -v debootstrap >/dev/null 2>&1 || skip "debootstrap not found (apt-get install debootstrap)"
    command -v qemu-img >/dev/null 2>&1 || skip "qemu-img not found (apt-get install qemu-utils)"
    need_cmd mke2fs debugfs chroot mount sha256sum flock

    mkdir -p "$KS_CACHE/rootfs" "$KS_CACHE/work"
    # One build at a time; a second caller waits and then finds the image.
    exec {lockfd}>"$KS_CACHE/rootfs/.lock"
    flock "$lockfd"
    if [[ "$FORCE" == 0 ]] && image_complete "$out"; then
        log "cached image (built meanwhile): $out"
        printf '%s\n' "$out"
        return 0
    fi
    trap cleanup EXIT
    trap 'exit 130' INT TERM
    build "$out" "$key"
    if [[ "$PRUNE" == 1 ]]; then
        local d
        for d in "$KS_CACHE/rootfs/$SUITE-$SERIES-"*/; do
            d="${d%/}"
            [[ "$d" == "$out" ]] && continue
            log "pruning $d"
            rm -rf "$d"
        done
    fi
    printf '%s\n' "$out"
}

main "$@"
