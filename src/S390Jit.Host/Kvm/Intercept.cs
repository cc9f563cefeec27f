using S390Jit.Architecture.State;

namespace S390Jit.Host.Kvm;

// intercept.c: the instruction-intercept dispatch (handle_instruction). The handlers are in the files
// Linux has them in: Priv.cs (priv.c), Sigp.cs (sigp.c), Diag.cs (diag.c).
public sealed partial class KvmVcpu
{
    /// <summary>
    /// An instruction intercept (ICPTCODE 0x04): dispatch on the first opcode byte of IPA, then on the
    /// second. Returns false when the intercept goes to user space (the VMM), as KVM returns -EOPNOTSUPP.
    /// A guest access in a handler that raises an exception injects it, as KVM does.
    /// </summary>
    public bool HandleInstructionIntercept()
    {
        ushort ipa = SieBlock.InterceptIpa;
        try
        {
            return (ipa >> 8) switch
            {
                0x83 => HandleDiag(),
                0xAE => HandleSigp(),
                0xB2 => HandleB2((byte)ipa),
                _ => false,
            };
        }
        catch (ProgramInterruptException e)
        {
            InjectProgramInterruption(e.Code);
            return true;
        }
    }
}
