using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Host.Crypto;
using static S390Jit.Tests.Hardware.ApHarness;
using S390Jit.Hardware.Ap;

namespace S390Jit.Tests.Hardware;

/// <summary>
/// PQAP (TAPQ, RAPQ, ZAPQ, AQIC natively, QCI, QACT), NQAP and DQAP executed by a CPU against the
/// AP firmware: every response code the model produces (spec 1.6), the status bits, partial and
/// multi-part transfers, the program exceptions of spec 2.1 and the modelled latency.
/// </summary>
public class ApInstructionTests
{
    private const ulong L = 0x4000_0000, C = 0x8000_0000, Special = 0x0040_0000;

    // ---- TAPQ ---------------------------------------------------------------------------------------
    [Test]
    public void Tapq_reports_an_empty_queue_and_the_adapter_in_gr2()
    {
        using var h = new ApHarness();
        h.Cpu.G[2] = 0;
        var r = h.Pqap(0, Q, extra: 0x80_0000);
        Assert.That((r.Cc, h.Status), Is.EqualTo((0, ApStatus.Empty)));
        ulong info = h.G(2);
        Assert.That(info >> 32, Is.EqualTo(0x6A00_0000UL), "M, C, accelerator mode, N (APXA)");
        Assert.That((info >> 24) & 0xFF, Is.EqualTo(13UL), "AT = CEX7");
        Assert.That((info >> 16) & 0xFF, Is.EqualTo(0x54UL), "ND = max domain 84");
        Assert.That((info >> 8) & 0xF, Is.EqualTo(3UL), "ML = 3 x 4 KiB");
        Assert.That(info & 0xFF, Is.EqualTo(7UL), "QD = depth - 1");
        Assert.That(h.G(1) >> 32, Is.EqualTo(0UL), "GR1 bits 0-31 zero");
    }

    [Test]
    public void Tapq_without_the_T_bit_leaves_gr2_unchanged()
    {
        using var h = new ApHarness();
        h.Pqap(0, Q, gr2: 0xDEAD_BEEF);
        Assert.That((h.Rc, h.G(2)), Is.EqualTo((ApStatus.Normal, 0xDEAD_BEEFUL)));
    }

    [TestCase(ApDeviceType.Cex5, 11)]
    [TestCase(ApDeviceType.Cex6, 12)]
    [TestCase(ApDeviceType.Cex8, 14)]
    public void Tapq_reports_the_configured_adapter_type(ApDeviceType type, int at)
    {
        using var h = new ApHarness(DefaultConfiguration(type: type));
        h.Tapq();
        Assert.That((h.G(2) >> 24) & 0xFF, Is.EqualTo((ulong)at));
    }

    // ---- response codes -------------------------------------------------------------------------------
    [TestCase((ushort)0x0704, ApStatus.QueueNotAvailable, TestName = "Rc_01_adapter_not_installed")]
    [TestCase((ushort)0x0506, ApStatus.QueueNotAvailable, TestName = "Rc_01_domain_not_a_usage_domain")]
    [TestCase((ushort)0x0560, ApStatus.IndexTooBig, TestName = "Rc_11_domain_index_beyond_Nd")]
    [TestCase((ushort)0x0504, ApStatus.Normal, TestName = "Rc_00_configured_queue")]
    public void Response_code_of_every_function_for_an_apqn(ushort apqn, byte rc)
    {
        using var h = new ApHarness();
        Assert.That(h.Tapq(apqn), Is.EqualTo(rc), "TAPQ");
        Assert.That(h.Pqap(5, apqn, gr1: 2UL << 58).Cc == 0 ? ApStatus.Normal : h.Rc, Is.EqualTo(rc), "QACT");
        h.Put(Msg, MeEncrypt(Key(1024)));
        var n = h.Nqap(apqn, 1, Msg, 400);
        Assert.That(n.Cc == 3 ? h.Rc : ApStatus.Normal, Is.EqualTo(rc), "NQAP");
        h.Wait(10_000_000);
        var d = h.Dqap(apqn, Reply, 4096);
        Assert.That(d.Cc == 3 ? h.Rc : ApStatus.Normal, Is.EqualTo(rc), "DQAP");
        Assert.That(h.Pqap(1, apqn).Cc == 3 ? h.Rc : ApStatus.Normal, Is.EqualTo(rc), "RAPQ");
        if (rc != ApStatus.Normal) Assert.That(h.Status, Is.EqualTo(ApStatus.Make(rc)), "no status bits with the error");
    }

