using System.Numerics;
using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Tests.Differential;

namespace S390Jit.Tests.Fp;

/// <summary>
/// Hand-written DFP checks: the densely-packed-decimal encoding, the well-known encodings of the three
/// formats, the preferred-quantum rules, rounding, overflow/underflow and the PoO's instruction examples
/// (QUANTIZE, REROUND, conversions, TEST DATA CLASS), run through the semantic bodies where the FPC matters.
/// </summary>
public class DfpCoreTests
{
    private static readonly DfpFormat E = DfpFormat.Short, D = DfpFormat.Long, X = DfpFormat.Extended;

    private static UInt128 Dec(DfpFormat f, string s)
    {
        var d = decimal.Parse(s.TrimStart('-'), System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture);
        int scale = d.Scale;
        var coef = (UInt128)(ulong)(new BigInteger(d * (decimal)Math.Pow(10, scale)));
        return f.PackFinite(s.StartsWith('-'), coef, -scale);
    }

    private static string Str(DfpFormat f, UInt128 v)
    {
        var n = f.Unpack(v);
        return n.Kind switch
        {
            DfpKind.Infinity => (n.Sign ? "-" : "") + "Inf",
            DfpKind.QNaN => (n.Sign ? "-" : "") + "NaN" + (n.Coef != 0 ? n.Coef.ToString() : ""),
            DfpKind.SNaN => (n.Sign ? "-" : "") + "sNaN" + (n.Coef != 0 ? n.Coef.ToString() : ""),
            _ => $"{(n.Sign ? "-" : "")}{n.Coef}E{n.Exp}",
        };
    }

    [Test]
    public void Densely_packed_decimal_round_trips_and_decodes_noncanonical_declets()
    {
        for (int n = 0; n < 1000; n++) Assert.That(Dpd.Decode(Dpd.Encode(n)), Is.EqualTo(n));
        Assert.That(Dpd.Encode(999), Is.EqualTo(0x0FF));
        Assert.That(Dpd.Encode(0), Is.EqualTo(0));
        Assert.That(Dpd.Encode(9), Is.EqualTo(0x009));
        // the 24 non-canonical declets (IEEE 754-2008 3.5.2) decode to values with two or three 8/9 digits
        var seen = Enumerable.Range(0, 1024).Where(d => Dpd.Encode(Dpd.Decode(d)) != d).ToList();
        Assert.That(seen, Has.Count.EqualTo(24));
        Assert.That(Dpd.Decode(0x1FF), Is.EqualTo(999));
        Assert.That(Dpd.Decode(0x3FF), Is.EqualTo(999));
    }

    [Test]
    public void Well_known_encodings_of_one_and_of_the_specials()
    {
        Assert.That(E.PackFinite(false, 1, 0), Is.EqualTo((UInt128)0x2250_0001u));
        Assert.That(D.PackFinite(false, 1, 0), Is.EqualTo((UInt128)0x2238_0000_0000_0001UL));
        Assert.That(X.PackFinite(false, 1, 0), Is.EqualTo(new UInt128(0x2208_0000_0000_0000UL, 1)));
        Assert.That(D.Infinity(true), Is.EqualTo((UInt128)0xF800_0000_0000_0000UL));
        Assert.That(D.DefaultNaN, Is.EqualTo((UInt128)0x7C00_0000_0000_0000UL));
        Assert.That(D.NaN(false, true, 0), Is.EqualTo((UInt128)0x7E00_0000_0000_0000UL));
        Assert.That(D.Nmax(false), Is.EqualTo((UInt128)0x77FC_FF3F_CFF3_FCFFUL));
        Assert.That(Str(D, 0x2238_0000_0000_0001UL), Is.EqualTo("1E0"));
        // 9 x 10^0 uses the 11xxx combination-field form
        Assert.That(D.Unpack(D.PackFinite(false, 9_000_000_000_000_000, 0)).Coef, Is.EqualTo((UInt128)9_000_000_000_000_000));
    }

    private static string Op(Func<DfpFormat, UInt128, UInt128, DfpEnv, (UInt128, DfpEnv)> op, DfpFormat f, string a, string b, DfpRounding mode, out DfpEnv env)
    {
        var (r, e) = op(f, Dec(f, a), Dec(f, b), new DfpEnv(mode));
        env = e;
        return Str(f, r);
    }

