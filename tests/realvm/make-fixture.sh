#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
# shellcheck source-path=SCRIPTDIR
# Produce a REAL vmcore: boot a Debian kernel in QEMU (TCG), fill its memory
# with a known mix, crash it, let the capture kernel copy /proc/vmcore to a
# disk, and keep the result (cached) with its console log and timings.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=lib.sh
. "$here/lib.sh"

usage() {
    cat <<USAGE
Usage: ${0##*/} --kernel 6.1|6.12 --mem SIZE [OPTIONS]

Crash a Debian kernel in qemu-system-x86_64 -accel tcg and capture its
/proc/vmcore. The result goes to
  $KS_CACHE/fixtures/<package-version>-<SIZE>/
as vmcore, console.log and meta (kernel release, package, memory, timings,
verification results). An existing complete fixture is reused. The path of
the vmcore is printed on stdout as the last line; progress goes to stderr.

Options:
  --kernel SERIES      Debian kernel series: 6.1 or 6.12 (see get-kernel.sh)
  --mem SIZE           guest memory, e.g. 1G, 4G, 1536M
  --out DIR            fixture directory (default: see above; runs with
                       --capture-cmd, --kexec-cmd or --extra get a
                       "-custom-<hash>" suffix so they never replace a
                       standard fixture)
  --force              rebuild even if the fixture exists
  --cached-only        never boot a VM nor download: print the fixture if the
                       cache has it complete, otherwise exit 77 (the exit code
                       meson reads as "skipped")
  --crashkernel SIZE   crashkernel= reservation of the first kernel
                       (default: $DEFAULT_CRASHKERNEL)
  --capture-cmd CMD    shell command the capture kernel's /init runs instead
                       of copying /proc/vmcore with dd. It gets VMCORE and
                       DUMP_DEV in its environment, must write the dump to
                       \$DUMP_DEV from offset 0 and print VMCORE-SIZE=<bytes>
  --kexec-cmd CMD      shell command the first kernel's /init runs instead of
                       "kexec -s -p ...". It gets KERNEL, INITRD and
                       CAPTURE_CMDLINE and must load the crash kernel
  --extra DIR          add DIR's tree (and its ELF files' libraries) to the
                       initramfs; repeatable. Use it to bring the binaries
                       that --capture-cmd/--kexec-cmd name.
  --marker TEXT        text after KDUMP-SUITE-MARKER in the kernel log
                       (default: fixture name)
  --timeout SECONDS    give up on the guest after this long
                       (default: 240 + 90 per GiB of guest memory)
  -h, --help           show this help

Environment:
  KDUMP_SUITE_CAPTURE_CMD, KDUMP_SUITE_KEXEC_CMD   defaults for the options
  KDUMP_SUITE_INITRAMFS_EXTRA     colon-separated --extra directories
  KDUMP_SUITE_CACHE               cache root (default ~/.cache/kdump-suite)
  KDUMP_SUITE_KERNEL_PKG_6_1/6_12 exact kernel package (see get-kernel.sh)
USAGE
}

# 256M: measured in the guest, Debian's 6.1 and 6.12 capture kernels with
# this initramfs boot from 160M on; the rest is margin for the collector
# that will replace dd (see tests/realvm/README.md).
DEFAULT_CRASHKERNEL=256M
PYTHON=/usr/bin/python3   # Debian's python3-libkdumpfile lives here

# ---------- option handling ----------

