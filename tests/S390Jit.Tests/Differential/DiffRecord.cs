namespace S390Jit.Tests.Differential;

/// <summary>
/// What one case did, as guests/fpdiff prints it: "cc=", "fpc=", optionally "pgm=code,dxc,ilc,offset"
/// and one token per changed GPR (g), FPR / VR bits 0-63 (f), VR bits 64-127 (l) and operand-buffer
/// byte range (m), in that order. Tokens can be edited (the QEMU deviation models do) and the
/// canonical text is hashed for the goldens.
/// </summary>
public sealed class DiffRecord
{
    public List<(string Key, string Value)> Tokens { get; } = new();

    public static DiffRecord Parse(string text)
    {
        var r = new DiffRecord();
        foreach (var t in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = t.IndexOf('=');
            if (eq < 0) throw new FormatException($"bad token '{t}' in '{text}'");
            if (t[..eq] == "i") continue;
            r.Tokens.Add((t[..eq], t[(eq + 1)..]));
        }
        return r;
    }

    public string? Get(string key) => Tokens.FirstOrDefault(t => t.Key == key).Value;
    public void Set(string key, string value)
    {
        int k = Tokens.FindIndex(t => t.Key == key);
        if (k >= 0) Tokens[k] = (key, value);
        else Tokens.Add((key, value));
        Normalize();
    }
    public void Remove(string key) => Tokens.RemoveAll(t => t.Key == key);
    /// <summary>Drops every register and storage change (a suppressed or nullified instruction changes none).</summary>
    public void RemoveChanges() => Tokens.RemoveAll(t => t.Key is not ("cc" or "fpc" or "pgm"));

    public int Cc { get => int.Parse(Get("cc")!); set => Set("cc", value.ToString()); }
    public uint Fpc { get => Convert.ToUInt32(Get("fpc"), 16); set => Set("fpc", value.ToString("x8")); }
    /// <summary>The program interruption (code, DXC, ILC, old PSW - instruction address), or null.</summary>
    public (int Code, int Dxc, int Ilc, int Offset)? Pgm
    {
        get
        {
            var p = Get("pgm");
            if (p == null) return null;
            var f = p.Split(',');
            return (Convert.ToInt32(f[0], 16), Convert.ToInt32(f[1], 16), int.Parse(f[2]), int.Parse(f[3]));
        }
        set
        {
            if (value is not { } v) Remove("pgm");
            else Set("pgm", $"{v.Code:x4},{v.Dxc:x2},{v.Ilc},{v.Offset}");
        }
    }

    private static int Order(string key) => key switch
    {
        "cc" => 0, "fpc" => 1, "pgm" => 2, _ => key[0] switch { 'g' => 3, 'f' => 4, 'l' => 4, _ => 6 },
    };

    private void Normalize()
    {
        var sorted = Tokens.Select((t, n) => (t, n)).OrderBy(x => Order(x.t.Key))
            .ThenBy(x => x.t.Key[0] is 'g' or 'f' or 'l' && int.TryParse(x.t.Key[1..], out int r) ? r * 2 + (x.t.Key[0] == 'l' ? 1 : 0) : x.n)
            .Select(x => x.t).ToList();
        Tokens.Clear();
        Tokens.AddRange(sorted);
    }

    public override string ToString() => string.Join(' ', Tokens.Select(t => $"{t.Key}={t.Value}"));

    /// <summary>16-bit hash of the canonical text (FNV-1a, folded): the golden entry of a case.</summary>
    public ushort Hash()
    {
        uint h = 2166136261;
        foreach (char ch in ToString()) { h ^= ch; h *= 16777619; }
        return (ushort)(h ^ (h >> 16));
    }
}
