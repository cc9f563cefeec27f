using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>Storage-to-storage and storage-immediate operations, long moves, strings and interlocked updates.</summary>
[SemanticBodies]
public static class Storage
{
    private static ulong Op1(Cpu c, ref Insn i) => c.Addr(i.B1, i.D1);
    private static ulong Op2(Cpu c, ref Insn i) => c.Addr(i.B2, i.D2);
    internal static ulong Inc(Cpu c, ulong a, ulong n) => (a + n) & c.AddrMask;

    /// <summary>Cost of moving/comparing bytes: one cycle per 16 bytes on top of the row's base.</summary>
    private static void Charge(Cpu c, ulong bytes) => c.Cycles += bytes >> 4;

    // ---- SS: byte-at-a-time left to right, so overlapping operands behave as architected --------
    public static void MVC(Cpu c, ref Insn i)
    {
        ulong d = Op1(c, ref i), s = Op2(c, ref i);
        ulong n = (ulong)i.L1 + 1;
        c.CheckAccess(s, n, false);
        c.CheckAccess(d, n, true);
        if (!MoveCached(c, d, s, n))
            for (ulong k = 0; k < n; k++) c.WriteU8(Inc(c, d, k), c.ReadU8(Inc(c, s, k)));
        Charge(c, n);
    }

    /// <summary>
    /// MVC's bytes when both operands lie in pages whose cache entries hit (each byte's ReadU8/WriteU8 would take the
    /// cached path, so nothing else happens): one byte at a time left to right where the destination starts inside the
    /// source (the architected propagation), else a block copy, which gives the same bytes.
    /// </summary>
    private static unsafe bool MoveCached(Cpu c, ulong d, ulong s, ulong n)
    {
        byte* ps = c.ReadSpan(s, n), pd = c.WriteSpan(d, n);
        if (ps == null || pd == null) return false;
        if (pd > ps && pd < ps + n)
            for (ulong k = 0; k < n; k++) pd[k] = ps[k];
        else Buffer.MemoryCopy(ps, pd, n, n);
        return true;
    }
    public static void MVCIN(Cpu c, ref Insn i)
    {
        ulong d = Op1(c, ref i), s = Op2(c, ref i);
        ulong n = (ulong)i.L1 + 1;
        ulong sStart = (s - (n - 1)) & c.AddrMask;
        c.CheckAccess(sStart, n, false);
        c.CheckAccess(d, n, true);
        for (ulong k = 0; k < n; k++) c.WriteU8(Inc(c, d, k), c.ReadU8((s - k) & c.AddrMask));
    }
    private static void ByteOp(Cpu c, ref Insn i, int op)
    {
        ulong d = Op1(c, ref i), s = Op2(c, ref i);
        ulong n = (ulong)i.L1 + 1;
        c.CheckAccess(s, n, false);
        c.CheckAccess(d, n, true);
        if (ByteOpCached(c, d, s, n, op)) { Charge(c, n); return; }
        int any = 0;
        for (ulong k = 0; k < n; k++)
        {
            byte a = c.ReadU8(Inc(c, d, k)), b = c.ReadU8(Inc(c, s, k));
            byte r = op switch
            {
                0 => (byte)(a & b), 1 => (byte)(a | b), 2 => (byte)(a ^ b),
                3 => (byte)((a & 0xF0) | (b & 0x0F)), _ => (byte)((a & 0x0F) | (b & 0xF0)),
            };
            any |= r;
            c.WriteU8(Inc(c, d, k), r);
        }
        if (op <= 2) c.Cc = any != 0 ? 1 : 0;
        Charge(c, n);
    }
    /// <summary>
    /// <see cref="ByteOp"/> on host bytes when the destination's read and write cache entries and the source's read
    /// entry hit for the whole operands (each byte's access would take the cached path); false: take the byte path.
    /// </summary>
    private static unsafe bool ByteOpCached(Cpu c, ulong d, ulong s, ulong n, int op)
    {
        byte* pd = c.WriteSpan(d, n);
        if (pd == null || c.ReadSpan(d, n) != pd) return false;
        byte* ps = c.ReadSpan(s, n);
        if (ps == null) return false;
        int any = 0;
        if (op == 2 && ps == pd)
            new Span<byte>(pd, (int)n).Clear(); // XC of an operand with itself: zeros
        else
            for (ulong k = 0; k < n; k++)
            {
                byte a = pd[k], b = ps[k];
                byte r = op switch
                {
                    0 => (byte)(a & b), 1 => (byte)(a | b), 2 => (byte)(a ^ b),
                    3 => (byte)((a & 0xF0) | (b & 0x0F)), _ => (byte)((a & 0x0F) | (b & 0xF0)),
                };
                any |= r;
                pd[k] = r;
            }
        if (op <= 2) c.Cc = any != 0 ? 1 : 0;
        return true;
    }

