#!/bin/bash
# SPDX-License-Identifier: LGPL-2.1-or-later
#
# check-dmesg.sh [FIXTURE]: compare what our reader gets out of a real vmcore with what other
# tools get out of it.
#
#   1. `vmcore dmesg FIXTURE` must equal `makedumpfile --dump-dmesg FIXTURE` byte for byte.
#      When makedumpfile cannot read the ring, the console log beside the fixture is the
#      reference instead: every timestamped line the guest printed must be in our output.
#   2. With libkdumpfile (python3 module kdumpfile): kernel virtual addresses (VMCOREINFO
#      symbols, pointers read from them, direct-map and vmemmap addresses) must translate to the
#      same physical address (through libvmcore.so, when it can be loaded) and read the same
#      bytes (through `vmcore read --virt --raw`).
#
# FIXTURE is a vmcore file, a fixture directory holding one, or a kernel series (6.1, 6.12) (default: every fixture under
# ~/.cache/kdump-suite/fixtures). VMCORE_TOOL is the vmcore binary (default: build/vmcore/vmcore,
# else vmcore in PATH); LIBVMCORE the shared library for the vtop comparison (default: beside
# the tool; skipped when it cannot be loaded, e.g. a sanitizer build).
# Exit: 0 all equal, 1 a difference, 77 no fixture or no makedumpfile.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=tests/realvm/lib.sh
. "$here/lib.sh"
# shellcheck source=tests/realvm/fixture-path.sh
. "$here/fixture-path.sh"

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
LIBVMCORE=${LIBVMCORE:-$(dirname "$VMCORE_TOOL")/libvmcore.so}

if ! command -v makedumpfile >/dev/null 2>&1; then
    log "skip: makedumpfile is not installed"
    exit 77
fi