parse_args() {
    SERIES="" MEM="" OUT="" FORCE=0 CACHED_ONLY=0 CRASHKERNEL="$DEFAULT_CRASHKERNEL"
    CAPTURE_CMD="${KDUMP_SUITE_CAPTURE_CMD:-}" KEXEC_CMD="${KDUMP_SUITE_KEXEC_CMD:-}"
    MARKER="" TIMEOUT="" EXTRAS=()
    while [[ $# -gt 0 ]]; do
        case "$1" in
            -h|--help) usage; exit 0 ;;
            --kernel) SERIES="${2:?--kernel needs 6.1 or 6.12}"; shift 2 ;;
            --mem) MEM="${2:?--mem needs a size}"; shift 2 ;;
            --out) OUT="${2:?--out needs a directory}"; shift 2 ;;
            --force) FORCE=1; shift ;;
            --cached-only) CACHED_ONLY=1; shift ;;
            --crashkernel) CRASHKERNEL="${2:?--crashkernel needs a size}"; shift 2 ;;
            --capture-cmd) CAPTURE_CMD="${2?--capture-cmd needs a command}"; shift 2 ;;
            --kexec-cmd) KEXEC_CMD="${2?--kexec-cmd needs a command}"; shift 2 ;;
            --extra) EXTRAS+=("$(realpath "${2:?--extra needs a directory}")"); shift 2 ;;
            --marker) MARKER="${2:?--marker needs text}"; shift 2 ;;
            --timeout) TIMEOUT="${2:?--timeout needs seconds}"; shift 2 ;;
            *) die "unknown argument '$1' (see --help)" ;;
        esac
    done
    case "$SERIES" in
        6.1|6.12) ;;
        "") die "--kernel is required (6.1 or 6.12)" ;;
        *) die "--kernel: unknown series '$SERIES'" ;;
    esac
    [[ -n "$MEM" ]] || die "--mem is required (e.g. 1G)"
    MEM_MIB="$(size_to_mib "$MEM")" || die "--mem: cannot parse '$MEM'"
    size_to_mib "$CRASHKERNEL" >/dev/null || die "--crashkernel: cannot parse '$CRASHKERNEL'"
    if [[ -n "${KDUMP_SUITE_INITRAMFS_EXTRA:-}" ]]; then
        local extra_env
        IFS=: read -r -a extra_env <<<"$KDUMP_SUITE_INITRAMFS_EXTRA"
        EXTRAS+=("${extra_env[@]}")
    fi
    [[ -n "$TIMEOUT" ]] || TIMEOUT=$((240 + 90 * ((MEM_MIB + 1023) / 1024)))
}

# size_to_mib 1G|1536M|...: print MiB.
size_to_mib() {
    local n="${1%[MmGg]}"
    [[ "$n" =~ ^[0-9]+$ ]] || return 1
    case "$1" in
        *[Gg]) echo $((n * 1024)) ;;
        *[Mm]) echo "$n" ;;
        *) return 1 ;;
    esac
}

# Settings other than kernel and memory change what the fixture is; keep such
# runs apart from the standard fixtures.
custom_suffix() {
    local extras="${EXTRAS[*]:-}"
    if [[ -z "$CAPTURE_CMD$KEXEC_CMD$extras" && "$CRASHKERNEL" == "$DEFAULT_CRASHKERNEL" ]]; then
        return 0
    fi
    printf -- '-custom-%s' "$(printf '%s\n' "$CAPTURE_CMD" "$KEXEC_CMD" "$extras" "$CRASHKERNEL" |
        sha256sum | cut -c1-8)"
}

# ---------- fixture state ----------

# A fixture is complete once meta says so and the vmcore has the recorded size.
fixture_complete() {
    local dir="$1" size
    [[ -f "$dir/meta" && -f "$dir/vmcore" ]] || return 1
    grep -qx 'complete=1' "$dir/meta" || return 1
    size="$(sed -n 's/^vmcore_size=//p' "$dir/meta")"
    [[ -n "$size" && "$(stat -c %s "$dir/vmcore")" == "$size" ]]
}

# Single-quote a value for the guest's shell config.
shell_quote() {
    local s="$1"
    printf "'%s'" "${s//\'/\'\\\'\'}"
}

write_guest_config() {
    local file="$1"
    mkdir -p "$(dirname "$file")"
    {
        echo "# written by make-fixture.sh"
        echo "KS_MARKER=$(shell_quote "$MARKER")"
        echo "KS_CAPTURE_CMD=$(shell_quote "$CAPTURE_CMD")"
        echo "KS_KEXEC_CMD=$(shell_quote "$KEXEC_CMD")"
    } >"$file"
}

# ---------- the VM run ----------

