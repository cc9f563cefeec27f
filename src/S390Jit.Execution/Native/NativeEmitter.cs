using System.Runtime.CompilerServices;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using static S390Jit.Execution.Native.X64Assembler;

namespace S390Jit.Execution.Native;

/// <summary>
/// Emits the x86-64 code of one native block (<see cref="NativeBlocks"/>), entered through <see cref="EntryStub"/> with the
/// address of the CPU's general registers (<see cref="Cpu.G"/>; every other field it touches is at a fixed distance from
/// them in the pinned <see cref="Cpu"/>) in rdi. The code starts with the block's first instruction. Each value a body makes gets the
/// next register of a pool for the rest of its instruction (a slot of the stack frame when the pool is spent); rax, rcx,
/// rdx, r8 and r9 are scratch: translation is a single pass over the bodies, no register allocation. Guest registers are
/// loaded when an instruction reads them and stored when it completes. The function returns the number of instructions
/// of its block it completed (bit 16: the last one branched), or jumps on into the next block's code (<see cref="ChainOrReturn"/>).
/// </summary>
public sealed class NativeEmitter
{
    public const int TakenBit = 1 << 16;
    private const Reg Base = Reg.Rdi;
    private const int Slots = 96;
    private const int FrameBytes = Slots * 8 + 8; // (8 more: the stack stays 16-byte aligned at the call)

    internal readonly X64Assembler A = new();

    // field offsets from G (the same for every Cpu: fields of one class)
    private static int s_offReadTlb, s_offWriteTlb, s_offCcOp, s_offCcSrc, s_offCcDst, s_offPswAddr, s_offBear;
    private static int s_offExecTlb, s_offV, s_offCr, s_offRegionLast, s_offJitChains, s_offRegionTargets, s_offChainMask, s_offPswMask;
    private static int s_offCycles, s_offInstructions, s_offEventCycle, s_offIssueAddr, s_offInstrAddr, s_offInstrLength, s_offLast, s_offBudget, s_offTargets;
    private static bool s_offsetsKnown;

    public ulong InstrAddr, NextAddr, AddrMask;
    public int Mode;
    public ulong ExtraCycles;

    private int _slots;
    /// <summary>Pool registers (bit i: <c>s_pool[i]</c>) holding a value of the current instruction or one kept across instructions.</summary>
    private int _busy;
    /// <summary>
    /// What the block's code holds across its instructions (valid from the instruction that made it to the block's end; every
    /// write is also stored, so an exit never needs these): each guest register's current value in a pool register or a
    /// constant, when known, with the instruction that last used it; and the operands of the condition code an earlier
    /// instruction of the block set (<see cref="_knownOp"/>).
    /// </summary>
    private readonly XVal?[] _cacheG = new XVal?[16];
    private readonly int[] _lastUse = new int[16];
    /// <summary>Some guest register's value was kept since the block started (conservative: <see cref="KeepAcross"/>'s shortcut).</summary>
    private bool _anyCached;
    private XVal? _knownSrc, _knownDst;
    /// <summary>At most this many pool registers stay held across instructions (the rest is for the instruction's own values; S390JIT_NATIVE_KEEP).</summary>
    internal static int MaxKept = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_NATIVE_KEEP"), out int mk) && mk >= 0 ? Math.Min(mk, 8) : 4;
    private readonly XVal?[] _pendG = new XVal?[16];
    private readonly XVal?[] _readG = new XVal?[16];
    private readonly XVal?[] _pendF = new XVal?[16];
    private readonly XVal?[] _readF = new XVal?[16];
    private readonly List<(int Size, XVal Ptr, XVal Value)> _stores = new();
    private bool _ccPending, _ccConstOnly;
    private CcOp _ccOp;
    private XVal _ccSrc, _ccDst, _ccVr;
    /// <summary>The rule of the condition code an earlier instruction of this block committed (null: set before the block).</summary>
    private CcOp? _knownOp;
    private XVal? _jumpCond, _jumpTarget;
    private int _exit;
    private int _index;
    /// <summary>Exit labels by instruction index (the instruction did not complete: return its index).</summary>
    private readonly List<(int Label, int Index)> _exits = new();

    public static void LearnOffsets(Cpu cpu)
    {
        if (s_offsetsKnown) return;
        s_offReadTlb = Off(cpu, ref cpu.ReadTlb);
        s_offWriteTlb = Off(cpu, ref cpu.WriteTlb);
        s_offCcOp = Off(cpu, ref cpu.CcOp);
        s_offCcSrc = Off(cpu, ref cpu.CcSrc);
        s_offCcDst = Off(cpu, ref cpu.CcDst);
        s_offPswAddr = Off(cpu, ref cpu.PswAddr);
        s_offBear = Off(cpu, ref cpu.Bear);
        s_offExecTlb = Off(cpu, ref cpu.ExecTlb);
        s_offV = Off(cpu, ref cpu.V);
        s_offRegionLast = Off(cpu, ref cpu.NativeRegionLast);
        s_offJitChains = Off(cpu, ref cpu.JitChains);
        s_offRegionTargets = Off(cpu, ref cpu.NativeRegionTargets);
        s_offChainMask = Off(cpu, ref cpu.JitChainMask);
        s_offPswMask = Off(cpu, ref cpu.PswMask);
        s_offCr = Off(cpu, ref cpu.Cr);
        s_offCycles = Off(cpu, ref cpu.Cycles);
        s_offInstructions = Off(cpu, ref cpu.Instructions);
        s_offEventCycle = Off(cpu, ref cpu.EventCycle);
        s_offIssueAddr = Off(cpu, ref cpu.IssueAddr);
        s_offInstrAddr = Off(cpu, ref cpu.InstrAddr);
        s_offInstrLength = Off(cpu, ref cpu.InstrLength);
        s_offLast = Off(cpu, ref cpu.NativeLast);
        s_offBudget = Off(cpu, ref cpu.NativeBudget);
        s_offTargets = Off(cpu, ref cpu.NativeTargets);
        s_offsetsKnown = true;
    }

    private static int Off<T>(Cpu cpu, ref T f) =>
        (int)Unsafe.ByteOffset(ref Unsafe.As<Regs16, byte>(ref cpu.G), ref Unsafe.As<T, byte>(ref f));

    /// <summary>Registers that hold values, in the order they are handed out (the entry stub saves the callee-saved ones).</summary>
    private static readonly Reg[] s_pool = [Reg.Rsi, Reg.R10, Reg.R11, Reg.Rbx, Reg.Rbp, Reg.R12, Reg.R13, Reg.R14, Reg.R15];
    private int _ret;
    private nint _desc;

    /// <summary>
    /// Set by the translator before <see cref="Commit"/> of an instruction: whether it is the block's last, and then the
    /// block's instruction count, cycles and the length of that instruction (what a chain into the next block accounts).
    /// </summary>
    public bool IsLast;
    public int BlockInsns, LastLength;
    public ulong BlockCycles;

