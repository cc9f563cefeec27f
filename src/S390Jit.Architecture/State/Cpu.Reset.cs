namespace S390Jit.Architecture.State;

/// <summary>The CPU resets of the PoO (chapter 4, "Resets"), from the least to the most thorough.</summary>
public enum CpuResetKind
{
    /// <summary>CPU reset: pending interruption conditions and the TLB cleared; registers and the PSW kept.</summary>
    Cpu,
    /// <summary>Initial CPU reset: a CPU reset, and the PSW, prefix, timers, FPC and BEAR zeroed, the control registers set to their initial values.</summary>
    Initial,
    /// <summary>Clear reset (the CPU's part): an initial CPU reset, and the general, access and floating-point/vector registers zeroed.</summary>
    Clear,
}

public partial class Cpu
{
    /// <summary>Initial value of CR0 after an initial CPU reset (bits 56-58: the external subclass masks of the restart set-up).</summary>
    public const ulong Cr0Initial = 0xE0;
    /// <summary>Initial value of CR14 after an initial CPU reset (bits 32, 33, 38: channel-report machine checks and their extended save area).</summary>
    public const ulong Cr14Initial = 0xC200_0000;

    /// <summary>The state of a new CPU (a clear reset): registers, PSW, prefix and timers zero, CR0 = 0xE0, CR14 = 0xC2000000.</summary>
    public void InitialReset() => Reset(CpuResetKind.Clear);

    /// <summary>
    /// Performs a CPU reset of <paramref name="kind"/>. Every kind drops what the CPU has pending for the
    /// current instruction (a PER event) and clears the TLB; the stopped state is the caller's (the
    /// machine's) business.
    /// </summary>
    public void Reset(CpuResetKind kind)
    {
        PerPending = 0;
        if (kind >= CpuResetKind.Initial)
        {
            PswMask = 0; PswAddr = 0; Cc = 0;
            Cr = default;
            Cr[0] = Cr0Initial;
            Cr[14] = Cr14Initial;
            Prefix = 0;
            Ckc = 0;
            CpuTimer = 0;
            TodProgrammable = 0;
            Fpc = 0;
            Bear = 0;
        }
        if (kind == CpuResetKind.Clear)
        {
            G = default; V = default; A = default;
        }
        UpdateAddressingMode();
        // the reset clears the TLB (and the prefix may have changed): no translation survives
        DatTlb.Clear();
        ResetTranslationContext();
        RecheckEvents();
    }
}
