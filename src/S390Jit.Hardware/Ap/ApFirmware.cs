using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using S390Jit.Hardware.Sie;
using S390Jit.Memory;

namespace S390Jit.Hardware.Ap;

/// <summary>Counts of AP instructions the firmware executed for one VM (statistics).</summary>
public sealed class ApFirmwareStats
{
    public ulong Tapq, Rapq, Zapq, Aqic, Qci, Qact, Nqap, Dqap;
    /// <summary>Executions that ended with each response code (index = RC).</summary>
    public readonly ulong[] ResponseCodes = new ulong[256];
}

/// <summary>
/// The machine's AP firmware as the CPUs of one machine see it (<see cref="IApFacility"/>):
/// natively the LPAR's whole AP configuration; for a CPU running under SIE with ECA.APIE the
/// configuration the CRYCB designated by the state description describes (spec 3.2):
/// <list type="bullet">
/// <item>format 0 and 1 (CRYCBD low bits 00/01): APCB0, APM for APID 0-63 and AQM/ADM for domains 0-15, no APXA;</item>
/// <item>format 2 (CRYCBD low bits 11): APCB1, 256-bit masks, APXA.</item>
/// </list>
/// An APQN outside APM x AQM gets response code 0x01 and never reaches a queue. The CRYCB lives in
/// host memory (below 2 GiB, KVM's sie_page2 + 0x800), so one firmware object exists per machine (per
/// host memory) while the <see cref="ApConfiguration"/> behind it can be shared.
/// <para>
/// Check order for a queue function: CRYCB (under SIE), adapter installed, APQI &lt;= Nd (else 0x11),
/// usage domain configured, adapter configured (0x03), not check-stopped (0x04), reset in progress
/// (0x02), then the function itself. Modelled costs: PQAP 1000 cycles (QCI 1500), NQAP/DQAP 2000
/// cycles plus one per 4 bytes moved, the CRYCB lookup 50.
/// </para>
/// </summary>
public sealed unsafe class ApFirmware : IApFacility
{
    public const ulong PqapCycles = 1000, QciCycles = 1500, TransferCycles = 2000, CrycbCycles = 50;
    /// <summary>CRYCB layout (spec 3.2): APCB0 masks at 0x00/0x08/0x10, APCB1 masks at 0x80/0xA0/0xC0.</summary>
    public const int Apcb0Apm = 0x00, Apcb0Aqm = 0x08, Apcb0Adm = 0x10, Apcb1Apm = 0x80, Apcb1Aqm = 0xA0, Apcb1Adm = 0xC0;
    /// <summary>TAPQ GR2 ML field: maximum message size in 4 KiB units.</summary>
    public const int MaxMessageUnits = ApAdapter.MaxMessageSize / 4096;

    internal ApFirmware(ApConfiguration configuration, HostMemory host)
    {
        Configuration = configuration;
        Host = host;
    }

    /// <summary>The AP hardware behind the firmware.</summary>
    public ApConfiguration Configuration { get; }
    /// <summary>Host memory the SIE's CRYCB designations point into.</summary>
    public HostMemory Host { get; }
    public ApFirmwareStats Stats { get; } = new();
    /// <summary>The machine's trace buffer (NQAP submissions and DQAP completions), or null.</summary>
    internal Tracing.TraceLog? Trace { get; init; }

    public bool Apxa(Cpu cpu) => SieOf(cpu) is { } sie ? (sie.Crycbd & 2) != 0 : Configuration.Apxa;

    /// <summary>The SIE controls the CPU runs under (the machine's own object), or null natively.</summary>
    private static SieControls? SieOf(Cpu cpu) => cpu.Sie as SieControls;

    private int MaxDomainFor(Cpu cpu) => Apxa(cpu) ? Configuration.MaxDomain : 15;

    // ---- configuration ----------------------------------------------------------------------------