    /// <summary>
    /// Translating a region (<see cref="NativeRegions"/>) instead of a first-tier block: an instruction that does not complete
    /// returns <c>ExitReexecute | index &lt;&lt; CodeBits</c> (the region's result, <see cref="Jit.RegionEmitter"/>), a taken
    /// branch goes on in the block at its target (<see cref="RegionLabel"/>) or leaves through an exit site
    /// (<see cref="ExitSites"/>), and the code returns straight to the entry stub (no <see cref="Cpu.NativeLast"/>).
    /// </summary>
    public bool InRegion { get; private set; }
    /// <summary>In a region: the label of the region's block at a (masked) constant address, or -1.</summary>
    public Func<ulong, int> RegionLabel = _ => -1;
    /// <summary>In a region: the constant targets of its exits by site (site 0: a computed exit, which stores the PSW).</summary>
    public readonly List<ulong> ExitSites = [0];
    /// <summary>In a region: the region's block labels its code jumped to (checked against the event bounds).</summary>
    public readonly List<int> Edges = new();
    /// <summary>In a region keyed with the fixed-point-overflow mask off: bodies skip the overflow (the interpreter does not raise it).</summary>
    public bool NoFixedOverflow { get; private set; }

    /// <summary>
    /// In a region: its exit sites' links (<see cref="NativeRegions"/>: an entry descriptor of a region the site leads to, or 0;
    /// <see cref="MaxLinks"/> of them), the address its blocks count their instructions at (the region's heat), and whether it
    /// is keyed with DAT (a link is followed only while instruction fetch translates the target's page to its frame).
    /// </summary>
    private nint _links, _heat;
    private int _maxLinks, _chain, _lookup;
    private bool _dat;
    private ulong _keyBits, _asce;

    /// <summary>Starts a region (<see cref="InRegion"/>).</summary>
    public void ResetRegion(int mode, bool fixedOverflowMask, bool dat, nint links, int maxLinks, nint heat, ulong keyBits, ulong asce)
    {
        Reset(mode, 0);
        _keyBits = keyBits;
        _asce = asce;
        _lookup = A.NewLabel();
        _links = links;
        _maxLinks = maxLinks;
        _heat = heat;
        _dat = dat;
        _chain = A.NewLabel();
        InRegion = true;
        NoFixedOverflow = !fixedOverflowMask;
        ExitSites.Clear();
        ExitSites.Add(0);
        Edges.Clear();
    }

    /// <summary>A block of a region starts (it may be entered from anywhere: the condition code's rule is not known).</summary>
    public void BeginBlock() => ForgetKept();

    /// <summary>Forgets what the code holds across instructions (a block start: control may come from elsewhere).</summary>
    private void ForgetKept()
    {
        _knownOp = null;
        _knownSrc = _knownDst = null;
        Array.Clear(_cacheG);
        _anyCached = false;
    }

    /// <summary>In a region: leaves for the constant address <paramref name="target"/> (the dispatcher takes the PSW from the site).</summary>
    public void ExitTo(ulong target)
    {
        ExitSites.Add(target);
        int site = ExitSites.Count - 1;
        if (site >= _maxLinks) { Return(Jit.RegionEmitter.ExitContinue | site << Jit.RegionEmitter.CodeBits); return; }
        A.MovImm(Reg.Rax, (uint)(Jit.RegionEmitter.ExitContinue | site << Jit.RegionEmitter.CodeBits));
        A.MovImm(Reg.Rcx, (uint)(site * 8));
        A.Jmp(_chain);
    }

    /// <summary>
    /// In a region, after its blocks: the exit sites' shared tail (eax the result, ecx the site's offset in the links): goes on
    /// in the region entry the site is linked to when there is one, its region is alive and, under DAT, instruction fetch
    /// still translates its page to the frame it was compiled from (else returns eax to the dispatcher, which links and checks
    /// in full); names the entry in <see cref="Cpu.NativeRegionLast"/> and counts the chain (<see cref="Cpu.JitChains"/>).
    /// The entry's own code checks the event bound (an entry stub, or its block's check point).
    /// </summary>
    public void EmitChainTail()
    {
        bool chain = A.IsUsed(_chain), lookup = A.IsUsed(_lookup);
        if (!chain && !lookup) return;
        int ret = A.NewLabel(), follow = A.NewLabel();
        if (lookup)
        {
            // a computed exit (rax: the target, stored in the PSW): the entry of the engine's table at the target, of this key
            A.Bind(_lookup);
            A.MovRR(Reg.R8, Reg.Rax);
            A.MovImm(Reg.Rax, (uint)Jit.RegionEmitter.ExitContinue); // (the result when the exit returns: site 0)
            A.Load64(Reg.R9, Base, s_offRegionTargets);
            A.Test(Reg.R9, Reg.R9);
            A.Jcc(Cond.E, ret);
            A.MovRR32(Reg.Rcx, Reg.R8);
            A.ShiftImm(X64Assembler.Shr, Reg.Rcx, 1, w: false);
            A.AluImm(And, Reg.Rcx, NativeRegions.TargetSlots - 1, w: false);
            A.ShiftImm(X64Assembler.Shl, Reg.Rcx, 3, w: false);
            A.Alu(X64Assembler.Add, Reg.R9, Reg.Rcx);
            A.Load64(Reg.Rcx, Reg.R9, 0);
            A.Test(Reg.Rcx, Reg.Rcx);
            A.Jcc(Cond.E, ret);
            A.AluMem(Cmp, Reg.R8, Reg.Rcx, NativeRegions.OffEntryAddr);
            A.Jcc(Cond.NE, ret);
            A.MovImm(Reg.R8, _keyBits);
            A.AluMem(Cmp, Reg.R8, Reg.Rcx, NativeRegions.OffEntryKeyBits);
            A.Jcc(Cond.NE, ret);
            if (_dat)
            {
                A.MovImm(Reg.R8, _asce);
                A.AluMem(Cmp, Reg.R8, Reg.Rcx, NativeRegions.OffEntryAsce);
                A.Jcc(Cond.NE, ret);
            }
            A.Jmp(follow);
        }
        if (chain)
        {
            A.Bind(_chain);
            A.MovImm(Reg.Rdx, (ulong)_links);
            A.Alu(X64Assembler.Add, Reg.Rdx, Reg.Rcx);
            A.Load64(Reg.Rcx, Reg.Rdx, 0);
            A.Test(Reg.Rcx, Reg.Rcx);
            A.Jcc(Cond.E, ret);
        }
        A.Bind(follow);
        // only inside the dispatcher's chained runs, which set the mask they run under (as the IL regions' EmitChain)
        A.Load64(Reg.R8, Base, s_offChainMask);
        A.AluMem(Cmp, Reg.R8, Base, s_offPswMask);
        A.Jcc(Cond.NE, ret);
        A.Load64(Reg.Rdx, Reg.Rcx, NativeRegions.OffEntryHead);
        A.Load64(Reg.R8, Reg.Rdx, NativeRegions.OffHeadAlive);
        A.Test(Reg.R8, Reg.R8);
        A.Jcc(Cond.E, ret);
        // a region hot enough for RyuJIT is entered through the dispatcher, which watches its heat (JitEngine.WatchCompact)
        A.Load64(Reg.R8, Reg.Rdx, NativeRegions.OffHeadHeat);
        A.AluMem(Cmp, Reg.R8, Reg.Rdx, NativeRegions.OffHeadLimit);
        A.Jcc(Cond.GE, ret);
        if (_dat)
        {
            A.Load64(Reg.R8, Reg.Rdx, NativeRegions.OffHeadPage);
            FetchMapsPage(A, Reg.R8, Reg.R9, Reg.R10, Reg.Rdx, NativeRegions.OffHeadHost, ret);
        }
        A.Store64(Base, s_offRegionLast, Reg.Rcx);
        A.MovImm(Reg.R8, 1);
        A.AddToMem(Base, s_offJitChains, Reg.R8);
        A.JmpMem(Reg.Rcx, NativeRegions.OffEntryCode);
        A.Bind(ret);
        A.Ret();
    }

