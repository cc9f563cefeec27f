using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using static S390Jit.Tests.Vector.VectorRig;

namespace S390Jit.Tests.Vector;

/// <summary>
/// Vector string instructions (PoO chapter 23) as glibc's z13 string functions use them, and their
/// condition codes: index results in byte 7 (16 when nothing matched), zero search, result type
/// masks, inversion, ranges, substring search with full and partial matches.
/// </summary>
public class VectorStringTests
{
    private const int CS = 1, ZS = 2, RT = 4, IN = 8;

    private static VectorResult S(byte[] insn, Vec v2, Vec v3 = default, Vec v4 = default) => One(insn, v2, v3, v4, v1: new Vec(~0UL, ~0UL));
    private static Vec Index(int i) => new((ulong)i, 0);

    [TestCase("hello", 'l', 0, 2, 1, TestName = "VFEE finds the first equal byte: cc 1 (no zero searched)")]
    [TestCase("hello", 'x', 0, 16, 3, TestName = "VFEE without a match: index 16, cc 3")]
    [TestCase("hello", 'x', ZS, 5, 0, TestName = "VFEE with ZS: the terminating zero, cc 0")]
    [TestCase("hello", 'o', ZS, 4, 2, TestName = "VFEE with ZS: a match before the zero, cc 2")]
    [TestCase("hello", '\0', ZS, 5, 0, TestName = "VFEE with ZS searching for zero: cc 0")]
    public void VFEE_strchr(string text, char c, int flags, int index, int cc)
    {
        var r = S(A("VFEE", v1: 1, v2: 2, v3: 3, m4: 0, m5: flags | CS), Str(text), Vec.Replicate(0, c));
        Assert.That((r.V(1), r.Cc), Is.EqualTo((Index(index), cc)));
    }

    [TestCase("abcdefghijklmnop", "abcdefghijklmnop", 16, 3)]
    [TestCase("abc", "abc", 3, 0)]
    [TestCase("abc", "abd", 2, 1)]
    [TestCase("abd", "abc", 2, 2)]
    [TestCase("ab", "abc", 2, 1)]
    [TestCase("abc", "ab", 2, 2)]
    public void VFENE_with_zero_search_is_strcmp(string a, string b, int index, int cc)
    {
        var r = S(A("VFENE", v1: 1, v2: 2, v3: 3, m4: 0, m5: ZS | CS), Str(a), Str(b));
        Assert.That((r.V(1), r.Cc), Is.EqualTo((Index(index), cc)));
    }

    [Test]
    public void VFENE_on_halfwords_compares_unsigned()
    {
        var r = S(A("VFENE", v1: 1, v2: 2, v3: 3, m4: 1, m5: CS), Elems(1, 1, 2, 0x8000, 4, 5, 6, 7, 8), Elems(1, 1, 2, 0x7FFF, 0, 0, 0, 0, 0));
        Assert.That((r.V(1), r.Cc), Is.EqualTo((Index(4), 2)));
    }

