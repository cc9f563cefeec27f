using NUnit.Framework;
using S390Jit.Loader;
using static S390Jit.Loader.ElfConstants;
using static S390Jit.Tests.Loader.ElfBuilder;

namespace S390Jit.Tests.Loader;

/// <summary>
/// What the loader adds to ELFSharp: the checks that make a bad file one line (never a library exception),
/// the segment rules (file size, file bounds, wrap, overlap, guest memory), the symbol table choice.
/// </summary>
[TestFixture]
public class ElfImageTests
{
    /// <summary>Parses and expects exactly an <see cref="ImageFormatException"/> with a one-line message.</summary>
    internal static string ParseError(byte[] file)
    {
        var ex = Assert.Throws<ImageFormatException>(() => KernelImage.Parse(file));
        Assert.That(ex!.Message, Does.Not.Contain('\n').And.Not.Contain('\r').And.Not.Empty);
        return ex.Message;
    }

    private static byte[] Patched(Action<ElfBuilder, byte[]> patch)
    {
        var b = ElfBuilder.Typical();
        var file = b.Build();
        patch(b, file);
        return file;
    }

    [Test]
    public void Typical_image_segments_sections_and_symbols()
    {
        var img = ElfImage.Parse(ElfBuilder.Typical().Build());
        Assert.That((img.Entry, img.Type, img.Format), Is.EqualTo((0x10000UL, ELFSharp.ELF.FileType.Executable, "ELF")));
        Assert.That(img.Segments.Select(s => (s.Index, s.PhysAddr, s.FileSize, s.MemSize, s.Executable, s.Writable)), Is.EqualTo(new[]
        {
            (0, 0x10000UL, 0x100UL, 0x100UL, true, false), (1, 0x20000UL, 8UL, 0x1000UL, false, true),
        }));
        Assert.That(img.Segments[0].Data.ToArray(), Is.EqualTo(Enumerable.Range(0, 0x100).Select(i => (byte)i).ToArray()));
        Assert.That(img.End, Is.EqualTo(0x21000UL));
        Assert.That(img.Sections.Select(s => s.Name), Is.EqualTo(new[] { "", ".text", ".data", ".bss", ".symtab", ".strtab", ".shstrtab" }));
        Assert.That(img.FindSection(".text")!.Data.ToArray(), Is.EqualTo(img.Segments[0].Data.ToArray()));
        Assert.That(img.FindSection(".bss")!.Data.Length, Is.EqualTo(0));
        Assert.That(img.Symbols.Count, Is.EqualTo(6));
        Assert.That(img.Symbols.TryGetSymbol("counter", out var counter), Is.True);
        Assert.That(counter, Is.EqualTo(new ElfSymbol("counter", 0x20000, 8, STT_OBJECT, STB_GLOBAL, 2)));
        Assert.That(img.Symbols.TryGetAddress("start.c", out _), Is.False, "STT_FILE symbols are not addresses");
    }

    [TestCase(0x10010UL, "_start+0x10")] // size-0 symbol: nearest preceding
    [TestCase(0x10042UL, "main+0x22")]
    [TestCase(0x1007fUL, "helper+0x1f")]
    [TestCase(0x20107UL, "buffer+0xff")]
    [TestCase(0x10080UL, "0x10080")] // past sized 'helper'
    public void Symbols_from_ELFSharp_resolve_addresses(ulong address, string expected) =>
        Assert.That(ElfImage.Parse(ElfBuilder.Typical().Build()).Symbols.Describe(address), Is.EqualTo(expected));

    [Test]
    public void Dynsym_is_used_when_there_is_no_symtab_and_no_section_table_means_no_symbols()
    {
        var b = ElfBuilder.Typical();
        b.SymbolsAsDynsym = true;
        Assert.That(ElfImage.Parse(b.Build()).Symbols.Describe(0x10020), Is.EqualTo("main"));
        b = ElfBuilder.Typical();
        b.SectionHeaders = false;
        var img = ElfImage.Parse(b.Build());
        Assert.That((img.Sections.Count, img.Symbols.Count, img.Segments.Count), Is.EqualTo((0, 0, 2)));
    }

