using System.Text.RegularExpressions;
using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Host;
using S390Jit.Host.Crypto;
using S390Jit.Host.Kvm;
using S390Jit.Memory;
using S390Jit.Hardware.Sie;
using S390Jit.Tests.Guests;
using S390Jit.Vmm;
using static S390Jit.Tests.Host.AqicRig;
using S390Jit.Hardware;
using S390Jit.Hardware.Tracing;
using S390Jit.Host.Vfio;
using S390Jit.Hardware.Ap;
using S390Jit.Tests.Hardware;

namespace S390Jit.Tests.Host;

/// <summary>
/// The 41 scenarios of spec section 7 (../shared/spec/ap-aqic.md), one test each, in the modelled
/// variant (quirk switches off unless the scenario names the literal behaviour). Common set-up
/// (<see cref="AqicRig"/>): host with AP, AIV, APXA, facilities 12/15/65/76; a format-1 GISA, a
/// format-2 CRYCB; ap, apqi, apft on; mdev APM {5} AQM {4} with 05.0004 bound to vfio_ap, opened by
/// the VMM. AQIC enable = GR0 0x0000000003000504, GR1 0x0000800000000006, GR2 0x123450.
/// </summary>
public class AqicScenarioTests
{
    private static readonly byte[] TapqInsn = [0xB2, 0xAF, 0x00, 0x00], NqapInsn = [0xB2, 0xAD, 0x00, 0x46], DqapInsn = [0xB2, 0xAE, 0x00, 0x46];

    /// <summary>The qirqctrl the host AQIC of the last enable carried (from the ap_aqic trace line).</summary>
    private static ulong HostQirqctrl(AqicRig r, int index = -1)
    {
        var lines = r.Events(MachineTrace.ApAqic).Where(l => l.Contains(" enable:")).ToList();
        var m = Regex.Match(lines[index < 0 ? lines.Count + index : index], "qirqctrl 0x([0-9a-f]{16})");
        return Convert.ToUInt64(m.Groups[1].Value, 16);
    }

    private static void AssertOperationException(Outcome o) => Assert.That((o.Pgm, o.Cc), Is.EqualTo((PgmCode.Operation, -1)));

    // ---- 1-11: KVM's decision order ----------------------------------------------------------------------

    [Test]
    public void Scenario01_Host_without_AP_intercepted_pqap_is_not_supported_and_ends_in_an_operation_exception()
    {
        // Given a host without AP instructions
        using var r = new AqicRig(hostAp: false);
        // When the guest executes PQAP (AQIC and TAPQ) and it is intercepted
        foreach (ulong gr0 in new[] { Gr0Aqic0504, 0x0504UL })
        {
            var o = r.Pqap(gr0, gr1: 0x1111_2222_3333_4444, gr2: Nib);
            // Then KVM returns "not supported", the VMM injects the operation exception, GR1 is unchanged
            AssertOperationException(o);
            Assert.That(o.Gr1, Is.EqualTo(0x1111_2222_3333_4444UL));
        }
        Assert.That(r.Events(KvmTrace.HandlePqapExit), Has.All.Contains("no AP instructions on the host: not supported"));
        Assert.That(r.Count(VmmTrace.HandleInstruction), Is.EqualTo(2UL));
    }

    [Test]
    public void Scenario02_Apie_off_tapq_nqap_dqap_intercept_with_icpt_04_and_end_in_an_operation_exception()
    {
        // Given the CPU model ap=off (ECA.APIE = 0)
        using var r = new AqicRig(ap: o => o.CpuAp = false);
        Assert.That(r.Vcpu.SieBlock.ExecutionControlA & StateDescription.EcaApie, Is.Zero);
        // When the guest executes PQAP(TAPQ), NQAP and DQAP
        foreach (var (insn, name) in new[] { (TapqInsn, "PQAP"), (NqapInsn, "NQAP"), (DqapInsn, "DQAP") })
        {
            var o = r.Exec(insn, 0x0504);
            // Then each is intercepted (ICPT 0x04 with its IPA) and ends in an operation exception
            AssertOperationException(o);
            Assert.That(r.Vcpu.InterceptCounts.Keys, Does.Contain($"0x04 {name}"));
        }
        Assert.That(r.Events(KvmTrace.SieExit).Select(l => l[(l.IndexOf("ipa", StringComparison.Ordinal) + 4)..][..6]), Is.EqualTo(new[] { "0xb2af", "0xb2ad", "0xb2ae" }));
    }

    [Test]
    public void Scenario03_Non_aqic_function_intercepted_is_not_supported_without_warning()
    {
        // Given a PQAP with FC 4 (QCI) reaching KVM although APIE is on (nested: APIE not effective at another level)
        using var r = new AqicRig();
        var v = r.Vcpu;
        v.Cpu.G[0] = 0x0400_0000;
        v.SieBlock.InterceptIpa = 0xB2AF;
        v.SieBlock.InterceptIpb = 0;
        // When KVM handles the intercept
        bool handled = v.HandleInstructionIntercept();
        // Then it is not supported (user space presents the operation exception) and no warning is printed
        Assert.That(handled, Is.False);
        Assert.That(r.Count(KvmTrace.PqapWarning), Is.Zero);
        Assert.That(r.Events(KvmTrace.HandlePqapExit).Single(), Does.Contain("fc 4 is not AQIC: not supported"));
        // the v7 literal behaviour warns once
        using var v7 = new AqicRig(quirks: new HostQuirks { V7PqapWarning = true });
        v7.Vcpu.Cpu.G[0] = 0x0400_0000;
        v7.Vcpu.SieBlock.InterceptIpa = 0xB2AF;
        v7.Vcpu.HandleInstructionIntercept();
        v7.Vcpu.HandleInstructionIntercept();
        Assert.That(v7.Count(KvmTrace.PqapWarning), Is.EqualTo(1UL));
    }

    [Test]
    public void Scenario04_Problem_state_aqic_is_a_privileged_operation_and_the_hook_is_not_called()
    {
        using var r = new AqicRig();
        // When AQIC runs with PSW bit 15 set
        var o = r.Pqap(Gr0Aqic0504, Enable6, Nib, problemState: true);
        // Then a privileged-operation exception, no hook call, GR1/GR2 unchanged
        Assert.That(o.Pgm, Is.EqualTo(PgmCode.PrivilegedOperation));
        Assert.That(r.Count(KvmTrace.PqapHookCall), Is.Zero);
        Assert.That((o.Gr1, o.Gr2), Is.EqualTo((Enable6, Nib)));
        Assert.That(r.Pins(0x123), Is.Zero);
    }

