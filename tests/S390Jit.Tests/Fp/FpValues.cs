using S390Jit.Architecture.Fp;
using S390Jit.Architecture.Isa;
using S390Jit.Tests.Differential;

namespace S390Jit.Tests.Fp;

/// <summary>
/// A seeded generator (splitmix64: the same numbers on every machine and .NET version) and BFP operand
/// choices biased to the values that matter: signed zeros, subnormals (smallest, largest, random),
/// Nmin, Nmax, infinities, quiet and signalling NaNs, one, values near the exponent limits, values
/// close to each other (cancellation, halfway cases) and plain random bit patterns.
/// </summary>
public sealed class FpRandom(ulong seed)
{
    private ulong _s = seed;

    public ulong Next()
    {
        ulong z = _s += 0x9E37_79B9_7F4A_7C15UL;
        z = (z ^ (z >> 30)) * 0xBF58_476D_1CE4_E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D0_49BB_1331_11EBUL;
        return z ^ (z >> 31);
    }

    public int Below(int n) => (int)(Next() % (ulong)n);
    public bool Chance(int percent) => Below(100) < percent;
    public UInt128 Next128() => new(Next(), Next());

    public UInt128 Bits(BinaryFormat f) => f.Width == 128 ? Next128() : Next128() & ((UInt128.One << f.Width) - 1);

    /// <summary>A biased operand of format f.</summary>
    public UInt128 Operand(BinaryFormat f)
    {
        bool sign = Chance(50);
        UInt128 frac = Bits(f) & f.FracMask;
        UInt128 mag = Below(24) switch
        {
            0 => 0,
            1 => f.Infinity,
            2 => f.ExpMask | f.QuietBit | (frac & (f.QuietBit - 1)),                  // QNaN
            3 => f.ExpMask | ((frac & (f.QuietBit - 1)) | 1),                          // SNaN
            4 => 1,                                                                    // smallest subnormal
            5 => f.FracMask,                                                           // largest subnormal
            6 => frac == 0 ? 1 : frac,                                                 // random subnormal
            7 => f.Hidden,                                                             // Nmin
            8 => f.MaxFinite,
            9 => (UInt128)(uint)f.Bias << f.FracBits,                                  // 1.0
            10 or 11 => ((UInt128)(uint)(1 + Below(f.Precision + 2)) << f.FracBits) | frac,           // just above Nmin
            12 or 13 => ((UInt128)(uint)(f.MaxBiased - 1 - Below(f.Precision + 2)) << f.FracBits) | frac, // near Nmax
            14 => ((UInt128)(uint)(f.Bias + Below(64) - 32) << f.FracBits) | (frac & ~((UInt128.One << Below(f.FracBits)) - 1)), // few bits
            _ => ((UInt128)(uint)(1 + Below(f.MaxBiased - 1)) << f.FracBits) | frac,  // random normal
        };
        return f.Signed(sign, mag);
    }

    /// <summary>An operand near <paramref name="a"/> (same or adjacent exponent), to provoke cancellation and ties.</summary>
    public UInt128 Near(BinaryFormat f, UInt128 a)
    {
        if (!f.IsFinite(a)) return Operand(f);
        UInt128 delta = Bits(f) & ((UInt128.One << Below(f.FracBits + 1)) - 1);
        UInt128 mag = f.Abs(a);
        mag = Chance(50) ? mag + delta : (mag > delta ? mag - delta : delta);
        if (mag >= f.Infinity) mag = f.MaxFinite;
        return f.Signed(Chance(50), mag);
    }

    public BfpRounding Rounding() => (BfpRounding)Below(6);
}

/// <summary>The case order the FP differential suites share.</summary>
public static class FpCaseRuns
{
    /// <summary>
    /// Cases in runs of one encoding (the guest assembles each encoding once per run): every row of
    /// <paramref name="weighted"/> (a row may stand several times) gets an equal share in runs of
    /// <paramref name="runMin"/> + [0, <paramref name="runSpread"/>) cases, the remainder goes to random rows of
    /// <paramref name="rows"/>, and the runs are shuffled so that neighbouring runs differ.
    /// </summary>
    public static List<DiffCase> Generate<TEnc>(FpRandom rng, IReadOnlyList<InsnDef> weighted, IReadOnlyList<InsnDef> rows, int count,
        int runMin, int runSpread, Func<FpRandom, InsnDef, TEnc> encoding, Func<FpRandom, InsnDef, TEnc, DiffCase> makeCase)
    {
        var cases = new List<DiffCase>(count);
        int perRow = count / weighted.Count;
        foreach (var row in weighted)
        {
            int target = cases.Count + perRow;
            while (cases.Count < target)
            {
                var enc = encoding(rng, row);
                int run = Math.Min(runMin + rng.Below(runSpread), target - cases.Count);
                for (int k = 0; k < run; k++) cases.Add(makeCase(rng, row, enc));
            }
        }
        while (cases.Count < count)
        {
            var row = rows[rng.Below(rows.Count)];
            cases.Add(makeCase(rng, row, encoding(rng, row)));
        }
        var runs = new List<List<DiffCase>>();
        foreach (var c in cases)
        {
            if (runs.Count == 0 || !runs[^1][0].Insn.AsSpan().SequenceEqual(c.Insn)) runs.Add([]);
            runs[^1].Add(c);
        }
        for (int k = runs.Count - 1; k > 0; k--)
        {
            int j = rng.Below(k + 1);
            (runs[k], runs[j]) = (runs[j], runs[k]);
        }
        return runs.SelectMany(r => r).ToList();
    }
}