    private bool MaskBit(ulong address, int n, int bytes) =>
        n < bytes * 8 && (Host.ReadU8(address + (ulong)(n >> 3)) & (0x80 >> (n & 7))) != 0;

    /// <summary>Whether the APQN is in APM x AQM of the CRYCB the CPU's SIE designates.</summary>
    private bool InCrycb(Cpu cpu, ushort apqn)
    {
        cpu.Cycles += CrycbCycles;
        uint d = SieOf(cpu)!.Crycbd;
        ulong origin = d & 0x7FFF_FFF8;
        if (origin == 0) return false;
        int apid = apqn >> 8, apqi = apqn & 0xFF;
        return (d & 3) switch
        {
            3 => MaskBit(origin + Apcb1Apm, apid, 32) && MaskBit(origin + Apcb1Aqm, apqi, 32),
            0 or 1 => MaskBit(origin + Apcb0Apm, apid, 8) && MaskBit(origin + Apcb0Aqm, apqi, 2),
            _ => false, // format bits 10: not a valid designation
        };
    }

    /// <summary>Finds the queue an instruction addresses, or the response code why there is none.</summary>
    private ApQueue? Resolve(Cpu cpu, ushort apqn, out byte rc)
    {
        rc = ApStatus.QueueNotAvailable;
        if (cpu.Sie != null && !InCrycb(cpu, apqn)) return null;
        var a = Configuration.Adapter(apqn >> 8);
        if (a == null) return null;
        if ((apqn & 0xFF) > Configuration.MaxDomain) { rc = ApStatus.IndexTooBig; return null; }
        var q = Configuration.Queue(apqn);
        if (q == null) return null;
        if (!a.Configured) { rc = ApStatus.Deconfigured; return null; }
        if (a.Checkstopped) { rc = ApStatus.Checkstopped; return null; }
        rc = ApStatus.Normal;
        return q;
    }

    private uint Done(uint status)
    {
        Stats.ResponseCodes[ApStatus.Rc(status)]++;
        return status;
    }

    private static ulong Cycles(Cpu cpu, ulong nanoseconds) => nanoseconds * cpu.Clock.Mhz / 1000;

    // ---- PQAP ---------------------------------------------------------------------------------------

    /// <summary>
    /// One PQAP queue function: its cost, the queue (or the response code why there is none), then under
    /// the queue lock "reset in progress" (UNCONFIRMED for RAPQ/ZAPQ: a reset while one runs is refused
    /// with RC 0x02; Linux accepts 0 and 2 alike) and the function itself at the CPU's cycle.
    /// </summary>
    private uint QueueFunction(Cpu cpu, ushort apqn, Func<ApQueue, ulong, uint> function)
    {
        cpu.Cycles += PqapCycles;
        var q = Resolve(cpu, apqn, out byte rc);
        if (q == null) return Done(ApStatus.Make(rc));
        lock (q)
        {
            ulong now = cpu.Cycles;
            return Done(q.ResetInProgress(now) ? q.Status(now, ApStatus.ResetInProgress) : function(q, now));
        }
    }

    public uint TestQueue(Cpu cpu, ushort apqn, out ulong info)
    {
        Stats.Tapq++;
        ulong gr2 = 0;
        uint status = QueueFunction(cpu, apqn, (q, now) =>
        {
            uint functions = ApAdapter.Functions | (Apxa(cpu) ? ApAdapter.FunctionApxa : 0);
            gr2 = ((ulong)functions << 32) | ((ulong)(byte)q.Adapter.Type << 24) | ((ulong)(byte)MaxDomainFor(cpu) << 16)
                | ((ulong)(byte)MaxMessageUnits << 8) | (byte)(q.Adapter.QueueDepth - 1);
            return q.Status(now);
        });
        info = gr2;
        return status;
    }

