using System.Runtime.CompilerServices;
using S390Jit.Architecture.Isa;

namespace S390Jit.Architecture.State;

[InlineArray(16)] public struct Regs16 { private ulong _e; }
[InlineArray(16)] public struct Ars16 { private uint _e; }
/// <summary>
/// The 32 vector registers, 128 bits each, as 64 doublewords: element 2*r holds bits 0-63 of VR r,
/// element 2*r+1 bits 64-127. Floating-point register r is bits 0-63 of VR r (the PoO's overlay).
/// </summary>
[InlineArray(64)] public struct VectorRegs { private ulong _e; }

/// <summary>PSW mask bits (64-bit z/Architecture PSW, bits 0-63 of the 128-bit PSW).</summary>
public static class Psw
{
    public const ulong Per = 1UL << 62, Dat = 1UL << 58, Io = 1UL << 57, Ext = 1UL << 56,
        KeyMask = 0xFUL << 52, MCheck = 1UL << 50, Wait = 1UL << 49, Problem = 1UL << 48,
        AscMask = 3UL << 46, CcMask = 3UL << 44, ProgramMask = 0xFUL << 40,
        FixedOverflowMask = 1UL << 43, DecimalOverflowMask = 1UL << 42, ExponentUnderflowMask = 1UL << 41,
        SignificanceMask = 1UL << 40, EA = 1UL << 32, BA = 1UL << 31;
    /// <summary>Bits that must be zero in a valid z/Architecture PSW mask (0, 2-4, 12, 24-30, 33-63).</summary>
    public const ulong Invalid = (1UL << 63) | (7UL << 59) | (1UL << 51) | (0x7FUL << 33) | 0x7FFF_FFFFUL;
}

/// <summary>Program-interruption codes.</summary>
public static class PgmCode
{
    public const ushort Operation = 0x01, PrivilegedOperation = 0x02, Execute = 0x03, Protection = 0x04,
        Addressing = 0x05, Specification = 0x06, Data = 0x07, FixedPointOverflow = 0x08, FixedPointDivide = 0x09,
        DecimalOverflow = 0x0A, DecimalDivide = 0x0B, SegmentTranslation = 0x10, PageTranslation = 0x11,
        TranslationSpecification = 0x12, SpecialOperation = 0x13, Operand = 0x15, SpaceSwitch = 0x1C,
        AletSpecification = 0x28, AlenTranslation = 0x29, AleSequence = 0x2A, AsteValidity = 0x2B, AsteSequence = 0x2C,
        ExtendedAuthority = 0x2D, AsceType = 0x38, RegionFirst = 0x39,
        RegionSecond = 0x3A, RegionThird = 0x3B, Monitor = 0x40, Per = 0x80, VectorProcessing = 0x1B;

    /// <summary>
    /// Exceptions that nullify the instruction (the old PSW points at it, so returning to it retries):
    /// the DAT and ART translation exceptions. The others suppress, complete or terminate, and the old
    /// PSW points past the instruction.
    /// </summary>
    public static bool Nullifies(ushort code) => code is SegmentTranslation or PageTranslation
        or AlenTranslation or AleSequence or AsteValidity or AsteSequence or ExtendedAuthority
        or AsceType or RegionFirst or RegionSecond or RegionThird;
}

/// <summary>Thrown by semantic bodies to report a program interruption; the run loop delivers it.</summary>
public sealed class ProgramInterruptException : Exception
{
    public ushort Code { get; internal set; }
    /// <summary>Nullifying exceptions leave the PSW pointing at the instruction.</summary>
    public bool Nullify { get; internal set; }
    public ProgramInterruptException() : base("program interruption") { }
}

/// <summary>Thrown when the target of EXECUTE is intercepted by the SIE.</summary>
public sealed class SieInterceptException : Exception
{
    public SieInterceptException() : base("SIE intercept") { }
}

/// <summary>
/// One z/Architecture CPU: registers, PSW with lazy condition code, storage access, timing facility
/// and interruption delivery. Under SIE this is the guest CPU interpreted by the host; the host model
/// owns the state description and moves state in and out at SIE entry and exit.
/// </summary>
public sealed unsafe partial class Cpu
{
    public Regs16 G;
    public Regs16 Cr;
    /// <summary>Vector registers; FPR r overlays bits 0-63 of VR r (see <see cref="Fpr"/>).</summary>
    public VectorRegs V;
    public Ars16 A;
    public uint Fpc;

    /// <summary>PSW mask without the condition code, which is kept lazily (see <see cref="Cc"/>).</summary>
    public ulong PswMask;
    /// <summary>PSW instruction address; during execution it already points to the next instruction.</summary>
    public ulong PswAddr;
    /// <summary>Address-generation wrap mask of the current addressing mode (24, 31 or 64 bits).</summary>
    public ulong AddrMask = ~0UL;
    /// <summary>Address of the instruction being executed (the EXECUTE target's address for targets).</summary>
    public ulong InstrAddr;
    /// <summary>Length of the instruction being executed, for the ILC (EXECUTE's length for targets).</summary>
    public int InstrLength;

    public CcOp CcOp;
    public ulong CcSrc, CcDst, CcVr;

    public ushort CpuAddress;
    public ulong CpuId;
    /// <summary>The facility list STFLE reports (and that gates instructions).</summary>
    public ulong[] Facilities = new ulong[4];

    public readonly ProgramInterruptException PgmException = new();
    internal readonly SieInterceptException SieIntercept = new();

    public Cpu(ushort cpuAddress = 0)
    {
        CpuAddress = cpuAddress;
        Reset(CpuResetKind.Clear);
    }

