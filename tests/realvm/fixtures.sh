#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Make sure the standard real-kernel fixtures exist and print their paths.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

# The standard set the test suite reads: both Debian kernel series at 1 GiB.
STANDARD=("6.1 1G" "6.12 1G")
# Benchmark sizes, only on request: a 4 GiB cycle takes a minute or two.
LARGE=("6.1 4G" "6.12 4G")

usage() {
    cat <<USAGE
Usage: ${0##*/} [--cached-only] [--force] [--with-4g]

Ensure the standard vmcore fixtures (Debian 6.1 and 6.12 kernels, 1 GiB
guests) exist under $KS_CACHE/fixtures/, building the
missing ones with make-fixture.sh, and print the path of each vmcore, one per
line, in that order. Progress goes to stderr.

Options:
  --cached-only   build nothing; print what the cache has and exit 77
                  ("skipped" for meson) if a fixture is missing
  --force         rebuild them all
  --with-4g       also the 4 GiB fixtures (benchmarks)
  -h, --help      show this help
USAGE
}

main() {
    local args=() set=("${STANDARD[@]}") entry series mem path rc=0
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h|--help) usage; exit 0 ;;
            --cached-only) args+=(--cached-only); shift ;;
            --force) args+=(--force); shift ;;
            --with-4g) set+=("${LARGE[@]}"); shift ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
    done
    for entry in "${set[@]}"; do
        read -r series mem <<<"$entry"
        if path="$("$here/make-fixture.sh" --kernel "$series" --mem "$mem" "${args[@]}")"; then
            printf '%s\n' "$path"
        else
            rc=$?
            # Keep going, so one missing kernel does not hide the others, but
            # report the first failure (77 stays 77: skipped, not failed).
            log "fixture $series-$mem: make-fixture.sh exited $rc"
            [[ "${first_rc:-0}" != 0 ]] || first_rc=$rc
        fi
    done
    exit "${first_rc:-0}"
}

main "$@"
