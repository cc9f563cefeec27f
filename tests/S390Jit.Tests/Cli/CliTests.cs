using S390Jit.Architecture.State;
using S390Jit.Tests.Guests;
using S390Jit.Tests.Loader;
using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Tests.Cli;

/// <summary>The s390jit command line: exit codes, one-line errors, qemu spellings.</summary>
public class CliTests
{
    private static (int Code, string Out, string Err) Run(params string[] args)
    {
        var o = new StringWriter();
        var e = new StringWriter();
        // the guest console goes to the process's stdout; tests check exit codes and stderr
        int code = S390Jit.Cli.Program.Run(args, o, e);
        return (code, o.ToString(), e.ToString());
    }

    private static string TempFile(byte[] content)
    {
        string p = Path.Combine(Path.GetTempPath(), $"s390jit-cli-{Guid.NewGuid():N}.elf");
        File.WriteAllBytes(p, content);
        return p;
    }

    private static void AssertOneLineError(string err)
    {
        var lines = err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.That(lines, Has.Length.EqualTo(1), err);
        Assert.That(err, Does.Not.Contain("   at "), "no stack trace");
    }

    public static IEnumerable<TestCaseData> MalformedElfs()
    {
        var valid = ElfBuilder.Typical().Build();
        yield return new TestCaseData(Array.Empty<byte>(), "empty").SetName("Malformed_elf_exits_2(empty file)");
        var rnd = new byte[4096]; new Random(1).NextBytes(rnd);
        yield return new TestCaseData(rnd, "").SetName("Malformed_elf_exits_2(random bytes)");
        yield return new TestCaseData(valid[..40], "truncated").SetName("Malformed_elf_exits_2(truncated header)");
        var c32 = (byte[])valid.Clone(); c32[4] = ELFCLASS32;
        yield return new TestCaseData(c32, "32-bit").SetName("Malformed_elf_exits_2(32-bit)");
        var le = (byte[])valid.Clone(); le[5] = ELFDATA2LSB;
        yield return new TestCaseData(le, "little-endian").SetName("Malformed_elf_exits_2(little-endian)");
        var x86 = (byte[])valid.Clone(); x86[18] = 0; x86[19] = 62;
        yield return new TestCaseData(x86, "wrong machine AMD64 (62)").SetName("Malformed_elf_exits_2(x86)");
        var big = new ElfBuilder().Segment(0x7FF_0000, new byte[16], memSize: 0x20_0000).Build();
        yield return new TestCaseData(big, "beyond guest memory").SetName("Malformed_elf_exits_2(segment beyond memory)");
        var overlap = new ElfBuilder().Segment(0x10000, new byte[0x100]).Segment(0x10080, new byte[0x100]).Build();
        yield return new TestCaseData(overlap, "overlaps").SetName("Malformed_elf_exits_2(overlapping segments)");
        var b = ElfBuilder.Typical();
        var filesz = b.Build(); ElfBuilder.PutU64(filesz, b.PhdrOffset(1) + ElfBuilder.P_memsz, 4);
        yield return new TestCaseData(filesz, "file size 0x8 exceeds memory size 0x4").SetName("Malformed_elf_exits_2(p_filesz > p_memsz)");
        var past = b.Build(); ElfBuilder.PutU64(past, b.PhdrOffset(1) + ElfBuilder.P_offset, (ulong)past.Length);
        yield return new TestCaseData(past, "extends past end of file").SetName("Malformed_elf_exits_2(offset past end of file)");
        var phnum = (byte[])valid.Clone(); ElfBuilder.PutU16(phnum, 56, 0xfffe);
        yield return new TestCaseData(phnum, "65534 x 56 bytes) extends past end of file").SetName("Malformed_elf_exits_2(huge phnum)");
    }

