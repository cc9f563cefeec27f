using System.Diagnostics;
using System.Globalization;
using System.Numerics;
using System.Text;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Tests.Differential;

namespace S390Jit.Tests.Fp;

/// <summary>
/// The DFP differential suite: every implemented row of the dfp group (SRNMT is in the FP suite), each in
/// several encodings (registers, valid and invalid register pairs, every M3/M4 value), each encoding on a
/// run of consecutive cases, operands biased to the DFP edge cases (zeros with every kind of exponent,
/// Nmax, Nmin, subnormals, infinities, NaNs and SNaNs with payloads, all-nines coefficients, halfway
/// values, operands sharing or nearly sharing exponents, raw bit patterns with non-canonical declets),
/// every DFP rounding mode, masks on and off, random flags, and sometimes the AFP-register control off.
/// <para>
/// QEMU 7.2 (TCG) does not implement the DFP facility (its TCG CPU model refuses dfp=on), so the
/// reference is tests/scripts/dfp_reference.py: Python's decimal module (libmpdec, an independent
/// implementation of IEEE 754-2008 decimal arithmetic) under a PoO model of the instruction layer.
/// </para>
/// </summary>
public sealed class DfpDiffSuite(int count = 24_000, ulong seed = 0xDF_0042) : DiffSuite
{
    public override string Name => "dfp";
    public override string ReferenceName => "the reference model (tests/scripts/dfp_reference.py)";

    private static readonly DfpFormat E = DfpFormat.Short, D = DfpFormat.Long, X = DfpFormat.Extended;

    public static List<InsnDef> Rows() => InstructionTable.All
        .Where(r => r.Group == "dfp" && r.Mnemonic != "SRNMT" && r.Implemented)
        .OrderBy(r => r.Mnemonic, StringComparer.Ordinal).ToList();

    /// <summary>Format of the FPR source operand (as the reference script decides it).</summary>
    public static DfpFormat SourceFormat(string m) => m switch
    {
        "LDETR" or "TDCET" or "TDGET" => E,
        "LXDTR" or "LEDTR" => D,
        "LDXTR" => X,
        _ => m[1..].Contains('X') ? X : D,
    };

    /// <summary>Format of an FPR field of a row.</summary>
    private static DfpFormat FieldFormat(string m, Field f) => m switch
    {
        "LDETR" => f == Field.R1 ? D : E,
        "LXDTR" => f == Field.R1 ? X : D,
        "LEDTR" => f == Field.R1 ? E : D,
        "LDXTR" => f == Field.R1 ? D : X,
        _ => SourceFormat(m),
    };

    /// <summary>GPR fields holding an extended packed/BCD operand (a GR pair).</summary>
    private static bool GrPair(string m, Field f) => (m is "CSXTR" or "CUXTR" && f == Field.R1) || (m is "CXSTR" or "CXUTR" && f == Field.R2);

    public override List<DiffCase> Generate()
    {
        var rng = new FpRandom(seed);
        var rows = Rows();
        // the arithmetic rows get three shares
        var weighted = rows.SelectMany(r => Enumerable.Repeat(r, r.Mnemonic.EndsWith("TRA") && r.Mnemonic[0] is 'A' or 'S' or 'M' or 'D' ? 3 : 1)).ToList();
        return FpCaseRuns.Generate(rng, weighted, rows, count, 30, 60, Encoding, Case);
    }

    private sealed record Enc(byte[] Bytes);

    private static Enc Encoding(FpRandom rng, InsnDef row)
    {
        var values = new Dictionary<Field, long>();
        string m = row.Mnemonic;
        foreach (var item in row.Syntax.Items)
        {
            var f = item.Spec.Field;
            if (values.ContainsKey(f)) continue;
            bool pair = item.Print == PrintKind.Fpr && FieldFormat(m, f) == X;
            long v = f switch
            {
                Field.R1 or Field.R2 or Field.R3 when item.Print == PrintKind.Fpr =>
                    pair && rng.Below(12) != 0 ? new[] { 0, 1, 4, 5, 8, 9, 12, 13 }[rng.Below(8)] : rng.Below(16),
                Field.R1 or Field.R2 when GrPair(m, f) => rng.Below(12) != 0 ? 2 * rng.Below(8) : rng.Below(16),
                Field.R1 or Field.R2 or Field.R3 => rng.Below(16),
                Field.M3 or Field.M4 => rng.Below(16),
                Field.L2 => rng.Chance(85) ? rng.Below(m[1] == 'P' || m[2] == 'P' ? (m.Contains('X') ? 18 : 9) : (m.Contains('X') ? 34 : 16)) : rng.Below(40),
                Field.B2 => row.Format == Format.RSL_b ? 1 + rng.Below(15) : rng.Chance(20) ? 0 : 1 + rng.Below(15),
                Field.X2 => rng.Chance(60) ? 0 : 1 + rng.Below(15),
                Field.D2 => rng.Below(4096),
                _ => 0,
            };
            values[f] = v;
        }
        if (values.TryGetValue(Field.X2, out long x) && values.TryGetValue(Field.B2, out long bb) && x == bb && x != 0) values[Field.X2] = 0;
        ulong raw = Assembler.EncodeRaw(row, f => values.GetValueOrDefault(f));
        return new Enc(Assembler.ToBytes(raw, row.Length));
    }

