using static S390Jit.Loader.ElfConstants;

namespace S390Jit.Loader;

/// <summary>
/// Address and name lookup over an ELF symbol table.
/// <para>
/// Address lookup considers defined, named, non-absolute FUNC / GNU_IFUNC / OBJECT / NOTYPE symbols.
/// An address resolves to the innermost sized symbol containing it; failing that, to a size-0 symbol
/// (e.g. an assembler label) at the nearest preceding symbol address, which is taken to extend up to
/// the next symbol or the end of its section, whichever comes first (a size-0 symbol at or past the end
/// of its section, such as _etext or _end, covers nothing). Ties at one address prefer
/// FUNC over OBJECT over NOTYPE, then GLOBAL over WEAK over LOCAL, then fewer leading underscores
/// (_start over __image_start), then table order.
/// </para>
/// The rules are resolved once at construction into a sorted array of disjoint address ranges, so a
/// lookup is a single binary search.
/// </summary>
public sealed class SymbolTable
{
    public static SymbolTable Empty { get; } = new([]);

    private readonly ElfSymbol[] _all;
    private readonly Dictionary<string, ElfSymbol> _byName = new(StringComparer.Ordinal);
    private readonly ulong[] _rangeStart;      // ascending; range i is [_rangeStart[i], _rangeStart[i+1])
    private readonly ElfSymbol?[] _rangeSymbol; // symbol covering range i, or null

    /// <param name="symbols">Symbols in table order (the reserved null entry excluded).</param>
    /// <param name="sections">Section headers, used to stop size-0 symbols at the end of their section.</param>
    public SymbolTable(IEnumerable<ElfSymbol> symbols, IReadOnlyList<ElfSection>? sections = null)
    {
        _all = symbols.ToArray();
        for (int i = 0; i < _all.Length; i++)
        {
            var s = _all[i];
            if (s.Name.Length == 0 || !s.IsDefined || s.Type is STT_SECTION or STT_FILE) continue;
            if (!_byName.TryGetValue(s.Name, out var prev) || BindRank(s.Bind) > BindRank(prev.Bind))
                _byName[s.Name] = s;
        }
        (_rangeStart, _rangeSymbol) = BuildRanges(_all, sections);
    }

    /// <summary>Number of symbols (all entries of the table except the null entry).</summary>
    public int Count => _all.Length;

    /// <summary>All symbols in table order.</summary>
    public IReadOnlyList<ElfSymbol> All => _all;

    /// <summary>Finds the symbol covering <paramref name="address"/>; offset = address - symbol value.</summary>
    public bool TryLookup(ulong address, out ElfSymbol sym, out ulong offset)
    {
        int lo = 0, hi = _rangeStart.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (_rangeStart[mid] <= address) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        if (found >= 0 && _rangeSymbol[found] is { } s)
        {
            sym = s;
            offset = address - s.Value;
            return true;
        }
        sym = null!;
        offset = 0;
        return false;
    }

    /// <summary>
    /// Like <see cref="TryLookup"/>, with the address range [start, end) over which the lookup gives the
    /// same symbol (a caller may skip lookups inside it).
    /// </summary>
    public bool TryLookupRange(ulong address, out ElfSymbol sym, out ulong start, out ulong end)
    {
        int lo = 0, hi = _rangeStart.Length - 1, found = -1;
        while (lo <= hi)
        {
            int mid = (int)((uint)(lo + hi) >> 1);
            if (_rangeStart[mid] <= address) { found = mid; lo = mid + 1; }
            else hi = mid - 1;
        }
        start = found >= 0 ? _rangeStart[found] : 0;
        end = found + 1 < _rangeStart.Length ? _rangeStart[found + 1] : ulong.MaxValue;
        if (found >= 0 && _rangeSymbol[found] is { } s) { sym = s; return true; }
        sym = null!;
        return false;
    }

    /// <summary>
    /// The text symbols of a Linux System.map ("ADDRESS TYPE NAME" lines; types T, t, W, w), each taken to
    /// extend to the next one. Lines that are not of that form are reported in <paramref name="error"/>.
    /// </summary>
    public static SymbolTable FromSystemMap(IEnumerable<string> lines, out string? error)
    {
        error = null;
        var symbols = new List<ElfSymbol>();
        int n = 0;
        foreach (var line in lines)
        {
            n++;
            var f = line.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            if (f.Length < 3 || f[1].Length != 1 || !ulong.TryParse(f[0], System.Globalization.NumberStyles.AllowHexSpecifier, null, out ulong addr))
            {
                error ??= $"line {n}: expected 'ADDRESS TYPE NAME', got '{(line.Length > 60 ? line[..60] + "..." : line)}'";
                continue;
            }
            if (f[1] is not ("T" or "t" or "W" or "w")) continue;
            symbols.Add(new ElfSymbol(f[2], addr, 0, STT_FUNC, f[1] is "T" or "W" ? STB_GLOBAL : STB_LOCAL, 1));
        }
        return new SymbolTable(symbols);
    }

    /// <summary>Address of the defined symbol <paramref name="name"/> (GLOBAL preferred over WEAK over LOCAL).</summary>
    public bool TryGetAddress(string name, out ulong addr)
    {
        bool ok = _byName.TryGetValue(name, out var s);
        addr = ok ? s!.Value : 0;
        return ok;
    }

