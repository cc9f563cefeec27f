# Sums the 'ab' lines of S390JIT_COMPILE_AB runs (perf/issue14-cc.md, perf/issue14-ilslim.md): python3 compile-ab.py PROFILE...
# 'off' is the default compile (the code that runs), 'on' the compile with the named switch flipped.
import sys
for f in sys.argv[1:]:
    n=0; I=0; il0=il1=j0=j1=0
    for l in open(f):
        x=l.split()
        if x[0]!='ab': continue
        n+=1; i=int(x[2]); I+=i; il0+=int(x[3]); il1+=int(x[4]); j0+=float(x[5]); j1+=float(x[6])
    print(f"{f}: {n} regions {I} insns; IL/insn off {il0/I:.1f} on {il1/I:.1f} ({il1/il0:.3f}); RyuJIT us/insn off {j0/I:.1f} on {j1/I:.1f} ratio {j1/j0:.3f}")