prepare_work() {
    local kerneldir="$1" release="$2" extra_args=() d
    mkdir -p "$WORK/overlay"
    write_guest_config "$WORK/overlay/etc/kdump-suite.conf"
    for d in "${EXTRAS[@]}"; do
        extra_args+=(--extra "$d")
    done
    # The env variable was already folded into EXTRAS.
    KDUMP_SUITE_INITRAMFS_EXTRA="" "$here/build-initramfs.sh" --extra "$WORK/overlay" \
        "${extra_args[@]}" "$kerneldir" "$WORK/initrd.img"
    cp "$kerneldir/boot/vmlinuz-$release" "$WORK/vmlinuz"
    # The guest loads the capture kernel from files, as kdump does; a tar on a
    # raw disk is the simplest way to hand it the very same kernel and initrd.
    tar -C "$WORK" -cf "$WORK/payload.tar" vmlinuz initrd.img
    # Sparse: only what the guest writes takes host disk space. The dump disk
    # must hold the whole vmcore (less than RAM) plus room for headers.
    truncate -s "$((MEM_MIB + 256))M" "$WORK/dump.img"
    truncate -s "$((MEM_MIB / 2 + 16))M" "$WORK/scratch.img"
}

qemu_cmdline() {
    QEMU_ARGS=(
        qemu-system-x86_64 -accel tcg -m "$MEM" -smp 2
        -nographic -no-reboot -nic none -monitor none
        -serial "file:$WORK/console.log"
        -kernel "$WORK/vmlinuz" -initrd "$WORK/initrd.img"
        # panic=-1: a panic without a loaded capture kernel reboots, and
        # -no-reboot turns that into a quick exit instead of a hang.
        -append "console=ttyS0 crashkernel=$CRASHKERNEL panic=-1"
        -drive "file=$WORK/payload.tar,format=raw,if=none,id=payload,readonly=on"
        -device "virtio-blk-pci,drive=payload,serial=kspayload"
        # cache=unsafe: nothing here must survive a host crash, and skipping
        # the guest's flushes saves seconds.
        -drive "file=$WORK/dump.img,format=raw,if=none,id=dump,cache=unsafe"
        -device "virtio-blk-pci,drive=dump,serial=ksdump"
        -drive "file=$WORK/scratch.img,format=raw,if=none,id=scratch,cache=unsafe"
        -device "virtio-blk-pci,drive=scratch,serial=ksscratch"
    )
}

# Run QEMU in the background and follow the serial log, stamping the phase
# lines the guest's /init prints with the host's clock.
run_vm() {
    local line name
    declare -gA T=()
    : >"$WORK/console.log"
    qemu_cmdline
    T[start]="$(now)"
    timeout -k 10 "$TIMEOUT" "${QEMU_ARGS[@]}" </dev/null >"$WORK/qemu.out" 2>&1 &
    QEMU_PID=$!
    while IFS= read -r line; do
        line="${line%$'\r'}"
        case "$line" in
            "KS-PHASE "*)
                name="${line#KS-PHASE }"
                name="${name%% *}"
                T[$name]="$(now)"
                log "guest: $name (+$(elapsed "${T[start]}")s)"
                ;;
            "KS-FAIL "*) log "guest: $line" ;;
        esac
    done < <(tail -n +1 -s 0.1 --pid="$QEMU_PID" -F "$WORK/console.log" 2>/dev/null)
    QEMU_RC=0
    wait "$QEMU_PID" || QEMU_RC=$?
    QEMU_PID=""
    T[exit]="$(now)"
    # Should tail have stopped before the last lines, stamp what it missed
    # with the exit time rather than call the run a failure.
    while read -r name; do
        [[ -n "${T[$name]:-}" ]] || T[$name]="${T[exit]}"
    done < <(tr -d '\r' <"$WORK/console.log" | sed -n 's/^KS-PHASE \([a-z-]*\) .*/\1/p')
}

# Values the guest printed as "KEY VALUE" or "KEY=VALUE" lines.
console_value() {
    tr -d '\r' <"$WORK/console.log" | sed -n "s/^$1[ =]//p" | tail -n 1
}

fail_with_console() {
    log "error: $*"
    log "last 40 lines of the serial console ($WORK/console.log):"
    tr -d '\r' <"$WORK/console.log" | tail -n 40 >&2
    if [[ -s "$WORK/qemu.out" ]]; then
        log "qemu said:"
        cat "$WORK/qemu.out" >&2
    fi
    KEEP_WORK=1
    exit 1
}

