using NUnit.Framework;
using S390Jit.Loader;
using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Tests.Loader;

[TestFixture]
public class SymbolTableTests
{
    private static ElfSymbol Func(string name, ulong value, ulong size, byte bind = STB_GLOBAL, ushort shndx = 1) =>
        new(name, value, size, STT_FUNC, bind, shndx);

    private static ElfSymbol Label(string name, ulong value, byte bind = STB_LOCAL, ushort shndx = 1) =>
        new(name, value, 0, STT_NOTYPE, bind, shndx);

    private static string? Lookup(SymbolTable t, ulong address) =>
        t.TryLookup(address, out var s, out ulong off) ? (off == 0 ? s.Name : $"{s.Name}+0x{off:x}") : null;

    private static ElfSection Text(ulong addr, ulong size) =>
        new(".text", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, addr, size) { Index = 1 };

    [Test]
    public void Empty()
    {
        Assert.That(SymbolTable.Empty.Count, Is.EqualTo(0));
        Assert.That(SymbolTable.Empty.TryLookup(0, out _, out _), Is.False);
        Assert.That(SymbolTable.Empty.TryGetAddress("x", out _), Is.False);
        Assert.That(SymbolTable.Empty.Describe(0x1234), Is.EqualTo("0x1234"));
    }

    [Test]
    public void NestedSizedSymbols_InnermostWins()
    {
        var t = new SymbolTable([
            new ElfSymbol("outer", 0x1000, 0x100, STT_OBJECT, STB_GLOBAL, 1),
            Func("inner", 0x1040, 0x10),
        ]);
        Assert.That(Lookup(t, 0x1000), Is.EqualTo("outer"));
        Assert.That(Lookup(t, 0x103f), Is.EqualTo("outer+0x3f"));
        Assert.That(Lookup(t, 0x1045), Is.EqualTo("inner+0x5"));
        Assert.That(Lookup(t, 0x1050), Is.EqualTo("outer+0x50"));
        Assert.That(Lookup(t, 0x10ff), Is.EqualTo("outer+0xff"));
        Assert.That(Lookup(t, 0x1100), Is.Null);
        Assert.That(Lookup(t, 0xfff), Is.Null);
    }

    [Test]
    public void LabelInsideFunction_ContainingFunctionWins()
    {
        var t = new SymbolTable([Func("foo", 0x1000, 0x100), Label("loop", 0x1040)]);
        Assert.That(Lookup(t, 0x1050), Is.EqualTo("foo+0x50"));
        Assert.That(Lookup(t, 0x1040), Is.EqualTo("foo+0x40"));
        Assert.That(Lookup(t, 0x1100), Is.EqualTo("loop+0xc0"), "past foo: nearest preceding is the size-0 label");
    }

    [Test]
    public void SizeZeroSymbols_ExtendToNextSymbol()
    {
        var t = new SymbolTable([Label("a", 0x100), Label("b", 0x200), Func("c", 0x300, 0x10), Label("d", 0x400)]);
        Assert.That(Lookup(t, 0xff), Is.Null);
        Assert.That(Lookup(t, 0x100), Is.EqualTo("a"));
        Assert.That(Lookup(t, 0x1ff), Is.EqualTo("a+0xff"));
        Assert.That(Lookup(t, 0x200), Is.EqualTo("b"));
        Assert.That(Lookup(t, 0x2ff), Is.EqualTo("b+0xff"));
        Assert.That(Lookup(t, 0x30f), Is.EqualTo("c+0xf"));
        Assert.That(Lookup(t, 0x310), Is.Null, "after a sized symbol, nothing until the next symbol");
        Assert.That(Lookup(t, ulong.MaxValue), Is.EqualTo($"d+0x{ulong.MaxValue - 0x400:x}"), "no sections: unbounded");
    }

    [Test]
    public void SizeZeroSymbols_StopAtSectionEnd()
    {
        ElfSection[] sections = [new("", SHT_NULL, 0, 0, 0), Text(0x1000, 0x100),
            new(".data", SHT_PROGBITS, SHF_ALLOC | SHF_WRITE, 0x1100, 0x10) { Index = 2 },
            new(".comment", SHT_PROGBITS, 0, 0, 0x10) { Index = 3 }];
        var t = new SymbolTable([
            Label("lbl", 0x10f0),
            Label("_etext", 0x1100, STB_GLOBAL),      // end marker of .text: covers nothing
            Label("_end", 0x1200, STB_GLOBAL, 2),    // outside its section: covers nothing
            Label("notalloc", 0x5000, STB_LOCAL, 3), // non-allocated section: unbounded
            Label("unknown", 0x9000, STB_LOCAL, 77), // bad section index: unbounded
        ], sections);
        Assert.That(Lookup(t, 0x10ff), Is.EqualTo("lbl+0xf"));
        Assert.That(Lookup(t, 0x1100), Is.Null);
        Assert.That(Lookup(t, 0x1180), Is.Null);
        Assert.That(Lookup(t, 0x1200), Is.Null);
        Assert.That(Lookup(t, 0x5010), Is.EqualTo("notalloc+0x10"));
        Assert.That(Lookup(t, 0x9010), Is.EqualTo("unknown+0x10"));
        Assert.That(t.TryGetAddress("_end", out ulong a) && a == 0x1200, Is.True, "still found by name");
    }