    public static void NC(Cpu c, ref Insn i) => ByteOp(c, ref i, 0);
    public static void OC(Cpu c, ref Insn i) => ByteOp(c, ref i, 1);
    public static void XC(Cpu c, ref Insn i) => ByteOp(c, ref i, 2);
    public static void MVN(Cpu c, ref Insn i) => ByteOp(c, ref i, 3);
    public static void MVZ(Cpu c, ref Insn i) => ByteOp(c, ref i, 4);

    public static void TR(Cpu c, ref Insn i)
    {
        ulong a = Op1(c, ref i), t = Op2(c, ref i);
        ulong n = (ulong)i.L1 + 1;
        c.CheckAccess(a, n, true);
        for (ulong k = 0; k < n; k++)
        {
            ulong p = Inc(c, a, k);
            c.WriteU8(p, c.ReadU8(Inc(c, t, c.ReadU8(p))));
        }
        Charge(c, n);
    }

    public static void TRT(Cpu c, ref Insn i)
    {
        ulong a = Op1(c, ref i), t = Op2(c, ref i);
        ulong n = (ulong)i.L1 + 1;
        for (ulong k = 0; k < n; k++)
        {
            ulong p = Inc(c, a, k);
            byte f = c.ReadU8(Inc(c, t, c.ReadU8(p)));
            if (f == 0) continue;
            c.SetAddressReg(1, p);
            c.G[2] = (c.G[2] & ~0xFFUL) | f;
            c.Cc = k == n - 1 ? 2 : 1;
            Charge(c, k);
            return;
        }
        c.Cc = 0;
        Charge(c, n);
    }

    // ---- long moves and compares ----------------------------------------------------------------------
    /// <summary>Reads an address from a register as the addressing mode designates it.</summary>
    internal static ulong RegAddr(Cpu c, int r) => c.G[r] & c.AddrMask;

    /// <summary>Amount of work one execution of an interruptible instruction may do before ending with cc 3.</summary>
    private const ulong CpuDeterminedBytes = 4096;

    public static void MVCL(Cpu c, ref Insn i)
    {
        int r1 = i.R1, r2 = i.R2;
        ulong d = RegAddr(c, r1), s = RegAddr(c, r2);
        ulong len1 = c.R32(r1 + 1) & 0xFF_FFFF, len2 = c.R32(r2 + 1) & 0xFF_FFFF;
        byte pad = (byte)(c.R32(r2 + 1) >> 24);
        int cc = len1 == len2 ? 0 : len1 < len2 ? 1 : 2;
        ulong moveLen = Math.Min(len1, len2);
        // destructive overlap: the destination starts inside the part of the source still to be read
        if (moveLen > 1 && ((d - s) & c.AddrMask) > 0 && ((d - s) & c.AddrMask) < moveLen) { c.Cc = 3; return; }
        ulong k = 0;
        // interruptible: on an access exception the registers describe the bytes moved before it
        try { MovePadded(c, d, s, len1, len2, pad, out k); }
        catch (ProgramInterruptException) { MvclDone(c, r1, d, len1, r2, s, len2, k); throw; }
        MvclDone(c, r1, d, len1, r2, s, len2, len1);
        c.Cc = cc;
        Charge(c, len1);
    }

    /// <summary>Moves <paramref name="n"/> bytes left to right, source bytes while they last, then the pad; <paramref name="moved"/> counts as it goes (it is valid when an access exception ends the loop).</summary>
    private static void MovePadded(Cpu c, ulong d, ulong s, ulong n, ulong srcLen, byte pad, out ulong moved)
    {
        for (moved = 0; moved < n; moved++)
            c.WriteU8(Inc(c, d, moved), moved < srcLen ? c.ReadU8(Inc(c, s, moved)) : pad);
    }

