using System.Globalization;
using System.Text;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Loader;
using Decoder = S390Jit.Architecture.Isa.Decoder;

namespace S390Jit.Vmm.Diagnostics;

/// <summary>The items of -d (QEMU's log items that apply to S390Jit).</summary>
[Flags]
public enum LogItems
{
    None = 0,
    Int = 1 << 0,
    InAsm = 1 << 1,
    Exec = 1 << 2,
    Cpu = 1 << 3,
    Unimp = 1 << 4,
    GuestErrors = 1 << 5,
}

/// <summary>
/// QEMU-style logs (-d ITEM[,ITEM...], -D FILE): interruptions, guest code at its first execution, executed
/// blocks with the PSW, registers at block entry, first uses of instructions without semantics and guest
/// errors (bad SCCBs, invalid orders). Lines follow qemu-system-s390x's spelling where it has one, so
/// "grep do_program_interrupt" works on both. The log only reads guest state: cycles and output do not change.
/// </summary>
public sealed class GuestLog : ICpuObserver
{
    public static readonly (string Name, LogItems Item, string Help)[] ItemList =
    [
        ("int", LogItems.Int, "show interrupts/exceptions: class, code, ILC, old and new PSW, TEID"),
        ("in_asm", LogItems.InAsm, "show guest code of each block when it first runs (interpreted or translated)"),
        ("exec", LogItems.Exec, "show each block executed (each compiled region entry under the jit), with the PSW"),
        ("cpu", LogItems.Cpu, "show the CPU registers before entering a block"),
        ("unimp", LogItems.Unimp, "log the first use of an instruction without semantics (or not installed), with its address"),
        ("guest_errors", LogItems.GuestErrors, "log when the guest makes a request the machine refuses (bad SCCB, invalid SIGP order, ...)"),
    ];

    /// <summary>Parses "-d ITEM[,ITEM...]"; "all" selects every item. Returns an error sentence for unknown items.</summary>
    public static LogItems Parse(string spec, out string? error)
    {
        error = null;
        var items = LogItems.None;
        foreach (var name in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (name == "all") { items |= ItemList.Aggregate(LogItems.None, (a, i) => a | i.Item); continue; }
            var found = ItemList.FirstOrDefault(i => i.Name == name);
            if (found.Name == null)
            {
                error = $"-d {spec}: unknown log item '{name}' (-d help lists them)";
                return LogItems.None;
            }
            items |= found.Item;
        }
        return items;
    }

    /// <summary>The text of "-d help".</summary>
    public static string Help()
    {
        var sb = new StringBuilder("Log items (comma separated):\n");
        foreach (var (name, _, help) in ItemList) sb.Append(CultureInfo.InvariantCulture, $"{name,-13} {help}\n");
        sb.Append("all           every item above\n");
        return sb.ToString();
    }

    private readonly TextWriter _out;
    private readonly object _lock = new();
    private readonly HashSet<(int Mode, ulong Addr)> _seenBlocks = new();
    private readonly HashSet<string> _seenUnimp = new(StringComparer.Ordinal);

    public GuestLog(LogItems items, TextWriter output)
    {
        Items = items;
        _out = output;
    }

    public LogItems Items { get; }
    public bool Has(LogItems item) => (Items & item) != 0;

    /// <summary>Symbols for "IN: name" and the exec lines (ELF symbols or --symbols).</summary>
    public SymbolTable? Symbols { get; set; }

    /// <summary>Whether block entries matter (in_asm, exec, cpu): without them the engines need not report blocks.</summary>
    public bool WantsBlocks => (Items & (LogItems.InAsm | LogItems.Exec | LogItems.Cpu)) != 0;

    public bool WantsInstructions => false;

    public void Flush() { lock (_lock) _out.Flush(); }

    private void Write(string text) { lock (_lock) _out.Write(text); }

    /// <summary>-d guest_errors: one line for a request the machine refused.</summary>
    public void GuestError(string message)
    {
        if (Has(LogItems.GuestErrors)) Write(message + "\n");
    }