    [Test]
    public void EndMarkerDoesNotHideLabelAtSameAddress()
    {
        ElfSection[] sections = [new("", SHT_NULL, 0, 0, 0), Text(0x1000, 0x100),
            new(".text2", SHT_PROGBITS, SHF_ALLOC | SHF_EXECINSTR, 0x1100, 0x100) { Index = 2 }];
        var t = new SymbolTable([Label("_etext", 0x1100, STB_GLOBAL, 1), Label("next", 0x1100, STB_LOCAL, 2)], sections);
        Assert.That(Lookup(t, 0x1104), Is.EqualTo("next+0x4"));
    }

    [Test]
    public void SameAddress_Preference()
    {
        var t = new SymbolTable([
            new ElfSymbol("notype", 0x100, 0x10, STT_NOTYPE, STB_GLOBAL, 1),
            new ElfSymbol("object", 0x100, 0x10, STT_OBJECT, STB_GLOBAL, 1),
            new ElfSymbol("localfunc", 0x100, 0x10, STT_FUNC, STB_LOCAL, 1),
            new ElfSymbol("weakfunc", 0x100, 0x10, STT_FUNC, STB_WEAK, 1),
            new ElfSymbol("globalfunc", 0x100, 0x10, STT_FUNC, STB_GLOBAL, 1),
            new ElfSymbol("globalfunc2", 0x100, 0x10, STT_FUNC, STB_GLOBAL, 1),
        ]);
        Assert.That(Lookup(t, 0x104), Is.EqualTo("globalfunc+0x4"));
    }

    [Test]
    public void SameAddress_FewerLeadingUnderscoresWin()
    {
        var t = new SymbolTable([Label("__image_start", 0x10000, STB_GLOBAL), Label("_start", 0x10000, STB_GLOBAL),
            Label("___x", 0x20000, STB_GLOBAL), Label("__y", 0x20000, STB_GLOBAL), Label("__z", 0x20000, STB_GLOBAL)]);
        Assert.That(Lookup(t, 0x10004), Is.EqualTo("_start+0x4"));
        Assert.That(Lookup(t, 0x20000), Is.EqualTo("__y"));
        Assert.That(Lookup(t, 0x1ffff), Is.EqualTo("_start+0xffff"));
    }

    [Test]
    public void NonAddressSymbols_AreNotLookupCandidates()
    {
        var t = new SymbolTable([
            new ElfSymbol("undef", 0x100, 0x10, STT_FUNC, STB_GLOBAL, SHN_UNDEF),
            new ElfSymbol("abs", 0x100, 0x10, STT_NOTYPE, STB_GLOBAL, SHN_ABS),
            new ElfSymbol("common", 0x100, 0x10, STT_OBJECT, STB_GLOBAL, SHN_COMMON),
            new ElfSymbol(".text", 0x100, 0, STT_SECTION, STB_LOCAL, 1),
            new ElfSymbol("file.c", 0x100, 0, STT_FILE, STB_LOCAL, SHN_ABS),
            new ElfSymbol("tls", 0x100, 0x10, STT_TLS, STB_GLOBAL, 1),
            new ElfSymbol("", 0x100, 0x10, STT_FUNC, STB_GLOBAL, 1),
        ]);
        Assert.That(t.Count, Is.EqualTo(7));
        Assert.That(t.TryLookup(0x100, out _, out _), Is.False);
        Assert.That(t.TryGetAddress("undef", out _), Is.False);
        Assert.That(t.TryGetAddress(".text", out _), Is.False);
        Assert.That(t.TryGetAddress("file.c", out _), Is.False);
        Assert.That(t.TryGetAddress("abs", out ulong a) && a == 0x100, Is.True, "absolute symbols have addresses by name");
        Assert.That(t.TryGetAddress("tls", out _), Is.True);
    }

    [Test]
    public void TryGetAddress_PrefersGlobalOverLocal()
    {
        var t = new SymbolTable([
            Func("dup", 0x100, 4, STB_LOCAL), Func("dup", 0x200, 4, STB_LOCAL),
            Func("dup", 0x300, 4, STB_WEAK), Func("dup", 0x400, 4, STB_GLOBAL), Func("dup", 0x500, 4, STB_GLOBAL),
            Func("loc", 0x600, 4, STB_LOCAL), Func("loc", 0x700, 4, STB_LOCAL),
        ]);
        Assert.That(t.TryGetAddress("dup", out ulong a), Is.True);
        Assert.That(a, Is.EqualTo(0x400UL));
        Assert.That(t.TryGetAddress("loc", out a), Is.True);
        Assert.That(a, Is.EqualTo(0x600UL), "first of equal binding");
        Assert.That(t.TryGetSymbol("dup", out var sym) && sym.Bind == STB_GLOBAL, Is.True);
    }

