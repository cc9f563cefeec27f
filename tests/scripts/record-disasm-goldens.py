#!/usr/bin/env python3
"""Records objdump's disassembly of generated encodings as the golden file the disassembler tests read
(tests/S390Jit.Tests/Architecture/Golden/objdump-z16.txt), so CI needs no binutils.

Cases: for every row and every extended mnemonic of our table, encodings with random and boundary
values in the fields its operand syntax uses (fixed fields of an alias kept); one encoding per row with
a must-be-zero bit set; and every first byte / secondary opcode with all fields zero (objdump rejects
what is not an instruction). Each line: HEXBYTES ADDRESS MNEMONIC<TAB>OPERANDS, as objdump prints it
at that address (.long/.short for what it rejects).

Usage: tests/scripts/record-disasm-goldens.py [OUT]
"""
import os, random, re, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_isa_table import FORMATS, FORMAT_LEN
import isa_probe

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../..')
ISA = os.path.join(ROOT, 'src/S390Jit.Architecture/Isa')

def table(name, const):
    t = open(os.path.join(ISA, name)).read()
    t = t[t.index(const):]
    body = t[t.index('"""') + 3:]
    body = body[:body.index('"""')]
    return [l.split() for l in body.splitlines() if l.strip() and not l.strip().startswith('#')]

RXB = {8: 36, 12: 37, 16: 38, 32: 39}

def field(fmt, name):
    for f in FORMATS[fmt]:
        if f[0] == name:
            return f
    raise KeyError(f'{fmt} has no {name}')

def names_in(syntax):
    body = syntax.lstrip('*').split('!')[0].rstrip('?')
    if body == '-':
        return []
    out = []
    for tok in re.split(r'[(),]', body):
        if not tok:
            continue
        tok = tok.lstrip('#').split('&')[0]
        tok = re.sub(r'[su]$', '', tok)
        if tok[0] in 'FAC':
            tok = 'R' + tok[1:]
        out.append(tok)
    return out

def put(x, L, f, v):
    name, pos, width, kind = f
    nb = L * 8
    if kind == 'DL':
        v &= (1 << 20) - 1
        dl, dh = v & 0xFFF, v >> 12
        x |= dl << (nb - pos - 12)
        x |= dh << (nb - pos - 20)
        return x
    if kind == 'V':
        x |= (v & 0xF) << (nb - pos - 4)
        x |= (v >> 4) << (nb - 1 - RXB[pos])
        return x
    x |= (v & ((1 << width) - 1)) << (nb - pos - width)
    return x

def rand_value(rng, f, case):
    name, pos, width, kind = f
    w = 5 if kind == 'V' else 20 if kind == 'DL' else width
    if case == 0: return 0
    if case == 1: return (1 << w) - 1
    if case == 2: return 1 << (w - 1)
    if case == 3: return (1 << (w - 1)) - 1
    if case == 4: return 1
    return rng.getrandbits(w)

def opcode_bits(key, L):
    op1 = int(key[:2], 16)
    x = op1 << (L * 8 - 8)
    k = isa_probe.op2kind(op1)
    if k == 'b1': x |= int(key[2:], 16) << (L * 8 - 16)
    elif k == 'n': x |= int(key[2:], 16) << (L * 8 - 16)
    elif k == 'b5': x |= int(key[2:], 16) << (L * 8 - 48)
    return x

def fixed_bits(fmt, L, text):
    mask = val = 0
    if text == '-':
        return 0, 0
    for part in text.split(','):
        lhs, v = part.split('=')
        v = int(v)
        sub = None
        if '&' in lhs:
            lhs, sub = lhs.split('&'); sub = int(sub)
        f = field(fmt, lhs)
        w = 5 if f[3] == 'V' else f[2]
        for bit in range(w):
            if sub is not None and not (sub >> bit) & 1:
                continue
            pos = RXB[f[1]] if f[3] == 'V' and bit == 4 else f[1] + f[2] - 1 - bit
            m = 1 << (L * 8 - 1 - pos)
            mask |= m
            if (v >> bit) & 1:
                val |= m
    return mask, val

def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, 'tests/S390Jit.Tests/Architecture/Golden/objdump-z16.txt')
    rng = random.Random(3)
    rows = table('InstructionTable.Rows.cs', 'const string Text')
    aliases = table('InstructionTable.Aliases.cs', 'const string AliasText')
    byname = {r[1]: r for r in rows}
    cases = []
    def gen(key, fmt, syntax, fixed, n):
        L = FORMAT_LEN(fmt)
        base = opcode_bits(key, L)
        fmask, fval = fixed_bits(fmt, L, fixed)
        used = [field(fmt, nm) for nm in dict.fromkeys(names_in(syntax))]
        for c in range(n):
            x = base
            for f in used:
                x = put(x, L, f, rand_value(rng, f, c if c < 5 else 9))
            x = (x & ~fmask) | fval
            cases.append(x.to_bytes(L, 'big'))
    for r in rows:
        key, mn, fmt, syntax = r[0], r[1], r[2], r[8]
        gen(key, fmt, syntax, '-', 7)
        # one must-be-zero bit set: objdump rejects it (unless it ignores that bit)
        L = FORMAT_LEN(fmt)
        x = opcode_bits(key, L)
        cases.append((x | (1 << rng.randrange(0, L * 8 - 8))).to_bytes(L, 'big'))
    for a in aliases:
        r = byname[a[1]]
        gen(r[0], r[2], a[3], a[2], 5)
    for o in isa_probe.candidates():
        cases.append(o.enc(o.base))
    cases = list(dict.fromkeys(cases))
    stride = isa_probe.STRIDE
    buf = bytearray()
    for b in cases:
        buf += b + isa_probe.PAD[:stride - len(b)]
    import subprocess, tempfile
    fd, path = tempfile.mkstemp(suffix='.bin')
    os.write(fd, bytes(buf)); os.close(fd)
    try:
        dump = subprocess.run([isa_probe.OBJDUMP, '-D', '-b', 'binary', '-m', 's390:64-bit', '--no-show-raw-insn', path],
                              capture_output=True, text=True, check=True).stdout
    finally:
        os.unlink(path)
    text = {}
    for line in dump.splitlines():
        m = re.match(r'^\s*([0-9a-f]+):\t(.*)$', line)
        if m and int(m.group(1), 16) % stride == 0:
            text[int(m.group(1), 16) // stride] = m.group(2).rstrip()
    seen = cases
    with open(out, 'w') as f:
        f.write('# objdump (GNU binutils 2.40) -D -b binary -m s390:64-bit --no-show-raw-insn, recorded by\n')
        f.write('# tests/scripts/record-disasm-goldens.py. Each line: BYTES ADDRESS MNEMONIC<TAB>OPERANDS\n')
        for i, b in enumerate(cases):
            f.write(f'{b.hex()} {i * stride:x} {text[i]}\n')
    print(f'wrote {out}: {len(seen)} cases', file=sys.stderr)

if __name__ == '__main__':
    main()
