#!/usr/bin/env python3
"""Writes guests/vector/cases.c: one function per vector instruction form the exerciser runs.

Every case runs one instruction with fixed register numbers and fixed mask/immediate fields on
inputs the harness (main.c) fills with biased random values:

    %v16..%v19  second to fifth vector operands   (struct vst.v[0..3])
    %v20        first operand, with its old value  (struct vst.v[4]); stored back to vst.out
    %r1         general-register operand (R1/R3, length, value)     vst.g[0]
    %r2         base register of storage operands / shift amounts   vst.g[1]
    %r3         second general-register operand                     vst.g[2]

The condition code is set from vst.ccin before the instruction and read back after it. Element
sizes and flags cover every valid value and, where the PoO defines one, a specification exception.

Cases QEMU 7.2 gets wrong are left out here and tested in C# against the PoO (see QEMU_DEVIATIONS).

Usage: guests/vector/gen-cases.py > guests/vector/cases.c
"""

# kind: how the harness prepares inputs
#   V    vector operands only          M    storage operand at %r2 (vst.g[1] = address)
#   G    general registers (random)    L    storage at %r2 and a length in %r1
#   X    gather/scatter: %r2 = buffer, index elements small
#   S    shift amount in %r2 (random)
#   F    floating point: operands biased to the special values of the element format, FPC (rounding
#        mode and IEEE masks) random; the FPC afterwards is part of the result. The inputs stay clear of
#        the QEMU 7.2 deviations listed below (fp flags NO_NAN, PRESET_INEXACT; no exact tiny results
#        with the underflow mask on, see main.c), which tests/S390Jit.Tests/Vector test against the PoO.
cases = []
NO_NAN, PRESET_INEXACT = 0x10, 0x20


def case(kind, text, cc=False, stores=False, fp=0):
    cases.append((kind, text, cc, stores, fp))


ES_B_TO_D = range(0, 4)


def es_forms(mn, ops, valid, invalid=(), kind='V', cc=False, extra=''):
    for es in list(valid) + list(invalid):
        case(kind, f"{mn} {ops},{es}{extra}", cc)


# ---- Boolean / whole-register -------------------------------------------------------------------
for mn in ['vn', 'vnc', 'vo', 'vno', 'vx', 'vnx', 'vnn', 'voc', 'vsl', 'vsrl', 'vsra', 'vslb', 'vsrlb', 'vsrab',
           'vcksm', 'vbperm']:
    case('V', f"{mn} %v20,%v16,%v17")
case('V', "vlr %v20,%v16")
case('V', "vtm %v16,%v17", cc=True)
case('V', "vperm %v20,%v16,%v17,%v18")
case('V', "vsel %v20,%v16,%v17,%v18")
for m4 in [0, 1, 4, 5]:
    case('V', f"vpdi %v20,%v16,%v17,{m4}")
for i4 in [0, 1, 7, 8, 15, 16]:
    case('V', f"vsldb %v20,%v16,%v17,{i4}")
for mn in ['vsld', 'vsrd']:
    for i4 in [0, 1, 5, 7, 8]:
        case('V', f"{mn} %v20,%v16,%v17,{i4}")

# ---- element-wise with M4 element size ------------------------------------------------------------
for mn in ['va', 'vs', 'vacc', 'vscbi']:
    es_forms(mn, "%v20,%v16,%v17", range(0, 5), [5])
for mn in ['vavg', 'vavgl', 'vmx', 'vmn', 'vmxl', 'vmnl', 'vmrh', 'vmrl', 'verllv', 'veslv', 'vesrav', 'vesrlv', 'vgfm']:
    es_forms(mn, "%v20,%v16,%v17", ES_B_TO_D, [4])
for mn in ['vml', 'vmh', 'vmlh', 'vme', 'vmle', 'vmo', 'vmlo']:
    es_forms(mn, "%v20,%v16,%v17", range(0, 3), [3])
