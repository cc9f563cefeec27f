using System.Runtime.CompilerServices;

namespace S390Jit.Architecture.State;

/// <summary>PER event masks and controls in CR9 (64-bit CR9; PoO bit n = 1 &lt;&lt; (63 - n)).</summary>
public static class Cr9
{
    public const ulong Branch = 1UL << 31, InstructionFetch = 1UL << 30, StorageAlteration = 1UL << 29,
        StoreRealAddress = 1UL << 27, ZeroAddress = 1UL << 26, TransactionEnd = 1UL << 25,
        InstructionFetchNullification = 1UL << 24, BranchAddressControl = 1UL << 23, StorageAlterationSpaceControl = 1UL << 21;
}

/// <summary>PER codes (lowcore 0x96): the event bits of the PER-event program interruption.</summary>
public static class PerCode
{
    public const byte Branch = 0x80, InstructionFetch = 0x40, StorageAlteration = 0x20, StoreRealAddress = 0x08,
        ZeroAddress = 0x04, TransactionEnd = 0x02, Nullification = 0x01;
}

/// <summary>
/// Program-event recording (PoO "Program-Event Recording") and the breaking-event-address register.
/// Events are recognised while PSW bit 1 is one for the event classes CR9 enables, within the
/// storage area CR10..CR11 (wrapping when CR10 &gt; CR11); they are presented as a PER-event program
/// interruption (code 0x80, or'ed into a program exception of the same instruction) with the PER
/// code, ATMID, address and access id in the lowcore. The JIT leaves PER to the interpreter.
/// </summary>
public partial class Cpu
{
    /// <summary>Breaking-event-address register: the address of the last instruction that broke sequential execution.</summary>
    public ulong Bear;

    /// <summary>PER code of events recognised for the current instruction (0: none).</summary>
    public byte PerPending;
    internal ulong PerAddress;
    internal byte PerAtmid, PerAccessId;

    /// <summary>A successful branch: records the breaking event, checks the PER branch event and sets the PSW address.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Branch(ulong target)
    {
        Bear = IssueAddr;
        PswAddr = target & AddrMask;
        if ((PswMask & Psw.Per) != 0) PerBranch(PswAddr);
    }

    /// <summary>CR10..CR11 designate the PER storage area; it wraps when the start is above the end.</summary>
    public bool PerInRange(ulong addr) => Cr[10] <= Cr[11] ? addr >= Cr[10] && addr <= Cr[11] : addr >= Cr[10] || addr <= Cr[11];

    private bool PerRangeOverlaps(ulong addr, ulong len)
    {
        for (ulong i = 0; i < len; i++) if (PerInRange((addr + i) & AddrMask)) return true;
        return false;
    }

    /// <summary>The address-and-translation-mode identification stored with PER events (lowcore 0x97).</summary>
    private byte Atmid() => (byte)(0x40 | ((PswMask & Psw.EA) != 0 ? 0x80 : 0) | ((PswMask & Psw.BA) != 0 ? 0x20 : 0)
        | ((PswMask & Psw.Dat) != 0 ? 0x10 : 0) | (int)((PswMask >> 44) & 0xC));

    private void PerEvent(byte code)
    {
        if (PerPending == 0) { PerAddress = IssueAddr; PerAtmid = Atmid(); }
        PerPending |= code;
        RecheckEvents();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private void PerBranch(ulong target)
    {
        if ((Cr[9] & Cr9.Branch) == 0) return;
        if ((Cr[9] & Cr9.BranchAddressControl) != 0 && !PerInRange(target)) return;
        PerEvent(PerCode.Branch);
    }

    /// <summary>Instruction-fetching event for the instruction at <paramref name="addr"/> (checked before it executes).</summary>
    internal void PerInstructionFetch(ulong addr)
    {
        if ((Cr[9] & Cr9.InstructionFetch) == 0 || !PerInRange(addr)) return;
        if ((Cr[9] & Cr9.InstructionFetchNullification) != 0)
        {
            // the instruction is nullified: the PER interruption comes before it executes
            PerEvent(PerCode.InstructionFetch | PerCode.Nullification);
            throw Pgm(0, nullify: true);
        }
        PerEvent(PerCode.InstructionFetch);
    }

    /// <summary>Storage-alteration event for a store of <paramref name="len"/> bytes at a logical address.</summary>
    internal void PerStore(ulong addr, ulong len, bool realAddress = false)
    {
        if ((Cr[9] & Cr9.StorageAlteration) == 0 || !PerRangeOverlaps(addr, len)) return;
        if (!realAddress && (Cr[9] & Cr9.StorageAlterationSpaceControl) != 0 && (PswMask & Psw.Dat) != 0)
        {
            ulong asce = SpaceAsce(AccessKind.Store, addr, -1, out _);
            if ((asce & Asce.StorageAlterationEvent) == 0) return;
        }
        byte code = PerCode.StorageAlteration;
        if (realAddress && (Cr[9] & Cr9.StoreRealAddress) != 0) code |= PerCode.StoreRealAddress;
        if (Asc == Space.AccessRegister && (PswMask & Psw.Dat) != 0) PerAccessId = (byte)ArOfOperand(addr, AccessKind.Store);
        PerEvent(code);
    }

    /// <summary>Writes the pending PER event into the lowcore and returns the code bits to or into the interruption code.</summary>
    private ushort StorePerEvent()
    {
        if (PerPending == 0) return 0;
        WriteReal8(Lowcore.PerCode, PerPending);
        WriteReal8(Lowcore.PerAtmid, PerAtmid);
        WriteReal64(Lowcore.PerAddress, PerAddress);
        WriteReal8(Lowcore.PerAccessId, PerAccessId);
        PerPending = 0;
        PerAccessId = 0;
        return PgmCode.Per;
    }
}