    private static void MvclDone(Cpu c, int r1, ulong d, ulong len1, int r2, ulong s, ulong len2, ulong moved)
    {
        ulong used2 = Math.Min(moved, len2);
        c.SetAddressReg(r1, Inc(c, d, moved));
        c.SetR32(r1 + 1, (c.R32(r1 + 1) & 0xFF00_0000u) | (uint)(len1 - moved));
        c.SetAddressReg(r2, Inc(c, s, used2));
        c.SetR32(r2 + 1, (c.R32(r2 + 1) & 0xFF00_0000u) | (uint)(len2 - used2));
    }

    internal static ulong LongLen(Cpu c, int r) => c.AddressingMode == 64 ? c.G[r] : c.R32(r);
    internal static void SetLongLen(Cpu c, int r, ulong v) { if (c.AddressingMode == 64) c.G[r] = v; else c.SetR32(r, (uint)v); }

    public static void MVCLE(Cpu c, ref Insn i)
    {
        int r1 = i.R1, r3 = i.R3;
        byte pad = (byte)Op2(c, ref i);
        ulong d = RegAddr(c, r1), s = RegAddr(c, r3);
        ulong len1 = LongLen(c, r1 + 1), len3 = LongLen(c, r3 + 1);
        ulong n = Math.Min(len1, CpuDeterminedBytes);
        ulong k = 0;
        try { MovePadded(c, d, s, n, len3, pad, out k); }
        catch (ProgramInterruptException) { MvcleDone(c, r1, d, len1, r3, s, len3, k); throw; }
        MvcleDone(c, r1, d, len1, r3, s, len3, n);
        Charge(c, n);
        if (len1 - n != 0) { c.Cc = 3; return; }
        c.Cc = len1 == len3 ? 0 : len1 < len3 ? 1 : 2;
    }

    private static void MvcleDone(Cpu c, int r1, ulong d, ulong len1, int r3, ulong s, ulong len3, ulong moved)
    {
        ulong used3 = Math.Min(moved, len3);
        c.SetAddressReg(r1, Inc(c, d, moved));
        SetLongLen(c, r1 + 1, len1 - moved);
        c.SetAddressReg(r3, Inc(c, s, used3));
        SetLongLen(c, r3 + 1, len3 - used3);
    }

    public static void CLCL(Cpu c, ref Insn i)
    {
        int r1 = i.R1, r2 = i.R2;
        ulong a = RegAddr(c, r1), b = RegAddr(c, r2);
        ulong len1 = c.R32(r1 + 1) & 0xFF_FFFF, len2 = c.R32(r2 + 1) & 0xFF_FFFF;
        byte pad = (byte)(c.R32(r2 + 1) >> 24);
        ulong n = Math.Max(len1, len2), k = 0;
        int cc = 0;
        for (; k < n; k++)
        {
            byte x = k < len1 ? c.ReadU8(Inc(c, a, k)) : pad;
            byte y = k < len2 ? c.ReadU8(Inc(c, b, k)) : pad;
            if (x != y) { cc = x < y ? 1 : 2; break; }
        }
        ulong u1 = Math.Min(k, len1), u2 = Math.Min(k, len2);
        c.SetAddressReg(r1, Inc(c, a, u1));
        c.SetR32(r1 + 1, (c.R32(r1 + 1) & 0xFF00_0000u) | (uint)(len1 - u1));
        c.SetAddressReg(r2, Inc(c, b, u2));
        c.SetR32(r2 + 1, (c.R32(r2 + 1) & 0xFF00_0000u) | (uint)(len2 - u2));
        c.Cc = cc;
        Charge(c, k);
    }

