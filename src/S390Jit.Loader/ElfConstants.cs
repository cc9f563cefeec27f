namespace S390Jit.Loader;

/// <summary>ELF object file type (e_type) values accepted by the loader.</summary>
public enum ElfType : ushort
{
    /// <summary>ET_EXEC: executable at fixed addresses.</summary>
    Exec = 2,
    /// <summary>ET_DYN: position-independent executable or shared object (loaded at its link addresses).</summary>
    Dyn = 3,
}

/// <summary>ELF64 constants (names as in the System V ABI / elf.h).</summary>
public static class ElfConstants
{
    public const int EI_NIDENT = 16;
    public const byte ELFCLASS32 = 1, ELFCLASS64 = 2;
    public const byte ELFDATA2LSB = 1, ELFDATA2MSB = 2;
    public const byte EV_CURRENT = 1;

    public const ushort ET_NONE = 0, ET_REL = 1, ET_EXEC = 2, ET_DYN = 3, ET_CORE = 4;
    public const ushort EM_S390 = 22;

    /// <summary>Sizes of the ELF64 header, program header and section header.</summary>
    public const int Elf64EhdrSize = 64, Elf64PhdrSize = 56, Elf64ShdrSize = 64, Elf64SymSize = 24;

    public const ushort PN_XNUM = 0xffff;

    public const uint PT_NULL = 0, PT_LOAD = 1, PT_DYNAMIC = 2, PT_INTERP = 3, PT_NOTE = 4, PT_PHDR = 6, PT_TLS = 7;
    public const uint PF_X = 1, PF_W = 2, PF_R = 4;

    public const ushort SHN_UNDEF = 0, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2, SHN_XINDEX = 0xffff;
    public const uint SHT_NULL = 0, SHT_PROGBITS = 1, SHT_SYMTAB = 2, SHT_STRTAB = 3, SHT_RELA = 4,
        SHT_NOBITS = 8, SHT_DYNSYM = 11;
    public const ulong SHF_WRITE = 1, SHF_ALLOC = 2, SHF_EXECINSTR = 4;

    public const byte STT_NOTYPE = 0, STT_OBJECT = 1, STT_FUNC = 2, STT_SECTION = 3, STT_FILE = 4,
        STT_COMMON = 5, STT_TLS = 6, STT_GNU_IFUNC = 10;
    public const byte STB_LOCAL = 0, STB_GLOBAL = 1, STB_WEAK = 2;

    /// <summary>"EM_X86_64 (62)" for known machines, the plain number otherwise.</summary>
    internal static string MachineName(ushort machine) => machine switch
    {
        0 => "EM_NONE (0)",
        2 => "EM_SPARC (2)",
        3 => "EM_386 (3)",
        8 => "EM_MIPS (8)",
        20 => "EM_PPC (20)",
        21 => "EM_PPC64 (21)",
        22 => "EM_S390 (22)",
        40 => "EM_ARM (40)",
        43 => "EM_SPARCV9 (43)",
        62 => "EM_X86_64 (62)",
        183 => "EM_AARCH64 (183)",
        243 => "EM_RISCV (243)",
        258 => "EM_LOONGARCH (258)",
        _ => machine.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    internal static string TypeName(ushort type) => type switch
    {
        ET_NONE => "ET_NONE (0)",
        ET_REL => "ET_REL (1)",
        ET_EXEC => "ET_EXEC (2)",
        ET_DYN => "ET_DYN (3)",
        ET_CORE => "ET_CORE (4)",
        _ => $"0x{type:x}",
    };
}
