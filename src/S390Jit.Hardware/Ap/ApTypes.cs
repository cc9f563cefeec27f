using System.Globalization;

namespace S390Jit.Hardware.Ap;

/// <summary>AP device (adapter) types as TAPQ reports them (Linux AP_DEVICE_TYPE_CEXn).</summary>
public enum ApDeviceType : byte
{
    Cex4 = 10,
    Cex5 = 11,
    Cex6 = 12,
    Cex7 = 13,
    Cex8 = 14,
}

/// <summary>APQN helpers: APQN = APID &lt;&lt; 8 | APQI, written as Linux does ("05.0004").</summary>
public static class Apqn
{
    public static ushort Make(int apid, int apqi) => (ushort)((apid << 8) | apqi);
    public static int Apid(ushort apqn) => apqn >> 8;
    public static int Apqi(ushort apqn) => apqn & 0xFF;
    public static string Name(ushort apqn) => $"{apqn >> 8:x2}.{apqn & 0xFF:x4}";

    /// <summary>Parses "APID.APQI" in hex (e.g. 05.0004, 5.4, 0x05.0x0004); false if malformed or out of range.</summary>
    public static bool TryParse(string text, out ushort apqn)
    {
        apqn = 0;
        var parts = text.Trim().Split('.');
        if (parts.Length != 2) return false;
        if (!TryHex(parts[0], out uint apid) || !TryHex(parts[1], out uint apqi) || apid > 0xFF || apqi > 0xFF) return false;
        apqn = Make((int)apid, (int)apqi);
        return true;
    }

    private static bool TryHex(string s, out uint v)
    {
        v = 0;
        if (s.StartsWith("0x", StringComparison.OrdinalIgnoreCase)) s = s[2..];
        return s.Length is > 0 and <= 4 && uint.TryParse(s, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out v);
    }

    public static string TypeName(ApDeviceType t) => $"cex{(int)t - 6}a";

    /// <summary>Parses cex4..cex8 (optionally with the accelerator-mode suffix 'a'); false otherwise.</summary>
    public static bool TryParseType(string text, out ApDeviceType type)
    {
        type = default;
        var s = text.Trim().ToLowerInvariant();
        if (s.EndsWith('a')) s = s[..^1];
        if (s.Length != 4 || !s.StartsWith("cex", StringComparison.Ordinal) || s[3] < '5' || s[3] > '8') return false;
        type = (ApDeviceType)(s[3] - '0' + 6);
        return true;
    }
}

/// <summary>
/// A 256-bit AP mask (APM, AQM or ADM): bit n is byte n/8, mask 0x80 >> (n % 8), MSB first as the
/// architecture stores it in the QCI block and the CRYCB.
/// </summary>
public sealed class ApMask
{
    private readonly byte[] _bytes = new byte[32];

    public bool this[int n]
    {
        get => (uint)n < 256 && (_bytes[n >> 3] & (0x80 >> (n & 7))) != 0;
        set
        {
            if ((uint)n >= 256) throw new ArgumentOutOfRangeException(nameof(n));
            if (value) _bytes[n >> 3] |= (byte)(0x80 >> (n & 7)); else _bytes[n >> 3] &= (byte)~(0x80 >> (n & 7));
        }
    }

    public bool IsEmpty => _bytes.All(b => b == 0);
    public IEnumerable<int> Bits() { for (int n = 0; n < 256; n++) if (this[n]) yield return n; }
    public bool Intersects(ApMask other) { for (int k = 0; k < 32; k++) if ((_bytes[k] & other._bytes[k]) != 0) return true; return false; }
    public ReadOnlySpan<byte> Bytes => _bytes;
    public void CopyTo(Span<byte> dst, int bytes = 32) => _bytes.AsSpan(0, bytes).CopyTo(dst);
    public void Clear() => Array.Clear(_bytes);
    public ApMask Clone() { var m = new ApMask(); _bytes.CopyTo(m._bytes, 0); return m; }
    public override string ToString() => string.Join(",", Bits().Select(b => b.ToString("x2", CultureInfo.InvariantCulture)));
}

/// <summary>A change of the AP configuration the machine refuses (an adapter or domain beyond the maximum, an adapter installed twice).</summary>
public sealed class ApConfigurationException(string message) : Exception(message);
