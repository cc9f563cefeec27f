#!/usr/bin/env python3
"""Probes GNU objdump (s390x-linux-gnu-objdump, binutils 2.40) as a black box to learn how it decodes
every z/Architecture opcode: which opcodes exist, which instruction bits must be zero, which bits
make up each printed operand (position, width, signedness, register class), which trailing operands
it omits when zero, and which extended mnemonics it prints for which fixed field values.

Nothing here is taken from binutils' sources: every fact is measured by disassembling generated
instruction bytes. The result (a JSON file) feeds tests/scripts/gen_isa_table.py, which writes the
rows of src/S390Jit.Architecture/Isa/InstructionTable.Rows.cs in our own format.

It also writes tests/S390Jit.Tests/Architecture/Golden/binutils-z16-mnemonics.txt, the list the
coverage report checks the table against. Takes about 7 minutes. See gen_isa_table.py for the pipeline.

Usage: tests/scripts/isa_probe.py [OUT.json]   (default: .downloads/isa-probe.json)
"""
import json, os, random, re, subprocess, sys, tempfile
from collections import Counter, defaultdict

OBJDUMP = os.environ.get('OBJDUMP', 's390x-linux-gnu-objdump')
STRIDE = 16
PAD = bytes([0x07, 0x07]) * 8        # "nopr %r7": probes resynchronise on 2-byte boundaries

# ---- running objdump ----------------------------------------------------------------------------
ATOM_RE = re.compile(r'^%([rfvac])(\d+)$')

def parse_atom(s, addr):
    m = ATOM_RE.match(s)
    if m:
        return (m.group(1), int(m.group(2)))
    if s.startswith('0x'):                  # a relative target, printed as an absolute address
        v = (int(s, 16) - addr) & (2**64 - 1)
        return ('x', v - 2**64 if v >= 2**63 else v)
    return ('n', int(s))

def split_top(s):
    out, depth, cur = [], 0, ''
    for ch in s:
        if ch == ',' and depth == 0:
            out.append(cur); cur = ''; continue
        depth += (ch == '(') - (ch == ')')
        cur += ch
    if cur:
        out.append(cur)
    return out

def parse_ops(s, addr):
    """Operand text -> flat list of atoms (path, kind, value); path = (operand, position in D(..))."""
    atoms = []
    if not s:
        return atoms
    for i, op in enumerate(split_top(s)):
        m = re.match(r'^([^()]+)\((.*?)\)?$', op)
        if m:
            k, v = parse_atom(m.group(1), addr)
            atoms.append(((i, 0), 'd' if k == 'n' else k, v))
            for j, a in enumerate(m.group(2).split(',')):
                k, v = parse_atom(a, addr)
                atoms.append(((i, j + 1), k, v))
        else:
            k, v = parse_atom(op, addr)
            atoms.append(((i, 0), k, v))
    return atoms

CACHE = {}

