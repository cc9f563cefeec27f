using System.CommandLine;
using System.Globalization;
using System.Text;
using S390Jit.Architecture.Isa;
using S390Jit.Loader;
using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Cli;

/// <summary>
/// "s390jit disasm FILE": every executable section of an s390x ELF (or a raw file with --raw --base),
/// one line per instruction, ADDRESS:&lt;tab&gt;MNEMONIC&lt;tab&gt;OPERANDS as objdump -d --no-show-raw-insn
/// prints it (section and symbol headers and "..." for skipped zeros as objdump shows them).
/// </summary>
internal static class DisasmCommand
{
    private static readonly Argument<string> s_file = new("file") { Description = "s390x ELF file, or a raw binary with --raw" };
    private static readonly Option<bool> s_raw = new("--raw") { Description = "the file is raw instruction bytes, not an ELF" };
    private static readonly Option<string?> s_base = new("--base") { Description = "load address of a raw file (hex, e.g. 0x10000; default 0)" };
    private static readonly Option<bool> s_bytes = new("--bytes") { Description = "also print each instruction's encoding" };

    /// <summary>The command's line in 's390jit --help'.</summary>
    public const string Summary = "Disassemble an s390x ELF's executable sections (or a raw file) in objdump's spelling.";

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var cmd = new Command("disasm", Summary);
        cmd.Arguments.Add(s_file);
        cmd.Options.Add(s_raw);
        cmd.Options.Add(s_base);
        cmd.Options.Add(s_bytes);
        cmd.SetAction(pr => Execute(pr.GetValue(s_file)!, pr.GetValue(s_raw), pr.GetValue(s_base), pr.GetValue(s_bytes), stdout, stderr));
        return cmd;
    }

    public static int Execute(string file, bool raw, string? baseText, bool bytes, TextWriter stdout, TextWriter stderr)
    {
        ulong baseAddr = 0;
        if (baseText != null && !raw)
        {
            stderr.WriteLine("s390jit: error: --base needs --raw (an ELF gives its own addresses)");
            return 2;
        }
        if (baseText != null && !TryParseAddress(baseText, out baseAddr))
        {
            stderr.WriteLine($"s390jit: error: bad --base address '{baseText}' (expected hex, e.g. 0x10000)");
            return 2;
        }
        var output = new StringWriter(CultureInfo.InvariantCulture);
        if (raw)
        {
            byte[] data;
            try
            {
                if (Directory.Exists(file)) throw new IOException("Is a directory");
                data = File.ReadAllBytes(file);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
            {
                stderr.WriteLine($"s390jit: {file}: cannot read: {(e is FileNotFoundException or DirectoryNotFoundException ? "No such file or directory" : Program.OneLine(e.Message))}");
                return 2;
            }
            if (data.Length == 0)
            {
                stderr.WriteLine($"s390jit: {file}: empty file, nothing to disassemble");
                return 2;
            }
            output.WriteLine();
            output.WriteLine($"Disassembly of {file} at 0x{baseAddr:x}:");
            output.WriteLine();
            Emit(output, data, baseAddr, [], bytes);
        }
        else
        {
            ElfImage elf;
            try { elf = ElfImage.Load(file); }
            catch (ImageFormatException e)
            {
                stderr.WriteLine($"s390jit: {file}: {Program.OneLine(e.Message)} (use --raw --base ADDR for a raw file)");
                return 2;
            }
            var sections = elf.Sections.Where(s => s.Executable && s.Type != SHT_NOBITS && s.Size > 0).ToList();
            if (sections.Count == 0)
            {
                stderr.WriteLine($"s390jit: {file}: no executable sections");
                return 2;
            }
            foreach (var sec in sections)
            {
                output.WriteLine();
                output.WriteLine($"Disassembly of section {sec.Name}:");
                var labels = Labels(elf, sec);
                Emit(output, sec.Data, sec.Addr, labels, bytes, sec.Name, HasSymbols(elf) ? t => Target(elf, t) : null);
            }
        }
        stdout.Write(output.ToString());
        return 0;
    }

    private static bool TryParseAddress(string s, out ulong v)
    {
        s = s.Trim();
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        return ulong.TryParse(s, NumberStyles.HexNumber, CultureInfo.InvariantCulture, out v) && s.Length > 0;
    }

    /// <summary>The symbols objdump splits a section at: named, defined in the section, not files or sections.</summary>
    private static SortedDictionary<int, string> Labels(ElfImage elf, ElfSection sec)
    {
        var labels = new SortedDictionary<int, string>();
        foreach (var s in elf.Symbols.All)
        {
            if (s.Name.Length == 0 || s.SectionIndex != sec.Index || s.Type is STT_SECTION or STT_FILE) continue;
            if (s.Value < sec.Addr || s.Value >= sec.Addr + sec.Size) continue;
            int off = (int)(s.Value - sec.Addr);
            labels.TryAdd(off, s.Name);
        }
        return labels;
    }

    /// <summary>objdump prints targets without 0x once the file has any symbol it keeps.</summary>
    private static bool HasSymbols(ElfImage elf) =>
        elf.Symbols.All.Any(s => s.Name.Length != 0 && s.IsDefined && s.SectionIndex != SHN_COMMON && s.Type is not (STT_SECTION or STT_FILE));

    private static string Target(ElfImage elf, ulong t)
    {
        string hex = t.ToString("x", CultureInfo.InvariantCulture);
        if (!elf.Symbols.TryLookup(t, out var sym, out ulong off)) return hex;
        return off == 0 ? $"{hex} <{sym.Name}>" : $"{hex} <{sym.Name}+0x{off:x}>";
    }

    private static void Emit(TextWriter o, ReadOnlyMemory<byte> data, ulong addr, SortedDictionary<int, string> labels, bool bytes,
        string? section = null, Func<ulong, string>? target = null)
    {
        var starts = new HashSet<int>(labels.Keys);
        int pos = 0;
        if (!labels.ContainsKey(0))
        {
            o.WriteLine();
            o.WriteLine($"{addr:x16} <{section ?? "data"}>:");
        }
        var sb = new StringBuilder();
        foreach (var l in Disassembler.Walk(data, addr, labels.Keys, target))
        {
            pos = (int)(l.Address - addr);
            if (labels.TryGetValue(pos, out var name) && starts.Remove(pos))
            {
                o.WriteLine();
                o.WriteLine($"{l.Address:x16} <{name}>:");
            }
            if (l.Mnemonic == "...")
            {
                o.WriteLine("\t...");
                continue;
            }
            if (bytes)
            {
                sb.Clear();
                foreach (var b in data.Span.Slice(pos, l.Length)) sb.Append(b.ToString("x2", CultureInfo.InvariantCulture)).Append(' ');
                o.WriteLine(l.Operands.Length == 0
                    ? $"{l.Address:x}:\t{sb,-18}\t{l.Mnemonic}"
                    : $"{l.Address:x}:\t{sb,-18}\t{l.Mnemonic}\t{l.Operands}");
            }
            else o.WriteLine(l.ToString());
        }
    }
}