    public static void CLCLE(Cpu c, ref Insn i)
    {
        int r1 = i.R1, r3 = i.R3;
        byte pad = (byte)Op2(c, ref i);
        ulong a = RegAddr(c, r1), b = RegAddr(c, r3);
        ulong len1 = LongLen(c, r1 + 1), len3 = LongLen(c, r3 + 1);
        ulong n = Math.Min(Math.Max(len1, len3), CpuDeterminedBytes), k = 0;
        int cc = 0;
        for (; k < n; k++)
        {
            byte x = k < len1 ? c.ReadU8(Inc(c, a, k)) : pad;
            byte y = k < len3 ? c.ReadU8(Inc(c, b, k)) : pad;
            if (x != y) { cc = x < y ? 1 : 2; break; }
        }
        ulong u1 = Math.Min(k, len1), u3 = Math.Min(k, len3);
        c.SetAddressReg(r1, Inc(c, a, u1));
        SetLongLen(c, r1 + 1, len1 - u1);
        c.SetAddressReg(r3, Inc(c, b, u3));
        SetLongLen(c, r3 + 1, len3 - u3);
        Charge(c, k);
        c.Cc = cc == 0 && k < Math.Max(len1, len3) ? 3 : cc;
    }

    // ---- strings terminated by the character in GR0 ------------------------------------------------
    private static byte EndChar(Cpu c)
    {
        if ((c.G[0] & 0xFFFF_FF00UL) != 0) throw c.Pgm(PgmCode.Specification);
        return (byte)c.G[0];
    }

    public static void SRST(Cpu c, ref Insn i)
    {
        byte ch = EndChar(c);
        ulong end = RegAddr(c, i.R1), p = RegAddr(c, i.R2);
        for (ulong k = 0; k < CpuDeterminedBytes; k++, p = Inc(c, p, 1))
        {
            if (p == end) { c.Cc = 2; return; }
            if (c.ReadU8(p) == ch) { c.SetAddressReg(i.R1, p); c.Cc = 1; Charge(c, k); return; }
        }
        c.SetAddressReg(i.R2, p);
        c.Cc = 3;
    }

    public static void CLST(Cpu c, ref Insn i)
    {
        byte ch = EndChar(c);
        ulong a = RegAddr(c, i.R1), b = RegAddr(c, i.R2);
        for (ulong k = 0; k < CpuDeterminedBytes; k++, a = Inc(c, a, 1), b = Inc(c, b, 1))
        {
            byte x = c.ReadU8(a), y = c.ReadU8(b);
            if (x == ch && y == ch) { c.Cc = 0; Charge(c, k); return; }
            if (x == ch || (y != ch && x < y)) { Done(c, i.R1, a, i.R2, b, 1); Charge(c, k); return; }
            if (y == ch || x > y) { Done(c, i.R1, a, i.R2, b, 2); Charge(c, k); return; }
        }
        c.SetAddressReg(i.R1, a);
        c.SetAddressReg(i.R2, b);
        c.Cc = 3;

        static void Done(Cpu c, int r1, ulong a, int r2, ulong b, int cc)
        {
            c.SetAddressReg(r1, a);
            c.SetAddressReg(r2, b);
            c.Cc = cc;
        }
    }

    public static void MVST(Cpu c, ref Insn i)
    {
        byte ch = EndChar(c);
        ulong d = RegAddr(c, i.R1), s = RegAddr(c, i.R2);
        for (ulong k = 0; k < CpuDeterminedBytes; k++, d = Inc(c, d, 1), s = Inc(c, s, 1))
        {
            byte b = c.ReadU8(s);
            c.WriteU8(d, b);
            if (b == ch) { c.SetAddressReg(i.R1, d); c.Cc = 1; Charge(c, k); return; }
        }
        c.SetAddressReg(i.R1, d);
        c.SetAddressReg(i.R2, s);
        c.Cc = 3;
    }