    private static (UInt128, DfpEnv) Add(DfpFormat f, UInt128 a, UInt128 b, DfpEnv env) { var r = Dfp.Add(f, a, b, false, ref env); return (r, env); }
    private static (UInt128, DfpEnv) Sub(DfpFormat f, UInt128 a, UInt128 b, DfpEnv env) { var r = Dfp.Add(f, a, b, true, ref env); return (r, env); }
    private static (UInt128, DfpEnv) Mul(DfpFormat f, UInt128 a, UInt128 b, DfpEnv env) { var r = Dfp.Multiply(f, a, b, ref env); return (r, env); }
    private static (UInt128, DfpEnv) Div(DfpFormat f, UInt128 a, UInt128 b, DfpEnv env) { var r = Dfp.Divide(f, a, b, ref env); return (r, env); }

    [Test]
    public void Exact_results_keep_the_preferred_quantum()
    {
        Assert.That(Op(Add, D, "1.10", "2.20", DfpRounding.NearestEven, out var env), Is.EqualTo("330E-2"));
        Assert.That(env.Inexact, Is.False);
        Assert.That(Op(Sub, D, "1.30", "1.3", DfpRounding.NearestEven, out _), Is.EqualTo("0E-2"));
        Assert.That(Op(Sub, D, "1.30", "1.3", DfpRounding.TowardNegative, out _), Is.EqualTo("-0E-2"));
        Assert.That(Op(Mul, D, "1.20", "3", DfpRounding.NearestEven, out _), Is.EqualTo("360E-2"));
        Assert.That(Op(Div, D, "1", "4", DfpRounding.NearestEven, out _), Is.EqualTo("25E-2"));
        Assert.That(Op(Div, D, "100", "4", DfpRounding.NearestEven, out _), Is.EqualTo("25E0"));
        Assert.That(Op(Div, D, "2.400", "2", DfpRounding.NearestEven, out _), Is.EqualTo("1200E-3"));
    }

    [Test]
    public void Inexact_results_round_in_every_mode()
    {
        Assert.That(Op(Div, D, "1", "3", DfpRounding.NearestEven, out var env), Is.EqualTo("3333333333333333E-16"));
        Assert.That(env.Inexact && !env.Incremented, Is.True);
        Assert.That(Op(Div, D, "2", "3", DfpRounding.TowardZero, out _), Is.EqualTo("6666666666666666E-16"));
        Assert.That(Op(Div, D, "2", "3", DfpRounding.NearestEven, out env), Is.EqualTo("6666666666666667E-16"));
        Assert.That(env.Incremented, Is.True);
        // a halfway case: 1234567890123456.5 (17 digits) to 16 digits
        string big = "1234567890123456", half = "0.5";
        Assert.That(Op(Add, D, big, half, DfpRounding.NearestEven, out _), Is.EqualTo("1234567890123456E0"));
        Assert.That(Op(Add, D, big, half, DfpRounding.NearestAway, out _), Is.EqualTo("1234567890123457E0"));
        Assert.That(Op(Add, D, big, half, DfpRounding.NearestTowardZero, out _), Is.EqualTo("1234567890123456E0"));
        Assert.That(Op(Add, D, big, half, DfpRounding.AwayFromZero, out _), Is.EqualTo("1234567890123457E0"));
        Assert.That(Op(Add, D, big, half, DfpRounding.TowardPositive, out _), Is.EqualTo("1234567890123457E0"));
        Assert.That(Op(Add, D, big, half, DfpRounding.TowardNegative, out _), Is.EqualTo("1234567890123456E0"));
        // prepare for shorter precision: truncate, then a last digit 0 or 5 becomes 1 or 6
        Assert.That(Op(Add, D, "1234567890123450", "0.1", DfpRounding.PrepareShorter, out _), Is.EqualTo("1234567890123451E0"));
        Assert.That(Op(Add, D, "1234567890123455", "0.1", DfpRounding.PrepareShorter, out _), Is.EqualTo("1234567890123456E0"));
        Assert.That(Op(Add, D, "1234567890123457", "0.1", DfpRounding.PrepareShorter, out _), Is.EqualTo("1234567890123457E0"));
    }

