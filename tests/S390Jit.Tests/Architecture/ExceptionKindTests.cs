using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Execution;
using S390Jit.Tests.Execution;

namespace S390Jit.Tests.Architecture;

/// <summary>
/// Every program exception the CPU implements, in each of its ending kinds (PoO "Types of Instruction
/// Ending"): nullified (the old PSW designates the instruction), suppressed and completed (it designates
/// the next one), terminated or partially completed (the next one, with results of the completed part).
/// A program-check handler records the interruption, repairs what a nullified instruction needs,
/// and returns with LPSWE to the old PSW: the program must continue after the faulting instruction
/// exactly once, never loop. Every case runs under the interpreter and the JIT with identical results.
/// </summary>
public class ExceptionKindTests
{
    private const ulong Handler = 0x11000, Records = 0x800;
    // records written by the handler (below 4K, above the low-address-protected 512 bytes)
    private const ulong Count = Records, OldPsw = Records + 0x10, IntId = Records + 0x20, TeidRec = Records + 0x28;
    // repairs the handler does before returning: store a doubleword at an absolute address, replace the old PSW address
    private const ulong FixAddr = Records + 0x30, FixValue = Records + 0x38, NewMask = Records + 0x48, NewAddr = Records + 0x50, FixCr1 = Records + 0x58;
    internal const ulong Data = 0x60000, Frame = 0x70000;

    public enum Kind { Nullify, Suppress, Complete, Terminate, Early }

    public sealed record Case(string Name, ushort Code, Kind Kind, byte[][] Before, byte[] Faulting, Action<EngineHarness>? Setup = null, int Ilc = -1, ulong ExpectedTeid = ulong.MaxValue, ulong EarlyOld = 0x10000)
    {
        public override string ToString() => Name;
    }

    private static byte[] A(string m, int r1 = 0, int r2 = 0, int r3 = 0, int x2 = 0, int b1 = 0, int b2 = 0, long d1 = 0, long d2 = 0,
        long i2 = 0, int l1 = 0, int m1 = 0, int m3 = 0, long ri2 = 0) =>
        Assembler.Encode(m, r1: r1, r2: r2, r3: r3, x2: x2, b1: b1, b2: b2, d1: d1, d2: d2, i2: i2, l1: l1, m1: m1, m3: m3, ri2: ri2);

    private static void Put64(EngineHarness h, ulong a, ulong v) { for (int i = 0; i < 8; i++) h.Mem(a + (ulong)i, 1)[0] = (byte)(v >> (56 - 8 * i)); }
    private static ulong Get64(byte[] scratch, int off) { ulong v = 0; for (int i = 0; i < 8; i++) v = (v << 8) | scratch[off + i]; return v; }

    /// <summary>A segment table at 0x80000 with page tables at 0x84000: identity for the lowcore, code and handler; Data unmapped.</summary>
    internal static void Space(EngineHarness h, ulong pteBits = 0, bool mapData = true)
    {
        const ulong st = 0x80000, pt = 0x84000;
        for (ulong k = 0; k < 2048; k++) Put64(h, st + k * 8, TableEntry.Invalid);
        for (ulong k = 0; k < 256; k++) Put64(h, pt + k * 8, TableEntry.PageInvalid);
        Put64(h, st, pt);
        foreach (ulong a in new ulong[] { 0, 0x1000, 0x10000, 0x11000, EngineHarness.Scratch, EngineHarness.Scratch + 0x1000 })
            Put64(h, pt + (a >> 12) * 8, a);
        if (mapData) Put64(h, pt + (Data >> 12) * 8, Frame | pteBits);
        h.Cpu.Cr[1] = st | 3;
    }

    internal static byte[] DatOn => A("STOSM", b1: 0, d1: 0x8F0, i2: 0x04);
    internal const ulong PteOfData = 0x84000 + (Data >> 12) * 8;

