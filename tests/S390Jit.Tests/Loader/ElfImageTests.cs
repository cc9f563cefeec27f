using NUnit.Framework;
using S390Jit.Loader;
using static S390Jit.Loader.ElfConstants;
using static S390Jit.Tests.Loader.ElfBuilder;

namespace S390Jit.Tests.Loader;

[TestFixture]
public class ElfImageTests
{
    /// <summary>Parses and expects exactly an <see cref="ElfFormatException"/> with a one-line message.</summary>
    private static string ParseError(byte[] file)
    {
        var ex = Assert.Throws<ElfFormatException>(() => ElfImage.Parse(file));
        Assert.That(ex!.Message, Does.Not.Contain('\n').And.Not.Contain('\r').And.Not.Empty);
        return ex.Message;
    }

    private static (ElfBuilder B, byte[] File) Typical()
    {
        var b = ElfBuilder.Typical();
        return (b, b.Build());
    }

    // ---------------------------------------------------------------- valid images

    [Test]
    public void ValidImage_HeaderAndSegments()
    {
        var (b, file) = Typical();
        var img = ElfImage.Parse(file);

        Assert.That(img.Entry, Is.EqualTo(0x10000UL));
        Assert.That(img.Type, Is.EqualTo(ElfType.Exec));
        Assert.That(img.Machine, Is.EqualTo(EM_S390));
        Assert.That(img.Segments, Has.Count.EqualTo(2));

        var text = img.Segments[0];
        Assert.That(text.Index, Is.EqualTo(0));
        Assert.That(text.PhysAddr, Is.EqualTo(0x10000UL));
        Assert.That(text.VirtAddr, Is.EqualTo(0x10000UL));
        Assert.That(text.FileOffset, Is.EqualTo((ulong)b.SegmentDataOffsets[0]));
        Assert.That(text.FileSize, Is.EqualTo(0x100UL));
        Assert.That(text.MemSize, Is.EqualTo(0x100UL));
        Assert.That(text.Align, Is.EqualTo(0x1000UL));
        Assert.That(text.Executable, Is.True);
        Assert.That(text.Writable, Is.False);
        Assert.That(text.Data.ToArray(), Is.EqualTo(Enumerable.Range(0, 0x100).Select(i => (byte)i).ToArray()));

        var data = img.Segments[1];
        Assert.That(data.Index, Is.EqualTo(1));
        Assert.That(data.PhysAddr, Is.EqualTo(0x20000UL));
        Assert.That(data.FileSize, Is.EqualTo(8UL));
        Assert.That(data.MemSize, Is.EqualTo(0x1000UL));
        Assert.That(data.PhysEnd, Is.EqualTo(0x21000UL));
        Assert.That(data.Executable, Is.False);
        Assert.That(data.Writable, Is.True);
        Assert.That(data.Data.ToArray(), Is.EqualTo(new byte[] { 1, 2, 3, 4, 5, 6, 7, 8 }));
    }

    [Test]
    public void ValidImage_Sections()
    {
        var (_, file) = Typical();
        var img = ElfImage.Parse(file);

        Assert.That(img.Sections.Select(s => s.Name),
            Is.EqualTo(new[] { "", ".text", ".data", ".bss", ".symtab", ".strtab", ".shstrtab" }));
        Assert.That(img.Sections.Select(s => s.Index), Is.EqualTo(Enumerable.Range(0, 7)));
        var text = img.FindSection(".text")!;
        Assert.That(text.Executable, Is.True);
        Assert.That(text.Type, Is.EqualTo(SHT_PROGBITS));
        Assert.That(text.Addr, Is.EqualTo(0x10000UL));
        Assert.That(text.Data.ToArray(), Is.EqualTo(img.Segments[0].Data.ToArray()));
        var bss = img.FindSection(".bss")!;
        Assert.That(bss.Executable, Is.False);
        Assert.That(bss.Size, Is.EqualTo(0xff8UL));
        Assert.That(bss.Data.Length, Is.EqualTo(0));
        Assert.That(img.FindSection(".symtab")!.EntrySize, Is.EqualTo(24UL));
        Assert.That(img.FindSection(".nope"), Is.Null);
    }

    [Test]
    public void ValidImage_SymbolsByName()
    {
        var img = ElfImage.Parse(Typical().File);
        Assert.That(img.Symbols.Count, Is.EqualTo(6));
        Assert.That(img.Symbols.TryGetAddress("_start", out ulong a), Is.True);
        Assert.That(a, Is.EqualTo(0x10000UL));
        Assert.That(img.Symbols.TryGetAddress("main", out a), Is.True);
        Assert.That(a, Is.EqualTo(0x10020UL));
        Assert.That(img.Symbols.TryGetAddress("helper", out a), Is.True);
        Assert.That(a, Is.EqualTo(0x10060UL));
        Assert.That(img.Symbols.TryGetAddress("nope", out _), Is.False);
        Assert.That(img.Symbols.TryGetAddress("start.c", out _), Is.False, "STT_FILE symbols are not addresses");

        Assert.That(img.Symbols.TryGetSymbol("counter", out var counter), Is.True);
        Assert.That(counter, Is.EqualTo(new ElfSymbol("counter", 0x20000, 8, STT_OBJECT, STB_GLOBAL, 2)));
        Assert.That(img.Sections[counter.SectionIndex].Name, Is.EqualTo(".data"));
    }

