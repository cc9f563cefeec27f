#!/usr/bin/env python3
"""Cross-checks the opcodes of the instruction table against GNU as (s390x-linux-gnu-as).

For every row, assembles the mnemonic with operands of its format and compares the encoded
first byte and secondary opcode with the row. Needs binutils-s390x-linux-gnu.
Usage: tests/scripts/check-opcodes.py [path/to/InstructionTable.Rows.cs]
"""
import os, re, subprocess, sys, tempfile

rows_file = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), '../../src/S390Jit.Architecture/Isa/InstructionTable.Rows.cs')
text = open(rows_file).read()
body = text[text.index('"""') + 3:text.rindex('"""')]
rows = []
for line in body.splitlines():
    line = line.strip()
    if not line or line.startswith('#'):
        continue
    c = line.split()
    rows.append((c[0], c[1].lower(), c[2]))

OPS = {
    'E': '', 'I': '1', 'IE': '1,2', 'RR': '%r2,%r4', 'RRE': '%r2,%r4', 'RRD': '%f2,%f4,%f6',
    'RRF_a': '%r2,%r4,%r6', 'RRF_b': '%r2,%r4,%r6', 'RRF_c': '%r2,%r4,5', 'RRF_d': '%r2,%r4,5', 'RRF_e': '%r2,5,%r4,6',
    'RX_a': '%r2,8(%r3,%r4)', 'RX_b': '4,8(%r3,%r4)', 'RXE': '%r2,8(%r3,%r4)', 'RXF': '%f2,%f4,8(%r3,%r4)',
    'RXY_a': '%r2,-8(%r3,%r4)', 'RXY_b': '1,8(%r3,%r4)', 'RS_a': '%r2,%r4,8(%r5)', 'RS_b': '%r2,5,8(%r5)',
    'RSY_a': '%r2,%r4,-8(%r5)', 'RSY_b': '%r2,5,-8(%r5)', 'RI_a': '%r2,100', 'RI_b': '%r2,.', 'RI_c': '4,.',
    'RIL_a': '%r2,100000', 'RIL_b': '%r2,.', 'RIL_c': '4,.', 'RIE_a': '%r2,100,8', 'RIE_b': '%r2,%r4,8,.',
    'RIE_c': '%r2,10,8,.', 'RIE_d': '%r2,%r4,100', 'RIE_e': '%r2,%r4,.', 'RIE_f': '%r2,%r4,1,2,3',
    'RIE_g': '%r2,100,5', 'RIS': '%r2,10,8,8(%r5)', 'RRS': '%r2,%r4,8,8(%r5)', 'RSI': '%r2,%r4,.',
    'S': '8(%r5)', 'SI': '8(%r5),10', 'SIY': '-8(%r5),10', 'SIL': '8(%r5),10', 'SS_a': '8(10,%r5),16(%r6)',
    'SS_b': '8(2,%r5),16(3,%r6)', 'SS_c': '8(2,%r5),16(%r6),3', 'SS_d': '8(%r2,%r5),16(%r6),%r3',
    'SSE': '8(%r5),16(%r6)', 'SSF': '8(%r5),16(%r6),%r3', 'MII': '1,.,.', 'SMI': '1,.,8(%r5)',
}
SPECIAL = {
    'spm': '%r2', 'ipm': '%r2', 'svc': '1', 'bcr': '4,%r2', 'bc': '4,8(%r3,%r4)', 'srl': '%r2,8(%r5)', 'sll': '%r2,8(%r5)',
    'sra': '%r2,8(%r5)', 'sla': '%r2,8(%r5)', 'srdl': '%r2,8(%r5)', 'sldl': '%r2,8(%r5)', 'srda': '%r2,8(%r5)', 'slda': '%r2,8(%r5)',
    'loc': '%r2,-8(%r5),5', 'locg': '%r2,-8(%r5),5', 'stoc': '%r2,-8(%r5),5', 'stocg': '%r2,-8(%r5),5',
    'locfh': '%r2,-8(%r5),5', 'stocfh': '%r2,-8(%r5),5', 'popcnt': '%r2,%r4', 'iske': '%r2,%r4', 'ssKe': '',
    'sske': '%r2,%r4', 'ppa': '%r2,%r4,5', 'tprot': '8(%r5),16(%r6)', 'lasp': '8(%r5),16(%r6)', 'epsw': '%r2,%r4',
    'ts': '8(%r5)', 'lpsw': '8(%r5)', 'ssm': '8(%r5)', 'diag': '%r2,%r4,8(%r5)', 'chsc': '%r2,%r4',
    'pqap': '', 'nqap': '%r2,%r4', 'dqap': '%r2,%r4', 'ptf': '%r2', 'servc': '%r2,%r4', 'tb': '%r2,%r4',
    'bakr': '%r2,%r4', 'ivsk': '%r2,%r4', 'rrbe': '%r2,%r4', 'ear': '%r2,%a4', 'sar': '%a2,%r4', 'cpya': '%a2,%a4',
    'lam': '%a2,%a4,8(%r5)', 'stam': '%a2,%a4,8(%r5)', 'lamy': '%a2,%a4,-8(%r5)', 'stamy': '%a2,%a4,-8(%r5)',
    'lrvr': '%r2,%r4', 'stnsm': '8(%r5),10', 'stosm': '8(%r5),10', 'mvcle': '%r2,%r4,8(%r5)', 'clcle': '%r2,%r4,8(%r5)',
    'crt': '%r2,%r4,8', 'cgrt': '%r2,%r4,8', 'clrt': '%r2,%r4,8', 'clgrt': '%r2,%r4,8', 'clt': '%r2,8,-8(%r5)', 'clgt': '%r2,8,-8(%r5)',
    'niai': '1,2', 'bprp': '1,.,.', 'bpp': '1,.,8(%r5)',
}
bad = 0
with tempfile.TemporaryDirectory() as d:
    for op, mn, fmt in rows:
        ops = SPECIAL.get(mn, OPS.get(fmt))
        src = os.path.join(d, 'a.s'); obj = os.path.join(d, 'a.o'); bin_ = os.path.join(d, 'a.bin')
        open(src, 'w').write(f'.machine z16\n.text\n{mn} {ops}\n')
        r = subprocess.run(['s390x-linux-gnu-as', '-march=z16', '-o', obj, src], capture_output=True, text=True)
        if r.returncode != 0:
            print(f'ASSEMBLY FAILED {mn} {ops}: {r.stderr.strip().splitlines()[-1]}'); bad += 1; continue
        subprocess.run(['s390x-linux-gnu-objcopy', '-O', 'binary', '-j', '.text', obj, bin_], check=True)
        b = open(bin_, 'rb').read()
        op1 = b[0]
        want1 = int(op[:2], 16)
        if len(op) == 2: ok = op1 == want1
        elif len(op) == 3: ok = op1 == want1 and (b[1] & 0xF) == int(op[2], 16)
        elif op1 in (0xE3, 0xE6, 0xE7, 0xEB, 0xEC, 0xED): ok = op1 == want1 and b[5] == int(op[2:], 16)
        else: ok = op1 == want1 and b[1] == int(op[2:], 16)
        if not ok:
            print(f'MISMATCH {mn}: table {op}, as gives {b.hex()}'); bad += 1
print(f'{len(rows) - bad} of {len(rows)} rows agree with GNU as')
sys.exit(1 if bad else 0)
