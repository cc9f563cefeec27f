using S390Jit.Architecture.State;

namespace S390Jit.Tests.Architecture;

/// <summary>
/// Builds DAT tables in a <see cref="CpuHarness"/>'s storage (segment tables, page tables, region
/// tables from a bump allocator at 0x80000) and runs code with program interruptions delivered
/// through the lowcore, so tests see the old PSW, ILC, code and TEID as a program would.
/// </summary>
public sealed class DatHarness : IDisposable
{
    public const ulong ProgramNewPswAddr = 0xDEAD0;
    public CpuHarness H { get; } = new();
    public Cpu Cpu => H.Cpu;
    private ulong _next = 0x80000;

    public DatHarness()
    {
        H.Put64(Lowcore.PgmNewPsw, Psw.EA | Psw.BA);
        H.Put64(Lowcore.PgmNewPsw + 8, ProgramNewPswAddr);
    }

    public void Dispose() => H.Dispose();

    private ulong Alloc(int bytes, int align, ulong fill)
    {
        _next = (_next + (ulong)align - 1) & ~((ulong)align - 1);
        ulong a = _next;
        _next += (ulong)bytes;
        for (int i = 0; i < bytes; i += 8) H.Put64(a + (ulong)i, fill);
        return a;
    }

    /// <summary>A segment table of 2048 invalid entries.</summary>
    public ulong SegmentTable() => Alloc(2048 * 8, 4096, TableEntry.Invalid);
    /// <summary>A page table of 256 invalid entries.</summary>
    public ulong PageTable() => Alloc(256 * 8, 2048, TableEntry.PageInvalid);
    /// <summary>A region table of <paramref name="level"/> (1 region-third .. 3 region-first), 2048 invalid entries.</summary>
    public ulong RegionTable(int level) => Alloc(2048 * 8, 4096, TableEntry.Invalid | ((ulong)level << 2) | 3);

    public ulong SegmentIndexEntry(ulong st, ulong va) => st + ((va >> 20) & 0x7FF) * 8;

    /// <summary>Maps the 4 KiB page of <paramref name="va"/> to <paramref name="real"/> through segment table <paramref name="st"/>.</summary>
    public ulong Map(ulong st, ulong va, ulong real, ulong pteBits = 0)
    {
        ulong ste = SegmentIndexEntry(st, va);
        ulong e = H.Get64(ste);
        ulong pt;
        if ((e & TableEntry.Invalid) != 0) { pt = PageTable(); H.Put64(ste, pt); }
        else pt = e & TableEntry.SegmentOrigin;
        ulong pte = pt + ((va >> 12) & 0xFF) * 8;
        H.Put64(pte, (real & ~0xFFFUL) | pteBits);
        return pte;
    }

    /// <summary>Identity-maps [start, end) 4 KiB pages.</summary>
    public void Identity(ulong st, ulong start, ulong end)
    {
        for (ulong a = start & ~0xFFFUL; a < end; a += 4096) Map(st, a, a);
    }

    /// <summary>A segment-table ASCE (type 00) with table length 3 (all 2048 entries).</summary>
    public static ulong SegmentAsce(ulong st) => st | 3;

    /// <summary>Puts a standard space in CR1: lowcore, code and <paramref name="extra"/> identity-mapped.</summary>
    public ulong StandardSpace(params (ulong Start, ulong End)[] extra)
    {
        ulong st = SegmentTable();
        Identity(st, 0, 0x2000);
        Identity(st, CpuHarness.CodeAddress, CpuHarness.CodeAddress + 0x2000);
        foreach (var (s, e) in extra) Identity(st, s, e);
        Cpu.Cr[1] = SegmentAsce(st);
        return st;
    }

    /// <summary>Loads a PSW with DAT on (64-bit, the given ASC and key) at the code address.</summary>
    public void DatOn(int asc = 0, int key = 0, bool problem = false)
    {
        ulong m = Psw.EA | Psw.BA | Psw.Dat | ((ulong)asc << 46) | ((ulong)key << 52) | (problem ? Psw.Problem : 0);
        Cpu.LoadPsw(m, CpuHarness.CodeAddress);
    }

    /// <summary>Runs the emitted code; a program interruption is delivered through the lowcore and its code returned (0: none).</summary>
    public ushort Run(int maxSteps = 10_000)
    {
        for (int n = 0; n < maxSteps; n++)
        {
            try
            {
                // events due at the boundary (a PER event of the instruction just completed) come first
                if (Cpu.Cycles >= Cpu.EventCycle) Cpu.ServiceEvents();
                if (Cpu.PswAddr < CpuHarness.CodeAddress || Cpu.PswAddr >= H.End) return 0;
                Cpu.Step();
            }
            catch (ProgramInterruptException e)
            {
                Cpu.TakeProgramInterruption(e);
                return H.Get16(Lowcore.PgmCode);
            }
        }
        throw new InvalidOperationException("program did not finish");
    }

    /// <summary>Executes exactly <paramref name="steps"/> instructions (wherever they are); stops at a program interruption and returns its code.</summary>
    public ushort RunSteps(int steps)
    {
        for (int n = 0; n <= steps; n++)
        {
            try
            {
                if (Cpu.Cycles >= Cpu.EventCycle) Cpu.ServiceEvents();
                if (n < steps) Cpu.Step();
            }
            catch (ProgramInterruptException e)
            {
                Cpu.TakeProgramInterruption(e);
                return H.Get16(Lowcore.PgmCode);
            }
        }
        return 0;
    }

    public ulong OldPswAddr => H.Get64(Lowcore.PgmOldPsw + 8);
    public ulong OldPswMask => H.Get64(Lowcore.PgmOldPsw);
    public ulong Teid => H.Get64(Lowcore.TransExcId);
    public int Ilc => H.Get16(Lowcore.PgmIlc);
}