    [Test]
    public void VFEE_and_VFENE_reject_reserved_flags_and_word_size_above_2()
    {
        Assert.That(One(A("VFEE", v1: 1, v2: 2, v3: 3, m4: 0, m5: 4)).Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That(One(A("VFENE", v1: 1, v2: 2, v3: 3, m4: 3, m5: 0)).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [TestCase(0, 3, 1, TestName = "VFAE: first byte equal to any of the set")]
    [TestCase(IN, 0, 1, TestName = "VFAE with IN: first byte equal to none of the set")]
    [TestCase(ZS, 3, 2, TestName = "VFAE with ZS: a match before the zero")]
    public void VFAE_strpbrk_and_strspn(int flags, int index, int cc)
    {
        var r = S(A("VFAE", v1: 1, v2: 2, v3: 3, m4: 0, m5: flags | CS), Str("xyz,a;b"), Str(",;;;;;;;;;;;;;;;"));
        Assert.That((r.V(1), r.Cc), Is.EqualTo((Index(index), cc)));
    }

    [Test]
    public void VFAE_result_type_is_an_element_mask()
    {
        var r = S(A("VFAE", v1: 1, v2: 2, v3: 3, m4: 1, m5: RT | CS), Str("a,b,", 1), Elems(1, ',', ',', ',', ',', ',', ',', ',', ','));
        Assert.That(r.V(1), Is.EqualTo(Elems(1, 0, 0xFFFF, 0, 0xFFFF, 0, 0, 0, 0)));
        Assert.That(r.Cc, Is.EqualTo(1));
        r = S(A("VFAE", v1: 1, v2: 2, v3: 3, m4: 1, m5: RT | IN | ZS | CS), Str("a,b,", 1), Elems(1, ',', ',', ',', ',', ',', ',', ',', ','));
        Assert.That(r.V(1), Is.EqualTo(Elems(1, 0xFFFF, 0, 0xFFFF, 0, 0xFFFF, 0xFFFF, 0xFFFF, 0xFFFF)), "inverted: the zeros do not match ','");
        Assert.That(r.Cc, Is.EqualTo(2), "the first non-',' element comes before the zero");
    }

    [TestCase("text", 0, 0, TestName = "VISTR stops at the zero byte")]
    [TestCase("0123456789abcdef", 0, 3, TestName = "VISTR without a zero: cc 3")]
    public void VISTR_isolates_the_string(string text, int es, int cc)
    {
        var v = Str(text);
        if (text.Length < 16) v.SetB(text.Length + 1, 'X'); // after the zero: cleared
        var r = S(A("VISTR", v1: 1, v2: 2, m3: es, m5: CS), v);
        Assert.That((r.V(1), r.Cc), Is.EqualTo((Str(text), cc)));
    }

    [Test]
    public void VISTR_on_words()
    {
        var r = S(A("VISTR", v1: 1, v2: 2, m3: 2, m5: 0), Elems(2, 0x0000_0001, 0x100, 0, 7));
        Assert.That(r.V(1), Is.EqualTo(Elems(2, 1, 0x100, 0, 0)));
        Assert.That(One(A("VISTR", v1: 1, v2: 2, m3: 0, m5: 2)).Pgm, Is.EqualTo(PgmCode.Specification));
    }

    /// <summary>VSTRC with the ranges ['0','9'] (ge, le) and ['a','z'] (ge, le): the first alphanumeric byte.</summary>
    [TestCase(0, 2, 1)]
    [TestCase(IN, 0, 1)]
    [TestCase(ZS, 2, 2)]
    public void VSTRC_finds_bytes_in_ranges(int flags, int index, int cc)
    {
        const byte eq = 0x80, lo = 0x40, hi = 0x20;
        var ranges = Str("09az");
        var controls = Bytes(new byte[] { eq | hi, eq | lo, eq | hi, eq | lo, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0 });
        var r = S(A("VSTRC", v1: 1, v2: 2, v3: 3, v4: 4, m5: 0, m6: flags | CS), Str("- 7x"), ranges, controls);
        Assert.That((r.V(1), r.Cc), Is.EqualTo((Index(index), cc)));
        r = S(A("VSTRC", v1: 1, v2: 2, v3: 3, v4: 4, m5: 0, m6: RT), Str("- 7x"), ranges, controls);
        Assert.That(r.V(1), Is.EqualTo(new Vec(0x0000_FFFF_0000_0000, 0)));
    }

    [TestCase("hello world", "world", 5, ZS, 6, 2, TestName = "VSTRS full match")]
    [TestCase("hello world", "xyz", 3, ZS, 16, 1, TestName = "VSTRS no match, the string ends in a zero: cc 1")]
    [TestCase("abcdefghijklmnop", "xyz", 3, 0, 16, 0, TestName = "VSTRS no match: cc 0")]
    [TestCase("abcdefghijklmnop", "opq", 3, 0, 14, 3, TestName = "VSTRS partial match at the end: cc 3")]
    [TestCase("hello", "", 0, 0, 0, 2, TestName = "VSTRS empty substring: full match at 0")]
    [TestCase("hello", "lo\0zz", 5, ZS, 3, 2, TestName = "VSTRS with ZS: the substring ends at its zero")]
    [TestCase("abcdefghijklmno", "op", 2, ZS, 16, 1, TestName = "VSTRS with ZS: no partial match across the zero")]
    public void VSTRS_searches_a_substring(string text, string sub, int len, int flags, int index, int cc)
    {
        var r = S(A("VSTRS", v1: 1, v2: 2, v3: 3, v4: 4, m5: 0, m6: flags), Str(text), Str(sub), new Vec((ulong)len, 0));
        Assert.That((r.V(1), r.Cc), Is.EqualTo((Index(index), cc)));
        Assert.That(One(A("VSTRS", v1: 1, v2: 2, v3: 3, v4: 4, m5: 0, m6: 1)).Pgm, Is.EqualTo(PgmCode.Specification), "only ZS may be set");
    }

    /// <summary>
    /// glibc's z13 strlen: VLBB to the block boundary, LCBB for the bytes loaded, VFENEZ against
    /// zero; a string ending right before the last page of storage is found without touching it.
    /// </summary>
    [Test]
    public void Strlen_loop_never_reads_beyond_the_string_block()
    {
        const ulong end = 0x100000;
        ulong s = end - 21; // "...": 20 characters and the zero, the last bytes of storage
        var code = Code(
            Assembler.Encode("LGR", r1: 6, r2: 4),                    // r6 = s
            // loop:
            A("VLBB", v1: 16, b2: 6, d2: 0, m3: 6),
            A("LCBB", r1: 7, b2: 6, d2: 0, m3: 6),
            A("VFENE", v1: 17, v2: 16, v3: 16, m4: 0, m5: ZS | CS),   // zero search (V2 = V3: no inequality)
            A("VLGV", r1: 8, v3: 17, b2: 0, d2: 7, m4: 0),            // index of the zero (or 16)
            Assembler.Encode("CLGR", r1: 8, r2: 7),
            Assembler.Encode("BRC", m1: 4, ri2: 6),                   // found within the loaded bytes: done
            Assembler.Encode("ALGR", r1: 6, r2: 7),
            Assembler.Encode("BRC", m1: 15, ri2: -18),
            // done: r6 + r8 - s
            Assembler.Encode("ALGR", r1: 6, r2: 8),
            Assembler.Encode("SLGR", r1: 6, r2: 4));
        var r = Run(code, h =>
        {
            h.Cpu.G[4] = s;
            for (int k = 0; k < 20; k++) h.Mem(s + (ulong)k, 1)[0] = (byte)('a' + k);
            h.Mem(end - 1, 1)[0] = 0;
        });
        Assert.That(r.Pgm, Is.EqualTo(0));
        Assert.That(r.G(6), Is.EqualTo(20UL));
    }
}