    // ---- condition code -------------------------------------------------------------------
    public int Cc
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => CcOp == CcOp.Const ? (int)CcDst : CcCompute.Calc(CcOp, CcSrc, CcDst, CcVr);
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        set { CcOp = CcOp.Const; CcDst = (ulong)value; }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void SetCc(CcOp op, ulong src, ulong dst = 0, ulong vr = 0) { CcOp = op; CcSrc = src; CcDst = dst; CcVr = vr; }

    // ---- registers ------------------------------------------------------------------------
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public uint R32(int r) => (uint)G[r];
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public uint R32H(int r) => (uint)(G[r] >> 32);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetR32(int r, uint v) => G[r] = (G[r] & 0xFFFF_FFFF_0000_0000UL) | v;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public void SetR32H(int r, uint v) => G[r] = (G[r] & 0xFFFF_FFFFUL) | ((ulong)v << 32);

    /// <summary>Floating-point register r: bits 0-63 of vector register r.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public ref ulong Fpr(int r) => ref V[2 * r];

    // ---- PSW ------------------------------------------------------------------------------
    public bool ProblemState => (PswMask & Psw.Problem) != 0;
    public int PswKey => (int)((PswMask >> 52) & 0xF);

    /// <summary>The full 64-bit PSW mask including the condition code.</summary>
    public ulong FullPswMask => (PswMask & ~Psw.CcMask) | ((ulong)Cc << 44);

    /// <summary>Loads a PSW (mask with cc, address). Returns false if the PSW is invalid (the caller reports it).</summary>
    public bool LoadPsw(ulong mask, ulong addr)
    {
        Cc = (int)((mask >> 44) & 3);
        PswMask = mask & ~Psw.CcMask;
        PswAddr = addr;
        UpdateAddressingMode();
        TranslationContextChanged();
        RecheckEvents();
        return IsValidPsw(mask, addr);
    }

    public static bool IsValidPsw(ulong mask, ulong addr)
    {
        if ((mask & Psw.Invalid) != 0) return false;
        bool ea = (mask & Psw.EA) != 0, ba = (mask & Psw.BA) != 0;
        if (ea && !ba) return false;
        if (!ea && !ba && addr > 0xFFFFFF) return false;
        if (!ea && ba && addr > 0x7FFFFFFF) return false;
        return true;
    }

    /// <summary>Changes PSW mask bits (SSM, STOSM, STNSM, SPM, SAM...) keeping the condition code.</summary>
    public void SetPswMaskBits(ulong maskWithoutCc)
    {
        ulong old = PswMask;
        PswMask = maskWithoutCc & ~Psw.CcMask;
        if (((old ^ PswMask) & (Psw.EA | Psw.BA)) != 0) UpdateAddressingMode();
        if (((old ^ PswMask) & (Psw.Dat | Psw.AscMask | Psw.KeyMask | Psw.Per)) != 0) TranslationContextChanged();
        // a change that only disables I/O or external interruptions (STNSM, SSM entering a critical section) makes
        // nothing deliverable that was not before: the next event check stays where it was
        if ((old & ~PswMask & ~(Psw.Io | Psw.Ext)) != 0 || (PswMask & ~old) != 0) RecheckEvents();
    }

    public void UpdateAddressingMode()
    {
        AddrMask = (PswMask & Psw.EA) != 0 ? ~0UL : (PswMask & Psw.BA) != 0 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL;
    }

    public int AddressingMode
    {
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        get => (PswMask & Psw.EA) != 0 ? 64 : (PswMask & Psw.BA) != 0 ? 31 : 24;
    }

    // ---- address generation ----------------------------------------------------------------
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Addr(int x, int b, long d) => ((x != 0 ? G[x] : 0) + (b != 0 ? G[b] : 0) + (ulong)d) & AddrMask;
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong Addr(int b, long d) => ((b != 0 ? G[b] : 0) + (ulong)d) & AddrMask;
    /// <summary>Relative address: instruction address + 2 * halfwords.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong RelAddr(long halfwords) => (InstrAddr + (ulong)(halfwords * 2)) & AddrMask;
    /// <summary>
    /// Writes an address into a register as the addressing mode requires (LA, MVCL, SRST...):
    /// 64-bit mode replaces the register; 31-bit mode sets bits 33-63 (bit 32 zero); 24-bit mode
    /// bits 40-63 (bits 32-39 zero); in 24/31-bit mode the high word is unchanged.
    /// </summary>
    public void SetAddressReg(int r, ulong addr)
    {
        switch (AddressingMode)
        {
            case 64: G[r] = addr; break;
            case 31: SetR32(r, (uint)(addr & 0x7FFF_FFFF)); break;
            default: SetR32(r, (uint)(addr & 0xFF_FFFF)); break;
        }
    }

    // ---- program interruptions -------------------------------------------------------------
    /// <summary>Reports a program interruption: never returns.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public Exception Pgm(ushort code, bool nullify = false)
    {
        PgmException.Code = code;
        PgmException.Nullify = nullify || PgmCode.Nullifies(code);
        throw PgmException;
    }

    /// <summary>Data exception with a data-exception code (stored at lowcore 0x93).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    public Exception DataException(byte dxc)
    {
        PendingDxc = dxc;
        return Pgm(PgmCode.Data);
    }

    internal byte PendingDxc;

    public bool HasFacility(int bit) => bit < 0 || (bit >> 6 < Facilities.Length && (Facilities[bit >> 6] & (0x8000_0000_0000_0000UL >> (bit & 63))) != 0);

    public void SetFacility(int bit, bool on)
    {
        if (bit >> 6 >= Facilities.Length) Array.Resize(ref Facilities, (bit >> 6) + 1);
        if (on) Facilities[bit >> 6] |= 0x8000_0000_0000_0000UL >> (bit & 63);
        else Facilities[bit >> 6] &= ~(0x8000_0000_0000_0000UL >> (bit & 63));
    }
}