    // ---- operands -----------------------------------------------------------------------------------

    private static UInt128 Pow10(int n) => Dpd.Pow10U(n);

    /// <summary>A random coefficient of 1..Digits digits (biased: all nines, powers of ten, trailing 5/50/500).</summary>
    private static UInt128 Coef(FpRandom rng, DfpFormat f)
    {
        int digits = rng.Chance(40) ? f.Digits : 1 + rng.Below(f.Digits);
        UInt128 c = rng.Next128() % Pow10(digits);
        switch (rng.Below(10))
        {
            case 0: c = Pow10(digits) - 1; break;
            case 1: c = Pow10(digits - 1); break;
            case 2: c = c / 10 * 10 + 5; break;
            case 3: c = Pow10(digits - 1) * (UInt128)(uint)(1 + rng.Below(9)) + (digits > 1 ? 5 * Pow10(digits - 2) : 0); break;
            case 4: c = (UInt128)(uint)rng.Below(1000); break;
        }
        return c % f.CoefLimit;
    }

    private static int Exponent(FpRandom rng, DfpFormat f) => rng.Below(8) switch
    {
        0 => f.QMin + rng.Below(3),
        1 => f.QMax - rng.Below(3),
        2 => f.QMin + rng.Below(f.Digits + 3),
        3 => f.QMax - rng.Below(f.Digits + 3),
        4 or 5 => rng.Below(2 * f.Digits + 1) - f.Digits,
        _ => f.QMin + rng.Below(f.MaxBiased + 1),
    };

    public static UInt128 Operand(FpRandom rng, DfpFormat f)
    {
        bool sign = rng.Chance(50);
        UInt128 v = rng.Below(26) switch
        {
            0 or 1 => f.PackFinite(sign, 0, Exponent(rng, f)),
            2 => f.Infinity(sign),
            3 => f.NaN(sign, false, rng.Chance(50) ? 0 : rng.Next128() % Pow10(f.Digits - 1)),
            4 => f.NaN(sign, true, rng.Chance(50) ? 0 : rng.Next128() % Pow10(f.Digits - 1)),
            5 => f.Nmax(sign),
            6 => f.PackFinite(sign, Pow10(f.Digits - 1), f.QMin),                  // Nmin
            7 => f.PackFinite(sign, 1, f.QMin),                                     // smallest subnormal
            8 => f.PackFinite(sign, Coef(rng, f) % Pow10(f.Digits - 1), f.QMin + rng.Below(3)), // subnormal
            9 => f.PackFinite(sign, (UInt128)(uint)(1 + rng.Below(9)), 0),
            10 => f.PackFinite(sign, 5 * Pow10(rng.Below(f.Digits)), Exponent(rng, f)),
            11 => rng.Next128() & f.Mask,                                                   // raw pattern (non-canonical declets, reserved bits)
            _ => f.PackFinite(sign, Coef(rng, f), Exponent(rng, f)),
        };
        return v;
    }

    /// <summary>An operand related to <paramref name="a"/>: same or nearby exponent, coefficient close (cancellation, ties).</summary>
    public static UInt128 Near(FpRandom rng, DfpFormat f, UInt128 a)
    {
        var n = f.Unpack(a);
        if (!n.IsFinite) return Operand(rng, f);
        int e = Math.Clamp(n.Exp + rng.Below(2 * f.Digits + 3) - f.Digits - 1, f.QMin, f.QMax);
        UInt128 c = rng.Below(3) switch
        {
            0 => n.Coef,
            1 => (n.Coef + (UInt128)(uint)rng.Below(20)) % f.CoefLimit,
            _ => 5 * Pow10(rng.Below(f.Digits)),
        };
        return f.PackFinite(rng.Chance(50), c, e);
    }

    private static readonly ulong[] Ints =
    [
        0, 1, 9, 10, 99, 0x7FFF_FFFF, 0x8000_0000, 0xFFFF_FFFF, 999_999_999, 1_000_000_000, 9_999_999_999_999_999, 10_000_000_000_000_000,
        99_999_999_999_999_995, 0x7FFF_FFFF_FFFF_FFFF, 0x8000_0000_0000_0000, 0xFFFF_FFFF_FFFF_FFFF, 12_345_678_901_234_565,
    ];