es_forms('vpk', "%v20,%v16,%v17", range(1, 4), [0, 4])
for mn in ['vpks', 'vpkls']:
    for es in [1, 2, 3, 0]:
        for cs in [0, 1]:
            case('V', f"{mn} %v20,%v16,%v17,{es},{cs}", cc=True)
es_forms('vsum', "%v20,%v16,%v17", [0, 1], [2])
es_forms('vsumg', "%v20,%v16,%v17", [1, 2], [0, 3])
es_forms('vsumq', "%v20,%v16,%v17", [2, 3], [1, 4])
for mn in ['vceq', 'vch', 'vchl']:
    for es in [0, 1, 2, 3, 4]:
        for cs in [0, 1]:
            case('V', f"{mn} %v20,%v16,%v17,{es},{cs}", cc=True)

# ---- two operands with M3 element size ------------------------------------------------------------
for mn in ['vclz', 'vctz', 'vlc', 'vlp', 'vpopct']:
    es_forms(mn, "%v20,%v16", ES_B_TO_D, [4])
for mn in ['vuph', 'vupl', 'vuplh', 'vupll', 'vseg']:
    es_forms(mn, "%v20,%v16", range(0, 3), [3])
for mn in ['vec', 'vecl']:
    es_forms(mn, "%v16,%v17", ES_B_TO_D, [4], cc=True)

# ---- four operands ------------------------------------------------------------------------------
for mn in ['vac', 'vaccc', 'vsbi', 'vsbcbi']:
    es_forms(mn, "%v20,%v16,%v17,%v18", [4], [3])
for mn in ['vmal', 'vmah', 'vmalh', 'vmae', 'vmale', 'vmao', 'vmalo']:
    es_forms(mn, "%v20,%v16,%v17,%v18", range(0, 3), [3])
es_forms('vgfma', "%v20,%v16,%v17,%v18", ES_B_TO_D, [4])
for m6 in [0, 4, 8, 12]:
    case('V', f"vmsl %v20,%v16,%v17,%v18,3,{m6}")
case('V', "vmsl %v20,%v16,%v17,%v18,2,0")
for es in [0, 1, 2, 3]:
    for i4 in [0, 1, 13, 63]:
        case('V', f"verim %v20,%v16,%v17,{i4},{es}")

# ---- shifts by address ----------------------------------------------------------------------------
for mn in ['vesl', 'vesrl', 'vesra', 'verll']:
    for es in [0, 1, 2, 3, 4]:
        case('S', f"{mn} %v20,%v16,0(%r2),{es}")
        if es < 4:
            case('V', f"{mn} %v20,%v16,{3 + 8 * es}(%r0),{es}")

# ---- string -------------------------------------------------------------------------------------
for mn in ['vfae', 'vfee', 'vfene']:
    for es in [0, 1, 2, 3]:
        flags = range(16) if mn == 'vfae' else [0, 1, 2, 3, 4]
        for m5 in flags:
            case('V', f"{mn} %v20,%v16,%v17,{es},{m5}", cc=True)
for es in [0, 1, 2, 3]:
    for m5 in [0, 1, 2]:
        case('V', f"vistr %v20,%v16,{es},{m5}", cc=True)
for es in [0, 1, 2, 3]:
    for m6 in range(16):
        case('V', f"vstrc %v20,%v16,%v17,%v18,{es},{m6}", cc=True)
for es in [0, 1, 2, 3]:
    for m6 in [0, 2, 1]:
        case('V', f"vstrs %v20,%v16,%v17,%v18,{es},{m6}", cc=True)

# ---- generate / replicate / immediates ------------------------------------------------------------
for i2 in [0, 1, 0x8000, 0xffff, 0x1234, 0xa5c3]:
    case('V', f"vgbm %v20,{i2}")