    [Test]
    public void Scenario05_Problem_state_has_priority_over_reserved_gr0_bits()
    {
        using var r = new AqicRig();
        var o = r.Pqap(Gr0Aqic0504 | 0x0001_0000, Enable6, Nib, problemState: true);
        Assert.That(o.Pgm, Is.EqualTo(PgmCode.PrivilegedOperation));
    }

    [Test]
    public void Scenario06_Reserved_gr0_bits_are_a_suppressing_specification_exception()
    {
        using var r = new AqicRig();
        var o = r.Pqap(0x0000_0000_0301_0504, Enable6, Nib);
        // Then specification, ILC 2 (length 4 at 0x8C), old PSW = the next instruction, GR1/GR2 untouched
        Assert.That((o.Pgm, o.Ilc, o.OldPswAddr), Is.EqualTo((PgmCode.Specification, (ushort)4, Code + 4)));
        Assert.That((o.Gr1, o.Gr2), Is.EqualTo((Enable6, Nib)));
        Assert.That(r.Count(KvmTrace.PqapHookCall), Is.Zero);
    }

    [Test]
    public void Scenario07_T_bit_needs_facility_15_and_is_otherwise_ignored()
    {
        // Given facility 15 not offered
        using (var r = new AqicRig(ap: o => o.Apft = false))
        {
            Assert.That(r.Kvm.TestFacility(Fac.ApFt), Is.False);
            Assert.That(r.Pqap(0x0000_0000_0380_0504, Enable6, Nib).Pgm, Is.EqualTo(PgmCode.Specification));
        }
        // With facility 15 the AQIC with T reaches the hook and enables as scenario 12
        using (var r = new AqicRig())
        {
            var o = r.Pqap(0x0000_0000_0380_0504, Enable6, Nib);
            Assert.That((o.Pgm, o.Cc, ApStatus.Rc((uint)o.Gr1)), Is.EqualTo(((ushort)0, 0, ApStatus.Normal)));
            Assert.That(r.Record()!.SavedPfn, Is.EqualTo(0x123UL));
        }
    }

    [Test]
    public void Scenario08_Without_apxa_apid_above_63_or_apqi_above_15_is_a_specification_exception()
    {
        // Given a format-1 CRYCB (host without APXA)
        using (var r = new AqicRig(ap: o => o.HostApxa = false))
        {
            Assert.That(r.Kvm.Crypto.Format, Is.EqualTo(1));
            Assert.That(r.Pqap(0x0000_0000_0300_4004, Enable6, Nib).Pgm, Is.EqualTo(PgmCode.Specification), "APID 0x40");
            Assert.That(r.Pqap(0x0000_0000_0300_0510, Enable6, Nib).Pgm, Is.EqualTo(PgmCode.Specification), "APQI 0x10");
        }
        // With format 2 the same APQNs reach the hook: not in the matrix, RC 0x01
        using (var r = new AqicRig())
        {
            Assert.That(r.Kvm.Crypto.Format, Is.EqualTo(2));
            foreach (ulong gr0 in new[] { 0x0300_4004UL, 0x0300_0510UL })
            {
                var o = r.Pqap(gr0, Enable6, Nib);
                Assert.That((o.Pgm, o.Cc, o.Gr1), Is.EqualTo(((ushort)0, 3, 0x0000_0000_0001_0000UL)));
            }
        }
    }

