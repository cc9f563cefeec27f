using System.Buffers.Binary;
using S390Jit.Architecture.State;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>TEST BLOCK as KVM handles it (handle_test_block; kvm-unit-tests intercept): under both engines.</summary>
public class TestBlockTests
{
    private const ulong Page = 0x30000;

    private static (RunResult Result, Machine Machine) Run(TestGuest g, string engine)
    {
        var m = new Machine(new MachineOptions { Console = new MemoryStream(), MaxCycles = 50_000_000, Engine = engine });
        m.LoadKernel(g.Image());
        for (int k = 0; k < 4096; k++) m.Kvm.Memory.Span(Page + (ulong)k, 1)[0] = 0xAA;
        return (m.Run(), m);
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Clears_the_block_and_reports_it_usable(string engine)
    {
        // R2 designates any byte of the block; GR0 is set to zero
        var g = new TestGuest().Load64(0, 0x1234).Load64(5, Page + 0x123).Asm("TB", r1: 0, r2: 5).Asm("IPM", r1: 7).Stop();
        var (r, m) = Run(g, engine);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(m.Kvm.Memory.Span(Page, 4096).ToArray().All(b => b == 0), Is.True, "the whole block is zero");
            Assert.That((m.Boot.Cpu.G[0], (m.Boot.Cpu.G[7] >> 28) & 3), Is.EqualTo((0UL, 0UL)), "GR0 zeroed, cc 0");
        }
    }

    [TestCase("interp", 0x1000UL, true, PgmCode.Protection)]
    [TestCase("jit", 0x1000UL, true, PgmCode.Protection)]
    [TestCase("interp", 0xFFFF_F000UL, false, PgmCode.Addressing)]
    [TestCase("jit", 0xFFFF_F000UL, false, PgmCode.Addressing)]
    public void Low_address_protection_and_addressing(string engine, ulong block, bool lowProtection, ushort code)
    {
        var g = new TestGuest();
        if (lowProtection) g.Load64(1, 1UL << 28).Asm("STG", r1: 1, b2: 0, d2: 0x300).Asm("LCTLG", r1: 0, r3: 0, b2: 0, d2: 0x300);
        g.Load64(5, block).Asm("TB", r1: 0, r2: 5).Stop();
        var (_, m) = Run(g, engine);
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait));
            Assert.That(BinaryPrimitives.ReadUInt16BigEndian(m.Kvm.Memory.Span(Lowcore.PgmCode, 2)), Is.EqualTo(code));
            if (lowProtection)
                Assert.That(BinaryPrimitives.ReadUInt64BigEndian(m.Kvm.Memory.Span(Lowcore.TransExcId, 8)) & 0x84, Is.EqualTo(Teid.LowAddress), "TEID: low-address protection");
        }
    }
}
