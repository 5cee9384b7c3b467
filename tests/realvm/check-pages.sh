#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-pages.sh [--level N] [--build DIR] [FIXTURE...]: compare `vmcore pages --json -d N`
# with the report of `makedumpfile -d N --message-level 31` on real vmcores: the number of pages
# per class must be the same. Where the makedumpfile at hand is known to misclassify pages of
# the dump's kernel, the classes it gets wrong are shown but not compared (see distrust_for).
#
# FIXTURE is a vmcore file, a fixture directory holding one, or a kernel series (6.1, 6.12: its
# cached 1G fixture); default: every fixture under ~/.cache/kdump-suite/fixtures. The vmcore
# tool is DIR/vmcore/vmcore with --build, else VMCORE_TOOL, else build/vmcore/vmcore, else the
# one in PATH; MAKEDUMPFILE is the makedumpfile to compare with (default: the one in PATH).
# Exit: 0 all equal, 1 a difference, 77 no fixture or no makedumpfile.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/realvm/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/realvm/fixture-path.sh
. "$here/fixture-path.sh"

level=31
while [ $# -gt 0 ]; do
    case "$1" in
        --level) level="${2:?--level needs a number}"; shift 2 ;;
        --build) VMCORE_TOOL="${2:?--build needs a directory}/vmcore/vmcore"; shift 2 ;;
        -h|--help) sed -n '4,14s/^# \{0,1\}//p' "$0"; exit 0 ;;
        -*) die "unknown option $1" ;;
        *) break ;;
    esac
done

if [ -z "${VMCORE_TOOL:-}" ]; then
    if [ -x "$here/../../build/vmcore/vmcore" ]; then
        VMCORE_TOOL="$here/../../build/vmcore/vmcore"
    else
        VMCORE_TOOL=$(command -v vmcore || true)
    fi
fi
if [ -z "$VMCORE_TOOL" ] || [ ! -x "$VMCORE_TOOL" ]; then
    die "no vmcore tool: set VMCORE_TOOL"
fi
mdf=${MAKEDUMPFILE:-$(command -v makedumpfile || true)}
if [ -z "$mdf" ] || [ ! -x "$mdf" ]; then
    log "skip: makedumpfile is not installed"
    exit 77
fi
mver=$("$mdf" -v 2>&1 | sed -n 's/^makedumpfile: version \([0-9][0-9.]*\).*/\1/p')
[ -n "$mver" ] || die "cannot tell the version of $mdf"

