#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Build the small initramfs that both kernels of a real-VM crash test boot:
# busybox, Debian's kexec, the virtio disk modules, memfill and /init.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} [OPTIONS] KERNELDIR OUT.cpio.gz

Build a gzip-compressed cpio initramfs for the kernel unpacked in KERNELDIR
(as printed by get-kernel.sh). It holds busybox-static with its applet
links, Debian's kexec and the shared libraries it needs, the kernel modules
for virtio disks (decompressed, with modules.dep and a load order), the
static helper memfill (built from memfill.c) and /init (init.sh).

Options:
  --extra DIR        copy the tree under DIR into the initramfs, together with
                     the shared libraries of every ELF file in it (repeatable)
  --modules "M ..."  modules to include with their dependencies
                     (default: "$DEFAULT_MODULES")
  --init FILE        use FILE as /init instead of init.sh
  -h, --help         show this help

Environment:
  KDUMP_SUITE_INITRAMFS_EXTRA  colon-separated directories, as --extra
USAGE
}

# virtio_pci is the transport the disks sit on; virtio_blk does not depend on
# it by symbol, so it has to be named.
DEFAULT_MODULES="virtio_pci virtio_blk"

# copy_libs ROOT FILE...: install every shared library that ldd resolves for
# each FILE at the same path under ROOT (a static binary has none).
copy_libs() {
    local root="$1" f lib
    shift
    for f in "$@"; do
        # ldd fails on static binaries and on non-ELF files: nothing to copy.
        while read -r lib; do
            [[ -n "$lib" && -e "$lib" ]] || continue
            [[ -e "$root$lib" ]] && continue
            mkdir -p "$root$(dirname "$lib")"
            cp -L --remove-destination "$lib" "$root$lib"
        done < <(ldd "$f" 2>/dev/null | awk '/=> \// { print $3 } /^\t\// { print $1 }')
    done
}

install_busybox() {
    local root="$1" applet
    cp --remove-destination "$(command -v busybox)" "$root/bin/busybox"
    # busybox-static must be static: the capture kernel has no other libc
    # copy to fall back on if we forgot one.
    if ldd "$root/bin/busybox" >/dev/null 2>&1; then
        die "busybox is not static: install busybox-static"
    fi
    while read -r applet; do
        [[ -e "$root/$applet" ]] || ln -s /bin/busybox "$root/$applet"
    done < <("$root/bin/busybox" --list-full)
}

install_kexec() {
    local root="$1" kexec
    kexec="$(command -v kexec || true)"
    [[ -n "$kexec" ]] || kexec=/usr/sbin/kexec
    [[ -x "$kexec" ]] || die "kexec not found (apt-get install kexec-tools)"
    cp --remove-destination "$kexec" "$root/sbin/kexec"
    copy_libs "$root" "$kexec"
}

install_memfill() {
    local root="$1"
    need_cmd gcc
    gcc -static -O2 -s -Wall -Wextra -o "$root/bin/memfill" "$here/memfill.c"
}

# module_path MODDIR NAME: the .ko[.xz|.zst|.gz] file of module NAME, where
# "-" and "_" are interchangeable as they are for modprobe.
module_path() {
    local moddir="$1" name="$2"
    find "$moddir/kernel" -type f \
        \( -name "$name.ko*" -o -name "${name//_/-}.ko*" -o -name "${name//-/_}.ko*" \) |
        head -n 1
}

module_is_builtin() {
    local moddir="$1" name="${2//-/_}"
    [[ -f "$moddir/modules.builtin" ]] || return 1
    sed 's|.*/||; s|\.ko$||; s|-|_|g' "$moddir/modules.builtin" | grep -qx "$name"
}

# The kernel's module loader reads only plain ELF when busybox insmod hands
# it the file, so compressed modules are unpacked here on the host.
decompress_module() {
    local src="$1" dst="$2"
    case "$src" in
        *.ko.xz) xz -dc "$src" >"$dst" ;;
        *.ko.zst) zstd -qdc "$src" >"$dst" ;;
        *.ko.gz) gzip -dc "$src" >"$dst" ;;
        *.ko) cp --remove-destination "$src" "$dst" ;;
        *) die "unknown module file type: $src" ;;
    esac
}

