using System.Runtime.CompilerServices;

namespace S390Jit.Architecture.Fp;

/// <summary>
/// An IEEE 754-2008 binary interchange format as z/Architecture BFP uses it: short (binary32), long
/// (binary64), extended (binary128). Values travel as bit patterns in the low bits of a UInt128.
/// </summary>
public sealed class BinaryFormat
{
    public static readonly BinaryFormat Short = new("short", 32, 8, 24, 192);
    public static readonly BinaryFormat Long = new("long", 64, 11, 53, 1536);
    public static readonly BinaryFormat Extended = new("extended", 128, 15, 113, 24576);

    public readonly string Name;
    public readonly int Width, ExpBits, Precision, FracBits, Bias, Emax, Emin, MaxBiased;
    /// <summary>The PoO's scale factor (exponent adjustment) of scaled results on trapping overflow/underflow of arithmetic.</summary>
    public readonly int TrapScale;
    /// <summary>
    /// The UInt128 constants live in an object of their own: a UInt128 field would make BinaryFormat's
    /// layout "ABI unstable" to crossgen2 (UInt128's alignment is the runtime's choice), and crossgen2 then
    /// precompiles no method with a BinaryFormat parameter — the BFP bodies of every backend would run as
    /// RyuJIT tier-0 code at start-up (perf/issue14-nbody.md).
    /// </summary>
    private readonly Masks _m;
    public UInt128 SignBit => _m.SignBit;
    public UInt128 ExpMask => _m.ExpMask;
    public UInt128 FracMask => _m.FracMask;
    public UInt128 QuietBit => _m.QuietBit;
    public UInt128 Infinity => _m.ExpMask;
    public UInt128 MaxFinite => _m.MaxFinite;
    public UInt128 DefaultNaN => _m.DefaultNaN;
    public UInt128 Hidden => _m.Hidden;

    private sealed class Masks(int width, int fracBits, int maxBiased)
    {
        public readonly UInt128 SignBit = UInt128.One << (width - 1);
        public readonly UInt128 FracMask = (UInt128.One << fracBits) - 1;
        public readonly UInt128 ExpMask = (UInt128)(uint)maxBiased << fracBits;
        public readonly UInt128 Hidden = UInt128.One << fracBits;
        public readonly UInt128 QuietBit = UInt128.One << (fracBits - 1);
        public readonly UInt128 MaxFinite = ((UInt128)(uint)(maxBiased - 1) << fracBits) | ((UInt128.One << fracBits) - 1);
        public readonly UInt128 DefaultNaN = ((UInt128)(uint)maxBiased << fracBits) | (UInt128.One << (fracBits - 1));
    }

    private BinaryFormat(string name, int width, int expBits, int precision, int trapScale)
    {
        Name = name;
        Width = width; ExpBits = expBits; Precision = precision; FracBits = precision - 1;
        Bias = (1 << (expBits - 1)) - 1; Emax = Bias; Emin = 1 - Bias; MaxBiased = (1 << expBits) - 1;
        TrapScale = trapScale;
        _m = new Masks(width, FracBits, MaxBiased);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)] public bool Sign(UInt128 v) => (v & SignBit) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public UInt128 Abs(UInt128 v) => v & ~SignBit;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public int BiasedExp(UInt128 v) => (int)((v >> FracBits) & (uint)MaxBiased);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public bool IsNaN(UInt128 v) => Abs(v) > ExpMask;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public bool IsSNaN(UInt128 v) => IsNaN(v) && (v & QuietBit) == 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public bool IsQNaN(UInt128 v) => IsNaN(v) && (v & QuietBit) != 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public bool IsInf(UInt128 v) => Abs(v) == ExpMask;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public bool IsZero(UInt128 v) => Abs(v) == 0;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public bool IsFinite(UInt128 v) => Abs(v) < ExpMask;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public bool IsSubnormal(UInt128 v) => BiasedExp(v) == 0 && !IsZero(v);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public UInt128 Quiet(UInt128 v) => v | QuietBit;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public UInt128 Signed(bool sign, UInt128 magnitude) => sign ? magnitude | SignBit : magnitude;

    /// <summary>
    /// A finite non-zero value as sig x 2^exp with sig normalized to exactly <see cref="Precision"/> bits
    /// (subnormals are normalized too, their exponent going below Emin - (p-1)).
    /// </summary>
    public (bool Sign, int Exp, UInt128 Sig) Unpack(UInt128 v)
    {
        int be = BiasedExp(v);
        UInt128 frac = v & FracMask;
        if (be == 0)
        {
            int shift = (int)UInt128.LeadingZeroCount(frac) - (128 - Precision);
            return (Sign(v), Emin - FracBits - shift, frac << shift);
        }
        return (Sign(v), be - Bias - FracBits, frac | Hidden);
    }

    /// <summary>
    /// Packs a rounded significand of at most <see cref="Precision"/> bits whose leading bit has unbiased
    /// exponent e (e within Emin..Emax, or a subnormal: sig below 2^(p-1) at e = Emin).
    /// </summary>
    public UInt128 PackNormal(bool sign, int leadExp, UInt128 sig) =>
        Signed(sign, ((UInt128)(uint)(leadExp + Bias) << FracBits) | (sig & FracMask));

    /// <summary>The raw bits of a value widened to a longer format (no rounding, NaNs keep their payload and signalling state).</summary>
    public static UInt128 Widen(BinaryFormat from, BinaryFormat to, UInt128 v)
    {
        bool sign = from.Sign(v);
        if (from.IsNaN(v) || from.IsInf(v))
            return to.Signed(sign, to.ExpMask | ((v & from.FracMask) << (to.FracBits - from.FracBits)));
        if (from.IsZero(v)) return to.Signed(sign, 0);
        var (s, e, sig) = from.Unpack(v);
        int lead = e + from.FracBits;
        return to.PackNormal(s, lead, sig << (to.FracBits - from.FracBits));
    }

    public override string ToString() => Name;
}
