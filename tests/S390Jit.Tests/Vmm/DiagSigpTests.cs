using System.Buffers.Binary;
using System.Text;
using S390Jit.Architecture.State;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>
/// What KVM and QEMU do with the DIAGNOSE codes and SIGNAL PROCESSOR orders a kernel issues, and the
/// STSI answers (issue 12 item 3): DIAG 0x288 (the watchdog), DIAG 0x308 (IPL: reset, re-IPL, the IPL
/// parameter block), the SIGP orders of KVM and of user space, and STSI agreeing with the CPU model.
/// </summary>
public class DiagSigpTests
{
    private const ulong Marker = 0x0DD0_0000;

    private static (RunResult Result, Machine Machine) Run(TestGuest g, Action<MachineOptions>? configure = null, ulong maxCycles = 200_000_000)
    {
        var opt = new MachineOptions { Console = new MemoryStream(), MaxCycles = maxCycles };
        configure?.Invoke(opt);
        var m = new Machine(opt);
        m.LoadKernel(g.Image());
        return (m.Run(), m);
    }

    private static ushort ProgramCode(Machine m) => BinaryPrimitives.ReadUInt16BigEndian(m.Kvm.Memory.Span(Lowcore.PgmCode, 2));
    private static ulong Abs64(Machine m, ulong a) => BinaryPrimitives.ReadUInt64BigEndian(m.Kvm.Memory.Span(a, 8));
    private static uint Abs32(Machine m, ulong a) => BinaryPrimitives.ReadUInt32BigEndian(m.Kvm.Memory.Span(a, 4));
    private static ushort Abs16(Machine m, ulong a) => BinaryPrimitives.ReadUInt16BigEndian(m.Kvm.Memory.Span(a, 2));

