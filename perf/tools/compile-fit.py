# Per-region fit of RyuJIT time (perf/issue14-cc.md): python3 compile-fit.py PROFILE [JitTimeLogCsv]
# PROFILE: S390JIT_COMPILE_PROFILE output ("shape" lines); the CSV (DOTNET_JitTimeLogCsv) adds RyuJIT basic blocks.
import sys, csv, math
prof, jt = sys.argv[1], sys.argv[2] if len(sys.argv) > 2 else None
rows = []
for line in open(prof):
    f = line.split()
    if f[0] != 'shape': continue
    r = dict(zip("addr insns il locals labels marked fixups branches calls ldloc stloc entries flush way1 exits emit jit".split(), [f[1]] + [float(x) for x in f[2:]]))
    rows.append(r)
if jt:
    hdr = None; blks = []
    with open(jt) as fh:
        rd = csv.reader(fh)
        hdr = next(rd)
        for c in rd:
            if 'blk_' in c[0]: blks.append(dict(zip(hdr, c)))
    # join in order per address
    from collections import defaultdict
    q = defaultdict(list)
    for b in blks: q[b['Method Name'].split('blk_')[1].split('_')[0]].append(b)
    for r in rows:
        l = q.get(r['addr'])
        if l:
            b = l.pop(0)
            r['bb'] = float(b['Basic Blocks']); r['cyc'] = float(b['Total Cycles']) / 1e3
            r['lsra'] = sum(float(b[k]) for k in ('LSRA build intervals','LSRA allocate','LSRA resolve'))/1e3
            r['live'] = float(b['Local var liveness'])/1e3 if 'Local var liveness' in b else 0
            r['ssa'] = sum(float(b[k]) for k in b if k.startswith('SSA')) / 1e3 if any(k.startswith('SSA') for k in b) else 0
            r['minopts'] = b['Min Opts']
print(len(rows), "regions")
tot = lambda k: sum(r[k] for r in rows if k in r)
I = tot('insns')
print("per guest insn: " + " ".join(f"{k} {tot(k)/I:.2f}" for k in "il locals labels marked fixups branches calls ldloc stloc entries flush way1 exits emit jit bb".split()))
print("per region: " + " ".join(f"{k} {tot(k)/len(rows):.1f}" for k in "insns il locals marked branches entries exits emit jit bb".split()))

def solve(A, y):
    n = len(A[0])
    M = [[sum(a[i]*a[j] for a in A) for j in range(n)] + [sum(a[i]*yy for a, yy in zip(A, y))] for i in range(n)]
    for i in range(n):
        p = max(range(i, n), key=lambda k: abs(M[k][i])); M[i], M[p] = M[p], M[i]
        for k in range(n):
            if k != i and M[i][i] != 0:
                fct = M[k][i] / M[i][i]
                M[k] = [a - fct*b for a, b in zip(M[k], M[i])]
    return [M[i][n] / M[i][i] for i in range(n)]
def fit(keys, target='jit', sub=None, intercept=True):
    rs = [r for r in rows if all(k in r for k in keys) and (sub is None or sub(r))]
    A = [([1.0] if intercept else []) + [r[k] for k in keys] for r in rs]
    y = [r[target] for r in rs]
    c = solve(A, y)
    pred = [sum(a*b for a, b in zip(x, c)) for x in A]
    ss = sum((a-b)**2 for a, b in zip(y, pred)); my = sum(y)/len(y); st = sum((a-my)**2 for a in y)
    names = (['1'] if intercept else []) + keys
    print(f"{target} ~ " + " + ".join(f"{v:.3g}*{n}" for v, n in zip(c, names)) + f"   R2 {1-ss/st:.3f}  rms {math.sqrt(ss/len(y)):.0f}  n {len(y)}")
    return c
for ks in [['il'], ['insns'], ['locals'], ['marked'], ['branches'], ['il','locals'], ['il','marked'], ['locals','marked'], ['exits'], ['entries'], ['il','exits','entries'], ['ldloc','stloc','branches','calls']] + ([['bb'], ['bb','locals']] if jt else []):
    try: fit(ks)
    except Exception as e: print(ks, e)
# superlinearity: jit per insn by size bucket
print("size bucket: n, insns, il/insn, locals/insn, bb/insn, jit us/insn, jit us/il-byte, jit us per (locals*bb)/1000")
for lo, hi in ((0,10),(10,30),(30,60),(60,100),(100,140),(140,161),(161,10000)):
    rs = [r for r in rows if lo <= r['insns'] < hi]
    if not rs: continue
    s = lambda k: sum(r.get(k,0) for r in rs)
    lb = sum(r['locals']*r.get('bb',0) for r in rs)
    print(f"[{lo},{hi}) {len(rs)} {s('insns'):.0f} {s('il')/s('insns'):.0f} {s('locals')/s('insns'):.2f} {s('bb')/s('insns'):.2f} {s('jit')/s('insns'):.1f} {s('jit')/s('il'):.3f} {1000*s('jit')/lb if lb else 0:.2f}")
# quadratic test
for r in rows: r['il2'] = r['il']**2/1e4; r['lxb'] = r['locals']*r.get('bb',0)/1e3
fit(['il','il2'])
if jt: fit(['locals','lxb']); fit(['il','lxb'])
print("small regions: insns il locals bb jit-us jit-cycles(k)/CPU-MHz")
for r in sorted(rows, key=lambda r: r['insns'])[:25]:
    print(r['addr'], int(r['insns']), int(r['il']), int(r['locals']), int(r.get('bb',0)), int(r['entries']), int(r['exits']), int(r['jit']), int(r.get('cyc',0)), r.get('minopts'))
# total cycles vs jit-us overall
c = sum(r.get('cyc',0) for r in rows); j = sum(r['jit'] for r in rows)
print("sum jit us", j, "sum JIT-internal kcycles", c)
