namespace S390Jit.Architecture.State;

/// <summary>The architected state of a CPU at an instruction boundary (for lockstep verification).</summary>
public sealed class CpuState
{
    public Regs16 G, Cr;
    public Ars16 A;
    public VectorRegs V;
    public uint Fpc;
    public ulong PswMask, PswAddr, Cycles, Instructions, Ckc, TodEpoch, LastStck;
    public int Cc;
    public uint Prefix;
    public CcOp CcOp;
    public ulong CcSrc, CcDst, CcVr;

    /// <summary>Differences with another state, or an empty string.</summary>
    public string Diff(CpuState o)
    {
        var d = new List<string>();
        for (int r = 0; r < 16; r++) if (G[r] != o.G[r]) d.Add($"r{r} {G[r]:x16}/{o.G[r]:x16}");
        for (int r = 0; r < 16; r++) if (Cr[r] != o.Cr[r]) d.Add($"c{r} {Cr[r]:x16}/{o.Cr[r]:x16}");
        for (int r = 0; r < 16; r++) if (A[r] != o.A[r]) d.Add($"a{r} {A[r]:x8}/{o.A[r]:x8}");
        for (int r = 0; r < 32; r++)
            if (V[2 * r] != o.V[2 * r] || V[2 * r + 1] != o.V[2 * r + 1])
                d.Add($"v{r} {V[2 * r]:x16}{V[2 * r + 1]:x16}/{o.V[2 * r]:x16}{o.V[2 * r + 1]:x16}");
        if (Fpc != o.Fpc) d.Add($"fpc {Fpc:x8}/{o.Fpc:x8}");
        if (PswMask != o.PswMask || PswAddr != o.PswAddr) d.Add($"psw {PswMask:x16} {PswAddr:x}/{o.PswMask:x16} {o.PswAddr:x}");
        if (Cc != o.Cc) d.Add($"cc {Cc}/{o.Cc}");
        if (Cycles != o.Cycles) d.Add($"cycles {Cycles}/{o.Cycles}");
        if (Instructions != o.Instructions) d.Add($"instructions {Instructions}/{o.Instructions}");
        if (Prefix != o.Prefix) d.Add($"prefix {Prefix:x}/{o.Prefix:x}");
        return string.Join(", ", d);
    }
}

public unsafe partial class Cpu
{
    /// <summary>When set, every store goes through the slow path and records the 8 bytes it may change (absolute address, old bytes).</summary>
    public List<(ulong Abs, ulong Old)>? WriteJournal;

    public CpuState Capture() => new()
    {
        G = G, Cr = Cr, A = A, V = V, Fpc = Fpc, PswMask = FullPswMask, PswAddr = PswAddr, Cycles = Cycles, Instructions = Instructions,
        Ckc = Ckc, TodEpoch = TodEpoch, LastStck = _lastStck, Cc = Cc, Prefix = Prefix, CcOp = CcOp, CcSrc = CcSrc, CcDst = CcDst, CcVr = CcVr,
    };

    public void Restore(CpuState s)
    {
        G = s.G; Cr = s.Cr; A = s.A; V = s.V; Fpc = s.Fpc;
        PswMask = s.PswMask & ~Psw.CcMask;
        PswAddr = s.PswAddr;
        UpdateAddressingMode();
        CcOp = s.CcOp; CcSrc = s.CcSrc; CcDst = s.CcDst; CcVr = s.CcVr;
        Cycles = s.Cycles; Instructions = s.Instructions; Ckc = s.Ckc; TodEpoch = s.TodEpoch; Prefix = s.Prefix; _lastStck = s.LastStck;
        ResetTranslationContext();
    }

    private void Journal(ulong abs)
    {
        ulong old = 0;
        for (int i = 0; i < 8; i++) old = (old << 8) | (abs + (ulong)i < MemSize ? Mem[abs + (ulong)i] : (byte)0);
        WriteJournal!.Add((abs, old));
    }

    /// <summary>Puts back what the journal recorded, newest first, and clears it.</summary>
    public void UndoJournal()
    {
        var j = WriteJournal!;
        for (int k = j.Count - 1; k >= 0; k--)
        {
            var (abs, old) = j[k];
            for (int i = 0; i < 8; i++)
                if (abs + (ulong)i < MemSize) Mem[abs + (ulong)i] = (byte)(old >> (56 - 8 * i));
        }
        j.Clear();
    }

    /// <summary>The 8 bytes at an absolute address (zero beyond storage).</summary>
    public ulong PeekAbsolute64(ulong abs)
    {
        ulong v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (abs + (ulong)i < MemSize ? Mem[abs + (ulong)i] : (byte)0);
        return v;
    }
}