    [Test]
    public void Segments_physical_addresses_count_empty_and_adjacent_ones_do_not_overlap()
    {
        var b = new ElfBuilder();
        b.Segment(0, [9, 9], type: PT_NOTE);
        b.Segment(0x10000, new byte[0x100], vaddr: 0xffff_0000_0000_1000);
        b.Segment(0x10100, new byte[0x10], vaddr: 0xffff_0000_0000_1000); // adjacent; same vaddr is fine
        b.Segment(0x10080, [], memSize: 0);                                // empty, inside segment 1
        b.Segment(0x20000, [], memSize: 0x1000, flags: PF_R | PF_W);       // bss only
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Segments.Select(s => s.Index), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(img.Segments[0].VirtAddr, Is.EqualTo(0xffff_0000_0000_1000UL));
    }

    // ---------------------------------------------------------------- every malformed input: one line

    public static IEnumerable<TestCaseData> Malformed()
    {
        TestCaseData Case(string name, byte[] file, string message) => new TestCaseData(file, message).SetName($"Malformed({name})");
        var typical = ElfBuilder.Typical();
        var valid = typical.Build();
        yield return Case("empty", [], "empty file");
        yield return Case("truncated", valid[..40], "truncated ELF header (got 40 bytes, need 64)");
        yield return Case("32-bit", Patched((_, f) => f[4] = ELFCLASS32), "32-bit ELF (ELFCLASS32); need ELF64");
        yield return Case("class 3", Patched((_, f) => f[4] = 3), "invalid ELF class 3; need ELFCLASS64 (2)");
        yield return Case("little-endian", Patched((_, f) => f[5] = ELFDATA2LSB), "little-endian ELF; s390x needs big-endian");
        yield return Case("data 0", Patched((_, f) => f[5] = 0), "invalid ELF data encoding 0; need ELFDATA2MSB (2)");
        yield return Case("ident version", Patched((_, f) => f[6] = 0), "unsupported ELF ident version 0; need EV_CURRENT (1)");
        yield return Case("version", Patched((_, f) => PutU32(f, 20, 2)), "unsupported ELF version 2; need EV_CURRENT (1)");
        yield return Case("x86", Patched((_, f) => PutU16(f, 18, 62)), "wrong machine AMD64 (62); need S390 (22)");
        yield return Case("machine 4660", Patched((_, f) => PutU16(f, 18, 4660)), "wrong machine 4660; need S390 (22)");
        yield return Case("ET_REL", Patched((_, f) => PutU16(f, 16, ET_REL)), "unsupported ELF type Relocatable (1); need Executable (2) or SharedObject (3)");
        yield return Case("e_ehsize", Patched((_, f) => PutU16(f, 52, 52)), "ELF header size 52 (e_ehsize); need 64");
        yield return Case("e_phentsize", Patched((_, f) => PutU16(f, 54, 32)), "program header entry size 32 (e_phentsize); need 56");
        yield return Case("no program headers", new ElfBuilder().Build(), "no loadable segments (no program headers)");
        yield return Case("no PT_LOAD", new ElfBuilder().Segment(0, [1], type: PT_NOTE).Build(), "no loadable segments (no PT_LOAD program header)");
        yield return Case("huge phnum", Patched((_, f) => PutU16(f, 56, 0xfffe)),
            $"program header table at 0x40 (65534 x 56 bytes) extends past end of file (0x{valid.Length:x} bytes)");
        yield return Case("PN_XNUM", Patched((_, f) => PutU16(f, 56, PN_XNUM)), "extended program header numbering (PN_XNUM) is not supported");
        yield return Case("phoff wraps", Patched((_, f) => PutU64(f, 32, ulong.MaxValue - 8)),
            $"program header table at 0xfffffffffffffff7 (2 x 56 bytes) extends past end of file (0x{valid.Length:x} bytes)");
        yield return Case("segment offset past end", Patched((b, f) => PutU64(f, b.PhdrOffset(1) + P_offset, (ulong)f.Length - 4)),
            $"segment 1 file data at 0x{valid.Length - 4:x} (0x8 bytes) extends past end of file (0x{valid.Length:x} bytes)");
        yield return Case("segment offset wraps", Patched((b, f) => PutU64(f, b.PhdrOffset(1) + P_offset, ulong.MaxValue - 3)),
            $"segment 1 file data at 0xfffffffffffffffc (0x8 bytes) extends past end of file (0x{valid.Length:x} bytes)");
        yield return Case("p_filesz > p_memsz", Patched((b, f) => PutU64(f, b.PhdrOffset(1) + P_memsz, 4)), "segment 1 file size 0x8 exceeds memory size 0x4");
        yield return Case("huge p_filesz", Patched((b, f) => { PutU64(f, b.PhdrOffset(1) + P_filesz, ulong.MaxValue); PutU64(f, b.PhdrOffset(1) + P_memsz, ulong.MaxValue); }),
            $"segment 1 file data at 0x{typical.SegmentDataOffsets[1]:x} (0xffffffffffffffff bytes) extends past end of file (0x{valid.Length:x} bytes)");
        yield return Case("address wraps", new ElfBuilder().Segment(0xffff_ffff_ffff_f000, [1], memSize: 0x1000).Build(),
            "segment 0 physical address 0xfffffffffffff000 + size 0x1000 wraps around the address space");
        yield return Case("overlapping", new ElfBuilder().Segment(0x10000, new byte[0x100]).Segment(0x100f0, new byte[0x20]).Build(),
            "segment 1 [0x100f0-0x10110) overlaps segment 0 [0x10000-0x10100)");
        yield return Case("contained", new ElfBuilder().Segment(0x20000, [1], memSize: 0x10).Segment(0x1ff00, [], memSize: 0x1000).Build(),
            "segment 1 [0x1ff00-0x20f00) overlaps segment 0 [0x20000-0x20010)");
        yield return Case("e_shentsize", Patched((_, f) => PutU16(f, 58, 40)), "section header entry size 40 (e_shentsize); need 64");
        yield return Case("section table past end", Patched((b, f) => PutU16(f, 60, 8)),
            $"section header table at 0x{typical.ShOff:x} (8 x 64 bytes) extends past end of file (0x{valid.Length:x} bytes)");
        yield return Case("e_shnum 0", Patched((_, f) => PutU16(f, 60, 0)), "extended section numbering (e_shnum 0 or e_shstrndx SHN_XINDEX) is not supported");
        yield return Case("e_shstrndx 99", Patched((_, f) => PutU16(f, 62, 99)), "section name string table index 99 (e_shstrndx) out of range (7 sections)");
        yield return Case("e_shstrndx not strtab", Patched((_, f) => PutU16(f, 62, 1)), "section name string table (section 1) has type 1; need SHT_STRTAB (3)");
        yield return Case("section past end", Patched((b, f) => PutU64(f, b.ShdrOffset(1) + Sh_offset, (ulong)f.Length)),
            $"section 1 data at 0x{valid.Length:x} (0x100 bytes) extends past end of file (0x{valid.Length:x} bytes)");
        yield return Case("random bytes", RandomBytes(4096, 1), "neither an ELF file nor an s390 Linux boot image (no ELF magic, no \"S390EP\" at 0x10008)");
        yield return Case("shell script", "#!/bin/sh\n"u8.ToArray(), "neither an ELF file nor an s390 Linux boot image (no ELF magic, no \"S390EP\" at 0x10008)");
    }

