using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Host;
using S390Jit.Host.Crypto;
using S390Jit.Host.Kvm;
using S390Jit.Memory;
using S390Jit.Hardware.Sie;
using static S390Jit.Tests.Hardware.ApHarness;
using S390Jit.Hardware;
using S390Jit.Hardware.Ap;
using S390Jit.Tests.Hardware;

namespace S390Jit.Tests.Host;

/// <summary>
/// AP instructions interpreted under SIE with ECA.APIE against the CRYCB (spec 3.2): formats 0, 1
/// and 2, APQNs outside APM x AQM (RC 0x01, never reaching a queue), QCI's view, APXA limits, which
/// functions intercept; and KVM's side: the CRYCB format choice, the masks, the vcpu set-up.
/// </summary>
public class ApCrycbTests
{
    private static ApHarness Guest(int format, int[] apids, int[] apqis, ApConfiguration? ap = null)
    {
        var h = new ApHarness(ap).UnderSie(format);
        h.CrycbMatrix(format == 2, apids, apqis);
        return h;
    }

    /// <summary>TAPQ over 0x0000-0xFFFF (or 00-3f x 00-0f without APXA); the APQNs with RC 0.</summary>
    private static List<ushort> Probe(ApHarness h)
    {
        bool apxa = h.Firmware.Apxa(h.Cpu);
        var found = new List<ushort>();
        var others = new List<string>();
        for (int a = 0; a <= (apxa ? 255 : 63); a++)
            for (int d = 0; d <= (apxa ? 255 : 15); d++)
            {
                ushort apqn = (ushort)(a << 8 | d);
                byte rc = h.Tapq(apqn, t: false);
                if (rc == ApStatus.Normal) found.Add(apqn);
                else if (rc != ApStatus.QueueNotAvailable) others.Add($"{apqn:x4}: {rc:x2}");
            }
        Assert.That(others, Is.Empty, "every other APQN answers 0x01");
        return found;
    }

    [Test]
    public void Format_2_uses_apcb1_and_a_full_probe_finds_exactly_the_matrix()
    {
        var ap = DefaultConfiguration();
        ap.AddAdapter(0x80, ApDeviceType.Cex7);
        using var h = Guest(2, [5, 0x80], [4], ap);
        // APCB0 bits must not count in format 2
        h.CrycbBit(ApFirmware.Apcb0Apm, 6);
        h.CrycbBit(ApFirmware.Apcb0Aqm, 5);
        Assert.That(Probe(h), Is.EqualTo(new ushort[] { 0x0504, 0x8004 }));
        Assert.That(h.Firmware.Apxa(h.Cpu), Is.True);
    }

    [TestCase(0)]
    [TestCase(1)]
    public void Formats_0_and_1_use_apcb0_and_have_no_apxa(int format)
    {
        using var h = Guest(format, [5, 6], [5]);
        h.CrycbBit(ApFirmware.Apcb1Apm, 5);
        h.CrycbBit(ApFirmware.Apcb1Aqm, 4); // APCB1 must not count
        Assert.That(Probe(h), Is.EqualTo(new ushort[] { 0x0505, 0x0605 }));
        Assert.That(h.Firmware.Apxa(h.Cpu), Is.False);
        h.Cpu.G[0] = 0x4005;
        Assert.That(h.Exec("PQAP").Pgm, Is.EqualTo(PgmCode.Specification), "APID 0x40 without APXA");
        h.Cpu.G[0] = 0x0510;
        Assert.That(h.Exec("PQAP").Pgm, Is.EqualTo(PgmCode.Specification), "APQI 0x10 without APXA");
    }

    [TestCase(0)]
    [TestCase(1)]
    [TestCase(2)]
    public void An_apqn_outside_the_crycb_gets_rc_01_and_never_reaches_its_queue(int format)
    {
        using var h = Guest(format, [5], [4]);
        Assert.That(h.Send(MeEncrypt(Key(1024)), apqn: 0x0505).Cc, Is.EqualTo(3));
        Assert.That(h.Status, Is.EqualTo(ApStatus.Make(ApStatus.QueueNotAvailable)));
        Assert.That(h.Pqap(1, 0x0604).Cc, Is.EqualTo(3), "RAPQ of a queue the host has but the guest has not");
        Assert.That(h.Rc, Is.EqualTo(ApStatus.QueueNotAvailable));
        Assert.That((h.Queue(0x0505).Stats.Requests, h.Queue(0x0604).Stats.Resets), Is.EqualTo((0UL, 0UL)));
        Assert.That(h.Send(MeEncrypt(Key(1024)), apqn: 0x0504).Cc, Is.Zero, "the configured queue works");
        h.WaitMicroseconds(100);
        Assert.That(Result80(h.Receive(out _, apqn: 0x0504)!, 128), Is.EqualTo(Hex(Key(1024).C)));
    }

