using System.Buffers.Binary;
using System.Text;
using S390Jit.Loader;
using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Tests.Loader;

/// <summary>
/// Writes small, valid ELF64 big-endian s390x images for tests. Layout: ELF header, program headers,
/// segment data, section data, symbol/string tables, section headers. Tests corrupt the result with
/// the Put* helpers using the offsets recorded by <see cref="Build"/>.
/// </summary>
internal sealed class ElfBuilder
{
    public ushort Type { get; set; } = ET_EXEC;
    public ushort Machine { get; set; } = EM_S390;
    public ulong Entry { get; set; } = 0x10000;
    /// <summary>Write a section header table (with .shstrtab). Without it there are no sections or symbols.</summary>
    public bool SectionHeaders { get; set; } = true;
    /// <summary>Put symbols in .dynsym/.dynstr instead of .symtab/.strtab.</summary>
    public bool SymbolsAsDynsym { get; set; }

    private readonly List<(uint Type, ulong PAddr, ulong VAddr, byte[] Data, ulong MemSize, uint Flags)> _segments = [];
    private readonly List<(string Name, uint Type, ulong Flags, ulong Addr, byte[] Data, ulong Size)> _sections = [];
    private readonly List<(string Name, ulong Value, ulong Size, byte Type, byte Bind, ushort Shndx)> _symbols = [];

    // Layout recorded by Build().
    public int PhOff { get; private set; }
    public int ShOff { get; private set; }
    public int SymtabOffset { get; private set; }
    public int[] SegmentDataOffsets { get; private set; } = [];
    /// <summary>Section header index of .symtab (or .dynsym) and .shstrtab; -1 if absent.</summary>
    public int SymtabIndex { get; private set; } = -1;
    public int ShstrtabIndex { get; private set; } = -1;