    public void Interruption(Cpu cpu, in InterruptionRecord r)
    {
        if (Has(LogItems.Unimp) && r.Class == InterruptionClass.Program && (r.Code & 0x7F) == PgmCode.Operation) Unimplemented(cpu);
        if (!Has(LogItems.Int)) return;
        string psw = $"psw: {r.OldMask:x16} {r.OldAddr:x16} new psw: {r.NewMask:x16} {r.NewAddr:x16}";
        string line = r.Class switch
        {
            InterruptionClass.Program => $"do_program_interrupt: code=0x{r.Code:x} ilen={r.Ilc} {psw}{(r.Teid is { } t ? $" teid=0x{t:x16}" : "")} ({ProgramName(r.Code)})",
            InterruptionClass.SupervisorCall => $"do_svc_interrupt: code=0x{r.Code:x} ilen={r.Ilc} {psw}",
            InterruptionClass.External => $"do_ext_interrupt: code=0x{r.Code:x4} param=0x{r.Parameter:x8} cpu-addr={r.CpuAddr} {psw}",
            InterruptionClass.InputOutput => $"do_io_interrupt: schid=0x{r.SubchannelId:x8} parm=0x{r.Parameter:x8} word=0x{r.InterruptionWord:x8} {psw}",
            InterruptionClass.Restart => $"do_restart_interrupt: {psw}",
            _ => $"do_mchk_interrupt: {psw}",
        };
        Write($"{line} cpu={cpu.CpuAddress} cycle={cpu.Cycles}\n");
    }

    private static string ProgramName(ushort code)
    {
        string name = (code & 0x7F) switch
        {
            PgmCode.Operation => "operation", PgmCode.PrivilegedOperation => "privileged operation", PgmCode.Execute => "execute",
            PgmCode.Protection => "protection", PgmCode.Addressing => "addressing", PgmCode.Specification => "specification",
            PgmCode.Data => "data", PgmCode.FixedPointOverflow => "fixed-point overflow", PgmCode.FixedPointDivide => "fixed-point divide",
            PgmCode.DecimalOverflow => "decimal overflow", PgmCode.DecimalDivide => "decimal divide",
            0x0C => "HFP exponent overflow", 0x0D => "HFP exponent underflow", 0x0E => "HFP significance", 0x0F => "HFP floating-point divide",
            PgmCode.SegmentTranslation => "segment translation", PgmCode.PageTranslation => "page translation",
            PgmCode.TranslationSpecification => "translation specification", PgmCode.SpecialOperation => "special operation",
            PgmCode.Operand => "operand", PgmCode.VectorProcessing => "vector processing", PgmCode.SpaceSwitch => "space switch",
            PgmCode.AletSpecification => "ALET specification", PgmCode.AlenTranslation => "ALEN translation", PgmCode.AleSequence => "ALE sequence",
            PgmCode.AsteValidity => "ASTE validity", PgmCode.AsteSequence => "ASTE sequence", PgmCode.ExtendedAuthority => "extended authority",
            PgmCode.AsceType => "ASCE type", PgmCode.RegionFirst => "region first translation", PgmCode.RegionSecond => "region second translation",
            PgmCode.RegionThird => "region third translation", PgmCode.Monitor => "monitor event", 0 => "",
            _ => "other",
        };
        if ((code & PgmCode.Per) != 0) name = name.Length == 0 ? "PER event" : name + " + PER event";
        return name;
    }

    /// <summary>-d unimp: the instruction an operation exception was recognised for, the first time it is seen.</summary>
    private void Unimplemented(Cpu cpu)
    {
        ulong addr = cpu.IssueAddr;
        if (cpu.PeekInstruction(addr, out int len) is not { } raw) return;
        var def = Decoder.Lookup(raw);
        string opcode = Hex(raw, len);
        string key, line;
        if (def == null)
        {
            key = opcode;
            line = $"unimplemented opcode 0x{opcode} at 0x{addr:x} (no such instruction in the table)";
        }
        else if (def.Body == null)
        {
            key = def.Mnemonic;
            line = $"unimplemented instruction {def.Mnemonic} ({opcode}) at 0x{addr:x}: the table has no semantics for it";
        }
        else if (def.Facility >= 0 && !cpu.HasFacility(def.Facility))
        {
            key = def.Mnemonic;
            line = $"instruction {def.Mnemonic} ({opcode}) at 0x{addr:x}: facility {def.Facility} is not installed";
        }
        else return;
        bool first;
        lock (_lock) first = _seenUnimp.Add(key);
        if (first) Write(line + "\n");
    }

