using System.Text;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Architecture;

/// <summary>
/// The bare-metal guests that check DAT, storage keys and PER where QEMU 7.2 does not follow the PoO
/// (so they have no golden): every check line says PASS, under the interpreter and under the JIT,
/// with identical output. (guests/dat and guests/clock have QEMU goldens: GuestGoldenTests.)
/// </summary>
public class ArchitectureGuestTests
{
    [TestCase("datx", 15)]
    [TestCase("per", 9)]
    [TestCase("skey", 30)]
    public void Every_check_passes_under_both_engines(string guest, int checks)
    {
        string? first = null;
        foreach (var engine in new[] { "interp", "jit-sync" })
        {
            var (r, output, m) = GuestGoldenTests.RunGuest(guest, null, o => o.Engine = engine);
            using (m)
            {
                string text = Encoding.ASCII.GetString(output);
                Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
                var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries);
                Assert.That(lines.Where(l => l.Contains(": FAIL", StringComparison.Ordinal)), Is.Empty, text);
                Assert.That(lines.Count(l => l.EndsWith(": PASS", StringComparison.Ordinal)), Is.GreaterThanOrEqualTo(checks), text);
                Assert.That(lines[^1], Is.EqualTo("EXIT: STATUS=1"), text);
                if (first == null) first = text;
                else Assert.That(text, Is.EqualTo(first), "interpreter and JIT print the same");
            }
        }
    }
}