    [TestCaseSource(nameof(Malformed))]
    public void Malformed_input_is_one_line(byte[] file, string message) => Assert.That(ParseError(file), Is.EqualTo(message));

    [Test]
    public void Symbol_table_ELFSharp_cannot_read_is_one_line()
    {
        // a symbol's name offset far beyond .strtab
        var message = ParseError(Patched((b, f) => PutU32(f, b.SymbolOffset(2), 0xffff_fff0)));
        Assert.That(message, Does.StartWith("malformed ELF section or symbol tables: "));
    }

    [Test]
    public void Check_fits_guest_memory()
    {
        var img = ElfImage.Parse(ElfBuilder.Typical().Build());
        Assert.DoesNotThrow(() => img.CheckFits(0x21000));
        Assert.That(Assert.Throws<ImageFormatException>(() => img.CheckFits(0x20800))!.Message,
            Is.EqualTo("segment 1 [0x20000-0x21000) lies beyond guest memory (0x20800 bytes)"));
        var b = new ElfBuilder().Segment(0x10000, [1]).Segment(0x9000000, [], memSize: 0).Segment(0x7fff000, [2], memSize: 0x2000);
        Assert.That(Assert.Throws<ImageFormatException>(() => ElfImage.Parse(b.Build()).CheckFits(128UL << 20))!.Message,
            Is.EqualTo("segment 2 [0x7fff000-0x8001000) lies beyond guest memory (128 MiB)"), "empty segments need no memory");
    }

