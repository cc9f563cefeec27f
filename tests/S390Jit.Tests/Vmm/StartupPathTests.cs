using System.Globalization;
using NUnit.Framework;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>What replaced .NET's own parsing and console on the start-up path reads and writes as they did (perf/startup.md).</summary>
public class StartupPathTests
{
    [TestCase("0")] [TestCase("128")] [TestCase("18446744073709551615")] [TestCase("18446744073709551616")]
    [TestCase("99999999999999999999")] [TestCase("")] [TestCase(" 1")] [TestCase("1 ")] [TestCase("+1")] [TestCase("-1")]
    [TestCase("1_0")] [TestCase("0x10")] [TestCase("١٢")] [TestCase("007")] [TestCase("1.0")]
    public void TryParseDigits_reads_as_ulong_TryParse_with_NumberStyles_None(string text)
    {
        bool expected = ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong want);
        Assert.That(MachineOptions.TryParseDigits(text, out ulong got), Is.EqualTo(expected));
        Assert.That(got, Is.EqualTo(want));
    }

    [Test]
    public void Standard_streams_are_write_only_and_the_same_objects()
    {
        Assert.That(StandardStream.Output, Is.SameAs(StandardStream.Output));
        Assert.That(StandardStream.Output, Is.Not.SameAs(StandardStream.Error));
        Assert.That((StandardStream.Output.CanWrite, StandardStream.Output.CanRead, StandardStream.Output.CanSeek), Is.EqualTo((true, false, false)));
        StandardStream.Error.Write(ReadOnlySpan<byte>.Empty); // nothing written, no failure
    }
}