    public static IEnumerable<Case> Cases()
    {
        // ---- suppression --------------------------------------------------------------------------
        yield return new("operation", PgmCode.Operation, Kind.Suppress, [], [0x00, 0x00], Ilc: 2);
        yield return new("privileged operation", PgmCode.PrivilegedOperation, Kind.Suppress, [], A("SSM", b2: 0, d2: 0x8F0)); // entered in the problem state
        yield return new("execute of execute", PgmCode.Execute, Kind.Suppress, [A("LARL", r1: 1, ri2: 3)], A("EX", r1: 0, b2: 1, d2: 0)); // EX of itself
        yield return new("specification: odd register pair", PgmCode.Specification, Kind.Suppress, [], A("DR", r1: 1, r2: 2));
        yield return new("specification: unaligned LPSW", PgmCode.Specification, Kind.Suppress, [], A("LPSW", b2: 0, d2: 0x8F4));
        yield return new("specification: MVPG key-function control 3", PgmCode.Specification, Kind.Suppress, [A("LGHI", r1: 0, i2: 0xC00)], A("MVPG", r1: 2, r2: 4));
        yield return new("addressing", PgmCode.Addressing, Kind.Suppress, [A("LLIHH", r1: 5, i2: 0x7F)], A("LG", r1: 1, b2: 5, d2: 0));
        yield return new("fixed-point divide", PgmCode.FixedPointDivide, Kind.Suppress, [A("LGHI", r1: 4, i2: 0)], A("DSGR", r1: 2, r2: 4));
        yield return new("data: compare and trap", PgmCode.Data, Kind.Suppress, [A("LGHI", r1: 1, i2: 5)], A("CGIT", r1: 1, i2: 5, m3: 8));
        yield return new("special operation: SAC with DAT off", PgmCode.SpecialOperation, Kind.Suppress, [], A("SACF", d2: 0x100));
        yield return new("protection: low address", PgmCode.Protection, Kind.Suppress, [],
            A("MVI", b1: 0, d1: 0x100, i2: 1), h => h.Cpu.Cr[0] |= Cr0.LowAddressProtection, ExpectedTeid: Teid.Store | Teid.LowAddress);
        yield return new("protection: key", PgmCode.Protection, Kind.Suppress, [A("SPKA", d2: 0x20)],
            A("MVI", b1: 5, d1: 0, i2: 1), h => { h.Cpu.G[5] = Frame; h.Cpu.StorageKeys[Frame >> 12] = 0x30; }, ExpectedTeid: Frame | Teid.Store | Teid.Key);
        yield return new("protection: DAT", PgmCode.Protection, Kind.Suppress, [DatOn],
            A("STG", r1: 1, b2: 5, d2: 0), h => { Space(h, TableEntry.Protect); h.Cpu.G[5] = Data; }, ExpectedTeid: Data | Teid.Store | Teid.Dat);
        yield return new("translation specification", PgmCode.TranslationSpecification, Kind.Suppress, [DatOn],
            A("LG", r1: 1, b2: 5, d2: 0), h => { Space(h, 0x800); h.Cpu.G[5] = Data; });
        // ---- nullification: the handler maps the page, and the retry succeeds -----------------------
        yield return new("page translation", PgmCode.PageTranslation, Kind.Nullify, [DatOn],
            A("LG", r1: 1, b2: 5, d2: 0), h => { Space(h, mapData: false); h.Cpu.G[5] = Data; Put64(h, FixAddr, PteOfData); Put64(h, FixValue, Frame); },
            ExpectedTeid: Data | Teid.Fetch);
        yield return new("MVPG destination page translation", PgmCode.PageTranslation, Kind.Nullify, [DatOn, A("LGHI", r1: 0, i2: 0)],
            A("MVPG", r1: 2, r2: 4), h => { Space(h, mapData: false); h.Cpu.G[2] = Data; h.Cpu.G[4] = EngineHarness.Scratch; Put64(h, FixAddr, PteOfData); Put64(h, FixValue, Frame); },
            ExpectedTeid: Data | Teid.Store);
        yield return new("segment translation", PgmCode.SegmentTranslation, Kind.Nullify, [DatOn],
            A("LG", r1: 1, b2: 5, d2: 0), h => { Space(h); h.Cpu.G[5] = 0x100000 + Data; Put64(h, FixAddr, 0x80008); Put64(h, FixValue, 0x84000); },
            ExpectedTeid: (0x100000 + Data) | Teid.Fetch);
        yield return new("ASCE type", PgmCode.AsceType, Kind.Nullify, [DatOn],
            A("LG", r1: 1, b2: 5, d2: 0), h =>
            {
                // the repair designates a region-third table whose first two entries lead to the segment table
                Space(h);
                for (ulong k = 0; k < 2048; k++) Put64(h, 0x88000 + k * 8, TableEntry.Invalid | (1 << 2));
                Put64(h, 0x88000, 0x80000 | (1 << 2) | 3);
                Put64(h, 0x88008, 0x80000 | (1 << 2) | 3);
                h.Cpu.G[5] = 1UL << 31;
                Put64(h, FixCr1, 0x88000 | (1 << 2) | 3);
            }, ExpectedTeid: (1UL << 31) | Teid.Fetch);
        yield return new("region-third translation", PgmCode.RegionThird, Kind.Nullify, [DatOn],
            A("LG", r1: 1, b2: 5, d2: 0), h =>
            {
                Space(h);
                for (ulong k = 0; k < 512; k++) Put64(h, 0x88000 + k * 8, TableEntry.Invalid | (1 << 2));
                Put64(h, 0x88000, 0x80000 | (1 << 2) | 3);
                h.Cpu.Cr[1] = 0x88000 | (1 << 2);
                h.Cpu.G[5] = (1UL << 31) + Data;
                Put64(h, FixAddr, 0x88008); Put64(h, FixValue, 0x80000 | (1 << 2) | 3);
            }, ExpectedTeid: ((1UL << 31) + Data) | Teid.Fetch);
        yield return new("MVCL page fault: partial completion, resumed", PgmCode.PageTranslation, Kind.Nullify, [DatOn],
            A("MVCL", r1: 2, r2: 4), h =>
            {
                Space(h);
                h.Cpu.G[2] = EngineHarness.Scratch + 0x1FF0; h.Cpu.G[3] = 0x20; h.Cpu.G[4] = 0x10000; h.Cpu.G[5] = 0x20;
                Put64(h, FixAddr, 0x84000 + 0x42 * 8); Put64(h, FixValue, 0x42000);
            }, ExpectedTeid: 0x42000 | Teid.Store);
        yield return new("addressing of a DAT-table entry", PgmCode.Addressing, Kind.Nullify, [DatOn, A("LCTLG", r1: 1, r3: 1, b2: 0, d2: 0x8F8)],
            A("LG", r1: 1, b2: 5, d2: 0), h => { Space(h); h.Cpu.G[5] = Data; Put64(h, 0x8F8, 0xF000_0000 | 3); Put64(h, FixCr1, 0x80000 | 3); },
            Ilc: 2); // it is the fetch of the LG that needs the table: ILC 2
        yield return new("ALET specification", PgmCode.AletSpecification, Kind.Suppress, [DatOn, A("SACF", d2: 0x200)],
            A("LG", r1: 1, b2: 5, d2: 0), h => { Space(h); h.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace; h.Cpu.G[5] = Data; h.Cpu.A[5] = 0x8000_0000; });
        yield return new("ALEN translation", PgmCode.AlenTranslation, Kind.Nullify, [DatOn, A("SACF", d2: 0x200)],
            A("LG", r1: 1, b2: 5, d2: 0), h =>
            {
                // DUCT at 0x8A000 -> access list at 0x8B000 (8 entries); ALE 2 invalid until the handler validates it
                Space(h);
                h.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace;
                h.Cpu.Cr[2] = 0x8A000;
                Put64(h, 0x8A010, 0x0008B000UL << 32);
                Put64(h, 0x8B020, 0x8000_0000UL << 32);
                Put64(h, 0x8B028, 0x8C000UL << 32);
                Put64(h, 0x8C008, 0x80000 | 3);
                h.Cpu.G[5] = Data; h.Cpu.A[5] = 2;
                Put64(h, FixAddr, 0x8B020); Put64(h, FixValue, 0);
            });
        // ---- completion -------------------------------------------------------------------------------
        yield return new("fixed-point overflow", PgmCode.FixedPointOverflow, Kind.Complete,
            [A("LLILH", r1: 1, i2: 0x7FFF), A("OILL", r1: 1, i2: 0xFFFF), A("LHI", r1: 2, i2: 1), A("IILF", r1: 3, i2: 0x0800_0000), A("SPM", r1: 3)], A("AR", r1: 1, r2: 2));
        yield return new("monitor event", PgmCode.Monitor, Kind.Complete, [], A("MC", b1: 0, d1: 0x10, i2: 1), h => h.Cpu.Cr[8] = 0x8000 >> 1);
        yield return new("space-switch event", PgmCode.SpaceSwitch, Kind.Complete, [DatOn],
            A("SACF", d2: 0x300), h => { Space(h); h.Cpu.Cr[0] |= Cpu.Cr0SecondarySpace; h.Cpu.Cr[13] = 0x80000 | 3 | Asce.SpaceSwitchEvent; });
        yield return new("PER successful branch", PgmCode.Per, Kind.Complete, [A("STOSM", b1: 0, d1: 0x8F0, i2: 0x40)],
            A("BRC", m1: 15, ri2: 2), h => { h.Cpu.Cr[9] = Cr9.Branch; h.Cpu.Cr[11] = ulong.MaxValue; });
        // ---- termination: a partially completed interruptible instruction -------------------------------
        yield return new("MVCLE protection: partial completion", PgmCode.Protection, Kind.Terminate, [A("SPKA", d2: 0x20)],
            A("MVCLE", r1: 2, r3: 4, d2: 0), h =>
            {
                h.Cpu.StorageKeys[(EngineHarness.Scratch >> 12) + 1] = 0x30;
                h.Cpu.StorageKeys[EngineHarness.Scratch >> 12] = 0x20;
                h.Cpu.G[2] = EngineHarness.Scratch + 0xFF0; h.Cpu.G[3] = 0x20; h.Cpu.G[4] = 0x2000; h.Cpu.G[5] = 0x20;
            });
        // ---- early exception recognition: the old PSW is the invalid new PSW, ILC 0 ---------------------
        yield return new("specification: invalid PSW (early)", PgmCode.Specification, Kind.Early, [],
            A("LPSWE", b2: 0, d2: 0x8E0), h => { Put64(h, 0x8E0, Psw.EA); Put64(h, 0x8E8, 0x10000); }, Ilc: 0);
        yield return new("specification: branch to an odd address (early)", PgmCode.Specification, Kind.Early, [],
            A("BCR", r1: 15, r2: 1), h => h.Cpu.G[1] = 0x10001, Ilc: 0, EarlyOld: 0x10001);
        yield return new("specification: PSW bit 12 (early)", PgmCode.Specification, Kind.Early, [],
            A("LPSWE", b2: 0, d2: 0x8E0), h => { Put64(h, 0x8E0, Psw.EA | Psw.BA | (1UL << 51)); Put64(h, 0x8E8, 0xDEADBEEE); }, Ilc: 0, EarlyOld: 0xDEADBEEE);
    }

