#!/usr/bin/env python3
"""Cross-checks every row of the instruction table against GNU as (s390x-linux-gnu-as -march=z16):
assembles the mnemonic with example operands written from the row's operand syntax and compares the
encoded first byte and secondary opcode with the row. Rows marked * (unknown to binutils) are skipped.
Needs binutils-s390x-linux-gnu. Usage: tests/scripts/check-opcodes.py
"""
import os, re, subprocess, sys, tempfile

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../..')
text = open(os.path.join(ROOT, 'src/S390Jit.Architecture/Isa/InstructionTable.Rows.cs')).read()
body = text[text.index('"""') + 3:text.rindex('"""')]
rows = [l.split() for l in body.splitlines() if l.strip() and not l.strip().startswith('#')]

def example(tok, in_group, first_in_group):
    tok = tok.lstrip('#').split('&')[0]
    tok = re.sub(r'(?<=\d)[su]$', '', tok)
    kind = tok[:2] if tok.startswith('RI') else tok[0]
    return {'R': '%r2', 'F': '%f0', 'A': '%a2', 'C': '%c2', 'V': '%v18', 'X': '%r3', 'B': '%r4', 'D': '8',
            'L': '4', 'RI': '.', 'I': '1', 'M': '1'}[kind]

def operands(syntax):
    s = syntax.split('!')[0].rstrip('?')
    if s == '-':
        return ''
    out = []
    for op in re.findall(r'[^,(]+(?:\([^)]*\))?', s):
        m = re.match(r'^([^(]+)\((.*)\)$', op)
        if m:
            inner = m.group(2).split(',')
            out.append(example(m.group(1), False, False) + '(' + ','.join(example(t, True, i == 0) for i, t in enumerate(inner)) + ')')
        else:
            out.append(example(op, False, False))
    return ','.join(out)

checked = [r for r in rows if not r[8].startswith('*')]
bad = 0
with tempfile.TemporaryDirectory() as d:
    src, obj = os.path.join(d, 'a.s'), os.path.join(d, 'a.o')
    lines = [f'{r[1].lower()} {operands(r[8])}' for r in checked]
    skip = set()
    while True:
        open(src, 'w').write('.machine z16\n.text\n' + '\n'.join('' if i in skip else l for i, l in enumerate(lines)) + '\n')
        p = subprocess.run(['s390x-linux-gnu-as', '-march=z16', '-o', obj, src], capture_output=True, text=True)
        errs = [int(m.group(1)) - 3 for m in re.finditer(r'a\.s:(\d+): (?:Error|Fatal)', p.stderr)]
        if p.returncode == 0 or not errs:
            break
        for e in errs:
            if e not in skip:
                print(f'ASSEMBLY FAILED {lines[e]}')
                skip.add(e); bad += 1
    dump = subprocess.run(['s390x-linux-gnu-objdump', '-d', obj], capture_output=True, text=True, check=True).stdout
    encs = [bytes.fromhex(''.join(m.group(1).split())) for m in re.finditer(r'^\s*[0-9a-f]+:\t((?:[0-9a-f]{2} )+)', dump, re.M)]
    it = iter(encs)
    for i, r in enumerate(checked):
        if i in skip:
            continue
        b = next(it)
        op = r[0]
        want1 = int(op[:2], 16)
        if len(op) == 2: ok = b[0] == want1
        elif len(op) == 3: ok = b[0] == want1 and (b[1] & 0xF) == int(op[2], 16)
        elif want1 in (0xE3, 0xE6, 0xE7, 0xEB, 0xEC, 0xED): ok = b[0] == want1 and b[5] == int(op[2:], 16)
        else: ok = b[0] == want1 and b[1] == int(op[2:], 16)
        if not ok:
            print(f'MISMATCH {r[1]}: table {op}, as gives {b.hex()}'); bad += 1
print(f'{len(checked) - bad} of {len(checked)} rows agree with GNU as ({len(rows) - len(checked)} rows unknown to binutils skipped)')
sys.exit(1 if bad else 0)
