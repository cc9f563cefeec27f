using System.Buffers.Binary;
using S390Jit.Architecture.State;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>
/// The channel subsystem in user space (QEMU's ioinst.c/css.c roles) with KVM's TPI/TSCH part and
/// floating I/O interruptions: CHSC, and kvm-unit-tests css-style steps on a virtio-net-ccw subchannel
/// (STSCH enumeration, MSCH enable, SSCH of a SENSE ID channel program, the I/O interruption, TSCH,
/// unit check with command reject, ORB/SCHIB validity, SCHM measurement). Under both engines.
/// </summary>
public class ChannelSubsystemTests
{
    private const ulong Chsc = 0x30000, Schib = 0x31000, Orb = 0x31100, Ccw = 0x31200, Data = 0x31300, Irb = 0x31400, Words = 0x31500,
        Mb = 0x32000;
    private const ulong IoWait = 0x1010_0000;

    private static (RunResult Result, Machine Machine) Run(TestGuest g, string engine, bool device = true, Action<Machine>? setup = null)
    {
        var opt = new MachineOptions { Console = new MemoryStream(), MaxCycles = 50_000_000, Engine = engine };
        if (device) opt.VirtioCcw.Add(new VirtioCcwDevice(VirtioCcwDevice.Network, null));
        var m = new Machine(opt);
        m.LoadKernel(g.Image());
        setup?.Invoke(m);
        return (m.Run(), m);
    }

    private static void Put16(Machine m, ulong a, ushort v) => BinaryPrimitives.WriteUInt16BigEndian(m.Kvm.Memory.Span(a, 2), v);
    private static void Put32(Machine m, ulong a, uint v) => BinaryPrimitives.WriteUInt32BigEndian(m.Kvm.Memory.Span(a, 4), v);
    private static ushort Get16(Machine m, ulong a) => BinaryPrimitives.ReadUInt16BigEndian(m.Kvm.Memory.Span(a, 2));
    private static uint Get32(Machine m, ulong a) => BinaryPrimitives.ReadUInt32BigEndian(m.Kvm.Memory.Span(a, 4));
    private static int Cc(Machine m, int r) => (int)((m.Boot.Cpu.G[r] >> 28) & 3);
    private static ushort PgmCodeOf(Machine m) => Get16(m, Lowcore.PgmCode);

    /// <summary>Writes an ORB (format-1 CCWs, LPM 0x80) and one CCW1.</summary>
    private static void ChannelProgram(Machine m, byte cmd, byte flags, ushort count, uint cda, uint intparm = 0x1234_5678, ushort ctrl0 = 0x0080, byte ctrl1 = 0)
    {
        Put32(m, Orb, intparm);
        Put16(m, Orb + 4, ctrl0);
        m.Kvm.Memory.Span(Orb + 6, 1)[0] = 0x80;
        m.Kvm.Memory.Span(Orb + 7, 1)[0] = ctrl1;
        Put32(m, Orb + 8, (uint)Ccw);
        var c = m.Kvm.Memory.Span(Ccw, 8);
        c[0] = cmd; c[1] = flags;
        BinaryPrimitives.WriteUInt16BigEndian(c[2..], count);
        BinaryPrimitives.WriteUInt32BigEndian(c[4..], cda);
    }

    /// <summary>STSCH 0.0.0000, set ENA and ISC 3, MSCH: cc of STSCH in R7, of MSCH in R8.</summary>
    private static TestGuest Enable(TestGuest g) => g
        .Load64(1, 0x0001_0000).Load64(5, Schib)
        .Asm("STSCH", b2: 5, d2: 0).Asm("IPM", r1: 7)
        .Asm("OI", b1: 5, d1: 4, i2: 0x18).Asm("OI", b1: 5, d1: 5, i2: 0x80)
        .Asm("MSCH", b2: 5, d2: 0).Asm("IPM", r1: 8);

    /// <summary>CR6 with the ISC 3 mask.</summary>
    private static TestGuest EnableIsc3(TestGuest g) => g
        .Load64(2, 0x1000_0000).Load64(4, Words).Asm("STG", r1: 2, b2: 4, d2: 0).Asm("LCTLG", r1: 6, r3: 6, b2: 4, d2: 0);