def disasm(insns):
    """bytes objects -> None (objdump prints .long/.short/.byte) or (mnemonic, operand text, atoms)."""
    todo = [b for b in dict.fromkeys(insns) if b not in CACHE]
    for start in range(0, len(todo), 250000):
        chunk = todo[start:start + 250000]
        buf = bytearray()
        for b in chunk:
            buf += b + PAD[:STRIDE - len(b)]
        fd, path = tempfile.mkstemp(suffix='.bin')
        os.write(fd, bytes(buf)); os.close(fd)
        try:
            out = subprocess.run([OBJDUMP, '-D', '-b', 'binary', '-m', 's390:64-bit', '--no-show-raw-insn', path],
                                 capture_output=True, text=True, check=True).stdout
        finally:
            os.unlink(path)
        res = {}
        for line in out.splitlines():
            m = re.match(r'^\s*([0-9a-f]+):\t(.*)$', line)
            if not m:
                continue
            addr = int(m.group(1), 16)
            if addr % STRIDE:
                continue
            parts = m.group(2).split('\t')
            mn = parts[0].strip()
            ops = parts[1].strip() if len(parts) > 1 else ''
            res[addr // STRIDE] = None if mn.startswith('.') else (mn, ops, parse_ops(ops, addr))
        for i, b in enumerate(chunk):
            if i not in res:
                raise RuntimeError(f'objdump printed no line for probe {b.hex()}')
            CACHE[b] = res[i]
    return [CACHE[b] for b in insns]

# ---- opcodes ------------------------------------------------------------------------------------
def op2kind(op1):
    """Where the secondary opcode lives (PoO): byte 1, the low nibble of byte 1, or byte 5."""
    if op1 in (0x01, 0xA6, 0xAA, 0xB2, 0xB3, 0xB9, 0xE5): return 'b1'
    if op1 in (0xA5, 0xA7, 0xC0, 0xC2, 0xC4, 0xC6, 0xC8, 0xCC): return 'n'
    if op1 in (0xE3, 0xE6, 0xE7, 0xEB, 0xEC, 0xED): return 'b5'
    return None

def length(op1):
    return (2, 4, 4, 6)[op1 >> 6]

class Op:
    def __init__(self, op1, op2):
        self.op1, self.op2 = op1, op2
        self.L = length(op1)
        self.nbits = self.L * 8
        k = op2kind(op1)
        self.key = f'{op1:02x}' + ('' if k is None else f'{op2:x}' if k == 'n' else f'{op2:02x}')
        opbits = list(range(8))
        x = op1 << (self.nbits - 8)
        if k == 'b1': opbits += range(8, 16); x |= op2 << (self.nbits - 16)
        elif k == 'n': opbits += range(12, 16); x |= op2 << (self.nbits - 16)
        elif k == 'b5': opbits += range(40, 48); x |= op2 << (self.nbits - 48)
        self.opbits = set(opbits)
        self.base = x
        self.free = [b for b in range(8, self.nbits) if b not in self.opbits]
        self.mn = {}                      # mnemonic -> analysis

    def bit(self, b):
        return 1 << (self.nbits - 1 - b)

    def get(self, x, b):
        return (x >> (self.nbits - 1 - b)) & 1

    def enc(self, x):
        return x.to_bytes(self.L, 'big')

def candidates():
    for op1 in range(256):
        k = op2kind(op1)
        for op2 in ([0] if k is None else range(16) if k == 'n' else range(256)):
            yield Op(op1, op2)

# ---- analysis -----------------------------------------------------------------------------------
rng = random.Random(20240601)

def struct(atoms):
    return tuple((p, k) for p, k, v in atoms)

def rand_inst(o, around=None, nibbles=None):
    """Random values in the usable bits; nibbles of 4 usable bits get values with two or more bits set
    (so that flipping one bit never makes a register zero, which objdump may omit)."""
    x = o.base if around is None else around
    for nib in range(8, o.nbits, 4):
        if nibbles is not None and nib not in nibbles:
            continue
        bits = [b for b in range(nib, nib + 4) if b in o.usable_set]
        if not bits:
            continue
        while True:
            v = [rng.randint(0, 1) for _ in bits]
            if len(bits) < 4 or sum(v) >= 2:
                break
        for b, bv in zip(bits, v):
            x = (x | o.bit(b)) if bv else (x & ~o.bit(b))
    return x

def instances_of(o, mn, n):
    """Up to n diverse instances printed as mn (from everything probed so far), most atoms first."""
    found = []
    for x in o.pool:
        r = CACHE.get(o.enc(x))
        if r and r[0] == mn:
            found.append((len(r[2]), x))
    found.sort(key=lambda t: -t[0])
    if not found:
        return []
    best = found[0][0]
    xs = sorted(dict.fromkeys(x for c, x in found if c == best))
    random.Random(f'{o.key}/{mn}').shuffle(xs)
    return xs[:n]

def flip_obs(o, x):
    """Single-bit flips of instance x -> per-bit observation."""
    rx = CACHE[o.enc(x)]
    obs = {}
    for b in o.usable:
        y = x ^ o.bit(b)
        ry = CACHE[o.enc(y)]
        sgn = 1 if o.get(y, b) else -1
        if ry is None:
            obs[b] = ('invalid',)
        elif ry[0] != rx[0]:
            obs[b] = ('mnem', o.get(x, b), ry[0])
        elif struct(ry[2]) != struct(rx[2]):
            # the trailing operand became zero and objdump left it out: the bit belongs to it
            if struct(ry[2]) == struct(rx[2][:-1]) and rx[2][-1][1] in ('n', 'r', 'v') and o.get(y, b) == 0 \
                    and all(a == c for a, c in zip(rx[2][:-1], ry[2])):
                obs[b] = ('w', rx[2][-1][0], rx[2][-1][2])
            else:
                obs[b] = ('struct',)
        else:
            diffs = [(p, vy - vx) for (p, k, vx), (_, _, vy) in zip(rx[2], ry[2]) if vx != vy]
            if not diffs:
                obs[b] = ('ignored',)
            elif len(diffs) > 1:
                obs[b] = ('multi',)
            else:
                obs[b] = ('w', diffs[0][0], diffs[0][1] * sgn)
    return obs

def probe_flips(pairs):
    disasm([o.enc(x ^ o.bit(b)) for o, x in pairs for b in o.usable] + [o.enc(x) for o, x in pairs])

def enrich(ops):
    """For each mnemonic seen, try to fill zero nibbles of its best instance (more atoms printed)."""
    for _ in range(3):
        trials = []
        for o in ops:
            for mn in o.mnemonics():
                for x in instances_of(o, mn, 2):
                    for nib in range(8, o.nbits, 4):
                        if any(b in o.usable_set for b in range(nib, nib + 4)):
                            for _ in range(2):
                                trials.append((o, rand_inst(o, x, {nib})))
        disasm([o.enc(x) for o, x in trials])
        for o, x in trials:
            o.pool.append(x)

def analyse(o, mn):
    xs = instances_of(o, mn, 4)
    per = [flip_obs(o, x) for x in xs]
    a = {'instances': xs, 'atoms': defaultdict(dict), 'fixed': {}, 'varies': [], 'ignored': [], 'odd': []}
    r0 = CACHE[o.enc(xs[0])]
    a['struct'] = [list(p) + [k] for p, k, v in r0[2]]
    for b in o.usable:
        ob = [p[b] for p in per]
        ws = [t for t in ob if t[0] == 'w']
        mnem = [t for t in ob if t[0] == 'mnem']
        if ws:
            s = set((t[1], t[2]) for t in ws)
            if len(s) == 1:
                (path, w), = s
                a['atoms'][path][b] = w
            else:
                a['odd'].append((b, 'inconsistent'))
        elif len(mnem) == len(ob):
            vals = set(t[1] for t in mnem)
            if len(vals) == 1:
                a['fixed'][b] = vals.pop()
            else:
                a['varies'].append(b)
        elif all(t[0] == 'ignored' for t in ob):
            a['ignored'].append(b)
        elif all(t[0] in ('ignored', 'mnem') for t in ob):
            a['ignored'].append(b)       # fixed only for some instances: a more specific alias carves it out
        else:
            a['odd'].append((b, Counter(t[0] for t in ob)))
    # the value each atom has in each instance, for offset/second-order fits
    a['values'] = [[v for p, k, v in CACHE[o.enc(x)][2]] for x in xs]
    return a

def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../.downloads/isa-probe.json')
    cands = list(candidates())
    # 1. which opcodes objdump knows (all fields zero, or all ones)
    r = disasm([o.enc(o.base) for o in cands])
    ops = [o for o, x in zip(cands, r) if x]
    print(f'{len(ops)} opcodes', file=sys.stderr)
    # 2. bits that must be zero: objdump rejects the opcode with only that bit set
    disasm([o.enc(o.base | o.bit(b)) for o in ops for b in o.free])
    for o in ops:
        o.reserved = [b for b in o.free if CACHE[o.enc(o.base | o.bit(b))] is None]
        o.usable = [b for b in o.free if b not in o.reserved]
        o.usable_set = set(o.usable)
        allset = o.base
        for b in o.usable:
            allset |= o.bit(b)
        o.pool = [o.base, allset] + [rand_inst(o) for _ in range(48)]
        o.mnemonics = (lambda o=o: list(dict.fromkeys(CACHE[o.enc(x)][0] for x in o.pool if CACHE.get(o.enc(x)))))
    disasm([o.enc(x) for o in ops for x in o.pool])
    known = set()
    for rnd in range(2):
        enrich(ops)
        # 3. flips around instances of each mnemonic
        pairs = [(o, x) for o in ops for mn in o.mnemonics() for x in instances_of(o, mn, 4)]
        probe_flips(pairs)
        for o in ops:
            for mn in o.mnemonics():
                o.mn[mn] = analyse(o, mn)
        # 4. alias hunt: enumerate the values of the bit groups that change the mnemonic
        trials = []
        for o in ops:
            # candidate nibbles: bits that changed a mnemonic, bits no operand showed, and the bits
            # of narrow numeric operands (masks)
            aff = set()
            printed = set()
            for a in o.mn.values():
                aff |= set(a['fixed']) | set(a['varies']) | set(b for b, _ in a['odd'])
                for path, bits in a['atoms'].items():
                    printed |= set(bits)
                    if len(bits) <= 4 and CACHE[o.enc(a['instances'][0])] and \
                            [k for p, k, v in CACHE[o.enc(a['instances'][0])][2] if p == path] == ['n']:
                        aff |= set(bits)
            aff |= set(o.usable) - printed
            nibs = sorted(set(b - b % 4 for b in aff))
            bases = [instances_of(o, mn, 1)[0] for mn in o.mn][:2] + [o.base]
            import itertools
            if len(nibs) <= 3:
                groups = [nibs]
            elif len(nibs) == 4:
                groups = [list(c) for c in itertools.combinations(nibs, 3)]
            else:
                groups = [list(c) for c in itertools.combinations(nibs, 2)]
            if len(nibs) > 4:
                print(f'  {o.key}: {len(nibs)} candidate nibbles', file=sys.stderr)
            combos = []
            for g in groups:
                cs = [[]]
                for n in g:
                    cs = [c + [(n, v)] for c in cs for v in range(16)]
                combos += cs
            for base in bases:
                for c in combos:
                    x = base
                    for n, v in c:
                        for i in range(4):
                            b = n + i
                            if b in o.usable_set:
                                x = (x | o.bit(b)) if (v >> (3 - i)) & 1 else (x & ~o.bit(b))
                    trials.append((o, x))
            # every atom's field all zero / all ones around each base
            for a in o.mn.values():
                for path, bits in a['atoms'].items():
                    for base in bases[:2]:
                        for fill in (0, 1):
                            x = base
                            for b in bits:
                                x = (x | o.bit(b)) if fill else (x & ~o.bit(b))
                            trials.append((o, x))
        disasm([o.enc(x) for o, x in trials])
        for o, x in trials:
            o.pool.append(x)
        now = set((o.key, m) for o in ops for m in o.mnemonics())
        print(f'round {rnd}: {len(now)} mnemonics; new: {sorted(now - known)[:40]}', file=sys.stderr)
        known = now
    pairs = [(o, x) for o in ops for mn in o.mnemonics() for x in instances_of(o, mn, 4)]
    probe_flips(pairs)
    # 5. trailing operands objdump omits when zero: zero the last atom's bits (and the last two)
    opt_trials = []
    for o in ops:
        for mn in o.mnemonics():
            a = o.mn[mn] = analyse(o, mn)
            x = a['instances'][0]
            paths = sorted(a['atoms'])
            atoms = CACHE[o.enc(x)][2]
            last = [p for p, k, v in atoms][-2:]
            ys = []
            for drop in (last[-1:], last):
                y = x
                for p in drop:
                    for b in a['atoms'].get(p, {}):
                        y &= ~o.bit(b)
                ys.append(y)
            a['opt_probe'] = ys
            opt_trials += [(o, y) for y in ys]
    disasm([o.enc(y) for o, y in opt_trials])
    result = {}
    for o in ops:
        mns = {}
        for mn in o.mnemonics():
            a = o.mn[mn]
            n0 = len(CACHE[o.enc(a['instances'][0])][2])
            r1, r2 = (CACHE[o.enc(y)] for y in a['opt_probe'])
            opt = 0
            if r1 and r1[0] == mn and len(r1[2]) == n0 - 1:
                opt = 1
                if r2 and r2[0] == mn and len(r2[2]) == n0 - 2:
                    opt = 2
            a['opt'] = opt
            a['text'] = CACHE[o.enc(a['instances'][0])][1]
            del a['opt_probe']
            a['atoms'] = {f'{p[0]}.{p[1]}': bits for p, bits in a['atoms'].items()}
            mns[mn] = a
        # the pool's mnemonic per instance, to verify alias selection later
        samples = [(x, CACHE[o.enc(x)][0] if CACHE.get(o.enc(x)) else None) for x in dict.fromkeys(o.pool)]
        result[o.key] = {'length': o.L, 'reserved': o.reserved, 'usable': o.usable, 'mnemonics': mns,
                         'samples': samples}
    names = sorted(set(m for v in result.values() for m in v['mnemonics']))
    lst = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../S390Jit.Tests/Architecture/Golden/binutils-z16-mnemonics.txt')
    with open(lst, 'w') as f:
        f.write('# Every mnemonic GNU objdump (binutils 2.40) prints for z/Architecture instructions up to z16,\n'
                '# measured by tests/scripts/isa_probe.py (one per line).\n' + '\n'.join(names) + '\n')
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    json.dump(result, open(out, 'w'))
    print(f'wrote {out}: {len(result)} opcodes, {sum(len(v["mnemonics"]) for v in result.values())} mnemonics', file=sys.stderr)

if __name__ == '__main__':
    main()