    [Test]
    public void A_crycb_mask_without_a_host_queue_is_still_rc_01_and_a_domain_beyond_nd_is_rc_11()
    {
        using var h = Guest(2, [5, 7], [4, 0x60]);
        Assert.That(h.Tapq(0x0704), Is.EqualTo(ApStatus.QueueNotAvailable), "no adapter 7 on the host");
        Assert.That(h.Tapq(0x0560), Is.EqualTo(ApStatus.IndexTooBig), "domain 0x60 > Nd 0x54");
    }

    [Test]
    public void Crycb_origin_0_means_no_ap_queues()
    {
        using var h = new ApHarness().UnderSie(2);
        h.Sie.Crycbd = 3;
        Assert.That(h.Tapq(0x0504), Is.EqualTo(ApStatus.QueueNotAvailable));
    }

    [TestCase(2, (byte)0x60, (byte)0xFF, (byte)0x54, 32)]
    [TestCase(1, (byte)0x20, (byte)0x3F, (byte)0x0F, 8)]
    [TestCase(0, (byte)0x20, (byte)0x3F, (byte)0x0F, 8)]
    public void Qci_under_sie_reports_the_crycb_masks(int format, byte flags, byte na, byte nd, int apmBytes)
    {
        using var h = Guest(format, [5, 6], [4, 5]);
        h.CrycbBit(format == 2 ? ApFirmware.Apcb1Adm : ApFirmware.Apcb0Adm, 4);
        var r = h.Pqap(4, 0, gr2: Qci);
        var b = h.Mem(Qci, 128).ToArray();
        Assert.That(r.Cc, Is.Zero);
        Assert.That((b[0], b[4], b[5]), Is.EqualTo((flags, na, nd)));
        Assert.That((b[0x10], b[0x30], b[0x50]), Is.EqualTo(((byte)0x06, (byte)0x0C, (byte)0x08)));
        Assert.That(b[(0x10 + apmBytes)..0x30].All(x => x == 0), Is.True);
    }

    [Test]
    public void Tapq_info_n_bit_and_nd_follow_the_guest_configuration()
    {
        using var f2 = Guest(2, [5], [4]);
        f2.Tapq();
        using var f0 = Guest(0, [5], [4]);
        f0.Tapq();
        Assert.That(((f2.G(2) >> 32) & ApAdapter.FunctionApxa, (f2.G(2) >> 16) & 0xFF), Is.EqualTo(((ulong)ApAdapter.FunctionApxa, 0x54UL)));
        Assert.That(((f0.G(2) >> 32) & ApAdapter.FunctionApxa, (f0.G(2) >> 16) & 0xFF), Is.EqualTo((0UL, 15UL)));
    }

    [Test]
    public void Under_apie_aqic_intercepts_and_everything_else_is_interpreted()
    {
        using var h = Guest(2, [5], [4]);
        foreach (int fc in new[] { 0, 1, 2, 4, 5 })
            Assert.That(h.Pqap(fc, Q, gr2: Qci).Intercepted, Is.False, $"FC {fc}");
        Assert.That(h.Pqap(3, Q).Intercepted, Is.True, "AQIC always intercepts");
        Assert.That(h.Nqap(Q, 1, Msg, 0).Intercepted, Is.False);
        Assert.That(h.Dqap(Q, Reply, 0).Intercepted, Is.False);
        h.Sie.Eca = 0;
        Assert.That(h.Pqap(0, Q).Intercepted, Is.True, "APIE off: TAPQ intercepts");
        Assert.That(h.Nqap(Q, 1, Msg, 0).Intercepted, Is.True);
        Assert.That(h.Dqap(Q, Reply, 0).Intercepted, Is.True);
        Assert.That(h.Sie.InterceptIpa, Is.EqualTo((ushort)0xB2AE));
    }

    // ---- KVM -----------------------------------------------------------------------------------------
    private static KvmVm NewKvm(HostMemory host, ApBus? bus, bool msa3, int vcpus = 1)
    {
        var model = new CpuModel();
        if (msa3) model.Facilities.Add(Fac.Msa3);
        var kvm = new KvmVm(new HostMachine(host, ap: bus?.Hardware), 1 << 20, model);
        for (int i = 0; i < vcpus; i++) kvm.CreateVcpu((ushort)i);
        return kvm;
    }

    [TestCase(false, true, 0)]
    [TestCase(true, false, 1)]
    [TestCase(true, true, 2)]
    public void Kvm_chooses_the_crycb_format_from_msa3_and_apxa(bool msa3, bool apxa, int format)
    {
        using var host = new HostMemory();
        var kvm = NewKvm(host, new ApBus(DefaultConfiguration(apxa)), msa3);
        var k = kvm.Crypto;
        Assert.That(k.Format, Is.EqualTo(format));
        Assert.That(k.Crycb, Is.EqualTo(k.SiePage2 + 0x800));
        Assert.That((k.Crycb & 7, k.Crycb < 0x8000_0000UL), Is.EqualTo((0UL, true)), "8-byte aligned, below 2 GiB");
        Assert.That(k.Crycbd & 0x7FFF_FFF8, Is.EqualTo((uint)k.Crycb));
        Assert.That(k.Crycbd & 3, Is.EqualTo(format switch { 2 => 3u, 1 => 1u, _ => 0u }));
        Assert.That(k.AesKw && k.DeaKw, Is.EqualTo(msa3));
    }

