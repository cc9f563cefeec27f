#!/usr/bin/env python3
"""Turns the measurements of tests/scripts/isa_probe.py into our instruction table:
rows (opcode, mnemonic, PoO format, facility, flags, SIE behaviour, cycles, group, operand syntax) and
the extended-mnemonic aliases objdump prints, in the text format of InstructionTable.Rows.cs.
Existing rows keep their facility, flags, SIE behaviour, cycles and group.

Pipeline (about 10 minutes; needs binutils-s390x-linux-gnu):
    tests/scripts/isa_probe.py .downloads/isa-probe.json     # measure objdump
    tests/scripts/isa_levels.py .downloads/isa-probe.json    # first -march GNU as accepts (facility hints)
    tests/scripts/gen_isa_table.py .downloads/isa-probe.json --verify --write
    tests/scripts/record-disasm-goldens.py                   # re-record the disassembler goldens

Usage: tests/scripts/gen_isa_table.py PROBE.json [--verify] [--write]
  --verify  checks that the extended-mnemonic choice (most fixed bits wins) reproduces every probe
  --write   rewrites InstructionTable.Rows.cs and InstructionTable.Aliases.cs
"""
import json, os, re, sys
from collections import Counter, defaultdict

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '../..')

def fld(name, pos, width, kind='R'):
    return (name, pos, width, kind)

# PoO formats: fields with bit position, width and kind (R: 4-bit unsigned, U: unsigned, S: signed,
# I: immediate whose signedness the row decides, DL: 20-bit long displacement, V: vector register with
# its RXB bit, RI: signed relative halfwords). Mirrors Format.cs.
def R(n, p): return (n, p, 4, 'U')
def U(n, p, w): return (n, p, w, 'U')
def S(n, p, w): return (n, p, w, 'S')
def I(n, p, w): return (n, p, w, 'I')
def D(n, p): return (n, p, 12, 'U')
def DL(n, p): return (n, p, 20, 'DL')
def V(n, p): return (n, p, 4, 'V')
def RI(n, p, w): return (n, p, w, 'RI')