    private static string Hex(ulong raw, int len)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < len; i++) sb.Append(((byte)(raw >> (56 - 8 * i))).ToString("x2", CultureInfo.InvariantCulture));
        return sb.ToString();
    }

    public void BlockEntry(Cpu cpu, bool compiled)
    {
        if (!WantsBlocks) return;
        ulong addr = cpu.PswAddr;
        var sb = new StringBuilder();
        if (Has(LogItems.InAsm))
        {
            bool first;
            lock (_lock) first = _seenBlocks.Add((cpu.AddressingMode, addr));
            if (first) Disassemble(cpu, addr, sb);
        }
        if (Has(LogItems.Exec))
            sb.Append(CultureInfo.InvariantCulture, $"Trace {cpu.CpuAddress}: {(compiled ? "jit   " : "interp")} [{cpu.FullPswMask:x16}/{addr:x16}] {Symbol(addr)}\n");
        if (Has(LogItems.Cpu)) DumpRegisters(cpu, sb);
        if (sb.Length > 0) Write(sb.ToString());
    }

    public void Executed(Cpu cpu, ulong addr, bool compiled) { }

    private string Symbol(ulong addr)
    {
        if (Symbols == null || !Symbols.TryLookup(addr, out var sym, out ulong off)) return "";
        return off == 0 ? sym.Name : $"{sym.Name}+0x{off:x}";
    }

    /// <summary>QEMU's in_asm block: the straight-line code from <paramref name="addr"/> to its first branch (within the page).</summary>
    private void Disassemble(Cpu cpu, ulong addr, StringBuilder sb)
    {
        sb.Append("----------------\n");
        sb.Append("IN: ").Append(Symbol(addr)).Append('\n');
        ulong a = addr;
        Span<byte> bytes = stackalloc byte[6];
        for (int n = 0; n < 64; n++)
        {
            if (cpu.PeekInstruction(a, out int len) is not { } raw || ((a + (ulong)len - 1) >> 12) != (addr >> 12)) break;
            for (int i = 0; i < len; i++) bytes[i] = (byte)(raw >> (56 - 8 * i));
            var line = Disassembler.Disassemble(bytes[..len], a, objdumpCompatible: false);
            string hex = Hex(raw, len);
            var grouped = string.Join(' ', Enumerable.Range(0, hex.Length / 4).Select(i => hex.Substring(i * 4, 4)));
            sb.Append(string.Create(CultureInfo.InvariantCulture, $"0x{a:x8}:  {grouped,-16} {line.Mnemonic,-8} {line.Operands}").TrimEnd()).Append('\n');
            var def = Decoder.Lookup(raw);
            a = (a + (ulong)len) & cpu.AddrMask;
            if (def == null || def.Body == null || def.Has(InsnFlags.Branch) || def.Has(InsnFlags.EndsBlock)) break;
        }
        sb.Append('\n');
    }

    /// <summary>QEMU's s390x register dump: PSW with its condition code, general and control registers.</summary>
    private static void DumpRegisters(Cpu cpu, StringBuilder sb)
    {
        sb.Append(CultureInfo.InvariantCulture, $"PSW=mask {cpu.FullPswMask:x16} addr {cpu.PswAddr:x16} cc {(cpu.FullPswMask >> 44) & 3:x2}\n");
        for (int i = 0; i < 16; i++)
            sb.Append(CultureInfo.InvariantCulture, $"R{i:d2}={cpu.G[i]:x16}").Append(i % 4 == 3 ? '\n' : ' ');
        for (int i = 0; i < 16; i++)
            sb.Append(CultureInfo.InvariantCulture, $"C{i:d2}={cpu.Cr[i]:x16}").Append(i % 4 == 3 ? '\n' : ' ');
        sb.Append('\n');
    }
}
