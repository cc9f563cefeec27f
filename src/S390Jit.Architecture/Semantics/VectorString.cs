using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.VectorChecks;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Vector string instructions (PoO chapter 23): find any element equal, find element (not) equal,
/// isolate string, string range compare and string search, on byte, halfword or word elements, with
/// the zero-search (ZS), result-type (RT), invert (IN) and condition-code-set (CS) flags.
/// Index results are byte indexes placed in byte 7 of V1 (16 when nothing was found), the rest of V1 zero.
/// </summary>
[SemanticBodies]
public static class VectorString
{
    private const int InvertResult = 8, ResultType = 4, ZeroSearch = 2, CcSet = 1;
    private const int NotFound = 16;

    /// <summary>Byte index of the first zero element of <paramref name="v"/>, or 16.</summary>
    private static int FirstZero(Vec v, int es)
    {
        for (int k = 0; k < Vec.Count(es); k++)
            if (v.E(es, k) == 0) return k << es;
        return NotFound;
    }

    /// <summary>
    /// The condition code of the search instructions from the byte indexes of the first match and the
    /// first zero element (16 when none): 0 a zero element at or before any match, 1 a match and no
    /// zero element, 2 a match before a zero element, 3 neither.
    /// </summary>
    private static int SearchCc(int match, int zero) =>
        match == NotFound && zero == NotFound ? 3 : zero == NotFound ? 1 : match < zero ? 2 : 0;

    private static void PutIndex(Cpu c, int v1, int index) => new Vec((ulong)index, 0).To(c, v1);

