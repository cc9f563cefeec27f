namespace S390Jit.Architecture.State;

/// <summary>What a debugger (the gdb stub) needs from a CPU beyond its registers.</summary>
public unsafe partial class Cpu
{
    /// <summary>
    /// When set, every operand fetch goes through the slow path and reports its absolute address here
    /// (read watchpoints). Null in normal runs: the fast path is untouched.
    /// </summary>
    public Action<ulong>? FetchWatch;

    /// <summary>
    /// The absolute address a debugger's virtual address designates in the current translation mode
    /// (the primary space, the secondary or home space in those modes; real = virtual without DAT),
    /// without side effects: no exception, no TLB fill, no reference bit. False when it does not translate.
    /// </summary>
    public bool DebugTranslate(ulong vaddr, out ulong abs)
    {
        abs = 0;
        ulong real = vaddr;
        if ((PswMask & Psw.Dat) != 0)
        {
            ulong asce = Asc switch { Space.Home => Cr[13], Space.Secondary => Cr[7], _ => Cr[1] };
            try
            {
                var r = Walk(vaddr, asce);
                if (r.Code != 0) return false;
                real = r.Real;
            }
            catch (ProgramInterruptException) { return false; }
        }
        abs = RealToAbsolute(real);
        return abs < MemSize;
    }
}