    /// <summary>
    /// MOVE PAGE: the 4K page at R2 to the 4K page at R1 (the low 12 address bits are ignored). GR0 bits 51-53
    /// the key-function control (0 none, 1 source key, 2 destination key, from
    /// GR0 bits 56-59; anything else a specification exception: the move-page-and-set-key facility is not
    /// offered), bit 55 the condition-code option: with it, a page not available (a DAT-table entry
    /// invalid) ends the instruction with cc 2 (source) or cc 1 (destination) instead of the exception.
    /// Page-translation exceptions store R1 and R2 as the operand-access identification.
    /// </summary>
    public static void MVPG(Cpu c, ref Insn i)
    {
        ulong r0 = c.G[0];
        ulong kfc = (r0 >> 10) & 0x3F; // bits 48-50 reserved (zero), 51-53 the key-function control
        if (kfc > 2) throw c.Pgm(PgmCode.Specification);
        int key = (int)((r0 >> 4) & 0xF);
        if (kfc != 0) CheckMoveKey(c, key);
        bool cco = (r0 & 0x100) != 0;
        ulong d = RegAddr(c, i.R1) & ~0xFFFUL, s = RegAddr(c, i.R2) & ~0xFFFUL;
        var ss = c.CurrentSpace(i.R2, AccessKind.Fetch, kfc == 1 ? key : c.PswKey);
        var ds = c.CurrentSpace(i.R1, AccessKind.Store, kfc == 2 ? key : c.PswKey);
        if (!PageAvailable(c, s, AccessKind.Fetch, ss, cco, ref i)) { c.Cc = 2; return; }
        if (!PageAvailable(c, d, AccessKind.Store, ds, cco, ref i)) { c.Cc = 1; return; }
        c.MoveBetweenSpaces(d, ds, s, ss, 4096);
        c.Cc = 0;
    }

    private static void CheckMoveKey(Cpu c, int key)
    {
        if (c.ProblemState && (c.Cr[3] & (0x8000_0000UL >> key)) == 0) throw c.Pgm(PgmCode.PrivilegedOperation);
    }

    /// <summary>MVPG's access check of one page: false when the condition-code option turns its unavailability into a cc.</summary>
    private static unsafe bool PageAvailable(Cpu c, ulong page, AccessKind kind, in Cpu.OperandSpace space, bool cco, ref Insn i)
    {
        try { c.SpaceAccess(page, kind, space); return true; }
        catch (ProgramInterruptException e)
        {
            if (cco && e.Code is PgmCode.PageTranslation or PgmCode.SegmentTranslation or PgmCode.RegionFirst or PgmCode.RegionSecond or PgmCode.RegionThird)
            {
                c.PendingTeidValid = false;
                c.PendingExcAccessIdValid = false;
                return false;
            }
            if (e.Code == PgmCode.PageTranslation) c.WriteReal8(Lowcore.OpAccessId, (byte)(i.R1 << 4 | i.R2));
            throw;
        }
    }

    public static void CKSM(Cpu c, ref Insn i)
    {
        ulong a = RegAddr(c, i.R2);
        ulong len = LongLen(c, i.R2 + 1);
        ulong n = Math.Min(len, CpuDeterminedBytes);
        ulong sum = c.R32(i.R1);
        ulong k = 0;
        for (; k < n; k += 4)
        {
            uint w = 0;
            for (ulong b = 0; b < 4; b++) w = (w << 8) | (k + b < len ? c.ReadU8(Inc(c, a, k + b)) : (byte)0);
            sum += w;
            sum = (sum & 0xFFFF_FFFF) + (sum >> 32);
        }
        ulong used = Math.Min(k, len);
        c.SetR32(i.R1, (uint)sum);
        c.SetAddressReg(i.R2, Inc(c, a, used));
        SetLongLen(c, i.R2 + 1, len - used);
        c.Cc = len - used == 0 ? 0 : 3;
    }