FORMATS = {
    'E': [], 'I': [U('I1', 8, 8)], 'IE': [R('I1', 24), R('I2', 28)],
    'MII': [R('M1', 8), RI('RI2', 12, 12), RI('RI3', 24, 24)],
    'RR': [R('R1', 8), R('R2', 12)],
    'RRD': [R('R1', 16), R('R3', 24), R('R2', 28)],
    'RRE': [R('R1', 24), R('R2', 28)],
    'RRF_a': [R('R3', 16), R('M4', 20), R('R1', 24), R('R2', 28)],
    'RRF_b': [R('R3', 16), R('M4', 20), R('R1', 24), R('R2', 28)],
    'RRF_c': [R('M3', 16), R('R1', 24), R('R2', 28)],
    'RRF_d': [R('M4', 20), R('R1', 24), R('R2', 28)],
    'RRF_e': [R('M3', 16), R('M4', 20), R('R1', 24), R('R2', 28)],
    'RRS': [R('R1', 8), R('R2', 12), R('B4', 16), D('D4', 20), R('M3', 32)],
    'RI_a': [R('R1', 8), I('I2', 16, 16)],
    'RI_b': [R('R1', 8), RI('RI2', 16, 16)],
    'RI_c': [R('M1', 8), RI('RI2', 16, 16)],
    'RIE_a': [R('R1', 8), I('I2', 16, 16), R('M3', 32)],
    'RIE_b': [R('R1', 8), R('R2', 12), RI('RI4', 16, 16), R('M3', 32)],
    'RIE_c': [R('R1', 8), R('M3', 12), RI('RI4', 16, 16), I('I2', 32, 8)],
    'RIE_d': [R('R1', 8), R('R3', 12), I('I2', 16, 16)],
    'RIE_e': [R('R1', 8), R('R3', 12), RI('RI2', 16, 16)],
    'RIE_f': [R('R1', 8), R('R2', 12), U('I3', 16, 8), U('I4', 24, 8), U('I5', 32, 8)],
    'RIE_g': [R('R1', 8), R('M3', 12), I('I2', 16, 16)],
    'RIL_a': [R('R1', 8), I('I2', 16, 32)],
    'RIL_b': [R('R1', 8), RI('RI2', 16, 32)],
    'RIL_c': [R('M1', 8), RI('RI2', 16, 32)],
    'RIS': [R('R1', 8), R('M3', 12), R('B4', 16), D('D4', 20), I('I2', 32, 8)],
    'RS_a': [R('R1', 8), R('R3', 12), R('B2', 16), D('D2', 20)],
    'RS_b': [R('R1', 8), R('M3', 12), R('B2', 16), D('D2', 20)],
    'RSI': [R('R1', 8), R('R3', 12), RI('RI2', 16, 16)],
    'RSL_a': [R('L1', 8), R('B1', 16), D('D1', 20)],
    'RSL_b': [U('L2', 8, 8), R('B2', 16), D('D2', 20), R('R1', 32), R('M3', 36)],
    'RSY_a': [R('R1', 8), R('R3', 12), R('B2', 16), DL('D2', 20)],
    'RSY_b': [R('R1', 8), R('M3', 12), R('B2', 16), DL('D2', 20)],
    'RX_a': [R('R1', 8), R('X2', 12), R('B2', 16), D('D2', 20)],
    'RX_b': [R('M1', 8), R('X2', 12), R('B2', 16), D('D2', 20)],
    'RXE': [R('R1', 8), R('X2', 12), R('B2', 16), D('D2', 20), R('M3', 32)],
    'RXF': [R('R3', 8), R('X2', 12), R('B2', 16), D('D2', 20), R('R1', 32)],
    'RXY_a': [R('R1', 8), R('X2', 12), R('B2', 16), DL('D2', 20)],
    'RXY_b': [R('M1', 8), R('X2', 12), R('B2', 16), DL('D2', 20)],
    'S': [R('B2', 16), D('D2', 20)],
    'SI': [U('I2', 8, 8), R('B1', 16), D('D1', 20)],
    'SIL': [R('B1', 16), D('D1', 20), I('I2', 32, 16)],
    'SIY': [I('I2', 8, 8), R('B1', 16), DL('D1', 20)],
    'SMI': [R('M1', 8), R('B3', 16), D('D3', 20), RI('RI2', 32, 16)],
    'SS_a': [U('L1', 8, 8), R('B1', 16), D('D1', 20), R('B2', 32), D('D2', 36)],
    'SS_b': [R('L1', 8), R('L2', 12), R('B1', 16), D('D1', 20), R('B2', 32), D('D2', 36)],
    'SS_c': [R('L1', 8), R('I3', 12), R('B1', 16), D('D1', 20), R('B2', 32), D('D2', 36)],
    'SS_d': [R('R1', 8), R('R3', 12), R('B1', 16), D('D1', 20), R('B2', 32), D('D2', 36)],
    'SS_e': [R('R1', 8), R('R3', 12), R('B2', 16), D('D2', 20), R('B4', 32), D('D4', 36)],
    'SS_f': [U('L2', 8, 8), R('B1', 16), D('D1', 20), R('B2', 32), D('D2', 36)],
    'SSE': [R('B1', 16), D('D1', 20), R('B2', 32), D('D2', 36)],
    'SSF': [R('R3', 8), R('B1', 16), D('D1', 20), R('B2', 32), D('D2', 36)],
    'VRI_a': [V('V1', 8), I('I2', 16, 16), R('M3', 32)],
    'VRI_b': [V('V1', 8), U('I2', 16, 8), U('I3', 24, 8), R('M4', 32)],
    'VRI_c': [V('V1', 8), V('V3', 12), I('I2', 16, 16), R('M4', 32)],
    'VRI_d': [V('V1', 8), V('V2', 12), V('V3', 16), U('I4', 24, 8), R('M5', 32)],
    'VRI_e': [V('V1', 8), V('V2', 12), U('I3', 16, 12), R('M5', 28), R('M4', 32)],
    'VRI_f': [V('V1', 8), V('V2', 12), V('V3', 16), R('M5', 24), U('I4', 28, 8)],
    'VRI_g': [V('V1', 8), V('V2', 12), U('I4', 16, 8), R('M5', 24), U('I3', 28, 8)],
    'VRI_h': [V('V1', 8), I('I2', 16, 16), R('I3', 32)],
    'VRI_i': [V('V1', 8), R('R2', 12), R('M4', 24), U('I3', 28, 8)],
    'VRR_a': [V('V1', 8), V('V2', 12), R('M5', 24), R('M4', 28), R('M3', 32)],
    'VRR_b': [V('V1', 8), V('V2', 12), V('V3', 16), R('M5', 24), R('M4', 32)],
    'VRR_c': [V('V1', 8), V('V2', 12), V('V3', 16), R('M6', 24), R('M5', 28), R('M4', 32)],
    'VRR_d': [V('V1', 8), V('V2', 12), V('V3', 16), R('M5', 20), R('M6', 24), V('V4', 32)],
    'VRR_e': [V('V1', 8), V('V2', 12), V('V3', 16), R('M6', 20), R('M5', 28), V('V4', 32)],
    'VRR_f': [V('V1', 8), R('R2', 12), R('R3', 16)],
    'VRR_g': [V('V1', 12)],
    'VRR_h': [V('V1', 12), V('V2', 16), R('M3', 24)],
    'VRR_i': [R('R1', 8), V('V2', 12), R('M3', 24), R('M4', 28)],
    'VRR_j': [V('V1', 8), V('V2', 12), V('V3', 16), R('M4', 24)],
    'VRR_k': [V('V1', 8), V('V2', 12), R('M3', 24)],
    'VRS_a': [V('V1', 8), V('V3', 12), R('B2', 16), D('D2', 20), R('M4', 32)],
    'VRS_b': [V('V1', 8), R('R3', 12), R('B2', 16), D('D2', 20), R('M4', 32)],
    'VRS_c': [R('R1', 8), V('V3', 12), R('B2', 16), D('D2', 20), R('M4', 32)],
    'VRS_d': [R('R3', 12), R('B2', 16), D('D2', 20), V('V1', 32)],
    'VRV': [V('V1', 8), V('V2', 12), R('B2', 16), D('D2', 20), R('M3', 32)],
    'VRX': [V('V1', 8), R('X2', 12), R('B2', 16), D('D2', 20), R('M3', 32)],
    'VSI': [U('I3', 8, 8), R('B2', 16), D('D2', 20), V('V1', 32)],
}

