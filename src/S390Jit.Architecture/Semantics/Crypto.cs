using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;

namespace S390Jit.Architecture.Semantics;

/// <summary>
/// AP (adjunct processor) instructions: when the SIE interprets them (ECA.APIE) and when it
/// intercepts (spec section 3.4), and their interpreted bodies. The bodies decode the registers
/// (spec 1.3, 1.12), raise the program exceptions (spec 2.1) and write results back; the machine's
/// AP firmware behind <see cref="Cpu.Ap"/> does everything that depends on the configuration (native
/// or the SIE's CRYCB) and on queue state.
/// <para>
/// Exception priority: operation (no AP facility), privileged operation (problem state), then
/// specification. UNCONFIRMED choices (documented in the README's AP section):
/// <list type="bullet">
/// <item>all AP instructions are privileged (KVM treats intercepted PQAP(AQIC) so; the firmware-interpreted
///   functions are assumed to behave alike);</item>
/// <item>specification exception for: an undefined PQAP function code (6, and 7/8 which need Secure
///   Execution), the TAPQ T bit without facility 15, QCI without facility 12 or with a block that is not
///   doubleword aligned, an APQN beyond 63.15 without APXA, odd R1/R2 on NQAP/DQAP, R1 or R2 designating
///   register 0 (the pair would overlap GR0/GR1), and for DQAP register 2 (GR2 holds the residual count);</item>
/// <item>GR1 receives the status word in bits 32-63 with bits 0-31 zero (as on the vfio_ap path).</item>
/// </list>
/// </para>
/// </summary>
[SemanticBodies]
public static class Crypto
{
    /// <summary>PQAP function codes (GR0 bits 32-39).</summary>
    public const int Tapq = 0, Rapq = 1, Zapq = 2, Aqic = 3, Qci = 4, Qact = 5;
    /// <summary>PQAP GR0: T bit (TAPQ facilities test), AQIC reserved bits 41-47.</summary>
    public const ulong PqapT = 0x0080_0000, AqicReserved = 0x007F_0000;
    /// <summary>NQAP GR0: continuation of a message (model: set by the machine on cc 2, by the program for parts 2..n), last part, special command.</summary>
    public const ulong NqapContinuation = 0x8000_0000, NqapLast = 0x4000_0000, NqapSpecial = 0x0040_0000;
    /// <summary>DQAP GR0 bit 32: set by programs on the first execution; the model clears it on partial completion.</summary>
    public const ulong DqapFirst = 0x8000_0000;
    /// <summary>APQN bits that must be zero without APXA (APID 64-255, APQI 16-255).</summary>
    public const ushort NonApxaBits = 0xC0F0;

    private static bool ApieEffective(Cpu c) => c.Sie is { ApInterpretation: true };

    /// <summary>PQAP: interpreted under APIE except AQIC (FC 3), which always intercepts.</summary>
    public static bool Sie_PQAP(Cpu c, ref Insn i) => !ApieEffective(c) || ((c.G[0] >> 24) & 0xFF) == Aqic;
    public static bool Sie_NQAP(Cpu c, ref Insn i) => !ApieEffective(c);
    public static bool Sie_DQAP(Cpu c, ref Insn i) => !ApieEffective(c);

    /// <summary>The AP facility, or the operation exception (a machine without AP); then the privilege check.</summary>
    private static IApFacility Facility(Cpu c)
    {
        var ap = c.Ap ?? throw c.Pgm(PgmCode.Operation);
        if (c.ProblemState) throw c.Pgm(PgmCode.PrivilegedOperation);
        return ap;
    }

    private static ushort CheckApqn(Cpu c, IApFacility ap, ulong gr0)
    {
        ushort apqn = (ushort)gr0;
        if ((apqn & NonApxaBits) != 0 && !ap.Apxa(c)) throw c.Pgm(PgmCode.Specification);
        return apqn;
    }

    private static void SetStatus(Cpu c, uint status)
    {
        c.G[1] = status;
        c.Cc = ApStatus.Rc(status) == ApStatus.Normal ? 0 : 3;
    }

