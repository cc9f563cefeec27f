using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Host.Crypto;
using S390Jit.Host.Kvm;
using S390Jit.Memory;
using S390Jit.Hardware.Sie;
using S390Jit.Hardware;
using S390Jit.Hardware.Ap;

namespace S390Jit.Tests.Hardware;

/// <summary>
/// One CPU with 1 MiB of storage and the <see cref="ApFirmware"/> of a machine with an AP configuration, for instruction-level
/// AP tests: natively (no SIE: the LPAR's whole configuration) or as a guest CPU under SIE with
/// ECA.APIE and a CRYCB of a chosen format in host memory. Instructions are assembled with the
/// table's assembler at 0x10000 and executed one at a time with <see cref="Exec"/>.
/// </summary>
public sealed unsafe class ApHarness : IDisposable
{
    public const ulong Code = 0x10000, Msg = 0x20000, Reply = 0x40000, Qci = 0x60000;
    public const uint Mhz = 5200;
    public const ushort Q = 0x0504;

    private readonly Memslot _slot;

    /// <summary>A configuration with adapters 05 and 06 (CEX7, depth 8) and usage domains 4 and 5 unless given.</summary>
    public ApHarness(ApConfiguration? ap = null, bool apFacility = true)
    {
        HostMem = new HostMemory();
        _slot = new Memslot(HostMem, 0, 1 << 20, "test RAM");
        Ap = ap ?? DefaultConfiguration();
        Machine = new HostMachine(HostMem, ap: Ap);
        Firmware = Machine.ApFirmware!;
        Cpu = new Cpu();
        Cpu.AttachStorage(_slot.Pointer, 1 << 20);
        Cpu.Clock = new CpuClock(Mhz);
        var model = new CpuModel();
        model.Facilities.Add(Fac.ApQci);
        model.Facilities.Add(Fac.ApFt);
        model.Facilities.Add(Fac.ApQueueInterruptControl);
        Cpu.Facilities = model.ToList();
        if (apFacility) Cpu.Ap = Firmware;
        Cpu.LoadPsw(Psw.EA | Psw.BA, Code);
    }

    public static ApConfiguration DefaultConfiguration(bool apxa = true, ApDeviceType type = ApDeviceType.Cex7, int depth = 8)
    {
        var ap = new ApConfiguration(apxa);
        ap.AddUsageDomain(4);
        ap.AddUsageDomain(5);
        ap.AddControlDomain(4);
        ap.AddAdapter(5, type, depth);
        ap.AddAdapter(6, type, depth);
        return ap;
    }

    /// <summary>Adapters 05 (CEX7) and 06 (<paramref name="second"/>) with usage domains 4 and 5, no control domain: a configuration two VMs share.</summary>
    public static ApConfiguration SharedConfiguration(ApDeviceType second = ApDeviceType.Cex7)
    {
        var ap = new ApConfiguration();
        ap.AddUsageDomain(4);
        ap.AddUsageDomain(5);
        ap.AddAdapter(5, ApDeviceType.Cex7);
        ap.AddAdapter(6, second);
        return ap;
    }

    public HostMemory HostMem { get; }
    public ApConfiguration Ap { get; }
    public HostMachine Machine { get; }
    public ApFirmware Firmware { get; }
    public Cpu Cpu { get; }
    public ulong Crycb { get; private set; }
    /// <summary>The SIE controls the CPU runs under (after <see cref="UnderSie"/>).</summary>
    public SieControls Sie => (SieControls)Cpu.Sie!;

    /// <summary>Runs the CPU as a guest under SIE with ECA.APIE and a CRYCB of <paramref name="format"/> (0, 1, 2).</summary>
    public ApHarness UnderSie(int format, bool apie = true)
    {
        Crycb = HostMem.KernelAlloc(0x1000, 0x1000) + 0x800;
        uint fmt = format switch { 2 => 3u, 1 => 1u, _ => 0u };
        Cpu.Sie = new SieControls { Eca = apie ? StateDescription.EcaApie : 0, Crycbd = (uint)Crycb | fmt };
        return this;
    }

    /// <summary>Sets an APCB0 (formats 0/1) or APCB1 (format 2) mask bit in the CRYCB.</summary>
    public void CrycbBit(int offset, int n) => HostMem.WriteU8(Crycb + (ulong)offset + (ulong)(n >> 3), (byte)(HostMem.ReadU8(Crycb + (ulong)offset + (ulong)(n >> 3)) | (0x80 >> (n & 7))));

    public void CrycbMatrix(bool format2, int[] apids, int[] apqis)
    {
        foreach (int a in apids) CrycbBit(format2 ? ApFirmware.Apcb1Apm : ApFirmware.Apcb0Apm, a);
        foreach (int d in apqis) CrycbBit(format2 ? ApFirmware.Apcb1Aqm : ApFirmware.Apcb0Aqm, d);
    }

    public ulong G(int r) => Cpu.G[r];

    public void SetFacility(int bit, bool on)
    {
        Cpu.SetFacility(bit, on);
    }

    /// <summary>The outcome of one instruction: its cc, the program-interruption code (0: none), or an intercept.</summary>
    public readonly record struct Result(int Cc, ushort Pgm, bool Intercepted);

