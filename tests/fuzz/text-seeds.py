#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Writes the seeds of the text-parser fuzz targets (make-corpus.sh calls it).

  text-seeds.py OUTDIR

OUTDIR/TARGET/NAME for fuzz-kdump-conf, fuzz-kexec-config, fuzz-iomem, fuzz-cmdline and
fuzz-crashkernel, from files of the repository only (so the seeds are the same on every
machine):
  - real files: kdump/kdump.conf, the examples of docs/man/kdump.conf.5 and kexec.8, the
    /proc/iomem fixtures of tests/fixtures/kexec, and tests/fuzz/seeds/ (a /proc/iomem and a
    /proc/cmdline of a real machine, kept as they were read);
  - the inputs the unit tests give the parsers (the C string literals of their tables and calls);
  - bad variants: truncated inside a line, CRLF line ends, a NUL byte, an over-long line, an
    open quote, a binary header, hidden addresses, more crash ranges than are kept.
The seed inputs follow each target's input format (see its source file).
"""
import os
import re
import struct
import sys

TOP = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..'))
MAX_SEED = 65536

LITERAL = r'"(?:[^"\\\n]|\\.)*"'
# Adjacent literals are one string in C.
STRING = r'(?:%s)(?:\s*%s)*' % (LITERAL, LITERAL)


def read(path):
    with open(os.path.join(TOP, path), 'rb') as f:
        return f.read()


def c_unescape(lit):
    out = bytearray()
    for part in re.findall(LITERAL, lit):
        s = part[1:-1]
        i = 0
        while i < len(s):
            c = s[i]
            if c != '\\':
                out += c.encode()
                i += 1
                continue
            n = s[i + 1]
            simple = {'n': b'\n', 't': b'\t', 'r': b'\r', '0': b'\0', '\\': b'\\', '"': b'"',
                      "'": b"'", 'a': b'\a', 'v': b'\v', 'f': b'\f', 'e': b'\x1b'}
            if n == 'x':
                m = re.match(r'[0-9a-fA-F]+', s[i + 2:])
                out.append(int(m.group(0), 16) & 0xff)
                i += 2 + len(m.group(0))
            elif n in '01234567' and re.match(r'[0-7]{1,3}', s[i + 1:]).group(0) != '0':
                m = re.match(r'[0-7]{1,3}', s[i + 1:])
                out.append(int(m.group(0), 8) & 0xff)
                i += 1 + len(m.group(0))
            else:
                out += simple.get(n, n.encode())
                i += 2
    return bytes(out)


def strings(path):
    """Every string of a C file (adjacent literals joined), comments left out."""
    text = read(path).decode()
    text = re.sub(r'/\*.*?\*/', ' ', text, flags=re.S)
    text = re.sub(r'(?m)^\s*//.*$', ' ', text)
    return [c_unescape(m.group(0)) for m in re.finditer(STRING, text)]


def call_args(path, func, nargs=1):
    """The literal arguments of calls of func (NULL as None), the first nargs of each."""
    text = read(path).decode()
    arg = r'\s*(%s|NULL|\w+)\s*' % STRING
    res = []
    for m in re.finditer(r'\b%s\(' % func, text):
        args, pos = [], m.end()
        for _ in range(nargs):
            a = re.match(arg + r'[,)]', text[pos:])
            if not a:
                break
            v = a.group(1)
            args.append(c_unescape(v) if v.startswith('"') else None)
            pos += a.end()
        if args:
            res.append(args)
    return res


def roff_examples(path):
    """The .nf/.fi blocks of a man page, without roff escapes."""
    text = read(path).decode()
    blocks = re.findall(r'(?ms)^\.nf\n(.*?)^\.fi\n', text)
    out = []
    for b in blocks:
        b = b.replace('\\-', '-').replace('\\e', '\\').replace("\\(aq", "'")
        b = re.sub(r'\\f[BIRP]', '', b)
        out.append(b.encode())
    return out


class Seeds:
    def __init__(self, outdir):
        self.outdir = outdir
        self.seen = {}

    def put(self, target, name, data):
        if not data or len(data) > MAX_SEED:
            return
        seen = self.seen.setdefault(target, set())
        if data in seen:
            return
        seen.add(data)
        d = os.path.join(self.outdir, target)
        os.makedirs(d, exist_ok=True)
        name = re.sub(r'[^A-Za-z0-9._-]', '-', name)
        with open(os.path.join(d, name), 'wb') as f:
            f.write(data)

    def put_many(self, target, prefix, items):
        for i, data in enumerate(items):
            self.put(target, '%s-%03d' % (prefix, i), data)


def variants(data):
    """Bad versions of a good text file."""
    lines = data.split(b'\n')
    mid = len(data) // 2
    out = {
        'cut-in-line': data[:mid] if data[mid - 1:mid] != b'\n' else data[:mid + 1],
        'crlf': data.replace(b'\n', b'\r\n'),
        'nul': data[:mid] + b'\0' + data[mid:],
        'no-final-newline': data.rstrip(b'\n'),
        'long-line': data + b'#' * 4100 + b'\n' + lines[0] + b'\n',
        'tabs': data.replace(b' ', b'\t'),
        'doubled': data + data,
    }
    return out


def kdump_conf(s):
    t = 'fuzz-kdump-conf'
    sample = read('kdump/kdump.conf')
    s.put(t, 'sample-kdump.conf', sample)
    # the sample with every commented-out directive turned on
    s.put(t, 'sample-uncommented', re.sub(rb'(?m)^#(?=[a-z_0-9]+ )', b'', sample))
    for name, v in variants(sample).items():
        s.put(t, 'sample-' + name, v)
    s.put_many(t, 'man-example', roff_examples('docs/man/kdump.conf.5'))
    texts = [x for x in strings('kdump/tests/config-cases.h') if b'\n' in x]
    texts += [x for x in strings('kdump/tests/test-config.c') if b'\n' in x and b': error:' not in x]
    s.put_many(t, 'unit-test', texts)
    s.put(t, 'every-directive',
          b'path /var/crash\nxfs LABEL=dumps\ncore_collector /usr/sbin/makedumpfile -l -d 1\n'
          b'kdump_pre /bin/true "a b" \'c\'\\ d\nkdump_post sh -c \'echo "$1" | logger\'\n'
          b'failure_action dump_to_rootfs\nfinal_action poweroff\nextra_bins /usr/bin/logger\n'
          b'extra_bins vi\nextra_modules nvme virtio_blk\ndracut_args --omit-drivers "a b"\n'
          b'force_rebuild 1\nforce_no_rebuild 0\nkeep_old_dumps all\nmin_free_space 1GiB\n'
          b'auto_reset_crashkernel yes\ndefault halt\n')
    s.put(t, 'refused', b'ssh kdump@dumps.example.com\nsshkey /root/.ssh/kdump\n'
          b'nfs [fe80::1]:/export\next3 /dev/sda1\nnet x\nkdump_emergency\n'
          b'core_collector cp\nkdump_pre a | b\nfinal_action shell\n')
    s.put(t, 'open-quotes', b'path "/var/crash\nkdump_pre \'x\nkdump_post x\\\n')


def kexec_config(s):
    t = 'fuzz-kexec-config'
    texts = [x for x in strings('tests/unit/test-kexec-config.c')
             if b'=' in x and (b'\n' in x or x.isupper() or b'KERNEL' in x)]
    s.put_many(t, 'unit-test', texts)
    good = (b'# the capture kernel of this machine\nCRASH=yes\n'
            b'KERNEL=/boot/vmlinuz-6.1.0-26-amd64\nINITRD=/var/lib/kdump/initrd.img\n'
            b'APPEND="console=ttyS0,115200 nr_cpus=2"\n')
    s.put(t, 'header-example', good)
    for name, v in variants(good).items():
        s.put(t, 'header-example-' + name, v)
    s.put(t, 'every-key', b'KERNEL = vmlinuz \nINITRD=\'initrd img\'\nREUSE_CMDLINE=no\n'
          b'APPEND="a=\\"b c\\" d\\\\e"\nCRASH=false\nDELAY=3600\nCOMMAND_LINE=root=/dev/vda\n')
    s.put(t, 'exclusive', b'COMMAND_LINE=x\nREUSE_CMDLINE=yes\n')
    s.put(t, 'bad-values', b'DELAY=3601\nCRASH=maybe\n')
    s.put(t, 'unknown-key', b'KERNL=/boot/vmlinuz\n')
    s.put(t, 'open-quote', b'APPEND="console=ttyS0\n')
    s.put(t, 'after-quote', b'APPEND="a" b\n')
    s.put(t, 'twice', b'KERNEL=/a\nKERNEL=/b\n')
    s.put(t, 'elf', b'\x7fELF\x02\x01\x01' + b'\0' * 57)
    s.put(t, 'gzip', b'\x1f\x8b\x08\x00' + b'KERNEL=/x\n')
    bz = bytearray(1024)
    bz[0x1fe:0x200] = b'\x55\xaa'
    bz[0x202:0x206] = b'HdrS'
    s.put(t, 'bzimage-header', bytes(bz))


def iomem(s):
    t = 'fuzz-iomem'
    fixtures = sorted(f for f in os.listdir(os.path.join(TOP, 'tests/fixtures/kexec'))
                      if f.startswith('iomem'))
    real = {}
    for f in fixtures:
        real['fixture-' + f[:-4]] = read('tests/fixtures/kexec/' + f)
    real['host-proc-iomem'] = read('tests/fuzz/seeds/host-proc-iomem.txt')
    for name, data in real.items():
        s.put(t, name, data)
    host = real['host-proc-iomem']
    for name, v in variants(host).items():
        if name not in ('long-line', 'tabs'):
            s.put(t, 'host-proc-iomem-' + name, v)
    crash = real['fixture-iomem-qemu-6.1-crashkernel256M']
    s.put(t, 'crash-hidden', re.sub(rb'[0-9a-f]+-[0-9a-f]+ :',
                                    lambda m: b'00000000-00000000 :', crash))
    s.put(t, 'crash-nine-ranges', b''.join(b'  %08x-%08x : Crash kernel\n' % (i << 24, (i << 24) + 0xfff)
                                           for i in range(1, 10)))
    s.put(t, 'limits', b'0000000000000000-ffffffffffffffff : System RAM\n'
          b'  0000000000000000-ffffffffffffffff : Crash kernel\n'
          b'ffffffffffffffff-ffffffffffffffff : System RAM\n')
    s.put(t, 'bad-hex', b'00001000-0009fbfg : System RAM\n')
    s.put(t, 'too-long-hex', b'00000000000001000-0009fbff : System RAM\n')
    s.put(t, 'end-before-start', b'0009fbff-00001000 : System RAM\n')
    s.put(t, 'no-name', b'00001000-0009fbff :\n')
    s.put(t, 'nul-in-name', b'00001000-0009fbff : System\0RAM\n')


def cmdline(s):
    t = 'fuzz-cmdline'
    host = read('tests/fuzz/seeds/host-proc-cmdline.txt').rstrip(b'\n')
    grub = [x for x in strings('kdump/tests/test-bootloader.c') if b'GRUB_CMDLINE' in x]
    lines = [x for x in strings('tests/unit/test-kexec-cmdline.c') if b'=' in x or b' ' in x]
    lines += [x for x in strings('kdump/tests/test-bootloader.c')
              if b'crashkernel=' in x and b'GRUB_' not in x]
    lines += [a[0] for a in call_args('kdump/tests/test-crashkernel.c',
                                      'kdump_crashkernel_from_cmdline') if a[0]]
    # (running line, --append) pairs of the kexec unit tests
    pairs = [(a[1], a[2]) for a in call_args('tests/unit/test-kexec-cmdline.c', 'ASSERT_BUILDS', 3)
             if len(a) == 3 and a[1] is not None]
    s.put(t, 'host-proc-cmdline', host)
    s.put(t, 'host-proc-cmdline-parts',
          host + b'\0nr_cpus=4 crashkernel=1G quiet\0' + b'1G-4G:192M,4G-:512M\0' +
          (grub[0] if grub else b''))
    s.put(t, 'host-proc-cmdline-open-quote', host.replace(b'console', b'"console', 1))
    s.put_many(t, 'unit-test-line', lines)
    s.put_many(t, 'unit-test-pair', [a + b'\0' + (b if b is not None else b'') for a, b in pairs])
    s.put_many(t, 'unit-test-grub', [b'\0\0256M\0' + g for g in grub])
    s.put(t, 'many-words', b' '.join(b'w%d=%d' % (i, i) for i in range(600)))
    s.put(t, 'many-init-words', b'root=/dev/vda -- ' + b' '.join(b'a%d' % i for i in range(520)))
    s.put(t, 'dashes', b'-- -- crashkernel=1G\0-- x\0')
    s.put(t, 'apicid', b'nr_cpus=1 crashkernel=256M\0nr_cpus=8\0')


def crashkernel(s):
    t = 'fuzz-crashkernel'
    value_re = re.compile(rb'^[0-9A-Za-z@,:\-]{1,400}$')
    values = [x for x in strings('kdump/tests/test-crashkernel.c') if value_re.match(x)]
    doc = read('docs/crashkernel.md')
    values += re.findall(rb'crashkernel=([0-9A-Za-z@,:\-]+)', doc)
    values += [b'']
    rams = struct.pack('<6Q', 0, 1 << 30, (4 << 30) - 1, 64 << 30, 2**64 - 1, 2**64 - (128 << 20))
    for i, v in enumerate(values):
        s.put(t, 'value-%03d' % i, v)
        if b':' in v:
            s.put(t, 'value-%03d-rams' % i, v + b'\0' + rams)
    s.put(t, 'sizes-only', b'\0' + struct.pack('<4Q', 0x3ff, 1 << 60, 0xfffffffffffffc00, 7))


def main():
    if len(sys.argv) != 2:
        print(__doc__.strip().split('\n\n')[1], file=sys.stderr)
        return 2
    s = Seeds(sys.argv[1])
    kdump_conf(s)
    kexec_config(s)
    iomem(s)
    cmdline(s)
    crashkernel(s)
    for t, seen in sorted(s.seen.items()):
        print('%s: %d seeds, %d bytes' % (t, len(seen), sum(len(x) for x in seen)), file=sys.stderr)
    return 0


if __name__ == '__main__':
    sys.exit(main())