    public static void PQAP(Cpu c, ref Insn i)
    {
        var ap = Facility(c);
        ulong gr0 = c.G[0];
        switch ((int)((gr0 >> 24) & 0xFF))
        {
            case Tapq:
                {
                    bool t = (gr0 & PqapT) != 0;
                    if (t && !c.HasFacility(Fac.ApFt)) throw c.Pgm(PgmCode.Specification);
                    ushort apqn = CheckApqn(c, ap, gr0);
                    uint status = ap.TestQueue(c, apqn, out ulong info);
                    SetStatus(c, status);
                    // with T = 0 GR2 is not defined by the architecture: the model leaves it unchanged
                    if (t && ApStatus.Rc(status) == ApStatus.Normal) c.G[2] = info;
                    return;
                }
            case Rapq:
            case Zapq:
                SetStatus(c, ap.ResetQueue(c, CheckApqn(c, ap, gr0), zeroize: ((gr0 >> 24) & 0xFF) == Zapq));
                return;
            case Aqic:
                {
                    // reached natively only: under SIE AQIC always intercepts (Sie_PQAP); KVM's order of checks
                    if ((gr0 & AqicReserved) != 0) throw c.Pgm(PgmCode.Specification);
                    if ((gr0 & PqapT) != 0 && !c.HasFacility(Fac.ApFt)) throw c.Pgm(PgmCode.Specification);
                    ushort apqn = CheckApqn(c, ap, gr0);
                    if (!c.HasFacility(Fac.ApQueueInterruptControl)) throw c.Pgm(PgmCode.Specification);
                    SetStatus(c, ap.InterruptControl(c, apqn, c.G[1], c.G[2]));
                    return;
                }
            case Qci:
                {
                    if (!c.HasFacility(Fac.ApQci)) throw c.Pgm(PgmCode.Specification);
                    ulong a = c.G[2] & c.AddrMask;
                    if ((a & 7) != 0) throw c.Pgm(PgmCode.Specification);
                    Span<byte> block = stackalloc byte[128];
                    block.Clear();
                    ap.QueryConfiguration(c, block);
                    c.CheckAccess(a, 128, true);
                    for (int k = 0; k < 128; k++) c.WriteU8((a + (ulong)k) & c.AddrMask, block[k]);
                    c.Cc = 0; // GR1 is not set by QCI
                    return;
                }
            case Qact:
                {
                    uint status = ap.QueryCompatibility(c, CheckApqn(c, ap, gr0), c.G[1], out ulong result);
                    SetStatus(c, status);
                    if (ApStatus.Rc(status) == ApStatus.Normal) c.G[2] = result;
                    return;
                }
            default:
                throw c.Pgm(PgmCode.Specification);
        }
    }

    /// <summary>NQAP/DQAP register pairs: even R1 and R2, not overlapping the implicit registers.</summary>
    private static void CheckPairs(Cpu c, ref Insn i, bool dqap)
    {
        if (((i.R1 | i.R2) & 1) != 0 || i.R1 == 0 || i.R2 == 0) throw c.Pgm(PgmCode.Specification);
        if (dqap && (i.R1 == 2 || i.R2 == 2)) throw c.Pgm(PgmCode.Specification);
    }

    /// <summary>The length register of a pair: 64 bits in the 64-bit addressing mode, else bits 32-63.</summary>
    private static ulong Length(Cpu c, int r) => c.AddressingMode == 64 ? c.G[r] : (uint)c.G[r];
    private static void SetLength(Cpu c, int r, ulong v)
    {
        if (c.AddressingMode == 64) c.G[r] = v; else c.SetR32(r, (uint)v);
    }

    public static void NQAP(Cpu c, ref Insn i)
    {
        var ap = Facility(c);
        CheckPairs(c, ref i, dqap: false);
        CheckApqn(c, ap, c.G[0]);
        var t = new ApTransfer
        {
            Gr0 = c.G[0],
            Psmid = ((ulong)(uint)c.G[i.R1] << 32) | (uint)c.G[i.R1 + 1],
            Address = c.G[i.R2] & c.AddrMask,
            Length = Length(c, i.R2 + 1),
        };
        int cc = ap.Enqueue(c, ref t);
        if (cc != 3)
        {
            c.SetAddressReg(i.R2, t.Address);
            SetLength(c, i.R2 + 1, t.Length);
            c.G[0] = t.Gr0;
        }
        if (cc != 2) c.G[1] = t.Status;
        c.Cc = cc;
    }

    public static void DQAP(Cpu c, ref Insn i)
    {
        var ap = Facility(c);
        CheckPairs(c, ref i, dqap: true);
        CheckApqn(c, ap, c.G[0]);
        var t = new ApTransfer
        {
            Gr0 = c.G[0],
            Address = c.G[i.R2] & c.AddrMask,
            Length = Length(c, i.R2 + 1),
            Residual = c.G[2],
        };
        int cc = ap.Dequeue(c, ref t);
        if (cc != 3)
        {
            c.G[i.R1] = t.Psmid >> 32;
            c.G[i.R1 + 1] = (uint)t.Psmid;
            c.SetAddressReg(i.R2, t.Address);
            SetLength(c, i.R2 + 1, t.Length);
            c.G[2] = t.Residual;
            c.G[0] = t.Gr0;
        }
        // partial completion (cc 1, 2) leaves GR1 unchanged
        if (cc == 0 || cc == 3) c.G[1] = t.Status;
        c.Cc = cc;
    }
}