    [Test]
    public void Rc_03_deconfigured_and_04_checkstopped_adapters_lose_their_requests()
    {
        using var h = new ApHarness();
        Assert.That(h.Send(MeEncrypt(Key(1024))).Cc, Is.Zero);
        h.Ap.Adapter(5)!.Deconfigure();
        Assert.That(h.Tapq(), Is.EqualTo(ApStatus.Deconfigured));
        Assert.That(h.Send(MeEncrypt(Key(1024))).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.Deconfigured));
        h.Ap.Adapter(5)!.Configure();
        Assert.That((h.Tapq(), h.Status & ApStatus.Empty), Is.EqualTo((ApStatus.Normal, ApStatus.Empty)), "the request was lost");
        h.Ap.Adapter(6)!.CheckStop();
        Assert.That(h.Tapq(0x0604), Is.EqualTo(ApStatus.Checkstopped));
        Assert.That(h.Dqap(0x0604, Reply, 100).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.Checkstopped));
        Assert.That(h.Pqap(2, 0x0604).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.Checkstopped));
    }

    [Test]
    public void Rc_02_reset_in_progress_for_the_modelled_reset_time_then_the_queue_is_empty()
    {
        using var h = new ApHarness();
        h.Send(MeEncrypt(Key(1024)));
        h.WaitMicroseconds(100);
        var r = h.Pqap(1, Q);
        Assert.That((r.Cc, h.Status), Is.EqualTo((0, ApStatus.Empty)), "RAPQ: normal completion, requests discarded");
        ulong done = h.Cpu.Cycles - (ulong)InstructionTable.ByMnemonic("PQAP")!.Cycles + 10_000UL * Mhz / 1000;
        Assert.That(h.Tapq(), Is.EqualTo(ApStatus.ResetInProgress));
        Assert.That(h.Send(MeEncrypt(Key(1024))).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.ResetInProgress));
        Assert.That(h.Dqap(Q, Reply, 4096).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.ResetInProgress));
        Assert.That(h.Pqap(2, Q).Cc, Is.EqualTo(3), "no second reset while one runs");
        Assert.That(h.Rc, Is.EqualTo(ApStatus.ResetInProgress));
        h.Cpu.Cycles = done - ApFirmware.PqapCycles - 1;
        Assert.That(h.Tapq(), Is.EqualTo(ApStatus.ResetInProgress), "one cycle before the end");
        h.Cpu.Cycles = done - ApFirmware.PqapCycles;
        Assert.That((h.Tapq(), h.Status), Is.EqualTo((ApStatus.Normal, ApStatus.Empty)));
        Assert.That(h.Dqap(Q, Reply, 4096).Cc, Is.EqualTo(3), "the reply of the discarded request never comes");
        Assert.That(h.Rc, Is.EqualTo(ApStatus.NoPendingReply));
        Assert.That((h.Queue().Stats.Resets, h.Queue().Stats.Zeroizes, h.Queue().Stats.Discarded), Is.EqualTo((1UL, 0UL, 1UL)));
    }

    [Test]
    public void Zapq_resets_and_zeroizes_for_twice_the_reset_time()
    {
        using var h = new ApHarness();
        h.Pqap(2, Q);
        Assert.That(h.Rc, Is.EqualTo(ApStatus.Normal));
        h.WaitMicroseconds(15);
        Assert.That(h.Tapq(), Is.EqualTo(ApStatus.ResetInProgress), "zeroize takes 20 us");
        h.WaitMicroseconds(5);
        Assert.That(h.Tapq(), Is.EqualTo(ApStatus.Normal));
        Assert.That(h.Queue().Stats.Zeroizes, Is.EqualTo(1UL));
    }

    [Test]
    public void Native_aqic_sets_the_I_bit_and_reset_clears_it()
    {
        using var h = new ApHarness();
        const ulong enable = 0x0000_8000_0000_0006;
        Assert.That(h.Pqap(3, Q, gr1: enable, gr2: 0x3000).Cc, Is.Zero);
        Assert.That(h.Status, Is.EqualTo(ApStatus.Empty | ApStatus.IrqEnabled));
        Assert.That((h.Queue().NotificationByte, h.Queue().Isc), Is.EqualTo((0x3000UL, (byte)6)));
        h.Pqap(3, Q, gr1: enable, gr2: 0x3000);
        Assert.That(h.Rc, Is.EqualTo(ApStatus.OtherwiseChanged), "already enabled");
        h.Pqap(1, Q);
        h.WaitMicroseconds(50);
        h.Tapq();
        Assert.That(h.Status & ApStatus.IrqEnabled, Is.Zero, "RAPQ disables interruptions");
        h.Pqap(3, Q, gr1: enable, gr2: 0x7FFF_0000);
        Assert.That(h.Rc, Is.EqualTo(ApStatus.InvalidAddress), "NIB outside storage");
        h.Pqap(3, Q, gr1: enable, gr2: 0x3000);
        h.Pqap(3, Q, gr1: 0, gr2: 0);
        Assert.That((h.Rc, h.Status & ApStatus.IrqEnabled), Is.EqualTo((ApStatus.Normal, 0u)));
    }

    // ---- QCI / QACT --------------------------------------------------------------------------------------
    [Test]
    public void Qci_natively_reports_the_lpar_configuration_in_128_bytes()
    {
        using var h = new ApHarness();
        h.Mem(Qci, 256).Fill(0xEE);
        var r = h.Pqap(4, 0, gr1: 0x1234, gr2: Qci);
        var b = h.Mem(Qci, 256).ToArray();
        Assert.That((r.Cc, h.G(1)), Is.EqualTo((0, 0x1234UL)), "cc 0, GR1 not set");
        Assert.That((b[0], b[4], b[5]), Is.EqualTo(((byte)0x60, (byte)0xFF, (byte)0x54)), "N and C bits, Na, Nd");
        Assert.That(b[0x10..0x11], Is.EqualTo(new byte[] { 0x06 }), "APM: adapters 5 and 6");
        Assert.That(b[0x30..0x31], Is.EqualTo(new byte[] { 0x0C }), "AQM: domains 4 and 5");
        Assert.That(b[0x50..0x51], Is.EqualTo(new byte[] { 0x08 }), "ADM: domain 4");
        Assert.That(b[0x80], Is.EqualTo(0xEE), "nothing beyond 128 bytes");
    }

    [Test]
    public void Qact_grants_older_categories_and_refuses_another_mode_with_rc_16()
    {
        using var h = new ApHarness();
        Assert.That(h.Pqap(5, Q, gr1: (2UL << 58) | (11UL << 24)).Cc, Is.Zero);
        Assert.That(h.G(2), Is.EqualTo((2UL << 58) | (11UL << 24)), "CEX5 compatibility");
        h.Pqap(5, Q, gr1: 20UL << 24);
        Assert.That((h.G(2) >> 24) & 0xFF, Is.EqualTo(13UL), "a newer category: the adapter's own type");
        var r = h.Pqap(5, Q, gr1: 4UL << 58, gr2: 77);
        Assert.That((r.Cc, h.Rc, h.G(2)), Is.EqualTo((3, ApStatus.RequestedFacilityNotInstalled, 77UL)));
    }

    // ---- NQAP / DQAP -----------------------------------------------------------------------------------
    [Test]
    public void Enqueue_and_dequeue_update_the_registers_and_the_reply_appears_after_the_modelled_latency()
    {
        using var h = new ApHarness();
        var msg = MeEncrypt(Key(1024));
        h.Put(Msg, msg);
        var r = h.Nqap(Q, 0x1122_3344_5566_7788, Msg, (ulong)msg.Length);
        Assert.That(r.Cc, Is.Zero);
        Assert.That((h.G(2), h.G(3), h.Status), Is.EqualTo((Msg + (ulong)msg.Length, 0UL, 0u)), "address advanced, length 0, not empty");
        Assert.That(h.G(0), Is.EqualTo(Q | L), "GR0 unchanged");
        ulong ready = h.Queue().Requests[0].ReplyCycle;
        Assert.That(ready - h.Queue().Requests[0].EnqueueCycle, Is.EqualTo(20_000UL * Mhz / 1000), "CEX7A ME-1024: 20 us");

        h.Cpu.Cycles = ready - ApFirmware.PqapCycles - 1;
        h.Tapq();
        Assert.That(h.Status & ApStatus.Replies, Is.Zero, "not yet");
        h.Cpu.Cycles = ready - ApFirmware.PqapCycles;
        h.Tapq();
        Assert.That(h.Status & ApStatus.Replies, Is.EqualTo(ApStatus.Replies), "exactly at the reply cycle");

        var d = h.Dqap(Q, Reply, 0x1000, residual: 0);
        Assert.That(d.Cc, Is.Zero);
        Assert.That(h.Psmid, Is.EqualTo(0x1122_3344_5566_7788UL));
        Assert.That((h.G(6), h.G(7)), Is.EqualTo((0x1122_3344UL, 0x5566_7788UL)));
        Assert.That((h.G(4), h.G(5), h.G(2)), Is.EqualTo((Reply + 144, 0x1000UL - 144, 0UL)), "16-byte header + 128");
        Assert.That(h.Status, Is.EqualTo(ApStatus.Empty));
        var reply = h.Mem(Reply, 144).ToArray();
        Assert.That((reply[1], reply[2], reply[3]), Is.EqualTo(((byte)0x80, (byte)0, (byte)144)));
        Assert.That(Result80(reply, 128), Is.EqualTo(Hex(Key(1024).C)));
    }

    [TestCase(1024, "ME-e")]
    [TestCase(1024, "ME-d")]
    [TestCase(1024, "CRT")]
    [TestCase(2048, "ME-e")]
    [TestCase(2048, "ME-d")]
    [TestCase(2048, "CRT")]
    [TestCase(4096, "ME-e")]
    [TestCase(4096, "CRT")]
    public void Rsa_requests_give_the_test_vector_results(int bits, string op)
    {
        using var h = new ApHarness();
        var k = Key(bits);
        var msg = op switch { "ME-e" => MeEncrypt(k), "ME-d" => MeDecrypt(k), _ => CrtDecrypt(k) };
        Assert.That(h.Send(msg, psmid: 77).Cc, Is.Zero);
        h.WaitMicroseconds(1000);
        var reply = h.Receive(out var last);
        Assert.That(reply, Is.Not.Null, $"DQAP cc {last.Cc} status {h.Status:x8}");
        int field = bits <= 1024 ? 128 : bits <= 2048 ? 256 : 512;
        Assert.That(reply!.Length, Is.EqualTo(16 + field));
        Assert.That(Result80(reply, bits / 8), Is.EqualTo(Hex(op == "ME-e" ? k.C : k.M)));
        Assert.That(h.Psmid, Is.EqualTo(77UL));
    }

    [Test]
    public void Dqap_on_an_empty_queue_is_rc_10_with_the_E_bit_and_before_completion_without_it()
    {
        using var h = new ApHarness();
        var r = h.Dqap(Q, Reply, 4096, residual: 5);
        Assert.That((r.Cc, h.Status, h.G(2)), Is.EqualTo((3, ApStatus.Make(ApStatus.NoPendingReply, ApStatus.Empty), 5UL)));
        h.Send(MeEncrypt(Key(1024)));
        r = h.Dqap(Q, Reply, 4096);
        Assert.That((r.Cc, h.Status), Is.EqualTo((3, ApStatus.Make(ApStatus.NoPendingReply))), "request pending: neither E nor R");
    }

    [Test]
    public void Nqap_on_a_full_queue_is_rc_10_with_the_F_bit()
    {
        using var h = new ApHarness();
        for (int i = 0; i < 8; i++) Assert.That(h.Send(MeEncrypt(Key(1024)), psmid: (ulong)i).Cc, Is.Zero);
        Assert.That(h.Status & ApStatus.Full, Is.EqualTo(ApStatus.Full), "the 8th request fills it");
        var r = h.Send(MeEncrypt(Key(1024)), psmid: 99);
        Assert.That((r.Cc, h.Status), Is.EqualTo((3, ApStatus.Make(ApStatus.QueueFull, ApStatus.Full))));
        Assert.That(h.Queue().Stats.QueueFullRejects, Is.EqualTo(1UL));
        h.WaitMicroseconds(1000);
        for (int i = 0; i < 8; i++) { Assert.That(h.Receive(out _), Is.Not.Null); Assert.That(h.Psmid, Is.EqualTo((ulong)i), "FIFO"); }
        h.Tapq();
        Assert.That(h.Status, Is.EqualTo(ApStatus.Empty));
    }

    [Test]
    public void Nqap_response_codes_13_15_16()
    {
        using var h = new ApHarness();
        h.Put(Msg, MeEncrypt(Key(1024)));
        Assert.That(h.Nqap(Q, 1, Msg, 400, flags: C | L).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.NoFirstPart), "continuation without a first part");
        Assert.That(h.Nqap(Q, 1, Msg, ApAdapter.MaxMessageSize + 1).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.MessageTooBig), "beyond 12 KiB");
        Assert.That(h.Nqap(Q, 1, Msg, 400, flags: L | Special).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.RequestedFacilityNotInstalled), "special command needs APSC");
        Assert.That((h.G(2), h.G(3)), Is.EqualTo((Msg, 400UL)), "R2 pair unchanged on cc 3");
        // too big counted over the parts of a multi-part message
        Assert.That(h.Nqap(Q, 1, Msg, 4000, flags: 0).Cc, Is.EqualTo(1));
        h.Nqap(Q, 1, Msg, 4000, flags: C);
        h.Nqap(Q, 1, Msg, 4000, flags: C);
        Assert.That(h.Nqap(Q, 1, Msg, 1000, flags: C | L).Cc, Is.EqualTo(3));
        Assert.That(h.Rc, Is.EqualTo(ApStatus.MessageTooBig));
        Assert.That(h.Nqap(Q, 1, Msg, 10, flags: C | L).Cc, Is.EqualTo(3), "the message was dropped");
        Assert.That(h.Rc, Is.EqualTo(ApStatus.NoFirstPart));
    }

    [Test]
    public void Nqap_across_a_page_ends_with_cc_2_sets_the_continuation_bit_and_keeps_gr1()
    {
        using var h = new ApHarness();
        var msg = CrtDecrypt(Key(2048));
        ulong at = Msg + 0x1000 - 100;
        h.Put(at, msg);
        h.Cpu.G[1] = 0xAAAA;
        var r = h.Nqap(Q, 5, at, (ulong)msg.Length);
        Assert.That((r.Cc, h.G(2), h.G(3), h.G(1)), Is.EqualTo((2, Msg + 0x1000, (ulong)msg.Length - 100, 0xAAAAUL)));
        Assert.That(h.G(0), Is.EqualTo(Q | L | C), "the machine marks the re-execution a continuation");
        r = h.Exec("NQAP", 4, 2);
        Assert.That((r.Cc, h.G(3)), Is.EqualTo((0, 0UL)));
        h.WaitMicroseconds(100);
        Assert.That(Result80(h.Receive(out _)!, 256), Is.EqualTo(Hex(Key(2048).M)));
    }

    [Test]
    public void Nqap_in_parts_gives_cc_1_until_the_last_part()
    {
        using var h = new ApHarness();
        var msg = MeEncrypt(Key(1024));
        h.Put(Msg, msg);
        Assert.That(h.Nqap(Q, 9, Msg, 100, flags: 0).Cc, Is.EqualTo(1));
        Assert.That(h.Status, Is.EqualTo(ApStatus.Empty), "a part is not a request yet");
        Assert.That(h.Nqap(Q, 9, Msg + 100, 100, flags: C).Cc, Is.EqualTo(1));
        Assert.That(h.Nqap(Q, 9, Msg + 200, (ulong)msg.Length - 200, flags: C | L).Cc, Is.Zero);
        h.WaitMicroseconds(100);
        Assert.That(Result80(h.Receive(out _)!, 128), Is.EqualTo(Hex(Key(1024).C)));
        Assert.That(h.Psmid, Is.EqualTo(9UL));
    }

    [Test]
    public void A_new_first_part_drops_an_unfinished_message()
    {
        using var h = new ApHarness();
        var msg = MeEncrypt(Key(1024));
        h.Put(Msg, msg);
        h.Nqap(Q, 1, Msg, 100, flags: 0);
        Assert.That(h.Nqap(Q, 2, Msg, (ulong)msg.Length).Cc, Is.Zero);
        h.WaitMicroseconds(100);
        Assert.That(Result80(h.Receive(out _)!, 128), Is.EqualTo(Hex(Key(1024).C)));
        Assert.That((h.Psmid, h.Queue().Stats.Requests), Is.EqualTo((2UL, 1UL)));
    }

    [Test]
    public void Dqap_into_a_small_buffer_is_partial_with_cc_1_and_the_residual_in_gr2()
    {
        using var h = new ApHarness();
        h.Send(MeEncrypt(Key(2048)), psmid: 0x42);
        h.WaitMicroseconds(100);
        h.Cpu.G[1] = 0xBBBB;
        var r = h.Dqap(Q, Reply, 100);
        Assert.That((r.Cc, h.G(2), h.G(5), h.G(4)), Is.EqualTo((1, 172UL, 0UL, Reply + 100)));
        Assert.That((h.G(1), h.G(0) & C, h.Psmid), Is.EqualTo((0xBBBBUL, 0UL, 0x42UL)), "GR1 unchanged, GR0 bit 32 cleared, PSMID stored");
        h.Cpu.G[5] = 0;
        Assert.That((h.Exec("DQAP", 6, 4).Cc, h.G(2)), Is.EqualTo((1, 172UL)), "an empty buffer: no progress");
        h.Tapq();
        Assert.That(h.Status & ApStatus.Replies, Is.EqualTo(ApStatus.Replies), "the reply in transfer is still on the queue");
        h.Cpu.G[5] = 100;
        Assert.That((h.Exec("DQAP", 6, 4).Cc, h.G(2)), Is.EqualTo((1, 72UL)));
        h.Cpu.G[5] = 100;
        Assert.That((h.Exec("DQAP", 6, 4).Cc, h.G(2), h.G(5)), Is.EqualTo((0, 0UL, 28UL)));
        Assert.That(h.Status, Is.EqualTo(ApStatus.Empty));
        Assert.That(h.Mem(Reply + 16, 256).ToArray(), Is.EqualTo(Hex(Key(2048).C)));
    }

    [Test]
    public void Dqap_across_a_page_ends_with_cc_2_and_continues()
    {
        using var h = new ApHarness();
        h.Send(MeEncrypt(Key(2048)));
        h.WaitMicroseconds(100);
        ulong at = Reply + 0x1000 - 50;
        var r = h.Dqap(Q, at, 0x1000);
        Assert.That((r.Cc, h.G(2), h.G(4)), Is.EqualTo((2, 222UL, Reply + 0x1000)));
        r = h.Exec("DQAP", 6, 4);
        Assert.That((r.Cc, h.G(2), 0x1000 - h.G(5)), Is.EqualTo((0, 0UL, 272UL)));
        Assert.That(h.Mem(at + 16, 256).ToArray(), Is.EqualTo(Hex(Key(2048).C)));
    }

    [Test]
    public void Access_exceptions_on_the_message_change_nothing()
    {
        using var h = new ApHarness();
        var r = h.Nqap(Q, 1, 0x10_0000, 0x200);
        Assert.That(r.Pgm, Is.EqualTo(PgmCode.Addressing), "message outside storage");
        Assert.That((h.Queue().Count, h.Queue().Open), Is.EqualTo((0, (ApRequest?)null)));
        Assert.That((h.G(2), h.G(3)), Is.EqualTo((0x10_0000UL, 0x200UL)));
        h.Send(MeEncrypt(Key(1024)));
        h.WaitMicroseconds(100);
        r = h.Dqap(Q, 0x2_0000_0000, 0x1000);
        Assert.That(r.Pgm, Is.EqualTo(PgmCode.Addressing));
        Assert.That(h.Receive(out _), Is.Not.Null, "the reply is still there");
    }

    [Test]
    public void In_31_bit_mode_the_length_is_the_low_word_and_the_high_words_are_kept()
    {
        using var h = new ApHarness();
        h.Cpu.LoadPsw(Psw.BA, Code);
        var msg = MeEncrypt(Key(1024));
        h.Put(Msg, msg);
        h.Cpu.G[0] = Q | L;
        h.Cpu.G[2] = 0xABCD_0000_0000_0000 | Msg;
        h.Cpu.G[3] = 0x1234_0000_0000_0000UL | (uint)msg.Length;
        h.Cpu.G[4] = 0;
        h.Cpu.G[5] = 3;
        Assert.That(h.Exec("NQAP", 4, 2).Cc, Is.Zero);
        Assert.That((h.G(2), h.G(3)), Is.EqualTo((0xABCD_0000_0000_0000 | (Msg + (ulong)msg.Length), 0x1234_0000_0000_0000UL)));
    }

    // ---- program exceptions (spec 2.1) --------------------------------------------------------------
    [TestCase("PQAP", 0, 0)]
    [TestCase("NQAP", 4, 2)]
    [TestCase("DQAP", 6, 4)]
    public void Operation_exception_on_a_machine_without_ap(string mnemonic, int r1, int r2)
    {
        using var h = new ApHarness(apFacility: false);
        h.Cpu.G[0] = Q;
        Assert.That(h.Exec(mnemonic, r1, r2).Pgm, Is.EqualTo(PgmCode.Operation));
    }

    [TestCase("PQAP", 0, 0)]
    [TestCase("NQAP", 4, 2)]
    [TestCase("DQAP", 6, 4)]
    [TestCase("NQAP", 5, 2)]
    public void Privileged_operation_in_the_problem_state_before_specification(string mnemonic, int r1, int r2)
    {
        using var h = new ApHarness();
        h.Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Problem, Code);
        h.Cpu.G[0] = Q | 0x0600_0000; // also an invalid PQAP function code
        h.Cpu.G[1] = 0x77;
        Assert.That(h.Exec(mnemonic, r1, r2).Pgm, Is.EqualTo(PgmCode.PrivilegedOperation));
        Assert.That(h.G(1), Is.EqualTo(0x77UL));
    }

    public static IEnumerable<TestCaseData> SpecificationCases()
    {
        yield return new TestCaseData("NQAP", 5, 2, 0UL, 0UL).SetName("Spec_nqap_odd_r1");
        yield return new TestCaseData("NQAP", 4, 3, 0UL, 0UL).SetName("Spec_nqap_odd_r2");
        yield return new TestCaseData("NQAP", 0, 2, 0UL, 0UL).SetName("Spec_nqap_r1_0");
        yield return new TestCaseData("NQAP", 4, 0, 0UL, 0UL).SetName("Spec_nqap_r2_0");
        yield return new TestCaseData("DQAP", 6, 5, 0UL, 0UL).SetName("Spec_dqap_odd_r2");
        yield return new TestCaseData("DQAP", 7, 4, 0UL, 0UL).SetName("Spec_dqap_odd_r1");
        yield return new TestCaseData("DQAP", 6, 2, 0UL, 0UL).SetName("Spec_dqap_r2_overlaps_gr2");
        yield return new TestCaseData("DQAP", 2, 4, 0UL, 0UL).SetName("Spec_dqap_r1_overlaps_gr2");
        yield return new TestCaseData("PQAP", 0, 0, 0x0600_0000UL, 0UL).SetName("Spec_pqap_fc_6");
        yield return new TestCaseData("PQAP", 0, 0, 0x0700_0000UL, 0UL).SetName("Spec_pqap_fc_7_bapq_without_se");
        yield return new TestCaseData("PQAP", 0, 0, 0xFF00_0000UL, 0UL).SetName("Spec_pqap_fc_ff");
        yield return new TestCaseData("PQAP", 0, 0, 0x0400_0000UL, Qci + 4).SetName("Spec_qci_block_not_doubleword_aligned");
        yield return new TestCaseData("PQAP", 0, 0, 0x0301_0000UL, 0UL).SetName("Spec_aqic_reserved_bits");
    }

    [TestCaseSource(nameof(SpecificationCases))]
    public void Specification_exceptions(string mnemonic, int r1, int r2, ulong gr0, ulong gr2)
    {
        using var h = new ApHarness();
        h.Cpu.G[0] = gr0 | Q;
        h.Cpu.G[1] = 0x55;
        h.Cpu.G[2] = gr2;
        var r = h.Exec(mnemonic, r1, r2);
        Assert.That(r.Pgm, Is.EqualTo(PgmCode.Specification));
        Assert.That((h.G(1), h.G(2)), Is.EqualTo((0x55UL, gr2)), "suppressed: registers unchanged");
        Assert.That(h.Queue().Stats.Requests, Is.Zero);
    }

    [TestCase(Fac.ApFt, 0x0080_0000UL, TestName = "Spec_tapq_T_bit_without_facility_15")]
    [TestCase(Fac.ApQci, 0x0400_0000UL, TestName = "Spec_qci_without_facility_12")]
    [TestCase(Fac.ApQueueInterruptControl, 0x0300_0000UL, TestName = "Spec_native_aqic_without_facility_65")]
    public void Specification_exception_for_a_function_whose_facility_is_not_installed(int facility, ulong gr0)
    {
        using var h = new ApHarness();
        h.SetFacility(facility, false);
        h.Cpu.G[0] = gr0 | Q;
        h.Cpu.G[2] = Qci;
        Assert.That(h.Exec("PQAP").Pgm, Is.EqualTo(PgmCode.Specification));
    }

    [TestCase((ushort)0x4004, TestName = "Spec_apid_0x40_without_apxa")]
    [TestCase((ushort)0x0510, TestName = "Spec_apqi_0x10_without_apxa")]
    public void Specification_exception_for_an_apqn_beyond_63_15_without_apxa(ushort apqn)
    {
        using var noApxa = new ApHarness(DefaultConfiguration(apxa: false));
        foreach (var (m, r1, r2) in new[] { ("PQAP", 0, 0), ("NQAP", 4, 2), ("DQAP", 6, 4) })
        {
            noApxa.Cpu.G[0] = apqn;
            Assert.That(noApxa.Exec(m, r1, r2).Pgm, Is.EqualTo(PgmCode.Specification), m);
        }
        using var apxa = new ApHarness();
        Assert.That(apxa.Tapq(apqn), Is.EqualTo(ApStatus.QueueNotAvailable), "with APXA: just not available");
    }
}