    [Test]
    public void Scenario09_Facility_65_absent_every_aqic_is_a_specification_exception()
    {
        using var r = new AqicRig(ap: o => o.Apqi = false);
        Assert.That(r.Kvm.TestFacility(Fac.ApQueueInterruptControl), Is.False);
        Assert.That(r.Pqap(Gr0Aqic0504, Enable6, Nib).Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That(r.Pqap(Gr0Aqic0504).Pgm, Is.EqualTo(PgmCode.Specification), "disable too");
    }

    [Test]
    public void Scenario10_No_hook_gives_rc_01_cc_3_with_the_literal_gr1_or_the_intended_one()
    {
        // Given no mdev attached (released: hook null)
        using (var r = new AqicRig())
        {
            r.Device.Release();
            Assert.That(r.Kvm.Crypto.PqapHook, Is.Null);
            var o = r.Pqap(Gr0Aqic0504, 0x0000_8000_AAAA_BBB6, Nib);
            // Then literal: GR1 bits 0-31 = 0x00010000, bits 32-63 unchanged, cc 3
            Assert.That((o.Cc, o.Gr1), Is.EqualTo((3, 0x0001_0000_AAAA_BBB6UL)));
        }
        using (var r = new AqicRig(quirks: new HostQuirks { NoHookGr1Intended = true }))
        {
            r.Device.Release();
            var o = r.Pqap(Gr0Aqic0504, 0x0000_8000_AAAA_BBB6, Nib);
            Assert.That((o.Cc, o.Gr1), Is.EqualTo((3, 0x0000_0000_0001_0000UL)));
        }
    }

    [Test]
    public void Scenario11_Hook_owner_unavailable_is_not_supported_and_changes_nothing()
    {
        using var r = new AqicRig();
        // Given the vfio_ap module is being unloaded (its reference cannot be taken)
        r.Bus.VfioAp.Module.Unloading = true;
        var o = r.Pqap(Gr0Aqic0504, Enable6, Nib);
        AssertOperationException(o);
        Assert.That(r.Events(KvmTrace.HandlePqapExit).Single(), Does.Contain("hook owner vfio_ap unavailable"));
        Assert.That((r.Count(VfioApTrace.HandlePqap), r.Pins(0x123), r.Refs(), r.Record()!.SavedIsc), Is.EqualTo((0UL, 0, 0, VfioApQueue.IscInvalid)));
    }

    // ---- 12-24: irq enable / disable ---------------------------------------------------------------------

    [Test]
    public void Scenario12_Successful_enable_pins_registers_and_issues_one_host_aqic()
    {
        using var r = new AqicRig();
        var o = r.Pqap(Gr0Aqic0504, Enable6, Nib, ccBefore: 2);
        // Then: page 0x123 pinned once, GISC 6 refcount 1, alert mask and IAM 0x02
        Assert.That((r.Pins(0x123), r.Refs(6), r.Gisa.AlertMask, r.Gisa.Iam), Is.EqualTo((1, 1, (byte)0x02, (byte)0x02)));
        // exactly one host AQIC for 05.0004: GISA origin | NISC 5 in the low word, IR, GISC 6, zone 0, GF 0
        Assert.That(r.Events(MachineTrace.ApAqic), Has.Count.EqualTo(1));
        Assert.That(r.Events(MachineTrace.ApAqic)[0], Does.StartWith($"{MachineTrace.ApAqic.Name}: queue 05.0004 enable"));
        ulong q = HostQirqctrl(r);
        Assert.That((uint)q, Is.EqualTo((uint)((r.Gisa.Origin & 0x7FFF_FFF0) | 5)));
        Assert.That((q & ApConfiguration.AqicIr) != 0, Is.True, "IR");
        Assert.That(((q >> 40) & 7, (q >> 48) & 0xFF, (q >> 32) & 3), Is.EqualTo((6UL, 0UL, 0UL)), "GISC 6, zone 0, GF 0");
        // the host NIB is the host frame of page 0x123 | 0x450
        ulong hostFrame = r.Kvm.Memory.HostAddress(0x123000)!.Value;
        Assert.That(r.Queue().NotificationByte, Is.EqualTo(hostFrame | 0x450));
        // guest GR1 = 0x00000000_<host APQSW> with RC 0; cc 0 (the 2023 fix), the queue saves (0x123, 6)
        Assert.That((o.Gr1 >> 32, ApStatus.Rc((uint)o.Gr1), (uint)o.Gr1 & ApStatus.IrqEnabled, o.Cc), Is.EqualTo((0UL, ApStatus.Normal, ApStatus.IrqEnabled, 0)));
        Assert.That((r.Record()!.SavedPfn, r.Record()!.SavedIsc, r.Record()!.Mdev), Is.EqualTo((0x123UL, (byte)6, r.Mdev)));
        // v7 literally leaves the condition code unchanged
        using var v7 = new AqicRig(quirks: new HostQuirks { V7CcUnchanged = true });
        Assert.That(v7.Pqap(Gr0Aqic0504, Enable6, Nib, ccBefore: 2).Cc, Is.EqualTo(2));
    }

    [Test]
    public void Scenario13_Only_the_isc_bits_of_gr1_count()
    {
        using var r = new AqicRig();
        // extra bit 60 -> ISC 7
        r.Pqap(Gr0Aqic0504, 0x0000_8000_0000_000F, Nib);
        Assert.That((r.Refs(7), r.Record()!.SavedIsc), Is.EqualTo((1, (byte)7)));
        Assert.That((HostQirqctrl(r) >> 40) & 7, Is.EqualTo(7UL));
        r.Disable();
        // zone, GISC, GF and a GISA origin set by the guest are ignored
        r.Pqap(Gr0Aqic0504, 0x00AB_8700_1234_5672, Nib);
        ulong q = HostQirqctrl(r);
        Assert.That(((q >> 48) & 0xFF, (q >> 40) & 7, (q >> 32) & 3, (uint)q), Is.EqualTo((0UL, 2UL, 0UL, (uint)((r.Gisa.Origin & 0x7FFF_FFF0) | 5))));
        Assert.That(r.Refs(2), Is.EqualTo(1));
    }

    [TestCase(0x0704, TestName = "Scenario14_Apqn_not_in_matrix_apid_7_gives_rc_01_cc_3_and_nothing_else")]
    [TestCase(0x0505, TestName = "Scenario14_Apqn_not_in_matrix_apqi_5_gives_rc_01_cc_3_and_nothing_else")]
    public void Scenario14(int apqn)
    {
        using var r = new AqicRig();
        var o = r.Pqap(0x0300_0000UL | (uint)apqn, Enable6, Nib);
        Assert.That((o.Cc, o.Gr1), Is.EqualTo((3, 0x0000_0000_0001_0000UL)));
        Assert.That((r.Kvm.Iommu.PinnedPages, r.Gisa.TotalReferences, r.Count(MachineTrace.ApAqic)), Is.EqualTo((0, 0, 0UL)));
    }

    [Test]
    public void Scenario15_Apqn_in_the_matrix_whose_queue_is_unbound_gives_rc_01()
    {
        using var r = new AqicRig();
        r.Device.UnbindQueue(0x0504);
        Assert.That(r.Mdev.Apm[5] && r.Mdev.Aqm[4], Is.True, "still in the matrix");
        var o = r.Pqap(Gr0Aqic0504, Enable6, Nib);
        Assert.That((o.Cc, ApStatus.Rc((uint)o.Gr1)), Is.EqualTo((3, ApStatus.QueueNotAvailable)));
        Assert.That(r.Events(VfioApTrace.HandlePqap).Last(), Does.Contain("queue not bound to vfio_ap"));
    }

    [Test]
    public void Scenario16_Nib_outside_guest_memory_gives_rc_06_and_leaves_nothing()
    {
        using var r = new AqicRig();
        var o = r.Pqap(Gr0Aqic0504, Enable6, 0x4000_0000_0000);
        Assert.That((o.Cc, o.Gr1), Is.EqualTo((3, 0x0000_0000_0006_0000UL)));
        Assert.That((r.Kvm.Iommu.PinnedPages, r.Gisa.TotalReferences, r.Count(MachineTrace.ApAqic)), Is.EqualTo((0, 0, 0UL)));
        // a NIB in a memslot but no longer DMA-mapped: the pin fails, same answer
        r.Device.DmaUnmap(0x200000, 0x1000);
        o = r.Pqap(Gr0Aqic0504, Enable6, 0x200010);
        Assert.That((o.Cc, ApStatus.Rc((uint)o.Gr1), r.Kvm.Iommu.PinnedPages, r.Gisa.TotalReferences), Is.EqualTo((3, ApStatus.InvalidAddress, 0, 0)));
    }

    [Test]
    public void Scenario17_Host_rc_07_on_enable_releases_the_new_registration_and_keeps_the_old()
    {
        using var r = new AqicRig();
        r.Enable();
        r.Trace.Clear();
        // When the guest enables again with page 0x200 while the queue is enabled (host AQIC: 0x07)
        var o = r.Enable(nib: 0x200450);
        Assert.That((o.Cc, ApStatus.Rc((uint)o.Gr1)), Is.EqualTo((3, ApStatus.OtherwiseChanged)));
        // Then 0x200 was pinned, then unpinned; GISC 6 back to 1; saved stays (0x123, 6)
        Assert.That(r.Events(VfioTrace.PinPage).Single(), Does.Contain("gfn 0x200"));
        Assert.That(r.Events(VfioTrace.UnpinPage).Single(), Does.Contain("gfn 0x200, pin count 0"));
        Assert.That((r.Pins(0x200), r.Pins(0x123), r.Refs(6)), Is.EqualTo((0, 1, 1)));
        Assert.That((r.Record()!.SavedPfn, r.Record()!.SavedIsc), Is.EqualTo((0x123UL, (byte)6)));
    }

    [TestCase(false, TestName = "Scenario18_Host_rc_03_on_enable_runs_irq_disable_and_releases_everything")]
    [TestCase(true, TestName = "Scenario18_Host_rc_03_on_enable_upstream_leaks_the_new_pin_and_gisc")]
    public void Scenario18(bool upstream)
    {
        using var r = new AqicRig(quirks: new HostQuirks { UpstreamLeakOnEnableError = upstream });
        r.Enable();
        // Given the adapter was deconfigured: the host AQIC answers 0x03
        r.Queue().Adapter.Deconfigure();
        r.Trace.Clear();
        var o = r.Enable(nib: 0x200450);
        Assert.That((o.Cc, ApStatus.Rc((uint)o.Gr1)), Is.EqualTo((3, ApStatus.Deconfigured)));
        // irq-disable ran: a host AQIC off was issued, the previous registration released, queue.mdev cleared
        Assert.That(r.Events(MachineTrace.ApAqic).Select(l => l.Contains(" enable:") ? "on" : "off"), Is.EqualTo(new[] { "on", "off" }));
        Assert.That((r.Record()!.SavedPfn, r.Record()!.SavedIsc, r.Record()!.Mdev), Is.EqualTo((0UL, VfioApQueue.IscInvalid, (ApMatrixMdev?)null)));
        Assert.That(r.Pins(0x123), Is.Zero);
        Assert.That((r.Pins(0x200), r.Refs(6)), Is.EqualTo(upstream ? (1, 1) : (0, 0)));
    }

    [Test]
    public void Scenario19_Disable_after_enable_releases_pin_and_gisc()
    {
        using var r = new AqicRig();
        r.Enable();
        r.Trace.Clear();
        var o = r.Disable();
        Assert.That((o.Cc, o.Gr1), Is.EqualTo((0, (ulong)ApStatus.Empty)));
        Assert.That(r.Events(MachineTrace.ApAqic).Single(), Does.Contain("disable"));
        Assert.That(r.Events(MachineTrace.ApTapq).Single(), Does.Contain("status 0x80000000"), "polled until I = 0");
        Assert.That((r.Pins(0x123), r.Refs(6), r.Gisa.AlertMask, r.Gisa.Iam), Is.EqualTo((0, 0, (byte)0, (byte)0)));
    }

    [TestCase(3, 4, 3UL, TestName = "Scenario20_Disable_with_the_i_bit_slow_to_clear_waits_20ms_per_tapq_then_frees")]
    [TestCase(int.MaxValue, 5, 5UL, TestName = "Scenario20_Disable_with_the_i_bit_never_clearing_warns_after_5_tapq_and_still_frees")]
    public void Scenario20(int lag, int tapqs, ulong sleeps)
    {
        using var r = new AqicRig();
        r.Enable();
        r.Queue().IrqDisableLagTapqs = lag;
        r.Trace.Clear();
        ulong before = r.Cpu.Cycles;
        r.Disable();
        Assert.That(r.Events(MachineTrace.ApTapq), Has.Count.EqualTo(tapqs));
        Assert.That(r.Cpu.Cycles - before, Is.GreaterThanOrEqualTo(sleeps * 20_000 * 5200), "20 ms of virtual time per sleep");
        Assert.That(r.Cpu.Cycles - before, Is.LessThan((sleeps + 1) * 20_000 * 5200));
        Assert.That(r.Count(VfioApTrace.WaitIrqClear), Is.EqualTo(lag == int.MaxValue ? 1UL : 0UL));
        Assert.That((r.Pins(0x123), r.Refs(6)), Is.EqualTo((0, 0)));
    }

    [Test]
    public void Scenario21_Disable_never_enabled_issues_the_host_aqic_and_releases_nothing()
    {
        using var r = new AqicRig();
        var o = r.Disable();
        Assert.That((o.Cc, ApStatus.Rc((uint)o.Gr1)), Is.EqualTo((0, ApStatus.Normal)));
        Assert.That(r.Events(MachineTrace.ApAqic).Single(), Does.Contain("disable"));
        Assert.That((r.Count(VfioTrace.UnpinPage), r.Count(KvmTrace.GiscUnregister), r.Count(VfioApTrace.FreeAqicResources)), Is.EqualTo((0UL, 0UL, 0UL)));
    }

    [Test]
    public void Scenario22_Guest_internal_zapq_then_re_enable_moves_the_registration()
    {
        using var r = new AqicRig();
        r.Enable();
        // the guest's ZAPQ is interpreted: vfio_ap never sees it, the queue's I bit goes off
        var z = r.Pqap(0x0200_0504);
        Assert.That((z.Cc, r.Count(KvmTrace.HandlePqap)), Is.EqualTo((0, 1UL)), "not intercepted");
        Assert.That(r.Queue().IrqEnabled, Is.False);
        Assert.That((r.Pins(0x123), r.Refs(6)), Is.EqualTo((1, 1)), "vfio_ap kept its registration");
        r.Cpu.Cycles += 1_000_000; // the reset completes
        var o = r.Enable(nib: 0x200450);
        Assert.That((o.Cc, ApStatus.Rc((uint)o.Gr1)), Is.EqualTo((0, ApStatus.Normal)));
        Assert.That((r.Pins(0x200), r.Pins(0x123), r.Refs(6)), Is.EqualTo((1, 0, 1)));
        Assert.That((r.Record()!.SavedPfn, r.Record()!.SavedIsc), Is.EqualTo((0x200UL, (byte)6)));
    }

    [Test]
    public void Scenario23_Re_enable_with_the_nib_in_the_same_page_pins_it_twice_for_a_moment()
    {
        using var r = new AqicRig();
        r.Enable();
        r.Pqap(0x0100_0504); // guest RAPQ
        r.Cpu.Cycles += 1_000_000;
        r.Trace.Clear();
        r.Enable(nib: 0x123460);
        Assert.That(r.Events(VfioTrace.PinPage).Single(), Does.Contain("pin count 2"));
        Assert.That(r.Events(VfioTrace.UnpinPage).Single(), Does.Contain("gfn 0x123, pin count 1"));
        Assert.That(r.Events(KvmTrace.GiscRegister).Single(), Does.Contain("refcount 2"));
        Assert.That((r.Pins(0x123), r.Refs(6), r.Record()!.SavedNib), Is.EqualTo((1, 1, 0x123460UL)));
    }

    [Test]
    public void Scenario24_Two_queues_share_a_gisc_reference_count()
    {
        using var r = new AqicRig(queues: [0x0504, 0x0505]);
        r.Enable(apqn: 0x0504);
        r.Enable(nib: 0x124000, apqn: 0x0505);
        Assert.That((r.Refs(6), r.Pins(0x123), r.Pins(0x124)), Is.EqualTo((2, 1, 1)));
        r.Disable(0x0504);
        Assert.That((r.Refs(6), r.Gisa.Iam & 0x02), Is.EqualTo((1, 0x02)));
        r.Disable(0x0505);
        Assert.That((r.Refs(6), r.Gisa.Iam & 0x02, r.Kvm.Iommu.PinnedPages), Is.EqualTo((0, 0, 0)));
    }

    // ---- 25-33: reset paths and life cycle ------------------------------------------------------------------

    [Test]
    public void Scenario25_System_reset_with_irqs_registered_then_re_enable()
    {
        using var r = new AqicRig();
        r.Enable();
        r.Machine.SystemReset();
        Assert.That(r.Events(MachineTrace.ApZapq).Single(), Does.StartWith($"{MachineTrace.ApZapq.Name}: queue 05.0004"));
        Assert.That((r.Pins(0x123), r.Refs(6), r.Gisa.Iam, r.Record()!.SavedPfn, r.Record()!.SavedIsc), Is.EqualTo((0, 0, (byte)0, 0UL, VfioApQueue.IscInvalid)));
        r.Enable();
        Assert.That((r.Pins(0x123), r.Refs(6), r.Kvm.Iommu.BadUnpins), Is.EqualTo((1, 1, 0UL)));
    }

    [Test]
    public void Scenario26_Mdev_release_with_irqs_registered_tears_everything_down()
    {
        using var r = new AqicRig();
        r.Enable();
        Assert.That(r.Kvm.References, Is.EqualTo(2), "VMM + mdev");
        r.Device.Release();
        Assert.That(r.Machine.Host.Span(r.Kvm.Crypto.Crycb + 0x80, 0x60).ToArray(), Has.All.Zero, "APCB1 zeroed");
        Assert.That(r.Kvm.Crypto.PqapHook, Is.Null);
        Assert.That(r.Events(MachineTrace.ApZapq), Has.Count.EqualTo(1));
        Assert.That((r.Pins(0x123), r.Refs(6), r.Kvm.References, r.Kvm.Iommu.Notifiers), Is.EqualTo((0, 0, 1, 0)));
        // a later AQIC takes the no-hook path
        var o = r.Pqap(Gr0Aqic0504, Enable6, Nib);
        Assert.That((o.Cc, o.Gr1 >> 32), Is.EqualTo((3, 0x0001_0000UL)));
    }

    [Test]
    public void Scenario27_Kvm_dropped_by_the_vmm_while_the_mdev_is_open_lives_until_release()
    {
        using var r = new AqicRig();
        r.Enable();
        // a request is outstanding when the VMM drops its VM handle
        var msg = ApHarness.MeEncrypt(ApHarness.Key(1024));
        msg.CopyTo(r.Kvm.Memory.Span(Data, msg.Length));
        r.Cpu.G[4] = 0; r.Cpu.G[5] = 1; r.Cpu.G[6] = Data; r.Cpu.G[7] = (ulong)msg.Length;
        Assert.That(r.Exec(NqapInsn, 0x4000_0504).Cc, Is.Zero);
        r.Machine.DestroyVm();
        Assert.That((r.Kvm.References, r.Kvm.Destroyed, r.Gisa.Destroyed), Is.EqualTo((1, false, false)));
        // the GISA still receives the interruption
        r.Cpu.Cycles += 10_000_000;
        r.Kvm.ServiceHostEvents(r.Vcpu);
        Assert.That((r.Gisa.Ipm, r.Kvm.Memory.Span(Nib, 1)[0]), Is.EqualTo(((byte)0x02, (byte)0xFF)));
        // release: queues reset, GISC references 0, then the last reference: the VM and its GISA go
        r.Device.Release();
        Assert.That((r.Kvm.Destroyed, r.Gisa.Destroyed, r.Kvm.GiscReferencesAtDestroy, r.Count(KvmTrace.GisaUnexpectedIam)), Is.EqualTo((true, true, 0, 0UL)));
        int zapq = r.Trace.FindIndex(l => l.Contains(MachineTrace.ApZapq.Name)), destroy = r.Trace.FindIndex(l => l.Contains(KvmTrace.GisaDestroy.Name));
        Assert.That(zapq, Is.LessThan(destroy));
        Assert.That(r.Machine.Teardown(), Is.EqualTo(new HostLeakReport(0, 0, 0, 0)));
    }

    [TestCase(false, TestName = "Scenario28_Set_kvm_null_with_irqs_registered_tears_down_as_release")]
    [TestCase(true, TestName = "Scenario28_Set_kvm_null_in_5_3_leaks_the_reference_and_keeps_the_hook")]
    public void Scenario28(bool v53)
    {
        using var r = new AqicRig(quirks: new HostQuirks { V53SetKvmNull = v53 });
        r.Enable();
        r.Device.SetKvmNull();
        if (!v53)
        {
            Assert.That((r.Kvm.Crypto.PqapHook, r.Pins(0x123), r.Refs(6), r.Kvm.References, r.Mdev.Kvm), Is.EqualTo(((IPqapHook?)null, 0, 0, 1, (KvmVm?)null)));
            Assert.That(r.Machine.Teardown().Clean, Is.True);
        }
        else
        {
            Assert.That((r.Kvm.Crypto.PqapHook, r.Kvm.References, r.Pins(0x123)), Is.EqualTo(((IPqapHook?)r.Mdev, 2, 1)));
            var leaks = r.Machine.Teardown();
            Assert.That((leaks.KvmReferences, leaks.GiscReferences), Is.EqualTo((1, 1)), "5.3: the reference leaks; the GISC stays registered");
        }
    }

    [Test]
    public void Scenario29_A_second_mdev_for_the_same_kvm_is_refused()
    {
        var bus = new ApBus(ApHarness.DefaultConfiguration());
        using var r = new AqicRig(bus: bus);
        bus.Bind(0x0605, bus.VfioAp);
        var b = bus.VfioAp.CreateMdev(Guid.Parse("bbbbbbbb-0000-4000-8000-000000000002"));
        b.AssignAdapter(6);
        b.AssignDomain(5);
        var crycb = r.Machine.Host.Span(r.Kvm.Crypto.Crycb, 0x100).ToArray();
        var e = Assert.Throws<ApException>(() => b.Open(r.Kvm))!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EPERM));
        Assert.That((r.Kvm.References, r.Kvm.Crypto.PqapHook, b.Kvm, bus.VfioAp.Module.References), Is.EqualTo((2, (IPqapHook?)r.Mdev, (KvmVm?)null, 1)));
        Assert.That(r.Machine.Host.Span(r.Kvm.Crypto.Crycb, 0x100).ToArray(), Is.EqualTo(crycb));
        bus.VfioAp.RemoveMdev(b);
    }

    [Test]
    public void Scenario30_Mdev_remove_while_in_use_is_busy_and_changes_nothing()
    {
        using var r = new AqicRig();
        r.Enable();
        var e = Assert.Throws<ApException>(() => r.Device.RemoveMdev())!;
        Assert.That(e.Errno, Is.EqualTo(Errno.EBUSY));
        Assert.That((r.Bus.VfioAp.Mdevs.Count, r.Pins(0x123), r.Refs(6), r.Count(MachineTrace.ApZapq)), Is.EqualTo((1, 1, 1, 0UL)));
    }

    [TestCase(false, TestName = "Scenario31_Queue_removed_while_in_use_is_reset_and_released")]
    [TestCase(true, TestName = "Scenario31_Queue_removed_while_in_use_v7_leaks_pin_and_gisc")]
    public void Scenario31(bool v7)
    {
        using var r = new AqicRig(quirks: new HostQuirks { V7QueueRemove = v7 });
        r.Enable();
        var record = r.Record()!;
        r.Device.UnbindQueue(0x0504);
        Assert.That((r.Record(), record.Freed), Is.EqualTo(((VfioApQueue?)null, true)));
        Assert.That((r.Pins(0x123), r.Refs(6)), Is.EqualTo(v7 ? (1, 1) : (0, 0)));
        Assert.That(r.Count(MachineTrace.ApZapq), Is.EqualTo(v7 ? 0UL : 1UL));
        // the APQN is still in the CRYCB (no in-use check); a later AQIC finds no queue
        Assert.That(r.Machine.Host.ReadU8(r.Kvm.Crypto.Crycb + 0x80) & 0x04, Is.EqualTo(0x04));
        var o = r.Pqap(Gr0Aqic0504, Enable6, Nib);
        Assert.That((o.Cc, ApStatus.Rc((uint)o.Gr1)), Is.EqualTo((3, ApStatus.QueueNotAvailable)));
    }

    [Test]
    public void Scenario32_Removing_a_queue_without_irqs_or_whose_mdev_has_no_kvm_is_harmless()
    {
        var bus = new ApBus(ApHarness.DefaultConfiguration());
        using var r = new AqicRig(bus: bus);
        // a queue that never had IRQs
        r.Device.UnbindQueue(0x0504);
        // a queue of an mdev that has no KVM
        bus.Bind(0x0605, bus.VfioAp);
        var b = bus.VfioAp.CreateMdev(Guid.Parse("bbbbbbbb-0000-4000-8000-000000000003"));
        b.AssignAdapter(6);
        b.AssignDomain(5);
        bus.Bind(0x0605, bus.DefaultDriver);
        Assert.That((r.Count(KvmTrace.GiscUnregister), r.Count(VfioTrace.UnpinPage), r.Kvm.UseAfterFreeCount), Is.EqualTo((0UL, 0UL, 0UL)));
        Assert.That(bus.VfioAp.QueueRecord(0x0605), Is.Null);
        bus.VfioAp.RemoveMdev(b);
    }

    [TestCase(false, TestName = "Scenario33_Dma_unmap_of_the_nib_page_disables_the_queue_irqs")]
    [TestCase(true, TestName = "Scenario33_Dma_unmap_v7_unpins_one_page_and_a_later_reset_unpins_again")]
    public void Scenario33(bool v7)
    {
        using var r = new AqicRig(quirks: new HostQuirks { V7DmaUnmap = v7 });
        r.Enable();
        r.Trace.Clear();
        r.Device.DmaUnmap(0x123000, 0x1000);
        Assert.That(r.Pins(0x123), Is.Zero);
        if (!v7)
        {
            Assert.That(r.Events(MachineTrace.ApAqic).Single(), Does.Contain("disable"));
            Assert.That((r.Refs(6), r.Record()!.SavedPfn, r.Queue().IrqEnabled), Is.EqualTo((0, 0UL, false)));
        }
        else Assert.That((r.Refs(6), r.Record()!.SavedPfn, r.Queue().IrqEnabled), Is.EqualTo((1, 0x123UL, true)));
        r.Device.DeviceReset();
        Assert.That(r.Kvm.Iommu.BadUnpins, Is.EqualTo(v7 ? 1UL : 0UL), "a later reset must not unpin again");
        Assert.That(r.Refs(6), Is.Zero);
    }

    // ---- 34-37: delivery -------------------------------------------------------------------------------------

    /// <summary>Writes a 16-byte PSW into the lowcore.</summary>
    private static void NewPsw(AqicRig r, int offset, ulong mask, ulong addr)
    {
        r.Machine.Host.WriteU64(r.Kvm.Memory.HostStart + (ulong)offset, mask);
        r.Machine.Host.WriteU64(r.Kvm.Memory.HostStart + (ulong)offset + 8, addr);
    }

    private const ulong Main = 0x40000, IoHandler = 0x41000, ExtHandler = 0x42000;

    /// <summary>Places code at an address.</summary>
    private static void Put(AqicRig r, ulong at, TestGuest g)
    {
        var b = g.CodeBytes();
        b.CopyTo(r.Kvm.Memory.Span(at, b.Length));
    }

    /// <summary>
    /// The guest part every delivery scenario shares: enable AQIC (ISC 6, NIB 0x123450) and submit one
    /// RSA 1024 ME request on 05.0004 (reply after 20 us); then <paramref name="then"/>. The I/O new PSW
    /// leads to a handler that runs ~100 us (the kicker can see a clean IPM) and stops.
    /// </summary>
    private static void SubmitProgram(AqicRig r, Action<TestGuest> then)
    {
        var msg = ApHarness.MeEncrypt(ApHarness.Key(1024));
        msg.CopyTo(r.Kvm.Memory.Span(Data, msg.Length));
        var g = new TestGuest()
            .Load64(0, Gr0Aqic0504).Load64(1, Enable6).Load64(2, Nib).Bytes(0xB2, 0xAF, 0, 0)
            .Load64(0, 0x4000_0504).Load64(2, Data).Load64(3, (ulong)msg.Length).Load64(4, 0).Load64(5, 0x77).Bytes(0xB2, 0xAD, 0x00, 0x42);
        then(g);
        Put(r, Main, g);
        Put(r, IoHandler, new TestGuest().Load64(8, 1_000_000).Asm("BRCTG", r1: 8, ri2: 0).Stop());
        NewPsw(r, Lowcore.IoNewPsw, Psw.EA | Psw.BA, IoHandler);
        r.Cpu.LoadPsw(Psw.EA | Psw.BA, Main);
        r.Vcpu.Stopped = false;
    }

    [Test]
    public void Scenario34_Direct_delivery_by_the_sie_to_an_enabled_vcpu()
    {
        using var r = new AqicRig();
        r.Cpu.Cr[6] = 0x0200_0000; // ISC 6
        // the vcpu runs a loop with I/O enabled (STOSM 0x300,0x02 ; J .)
        SubmitProgram(r, g => g.Asm("STOSM", b1: 0, d1: 0x300, i2: 0x02).Asm("BRC", m1: 15, ri2: 0));
        var res = r.Machine.Run();
        Assert.That(res.End, Is.EqualTo(RunEnd.Stopped), res.Message);
        Assert.That(r.Kvm.Memory.Span(Nib, 1)[0], Is.EqualTo(0xFF), "NIB");
        Assert.That(r.Events(MachineTrace.GisaIpmSet).Single(), Does.Contain("ipm 0x02"));
        Assert.That(r.Gisa.Ipm, Is.Zero, "cleared by the SIE");
        Assert.That((r.Be32(0xC0), r.Be32(0xB8), r.Be32(0xBC)), Is.EqualTo((0xB000_0000u, 0u, 0u)));
        Assert.That((r.Count(MachineTrace.SieDeliverIoAdapter), r.Count(MachineTrace.GalInterrupt), r.Count(MachineTrace.GibAlertPush)), Is.EqualTo((1UL, 0UL, 0UL)));
        Assert.That(r.Cpu.IoInterruptions, Is.EqualTo(1UL));
    }

    [Test]
    public void Scenario35_Host_mediated_delivery_through_the_gib_alert_list()
    {
        using var r = new AqicRig();
        r.Cpu.Cr[6] = 0x0200_0000;
        // the vcpu waits enabled for I/O (outside SIE)
        SubmitProgram(r, g => g.LoadPsw(Psw.EA | Psw.BA | Psw.Io | Psw.Wait, 0));
        var res = r.Machine.Run();
        Assert.That(res.End, Is.EqualTo(RunEnd.Stopped), res.Message);
        // IPM set, pushed on the alert list with the IAM cleared, GAL at ISC 5 (the list was empty)
        Assert.That(r.Events(MachineTrace.GisaIpmSet).Single(), Does.Contain("ipm 0x02 iam 0x02"));
        Assert.That(r.Events(MachineTrace.GibAlertPush).Single(), Does.Contain("next 0x00000000"));
        Assert.That(r.Events(MachineTrace.GalInterrupt).Single(), Does.Contain("isc 5"));
        Assert.That(r.Events(KvmTrace.GibProcessAlertList).Single(), Does.Contain($"gisa 0x{r.Gisa.Origin:x}"));
        // the kicker woke the idle vcpu, KVM delivered the interruption, the IAM came back once the IPM was clean
        var kicks = r.Events(KvmTrace.GisaKick);
        Assert.That(kicks[0], Does.Contain("pending 0x02, woke vcpu 0"));
        Assert.That(kicks[^1], Does.Contain("nothing pending, iam restored to 0x02"));
        Assert.That(r.Count(KvmTrace.DeliverIoAdapter), Is.EqualTo(1UL));
        Assert.That((r.Be32(0xC0), r.Kvm.Memory.Span(Nib, 1)[0]), Is.EqualTo((0xB000_0000u, (byte)0xFF)));
        Assert.That((r.Gisa.OnAlertList, r.Gisa.Iam, r.Gisa.Ipm, r.Gib().AlertListOrigin), Is.EqualTo((false, (byte)0x02, (byte)0, 0u)));
    }

    [Test]
    public void Scenario36_A_vcpu_disabled_for_the_isc_is_not_woken_and_takes_it_once_enabled()
    {
        using var r = new AqicRig();
        r.Cpu.Cr[6] = 0;                           // ISC 6 off
        r.Cpu.Cr[0] |= Cr0.ClockComparator;
        r.Cpu.SetClockComparator(r.Cpu.Tod + 500 * 4096UL); // 500 us
        // the external handler enables ISC 6 (CR6 from 0x300) and waits again, enabled for I/O
        r.Machine.Host.WriteU64(r.Kvm.Memory.HostStart + 0x300, 0x0200_0000);
        Put(r, ExtHandler, new TestGuest().Asm("LCTLG", r1: 6, r3: 6, b2: 0, d2: 0x300).LoadPsw(Psw.EA | Psw.BA | Psw.Io | Psw.Wait, 0));
        NewPsw(r, Lowcore.ExtNewPsw, Psw.EA | Psw.BA, ExtHandler);
        SubmitProgram(r, g => g.LoadPsw(Psw.EA | Psw.BA | Psw.Io | Psw.Ext | Psw.Wait, 0));
        var res = r.Machine.Run();
        Assert.That(res.End, Is.EqualTo(RunEnd.Stopped), res.Message);
        // the alert happened, but the kicker found no vcpu enabled for ISC 6: the interruption stayed in the IPM
        Assert.That(r.Count(MachineTrace.GalInterrupt), Is.EqualTo(1UL));
        var kicks = r.Events(KvmTrace.GisaKick);
        Assert.That(kicks.Count(k => k.Contains("no idle vcpu is enabled for it")), Is.GreaterThanOrEqualTo(5), "re-armed every 50 us until the clock comparator");
        Assert.That(kicks.Any(k => k.Contains("woke")), Is.False);
        // after the guest enabled ISC 6 the interruption was presented
        int ext = r.Trace.FindIndex(l => l.Contains(KvmTrace.VcpuWakeup.Name) || l.Contains(MachineTrace.SieDeliverIoAdapter.Name) || l.Contains(KvmTrace.DeliverIoAdapter.Name));
        Assert.That(ext, Is.GreaterThan(r.Trace.FindLastIndex(l => l.Contains("no idle vcpu"))));
        Assert.That((r.Cpu.ExternalInterruptions, r.Cpu.IoInterruptions, r.Be32(0xC0)), Is.EqualTo((1UL, 1UL, 0xB000_0000u)));
        Assert.That(kicks[^1], Does.Contain("iam restored to 0x02"));
    }

    [Test]
    public void Scenario37_A_second_alert_while_the_list_is_not_empty_raises_no_second_gal()
    {
        using var host = new HostMemory();
        var machine = new HostMachine(host);
        var events = machine.Trace;
        var a = new KvmVm(machine, 1 << 20, new CpuModel());
        var b = new KvmVm(machine, 1 << 20, new CpuModel());
        var ctx = new HostContext(0, events);
        var gib = a.Gib!;
        Assert.That(b.Gib, Is.SameAs(gib), "one GIB per host");
        a.GiscRegister(6, ctx);
        b.GiscRegister(6, ctx);
        machine.Aiv.DeferGalPresentation = true;
        // GISA A alerts: the list was empty, one GAL
        machine.Aiv.Post(a.Gisa!.Origin, 6, ctx);
        Assert.That((gib.AlertListOrigin, machine.Aiv.Gals, machine.Aiv.GalPending), Is.EqualTo(((uint)a.Gisa.Origin, 1UL, true)));
        // GISA B alerts while the origin is GISA A: no second GAL, B links to A
        machine.Aiv.Post(b.Gisa!.Origin, 6, ctx);
        Assert.That((gib.AlertListOrigin, b.Gisa.NextAlert, machine.Aiv.Gals), Is.EqualTo(((uint)b.Gisa.Origin, (uint)a.Gisa.Origin, 1UL)));
        // one handler run processes both
        gib.HandleGal(ctx);
        Assert.That((a.Gisa.OnAlertList, b.Gisa.OnAlertList, gib.AlertListOrigin), Is.EqualTo((false, false, 0u)));
        Assert.That(new[] { a.Gisa.KickerCycle, b.Gisa.KickerCycle }, Has.All.LessThanOrEqualTo(ctx.Now), "both kickers started (due now)");
        Assert.That(events[KvmTrace.GibProcessAlertList], Is.EqualTo(1UL));
        // while the origin is 1 (a handler is detaching the list) an alert raises no GAL either
        a.Gisa.RunKicker(ctx); b.Gisa.RunKicker(ctx);
        a.Gisa.ClearIpm(); a.Gisa.GetIpmOrRestoreIam();
        host.WriteU32(gib.Address, Gib.NoneGisa);
        machine.Aiv.Post(a.Gisa.Origin, 6, ctx);
        Assert.That((machine.Aiv.Gals, a.Gisa.NextAlert), Is.EqualTo((1UL, Gib.NoneGisa)));
        gib.ProcessAlertList(ctx);
        Assert.That((a.Gisa.OnAlertList, gib.AlertListOrigin), Is.EqualTo((false, 0u)));
    }

    // ---- 38-41: API edges and facilities -----------------------------------------------------------------

    [Test]
    public void Scenario38_Gisc_api_edge_cases()
    {
        using var host = new HostMemory();
        var machine = new HostMachine(host);
        var ctx = new HostContext(0, machine.Trace);
        var kvm = new KvmVm(machine, 1 << 20, new CpuModel());
        Assert.That(kvm.GiscRegister(8, ctx), Is.EqualTo(-Errno.ERANGE));
        Assert.That(kvm.GiscUnregister(3, ctx), Is.EqualTo(-Errno.EINVAL));
        Assert.That(kvm.GiscRegister(6, ctx), Is.EqualTo(5), "returns the NISC");
        var noGisa = new KvmVm(machine, 1 << 20, new CpuModel(), config: new KvmHostConfig { Aiv = false });
        Assert.That(noGisa.Gisa, Is.Null);
        Assert.That(noGisa.GiscRegister(6, ctx), Is.EqualTo(-Errno.ENODEV));
    }

    [Test]
    public void Scenario39_No_aiv_in_the_vcpu_the_hook_is_not_supported_with_the_v7_facility_rule()
    {
        // Given a host without AIV and the v7 facility rule: facility 65 offered, ECA.AIV = 0
        using (var r = new AqicRig(quirks: new HostQuirks { V7Facility65 = true }, options: o => o.HostAiv = false))
        {
            Assert.That((r.Kvm.TestFacility(Fac.ApQueueInterruptControl), r.Vcpu.SieBlock.ExecutionControlA & StateDescription.EcaAiv, r.Vcpu.SieBlock.GisaDesignation), Is.EqualTo((true, 0u, 0u)));
            AssertOperationException(r.Pqap(Gr0Aqic0504, Enable6, Nib));
            Assert.That(r.Events(VfioApTrace.HandlePqap).Single(), Does.Contain("ECA.AIV off"));
        }
        // with the model's rule facility 65 is not offerable: STFLE byte 8 bit 0x40 clear
        using (var r = new AqicRig(options: o => o.HostAiv = false))
        {
            Assert.That(r.Kvm.TestFacility(Fac.ApQueueInterruptControl), Is.False);
            Assert.That(r.Machine.Host.ReadU8(r.Kvm.FacListAddress + 8) & 0x40, Is.Zero);
            Assert.That(r.Pqap(Gr0Aqic0504, Enable6, Nib).Pgm, Is.EqualTo(PgmCode.Specification));
        }
    }

    [TestCase(true, true, false, true, TestName = "Scenario40_Host_65_and_aiv_apqi_on_offers_65")]
    [TestCase(true, false, false, false, TestName = "Scenario40_Host_65_and_aiv_apqi_off_does_not_offer_65")]
    [TestCase(false, true, false, false, TestName = "Scenario40_Host_65_without_aiv_model_does_not_offer_65")]
    [TestCase(false, true, true, true, TestName = "Scenario40_Host_65_without_aiv_v7_offers_65")]
    public void Scenario40(bool aiv, bool apqi, bool v7, bool offered)
    {
        using var r = new AqicRig(quirks: new HostQuirks { V7Facility65 = v7 }, ap: o => o.Apqi = apqi, options: o => o.HostAiv = aiv);
        // the guest's STFLE: byte 8 mask 0x40
        var g = new TestGuest().Load64(0, 3).Asm("STFLE", b2: 0, d2: 0x300).Stop();
        Put(r, Main, g);
        r.Cpu.LoadPsw(Psw.EA | Psw.BA, Main);
        r.Vcpu.Stopped = false;
        r.Machine.Run();
        Assert.That((r.Kvm.Memory.Span(0x308, 1)[0] & 0x40) != 0, Is.EqualTo(offered));
        Assert.That(r.Kvm.Gisa != null, Is.EqualTo(aiv));
    }

    [TestCase(false, 0, TestName = "Scenario41_Cc_after_success_is_0_with_the_2023_fix")]
    [TestCase(true, 3, TestName = "Scenario41_Cc_after_success_stays_3_in_v7")]
    public void Scenario41(bool v7, int cc)
    {
        using var r = new AqicRig(quirks: new HostQuirks { V7CcUnchanged = v7 });
        Assert.That(r.Pqap(Gr0Aqic0504, Enable6, Nib, ccBefore: 3).Cc, Is.EqualTo(cc));
    }
}