    [TestCaseSource(nameof(MalformedElfs))]
    public void Malformed_elf_exits_2(byte[] content, string expect)
    {
        string path = TempFile(content);
        try
        {
            var (code, _, err) = Run("run", path);
            Assert.That(code, Is.EqualTo(2), err);
            AssertOneLineError(err);
            Assert.That(err, Does.StartWith($"s390jit: could not load kernel '{path}': ").And.Contain(expect));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Missing_kernel_file_is_reported_in_QEMU_wording()
    {
        var (code, _, err) = Run("run", "/nonexistent/kernel.elf");
        Assert.That(code, Is.EqualTo(2));
        AssertOneLineError(err);
        Assert.That(err.Trim(), Is.EqualTo("s390jit: could not load kernel '/nonexistent/kernel.elf': No such file or directory"));
    }

    [TestCase("--bogus")]
    [TestCase("-bogus")]
    public void Unknown_option_exits_2(string opt)
    {
        var (code, _, err) = Run("run", Repo.Path("guests", "hello.elf"), opt);
        Assert.That(code, Is.EqualTo(2));
        AssertOneLineError(err);
    }

    [TestCase("-m", "12X")]
    [TestCase("-smp", "0")]
    [TestCase("-machine", "pc")]
    [TestCase("-device", "e1000")]
    [TestCase("--engine", "magic")]
    [TestCase("--trace", "everything")]
    public void Bad_option_values_exit_2(string opt, string value)
    {
        var (code, _, err) = Run("run", Repo.Path("guests", "hello.elf"), opt, value);
        Assert.That(code, Is.EqualTo(2), err);
        AssertOneLineError(err);
    }

    [Test]
    public void Help_describes_run_and_the_qemu_spellings()
    {
        var (code, o, _) = Run("run", "--help");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(o, Does.Contain("--max-cycles").And.Contain("-kernel").And.Contain("-append").And.Contain("--stats"));
    }

    [TestCase("disasm", "--raw")]
    [TestCase("mkinitramfs", "--output")]
    public void Help_of_a_subcommand_needs_none_of_its_arguments(string command, string option)
    {
        var (code, o, e) = Run(command, "--help");
        Assert.That(code, Is.EqualTo(0), e);
        Assert.That(o, Does.Contain(option));
    }

    [Test]
    public void Qemu_spelling_runs_a_guest()
    {
        var (code, _, err) = Run("-nodefaults", "-nographic", "-machine", "s390-ccw-virtio,accel=tcg", "-chardev", "stdio,id=con0",
            "-device", "sclpconsole,chardev=con0", "-kernel", Repo.Path("guests", "hello.elf"), "-m", "256", "-append", "x=1");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Is.Empty);
    }

    [Test]
    public void Stats_report_instructions_cycles_intercepts_and_wall_time()
    {
        var (code, _, err) = Run("run", Repo.Path("guests", "hello.elf"), "--stats");
        Assert.That(code, Is.EqualTo(0));
        Assert.That(err, Does.Contain("guest instructions").And.Contain("cycles").And.Contain("intercept 0x04 SERVC").And.Contain("wall time"));
    }

    [Test]
    public void Max_cycles_exit_3()
    {
        var (code, _, err) = Run("run", Repo.Path("guests", "sieve.elf"), "--max-cycles", "100000");
        Assert.That(code, Is.EqualTo(3));
        AssertOneLineError(err);
        Assert.That(err, Does.Contain("--max-cycles"));
    }

    [Test]
    public void Disabled_wait_exit_1()
    {
        string path = TempFile(new TestGuest().LoadPsw(Psw.EA | Psw.BA | Psw.Wait, 0x1234).BuildElf());
        try
        {
            var (code, _, err) = Run("run", path);
            Assert.That(code, Is.EqualTo(1));
            Assert.That(err.Trim(), Is.EqualTo("s390jit: disabled wait, PSW 0002000180000000 0000000000001234"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Dat_guest_without_tables_ends_in_its_program_check_wait_with_one_line()
    {
        string path = TempFile(new TestGuest().DatOnWithoutTables(0x10100).BuildElf());
        try
        {
            var (code, _, err) = Run("run", path);
            Assert.That(code, Is.EqualTo(1));
            AssertOneLineError(err);
            Assert.That(err, Does.Contain("disabled wait"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Mkinitramfs_makes_a_gzip_cpio_of_files_at_their_paths_and_refuses_a_missing_source_in_one_line()
    {
        string init = TempFile("#!/bin/sh\n"u8.ToArray());
        string output = init + ".gz";
        try
        {
            var (code, stdout, err) = Run("mkinitramfs", init + ":/init", "-o", output);
            Assert.That((code, err), Is.EqualTo((0, "")));
            Assert.That(stdout, Does.Match(@": 1 entry, \d+ bytes"), "/init");
            var gz = File.ReadAllBytes(output);
            Assert.That((gz[0], gz[1]), Is.EqualTo(((byte)0x1F, (byte)0x8B)), "gzip");

            (code, _, err) = Run("mkinitramfs", "/nonexistent/dir/x", "-o", output);
            Assert.That(code, Is.EqualTo(2));
            AssertOneLineError(err);
            Assert.That(err, Does.StartWith("s390jit: mkinitramfs: '/nonexistent/dir/x': no such file or directory"));
        }
        finally { File.Delete(init); File.Delete(output); }
    }

    [TestCase("--engine tier1 run k.elf", "run --engine tier1 k.elf")]
    [TestCase("-m 64M --stats run k.elf -append x", "run -m 64M --stats k.elf -append x")]
    [TestCase("run k.elf --engine interp", "run k.elf --engine interp")]
    [TestCase("-name run -kernel k.elf", "-name run -kernel k.elf")]
    [TestCase("-kernel k.elf", "-kernel k.elf")]
    public void Options_before_run_belong_to_run(string line, string expected) =>
        Assert.That(string.Join(' ', S390Jit.Cli.Program.HoistRun(line.Split(' '))), Is.EqualTo(expected));

    [Test]
    public void An_engine_given_before_run_is_used()
    {
        // the JIT engine reports its regions under --stats, the reference interpreter does not
        var (code, _, err) = Run("--engine", "interp", "run", Repo.Path("guests", "hello.elf"), "--stats");
        Assert.That(code, Is.EqualTo(0), err);
        Assert.That(err, Does.Contain("stats: guest instructions").And.Not.Contain("stats: jit regions"));
        var (code2, _, err2) = Run("--engine", "jit", "run", Repo.Path("guests", "hello.elf"), "--stats");
        Assert.That(code2, Is.EqualTo(0), err2);
        Assert.That(err2, Does.Contain("stats: jit regions"));
    }
}
