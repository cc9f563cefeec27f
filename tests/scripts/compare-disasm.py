#!/usr/bin/env python3
"""Compares `s390jit disasm FILE` with `s390x-linux-gnu-objdump -d --no-show-raw-insn FILE` on every
instruction line (address, mnemonic, operands; objdump's <symbol+off> annotations ignored) and
prints `N of M instructions agree` per file and in total. Exit status 1 on any difference.

Usage: tests/scripts/compare-disasm.py [--s390jit CMD] [--show N] FILE...
  default CMD: $S390JIT, else the Release build of src/S390Jit.Cli (dotnet s390jit.dll)
"""
import argparse, os, re, subprocess, sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../..')
LINE = re.compile(r'^\s*([0-9a-f]+):\t(.*)$')

def lines(text):
    out = []
    for l in text.splitlines():
        m = LINE.match(l)
        if not m:
            continue
        rest = m.group(2).rstrip()
        rest = re.sub(r' <[^>]*>', '', rest)          # objdump's symbol annotations of targets
        parts = rest.split('\t')
        mn = parts[0].strip()
        ops = parts[1].strip() if len(parts) > 1 else ''
        out.append((int(m.group(1), 16), mn, ops))
    return out

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--s390jit', default=os.environ.get('S390JIT'))
    ap.add_argument('--show', type=int, default=10)
    ap.add_argument('files', nargs='+')
    a = ap.parse_args()
    cmd = a.s390jit.split() if a.s390jit else ['dotnet', os.path.join(ROOT, 'src/S390Jit.Cli/bin/Release/net10.0/s390jit.dll')]
    total = agree = 0
    bad = False
    for f in a.files:
        ref = lines(subprocess.run(['s390x-linux-gnu-objdump', '-d', '--no-show-raw-insn', f],
                                   capture_output=True, text=True, check=True).stdout)
        r = subprocess.run(cmd + ['disasm', f], capture_output=True, text=True)
        if r.returncode != 0:
            print(f'{f}: s390jit disasm failed ({r.returncode}): {r.stderr.strip()}')
            bad = True
            total += len(ref)
            continue
        ours = lines(r.stdout)
        by_addr = {x[0]: x for x in ours}
        n = sum(1 for x in ref if by_addr.get(x[0]) == x)
        extra = len(set(by_addr) - set(x[0] for x in ref))
        shown = 0
        for x in ref:
            if by_addr.get(x[0]) != x and shown < a.show:
                y = by_addr.get(x[0])
                print(f'  {x[0]:x}: objdump {x[1]} {x[2]}  |  s390jit {y[1] + " " + y[2] if y else "(no line)"}')
                shown += 1
        print(f'{f}: {n} of {len(ref)} instructions agree' + (f' ({extra} extra lines from s390jit)' if extra else ''))
        total += len(ref); agree += n
        bad |= n != len(ref) or extra != 0
    if len(a.files) > 1:
        print(f'total: {agree} of {total} instructions agree')
    sys.exit(1 if bad else 0)

if __name__ == '__main__':
    main()