    /// <summary>The defined symbol <paramref name="name"/> (GLOBAL preferred over WEAK over LOCAL).</summary>
    public bool TryGetSymbol(string name, out ElfSymbol sym)
    {
        bool ok = _byName.TryGetValue(name, out var s);
        sym = s!;
        return ok;
    }

    /// <summary>"name+0x12", "name", or "0x1234" when no symbol covers the address.</summary>
    public string Describe(ulong address) =>
        !TryLookup(address, out var s, out var off) ? $"0x{address:x}"
        : off == 0 ? s.Name
        : $"{s.Name}+0x{off:x}";

    private static int BindRank(byte bind) => bind switch { STB_GLOBAL => 2, STB_WEAK => 1, _ => 0 };

    private static int TypeRank(byte type) => type switch
    {
        STT_FUNC or STT_GNU_IFUNC => 2,
        STT_OBJECT => 1,
        _ => 0,
    };

    private static bool IsAddressSymbol(ElfSymbol s) =>
        s.Name.Length > 0
        && s.SectionIndex is not (SHN_UNDEF or SHN_ABS or SHN_COMMON)
        && s.Type is STT_FUNC or STT_GNU_IFUNC or STT_OBJECT or STT_NOTYPE;

    private static readonly UInt128 Top = (UInt128)ulong.MaxValue + 1;

    /// <summary>A lookup candidate. End is exclusive: Value+Size for sized symbols, else the section limit.</summary>
    private sealed record Cand(ElfSymbol Sym, int Order, int Rank, UInt128 End)
    {
        public int Underscores { get; } = Sym.Name.Length - Sym.Name.TrimStart('_').Length;
        public ulong Value => Sym.Value;
        public bool Sized => Sym.Size != 0;
    }

    /// <summary>
    /// Orders candidates so that Max is the preferred one: greatest value, best rank, fewest leading
    /// underscores, earliest entry.
    /// </summary>
    private sealed class Preference : IComparer<Cand>
    {
        public static readonly Preference Instance = new();
        public int Compare(Cand? a, Cand? b)
        {
            int c = a!.Value.CompareTo(b!.Value);
            if (c == 0) c = a.Rank.CompareTo(b.Rank);
            if (c == 0) c = b.Underscores.CompareTo(a.Underscores);
            if (c == 0) c = b.Order.CompareTo(a.Order);
            return c;
        }
    }

    private static (ulong[] Starts, ElfSymbol?[] Symbols) BuildRanges(ElfSymbol[] all, IReadOnlyList<ElfSection>? sections)
    {
        var cands = new List<Cand>();
        for (int i = 0; i < all.Length; i++)
        {
            var s = all[i];
            if (!IsAddressSymbol(s)) continue;
            UInt128 end = s.Size != 0 ? (UInt128)s.Value + s.Size : SectionLimit(s, sections);
            cands.Add(new Cand(s, i, TypeRank(s.Type) * 4 + BindRank(s.Bind), end));
        }
        if (cands.Count == 0) return ([], []);

        cands.Sort(Preference.Instance); // by value, best last within one value
        var byEnd = cands.Where(c => c.Sized).OrderBy(c => c.End).ToArray();
        var points = cands.Select(c => (UInt128)c.Value).Concat(cands.Select(c => c.End))
            .Where(p => p < Top).Distinct().Order().Select(p => (ulong)p).ToArray();

        var starts = new List<ulong>();
        var syms = new List<ElfSymbol?>();
        var active = new SortedSet<Cand>(Preference.Instance); // sized symbols containing the point
        Cand? groupZero = null; // best size-0 symbol at the greatest symbol value seen so far
        int next = 0, nextEnd = 0;
        foreach (ulong p in points)
        {
            while (nextEnd < byEnd.Length && byEnd[nextEnd].End <= p) active.Remove(byEnd[nextEnd++]);
            if (next < cands.Count && cands[next].Value == p)
            {
                groupZero = null;
                for (; next < cands.Count && cands[next].Value == p; next++)
                {
                    var c = cands[next];
                    if (c.Sized) active.Add(c);
                    else if (c.End > p) groupZero = c; // covers something; later in sort order = preferred
                }
            }
            ElfSymbol? winner = active.Count > 0 ? active.Max!.Sym
                : groupZero is not null && p < groupZero.End ? groupZero.Sym
                : null;
            if (syms.Count == 0 || !ReferenceEquals(syms[^1], winner))
            {
                starts.Add(p);
                syms.Add(winner);
            }
        }
        return (starts.ToArray(), syms.ToArray());
    }

    /// <summary>
    /// Exclusive end of the address range a size-0 symbol may cover: the end of its allocated section,
    /// or its own value (nothing) when it lies outside that section (e.g. linker symbols such as _end);
    /// 2^64 when its section is unknown.
    /// </summary>
    private static UInt128 SectionLimit(ElfSymbol s, IReadOnlyList<ElfSection>? sections)
    {
        if (sections is null || s.SectionIndex >= sections.Count) return Top;
        var sec = sections[s.SectionIndex];
        if (!sec.Allocated) return Top;
        UInt128 end = (UInt128)sec.Addr + sec.Size;
        return s.Value >= sec.Addr && s.Value < end ? end : s.Value;
    }
}