    /// <summary>In a region: goes on in the block at <paramref name="target"/> when it is the region's, else leaves for it.</summary>
    public void GoTo(ulong target)
    {
        int l = RegionLabel(target);
        if (l >= 0) { Edges.Add(l); A.Jmp(l); }
        else ExitTo(target);
    }

    /// <summary>
    /// In a region, a check point (RegionCompiler.EventBounds): unless more than <paramref name="bound"/> cycles remain before
    /// the next event, return a step exit for block <paramref name="block"/> (the interpreter runs it with its own checks).
    /// </summary>
    public void EventCheck(long bound, int block)
    {
        int run = A.NewLabel();
        A.Load64(Reg.Rax, Base, s_offEventCycle);
        A.AluMem(Sub, Reg.Rax, Base, s_offCycles);
        if (FitsImm32((ulong)bound)) A.AluImm(Cmp, Reg.Rax, (int)bound);
        else { A.MovImm(Reg.Rcx, (ulong)bound); A.Alu(Cmp, Reg.Rax, Reg.Rcx); }
        A.Jcc(Cond.G, run);
        Return(Jit.RegionEmitter.ExitStep | block << Jit.RegionEmitter.CodeBits);
        A.Bind(run);
    }

    /// <summary>In a region, at a block's start: charges its cycles and instruction count (exits inside it give back the rest: RegionData.UnchargeCycles).</summary>
    public void Charge(ulong cycles, ulong count)
    {
        if (cycles > int.MaxValue || count > int.MaxValue) throw NativeUnsupportedException.Instance;
        A.AluImmToMem(X64Assembler.Add, Base, s_offCycles, (int)cycles);
        A.AluImmToMem(X64Assembler.Add, Base, s_offInstructions, (int)count);
        A.MovImm(Reg.Rcx, (ulong)_heat);
        A.AluImmToMem(X64Assembler.Add, Reg.Rcx, 0, (int)count);
    }

    /// <summary>
    /// A 32-bit register write: the register's high word with <paramref name="v"/>'s low word, in one value (the backend's
    /// generic and/or merge made three, and kernel code is full of 32-bit arithmetic).
    /// </summary>
    public void WriteG32(int r, XVal v)
    {
        var old = ReadG(r);
        if (v.IsConst && old.IsConst) { WriteG(r, new XVal(-1, (old.Value & 0xFFFF_FFFF_0000_0000UL) | (uint)v.Value)); return; }
        var n = NewVal();
        Reg w = Work(n);
        Copy(w, old);
        A.ShiftImm(X64Assembler.Shr, w, 32);
        A.ShiftImm(X64Assembler.Shl, w, 32);
        if (v.IsConst) A.MovImm(Reg.Rcx, (uint)v.Value);
        else A.MovRR32(Reg.Rcx, Src(v, Reg.Rcx));
        A.Alu(Or, w, Reg.Rcx);
        WriteG(r, Done(n, w));
    }

    /// <summary>Starts a block (the emitter is reused: everything of the last block is forgotten).</summary>
    public void Reset(int mode, nint desc)
    {
        InRegion = false;
        NoFixedOverflow = false;
        A.Reset();
        _desc = desc;
        Mode = mode;
        AddrMask = mode == 64 ? ~0UL : mode == 31 ? 0x7FFF_FFFFUL : 0xFF_FFFFUL;
        _exits.Clear();
        ForgetKept();
        _ret = A.NewLabel();
    }

    /// <summary>
    /// The block completed (its last instruction branched when <paramref name="taken"/>): jumps to the shared chain stub
    /// (<see cref="ChainStub"/>) with this block's descriptor in rax (its accounting values are there: <see cref="NativeDesc"/>).
    /// 22 bytes per block end (the checks inline were ~350, and kernel code's translated blocks outgrew the caches).
    /// </summary>
    public void ChainOrReturn(bool taken)
    {
        A.MovImm(Reg.Rax, (ulong)_desc);
        A.MovImm(Reg.Rcx, (ulong)(taken ? ChainTaken : ChainFall));
        A.JmpReg(Reg.Rcx);
    }

    /// <summary>The shared chain stubs (<see cref="ChainStub"/>), placed once by <see cref="NativeBlocks"/>.</summary>
    public static nint ChainFall, ChainTaken;

