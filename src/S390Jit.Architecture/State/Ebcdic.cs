namespace S390Jit.Architecture.State;

/// <summary>EBCDIC (code page 037) conversions for the printable ASCII range, as SYSIBs and SCLP use.</summary>
public static class Ebcdic
{
    private static readonly byte[] s_toEbcdic = new byte[128];
    private static readonly byte[] s_toAscii = new byte[256];

    static Ebcdic()
    {
        // printable ASCII 0x20..0x7E in code page 037
        const string e = "40 5A 7F 7B 5B 6C 50 7D 4D 5D 5C 4E 6B 60 4B 61 F0 F1 F2 F3 F4 F5 F6 F7 F8 F9 7A 5E 4C 7E 6E 6F " +
                         "7C C1 C2 C3 C4 C5 C6 C7 C8 C9 D1 D2 D3 D4 D5 D6 D7 D8 D9 E2 E3 E4 E5 E6 E7 E8 E9 BA E0 BB B0 6D " +
                         "79 81 82 83 84 85 86 87 88 89 91 92 93 94 95 96 97 98 99 A2 A3 A4 A5 A6 A7 A8 A9 C0 4F D0 A1";
        var codes = e.Split(' ');
        Array.Fill(s_toEbcdic, (byte)0x6F); // '?'
        Array.Fill(s_toAscii, (byte)'?');
        for (int i = 0; i < codes.Length; i++)
        {
            byte eb = Convert.ToByte(codes[i], 16);
            s_toEbcdic[0x20 + i] = eb;
            s_toAscii[eb] = (byte)(0x20 + i);
        }
        s_toEbcdic['\n'] = 0x15; s_toAscii[0x15] = (byte)'\n'; s_toAscii[0x25] = (byte)'\n';
        s_toEbcdic[0] = 0; s_toAscii[0] = 0;
    }

    public static byte ToEbcdic(char c) => c < 128 ? s_toEbcdic[c] : (byte)0x6F;
    public static char ToAscii(byte b) => (char)s_toAscii[b];

    /// <summary>Writes <paramref name="text"/> padded with blanks to <paramref name="length"/> bytes.</summary>
    public static void Encode(string text, Span<byte> dest)
    {
        for (int i = 0; i < dest.Length; i++) dest[i] = i < text.Length ? ToEbcdic(text[i]) : (byte)0x40;
    }
}