RANK = ['E', 'I', 'IE', 'RR', 'RRE', 'RRF_a', 'RRF_b', 'RRF_c', 'RRF_d', 'RRF_e', 'RRD', 'RI_a', 'RI_b', 'RI_c',
        'RIL_a', 'RIL_b', 'RIL_c', 'RX_a', 'RX_b', 'RS_a', 'RS_b', 'RSI', 'S', 'SI', 'SIL', 'SIY', 'RXY_a', 'RXY_b',
        'RSY_a', 'RSY_b', 'RXE', 'RXF', 'RIE_a', 'RIE_b', 'RIE_c', 'RIE_d', 'RIE_e', 'RIE_f', 'RIE_g', 'RIS', 'RRS',
        'RSL_a', 'RSL_b', 'SS_a', 'SS_b', 'SS_c', 'SS_d', 'SS_e', 'SS_f', 'SSE', 'SSF', 'MII', 'SMI',
        'VRR_c', 'VRR_a', 'VRR_b', 'VRR_d', 'VRR_e', 'VRR_f', 'VRR_g', 'VRR_h', 'VRR_i', 'VRR_k', 'VRR_j',
        'VRI_a', 'VRI_b', 'VRI_c', 'VRI_d', 'VRI_e', 'VRI_f', 'VRI_g', 'VRI_h', 'VRI_i',
        'VRS_a', 'VRS_b', 'VRS_c', 'VRS_d', 'VRV', 'VRX', 'VSI']

def load(path):
    return json.load(open(path))

def bitval(x, L, b):
    return (x >> (L * 8 - 1 - b)) & 1

def field_of(bits, kind):
    """bits: {bit: weight} -> field description or None."""
    items = sorted(bits.items())
    pos = [b for b, w in items]
    if kind == 'v':
        main = [b for b, w in items if abs(w) < 16]
        rxb = [b for b, w in items if abs(w) == 16]
        if len(main) == 4 and main == list(range(main[0], main[0] + 4)) and len(rxb) == 1:
            return ('V', main[0], 4, rxb[0])
        return None
    if pos == list(range(20, 40)):
        return ('DL', 20, 20, None)
    if pos != list(range(pos[0], pos[0] + len(pos))):
        return None
    w = len(pos)
    scale = 2 if kind == 'x' else 1
    for i, (b, wt) in enumerate(items):
        if abs(wt) != scale * (1 << (w - 1 - i)):
            return None
    return ('S' if items[0][1] < 0 else 'U', pos[0], w, None)

def infer(key, L, a, samples):
    """One mnemonic's measurements -> list of atoms (path, kind, field) and the fixed-bit pattern."""
    atoms = []
    fixed = {int(b): v for b, v in a['fixed'].items()}
    varies = set(a['varies'])
    for path, kind in [((p[0], p[1]), p[2]) for p in a['struct']]:
        bits = {int(b): w for b, w in a['atoms'].get(f'{path[0]}.{path[1]}', {}).items()}
        atoms.append([path, kind, bits])
    # complete atoms with bits that single flips could not attribute (every flip of them changes the
    # mnemonic, e.g. the mask of a base mnemonic whose other mask values all have extended mnemonics):
    # a bit joins the atom when the printed values of all measured instances agree with it
    def consistent(idx, bits):
        for x, vals in zip(a['instances'], a['values']):
            if vals[idx] - sum(w * bitval(x, L, b) for b, w in bits.items()) not in (0, 1):
                return False
        offs = set(vals[idx] - sum(w * bitval(x, L, b) for b, w in bits.items()) for x, vals in zip(a['instances'], a['values']))
        return len(offs) == 1
    spare = set(fixed) | varies
    for idx, at in enumerate(atoms):
        path, kind, bits = at
        if kind in ('x', 'v', 'd'):
            continue
        if bits:
            lsb = max(b + (w.bit_length() - 1) for b, w in bits.items())
            extra = {b: 1 << (lsb - b) for b in spare if lsb - 3 <= b <= lsb and b not in bits}
            if extra and consistent(idx, {**bits, **extra}):
                bits.update(extra)
                for b in extra:
                    fixed.pop(b, None); varies.discard(b)
                spare -= set(extra)
        else:
            for n in sorted(set(b - b % 4 for b in spare)):
                cand = {n + i: 1 << (3 - i) for i in range(4)}
                if all(b in spare for b in cand) and consistent(idx, cand):
                    bits.update(cand)
                    for b in cand:
                        fixed.pop(b, None); varies.discard(b)
                    spare -= set(cand)
                    break
    out = []
    for path, kind, bits in atoms:
        f = field_of(bits, kind) if bits else None
        # offset: printed value - value of the bits (1 for lengths)
        offs = set()
        if f:
            idx = [p for p, k, b in atoms].index(path)
            for x, vals in zip(a['instances'], a['values']):
                v = sum(w * bitval(x, L, b) for b, w in bits.items())
                offs.add(vals[idx] - v)
        inner = [p for p, k, b in atoms if p[0] == path[0]]
        if len(inner) == 1:
            role = 'plain'
        elif path[1] == 0:
            role = 'disp'
        elif path[1] == len(inner) - 1:
            role = 'base'
        else:
            role = 'index'
        out.append({'path': path, 'kind': kind, 'bits': bits, 'field': f, 'offset': sorted(offs), 'role': role})
    return out, fixed, sorted(varies)

def analyse_op(key, op):
    L = op['length']
    mns = {}
    for mn, a in op['mnemonics'].items():
        atoms, fixed, varies = infer(key, L, a, op['samples'])
        mns[mn] = {'atoms': atoms, 'fixed': fixed, 'varies': varies, 'inst': a['instances'][0]}
    return mns

def predict(mns, L, x):
    best, bestn = None, -1
    for mn, m in mns.items():
        if all(bitval(x, L, b) == v for b, v in m['fixed'].items()):
            n = len(m['fixed'])
            if n > bestn:
                best, bestn = mn, n
            elif n == bestn:
                best = best + '|' + mn
    return best

def verify(d):
    bad = 0
    for key, op in sorted(d.items()):
        mns = analyse_op(key, op)
        L = op['length']
        errs = Counter()
        for x, want in op['samples']:
            if want is None:
                continue
            got = predict(mns, L, x)
            if got != want:
                errs[(want, got)] += 1
        if errs:
            bad += 1
            print('MISMATCH', key, errs.most_common(4), {m: v['fixed'] for m, v in mns.items() if m in str(errs.most_common(2))})
    print('opcodes with mnemonic mismatches:', bad)


