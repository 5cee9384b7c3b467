# SPDX-License-Identifier: LGPL-2.1-or-later
# Helpers shared by the tests/realvm scripts. Source it; do not run it.
# shellcheck shell=bash

# Everything big (kernels, fixtures, scratch disks) lives outside the work tree.
# shellcheck disable=SC2034 # used by the scripts that source this file
KS_CACHE="${KDUMP_SUITE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/kdump-suite}"

# Progress goes to stderr so that stdout stays a clean channel for the paths
# the scripts print for their callers.
log() {
    printf '%s: %s\n' "${0##*/}" "$*" >&2
}

die() {
    log "error: $*"
    exit 1
}

need_cmd() {
    local c
    for c in "$@"; do
        command -v "$c" >/dev/null 2>&1 || die "'$c' not found (install it with apt-get)"
    done
}

# set -e stops a script silently; say where, so a failure is never mute.
# Only under set -e: elsewhere a failing command may be expected.
set -o errtrace
trap '[[ $- != *e* ]] || log "error: command failed (line $LINENO): $BASH_COMMAND"' ERR

# Seconds since the epoch with milliseconds, for phase timings.
now() {
    printf '%s' "${EPOCHREALTIME/,/.}"
}

# elapsed START [END]: seconds between two now() stamps, one decimal.
elapsed() {
    awk -v a="$1" -v b="${2:-$(now)}" 'BEGIN { printf "%.1f", b - a }'
}
