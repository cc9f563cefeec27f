using S390Jit.Architecture.State;
using S390Jit.Tests.Architecture;

namespace S390Jit.Tests.Differential;

/// <summary>
/// Runs one case on a bare CPU in the test process and returns the record guests/fpdiff would print
/// for it: with <paramref name="vector"/> false as on a machine without the vector facility (FPRs only),
/// with it true as with the vector facility (CR0 vector enablement, 32 VRs, both halves). Used by the
/// QEMU deviation models (to re-run a case with other FPC masks) and by fast unit checks.
/// </summary>
public static class DiffInProcess
{
    [ThreadStatic] private static CpuHarness? t_harness;

    public static DiffRecord Run(DiffCase c, bool vector = false)
    {
        var h = t_harness ??= new CpuHarness(16 << 20);
        var cpu = h.Cpu;
        cpu.InitialReset();
        cpu.LoadPsw(Psw.EA | Psw.BA, CpuHarness.CodeAddress);
        h.Put64(Lowcore.PgmNewPsw, 0);
        h.Put64(Lowcore.PgmNewPsw + 8, 0);
        cpu.Cr[0] &= ~Cr0.VectorControls;
        if (!c.AfpOff) cpu.Cr[0] |= vector && !c.VectorOff ? Cr0.VectorControls : Cr0.AfpRegisters;
        for (int r = 0; r < 16; r++) cpu.G[r] = c.Gpr(r);
        for (int r = 0; r < 32; r++) { cpu.V[2 * r] = c.Fpr(r); cpu.V[2 * r + 1] = c.Vrs.TryGetValue(r, out var v) ? v.Lo : DiffCase.DefaultVrLo(r); }
        var vin = new ulong[64];
        for (int k = 0; k < 64; k++) vin[k] = cpu.V[k];
        cpu.Fpc = c.Fpc;
        cpu.Cc = c.Cc;
        cpu.PswMask = (cpu.PswMask & ~Psw.ProgramMask) | ((ulong)c.ProgramMask << 40);
        var buf = h.Mem(DiffCase.Buffer, DiffCase.BufferSize);
        for (int k = 0; k < DiffCase.BufferSize; k++) buf[k] = c.BufferByte(k);
        c.Insn.CopyTo(h.Mem(CpuHarness.CodeAddress, c.Insn.Length));
        ulong at = CpuHarness.CodeAddress;
        var rec = new DiffRecord();
        ushort code = 0;
        try { cpu.Step(); }
        catch (ProgramInterruptException e)
        {
            code = e.Code;
            cpu.DeliverProgramInterruption(e.Code, e.Nullify);
        }
        if (code != 0)
        {
            rec.Tokens.Add(("cc", ((h.Get64(Lowcore.PgmOldPsw) >> 44) & 3).ToString()));
            rec.Tokens.Add(("fpc", cpu.Fpc.ToString("x8")));
            int dxc = (code & 0x7F) is 7 or 0x1B ? (int)(h.Get32(Lowcore.DataExcCode) & 0xFF) : 0;
            rec.Tokens.Add(("pgm", $"{code:x4},{dxc:x2},{h.Get16(Lowcore.PgmIlc) & 6},{h.Get64(Lowcore.PgmOldPsw + 8) - at}"));
        }
        else
        {
            rec.Tokens.Add(("cc", cpu.Cc.ToString()));
            rec.Tokens.Add(("fpc", cpu.Fpc.ToString("x8")));
        }
        for (int r = 0; r < 16; r++)
            if (cpu.G[r] != c.Gpr(r)) rec.Tokens.Add(($"g{r}", cpu.G[r].ToString("x16")));
        for (int r = 0; r < (vector ? 32 : 16); r++)
        {
            if (cpu.V[2 * r] != vin[2 * r]) rec.Tokens.Add(($"f{r}", cpu.V[2 * r].ToString("x16")));
            if (vector && cpu.V[2 * r + 1] != vin[2 * r + 1]) rec.Tokens.Add(($"l{r}", cpu.V[2 * r + 1].ToString("x16")));
        }
        int first = -1, last = -1;
        for (int k = 0; k < DiffCase.BufferSize; k++)
            if (buf[k] != c.BufferByte(k)) { if (first < 0) first = k; last = k; }
        if (first >= 0) rec.Tokens.Add(($"m{first}", Convert.ToHexString(buf[first..(last + 1)]).ToLowerInvariant()));
        return rec;
    }
}
