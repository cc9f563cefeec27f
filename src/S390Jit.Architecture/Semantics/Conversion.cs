using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using static S390Jit.Architecture.Semantics.Storage;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// Unicode conversions (CU12, CU21, CU14, CU24, CU41, CU42), the extended translations (TRTT, TRTO,
/// TROT, TROO, TRTR) and SEARCH STRING UNICODE: the instructions of the extended-translation
/// facilities 2 and 3 that the CPU model offers. Operand pairs are address/length registers
/// (R1, R1+1 and R2, R2+1); each execution converts a CPU-determined number of characters (256)
/// and ends with cc 3 when more remain, with the registers updated so that re-executing continues.
/// </summary>
[SemanticBodies]
public static class Conversion
{
    private const int CpuDeterminedCharacters = 256;

    /// <summary>Decodes one character: -1 with the character and its length, or a condition code (0 source exhausted, 2 invalid).</summary>
    private delegate int Decoder(Cpu c, ulong addr, ulong len, bool check, out uint ch, out uint used);
    /// <summary>Encodes one character: -1 with its length, or 1 (first operand full).</summary>
    private delegate int Encoder(Cpu c, ulong addr, ulong len, uint ch, out uint used);

    private static int DecodeUtf8(Cpu c, ulong a, ulong len, bool check, out uint ch, out uint used)
    {
        ch = 0; used = 0;
        if (len < 1) return 0;
        byte s0 = c.ReadU8(a);
        uint n;
        if (s0 <= 0x7F) { ch = s0; used = 1; return -1; }
        if (s0 <= (check ? 0xC1 : 0xBF)) return 2;
        if (s0 <= 0xDF) { n = 2; ch = s0 & 0x1Fu; }
        else if (s0 <= 0xEF) { n = 3; ch = s0 & 0x0Fu; }
        else if (s0 <= (check ? 0xF4 : 0xF7)) { n = 4; ch = s0 & 0x07u; }
        else return 2;
        if (len < n) return 0;
        for (uint k = 1; k < n; k++)
        {
            byte b = c.ReadU8(Inc(c, a, k));
            if (check && (b & 0xC0) != 0x80) return 2;
            ch = (ch << 6) | (b & 0x3Fu);
        }
        // well-formed: no over-long forms, no surrogates, nothing beyond U+10FFFF
        if (check && ((n == 3 && (ch < 0x800 || (ch >= 0xD800 && ch <= 0xDFFF))) || (n == 4 && (ch < 0x10000 || ch > 0x10FFFF)))) return 2;
        used = n;
        return -1;
    }

    private static int DecodeUtf16(Cpu c, ulong a, ulong len, bool check, out uint ch, out uint used)
    {
        ch = 0; used = 0;
        if (len < 2) return 0;
        uint s0 = c.ReadU16(a);
        if ((s0 & 0xFC00) != 0xD800) { ch = s0; used = 2; return -1; }
        if (len < 4) return 0;
        uint s1 = c.ReadU16(Inc(c, a, 2));
        if (check && (s1 & 0xFC00) != 0xDC00) return 2;
        ch = ((((s0 >> 6) & 0xF) + 1) << 16) | ((s0 & 0x3F) << 10) | (s1 & 0x3FF);
        used = 4;
        return -1;
    }

    private static int DecodeUtf32(Cpu c, ulong a, ulong len, bool check, out uint ch, out uint used)
    {
        ch = 0; used = 0;
        if (len < 4) return 0;
        uint v = c.ReadU32(a);
        if ((v >= 0xD800 && v <= 0xDBFF) || v > 0x10FFFF) return 2;
        ch = v; used = 4;
        return -1;
    }