# add_module NAME: stage NAME after its dependencies (depth first), appending
# to MOD_ORDER and MOD_DEP. Globals keep the recursion simple.
add_module() {
    local name="${1//-/_}" src rel dst deps dep
    [[ " $MOD_SEEN " == *" $name "* ]] && return 0
    MOD_SEEN+=" $name"
    if module_is_builtin "$MOD_SRCDIR" "$name"; then
        return 0
    fi
    src="$(module_path "$MOD_SRCDIR" "$name")"
    [[ -n "$src" ]] || die "module $name not found under $MOD_SRCDIR"
    rel="${src#"$MOD_SRCDIR"/}"
    rel="${rel%.ko*}.ko"
    dst="$MOD_DSTDIR/$rel"
    mkdir -p "$(dirname "$dst")"
    decompress_module "$src" "$dst"
    deps="$(tr '\0' '\n' <"$dst" | sed -n 's/^depends=//p' | head -n 1)"
    local depfiles=""
    for dep in ${deps//,/ }; do
        add_module "$dep"
        depfiles+=" $(module_rel "$dep")"
    done
    MOD_ORDER+="$rel"$'\n'
    MOD_DEP+="$rel:$depfiles"$'\n'
}

# module_rel NAME: path of an already staged module relative to MOD_DSTDIR,
# empty when it is built in.
module_rel() {
    local name="$1" f
    f="$(module_path "$MOD_DSTDIR" "$name")"
    [[ -n "$f" ]] && printf '%s' "${f#"$MOD_DSTDIR"/}"
    return 0
}

install_modules() {
    local root="$1" kerneldir="$2" modules="$3" release m
    release="$(cat "$kerneldir/release" 2>/dev/null ||
        find "$kerneldir/lib/modules" -mindepth 1 -maxdepth 1 -printf '%f\n' | head -n 1)"
    MOD_SRCDIR="$kerneldir/lib/modules/$release"
    MOD_DSTDIR="$root/lib/modules/$release"
    MOD_SEEN="" MOD_ORDER="" MOD_DEP=""
    mkdir -p "$MOD_DSTDIR/kernel"
    cp "$MOD_SRCDIR/modules.builtin" "$MOD_DSTDIR/" 2>/dev/null || true
    for m in $modules; do
        add_module "$m"
    done
    # modules.dep makes busybox modprobe work; load-order lets /init simply
    # insmod in dependency order without modprobe.
    printf '%s' "$MOD_DEP" >"$MOD_DSTDIR/modules.dep"
    printf '%s' "$MOD_ORDER" >"$MOD_DSTDIR/load-order"
}

install_extra() {
    local root="$1" dir="$2" f
    [[ -d "$dir" ]] || die "--extra $dir: not a directory"
    # The tree holds busybox's applet links, which point at /bin/busybox by absolute path:
    # a plain cp would write an extra file of the same name (usr/bin/time...) THROUGH such a
    # link, into the host's /bin/busybox. Replace links, never follow them.
    cp -a --remove-destination "$dir/." "$root/"
    while IFS= read -r -d '' f; do
        # Only ELF files have libraries to chase.
        if [[ "$(head -c 4 "$f" | od -An -c | tr -d ' ')" == '177ELF' ]]; then
            copy_libs "$root" "$f"
        fi
    done < <(find "$dir" -type f -print0)
}

# A newc cpio with only /dev/console. The kernel opens /dev/console for
# /init before anything can mount devtmpfs, and a device node in the staging
# tree would need mknod (root). The kernel unpacks concatenated archives.
console_cpio() {
    local ino=1
    entry() { # mode rdevmajor rdevminor name
        local mode="$1" maj="$2" min="$3" n="$4" namesize pad
        namesize=$((${#n} + 1))
        printf '070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X' \
            "$ino" "$mode" 0 0 1 0 0 0 0 "$maj" "$min" "$namesize" 0
        printf '%s\0' "$n"
        # Header (110 bytes) plus name is padded to a multiple of 4.
        pad=$(((4 - (110 + namesize) % 4) % 4))
        head -c "$pad" /dev/zero
        ino=$((ino + 1))
    }
    entry $((0040755)) 0 0 dev
    entry $((0020600)) 5 1 dev/console
    entry 0 0 0 'TRAILER!!!'
}

write_cpio() {
    local root="$1" out="$2"
    {
        console_cpio
        (cd "$root" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet)
    } | gzip -n -9 >"$out.tmp"
    mv "$out.tmp" "$out"
}

main() {
    local extras=() modules="$DEFAULT_MODULES" init="$here/init.sh" kerneldir out root d
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h|--help) usage; exit 0 ;;
            --extra) extras+=("${2:?--extra needs a directory}"); shift 2 ;;
            --modules) modules="${2:?--modules needs a list}"; shift 2 ;;
            --init) init="${2:?--init needs a file}"; shift 2 ;;
            --) shift; break ;;
            -*) die "unknown option $1 (see --help)" ;;
            *) break ;;
        esac
    done
    [[ $# -eq 2 ]] || { usage >&2; exit 2; }
    kerneldir="$1" out="$2"
    [[ -d "$kerneldir/lib/modules" ]] || die "$kerneldir: no lib/modules (use get-kernel.sh)"
    if [[ -n "${KDUMP_SUITE_INITRAMFS_EXTRA:-}" ]]; then
        IFS=: read -r -a d <<<"$KDUMP_SUITE_INITRAMFS_EXTRA"
        extras+=("${d[@]}")
    fi
    need_cmd busybox cpio gzip ldd xz

    root="$(mktemp -d)"
    # shellcheck disable=SC2064 # expand now: root is local
    trap "rm -rf '$root'" EXIT
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,lib,lib64,proc,sys,tmp,etc,boot,mnt,root}
    install_busybox "$root"
    install_kexec "$root"
    install_memfill "$root"
    install_modules "$root" "$kerneldir" "$modules"
    for d in "${extras[@]}"; do
        install_extra "$root" "$d"
    done
    install -m 0755 "$init" "$root/init"
    install -D -m 0644 "$here/guest-lib.sh" "$root/lib/ks-guest.sh"
    write_cpio "$root" "$out"
    log "wrote $out ($(du -k "$out" | cut -f1) KiB)"
}

main "$@"
