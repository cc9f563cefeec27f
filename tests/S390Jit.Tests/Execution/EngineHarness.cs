using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution;
using S390Jit.Execution.Interpreter;
using S390Jit.Execution.Jit;
using S390Jit.Memory;

namespace S390Jit.Tests.Execution;

/// <summary>Final state of a run, compared field by field between engines.</summary>
public sealed record CpuSnapshot(ulong[] G, ulong PswMask, ulong PswAddr, int Cc, ulong Cycles, ulong Instructions, byte[] Scratch, ushort PgmCode)
{
    public string Diff(CpuSnapshot o)
    {
        var d = new List<string>();
        for (int r = 0; r < 16; r++) if (G[r] != o.G[r]) d.Add($"r{r}: {G[r]:x16} vs {o.G[r]:x16}");
        if (PswMask != o.PswMask) d.Add($"psw mask {PswMask:x16} vs {o.PswMask:x16}");
        if (PswAddr != o.PswAddr) d.Add($"psw addr {PswAddr:x} vs {o.PswAddr:x}");
        if (Cc != o.Cc) d.Add($"cc {Cc} vs {o.Cc}");
        if (Cycles != o.Cycles) d.Add($"cycles {Cycles} vs {o.Cycles}");
        if (Instructions != o.Instructions) d.Add($"instructions {Instructions} vs {o.Instructions}");
        if (PgmCode != o.PgmCode) d.Add($"program code {PgmCode:x} vs {o.PgmCode:x}");
        for (int i = 0; i < Scratch.Length; i++)
            if (Scratch[i] != o.Scratch[i]) { d.Add($"scratch+0x{i:x}: {Scratch[i]:x2} vs {o.Scratch[i]:x2}"); break; }
        return string.Join("; ", d);
    }
}

/// <summary>
/// Runs the same code on a bare CPU (no SIE) under an engine until it stops in a disabled wait:
/// program interruptions load a disabled-wait PSW at <see cref="PgmWait"/>; the code ends by
/// loading one at <see cref="DoneWait"/>.
/// </summary>
public sealed unsafe class EngineHarness : IDisposable
{
    /// <summary>
    /// Code that runs <paramref name="body"/> in a BRCT loop on r9 after <paramref name="prologue"/>, then branches past a
    /// program-interruption handler at <paramref name="handler"/> (AHI r8,1 counts the trap, LPSWE of the program old PSW
    /// resumes after the instruction) to the end of the code.
    /// </summary>
    public static byte[] LoopWithTrapCounter(byte[] prologue, byte[] body, out int handler)
    {
        static byte[] E(string m, int r1 = 0, int b2 = 0, long d2 = 0, long i2 = 0, long ri2 = 0, int m1 = 0) =>
            Assembler.Encode(m, r1: r1, b2: b2, d2: d2, i2: i2, ri2: ri2, m1: m1);
        int loop = prologue.Length, brct = loop + body.Length;
        var back = E("BRCT", r1: 9, ri2: (loop - brct) / 2);
        handler = brct + back.Length + 4;
        int end = handler + 8;
        var tail = E("BRC", m1: 15, ri2: (end - (brct + back.Length)) / 2).Concat(E("AHI", r1: 8, i2: 1))
            .Concat(E("LPSWE", b2: 0, d2: Lowcore.PgmOldPsw));
        return [.. prologue, .. body, .. back, .. tail];
    }

    public const ulong Code = 0x10000, Scratch = 0x40000, ScratchSize = 0x2000, PgmWait = 0xDEAD0, DoneWait = 0xD00E0;
    private readonly HostMemory _host = new();
    private readonly Memslot _slot;
    public Cpu Cpu { get; }

    public EngineHarness()
    {
        _slot = new Memslot(_host, 0, 1 << 20, "test RAM");
        Cpu = new Cpu();
        Cpu.AttachStorage(_slot.Pointer, 1 << 20);
        Cpu.Facilities = new S390Jit.Host.Kvm.CpuModel().ToList();
        PutPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA | Psw.Wait, PgmWait);
    }

    public Span<byte> Mem(ulong a, int n) => _slot.Span(a, n);

    public void PutPsw(int off, ulong mask, ulong addr)
    {
        for (int i = 0; i < 8; i++) { Mem((ulong)off + (ulong)i, 1)[0] = (byte)(mask >> (56 - 8 * i)); Mem((ulong)off + 8 + (ulong)i, 1)[0] = (byte)(addr >> (56 - 8 * i)); }
    }

    /// <summary>Places code at <see cref="Code"/>, followed by LPSWE of a disabled wait at <see cref="DoneWait"/>.</summary>
    public void Load(byte[] code)
    {
        var all = new List<byte>(code);
        // LPSWE 0(0): the PSW sits at 0x300 in the lowcore
        PutPsw(0x300, Psw.EA | Psw.BA | Psw.Wait, DoneWait);
        all.AddRange(Assembler.Encode("LPSWE", b2: 0, d2: 0x300));
        all.ToArray().CopyTo(Mem(Code, all.Count));
    }

    /// <param name="mask">More PSW mask bits to start with (DAT...).</param>
    public CpuSnapshot Run(IExecutionEngine engine, int maxSlices = 200, ulong mask = 0)
    {
        Cpu.LoadPsw(Psw.EA | Psw.BA | mask, Code);
        for (int s = 0; s < maxSlices; s++)
        {
            Cpu.BudgetEnd = Cpu.Cycles + 1_000_000;
            Cpu.RecheckEvents();
            var exit = engine.Run(Cpu);
            if (exit == CpuExit.Wait) break;
            if (exit != CpuExit.Budget) throw new InvalidOperationException($"unexpected exit {exit}");
        }
        var g = new ulong[16];
        for (int r = 0; r < 16; r++) g[r] = Cpu.G[r];
        ushort pgm = Cpu.PswAddr == PgmWait ? (ushort)((Mem(Lowcore.PgmCode, 2)[0] << 8) | Mem(Lowcore.PgmCode, 2)[1]) : (ushort)0;
        return new CpuSnapshot(g, Cpu.FullPswMask, Cpu.PswAddr, Cpu.Cc, Cpu.Cycles, Cpu.Instructions, Mem(Scratch, (int)ScratchSize).ToArray(), pgm);
    }

    public static IExecutionEngine Interpreter() => new Interpreter();
    /// <summary>The JIT compiling every hot block at once, through RyuJIT (the IL regions these tests were written for).</summary>
    public static JitEngine Jit() => new(new JitOptions { Background = false, HotThreshold = 1, NativeRegions = false });
    /// <summary>The JIT compiling every hot block at once as a native region (Native.NativeRegions; RyuJIT only for promotions, which short tests do not reach).</summary>
    public static JitEngine JitNative() => new(new JitOptions { Background = false, HotThreshold = 1, NativeRegions = S390Jit.Execution.Native.ExecutableMemory.Available });

    public void Dispose() => _host.Dispose();
}
