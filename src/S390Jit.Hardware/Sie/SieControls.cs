using System.Buffers.Binary;
using System.Numerics;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Hardware.Aiv;
using S390Jit.Hardware.Tracing;
using S390Jit.Memory;

namespace S390Jit.Hardware.Sie;

/// <summary>
/// The SIE's controls for one guest CPU (loaded from the state description at SIE entry) and what the
/// SIE does while the guest runs: the intercept decision from the instruction table (a row's SIE
/// action, or its check function for conditional rows) with the interception it records, and the
/// adapter-interruption virtualization that presents GISA interruptions to the guest directly.
/// The CPU reaches it through <see cref="IInterpretiveExecution"/>.
/// </summary>
public sealed unsafe class SieControls : IInterpretiveExecution
{
    /// <summary>Execution-control A (ECA): <see cref="StateDescription.EcaAiv"/>, <see cref="StateDescription.EcaApie"/>.</summary>
    public uint Eca;
    public uint Ictl;
    public uint Crycbd;
    /// <summary>GISA designation (origin | format).</summary>
    public uint Gd;
    /// <summary>
    /// Host pointer to the GISA the SIE presents adapter interruptions from (set at SIE entry when
    /// ECA.AIV is on and GD designates live host storage; 0 otherwise).
    /// </summary>
    public nint Gisa;

    /// <summary>The interception the SIE recorded (IPA, IPB; via EXECUTE: KVM's icptstatus bit).</summary>
    public ushort InterceptIpa;
    public uint InterceptIpb;
    public bool InterceptViaExecute;

    /// <summary>Where the SIE reports what it presents itself.</summary>
    public TraceLog? Trace;

    public bool ApInterpretation => (Eca & StateDescription.EcaApie) != 0;

    public bool Intercepts(Cpu cpu, InsnDef def, ref Insn insn)
    {
        if (def.Sie != SieAction.Intercept && !def.SieCheckFn(cpu, ref insn)) return false;
        InterceptIpa = insn.Ipa;
        InterceptIpb = insn.Ipb;
        InterceptViaExecute = cpu.IssueAddr != cpu.InstrAddr;
        return true;
    }

    public bool PresentInterruption(Cpu cpu) => Gisa != 0 && DeliverGisaInterruption(cpu);

    public bool InterruptionDeliverable(Cpu cpu) => Gisa != 0 && GisaDeliverable(cpu) != 0;

    /// <summary>The GISA's IPM bits the CPU is enabled for now (PSW I/O bit and CR6 ISC mask).</summary>
    private byte GisaDeliverable(Cpu cpu)
    {
        if ((cpu.PswMask & Psw.Io) == 0) return 0;
        ulong w = BigEndian.U64((byte*)Gisa);
        return (byte)((w >> 24) & (cpu.Cr[6] >> 24) & 0xFF);
    }

    /// <summary>
    /// Adapter-interruption virtualization (ECA.AIV with a GISA): presents the highest-priority pending
    /// ISC of the GISA's IPM the guest is enabled for as an I/O adapter interruption (interruption
    /// identification 0x80000000 | ISC &lt;&lt; 27, subchannel id and parameter 0), clearing the IPM bit
    /// atomically (the first doubleword of the GISA: next-alert, IPM, IAM).
    /// </summary>
    private bool DeliverGisaInterruption(Cpu cpu)
    {
        var p = (long*)Gisa;
        while (true)
        {
            long raw = Volatile.Read(ref *p);
            ulong w = BinaryPrimitives.ReverseEndianness((ulong)raw);
            uint pending = (uint)((w >> 24) & 0xFF) & (uint)((cpu.Cr[6] >> 24) & 0xFF);
            if ((cpu.PswMask & Psw.Io) == 0 || pending == 0) return false;
            int isc = BitOperations.LeadingZeroCount(pending) - 24;
            ulong nw = w & ~((0x80UL >> isc) << 24);
            long nraw = (long)BinaryPrimitives.ReverseEndianness(nw);
            if (Interlocked.CompareExchange(ref *p, nraw, raw) != raw) continue;
            AdapterInterruption.Deliver(cpu, isc);
            Trace?.Emit(MachineTrace.SieDeliverIoAdapter, cpu.Cycles, (cpu.CpuAddress, isc));
            return true;
        }
    }
}
