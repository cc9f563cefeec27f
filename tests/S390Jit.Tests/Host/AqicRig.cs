using S390Jit.Architecture.State;
using S390Jit.Hardware.Aiv;
using S390Jit.Hardware.Tracing;
using S390Jit.Host;
using S390Jit.Host.Crypto;
using S390Jit.Host.Kvm;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;
using S390Jit.Hardware.Ap;

namespace S390Jit.Tests.Host;

/// <summary>
/// The common set-up of the AQIC scenarios (spec 7): a host with AP, AIV, APXA and facilities
/// 12/15/65/76; a VM with a format-1 GISA and a format-2 CRYCB; the CPU model with ap, apqi and apft;
/// the vfio_ap mdev with APM {5}, AQM {4} (queue 05.0004 bound to vfio_ap) opened by the VMM (KVM
/// reference, hook, masks). <see cref="Pqap"/> runs one guest PQAP through the whole machine: the
/// SIE intercepts it, KVM handles it (and calls the hook), or user space presents the operation
/// exception. Every host event is recorded in <see cref="Trace"/>.
/// </summary>
public sealed class AqicRig : IDisposable
{
    public const ulong Code = 0x20000, Data = 0x30000, Nib = 0x123450, IoWait = 0xA0A0_0000;
    public const ulong Enable6 = 0x0000_8000_0000_0006, Gr0Aqic0504 = 0x0000_0000_0300_0504;

    public AqicRig(ushort[]? queues = null, HostQuirks? quirks = null, Action<ApOptions>? ap = null, Action<MachineOptions>? options = null,
        ApBus? bus = null, string engine = "interp", bool hostAp = true)
    {
        var o = new ApOptions();
        o.Queues.AddRange(queues ?? [0x0504]);
        o.HostBus = bus;
        ap?.Invoke(o);
        var mo = new MachineOptions
        {
            Console = new MemoryStream(),
            MaxCycles = 50_000_000_000,
            Ap = hostAp ? o : null,
            Quirks = quirks ?? HostQuirks.None,
            HostTrace = line => { lock (Trace) Trace.Add(line); },
            Engine = engine,
        };
        options?.Invoke(mo);
        Machine = new Machine(mo);
        Machine.LoadKernel(new TestGuest().SetPsw(Lowcore.IoNewPsw, Psw.EA | Psw.BA | Psw.Wait, IoWait).Stop().Image());
    }

    public Machine Machine { get; }
    public List<string> Trace { get; } = new();
    public KvmVm Kvm => Machine.Kvm;
    public KvmVcpu Vcpu => Machine.Boot;
    public Cpu Cpu => Machine.Boot.Cpu;
    public Gisa Gisa => Kvm.Gisa!;
    public Gib Gib() => Kvm.Gib!;
    /// <summary>The machine's adapter-interruption virtualization (GISA posting, GIB alerts, the GAL).</summary>
    public AivFacility Aiv => Machine.Hardware.Aiv;
    public ApMatrixMdev Mdev => Machine.VfioAp!.Mdev!;
    public VfioApDevice Device => Machine.VfioAp!;
    public ApBus Bus => Machine.VfioAp!.Bus;
    public ApQueue Queue(ushort apqn = 0x0504) => Bus.Hardware.Queue(apqn)!;
    public VfioApQueue? Record(ushort apqn = 0x0504) => Bus.VfioAp.QueueRecord(apqn);
    public int Pins(ulong gfn) => Kvm.Iommu.PinCount(gfn);
    public int Refs(int gisc = 6) => Gisa.RefCount(gisc);

    /// <summary>Events of one name in the trace (the text after the cycle stamp).</summary>
    public List<string> Events(TraceEvent e)
    {
        lock (Trace) return Trace.Select(l => l[(l.IndexOf(']') + 2)..]).Where(l => l.StartsWith(e.Name + ":", StringComparison.Ordinal) || l == e.Name).ToList();
    }

    public ulong Count(TraceEvent e) => Machine.Events[e];

    /// <summary>The outcome of one guest PQAP.</summary>
    public readonly record struct Outcome(int Cc, ushort Pgm, ulong Gr1, ulong Gr2, ulong OldPswAddr, ushort Ilc);

    /// <summary>
    /// Runs PQAP with the given registers (and condition code) at <see cref="Code"/>, then IPM and SIGP
    /// STOP; a program interruption ends in the program-check disabled wait instead.
    /// </summary>
    public Outcome Pqap(ulong gr0, ulong gr1 = 0, ulong gr2 = 0, bool problemState = false, int ccBefore = 0) =>
        Exec([0xB2, 0xAF, 0x00, 0x00], gr0, gr1, gr2, problemState, ccBefore);

    /// <summary>Runs one 4-byte instruction the same way (NQAP/DQAP with R1 = 4, R2 = 6 use GR4-GR7).</summary>
    public Outcome Exec(byte[] insn, ulong gr0, ulong gr1 = 0, ulong gr2 = 0, bool problemState = false, int ccBefore = 0)
    {
        // INSN ; IPM 9 ; LGHI 3,0 ; SIGP 0,3,5
        var code = new TestGuest().Bytes(insn).Asm("IPM", r1: 9).Stop();
        var bytes = code.CodeBytes();
        bytes.CopyTo(Kvm.Memory.Span(Code, bytes.Length));
        Machine.Kvm.NotifyGuestMemoryWritten(Code, (ulong)bytes.Length);
        var c = Cpu;
        c.G[0] = gr0; c.G[1] = gr1; c.G[2] = gr2; c.G[9] = 0;
        Kvm.Memory.Span(Lowcore.PgmCode, 2).Clear();
        c.LoadPsw(Psw.EA | Psw.BA | (problemState ? Psw.Problem : 0) | ((ulong)ccBefore << 44), Code);
        Vcpu.Stopped = false;
        var r = Machine.Run();
        ushort pgm = 0;
        ulong old = 0;
        ushort ilc = 0;
        int cc = -1;
        if (r.End == RunEnd.Stopped) cc = (int)((c.G[9] >> 28) & 3);
        else
        {
            if (c.PswAddr != TestGuest.ProgramCheckWait) throw new InvalidOperationException($"unexpected end {r.End}: {r.Message}");
            pgm = Be16(Lowcore.PgmCode);
            ilc = Be16(Lowcore.PgmIlc);
            old = Be64(Lowcore.PgmOldPsw + 8);
        }
        return new Outcome(cc, pgm, c.G[1], c.G[2], old, ilc);
    }

    public Outcome Enable(ulong nib = Nib, int isc = 6, ushort apqn = 0x0504) => Pqap(0x0300_0000UL | apqn, 0x0000_8000_0000_0000UL | (uint)isc, nib);
    public Outcome Disable(ushort apqn = 0x0504) => Pqap(0x0300_0000UL | apqn);

    public ushort Be16(int off) { var s = Kvm.Memory.Span((ulong)off, 2); return (ushort)(s[0] << 8 | s[1]); }
    public uint Be32(int off) { var s = Kvm.Memory.Span((ulong)off, 4); return (uint)(s[0] << 24 | s[1] << 16 | s[2] << 8 | s[3]); }
    public ulong Be64(int off) => ((ulong)Be32(off) << 32) | Be32(off + 4);

    public void Dispose() => Machine.Dispose();
}