    private static ulong Integer(FpRandom rng)
    {
        ulong v = rng.Below(3) switch { 0 => Ints[rng.Below(Ints.Length)], 1 => rng.Next() >> rng.Below(64), _ => rng.Next() };
        return rng.Chance(30) ? 0UL - v : v;
    }

    /// <summary>Packed-decimal or BCD digits in 64 bits (valid most of the time).</summary>
    private static ulong Bcd(FpRandom rng, bool signed)
    {
        ulong v = 0;
        int n = signed ? 15 : 16;
        int zeros = rng.Below(n + 1);
        for (int k = 0; k < n; k++) v = (v << 4) | (k < zeros && rng.Chance(80) ? 0UL : (ulong)rng.Below(10));
        if (signed) v = (v << 4) | (uint)(0xA + rng.Below(6));
        if (rng.Chance(8)) v ^= 0xAUL << (4 * rng.Below(16)); // maybe an invalid digit or sign
        return v;
    }

    private static uint FpcValue(FpRandom rng)
    {
        uint masks = rng.Chance(50) ? 0 : (uint)(rng.Next() & 0xF8);
        if (rng.Chance(15)) masks = 0xF8;
        uint flags = rng.Chance(50) ? 0 : (uint)(rng.Next() & 0xF8);
        uint dxc = rng.Chance(80) ? 0 : (uint)rng.Below(256);
        uint dfp = (uint)rng.Below(8) << 4;
        uint bfp = new uint[] { 0, 1, 2, 3, 7 }[rng.Below(5)];
        return (masks << 24) | (flags << 16) | (dxc << 8) | dfp | bfp;
    }

    private static DiffCase Case(FpRandom rng, InsnDef row, Enc enc)
    {
        string m = row.Mnemonic;
        var c = new DiffCase
        {
            Insn = enc.Bytes,
            Cc = rng.Below(4),
            ProgramMask = rng.Below(16),
            Fpc = FpcValue(rng),
            AfpOff = rng.Below(60) == 0,
        };
        var i = c.Decoded;
        UInt128? first = null;
        foreach (var item in row.Syntax.Items)
        {
            if (item.Print != PrintKind.Fpr) continue;
            var fld = item.Spec.Field;
            int r = fld switch { Field.R1 => i.R1, Field.R2 => i.R2, _ => i.R3 };
            var f = FieldFormat(m, fld);
            // the result register of LOAD LENGTHENED / ROUNDED and conversions keeps random contents
            UInt128 v = first is { } a && rng.Chance(40) && f.Width == SourceFormat(m).Width ? Near(rng, f, a) : Operand(rng, f);
            if (f.Width == SourceFormat(m).Width) first ??= v;
            if (f == X && (r & 2) == 0) { c.SetFpr(r, (ulong)(v >> 64)); c.SetFpr(r + 2, (ulong)v); }
            else if (f == E) c.SetFpr(r, ((ulong)(uint)v << 32) | (uint)rng.Next());
            else c.SetFpr(r, (ulong)v);
        }
        foreach (var item in row.Syntax.Items)
        {
            if (item.Print != PrintKind.Gpr || item.Role != OperandRole.Plain) continue;
            var fld = item.Spec.Field;
            int r = fld == Field.R1 ? i.R1 : i.R2;
            if (fld == Field.R1 && !m.StartsWith("CD") && !m.StartsWith("CX")) { c.Gprs[r] = rng.Next(); continue; } // result register
            ulong v = m switch
            {
                "CDSTR" or "CXSTR" => Bcd(rng, true),
                "CDUTR" or "CXUTR" => Bcd(rng, false),
                "IEDTR" or "IEXTR" => rng.Below(4) switch
                {
                    0 => (ulong)(long)-(1 + rng.Below(5)),
                    1 => (ulong)rng.Below((m == "IEDTR" ? D : X).MaxBiased + 1),
                    2 => (ulong)((m == "IEDTR" ? D : X).MaxBiased + rng.Below(3)),
                    _ => rng.Next(),
                },
                "RRDTR" or "RRXTR" => rng.Chance(70) ? (uint)rng.Below(40) | (rng.Next() & ~63UL) : rng.Next(),
                _ => Integer(rng),
            };
            c.Gprs[r] = v;
            if (GrPair(m, fld) && (r & 1) == 0) c.Gprs[r + 1] = m is "CXSTR" ? Bcd(rng, true) : Bcd(rng, false);
            if (GrPair(m, fld) && (r & 1) == 0 && m == "CXSTR") c.Gprs[r] = Bcd(rng, false);
        }
        if (row.Format == Format.RSL_b)
        {
            // zoned / packed field in the operand buffer (B2 set so that the field starts at an offset in it)
            bool packed = m[1] == 'P' || m[2] == 'P';
            int len = i.L2 + 1;
            int off = rng.Below(256 - 40);
            if (i.B2 != 0) c.Gprs[i.B2] = DiffCase.Buffer + (ulong)off - (ulong)i.D2;
            if (m is "CDZT" or "CXZT" or "CDPT" or "CXPT")
            {
                var mem = new byte[Math.Min(len, 34)];
                bool signed = (i.M3 & 8) != 0;
                for (int k = 0; k < mem.Length; k++)
                    mem[k] = packed ? (byte)(rng.Below(10) << 4 | rng.Below(10)) : (byte)((rng.Chance(80) ? 0xF0 : rng.Below(16) << 4) | rng.Below(10));
                if (rng.Chance(50)) for (int k = 0; k < rng.Below(mem.Length + 1); k++) mem[k] = packed ? (byte)0 : (byte)(mem[k] & 0xF0);
                if (signed && packed) mem[^1] = (byte)(mem[^1] & 0xF0 | (0xA + rng.Below(6)));
                if (signed && !packed) mem[^1] = (byte)(mem[^1] & 0x0F | (0xA + rng.Below(6)) << 4);
                if (rng.Chance(8)) mem[rng.Below(mem.Length)] ^= (byte)(rng.Chance(50) ? 0x0A : 0xA0);
                c.Memory = mem;
                c.MemoryOffset = off;
            }
        }
        else if (row.Syntax.Items.Any(it => it.Spec.Field == Field.B2))
        {
            // SLDT/SRDT and TDC/TDG use the address as a value (shift count, class mask)
            ulong a = m.StartsWith("TD") ? (uint)rng.Below(0x1000) | (rng.Next() & ~0xFFFUL) : rng.Chance(70) ? (ulong)rng.Below(64) : rng.Next();
            if (i.B2 != 0) c.Gprs[i.B2] = a;
            if (i.X2 != 0) c.Gprs[i.X2] = rng.Chance(50) ? 0 : (ulong)rng.Below(16);
        }
        return c;
    }

