using S390Jit.Architecture.Isa;

namespace S390Jit.Tests.Architecture;

/// <summary>"s390jit disasm": ELF sections, raw files, --bytes, one-line errors with exit code 2.</summary>
public class DisasmCommandTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        int code = S390Jit.Cli.Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string Temp(byte[] content)
    {
        string p = Path.Combine(Path.GetTempPath(), $"s390jit-disasm-{Guid.NewGuid():N}.bin");
        File.WriteAllBytes(p, content);
        return p;
    }

    private static List<string> InstructionLines(string output) =>
        output.Split('\n').Where(l => l.Length > 0 && char.IsAsciiHexDigit(l[0]) && l.Contains(":\t")).ToList();

    [Test]
    public void Raw_file_at_a_base_address()
    {
        byte[] code = [.. Assembler.Encode("STMG", r1: 6, r3: 15, b2: 15, d2: 48), .. Assembler.Encode("AGHI", r1: 15, i2: -160),
            .. Assembler.Encode("jne", ri2: -2), .. Assembler.Encode("br", r2: 14)];
        string p = Temp(code);
        try
        {
            var (rc, output, err) = Run("disasm", p, "--raw", "--base", "0x10000");
            Assert.That(rc, Is.EqualTo(0), err);
            Assert.That(InstructionLines(output), Is.EqualTo(new[]
            {
                "10000:\tstmg\t%r6,%r15,48(%r15)", "10006:\taghi\t%r15,-160", "1000a:\tjne\t0x10006", "1000e:\tbr\t%r14",
            }));
            var (_, withBytes, _) = Run("disasm", p, "--raw", "--base", "10000", "--bytes");
            Assert.That(InstructionLines(withBytes)[0], Does.StartWith("10000:\teb 6f f0 30 00 24").And.EndWith("\tstmg\t%r6,%r15,48(%r15)"));
        }
        finally { File.Delete(p); }
    }

    [Test]
    public void Elf_guest_every_executable_section()
    {
        var (rc, output, err) = Run("disasm", Repo.Path("guests", "hello.elf"));
        Assert.That(rc, Is.EqualTo(0), err);
        Assert.That(output, Does.Contain("Disassembly of section .text:"));
        var lines = InstructionLines(output);
        Assert.That(lines.Count, Is.GreaterThan(1000));
        // the guest has symbols: objdump prints targets without 0x and with <symbol+offset>
        Assert.That(lines.Any(l => l.Contains("\tbrasl\t%r14,") && l.Contains('<')), Is.True);
    }

    [TestCase("missing")]
    [TestCase("empty")]
    [TestCase("notelf")]
    [TestCase("badbase")]
    public void Bad_input_is_one_line_and_exit_2(string kind)
    {
        string p = kind switch
        {
            "missing" => Path.Combine(Path.GetTempPath(), "no-such-file-s390jit.elf"),
            "empty" => Temp([]),
            _ => Temp([1, 2, 3, 4]),
        };
        try
        {
            var (rc, _, err) = kind switch
            {
                "empty" => Run("disasm", p, "--raw"),
                "badbase" => Run("disasm", p, "--raw", "--base", "xyz"),
                _ => Run("disasm", p),
            };
            Assert.That(rc, Is.EqualTo(2), err);
            Assert.That(err.Trim().Split('\n'), Has.Length.EqualTo(1), err);
            Assert.That(err, Does.Not.Contain("   at "));
        }
        finally { if (File.Exists(p)) File.Delete(p); }
    }
}