    [Test]
    public void Overflow_and_underflow_give_the_default_and_scaled_results()
    {
        var env = new DfpEnv(DfpRounding.NearestEven);
        var r = Dfp.Add(D, D.Nmax(false), D.Nmax(false), false, ref env);
        Assert.That(Str(D, r), Is.EqualTo("Inf"));
        Assert.That(env.Overflow && env.Inexact && env.Incremented, Is.True);
        // scaled result: 2 x Nmax rounded to 16 digits, exponent reduced by 576
        Assert.That(Str(D, env.Scaled), Is.EqualTo($"2000000000000000E{D.QMax + 1 - 576}"));
        env = new DfpEnv(DfpRounding.TowardZero);
        Assert.That(Dfp.Add(D, D.Nmax(false), D.Nmax(false), false, ref env), Is.EqualTo(D.Nmax(false)));
        // Nmin / 10: exactly representable as a subnormal: tiny, not inexact (no underflow flag)
        env = new DfpEnv(DfpRounding.NearestEven);
        r = Dfp.Divide(D, D.PackFinite(false, 1, D.EMin), D.PackFinite(false, 10, 0), ref env);
        Assert.That(Str(D, r), Is.EqualTo($"1E{D.EMin - 1}"));
        Assert.That(env.Tiny && !env.Underflow, Is.True);
        // the smallest subnormal halved: rounds to zero (tiny and inexact: underflow)
        env = new DfpEnv(DfpRounding.NearestEven);
        r = Dfp.Divide(D, D.PackFinite(false, 1, D.QMin), D.PackFinite(false, 2, 0), ref env);
        Assert.That(Str(D, r), Is.EqualTo($"0E{D.QMin}"));
        Assert.That(env.Underflow, Is.True);
    }

    [Test]
    public void Invalid_operations_and_NaN_propagation()
    {
        var env = new DfpEnv(DfpRounding.NearestEven);
        Assert.That(Dfp.Add(D, D.Infinity(false), D.Infinity(true), false, ref env), Is.EqualTo(D.DefaultNaN));
        Assert.That(env.Invalid, Is.True);
        env = new DfpEnv(DfpRounding.NearestEven);
        var r = Dfp.Multiply(D, D.NaN(true, true, 123), D.NaN(false, false, 7), ref env);
        Assert.That(Str(D, r), Is.EqualTo("-NaN123"));
        Assert.That(env.Invalid, Is.True);
        env = new DfpEnv(DfpRounding.NearestEven);
        r = Dfp.Divide(D, Dec(D, "5"), Dec(D, "0"), ref env);
        Assert.That(Str(D, r), Is.EqualTo("Inf"));
        Assert.That(env.DivideByZero && !env.Invalid, Is.True);
    }

    [Test]
    public void Quantize_reround_and_integer_follow_the_PoO_examples()
    {
        var env = new DfpEnv(DfpRounding.NearestEven);
        Assert.That(Str(D, Dfp.Quantize(D, Dec(D, "2.17"), Dec(D, "0.001"), ref env)), Is.EqualTo("2170E-3"));
        Assert.That(Str(D, Dfp.Quantize(D, Dec(D, "2.17"), Dec(D, "0.1"), ref env)), Is.EqualTo("22E-1"));
        Assert.That(env.Inexact, Is.True);
        env = new DfpEnv(DfpRounding.NearestEven);
        Assert.That(Dfp.Quantize(D, Dec(D, "123456789012345.6"), Dec(D, "0.01"), ref env), Is.EqualTo(D.DefaultNaN));
        Assert.That(env.Invalid, Is.True);
        env = new DfpEnv(DfpRounding.NearestEven);
        Assert.That(Str(D, Dfp.Reround(D, Dec(D, "123.456"), 4, ref env)), Is.EqualTo("1235E-1"));
        Assert.That(Str(D, Dfp.Reround(D, Dec(D, "999.9"), 2, ref env)), Is.EqualTo("10E2"));
        Assert.That(Str(D, Dfp.Reround(D, Dec(D, "1.5"), 0, ref env)), Is.EqualTo("15E-1"));
        env = new DfpEnv(DfpRounding.NearestEven);
        Assert.That(Str(D, Dfp.Integer(D, Dec(D, "-2.5"), ref env)), Is.EqualTo("-2E0"));
        Assert.That(Str(D, Dfp.Integer(D, Dec(D, "-0.00"), ref env)), Is.EqualTo("-0E0"));
    }

    [Test]
    public void Test_data_class_bits()
    {
        // bit 52 + zero ... bit 63 - SNaN: DataClass returns the shift count from bit 63
        Assert.That(DecimalFloatingPoint.DataClass(D, Dec(D, "0")), Is.EqualTo(11));
        Assert.That(DecimalFloatingPoint.DataClass(D, Dec(D, "-0")), Is.EqualTo(10));
        Assert.That(DecimalFloatingPoint.DataClass(D, D.PackFinite(false, 1, D.QMin)), Is.EqualTo(9));
        Assert.That(DecimalFloatingPoint.DataClass(D, Dec(D, "-1")), Is.EqualTo(6));
        Assert.That(DecimalFloatingPoint.DataClass(D, D.Infinity(false)), Is.EqualTo(5));
        Assert.That(DecimalFloatingPoint.DataClass(D, D.NaN(true, true, 0)), Is.EqualTo(0));
    }