    // ---------------------------------------------------------------- robustness: nothing but ImageFormatException

    [Test]
    public void Truncated_at_every_length_fails_cleanly()
    {
        var file = ElfBuilder.Typical().Build();
        for (int n = 0; n < file.Length; n++) TryParse(file[..n], $"length {n}");
    }

    [Test]
    public void Random_bytes_behind_a_valid_header_prefix()
    {
        var valid = ElfBuilder.Typical().Build();
        var rng = new Random(12345);
        for (int i = 0; i < 3000; i++)
        {
            var buf = new byte[rng.Next(0, i % 10 == 0 ? 4096 : 300)];
            rng.NextBytes(buf);
            if (i % 2 == 1) valid.AsSpan(0, Math.Min(buf.Length, rng.Next(4, 65))).CopyTo(buf);
            TryParse(buf, $"random #{i}");
        }
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    public void Mutated_image_fails_cleanly_or_parses_consistently(int seed)
    {
        var b = ElfBuilder.Typical();
        byte[] valid = b.Build();
        var rng = new Random(seed);
        var hot = new List<int>();
        for (int o = 0; o < 64; o += 2) hot.Add(o);
        for (int i = 0; i < 2; i++) for (int f = 0; f < 56; f += 4) hot.Add(b.PhdrOffset(i) + f);
        for (int i = 0; i < 7; i++) for (int f = 0; f < 64; f += 4) hot.Add(b.ShdrOffset(i) + f);
        ulong[] interesting = [0, 1, 2, 3, 22, 24, 56, 64, 0xff, 0xffff, 0x7fff_ffff, 0xffff_ffff, (ulong)valid.Length,
            (ulong)valid.Length + 1, ulong.MaxValue, 0x8000_0000_0000_0000, 0x10000];
        int ok = 0;
        for (int iter = 0; iter < 1500; iter++)
        {
            byte[] f = (byte[])valid.Clone();
            for (int e = rng.Next(1, 5); e > 0; e--)
            {
                int off = rng.Next(3) == 0 ? rng.Next(f.Length) : hot[rng.Next(hot.Count)];
                switch (rng.Next(4))
                {
                    case 0: f[off] = (byte)rng.Next(256); break;
                    case 1 when off + 2 <= f.Length: PutU16(f, off, (ushort)interesting[rng.Next(interesting.Length)]); break;
                    case 2 when off + 4 <= f.Length: PutU32(f, off, (uint)interesting[rng.Next(interesting.Length)]); break;
                    case 3 when off + 8 <= f.Length: PutU64(f, off, interesting[rng.Next(interesting.Length)]); break;
                }
            }
            if (TryParse(f, $"seed {seed} mutation #{iter}") is not ElfImage img) continue;
            ok++;
            var loaded = img.Segments.Where(s => s.MemSize > 0).OrderBy(s => s.PhysAddr).ToArray();
            foreach (var s in img.Segments) Assert.That(((ulong)s.Data.Length, s.FileSize <= s.MemSize), Is.EqualTo((s.FileSize, true)));
            for (int i = 1; i < loaded.Length; i++) Assert.That(loaded[i].PhysAddr, Is.GreaterThanOrEqualTo(loaded[i - 1].PhysEnd));
            for (int i = 0; i < 20; i++)
                if (img.Symbols.TryLookup(0x10000UL + (ulong)rng.Next(0x11000), out var sym, out ulong off)) Assert.That(sym.Value + off, Is.LessThan(0x21000UL));
        }
        Assert.That(ok, Is.GreaterThan(0));
    }

    private static KernelImage? TryParse(byte[] file, string what)
    {
        try { return KernelImage.Parse(file); }
        catch (ImageFormatException e)
        {
            if (e.Message.Contains('\n') || e.Message.Length == 0) Assert.Fail($"{what}: bad message '{e.Message}'");
            return null;
        }
        catch (Exception e)
        {
            Assert.Fail($"{what}: {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            return null;
        }
    }

    internal static byte[] RandomBytes(int n, int seed)
    {
        var b = new byte[n];
        new Random(seed).NextBytes(b);
        return b;
    }
}