    // ---- CHSC ------------------------------------------------------------------------------------

    private static TestGuest ChscGuest(ulong block = Chsc) => new TestGuest().Load64(2, block).Asm("CHSC", r1: 2, r2: 0).Asm("IPM", r1: 7).Stop();

    [TestCase("interp")]
    [TestCase("jit")]
    public void Chsc_scsc_reports_qemus_characteristics_with_extended_measurement_blocks(string engine)
    {
        var (r, m) = Run(ChscGuest(), engine, device: false, setup: m => { Put16(m, Chsc, 0x10); Put16(m, Chsc + 2, 0x0010); });
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(Cc(m, 7), Is.EqualTo(0));
            Assert.That((Get16(m, Chsc + 16), Get16(m, Chsc + 18)), Is.EqualTo(((ushort)4080, (ushort)1)), "response length and code");
            ulong general = Chsc + 24;
            Assert.That((Get32(m, general), Get32(m, general + 4), Get32(m, general + 12)), Is.EqualTo((0x0300_0000u, 0x0007_9000u, 0x0008_0000u)));
            Assert.That((Get32(m, general + 4) >> (63 - 48)) & 1, Is.EqualTo(1u), "general characteristic bit 48: extended measurement blocks (Linux: format extended)");
            Assert.That((Get32(m, general + 2040), Get32(m, general + 2052)), Is.EqualTo((0x4000_0000u, 0x0004_0000u)), "CHSC characteristics");
        }
    }

    [TestCase("interp", (ushort)0x0033, (ushort)0x10, 0u, (ushort)0x0004)] // unknown command
    [TestCase("jit", (ushort)0x000E, (ushort)0x10, 0u, (ushort)0x0005)]    // SEI: no event
    [TestCase("interp", (ushort)0x0010, (ushort)0x18, 0u, (ushort)0x0003)] // SCSC with a wrong request length
    [TestCase("jit", (ushort)0x0010, (ushort)0x10, 0x0001_0000u, (ushort)0x0007)] // SCSC format 1
    [TestCase("interp", (ushort)0x0010, (ushort)0x10, 0x0000_0100u, (ushort)0x0008)] // SCSC for CSS 1
    [TestCase("jit", (ushort)0x0031, (ushort)0x400, 0x0000_0002u, (ushort)0x0001)]  // SDA: enable MSS
    [TestCase("interp", (ushort)0x0031, (ushort)0x400, 0x0000_0005u, (ushort)0x0003)] // SDA: unknown operation code
    public void Chsc_response_codes_as_qemu(string engine, ushort command, ushort length, uint param0, ushort code)
    {
        var (r, m) = Run(ChscGuest(), engine, device: false, setup: m => { Put16(m, Chsc, length); Put16(m, Chsc + 2, command); Put32(m, Chsc + 4, param0); });
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(Cc(m, 7), Is.EqualTo(0));
            Assert.That((Get16(m, Chsc + length), Get16(m, Chsc + length + 2u)), Is.EqualTo(((ushort)8, code)));
        }
    }

    [TestCase("interp", Chsc + 8, (ushort)0x10, PgmCode.Specification)]
    [TestCase("jit", Chsc, (ushort)0x0C, PgmCode.Operand)]
    [TestCase("interp", Chsc, (ushort)0x14, PgmCode.Operand)]
    public void Chsc_misaligned_block_or_bad_length_is_a_program_exception(string engine, ulong block, ushort length, ushort pgm)
    {
        var (_, m) = Run(ChscGuest(block), engine, device: false, setup: m => { Put16(m, Chsc, length); Put16(m, Chsc + 2, 0x10); });
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait));
            Assert.That(PgmCodeOf(m), Is.EqualTo(pgm));
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Chsc_scpd_describes_the_virtual_channel_path(string engine)
    {
        var (r, m) = Run(ChscGuest(), engine, setup: m => { Put16(m, Chsc, 0x10); Put16(m, Chsc + 2, 0x0002); Put32(m, Chsc + 8, 0xFF); });
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That((Get16(m, Chsc + 16), Get16(m, Chsc + 18)), Is.EqualTo(((ushort)16, (ushort)1)), "one 8-byte descriptor");
            Assert.That(Get32(m, Chsc + 24), Is.EqualTo(0x8000_3200u), "valid, type 0x32, CHPID 0");
        }
    }

    // ---- subchannels -------------------------------------------------------------------------------

    [TestCase("interp")]
    [TestCase("jit")]
    public void Stsch_enumerates_the_virtio_subchannel_and_then_reports_no_more(string engine)
    {
        var g = new TestGuest().Load64(1, 0x0001_0000).Load64(5, Schib).Asm("STSCH", b2: 5, d2: 0).Asm("IPM", r1: 7)
            .Load64(1, 0x0001_0001).Load64(5, Schib + 0x80).Asm("STSCH", b2: 5, d2: 0).Asm("IPM", r1: 8)
            .Load64(1, 0x0000_0000).Asm("STSCH", b2: 5, d2: 0).Stop();
        var (_, m) = Run(g, engine);
        using (m)
        {
            Assert.That((Cc(m, 7), Cc(m, 8)), Is.EqualTo((0, 3)));
            Assert.That((Get16(m, Schib + 4), Get16(m, Schib + 6)), Is.EqualTo(((ushort)Subchannel.PmcwDeviceNumberValid, (ushort)0)), "device number 0000 valid, not enabled");
            Assert.That(Get32(m, Schib + 8) & 0xFF, Is.EqualTo(0x80u), "PIM");
            Assert.That(PgmCodeOf(m), Is.EqualTo(PgmCode.Operand), "a subchannel id without the one bit");
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Sense_id_completes_with_an_io_interruption_taken_by_tpi_and_tsch(string engine)
    {
        var g = EnableIsc3(Enable(new TestGuest()))
            .Load64(6, Orb).Asm("SSCH", b2: 6, d2: 0).Asm("IPM", r1: 9)
            .Asm("TPI", b2: 0, d2: 0).Asm("IPM", r1: 10)
            .Load64(6, Irb).Asm("TSCH", b2: 6, d2: 0).Asm("IPM", r1: 11)
            .Asm("TSCH", b2: 6, d2: 0x40).Asm("IPM", r1: 12)
            .Asm("TPI", b2: 0, d2: 0).Asm("IPM", r1: 13).Stop();
        var (r, m) = Run(g, engine, setup: m => ChannelProgram(m, Subchannel.CcwSenseId, Subchannel.CcwFlagSli, 8, (uint)Data));
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That((Cc(m, 7), Cc(m, 8), Cc(m, 9), Cc(m, 10), Cc(m, 11), Cc(m, 12), Cc(m, 13)), Is.EqualTo((0, 0, 0, 1, 0, 1, 0)),
                "STSCH, MSCH, SSCH, TPI (stored), TSCH (status pending), TSCH (no longer), TPI (nothing)");
            Assert.That((Get32(m, Lowcore.SubchannelId), Get32(m, Lowcore.IoIntParm), Get32(m, Lowcore.IoIntWord)), Is.EqualTo((0x0001_0000u, 0x1234_5678u, 0x1800_0000u)));
            Assert.That(Get32(m, Data), Is.EqualTo(0xFF38_3201u), "SENSE ID: control unit 3832 model 1 (network)");
            Assert.That(Get32(m, Data + 4), Is.EqualTo(0u), "device type and model 0");
            Assert.That((Get16(m, Irb + 2), Get32(m, Irb + 4), m.Kvm.Memory.Span(Irb + 8, 1)[0], Get16(m, Irb + 10)),
                Is.EqualTo(((ushort)0x4007, (uint)Ccw + 8, (byte)0x0C, (ushort)0)), "start function, primary+secondary+pending, CPA, CE+DE, residual 0");
            Assert.That(Get16(m, Irb + 0x40 + 2) & Subchannel.StctlMask, Is.EqualTo(0), "the second TSCH sees no status");
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void The_io_interruption_is_presented_when_the_guest_enables_its_isc(string engine)
    {
        var g = EnableIsc3(Enable(new TestGuest()))
            .Load64(6, Orb).Asm("SSCH", b2: 6, d2: 0)
            .LoadPsw(Psw.EA | Psw.BA | Psw.Io | Psw.Wait, 0x2_0000);
        g.SetPsw(Lowcore.IoNewPsw, Psw.EA | Psw.BA | Psw.Wait, IoWait);
        var (r, m) = Run(g, engine, setup: m => ChannelProgram(m, Subchannel.CcwSenseId, Subchannel.CcwFlagSli, 4, (uint)Data, intparm: 0xCAFE));
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.DisabledWait), r.Message);
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(IoWait));
            Assert.That((Get32(m, Lowcore.SubchannelId), Get32(m, Lowcore.IoIntParm), Get32(m, Lowcore.IoIntWord)), Is.EqualTo((0x0001_0000u, 0xCAFEu, 0x1800_0000u)));
            Assert.That(BinaryPrimitives.ReadUInt64BigEndian(m.Kvm.Memory.Span(Lowcore.IoOldPsw + 8, 8)), Is.EqualTo(0x2_0000UL), "I/O old PSW: the wait");
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Epsw_in_the_io_interruption_handler_shows_the_io_new_psw(string engine)
    {
        // kvm-unit-tests epsw-style: the handler extracts the current PSW; the old PSW holds the enabled wait
        var g = EnableIsc3(Enable(new TestGuest()))
            .Load64(6, Orb).Asm("SSCH", b2: 6, d2: 0)
            .Load64(7, 0xFFFF_FFFF_FFFF_FFFF).Load64(8, 0xFFFF_FFFF_FFFF_FFFF)
            .LoadPsw(Psw.EA | Psw.BA | Psw.Io | Psw.Ext | Psw.Wait, 0x2_0000);
        ulong handler = g.Here;
        g.Asm("EPSW", r1: 7, r2: 8).Load64(1, 0x0001_0000).Asm("TSCH", b2: 6, d2: 0x100).Asm("IPM", r1: 9).Stop();
        g.SetPsw(Lowcore.IoNewPsw, Psw.EA | Psw.BA, handler);
        var (r, m) = Run(g, engine, setup: m => ChannelProgram(m, Subchannel.CcwSenseId, Subchannel.CcwFlagSli, 4, (uint)Data));
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That((m.Boot.Cpu.G[7], m.Boot.Cpu.G[8]), Is.EqualTo((0xFFFF_FFFF_0000_0001UL, 0xFFFF_FFFF_8000_0000UL)),
                "EPSW: the I/O new PSW's mask (EA, BA; I/O disabled); the high halves unchanged");
            Assert.That(BinaryPrimitives.ReadUInt64BigEndian(m.Kvm.Memory.Span(Lowcore.IoOldPsw, 8)), Is.EqualTo(Psw.EA | Psw.BA | Psw.Io | Psw.Ext | Psw.Wait));
            Assert.That(Cc(m, 9), Is.EqualTo(0), "TSCH in the handler: status pending");
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void An_io_interruption_of_an_isc_masked_in_cr6_stays_pending(string engine)
    {
        // CR6 enables ISC 5 only: the ISC-3 interruption is not presented; the enabled wait can never end
        var g = Enable(new TestGuest())
            .Load64(2, 0x0400_0000).Load64(4, Words).Asm("STG", r1: 2, b2: 4, d2: 0).Asm("LCTLG", r1: 6, r3: 6, b2: 4, d2: 0)
            .Load64(6, Orb).Asm("SSCH", b2: 6, d2: 0)
            .LoadPsw(Psw.EA | Psw.BA | Psw.Io | Psw.Wait, 0x2_0000);
        g.SetPsw(Lowcore.IoNewPsw, Psw.EA | Psw.BA | Psw.Wait, IoWait);
        var (r, m) = Run(g, engine, setup: m => ChannelProgram(m, Subchannel.CcwSenseId, Subchannel.CcwFlagSli, 4, (uint)Data));
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Deadlock), r.Message);
            Assert.That(m.Kvm.Floating.IoPendingMask, Is.EqualTo((byte)0x10), "ISC 3 still pending");
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void An_unknown_command_is_rejected_with_unit_check_and_basic_sense_reads_it(string engine)
    {
        // concurrent sense on: the IRB's ECW carries the sense data
        var g = new TestGuest().Load64(1, 0x0001_0000).Load64(5, Schib).Asm("STSCH", b2: 5, d2: 0)
            .Asm("OI", b1: 5, d1: 5, i2: 0x80).Asm("OI", b1: 5, d1: 27, i2: 0x01).Asm("MSCH", b2: 5, d2: 0)
            .Load64(6, Orb).Asm("SSCH", b2: 6, d2: 0).Load64(6, Irb).Asm("TSCH", b2: 6, d2: 0).Asm("IPM", r1: 7).Stop();
        var (r, m) = Run(g, engine, setup: m => ChannelProgram(m, 0x31, 0, 8, (uint)Data));
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(Cc(m, 7), Is.EqualTo(0));
            Assert.That(m.Kvm.Memory.Span(Irb + 8, 1)[0], Is.EqualTo(Subchannel.DstatUnitCheck));
            Assert.That(Get16(m, Irb + 2) & Subchannel.StctlMask, Is.EqualTo(0x17), "alert, primary, secondary, status pending");
            Assert.That(Get16(m, Irb) & (Subchannel.ScswEswf | Subchannel.ScswEctl), Is.EqualTo(Subchannel.ScswEswf | Subchannel.ScswEctl));
            Assert.That(m.Kvm.Memory.Span(Irb + 32, 1)[0], Is.EqualTo(Subchannel.SenseCommandReject), "ECW sense byte 0: command reject");
        }
    }

    [TestCase("interp", 2UL, 0, (byte)0, PgmCode.Specification)]   // ORB not word aligned
    [TestCase("jit", 0UL, 0, (byte)0x02, PgmCode.Operand)]          // reserved ORB bits
    [TestCase("interp", 0UL, 0, (byte)0x40, PgmCode.Operand)]       // MIDAW
    [TestCase("jit", 0UL, 1, (byte)0, PgmCode.Operand)]             // subchannel id without the one bit
    public void Ssch_operand_checks(string engine, ulong misalign, int badSchid, byte ctrl1, ushort pgm)
    {
        var g = new TestGuest().Load64(1, badSchid != 0 ? 0x0000_0000UL : 0x0001_0000UL).Load64(6, Orb + misalign).Asm("SSCH", b2: 6, d2: 0).Stop();
        var (_, m) = Run(g, engine, setup: m => ChannelProgram(m, Subchannel.CcwSenseId, Subchannel.CcwFlagSli, 8, (uint)Data, ctrl1: ctrl1));
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait));
            Assert.That(PgmCodeOf(m), Is.EqualTo(pgm));
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Condition_codes_of_a_disabled_missing_or_status_pending_subchannel(string engine)
    {
        var g = new TestGuest().Load64(1, 0x0001_0000).Load64(6, Orb).Asm("SSCH", b2: 6, d2: 0).Asm("IPM", r1: 7) // not enabled: cc 3
            .Load64(1, 0x0001_0005).Asm("SSCH", b2: 6, d2: 0).Asm("IPM", r1: 8)                               // no such subchannel: cc 3
            .Load64(1, 0x0001_0000).Load64(5, Schib).Asm("STSCH", b2: 5, d2: 0).Asm("OI", b1: 5, d1: 5, i2: 0x80).Asm("MSCH", b2: 5, d2: 0)
            .Asm("SSCH", b2: 6, d2: 0).Asm("IPM", r1: 9)
            .Asm("SSCH", b2: 6, d2: 0).Asm("IPM", r1: 10)   // status pending: cc 1
            .Asm("MSCH", b2: 5, d2: 0).Asm("IPM", r1: 11)   // status pending: cc 1
            .Asm("XSCH").Asm("IPM", r1: 12)                 // status pending: cc 1
            .Asm("CSCH").Asm("IPM", r1: 13)                 // clear: cc 0
            .Asm("RSCH").Asm("IPM", r1: 14)                 // status pending (clear): cc 1
            .Stop();
        var (r, m) = Run(g, engine, setup: m => ChannelProgram(m, Subchannel.CcwNoop, 0, 1, 0));
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That((Cc(m, 7), Cc(m, 8), Cc(m, 9), Cc(m, 10), Cc(m, 11), Cc(m, 12), Cc(m, 13), Cc(m, 14)), Is.EqualTo((3, 3, 0, 1, 1, 1, 0, 1)));
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Sal_schm_and_stcps_keep_the_condition_code_and_siga_sets_3(string engine)
    {
        var g = new TestGuest().Load64(9, ulong.MaxValue).Load64(1, 0).Load64(2, 0).Load64(5, Words)
            .Asm("LTGR", r1: 9, r2: 9).Asm("SAL").Asm("IPM", r1: 7)
            .Asm("LTGR", r1: 9, r2: 9).Asm("SCHM").Asm("IPM", r1: 8)
            .Asm("LTGR", r1: 9, r2: 9).Asm("STCPS", b2: 5, d2: 0).Asm("IPM", r1: 10)
            .Asm("SIGA", b2: 0, d2: 0).Asm("IPM", r1: 11)
            .Load64(1, 0x0000_0100).Asm("SCHM").Stop(); // a reserved bit of GR1: operand exception
        var (_, m) = Run(g, engine);
        using (m)
        {
            Assert.That((Cc(m, 7), Cc(m, 8), Cc(m, 10), Cc(m, 11)), Is.EqualTo((1, 1, 1, 3)));
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait));
            Assert.That(PgmCodeOf(m), Is.EqualTo(PgmCode.Operand));
        }
    }

    [TestCase("interp")]
    [TestCase("jit")]
    public void Msch_with_reserved_pmcw_bits_is_an_operand_exception(string engine)
    {
        var g = new TestGuest().Load64(1, 0x0001_0000).Load64(5, Schib).Asm("STSCH", b2: 5, d2: 0)
            .Asm("OI", b1: 5, d1: 4, i2: 0x04).Asm("MSCH", b2: 5, d2: 0).Stop(); // PMCW word 1 bit 5
        var (_, m) = Run(g, engine);
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait));
            Assert.That(PgmCodeOf(m), Is.EqualTo(PgmCode.Operand));
        }
    }

    [TestCase("interp", false)]
    [TestCase("jit", false)]
    [TestCase("interp", true)]
    [TestCase("jit", true)]
    public void Schm_counts_start_subchannel_in_the_measurement_block(string engine, bool format1)
    {
        // enabled, measurement-block update (PMCW 0x0010), MBI 2 (format 0: origin + 64) or MBA (format 1)
        var g = new TestGuest().Load64(1, 0x0001_0000).Load64(5, Schib).Asm("STSCH", b2: 5, d2: 0)
            .Asm("OI", b1: 5, d1: 5, i2: 0x90).Asm("MVHHI", b1: 5, d1: 12, i2: 2);
        if (format1) g.Asm("OI", b1: 5, d1: 27, i2: 0x04).Load64(2, Mb + 0x100).Asm("STG", r1: 2, b2: 5, d2: 40);
        g.Asm("MSCH", b2: 5, d2: 0).Asm("IPM", r1: 7)
            .Load64(1, 2).Load64(2, Mb).Asm("SCHM").Load64(1, 0x0001_0000)
            .Load64(6, Orb).Asm("SSCH", b2: 6, d2: 0).Load64(6, Irb).Asm("TSCH", b2: 6, d2: 0).Stop();
        var (r, m) = Run(g, engine, setup: m => ChannelProgram(m, Subchannel.CcwNoop, 0, 1, 0));
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(Cc(m, 7), Is.EqualTo(0));
            if (format1) Assert.That(Get32(m, Mb + 0x100), Is.EqualTo(1u), "format-1 block: SSCH/RSCH count");
            else Assert.That(Get16(m, Mb + 64), Is.EqualTo((ushort)1), "format-0 block 2: SSCH/RSCH count");
        }
    }
}