    private static int EncodeUtf8(Cpu c, ulong a, ulong len, uint ch, out uint used)
    {
        uint n = ch <= 0x7F ? 1u : ch <= 0x7FF ? 2u : ch <= 0xFFFF ? 3u : 4u;
        used = n;
        if (len < n) return 1;
        if (n == 1) { c.WriteU8(a, (byte)ch); return -1; }
        byte lead = n == 2 ? (byte)(0xC0 | (ch >> 6)) : n == 3 ? (byte)(0xE0 | (ch >> 12)) : (byte)(0xF0 | ((ch >> 18) & 7));
        c.WriteU8(a, lead);
        for (uint k = 1; k < n; k++) c.WriteU8(Inc(c, a, k), (byte)(0x80 | ((ch >> (int)(6 * (n - 1 - k))) & 0x3F)));
        return -1;
    }

    private static int EncodeUtf16(Cpu c, ulong a, ulong len, uint ch, out uint used)
    {
        if (ch <= 0xFFFF)
        {
            used = 2;
            if (len < 2) return 1;
            c.WriteU16(a, (ushort)ch);
            return -1;
        }
        used = 4;
        if (len < 4) return 1;
        uint hi = 0xD800 | ((((ch >> 16) - 1) & 0xF) << 6) | ((ch >> 10) & 0x3F);
        c.WriteU16(a, (ushort)hi);
        c.WriteU16(Inc(c, a, 2), (ushort)(0xDC00 | (ch & 0x3FF)));
        return -1;
    }

    private static int EncodeUtf32(Cpu c, ulong a, ulong len, uint ch, out uint used)
    {
        used = 4;
        if (len < 4) return 1;
        c.WriteU32(a, ch);
        return -1;
    }

    /// <summary>
    /// The conversion loop: cc 0 source exhausted, 1 first operand full, 2 invalid character
    /// (well-formedness checking with M3 bit 3 and the ETF3-enhancement facility), 3 CPU-determined amount done.
    /// </summary>
    private static void Convert(Cpu c, ref Insn i, Decoder decode, Encoder encode, bool mayCheck)
    {
        ulong dst = RegAddr(c, i.R1), dlen = LongLen(c, i.R1 + 1);
        ulong src = RegAddr(c, i.R2), slen = LongLen(c, i.R2 + 1);
        bool check = mayCheck && (i.M3 & 1) != 0 && c.HasFacility(Fac.Etf3Enh);
        int cc = 3;
        for (int k = 0; k < CpuDeterminedCharacters; k++)
        {
            int r = decode(c, src, slen, check, out uint ch, out uint inLen);
            if (r >= 0) { cc = r; break; }
            r = encode(c, dst, dlen, ch, out uint outLen);
            if (r >= 0) { cc = r; break; }
            src = Inc(c, src, inLen); slen -= inLen;
            dst = Inc(c, dst, outLen); dlen -= outLen;
        }
        c.SetAddressReg(i.R1, dst); SetLongLen(c, i.R1 + 1, dlen);
        c.SetAddressReg(i.R2, src); SetLongLen(c, i.R2 + 1, slen);
        c.Cc = cc;
    }

    public static void CU12(Cpu c, ref Insn i) => Convert(c, ref i, DecodeUtf8, EncodeUtf16, true);
    public static void CU14(Cpu c, ref Insn i) => Convert(c, ref i, DecodeUtf8, EncodeUtf32, true);
    public static void CU21(Cpu c, ref Insn i) => Convert(c, ref i, DecodeUtf16, EncodeUtf8, true);
    public static void CU24(Cpu c, ref Insn i) => Convert(c, ref i, DecodeUtf16, EncodeUtf32, true);
    public static void CU41(Cpu c, ref Insn i) => Convert(c, ref i, DecodeUtf32, EncodeUtf8, false);
    public static void CU42(Cpu c, ref Insn i) => Convert(c, ref i, DecodeUtf32, EncodeUtf16, false);

