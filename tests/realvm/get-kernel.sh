#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Fetch and unpack a Debian kernel package for the real-VM tests, cached.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} [--cached-only] SERIES

Download the newest Debian linux-image-SERIES.*-amd64-unsigned package
(SERIES is 6.1 or 6.12; cloud and rt flavours are skipped), unpack it under
$KS_CACHE/kernels/<package-version>/ and print that directory. It holds
boot/vmlinuz-<release> and lib/modules/<release>/. A kernel already unpacked
there is reused without asking apt.

Options:
  --cached-only   never ask apt: print the newest kernel of SERIES already
                  unpacked in the cache, or exit 77 if there is none
  -h, --help      show this help

Environment:
  KDUMP_SUITE_KERNEL_PKG_6_1, KDUMP_SUITE_KERNEL_PKG_6_12
        exact package name to use for that series instead of the newest one
        (e.g. linux-image-6.1.0-47-amd64-unsigned)
  KDUMP_SUITE_CACHE   cache root (default: ~/.cache/kdump-suite)
USAGE
}

# Package names of the series, generic amd64 flavour only. The 6.1 names
# look like linux-image-6.1.0-56-amd64-unsigned, the 6.12 ones like
# linux-image-6.12.117+deb12-amd64-unsigned.
list_candidates() {
    local series="$1"
    apt-cache search --names-only "^linux-image-${series//./\\.}\\.[0-9].*-amd64-unsigned\$" |
        awk '{ print $1 }' | grep -v -e '-cloud-' -e '-rt-' || true
}

# The candidate version apt would install for a package (empty if unknown).
candidate_version() {
    apt-cache policy "$1" 2>/dev/null | awk '$1 == "Candidate:" && $2 != "(none)" { print $2 }'
}

# Print "version package" of the newest candidate of the series.
pick_package() {
    local series="$1" override_var="KDUMP_SUITE_KERNEL_PKG_${1//./_}" pkg ver
    if [[ -n "${!override_var:-}" ]]; then
        pkg="${!override_var}"
        ver="$(candidate_version "$pkg")"
        [[ -n "$ver" ]] || die "$override_var=$pkg: apt knows no such package"
        printf '%s %s\n' "$ver" "$pkg"
        return
    fi
    while read -r pkg; do
        [[ -n "$pkg" ]] || continue
        ver="$(candidate_version "$pkg")"
        if [[ -n "$ver" ]]; then
            printf '%s %s\n' "$ver" "$pkg"
        fi
    done < <(list_candidates "$series") | sort -V | tail -n 1
}

# Without apt lists (offline), fall back on the newest unpacked kernel of
# the series, so a warm cache is enough to run the tests.
cached_dir_for_series() {
    local series="$1" d
    for d in "$KS_CACHE"/kernels/*/; do
        [[ -f "$d/.complete" ]] || continue
        if [[ "$(cat "$d/series" 2>/dev/null)" == "$series" ]]; then
            printf '%s\n' "${d%/}"
        fi
    done | sort -V | tail -n 1
}

# download_and_unpack PKG VERSION DIR: returns 1 if apt cannot download it.
# It runs as an "if" condition, where set -e is off: every step checks itself.
download_and_unpack() {
    local pkg="$1" ver="$2" dir="$3" tmp deb release
    tmp="$dir.partial"
    rm -rf "$tmp"
    mkdir -p "$tmp/dl" || die "cannot create $tmp"
    log "downloading $pkg=$ver"
    # apt drops to the _apt user for downloads; as root keep it as root so it
    # can write into our cache without a sandbox warning.
    if ! (cd "$tmp/dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg=$ver" >&2); then
        rm -rf "$tmp"
        return 1
    fi
    deb="$(find "$tmp/dl" -name '*.deb' | head -n 1)"
    [[ -n "$deb" ]] || die "apt-get download produced no .deb for $pkg"
    log "unpacking $(basename "$deb")"
    dpkg-deb -x "$deb" "$tmp" || die "dpkg-deb -x $deb failed"
    rm -rf "$tmp/dl"
    release="$(find "$tmp/lib/modules" -mindepth 1 -maxdepth 1 -type d -printf '%f\n' | head -n 1)"
    [[ -n "$release" && -f "$tmp/boot/vmlinuz-$release" ]] ||
        die "$pkg does not contain boot/vmlinuz-<release> and lib/modules/<release>"
    {
        printf '%s\n' "$pkg" >"$tmp/package" &&
            printf '%s\n' "$ver" >"$tmp/version" &&
            printf '%s\n' "$release" >"$tmp/release" &&
            printf '%s\n' "$SERIES" >"$tmp/series" &&
            touch "$tmp/.complete" &&
            rm -rf "$dir" &&
            mv "$tmp" "$dir"
    } || die "cannot write $dir"
}

main() {
    local cached_only=0
    if [[ "${1:-}" == --cached-only ]]; then
        cached_only=1
        shift
    fi
    case "${1:-}" in
        -h|--help) usage; exit 0 ;;
        6.1|6.12) SERIES="$1" ;;
        "") usage >&2; exit 2 ;;
        *) die "unknown series '$1' (expected 6.1 or 6.12)" ;;
    esac
    [[ $# -eq 1 ]] || { usage >&2; exit 2; }

    local picked ver pkg dir
    if [[ "$cached_only" == 1 ]]; then
        dir="$(cached_dir_for_series "$SERIES")"
        if [[ -z "$dir" ]]; then
            log "no $SERIES kernel in $KS_CACHE/kernels"
            exit 77
        fi
        printf '%s\n' "$dir"
        return
    fi

    need_cmd apt-cache apt-get dpkg-deb
    picked="$(pick_package "$SERIES")"
    if [[ -z "$picked" ]]; then
        dir="$(cached_dir_for_series "$SERIES")"
        [[ -n "$dir" ]] || die "apt knows no linux-image-$SERIES.*-amd64-unsigned (run apt-get update)"
        log "apt lists have no $SERIES kernel; using the cached $(cat "$dir/package")"
        printf '%s\n' "$dir"
        return
    fi
    read -r ver pkg <<<"$picked"
    dir="$KS_CACHE/kernels/$ver"
    if [[ -f "$dir/.complete" ]]; then
        log "cached: $pkg $ver"
    else
        mkdir -p "$KS_CACHE/kernels"
        if ! download_and_unpack "$pkg" "$ver" "$dir"; then
            # Stale apt lists name packages the archive has dropped since.
            dir="$(cached_dir_for_series "$SERIES")"
            [[ -n "$dir" ]] || die "cannot download $pkg=$ver (apt-get update may help)"
            log "download failed; using the cached $(cat "$dir/package")"
        fi
    fi
    printf '%s\n' "$dir"
}

main "$@"