def atom_fit(at, f):
    """Does atom at (bits with weights) lie in format field f = (name, pos, width, kind)? -> print mask or None."""
    name, pos, width, kind = f
    bits = at['bits']
    if not bits:
        return None
    k = at['kind']
    if kind == 'V':
        if k != 'v': return None
        rxb = {8: 36, 12: 37, 16: 38, 32: 39}.get(pos)
        want = {pos + i: 1 << (3 - i) for i in range(4)}
        want[rxb] = 16
        return 31 if bits == want else None
    if kind == 'DL':
        if not (k == 'd' and at['field'] and at['field'][0] == 'DL'): return None
        return (1 << 20) - 1
    role = at.get('role', 'plain')
    if role == 'base' and name[0] != 'B': return None
    if role != 'base' and name[0] == 'B': return None
    if (role == 'disp') != (name[0] == 'D'): return None
    if role == 'plain' and name[0] == 'X': return None
    if k == 'v': return None
    if name.startswith('L') != (at['offset'] == [1]): return None
    if k in ('r', 'f', 'a', 'c') and name[0] not in 'RXB': return None
    if k == 'n' and name[0] in 'RXBD': return None
    if k == 'x' and kind != 'RI': return None
    if kind == 'RI' and k != 'x': return None
    scale = 2 if k == 'x' else 1
    mask = 0
    end = pos + width - 1
    for b, w in bits.items():
        if not (pos <= b <= end): return None
        exp = scale << (end - b)
        if b == pos and kind in ('S', 'RI', 'I') and w == -exp:
            pass
        elif w != exp:
            return None
        mask |= 1 << (end - b)
    return mask

def match_format(L, opbits, atoms, reserved, prefer=None):
    """Formats whose fields hold every atom -> list of (score, name, assignment)."""
    out = []
    for name, fields in FORMATS.items():
        if FORMAT_LEN(name) != L:
            continue
        fbits = set(b for f in fields for b in range(f[1], f[1] + f[2]))
        if fbits & opbits:
            continue
        assign = []
        used = set()
        ok = True
        for at in atoms:
            cands = [(i, atom_fit(at, f)) for i, f in enumerate(fields) if i not in used]
            cands = [(i, m) for i, m in cands if m is not None]
            if not cands:
                ok = False; break
            full = lambda f: 31 if f[3] == 'V' else (1 << f[2]) - 1
            cands.sort(key=lambda c: 0 if c[1] == full(fields[c[0]]) else 1)
            i, m = cands[0]
            used.add(i)
            assign.append((fields[i], m))
        if not ok:
            continue
        # fields the syntax does not show should be unused (reserved) bits
        unused = [f for i, f in enumerate(fields) if i not in used]
        overlap = sum(1 for f in unused for b in range(f[1], f[1] + f[2]) if b not in reserved)
        partial = sum(1 for f, m in assign if m != (31 if f[3] == 'V' else (1 << f[2]) - 1))
        first = 0 if not assign or assign[0][0][0][-1] == '1' else 1
        index = sum(1 for at, (f, m) in zip(atoms, assign) if at.get('role') == 'index' and f[0][0] != 'X')
        nums = [int(re.sub(r'\D', '', f[0]) or 0) for f, m in assign]
        gaps, top = 0, 0
        for n in nums:
            if n > top + 1:
                gaps += n - top - 1
            top = max(top, n)
        score = (0, partial, first, index, gaps, RANK.index(name), 0 if name == prefer else 1)
        out.append((score, name, assign))
    out.sort(key=lambda t: t[0])
    return out

def FORMAT_LEN(name):
    fields = FORMATS[name]
    if name in ('E', 'I', 'RR'): return 2
    end = max([f[1] + f[2] for f in fields] + [16])
    if name.startswith(('RIE', 'RIL', 'RIS', 'RRS', 'RSL', 'RSY', 'RXE', 'RXF', 'RXY', 'SIL', 'SIY', 'SMI', 'SS', 'SSE', 'SSF', 'V', 'MII')):
        return 6
    return 4 if end <= 32 else 6

def layouts(d):
    miss = Counter(); ex = {}
    for key, op in sorted(d.items()):
        mns = analyse_op(key, op)
        bases = [m for m, v in mns.items() if not v['fixed']]
        if not bases:
            continue
        base = bases[0]
        atoms = mns[base]['atoms']
        opbits = set(range(8)) | (set(range(8, 16)) if len(key) == 4 and key[:2] not in ('e3','e6','e7','eb','ec','ed') else set()) \
            | (set(range(12, 16)) if len(key) == 3 else set()) | (set(range(40, 48)) if key[:2] in ('e3','e6','e7','eb','ec','ed') else set())
        m = match_format(op['length'], opbits, atoms, set(op['reserved']))
        if not m or m[0][0][0] > 0:
            sig = tuple((a['kind'], min(a['bits']) if a['bits'] else None, len(a['bits'])) for a in atoms)
            miss[sig] += 1; ex.setdefault(sig, []).append(key + ' ' + base)
    for sig, n in miss.most_common():
        print(n, sig, ex[sig][:5])