    [Test]
    public void SymbolReachingTopOfAddressSpace()
    {
        var t = new SymbolTable([Func("top", 0xffff_ffff_ffff_fff0, 0x100), Func("max", ulong.MaxValue, 1)]);
        Assert.That(Lookup(t, 0xffff_ffff_ffff_fffe), Is.EqualTo("top+0xe"));
        Assert.That(Lookup(t, ulong.MaxValue), Is.EqualTo("max"));
        Assert.That(Lookup(t, 0), Is.Null);
    }

    /// <summary>Compares the precomputed range map with a direct, slow implementation of the documented rules.</summary>
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(4)]
    public void RandomTables_MatchReferenceImplementation(int seed)
    {
        var rng = new Random(seed);
        for (int round = 0; round < 50; round++)
        {
            var sections = new List<ElfSection> { new("", SHT_NULL, 0, 0, 0) };
            for (int i = 1; i <= 3; i++)
            {
                ulong addr = (ulong)rng.Next(0, 200);
                sections.Add(new ElfSection($".s{i}", SHT_PROGBITS, rng.Next(4) == 0 ? 0 : SHF_ALLOC, addr,
                    (ulong)rng.Next(0, 80)) { Index = i });
            }
            byte[] types = [STT_NOTYPE, STT_OBJECT, STT_FUNC, STT_SECTION, STT_TLS];
            var symbols = new List<ElfSymbol>();
            int n = rng.Next(0, 40);
            for (int i = 0; i < n; i++)
            {
                ulong size = rng.Next(3) == 0 ? 0UL : (ulong)rng.Next(1, 40);
                ushort shndx = (ushort)(rng.Next(8) == 0 ? SHN_ABS : rng.Next(0, 5));
                symbols.Add(new ElfSymbol(new string('_', rng.Next(3)) + $"s{i}", (ulong)rng.Next(0, 220), size, types[rng.Next(types.Length)],
                    (byte)rng.Next(0, 3), shndx));
            }
            bool withSections = rng.Next(2) == 0;
            var table = new SymbolTable(symbols, withSections ? sections : null);
            for (ulong a = 0; a < 300; a++)
            {
                var expected = Reference(symbols, withSections ? sections : null, a);
                bool found = table.TryLookup(a, out var sym, out ulong off);
                Assert.That(found ? sym : null, Is.SameAs(expected), $"seed {seed} round {round} address 0x{a:x}");
                if (found) Assert.That(off, Is.EqualTo(a - sym.Value));
            }
        }
    }

    private static ElfSymbol? Reference(List<ElfSymbol> symbols, IReadOnlyList<ElfSection>? sections, ulong a)
    {
        static int Rank(ElfSymbol s) =>
            (s.Type == STT_FUNC ? 2 : s.Type == STT_OBJECT ? 1 : 0) * 4 + (s.Bind == STB_GLOBAL ? 2 : s.Bind == STB_WEAK ? 1 : 0);
        static int Underscores(ElfSymbol s) => s.Name.Length - s.Name.TrimStart('_').Length;
        ulong Limit(ElfSymbol s)
        {
            if (sections is null || s.SectionIndex >= sections.Count || !sections[s.SectionIndex].Allocated) return ulong.MaxValue;
            var sec = sections[s.SectionIndex];
            return s.Value >= sec.Addr && s.Value < sec.Addr + sec.Size ? sec.Addr + sec.Size : s.Value;
        }
        var cands = symbols.Select((s, i) => (s, i)).Where(c => c.s.Name != "" &&
            c.s.SectionIndex is not (SHN_UNDEF or SHN_ABS or SHN_COMMON) &&
            c.s.Type is STT_FUNC or STT_OBJECT or STT_NOTYPE).ToList();
        var containing = cands.Where(c => c.s.Size > 0 && a >= c.s.Value && a - c.s.Value < c.s.Size)
            .OrderByDescending(c => c.s.Value).ThenByDescending(c => Rank(c.s)).ThenBy(c => Underscores(c.s)).ThenBy(c => c.i).ToList();
        if (containing.Count > 0) return containing[0].s;
        var preceding = cands.Where(c => c.s.Value <= a).ToList();
        if (preceding.Count == 0) return null;
        ulong g = preceding.Max(c => c.s.Value);
        var zero = preceding.Where(c => c.s.Value == g && c.s.Size == 0 && Limit(c.s) > g)
            .OrderByDescending(c => Rank(c.s)).ThenBy(c => Underscores(c.s)).ThenBy(c => c.i).FirstOrDefault();
        return zero.s is not null && a < Limit(zero.s) ? zero.s : null;
    }
}
