using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using NUnit.Framework;
using S390Jit.Loader;
using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Tests.Loader;

/// <summary>Checks the parser against real s390x ELF files: the project's guests and a freshly compiled one.</summary>
[TestFixture]
public class RealElfTests
{
    private static string? FindGuestsDir()
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "S390Jit.sln")))
                return Path.Combine(dir.FullName, "guests");
        }
        return null;
    }

    [Test]
    public void Guests_ParseWithEntryAndStart()
    {
        string? dir = FindGuestsDir();
        string[] files = dir is not null && Directory.Exists(dir) ? Directory.GetFiles(dir, "*.elf") : [];
        if (files.Length == 0) Assert.Ignore("no guests/*.elf yet");
        Assert.Multiple(() =>
        {
            foreach (string f in files)
            {
                var img = ElfImage.Load(f);
                Assert.That(img.Entry, Is.EqualTo(0x10000UL), f);
                Assert.That(img.Symbols.TryGetAddress("_start", out ulong start), Is.True, $"{f}: _start");
                Assert.That(img.Symbols.TryLookup(img.Entry, out var atEntry, out ulong off), Is.True, $"{f}: symbol at entry");
                Assert.That((atEntry.Value, off), Is.EqualTo((img.Entry, 0UL)), f);
                Assert.That(img.Segments.Any(s => s.Executable && s.PhysAddr <= start && start < s.PhysEnd), Is.True,
                    $"{f}: _start in an executable segment");
                Assert.DoesNotThrow(() => img.CheckFits(128UL << 20), f);
            }
        });
    }

    [Test]
    public void CompiledElf_MatchesReadelf()
    {
        string dir = Path.Combine(Path.GetTempPath(), $"s390jit-elf-{Guid.NewGuid():n}");
        Directory.CreateDirectory(dir);
        try
        {
            string src = Path.Combine(dir, "t.c"), elf = Path.Combine(dir, "t.elf");
            File.WriteAllText(src, """
                int counter = 5;
                char buffer[256];
                static int helper(int x) { return x * 3 + buffer[x]; }
                int main(void) { return helper(counter); }
                void _start(void) { counter = main(); for (;;); }
                """);
            if (Run("s390x-linux-gnu-gcc", ["-O1", "-nostdlib", "-static", "-ffreestanding", "-fno-inline",
                    "-Wl,-Ttext-segment=0x10000", "-Wl,-e,_start", "-o", elf, src]) is null)
                Assert.Ignore("s390x-linux-gnu-gcc not available");
            string readelf = Run("s390x-linux-gnu-readelf", ["-hlSsW", elf]) ?? "";
            if (readelf.Length == 0) Assert.Ignore("s390x-linux-gnu-readelf not available");

            var img = ElfImage.Load(elf);

            ulong entry = Hex(Regex.Match(readelf, @"Entry point address:\s+0x([0-9a-f]+)").Groups[1].Value);
            Assert.That(img.Entry, Is.EqualTo(entry));
            Assert.That(img.Symbols.TryGetAddress("_start", out ulong start) && start == entry, Is.True);

            var loads = Regex.Matches(readelf,
                @"^\s*LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(R?)\s?(W?)\s?(E?)\s+0x",
                RegexOptions.Multiline);
            Assert.That(img.Segments, Has.Count.EqualTo(loads.Count));
            for (int i = 0; i < loads.Count; i++)
            {
                var g = loads[i].Groups;
                var s = img.Segments[i];
                Assert.That((s.FileOffset, s.VirtAddr, s.PhysAddr, s.FileSize, s.MemSize),
                    Is.EqualTo((Hex(g[1].Value), Hex(g[2].Value), Hex(g[3].Value), Hex(g[4].Value), Hex(g[5].Value))));
                Assert.That(s.Executable, Is.EqualTo(g[8].Value == "E"));
                Assert.That(s.Writable, Is.EqualTo(g[7].Value == "W"));
            }

            var secs = Regex.Matches(readelf, @"^\s*\[\s*(\d+)\]\s+(\S*)\s+(\S+)\s+([0-9a-f]{16})\s+([0-9a-f]+)\s+([0-9a-f]+)",
                RegexOptions.Multiline);
            Assert.That(img.Sections, Has.Count.EqualTo(secs.Count));
            for (int i = 0; i < secs.Count; i++)
            {
                var g = secs[i].Groups;
                var s = img.Sections[i];
                Assert.That((s.Name, s.Addr, s.Size), Is.EqualTo((g[2].Value, Hex(g[4].Value), Hex(g[6].Value))), $"section {i}");
            }

            var syms = Regex.Matches(readelf,
                @"^\s*(\d+):\s+([0-9a-f]{16})\s+(0x[0-9a-f]+|\d+)\s+(\w+)\s+(\w+)\s+\w+\s+(\w+)\s*(\S*)\s*$",
                RegexOptions.Multiline);
            Assert.That(syms, Has.Count.GreaterThan(5));
            Assert.That(img.Symbols.Count, Is.EqualTo(syms.Count - 1), "readelf also lists the null symbol");
            foreach (Match m in syms.Skip(1))
            {
                var g = m.Groups;
                var s = img.Symbols.All[int.Parse(g[1].Value, CultureInfo.InvariantCulture) - 1];
                string size = g[3].Value;
                Assert.That(s.Value, Is.EqualTo(Hex(g[2].Value)));
                Assert.That(s.Size, Is.EqualTo(size.StartsWith("0x") ? Hex(size[2..]) : ulong.Parse(size, CultureInfo.InvariantCulture)));
                Assert.That(TypeName(s.Type), Is.EqualTo(g[4].Value));
                Assert.That(BindName(s.Bind), Is.EqualTo(g[5].Value));
                Assert.That(NdxName(s.SectionIndex), Is.EqualTo(g[6].Value));
                if (s.Type != STT_SECTION) Assert.That(s.Name, Is.EqualTo(g[7].Value));
            }

            // Address lookups inside the compiled functions and objects.
            foreach (string name in new[] { "main", "helper", "_start", "counter", "buffer" })
            {
                Assert.That(img.Symbols.TryGetSymbol(name, out var sym), Is.True, name);
                Assert.That(img.Symbols.TryLookup(sym.Value + sym.Size - 1, out var hit, out ulong off), Is.True, name);
                Assert.That((hit.Name, off), Is.EqualTo((name, sym.Size - 1)));
            }
            var text = img.FindSection(".text")!;
            Assert.That(text.Executable, Is.True);
            var seg = img.Segments.Single(s => s.VirtAddr <= text.Addr && text.Addr < s.VirtAddr + s.MemSize);
            Assert.That(text.Data.ToArray(),
                Is.EqualTo(seg.Data.Slice((int)(text.Addr - seg.VirtAddr), (int)text.Size).ToArray()));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static ulong Hex(string s) => ulong.Parse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture);

    private static string TypeName(byte t) => t switch
    {
        STT_NOTYPE => "NOTYPE", STT_OBJECT => "OBJECT", STT_FUNC => "FUNC", STT_SECTION => "SECTION",
        STT_FILE => "FILE", STT_TLS => "TLS", _ => t.ToString(CultureInfo.InvariantCulture),
    };

    private static string BindName(byte b) => b switch
    {
        STB_LOCAL => "LOCAL", STB_GLOBAL => "GLOBAL", STB_WEAK => "WEAK", _ => b.ToString(CultureInfo.InvariantCulture),
    };

    private static string NdxName(ushort n) => n switch
    {
        SHN_UNDEF => "UND", SHN_ABS => "ABS", SHN_COMMON => "COM", _ => n.ToString(CultureInfo.InvariantCulture),
    };

    /// <summary>Runs a tool; null if it is not installed or fails.</summary>
    private static string? Run(string tool, string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args) psi.ArgumentList.Add(a);
        try
        {
            using var p = Process.Start(psi)!;
            var stdout = p.StandardOutput.ReadToEndAsync();
            var stderr = p.StandardError.ReadToEndAsync();
            if (!p.WaitForExit(60_000))
            {
                p.Kill();
                return null;
            }
            if (p.ExitCode != 0)
            {
                TestContext.Out.WriteLine($"{tool} failed: {stderr.Result}");
                return null;
            }
            return stdout.Result;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }
    }
}