fixtures=()
if [ $# -gt 0 ]; then
    for f in "$@"; do
        f=${f%/}
        if [ -d "$f" ]; then
            f="$f/vmcore"
        elif [ ! -e "$f" ] && d=$(fixture_dir_for "$f"); then
            f="$d/vmcore"
        fi
        if [ -f "$f" ]; then fixtures+=("$f"); else log "no such fixture: $f"; fi
    done
else
    for f in "$KS_CACHE"/fixtures/*/vmcore; do
        if [ -f "$f" ]; then fixtures+=("$f"); fi
    done
fi
if [ ${#fixtures[@]} -eq 0 ]; then
    log "skip: no fixture"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# ge A B: version A >= version B
ge() {
    [ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | head -n 1)" = "$2" ]
}

# ours KEY: a number from our JSON (one key per line)
ours() {
    sed -n "s/^ *\"$1\": \\([0-9]*\\),\\{0,1\\}\$/\\1/p" "$tmp/ours.json"
}

# theirs LABEL: a number from makedumpfile's report ("    Free pages : 0x...")
theirs() {
    local hex
    hex=$(sed -n "s/^ *$1 *: *0x\\([0-9a-f]*\\)\$/\\1/p" "$tmp/mdf.txt" | head -n 1)
    [ -n "$hex" ] || die "makedumpfile's report has no '$1' line"
    printf '%d' "0x$hex"
}

# Which of makedumpfile's counts can be trusted on kernel $1. Each kernel change below broke
# makedumpfile's classification until the release named (commits in its history):
#  - 6.3 (446c4f6, 1.7.3) and 6.6 (9661c1d, 1.7.4) moved a compound page's order, which the
#    older releases then cannot find: every compound page is one page to them. The tails of
#    anonymous large folios (THP, mTHP) are kept, so the user count is too low, and the zero
#    count (taken among the pages kept) too high. Page-cache large folios would be miscounted
#    the same way; the fixtures' page cache (block device, ramfs) holds none, so cache is
#    compared (a difference there would be this).
#  - 6.9 (985e575, 1.7.6): hugetlb became a page type: hugetlb pages are not found (user).
#  - 6.10 (bad2a7c, 1.7.6): PG_slab became a page type: slab pages whose mapping word has bit 0
#    set are taken for anonymous memory (user).
#  - 6.12 (72c3414, 1.7.7): one page type per page: 1.7.6 takes every typed page for slab and
#    excludes no free (buddy) or offline page.
distrust_for() {
    local k=$1
    skip=()
    why=()
    if { ge "$k" 6.3 && ! ge "$mver" 1.7.3; } || { ge "$k" 6.6 && ! ge "$mver" 1.7.4; }; then
        distrust "makedumpfile $mver cannot find compound page orders of Linux $k" user zero
    fi
    if ge "$k" 6.9 && ! ge "$mver" 1.7.6; then
        distrust "makedumpfile $mver cannot see hugetlb pages of Linux $k" user zero
    fi
    if ge "$k" 6.10 && ! ge "$mver" 1.7.6; then
        distrust "makedumpfile $mver cannot tell slab pages of Linux $k" user zero
    fi
    if ge "$k" 6.12 && ge "$mver" 1.7.6 && ! ge "$mver" 1.7.7; then
        distrust "makedumpfile $mver misreads the page types of Linux $k" free offline user zero
    fi
}

distrust() {
    skip+=("${@:2}")
    why+=("$1")
}

skipped() {
    local s
    for s in "${skip[@]+"${skip[@]}"}"; do
        [ "$s" = "$1" ] && return 0
    done
    return 1
}

# row CLASS OURS THEIRS BITS: the class is excluded when the level has one of BITS (0: always).
# makedumpfile counts only what it excludes: a class the level keeps is 0 in its report.
row() {
    local verdict
    if [ "$4" -ne 0 ] && [ $((level & $4)) -eq 0 ]; then
        verdict="kept at -d $level"
        if [ "$3" != 0 ]; then
            verdict="DIFFERENT (makedumpfile excluded some)"
            failed=1
        fi
    elif skipped "$1"; then
        verdict="not compared"
    elif [ "$2" = "$3" ]; then
        verdict="same"
    else
        verdict="DIFFERENT"
        failed=1
    fi
    printf '%-14s %12s %14s  %s\n' "$1" "$2" "$3" "$verdict"
}

check() {
    local vmcore=$1 krel w

    "$VMCORE_TOOL" pages --json -d "$level" "$vmcore" >"$tmp/ours.json"
    "$VMCORE_TOOL" info --json "$vmcore" >"$tmp/info.json"
    krel=$(sed -n 's/^ *"kernel_release": "\([^"]*\)".*/\1/p' "$tmp/info.json")
    [ -n "$krel" ] || die "$vmcore does not say its kernel release"
    # A flattened stream to /dev/null: the report is all we want. makedumpfile may exit
    # non-zero on kernels it does not know and still report.
    "$mdf" -F -d "$level" --message-level 31 "$vmcore" 2>"$tmp/mdf.txt" >/dev/null ||
        log "makedumpfile exited with $? on $vmcore (its report is used anyway)"
    if ! grep -q 'Excluded pages' "$tmp/mdf.txt"; then
        sed 's/^/makedumpfile: /' "$tmp/mdf.txt" >&2
        die "makedumpfile printed no report for $vmcore"
    fi
    distrust_for "${krel%%[-+]*}"

    printf '%s: Linux %s, makedumpfile %s, -d %s\n' "$vmcore" "$krel" "$mver" "$level"
    printf '%-14s %12s %14s\n' CLASS vmcore makedumpfile
    row zero "$(ours zero)" "$(theirs 'Pages filled with zero')" 1
    row cache "$(ours cache)" "$(theirs 'Non-private cache pages')" 6
    row cache_private "$(ours cache_private)" "$(theirs 'Private cache pages')" 4
    # makedumpfile counts hugetlb pages as user data.
    row user "$(($(ours user) + $(ours hugetlb)))" "$(theirs 'User process data pages')" 8
    row free "$(ours free)" "$(theirs 'Free pages')" 16
    row hwpoison "$(ours hwpoison)" "$(theirs 'Hwpoison pages')" 0
    row offline "$(ours offline)" "$(theirs 'Offline pages')" 0
    # The page frames both look at (its max_mapnr). Its "Original pages" is not comparable: it
    # subtracts each PT_LOAD from the hole count, so the kernel-text PT_LOAD of /proc/vmcore,
    # which describes RAM a second time, is counted twice.
    row total "$(ours total_pages)" "$(theirs 'Total pages')" 0
    if [ ${#skip[@]} -eq 0 ]; then
        row excluded "$(ours excluded_pages)" "$(theirs 'Excluded pages')" 0
    fi
    for w in "${why[@]+"${why[@]}"}"; do
        printf 'not compared: %s\n' "$w"
    done
    echo
}

failed=0
for f in "${fixtures[@]}"; do
    check "$f"
done
exit "$failed"
