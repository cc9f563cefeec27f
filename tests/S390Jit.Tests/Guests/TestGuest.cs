using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Loader;
using S390Jit.Tests.Loader;

namespace S390Jit.Tests.Guests;

/// <summary>
/// Builds tiny s390x ELF kernels in the test: a lowcore image (new PSWs) and code assembled with
/// the table's assembler, entered at 0x10000 like the bundled guests.
/// </summary>
public sealed class TestGuest
{
    public const ulong Entry = 0x10000;
    /// <summary>Interruption new PSWs point at disabled waits whose address tells which class fired.</summary>
    public const ulong ProgramCheckWait = 0xDEAD_0000, ExternalWait = 0xE0E0_0000;

    private readonly List<byte> _code = new();
    private readonly byte[] _lowcore = new byte[0x200];

    public TestGuest()
    {
        SetPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA | Psw.Wait, ProgramCheckWait);
        SetPsw(Lowcore.ExtNewPsw, Psw.EA | Psw.BA | Psw.Wait, ExternalWait);
    }

    public TestGuest SetPsw(int offset, ulong mask, ulong addr)
    {
        for (int i = 0; i < 8; i++) { _lowcore[offset + i] = (byte)(mask >> (56 - 8 * i)); _lowcore[offset + 8 + i] = (byte)(addr >> (56 - 8 * i)); }
        return this;
    }

    public ulong Here => Entry + (ulong)_code.Count;

    public TestGuest Asm(string mnemonic, int r1 = 0, int r2 = 0, int r3 = 0, int x2 = 0, int b1 = 0, int b2 = 0,
        long d1 = 0, long d2 = 0, long i1 = 0, long i2 = 0, int m1 = 0, int m3 = 0, long ri2 = 0)
    {
        _code.AddRange(Assembler.Encode(mnemonic, r1: r1, r2: r2, r3: r3, x2: x2, b1: b1, b2: b2, d1: d1, d2: d2, i1: i1, i2: i2, m1: m1, m3: m3, ri2: ri2));
        return this;
    }

    public TestGuest Bytes(params byte[] b) { _code.AddRange(b); return this; }

    /// <summary>The code assembled so far (to be placed at any address: only relative branches are position independent).</summary>
    public byte[] CodeBytes() => _code.ToArray();

    /// <summary>Loads a 64-bit constant into a register (IIHF + IILF).</summary>
    public TestGuest Load64(int r, ulong v) => Asm("IIHF", r1: r, i2: (long)(v >> 32)).Asm("IILF", r1: r, i2: (long)(uint)v);

    /// <summary>SIGP STOP to this CPU (address 0): the run ends with exit 0.</summary>
    public TestGuest Stop() => Asm("LGHI", r1: 3, i2: 0).Asm("SIGP", r1: 0, r3: 3, d2: 5);

    /// <summary>
    /// Turns DAT on at <paramref name="addr"/> with CR1 designating a segment table (at absolute
    /// 0x3000) whose entries are all invalid: the first instruction fetch is a segment-translation exception.
    /// </summary>
    public TestGuest DatOnWithoutTables(ulong addr) =>
        Asm("LGHI", r1: 2, i2: 0x20).Asm("STG", r1: 2, d2: 0x3000)
        .Asm("LGHI", r1: 2, i2: 0x3000).Asm("STG", r1: 2, d2: 0x3008).Asm("LCTLG", r1: 1, r3: 1, d2: 0x3008)
        .LoadPsw(Psw.EA | Psw.BA | Psw.Dat, addr);

    /// <summary>LPSWE from an inline 16-byte PSW (placed after a branch over it).</summary>
    public TestGuest LoadPsw(ulong mask, ulong addr)
    {
        // LARL 1,psw ; LPSWE 0(1) ; .align 8 ; psw
        int pad = (int)((8 - ((Here + 6 + 4) & 7)) & 7);
        Asm("LARL", r1: 1, ri2: (6 + 4 + pad) / 2).Asm("LPSWE", b2: 1, d2: 0);
        for (int i = 0; i < pad; i++) _code.Add(0x07);
        for (int i = 0; i < 8; i++) _code.Add((byte)(mask >> (56 - 8 * i)));
        for (int i = 0; i < 8; i++) _code.Add((byte)(addr >> (56 - 8 * i)));
        return this;
    }

    public byte[] BuildElf() => new ElfBuilder { Entry = Entry }
        .Segment(0, _lowcore, flags: ElfConstants.PF_R | ElfConstants.PF_W)
        .Segment(Entry, _code.ToArray())
        .Build();

    public string WriteTemp()
    {
        string path = Path.Combine(Path.GetTempPath(), $"s390jit-test-{Guid.NewGuid():N}.elf");
        File.WriteAllBytes(path, BuildElf());
        return path;
    }

    public ElfImage Image() => ElfImage.Parse(BuildElf());
}