    /// <summary>
    /// A shared chain stub, entered by a jump from a completed block with its descriptor in rax: goes on in the next block's
    /// code when the first tier linked one there and it may run now (the address is its, it is valid, its credit of chained
    /// entries is not spent, no event can be due before its end, the chain budget allows), accounting the block as the first
    /// tier's loop would; otherwise returns the block's instruction count (bit 16: its last instruction branched) and
    /// names the block in <see cref="Cpu.NativeLast"/>, and the loop does. Every value of the block is read from its descriptor.
    /// </summary>
    public static byte[] ChainStub(bool taken)
    {
        var a = new X64Assembler();
        int done = a.NewLabel();
        const Reg D = Reg.R10;
        a.MovRR(D, Reg.Rax);
        if (!taken)
        {
            a.Load64(Reg.R8, D, NativeDesc.OffFall);
            a.Test(Reg.R8, Reg.R8);
            a.Jcc(Cond.E, done);
            a.Load64(Reg.Rax, D, NativeDesc.OffNextAddr);
            a.AluMem(Cmp, Reg.Rax, Reg.R8, NativeDesc.OffAddr);
            a.Jcc(Cond.NE, done);
        }
        else
        {
            // the linked successor when it is the target; else the translated block at the target, of the same key
            int lookup = a.NewLabel(), found = a.NewLabel();
            a.Load64(Reg.Rax, Base, s_offPswAddr);
            a.Load64(Reg.R8, D, NativeDesc.OffTaken);
            a.Test(Reg.R8, Reg.R8);
            a.Jcc(Cond.E, lookup);
            a.AluMem(Cmp, Reg.Rax, Reg.R8, NativeDesc.OffAddr);
            a.Jcc(Cond.E, found);
            a.Bind(lookup);
            a.MovRR32(Reg.Rcx, Reg.Rax);
            a.ShiftImm(X64Assembler.Shr, Reg.Rcx, 1, w: false);
            a.AluImm(And, Reg.Rcx, NativeBlocks.TargetSlots - 1, w: false);
            a.ShiftImm(X64Assembler.Shl, Reg.Rcx, 3, w: false);
            a.Load64(Reg.R9, Base, s_offTargets);
            a.Test(Reg.R9, Reg.R9);
            a.Jcc(Cond.E, done);
            a.Load64(Reg.R8, Reg.R9, 0, Reg.Rcx);
            a.Test(Reg.R8, Reg.R8);
            a.Jcc(Cond.E, done);
            a.AluMem(Cmp, Reg.Rax, Reg.R8, NativeDesc.OffAddr);
            a.Jcc(Cond.NE, done);
            a.Load64(Reg.Rcx, Reg.R8, NativeDesc.OffKeyBits);
            a.AluMem(Cmp, Reg.Rcx, D, NativeDesc.OffKeyBits);
            a.Jcc(Cond.NE, done);
            a.Load64(Reg.Rcx, Reg.R8, NativeDesc.OffAsce);
            a.AluMem(Cmp, Reg.Rcx, D, NativeDesc.OffAsce);
            a.Jcc(Cond.NE, done);
            a.Bind(found);
        }
        a.Load64(Reg.Rax, Reg.R8, NativeDesc.OffAlive);
        a.Test(Reg.Rax, Reg.Rax);
        a.Jcc(Cond.E, done);
        // instruction fetch still maps its page to the frame it was decoded from (the first tier's Valid)
        a.Load64(Reg.Rax, Reg.R8, NativeDesc.OffAddr);
        a.ShiftImm(X64Assembler.Shr, Reg.Rax, 12);
        FetchMapsPage(a, Reg.Rax, Reg.R9, Reg.Rdx, Reg.R8, NativeDesc.OffHost, done);
        a.Load64(Reg.Rax, Reg.R8, NativeDesc.OffCredit);
        a.Test(Reg.Rax, Reg.Rax);
        a.Jcc(Cond.LE, done);
        // event: cycles + this block's < event cycle, and the next block's bound below what is left
        a.Load64(Reg.Rax, Base, s_offEventCycle);
        a.AluMem(Sub, Reg.Rax, Base, s_offCycles);
        a.Jcc(Cond.BE, done);
        a.AluMem(Sub, Reg.Rax, D, NativeDesc.OffBlockCycles);
        a.Jcc(Cond.BE, done);
        a.AluMem(Cmp, Reg.Rax, Reg.R8, NativeDesc.OffFast);
        a.Jcc(Cond.BE, done);
        a.Load64(Reg.Rax, Base, s_offBudget);
        a.AluMem(Sub, Reg.Rax, D, NativeDesc.OffBlockInsns);
        a.Jcc(Cond.LE, done);
        a.Store64(Base, s_offBudget, Reg.Rax);
        // this block as the first tier's loop accounts it
        a.Load64(Reg.Rax, D, NativeDesc.OffBlockCycles);
        a.AddToMem(Base, s_offCycles, Reg.Rax);
        a.Load64(Reg.Rax, D, NativeDesc.OffBlockInsns);
        a.AddToMem(Base, s_offInstructions, Reg.Rax);
        a.Load64(Reg.Rax, D, NativeDesc.OffLastAddr);
        a.Store64(Base, s_offIssueAddr, Reg.Rax);
        a.Store64(Base, s_offInstrAddr, Reg.Rax);
        a.Load64(Reg.Rax, D, NativeDesc.OffLastLength);
        a.Store32(Base, s_offInstrLength, Reg.Rax);
        if (!taken) { a.Load64(Reg.Rax, D, NativeDesc.OffNextAddr); a.Store64(Base, s_offPswAddr, Reg.Rax); }
        a.Load64(Reg.Rax, Reg.R8, NativeDesc.OffCredit);
        a.AluImm(Sub, Reg.Rax, 1);
        a.Store64(Reg.R8, NativeDesc.OffCredit, Reg.Rax);
        a.Load64(Reg.Rax, Reg.R8, NativeDesc.OffChained);
        a.AluImm(X64Assembler.Add, Reg.Rax, 1);
        a.Store64(Reg.R8, NativeDesc.OffChained, Reg.Rax);
        a.JmpMem(Reg.R8, NativeDesc.OffCode);
        a.Bind(done);
        // return: the block's count (bit 16: taken), and the block in Cpu.NativeLast
        a.Load64(Reg.Rax, D, NativeDesc.OffBlockInsns);
        if (taken) a.AluImm(Or, Reg.Rax, TakenBit, w: false);
        a.Store64(Base, s_offLast, D);
        a.Ret();
        return a.Finish().ToArray();
    }

    /// <summary>
    /// Jumps to <paramref name="miss"/> unless the instruction-fetch cache maps page number <paramref name="page"/> (clobbered)
    /// to the host address held at [<paramref name="hostBase"/> + <paramref name="hostOff"/>] (the frame code was translated
    /// from: the first tier's Valid); <paramref name="t1"/> and <paramref name="t2"/> are scratch.
    /// </summary>
    private static void FetchMapsPage(X64Assembler a, Reg page, Reg t1, Reg t2, Reg hostBase, int hostOff, int miss)
    {
        a.MovRR32(t1, page);
        a.AluImm(And, t1, Cpu.ExecTlbEntries - 1, w: false);
        a.ShiftImm(X64Assembler.Shl, t1, (byte)System.Numerics.BitOperations.Log2((uint)Unsafe.SizeOf<TlbEntry>()), w: false);
        a.Alu(X64Assembler.Add, t1, Base);
        a.AluMem(Cmp, page, t1, s_offExecTlb);
        a.Jcc(Cond.NE, miss);
        a.Load64(t2, t1, s_offExecTlb + 8);
        a.ShiftImm(X64Assembler.Shl, page, 12);
        a.Alu(X64Assembler.Add, t2, page);
        a.AluMem(Cmp, t2, hostBase, hostOff);
        a.Jcc(Cond.NE, miss);
    }

    /// <summary>Emits the block's shared return (it names the block in <see cref="Cpu.NativeLast"/>).</summary>
    public void EmitReturn()
    {
        if (InRegion) return;
        A.Bind(_ret);
        A.MovImm(Reg.Rcx, (ulong)_desc);
        A.Store64(Base, s_offLast, Reg.Rcx);
        A.Ret();
    }

    /// <summary>
    /// The one entry stub every call of native code goes through (<see cref="NativeBlocks"/>): saves the callee-saved
    /// registers, makes the frame of value slots, calls the block's code (second argument) with the first argument, and
    /// returns what it (or the last block of its chain) returns. Block code therefore has no prologue: a chain is a jump.
    /// </summary>
    public static byte[] EntryStub()
    {
        var a = new X64Assembler();
        foreach (var r in s_calleeSaved) a.Push(r);
        a.AluImm(Sub, Reg.Rsp, FrameBytes);
        a.CallReg(Reg.Rsi);
        a.AluImm(X64Assembler.Add, Reg.Rsp, FrameBytes);
        for (int i = s_calleeSaved.Length - 1; i >= 0; i--) a.Pop(s_calleeSaved[i]);
        a.Ret();
        return a.Finish().ToArray();
    }