    public uint ResetQueue(Cpu cpu, ushort apqn, bool zeroize)
    {
        if (zeroize) Stats.Zapq++; else Stats.Rapq++;
        return QueueFunction(cpu, apqn, (q, now) =>
        {
            q.Reset(zeroize, now + Cycles(cpu, zeroize ? Configuration.ZeroizeNanoseconds : Configuration.ResetNanoseconds));
            return q.Status(now);
        });
    }

    public uint InterruptControl(Cpu cpu, ushort apqn, ulong qirqctrl, ulong nib)
    {
        Stats.Aqic++;
        return QueueFunction(cpu, apqn, (q, now) =>
        {
            if ((qirqctrl & ApConfiguration.AqicIr) != 0)
            {
                if (q.IrqEnabled) return q.Status(now, ApStatus.OtherwiseChanged);
                if (nib >= cpu.MemSize) return q.Status(now, ApStatus.InvalidAddress);
                // native: the NIB is a real address of this configuration's storage; the interruption itself
                // (an I/O adapter interruption at the ISC) is only modelled through a GISA (host AQIC, ApConfiguration.HostAqic)
                q.EnableIrq(nib, (byte)(qirqctrl & 7), 0, null, 0, now);
            }
            else q.DisableIrq(lag: false);
            return q.Status(now);
        });
    }

    public void QueryConfiguration(Cpu cpu, Span<byte> block)
    {
        Stats.Qci++;
        cpu.Cycles += QciCycles;
        bool apxa = Apxa(cpu);
        block[0] = (byte)((apxa ? 0x40 : 0) | 0x20); // N (APXA), C (QACT installed); no S, no R
        block[4] = (byte)(apxa ? Configuration.MaxApid : 63);
        block[5] = (byte)(apxa ? Configuration.MaxDomain : 15);
        if (SieOf(cpu) is { } sie)
        {
            // UNCONFIRMED: the guest's QCI reports the CRYCB masks; Na/Nd are the host's with APXA, else 63/15
            cpu.Cycles += CrycbCycles;
            ulong origin = sie.Crycbd & 0x7FFF_FFF8;
            if (origin == 0) return;
            bool fmt2 = (sie.Crycbd & 3) == 3;
            Host.Span(origin + (ulong)(fmt2 ? Apcb1Apm : Apcb0Apm), fmt2 ? 32 : 8).CopyTo(block[0x10..]);
            Host.Span(origin + (ulong)(fmt2 ? Apcb1Aqm : Apcb0Aqm), fmt2 ? 32 : 2).CopyTo(block[0x30..]);
            Host.Span(origin + (ulong)(fmt2 ? Apcb1Adm : Apcb0Adm), fmt2 ? 32 : 2).CopyTo(block[0x50..]);
        }
        else
        {
            Configuration.Apm.CopyTo(block[0x10..]);
            Configuration.Aqm.CopyTo(block[0x30..]);
            Configuration.Adm.CopyTo(block[0x50..]);
        }
    }

    public uint QueryCompatibility(Cpu cpu, ushort apqn, ulong apInfo, out ulong result)
    {
        Stats.Qact++;
        ulong gr2 = 0;
        uint status = QueueFunction(cpu, apqn, (q, now) =>
        {
            int mode = (int)((apInfo >> 58) & 7), cat = (int)((apInfo >> 24) & 0xFF), type = (int)q.Adapter.Type;
            // UNCONFIRMED: asking for another mode (coprocessor, EP11) than the adapter's is "facility not installed";
            // a category between CEX4 and the adapter's type is granted (an older driver may treat it as that type)
            if (mode != 0 && mode != ApAdapter.ModeAccelerator) return q.Status(now, ApStatus.RequestedFacilityNotInstalled);
            int compat = cat >= (int)ApDeviceType.Cex4 && cat < type ? cat : type;
            gr2 = ((ulong)ApAdapter.ModeAccelerator << 58) | ((ulong)compat << 24);
            return q.Status(now);
        });
        result = gr2;
        return status;
    }

