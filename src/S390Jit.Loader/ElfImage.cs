using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security;
using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Loader;

/// <summary>
/// A validated ELF64 big-endian s390x executable (ET_EXEC or ET_DYN).
/// <see cref="Parse"/> never throws anything but <see cref="ElfFormatException"/>.
/// </summary>
public sealed class ElfImage
{
    private ElfImage(ElfType type, ushort machine, uint flags, ulong entry, ElfSegment[] segments,
        ElfSection[] sections, SymbolTable symbols)
    {
        Type = type;
        Machine = machine;
        Flags = flags;
        Entry = entry;
        Segments = segments;
        Sections = sections;
        Symbols = symbols;
    }

    public ElfType Type { get; }

    /// <summary>e_machine; always <see cref="ElfConstants.EM_S390"/>.</summary>
    public ushort Machine { get; }

    /// <summary>e_flags.</summary>
    public uint Flags { get; }

    /// <summary>e_entry. Not required to lie inside a segment (QEMU accepts any entry point).</summary>
    public ulong Entry { get; }

    /// <summary>PT_LOAD segments in program header order; non-overlapping in physical address space.</summary>
    public IReadOnlyList<ElfSegment> Segments { get; }

    /// <summary>
    /// All section headers in table order, including the null section 0, so that
    /// <c>Sections[symbol.SectionIndex]</c> works. Empty when the file has no section header table.
    /// </summary>
    public IReadOnlyList<ElfSection> Sections { get; }

    /// <summary>Symbols from .symtab, or from .dynsym when there is no .symtab; may be empty.</summary>
    public SymbolTable Symbols { get; }

    /// <summary>First section called <paramref name="name"/>, or null.</summary>
    public ElfSection? FindSection(string name) => Sections.FirstOrDefault(s => s.Name == name);

    /// <summary>Throws if any non-empty segment does not fit in guest memory of <paramref name="memorySize"/> bytes.</summary>
    public void CheckFits(ulong memorySize)
    {
        foreach (var s in Segments)
        {
            if (s.MemSize != 0 && s.PhysEnd > memorySize)
                throw new ElfFormatException(
                    $"segment {s.Index} {Range(s.PhysAddr, s.PhysEnd)} lies beyond guest memory ({FormatSize(memorySize)})");
        }
    }

    /// <summary>Reads and parses a file. I/O failures become <see cref="ElfFormatException"/>s naming the path.</summary>
    public static ElfImage Load(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        byte[] bytes;
        try
        {
            if (path.Length == 0) throw new ElfFormatException("cannot read '': empty path");
            if (Directory.Exists(path)) throw new ElfFormatException($"cannot read '{path}': Is a directory");
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException
                                     or NotSupportedException or SecurityException)
        {
            throw new ElfFormatException($"cannot read '{path}': {IoReason(e)}", e);
        }
        try
        {
            return Parse(bytes);
        }
        catch (ElfFormatException e)
        {
            throw new ElfFormatException($"'{path}': {e.Message}", e);
        }
    }

    /// <summary>Validates and parses an in-memory ELF file. The image's Data properties alias <paramref name="file"/>.</summary>
    public static ElfImage Parse(ReadOnlyMemory<byte> file) => new Reader(file).Read();