# ---- knowledge that objdump cannot show: privilege, facility, SIE behaviour, group, cost ----------
# (facts from the Principles of Operation, SA22-7832; written here, not measured)
PRIVILEGED = set("""
ssm lpsw lpswe lpswey lctl lctlg stctl stctg ptlb ipte idte crdte csp cspg iske rrbe rrbm irbm sske sck sckc stckc
spt stpt spx stpx stap stidp sigp sie stsi stfl stnsm stosm diag servc sckpf tb tprot tpei esea essa pfmf ptf lura
lurag stura sturg lra lrag lray palb pgin pgout lasp lptea lpp lcctl lpctl lsctl qsi scctr spctr pckmo rdp lbear
stbear pti sal schm ssch stsch msch tsch tpi rsch hsch csch xsch stcrw stcps rchp chsc siga pcistg pcilg rpcit
mpcifc stpcifc pcistb sic slb isk sske iac
""".split())
SEMIPRIVILEGED = set("""
ipk ivsk spka sac sacf epar epair esar esair ssar ssair mvcp mvcs mvcsk mvcdk mvck mvcos pc pt bsa bsg ereg esta msta
ecctr epctr qctri ptff
""".split())
INTERCEPTED = set("""
sie sckpf essa pfmf rrbm irbm siga pcistg pcilg rpcit mpcifc stpcifc pcistb sic
""".split())
BRANCHES = set("""
balr bctr bcr bsm bassm basr bal bct bc bas brxh brxle bxh bxle brc bras brct brctg brcl brasl bctgr bctg bxhg bxleg
brxhg brxlg brcth cgrj clgrj crj clrj cgij clgij cij clij cgrb clgrb crb clrb cgib clgib cib clib bic bsa bsg bakr
""".split())
ENDS_BLOCK = set("""
svc pr pc pt bsm bassm lpsw lpswe lpswey sam24 sam31 sam64 sac sacf ssm stnsm stosm lctl lctlg spx sck sckc spt spka
tbegin tbeginc tend tabort ex exrl sigp diag sie bsa bsg upt trap2 trap4 lpp rp
""".split())
CRYPTO = set('km kmc kimd klmd kmac kmctr kmf kmo pcc pckmo kma ppno prno kdsa pqap nqap dqap'.split())
SUPPORT_FP = set("""
ler ldr lxr lzer lzdr lzxr le ld ley ldy ste std stey stdy lpdfr lndfr lcdfr cpsdr ldgr lgdr
""".split())

def facility(mn, key, level, group):
    """STFLE facility bit gating an instruction (-1: part of the base z/Architecture)."""
    F = {
        'stfle': 7, 'idte': 3, 'cspg': -1, 'stckf': 25, 'ptff': 28, 'mvcos': 27, 'ectg': 31, 'csst': 32,
        'exrl': 35, 'lpp': 40, 'pfpo': 44, 'tbeginc': 50, 'crdte': 78, 'irbm': 145, 'stcctm': 142,
        'kma': 146, 'prno': 57, 'ppno': 57, 'kdsa': 155, 'sortl': 150, 'dfltcc': 151, 'nnpa': 165, 'rdp': 194,
        'lbear': 193, 'stbear': 193, 'lpswey': 193, 'qpaci': 196, 'pckmo': 76, 'kmctr': 77, 'kmf': 77, 'kmo': 77,
        'pcc': 77, 'km': 17, 'kmc': 17, 'kimd': 17, 'klmd': 17, 'kmac': 17, 'trte': 26, 'trtre': 26,
        'cu14': 22, 'cu24': 22, 'cu41': 22, 'cu42': 22, 'trtr': 22, 'srstu': 22, 'trtt': 16, 'trto': 16, 'trot': 16,
        'troo': 16, 'lcctl': 67, 'lpctl': 67, 'scctr': 67, 'spctr': 67, 'ecctr': 67, 'epctr': 67, 'qctri': 67,
        'ecpga': 67, 'lsctl': 68, 'qsi': 68, 'cdzt': 48, 'cxzt': 48, 'czdt': 48, 'czxt': 48, 'cdpt': 80, 'cxpt': 80,
        'cpdt': 80, 'cpxt': 80, 'lgg': 133, 'llgfsg': 133, 'lgsc': 133, 'stgsc': 133, 'tbegin': 73, 'tend': 73,
        'tabort': 73, 'etnd': 73, 'ntstg': 73, 'lzrg': 53, 'lzrf': 53, 'llzrgf': 53, 'pfmf': 8, 'lpdfr': 41,
        'lndfr': 41, 'lcdfr': 41, 'cpsdr': 41, 'ldgr': 41, 'lgdr': 41, 'lfas': 41, 'sfasr': 41, 'srnmt': 41,
        'maylr': 23, 'mylr': 23, 'mayr': 23, 'myr': 23, 'mayhr': 23, 'myhr': 23, 'may': 23, 'my': 23, 'mayh': 23,
        'myh': 23, 'mayl': 23, 'myl': 23, 'maer': 20, 'mser': 20, 'madr': 20, 'msdr': 20, 'mae': 20, 'mse': 20,
        'mad': 20, 'msd': 20, 'tpei': 145,
    }
    if mn in F:
        return F[mn]
    vector = key[:2] in ('e6', 'e7')
    if level in (None, 'z900'):
        return -1
    if level == 'z990':
        return 18 if key[:2] in ('e3', 'eb', 'ed') and mn.endswith('y') else -1
    if level == 'z9-109':
        return 21
    if level == 'z9-ec':
        return 42 if group == 'dfp' else 41
    if level == 'z10':
        return 34
    if level == 'z196':
        return 37 if group == 'bfp' else 42 if group == 'dfp' else 45
    if level == 'zEC12':
        return 49
    if level == 'z13':
        return 129 if vector else 80 if group == 'dfp' else 53
    if level == 'z14':
        return (134 if key[:2] == 'e6' else 135) if vector else 58
    if level == 'z15':
        return 148 if vector else 61
    if level == 'z16':
        return 165 if mn.startswith(('vclfn', 'vcfn', 'vcrnf', 'vcnf')) else 192 if vector else 193
    return -1