    // ---- NQAP / DQAP ----------------------------------------------------------------------------------

    /// <summary>Bytes one execution moves: up to the end of the operand's page (the model's CPU-determined unit).</summary>
    private static int Chunk(ulong address, ulong length) => (int)Math.Min(length, 4096 - (address & 0xFFF));

    private static void ReadGuest(Cpu cpu, ulong address, Span<byte> dst)
    {
        if (dst.IsEmpty) return;
        cpu.CheckAccess(address, (ulong)dst.Length, false);
        new ReadOnlySpan<byte>(cpu.TranslateSlow(address, false), dst.Length).CopyTo(dst);
    }

    private static void WriteGuest(Cpu cpu, ulong address, ReadOnlySpan<byte> src)
    {
        if (src.IsEmpty) return;
        cpu.CheckAccess(address, (ulong)src.Length, true);
        src.CopyTo(new Span<byte>(cpu.TranslateSlow(address, true, (ulong)src.Length), src.Length));
    }

    /// <summary>
    /// NQAP. GR0 bit 33 (L) marks the last part of a message; bit 32 (C, UNCONFIRMED) marks a
    /// continuation: the machine sets it when it ends an execution at a page boundary (cc 2), a program
    /// sets it on parts 2..n of a multi-part message. A part without C starts a new message (dropping an
    /// unfinished one); C without an open message is RC 0x13. The queue-full check (RC 0x10, F bit) is
    /// made when a message starts, the size limit (12 KiB, RC 0x15) on every part. GR0 bit 41 (special
    /// command) needs the APSC facility, which accelerators lack: RC 0x16.
    /// </summary>
    public int Enqueue(Cpu cpu, ref ApTransfer t)
    {
        Stats.Nqap++;
        return Transfer(cpu, ref t, _enqueue ??= EnqueueStep);
    }

    private delegate int TransferStep(Cpu cpu, ApQueue q, ulong now, ref ApTransfer t);
    private TransferStep? _enqueue, _dequeue;

    /// <summary>
    /// One NQAP or DQAP execution: its cost, the queue (cc 3 with the response code why there is none),
    /// then under the queue lock "reset in progress" (cc 3) and the transfer itself at the CPU's cycle.
    /// </summary>
    private int Transfer(Cpu cpu, ref ApTransfer t, TransferStep step)
    {
        cpu.Cycles += TransferCycles;
        var q = Resolve(cpu, t.Apqn, out byte rc);
        if (q == null) { t.Status = Done(ApStatus.Make(rc)); return 3; }
        lock (q)
        {
            ulong now = cpu.Cycles;
            if (q.ResetInProgress(now)) { t.Status = Done(q.Status(now, ApStatus.ResetInProgress)); return 3; }
            return step(cpu, q, now, ref t);
        }
    }