    /// <summary>The program-check handler: record, guard against loops, repair, return to the old PSW.</summary>
    private static byte[] HandlerCode()
    {
        const int Guard = 0x100;
        var code = new List<byte>();
        void E(byte[] b) => code.AddRange(b);
        // BRC to a later point: emitted with a placeholder, patched when the target is known
        int Skip(int mask) { int at = code.Count; E(A("BRC", m1: mask, ri2: 0)); return at; }
        void Here(int at) { int ri = (code.Count - at) / 2; code[at + 2] = (byte)(ri >> 8); code[at + 3] = (byte)ri; }
        E(A("MVC", b1: 0, d1: (long)OldPsw, l1: 15, b2: 0, d2: Lowcore.PgmOldPsw));
        E(A("MVC", b1: 0, d1: (long)IntId, l1: 3, b2: 0, d2: Lowcore.PgmIlc));
        E(A("MVC", b1: 0, d1: (long)TeidRec, l1: 7, b2: 0, d2: Lowcore.TransExcId));
        E(A("STMG", r1: 1, r3: 2, b2: 0, d2: 0x900));
        E(A("LG", r1: 1, b2: 0, d2: (long)Count)); E(A("AGHI", r1: 1, i2: 1)); E(A("STG", r1: 1, b2: 0, d2: (long)Count));
        // a second interruption: the program looped; stop in the program-check wait
        E(A("CGHI", r1: 1, i2: 2));
        E(A("BRC", m1: 10, ri2: (Guard - code.Count) / 2));
        E(A("LG", r1: 1, b2: 0, d2: (long)FixAddr)); E(A("LTGR", r1: 1, r2: 1));
        int s1 = Skip(8);
        E(A("LG", r1: 2, b2: 0, d2: (long)FixValue)); E(A("STG", r1: 2, b2: 1, d2: 0));
        Here(s1);
        E(A("LG", r1: 1, b2: 0, d2: (long)NewAddr)); E(A("LTGR", r1: 1, r2: 1));
        int s2 = Skip(8);
        E(A("STG", r1: 1, b2: 0, d2: Lowcore.PgmOldPsw + 8));
        E(A("LG", r1: 2, b2: 0, d2: (long)NewMask)); E(A("STG", r1: 2, b2: 0, d2: Lowcore.PgmOldPsw));
        Here(s2);
        E(A("LG", r1: 1, b2: 0, d2: (long)FixCr1)); E(A("LTGR", r1: 1, r2: 1));
        int s3 = Skip(8);
        E(A("LCTLG", r1: 1, r3: 1, b2: 0, d2: (long)FixCr1));
        Here(s3);
        E(A("LMG", r1: 1, r3: 2, b2: 0, d2: 0x900));
        E(A("LPSWE", b2: 0, d2: Lowcore.PgmOldPsw));
        while (code.Count < Guard) code.AddRange([0x07, 0x00]);
        E(A("LPSWE", b2: 0, d2: 0x8C0));
        return code.ToArray();
    }

