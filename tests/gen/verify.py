#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Check mkvmcore output with an independent reader, libkdumpfile.

Run with /usr/bin/python3 (python3-libkdumpfile). Each sub-command checks one
kind of file and exits 1 with a message on the first mismatch. Expected page
contents are computed here from the example data files' meaning, not read
back from mkvmcore, and a few facts libkdumpfile does not expose (page_desc
flags, the flattened records) are parsed with struct.

libkdumpfile (0.5.1) facts these checks rely on:
  * KPHYSADDR reads need addrxlat.ostype set explicitly and, for Linux,
    NUMBER(pgtable_l5_enabled) in VMCOREINFO; MACHPHYSADDR reads need neither.
  * excluded pages, holes and the [p_filesz, p_memsz) tail of an ELF
    segment all raise NoDataException; file.zero_excluded = 1 turns them
    into zeros.
  * it has no flattened support before 0.5.3 ("Unknown file format").
  * it overflows a heap buffer when a compressed page_desc.size exceeds
    block_size, so such pages ("force") are only checked with struct here.
"""
import os
import struct
import sys

import kdumpfile
from kdumpfile import exceptions as kx

PAGE = 4096
ZLIB, LZO, SNAPPY, ZSTD = 0x1, 0x2, 0x4, 0x20


class Mismatch(Exception):
    pass


def check(cond, what):
    if not cond:
        raise Mismatch(what)


def check_eq(got, want, what):
    if got != want:
        raise Mismatch(f"{what}: got {got!r}, want {want!r}")


def open_dump(path):
    k = kdumpfile.kdumpfile(path)
    k.attr['addrxlat.ostype'] = 'linux'
    return k


def read(k, addr, size=PAGE):
    return bytes(k.read(kdumpfile.KDUMP_KPHYSADDR, addr, size))


def check_page(k, addr, want):
    got = read(k, addr, len(want))
    if got != want:
        at = next(i for i in range(len(want)) if got[i] != want[i])
        raise Mismatch(f"page 0x{addr:x}: first difference at +0x{at:x}: "
                       f"got {got[at:at + 8].hex()}, want {want[at:at + 8].hex()}")


def check_nodata(k, addr, message):
    try:
        read(k, addr)
    except kx.NoDataException as e:
        check(message in str(e), f"0x{addr:x}: NODATA message {str(e)!r} lacks {message!r}")
        return
    raise Mismatch(f"0x{addr:x}: read succeeded, want NoDataException")


def check_corrupt(k, addr, message):
    try:
        read(k, addr)
    except kx.CorruptException as e:
        check(message in str(e), f"0x{addr:x}: CORRUPT message {str(e)!r} lacks {message!r}")
        return
    raise Mismatch(f"0x{addr:x}: read succeeded, want CorruptException")


def page_with(*pieces):
    """A zero page with (offset, bytes) pieces written into it."""
    page = bytearray(PAGE)
    for off, data in pieces:
        page[off:off + len(data)] = data
    return bytes(page)


def reg_value(name):
    """The self-describing PRSTATUS register: its name, right-aligned ASCII."""
    return int.from_bytes(name.rjust(8).encode(), 'little')


def check_common_attrs(k, fmt, cpus):
    a = k.attr
    check_eq(a['file.format'], fmt, 'file.format')
    check_eq(a['arch.name'], 'x86_64', 'arch.name')
    check_eq(a['cpu.number'], cpus, 'cpu.number')
    check_eq(a['linux.vmcoreinfo.lines.OSRELEASE'], '6.1.0-mkvmcore', 'OSRELEASE')
    for cpu in range(cpus):
        check_eq(a[f'cpu.{cpu}.pid'], cpu, f'cpu.{cpu}.pid (pr_pid = cpu number)')
        for reg in ('r15', 'rbx', 'rax', 'orig_rax', 'rip', 'rsp', 'gs'):
            check_eq(a[f'cpu.{cpu}.reg.{reg}'], reg_value(reg), f'cpu.{cpu}.reg.{reg}')
        # libkdumpfile calls eflags "rflags"
        check_eq(a[f'cpu.{cpu}.reg.rflags'], reg_value('eflags'), f'cpu.{cpu}.reg.rflags')


# ---- raw kdump parsing (independent of mkvmcore's ondisk.h) ----------------

def kdump_header(raw):
    sig, version = struct.unpack_from('<8si', raw, 0)
    uts = [raw[12 + 65 * i:12 + 65 * (i + 1)].rstrip(b'\0').decode() for i in range(6)]
    (tv_sec, _tv_usec, status, block_size, sub_hdr_size, bitmap_blocks, max_mapnr,
     _total, _device, _written, current_cpu, nr_cpus) = struct.unpack_from(
        '<qqIiiIIIIIIi', raw, 408)
    kh = struct.unpack_from('<QiiQQqQqQqQQQQ', raw, block_size)
    names = ('phys_base dump_level split start_pfn end_pfn offset_vmcoreinfo size_vmcoreinfo '
             'offset_note size_note offset_eraseinfo size_eraseinfo start_pfn_64 end_pfn_64 '
             'max_mapnr_64').split()
    h = dict(zip(names, kh))
    h.update(signature=sig, version=version, uts=uts, timestamp=tv_sec, status=status,
             block_size=block_size, sub_hdr_size=sub_hdr_size, bitmap_blocks=bitmap_blocks,
             max_mapnr=max_mapnr, nr_cpus=nr_cpus, current_cpu=current_cpu)
    return h


def page_descs(raw, h):
    """{pfn: (offset, size, flags)} from bitmap 2 and the dense page_desc table."""
    bs = h['block_size']
    bitmap_len = h['bitmap_blocks'] * bs // 2
    bitmap2 = raw[(1 + h['sub_hdr_size']) * bs + bitmap_len:][:bitmap_len]
    table = (1 + h['sub_hdr_size']) * bs + 2 * bitmap_len
    descs, n = {}, 0
    for pfn in range(h['max_mapnr_64']):
        if bitmap2[pfn // 8] >> (pfn % 8) & 1:
            descs[pfn] = struct.unpack_from('<qII', raw, table + 24 * n)
            n += 1
    return descs


# ---- the examples -----------------------------------------------------------

def kdump_basic_pages():
    counter = b''.join(struct.pack('<Q', i) for i in range(512))
    page5 = page_with((0, struct.pack('<II', 0x11111111, 0x22222222)),
                      (0x18, struct.pack('<Q', 0xdeadbeefcafef00d)),
                      (0x100, bytes(range(1, 17))),
                      (0x110, struct.pack('<4H', 0xffff, 0xfffe, 0xfffd, 0xfffc)))
    return {
        0: b'\x55' * PAGE,
        1: counter,
        2: (b'zstd page\n' + b'\x5a' * PAGE)[:PAGE],
        3: bytes(PAGE),
        5: page5,
        6: page_with((0xff8, struct.pack('<Q', 0x8000000000000063))),
        32: page_with((0, b'page 32')),
    }


def cmd_kdump_basic(path):
    k = open_dump(path)
    check_common_attrs(k, 'diskdump', 2)
    a = k.attr
    check_eq(a['linux.vmcoreinfo.lines.CRASHTIME'], '1700000000', 'CRASHTIME (vmcoreinfo.append)')
    check_eq(a['linux.uts.nodename'], 'testhost', 'uts.nodename')
    check_eq(a['linux.uts.release'], '6.1.0-mkvmcore', 'uts.release (from OSRELEASE)')
    check_eq(a['max_pfn'], 40, 'max_pfn')
    for pfn, want in kdump_basic_pages().items():
        check_page(k, pfn * PAGE, want)
    for pfn in (4, 7, 8, 9, 33, 39):		# excluded RAM
        check_nodata(k, pfn * PAGE, 'Excluded page')
    for pfn in (10, 20, 31):			# the hole reads the same
        check_nodata(k, pfn * PAGE, 'Excluded page')
    check_nodata(k, 40 * PAGE, 'Out-of-bounds PFN')
    bits = a['file.pagemap'].get_bits(0, 39)
    check_eq(bytes(bits).hex(), '6f00000001', 'file.pagemap (dumped pages)')

    k.attr['file.zero_excluded'] = 1
    check_page(k, 4 * PAGE, bytes(PAGE))

    raw = open(path, 'rb').read()
    h = kdump_header(raw)
    check_eq(h['signature'], b'KDUMP   ', 'signature')
    check_eq(h['version'], 6, 'header_version')
    check_eq(h['block_size'], PAGE, 'block_size')
    check_eq(h['status'], ZLIB | ZSTD, 'status (algorithms used)')
    check_eq(h['nr_cpus'], 2, 'nr_cpus')
    check_eq(h['timestamp'], 1700000000, 'timestamp (from CRASHTIME)')
    check_eq(h['max_mapnr'], 40, 'max_mapnr')
    check_eq(h['max_mapnr_64'], 40, 'max_mapnr_64')
    check_eq(h['offset_note'], PAGE + 104, 'offset_note')
    # crash reads VMCOREINFO only through this pointer; it must hit the note desc
    info = raw[h['offset_vmcoreinfo']:h['offset_vmcoreinfo'] + h['size_vmcoreinfo']]
    check(info.startswith(b'OSRELEASE=6.1.0-mkvmcore\n'), 'offset_vmcoreinfo points at the text')
    check_eq(info, bytes(a['linux.vmcoreinfo.raw']), 'offset_vmcoreinfo text == note text')
    check(h['offset_note'] < h['offset_vmcoreinfo'] < h['offset_note'] + h['size_note'],
          'VMCOREINFO lies inside the copied notes')

    d = page_descs(raw, h)
    check_eq(sorted(d), [0, 1, 2, 3, 5, 6, 32], 'pfns with a page_desc')
    check_eq(d[0][1:], (PAGE, 0), 'pfn 0 raw')
    check_eq(d[1][2], ZLIB, 'pfn 1 zlib flag')
    check(d[1][1] < PAGE, 'pfn 1 compressed size')
    check_eq(d[2][2], ZSTD, 'pfn 2 zstd flag')
    zero = d[3]
    check_eq(zero[1:], (PAGE, 0), 'zero page desc')
    check_eq(raw[zero[0]:zero[0] + PAGE], bytes(PAGE), 'shared zero page')
    check(zero[0] < min(v[0] for p, v in d.items() if p != 3), 'zero page comes first in the data')


def cmd_elf_basic(path):
    k = open_dump(path)
    check_common_attrs(k, 'elf', 1)
    seg1 = page_with((0, b'first segment'))
    seg1b = b''.join(struct.pack('<Q', 0x1000 * (i + 1)) for i in range(256)) + bytes(2048)
    check_page(k, 0x100000, seg1)
    check_page(k, 0x101000, seg1b)
    check_page(k, 0x1000000, b'\xc3' * PAGE)
    check_nodata(k, 0x102000, 'Page not found')
    for addr in (0x1001000, 0x1002000):	# beyond p_filesz, within p_memsz
        check_nodata(k, addr, 'Page not found')
    k.attr['file.zero_excluded'] = 1
    check_page(k, 0x1001000, bytes(PAGE))

    # what crash insists on: one PT_NOTE first, p_align 0 on PT_LOADs
    raw = open(path, 'rb').read()
    e_flags, _, _, e_phnum = struct.unpack_from('<IHHH', raw, 48)
    check_eq(e_flags, 0, 'e_flags')
    check_eq(e_phnum, 3, 'e_phnum')
    phdrs = [struct.unpack_from('<IIQQQQQQ', raw, 64 + 56 * i) for i in range(e_phnum)]
    check_eq([p[0] for p in phdrs], [4, 1, 1], 'PT_NOTE first, then PT_LOADs')
    for p in phdrs[1:]:
        check_eq(p[7], 0, 'PT_LOAD p_align')
        check_eq(p[2] % PAGE, 0, 'PT_LOAD p_offset page aligned')
    check_eq(phdrs[2][5:7], (0x1000, 0x3000), 'p_filesz/p_memsz of segment 2')


def flat_records(stream):
    check_eq(stream[:16], b'makedumpfile'.ljust(16, b'\0'), 'flattened signature')
    check_eq(struct.unpack_from('>qq', stream, 16), (1, 1), 'flattened type/version')
    pos, records = 4096, []
    while True:
        check(pos + 16 <= len(stream), 'flattened stream ends without the {-1,-1} record')
        off, size = struct.unpack_from('>qq', stream, pos)
        pos += 16
        if (off, size) == (-1, -1):
            check_eq(pos, len(stream), 'nothing after the end record')
            return records
        check(off >= 0 and size > 0 and pos + size <= len(stream), f'record {off}/{size}')
        records.append((off, stream[pos:pos + size]))
        pos += size


def cmd_flat(stream_path, plain_path):
    """Rebuild the image from the records ourselves and compare."""
    records = flat_records(open(stream_path, 'rb').read())
    image = bytearray()
    for off, data in records:
        if len(image) < off + len(data):
            image.extend(bytes(off + len(data) - len(image)))
        image[off:off + len(data)] = data
    check_eq(bytes(image) == open(plain_path, 'rb').read(), True,
             'image rebuilt from the flattened records == non-flattened output')
    if image.startswith(b'KDUMP'):
        # page_desc and data records interleave, as makedumpfile writes them
        offsets = [off for off, _ in records]
        check(offsets != sorted(offsets), 'kdump record offsets are not monotonic')
    try:
        kdumpfile.kdumpfile(stream_path)
        print('  (this libkdumpfile reads flattened files directly)')
    except kx.NotImplementedException as e:
        check('Unknown file format' in str(e), f'flattened open error: {e}')
        print('  (this libkdumpfile cannot read flattened files; checked via rebuild)')


def cmd_no_end(stream_path):
    try:
        flat_records(open(stream_path, 'rb').read())
    except Mismatch as e:
        check('without the {-1,-1} record' in str(e), str(e))
        return
    raise Mismatch('stream has an end record')


def cmd_gen_random(data_path, bin_path):
    """A random (incompressible) page, as zlib (falls back to raw) and as zlib force."""
    page = os.urandom(PAGE)
    words = ' '.join(page[i:i + 8][::-1].hex() for i in range(0, PAGE, 8))
    with open(data_path, 'w') as f:
        f.write(f'@pfn 0 zlib\n{words}\n@pfn 1 zlib force\n{words}\n')
    with open(bin_path, 'wb') as f:
        f.write(page)


def cmd_random(path, bin_path):
    want = open(bin_path, 'rb').read()
    raw = open(path, 'rb').read()
    h = kdump_header(raw)
    d = page_descs(raw, h)
    check_eq(d[0][1:], (PAGE, 0), 'incompressible zlib page stored raw')
    check_eq(raw[d[0][0]:d[0][0] + PAGE], want, 'raw fallback bytes')
    check_eq(d[1][2], ZLIB, 'forced zlib page keeps the zlib flag')
    check(d[1][1] > PAGE, 'forced zlib page is larger than a page')
    check_eq(h['status'], ZLIB, 'status')
    # Reading pfn 1 with libkdumpfile 0.5.1 overflows its page buffer: skip.
    check_page(open_dump(path), 0, want)


def cmd_algos(path, *algos):
    names = {'zlib': ZLIB, 'lzo': LZO, 'snappy': SNAPPY, 'zstd': ZSTD}
    k = open_dump(path)
    raw = open(path, 'rb').read()
    d = page_descs(raw, kdump_header(raw))
    for pfn, algo in enumerate(algos):
        check_page(k, pfn * PAGE, (f'{algo} page {pfn}\n'.encode() + b'\xa5' * PAGE)[:PAGE])
        check_eq(d[pfn][2], names[algo], f'pfn {pfn} {algo} flag')


def cmd_broken(path):
    """Descriptors made broken on purpose, and what libkdumpfile says."""
    raw = open(path, 'rb').read()
    h = kdump_header(raw)
    check_eq(h['status'] & 0x8, 0x8, 'incomplete = yes sets status 0x8')
    check_eq(h['version'], 5, 'version override')
    check_eq(h['nr_cpus'], 7, 'nr_cpus override')
    d = page_descs(raw, h)
    check_eq(d[1], (0, 0, 0), 'lost page: all-zero descriptor')
    check_eq(d[2][1], 2 * PAGE, 'size= override')
    check_eq(d[3][0], 0x100000, 'offset= override')
    check_eq(d[4][2], ZSTD, 'flags= override')
    k = open_dump(path)
    check_page(k, 0, page_with((0, b'a')))
    check_corrupt(k, 1 * PAGE, 'Wrong page size: 0')	# 0.5.1 has no "lost" notion
    check_corrupt(k, 2 * PAGE, 'Wrong page size: 8192')
    check_corrupt(k, 4 * PAGE, 'Decompression failed')


def cmd_elf_incomplete(path):
    raw = open(path, 'rb').read()
    check_eq(struct.unpack_from('<I', raw, 48)[0], 0x1 | 0x40, 'e_flags = e_flags | incomplete')
    check_eq(raw[4], 1, 'ei_class override')
    check_eq(struct.unpack_from('<H', raw, 18)[0], 3, 'e_machine override')


def cmd_open_fails(path, message):
    try:
        kdumpfile.kdumpfile(path)
    except kx.KDumpBaseException as e:
        check(message in str(e), f'open error {str(e)!r} lacks {message!r}')
        return
    raise Mismatch(f'{path} opened, want an error containing {message!r}')


def cmd_unreadable(path, addr):
    """Opening or reading addr must fail, whatever the message."""
    try:
        read(open_dump(path), int(addr, 0))
    except kx.KDumpBaseException as e:
        print(f'  ({type(e).__name__}: {e})')
        return
    raise Mismatch(f'{path}: 0x{int(addr, 0):x} is readable')


COMMANDS = {
    'kdump-basic': cmd_kdump_basic,
    'elf-basic': cmd_elf_basic,
    'flat': cmd_flat,
    'no-end': cmd_no_end,
    'gen-random': cmd_gen_random,
    'random': cmd_random,
    'algos': cmd_algos,
    'broken': cmd_broken,
    'elf-incomplete': cmd_elf_incomplete,
    'open-fails': cmd_open_fails,
    'unreadable': cmd_unreadable,
}


def main():
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(f'usage: verify.py {{{"|".join(COMMANDS)}}} ARGS...')
    try:
        COMMANDS[sys.argv[1]](*sys.argv[2:])
    except Mismatch as e:
        print(f'FAIL {sys.argv[1]}: {e}', file=sys.stderr)
        sys.exit(1)


if __name__ == '__main__':
    main()