def group_of(mn, key, atoms):
    op1 = key[:2]
    if mn in CRYPTO: return 'crypto'
    if op1 in ('e6', 'e7'): return 'vector'
    if key in ('b230', 'b231', 'b232', 'b233', 'b234', 'b235', 'b236', 'b237', 'b238', 'b239', 'b23a', 'b23b', 'b23c',
               'b276', 'b25f', 'b274', 'b9d0', 'b9d2', 'b9d3', 'e3d0', 'e3d4', 'ebd0', 'ebd1'):
        return 'io'
    if mn in ('tbegin', 'tbeginc', 'tend', 'tabort', 'etnd', 'ntstg'): return 'tx'
    fp = any(a['kind'] == 'f' for a in atoms) or mn in ('lfpc', 'stfpc', 'sfpc', 'efpc', 'srnm', 'srnmb', 'srnmt',
                                                        'lfas', 'sfasr', 'tceb', 'tcdb', 'tcxb', 'tdcet', 'tdcdt', 'tdcxt',
                                                        'tdget', 'tdgdt', 'tdgxt')
    if fp:
        if mn in SUPPORT_FP: return 'fp'
        if key >= 'b3d0' and key <= 'b3ff' or (op1 == 'ed' and ('ed40' <= key <= 'edaf')) or mn in ('srnmt',) \
                or mn.endswith(('tr', 'dt', 'xt', 'tra')):
            return 'dfp'
        if re.search(r'(br|bra|b)$', mn) or mn in ('lfpc', 'stfpc', 'sfpc', 'efpc', 'srnm', 'srnmb', 'lfas', 'sfasr') \
                or re.search(r'(e|d|x)b(r|ra)?$', mn) or mn.endswith(('fbr', 'gbr', 'fbra', 'gbra')):
            return 'bfp'
        return 'hfp'
    if mn in PRIVILEGED or mn in SEMIPRIVILEGED: return 'control'
    return 'general'

DEFAULT_CYCLES = {'general': 1, 'decimal': 8, 'control': 10, 'io': 0, 'crypto': 20, 'bfp': 3, 'hfp': 3, 'dfp': 10,
                  'fp': 1, 'vector': 2, 'tx': 10}

# ---- table rows ---------------------------------------------------------------------------------
ROWS_FILE = os.path.join(ROOT, 'src/S390Jit.Architecture/Isa/InstructionTable.Rows.cs')

def existing_rows():
    text = open(ROWS_FILE).read()
    body = text[text.index('"""') + 3:text.rindex('"""')]
    rows = {}
    for line in body.splitlines():
        line = line.strip()
        if not line or line.startswith('#'):
            continue
        c = line.split()
        rows[c[0].lower()] = {'mn': c[1], 'format': c[2], 'fac': c[3], 'flags': c[4], 'sie': c[5], 'cycles': c[6],
                              'group': c[7], 'operands': c[8] if len(c) > 8 else None}
    return rows

def opbits_of(key):
    op1 = key[:2]
    if op1 in ('e3', 'e6', 'e7', 'eb', 'ec', 'ed'): return set(range(8)) | set(range(40, 48))
    if len(key) == 3: return set(range(8)) | set(range(12, 16))
    if len(key) == 4: return set(range(16))
    return set(range(8))

def field_name(f, kind):
    name = f[0]
    if kind in ('f', 'a', 'c') and name[0] == 'R':
        return kind.upper() + name[1:]
    return name

def template(atoms, assign, fmt, uimm, opt):
    """Operand syntax text: objdump's operand order with our field names."""
    parts = []
    groups = defaultdict(list)
    order = []
    for at, (f, mask) in zip(atoms, assign):
        i, j = at['path']
        if i not in groups:
            order.append(i)
        name = field_name(f, at['kind'])
        full = (1 << f[2]) - 1 if f[3] != 'V' else 31
        if f[3] == 'DL':
            full = (1 << 20) - 1
        if mask != full:
            name += f'&{mask}'
        signed_print = at['field'] is not None and at['field'][0] == 'S' or (at['kind'] == 'd' and f[3] == 'DL') \
            or at['kind'] == 'x'
        if at['kind'] in ('n', 'd'):
            decoded_signed = f[3] in ('S', 'DL', 'RI') or (f[3] == 'I' and not uimm)
            if signed_print != decoded_signed:
                name += 's' if signed_print else 'u'
        if at['kind'] == 'n' and at['offset'] == [1] and not f[0].startswith('L'):
            raise ValueError(f'length offset on non-length field {f}')
        if f[0].startswith('L') and at['offset'] != [1]:
            raise ValueError(f'length field {f} printed without +1')
        groups[i].append(name)
    for i in order:
        g = groups[i]
        parts.append(g[0] if len(g) == 1 else f'{g[0]}({",".join(g[1:])})')
    t = ','.join(parts)
    return (t or '-') + ('?' * opt)