    private static readonly Reg[] s_calleeSaved = [Reg.Rbx, Reg.Rbp, Reg.R12, Reg.R13, Reg.R14, Reg.R15];

    /// <summary>Returns <paramref name="value"/> from the function.</summary>
    public void Return(int value)
    {
        A.MovImm(Reg.Rax, (uint)value);
        if (InRegion) A.Ret(); else A.Jmp(_ret);
    }

    /// <summary>Starts instruction <paramref name="index"/> (at <paramref name="addr"/>, the next at <paramref name="next"/>).</summary>
    public void Begin(int index, ulong addr, ulong next)
    {
        _index = index;
        InstrAddr = addr;
        NextAddr = next;
        ExtraCycles = 0;
        _slots = 0;
        _busy = KeepAcross();
        Array.Clear(_pendG);
        Array.Clear(_readG);
        Array.Clear(_pendF);
        Array.Clear(_readF);
        _stores.Clear();
        _derived.Clear();
        _range = null;
        _lastCompare = (-1, default, -1, default);
        _ccPending = false;
        _jumpCond = _jumpTarget = null;
        _exit = A.NewLabel();
        _exits.Add((_exit, index));
    }

    /// <summary>The instruction's body did not translate: forget its exit label.</summary>
    public void Abandon() => _exits.RemoveAt(_exits.Count - 1);

    /// <summary>
    /// The pool registers the values kept across instructions hold (at most <see cref="MaxKept"/>: the condition code's
    /// operands first, then the guest registers used last); the other values kept are forgotten (their registers are stored).
    /// </summary>
    private int KeepAcross()
    {
        if (MaxKept == 0) { ForgetKept(); return 0; }
        if (_knownOp == null && !_anyCached) return 0;
        int busy = 0, n = 0;
        PinKnown(ref _knownSrc, ref busy, ref n);
        PinKnown(ref _knownDst, ref busy, ref n);
        if (n > MaxKept) { _knownSrc = _knownDst = null; busy = 0; n = 0; }
        // the guest registers held in pool registers, newest use first (values in frame slots do not outlive their instruction)
        Span<int> order = stackalloc int[16];
        int m = 0;
        for (int r = 0; r < 16; r++)
        {
            if (_cacheG[r] is not XVal x || x.IsConst) continue;
            if (!InReg(x)) { _cacheG[r] = null; continue; }
            int at = m++;
            while (at > 0 && _lastUse[order[at - 1]] < _lastUse[r]) { order[at] = order[at - 1]; at--; }
            order[at] = r;
        }
        // held while they fit (one sharing a register already held costs nothing); the rest is forgotten
        for (int i = 0; i < m; i++)
        {
            int r = order[i];
            int bit = 1 << PoolIndex(RegOf(_cacheG[r]!.Value));
            if ((busy & bit) != 0) continue;
            if (n >= MaxKept) { _cacheG[r] = null; continue; }
            busy |= bit;
            n++;
        }
        return busy;
    }

    /// <summary>A known condition-code operand stays held (its pool register marked busy) if it is in one, else it is forgotten.</summary>
    private static void PinKnown(ref XVal? v, ref int busy, ref int n)
    {
        if (v is not XVal x || x.IsConst) return;
        if (!InReg(x)) { v = null; return; }
        int bit = 1 << PoolIndex(RegOf(x));
        if ((busy & bit) == 0) { busy |= bit; n++; }
    }

    private static int PoolIndex(Reg r) => s_poolIndex[(int)r];
    /// <summary>Each host register's index in <see cref="s_pool"/> (-1: not a pool register).</summary>
    private static readonly int[] s_poolIndex = Enumerable.Range(0, 16).Select(r => Array.IndexOf(s_pool, (Reg)r)).ToArray();

    /// <summary>Stores the instruction's effects; returns false when it may branch (it must end the block).</summary>
    public bool Commit()
    {
        // a branch on the last compare, with nothing but moves before the jump (register and condition-code stores: no
        // storage stores, whose 2-byte form rotates), jumps on the compare's flags: no test of its 0/1 value
        bool fused = _jumpCond is XVal jc && !jc.IsConst && jc.Slot == _lastCompare.Slot && A.Length == _lastCompare.End && _stores.Count == 0;
        // the compare's 0/1 value (setcc, movzx) is dead when only the jump reads it: nothing pending holds it
        if (fused && !Holds(_jumpCond!.Value.Slot)) A.Rollback(_lastCompare.Set);
        // (whole registers: a 32-bit store of a low word, read back by the next instruction's 64-bit load, stalls store
        // forwarding: crc32 in the first tier 863 -> 310 M instructions/s)
        for (int r = 0; r < 16; r++)
            if (_pendG[r] is XVal v)
            {
                if (v.IsConst && FitsImm32(v.Value)) A.StoreImm32Sx(Base, 8 * r, (int)v.Value);
                else A.Store64(Base, 8 * r, Src(v, Reg.Rax));
                _cacheG[r] = v.IsConst || InReg(v) ? v : null;
                _anyCached = true;
                _lastUse[r] = _index;
            }
        for (int r = 0; r < 16; r++)
            if (_pendF[r] is XVal v) A.Store64(Base, s_offV + 16 * r, Src(v, Reg.Rax));
        foreach (var (size, ptr, value) in _stores)
        {
            Reg p = Src(ptr, Reg.R9);
            Copy(Reg.Rax, value);
            switch (size)
            {
                case 1: A.Store8(p, 0, Reg.Rax); break;
                case 2: A.Rol16By8(Reg.Rax); A.Store16(p, 0, Reg.Rax); break;
                case 4: A.Bswap(Reg.Rax, false); A.Store32(p, 0, Reg.Rax); break;
                default: A.Bswap(Reg.Rax, true); A.Store64(p, 0, Reg.Rax); break;
            }
        }
        if (_ccPending)
        {
            A.StoreImm8(Base, s_offCcOp, (byte)_ccOp);
            // (Cpu.CcVr is not stored: no rule reads it, CcCompute.Calc; the IL regions do not store it either)
            if (!_ccConstOnly) A.Store64(Base, s_offCcSrc, Src(_ccSrc, Reg.Rax));
            A.Store64(Base, s_offCcDst, Src(_ccDst, Reg.Rax));
            _knownOp = _ccOp;
            _knownSrc = _ccConstOnly ? new XVal(-1, 0) : _ccSrc.IsConst || InReg(_ccSrc) ? _ccSrc : null;
            _knownDst = _ccDst.IsConst || InReg(_ccDst) ? _ccDst : null;
        }
        if (_jumpCond is XVal cond && _jumpTarget is XVal target && !(cond.IsConst && cond.Value == 0))
        {
            int skip = A.NewLabel();
            if (fused) A.Jcc((Cond)((int)_lastCompare.Cond ^ 1), skip); // (x86 conditions pair up by their low bit)
            else if (!cond.IsConst) { Reg c = Src(cond, Reg.Rax); A.Test(c, c); A.Jcc(Cond.E, skip); }
            if (InstrAddr <= int.MaxValue) A.StoreImm32Sx(Base, s_offBear, (int)InstrAddr);
            else { A.MovImm(Reg.Rax, InstrAddr); A.Store64(Base, s_offBear, Reg.Rax); }
            if (InRegion && target.IsConst) GoTo(target.Value & AddrMask);
            else
            {
                Copy(Reg.Rax, target);
                MaskAddress(Reg.Rax);
                A.Store64(Base, s_offPswAddr, Reg.Rax);
                // (site 0: the dispatcher looks the PSW up; native code first, in the engine's table: EmitChainTail)
                if (InRegion) { if (_keyBits != ulong.MaxValue) A.Jmp(_lookup); else Return(Jit.RegionEmitter.ExitContinue); }
                else if (IsLast) ChainOrReturn(taken: true); else Return((_index + 1) | TakenBit);
            }
            A.Bind(skip);
            return false;
        }
        return true;
    }

