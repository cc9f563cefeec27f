using S390Jit.Architecture.Isa;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// FP loads, stores and register moves (LE/LD/STE/STD and their Y forms, LER/LDR, LZER/LZDR,
/// LDGR/LGDR) and the sign operations LPDFR/LNDFR/LCDFR/CPSDR as simple bodies: the JIT inlines them. Each checks the AFP-register control for an
/// FPR other than 0, 2, 4, 6 first (data exception, DXC 1), as <see cref="FpRegs.CheckReg"/> does. A
/// short operand is bits 0-31 of the FPR; a short load leaves bits 32-63 unchanged.
/// </summary>
[SemanticBodies]
public static class FpMoves<B, V> where B : struct, IBackend<V>
{
    private static V A2(B b, ref Insn i) => b.Addr(i.X2, i.B2, i.D2);
    private static V Get32(B b, int r) => b.ShrU(b.F(r), b.Const(32));
    private static void Set32(B b, int r, V v) => b.SetF(r, b.Or(b.And(b.F(r), b.Const(0xFFFF_FFFF)), b.Shl(v, b.Const(32))));

    public static void LE(B b, ref Insn i) { b.CheckAfpRegister(i.R1); Set32(b, i.R1, b.Load(4, A2(b, ref i))); }
    public static void LEY(B b, ref Insn i) => LE(b, ref i);
    public static void LD(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.SetF(i.R1, b.Load(8, A2(b, ref i))); }
    public static void LDY(B b, ref Insn i) => LD(b, ref i);
    public static void STE(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.Store(4, A2(b, ref i), Get32(b, i.R1)); }
    public static void STEY(B b, ref Insn i) => STE(b, ref i);
    public static void STD(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.Store(8, A2(b, ref i), b.F(i.R1)); }
    public static void STDY(B b, ref Insn i) => STD(b, ref i);

    public static void LER(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.CheckAfpRegister(i.R2); Set32(b, i.R1, Get32(b, i.R2)); }
    public static void LDR(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.CheckAfpRegister(i.R2); b.SetF(i.R1, b.F(i.R2)); }
    public static void LZER(B b, ref Insn i) { b.CheckAfpRegister(i.R1); Set32(b, i.R1, b.Const(0)); }
    public static void LZDR(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.SetF(i.R1, b.Const(0)); }

    public static void LDGR(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.SetF(i.R1, b.G(i.R2)); }
    public static void LGDR(B b, ref Insn i) { b.CheckAfpRegister(i.R2); b.SetG(i.R1, b.F(i.R2)); }

    // sign operations (floating-point-support-enhancement facility): no exceptions, no cc
    private const ulong Sign = 0x8000_0000_0000_0000UL;
    public static void LPDFR(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.CheckAfpRegister(i.R2); b.SetF(i.R1, b.And(b.F(i.R2), b.Const(~Sign))); }
    public static void LNDFR(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.CheckAfpRegister(i.R2); b.SetF(i.R1, b.Or(b.F(i.R2), b.Const(Sign))); }
    public static void LCDFR(B b, ref Insn i) { b.CheckAfpRegister(i.R1); b.CheckAfpRegister(i.R2); b.SetF(i.R1, b.Xor(b.F(i.R2), b.Const(Sign))); }
    public static void CPSDR(B b, ref Insn i)
    {
        b.CheckAfpRegister(i.R1); b.CheckAfpRegister(i.R2); b.CheckAfpRegister(i.R3);
        b.SetF(i.R1, b.Or(b.And(b.F(i.R2), b.Const(~Sign)), b.And(b.F(i.R3), b.Const(Sign))));
    }
}
