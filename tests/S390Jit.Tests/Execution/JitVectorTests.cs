using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Tests.Execution;

/// <summary>
/// The vector rows that are simple bodies (loads, stores, element moves, immediates, Boolean operations,
/// VA/VS) run compiled and end as the interpreter: a hot loop over operands in storage, with page-crossing
/// VL/VST/VLM and element accesses, element indexes from registers, and (optionally) specification
/// exceptions in the middle of the region (element index or size out of range), counted by a
/// program-interruption handler that resumes after the instruction; results are stored with VSTM and compared.
/// </summary>
public class JitVectorTests
{
    private static byte[] Concat(params byte[][] parts) => parts.SelectMany(p => p).ToArray();
    private static byte[] E(string m, int r1 = 0, int r2 = 0, int r3 = 0, int x2 = 0, int b2 = 0, long d2 = 0, long i2 = 0, long i3 = 0,
        long ri2 = 0, int m1 = 0, int m3 = 0, int m4 = 0, int v1 = 0, int v2 = 0, int v3 = 0) =>
        Assembler.Encode(m, r1: r1, r2: r2, r3: r3, x2: x2, b2: b2, d2: d2, i2: i2, i3: i3, ri2: ri2, m1: m1, m3: m3, m4: m4, v1: v1, v2: v2, v3: v3);

    /// <summary>The rows made simple bodies (one body shared by the interpreter and the JIT).</summary>
    public static readonly string[] Simple =
    [
        "VL", "VST", "VLR", "VLM", "VSTM", "VLEB", "VLEH", "VLEF", "VLEG", "VSTEB", "VSTEH", "VSTEF", "VSTEG", "VLREP",
        "VLGV", "VLVG", "VLVGP", "VLEIB", "VLEIH", "VLEIF", "VLEIG", "VGBM", "VGM", "VREPI", "VREP",
        "VN", "VNC", "VO", "VNO", "VX", "VNX", "VNN", "VOC", "VA", "VS",
    ];

    private static byte[] Body(bool specs)
    {
        const int S = 5; // scratch base
        var b = new List<byte[]>
        {
            E("VL", v1: 1, b2: S, d2: 0), E("VL", v1: 2, b2: S, d2: 16, m3: 3), E("VL", v1: 17, b2: S, d2: 0xFF8), // the last crosses a page
            E("VN", v1: 3, v2: 1, v3: 2), E("VO", v1: 4, v2: 1, v3: 2), E("VX", v1: 5, v2: 1, v3: 17), E("VNC", v1: 6, v2: 17, v3: 2),
            E("VNO", v1: 7, v2: 1, v3: 2), E("VNN", v1: 8, v2: 1, v3: 17), E("VOC", v1: 9, v2: 1, v3: 2), E("VNX", v1: 10, v2: 17, v3: 2),
            E("VA", v1: 11, v2: 1, v3: 2, m4: 0), E("VA", v1: 12, v2: 1, v3: 17, m4: 1), E("VA", v1: 13, v2: 1, v3: 2, m4: 2),
            E("VA", v1: 14, v2: 17, v3: 2, m4: 3), E("VA", v1: 15, v2: 1, v3: 17, m4: 4),
            E("VS", v1: 16, v2: 1, v3: 2, m4: 0), E("VS", v1: 17, v2: 17, v3: 1, m4: 1), E("VS", v1: 18, v2: 2, v3: 1, m4: 2),
            E("VSTM", v1: 3, v2: 18, b2: S, d2: 0x200),
            E("VS", v1: 19, v2: 1, v3: 2, m4: 3), E("VS", v1: 20, v2: 2, v3: 17, m4: 4), E("VLR", v1: 21, v2: 17),
            E("VLREP", v1: 22, b2: S, d2: 7, m3: 0), E("VLREP", v1: 23, b2: S, d2: 0xFFF, m3: 1),
            E("VLREP", v1: 24, b2: S, d2: 0x21, m3: 2), E("VLREP", v1: 25, b2: S, d2: 0xFFC, m3: 3),
            E("VGBM", v1: 26, i2: 0xA5C3), E("VGM", v1: 27, i2: 13, i3: 2, m4: 1), E("VREPI", v1: 28, i2: -3, m3: 1),
            E("VREP", v1: 29, v3: 1, i2: 5, m4: 0), E("VLEIH", v1: 30, i2: -2, m3: 7), E("VLEIB", v1: 30, i2: 0x7F, m3: 0),
            E("VLEIF", v1: 30, i2: -30000, m3: 2), E("VLEIG", v1: 26, i2: 12345, m3: 1),
            E("VLVG", v1: 31, r3: 9, b2: 9, d2: 0, m4: 0), E("VLVG", v1: 31, r3: 6, b2: 9, d2: 3, m4: 1),
            E("VLVG", v1: 30, r3: 9, b2: 9, d2: 1, m4: 2), E("VLVG", v1: 29, r3: 6, b2: 9, d2: 0, m4: 3),
            E("VSTM", v1: 19, v2: 31, b2: S, d2: 0x300),
            E("VLGV", r1: 7, v3: 1, b2: 9, d2: 0, m4: 0), E("AGR", r1: 6, r2: 7), E("VLGV", r1: 7, v3: 2, b2: 9, d2: 1, m4: 1), E("AGR", r1: 6, r2: 7),
            E("VLGV", r1: 7, v3: 4, b2: 9, d2: 2, m4: 2), E("AGR", r1: 6, r2: 7), E("VLGV", r1: 7, v3: 5, b2: 9, d2: 0, m4: 3), E("ALGR", r1: 6, r2: 7),
            E("VLEB", v1: 1, b2: S, d2: 0x11, m3: 15), E("VLEH", v1: 2, b2: S, d2: 0xFFF, m3: 5), E("VLEF", v1: 3, b2: S, d2: 0xFFE, m3: 1),
            E("VLEG", v1: 4, b2: S, d2: 0xFFA, m3: 1), E("VLVGP", v1: 5, r2: 6, r3: 9),
            E("VSTEB", v1: 5, b2: S, d2: 0x400, m3: 3), E("VSTEH", v1: 6, b2: S, d2: 0x402, m3: 5), E("VSTEF", v1: 7, b2: S, d2: 0xFFE, m3: 2),
            E("VSTEG", v1: 8, b2: S, d2: 0x408, m3: 1), E("VST", v1: 17, b2: S, d2: 0xFFC, m3: 4),
            E("VLM", v1: 24, v2: 25, b2: S, d2: 0xFF0), E("VSTM", v1: 1, v2: 5, b2: S, d2: 0x500), E("VSTM", v1: 24, v2: 25, b2: S, d2: 0x5A0),
            E("VST", v1: 3, b2: S, d2: 0x20), // feeds the next iteration
        };
        if (specs)
            b.AddRange([
                E("VLEH", v1: 1, b2: S, d2: 0, m3: 8), E("AHI", r1: 10, i2: 1), E("VLEIG", v1: 1, i2: 1, m3: 2), E("VSTEF", v1: 1, b2: S, d2: 0, m3: 4),
                E("VLGV", r1: 7, v3: 1, b2: 9, d2: 0, m4: 4), E("VREP", v1: 1, v3: 2, i2: 16, m4: 0), E("AHI", r1: 10, i2: 1),
                E("VA", v1: 1, v2: 1, v3: 2, m4: 5), E("VLREP", v1: 1, b2: S, d2: 0, m3: 4), E("VGM", v1: 1, i2: 0, i3: 1, m4: 4),
                E("VLM", v1: 5, v2: 4, b2: S, d2: 0), E("VREPI", v1: 1, i2: 1, m3: 4), E("VSTEG", v1: 1, b2: S, d2: 0, m3: 2), E("AHI", r1: 10, i2: 1),
            ]);
        return Concat(b.ToArray());
    }

