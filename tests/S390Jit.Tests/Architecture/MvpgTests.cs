using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution;
using S390Jit.Tests.Execution;
using static S390Jit.Tests.Architecture.ExceptionKindTests;

namespace S390Jit.Tests.Architecture;

/// <summary>MOVE PAGE (PoO "MOVE PAGE"): the move, GR0's key-function control and condition-code option, the operand-access identification.</summary>
public class MvpgTests
{
    private static byte[] A(string m, int r1 = 0, int r2 = 0, long i2 = 0) => Assembler.Encode(m, r1: r1, r2: r2, i2: i2);

    /// <summary>Runs [code..., MVPG 2,4] under both engines; returns the interpreter's snapshot and lowcore, checking the JIT agrees.</summary>
    private static (CpuSnapshot Snap, byte[] Lowcore, byte[] Dest) Run(ulong gr0, bool dat, Action<EngineHarness> setup, ulong dest, ulong src)
    {
        var results = new List<(CpuSnapshot, byte[], byte[])>();
        foreach (var engine in new IExecutionEngine[] { EngineHarness.Interpreter(), EngineHarness.Jit() })
        {
            using var h = new EngineHarness();
            var code = new List<byte>();
            if (dat) code.AddRange(DatOn);
            code.AddRange(A("LLILL", r1: 0, i2: (long)gr0));
            code.AddRange(A("MVPG", r1: 2, r2: 4));
            code.AddRange(A("IPM", r1: 7));
            h.Load(code.ToArray());
            for (int k = 0; k < 4096; k++) h.Mem(0x30000 + (ulong)k, 1)[0] = (byte)(k * 7 + 1);
            h.Cpu.G[2] = dest; h.Cpu.G[4] = src;
            setup(h);
            var snap = h.Run(engine);
            results.Add((snap, h.Mem(0, 0x200).ToArray(), h.Mem(dest & ~0xFFFUL & 0xFFFFF, 4096).ToArray()));
        }
        Assert.That(results[1].Item1.Diff(results[0].Item1), Is.Empty, "interpreter and JIT agree");
        Assert.That(results[1].Item2, Is.EqualTo(results[0].Item2));
        return results[0];
    }

    private static readonly byte[] Pattern = Enumerable.Range(0, 4096).Select(k => (byte)(k * 7 + 1)).ToArray();

    [Test]
    public void Moves_the_whole_page_ignoring_the_low_address_bits()
    {
        var (snap, _, dest) = Run(0, dat: false, _ => { }, EngineHarness.Scratch + 0x123, 0x30FFF);
        Assert.That((snap.PgmCode, (int)((snap.G[7] >> 28) & 3)), Is.EqualTo(((ushort)0, 0)));
        Assert.That(dest, Is.EqualTo(Pattern));
    }

    [TestCase(0x0C00UL, Description = "key-function control 3")]
    [TestCase(0x1000UL, Description = "key-function control 4 (move-page-and-set-key is not offered)")]
    [TestCase(0x8000UL, Description = "reserved bit 48")]
    public void Invalid_gr0_is_a_specification_exception(ulong gr0)
    {
        var (snap, _, _) = Run(gr0, dat: false, _ => { }, EngineHarness.Scratch, 0x30000);
        Assert.That(snap.PgmCode, Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Operand_outside_storage_is_an_addressing_exception()
    {
        var (snap, _, _) = Run(0, dat: false, _ => { }, EngineHarness.Scratch, 0xFFFF_F000);
        Assert.That(snap.PgmCode, Is.EqualTo(PgmCode.Addressing));
    }

    [Test]
    public void Page_translation_stores_the_operand_access_identification()
    {
        var (snap, lc, _) = Run(0, dat: true, h => Space(h, mapData: false), Data, EngineHarness.Scratch);
        Assert.That(snap.PgmCode, Is.EqualTo(PgmCode.PageTranslation));
        Assert.That(lc[Lowcore.OpAccessId], Is.EqualTo(0x24), "R1 and R2");
    }

    [TestCase(true, false, 1, Description = "destination invalid")]
    [TestCase(false, true, 2, Description = "source invalid")]
    [TestCase(true, true, 2, Description = "both invalid: the source decides")]
    public void Condition_code_option_reports_an_invalid_page_as_a_condition_code(bool destInvalid, bool srcInvalid, int cc)
    {
        const ulong Other = 0x50000; // unmapped in the test space
        var (snap, _, _) = Run(0x100, dat: true, h => Space(h), destInvalid ? Other : Data, srcInvalid ? Other : EngineHarness.Scratch);
        Assert.That((snap.PgmCode, (int)((snap.G[7] >> 28) & 3)), Is.EqualTo(((ushort)0, cc)));
    }

    [Test]
    public void Condition_code_option_does_not_hide_a_protected_destination()
    {
        var (snap, _, _) = Run(0x100, dat: true, h => Space(h, TableEntry.Protect), Data, EngineHarness.Scratch);
        Assert.That(snap.PgmCode, Is.EqualTo(PgmCode.Protection));
    }

    [Test]
    public void Read_only_source_is_moved()
    {
        var (snap, _, _) = Run(0, dat: true, h => Space(h, TableEntry.Protect), EngineHarness.Scratch, Data);
        Assert.That((snap.PgmCode, (int)((snap.G[7] >> 28) & 3)), Is.EqualTo(((ushort)0, 0)));
    }
}
