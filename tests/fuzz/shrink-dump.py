#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Small seed files from real dumps, for the fuzz corpora (make-corpus.sh runs it).

  shrink-dump.py kdump IN OUT [--pages N]   a kdump-compressed file (makedumpfile -c/-l/...)
      cut down to its real headers, sub-header and notes (VMCOREINFO included), bitmaps for
      the first 8 * block_size page frames, and the data of the first N pages dumped there
      (the other pages of those bitmaps become "excluded")
  shrink-dump.py elf IN OUT [--pages N]     an ELF vmcore cut down to its real ELF header,
      notes and PT_LOADs, each PT_LOAD keeping the file data of its first N pages only (the
      rest of p_memsz becomes filtered, as makedumpfile -E marks it)
  shrink-dump.py flat IN OUT                IN wrapped in a makedumpfile flattened stream,
      in records of at most 4 KiB, the first one written last (offsets not monotonic, as in
      makedumpfile's streams)

Only x86_64 (little-endian, LP64) dumps are handled.
"""
import argparse
import struct
import sys

KDUMP_HEADER = struct.Struct('<8si390s6xqqIiiIIIIIIi')  # struct disk_dump_header, 464 bytes
SUB_HEADER = struct.Struct('<QiiQQQQQQQQQQQ')           # struct kdump_sub_header, 104 bytes
PAGE_DESC = struct.Struct('<QIIQ')                      # struct page_desc, 24 bytes
EHDR = struct.Struct('<16sHHIQQQIHHHHHH')
PHDR = struct.Struct('<IIQQQQQQ')
PT_LOAD = 1


class Dump:
    """Reads a (possibly huge) file where asked, not whole."""

    def __init__(self, f):
        self.f = f

    def __getitem__(self, s):
        self.f.seek(s.start)
        return self.f.read(s.stop - s.start)

    def unpack(self, st, offset):
        return st.unpack(self[offset:offset + st.size])


def bit(bitmap, pfn):
    return (bitmap[pfn >> 3] >> (pfn & 7)) & 1


def shrink_kdump(data, pages):
    (sig, version, uts, ts_sec, ts_usec, status, bs, sub_blocks, bitmap_blocks, max_mapnr,
     total_ram, device_blocks, written, cur_cpu, nr_cpus) = data.unpack(KDUMP_HEADER, 0)
    sub = list(data.unpack(SUB_HEADER, bs))
    max_mapnr_64 = sub[13] if version >= 6 else max_mapnr
    bitmap_bytes = bitmap_blocks // 2 * bs
    bitmap1_at = (1 + sub_blocks) * bs
    bitmap2_at = bitmap1_at + bitmap_bytes
    descs_at = bitmap2_at + bitmap_bytes

    new_mapnr = min(max_mapnr_64, 8 * bs)
    bitmap1 = bytearray(data[bitmap1_at:bitmap1_at + bs])
    bitmap2_old = data[bitmap2_at:bitmap2_at + bs]
    bitmap2 = bytearray(bs)
    kept = []  # (pfn, descriptor index in the original)
    index = 0
    for pfn in range(new_mapnr):
        if not bit(bitmap2_old, pfn):
            continue
        if len(kept) < pages:
            kept.append((pfn, index))
            bitmap2[pfn >> 3] |= 1 << (pfn & 7)
        index += 1

    out = bytearray(data[0:bitmap1_at])
    out += bitmap1 + bitmap2
    data_at = len(out) + len(kept) * PAGE_DESC.size
    descs, blobs = bytearray(), bytearray()
    for pfn, i in kept:
        offset, size, flags, page_flags = data.unpack(PAGE_DESC, descs_at + i * PAGE_DESC.size)
        descs += PAGE_DESC.pack(data_at + len(blobs), size, flags, page_flags)
        blobs += data[offset:offset + size]
    out += descs + blobs

    KDUMP_HEADER.pack_into(out, 0, sig, version, uts, ts_sec, ts_usec, status, bs, sub_blocks,
                           2, min(new_mapnr, 0xffffffff), total_ram, device_blocks, written,
                           cur_cpu, nr_cpus)
    sub[13] = new_mapnr          # max_mapnr_64
    sub[9] = sub[10] = 0         # offset_eraseinfo, size_eraseinfo: none
    SUB_HEADER.pack_into(out, bs, *sub)
    return bytes(out)


def shrink_elf(data, pages):
    eh = data.unpack(EHDR, 0)
    phoff, phnum = eh[5], eh[10]
    phdrs = [list(data.unpack(PHDR, phoff + i * PHDR.size)) for i in range(phnum)]
    # Everything up to the first PT_LOAD's data: headers and notes, as they are.
    first = min(p[2] for p in phdrs if p[0] == PT_LOAD)
    out = bytearray(data[0:first])
    for p in phdrs:
        if p[0] != PT_LOAD:
            continue
        keep = min(p[5], pages * 4096)
        offset = len(out)
        out += data[p[2]:p[2] + keep]
        p[2], p[5] = offset, keep  # p_offset, p_filesz (p_memsz stays)
    for i, p in enumerate(phdrs):
        PHDR.pack_into(out, phoff + i * PHDR.size, *p)
    return bytes(out)


def flatten(data):
    out = bytearray(b'makedumpfile'.ljust(16, b'\0') + struct.pack('>qq', 1, 1))
    out += bytes(4096 - len(out))
    chunks = [(off, data[off:off + 4096]) for off in range(0, len(data), 4096)]
    for off, chunk in chunks[1:] + chunks[:1]:
        out += struct.pack('>qq', off, len(chunk)) + chunk
    out += struct.pack('>qq', -1, -1)
    return bytes(out)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('kind', choices=['kdump', 'elf', 'flat'])
    ap.add_argument('input')
    ap.add_argument('output')
    ap.add_argument('--pages', type=int, default=4)
    args = ap.parse_args()
    with open(args.input, 'rb') as f:
        if args.kind == 'kdump':
            out = shrink_kdump(Dump(f), args.pages)
        elif args.kind == 'elf':
            out = shrink_elf(Dump(f), args.pages)
        else:
            out = flatten(f.read())
    with open(args.output, 'wb') as f:
        f.write(out)
    return 0


if __name__ == '__main__':
    sys.exit(main())