    private static byte[] Program(bool specs, out int handler)
    {
        var pro = Concat(E("LLILF", r1: 5, i2: (long)EngineHarness.Scratch), E("LGHI", r1: 9, i2: 20), E("LGHI", r1: 6, i2: 77));
        var body = Body(specs);
        return EngineHarness.LoopWithTrapCounter(pro, body, out handler);
    }

    private static (CpuSnapshot Interp, CpuSnapshot Jit, long Compiled) Both(bool specs, ulong cr0)
    {
        var code = Program(specs, out int handler);
        using var x = new EngineHarness();
        using var y = new EngineHarness();
        var rng = new Random(11);
        var data = new byte[0x1100];
        rng.NextBytes(data);
        foreach (var h in new[] { x, y })
        {
            h.Load(code);
            h.PutPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA, EngineHarness.Code + (ulong)handler);
            h.Cpu.Cr[0] |= cr0;
            data.CopyTo(h.Mem(EngineHarness.Scratch, data.Length));
        }
        var jit = EngineHarness.Jit();
        var i = x.Run(EngineHarness.Interpreter());
        var j = y.Run(jit);
        return (i, j, jit.Stats.CompiledInstructions);
    }

    [Test]
    public void The_common_vector_rows_are_simple_bodies()
    {
        foreach (var m in Simple)
        {
            var def = InstructionTable.ByMnemonic(m)!;
            Assert.That(def.IsSimple, Is.True, m);
            Assert.That(def.Has(InsnFlags.Vector), Is.True, m);
        }
    }

    [Test]
    public void Compiled_vector_rows_end_as_the_interpreter()
    {
        var (i, j, compiled) = Both(specs: false, Cr0.VectorControls);
        Assert.That(i.PswAddr, Is.EqualTo(EngineHarness.DoneWait), "the loop ends");
        Assert.That(i.G[8], Is.EqualTo(0UL), "no interruption");
        Assert.That(j.Diff(i), Is.Empty);
        Assert.That(compiled, Is.GreaterThan((long)i.Instructions / 2), "most instructions ran compiled");
    }

    [Test]
    public void Specification_exceptions_in_the_middle_of_a_region_as_the_interpreter()
    {
        var (i, j, _) = Both(specs: true, Cr0.VectorControls);
        Assert.That(i.PswAddr, Is.EqualTo(EngineHarness.DoneWait), "the loop ends");
        Assert.That(i.G[8], Is.EqualTo(20UL * 11), "every out-of-range element index or size is a specification exception");
        Assert.That(i.G[10], Is.EqualTo(20UL * 3), "execution resumes after each");
        Assert.That(j.Diff(i), Is.Empty);
    }

    [TestCase(0UL, TestName = "Vector_rows_with_CR0_AFP_and_vector_controls_off_are_data_exceptions_in_compiled_code_too")]
    [TestCase(Cr0.AfpRegisters, TestName = "Vector_rows_with_the_vector_enablement_control_off_are_data_exceptions_in_compiled_code_too")]
    public void Vector_disabled(ulong cr0)
    {
        var (i, j, _) = Both(specs: false, cr0);
        Assert.That(i.PswAddr, Is.EqualTo(EngineHarness.DoneWait), "the loop ends");
        Assert.That(i.G[8], Is.GreaterThan(20UL * 30), "every vector instruction of every iteration traps");
        Assert.That(j.Diff(i), Is.Empty);
    }
}