    private static string IoReason(Exception e) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException => "No such file or directory",
        PathTooLongException => "File name too long",
        UnauthorizedAccessException => "Permission denied",
        IOException when e.HResult > 0 => Marshal.GetPInvokeErrorMessage(e.HResult), // Unix: HResult is errno
        _ => e.Message,
    };

    internal static string Range(ulong start, ulong end) => $"[0x{start:x}-0x{end:x})";

    internal static string FormatSize(ulong bytes) =>
        bytes % (1 << 20) == 0 ? $"{bytes >> 20} MiB" : $"0x{bytes:x} bytes";

    /// <summary>One parse of one file. All offsets are bounds-checked before any slice or read.</summary>
    private readonly struct Reader(ReadOnlyMemory<byte> file)
    {
        private readonly ReadOnlyMemory<byte> _file = file;
        private ulong Length => (ulong)_file.Length;

        private static ElfFormatException Fail(string message) => new(message);

        private byte U8(ulong off) => _file.Span[(int)off];
        private ushort U16(ulong off) => BinaryPrimitives.ReadUInt16BigEndian(_file.Span[(int)off..]);
        private uint U32(ulong off) => BinaryPrimitives.ReadUInt32BigEndian(_file.Span[(int)off..]);
        private ulong U64(ulong off) => BinaryPrimitives.ReadUInt64BigEndian(_file.Span[(int)off..]);

        /// <summary>True if [offset, offset+size) lies within the file (no overflow).</summary>
        private bool InFile(ulong offset, ulong size) => offset <= Length && size <= Length - offset;

        private ReadOnlyMemory<byte> Slice(ulong offset, ulong size) =>
            size == 0 ? ReadOnlyMemory<byte>.Empty : _file.Slice((int)offset, (int)size);

        public ElfImage Read()
        {
            // --- ELF header ---
            ReadOnlySpan<byte> magic = [0x7f, (byte)'E', (byte)'L', (byte)'F'];
            int len = _file.Length;
            if (len == 0) throw Fail("empty file");
            int m = Math.Min(len, magic.Length);
            if (!_file.Span[..m].SequenceEqual(magic[..m])) throw Fail("not an ELF file (bad magic)");
            if (len < Elf64EhdrSize) throw Fail($"truncated ELF header (got {len} bytes, need {Elf64EhdrSize})");

            byte cls = U8(4), data = U8(5), identVersion = U8(6);
            if (cls == ELFCLASS32) throw Fail("32-bit ELF (ELFCLASS32); need ELF64");
            if (cls != ELFCLASS64) throw Fail($"invalid ELF class {cls}; need ELFCLASS64 (2)");
            if (data == ELFDATA2LSB) throw Fail("little-endian ELF; s390x needs big-endian");
            if (data != ELFDATA2MSB) throw Fail($"invalid ELF data encoding {data}; need ELFDATA2MSB (2)");
            if (identVersion != EV_CURRENT) throw Fail($"unsupported ELF ident version {identVersion}; need EV_CURRENT (1)");

            ushort type = U16(16), machine = U16(18);
            uint version = U32(20);
            ulong entry = U64(24), phoff = U64(32), shoff = U64(40);
            uint flags = U32(48);
            ushort ehsize = U16(52), phentsize = U16(54), phnum16 = U16(56);
            ushort shentsize = U16(58), shnum16 = U16(60), shstrndx16 = U16(62);

            if (version != EV_CURRENT) throw Fail($"unsupported ELF version {version}; need EV_CURRENT (1)");
            if (machine != EM_S390) throw Fail($"wrong machine {MachineName(machine)}; need EM_S390 (22)");
            if (type is not (ET_EXEC or ET_DYN))
                throw Fail($"unsupported ELF type {TypeName(type)}; need ET_EXEC (2) or ET_DYN (3)");
            if (ehsize != Elf64EhdrSize) throw Fail($"ELF header size {ehsize} (e_ehsize); need {Elf64EhdrSize}");

            // Section header 0 holds the real counts when they do not fit the ELF header fields
            // (e_phnum = PN_XNUM, e_shnum = 0, e_shstrndx = SHN_XINDEX).
            ulong phnum = phnum16;
            if (phnum16 == PN_XNUM)
            {
                if (shoff == 0) throw Fail("extended program header count (PN_XNUM) but no section header table");
                phnum = U32(CheckSectionHeader0(shoff, shentsize) + 44); // sh_info
            }
            var segments = ReadSegments(phoff, phentsize, phnum);

            ulong shnum = 0, shstrndx = 0;
            if (shoff != 0)
            {
                ulong sh0 = CheckSectionHeader0(shoff, shentsize);
                shnum = shnum16 == 0 ? U64(sh0 + 32) : shnum16;                    // sh_size
                shstrndx = shstrndx16 == SHN_XINDEX ? U32(sh0 + 40) : shstrndx16; // sh_link
            }
            var sections = ReadSections(shoff, shnum, shstrndx);
            var symbols = ReadSymbols(sections);
            return new ElfImage((ElfType)type, machine, flags, entry, segments, sections, symbols);
        }

        /// <summary>Validates e_shentsize and that section header 0 is in the file; returns its offset.</summary>
        private ulong CheckSectionHeader0(ulong shoff, ushort shentsize)
        {
            if (shentsize != Elf64ShdrSize)
                throw Fail($"section header entry size {shentsize} (e_shentsize); need {Elf64ShdrSize}");
            if (!InFile(shoff, Elf64ShdrSize))
                throw Fail($"section header table at 0x{shoff:x} extends past end of file (0x{Length:x} bytes)");
            return shoff;
        }

        private ElfSegment[] ReadSegments(ulong phoff, ushort phentsize, ulong phnum)
        {
            if (phnum == 0) throw Fail("no loadable segments (no program headers)");
            if (phentsize != Elf64PhdrSize)
                throw Fail($"program header entry size {phentsize} (e_phentsize); need {Elf64PhdrSize}");
            // phnum < 2^32, so phnum * 56 cannot overflow.
            if (!InFile(phoff, phnum * Elf64PhdrSize))
                throw Fail($"program header table at 0x{phoff:x} ({phnum} x {Elf64PhdrSize} bytes) extends past end of file (0x{Length:x} bytes)");

            var segments = new List<ElfSegment>();
            for (ulong i = 0; i < phnum; i++)
            {
                ulong h = phoff + i * Elf64PhdrSize;
                if (U32(h) != PT_LOAD) continue;
                var seg = new ElfSegment((int)i, PhysAddr: U64(h + 24), VirtAddr: U64(h + 16), FileOffset: U64(h + 8),
                    FileSize: U64(h + 32), MemSize: U64(h + 40), Flags: U32(h + 4), Align: U64(h + 48));
                if (seg.FileSize > seg.MemSize)
                    throw Fail($"segment {i} file size 0x{seg.FileSize:x} exceeds memory size 0x{seg.MemSize:x}");
                if (seg.FileSize != 0 && !InFile(seg.FileOffset, seg.FileSize))
                    throw Fail($"segment {i} file data at 0x{seg.FileOffset:x} (0x{seg.FileSize:x} bytes) extends past end of file (0x{Length:x} bytes)");
                if (seg.MemSize > ulong.MaxValue - seg.PhysAddr)
                    throw Fail($"segment {i} physical address 0x{seg.PhysAddr:x} + size 0x{seg.MemSize:x} wraps around the address space");
                if (seg.MemSize > ulong.MaxValue - seg.VirtAddr)
                    throw Fail($"segment {i} virtual address 0x{seg.VirtAddr:x} + size 0x{seg.MemSize:x} wraps around the address space");
                segments.Add(seg with { Data = Slice(seg.FileOffset, seg.FileSize) });
            }
            if (segments.Count == 0) throw Fail("no loadable segments (no PT_LOAD program header)");
            CheckOverlaps(segments);
            return segments.ToArray();
        }

        /// <summary>Rejects PT_LOAD segments overlapping in physical address space (empty ones never overlap).</summary>
        private static void CheckOverlaps(List<ElfSegment> segments)
        {
            var sorted = segments.Where(s => s.MemSize != 0)
                .OrderBy(s => s.PhysAddr).ThenBy(s => s.Index).ToArray();
            ElfSegment? reach = null; // the segment reaching furthest so far
            foreach (var s in sorted)
            {
                if (reach is not null && s.PhysAddr < reach.PhysEnd)
                {
                    var (first, second) = reach.Index < s.Index ? (reach, s) : (s, reach);
                    throw Fail($"segment {second.Index} {Range(second.PhysAddr, second.PhysEnd)} overlaps segment {first.Index} {Range(first.PhysAddr, first.PhysEnd)}");
                }
                if (reach is null || s.PhysEnd > reach.PhysEnd) reach = s;
            }
        }

        private ElfSection[] ReadSections(ulong shoff, ulong shnum, ulong shstrndx)
        {
            if (shnum == 0) return [];
            if (shnum > (Length - shoff) / Elf64ShdrSize) // shoff + 64 <= Length was checked by CheckSectionHeader0
                throw Fail($"section header table at 0x{shoff:x} ({shnum} x {Elf64ShdrSize} bytes) extends past end of file (0x{Length:x} bytes)");
            if (shstrndx >= shnum)
                throw Fail($"section name string table index {shstrndx} (e_shstrndx) out of range ({shnum} sections)");

            int count = (int)shnum; // bounded by file length / 64
            var raw = new (uint Name, uint Type, ulong Flags, ulong Addr, ulong Offset, ulong Size, uint Link, uint Info, ulong EntSize)[count];
            for (int i = 0; i < count; i++)
            {
                ulong h = shoff + (ulong)i * Elf64ShdrSize;
                raw[i] = (U32(h), U32(h + 4), U64(h + 8), U64(h + 16), U64(h + 24), U64(h + 32), U32(h + 40), U32(h + 44), U64(h + 56));
            }

            // Names (no names at all when e_shstrndx is SHN_UNDEF).
            ReadOnlySpan<byte> names = default;
            if (shstrndx != SHN_UNDEF)
            {
                var st = raw[shstrndx];
                if (st.Type != SHT_STRTAB)
                    throw Fail($"section name string table (section {shstrndx}) has type {st.Type}; need SHT_STRTAB (3)");
                if (!InFile(st.Offset, st.Size))
                    throw Fail($"section name string table (section {shstrndx}) at 0x{st.Offset:x} (0x{st.Size:x} bytes) extends past end of file (0x{Length:x} bytes)");
                names = Slice(st.Offset, st.Size).Span;
            }

            var sections = new ElfSection[count];
            for (int i = 0; i < count; i++)
            {
                var r = raw[i];
                string name = "";
                if (shstrndx != SHN_UNDEF && !TryReadString(names, r.Name, out name))
                    throw Fail($"section {i} name offset 0x{r.Name:x} not a string in the section name string table (0x{names.Length:x} bytes)");
                bool hasData = HasFileData(r.Type, r.Size);
                if (hasData && !InFile(r.Offset, r.Size))
                    throw Fail($"section {i} ({name}) data at 0x{r.Offset:x} (0x{r.Size:x} bytes) extends past end of file (0x{Length:x} bytes)");
                sections[i] = new ElfSection(name, r.Type, r.Flags, r.Addr, r.Offset, r.Size)
                {
                    Index = i,
                    Link = r.Link,
                    Info = r.Info,
                    EntrySize = r.EntSize,
                    Data = hasData ? Slice(r.Offset, r.Size) : ReadOnlyMemory<byte>.Empty,
                };
            }
            return sections;
        }

        private static bool HasFileData(uint type, ulong size) => type is not (SHT_NULL or SHT_NOBITS) && size != 0;

        private SymbolTable ReadSymbols(ElfSection[] sections)
        {
            var symtab = sections.FirstOrDefault(s => s.Type == SHT_SYMTAB)
                         ?? sections.FirstOrDefault(s => s.Type == SHT_DYNSYM);
            if (symtab is null) return SymbolTable.Empty;

            string what = $"symbol table section {symtab.Index} ({symtab.Name})";
            if (symtab.EntrySize != Elf64SymSize)
                throw Fail($"{what} entry size {symtab.EntrySize}; need {Elf64SymSize}");
            if (symtab.Size % Elf64SymSize != 0)
                throw Fail($"{what} size 0x{symtab.Size:x} is not a multiple of {Elf64SymSize}");
            if (symtab.Link >= (uint)sections.Length || sections[symtab.Link].Type != SHT_STRTAB)
                throw Fail($"{what} links to section {symtab.Link}, which is not a string table");

            var strtab = sections[symtab.Link].Data.Span;
            var data = symtab.Data.Span;
            int n = data.Length / Elf64SymSize;
            var symbols = new List<ElfSymbol>(Math.Max(0, n - 1));
            for (int i = 1; i < n; i++) // entry 0 is the reserved null symbol
            {
                var e = data.Slice(i * Elf64SymSize, Elf64SymSize);
                uint nameOff = BinaryPrimitives.ReadUInt32BigEndian(e);
                if (!TryReadString(strtab, nameOff, out string name))
                    throw Fail($"{what} symbol {i} name offset 0x{nameOff:x} not a string in its string table (0x{strtab.Length:x} bytes)");
                byte info = e[4];
                symbols.Add(new ElfSymbol(name,
                    Value: BinaryPrimitives.ReadUInt64BigEndian(e[8..]),
                    Size: BinaryPrimitives.ReadUInt64BigEndian(e[16..]),
                    Type: (byte)(info & 0xf), Bind: (byte)(info >> 4),
                    SectionIndex: BinaryPrimitives.ReadUInt16BigEndian(e[6..])));
            }
            return new SymbolTable(symbols, sections);
        }

        /// <summary>Reads the NUL-terminated string at <paramref name="offset"/>; false if out of range or unterminated.</summary>
        private static bool TryReadString(ReadOnlySpan<byte> table, uint offset, out string s)
        {
            s = "";
            if (offset >= (uint)table.Length) return false;
            var rest = table[(int)offset..];
            int nul = rest.IndexOf((byte)0);
            if (nul < 0) return false;
            s = System.Text.Encoding.UTF8.GetString(rest[..nul]); // invalid UTF-8 becomes U+FFFD, never throws
            return true;
        }
    }
}
