using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>
/// Rows that end a translated block but after which translated code goes on (<see cref="InsnFlags.Continues"/>: EX, EXRL,
/// STNSM, STOSM, SSM, STCK...): a loop brackets a section with STNSM/STOSM as the kernel's interrupt-disabling sections do,
/// makes a clock-comparator interruption pending while it is disabled, and runs EXRL of MVC, EXRL of a taken BCR and STCK inside. Every engine
/// must take the interruption right after the STOSM that enables it, every time, and end in the interpreter's state to
/// the cycle (the first tier's chains and the compiled regions now run through these rows).
/// </summary>
public class ContinuingRowsTests
{
    private const int Iterations = 3000;

    /// <summary>The guest, assembled twice: the first pass finds the labels' addresses, the second uses them.</summary>
    private static (TestGuest Guest, ulong AfterStosm) Build()
    {
        var labels = new Dictionary<string, ulong>();
        Assemble(labels);
        return (Assemble(labels), labels["after"]);
    }

    private static TestGuest Assemble(Dictionary<string, ulong> at)
    {
        var g = new TestGuest();
        long Rel(string label) => at.TryGetValue(label, out ulong a) ? ((long)a - (long)g.Here) / 2 : 0;
        void Mark(string label) => at[label] = g.Here;
        g.Load64(1, Cr0.ClockComparator).Asm("STG", r1: 1, d2: 0x308).Asm("LCTLG", r1: 0, r3: 0, d2: 0x308)
            .Load64(2, ~0UL).Asm("STG", r1: 2, d2: 0x328)
            .Asm("LGHI", r1: 9, i2: Iterations).Asm("LGHI", r1: 5, i2: 0).Asm("LGHI", r1: 6, i2: 0)
            .Asm("LGHI", r1: 7, i2: 0).Asm("LGHI", r1: 8, i2: 0).Asm("LGHI", r1: 10, i2: 0)
            .Asm("LGHI", r1: 11, i2: 0x3000).Asm("MVHI", b1: 11, d1: 0x410, i2: 0x1234);
        Mark("loop");
        g.Asm("STNSM", b1: 0, d1: 0x318, i2: 0xFC)            // I/O and external interruptions off
            .Asm("SCKC", b2: 0, d2: 0x300)                      // comparator 0: pending at once, masked for now
            .Asm("AHI", r1: 7, i2: 1)
            .Asm("LGHI", r1: 4, i2: 7);
        g.Asm("EXRL", r1: 4, ri2: Rel("mvc"))                   // MVC of 8 bytes
            .Asm("STCK", b2: 0, d2: 0x320);
        g.Asm("LARL", r1: 3, ri2: Rel("skip"));
        g.Asm("EXRL", r1: 0, ri2: Rel("bcr"))                   // BCR 15,3: a branch the execute-type row takes
            .Asm("AHI", r1: 10, i2: 1);                         // (never runs)
        Mark("skip");
        g.Asm("STOSM", b1: 0, d1: 0x318, i2: 0x01);          // external on: the interruption comes here
        Mark("after");
        g.Asm("AHI", r1: 6, i2: 1);
        g.Asm("BRCT", r1: 9, ri2: Rel("loop")).Stop();
        Mark("handler");
        g.Asm("AHI", r1: 8, i2: 1)
            .Asm("LG", r1: 5, d2: Lowcore.ExtOldPsw + 8)       // where the interruption was taken
            .Asm("SCKC", b2: 0, d2: 0x328)                      // comparator at its maximum: no longer pending
            .Asm("LPSWE", b2: 0, d2: Lowcore.ExtOldPsw);
        Mark("mvc");
        g.Asm("MVC", b1: 11, d1: 0x400, b2: 11, d2: 0x410, i1: 0);
        Mark("bcr");
        g.Asm("BCR", r1: 15, r2: 3);
        g.SetPsw(Lowcore.ExtNewPsw, Psw.EA | Psw.BA, at.GetValueOrDefault("handler"));
        return g;
    }

    private static (ulong Instructions, ulong Cycles, ulong[] G, byte[] Low, ulong Tod) Run(string engine, out ulong afterStosm)
    {
        var (g, after) = Build();
        afterStosm = after;
        using var m = new Machine(new MachineOptions { Console = new MemoryStream(), MaxCycles = 200_000_000, Engine = engine });
        m.LoadKernel(g.Image());
        var r = m.Run();
        Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), $"{engine}: {r.Message}");
        var cpu = m.Boot.Cpu;
        var low = new byte[0x40];
        for (int i = 0; i < low.Length; i++) low[i] = cpu.ReadU8(0x3400 + (ulong)i);
        var g16 = new ulong[16];
        for (int k = 0; k < 16; k++) g16[k] = cpu.G[k];
        return (cpu.Instructions, cpu.Cycles, g16, low, cpu.ReadU64(0x320));
    }

    [Test]
    public void Interruptions_enabled_by_stosm_come_at_the_same_boundary_in_every_engine()
    {
        var i = Run("interp", out ulong after);
        Assert.That(i.G[8], Is.EqualTo((ulong)Iterations), "one clock-comparator interruption per iteration");
        Assert.That(i.G[5], Is.EqualTo(after), "taken right after STOSM");
        Assert.That((i.G[6], i.G[7]), Is.EqualTo(((ulong)Iterations, (ulong)Iterations)));
        Assert.That(i.G[10], Is.EqualTo(0UL), "the executed BCR branched over the AHI");
        Assert.That(i.Low[0..8], Is.EqualTo(new byte[] { 0, 0, 0x12, 0x34, 0, 0, 0, 0 }), "EXRL's MVC of 8 bytes");
        foreach (var engine in new[] { "jit", "jit-sync", "tier1" })
        {
            var j = Run(engine, out _);
            Assert.That((j.Instructions, j.Cycles), Is.EqualTo((i.Instructions, i.Cycles)), engine);
            Assert.That(j.G, Is.EqualTo(i.G), engine);
            Assert.That(j.Low, Is.EqualTo(i.Low), $"{engine}: memory written by EXRL's MVC");
            Assert.That(j.Tod, Is.EqualTo(i.Tod), $"{engine}: the last STCK's clock");
        }
    }
}