    // ---- through the instruction bodies --------------------------------------------------------------

    private static DiffRecord Run(string mnemonic, Dictionary<Field, long> fields, uint fpc, Action<DiffCase>? setup = null)
    {
        var row = InstructionTable.ByMnemonic(mnemonic)!;
        var bytes = Assembler.ToBytes(Assembler.EncodeRaw(row, f => fields.GetValueOrDefault(f)), row.Length);
        var c = new DiffCase { Insn = bytes, Fpc = fpc };
        setup?.Invoke(c);
        return DiffInProcess.Run(c);
    }

    [Test]
    public void ADTR_sets_the_condition_code_and_an_enabled_inexact_trap_completes()
    {
        var rec = Run("ADTRA", new() { [Field.R1] = 0, [Field.R2] = 2, [Field.R3] = 4 }, 0, c =>
        {
            c.SetFpr(2, (ulong)Dec(D, "-1.5")); c.SetFpr(4, (ulong)Dec(D, "0.25"));
        });
        Assert.That(rec.ToString(), Is.EqualTo($"cc=1 fpc=00000000 f0={(ulong)Dec(D, "-1.25"):x16}"));
        // 1/3 with the inexact mask on: result stored, DXC 0x08 (truncated)
        rec = Run("DDTRA", new() { [Field.R1] = 0, [Field.R2] = 2, [Field.R3] = 4 }, 0x0800_0000, c =>
        {
            c.SetFpr(2, (ulong)Dec(D, "1")); c.SetFpr(4, (ulong)Dec(D, "3"));
        });
        Assert.That(rec.Pgm, Is.EqualTo((7, 0x08, 4, 4)));
        Assert.That(rec.Get("f0"), Is.EqualTo(((ulong)D.PackFinite(false, 3333333333333333, -16)).ToString("x16")));
    }

    [Test]
    public void M4_rounding_methods_and_the_FPC_DFP_rounding_mode()
    {
        // 2/3: FPC DFP mode 1 (toward zero) truncates; M4 = 9 (toward zero) overrides FPC mode 0; M4 = 8 (nearest even)
        // overrides mode 1; M4 0-7 (bit 0 zero) use the FPC mode
        string Q(uint fpc, int m4) => Run("DDTRA", new() { [Field.R1] = 0, [Field.R2] = 2, [Field.R3] = 4, [Field.M4] = m4 }, fpc, c =>
        {
            c.SetFpr(2, (ulong)Dec(D, "2")); c.SetFpr(4, (ulong)Dec(D, "3"));
        }).Get("f0")!;
        string trunc = ((ulong)D.PackFinite(false, 6666666666666666, -16)).ToString("x16");
        string round = ((ulong)D.PackFinite(false, 6666666666666667, -16)).ToString("x16");
        Assert.That(Q(0x10, 0), Is.EqualTo(trunc));
        Assert.That(Q(0x00, 9), Is.EqualTo(trunc));
        Assert.That(Q(0x10, 4), Is.EqualTo(trunc));
        Assert.That(Q(0x00, 5), Is.EqualTo(round));
        Assert.That(Q(0x10, 8), Is.EqualTo(round));
    }