    /// <summary>VFAE: elements of V2 equal to any element of V3 (or, with IN, to none); index or (RT) element mask.</summary>
    public static void VFAE(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M4, 2), flags = i.M5;
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3), mask = default;
        int n = Vec.Count(es), match = NotFound;
        for (int k = 0; k < n; k++)
        {
            bool any = false;
            for (int j = 0; j < n && !any; j++) any = a.E(es, k) == b.E(es, j);
            if (any != ((flags & InvertResult) != 0))
            {
                mask.Set(es, k, ulong.MaxValue);
                if (match == NotFound) match = k << es;
            }
        }
        int zero = (flags & ZeroSearch) != 0 ? FirstZero(a, es) : NotFound;
        if ((flags & ResultType) != 0) mask.To(c, i.V1);
        else PutIndex(c, i.V1, Math.Min(match, zero));
        if ((flags & CcSet) != 0) c.Cc = SearchCc(match, zero);
    }

    /// <summary>VFEE/VFENE flags: only ZS and CS may be set.</summary>
    private static int FindFlags(Cpu c, ref Insn i)
    {
        SpecIf(c, (i.M5 & ~(ZeroSearch | CcSet)) != 0);
        return i.M5;
    }

    /// <summary>VFEE: the first element of V2 equal to the element of V3 in the same position.</summary>
    public static void VFEE(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M4, 2), flags = FindFlags(c, ref i);
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3);
        int match = NotFound;
        for (int k = 0; k < Vec.Count(es) && match == NotFound; k++)
            if (a.E(es, k) == b.E(es, k)) match = k << es;
        int zero = (flags & ZeroSearch) != 0 ? FirstZero(a, es) : NotFound;
        PutIndex(c, i.V1, Math.Min(match, zero));
        if ((flags & CcSet) != 0) c.Cc = SearchCc(match, zero);
    }

    /// <summary>
    /// VFENE: the first position where V2 and V3 differ; cc 0 a zero element of V2 came first, 1/2 the
    /// differing element of V2 is lower/higher (unsigned), 3 no difference and no zero element.
    /// </summary>
    public static void VFENE(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M4, 2), flags = FindFlags(c, ref i);
        Vec a = Vec.Of(c, i.V2), b = Vec.Of(c, i.V3);
        int diff = NotFound;
        for (int k = 0; k < Vec.Count(es) && diff == NotFound; k++)
            if (a.E(es, k) != b.E(es, k)) diff = k << es;
        int zero = (flags & ZeroSearch) != 0 ? FirstZero(a, es) : NotFound;
        PutIndex(c, i.V1, Math.Min(diff, zero));
        if ((flags & CcSet) == 0) return;
        if (diff == NotFound && zero == NotFound) c.Cc = 3;
        else if (zero < diff) c.Cc = 0;
        else c.Cc = a.E(es, diff >> es) < b.E(es, diff >> es) ? 1 : 2;
    }

    /// <summary>VISTR V1,V2,M3,M5: V2 up to its first zero element, the rest zero; CS: cc 0 a zero element was found, else 3.</summary>
    public static void VISTR(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M3, 2);
        SpecIf(c, (i.M5 & ~CcSet) != 0);
        Vec a = Vec.Of(c, i.V2), r = default;
        int zero = FirstZero(a, es);
        for (int k = 0; k < (zero >> es) && k < Vec.Count(es); k++) r.Set(es, k, a.E(es, k));
        r.To(c, i.V1);
        if ((i.M5 & CcSet) != 0) c.Cc = zero == NotFound ? 3 : 0;
    }

    /// <summary>One range bound comparison of VSTRC: the control element's equal (bit 0), low (bit 1) and high (bit 2) flags.</summary>
    private static bool InRange(ulong value, ulong bound, ulong control)
    {
        int bit = value == bound ? 0 : value < bound ? 1 : 2;
        return ((control >> (7 - bit)) & 1) != 0;
    }

    /// <summary>
    /// VSTRC V1,V2,V3,V4,M5,M6: an element of V2 matches when it satisfies both comparisons of any
    /// pair of ranges (elements 2j, 2j+1 of V3 with the controls in the leftmost byte of the same
    /// elements of V4); IN inverts; the index of the first match or (RT) an element mask.
    /// </summary>
    public static void VSTRC(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M5, 2), flags = i.M6;
        Vec a = Vec.Of(c, i.V2), range = Vec.Of(c, i.V3), ctl = Vec.Of(c, i.V4), mask = default;
        int n = Vec.Count(es), match = NotFound;
        int zero = (flags & ZeroSearch) != 0 ? FirstZero(a, es) : NotFound;
        for (int k = 0; k < n; k++)
        {
            ulong v = a.E(es, k);
            bool any = false;
            for (int j = 0; j < n && !any; j += 2)
                any = InRange(v, range.E(es, j), ctl.B(j << es)) && InRange(v, range.E(es, j + 1), ctl.B((j + 1) << es));
            if (any != ((flags & InvertResult) != 0))
            {
                mask.Set(es, k, ulong.MaxValue);
                if (match == NotFound) match = k << es;
            }
        }
        if ((flags & ResultType) != 0) mask.To(c, i.V1);
        else PutIndex(c, i.V1, Math.Min(match, zero));
        if ((flags & CcSet) != 0) c.Cc = SearchCc(match, zero);
    }

    /// <summary>
    /// VSTRS (vector enhancements 2) V1,V2,V3,V4,M5,M6: searches V2 for the substring in V3 whose length
    /// in bytes is byte 7 of V4 (with ZS also ended by a zero element of V3; V2 ends at its first zero
    /// element). V1 gets the byte index of the full or partial match (16 when none); cc 0 no match,
    /// 1 no match and V2 holds a zero element, 2 full match, 3 partial match at the end of V2.
    /// </summary>
    public static void VSTRS(Cpu c, ref Insn i)
    {
        int es = Es(c, i.M5, 2);
        SpecIf(c, (i.M6 & ~ZeroSearch) != 0);
        bool zs = (i.M6 & ZeroSearch) != 0;
        Vec str = Vec.Of(c, i.V2), sub = Vec.Of(c, i.V3);
        int n = Vec.Count(es);
        // a length beyond the vector (unpredictable in the PoO) can only ever match partially
        int subLen = Vec.Of(c, i.V4).B(7) >> es;
        int strLen = n;
        bool eos = false;
        if (zs)
        {
            subLen = Math.Min(subLen, n);
            for (int k = 0; k < subLen; k++)
                if (sub.E(es, k) == 0) { subLen = k; break; }
            for (int k = 0; k < n; k++)
                if (str.E(es, k) == 0) { strLen = k; eos = true; break; }
        }
        int at = n, cc = eos ? 1 : 0;
        if (subLen == 0) { at = 0; cc = 2; }
        else
            for (int k = 0; k < strLen; k++)
            {
                int j = 0;
                while (j < subLen && k + j < strLen && j < n && str.E(es, k + j) == sub.E(es, j)) j++;
                if (j == subLen) { at = k; cc = 2; break; }
                if (k + j == n) { at = k; cc = 3; break; }
            }
        PutIndex(c, i.V1, at << es);
        c.Cc = cc;
    }
}