    [TestCase(0x10000UL, "_start", 0x0UL)]
    [TestCase(0x10010UL, "_start", 0x10UL)] // size-0 symbol: nearest preceding
    [TestCase(0x1001fUL, "_start", 0x1fUL)]
    [TestCase(0x10020UL, "main", 0x0UL)]
    [TestCase(0x10042UL, "main", 0x22UL)]
    [TestCase(0x1005fUL, "main", 0x3fUL)]
    [TestCase(0x10060UL, "helper", 0x0UL)]
    [TestCase(0x1007fUL, "helper", 0x1fUL)]
    [TestCase(0x20000UL, "counter", 0x0UL)]
    [TestCase(0x20007UL, "counter", 0x7UL)]
    [TestCase(0x20008UL, "buffer", 0x0UL)]
    [TestCase(0x20107UL, "buffer", 0xffUL)]
    public void ValidImage_LookupAddress(ulong address, string name, ulong offset)
    {
        var img = ElfImage.Parse(Typical().File);
        Assert.That(img.Symbols.TryLookup(address, out var sym, out ulong off), Is.True);
        Assert.That(sym.Name, Is.EqualTo(name));
        Assert.That(off, Is.EqualTo(offset));
        Assert.That(img.Symbols.Describe(address), Is.EqualTo(offset == 0 ? name : $"{name}+0x{offset:x}"));
    }

    [TestCase(0x0UL)]
    [TestCase(0xffffUL)]
    [TestCase(0x10080UL)] // past sized 'helper', no size-0 symbol in between
    [TestCase(0x1ffffUL)]
    [TestCase(0x20108UL)] // past 'buffer'
    [TestCase(ulong.MaxValue)]
    public void ValidImage_LookupMisses(ulong address)
    {
        var img = ElfImage.Parse(Typical().File);
        Assert.That(img.Symbols.TryLookup(address, out _, out _), Is.False);
        Assert.That(img.Symbols.Describe(address), Is.EqualTo($"0x{address:x}"));
    }