    [TestCaseSource(nameof(Cases))]
    public void Old_psw_is_the_architected_one_and_the_program_continues(Case c)
    {
        var outcomes = new List<(CpuSnapshot Snap, byte[] Rec)>();
        foreach (var engine in new IExecutionEngine[] { EngineHarness.Interpreter(), EngineHarness.Jit() })
        {
            using var h = new EngineHarness();
            var before = c.Before.SelectMany(x => x).ToArray();
            ulong faultAddr = EngineHarness.Code + (ulong)before.Length;
            // after the faulting instruction: mark that execution went on, then SVC 0 ends the run
            var code = before.Concat(c.Faulting).Concat(A("LGHI", r1: 13, i2: 0x77)).Concat(A("SVC", i2: 0)).ToArray();
            if (c.Name.StartsWith("privileged"))
            {
                // enter the problem state just before the faulting SSM: LPSWE from a PSW built at 0x8E0
                var enter = A("LPSWE", b2: 0, d2: 0x8E0);
                faultAddr = EngineHarness.Code + (ulong)enter.Length;
                code = enter.Concat(c.Faulting).Concat(A("LGHI", r1: 13, i2: 0x77)).Concat(A("SVC", i2: 0)).ToArray();
                Put64(h, 0x8E0, Psw.EA | Psw.BA | Psw.Problem);
                Put64(h, 0x8E8, faultAddr);
            }
            h.Load(code);
            HandlerCode().CopyTo(h.Mem(Handler, HandlerCode().Length));
            h.PutPsw(Lowcore.PgmNewPsw, Psw.EA | Psw.BA, Handler);
            h.PutPsw(Lowcore.SvcNewPsw, Psw.EA | Psw.BA | Psw.Wait, EngineHarness.DoneWait);
            h.PutPsw(0x8C0, Psw.EA | Psw.BA | Psw.Wait, EngineHarness.PgmWait);
            if (c.Kind == Kind.Early) { Put64(h, NewAddr, faultAddr + (ulong)c.Faulting.Length); Put64(h, NewMask, Psw.EA | Psw.BA); }
            c.Setup?.Invoke(h);
            var snap = h.Run(engine);
            var rec = h.Mem(Records, 0x60).ToArray();
            outcomes.Add((snap, rec));

            Assert.That(snap.PswAddr, Is.EqualTo(EngineHarness.DoneWait), $"{engine.Name}: the program ended normally (not in the loop guard)");
            Assert.That(Get64(rec, 0), Is.EqualTo(1UL), $"{engine.Name}: exactly one program interruption");
            Assert.That(snap.G[13], Is.EqualTo(0x77UL), $"{engine.Name}: execution continued after the faulting instruction");
            ushort code16 = (ushort)((rec[0x22] << 8) | rec[0x23]);
            Assert.That(code16, Is.EqualTo(c.Code), $"{engine.Name}: interruption code");
            ulong old = Get64(rec, 0x18);
            int ilc = (rec[0x20] << 8) | rec[0x21];
            ulong expected = c.Kind switch
            {
                Kind.Nullify => faultAddr,
                Kind.Early => c.EarlyOld,
                _ => faultAddr + (ulong)c.Faulting.Length,
            };
            Assert.That(old, Is.EqualTo(expected), $"{engine.Name}: old PSW for {c.Kind}");
            Assert.That(ilc, Is.EqualTo(c.Ilc >= 0 ? c.Ilc : c.Faulting.Length), $"{engine.Name}: ILC");
            if (c.ExpectedTeid != ulong.MaxValue) Assert.That(Get64(rec, 0x28), Is.EqualTo(c.ExpectedTeid), $"{engine.Name}: TEID");
            if (c.Name.StartsWith("MVCL page")) Assert.That((snap.G[2], snap.G[3]), Is.EqualTo((0x42010UL, 0UL)), "moved completely after the resume");
            if (c.Kind == Kind.Terminate) Assert.That((snap.G[2], snap.G[3]), Is.EqualTo((EngineHarness.Scratch + 0x1000, 0x10UL)), "the registers describe the 16 bytes moved");
        }
        Assert.That(outcomes[1].Snap.Diff(outcomes[0].Snap), Is.Empty, "interpreter and JIT agree");
        Assert.That(outcomes[1].Rec, Is.EqualTo(outcomes[0].Rec));
    }
}
