using S390Jit.Architecture.State;
using S390Jit.Execution;

namespace S390Jit.Hardware.Sie;

/// <summary>
/// START INTERPRETIVE EXECUTION as the machine's processors perform it for the host: enter with a
/// state description, run the guest CPU until the SIE must give control back, store the interception
/// in the state description and return its code.
/// <para>
/// The guest's registers live in the <see cref="Cpu"/> (the vcpu's save area) throughout; at entry
/// the SIE loads its controls (ECA, ICTL, CRYCBD, GD, facility list) from the state description into
/// the CPU's <see cref="SieControls"/> (and gives the CPU the machine's AP facility), and at exit it
/// stores the guest PSW, control registers, prefix, timers and the interception fields there, so the
/// host model and its tests see what real KVM sees. How the processor executes the guest's
/// instructions (<see cref="Engine"/>) is the machine's business: the host only issues SIE.
/// </para>
/// </summary>
public sealed class SieFacility
{
    /// <summary>Modelled cost of one SIE entry plus exit, in cycles.</summary>
    public const ulong EntryExitCycles = 400;

    internal SieFacility(HostMachine machine) { Machine = machine; }

    public HostMachine Machine { get; }

    /// <summary>How the processors execute guest instructions (the VMM chooses: interpreter or JIT).</summary>
    public IExecutionEngine Engine { get; set; } = new Execution.Interpreter.Interpreter();

    /// <summary>SIE with the state description <paramref name="sd"/>: runs <paramref name="cpu"/> and returns the interception code.</summary>
    public byte Run(Cpu cpu, StateDescription sd)
    {
        if (cpu.Sie is not SieControls ctl) cpu.Sie = ctl = new SieControls { Trace = Machine.Trace };
        ctl.Eca = sd.ExecutionControlA;
        ctl.Ictl = sd.InterceptionControls;
        ctl.Crycbd = sd.CrycbDesignation;
        ctl.Gd = sd.GisaDesignation;
        ctl.Gisa = GisaPointer(sd, ctl);
        cpu.Ap = Machine.ApFirmware;
        LoadFacilityList(cpu, sd);
        cpu.Cycles += EntryExitCycles;
        cpu.RecheckEvents();

        // while the guest runs with a GISA, the machine leaves presenting its interruptions to the SIE
        var gisaUsers = ctl.Gisa != 0 ? Machine.Aiv.SieUsersOf(ctl.Gd & 0x7FFF_FFF0) : null;
        if (gisaUsers != null) Interlocked.Increment(ref gisaUsers.Value);
        CpuExit exit;
        try { exit = Engine.Run(cpu); }
        finally { if (gisaUsers != null) Interlocked.Decrement(ref gisaUsers.Value); }

        byte code = exit switch
        {
            CpuExit.Instruction => InterceptCode.Instruction,
            CpuExit.Wait => InterceptCode.WaitState,
            CpuExit.InterruptRequest => cpu.HostIoRequest != 0 && (cpu.PswMask & Psw.Io) != 0 ? InterceptCode.IoRequest : InterceptCode.ExternalRequest,
            _ => InterceptCode.None,
        };
        if (cpu.PendingLoop != InterruptionLoop.None)
        {
            code = cpu.PendingLoop == InterruptionLoop.Program ? InterceptCode.ProgramInterruption : InterceptCode.ExternalInterruption;
            cpu.PendingLoop = InterruptionLoop.None;
        }
        sd.InterceptCode = code;
        if (code == InterceptCode.Instruction)
        {
            sd.InterceptIpa = ctl.InterceptIpa;
            sd.InterceptIpb = ctl.InterceptIpb;
            sd.Host.WriteU8(sd.Address + StateDescription.IcptStatus, (byte)(ctl.InterceptViaExecute ? 1 : 0));
        }
        StoreGuestState(cpu, sd);
        return code;
    }

    /// <summary>
    /// Adapter-interruption virtualization: with ECA.AIV and a GISA designation (31-bit origin, 16-byte
    /// aligned; bit 31 = format 1) the SIE presents interruptions pending in the GISA's IPM itself.
    /// </summary>
    private static unsafe nint GisaPointer(StateDescription sd, SieControls ctl)
    {
        if ((ctl.Eca & StateDescription.EcaAiv) == 0 || ctl.Gd == 0) return 0;
        ulong origin = ctl.Gd & 0x7FFF_FFF0;
        return sd.Host.IsLive(origin, 16) ? (nint)sd.Host.Pointer(origin, 16) : 0;
    }

    private static void LoadFacilityList(Cpu cpu, StateDescription sd)
    {
        uint fac = sd.FacilityList;
        if (fac == 0) return;
        for (int i = 0; i < cpu.Facilities.Length; i++)
            cpu.Facilities[i] = sd.Host.ReadU64(fac + (ulong)i * 8);
    }

    private static void StoreGuestState(Cpu cpu, StateDescription sd)
    {
        sd.Write64(StateDescription.GuestPsw, cpu.FullPswMask);
        sd.Write64(StateDescription.GuestPsw + 8, cpu.PswAddr);
        for (int i = 0; i < 16; i++) sd.Write64(StateDescription.GuestCr + i * 8, cpu.Cr[i]);
        sd.Write32(StateDescription.Prefix, cpu.Prefix);
        sd.Write64(StateDescription.CpuTimer, (ulong)cpu.CpuTimer);
        sd.Write64(StateDescription.ClockComparator, cpu.Ckc);
        sd.Write64(StateDescription.Epoch, cpu.TodEpoch);
    }
}