    /// <summary>
    /// TRTT/TRTO/TROT/TROO: translates source characters (2 or 1 bytes, R2) through the table at GR1
    /// into destination characters (2 or 1 bytes, R1) for the length in R1+1; stops with cc 1 at a
    /// translated character equal to the test character in GR0 (unless M3 bit 3 with the
    /// ETF2-enhancement facility disables the test), cc 0 at the end, cc 3 after a CPU-determined amount.
    /// </summary>
    private static void TranslateExtended(Cpu c, ref Insn i, int srcSize, int dstSize)
    {
        ulong table = c.G[1] & c.AddrMask;
        bool enh = c.HasFacility(Fac.Etf2Enh);
        table &= srcSize == 2 && !enh ? ~0xFFFUL : ~7UL;
        bool test = !(enh && (i.M3 & 1) != 0);
        uint testChar = (uint)(dstSize == 2 ? c.G[0] & 0xFFFF : c.G[0] & 0xFF);
        ulong dst = RegAddr(c, i.R1), len = LongLen(c, i.R1 + 1), src = RegAddr(c, i.R2);
        if (len % (ulong)srcSize != 0) throw c.Pgm(PgmCode.Specification);
        int cc = 3;
        if (len == 0) cc = 0;
        for (int k = 0; cc == 3 && k < CpuDeterminedCharacters * 16; k++)
        {
            uint s = srcSize == 2 ? c.ReadU16(src) : c.ReadU8(src);
            ulong entry = Inc(c, table, s * (ulong)dstSize);
            uint d = dstSize == 2 ? c.ReadU16(entry) : c.ReadU8(entry);
            if (test && d == testChar) { cc = 1; break; }
            if (dstSize == 2) c.WriteU16(dst, (ushort)d); else c.WriteU8(dst, (byte)d);
            len -= (ulong)srcSize;
            src = Inc(c, src, (ulong)srcSize);
            dst = Inc(c, dst, (ulong)dstSize);
            if (len == 0) cc = 0;
        }
        c.SetAddressReg(i.R1, dst); SetLongLen(c, i.R1 + 1, len);
        c.SetAddressReg(i.R2, src);
        c.Cc = cc;
    }

    public static void TRTT(Cpu c, ref Insn i) => TranslateExtended(c, ref i, 2, 2);
    public static void TRTO(Cpu c, ref Insn i) => TranslateExtended(c, ref i, 2, 1);
    public static void TROT(Cpu c, ref Insn i) => TranslateExtended(c, ref i, 1, 2);
    public static void TROO(Cpu c, ref Insn i) => TranslateExtended(c, ref i, 1, 1);

    /// <summary>TRTR: TRT from the rightmost byte (the first-operand address) leftwards.</summary>
    public static void TRTR(Cpu c, ref Insn i)
    {
        ulong a = c.Addr(i.B1, i.D1), t = c.Addr(i.B2, i.D2);
        ulong n = (ulong)i.L1 + 1;
        for (ulong k = 0; k < n; k++)
        {
            ulong p = (a - k) & c.AddrMask;
            byte f = c.ReadU8(Inc(c, t, c.ReadU8(p)));
            if (f == 0) continue;
            c.SetAddressReg(1, p);
            c.G[2] = (c.G[2] & ~0xFFUL) | f;
            c.Cc = k == n - 1 ? 2 : 1;
            return;
        }
        c.Cc = 0;
    }

    /// <summary>
    /// SRSTU: searches two-byte characters from R2 for the one in GR0 bits 48-63 (bits 32-47 zero)
    /// up to the end address in R1 (one more byte when the two addresses differ in parity): cc 1 found
    /// (R1 = its address), cc 2 end reached, cc 3 CPU-determined amount searched (R2 advanced).
    /// </summary>
    public static void SRSTU(Cpu c, ref Insn i)
    {
        if ((c.G[0] & 0xFFFF_0000UL) != 0) throw c.Pgm(PgmCode.Specification);
        ushort ch = (ushort)c.G[0];
        ulong p = RegAddr(c, i.R2), end = RegAddr(c, i.R1);
        ulong adjEnd = (end + ((p ^ end) & 1)) & c.AddrMask;
        for (int k = 0; k < CpuDeterminedCharacters * 16; k++, p = Inc(c, p, 2))
        {
            if (p == adjEnd) { c.Cc = 2; return; }
            if (c.ReadU16(p) == ch) { c.SetAddressReg(i.R1, p); c.Cc = 1; return; }
        }
        c.SetAddressReg(i.R2, p);
        c.Cc = 3;
    }
}