    /// <summary>Emits the exits of the instructions that did not complete (each returns its index).</summary>
    public void EmitExits()
    {
        foreach (var (label, index) in _exits)
        {
            if (!A.IsUsed(label)) continue;
            A.Bind(label);
            Return(InRegion ? Jit.RegionEmitter.ExitReexecute | index << Jit.RegionEmitter.CodeBits : index);
        }
    }

    private void MaskAddress(Reg r)
    {
        if (AddrMask == ~0UL) return;
        A.AluImm(And, r, (int)(uint)AddrMask, w: false); // 31- and 24-bit masks: a 32-bit and (zero-extends)
    }

    // ---- values: registers of the pool while they last, then frame slots ----
    private const int RegBase = 1000;
    private XVal NewVal()
    {
        int free = ~_busy & ((1 << s_pool.Length) - 1);
        if (free != 0)
        {
            int i = System.Numerics.BitOperations.TrailingZeroCount(free);
            _busy |= 1 << i;
            return new XVal(RegBase + (int)s_pool[i], 0);
        }
        if (_slots >= Slots) throw NativeUnsupportedException.Instance;
        return new XVal(_slots++, 0);
    }
    private static bool InReg(XVal v) => v.Slot >= RegBase;
    private static Reg RegOf(XVal v) => (Reg)(v.Slot - RegBase);
    private static int SlotDisp(XVal v) => 8 + 8 * v.Slot; // (above the return address of the entry stub's call)
    /// <summary>The register holding <paramref name="v"/>, or <paramref name="scratch"/> loaded with it.</summary>
    private Reg Src(XVal v, Reg scratch)
    {
        if (InReg(v)) return RegOf(v);
        Copy(scratch, v);
        return scratch;
    }
    /// <summary>r = v.</summary>
    private void Copy(Reg r, XVal v)
    {
        if (v.IsConst) A.MovImm(r, v.Value);
        else if (InReg(v)) { if (RegOf(v) != r) A.MovRR(r, RegOf(v)); }
        else A.Load64(r, Reg.Rsp, SlotDisp(v));
    }
    /// <summary>The register to compute a new value in: its own, or rax (then <see cref="Done"/> stores it).</summary>
    private static Reg Work(XVal v) => InReg(v) ? RegOf(v) : Reg.Rax;
    private XVal Done(XVal v, Reg from)
    {
        if (InReg(v)) { if (RegOf(v) != from) A.MovRR(RegOf(v), from); }
        else A.Store64(Reg.Rsp, SlotDisp(v), from);
        return v;
    }
    private XVal St(Reg r) => Done(NewVal(), r);
    private static bool FitsImm32(ulong v) => (long)v >= int.MinValue && (long)v <= int.MaxValue;

    public XVal ReadG(int r)
    {
        if (_pendG[r] is XVal p) return p;
        if (_readG[r] is XVal c) return c;
        if (_cacheG[r] is XVal k) { _lastUse[r] = _index; return k; }
        var v = NewVal();
        A.Load64(Work(v), Base, 8 * r);
        Done(v, Work(v));
        _readG[r] = v;
        if (InReg(v)) { _cacheG[r] = v; _lastUse[r] = _index; _anyCached = true; }
        return v;
    }
    public void WriteG(int r, XVal v) => _pendG[r] = v;

    /// <summary>Floating-point register <paramref name="r"/> (the leftmost doubleword of vector register r).</summary>
    public XVal ReadF(int r)
    {
        if (_pendF[r] is XVal p) return p;
        if (_readF[r] is XVal c) return c;
        var v = NewVal();
        A.Load64(Work(v), Base, s_offV + 16 * r);
        Done(v, Work(v));
        _readF[r] = v;
        return v;
    }
    public void WriteF(int r, XVal v) => _pendF[r] = v;

    /// <summary>Registers other than 0, 2, 4 and 6 need CR0's AFP-register control: without it the interpreter raises the data exception.</summary>
    public void CheckAfpRegister(int r)
    {
        if ((r & 9) == 0) return;
        A.Load64(Reg.Rax, Base, s_offCr);
        A.MovImm(Reg.Rcx, Cr0.AfpRegisters);
        A.Test(Reg.Rax, Reg.Rcx);
        A.Jcc(Cond.E, _exit);
    }

    public XVal Alu(int op, XVal a, XVal b, ulong folded)
    {
        if (a.IsConst && b.IsConst) return new XVal(-1, folded);
        // identities (values are never changed once made, so the operand itself is the result)
        if (b.IsConst && (b.Value == 0 ? op is X64Assembler.Add or X64Assembler.Sub or Or or Xor : b.Value == ulong.MaxValue && op == And)) return a;
        if (a.IsConst && (a.Value == 0 ? op is X64Assembler.Add or Or or Xor : a.Value == ulong.MaxValue && op == And)) return b;
        var v = NewVal();
        Reg w = Work(v);
        Copy(w, a);
        if (b.IsConst && FitsImm32(b.Value)) A.AluImm(op, w, (int)b.Value);
        else A.Alu(op, w, Src(b, Reg.Rcx));
        // addresses derived from one value by constant displacements (the probed operand's range: Probe)
        if (!a.IsConst && b.IsConst && (op == X64Assembler.Add || (op == And && b.Value == AddrMask)))
        {
            var (root, off) = Resolve(a);
            _derived[v.Slot] = (root, op == X64Assembler.Add ? off + (long)b.Value : off);
        }
        return Done(v, w);
    }

    /// <summary>Values of the current instruction made from another by adding constants (or masking to the addressing mode): their root value and offset.</summary>
    private readonly Dictionary<int, (XVal Root, long Offset)> _derived = new();
    private (XVal Root, long Offset) Resolve(XVal v) => _derived.TryGetValue(v.Slot, out var d) ? d : (v, 0);

    /// <summary>
    /// The operand the current instruction probed (<see cref="Probe"/>): its root value and offset, length, access kind, and the
    /// value holding the data cache's addend for it when it lies in one page (0 when it crosses into the next: then every
    /// access looks its own page up). Accesses inside it (a multiple load or store) use the addend without a lookup.
    /// </summary>
    private (XVal Root, long Offset, int Length, bool Write, XVal Addend)? _range;