    private int EnqueueStep(Cpu cpu, ApQueue q, ulong now, ref ApTransfer t)
    {
        bool cont = (t.Gr0 & Crypto.NqapContinuation) != 0;
        bool last = (t.Gr0 & Crypto.NqapLast) != 0;
        uint Fail(byte code) => Done(q.Status(now, code));
        if ((t.Gr0 & Crypto.NqapSpecial) != 0) { t.Status = Fail(ApStatus.RequestedFacilityNotInstalled); return 3; }
        if (cont && q.Open == null) { t.Status = Fail(ApStatus.NoFirstPart); return 3; }
        if (!cont && q.Count >= q.Adapter.QueueDepth)
        {
            q.Stats.QueueFullRejects++;
            t.Status = Fail(ApStatus.QueueFull);
            return 3;
        }
        ulong sofar = cont ? (ulong)q.Open!.Parts.Count : 0;
        if (sofar + t.Length > ApAdapter.MaxMessageSize)
        {
            q.Open = null;
            t.Status = Fail(ApStatus.MessageTooBig);
            return 3;
        }
        int n = Chunk(t.Address, t.Length);
        Span<byte> part = stackalloc byte[n]; // n <= 4096: one page at most
        ReadGuest(cpu, t.Address, part); // access exceptions: nothing has changed yet
        if (!cont) q.Open = new ApRequest(t.Psmid);
        var open = q.Open!;
        foreach (byte b in part) open.Parts.Add(b);
        cpu.Cycles += (ulong)n / 4;
        t.Address = (t.Address + (ulong)n) & cpu.AddrMask;
        t.Length -= (ulong)n;
        if (t.Length != 0)
        {
            t.Gr0 |= Crypto.NqapContinuation;
            return 2;
        }
        if (!last)
        {
            t.Status = Done(q.Status(now));
            return 1;
        }
        q.Open = null;
        ulong reply = q.Submit(open, now, cpu.Clock.Mhz);
        Trace?.Emit(Tracing.MachineTrace.ApNqap, now, (cpu.CpuAddress, q.Name, t.Psmid, reply));
        if (q.IrqAiv != null)
        {
            // the reply-available notification is an event at that cycle: both engines stop for it at the same boundary
            cpu.HostEventCycle = Math.Min(cpu.HostEventCycle, reply);
            cpu.EventCycle = Math.Min(cpu.EventCycle, reply);
        }
        t.Status = Done(q.Status(now));
        return 0;
    }

    /// <summary>
    /// DQAP. The oldest reply is transferred; an execution ends at the end of the buffer (cc 1: more
    /// data, GR2 = bytes left) or of the buffer's page (cc 2), or when the reply is complete (cc 0,
    /// the reply leaves the queue). A reply in transfer is continued by the next DQAP whatever GR0 says;
    /// on partial completion the model clears GR0 bit 32 (UNCONFIRMED). No reply yet: RC 0x10.
    /// </summary>
    public int Dequeue(Cpu cpu, ref ApTransfer t)
    {
        Stats.Dqap++;
        return Transfer(cpu, ref t, _dequeue ??= DequeueStep);
    }

    private int DequeueStep(Cpu cpu, ApQueue q, ulong now, ref ApTransfer t)
    {
        var r = q.NextReply(now);
        if (r == null) { t.Status = Done(q.Status(now, ApStatus.NoPendingReply)); return 3; }
        var reply = r.Job!.Reply;
        int offset = q.Transfer == r ? q.TransferOffset : 0;
        int n = Chunk(t.Address, Math.Min(t.Length, (ulong)(reply.Length - offset)));
        WriteGuest(cpu, t.Address, reply.AsSpan(offset, n)); // access exceptions: nothing has changed yet
        cpu.Cycles += (ulong)n / 4;
        t.Psmid = r.Psmid;
        t.Address = (t.Address + (ulong)n) & cpu.AddrMask;
        t.Length -= (ulong)n;
        offset += n;
        t.Residual = (ulong)(reply.Length - offset);
        if (t.Residual == 0)
        {
            q.Remove(r);
            Trace?.Emit(Tracing.MachineTrace.ApDqap, now, (cpu.CpuAddress, q.Name, r.Psmid));
            t.Status = Done(q.Status(now));
            return 0;
        }
        q.Transfer = r;
        q.TransferOffset = offset;
        t.Gr0 &= ~Crypto.DqapFirst;
        return t.Length == 0 ? 1 : 2;
    }

    /// <summary>
    /// The earliest cycle after <paramref name="now"/> at which a reply becomes available on one of the
    /// queues (MaxValue if none is outstanding): what adapter interruptions will use to wake a vcpu.
    /// </summary>
    public ulong NextReplyCycle(IEnumerable<ushort> apqns, ulong now)
    {
        ulong next = ulong.MaxValue;
        foreach (var apqn in apqns)
            if (Configuration.Queue(apqn) is { } q)
                lock (q) next = Math.Min(next, q.NextReplyCycle(now));
        return next;
    }
}