check_run() {
    local failure
    failure="$(console_value KS-FAIL)"
    [[ -z "$failure" ]] || fail_with_console "guest /init failed: $failure"
    [[ "$QEMU_RC" != 124 && "$QEMU_RC" != 137 ]] ||
        fail_with_console "timed out after ${TIMEOUT}s"
    [[ -n "${T[kexec-loaded]:-}" ]] ||
        fail_with_console "the first kernel did not get as far as loading the capture kernel"
    # The last line before the panic may be lost in the UART; the load is
    # a close enough stamp for the crash then.
    [[ -n "${T[crash]:-}" ]] || T[crash]="${T[kexec-loaded]}"
    [[ -n "${T[capture-init]:-}" ]] || fail_with_console "the guest did not reach the capture kernel"
    [[ -n "${T[capture-done]:-}" ]] || fail_with_console "the capture kernel did not finish"
    [[ "$(console_value KS-CAPTURE-STATUS)" == 0 ]] ||
        fail_with_console "capture command exited with status $(console_value KS-CAPTURE-STATUS)"
    [[ "$QEMU_RC" == 0 ]] || fail_with_console "qemu exited with status $QEMU_RC"
    VMCORE_SIZE="$(console_value VMCORE-SIZE)"
    [[ "$VMCORE_SIZE" =~ ^[0-9]+$ && "$VMCORE_SIZE" -gt 0 ]] ||
        fail_with_console "no VMCORE-SIZE=<bytes> on the console"
}

# ---------- verification ----------

# ELF vmcore: the file must end exactly where its last segment ends.
elf_expected_size() {
    "$PYTHON" - "$1" <<'EOF'
import struct, sys
with open(sys.argv[1], 'rb') as f:
    eh = f.read(64)
    if eh[:4] != b'\x7fELF' or eh[4] != 2:
        sys.exit('not a 64-bit ELF file')
    phoff, = struct.unpack_from('<Q', eh, 32)
    phentsize, phnum = struct.unpack_from('<HH', eh, 54)
    f.seek(phoff)
    end = phoff + phentsize * phnum
    for _ in range(phnum):
        ph = f.read(phentsize)
        _type, _flags, off, _va, _pa, filesz = struct.unpack_from('<IIQQQQ', ph)
        end = max(end, off + filesz)
print(end)
EOF
}

# Print "key=value" lines: what libkdumpfile makes of the dump.
libkdumpfile_probe() {
    "$PYTHON" - "$1" "$2" <<'EOF'
import sys
import kdumpfile
k = kdumpfile.kdumpfile(sys.argv[1])
k.attr['addrxlat.ostype'] = 'linux'
a = k.attr
print('libkdumpfile_format=' + str(a['file.format']))
print('libkdumpfile_osrelease=' + str(a['linux.vmcoreinfo.lines.OSRELEASE']))
try:
    print('kernel_offset=0x' + str(a['linux.vmcoreinfo.lines.KERNELOFFSET']))
except KeyError:
    pass
with open(sys.argv[2], 'wb') as out:
    out.write(bytes(a['linux.vmcoreinfo.raw']))
EOF
}

file_format() {
    case "$(head -c 8 "$1" | od -An -c | tr -d ' ')" in
        177ELF*) echo elf ;;
        KDUMP*) echo kdump-compressed ;;
        makedump*) echo flattened ;;
        *) echo unknown ;;
    esac
}