    /// <summary>The program-interruption code the guest took (its run ends in the program-check wait).</summary>
    private static ushort ProgramCheck(TestGuest g, Action<MachineOptions>? configure = null)
    {
        var (r, m) = Run(g, configure);
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait), r.Message);
            return ProgramCode(m);
        }
    }

    private static void WithDiag288(MachineOptions o) => o.Diag288 = true;

    /// <summary>DIAG R1,R3,code with the registers loaded first.</summary>
    private static TestGuest Diag(int code, int r1, int r3, params (int R, ulong V)[] regs)
    {
        var g = new TestGuest();
        foreach (var (r, v) in regs) g.Load64(r, v);
        return g.Asm("DIAG", r1: r1, r3: r3, d2: code);
    }

    // ---- DIAG 0x288: the watchdog --------------------------------------------------------------------

    [Test]
    public void Diag288_without_the_watchdog_device_is_an_operation_exception() =>
        Assert.That(ProgramCheck(Diag(0x288, 0, 2, (0, 0), (1, 15), (2, 0))), Is.EqualTo(PgmCode.Operation));

    [TestCase(1, 2, 0UL, 15UL, 0UL, Description = "odd R1")]
    [TestCase(0, 2, 0UL, 15UL, 42UL, Description = "an action other than restart")]
    [TestCase(0, 2, 42UL, 15UL, 0UL, Description = "an unknown function")]
    [TestCase(0, 2, 2UL, 15UL, 0UL, Description = "cancel before init")]
    [TestCase(0, 2, 1UL, 15UL, 0UL, Description = "change before init")]
    [TestCase(0, 2, 0UL, 14UL, 0UL, Description = "a timeout under 15 seconds")]
    public void Diag288_specification_cases(int r1, int r3, ulong function, ulong timeout, ulong action)
    {
        var g = Diag(0x288, r1, r3, (r1, function), (r1 + 1, timeout), (r3, action));
        Assert.That(ProgramCheck(g, WithDiag288), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Diag288_is_privileged() =>
        Assert.That(ProgramCheck(ProblemState(new TestGuest().Load64(1, 15)).Asm("DIAG", r1: 0, r3: 2, d2: 0x288), WithDiag288),
            Is.EqualTo(PgmCode.PrivilegedOperation));

    /// <summary>Arms the watchdog for 15 s and waits enabled with nothing else to come: guest time runs to the expiry.</summary>
    private static TestGuest ArmAndWait(bool cancel = false)
    {
        var g = new TestGuest()
            .SetPsw(Lowcore.RestartNewPsw, Psw.EA | Psw.BA | Psw.Wait, Marker)
            .Load64(0, 0).Load64(1, 15).Load64(2, 0)
            .Asm("DIAG", r1: 0, r3: 2, d2: 0x288);
        if (cancel) g.Load64(0, 2).Asm("DIAG", r1: 0, r3: 2, d2: 0x288);
        return g.LoadPsw(Psw.EA | Psw.BA | Psw.Wait | Psw.Ext, 0x4000);
    }

    [Test]
    public void Diag288_expiry_with_inject_nmi_is_a_restart_interruption_15_guest_seconds_later()
    {
        var (r, m) = Run(ArmAndWait(), o => { o.Diag288 = true; o.WatchdogAction = WatchdogAction.InjectNmi; o.CpuMhz = 10; });
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(Marker), r.Message);
            Assert.That(Abs64(m, Lowcore.RestartOldPsw + 8), Is.EqualTo(0x4000UL), "the restart old PSW is the waiting PSW");
            Assert.That(m.Boot.Cpu.Cycles, Is.GreaterThanOrEqualTo(15UL * 10_000_000), "15 s at 10 MHz");
            Assert.That(m.Watchdog!.Enabled, Is.False, "expiry disables the device");
        }
    }

    [Test]
    public void Diag288_expiry_with_the_default_action_resets_the_guest_and_a_reboot_ends_the_run()
    {
        var (r, m) = Run(ArmAndWait(), o => { o.Diag288 = true; o.CpuMhz = 10; });
        using (m) Assert.That((r.End, r.ExitCode), Is.EqualTo((RunEnd.Reboot, 0)), r.Message);
    }

    [Test]
    public void Diag288_cancel_disarms_the_timer()
    {
        var (r, m) = Run(ArmAndWait(cancel: true), o => { o.Diag288 = true; o.WatchdogAction = WatchdogAction.InjectNmi; o.CpuMhz = 10; });
        using (m) Assert.That(r.End, Is.EqualTo(RunEnd.Deadlock), r.Message);
    }

    // ---- DIAG 0x308: IPL ----------------------------------------------------------------------------

    [TestCase(2UL)]
    [TestCase(4UL)]
    [TestCase(0x101UL)]
    [TestCase(0xFFFFUL)]
    [TestCase(0x10001UL)]
    [TestCase(ulong.MaxValue)]
    public void Diag308_unsupported_subcodes_are_specification_exceptions(ulong subcode) =>
        Assert.That(ProgramCheck(Diag(0x308, 2, 3, (2, 0), (3, subcode))), Is.EqualTo(PgmCode.Specification));

    [TestCase(5UL, 9, 0x2000UL, PgmCode.Specification, Description = "odd R1")]
    [TestCase(6UL, 9, 0x2000UL, PgmCode.Specification, Description = "odd R1")]
    [TestCase(5UL, 8, 54321UL, PgmCode.Specification, Description = "not page aligned")]
    [TestCase(6UL, 8, 54321UL, PgmCode.Specification, Description = "not page aligned")]
    [TestCase(6UL, 8, 0x7FFF_F000UL, PgmCode.Addressing, Description = "outside storage")]
    public void Diag308_parameter_checks(ulong subcode, int r1, ulong address, ushort code) =>
        Assert.That(ProgramCheck(Diag(0x308, r1, 6, (r1, address), (6, subcode))), Is.EqualTo(code));

    [Test]
    public void Diag308_is_privileged() =>
        Assert.That(ProgramCheck(ProblemState(new TestGuest().Load64(3, 3)).Asm("DIAG", r1: 2, r3: 3, d2: 0x308)), Is.EqualTo(PgmCode.PrivilegedOperation));

    [Test]
    public void Diag308_load_clear_is_a_re_ipl_that_ends_the_run_with_exit_0()
    {
        var (r, m) = Run(Diag(0x308, 2, 3, (3, 3)));
        using (m)
        {
            Assert.That((r.End, r.ExitCode), Is.EqualTo((RunEnd.Reboot, 0)), r.Message);
            Assert.That(r.Message, Does.Contain("re-IPL"));
        }
    }

    [Test]
    public void Diag308_store_without_a_block_is_rc_0x102_then_set_and_store_round_trip()
    {
        // store (rc 0x102: no IPL parameters); set an invalid block (rc 0x402); set a CCW block of 200 bytes (rc 1); store it at 0x6000
        var g = new TestGuest()
            .Load64(4, 0x6000).Load64(6, 6).Asm("DIAG", r1: 4, r3: 6, d2: 0x308).Asm("LGR", r1: 10, r2: 5)
            .Load64(8, 0x5000).Load64(1, 200).Asm("ST", r1: 1, b2: 8).Load64(1, 0x7F).Asm("STC", r1: 1, b2: 8, d2: 0xC) // pbt 0x7F: no type
            .Load64(4, 0x5000).Load64(6, 5).Asm("DIAG", r1: 4, r3: 6, d2: 0x308).Asm("LGR", r1: 11, r2: 5)
            .Load64(1, 2).Asm("STC", r1: 1, b2: 8, d2: 0xC).Load64(1, 0xAB).Asm("STC", r1: 1, b2: 8, d2: 0xC7)
            .Asm("DIAG", r1: 4, r3: 6, d2: 0x308).Asm("LGR", r1: 12, r2: 5)
            .Load64(4, 0x6000).Load64(6, 6).Asm("DIAG", r1: 4, r3: 6, d2: 0x308).Asm("LGR", r1: 13, r2: 5)
            .Stop();
        var (r, m) = Run(g);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            var c = m.Boot.Cpu;
            Assert.That((c.G[10], c.G[11], c.G[12], c.G[13]), Is.EqualTo((0x102UL, 0x402UL, 1UL, 1UL)));
            Assert.That((Abs32(m, 0x6000), m.Kvm.Memory.Span(0x600C, 1)[0], m.Kvm.Memory.Span(0x60C7, 1)[0]), Is.EqualTo((200u, (byte)2, (byte)0xAB)));
        }
    }

    /// <summary>
    /// Subcodes 0 and 1 reset and then load the short PSW at absolute 0 on the calling CPU (kvm-unit-tests'
    /// diag308_load_reset): the guest goes on there. Load normal keeps the general registers, modified clear zeroes them.
    /// </summary>
    [TestCase(1UL, 0x1234UL)]
    [TestCase(0UL, 0UL)]
    public void Diag308_reset_and_load_normal_goes_on_at_the_psw_at_absolute_0(ulong subcode, ulong r7After)
    {
        var g = new TestGuest();
        var after = new TestGuest().Asm("STCTG", r1: 0, r3: 0, d2: 0x5000).Stop().CodeBytes();
        g.Load64(7, 0x1234)
            .Load64(1, 0x0008_0001_8000_0000UL | 0x20000).Asm("STG", r1: 1, d2: 0) // short PSW: 64-bit mode, address 0x20000
            .Load64(3, subcode).Asm("DIAG", r1: 2, r3: 3, d2: 0x308)
            .Load64(1, Marker).Asm("BR", r2: 1);
        var (r, m) = RunWithCodeAt(g, 0x20000, after);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(m.Boot.Cpu.G[7], Is.EqualTo(r7After));
            Assert.That(Abs64(m, 0x5000), Is.EqualTo(Cpu.Cr0Initial), "control registers reset");
            Assert.That(m.Boot.Cpu.Bear, Is.EqualTo(1UL), "KVM sets the breaking-event address to 1 at the reset");
        }
    }

    private static (RunResult, Machine) RunWithCodeAt(TestGuest g, ulong at, byte[] code)
    {
        var m = new Machine(new MachineOptions { Console = new MemoryStream(), MaxCycles = 50_000_000 });
        m.LoadKernel(g.Image());
        code.CopyTo(m.Kvm.Memory.Span(at, code.Length));
        return (m.Run(), m);
    }

    [Test]
    public void Diag308_load_normal_with_bit_12_off_in_the_short_psw_is_a_specification_exception()
    {
        var g = new TestGuest()
            .Load64(1, 0x0000_0001_8000_0000UL | 0x20000).Asm("STG", r1: 1, d2: 0)
            .Load64(3, 1).Asm("DIAG", r1: 2, r3: 3, d2: 0x308);
        var (r, m) = Run(g);
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ProgramCheckWait), r.Message);
            Assert.That(ProgramCode(m), Is.EqualTo(PgmCode.Specification));
            Assert.That(Abs16(m, Lowcore.PgmIlc), Is.EqualTo((ushort)0), "early exception: ILC 0");
        }
    }

    // ---- SIGP ----------------------------------------------------------------------------------------

    /// <summary>SIGP R1,R3(cpu),order with the parameter in R1 + 1 (R1 even); IPM of the cc into R9, R1's status into R10.</summary>
    private static TestGuest Sigp(TestGuest g, int order, ulong cpu, ulong parameter = 0) =>
        g.Load64(2, 0).Load64(3, parameter).Load64(4, cpu).Asm("SIGP", r1: 2, r3: 4, d2: order).Asm("IPM", r1: 9).Asm("LGR", r1: 10, r2: 2);

    private static (int Cc, uint Status) CcStatus(Machine m) => ((int)((m.Boot.Cpu.G[9] >> 28) & 3), (uint)m.Boot.Cpu.G[10]);

    private static (int Cc, uint Status) SigpOnce(int order, ulong cpu, ulong parameter = 0, int cpus = 2)
    {
        var (r, m) = Run(Sigp(new TestGuest(), order, cpu, parameter).Stop(), o => o.Cpus = cpus);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            return CcStatus(m);
        }
    }

    [TestCase(1, 1UL, 0UL, 1, 0x40u, Description = "SENSE: CPU 1 is stopped")]
    [TestCase(1, 7UL, 0UL, 3, 0u, Description = "SENSE: no CPU 7")]
    [TestCase(13, 1UL, 0x20000UL, 0, 0u, Description = "SET PREFIX of a stopped CPU")]
    [TestCase(13, 0UL, 0x20000UL, 1, 0x200u, Description = "SET PREFIX of an operating CPU: incorrect state")]
    [TestCase(13, 1UL, 0x7FFF_E000UL, 1, 0x100u, Description = "SET PREFIX outside storage: invalid parameter")]
    [TestCase(14, 1UL, 0x20000UL, 0, 0u, Description = "STORE STATUS AT ADDRESS of a stopped CPU")]
    [TestCase(14, 0UL, 0x20000UL, 1, 0x200u, Description = "STORE STATUS AT ADDRESS of an operating CPU: incorrect state")]
    [TestCase(14, 1UL, 0x7FFF_FE00UL, 1, 0x100u, Description = "STORE STATUS AT ADDRESS outside storage: invalid parameter")]
    [TestCase(11, 1UL, 0UL, 0, 0u, Description = "INITIAL CPU RESET")]
    [TestCase(12, 1UL, 0UL, 0, 0u, Description = "CPU RESET")]
    [TestCase(3, 1UL, 0UL, 0, 0u, Description = "EMERGENCY SIGNAL")]
    [TestCase(19, 1UL, 0UL, 0, 0u, Description = "CONDITIONAL EMERGENCY SIGNAL to a stopped CPU disabled for I/O and external")]
    [TestCase(17, 1UL, 0UL, 1, 0x02u, Description = "STORE ADDITIONAL STATUS without vector or guarded storage: invalid order")]
    [TestCase(0x55, 1UL, 0UL, 1, 0x02u, Description = "an unassigned order")]
    public void Sigp_orders(int order, ulong cpu, ulong parameter, int cc, uint status) =>
        Assert.That(SigpOnce(order, cpu, parameter), Is.EqualTo((cc, status)));

    [Test]
    public void Sigp_external_call_is_refused_while_one_is_pending_and_sense_reports_it()
    {
        var g = Sigp(new TestGuest(), 2, 1).Asm("LGR", r1: 11, r2: 9);
        g = Sigp(g, 2, 1).Asm("LGR", r1: 12, r2: 9).Asm("LGR", r1: 13, r2: 10);
        g = Sigp(g, 1, 1).Stop();
        var (r, m) = Run(g, o => o.Cpus = 2);
        using (m)
        {
            var c = m.Boot.Cpu;
            Assert.That((c.G[11] >> 28) & 3, Is.EqualTo(0UL), "the first external call is accepted");
            Assert.That(((c.G[12] >> 28) & 3, (uint)c.G[13]), Is.EqualTo((1UL, 0x80u)), "the second: external call pending");
            Assert.That(CcStatus(m), Is.EqualTo((1, 0xC0u)), "SENSE: external call pending and stopped");
        }
    }

    [TestCase(3, 0x1201, 14)]
    [TestCase(2, 0x1202, 13)]
    public void Sigp_emergency_signal_and_external_call_to_self_interrupt_once_enabled(int order, int extCode, int cr0Bit)
    {
        // CR0 subclass bit on, then the PSW enabled for external interruptions: the interruption comes at once
        var g = new TestGuest()
            .Asm("STCTG", r1: 0, r3: 0, d2: 0x5000).Load64(1, 1UL << cr0Bit).Asm("OG", r1: 1, d2: 0x5000).Asm("STG", r1: 1, d2: 0x5000)
            .Asm("LCTLG", r1: 0, r3: 0, d2: 0x5000);
        g = Sigp(g, order, 0).Asm("STOSM", d1: 0x800, i2: 0x01).Load64(1, Marker).Asm("BR", r2: 1);
        var (r, m) = Run(g);
        using (m)
        {
            Assert.That(m.Boot.Cpu.PswAddr, Is.EqualTo(TestGuest.ExternalWait), r.Message);
            Assert.That((Abs16(m, Lowcore.ExtCode), Abs16(m, Lowcore.ExtCpuAddr)), Is.EqualTo(((ushort)extCode, (ushort)0)));
            Assert.That(CcStatus(m).Cc, Is.EqualTo(0));
        }
    }

    [Test]
    public void Sigp_stop_and_store_status_of_self_stores_the_registers_at_absolute_0x1200()
    {
        var g = new TestGuest().Load64(7, 0x0123_4567_89AB_CDEF).Load64(4, 0).Asm("SIGP", r1: 2, r3: 4, d2: 9);
        ulong after = g.Here;
        var (r, m) = Run(g);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(Abs64(m, 0x1280 + 7 * 8), Is.EqualTo(0x0123_4567_89AB_CDEFUL), "GR7");
            Assert.That(Abs64(m, 0x1300 + 8), Is.EqualTo(after), "the PSW after the SIGP");
            Assert.That((Abs64(m, 0x1300) >> 44) & 3, Is.EqualTo(0UL), "with cc 0");
            Assert.That(Abs64(m, 0x1380), Is.EqualTo(m.Boot.Cpu.Cr[0]), "CR0");
            Assert.That(m.Kvm.Memory.Span(163, 1)[0], Is.EqualTo((byte)1), "z/Architecture mode id");
        }
    }

    [Test]
    public void Sigp_set_prefix_and_store_status_at_address_of_a_stopped_cpu()
    {
        var g = Sigp(new TestGuest(), 13, 1, 0x40000).Asm("LGR", r1: 11, r2: 9);
        g = Sigp(g, 14, 1, 0x30000 | 0x1FF).Stop();
        var (r, m) = Run(g, o => o.Cpus = 2);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            Assert.That(m.Kvm.Vcpus[1].Cpu.Prefix, Is.EqualTo(0x40000u));
            Assert.That(Abs32(m, 0x30000 + 0x118), Is.EqualTo(0x40000u), "the stored prefix (the address's low 9 bits ignored)");
            Assert.That(Abs64(m, 0x30000 + 0x180 + 14 * 8), Is.EqualTo(Cpu.Cr14Initial), "CR14 of a CPU never started");
        }
    }

    [Test]
    public void Sigp_initial_cpu_reset_resets_the_other_cpu_and_leaves_it_stopped()
    {
        var (r, m) = Run(Sigp(new TestGuest(), 11, 1).Stop(), o => o.Cpus = 2);
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            var c1 = m.Kvm.Vcpus[1];
            Assert.That((c1.Stopped, c1.Cpu.Cr[0], c1.Cpu.Bear), Is.EqualTo((true, Cpu.Cr0Initial, 1UL)));
        }
    }

    // ---- STSI and the TLB peers ----------------------------------------------------------------------

    /// <summary>STSI fc.sel1.sel2 into 0x20000 (cc into R9).</summary>
    private static TestGuest Stsi(TestGuest g, int fc, int sel1, int sel2, ulong at = 0x20000) =>
        g.Load64(0, ((ulong)fc << 28) | (uint)sel1).Load64(1, (ulong)sel2).Load64(5, at).Asm("STSI", b2: 5, d2: 0).Asm("IPM", r1: 9);

    [Test]
    public void Stsi_blocks_agree_with_the_cpu_model_and_with_each_other()
    {
        var g = Stsi(new TestGuest(), 1, 1, 1, 0x20000);
        g = Stsi(g, 1, 2, 1, 0x21000);
        g = Stsi(g, 1, 2, 2, 0x22000);
        g = Stsi(g, 2, 2, 2, 0x23000);
        g = Stsi(g, 3, 2, 2, 0x24000);
        g = Stsi(g, 2, 2, 1, 0x25000);
        g.Load64(8, 0x26000).Asm("STIDP", b2: 8).Stop();
        var uuid = Guid.Parse("0fb84a86-727c-11ea-bc55-0242ac130003");
        var (r, m) = Run(g, o => { o.Cpus = 2; o.Uuid = uuid; });
        using (m)
        {
            Assert.That(r.End, Is.EqualTo(RunEnd.Stopped), r.Message);
            string Text(ulong a, int n) => new string(m.Kvm.Memory.Span(a, n).ToArray().Select(Ebcdic.ToAscii).ToArray()).TrimEnd();
            Assert.That(Text(0x20000 + 48, 4), Is.EqualTo($"{(Abs64(m, 0x26000) >> 16) & 0xFFFF:X4}"), "1.1.1 type = STIDP's machine type");
            foreach (ulong b in new ulong[] { 0x20000, 0x21000, 0x25000 })
                Assert.That((Text(b + 80, 16), Text(b + 96, 4)), Is.EqualTo((Text(0x20000 + 80, 16), Text(0x20000 + 96, 4))), "sequence and plant");
            foreach (ulong b in new ulong[] { 0x22000, 0x23000, 0x24000 })
                Assert.That((Abs16(m, b + 36), Abs16(m, b + 38), Abs16(m, b + 40), Abs16(m, b + 42)), Is.EqualTo(((ushort)2, (ushort)2, (ushort)0, (ushort)0)),
                    $"total, configured, standby, reserved CPUs at 0x{b:x}");
            Assert.That(Text(0x24000 + 44, 8), Is.EqualTo("KVMguest"));
            Assert.That(m.Kvm.Memory.Span(0x24000 + 75, 1)[0], Is.EqualTo((byte)2), "the extended name is UTF-8");
            Assert.That(Encoding.UTF8.GetString(m.Kvm.Memory.Span(0x24000 + 2048, 8)), Is.EqualTo("KVMguest"));
            Assert.That(m.Kvm.Memory.Span(0x24000 + 80, 16).ToArray(), Is.EqualTo(uuid.ToByteArray(bigEndian: true)));
        }
    }

    [TestCase(7, 0, 0, Description = "fc 7")]
    [TestCase(1, 0, 1, Description = "selector 1 of 0")]
    [TestCase(1, 1, 0, Description = "selector 2 of 0")]
    [TestCase(15, 1, 2, Description = "topology without facility 11")]
    public void Stsi_unavailable_blocks_are_cc3(int fc, int sel1, int sel2)
    {
        var (r, m) = Run(Stsi(new TestGuest(), fc, sel1, sel2).Stop());
        using (m) Assert.That(CcStatus(m).Cc, Is.EqualTo(3), r.Message);
    }

    [Test]
    public void Every_cpu_of_the_vm_is_a_tlb_peer_of_every_other()
    {
        using var m = new Machine(new MachineOptions { Console = new MemoryStream(), Cpus = 3 });
        foreach (var v in m.Kvm.Vcpus)
            Assert.That(v.Cpu.TlbPeers, Is.EquivalentTo(m.Kvm.Vcpus.Select(x => x.Cpu)));
    }

    /// <summary>Switches to the problem state at the code that follows (LPSWE with the next address).</summary>
    private static TestGuest ProblemState(TestGuest g)
    {
        ulong pad = (8 - ((g.Here + 6 + 4) & 7)) & 7;
        return g.LoadPsw(Psw.EA | Psw.BA | Psw.Problem, g.Here + 6 + 4 + pad + 16);
    }
}
