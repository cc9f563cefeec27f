using System.Globalization;
using System.Text;

namespace S390Jit.Architecture.Isa;

/// <summary>One disassembled instruction (or objdump's .long/.short/.byte for bytes that are none).</summary>
public readonly record struct DisasmLine(ulong Address, int Length, string Mnemonic, string Operands, bool Valid)
{
    /// <summary>objdump -d --no-show-raw-insn spelling: ADDRESS:&lt;tab&gt;MNEMONIC[&lt;tab&gt;OPERANDS].</summary>
    public override string ToString() =>
        Operands.Length == 0 ? $"{Address:x}:\t{Mnemonic}" : $"{Address:x}:\t{Mnemonic}\t{Operands}";
}

/// <summary>
/// The disassembler: the table's rows, extended mnemonics and operand syntax give binutils' spelling
/// (objdump 2.40 for z16), including its choice of extended mnemonic and its operand omissions.
/// </summary>
public static class Disassembler
{
    /// <summary>
    /// Disassembles the instruction at the start of <paramref name="bytes"/> (at most the bytes that
    /// may be read: objdump stops at section and symbol boundaries). Bytes that are no instruction
    /// print as objdump prints them (.long of 4 bytes, .short of 2, .byte otherwise), and so do rows
    /// binutils 2.40 does not know unless <paramref name="objdumpCompatible"/> is false.
    /// <paramref name="target"/> spells relative targets (default: 0x-prefixed hex).
    /// </summary>
    public static DisasmLine Disassemble(ReadOnlySpan<byte> bytes, ulong address, Func<ulong, string>? target = null,
        bool objdumpCompatible = true)
    {
        if (bytes.IsEmpty) throw new ArgumentException("no bytes to disassemble", nameof(bytes));
        int length = Formats.LengthFromFirstByte(bytes[0]);
        if (bytes.Length >= length)
        {
            ulong raw = Decoder.LeftAlign(bytes[..length]);
            var def = Decoder.Lookup(raw);
            if (def != null && (raw & def.ZeroMask) == 0 && !(objdumpCompatible && def.Syntax.NotInBinutils))
            {
                var (mnemonic, syntax) = def.SpellingOf(raw);
                var sb = new StringBuilder(32);
                syntax.Format(sb, raw, address, target);
                return new DisasmLine(address, length, mnemonic.ToLowerInvariant(), sb.ToString(), true);
            }
        }
        int n = bytes.Length >= 4 ? 4 : bytes.Length;
        string text = n switch
        {
            4 => "0x" + ((uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3])).ToString("x8", CultureInfo.InvariantCulture),
            2 => "0x" + ((bytes[0] << 8) | bytes[1]).ToString("x4", CultureInfo.InvariantCulture),
            _ => string.Concat(bytes[..n].ToArray().Select(b => "0x" + b.ToString("x2", CultureInfo.InvariantCulture))),
        };
        return new DisasmLine(address, n, n == 4 ? ".long" : n == 2 ? ".short" : ".byte", text, false);
    }

    /// <summary>Mnemonic and operands of a decoded instruction (at its address, for relative operands).</summary>
    public static string Format(in Insn insn, ulong address)
    {
        var (mnemonic, syntax) = insn.Def.SpellingOf(insn.Raw);
        var sb = new StringBuilder(mnemonic.ToLowerInvariant());
        int len = sb.Length;
        sb.Append('\t');
        syntax.Format(sb, insn.Raw, address);
        if (sb.Length == len + 1) sb.Length = len;
        return sb.ToString();
    }

    /// <summary>
    /// Disassembles <paramref name="data"/> (loaded at <paramref name="address"/>) the way objdump -d
    /// walks a section: decoding restarts at every boundary (symbol addresses), no instruction reads
    /// past the next boundary, and runs of zero bytes are shown as "..." (8 or more bytes, rounded
    /// down to a multiple of 4 unless they reach the boundary; any run of fewer than 3 at a boundary).
    /// Yields the instructions, and for each "..." line a line with mnemonic "..." covering the skipped bytes.
    /// </summary>
    public static IEnumerable<DisasmLine> Walk(ReadOnlyMemory<byte> data, ulong address, IEnumerable<int>? boundaries = null,
        Func<ulong, string>? target = null)
    {
        var stops = new SortedSet<int>((boundaries ?? []).Where(b => b > 0 && b < data.Length)) { data.Length };
        int pos = 0;
        foreach (int stop in stops)
        {
            while (pos < stop)
            {
                int z = pos;
                var span = data.Span;
                while (z < stop && span[z] == 0) z++;
                if (z - pos >= 8 || (z == stop && z - pos < 3))
                {
                    if (z != stop) z = pos + ((z - pos) & ~3);
                    yield return new DisasmLine(address + (ulong)pos, z - pos, "...", "", false);
                    pos = z;
                    continue;
                }
                var line = Disassemble(data.Span[pos..stop], address + (ulong)pos, target);
                pos += line.Length;
                yield return line;
            }
        }
    }
}
