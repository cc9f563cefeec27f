using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.FpRegs;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Floating-point-support instructions (PoO chapter "Floating-Point Overview and Support Instructions"):
/// loads, stores and register moves of FPRs (no exceptions other than the AFP-register checks, values
/// are moved bit for bit whatever they hold), sign operations, moves between GRs and FPRs, and the FPC
/// instructions (EFPC, SFPC, LFPC, STFPC, SFASR, LFAS, SRNM, SRNMB, SRNMT; the ones that came with DFP,
/// SFASR, LFAS and SRNMT, are DFP instructions for the AFP-register control).
/// </summary>
[SemanticBodies]
public static class FloatingPoint
{
    private static ulong A2(Cpu c, ref Insn i) => c.Addr(i.X2, i.B2, i.D2);

    // ---- loads, stores and moves: FpMoves (simple bodies the JIT inlines) --------------------------

    // ---- register moves -------------------------------------------------------------------------
    private static void Check2(Cpu c, ref Insn i) { CheckReg(c, i.R1); CheckReg(c, i.R2); }
    public static void LXR(Cpu c, ref Insn i)
    {
        Check2(c, ref i);
        CheckPair(c, i.R1); CheckPair(c, i.R2);
        Set128(c, i.R1, Get128(c, i.R2));
    }
    public static void LZXR(Cpu c, ref Insn i) { CheckReg(c, i.R1); CheckPair(c, i.R1); Set128(c, i.R1, 0); }

    // ---- sign operations: FpMoves

    // ---- GR <-> FPR ---------------------------------------------------------------------------

    // ---- FPC instructions -------------------------------------------------------------------------
    private static uint ValidFpc(Cpu c, uint v)
    {
        if (!Fpc.IsValid(v, c.HasFacility(Fac.FpExtension))) throw c.Pgm(PgmCode.Specification);
        return v;
    }
    public static void EFPC(Cpu c, ref Insn i) { CheckBfp(c); c.SetR32(i.R1, c.Fpc); }
    public static void SFPC(Cpu c, ref Insn i) { CheckBfp(c); c.Fpc = ValidFpc(c, c.R32(i.R1)); }
    public static void STFPC(Cpu c, ref Insn i) { CheckBfp(c); c.WriteU32(c.Addr(i.B2, i.D2), c.Fpc); }
    public static void LFPC(Cpu c, ref Insn i) { CheckBfp(c); c.Fpc = ValidFpc(c, c.ReadU32(c.Addr(i.B2, i.D2))); }
    public static void SFASR(Cpu c, ref Insn i) { CheckDfp(c); SetAndSignal(c, c.R32(i.R1)); }
    public static void LFAS(Cpu c, ref Insn i) { CheckDfp(c); SetAndSignal(c, c.ReadU32(c.Addr(i.B2, i.D2))); }

    /// <summary>
    /// SET FPC AND SIGNAL: the new value's flags are ORed with the current flags; a flag that was on
    /// before and whose mask is on in the new value is signalled as a simulated IEEE exception (data
    /// exception, DXC of the highest-priority such exception plus 3), after the FPC is set.
    /// </summary>
    private static void SetAndSignal(Cpu c, uint v)
    {
        ValidFpc(c, v);
        byte old = Fpc.FlagByte(c.Fpc);
        c.Fpc = v | ((uint)old << (int)Fpc.FlagShift);
        int signal = old & Fpc.MaskByte(v);
        if (signal == 0) return;
        byte dxc = (signal & Fpc.Invalid) != 0 ? Fpc.Invalid
            : (signal & Fpc.DivideByZero) != 0 ? Fpc.DivideByZero
            : (signal & Fpc.Overflow) != 0 ? (byte)(signal & (Fpc.Overflow | Fpc.Inexact))
            : (signal & Fpc.Underflow) != 0 ? (byte)(signal & (Fpc.Underflow | Fpc.Inexact))
            : (signal & Fpc.Inexact) != 0 ? Fpc.Inexact
            : Fpc.Quantum;
        throw c.DataException((byte)(dxc | Dxc.Simulated));
    }

    /// <summary>SRNM: bits 62-63 of the second-operand address become the BFP rounding mode (FPC bit 29 is set to zero).</summary>
    public static void SRNM(Cpu c, ref Insn i)
    {
        CheckBfp(c);
        c.Fpc = (c.Fpc & ~Fpc.BfpRoundingMask) | (uint)(c.Addr(i.B2, i.D2) & 3);
    }

    /// <summary>SRNMB: bits 61-63 of the address are the 3-bit BFP rounding mode; bits 56-60 must be zero, modes 4-6 are invalid.</summary>
    public static void SRNMB(Cpu c, ref Insn i)
    {
        CheckBfp(c);
        uint m = (uint)(c.Addr(i.B2, i.D2) & 0xFF);
        if (m > 7 || m is 4 or 5 or 6) throw c.Pgm(PgmCode.Specification);
        c.Fpc = (c.Fpc & ~Fpc.BfpRoundingMask) | m;
    }

    /// <summary>SRNMT: bits 61-63 of the address become the DFP rounding mode (FPC bits 25-27).</summary>
    public static void SRNMT(Cpu c, ref Insn i)
    {
        CheckDfp(c);
        c.Fpc = (c.Fpc & ~Fpc.DfpRoundingMask) | ((uint)(c.Addr(i.B2, i.D2) & 7) << 4);
    }
}