    [Test]
    public void EtDyn_IsAccepted_AndEntryIsNotChecked()
    {
        var b = ElfBuilder.Typical();
        b.Type = ET_DYN;
        b.Entry = 0xdead_beef_0000;
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Type, Is.EqualTo(ElfType.Dyn));
        Assert.That(img.Entry, Is.EqualTo(0xdead_beef_0000UL));
    }

    [Test]
    public void PhysicalAddressIsUsed_VirtualMayDiffer()
    {
        var b = new ElfBuilder();
        b.Segment(0x1000, [1, 2], vaddr: 0xffff_0000_0000_1000);
        b.Segment(0x2000, [3], vaddr: 0xffff_0000_0000_1000); // same vaddr is fine, paddr differs
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Segments.Select(s => (s.PhysAddr, s.VirtAddr)), Is.EqualTo(new[]
        {
            (0x1000UL, 0xffff_0000_0000_1000UL), (0x2000UL, 0xffff_0000_0000_1000UL),
        }));
    }

    [Test]
    public void NonLoadSegments_AreSkipped_IndexIsProgramHeaderIndex()
    {
        var b = new ElfBuilder();
        b.Segment(0, [9, 9], type: PT_NOTE);
        b.Segment(0x10000, [1, 2, 3, 4]);
        b.Segment(0, [], type: PT_NULL);
        b.Segment(0x20000, [5], memSize: 0x10, flags: PF_R | PF_W);
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Segments.Select(s => s.Index), Is.EqualTo(new[] { 1, 3 }));
        Assert.That(img.Segments.Select(s => s.PhysAddr), Is.EqualTo(new[] { 0x10000UL, 0x20000UL }));
    }

    [Test]
    public void SegmentsKeepFileOrder()
    {
        var b = new ElfBuilder();
        b.Segment(0x30000, [1]);
        b.Segment(0x10000, [2]);
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Segments.Select(s => s.PhysAddr), Is.EqualTo(new[] { 0x30000UL, 0x10000UL }));
    }

    [Test]
    public void AdjacentAndEmptySegments_DoNotOverlap()
    {
        var b = new ElfBuilder();
        b.Segment(0x10000, new byte[0x100]);
        b.Segment(0x10100, new byte[0x10]);                  // adjacent
        b.Segment(0x10080, [], memSize: 0);                   // empty, inside segment 0
        b.Segment(0x10000, [], memSize: 0);                   // empty, same start
        b.Segment(0x20000, [], memSize: 0x1000, flags: PF_R | PF_W); // bss-only
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Segments, Has.Count.EqualTo(5));
        Assert.That(img.Segments[2].Data.Length, Is.EqualTo(0));
        Assert.That(img.Segments[4].FileSize, Is.EqualTo(0UL));
    }

    [Test]
    public void SegmentEndingJustBelowTopOfAddressSpace_IsAccepted()
    {
        var b = new ElfBuilder();
        b.Segment(0xffff_ffff_ffff_f000, [1], memSize: 0xfff);
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Segments[0].PhysEnd, Is.EqualTo(ulong.MaxValue));
    }

    [Test]
    public void NoSectionHeaders_NoSectionsNoSymbols()
    {
        var b = ElfBuilder.Typical();
        b.SectionHeaders = false;
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Sections, Is.Empty);
        Assert.That(img.Symbols.Count, Is.EqualTo(0));
        Assert.That(img.Symbols.TryLookup(0x10000, out _, out _), Is.False);
        Assert.That(img.Segments, Has.Count.EqualTo(2));
    }

    [Test]
    public void ZeroShoff_IgnoresSectionCounts()
    {
        var (_, file) = Typical();
        PutU64(file, 40, 0);
        var img = ElfImage.Parse(file);
        Assert.That(img.Sections, Is.Empty);
        Assert.That(img.Symbols.Count, Is.EqualTo(0));
    }

    [Test]
    public void NoSymbolTable_IsTolerated()
    {
        var b = new ElfBuilder();
        b.Segment(0x10000, [1, 2]);
        b.Section(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x10000, [1, 2]);
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.Sections.Select(s => s.Name), Is.EqualTo(new[] { "", ".text", ".shstrtab" }));
        Assert.That(img.Symbols.Count, Is.EqualTo(0));
    }

    [Test]
    public void Dynsym_IsUsedWhenThereIsNoSymtab()
    {
        var b = ElfBuilder.Typical();
        b.SymbolsAsDynsym = true;
        var img = ElfImage.Parse(b.Build());
        Assert.That(img.FindSection(".dynsym"), Is.Not.Null);
        Assert.That(img.FindSection(".symtab"), Is.Null);
        Assert.That(img.Symbols.TryGetAddress("main", out ulong a), Is.True);
        Assert.That(a, Is.EqualTo(0x10020UL));
    }

    [Test]
    public void NoSectionNameTable_SectionsAreUnnamedButSymbolsStillFound()
    {
        var (_, file) = Typical();
        PutU16(file, 62, SHN_UNDEF);
        var img = ElfImage.Parse(file);
        Assert.That(img.Sections.Select(s => s.Name), Is.All.Empty);
        Assert.That(img.Symbols.TryGetAddress("_start", out ulong a), Is.True);
        Assert.That(a, Is.EqualTo(0x10000UL));
    }

    [Test]
    public void ExtendedNumbering_ShnumShstrndxAndPhnumFromSection0()
    {
        var (b, file) = Typical();
        int sh0 = b.ShdrOffset(0);
        PutU64(file, sh0 + Sh_size, 7);                    // real e_shnum
        PutU32(file, sh0 + Sh_link, (uint)b.ShstrtabIndex); // real e_shstrndx
        PutU32(file, sh0 + 44, 2);                          // sh_info: real e_phnum
        PutU16(file, 60, 0);
        PutU16(file, 62, SHN_XINDEX);
        PutU16(file, 56, PN_XNUM);
        var img = ElfImage.Parse(file);
        Assert.That(img.Sections, Has.Count.EqualTo(7));
        Assert.That(img.Sections[1].Name, Is.EqualTo(".text"));
        Assert.That(img.Segments, Has.Count.EqualTo(2));
    }

    // ---------------------------------------------------------------- ELF header errors

    [Test]
    public void EmptyFile() => Assert.That(ParseError([]), Is.EqualTo("empty file"));

    [Test]
    public void BadMagic()
    {
        Assert.That(ParseError("MZ\x90\0 this is a PE file, not ELF........................................"u8.ToArray()),
            Is.EqualTo("not an ELF file (bad magic)"));
        Assert.That(ParseError([0]), Is.EqualTo("not an ELF file (bad magic)"));
        Assert.That(ParseError([0x7f, (byte)'E', (byte)'X']), Is.EqualTo("not an ELF file (bad magic)"));
        Assert.That(ParseError("#!/bin/sh\n"u8.ToArray()), Is.EqualTo("not an ELF file (bad magic)"));
    }

    [Test]
    public void TruncatedHeader_AtEveryLength()
    {
        var (_, file) = Typical();
        Assert.Multiple(() =>
        {
            for (int n = 0; n <= 64; n++)
            {
                string expected = n == 0 ? "empty file" : $"truncated ELF header (got {n} bytes, need 64)";
                if (n == 64) expected = "program header table"; // header complete, rest missing
                Assert.That(ParseError(file[..n]), Does.StartWith(expected), $"length {n}");
            }
        });
    }

    [Test]
    public void TruncatedFile_AtEveryLength_FailsCleanly()
    {
        var (_, file) = Typical();
        for (int n = 0; n < file.Length; n++)
            Assert.Throws<ElfFormatException>(() => ElfImage.Parse(file.AsMemory(0, n)), $"length {n}");
        Assert.That(ElfImage.Parse(file).Segments, Has.Count.EqualTo(2));
    }

    [Test]
    public void Elf32() => Assert.That(ParseError(Patched(f => f[4] = ELFCLASS32)),
        Is.EqualTo("32-bit ELF (ELFCLASS32); need ELF64"));

    [TestCase((byte)0)]
    [TestCase((byte)3)]
    public void InvalidClass(byte cls) => Assert.That(ParseError(Patched(f => f[4] = cls)),
        Is.EqualTo($"invalid ELF class {cls}; need ELFCLASS64 (2)"));

    [Test]
    public void LittleEndian() => Assert.That(ParseError(Patched(f => f[5] = ELFDATA2LSB)),
        Is.EqualTo("little-endian ELF; s390x needs big-endian"));

    [Test]
    public void InvalidDataEncoding() => Assert.That(ParseError(Patched(f => f[5] = 0)),
        Is.EqualTo("invalid ELF data encoding 0; need ELFDATA2MSB (2)"));

    [Test]
    public void BadIdentVersion() => Assert.That(ParseError(Patched(f => f[6] = 0)),
        Is.EqualTo("unsupported ELF ident version 0; need EV_CURRENT (1)"));

    [Test]
    public void BadVersion() => Assert.That(ParseError(Patched(f => PutU32(f, 20, 2))),
        Is.EqualTo("unsupported ELF version 2; need EV_CURRENT (1)"));

    [TestCase((ushort)62, "EM_X86_64 (62)")]
    [TestCase((ushort)3, "EM_386 (3)")]
    [TestCase((ushort)183, "EM_AARCH64 (183)")]
    [TestCase((ushort)0, "EM_NONE (0)")]
    [TestCase((ushort)4660, "4660")]
    public void WrongMachine(ushort machine, string name) =>
        Assert.That(ParseError(Patched(f => PutU16(f, 18, machine))),
            Is.EqualTo($"wrong machine {name}; need EM_S390 (22)"));

    [Test]
    public void X86_64File_RealHeader()
    {
        // The first bytes of any x86-64 Linux executable: ELFCLASS64, little-endian, ET_DYN, EM_X86_64.
        byte[] f = new byte[64];
        new byte[] { 0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0 }.CopyTo(f, 0);
        f[16] = 3; f[18] = 62; f[20] = 1;
        Assert.That(ParseError(f), Is.EqualTo("little-endian ELF; s390x needs big-endian"));
        f[5] = 2; // pretend big-endian: now the machine is wrong (read big-endian: 0x3e00)
        PutU16(f, 18, 62);
        PutU32(f, 20, 1);
        Assert.That(ParseError(f), Is.EqualTo("wrong machine EM_X86_64 (62); need EM_S390 (22)"));
    }

    [TestCase(ET_NONE, "ET_NONE (0)")]
    [TestCase(ET_REL, "ET_REL (1)")]
    [TestCase(ET_CORE, "ET_CORE (4)")]
    [TestCase((ushort)0xfe00, "0xfe00")]
    public void UnsupportedType(ushort type, string name) =>
        Assert.That(ParseError(Patched(f => PutU16(f, 16, type))),
            Is.EqualTo($"unsupported ELF type {name}; need ET_EXEC (2) or ET_DYN (3)"));

    [Test]
    public void BadEhsize() => Assert.That(ParseError(Patched(f => PutU16(f, 52, 52))),
        Is.EqualTo("ELF header size 52 (e_ehsize); need 64"));

    // ---------------------------------------------------------------- program header errors

    [Test]
    public void ProgramHeadersOutOfFile()
    {
        var (_, file) = Typical();
        PutU64(file, 32, (ulong)file.Length - 100);
        Assert.That(ParseError(file), Is.EqualTo(
            $"program header table at 0x{file.Length - 100:x} (2 x 56 bytes) extends past end of file (0x{file.Length:x} bytes)"));
        PutU64(file, 32, ulong.MaxValue - 8); // offset + size overflows
        Assert.That(ParseError(file), Does.StartWith("program header table at 0xfffffffffffffff7 (2 x 56 bytes) extends past end of file"));
        PutU64(file, 32, 64);
        PutU16(file, 56, 0xfffe);
        Assert.That(ParseError(file), Does.StartWith("program header table at 0x40 (65534 x 56 bytes) extends past end of file"));
    }

    [Test]
    public void BadPhentsize() => Assert.That(ParseError(Patched(f => PutU16(f, 54, 32))),
        Is.EqualTo("program header entry size 32 (e_phentsize); need 56"));

    [Test]
    public void NoProgramHeaders()
    {
        var b = new ElfBuilder();
        b.Section(".text", SHT_PROGBITS, SHF_ALLOC, 0x10000, [1]);
        Assert.That(ParseError(b.Build()), Is.EqualTo("no loadable segments (no program headers)"));
    }

    [Test]
    public void NoPtLoad()
    {
        var b = new ElfBuilder();
        b.Segment(0, [1, 2, 3, 4], type: PT_NOTE);
        b.Segment(0, [], type: PT_NULL);
        Assert.That(ParseError(b.Build()), Is.EqualTo("no loadable segments (no PT_LOAD program header)"));
    }

    [Test]
    public void PnXnumWithoutSectionTable()
    {
        var b = ElfBuilder.Typical();
        b.SectionHeaders = false;
        var file = b.Build();
        PutU16(file, 56, PN_XNUM);
        Assert.That(ParseError(file), Is.EqualTo("extended program header count (PN_XNUM) but no section header table"));
    }

    [Test]
    public void SegmentDataOutOfFile()
    {
        var (b, file) = Typical();
        int h = b.PhdrOffset(1);
        PutU64(file, h + P_offset, (ulong)file.Length - 4);
        Assert.That(ParseError(file), Is.EqualTo(
            $"segment 1 file data at 0x{file.Length - 4:x} (0x8 bytes) extends past end of file (0x{file.Length:x} bytes)"));
        PutU64(file, h + P_offset, ulong.MaxValue - 3); // overflowing offset + size
        Assert.That(ParseError(file), Does.StartWith("segment 1 file data at 0xfffffffffffffffc (0x8 bytes) extends past end of file"));
    }

    [Test]
    public void SegmentWithoutFileData_MayHaveAnyOffset()
    {
        var b = new ElfBuilder();
        b.Segment(0x10000, [1]);
        b.Segment(0x20000, [], memSize: 0x100);
        var file = b.Build();
        PutU64(file, b.PhdrOffset(1) + P_offset, ulong.MaxValue);
        Assert.That(ElfImage.Parse(file).Segments[1].Data.Length, Is.EqualTo(0));
    }

    [Test]
    public void FileSizeGreaterThanMemSize()
    {
        var (b, file) = Typical();
        PutU64(file, b.PhdrOffset(1) + P_memsz, 4);
        Assert.That(ParseError(file), Is.EqualTo("segment 1 file size 0x8 exceeds memory size 0x4"));
    }

    [Test]
    public void OverlappingSegments()
    {
        var b = new ElfBuilder();
        b.Segment(0x10000, new byte[0x100]);
        b.Segment(0x100f0, new byte[0x20]);
        Assert.That(ParseError(b.Build()),
            Is.EqualTo("segment 1 [0x100f0-0x10110) overlaps segment 0 [0x10000-0x10100)"));
    }

    [Test]
    public void OverlappingSegments_ReverseOrderAndContainment()
    {
        var b = new ElfBuilder();
        b.Segment(0x20000, [1], memSize: 0x10);
        b.Segment(0x30000, [2]);
        b.Segment(0x1ff00, [], memSize: 0x1000); // contains segment 0 entirely
        Assert.That(ParseError(b.Build()),
            Is.EqualTo("segment 2 [0x1ff00-0x20f00) overlaps segment 0 [0x20000-0x20010)"));

        b = new ElfBuilder();
        b.Segment(0x10000, [], memSize: 0x10000); // big
        b.Segment(0x11000, [1]);                  // inside, but also the next one is inside
        b.Segment(0x12000, [2]);
        Assert.That(ParseError(b.Build()),
            Is.EqualTo("segment 1 [0x11000-0x11001) overlaps segment 0 [0x10000-0x20000)"));
    }

    [Test]
    public void SameVirtualDifferentPhysical_IsNotOverlap_ButSamePhysicalIs()
    {
        var b = new ElfBuilder();
        b.Segment(0x10000, [1], vaddr: 0x5000);
        b.Segment(0x10000, [2], vaddr: 0x9000);
        Assert.That(ParseError(b.Build()),
            Is.EqualTo("segment 1 [0x10000-0x10001) overlaps segment 0 [0x10000-0x10001)"));
    }

    [Test]
    public void AddressWrap()
    {
        var b = new ElfBuilder();
        b.Segment(0xffff_ffff_ffff_ff00, [1], memSize: 0x1000);
        Assert.That(ParseError(b.Build()), Is.EqualTo(
            "segment 0 physical address 0xffffffffffffff00 + size 0x1000 wraps around the address space"));

        b = new ElfBuilder();
        b.Segment(0xffff_ffff_ffff_f000, [1], memSize: 0x1000); // end would be exactly 2^64
        Assert.That(ParseError(b.Build()), Does.StartWith("segment 0 physical address 0xfffffffffffff000 + size 0x1000 wraps"));

        b = new ElfBuilder();
        b.Segment(0x1000, [1], memSize: 0x1000, vaddr: ulong.MaxValue);
        Assert.That(ParseError(b.Build()), Is.EqualTo(
            "segment 0 virtual address 0xffffffffffffffff + size 0x1000 wraps around the address space"));
    }

    // ---------------------------------------------------------------- CheckFits

    [Test]
    public void CheckFits()
    {
        var img = ElfImage.Parse(Typical().File);
        Assert.DoesNotThrow(() => img.CheckFits(128UL << 20));
        Assert.DoesNotThrow(() => img.CheckFits(0x21000)); // last byte is 0x20fff
        var ex = Assert.Throws<ElfFormatException>(() => img.CheckFits(0x20800));
        Assert.That(ex!.Message, Is.EqualTo("segment 1 [0x20000-0x21000) lies beyond guest memory (0x20800 bytes)"));
        ex = Assert.Throws<ElfFormatException>(() => img.CheckFits(0));
        Assert.That(ex!.Message, Is.EqualTo("segment 0 [0x10000-0x10100) lies beyond guest memory (0 MiB)"));
    }

    [Test]
    public void CheckFits_MiB_AndEmptySegmentsIgnored()
    {
        var b = new ElfBuilder();
        b.Segment(0x10000, [1]);
        b.Segment(0x9000000, [], memSize: 0); // empty: nothing to load
        b.Segment(0x7fff000, [2], memSize: 0x2000);
        var img = ElfImage.Parse(b.Build());
        var ex = Assert.Throws<ElfFormatException>(() => img.CheckFits(128UL << 20));
        Assert.That(ex!.Message, Is.EqualTo("segment 2 [0x7fff000-0x8001000) lies beyond guest memory (128 MiB)"));
        Assert.DoesNotThrow(() => img.CheckFits(256UL << 20));
    }

    // ---------------------------------------------------------------- section table errors

    [Test]
    public void BadShentsize() => Assert.That(ParseError(Patched(f => PutU16(f, 58, 40))),
        Is.EqualTo("section header entry size 40 (e_shentsize); need 64"));

    [Test]
    public void SectionHeadersOutOfFile()
    {
        var (b, file) = Typical();
        PutU64(file, 40, (ulong)file.Length);
        Assert.That(ParseError(file), Is.EqualTo(
            $"section header table at 0x{file.Length:x} extends past end of file (0x{file.Length:x} bytes)"));
        PutU64(file, 40, (ulong)b.ShOff);
        PutU16(file, 60, 8);
        Assert.That(ParseError(file), Is.EqualTo(
            $"section header table at 0x{b.ShOff:x} (8 x 64 bytes) extends past end of file (0x{file.Length:x} bytes)"));
    }

    [Test]
    public void HugeExtendedSectionCount()
    {
        var (b, file) = Typical();
        PutU16(file, 60, 0);
        PutU64(file, b.ShdrOffset(0) + Sh_size, ulong.MaxValue);
        Assert.That(ParseError(file), Does.StartWith($"section header table at 0x{b.ShOff:x} (18446744073709551615 x 64 bytes)"));
    }

    [Test]
    public void ShstrndxOutOfRange() => Assert.That(ParseError(Patched(f => PutU16(f, 62, 99))),
        Is.EqualTo("section name string table index 99 (e_shstrndx) out of range (7 sections)"));

    [Test]
    public void ShstrndxNotStringTable() => Assert.That(ParseError(Patched(f => PutU16(f, 62, 1))),
        Is.EqualTo("section name string table (section 1) has type 1; need SHT_STRTAB (3)"));

    [Test]
    public void SectionDataOutOfFile()
    {
        var (b, file) = Typical();
        PutU64(file, b.ShdrOffset(1) + Sh_offset, (ulong)file.Length);
        Assert.That(ParseError(file), Is.EqualTo(
            $"section 1 (.text) data at 0x{file.Length:x} (0x100 bytes) extends past end of file (0x{file.Length:x} bytes)"));
    }

    [Test]
    public void SectionNameTableOutOfFile()
    {
        var (b, file) = Typical();
        PutU64(file, b.ShdrOffset(b.ShstrtabIndex) + Sh_size, 0x10_0000);
        Assert.That(ParseError(file), Does.StartWith(
            $"section name string table (section {b.ShstrtabIndex}) at 0x").And.Contains("(0x100000 bytes) extends past end of file"));
    }

    [Test]
    public void NoBitsSection_MayPointAnywhere()
    {
        var (b, file) = Typical();
        PutU64(file, b.ShdrOffset(3) + Sh_offset, ulong.MaxValue);
        Assert.That(ElfImage.Parse(file).Sections[3].Name, Is.EqualTo(".bss"));
    }

    [Test]
    public void SectionNameOutOfRange()
    {
        var (b, file) = Typical();
        PutU32(file, b.ShdrOffset(2) + Sh_name, 0x10000);
        Assert.That(ParseError(file), Does.StartWith("section 2 name offset 0x10000 not a string in the section name string table"));
    }

    [Test]
    public void SectionNameUnterminated()
    {
        var (b, file) = Typical();
        var shstr = ElfImage.Parse(file).Sections[b.ShstrtabIndex];
        file[(int)shstr.Offset + (int)shstr.Size - 1] = (byte)'x'; // last name loses its NUL
        Assert.That(ParseError(file), Does.StartWith($"section {b.ShstrtabIndex} name offset"));
    }

    [Test]
    public void SymtabBadEntrySize()
    {
        var (b, file) = Typical();
        PutU64(file, b.ShdrOffset(b.SymtabIndex) + Sh_entsize, 16);
        Assert.That(ParseError(file), Is.EqualTo($"symbol table section {b.SymtabIndex} (.symtab) entry size 16; need 24"));
    }

    [Test]
    public void SymtabBadSize()
    {
        var (b, file) = Typical();
        PutU64(file, b.ShdrOffset(b.SymtabIndex) + Sh_size, 24 * 3 + 5);
        Assert.That(ParseError(file), Is.EqualTo($"symbol table section {b.SymtabIndex} (.symtab) size 0x4d is not a multiple of 24"));
    }

    [TestCase(99u)]
    [TestCase(1u)] // .text: not a string table
    public void SymtabBadLink(uint link)
    {
        var (b, file) = Typical();
        PutU32(file, b.ShdrOffset(b.SymtabIndex) + Sh_link, link);
        Assert.That(ParseError(file), Is.EqualTo(
            $"symbol table section {b.SymtabIndex} (.symtab) links to section {link}, which is not a string table"));
    }

    [Test]
    public void SymbolNameOutOfRange()
    {
        var (b, file) = Typical();
        var symtab = ElfImage.Parse(file).Sections[b.SymtabIndex];
        PutU32(file, (int)symtab.Offset + 2 * 24, 0xffff_ffff); // symbol 2's st_name
        Assert.That(ParseError(file), Does.StartWith(
            $"symbol table section {b.SymtabIndex} (.symtab) symbol 2 name offset 0xffffffff not a string in its string table"));
    }

    // ---------------------------------------------------------------- Load

    [Test]
    public void Load_ValidFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"s390jit-elf-{Guid.NewGuid():n}.elf");
        try
        {
            File.WriteAllBytes(path, Typical().File);
            var img = ElfImage.Load(path);
            Assert.That(img.Entry, Is.EqualTo(0x10000UL));
            Assert.That(img.Segments[0].Data.Length, Is.EqualTo(0x100));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Load_InvalidFile_NamesPath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"s390jit-elf-{Guid.NewGuid():n}.elf");
        try
        {
            File.WriteAllText(path, "hello");
            var ex = Assert.Throws<ElfFormatException>(() => ElfImage.Load(path));
            Assert.That(ex!.Message, Is.EqualTo($"'{path}': not an ELF file (bad magic)"));
        }
        finally { File.Delete(path); }
    }

    [Test]
    public void Load_MissingFile()
    {
        string path = Path.Combine(Path.GetTempPath(), $"s390jit-missing-{Guid.NewGuid():n}.elf");
        var ex = Assert.Throws<ElfFormatException>(() => ElfImage.Load(path));
        Assert.That(ex!.Message, Is.EqualTo($"cannot read '{path}': No such file or directory"));
        Assert.That(ex.InnerException, Is.InstanceOf<FileNotFoundException>());

        path = Path.Combine(Path.GetTempPath(), $"s390jit-missing-{Guid.NewGuid():n}", "x.elf");
        ex = Assert.Throws<ElfFormatException>(() => ElfImage.Load(path));
        Assert.That(ex!.Message, Is.EqualTo($"cannot read '{path}': No such file or directory"));
    }

    [Test]
    public void Load_Directory()
    {
        string dir = Path.GetTempPath();
        var ex = Assert.Throws<ElfFormatException>(() => ElfImage.Load(dir));
        Assert.That(ex!.Message, Is.EqualTo($"cannot read '{dir}': Is a directory"));
    }

    [Test]
    public void Load_EmptyPath() =>
        Assert.That(Assert.Throws<ElfFormatException>(() => ElfImage.Load(""))!.Message,
            Is.EqualTo("cannot read '': empty path"));

    [Test]
    public void Load_MessageIsOneLine_EvenForOddPaths()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no\nsuch\r\tfile-{Guid.NewGuid():n}.elf");
        var ex = Assert.Throws<ElfFormatException>(() => ElfImage.Load(path));
        Assert.That(ex!.Message, Does.Not.Contain('\n').And.Not.Contain('\r'));
        Assert.That(ex.Message, Does.StartWith("cannot read '").And.EndWith(".elf': No such file or directory"));
    }

    // ---------------------------------------------------------------- robustness

    [Test]
    public void RandomBytes_OnlyElfFormatException()
    {
        var (_, valid) = Typical();
        var rng = new Random(12345);
        int parsed = 0;
        for (int i = 0; i < 5000; i++)
        {
            var buf = new byte[rng.Next(0, i % 10 == 0 ? 4096 : 300)];
            rng.NextBytes(buf);
            // Often start with a valid header prefix so the parser gets past the ident checks.
            if (i % 2 == 1) valid.AsSpan(0, Math.Min(buf.Length, rng.Next(4, 65))).CopyTo(buf);
            if (TryParse(buf, $"random #{i}") is not null) parsed++;
        }
        TestContext.Out.WriteLine($"{parsed} random inputs parsed successfully");
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    [TestCase(5)]
    public void MutatedImage_OnlyElfFormatException(int seed)
    {
        var b = ElfBuilder.Typical();
        byte[] valid = b.Build();
        var rng = new Random(seed);
        // Interesting offsets: header fields, program and section header fields.
        var hot = new List<int>();
        for (int o = 0; o < 64; o += 2) hot.Add(o);
        for (int i = 0; i < 2; i++) for (int f = 0; f < 56; f += 4) hot.Add(b.PhdrOffset(i) + f);
        for (int i = 0; i < 7; i++) for (int f = 0; f < 64; f += 4) hot.Add(b.ShdrOffset(i) + f);
        ulong[] interesting = [0, 1, 2, 3, 22, 24, 56, 64, 0x7f, 0x80, 0xff, 0xffff, 0x7fff_ffff, 0x8000_0000, 0xffff_ffff,
            (ulong)valid.Length, (ulong)valid.Length - 1, (ulong)valid.Length + 1, ulong.MaxValue, ulong.MaxValue - 1,
            0x8000_0000_0000_0000, 0x10000, 0x20000];

        int ok = 0;
        for (int iter = 0; iter < 1500; iter++)
        {
            byte[] f = (byte[])valid.Clone();
            int edits = rng.Next(1, 5);
            for (int e = 0; e < edits; e++)
            {
                int off = rng.Next(3) == 0 ? rng.Next(f.Length) : hot[rng.Next(hot.Count)];
                switch (rng.Next(5))
                {
                    case 0: f[off] = (byte)rng.Next(256); break;
                    case 1: f[off] ^= (byte)(1 << rng.Next(8)); break;
                    case 2 when off + 2 <= f.Length: PutU16(f, off, (ushort)interesting[rng.Next(interesting.Length)]); break;
                    case 3 when off + 4 <= f.Length: PutU32(f, off, (uint)interesting[rng.Next(interesting.Length)]); break;
                    case 4 when off + 8 <= f.Length: PutU64(f, off, interesting[rng.Next(interesting.Length)]); break;
                }
            }
            if (rng.Next(10) == 0) f = f[..rng.Next(f.Length)];
            var img = TryParse(f, $"seed {seed} mutation #{iter}");
            if (img is null) continue;
            ok++;
            CheckInvariants(img, rng);
        }
        TestContext.Out.WriteLine($"{ok} of 1500 mutations parsed successfully");
        Assert.That(ok, Is.GreaterThan(0));
    }

    private static ElfImage? TryParse(byte[] file, string what)
    {
        try { return ElfImage.Parse(file); }
        catch (ElfFormatException e)
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

    /// <summary>Whatever parses must be internally consistent and safe to use.</summary>
    private static void CheckInvariants(ElfImage img, Random rng)
    {
        Assert.That(img.Segments, Is.Not.Empty);
        var sorted = img.Segments.Where(s => s.MemSize > 0).OrderBy(s => s.PhysAddr).ToArray();
        for (int i = 0; i < img.Segments.Count; i++)
        {
            var s = img.Segments[i];
            Assert.That((ulong)s.Data.Length, Is.EqualTo(s.FileSize));
            Assert.That(s.FileSize, Is.LessThanOrEqualTo(s.MemSize));
            Assert.That(s.PhysAddr + s.MemSize, Is.GreaterThanOrEqualTo(s.PhysAddr));
        }
        for (int i = 1; i < sorted.Length; i++)
            Assert.That(sorted[i].PhysAddr, Is.GreaterThanOrEqualTo(sorted[i - 1].PhysEnd));
        foreach (var sec in img.Sections)
            Assert.That((ulong)sec.Data.Length, Is.EqualTo(sec.Type is SHT_NOBITS or SHT_NULL ? 0 : sec.Size));
        try { img.CheckFits((ulong)rng.NextInt64()); } catch (ElfFormatException) { }
        for (int i = 0; i < 20; i++)
        {
            ulong a = i < 10 ? 0x10000UL + (ulong)rng.Next(0x11000) : (ulong)rng.NextInt64() * 2;
            if (img.Symbols.TryLookup(a, out var sym, out ulong off))
                Assert.That(sym.Value + off, Is.EqualTo(a));
        }
        foreach (var sym in img.Symbols.All) img.Symbols.TryGetAddress(sym.Name, out _);
    }

    private static byte[] Patched(Action<byte[]> patch)
    {
        var (_, file) = Typical();
        patch(file);
        return file;
    }
}