for es in [0, 1, 2, 3, 4]:
    for i2, i3 in [(0, 0), (3, 5), (5, 3), (0, 63), (62, 1), (200, 7)]:
        case('V', f"vgm %v20,{i2},{i3},{es}")
    for i2 in [0, 1, -1, 0x7fff, -32768, 0x1234]:
        case('V', f"vrepi %v20,{i2},{es}")
    for idx in [0, 1, 7, 15]:
        case('V', f"vrep %v20,%v16,{idx},{es}")
for mn, n in [('vleib', 16), ('vleih', 8), ('vleif', 4), ('vleig', 2)]:
    for idx in sorted({0, 1, n - 1, n}):
        if idx > 15:
            continue
        for i2 in [-1, 0x1234, -0x7ff0]:
            case('V', f"{mn} %v20,{i2},{idx}")

# ---- general registers <-> elements ---------------------------------------------------------------
for es in [0, 1, 2, 3, 4]:
    case('G', f"vlgv %r1,%v16,0(%r2),{es}")
    case('G', f"vlgv %r1,%v16,5(%r0),{es}")
    case('G', f"vlvg %v20,%r1,0(%r2),{es}")
    case('G', f"vlvg %v20,%r1,9(%r0),{es}")
case('G', "vlvgp %v20,%r1,%r3")

# ---- loads and stores -----------------------------------------------------------------------------
case('M', "vl %v20,0(%r2)")
case('M', "vl %v20,1(%r2),3")
case('M', "vst %v16,0(%r2)", stores=True)
case('M', "vst %v16,7(%r2),4", stores=True)
case('M', "vlm %v20,%v21,0(%r2)")
case('M', "vstm %v16,%v17,0(%r2)", stores=True)
case('M', "vlm %v21,%v20,0(%r2)")
for mn, n in [('vleb', 16), ('vleh', 8), ('vlef', 4), ('vleg', 2)]:
    for idx in sorted({0, 1, n - 1, n}):
        if idx <= 15:
            case('M', f"{mn} %v20,0(%r2),{idx}")
for mn, n in [('vsteb', 16), ('vsteh', 8), ('vstef', 4), ('vsteg', 2)]:
    for idx in sorted({0, 1, n - 1, n}):
        if idx <= 15:
            case('M', f"{mn} %v16,0(%r2),{idx}", stores=True)
for es in [0, 1, 2, 3, 4]:
    case('M', f"vlrep %v20,0(%r2),{es}")
for m3 in [0, 1, 2, 3, 4, 6]:
    case('M', f"vllez %v20,0(%r2),{m3}")
for m3 in [0, 1, 3, 6, 7]:
    case('M', f"vlbb %v20,0(%r2),{m3}")
    case('M', f"lcbb %r1,0(%r2),{m3}", cc=True)
case('L', "vll %v20,%r1,0(%r2)")
case('L', "vstl %v16,%r1,0(%r2)", stores=True)
for mn, es in [('vgef', 2), ('vgeg', 3)]:
    for idx in range(0, (16 >> es) + 1):
        case('X', f"{mn} %v20,0(%v17,%r2),{idx}")
for mn, es in [('vscef', 2), ('vsceg', 3)]:
    for idx in range(0, (16 >> es) + 1):
        case('X', f"{mn} %v16,0(%v17,%r2),{idx}", stores=True)
# vector enhancements 2: byte- and element-reversed forms
for es in [0, 1, 2, 3, 4, 5]:
    case('M', f"vlbr %v20,0(%r2),{es}")
    case('M', f"vstbr %v16,0(%r2),{es}", stores=True)
    case('M', f"vler %v20,0(%r2),{es}")
    case('M', f"vster %v16,0(%r2),{es}", stores=True)
    case('M', f"vlbrrep %v20,0(%r2),{es}")
for m3 in [0, 1, 2, 3, 4, 6]:
    case('M', f"vllebrz %v20,0(%r2),{m3}")
for mn, n in [('vlebrh', 8), ('vlebrf', 4), ('vlebrg', 2)]:
    for idx in [0, n - 1, n]:
        case('M', f"{mn} %v20,0(%r2),{idx}")