    // ---- compare and swap, interlocked -----------------------------------------------------------------
    private static ulong Aligned(Cpu c, ulong a, int size)
    {
        if ((a & (ulong)(size - 1)) != 0) throw c.Pgm(PgmCode.Specification);
        return a;
    }
    public static void CS(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 4);
        c.CheckAccess(a, 4, true);
        uint v = c.ReadU32(a);
        if (v == c.R32(i.R1)) { c.WriteU32(a, c.R32(i.R3)); c.Cc = 0; }
        else { c.SetR32(i.R1, v); c.Cc = 1; }
    }
    public static void CSY(Cpu c, ref Insn i) => CS(c, ref i);
    public static void CSG(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 8);
        c.CheckAccess(a, 8, true);
        ulong v = c.ReadU64(a);
        if (v == c.G[i.R1]) { c.WriteU64(a, c.G[i.R3]); c.Cc = 0; }
        else { c.G[i.R1] = v; c.Cc = 1; }
    }
    public static void CDS(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 8);
        c.CheckAccess(a, 8, true);
        ulong v = c.ReadU64(a);
        ulong cmp = ((ulong)c.R32(i.R1) << 32) | c.R32(i.R1 + 1);
        if (v == cmp) { c.WriteU64(a, ((ulong)c.R32(i.R3) << 32) | c.R32(i.R3 + 1)); c.Cc = 0; }
        else { c.SetR32(i.R1, (uint)(v >> 32)); c.SetR32(i.R1 + 1, (uint)v); c.Cc = 1; }
    }
    public static void CDSY(Cpu c, ref Insn i) => CDS(c, ref i);
    public static void CDSG(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 16);
        c.CheckAccess(a, 16, true);
        ulong hi = c.ReadU64(a), lo = c.ReadU64(a + 8);
        if (hi == c.G[i.R1] && lo == c.G[i.R1 + 1]) { c.WriteU64(a, c.G[i.R3]); c.WriteU64(a + 8, c.G[i.R3 + 1]); c.Cc = 0; }
        else { c.G[i.R1] = hi; c.G[i.R1 + 1] = lo; c.Cc = 1; }
    }
    public static void TS(Cpu c, ref Insn i)
    {
        ulong a = Op2(c, ref i);
        byte v = c.ReadU8(a);
        c.WriteU8(a, 0xFF);
        c.Cc = v >> 7;
    }

    private static void Interlocked32(Cpu c, ref Insn i, int op)
    {
        ulong a = Aligned(c, Op2(c, ref i), 4);
        c.CheckAccess(a, 4, true);
        uint old = c.ReadU32(a), b = c.R32(i.R3);
        uint r;
        switch (op)
        {
            case 0: r = old + b; c.SetCc(CcOp.AddSigned32, old, b, r); break;
            case 1: r = old + b; c.SetCc(CcOp.AddLogical32, old, b, r); break;
            case 2: r = old & b; c.SetCc(CcOp.NonZero32, r); break;
            case 3: r = old | b; c.SetCc(CcOp.NonZero32, r); break;
            default: r = old ^ b; c.SetCc(CcOp.NonZero32, r); break;
        }
        c.WriteU32(a, r);
        c.SetR32(i.R1, old);
        if (op == 0 && CcRules.AddOverflows(old, b, r, wide: false)) Alu.FixedOverflow(c);
    }
    private static void Interlocked64(Cpu c, ref Insn i, int op)
    {
        ulong a = Aligned(c, Op2(c, ref i), 8);
        c.CheckAccess(a, 8, true);
        ulong old = c.ReadU64(a), b = c.G[i.R3];
        ulong r;
        switch (op)
        {
            case 0: r = old + b; c.SetCc(CcOp.AddSigned64, old, b, r); break;
            case 1: r = old + b; c.SetCc(CcOp.AddLogical64, old, b, r); break;
            case 2: r = old & b; c.SetCc(CcOp.NonZero64, r); break;
            case 3: r = old | b; c.SetCc(CcOp.NonZero64, r); break;
            default: r = old ^ b; c.SetCc(CcOp.NonZero64, r); break;
        }
        c.WriteU64(a, r);
        c.G[i.R1] = old;
        if (op == 0 && CcRules.AddOverflows(old, b, r, wide: true)) Alu.FixedOverflow(c);
    }
    public static void LAA(Cpu c, ref Insn i) => Interlocked32(c, ref i, 0);
    public static void LAAL(Cpu c, ref Insn i) => Interlocked32(c, ref i, 1);
    public static void LAN(Cpu c, ref Insn i) => Interlocked32(c, ref i, 2);
    public static void LAO(Cpu c, ref Insn i) => Interlocked32(c, ref i, 3);
    public static void LAX(Cpu c, ref Insn i) => Interlocked32(c, ref i, 4);
    public static void LAAG(Cpu c, ref Insn i) => Interlocked64(c, ref i, 0);
    public static void LAALG(Cpu c, ref Insn i) => Interlocked64(c, ref i, 1);
    public static void LANG(Cpu c, ref Insn i) => Interlocked64(c, ref i, 2);
    public static void LAOG(Cpu c, ref Insn i) => Interlocked64(c, ref i, 3);
    public static void LAXG(Cpu c, ref Insn i) => Interlocked64(c, ref i, 4);
}
