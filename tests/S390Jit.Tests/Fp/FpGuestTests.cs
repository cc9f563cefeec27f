using S390Jit.Tests.Guests;

namespace S390Jit.Tests.Fp;

/// <summary>
/// guests/fpex with -append "poo": every check, including those where QEMU 7.2 departs from the PoO
/// (its golden run, guests/golden/fpex.out, leaves them out), passes under the interpreter and the JIT.
/// </summary>
public class FpGuestTests
{
    [TestCase("interp")]
    [TestCase("jit-sync")]
    public void Fp_exerciser_passes_every_PoO_check(string engine)
    {
        var (r, output, m) = GuestGoldenTests.RunGuest("fpex", "poo", o => o.Engine = engine);
        using (m)
        {
            string text = System.Text.Encoding.ASCII.GetString(output);
            Assert.That(text, Does.Contain("fpex: 94 checks, 0 failed\nEXIT: STATUS=1"), text);
        }
    }
}