for mn, n in [('vstebrh', 8), ('vstebrf', 4), ('vstebrg', 2)]:
    for idx in [0, n - 1, n]:
        case('M', f"{mn} %v16,0(%r2),{idx}", stores=True)

# ---- vector floating point ------------------------------------------------------------------------
FPF = {2: 'short', 3: 'long', 4: 'extended'}
for mn in ['vfa', 'vfs', 'vfm', 'vfd']:
    for fpf in [2, 3, 4, 1]:
        for m5 in [0, 8, 1]:
            case('F', f"{mn} %v20,%v16,%v17,{fpf},{m5}", fp=fpf)
for mn in ['vfma', 'vfms', 'vfnma', 'vfnms']:
    for fpf in [2, 3, 4, 5]:
        for m5 in [0, 8]:
            case('F', f"{mn} %v20,%v16,%v17,%v18,{m5},{fpf}", fp=fpf | NO_NAN)
for fpf in [2, 3, 4, 0]:
    for m4 in [0, 8, 4]:
        case('F', f"vfsq %v20,%v16,{fpf},{m4}", fp=fpf)
    for m4 in [0, 8, 4, 12, 1]:
        for m5 in [0, 1, 2, 3, 4, 5, 6, 7, 8]:
            if m4 in (0, 4) or m5 in (0, 4):
                case('F', f"vfi %v20,%v16,{fpf},{m4},{m5}", fp=fpf | (PRESET_INEXACT if m4 & 4 else 0))
    for m4 in [0, 8, 1]:
        for m5 in [0, 1, 2, 3]:
            case('F', f"vfpso %v20,%v16,{fpf},{m4},{m5}", fp=fpf)
    for i3 in [0xfff, 0x800, 0x30, 0x0f, 0x3c0]:
        for m5 in [0, 8]:
            case('F', f"vftci %v20,%v16,{i3},{fpf},{m5}", cc=True, fp=fpf)
    for mn in ['wfc', 'wfk']:
        for m4 in [0, 1]:
            case('F', f"{mn} %v16,%v17,{fpf},{m4}", cc=True, fp=fpf)
    for mn in ['vfce', 'vfch', 'vfche']:
        for m5 in [0, 8, 4, 12, 1]:
            for m6 in [0, 1, 2]:
                case('F', f"{mn} %v20,%v16,%v17,{fpf},{m5},{m6}", cc=True, fp=fpf)
    for mn in ['vfmin', 'vfmax']:
        for m6 in list(range(0, 14)):
            for m5 in [0, 8]:
                if m5 == 0 or m6 in (0, 1, 9):
                    case('F', f"{mn} %v20,%v16,%v17,{fpf},{m5},{m6}", fp=fpf)
for m3, fpf in [(2, 2), (3, 3), (4, 4)]:
    for m4 in [0, 8, 1]:
        case('F', f"vfll %v20,%v16,{m3},{m4}", fp=fpf)
for m3, fpf in [(3, 3), (4, 4), (2, 2)]:
    for m4 in [0, 8, 4, 12, 2]:
        for m5 in [0, 1, 3, 4, 5, 6, 7, 2]:
            if m4 in (0, 4) or m5 == 0:
                case('F', f"vflr %v20,%v16,{m3},{m4},{m5}", fp=fpf | (PRESET_INEXACT if m4 & 4 else 0))
for mn in ['vcfps', 'vcfpl']:
    for m3 in [2, 3, 4]:
        for m4 in [0, 8, 4, 1]:
            for m5 in [0, 1, 3, 4, 5, 6, 7, 2]:
                if m4 in (0, 4) or m5 == 0:
                    case('F', f"{mn} %v20,%v16,{m3},{m4},{m5}", fp=PRESET_INEXACT if m4 & 4 else 0)
