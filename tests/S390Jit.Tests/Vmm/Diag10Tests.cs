using System.Buffers.Binary;
using S390Jit.Architecture.State;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>DIAG 0x10 (release pages) as KVM's diag_release_pages checks it (kvm-unit-tests diag10), under both engines.</summary>
public class Diag10Tests
{
    private static ushort Run(ulong start, ulong end, string engine, bool problemState = false)
    {
        var g = new TestGuest().Load64(4, start).Load64(6, end);
        if (problemState) g.Load64(1, Psw.EA | Psw.BA | Psw.Problem).Asm("STG", r1: 1, b2: 0, d2: 0x300).Load64(1, TestGuest.Entry + 0x60).Asm("STG", r1: 1, b2: 0, d2: 0x308).Asm("LPSWE", b2: 0, d2: 0x300);
        while (problemState && g.Here < TestGuest.Entry + 0x60) g.Asm("BCR", r1: 0, r2: 0);
        g.Asm("DIAG", r1: 4, r3: 6, d2: 0x10).Stop();
        using var m = new Machine(new MachineOptions { Console = new MemoryStream(), MaxCycles = 50_000_000, Engine = engine });
        m.LoadKernel(g.Image());
        var r = m.Run();
        if (m.Boot.Cpu.PswAddr != TestGuest.ProgramCheckWait) { Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message); return 0; }
        return BinaryPrimitives.ReadUInt16BigEndian(m.Kvm.Memory.Span(Lowcore.PgmCode, 2));
    }

    [TestCase(0x0UL, 0x0UL, Description = "the lowcore")]
    [TestCase(0x1000UL, 0x1000UL, Description = "the second lowcore page")]
    [TestCase(0x31000UL, 0x30000UL, Description = "end below start")]
    [TestCase(0x3002AUL, 0x31000UL, Description = "unaligned start")]
    [TestCase(0x30000UL, 0x3102AUL, Description = "unaligned end")]
    public void Bad_ranges_are_specification_exceptions(ulong start, ulong end)
    {
        foreach (var engine in new[] { "interp", "jit" })
            Assert.That(Run(start, end, engine), Is.EqualTo(PgmCode.Specification), engine);
    }

    [Test]
    public void A_valid_range_is_released_and_problem_state_is_privileged()
    {
        foreach (var engine in new[] { "interp", "jit" })
        {
            Assert.That(Run(0x30000, 0x30000, engine), Is.EqualTo(0), engine + ": one page (the last page is inclusive)");
            Assert.That(Run(0x30000, 0x30000, engine, problemState: true), Is.EqualTo(PgmCode.PrivilegedOperation), engine);
        }
    }
}