# Fills VERIFY_* for meta. Only the default capture must be a plain ELF copy;
# a custom collector may write another format that the tools still read.
verify_vmcore() {
    local vmcore="$1" dir expected probe readable="$1"
    dir="$(dirname "$vmcore")"
    VERIFY_FORMAT="$(file_format "$vmcore")"
    if [[ "$VERIFY_FORMAT" == flattened ]]; then
        # A flattened stream (makedumpfile -F) is not seekable as it is:
        # rearrange a copy for the readers below.
        if ! makedumpfile -R "$WORK/rearranged" <"$vmcore" >"$WORK/rearrange.out" 2>&1; then
            cat "$WORK/rearrange.out" >&2
            die "makedumpfile -R cannot rearrange the flattened dump"
        fi
        readable="$WORK/rearranged"
    fi
    if [[ -z "$CAPTURE_CMD" ]]; then
        [[ "$VERIFY_FORMAT" == elf ]] || die "$vmcore does not start with the ELF magic"
        expected="$(elf_expected_size "$vmcore")"
        [[ "$expected" == "$VMCORE_SIZE" ]] ||
            die "ELF headers describe $expected bytes but the vmcore has $VMCORE_SIZE"
        [[ "$(console_value KS-PROC-VMCORE-SIZE)" == "$VMCORE_SIZE" ]] ||
            die "/proc/vmcore had $(console_value KS-PROC-VMCORE-SIZE) bytes, copied $VMCORE_SIZE"
    fi

    if probe="$(libkdumpfile_probe "$readable" "$dir/vmcoreinfo.txt" 2>"$WORK/libkdumpfile.err")"; then
        VERIFY_LIBKDUMPFILE="$probe"
        [[ "$(sed -n 's/^libkdumpfile_osrelease=//p' <<<"$probe")" == "$RELEASE" ]] ||
            die "libkdumpfile reads OSRELEASE '$(sed -n 's/^libkdumpfile_osrelease=//p' <<<"$probe")', expected $RELEASE"
        log "libkdumpfile: opened it, OSRELEASE $RELEASE"
    else
        cat "$WORK/libkdumpfile.err" >&2
        die "libkdumpfile cannot open $vmcore"
    fi

    # Debian's makedumpfile 1.7.2 predates 6.12; if it cannot read the log,
    # record that instead of failing the fixture.
    if makedumpfile --dump-dmesg "$readable" "$dir/dmesg.txt" >"$WORK/makedumpfile.out" 2>&1; then
        if grep -qF "KDUMP-SUITE-MARKER $MARKER" "$dir/dmesg.txt"; then
            VERIFY_MAKEDUMPFILE="marker-found"
        else
            VERIFY_MAKEDUMPFILE="dmesg-without-marker"
        fi
    else
        VERIFY_MAKEDUMPFILE="failed"
        rm -f "$dir/dmesg.txt"
    fi
    if grep -q 'kernel version is not supported' "$WORK/makedumpfile.out"; then
        VERIFY_MAKEDUMPFILE+=" (warned: kernel version is not supported)"
    fi
    log "makedumpfile --dump-dmesg: $VERIFY_MAKEDUMPFILE"
    if [[ "$VERIFY_MAKEDUMPFILE" != marker-found* && "$SERIES" == 6.1 ]]; then
        sed 's/^/makedumpfile: /' "$WORK/makedumpfile.out" >&2
        die "makedumpfile --dump-dmesg did not find the marker in a 6.1 dump"
    fi
}

# ---------- results ----------

phase_seconds() {
    local from="$1" to="$2"
    if [[ -n "${T[$from]:-}" && -n "${T[$to]:-}" ]]; then
        elapsed "${T[$from]}" "${T[$to]}"
    else
        echo "?"
    fi
}

write_meta() {
    local file="$1"
    {
        echo "kernel_series=$SERIES"
        echo "kernel_package=$PACKAGE"
        echo "kernel_package_version=$PKG_VERSION"
        echo "kernel_release=$RELEASE"
        echo "guest_uname_r=$(console_value KS-UNAME)"
        echo "memory=$MEM"
        echo "crashkernel=$CRASHKERNEL"
        echo "kexec_method=$(console_value KS-KEXEC-METHOD)"
        echo "capture_cmdline=$(console_value KS-CAPTURE-CMDLINE)"
        echo "capture_cmd=${CAPTURE_CMD:-default dd}"
        tr -d '\r' <"$WORK/console.log" |
            sed -n 's/^KS-CAPTURE-MEMINFO \([A-Za-z]*\): *\([0-9]*\) kB/capture_kernel_\1_kb=\2/p'
        echo "marker=KDUMP-SUITE-MARKER $MARKER"
        echo "vmcore_format=$VERIFY_FORMAT"
        echo "vmcore_size=$VMCORE_SIZE"
        tr -d '\r' <"$WORK/console.log" | sed -n 's/^KS-FILL \([a-z]*\) \([0-9]*K\).*/fill_\1=\2/p'
        printf '%s\n' "$VERIFY_LIBKDUMPFILE"
        echo "makedumpfile_dump_dmesg=$VERIFY_MAKEDUMPFILE"
        echo "seconds_boot=$(phase_seconds start first-init)"
        echo "seconds_fill=$(phase_seconds fill-start fill-done)"
        echo "seconds_kexec_load=$(phase_seconds fill-done kexec-loaded)"
        echo "seconds_crash_to_capture_init=$(phase_seconds crash capture-init)"
        echo "seconds_capture_copy=$(phase_seconds capture-start capture-done)"
        echo "seconds_poweroff=$(phase_seconds capture-done exit)"
        echo "seconds_vm_total=$(phase_seconds start exit)"
        # Host-clock offsets of every phase from the qemu start, for callers
        # that want to group phases their own way (demo.sh does).
        local p
        for p in first-init fill-start fill-done kexec-loaded crash capture-init capture-start \
            capture-done exit; do
            echo "at_${p//-/_}=$(phase_seconds start "$p")"
        done
        echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    } >"$file"
}