    public XVal Mul(XVal a, XVal b, ulong folded)
    {
        if (a.IsConst && b.IsConst) return new XVal(-1, folded);
        var v = NewVal();
        Reg w = Work(v);
        Copy(w, a);
        A.IMul(w, Src(b, Reg.Rcx));
        return Done(v, w);
    }

    public XVal MulHighU(XVal a, XVal b, ulong folded)
    {
        if (a.IsConst && b.IsConst) return new XVal(-1, folded);
        Copy(Reg.Rax, a);
        A.Mul(Src(b, Reg.Rcx));
        return St(Reg.Rdx);
    }

    public XVal Shift(int op, XVal a, XVal n, bool wide, ulong folded)
    {
        if (a.IsConst && n.IsConst) return new XVal(-1, folded);
        var v = NewVal();
        Reg w = Work(v);
        if (!n.IsConst) Copy(Reg.Rcx, n);
        Copy(w, a);
        if (n.IsConst) A.ShiftImm(op, w, (byte)(n.Value & (wide ? 63UL : 31UL)), wide);
        else A.ShiftCl(op, w, wide);
        // (a 32-bit rotate zero-extends: RotateLeft((uint)a, n) is a uint)
        return Done(v, w);
    }

    public enum UnaryOp { Trunc32, SExt8, SExt16, SExt32, Swap16, Swap32, Swap64 }

    public XVal Unary(UnaryOp op, XVal a, ulong folded)
    {
        if (a.IsConst) return new XVal(-1, folded);
        var v = NewVal();
        Reg w = Work(v);
        Reg src = Src(a, w);
        switch (op)
        {
            case UnaryOp.Trunc32: A.MovRR32(w, src); break;
            case UnaryOp.SExt8: A.MovSx8(w, src); break;
            case UnaryOp.SExt16: A.MovSx16(w, src); break;
            case UnaryOp.SExt32: A.MovSx32(w, src); break;
            case UnaryOp.Swap16: Copy(w, a); A.Rol16By8(w); A.AluImm(And, w, 0xFFFF, w: false); break;
            case UnaryOp.Swap32: A.MovRR32(w, src); A.Bswap(w, false); break;
            default: Copy(w, a); A.Bswap(w, true); break;
        }
        return Done(v, w);
    }

    /// <summary>Leading zero bits of a 64-bit value (64 for 0): 63 - bsr(a), with bsr taken as -1 for 0.</summary>
    public XVal LeadingZeros(XVal a)
    {
        var v = NewVal();
        A.Bsr(Reg.Rax, Src(a, Reg.Rcx));   // ZF: a is 0
        A.MovImm(Reg.Rdx, ulong.MaxValue);
        A.CMov(Cond.E, Reg.Rax, Reg.Rdx);
        A.MovImm(Reg.Rcx, 63);
        A.Alu(Sub, Reg.Rcx, Reg.Rax);
        return Done(v, Reg.Rcx);
    }

    public XVal Compare(Cond c, XVal a, XVal b, ulong folded)
    {
        if (a.IsConst && b.IsConst) return new XVal(-1, folded);
        Reg ra = Src(a, Reg.Rax);
        if (b.IsConst && FitsImm32(b.Value)) A.AluImm(Cmp, ra, (int)b.Value);
        else A.Alu(Cmp, ra, Src(b, Reg.Rcx));
        var v = NewVal();
        var set = A.Mark();
        A.SetCc(c, Work(v)); // (setcc and movzx leave the flags alone)
        Done(v, Work(v));
        _lastCompare = (v.Slot, c, A.Length, set);
        return v;
    }

    /// <summary>Whether an effect of the instruction not committed yet (register writes, the condition code) holds the value in <paramref name="slot"/>.</summary>
    private bool Holds(int slot)
    {
        for (int r = 0; r < 16; r++)
            if (_pendG[r] is XVal g && g.Slot == slot || _pendF[r] is XVal f && f.Slot == slot) return true;
        return _ccPending && (_ccSrc.Slot == slot || _ccDst.Slot == slot || _ccVr.Slot == slot);
    }

    /// <summary>The last compare's value, its condition and where its code ended: a branch on it right after (with only
    /// moves between) jumps on the compare's flags (<see cref="Commit"/>).</summary>
    private (int Slot, Cond Cond, int End, X64Assembler.Position Set) _lastCompare = (-1, default, -1, default);

    public XVal Select(XVal cond, XVal a, XVal b)
    {
        if (cond.IsConst) return cond.Value != 0 ? a : b;
        var v = NewVal();
        Reg w = Work(v);
        Copy(w, b);
        Reg c = Src(cond, Reg.Rdx);
        A.Test(c, c);
        A.CMov(Cond.NE, w, Src(a, Reg.Rcx));
        return Done(v, w);
    }

    // ---- storage: the interpreter's data caches (Cpu.ReadPtr / WritePtr), hit or leave ----

    /// <summary>
    /// Looks up the page of the address in rax in the read or write cache (rax kept); on a hit r9 is the entry's
    /// addend (host address = r9 + rax), on a miss, or an operand of <paramref name="size"/> bytes crossing the page, the
    /// instruction exits.
    /// </summary>
    private void Lookup(bool write, int size)
    {
        int tlb = write ? s_offWriteTlb : s_offReadTlb;
        int entry = Unsafe.SizeOf<TlbEntry>(), setShift = System.Numerics.BitOperations.Log2((uint)(Cpu.DataTlbWays * entry));
        // the tag compared is the page of the operand's last byte: an operand crossing into the next page misses (the set
        // of its first byte's page never holds the next page), as the interpreter's cached path would not take it either
        if (size > 1) A.Lea(Reg.Rdx, Reg.Rax, size - 1);
        else A.MovRR(Reg.Rdx, Reg.Rax);
        A.ShiftImm(X64Assembler.Shr, Reg.Rdx, 12);
        // the byte offset of the first byte's set: (address >> 12 & sets - 1) * bytes per set, in two operations
        A.MovRR32(Reg.Rcx, Reg.Rax);
        A.ShiftImm(X64Assembler.Shr, Reg.Rcx, (byte)(12 - setShift), w: false);
        A.AluImm(And, Reg.Rcx, (Cpu.DataTlbSets - 1) << setShift, w: false);
        int hit = A.NewLabel();
        A.AluMem(Cmp, Reg.Rdx, Base, tlb, Reg.Rcx);
        A.Jcc(Cond.E, hit);
        A.AluMem(Cmp, Reg.Rdx, Base, tlb + entry, Reg.Rcx);
        A.Jcc(Cond.NE, _exit);
        A.AluImm(X64Assembler.Add, Reg.Rcx, entry, w: false);
        A.Bind(hit);
        A.Load64(Reg.R9, Base, tlb + 8, Reg.Rcx);
    }

