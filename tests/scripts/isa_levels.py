#!/usr/bin/env python3
"""Adds to the probe JSON the first CPU level (-march) at which GNU as accepts each mnemonic, as
objdump printed it. Usage: tests/scripts/isa_levels.py PROBE.json"""
import json, os, re, subprocess, sys, tempfile

LEVELS = ['z900', 'z990', 'z9-109', 'z9-ec', 'z10', 'z196', 'zEC12', 'z13', 'z14', 'z15', 'z16']

def safe(text):
    """Operands that every register-pair rule accepts."""
    text = re.sub(r'%r\d+', '%r2', text)
    text = re.sub(r'%f\d+', '%f0', text)
    return text

def accepted(lines, level):
    bad = set()
    skip = set()
    with tempfile.TemporaryDirectory() as d:
        src = os.path.join(d, 'a.s')
        while True:
            open(src, 'w').write('\n'.join('' if i in skip else l for i, l in enumerate(lines)) + '\n')
            r = subprocess.run(['s390x-linux-gnu-as', f'-march={level}', '-mzarch', '-o', os.path.join(d, 'a.o'), src],
                               capture_output=True, text=True)
            bad |= set(int(m.group(1)) - 1 for m in re.finditer(r'a\.s:(\d+): Error', r.stderr))
            fatal = [int(m.group(1)) - 1 for m in re.finditer(r'a\.s:(\d+): Fatal error', r.stderr)]
            if not fatal:
                break
            bad.add(fatal[0]); skip.add(fatal[0])
    return [i not in bad for i in range(len(lines))]

def main():
    path = sys.argv[1]
    d = json.load(open(path))
    items = []
    for key, op in d.items():
        for mn, a in op['mnemonics'].items():
            items.append((key, mn, a['text']))
    lines = [f'{mn} {safe(text)}' for key, mn, text in items]
    level = [None] * len(items)
    for lv in LEVELS:
        ok = accepted(lines, lv)
        for i, o in enumerate(ok):
            if o and level[i] is None:
                level[i] = lv
    for (key, mn, text), lv in zip(items, level):
        d[key]['mnemonics'][mn]['level'] = lv
    json.dump(d, open(path, 'w'))
    missing = [(k, m) for (k, m, t), lv in zip(items, level) if lv is None]
    print(f'{len(items) - len(missing)} of {len(items)} mnemonics accepted by GNU as; not: {missing[:20]}', file=sys.stderr)

if __name__ == '__main__':
    main()
