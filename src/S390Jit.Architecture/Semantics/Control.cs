using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>Control instructions: PSW, control registers, prefix, clocks and timers, storage keys, modes.</summary>
[SemanticBodies]
public static class Control
{
    private static ulong Op2(Cpu c, ref Insn i) => c.Addr(i.B2, i.D2);
    private static ulong Aligned(Cpu c, ulong a, int size)
    {
        if ((a & (ulong)(size - 1)) != 0) throw c.Pgm(PgmCode.Specification);
        return a;
    }

    /// <summary>Loads a new PSW from an instruction; an invalid PSW is a specification exception after the load.</summary>
    private static void LoadNewPsw(Cpu c, ulong mask, ulong addr)
    {
        // LPSW and LPSWE are breaking events (LPSWEY, with facility 193, is not)
        c.Bear = c.IssueAddr;
        bool valid = c.LoadPsw(mask, addr);
        if (!valid)
        {
            // early exception recognition: the new PSW is the old PSW of the interruption, ILC 0
            c.IssueAddr = c.PswAddr;
            c.InstrLength = 0;
            throw c.Pgm(PgmCode.Specification, nullify: true);
        }
    }

    public static void LPSW(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 8);
        ulong s = c.ReadU64(a);
        if ((s & (1UL << 51)) == 0) throw c.Pgm(PgmCode.Specification);
        ulong mask = s & 0xFFF7_FFFF_8000_0000UL;
        LoadNewPsw(c, mask, s & 0x7FFF_FFFFUL);
    }

    public static void LPSWE(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 8);
        c.CheckAccess(a, 16, false);
        ulong mask = c.ReadU64(a), addr = c.ReadU64(a + 8);
        LoadNewPsw(c, mask, addr);
    }

    private static void SetSystemMask(Cpu c, byte m)
    {
        if ((m & 0xB8) != 0) throw c.Pgm(PgmCode.Specification);
        c.SetPswMaskBits((c.PswMask & 0x00FF_FFFF_FFFF_FFFFUL) | ((ulong)m << 56));
    }
    public static void SSM(Cpu c, ref Insn i)
    {
        if ((c.Cr[0] & Cpu.Cr0SsmSuppression) != 0) throw c.Pgm(PgmCode.SpecialOperation);
        SetSystemMask(c, c.ReadU8(Op2(c, ref i)));
    }
    public static void STNSM(Cpu c, ref Insn i)
    {
        byte old = (byte)(c.PswMask >> 56);
        c.WriteU8(c.Addr(i.B1, i.D1), old);
        SetSystemMask(c, (byte)(old & i.I2));
    }
    public static void STOSM(Cpu c, ref Insn i)
    {
        byte old = (byte)(c.PswMask >> 56);
        c.WriteU8(c.Addr(i.B1, i.D1), old);
        SetSystemMask(c, (byte)(old | i.I2));
    }

    public static void SPM(Cpu c, ref Insn i)
    {
        uint v = c.R32(i.R1);
        c.Cc = (int)((v >> 28) & 3);
        c.PswMask = (c.PswMask & ~Psw.ProgramMask) | ((ulong)((v >> 24) & 0xF) << 40);
    }
    public static void IPM(Cpu c, ref Insn i)
    {
        uint b = (uint)(c.Cc << 4) | (uint)((c.PswMask >> 40) & 0xF);
        c.SetR32(i.R1, (c.R32(i.R1) & 0x00FF_FFFF) | (b << 24));
    }
    public static void EPSW(Cpu c, ref Insn i)
    {
        ulong m = c.FullPswMask;
        c.SetR32(i.R1, (uint)(m >> 32));
        if (i.R2 != 0) c.SetR32(i.R2, (uint)m);
    }

    // ---- addressing mode ----------------------------------------------------------------------------
    private static void SetMode(Cpu c, ulong bits)
    {
        c.SetPswMaskBits((c.PswMask & ~(Psw.EA | Psw.BA)) | bits);
        c.PswAddr &= c.AddrMask;
    }
    public static void SAM24(Cpu c, ref Insn i) { if (c.PswAddr > 0xFF_FFFF) throw c.Pgm(PgmCode.Specification); SetMode(c, 0); }
    public static void SAM31(Cpu c, ref Insn i) { if (c.PswAddr > 0x7FFF_FFFF) throw c.Pgm(PgmCode.Specification); SetMode(c, Psw.BA); }
    public static void SAM64(Cpu c, ref Insn i) => SetMode(c, Psw.EA | Psw.BA);
    public static void TAM(Cpu c, ref Insn i) => c.Cc = c.AddressingMode switch { 64 => 3, 31 => 1, _ => 0 };

    // ---- control registers ----------------------------------------------------------------------------
    public static void LCTL(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 4);
        int n = ((i.R3 - i.R1) & 15) + 1;
        c.CheckAccess(a, (ulong)n * 4, false);
        for (int k = 0; k < n; k++)
        {
            int r = (i.R1 + k) & 15;
            c.Cr[r] = (c.Cr[r] & 0xFFFF_FFFF_0000_0000UL) | c.ReadU32((a + (ulong)k * 4) & c.AddrMask);
        }
        c.ControlRegistersChanged();
    }
    public static void LCTLG(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 8);
        int n = ((i.R3 - i.R1) & 15) + 1;
        c.CheckAccess(a, (ulong)n * 8, false);
        for (int k = 0; k < n; k++) c.Cr[(i.R1 + k) & 15] = c.ReadU64((a + (ulong)k * 8) & c.AddrMask);
        c.ControlRegistersChanged();
    }
    public static void STCTL(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 4);
        int n = ((i.R3 - i.R1) & 15) + 1;
        c.CheckAccess(a, (ulong)n * 4, true);
        for (int k = 0; k < n; k++) c.WriteU32((a + (ulong)k * 4) & c.AddrMask, (uint)c.Cr[(i.R1 + k) & 15]);
    }
    public static void STCTG(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 8);
        int n = ((i.R3 - i.R1) & 15) + 1;
        c.CheckAccess(a, (ulong)n * 8, true);
        for (int k = 0; k < n; k++) c.WriteU64((a + (ulong)k * 8) & c.AddrMask, c.Cr[(i.R1 + k) & 15]);
    }

    // ---- prefix, CPU address ---------------------------------------------------------------------------
    public static void SPX(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 4);
        uint p = c.ReadU32(a) & 0x7FFF_E000u;
        if ((ulong)p + 0x2000 > c.MemSize) throw c.Pgm(PgmCode.Addressing);
        c.Prefix = p;
        c.PurgeTlb();
    }
    public static void STPX(Cpu c, ref Insn i) => c.WriteU32(Aligned(c, Op2(c, ref i), 4), c.Prefix);
    public static void STAP(Cpu c, ref Insn i) => c.WriteU16(Aligned(c, Op2(c, ref i), 2), c.CpuAddress);

    // ---- facilities ---------------------------------------------------------------------------------------
    public static void STFLE(Cpu c, ref Insn i)
    {
        ulong a = Aligned(c, Op2(c, ref i), 8);
        int provided = (int)(c.G[0] & 0xFF) + 1;
        int available = c.Facilities.Length;
        while (available > 1 && c.Facilities[available - 1] == 0) available--;
        int n = Math.Min(provided, available);
        c.CheckAccess(a, (ulong)n * 8, true);
        for (int k = 0; k < n; k++) c.WriteU64(a + (ulong)k * 8, c.Facilities[k]);
        c.G[0] = (c.G[0] & ~0xFFUL) | (uint)(available - 1);
        c.Cc = provided >= available ? 0 : 3;
    }

    // ---- clocks and timers -----------------------------------------------------------------------------
    public static void STCK(Cpu c, ref Insn i) { c.WriteU64(Op2(c, ref i), c.StckValue()); c.Cc = 0; }
    public static void STCKF(Cpu c, ref Insn i) { c.WriteU64(Op2(c, ref i), c.Tod); c.Cc = 0; }
    public static void STCKE(Cpu c, ref Insn i)
    {
        ulong a = Op2(c, ref i);
        ulong tod = c.StckValue();
        c.CheckAccess(a, 16, true);
        c.WriteU8(a, 0);
        c.WriteU64(a + 1, tod);
        c.WriteU32(a + 9, 0);
        c.WriteU8(a + 13, 0);
        c.WriteU16(a + 14, (ushort)c.TodProgrammable);
        c.Cc = 0;
    }
    /// <summary>SCKPF: the TOD programmable register from GR0 bits 48-63 (bits 32-47 must be zero).</summary>
    public static void SCKPF(Cpu c, ref Insn i)
    {
        if ((c.G[0] & 0xFFFF_0000UL) != 0) throw c.Pgm(PgmCode.Specification);
        c.TodProgrammable = (uint)(c.G[0] & 0xFFFF);
    }

    /// <summary>
    /// PTFF (facility 28), the query functions (GR0 bits 57-63; parameter block at GR1): 0 QAF (available
    /// functions), 1 QTO (physical clock, TOD offset, logical TOD offset, epoch difference), 2 QSI
    /// (steering information: no steering), 3 QPT (physical clock). Other query functions cc 3; the
    /// control functions (0x40 and up) are privileged and not available (cc 3).
    /// </summary>
    public static void PTFF(Cpu c, ref Insn i)
    {
        int fc = (int)(c.G[0] & 0x7F);
        if ((c.G[0] & 0x80) != 0) throw c.Pgm(PgmCode.Specification);
        if (fc >= 0x40 && c.ProblemState) throw c.Pgm(PgmCode.PrivilegedOperation);
        ulong pb = c.G[1] & c.AddrMask;
        ulong physical = c.Clock.TodAt(c.Cycles);
        switch (fc)
        {
            case 0:
                c.CheckAccess(pb, 16, true);
                c.WriteU64(pb, 0xF000_0000_0000_0000UL);
                c.WriteU64((pb + 8) & c.AddrMask, 0);
                break;
            case 1:
                c.CheckAccess(pb, 32, true);
                c.WriteU64(pb, physical);
                c.WriteU64((pb + 8) & c.AddrMask, c.TodEpoch);
                c.WriteU64((pb + 16) & c.AddrMask, c.TodEpoch);
                c.WriteU64((pb + 24) & c.AddrMask, 0);
                break;
            case 2:
                c.CheckAccess(pb, 56, true);
                c.WriteU64(pb, physical);
                for (ulong k = 8; k < 56; k += 8) c.WriteU64((pb + k) & c.AddrMask, 0);
                break;
            case 3:
                c.WriteU64(pb, physical);
                break;
            default:
                c.Cc = 3;
                return;
        }
        c.Cc = 0;
    }

    public static void SCKC(Cpu c, ref Insn i) => c.SetClockComparator(c.ReadU64(Aligned(c, Op2(c, ref i), 8)));
    public static void STCKC(Cpu c, ref Insn i) => c.WriteU64(Aligned(c, Op2(c, ref i), 8), c.Ckc);
    public static void SPT(Cpu c, ref Insn i) => c.CpuTimer = (long)c.ReadU64(Aligned(c, Op2(c, ref i), 8));
    public static void STPT(Cpu c, ref Insn i) => c.WriteU64(Aligned(c, Op2(c, ref i), 8), (ulong)c.CpuTimer);

    // ---- keys ----------------------------------------------------------------------------------------------
    public static void SPKA(Cpu c, ref Insn i)
    {
        int key = (int)((Op2(c, ref i) >> 4) & 0xF);
        if (c.ProblemState && (c.Cr[3] & (0x8000_0000UL >> key)) == 0) throw c.Pgm(PgmCode.PrivilegedOperation);
        c.SetPswMaskBits((c.PswMask & ~Psw.KeyMask) | ((ulong)key << 52));
    }
    public static void IPK(Cpu c, ref Insn i)
    {
        if (c.ProblemState && (c.Cr[0] & (1UL << 27)) == 0) throw c.Pgm(PgmCode.PrivilegedOperation);
        c.G[2] = (c.G[2] & ~0xF0UL) | ((ulong)c.PswKey << 4);
    }

    // ---- monitoring and CPU attributes ----------------------------------------------------------------
    /// <summary>
    /// MC D1(B1),I2: class I2 (bits 0-3 of I2 must be zero); when CR8's monitor mask for the class
    /// (bit 48 + class) is one, a monitor-event program interruption (completing) reports the class at
    /// 0x94 and the monitor code (the first-operand address) at 0xB0.
    /// </summary>
    public static void MC(Cpu c, ref Insn i)
    {
        int cls = (int)i.I2 & 0xFF;
        if ((cls & 0xF0) != 0) throw c.Pgm(PgmCode.Specification);
        if ((c.Cr[8] & (0x8000UL >> cls)) == 0) return;
        c.PendingMonitorClass = (ushort)cls;
        c.PendingMonitorCode = c.Addr(i.B1, i.D1);
        throw c.Pgm(PgmCode.Monitor);
    }

    /// <summary>
    /// ECAG: cache attributes (address bits 48-55 = 0; bits 56-59 attribute: 0 topology summary, 1 line
    /// size, 2 total size, 3 associativity; bits 60-62 level; bit 63 instruction cache) of a modelled
    /// hierarchy: L1 private split 128K/128K, L2 private unified 32M, L3 shared unified 256M, 256-byte
    /// lines. Everything else, and CPU attributes (bits 48-55 = 1), is -1 (not available).
    /// </summary>
    public static void ECAG(Cpu c, ref Insn i)
    {
        ulong a = c.Addr(i.B2, i.D2);
        int asi = (int)((a >> 8) & 0xFF), ai = (int)((a >> 4) & 0xF), li = (int)((a >> 1) & 7), ti = (int)(a & 1);
        ulong r = ulong.MaxValue;
        if (asi == 0)
        {
            if (ai == 0) r = 0x0407_0B00_0000_0000UL; // per level: scope (private 1, shared 2) << 2 | type (split 0, unified 3)
            else if (li <= 2 && (ti == 0 || li == 0))
                r = ai switch
                {
                    1 => 256,
                    2 => li == 0 ? 128UL << 10 : li == 1 ? 32UL << 20 : 256UL << 20,
                    3 => li == 0 ? 8UL : li == 1 ? 16UL : 32UL,
                    _ => ulong.MaxValue,
                };
        }
        c.G[i.R1] = r;
    }
}
