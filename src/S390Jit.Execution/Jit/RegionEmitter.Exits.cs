using System.Reflection.Emit;

namespace S390Jit.Execution.Jit;

/// <summary>Exits: the exit code and index, constant exit sites the dispatcher chains through.</summary>
public sealed unsafe partial class RegionEmitter
{
    private void EmitExit(int code, int index)
    {
        EmitI4(code | (index << CodeBits));
        _il.Emit(OpCodes.Stloc, _exitCode);
        BranchToExit(); // the exit block stores only the resident registers: the block's written ones are stored on the way
    }

    /// <summary>An exit on a path where the block's written registers are already stored.</summary>
    private void EmitExitFlushed(int code, int index)
    {
        EmitI4(code | (index << CodeBits));
        _il.Emit(OpCodes.Stloc, _exitCode);
        _il.Emit(OpCodes.Br, _exit);
    }

    /// <summary>Constant targets of region exits, by exit site (site 0 means "look the PSW up").</summary>
    public List<ulong> ExitSites { get; } = [0];

    /// <summary>Leaves the region for a constant address: the site index lets the dispatcher chain to the target's region without a lookup.</summary>
    public void ExitTo(ulong psw)
    {
        // the PSW is not stored: the dispatcher takes it from the site (RegionData.ExitTargets)
        ExitSites.Add(psw);
        EmitExit(ExitContinue, ExitSites.Count - 1);
    }

    /// <summary>Measurement only (S390JIT_COMPILE_AB=drop:PART, the compile that never runs): leave PART out
    /// (flush: the stores in flush stubs, way1: the way-1 compares, charge, bear, evcheck, codemod, temps: temporaries reused across instructions).</summary>
    internal static string? AbDrop;
    private static bool Drop(string part) => AbDrop != null && AbDrop.Contains(part);

    /// <summary>Shared store sequences and way-1 compares emitted so far (compile profile).</summary>
    internal int FlushStubCount => _flushStubs.Count;
    internal int Way1StubCount => _way1Stubs.Count;

    public void ExitProgramInterruption() => EmitExit(ExitProgram, CurrentIndex);

    public void ExitStepBlock(ulong blockAddr, int blockIndex)
    {
        // the PSW is not stored: the dispatcher takes it from the block (RegionData.BlockStarts)
        EmitExit(ExitStep, blockIndex);
    }
}