for mn in ['vcsfp', 'vclfp']:
    for m3 in [2, 3, 4]:
        for m4 in [0, 8, 4, 1]:
            for m5 in [0, 1, 3, 4, 5, 6, 7, 2]:
                if m4 in (0, 4) or m5 == 0:
                    case('F', f"{mn} %v20,%v16,{m3},{m4},{m5}", fp=(m3 if m3 != 4 else 3) | NO_NAN | (PRESET_INEXACT if m4 & 4 else 0))

# QEMU 7.2 deviations from the PoO: not run here (tests/S390Jit.Tests/Vector assert the PoO).
# The others are avoided by the inputs (NO_NAN, PRESET_INEXACT, main.c's underflow mask rule):
# - an exact tiny result with the underflow mask on traps (PoO: underflow is recognized for a tiny
#   result when the mask is one); QEMU's softfloat reports no underflow for exact results
# - XxC (M4 bit 1) suppresses the inexact exception, flag included (as for the scalar forms); QEMU's
#   vector helpers still set the inexact flag
# - MULTIPLY AND ADD: the PoO's NaN table (SNaNs first; infinity x zero invalid with the default NaN
#   even with a NaN addend); QEMU picks the first NaN operand and does not signal infinity x zero + QNaN
# - CONVERT TO FIXED of a NaN with the invalid mask off also sets the inexact flag (as the scalar
#   forms do); QEMU 7.2 sets it for infinities and out-of-range values only
# - QEMU executes vector-enhancements instructions with the facility switched off (operation exception)
# - QEMU leaves the old PSW of a vector-processing exception at the instruction, not after it
QEMU_DEVIATIONS = {
    # QEMU 7.2 TCG (x86 host) doubles the running sum at each step (tcg add2 with aliased operands)
    # instead of adding with end-around carry: VectorIntegerTests.VCKSM_adds_words_with_end_around_carry
    "vcksm %v20,%v16,%v17",
}

KIND = {'V': 0, 'M': 1, 'G': 2, 'L': 3, 'X': 4, 'S': 5, 'F': 6}

print("/* Generated by gen-cases.py: do not edit. */")
print('#include "vector.h"')
print()
n = 0
for kind, text, cc, stores, fp in cases:
    if text in QEMU_DEVIATIONS:
        continue
    asm = text.replace('%', '%%')
    print(f"static void case_{n}(struct vst *s)")
    print("{")
    print("    asm volatile(\"vlm %%v16,%%v20,%[v]\\n\\t\"")
    print("                 \"lmg %%r1,%%r3,%[g]\\n\\t\"")
    print("                 \"lfpc %[fpcin]\\n\\t\"")
    print("                 \"spm %[ccin]\\n\\t\"")
    print(f"                 \"{asm}\\n\\t\"")
    print("                 \"ipm %[cc]\\n\\t\"")
    print("                 \"vst %%v20,%[out]\\n\\t\"")
    print("                 \"stg %%r1,%[gout]\\n\\t\"")
    print("                 \"stfpc %[fpcout]\"")
    print("                 : [cc] \"=&d\"(s->cc), [out] \"=Q\"(s->out), [gout] \"=T\"(s->gout), [fpcout] \"=Q\"(s->fpcout)")
    print("                 : [v] \"Q\"(s->v), [g] \"S\"(s->g), [ccin] \"d\"(s->ccin), [fpcin] \"Q\"(s->fpcin)")
    print("                 : \"r1\", \"r2\", \"r3\", \"v16\", \"v17\", \"v18\", \"v19\", \"v20\", \"v21\", \"cc\", \"memory\");")
    print("}")
    print()
    n += 1
print("const struct vcase vcases[] = {")
n = 0
for kind, text, cc, stores, fp in cases:
    if text in QEMU_DEVIATIONS:
        continue
    print(f"    {{ case_{n}, \"{text}\", {KIND[kind]}, {1 if stores else 0}, {fp} }},")
    n += 1
print("};")
print(f"const int vcase_count = {n};")
