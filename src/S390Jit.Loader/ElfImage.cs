using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ELFSharp.ELF;
using ELFSharp.ELF.Sections;
using ELFSharp.ELF.Segments;
using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Loader;

/// <summary>
/// An s390x ELF executable (ELF64, big-endian, EM_S390, ET_EXEC or ET_DYN), read with ELFSharp.
/// ELFSharp trusts its input (a truncated or hostile file makes it throw whatever .NET throws, and it
/// accepts other machines and classes), so the header and the bounds of both header tables are checked
/// here first, ELFSharp's reading is wrapped, and the segments are checked against each other and the
/// file afterwards. <see cref="Parse"/> throws nothing but <see cref="ImageFormatException"/>.
/// </summary>
public sealed class ElfImage : KernelImage
{
    private ElfImage(FileType type, ulong entry, LoadSegment[] segments, ElfSection[] sections, ElfSymbol[]? symbols)
    {
        Type = type;
        Entry = entry;
        Segments = segments;
        Sections = sections;
        _symbolEntries = symbols;
    }

    private readonly ElfSymbol[]? _symbolEntries;
    private SymbolTable? _symbols;

    public override string Format => "ELF";

    /// <summary>Executable or SharedObject (a position-independent executable, loaded at its link addresses).</summary>
    public FileType Type { get; }

    /// <summary>e_entry. Not required to lie inside a segment (QEMU accepts any entry point).</summary>
    public override ulong Entry { get; }

    /// <summary>PT_LOAD segments in program header order; non-overlapping in physical address space.</summary>
    public override IReadOnlyList<LoadSegment> Segments { get; }

    /// <summary>All section headers in table order (with the null section 0, so <c>Sections[symbol.SectionIndex]</c> works).</summary>
    public IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>Symbols from .symtab, or from .dynsym when there is no .symtab; may be empty. The entries are
    /// read (and checked) by <see cref="Parse"/>; the address lookup is built on first use (a plain run has none).</summary>
    public override SymbolTable Symbols =>
        _symbols ??= _symbolEntries is null ? SymbolTable.Empty : new SymbolTable(_symbolEntries, Sections);

    /// <summary>First section called <paramref name="name"/>, or null.</summary>
    public ElfSection? FindSection(string name) => Sections.FirstOrDefault(s => s.Name == name);

    /// <summary>Reads and parses a file (which must be an ELF file; see <see cref="KernelImage.Load"/> for any kernel).</summary>
    public static new ElfImage Load(string path, ulong memorySize = ulong.MaxValue)
    {
        var image = Parse(ImageFile.Read(path, memorySize));
        image.CheckFits(memorySize);
        return image;
    }

    internal static bool HasMagic(ReadOnlySpan<byte> file) => file.StartsWith("\u007fELF"u8);

    /// <summary>Validates and parses an in-memory ELF file. Segment and section data alias <paramref name="file"/>.</summary>
    public static new ElfImage Parse(ReadOnlyMemory<byte> file)
    {
        var h = CheckHeader(file.Span);
        var bytes = MemoryMarshal.TryGetArray(file, out var array) ? array : new ArraySegment<byte>(file.ToArray());
        if (!h.HasSections) bytes = WithNullSectionTable(file.Span);
        string stage = "section or symbol tables"; // ELFSharp reads them all while loading
        try
        {
            // the non-generic entry: ELFSharp instantiates ELF<ulong> itself, so its ReadyToRun image holds that code
            // (ELFReader.Load<ulong> from here would be compiled by RyuJIT at every start, perf/startup.md)
            // (not disposed: it holds nothing but a MemoryStream over the file's bytes, and ELF<ulong>.Dispose is one more
            // method RyuJIT compiles at every start)
            var elf = (ELF<ulong>)ELFReader.Load(new MemoryStream(bytes.Array!, bytes.Offset, bytes.Count, writable: false), shouldOwnStream: true);
            stage = "program headers";
            // (plain loops: LINQ over value tuples and ulong keys here is compiled by RyuJIT at every start, perf/startup.md)
            var loads = new List<LoadSegment>();
            int index = 0;
            foreach (var header in elf.Segments)
            {
                if (header.Type == SegmentType.Load) loads.Add(CheckSegment(header, index, file));
                index++;
            }
            var segments = loads.ToArray();
            if (segments.Length == 0) throw new ImageFormatException("no loadable segments (no PT_LOAD program header)");
            CheckOverlaps(segments);
            var sections = new List<ElfSection>();
            index = 0;
            if (h.HasSections)
                foreach (var s in elf.Sections)
                    sections.Add(new ElfSection(h.ShStrNdx != 0 ? s.Name : "", (uint)s.Type, s.RawFlags, s.LoadAddress, s.Size)
                    {
                        Index = index++,
                        Data = s.Type is SectionType.Null or SectionType.NoBits ? ReadOnlyMemory<byte>.Empty : file.Slice((int)s.Offset, (int)s.Size),
                    });
            stage = "symbol table";
            SymbolTable<ulong>? symtab = null; // .symtab, else the first other symbol table (.dynsym)
            // (a type test, not GetSections<SymbolTable<ulong>>: its closure class is compiled by RyuJIT at every start)
            foreach (var section in elf.Sections)
            {
                if (section is not SymbolTable<ulong> t) continue;
                if (t.Type == SectionType.SymbolTable) { symtab = t; break; }
                symtab ??= t;
            }
            ElfSymbol[]? symbols = null;
            if (symtab != null)
            {
                var list = new List<ElfSymbol>();
                bool first = true;
                foreach (var e in symtab.Entries)
                {
                    if (first) { first = false; continue; } // entry 0 is the null symbol
                    list.Add(new ElfSymbol(e.Name ?? "", e.Value, e.Size, (byte)e.Type, (byte)e.Binding, e.PointedSectionIndex));
                }
                symbols = list.ToArray();
            }
            return new ElfImage((FileType)h.Type, h.Entry, segments, sections.ToArray(), symbols);
        }
        catch (Exception e) when (e is not ImageFormatException)
        {
            throw new ImageFormatException($"malformed ELF {stage}: {e.Message}", e);
        }
    }