    /// <summary>A "typical" guest: text at 0x10000 (entry, _start, main), data + bss at 0x20000.</summary>
    public static ElfBuilder Typical()
    {
        var b = new ElfBuilder();
        byte[] text = Enumerable.Range(0, 0x100).Select(i => (byte)i).ToArray();
        byte[] data = [1, 2, 3, 4, 5, 6, 7, 8];
        b.Segment(0x10000, text, flags: PF_R | PF_X);
        b.Segment(0x20000, data, memSize: 0x1000, flags: PF_R | PF_W);
        int textSec = b.Section(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x10000, text);
        int dataSec = b.Section(".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0x20000, data);
        int bssSec = b.NoBitsSection(".bss", SHF_ALLOC | SHF_WRITE, 0x20008, 0xff8);
        b.Symbol("_start", 0x10000, 0, STT_NOTYPE, STB_GLOBAL, (ushort)textSec);
        b.Symbol("main", 0x10020, 0x40, STT_FUNC, STB_GLOBAL, (ushort)textSec);
        b.Symbol("helper", 0x10060, 0x20, STT_FUNC, STB_LOCAL, (ushort)textSec);
        b.Symbol("counter", 0x20000, 8, STT_OBJECT, STB_GLOBAL, (ushort)dataSec);
        b.Symbol("buffer", 0x20008, 0x100, STT_OBJECT, STB_LOCAL, (ushort)bssSec);
        b.Symbol("start.c", 0, 0, STT_FILE, STB_LOCAL, SHN_ABS);
        return b;
    }

    public ElfBuilder Segment(ulong addr, byte[] data, ulong? memSize = null, uint flags = PF_R | PF_X,
        ulong? vaddr = null, uint type = PT_LOAD)
    {
        _segments.Add((type, addr, vaddr ?? addr, data, memSize ?? (ulong)data.Length, flags));
        return this;
    }

    /// <summary>Adds a section with file data; returns its section header index.</summary>
    public int Section(string name, uint type, ulong flags, ulong addr, byte[] data)
    {
        _sections.Add((name, type, flags, addr, data, (ulong)data.Length));
        return _sections.Count;
    }

    public int NoBitsSection(string name, ulong flags, ulong addr, ulong size)
    {
        _sections.Add((name, SHT_NOBITS, flags, addr, [], size));
        return _sections.Count;
    }

    public ElfBuilder Symbol(string name, ulong value, ulong size = 0, byte type = STT_FUNC, byte bind = STB_GLOBAL,
        ushort shndx = 1)
    {
        _symbols.Add((name, value, size, type, bind, shndx));
        return this;
    }

    public byte[] Build()
    {
        var buf = new List<byte>(new byte[Elf64EhdrSize]);
        PhOff = buf.Count;
        buf.AddRange(new byte[_segments.Count * Elf64PhdrSize]);

        var segOffsets = new int[_segments.Count];
        for (int i = 0; i < _segments.Count; i++)
        {
            Align(buf, 16);
            segOffsets[i] = buf.Count;
            buf.AddRange(_segments[i].Data);
        }
        SegmentDataOffsets = segOffsets;

        // Section headers: null, user sections, [.symtab, .strtab], .shstrtab
        var shdrs = new List<(string Name, uint Type, ulong Flags, ulong Addr, ulong Off, ulong Size, uint Link, uint Info, ulong EntSize)>
        {
            ("", SHT_NULL, 0, 0, 0, 0, 0, 0, 0),
        };
        foreach (var s in _sections)
        {
            Align(buf, 8);
            ulong off = (ulong)buf.Count; // NOBITS: where it would be, occupying no bytes
            buf.AddRange(s.Data);
            shdrs.Add((s.Name, s.Type, s.Flags, s.Addr, off, s.Size, 0, 0, 0));
        }
        SymtabIndex = ShstrtabIndex = -1;
        if (SectionHeaders && _symbols.Count > 0)
        {
            var strtab = new StringTable();
            var sym = new byte[(_symbols.Count + 1) * Elf64SymSize];
            int firstGlobal = 1;
            for (int i = 0; i < _symbols.Count; i++)
            {
                var s = _symbols[i];
                var e = sym.AsSpan((i + 1) * Elf64SymSize, Elf64SymSize);
                BinaryPrimitives.WriteUInt32BigEndian(e, strtab.Add(s.Name));
                e[4] = (byte)((s.Bind << 4) | s.Type);
                BinaryPrimitives.WriteUInt16BigEndian(e[6..], s.Shndx);
                BinaryPrimitives.WriteUInt64BigEndian(e[8..], s.Value);
                BinaryPrimitives.WriteUInt64BigEndian(e[16..], s.Size);
                if (s.Bind == STB_LOCAL) firstGlobal = i + 2;
            }
            Align(buf, 8);
            int symOff = SymtabOffset = buf.Count;
            buf.AddRange(sym);
            int strOff = buf.Count;
            buf.AddRange(strtab.Bytes);
            SymtabIndex = shdrs.Count;
            int strtabIndex = SymtabIndex + 1;
            shdrs.Add((SymbolsAsDynsym ? ".dynsym" : ".symtab", SymbolsAsDynsym ? SHT_DYNSYM : SHT_SYMTAB,
                SymbolsAsDynsym ? SHF_ALLOC : 0, 0, (ulong)symOff, (ulong)sym.Length, (uint)strtabIndex,
                (uint)firstGlobal, Elf64SymSize));
            shdrs.Add((SymbolsAsDynsym ? ".dynstr" : ".strtab", SHT_STRTAB, 0, 0, (ulong)strOff,
                (ulong)strtab.Bytes.Length, 0, 0, 0));
        }

        ShOff = 0;
        if (SectionHeaders)
        {
            ShstrtabIndex = shdrs.Count;
            shdrs.Add((".shstrtab", SHT_STRTAB, 0, 0, 0, 0, 0, 0, 0));
            var names = new StringTable();
            var nameOffsets = shdrs.Select(h => names.Add(h.Name)).ToArray();
            int shstrOff = buf.Count;
            buf.AddRange(names.Bytes);
            shdrs[ShstrtabIndex] = shdrs[ShstrtabIndex] with { Off = (ulong)shstrOff, Size = (ulong)names.Bytes.Length };
            Align(buf, 8);
            ShOff = buf.Count;
            var table = new byte[shdrs.Count * Elf64ShdrSize];
            for (int i = 0; i < shdrs.Count; i++)
            {
                var h = shdrs[i];
                var e = table.AsSpan(i * Elf64ShdrSize, Elf64ShdrSize);
                BinaryPrimitives.WriteUInt32BigEndian(e, i == 0 ? 0 : nameOffsets[i]);
                BinaryPrimitives.WriteUInt32BigEndian(e[4..], h.Type);
                BinaryPrimitives.WriteUInt64BigEndian(e[8..], h.Flags);
                BinaryPrimitives.WriteUInt64BigEndian(e[16..], h.Addr);
                BinaryPrimitives.WriteUInt64BigEndian(e[24..], h.Off);
                BinaryPrimitives.WriteUInt64BigEndian(e[32..], h.Size);
                BinaryPrimitives.WriteUInt32BigEndian(e[40..], h.Link);
                BinaryPrimitives.WriteUInt32BigEndian(e[44..], h.Info);
                BinaryPrimitives.WriteUInt64BigEndian(e[48..], 1);
                BinaryPrimitives.WriteUInt64BigEndian(e[56..], h.EntSize);
            }
            buf.AddRange(table);
        }

        byte[] file = buf.ToArray();
        // ELF header
        file[0] = 0x7f; file[1] = (byte)'E'; file[2] = (byte)'L'; file[3] = (byte)'F';
        file[4] = ELFCLASS64; file[5] = ELFDATA2MSB; file[6] = EV_CURRENT; file[7] = 0; // ELFOSABI_NONE
        PutU16(file, 16, Type);
        PutU16(file, 18, Machine);
        PutU32(file, 20, EV_CURRENT);
        PutU64(file, 24, Entry);
        PutU64(file, 32, _segments.Count > 0 ? (ulong)PhOff : 0);
        PutU64(file, 40, (ulong)ShOff);
            PutU16(file, 52, Elf64EhdrSize);
        PutU16(file, 54, Elf64PhdrSize);
        PutU16(file, 56, (ushort)_segments.Count);
        PutU16(file, 58, Elf64ShdrSize);
        PutU16(file, 60, (ushort)(SectionHeaders ? shdrs.Count : 0));
        PutU16(file, 62, (ushort)(SectionHeaders ? ShstrtabIndex : 0));
        for (int i = 0; i < _segments.Count; i++)
        {
            var s = _segments[i];
            int h = PhdrOffset(i);
            PutU32(file, h, s.Type);
            PutU32(file, h + 4, s.Flags);
            PutU64(file, h + 8, (ulong)segOffsets[i]);
            PutU64(file, h + 16, s.VAddr);
            PutU64(file, h + 24, s.PAddr);
            PutU64(file, h + 32, (ulong)s.Data.Length);
            PutU64(file, h + 40, s.MemSize);
            PutU64(file, h + 48, 0x1000);
        }
        return file;
    }

    /// <summary>File offset of program header <paramref name="i"/> (valid after Build).</summary>
    public int PhdrOffset(int i) => PhOff + i * Elf64PhdrSize;

    /// <summary>File offset of symbol <paramref name="i"/> (1 = the first after the null symbol; valid after Build).</summary>
    public int SymbolOffset(int i) => SymtabOffset + i * Elf64SymSize;

    /// <summary>File offset of section header <paramref name="i"/> (valid after Build).</summary>
    public int ShdrOffset(int i) => ShOff + i * Elf64ShdrSize;

    // Program header field offsets.
    public const int P_offset = 8, P_filesz = 32, P_memsz = 40;
    // Section header field offsets.
    public const int Sh_offset = 24, Sh_entsize = 56;

    public static void PutU16(byte[] b, int off, ushort v) => BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(off), v);
    public static void PutU32(byte[] b, int off, uint v) => BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(off), v);
    public static void PutU64(byte[] b, int off, ulong v) => BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(off), v);

    private static void Align(List<byte> buf, int a)
    {
        while (buf.Count % a != 0) buf.Add(0);
    }

    private sealed class StringTable
    {
        private readonly List<byte> _bytes = [0];
        public byte[] Bytes => _bytes.ToArray();

        public uint Add(string s)
        {
            if (s.Length == 0) return 0;
            uint off = (uint)_bytes.Count;
            _bytes.AddRange(Encoding.UTF8.GetBytes(s));
            _bytes.Add(0);
            return off;
        }
    }
}
