using System.Runtime.CompilerServices;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Floating-point register access and the checks every FP instruction shares: the AFP-register control
/// (CR0 bit 45: without it only FPRs 0, 2, 4 and 6 exist for HFP and support instructions, DXC 1, and
/// BFP and FPC instructions are unavailable, DXC 2, and the DFP-related FPC instructions, DXC 3), register pairs of extended operands (R and R+2,
/// R one of 0, 1, 4, 5, 8, 9, 12, 13) and the short/long/extended views of the FPRs. A short operand
/// is bits 0-31 of an FPR (bits 32-63 are left unchanged when a short result is stored); an extended
/// operand is FPR R (high) and FPR R+2 (low).
/// </summary>
public static class FpRegs
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Afp(Cpu c) => (c.Cr[0] & Cr0.AfpRegisters) != 0;

    /// <summary>HFP and FP-support instructions: an AFP register (not 0, 2, 4, 6) needs CR0 bit 45.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckReg(Cpu c, int r)
    {
        if ((r & 9) != 0 && !Afp(c)) throw c.DataException(Dxc.AfpRegister);
    }

    /// <summary>BFP and FPC instructions need CR0 bit 45.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckBfp(Cpu c)
    {
        if (!Afp(c)) throw c.DataException(Dxc.BfpInstruction);
    }

    /// <summary>DFP-class instructions (SRNMT, SFASR, LFAS) need CR0 bit 45 (DXC 3).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckDfp(Cpu c)
    {
        if (!Afp(c)) throw c.DataException(Dxc.DfpInstruction);
    }

    /// <summary>An extended operand's register number must designate the lower register of a pair.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void CheckPair(Cpu c, int r)
    {
        if ((r & 2) != 0) throw c.Pgm(PgmCode.Specification);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong Get64(Cpu c, int r) => c.Fpr(r);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Set64(Cpu c, int r, ulong v) => c.Fpr(r) = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static uint Get32(Cpu c, int r) => (uint)(c.Fpr(r) >> 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Set32(Cpu c, int r, uint v) => c.Fpr(r) = (c.Fpr(r) & 0xFFFF_FFFFUL) | ((ulong)v << 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static UInt128 Get128(Cpu c, int r) => new(c.Fpr(r), c.Fpr(r + 2));
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Set128(Cpu c, int r, UInt128 v) { c.Fpr(r) = (ulong)(v >> 64); c.Fpr(r + 2) = (ulong)v; }

    /// <summary>Compiled code (simple FP bodies): FPR r, and whether an AFP register is unavailable (AFP-register control off).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static ulong ReadFpr(Cpu c, int r) => c.Fpr(r);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void WriteFpr(Cpu c, int r, ulong v) => c.Fpr(r) = v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AfpOff(Cpu c) => !Afp(c);

    /// <summary>Storage operands of FP instructions (no alignment requirement).</summary>
    public static uint Load32(Cpu c, ulong a) => c.ReadU32(a);
    public static ulong Load64(Cpu c, ulong a) => c.ReadU64(a);
}