    private readonly record struct Header(ushort Type, ulong Entry, bool HasSections, ushort ShStrNdx);

    /// <summary>
    /// A copy of a file without a section header table (e_shoff 0) with a table of one null section
    /// appended: ELFSharp takes e_shnum 0 for extended numbering even then and reads the ELF header as
    /// section header 0.
    /// </summary>
    private static ArraySegment<byte> WithNullSectionTable(ReadOnlySpan<byte> file)
    {
        var copy = new byte[file.Length + Elf64ShdrSize];
        file.CopyTo(copy);
        BinaryPrimitives.WriteUInt64BigEndian(copy.AsSpan(40), (ulong)file.Length); // e_shoff
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(58), Elf64ShdrSize);      // e_shentsize
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(60), 1);                  // e_shnum
        BinaryPrimitives.WriteUInt16BigEndian(copy.AsSpan(62), SHN_UNDEF);          // e_shstrndx
        return copy;
    }

    /// <summary>The ELF header, and that both header tables lie in the file (what ELFSharp does not check).</summary>
    private static Header CheckHeader(ReadOnlySpan<byte> f)
    {
        if (f.IsEmpty) throw new ImageFormatException("empty file");
        if (!HasMagic(f)) throw new ImageFormatException("not an ELF file (bad magic)");
        if (f.Length < Elf64EhdrSize) throw new ImageFormatException($"truncated ELF header (got {f.Length} bytes, need {Elf64EhdrSize})");
        switch (f[4])
        {
            case ELFCLASS32: throw new ImageFormatException("32-bit ELF (ELFCLASS32); need ELF64");
            case not ELFCLASS64: throw new ImageFormatException($"invalid ELF class {f[4]}; need ELFCLASS64 (2)");
        }
        switch (f[5])
        {
            case ELFDATA2LSB: throw new ImageFormatException("little-endian ELF; s390x needs big-endian");
            case not ELFDATA2MSB: throw new ImageFormatException($"invalid ELF data encoding {f[5]}; need ELFDATA2MSB (2)");
        }
        if (f[6] != EV_CURRENT) throw new ImageFormatException($"unsupported ELF ident version {f[6]}; need EV_CURRENT (1)");
        ushort type = U16(f, 16), machine = U16(f, 18);
        if (U32(f, 20) != EV_CURRENT) throw new ImageFormatException($"unsupported ELF version {U32(f, 20)}; need EV_CURRENT (1)");
        if (machine != EM_S390) throw new ImageFormatException($"wrong machine {Name((Machine)machine)}; need S390 (22)");
        if (type is not (ET_EXEC or ET_DYN))
            throw new ImageFormatException($"unsupported ELF type {Name((FileType)type)}; need Executable (2) or SharedObject (3)");
        if (U16(f, 52) != Elf64EhdrSize) throw new ImageFormatException($"ELF header size {U16(f, 52)} (e_ehsize); need {Elf64EhdrSize}");

        ulong phoff = U64(f, 32), shoff = U64(f, 40);
        ushort phentsize = U16(f, 54), phnum = U16(f, 56), shentsize = U16(f, 58), shnum = U16(f, 60), shstrndx = U16(f, 62);
        if (phnum == 0) throw new ImageFormatException("no loadable segments (no program headers)");
        if (phnum == PN_XNUM) throw new ImageFormatException("extended program header numbering (PN_XNUM) is not supported");
        if (phentsize != Elf64PhdrSize) throw new ImageFormatException($"program header entry size {phentsize} (e_phentsize); need {Elf64PhdrSize}");
        if (!InFile(f, phoff, (ulong)phnum * Elf64PhdrSize))
            throw new ImageFormatException($"program header table at 0x{phoff:x} ({phnum} x {Elf64PhdrSize} bytes) extends past end of file (0x{f.Length:x} bytes)");
        if (shoff == 0) return new Header(type, U64(f, 24), false, 0);

        if (shentsize != Elf64ShdrSize) throw new ImageFormatException($"section header entry size {shentsize} (e_shentsize); need {Elf64ShdrSize}");
        if (shnum == 0 || shstrndx == SHN_XINDEX) throw new ImageFormatException("extended section numbering (e_shnum 0 or e_shstrndx SHN_XINDEX) is not supported");
        if (!InFile(f, shoff, (ulong)shnum * Elf64ShdrSize))
            throw new ImageFormatException($"section header table at 0x{shoff:x} ({shnum} x {Elf64ShdrSize} bytes) extends past end of file (0x{f.Length:x} bytes)");
        if (shstrndx >= shnum) throw new ImageFormatException($"section name string table index {shstrndx} (e_shstrndx) out of range ({shnum} sections)");
        for (int i = 0; i < shnum; i++)
        {
            var sh = f.Slice((int)shoff + i * Elf64ShdrSize, Elf64ShdrSize);
            uint shType = U32(sh, 4);
            ulong offset = U64(sh, 24), size = U64(sh, 32);
            if (i == shstrndx && shstrndx != SHN_UNDEF && shType != SHT_STRTAB)
                throw new ImageFormatException($"section name string table (section {i}) has type {shType}; need SHT_STRTAB (3)");
            if (shType is not (SHT_NULL or SHT_NOBITS) && !InFile(f, offset, size))
                throw new ImageFormatException($"section {i} data at 0x{offset:x} (0x{size:x} bytes) extends past end of file (0x{f.Length:x} bytes)");
        }
        return new Header(type, U64(f, 24), true, shstrndx);
    }

    /// <summary>A PT_LOAD header as ELFSharp read it, checked: file size, file data in the file, no wrap.</summary>
    private static LoadSegment CheckSegment(Segment<ulong> s, int index, ReadOnlyMemory<byte> file)
    {
        ulong fileSize = (ulong)s.FileSize, offset = (ulong)s.Offset, memSize = s.Size; // ELFSharp keeps p_offset/p_filesz signed
        if (fileSize > memSize) throw new ImageFormatException($"segment {index} file size 0x{fileSize:x} exceeds memory size 0x{memSize:x}");
        if (fileSize != 0 && !InFile(file.Span, offset, fileSize))
            throw new ImageFormatException($"segment {index} file data at 0x{offset:x} (0x{fileSize:x} bytes) extends past end of file (0x{file.Length:x} bytes)");
        if (memSize > ulong.MaxValue - s.PhysicalAddress)
            throw new ImageFormatException($"segment {index} physical address 0x{s.PhysicalAddress:x} + size 0x{memSize:x} wraps around the address space");
        return new LoadSegment(index, s.PhysicalAddress, s.Address, offset, fileSize, memSize, (uint)s.Flags)
        {
            Data = fileSize == 0 ? ReadOnlyMemory<byte>.Empty : file.Slice((int)offset, (int)fileSize),
        };
    }

    /// <summary>Rejects PT_LOAD segments overlapping in physical address space (empty ones never overlap).</summary>
    private static void CheckOverlaps(LoadSegment[] segments)
    {
        LoadSegment? reach = null; // the segment reaching furthest so far
        var sorted = new List<LoadSegment>(segments.Length);
        foreach (var s in segments) if (s.MemSize != 0) sorted.Add(s);
        sorted.Sort(static (a, b) => a.PhysAddr != b.PhysAddr ? a.PhysAddr.CompareTo(b.PhysAddr) : a.Index.CompareTo(b.Index));
        foreach (var s in sorted)
        {
            if (reach is not null && s.PhysAddr < reach.PhysEnd)
            {
                var (first, second) = reach.Index < s.Index ? (reach, s) : (s, reach);
                throw new ImageFormatException($"segment {second.Index} {Range(second.PhysAddr, second.PhysEnd)} overlaps segment {first.Index} {Range(first.PhysAddr, first.PhysEnd)}");
            }
            if (reach is null || s.PhysEnd > reach.PhysEnd) reach = s;
        }
    }

    private static bool InFile(ReadOnlySpan<byte> f, ulong offset, ulong size) => offset <= (ulong)f.Length && size <= (ulong)f.Length - offset;
    private static ushort U16(ReadOnlySpan<byte> f, int o) => BinaryPrimitives.ReadUInt16BigEndian(f[o..]);
    private static uint U32(ReadOnlySpan<byte> f, int o) => BinaryPrimitives.ReadUInt32BigEndian(f[o..]);
    private static ulong U64(ReadOnlySpan<byte> f, int o) => BinaryPrimitives.ReadUInt64BigEndian(f[o..]);

    /// <summary>"AMD64 (62)": ELFSharp's name for a known value, the number alone otherwise.</summary>
    private static string Name<T>(T value) where T : struct, Enum
    {
        string number = Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Enum.IsDefined(value) ? $"{value} ({number})" : number;
    }
}
