using System.Buffers.Binary;
using System.Runtime.InteropServices;
using ELFSharp.ELF;
using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Loader;

/// <summary>
/// An s390x ELF executable (ELF64, big-endian, EM_S390, ET_EXEC or ET_DYN), read here: the header and the
/// bounds of both header tables and of every section are checked first, then the program headers, sections and
/// symbols are read (any other failure is wrapped), and the segments are checked against each other and the file.
/// <see cref="Parse"/> throws nothing but <see cref="ImageFormatException"/>. (ELFSharp, which read them until
/// 2026-12-03, is left for its names of machines and file types in messages and <see cref="Type"/>.)
/// </summary>
public sealed class ElfImage : KernelImage
{
    private ElfImage(ushort type, ulong entry, LoadSegment[] segments, ElfSection[] sections, ElfSymbol[]? symbols)
    {
        _type = type;
        Entry = entry;
        Segments = segments;
        Sections = sections;
        _symbolEntries = symbols;
    }

    private readonly ElfSymbol[]? _symbolEntries;
    private SymbolTable? _symbols;

    public override string Format => "ELF";

    /// <summary>Executable or SharedObject (a position-independent executable, loaded at its link addresses).</summary>
    public FileType Type => (FileType)_type;
    private readonly ushort _type;

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
        // read here, not with ELFSharp: its generic ELF<ulong> types, netstandard and System.Net.Primitives cost ~9 ms of
        // CPU at every start (perf/startup.md); CheckHeader has checked both header tables' bounds and every section's
        var f = file.Span;
        var h = CheckHeader(f);
        string stage = "program headers";
        try
        {
            // (plain loops: LINQ over value tuples and ulong keys here is compiled by RyuJIT at every start, perf/startup.md)
            var loads = new List<LoadSegment>();
            for (int i = 0; i < h.PhNum; i++)
            {
                var ph = f.Slice(checked((int)h.PhOff + i * Elf64PhdrSize), Elf64PhdrSize);
                if (U32(ph, 0) == PT_LOAD) loads.Add(CheckSegment(ph, i, file));
            }
            var segments = loads.ToArray();
            if (segments.Length == 0) throw new ImageFormatException("no loadable segments (no PT_LOAD program header)");
            CheckOverlaps(segments);
            stage = "section or symbol tables";
            var sections = new ElfSection[h.HasSections ? h.ShNum : 0];
            var shstrtab = h.ShStrNdx != SHN_UNDEF ? SectionBytes(f, h, h.ShStrNdx) : default;
            for (int i = 0; i < sections.Length; i++)
            {
                var sh = Shdr(f, h, i);
                uint type = U32(sh, 4);
                ulong offset = U64(sh, 24), size = U64(sh, 32);
                sections[i] = new ElfSection(h.ShStrNdx != SHN_UNDEF ? CString(shstrtab, U32(sh, 0), "section name") : "", type, U64(sh, 8), U64(sh, 16), size)
                {
                    Index = i,
                    Data = type is SHT_NULL or SHT_NOBITS ? ReadOnlyMemory<byte>.Empty : file.Slice((int)offset, (int)size),
                };
            }
            // .symtab, else the first other symbol table (.dynsym)
            int symtab = -1;
            for (int i = 0; i < sections.Length; i++)
            {
                if (sections[i].Type is not (SHT_SYMTAB or SHT_DYNSYM)) continue;
                if (sections[i].Type == SHT_SYMTAB) { symtab = i; break; }
                if (symtab < 0) symtab = i;
            }
            ElfSymbol[]? symbols = null;
            if (symtab >= 0)
            {
                var table = sections[symtab].Data.Span;
                uint link = U32(Shdr(f, h, symtab), 40);
                if (link >= sections.Length || sections[link].Type != SHT_STRTAB)
                    throw new ImageFormatException($"malformed ELF {stage}: symbol table (section {symtab}) links section {link}, not a string table");
                var strtab = sections[(int)link].Data.Span;
                int count = table.Length / Elf64SymSize;
                symbols = new ElfSymbol[Math.Max(0, count - 1)]; // entry 0 is the null symbol
                for (int i = 1; i < count; i++)
                {
                    var e = table.Slice(i * Elf64SymSize, Elf64SymSize);
                    byte info = e[4];
                    symbols[i - 1] = new ElfSymbol(CString(strtab, U32(e, 0), "symbol name"), U64(e, 8), U64(e, 16), (byte)(info & 0xf), (byte)(info >> 4), U16(e, 6));
                }
            }
            return new ElfImage(h.Type, h.Entry, segments, sections, symbols);
        }
        catch (Exception e) when (e is not ImageFormatException)
        {
            throw new ImageFormatException($"malformed ELF {stage}: {e.Message}", e);
        }
    }

    private static ReadOnlySpan<byte> Shdr(ReadOnlySpan<byte> f, in Header h, int i) => f.Slice((int)h.ShOff + i * Elf64ShdrSize, Elf64ShdrSize);

    /// <summary>A section's file bytes (in the file: <see cref="CheckHeader"/>); empty for SHT_NULL and SHT_NOBITS.</summary>
    private static ReadOnlySpan<byte> SectionBytes(ReadOnlySpan<byte> f, in Header h, int i)
    {
        var sh = Shdr(f, h, i);
        return U32(sh, 4) is SHT_NULL or SHT_NOBITS ? default : f.Slice((int)U64(sh, 24), (int)U64(sh, 32));
    }

    /// <summary>The NUL-terminated string at <paramref name="offset"/> of a string table (UTF-8).</summary>
    private static string CString(ReadOnlySpan<byte> table, uint offset, string what)
    {
        if (offset >= (uint)table.Length)
        {
            if (offset == 0) return ""; // an empty table: no names
            throw new ImageFormatException($"malformed ELF section or symbol tables: {what} at offset 0x{offset:x} lies beyond its string table (0x{table.Length:x} bytes)");
        }
        var s = table[(int)offset..];
        int nul = s.IndexOf((byte)0);
        return System.Text.Encoding.UTF8.GetString(nul < 0 ? s : s[..nul]);
    }

    private readonly record struct Header(ushort Type, ulong Entry, ulong PhOff, int PhNum, bool HasSections, ulong ShOff, int ShNum, ushort ShStrNdx);

    /// <summary>The ELF header, and that both header tables and every section's data lie in the file.</summary>
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
        if (machine != EM_S390) throw WrongMachine(machine);
        if (type is not (ET_EXEC or ET_DYN))
            throw WrongType(type);
        if (U16(f, 52) != Elf64EhdrSize) throw new ImageFormatException($"ELF header size {U16(f, 52)} (e_ehsize); need {Elf64EhdrSize}");

        ulong phoff = U64(f, 32), shoff = U64(f, 40);
        ushort phentsize = U16(f, 54), phnum = U16(f, 56), shentsize = U16(f, 58), shnum = U16(f, 60), shstrndx = U16(f, 62);
        if (phnum == 0) throw new ImageFormatException("no loadable segments (no program headers)");
        if (phnum == PN_XNUM) throw new ImageFormatException("extended program header numbering (PN_XNUM) is not supported");
        if (phentsize != Elf64PhdrSize) throw new ImageFormatException($"program header entry size {phentsize} (e_phentsize); need {Elf64PhdrSize}");
        if (!InFile(f, phoff, (ulong)phnum * Elf64PhdrSize))
            throw new ImageFormatException($"program header table at 0x{phoff:x} ({phnum} x {Elf64PhdrSize} bytes) extends past end of file (0x{f.Length:x} bytes)");
        if (shoff == 0) return new Header(type, U64(f, 24), phoff, phnum, false, 0, 0, 0);

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
        return new Header(type, U64(f, 24), phoff, phnum, true, shoff, shnum, shstrndx);
    }

    /// <summary>A PT_LOAD program header, checked: file size, file data in the file, no wrap.</summary>
    private static LoadSegment CheckSegment(ReadOnlySpan<byte> ph, int index, ReadOnlyMemory<byte> file)
    {
        uint flags = U32(ph, 4);
        ulong offset = U64(ph, 8), vaddr = U64(ph, 16), paddr = U64(ph, 24), fileSize = U64(ph, 32), memSize = U64(ph, 40);
        if (fileSize > memSize) throw new ImageFormatException($"segment {index} file size 0x{fileSize:x} exceeds memory size 0x{memSize:x}");
        if (fileSize != 0 && !InFile(file.Span, offset, fileSize))
            throw new ImageFormatException($"segment {index} file data at 0x{offset:x} (0x{fileSize:x} bytes) extends past end of file (0x{file.Length:x} bytes)");
        if (memSize > ulong.MaxValue - paddr)
            throw new ImageFormatException($"segment {index} physical address 0x{paddr:x} + size 0x{memSize:x} wraps around the address space");
        return new LoadSegment(index, paddr, vaddr, offset, fileSize, memSize, flags)
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

    // (methods of their own: ReadyToRun code loads the types a method names before it first runs, and ELFSharp's
    // enums are needed only for these messages)
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ImageFormatException WrongMachine(ushort machine) => new($"wrong machine {Name((Machine)machine)}; need S390 (22)");

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static ImageFormatException WrongType(ushort type) =>
        new($"unsupported ELF type {Name((FileType)type)}; need Executable (2) or SharedObject (3)");

    /// <summary>"AMD64 (62)": ELFSharp's name for a known value, the number alone otherwise.</summary>
    private static string Name<T>(T value) where T : struct, Enum
    {
        string number = Convert.ToUInt64(value, System.Globalization.CultureInfo.InvariantCulture).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return Enum.IsDefined(value) ? $"{value} ({number})" : number;
    }
}