fixtures=()
if [ $# -gt 0 ]; then
    for f in "$@"; do
        # A kernel series (6.1, 6.12) names its cached standard fixture.
        if [[ "$f" =~ ^[0-9]+\.[0-9]+$ ]]; then
            f=$(fixture_dir_for "$f") || { log "no fixture for series $1"; continue; }
        fi
        [ -d "$f" ] && f="$f/vmcore"
        if [ -f "$f" ]; then
            fixtures+=("$f")
        else
            log "no such fixture: $f"
        fi
    done
else
    for f in "$KS_CACHE"/fixtures/*/vmcore; do
        [ -f "$f" ] && fixtures+=("$f")
    done
fi
if [ ${#fixtures[@]} -eq 0 ]; then
    log "skip: no fixture"
    exit 77
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0

check_dmesg() {
    local vmcore=$1 ours="$tmp/ours.txt" theirs="$tmp/makedumpfile.txt" console n bad

    if ! "$VMCORE_TOOL" dmesg "$vmcore" >"$ours"; then
        log "FAIL: vmcore dmesg failed"
        return 1
    fi
    rm -f "$theirs"
    if makedumpfile --dump-dmesg "$vmcore" "$theirs" >"$tmp/makedumpfile.log" 2>&1 &&
        [ -s "$theirs" ]; then
        n=$(wc -l <"$theirs")
        # the number of lines that differ, either way
        bad=$(diff "$theirs" "$ours" | grep -c '^[<>]' || true)
        log "dmesg: $(wc -l <"$ours") lines ours, $n lines makedumpfile, $bad differing lines"
        if ! cmp -s "$theirs" "$ours"; then
            diff "$theirs" "$ours" | head -20 >&2
            return 1
        fi
        return 0
    fi
    log "makedumpfile --dump-dmesg failed: $(tail -1 "$tmp/makedumpfile.log")"
    console="$(dirname "$vmcore")/console.log"
    if [ ! -f "$console" ]; then
        log "FAIL: and there is no console.log to compare with"
        return 1
    fi
    # The console shows records as "[    1.234567] text"; each must be one of ours.
    tr -d '\r' <"$console" | grep -E '^\[ *[0-9]+\.[0-9]{6}\] ' | sort -u >"$tmp/console.txt" || true
    n=$(wc -l <"$tmp/console.txt")
    bad=$(sort -u "$ours" | comm -23 "$tmp/console.txt" - | wc -l)
    log "dmesg: $(wc -l <"$ours") lines ours, $n console lines, $bad console lines missing from ours"
    [ "$bad" -eq 0 ]
}

check_xlat() {
    local vmcore=$1

    if ! /usr/bin/python3 -c 'import kdumpfile' 2>/dev/null; then
        log "libkdumpfile (python3 kdumpfile) is not installed: translation not compared"
        return 0
    fi
    /usr/bin/python3 - "$vmcore" "$VMCORE_TOOL" "$LIBVMCORE" <<'EOF'
import ctypes, struct, subprocess, sys
import addrxlat, kdumpfile

path, tool, lib = sys.argv[1:4]
k = kdumpfile.kdumpfile(path)
k.attr['addrxlat.ostype'] = 'linux'
ctx, xsys = k.get_addrxlat_ctx(), k.get_addrxlat_sys()
vi = k.attr['linux.vmcoreinfo']

def log(msg):
    print('check-dmesg.sh: ' + msg, file=sys.stderr)

def their_vtop(va):
    fa = addrxlat.FullAddress(addrxlat.KVADDR, va)
    try:
        fa.conv(addrxlat.KPHYSADDR, ctx, xsys)
    except Exception:
        return None
    return fa.addr

def their_read(va, n):
    try:
        return bytes(k.read(kdumpfile.KDUMP_KVADDR, va, n))
    except Exception:
        return None

def our_read(va, n):
    p = subprocess.run([tool, 'read', path, '--virt', hex(va), '--size', str(n), '--raw'],
                       stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    return p.stdout if p.returncode == 0 else None

# libvmcore.so for vmcore_vtop() itself, when it can be loaded here
ours = None
# A sanitizer build aborts the process that loads it: try in a child first.
probe = subprocess.run([sys.executable, '-c', 'import ctypes, sys; ctypes.CDLL(sys.argv[1])',
                        lib], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
try:
    if probe.returncode != 0:
        raise OSError('cannot load ' + lib)
    so = ctypes.CDLL(lib)
    so.vmcore_new.restype = ctypes.c_void_p
    so.vmcore_open.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    so.vmcore_vtop.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.POINTER(ctypes.c_uint64)]
    so.vmcore_free.argtypes = [ctypes.c_void_p]
    h = so.vmcore_new()
    if so.vmcore_open(h, path.encode()) == 0:
        ours = (so, h)
except OSError as e:
    log('libvmcore.so not loadable (%s): comparing bytes only' % e)

def our_vtop(va):
    so, h = ours
    p = ctypes.c_uint64()
    return p.value if so.vmcore_vtop(h, va, ctypes.byref(p)) == 0 else None

def sym(name):
    try:
        return int(vi['SYMBOL'][name])
    except KeyError:
        return None

def u64(va):
    b = their_read(va, 8)
    return struct.unpack('<Q', b)[0] if b else None

addrs = []
for name in ('prb', 'printk_rb_static', 'init_top_pgt', 'init_uts_ns', '_stext',
             'swapper_pg_dir', 'mem_section', 'node_data', 'node_online_map', 'vmemmap'):
    a = sym(name)
    if a:
        addrs.append((name, a))
# pointers: the printk rings (static in the image, or allocated), mem_section, NODE_DATA(0)
prb = sym('prb')
def offset(strct, field):
    try:
        return int(vi['OFFSET'][strct][field])
    except KeyError:
        return None

if prb and u64(prb) and offset('printk_ringbuffer', 'desc_ring') is not None:
    rb = u64(prb)
    dr = rb + offset('printk_ringbuffer', 'desc_ring')
    tr = rb + offset('printk_ringbuffer', 'text_data_ring')
    for va, what in ((dr + offset('prb_desc_ring', 'descs'), 'descs'),
                     (dr + offset('prb_desc_ring', 'infos'), 'infos'),
                     (tr + offset('prb_data_ring', 'data'), 'text data')):
        p = u64(va)
        if p:
            addrs.append(('prb ' + what, p))
for name in ('mem_section', 'node_data', 'vmemmap'):
    a = sym(name)
    p = u64(a) if a else None
    if p and p >= 0xffff800000000000:
        addrs.append(('*' + name, p))
        q = u64(p)
        if q and q >= 0xffff800000000000:
            addrs.append(('**' + name, q & ~0xf))
# the direct map: spread over every RAM PT_LOAD that has one (ELF dumps)
with open(path, 'rb') as f:
    eh = f.read(64)
    if eh[:4] == b'\x7fELF':
        phoff, = struct.unpack_from('<Q', eh, 32)
        phnum, = struct.unpack_from('<H', eh, 56)
        f.seek(phoff)
        for i in range(phnum):
            ph = f.read(56)
            typ, = struct.unpack_from('<I', ph, 0)
            vaddr, paddr, filesz, memsz = struct.unpack_from('<QQQQ', ph, 16)
            if typ != 1 or vaddr < 0xffff800000000000 or vaddr >= 0xffffffff80000000:
                continue
            for j in range(16):
                addrs.append(('direct map', vaddr + (memsz * j // 16 & ~0xfff) + 0x7c8))

def their_read_phys(pa, n):
    try:
        return bytes(k.read(kdumpfile.KDUMP_KPHYSADDR, pa, n))
    except Exception:
        return None

def makedumpfile_vtop(va):
    """makedumpfile --vtop, on a dry run (nothing is written)."""
    p = subprocess.run(['makedumpfile', '--vtop', hex(va), '-d', '31', '--dry-run', path,
                        '/nonexistent/vtop.out'], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, universal_newlines=True)
    lines = p.stdout.splitlines()
    for i, line in enumerate(lines[:-1]):
        if line.startswith('VIRTUAL') and 'PHYSICAL' in line:
            f = lines[i + 1].split()
            if len(f) == 2 and int(f[0], 16) == va:
                return int(f[1], 16)
    return None

# libkdumpfile's python binding cannot always translate (addrxlat reads the page tables
# through KVADDR and fails with "No suitable capabilities"); k.read() of a KVADDR often still
# works. Then our physical address is checked by content: libkdumpfile reads the same 64 bytes
# at KPHYSADDR ours as at the KVADDR.
vtop_same = vtop_content = vtop_mdf = vtop_bad = reads = read_bad = unverified = 0
for what, va in addrs:
    tp, tb, ob = their_vtop(va), their_read(va, 64), our_read(va, 64)
    if ours:
        op = our_vtop(va)
        if tp is not None:
            if op == tp:
                vtop_same += 1
            else:
                vtop_bad += 1
                log('vtop %s 0x%x: ours %s, libkdumpfile 0x%x' %
                    (what, va, hex(op) if op is not None else '-', tp))
        elif tb is not None:
            if op is not None and their_read_phys(op, 64) == tb and any(tb):
                vtop_content += 1
            elif op is not None and not any(tb):
                unverified += 1
            else:
                vtop_bad += 1
                log('vtop %s 0x%x: ours %s does not hold what libkdumpfile reads there' %
                    (what, va, hex(op) if op is not None else '-'))
        else:
            mp = makedumpfile_vtop(va)
            if mp is None:
                unverified += 1
                log('neither libkdumpfile nor makedumpfile translate %s 0x%x (ours: %s)' %
                    (what, va, hex(op) if op is not None else '-'))
            elif mp == op:
                vtop_mdf += 1
            else:
                vtop_bad += 1
                log('vtop %s 0x%x: ours %s, makedumpfile --vtop 0x%x' %
                    (what, va, hex(op) if op is not None else '-', mp))
    if tb is not None:
        reads += 1
        if tb != ob:
            read_bad += 1
            log('read %s 0x%x: ours %s, libkdumpfile %s' %
                (what, va, ob.hex() if ob else '-', tb.hex()))
if ours:
    ours[0].vmcore_free(ours[1])
log('xlat: %d addresses; vtop: %d equal to libkdumpfile\'s, %d confirmed by content, '
    '%d equal to makedumpfile --vtop, %d differ, %d not verifiable; 64-byte reads: %d '
    'compared with libkdumpfile, %d differ'
    % (len(addrs), vtop_same, vtop_content, vtop_mdf, vtop_bad, unverified, reads, read_bad))
sys.exit(1 if vtop_bad or read_bad else 0)
EOF
}

for f in "${fixtures[@]}"; do
    log "== $f"
    check_dmesg "$f" || failed=1
    check_xlat "$f" || failed=1
done
exit $failed