cleanup() {
    if [[ -n "${QEMU_PID:-}" ]]; then
        # timeout passes the signal on to its qemu child.
        kill "$QEMU_PID" 2>/dev/null || true
        wait "$QEMU_PID" 2>/dev/null || true
    fi
    if [[ -n "${WORK:-}" && -d "$WORK" ]]; then
        if [[ "${KEEP_WORK:-0}" == 1 ]]; then
            # Keep the logs and the initramfs; the rest is big and reproducible.
            rm -f "$WORK/dump.img" "$WORK/scratch.img" "$WORK/payload.tar" "$WORK/vmlinuz"
            log "kept $WORK for inspection (logs and initramfs)"
        else
            rm -rf "$WORK"
        fi
    fi
}

main() {
    parse_args "$@"

    local kerneldir out vmcore t_host get_kernel_args=()
    t_host="$(now)"
    [[ "$CACHED_ONLY" == 1 ]] && get_kernel_args+=(--cached-only)
    kerneldir="$("$here/get-kernel.sh" "${get_kernel_args[@]}" "$SERIES")" || exit $?
    PACKAGE="$(cat "$kerneldir/package")"
    PKG_VERSION="$(cat "$kerneldir/version")"
    RELEASE="$(cat "$kerneldir/release")"
    out="${OUT:-$KS_CACHE/fixtures/$PKG_VERSION-$MEM$(custom_suffix)}"
    vmcore="$out/vmcore"
    [[ -n "$MARKER" ]] || MARKER="$(basename "$out")"

    if [[ "$FORCE" == 0 ]] && fixture_complete "$out"; then
        log "cached fixture: $out"
        printf '%s\n' "$vmcore"
        return 0
    fi
    if [[ "$CACHED_ONLY" == 1 ]]; then
        log "no complete fixture in $out"
        exit 77
    fi

    need_cmd qemu-system-x86_64 timeout tail tar truncate makedumpfile
    if ! "$PYTHON" -c 'import kdumpfile' 2>/dev/null; then
        die "$PYTHON cannot import kdumpfile (apt-get install python3-libkdumpfile)"
    fi
    mkdir -p "$out" "$KS_CACHE/work"
    # meta goes first: the fixture is not complete until a new one is written.
    # makedumpfile also refuses to overwrite its output.
    rm -f "$out/meta" "$out/vmcore" "$out/dmesg.txt" "$out/vmcoreinfo.txt" "$out/console.log"
    WORK="$(mktemp -d "$KS_CACHE/work/fixture.XXXXXX")"
    trap cleanup EXIT
    trap 'exit 130' INT TERM

    log "kernel $PACKAGE $PKG_VERSION ($RELEASE), ${MEM} RAM, crashkernel=$CRASHKERNEL"
    prepare_work "$kerneldir" "$RELEASE"
    log "booting qemu (tcg, timeout ${TIMEOUT}s); console: $WORK/console.log"
    run_vm
    check_run
    log "captured $VMCORE_SIZE bytes"

    # The dump disk is sparse and ours: cut it to the vmcore and move it,
    # which costs nothing when the cache and the work dir share a filesystem.
    truncate -s "$VMCORE_SIZE" "$WORK/dump.img"
    mv "$WORK/dump.img" "$vmcore"
    tr -d '\r' <"$WORK/console.log" >"$out/console.log"
    verify_vmcore "$vmcore"
    write_meta "$out/meta.tmp"
    echo "seconds_host_total=$(elapsed "$t_host")" >>"$out/meta.tmp"
    echo "complete=1" >>"$out/meta.tmp"
    mv "$out/meta.tmp" "$out/meta"
    grep '^seconds_' "$out/meta" | sed 's/^/  /' >&2
    printf '%s\n' "$vmcore"
}

main "$@"