    /// <summary>Executes one instruction at 0x10000 with the current registers.</summary>
    public Result Exec(string mnemonic, int r1 = 0, int r2 = 0)
    {
        var bytes = Assembler.Encode(mnemonic, r1: r1, r2: r2);
        bytes.CopyTo(_slot.Span(Code, bytes.Length));
        Cpu.PswAddr = Code;
        Cpu.Cc = 0;
        try
        {
            var exit = Cpu.Step();
            if (exit == CpuExit.Instruction) return new Result(-1, 0, true);
            return new Result(Cpu.Cc, 0, false);
        }
        catch (ProgramInterruptException e) { return new Result(-1, e.Code, false); }
    }

    /// <summary>PQAP with GR0 = fc &lt;&lt; 24 | apqn (| extra); returns the result, GR1 holds the status.</summary>
    public Result Pqap(int fc, ushort apqn, ulong extra = 0, ulong gr1 = 0, ulong gr2 = 0)
    {
        Cpu.G[0] = ((ulong)fc << 24) | apqn | extra;
        Cpu.G[1] = gr1;
        Cpu.G[2] = gr2;
        return Exec("PQAP");
    }

    public uint Status => (uint)Cpu.G[1];
    public byte Rc => ApStatus.Rc(Status);

    /// <summary>TAPQ (T bit set); returns RC.</summary>
    public byte Tapq(ushort apqn = Q, bool t = true) { Pqap(0, apqn, t ? 0x80_0000UL : 0); return Rc; }

    /// <summary>NQAP of the message at <paramref name="address"/> (R1 = 4, R2 = 2), one execution.</summary>
    public Result Nqap(ushort apqn, ulong psmid, ulong address, ulong length, ulong flags = 0x4000_0000)
    {
        Cpu.G[0] = apqn | flags;
        Cpu.G[2] = address;
        Cpu.G[3] = length;
        Cpu.G[4] = psmid >> 32;
        Cpu.G[5] = (uint)psmid;
        return Exec("NQAP", r1: 4, r2: 2);
    }

    /// <summary>Writes a message at <paramref name="address"/> and enqueues it completely (looping on cc 2).</summary>
    public Result Send(byte[] msg, ulong psmid = 0x1234, ushort apqn = Q, ulong address = Msg)
    {
        Put(address, msg);
        var r = Nqap(apqn, psmid, address, (ulong)msg.Length);
        while (r.Cc == 2) r = Exec("NQAP", r1: 4, r2: 2);
        return r;
    }

    /// <summary>DQAP (R1 = 6, R2 = 4) into <paramref name="address"/>, one execution; GR2 = residual in/out.</summary>
    public Result Dqap(ushort apqn, ulong address, ulong length, ulong gr0Flags = 0x8000_0000, ulong residual = 0)
    {
        Cpu.G[0] = apqn | gr0Flags;
        Cpu.G[2] = residual;
        Cpu.G[4] = address;
        Cpu.G[5] = length;
        return Exec("DQAP", r1: 6, r2: 4);
    }

    /// <summary>Dequeues a whole reply (looping on cc 1/2 with the updated registers); returns it, or null with the last result.</summary>
    public byte[]? Receive(out Result last, ushort apqn = Q, ulong address = Reply, ulong size = 0x4000)
    {
        last = Dqap(apqn, address, size);
        while (last.Cc is 1 or 2 && Cpu.G[5] != 0) last = Exec("DQAP", r1: 6, r2: 4);
        if (last.Cc != 0) return null;
        return Mem(address, (int)(size - Cpu.G[5])).ToArray();
    }

    public ulong Psmid => (Cpu.G[6] << 32) | (uint)Cpu.G[7];

    /// <summary>Advances the CPU's cycle counter (guest time passing).</summary>
    public void Wait(ulong cycles) => Cpu.Cycles += cycles;
    public void WaitMicroseconds(ulong us) => Cpu.Cycles += us * Mhz;

    public ApQueue Queue(ushort apqn = Q) => Ap.Queue(apqn)!;

    public Span<byte> Mem(ulong abs, int len) => _slot.Span(abs, len);
    public void Put(ulong abs, byte[] bytes) => bytes.CopyTo(Mem(abs, bytes.Length));

    public void Dispose() => HostMem.Dispose();

    // ---- messages from the test vectors ------------------------------------------------------------
    public static byte[] Hex(string s) => Convert.FromHexString(s);
    public static readonly byte[] E65537 = [0x01, 0x00, 0x01];

    public static byte[] MeEncrypt(ApVectors.Key k) => Type50.ModExpo(E65537, Hex(k.N), Hex(k.M));
    public static byte[] MeDecrypt(ApVectors.Key k) => Type50.ModExpo(Hex(k.D), Hex(k.N), Hex(k.C));
    public static byte[] CrtDecrypt(ApVectors.Key k) =>
        Type50.Crt(k.Bits / 8, Hex(k.P), Hex(k.Q), Hex(k.Dp), Hex(k.Dq), Hex(k.U), Hex(k.C));

    public static ApVectors.Key Key(int bits) => ApVectors.Keys.Single(k => k.Bits == bits);

    /// <summary>The result bytes of a type 80 reply (its last <paramref name="modLen"/> bytes).</summary>
    public static byte[] Result80(byte[] reply, int modLen) => reply[^modLen..];
}