    [Test]
    public void Set_masks_fills_apcb1_in_format_2_and_apcb0_otherwise_and_clear_masks_zeroes_both()
    {
        using var host = new HostMemory();
        var apm = new ApMask(); apm[5] = true; apm[0x80] = true;
        var aqm = new ApMask(); aqm[4] = true;
        var adm = new ApMask(); adm[4] = true; adm[0x20] = true;

        var k2 = NewKvm(host, new ApBus(DefaultConfiguration()), msa3: true).Crypto;
        k2.SetMasks(apm, aqm, adm);
        Assert.That(host.Span(k2.Crycb + 0x80, 32).ToArray(), Is.EqualTo(apm.Bytes.ToArray()));
        Assert.That(host.Span(k2.Crycb + 0xA0, 32).ToArray(), Is.EqualTo(aqm.Bytes.ToArray()));
        Assert.That(host.Span(k2.Crycb + 0xC0, 32).ToArray(), Is.EqualTo(adm.Bytes.ToArray()));
        Assert.That(host.Span(k2.Crycb, 0x20).ToArray().All(b => b == 0), Is.True, "APCB0 untouched");

        var k0 = NewKvm(host, new ApBus(DefaultConfiguration()), msa3: false).Crypto;
        k0.SetMasks(apm, aqm, adm);
        Assert.That(host.Span(k0.Crycb, 8).ToArray(), Is.EqualTo(apm.Bytes[..8].ToArray()), "APM: 8 bytes (APID 0-63)");
        Assert.That(host.Span(k0.Crycb + 8, 8).ToArray(), Is.EqualTo(new byte[] { 0x08, 0, 0, 0, 0, 0, 0, 0 }), "AQM: 2 bytes");
        Assert.That(host.Span(k0.Crycb + 0x10, 8).ToArray(), Is.EqualTo(new byte[] { 0x08, 0, 0, 0, 0, 0, 0, 0 }), "ADM: 2 bytes (0x20 dropped)");
        Assert.That(host.Span(k0.Crycb + 0x80, 0x80).ToArray().All(b => b == 0), Is.True);

        k2.ClearMasks();
        k0.ClearMasks();
        Assert.That(host.Span(k2.Crycb, 0x100).ToArray().All(b => b == 0) && host.Span(k0.Crycb, 0x100).ToArray().All(b => b == 0), Is.True);
    }

    [Test]
    public void Vcpu_setup_puts_crycbd_eca_apie_and_ecb3_into_the_sie_block_and_follows_the_apie_flag()
    {
        using var host = new HostMemory();
        var kvm = NewKvm(host, new ApBus(DefaultConfiguration()), msa3: true, vcpus: 2);
        var sd = kvm.Vcpus[1].SieBlock;
        Assert.That(sd.CrycbDesignation, Is.EqualTo(kvm.Crypto.Crycbd));
        Assert.That(sd.ExecutionControlA & StateDescription.EcaApie, Is.Zero, "APIE off until user space enables it");
        Assert.That(host.ReadU8(sd.Address + StateDescription.Ecb3) & 0x0C, Is.EqualTo(0x0C), "ECB3 AES and DEA key wrapping");
        Assert.That(kvm.Crypto.SetApie(true), Is.True);
        Assert.That(kvm.Vcpus.All(v => (v.SieBlock.ExecutionControlA & StateDescription.EcaApie) != 0), Is.True);
        Assert.That(kvm.Machine.ApFirmware, Is.Not.Null, "under SIE the vcpus reach the machine's AP firmware");
        Assert.That(kvm.Crypto.SetApie(false), Is.True);
        Assert.That(sd.ExecutionControlA & StateDescription.EcaApie, Is.Zero);
    }

    [Test]
    public void Without_msa3_apie_alone_sets_up_the_crycb_and_without_host_ap_apie_is_refused()
    {
        using var host = new HostMemory();
        var kvm = NewKvm(host, new ApBus(DefaultConfiguration()), msa3: false);
        Assert.That(kvm.Vcpus[0].SieBlock.CrycbDesignation, Is.Zero, "neither APIE nor MSA3: no CRYCB");
        kvm.Crypto.SetApie(true);
        Assert.That(kvm.Vcpus[0].SieBlock.CrycbDesignation, Is.EqualTo(kvm.Crypto.Crycbd));
        Assert.That(kvm.Crypto.Format, Is.Zero);

        var noAp = NewKvm(host, null, msa3: true);
        Assert.That(noAp.Crypto.SetApie(true), Is.False, "-EOPNOTSUPP");
        Assert.That((noAp.Crypto.Format, noAp.Machine.ApFirmware), Is.EqualTo((1, (ApFirmware?)null)), "no APXA without host AP: format 1");
    }
}