    /// <summary>Jumps to <paramref name="label"/> when <paramref name="size"/> bytes at the address in rax cross into the next page (rcx scratch).</summary>
    private void JumpIfCrossesPage(int size, int label)
    {
        A.MovRR32(Reg.Rcx, Reg.Rax);
        A.AluImm(And, Reg.Rcx, (int)Cpu.PageMask, w: false);
        A.AluImm(Cmp, Reg.Rcx, 4096 - size, w: false);
        A.Jcc(Cond.A, label);
    }

    public XVal Load(int size, XVal addr)
    {
        // a load after a held-back store of the same instruction would not see it
        if (_stores.Count > 0 || size is not (1 or 2 or 4 or 8)) throw NativeUnsupportedException.Instance;
        AddressAndAddend(addr, write: false, size);
        var v = NewVal();
        Reg w = Work(v);
        switch (size)
        {
            case 1: A.Load8Zx(w, Reg.R9, 0, Reg.Rax); break;
            case 2: A.Load16Zx(w, Reg.R9, 0, Reg.Rax); A.Rol16By8(w); break;
            case 4: A.Load32(w, Reg.R9, 0, Reg.Rax); A.Bswap(w, false); break;
            default: A.Load64(w, Reg.R9, 0, Reg.Rax); A.Bswap(w, true); break;
        }
        return Done(v, w);
    }

    public void Store(int size, XVal addr, XVal value)
    {
        if (size is not (1 or 2 or 4 or 8)) throw NativeUnsupportedException.Instance;
        AddressAndAddend(addr, write: true, size);
        A.Alu(X64Assembler.Add, Reg.R9, Reg.Rax);
        _stores.Add((size, St(Reg.R9), value));
    }

    /// <summary>The operand's first and last bytes must be in the data cache (the interpreter's check raises otherwise).</summary>
    public void Probe(XVal addr, int len, bool write)
    {
        if (len <= 0) return;
        if (addr.IsConst || len > 4096)
        {
            Copy(Reg.Rax, addr);
            Lookup(write, 1);
            Copy(Reg.Rax, addr);
            A.AluImm(X64Assembler.Add, Reg.Rax, len - 1);
            MaskAddress(Reg.Rax);
            Lookup(write, 1);
            return;
        }
        // in one page: one lookup, whose addend the accesses inside the operand use; across two: both pages, and no addend
        var addend = NewVal();
        int cross = A.NewLabel(), done = A.NewLabel();
        Copy(Reg.Rax, addr);
        JumpIfCrossesPage(len, cross);
        Lookup(write, 1);
        Done(addend, Reg.R9);
        A.Jmp(done);
        A.Bind(cross);
        Lookup(write, 1);
        Copy(Reg.Rax, addr);
        A.AluImm(X64Assembler.Add, Reg.Rax, len - 1);
        MaskAddress(Reg.Rax);
        Lookup(write, 1);
        A.MovImm(Reg.R9, 0);
        Done(addend, Reg.R9);
        A.Bind(done);
        var (root, off) = Resolve(addr);
        _range = (root, off, len, write, addend);
    }

    /// <summary>
    /// rax = <paramref name="addr"/>, and r9 the data cache's addend for its page: the probed operand's when the access lies
    /// inside it (and it is in one page), else a lookup (which leaves the instruction on a miss).
    /// </summary>
    private void AddressAndAddend(XVal addr, bool write, int size)
    {
        Copy(Reg.Rax, addr);
        if (_range is { } g && g.Write == write && !addr.IsConst)
        {
            var (root, off) = Resolve(addr);
            long rel = off - g.Offset;
            if (root.Slot == g.Root.Slot && rel >= 0 && rel + size <= g.Length)
            {
                int full = A.NewLabel(), have = A.NewLabel();
                Copy(Reg.R9, g.Addend);
                A.Test(Reg.R9, Reg.R9);
                A.Jcc(Cond.E, full);
                A.Jmp(have);
                A.Bind(full);
                Lookup(write, size);
                A.Bind(have);
                return;
            }
        }
        Lookup(write, size);
    }

    // ---- condition code and control ----

    public void SetCc(CcOp op, XVal src, XVal dst, XVal vr, bool constOnly = false)
    {
        _ccPending = true;
        _ccConstOnly = constOnly;
        _ccOp = op;
        _ccSrc = src; _ccDst = dst; _ccVr = vr;
    }

    public XVal CcMatches(X64Backend b, int mask)
    {
        if (_ccPending) return CcRules.Matches(b, _ccOp, mask, _ccConstOnly ? b.Const(0) : _ccSrc, _ccDst);
        if ((mask & 15) == 0) return b.Const(0);
        if ((mask & 15) == 15) return b.Const(1);
        if (_knownOp is CcOp op) return CcRules.Matches(b, op, mask, _knownSrc ?? LoadField(s_offCcSrc), _knownDst ?? LoadField(s_offCcDst));
        // set before the block: the rules for the condition code's current rule, chosen at run time
        var result = NewVal();
        int done = A.NewLabel();
        int saved = _slots, savedBusy = _busy;
        foreach (CcOp o in s_dispatchOrder)
        {
            var mark = A.Mark();
            int next = A.NewLabel();
            try
            {
                A.Load8Zx(Reg.Rax, Base, s_offCcOp);
                A.AluImm(Cmp, Reg.Rax, (int)o, w: false);
                A.Jcc(Cond.NE, next);
                XVal m = CcRules.Matches(b, o, mask, o == CcOp.Const ? b.Const(0) : LoadField(s_offCcSrc), LoadField(s_offCcDst));
                Copy(Work(result), m);
                Done(result, Work(result));
                A.Jmp(done);
                A.Bind(next);
            }
            catch (NativeUnsupportedException) { A.Rollback(mark); _lastCompare = (-1, default, -1, default); }
            _slots = saved;
            _busy = savedBusy;
        }
        A.Jmp(_exit);
        A.Bind(done);
        return result;
    }

    /// <summary>Rules in the order the run-time dispatch tests them (the commonest first).</summary>
    private static readonly CcOp[] s_dispatchOrder =
    [
        CcOp.CompareSigned64, CcOp.CompareSigned32, CcOp.CompareLogical64, CcOp.CompareLogical32, CcOp.Sign64, CcOp.Sign32,
        CcOp.NonZero64, CcOp.NonZero32, CcOp.Const, CcOp.TestUnderMask,
    ];

    private XVal LoadField(int off)
    {
        var v = NewVal();
        A.Load64(Work(v), Base, off);
        return Done(v, Work(v));
    }

    public void JumpIf(XVal cond, XVal target)
    {
        if (_jumpCond != null) throw NativeUnsupportedException.Instance;
        _jumpCond = cond;
        _jumpTarget = target;
    }

    /// <summary>Leaves before the instruction completes when <paramref name="cond"/> is non-zero (the interpreter raises).</summary>
    public void ExitIf(XVal cond)
    {
        if (cond.IsConst) { if (cond.Value != 0) A.Jmp(_exit); return; }
        Reg c = Src(cond, Reg.Rax);
        A.Test(c, c);
        A.Jcc(Cond.NE, _exit);
    }
}