def build(d):
    old = existing_rows()
    rows, aliases, problems = [], [], []
    for key, op in sorted(d.items()):
        L = op['length']
        mns = analyse_op(key, op)
        for mn, m in mns.items():
            m['opt'] = op['mnemonics'][mn]['opt']
            roles = [at['role'] for at in m['atoms']]
            # zeroing an index and a base drops both whatever the flags: that is one optional operand
            if m['opt'] == 2 and roles[-2:] == ['index', 'base']:
                m['opt'] = 1
            # a zero base after an omitted index is dropped anyway: nothing to learn
            if m['opt'] >= 1 and roles and roles[-1] == 'base' and (len(roles) < 2 or roles[-2] != 'index'):
                m['opt'] = 0
            m['level'] = op['mnemonics'][mn]['level']
        ex = old.get(key)
        bases = [mn for mn, m in mns.items() if not m['fixed']]
        if len(bases) == 1:
            base = bases[0]
            atoms = mns[base]['atoms']
        else:
            base = MANUAL_BASE[key][0]
            atoms = None
        prefer = ex['format'] if ex else None
        opbits = opbits_of(key)
        if atoms is not None:
            fm = match_format(L, opbits, atoms, set(op['reserved']), prefer)
            if not fm:
                problems.append((key, base, 'no format')); continue
            if ex and any(n == ex['format'] and sc[:2] == (0, 0) for sc, n, a in fm):
                fmt_name = ex['format']
            elif not atoms and L == 4:
                # no operands: the PoO writes these S (B2 page) or RRE (B9, B3 pages)
                fmt_name = 'S' if key.startswith('b2') else 'RRE'
            else:
                fmt_name = fm[0][1]
                names = [f[0] for f, m in fm[0][2]]
                # RRF-a and RRF-b have the same fields; RRF-b is the one written R1,R3,R2
                if fmt_name == 'RRF_a' and 'R3' in names and 'R2' in names and names.index('R3') < names.index('R2'):
                    fmt_name = 'RRF_b'
            assign = [a for sc, n, a in fm if n == fmt_name][0]
        else:
            fmt_name = MANUAL_BASE[key][1]
            assign = None
        level = mns[base]['level'] if base in mns else mns[next(iter(mns))]['level']
        grp_atoms = atoms if atoms is not None else mns[next(iter(mns))]['atoms']
        group = ex['group'] if ex else group_of(base, key, grp_atoms)
        # signedness of immediates as objdump prints them decides the U flag of new rows
        uimm = False
        if ex:
            uimm = 'U' in ex['flags']
        elif atoms is not None:
            for at, (f, mask) in zip(atoms, assign):
                if f[3] == 'I' and at['field'] and at['field'][0] == 'U':
                    uimm = True
        if atoms is not None:
            try:
                ops = template(atoms, assign, fmt_name, uimm, mns[base]['opt'])
            except ValueError as e:
                problems.append((key, base, str(e))); continue
        else:
            ops = MANUAL_BASE[key][2]
        if atoms is not None:
            printed = set(b for at in atoms for b in at['bits'])
            ign = sorted(set(op['usable']) - printed - (set(range(36, 40)) if fmt_name.startswith('V') else set()))
            if ign:
                ranges = []
                for b in ign:
                    if ranges and ranges[-1][1] == b - 1:
                        ranges[-1][1] = b
                    else:
                        ranges.append([b, b])
                ops += '!' + ','.join(f'{a}-{b}' if a != b else f'{a}' for a, b in ranges)
            # check: what we will treat as must-be-zero equals what objdump rejects
            covered = set(opbits) | printed | set(ign) | (set(range(36, 40)) if fmt_name.startswith('V') else set())
            want = set(range(L * 8)) - covered
            if want != set(op['reserved']):
                problems.append((key, base, f'reserved bits differ: ours {sorted(want - set(op["reserved"]))} objdump {sorted(set(op["reserved"]) - want)}'))
        mnu = base.upper() if not ex else ex['mn']
        if ex and ex['mn'].lower() != base:
            problems.append((key, f'existing row {ex["mn"]} but objdump says {base}'))
        if ex:
            fac, flags, sie, cycles = ex['fac'], ex['flags'], ex['sie'], ex['cycles']
        else:
            f = facility(base, key, level, group)
            fac = '-' if f < 0 else str(f)
            fl = ''
            if base in PRIVILEGED: fl += 'P'
            elif base in SEMIPRIVILEGED: fl += 'Q'
            if uimm: fl += 'U'
            if base in BRANCHES or any(a['kind'] == 'x' for a in grp_atoms) and base.startswith(('j', 'br', 'bra', 'brc', 'c')) and base in BRANCHES:
                fl += 'B'
            if group == 'io': fl += 'O'
            elif base in ENDS_BLOCK or base in PRIVILEGED: fl += 'E'
            flags = fl or '-'
            sie = 'X' if (base in INTERCEPTED or group == 'io') and 'P' in fl else 'I'
            cycles = '0' if sie == 'X' else str(DEFAULT_CYCLES[group])
        rows.append({'key': key, 'mn': mnu, 'format': fmt_name, 'fac': fac, 'flags': flags, 'sie': sie, 'cycles': cycles,
                     'group': group, 'ops': ops})
        fields = FORMATS[fmt_name]
        for mn, m in mns.items():
            if mn == base:
                continue
            # fixed bits -> field constraints
            cons = defaultdict(lambda: [0, 0])
            bad = False
            for b, v in m['fixed'].items():
                fs = [f for f in fields if f[1] <= b < f[1] + f[2] or (f[3] == 'V' and b == {8: 36, 12: 37, 16: 38, 32: 39}[f[1]])]
                if not fs:
                    problems.append((key, mn, f'fixed bit {b} outside the fields of {fmt_name}')); bad = True; break
                f = fs[0]
                sh = (f[1] + f[2] - 1 - b) if f[3] != 'V' or b < 36 else 4
                cons[f][0] |= 1 << sh
                cons[f][1] |= v << sh
            if bad:
                continue
            cparts = []
            for f in fields:
                if f in cons:
                    mask, val = cons[f]
                    full = (1 << f[2]) - 1 if f[3] != 'V' else 31
                    cparts.append(f'{f[0]}={val}' if mask == full else f'{f[0]}&{mask}={val}')
            # the alias's own operands
            am = []
            ok = True
            for at in m['atoms']:
                fits = [(f, atom_fit(at, f)) for f in fields]
                fits = [(f, mk) for f, mk in fits if mk is not None]
                fits.sort(key=lambda t: 0 if t[1] == (31 if t[0][3] == 'V' else (1 << t[0][2]) - 1) else 1)
                if not fits:
                    problems.append((key, mn, f'operand {at["path"]} fits no field of {fmt_name}')); ok = False; break
                am.append(fits[0])
            if not ok:
                continue
            try:
                aops = template(m['atoms'], am, fmt_name, uimm, m['opt'])
            except ValueError as e:
                problems.append((key, mn, str(e))); continue
            aliases.append({'base': mnu, 'mn': mn.upper(), 'fixed': ','.join(cparts), 'ops': aops, 'key': key})
    # existing rows objdump does not know keep their place
    probed = set(d)
    for key, ex in old.items():
        if key not in probed:
            rows.append({'key': key, 'mn': ex['mn'], 'format': ex['format'], 'fac': ex['fac'], 'flags': ex['flags'],
                         'sie': ex['sie'], 'cycles': ex['cycles'], 'group': ex['group'],
                         'ops': '*' + (ex['operands'] or DEFAULT_SYNTAX.get(ex['format'], '-')).lstrip('*')})
    return rows, aliases, problems