    // ---- the reference ----------------------------------------------------------------------------------

    /// <summary>The effective second-operand address (64-bit addressing, as the guest runs).</summary>
    private static ulong Address(DiffCase c)
    {
        var i = c.Decoded;
        return (i.X2 != 0 ? c.Gpr(i.X2) : 0) + (i.B2 != 0 ? c.Gpr(i.B2) : 0) + (ulong)i.D2;
    }

    /// <summary>One input line of tests/scripts/dfp_reference.py.</summary>
    public static string ReferenceLine(int k, DiffCase c)
    {
        var i = c.Decoded;
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"{k} {c.Mnemonic} {i.R1:x} {i.R2:x} {i.R3:x} {i.M3:x} {i.M4:x} {c.Insn.Length:x} {Address(c):x} {c.Fpc:x} {c.Cc:x} {(c.AfpOff ? 1 : 0)}");
        for (int r = 0; r < 16; r++) sb.Append(' ').Append(c.Gpr(r).ToString("x"));
        for (int r = 0; r < 16; r++) sb.Append(' ').Append(c.Fpr(r).ToString("x"));
        sb.Append(CultureInfo.InvariantCulture, $" {i.L2:x} {c.MemoryOffset:x} {(c.Memory.Length > 0 ? Convert.ToHexString(c.Memory) : "-")}");
        return sb.ToString();
    }

    public override List<string>? Reference(List<DiffCase> cases)
    {
        var psi = new ProcessStartInfo("python3") { RedirectStandardInput = true, RedirectStandardOutput = true, UseShellExecute = false };
        psi.ArgumentList.Add(Repo.Path("tests", "scripts", "dfp_reference.py"));
        using var p = Process.Start(psi)!;
        var writer = Task.Run(() =>
        {
            for (int k = 0; k < cases.Count; k++) p.StandardInput.WriteLine(ReferenceLine(k, cases[k]));
            p.StandardInput.Close();
        });
        var lines = p.StandardOutput.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        writer.Wait();
        p.WaitForExit();
        if (p.ExitCode != 0 || lines.Length != cases.Count) throw new InvalidOperationException($"dfp_reference.py failed (exit {p.ExitCode}, {lines.Length} of {cases.Count} records)");
        return lines.Select(l => l[(l.IndexOf(' ') + 1)..]).ToList();
    }
}
