using S390Jit.Execution.Native;

namespace S390Jit.Tests.Execution;

/// <summary>
/// The native first tier (<see cref="NativeBlocks"/>): the assembler's code runs, and every first-tier scenario of
/// <see cref="FirstTierTests"/> (stores into the running block, events and program interruptions inside blocks, page
/// crossings, EXECUTE) gives the interpreter's state with every block translated at its first entry.
/// </summary>
[NonParallelizable]
public class NativeTierTests : FirstTierTests
{
    private bool _enabled;
    private int _after, _alone;

    [SetUp]
    public void TranslateEveryBlock()
    {
        if (!ExecutableMemory.Available) Assert.Ignore("native code needs Linux on x86-64");
        (_enabled, _after, _alone) = (NativeBlocks.Enabled, NativeBlocks.After, NativeBlocks.AfterAlone);
        (NativeBlocks.Enabled, NativeBlocks.After, NativeBlocks.AfterAlone) = (true, 1, 1);
    }

    [TearDown]
    public void Restore() => (NativeBlocks.Enabled, NativeBlocks.After, NativeBlocks.AfterAlone) = (_enabled, _after, _alone);

    [Test]
    public unsafe void Assembled_code_runs()
    {
        // f(p) = bswap([p]) * 3 + 5, also stored big-endian at [p + 8]; every operand form the emitter uses once
        var a = new X64Assembler();
        a.Push(Reg.Rbx);
        a.Load64(Reg.Rax, Reg.Rdi, 0);
        a.Bswap(Reg.Rax, true);
        a.MovImm(Reg.Rcx, 3);
        a.IMul(Reg.Rax, Reg.Rcx);
        a.AluImm(X64Assembler.Add, Reg.Rax, 5);
        a.MovRR(Reg.Rbx, Reg.Rax);
        a.Bswap(Reg.Rbx, true);
        a.MovImm(Reg.R9, 8);
        a.Store64(Reg.Rdi, 0, Reg.Rbx, Reg.R9);
        int skip = a.NewLabel();
        a.AluImm(X64Assembler.Cmp, Reg.Rax, 1000);
        a.Jcc(Cond.B, skip);
        a.MovImm(Reg.Rax, ulong.MaxValue);
        a.Bind(skip);
        a.Pop(Reg.Rbx);
        a.Ret();
        byte* code = ExecutableMemory.Place(a.Finish());
        Assert.That((nint)code, Is.Not.Zero);
        ulong* data = stackalloc ulong[2];
        data[0] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(100UL);
        ulong r = ((delegate* unmanaged<ulong*, ulong>)code)(data);
        Assert.That(r, Is.EqualTo(305UL));
        Assert.That(System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(data[1]), Is.EqualTo(305UL));
        data[0] = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(400UL);
        Assert.That(((delegate* unmanaged<ulong*, ulong>)code)(data), Is.EqualTo(ulong.MaxValue));
    }
}