    [Test]
    public void Zoned_and_packed_conversions()
    {
        // CDZT f0,0(3,r1),8: signed zoned F1 F2 D3 = -123, exponent 0
        var rec = Run("CDZT", new() { [Field.R1] = 0, [Field.B2] = 1, [Field.L2] = 2, [Field.M3] = 8 }, 0, c =>
        {
            c.Gprs[1] = DiffCase.Buffer + 16; c.Memory = [0xF1, 0xF2, 0xD3]; c.MemoryOffset = 16;
        });
        Assert.That(rec.Get("f0"), Is.EqualTo(((ulong)D.PackFinite(true, 123, 0)).ToString("x16")));
        // unsigned: the zone of the last byte is ignored
        rec = Run("CDZT", new() { [Field.R1] = 0, [Field.B2] = 1, [Field.L2] = 2, [Field.M3] = 0 }, 0, c =>
        {
            c.Gprs[1] = DiffCase.Buffer + 16; c.Memory = [0xF1, 0xF2, 0xD3]; c.MemoryOffset = 16;
        });
        Assert.That(rec.Get("f0"), Is.EqualTo(((ulong)D.PackFinite(false, 123, 0)).ToString("x16")));
        // CPDT f2,0(3,r1),8: -12.3 as 3 signed packed bytes 00 12 3D, cc 1 (exponent ignored)
        rec = Run("CPDT", new() { [Field.R1] = 2, [Field.B2] = 1, [Field.L2] = 2, [Field.M3] = 8 }, 0, c =>
        {
            c.Gprs[1] = DiffCase.Buffer + 32; c.SetFpr(2, (ulong)Dec(D, "-12.3"));
        });
        Assert.That(rec.Cc, Is.EqualTo(1));
        Assert.That(rec.Get("m32"), Is.EqualTo("00123d"));
        // CZDT with too few bytes: digits lost, cc 3; Z bit: zone 3
        rec = Run("CZDT", new() { [Field.R1] = 2, [Field.B2] = 1, [Field.L2] = 1, [Field.M3] = 4 }, 0, c =>
        {
            c.Gprs[1] = DiffCase.Buffer + 32; c.SetFpr(2, (ulong)Dec(D, "456"));
        });
        Assert.That(rec.Cc, Is.EqualTo(3));
        Assert.That(rec.Get("m32"), Is.EqualTo("3536"));
        // CDZT longer than 16 bytes: specification exception
        rec = Run("CDZT", new() { [Field.R1] = 0, [Field.B2] = 1, [Field.L2] = 16, [Field.M3] = 0 }, 0, c => c.Gprs[1] = DiffCase.Buffer);
        Assert.That(rec.Pgm?.Code, Is.EqualTo(6));
    }

    [Test]
    public void Invalid_packed_input_is_a_data_exception_and_AFP_off_is_DXC_3()
    {
        var rec = Run("CDSTR", new() { [Field.R1] = 0, [Field.R2] = 1 }, 0, c => c.Gprs[1] = 0x1234567890123459UL);
        Assert.That(rec.Pgm, Is.EqualTo((7, 0x00, 4, 4)));
        rec = Run("CDSTR", new() { [Field.R1] = 0, [Field.R2] = 1 }, 0, c => c.Gprs[1] = 0x123456789012345DUL);
        Assert.That(rec.Get("f0"), Is.EqualTo(((ulong)D.PackFinite(true, 123456789012345, 0)).ToString("x16")));
        rec = Run("CDSTR", new() { [Field.R1] = 0, [Field.R2] = 1 }, 0, c => { c.Gprs[1] = 0x1C; c.AfpOff = true; });
        Assert.That(rec.Pgm, Is.EqualTo((7, 0x03, 4, 4)));
    }
}

/// <summary>Development aid: throughput of the DFP core (prints ns per operation; no timed assertion).</summary>
public class DfpCoreSpeed
{
    [Test, Explicit]
    public void Measure_core_operations()
    {
        var rng = new FpRandom(42);
        foreach (var f in new[] { DfpFormat.Long, DfpFormat.Extended })
        {
            var ops = Enumerable.Range(0, 4096).Select(_ => (f.PackFinite(false, rng.Next128() % f.CoefLimit, rng.Below(40) - 20), f.PackFinite(rng.Chance(50), rng.Next128() % f.CoefLimit, rng.Below(40) - 20))).ToArray();
            foreach (var (name, op) in new (string, Func<UInt128, UInt128, UInt128>)[]
            {
                ("add", (a, b) => { var e = new DfpEnv(DfpRounding.NearestEven); return Dfp.Add(f, a, b, false, ref e); }),
                ("multiply", (a, b) => { var e = new DfpEnv(DfpRounding.NearestEven); return Dfp.Multiply(f, a, b, ref e); }),
                ("divide", (a, b) => { var e = new DfpEnv(DfpRounding.NearestEven); return Dfp.Divide(f, a, b, ref e); }),
            })
            {
                UInt128 sink = 0;
                for (int k = 0; k < 20_000; k++) sink ^= op(ops[k & 4095].Item1, ops[k & 4095].Item2);
                var sw = System.Diagnostics.Stopwatch.StartNew();
                const int n = 200_000;
                for (int k = 0; k < n; k++) sink ^= op(ops[k & 4095].Item1, ops[k & 4095].Item2);
                TestContext.Out.WriteLine($"{f.Name} {name}: {sw.Elapsed.TotalNanoseconds / n:F0} ns/op ({sink & 1})");
            }
        }
    }
}
