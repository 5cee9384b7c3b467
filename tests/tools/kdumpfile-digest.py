#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Independent reader: the same digest as `vmcore-cmp --digest`, computed by libkdumpfile.

Usage: kdumpfile-digest.py FILE PFN_LIST
PFN_LIST names a file with one hex PFN per line (the page frames in RAM, from our digest);
for each, print "pfn crc32" when libkdumpfile can read the page, "pfn excluded" when it
reports no data. Any other error is fatal (exit 1).
"""
import sys
import zlib

import kdumpfile
import kdumpfile.exceptions


def main():
    path, pfn_list = sys.argv[1], sys.argv[2]
    ctx = kdumpfile.kdumpfile(path)
    # Physical reads go through the translation layer, which needs the OS type set.
    ctx.attr["addrxlat.ostype"] = "linux"
    if True:
        page_size = int(ctx.attr['arch.page_size'])
        out = sys.stdout
        with open(pfn_list) as pfns:
            for line in pfns:
                pfn = int(line.split()[0], 16)
                try:
                    data = ctx.read(kdumpfile.KDUMP_KPHYSADDR, pfn * page_size, page_size)
                except kdumpfile.exceptions.NoDataException:
                    out.write('%x excluded\n' % pfn)
                    continue
                out.write('%x %08x\n' % (pfn, zlib.crc32(data) & 0xffffffff))


if __name__ == '__main__':
    main()
