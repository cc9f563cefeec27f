using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Host.Kvm;
using S390Jit.Memory;

namespace S390Jit.Tests.Architecture;

/// <summary>
/// A bare CPU (no SIE) with 1 MiB of storage for instruction-level tests: code assembled with the
/// table's <see cref="Assembler"/> is placed at 0x10000 and stepped until it runs off its end.
/// </summary>
public sealed unsafe class CpuHarness : IDisposable
{
    public const ulong CodeAddress = 0x10000;
    private readonly HostMemory _host = new();
    private readonly Memslot _slot;
    private ulong _end = CodeAddress;

    public CpuHarness(ulong memory = 1 << 20)
    {
        _slot = new Memslot(_host, 0, memory, "test RAM");
        Cpu = new Cpu();
        Cpu.AttachStorage(_slot.Pointer, memory);
        Cpu.Facilities = new CpuModel().ToList();
        Cpu.LoadPsw(Psw.EA | Psw.BA, CodeAddress);
    }

    public Cpu Cpu { get; }
    public ulong End => _end;

    public CpuHarness Emit(byte[] insn)
    {
        insn.CopyTo(_slot.Span(_end, insn.Length));
        _end += (ulong)insn.Length;
        return this;
    }

    public CpuHarness Asm(string mnemonic, int r1 = 0, int r2 = 0, int r3 = 0, int x2 = 0, int b1 = 0, int b2 = 0, int b4 = 0,
        long d1 = 0, long d2 = 0, long d4 = 0, long i2 = 0, long i3 = 0, long i4 = 0, long i5 = 0,
        int m1 = 0, int m3 = 0, int l1 = 0, int l2 = 0, long ri2 = 0, long ri4 = 0, int m4 = 0) =>
        Emit(Assembler.Encode(mnemonic, r1: r1, r2: r2, r3: r3, x2: x2, b1: b1, b2: b2, b4: b4, d1: d1, d2: d2, d4: d4,
            i2: i2, i3: i3, i4: i4, i5: i5, m1: m1, m3: m3, m4: m4, l1: l1, l2: l2, ri2: ri2, ri4: ri4));

    /// <summary>Steps until the PSW leaves the emitted code; returns the program-interruption code (0 if none).</summary>
    public ushort Run(int maxSteps = 100_000)
    {
        for (int n = 0; n < maxSteps; n++)
        {
            if (Cpu.PswAddr < CodeAddress || Cpu.PswAddr >= _end) return 0;
            try { Cpu.Step(); }
            catch (ProgramInterruptException e) { return e.Code; }
        }
        throw new InvalidOperationException("program did not finish");
    }

    public Span<byte> Mem(ulong abs, int len) => _slot.Span(abs, len);
    public void Put(ulong abs, params byte[] bytes) => bytes.CopyTo(Mem(abs, bytes.Length));
    public void Put64(ulong abs, ulong v) { for (int i = 0; i < 8; i++) Mem(abs + (ulong)i, 1)[0] = (byte)(v >> (56 - 8 * i)); }
    public ulong Get64(ulong abs) { ulong v = 0; for (int i = 0; i < 8; i++) v = (v << 8) | Mem(abs + (ulong)i, 1)[0]; return v; }
    public uint Get32(ulong abs) => (uint)(Get64(abs) >> 32);
    public ushort Get16(ulong abs) => (ushort)(Get64(abs) >> 48);

    public void Dispose() => _host.Dispose();
}