DEFAULT_SYNTAX = {'RRE': 'R1,R2', 'S': 'D2(B2)', 'E': '-'}

# opcodes objdump never prints with their base mnemonic (every field value has an extended mnemonic)
MANUAL_BASE = {
    '07': ('bcr', 'RR', '#R1,R2'),
    '47': ('bc', 'RX_b', 'M1,D2(X2,B2)'),
    'a74': ('brc', 'RI_c', 'M1,RI2'),
    'c04': ('brcl', 'RIL_c', 'M1,RI2'),
    'e347': ('bic', 'RXY_b', 'M1,D2(X2,B2)'),
}

GROUP_ORDER = ['general', 'decimal', 'fp', 'bfp', 'hfp', 'dfp', 'vector', 'tx', 'crypto', 'control', 'io']

def emit(rows, aliases):
    out = []
    for g in GROUP_ORDER + sorted(set(r['group'] for r in rows) - set(GROUP_ORDER)):
        rs = [r for r in rows if r['group'] == g]
        if not rs:
            continue
        out.append(f'# ---- {g} ' + '-' * (100 - len(g)))
        for r in sorted(rs, key=lambda r: r['key']):
            out.append(f"{r['key']:<5}{r['mn']:<9}{r['format']:<7}{r['fac']:<4}{r['flags']:<5}{r['sie']:<2}"
                       f"{r['cycles']:<3}{r['group']:<8}{r['ops']}")
    al = []
    for a in aliases:
        al.append(f"{a['mn']:<10}{a['base']:<9}{a['fixed'] or '-':<16}{a['ops']}")
    return out, al

ROWS_HEADER = '''namespace S390Jit.Architecture.Isa;

public static partial class InstructionTable
{
    /// <summary>
    /// The instruction table: every instruction binutils 2.40 decodes for z16, one row each:
    ///   opcode (PoO hex: 2 digits, 3 with an op2 nibble, 4 with an op2 byte), mnemonic, PoO format,
    ///   facility (STFLE bit or -), flags, SIE behaviour, base cycles, group, operand syntax.
    /// Flags: P privileged, Q semiprivileged, U unsigned immediates, B branch, E ends a translated block,
    ///   H intercept handled by the host model (KVM or the VMM),
    ///   1/2/3 R1/R2/R3 must be even, O I/O, X execute-type.
    /// SIE: I interpreted, X always intercepted (ICPT 0x04), C conditional (a Sie_MNEMONIC check).
    /// Operand syntax: the operands in objdump's order and spelling, see <see cref="OperandSyntax"/>.
    /// The semantic body of row M is the one static method named M in a [SemanticBodies] class;
    /// a row without one is a known gap that raises the operation exception (see the coverage report).
    /// Rows and aliases were measured from GNU objdump by tests/scripts/isa_probe.py and written by
    /// tests/scripts/gen_isa_table.py; edit them here, the scripts only help to re-derive them.
    /// </summary>
    internal const string Text = """
'''

ALIASES_HEADER = '''namespace S390Jit.Architecture.Isa;

public static partial class InstructionTable
{
    /// <summary>
    /// Extended mnemonics: spellings objdump prints for a row when fields have fixed values. Columns:
    /// mnemonic, row, fixed fields (FIELD=value or FIELD&amp;bits=value, comma-separated), operand syntax
    /// of the spelling. When several match, the one fixing the most bits wins (objdump's rule).
    /// </summary>
    internal const string AliasText = """
'''

def write_cs(out, al):
    rows_cs = ROWS_HEADER + ''.join('    ' + l + '\n' for l in out) + '    """;\n}\n'
    open(ROWS_FILE, 'w').write(rows_cs)
    al_cs = ALIASES_HEADER + ''.join('    ' + l + '\n' for l in al) + '    """;\n}\n'
    open(os.path.join(ROOT, 'src/S390Jit.Architecture/Isa/InstructionTable.Aliases.cs'), 'w').write(al_cs)

if __name__ == '__main__':
    d = load(sys.argv[1])
    if '--verify' in sys.argv:
        verify(d)
    rows, aliases, problems = build(d)
    for p in problems:
        print('PROBLEM', p, file=sys.stderr)
    out, al = emit(rows, aliases)
    print(f'{len(rows)} rows, {len(aliases)} aliases, {len(problems)} problems', file=sys.stderr)
    if '--write' in sys.argv:
        write_cs(out, al)

