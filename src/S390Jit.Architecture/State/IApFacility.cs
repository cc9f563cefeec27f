namespace S390Jit.Architecture.State;

/// <summary>
/// The adjunct-processor (AP) facility as one CPU sees it: the machine's AP firmware behind PQAP,
/// NQAP and DQAP. The machine layer implements it (S390Jit.Hardware.Ap.ApFirmware): it reaches the
/// adapters and queues and, for a CPU running under SIE with ECA.APIE, the CRYCB the state
/// description designates (so the Architecture layer knows nothing of CRYCB formats or vfio_ap).
/// <para>
/// Division of work: the semantic bodies (Semantics/Crypto.cs) decode the registers, raise the
/// architectural program exceptions (privileged operation, specification) and write results back
/// to the registers and the condition code; everything that depends on the configuration or on queue
/// state is asked here. Status results are the 32-bit AP queue status word (APQSW: E, R, F, I bits and
/// the response code, <see cref="ApStatus"/>). Implementations charge their modelled cycles to
/// <see cref="Cpu.Cycles"/> and may raise access exceptions through the CPU's storage access while
/// transferring a message (before changing any queue state).
/// </para>
/// </summary>
public interface IApFacility
{
    /// <summary>
    /// AP extended addressing (APXA: APID 0-255, APQI 0-255) in this CPU's configuration: natively the
    /// machine's, under SIE a format-2 CRYCB. Without it only APID 0-63 and APQI 0-15 are valid.
    /// </summary>
    bool Apxa(Cpu cpu);

    /// <summary>PQAP(TAPQ): queue status; <paramref name="info"/> is the GR2 value TAPQ with T=1 stores (spec 1.10).</summary>
    uint TestQueue(Cpu cpu, ushort apqn, out ulong info);

    /// <summary>PQAP(RAPQ) / PQAP(ZAPQ): reset (and zeroize) the queue.</summary>
    uint ResetQueue(Cpu cpu, ushort apqn, bool zeroize);

    /// <summary>PQAP(AQIC) executed natively (under SIE it always intercepts): GR1 = qirqctrl, GR2 = NIB address.</summary>
    uint InterruptControl(Cpu cpu, ushort apqn, ulong qirqctrl, ulong nib);

    /// <summary>PQAP(QCI): fills the 128-byte configuration information block (spec 1.11).</summary>
    void QueryConfiguration(Cpu cpu, Span<byte> block);

    /// <summary>PQAP(QACT): <paramref name="apInfo"/> is GR1 on input, <paramref name="result"/> the GR2 value.</summary>
    uint QueryCompatibility(Cpu cpu, ushort apqn, ulong apInfo, out ulong result);

    /// <summary>NQAP: transfers (part of) a request message; returns the condition code (spec 1.7).</summary>
    int Enqueue(Cpu cpu, ref ApTransfer t);

    /// <summary>DQAP: transfers (part of) a reply message; returns the condition code (spec 1.7).</summary>
    int Dequeue(Cpu cpu, ref ApTransfer t);
}

/// <summary>The operands of one NQAP or DQAP execution, in and out.</summary>
public struct ApTransfer
{
    /// <summary>GR0: APQN in bits 48-63 and the instruction's flag bits; updated on partial completion.</summary>
    public ulong Gr0;
    /// <summary>Program-supplied message id (NQAP: input from the R1 pair; DQAP: output).</summary>
    public ulong Psmid;
    /// <summary>The R2 pair: message address and remaining length, advanced by the bytes transferred.</summary>
    public ulong Address, Length;
    /// <summary>DQAP: GR2, the reply bytes not yet stored.</summary>
    public ulong Residual;
    /// <summary>The APQSW for GR1 (condition codes 0, 1 and 3).</summary>
    public uint Status;

    public readonly ushort Apqn => (ushort)Gr0;
}

/// <summary>AP queue status word (APQSW) bits and response codes (spec 1.5, 1.6).</summary>
public static class ApStatus
{
    /// <summary>E: queue empty; R: replies waiting; F: queue full; I: interruptions enabled.</summary>
    public const uint Empty = 0x8000_0000, Replies = 0x4000_0000, Full = 0x2000_0000, IrqEnabled = 0x0100_0000;

    public const byte Normal = 0x00, QueueNotAvailable = 0x01, ResetInProgress = 0x02, Deconfigured = 0x03,
        Checkstopped = 0x04, Busy = 0x05, InvalidAddress = 0x06, OtherwiseChanged = 0x07, InvalidGisa = 0x08,
        QueueFull = 0x10, NoPendingReply = 0x10, IndexTooBig = 0x11, NoFirstPart = 0x13, MessageTooBig = 0x15,
        RequestedFacilityNotInstalled = 0x16, InvalidDomain = 0x42;

    public static uint Make(byte rc, uint bits = 0) => bits | ((uint)rc << 16);
    public static byte Rc(uint status) => (byte)(status >> 16);
}
