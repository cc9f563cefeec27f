using S390Jit.Architecture.Isa;
using S390Jit.Architecture.Semantics;
using S390Jit.Architecture.State;
using S390Jit.Tests.Execution;

namespace S390Jit.Tests.Vector;

/// <summary>What a vector test program left behind.</summary>
public sealed class VectorResult
{
    public required CpuState State { get; init; }
    public required byte[] Scratch { get; init; }
    /// <summary>Program-interruption code (0: none) and the DXC/VXC stored at lowcore 0x90.</summary>
    public required ushort Pgm { get; init; }
    public required uint Dxc { get; init; }
    /// <summary>Address of the instruction after the one that was interrupted (program old PSW).</summary>
    public required ulong OldPswAddr { get; init; }

    public Vec V(int r) => new(State.V[2 * r], State.V[2 * r + 1]);
    public ulong G(int r) => State.G[r];
    /// <summary>The condition code the program saved with IPM into GR 15 (bits 34-35).</summary>
    public int Cc => (int)(State.G[15] >> 28) & 3;
}

/// <summary>
/// Runs a short program of vector instructions (vector facility, enhancements 1 and 2 installed,
/// CR0 AFP and vector enablement on unless a test changes them) under the interpreter and under the
/// JIT (a second run, after the first one compiled the code) and asserts that both leave the same
/// architected state, storage and interruption; returns the interpreter's result.
/// Storage operands go to <see cref="EngineHarness.Scratch"/> (1 MiB of storage: 0x100000 is the first
/// address that does not exist).
/// </summary>
public static class VectorRig
{
    public const ulong Scratch = EngineHarness.Scratch;

    /// <summary>Encodes a program; <see cref="Ipm"/> appends IPM 15 so that <see cref="VectorResult.Cc"/> can read it.</summary>
    public static byte[] Code(params byte[][] insns) => insns.SelectMany(x => x).ToArray();
    public static byte[] Ipm => Assembler.Encode("IPM", r1: 15);
    public static byte[] A(string mnemonic, int v1 = 0, int v2 = 0, int v3 = 0, int v4 = 0, int m3 = 0, int m4 = 0, int m5 = 0,
        int m6 = 0, int r1 = 0, int r2 = 0, int r3 = 0, int x2 = 0, int b2 = 0, long d2 = 0, long i2 = 0, long i3 = 0, long i4 = 0) =>
        Assembler.Encode(mnemonic, v1: v1, v2: v2, v3: v3, v4: v4, m3: m3, m4: m4, m5: m5, m6: m6, r1: r1, r2: r2, r3: r3,
            x2: x2, b2: b2, d2: d2, i2: i2, i3: i3, i4: i4);

    public static void SetV(Cpu c, int r, Vec v) => v.To(c, r);
    public static void SetV(Cpu c, int r, ulong h, ulong l) => new Vec(h, l).To(c, r);

    /// <summary>Facility bits a test may switch off (vector enhancements 1/2) to see the older behaviour.</summary>
    public static readonly int[] VectorFacilities = [Fac.Vector, Fac.VectorEnh1, Fac.VectorEnh2, Fac.VectorPackedDecimal];

    public static VectorResult Run(byte[] code, Action<EngineHarness>? setup = null, int[]? without = null)
    {
        VectorResult Once(bool jit)
        {
            using var h = new EngineHarness();
            foreach (int f in VectorFacilities) h.Cpu.SetFacility(f, !(without ?? []).Contains(f));
            h.Cpu.Cr[0] |= Cr0.VectorControls;
            setup?.Invoke(h);
            var initial = h.Cpu.Capture();
            var scratch = h.Mem(Scratch, (int)EngineHarness.ScratchSize).ToArray();
            h.Load(code);
            if (!jit) return Result(h, h.Run(EngineHarness.Interpreter()));
            var engine = EngineHarness.Jit();
            h.Run(engine);
            // run again from the same state: now the code is compiled
            h.Cpu.Restore(initial);
            scratch.CopyTo(h.Mem(Scratch, scratch.Length));
            h.Mem(Lowcore.PgmCode, 2).Clear();
            h.Mem(Lowcore.DataExcCode, 4).Clear();
            var r = Result(h, h.Run(engine));
            if (r.Pgm == 0) Assert.That(engine.Stats.RegionRuns, Is.GreaterThan(0), "the JIT ran compiled code");
            return r;
        }
        var i = Once(false);
        var j = Once(true);
        Assert.That(j.State.Diff(i.State), Is.Empty, "JIT and interpreter state");
        Assert.That(j.Scratch, Is.EqualTo(i.Scratch), "JIT and interpreter storage");
        Assert.That((j.Pgm, j.Dxc), Is.EqualTo((i.Pgm, i.Dxc)), "JIT and interpreter interruption");
        return i;
    }

    private static VectorResult Result(EngineHarness h, CpuSnapshot s)
    {
        var st = h.Cpu.Capture();
        // cycles and instruction counts are compared by the guest tests; the JIT's second run counts from the first
        st.Cycles = st.Instructions = 0;
        uint dxc = (uint)((h.Mem(Lowcore.DataExcCode, 4)[0] << 24) | (h.Mem(Lowcore.DataExcCode, 4)[1] << 16) |
                          (h.Mem(Lowcore.DataExcCode, 4)[2] << 8) | h.Mem(Lowcore.DataExcCode, 4)[3]);
        ulong old = 0;
        for (int k = 0; k < 8; k++) old = (old << 8) | h.Mem((ulong)Lowcore.PgmOldPsw + 8 + (ulong)k, 1)[0];
        return new VectorResult { State = st, Scratch = s.Scratch, Pgm = s.PgmCode, Dxc = s.PgmCode != 0 ? dxc : 0, OldPswAddr = old };
    }

    /// <summary>Runs one instruction with V1..V4 preset and returns V1 (the rest through the result).</summary>
    public static VectorResult One(byte[] insn, Vec? v2 = null, Vec? v3 = null, Vec? v4 = null, Vec? v1 = null, int[]? without = null,
        Action<EngineHarness>? setup = null) =>
        Run(Code(insn, Ipm), h =>
        {
            if (v1 is { } a) SetV(h.Cpu, 1, a);
            if (v2 is { } b) SetV(h.Cpu, 2, b);
            if (v3 is { } c) SetV(h.Cpu, 3, c);
            if (v4 is { } d) SetV(h.Cpu, 4, d);
            setup?.Invoke(h);
        }, without);

    public static Vec Bytes(params byte[] b)
    {
        Assert.That(b.Length, Is.EqualTo(16));
        Vec v = default;
        for (int k = 0; k < 16; k++) v.SetB(k, b[k]);
        return v;
    }

    /// <summary>A vector from elements of size es, left to right.</summary>
    public static Vec Elems(int es, params ulong[] e)
    {
        Assert.That(e.Length, Is.EqualTo(Vec.Count(es)));
        Vec v = default;
        for (int k = 0; k < e.Length; k++) v.Set(es, k, e[k]);
        return v;
    }

    public static Vec Str(string s, int es = 0)
    {
        Vec v = default;
        for (int k = 0; k < s.Length && k < Vec.Count(es); k++) v.Set(es, k, s[k]);
        return v;
    }
}
