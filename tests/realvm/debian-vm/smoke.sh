#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Smoke test of the Debian 12 test guest the kdump end-to-end test runs in: build (once) the
# debootstrap image, boot it in qemu -accel tcg with crashkernel=, run checks through the
# ks-driver unit, reboot into a second boot of the same overlay and check that the first
# one's file and journal survived; copy a file out of the overlay with debugfs.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=vm.sh
. "$here/vm.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} [OPTIONS]

Build or reuse the Debian 12 test image (mkrootfs.sh), boot it twice on one overlay and
check: boot reaches "running" with nothing failed, uname -r is the image's kernel, dracut
runs, crashkernel= is on the command line and /sys/kernel/kexec_crash_size is non-zero, the
root is /dev/vda, an extra disk shows up by id, the journal is persistent; the second boot
finds the first boot's file and journal; the file copies out of the overlay. With --build,
our build (meson install --destdir) is installed into the guest first and its vmcore tool
must run there. Prints timings. Exit 0 pass, 1 fail, 77 skipped (no qemu or debootstrap,
or the image cannot be built).

Options:
  --kernel 6.1|6.12    image kernel (default: 6.1)
  --build DIR          meson build directory to install into the guest
  --mem SIZE           guest memory (default: $VM_DEFAULT_MEM)
  --crashkernel SIZE   reservation (default: $CRASHKERNEL)
  --keep               keep the run directory
  -h, --help           this text
USAGE
}

CRASHKERNEL=256M

FAILED=()
result() { # NAME PASS|FAIL DETAIL
    printf '  %-22s %s %s\n' "$1" "$2" "${3:-}" >&2
    [[ "$2" == PASS ]] || FAILED+=("$1")
}

pass_fail() { # A == B: PASS or FAIL
    if [[ "$1" == "$3" ]]; then echo PASS; else echo FAIL; fi
}

# Report every KS-SMOKE line of a boot, and a FAIL for each expected one missing.
judge_boot() { # BOOT EXPECTED-NAMES...
    local n="$1" name line
    shift
    for name in "$@"; do
        line="$(vm_output "$n" | grep "^KS-SMOKE $name " | tail -n 1 || true)"
        if [[ -z "$line" ]]; then
            result "$name" FAIL "(not reported)"
        else
            line="${line#KS-SMOKE "$name" }"
            result "$name" "${line%% *}" "${line#* }"
        fi
    done
}

install_build() {
    local build="$1" destdir="$VM_DIR/destdir"
    log "meson install -C $build --destdir $destdir"
    # Not --no-rebuild: "meson test NAME" builds only the dependencies of NAME, and the
    # install needs everything.
    if ! meson install -C "$build" --quiet --destdir "$destdir" >"$VM_DIR/install.log" 2>&1; then
        cat "$VM_DIR/install.log" >&2
        result meson-install FAIL "meson install -C $build failed"
        return 1
    fi
    TOOL=vmcore
    vm_install "$destdir"
}

main() {
    local kernel=6.1 build="" mem="" keep=() t0 rc=0 t_image
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h|--help) usage; exit 0 ;;
            --kernel) kernel="${2:?--kernel needs 6.1 or 6.12}"; shift 2 ;;
            --build) build="$(realpath "${2:?--build needs a directory}")"; shift 2 ;;
            --mem) mem="${2:?--mem needs a size}"; shift 2 ;;
            --crashkernel) CRASHKERNEL="${2:?--crashkernel needs a size}"; shift 2 ;;
            --keep) keep=(--keep); shift ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
    done
    t0="$(now)"
    trap vm_cleanup EXIT
    trap 'exit 130' INT TERM
    vm_init --kernel "$kernel" ${mem:+--mem "$mem"} --append "crashkernel=$CRASHKERNEL" "${keep[@]}" ||
        rc=$?
    if [[ "$rc" == 77 ]]; then
        exit 77
    elif [[ "$rc" != 0 ]]; then
        log "skip: the image cannot be built (mkrootfs.sh exited $rc)"
        exit 77
    fi
    t_image="$(elapsed "$t0")"
    TOOL=""
    if [[ -n "$build" ]]; then
        install_build "$build" || exit 1
    fi
    vm_add_disk kstarget 64M

    # Boot 1: checks, a file and a journal entry to find again, then a reboot (as after a
    # capture), which ends this qemu run.
    vm_run --after reboot "$here/smoke-guest.sh" first "$VM_KERNEL_RELEASE" $TOOL || true
    local boot1_driver="$VM_T_DRIVER" boot1_total="$VM_T_TOTAL"
    result boot1-exit "$(pass_fail "$VM_EXIT" == reboot)" "$VM_EXIT (expected: reboot)"
    local names=(running uname-r dracut-version crashkernel-cmdline kexec-crash-size root-fs
        extra-disk persistent-journal)
    [[ -z "$TOOL" ]] || names+=(installed-build)
    judge_boot 1 "${names[@]}"

    # Boot 2: a new qemu on the same overlay.
    vm_run "$here/smoke-guest.sh" second || true
    local boot2_driver="$VM_T_DRIVER" boot2_total="$VM_T_TOTAL"
    result boot2-exit "$(pass_fail "$VM_EXIT" == poweroff)" "$VM_EXIT (expected: poweroff)"
    judge_boot 2 running-again file-survived journal-boots journal-previous-boot

    # What the kdump test does with /var/crash: copy out of the overlay, qemu stopped.
    local first_id copied=""
    first_id="$(vm_output 2 | sed -n 's/^KS-SMOKE file-survived PASS first boot \([0-9a-f-]*\),.*/\1/p')"
    if vm_copy_out /var/lib/ks-smoke "$VM_DIR/out"; then
        copied="$(cat "$VM_DIR/out/ks-smoke/first-boot" 2>/dev/null || true)"
    fi
    if [[ -n "$copied" && "$copied" == "$first_id" ]]; then
        result copy-out PASS "/var/lib/ks-smoke/first-boot: $copied"
    else
        result copy-out FAIL "vm_copy_out /var/lib/ks-smoke: '$copied', expected '$first_id'"
    fi

    local meta="$VM_IMAGE/meta"
    log "image: $VM_IMAGE"
    log "  built in $(sed -n 's/^seconds_total=//p' "$meta")s ($(grep -E '^seconds_(debootstrap|packages|dracut|image)=' "$meta" | tr '\n' ' '))"
    log "  qcow2 $(numfmt --to=iec "$(sed -n 's/^qcow2_bytes=//p' "$meta")"), file system content $(numfmt --to=iec $(($(sed -n 's/^fs_used_kib=//p' "$meta") * 1024))), initrd $(numfmt --to=iec "$(sed -n 's/^initrd_bytes=//p' "$meta")")"
    log "  $(sed -n 's/^kernel_package_version=//p' "$meta") $(sed -n 's/^kernel_release=//p' "$meta"), dracut $(sed -n 's/^dracut_version=//p' "$meta"), systemd $(sed -n 's/^systemd_version=//p' "$meta")"
    log "timings: image ready ${t_image}s; boot 1: driver at ${boot1_driver}s, qemu ${boot1_total}s; boot 2: driver at ${boot2_driver}s, qemu ${boot2_total}s; smoke total $(elapsed "$t0")s"
    vm_output 1 | sed -n 's/^KS-INFO /  guest 1: /p' >&2
    vm_output 2 | sed -n 's/^KS-INFO /  guest 2: /p' >&2
    if [[ ${#FAILED[@]} -gt 0 ]]; then
        log "FAILED: ${FAILED[*]} (console logs: keep with --keep)"
        exit 1
    fi
    log "PASS"
}

main "$@"
