namespace S390Jit.Loader;

/// <summary>The ELF64 values the loader checks or callers test (names as in elf.h); ELFSharp reads the rest.</summary>
public static class ElfConstants
{
    public const byte ELFCLASS32 = 1, ELFCLASS64 = 2;
    public const byte ELFDATA2LSB = 1, ELFDATA2MSB = 2;
    public const byte EV_CURRENT = 1;
    public const ushort ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
    public const ushort EM_S390 = 22;

    /// <summary>Sizes of the ELF64 header, program header and section header.</summary>
    public const int Elf64EhdrSize = 64, Elf64PhdrSize = 56, Elf64ShdrSize = 64, Elf64SymSize = 24;

    public const ushort PN_XNUM = 0xffff;
    public const uint PT_NULL = 0, PT_LOAD = 1, PT_NOTE = 4;
    public const uint PF_X = 1, PF_W = 2, PF_R = 4;

    public const ushort SHN_UNDEF = 0, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2, SHN_XINDEX = 0xffff;
    public const uint SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_NOBITS = 8, SHT_DYNSYM = 11;
    public const ulong SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;

    public const byte STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4, STT_TLS = 6, STT_GNU_IFUNC = 10;
    public const byte STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;
}
