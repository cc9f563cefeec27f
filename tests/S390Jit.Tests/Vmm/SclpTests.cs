using System.Buffers.Binary;
using System.Text;
using S390Jit.Architecture.State;
using S390Jit.Vmm;

namespace S390Jit.Tests.Vmm;

/// <summary>The SCLP model: SCCB validation, response codes, SCP/CPU info, the event facility.</summary>
public class SclpTests
{
    private const ulong Sccb = 0x20000;
    private MemoryStream _console = null!;
    private Machine _m = null!;

    [SetUp]
    public void SetUp()
    {
        _console = new MemoryStream();
        _m = new Machine(new MachineOptions { Console = _console, Cpus = 2 });
    }

    [TearDown]
    public void TearDown() => _m.Dispose();

    private Span<byte> Mem(ulong a, int n) => _m.Kvm.Memory.Span(a, n);
    private ushort Rc(ulong sccb = Sccb) => BinaryPrimitives.ReadUInt16BigEndian(Mem(sccb + 6, 2));
    private void Header(ushort length, byte function = 0, ulong sccb = Sccb)
    {
        Mem(sccb, 4096 - (int)(sccb & 0xFFF)).Clear();
        BinaryPrimitives.WriteUInt16BigEndian(Mem(sccb, 2), length);
        Mem(sccb + 2, 1)[0] = function;
    }

    private ushort? Pgm(Action a)
    {
        try { a(); return null; }
        catch (ProgramInterruptException e) { return e.Code; }
    }

    private Cpu Cpu => _m.Boot.Cpu;

    [Test]
    public void Read_scp_info_reports_memory_and_cpus_and_signals_completion()
    {
        Header(4096);
        Assert.That(_m.Sclp.ServiceCall(Cpu, Sccb, Sclp.ReadScpInfo), Is.EqualTo(0));
        Assert.That(Rc(), Is.EqualTo(Sclp.RcNormalRead));
        ushort rnmax = BinaryPrimitives.ReadUInt16BigEndian(Mem(Sccb + 8, 2));
        byte rnsize = Mem(Sccb + 10, 1)[0];
        Assert.That((ulong)rnmax * rnsize << 20, Is.EqualTo(MachineOptions.DefaultMemory));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(Mem(Sccb + 16, 2)), Is.EqualTo(2), "CPU entries");
        ushort off = BinaryPrimitives.ReadUInt16BigEndian(Mem(Sccb + 18, 2));
        Assert.That(Mem(Sccb + off + 16, 1)[0], Is.EqualTo(1), "second entry is CPU address 1");
        Assert.That(Mem(Sccb + 85, 1)[0] & 0x02, Is.EqualTo(0x02), "ESOP (the DAT's protection exceptions say which protection)");
        Assert.That(_m.Kvm.Floating.ServicePending, Is.True);
    }

    [Test]
    public void Read_scp_info_with_a_short_sccb_is_insufficient_length()
    {
        Header(64);
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.ReadScpInfo);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcInsufficientLength));
    }

    [Test]
    public void Read_cpu_info_lists_configured_cpus()
    {
        Header(256);
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.ReadCpuInfo);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcNormalRead));
        Assert.That(BinaryPrimitives.ReadUInt16BigEndian(Mem(Sccb + 8, 2)), Is.EqualTo(2));
    }

    [Test]
    public void Unknown_command_is_invalid_command()
    {
        Header(16);
        _m.Sclp.ServiceCall(Cpu, Sccb, 0x1234_5678);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcInvalidCommand));
    }

    [Test]
    public void Sccb_crossing_a_page_is_a_boundary_violation()
    {
        ulong sccb = 0x20FF0;
        Header(64, sccb: sccb);
        _m.Sclp.ServiceCall(Cpu, sccb, Sclp.WriteEventMask);
        Assert.That(Rc(sccb), Is.EqualTo(Sclp.RcBoundaryViolation));
    }

    [TestCase(0x1000UL, PgmCode.Specification, TestName = "Sccb_in_the_lowcore_is_a_specification_exception")]
    [TestCase(0x20004UL, PgmCode.Specification, TestName = "Unaligned_sccb_is_a_specification_exception")]
    [TestCase(0x9000_0000UL, PgmCode.Addressing, TestName = "Sccb_outside_memory_is_an_addressing_exception")]
    public void Bad_sccb_address(ulong sccb, ushort code)
    {
        Assert.That(Pgm(() => _m.Sclp.ServiceCall(Cpu, sccb, Sclp.ReadScpInfo)), Is.EqualTo(code));
    }

    [Test]
    public void Sccb_length_below_header_is_a_specification_exception()
    {
        Header(4);
        Assert.That(Pgm(() => _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventData)), Is.EqualTo(PgmCode.Specification));
    }

    [Test]
    public void Problem_state_is_a_privileged_operation()
    {
        Header(16);
        Cpu.LoadPsw(Psw.EA | Psw.BA | Psw.Problem, 0x10000);
        Assert.That(Pgm(() => _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.ReadScpInfo)), Is.EqualTo(PgmCode.PrivilegedOperation));
    }

    private void WriteMask(int maskLength, uint receive)
    {
        Header((ushort)(12 + 4 * maskLength));
        BinaryPrimitives.WriteUInt16BigEndian(Mem(Sccb + 10, 2), (ushort)maskLength);
        if (maskLength >= 4) BinaryPrimitives.WriteUInt32BigEndian(Mem(Sccb + 12, 4), receive);
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventMask);
    }

    [Test]
    public void Write_event_mask_records_guest_mask_and_returns_ours()
    {
        WriteMask(4, 0x0000_0040);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcNormal));
        Assert.That(_m.Sclp.GuestReceiveMask, Is.EqualTo(Sclp.Mask(Sclp.EventAsciiConsole)));
        uint sendMask = BinaryPrimitives.ReadUInt32BigEndian(Mem(Sccb + 12 + 8, 4));
        Assert.That(sendMask & 0x40, Is.Not.Zero, "the SCLP can send ASCII console events");
    }

    [Test]
    public void Write_event_mask_of_length_zero_is_invalid_mask_length()
    {
        WriteMask(0, 0);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcInvalidMaskLength));
    }

    [Test]
    public void Ascii_console_event_is_written_and_accepted()
    {
        var text = Encoding.ASCII.GetBytes("hi\n");
        Header((ushort)(8 + 6 + text.Length));
        BinaryPrimitives.WriteUInt16BigEndian(Mem(Sccb + 8, 2), (ushort)(6 + text.Length));
        Mem(Sccb + 10, 1)[0] = Sclp.EventAsciiConsole;
        text.CopyTo(Mem(Sccb + 14, text.Length));
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventData);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcNormal));
        Assert.That(Mem(Sccb + 11, 1)[0] & 0x80, Is.Not.Zero, "buffer accepted");
        Assert.That(Encoding.ASCII.GetString(_console.ToArray()), Is.EqualTo("hi\n"));
    }

    [Test]
    public void Line_mode_message_is_converted_from_ebcdic()
    {
        // event buffer (6) + MDB header (12) + MTO (10 + text)
        var text = "HELLO LM".Select(Ebcdic.ToEbcdic).ToArray();
        int mto = 10 + text.Length, mdb = 12 + mto, ev = 6 + mdb;
        Header((ushort)(8 + ev));
        var s = Mem(Sccb, 8 + ev);
        BinaryPrimitives.WriteUInt16BigEndian(s[8..], (ushort)ev);
        s[10] = Sclp.EventMessage;
        BinaryPrimitives.WriteUInt16BigEndian(s[14..], (ushort)mdb);
        BinaryPrimitives.WriteUInt16BigEndian(s[16..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(s[18..], 0xD4C4C240);
        BinaryPrimitives.WriteUInt16BigEndian(s[26..], (ushort)mto);
        BinaryPrimitives.WriteUInt16BigEndian(s[28..], 4);
        text.CopyTo(s[36..]);
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventData);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcNormal));
        Assert.That(Encoding.ASCII.GetString(_console.ToArray()), Is.EqualTo("HELLO LM\n"));
    }

    /// <summary>Writes one line-mode message event (EBCDIC text in one MTO) and returns the response code.</summary>
    private ushort WriteLineMode(string line)
    {
        var text = line.Select(Ebcdic.ToEbcdic).ToArray();
        int mto = 10 + text.Length, mdb = 12 + mto, ev = 6 + mdb;
        Header((ushort)(8 + ev));
        var s = Mem(Sccb, 8 + ev);
        BinaryPrimitives.WriteUInt16BigEndian(s[8..], (ushort)ev);
        s[10] = Sclp.EventMessage;
        BinaryPrimitives.WriteUInt16BigEndian(s[14..], (ushort)mdb);
        BinaryPrimitives.WriteUInt16BigEndian(s[16..], 1);
        BinaryPrimitives.WriteUInt32BigEndian(s[18..], 0xD4C4C240);
        BinaryPrimitives.WriteUInt16BigEndian(s[26..], (ushort)mto);
        BinaryPrimitives.WriteUInt16BigEndian(s[28..], 4);
        text.CopyTo(s[36..]);
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventData);
        return Rc();
    }

    private void WriteAscii(string line)
    {
        var text = Encoding.ASCII.GetBytes(line);
        Header((ushort)(8 + 6 + text.Length));
        BinaryPrimitives.WriteUInt16BigEndian(Mem(Sccb + 8, 2), (ushort)(6 + text.Length));
        Mem(Sccb + 10, 1)[0] = Sclp.EventAsciiConsole;
        text.CopyTo(Mem(Sccb + 14, text.Length));
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventData);
    }

    /// <summary>Write Event Mask with a 4-byte mask: receive mask, then the send mask.</summary>
    private void WriteMasks(uint receive, uint send)
    {
        Header(12 + 16);
        BinaryPrimitives.WriteUInt16BigEndian(Mem(Sccb + 10, 2), 4);
        BinaryPrimitives.WriteUInt32BigEndian(Mem(Sccb + 12, 4), receive);
        BinaryPrimitives.WriteUInt32BigEndian(Mem(Sccb + 16, 4), send);
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventMask);
    }

    [Test]
    public void A_guest_sending_both_ascii_and_line_mode_is_shown_once()
    {
        // kvm-unit-tests and Linux's early console: send mask ASCII console (0x1A) and message (0x02), every line written as both
        WriteMasks(0, (uint)(Sclp.Mask(Sclp.EventAsciiConsole) >> 32) | (uint)(Sclp.Mask(Sclp.EventMessage) >> 32));
        WriteAscii("one line\n");
        Assert.That(WriteLineMode("one line"), Is.EqualTo(Sclp.RcNormal), "the line-mode copy is accepted");
        Assert.That(Encoding.ASCII.GetString(_console.ToArray()), Is.EqualTo("one line\n"));
    }

    [Test]
    public void A_line_mode_only_guest_is_shown()
    {
        WriteMasks(0, (uint)(Sclp.Mask(Sclp.EventMessage) >> 32));
        WriteLineMode("LM ONLY");
        Assert.That(Encoding.ASCII.GetString(_console.ToArray()), Is.EqualTo("LM ONLY\n"));
    }

    [Test]
    public void Event_buffer_longer_than_the_sccb_is_a_syntax_error()
    {
        Header(8 + 6);
        BinaryPrimitives.WriteUInt16BigEndian(Mem(Sccb + 8, 2), 100);
        Mem(Sccb + 10, 1)[0] = Sclp.EventAsciiConsole;
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventData);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcEventBufferSyntax));
    }

    [Test]
    public void Read_event_data_without_events_and_with_console_input()
    {
        WriteMask(4, 0x0000_0040);
        Header(256, function: 0x00);
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.ReadEventData);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcNoEventBuffers));
        _m.Sclp.QueueInput("ab"u8);
        Header(256, function: 0x00); // unconditional read (Linux's sclp core)
        Mem(Sccb + 5, 1)[0] = 0x80;  // variable-length response
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.ReadEventData);
        Assert.That((BinaryPrimitives.ReadUInt16BigEndian(Mem(Sccb, 2)), Mem(Sccb + 5, 1)[0]), Is.EqualTo((8 + 9, 0)), "SCCB length cut to the data, flag reset");
        Assert.That(Rc(), Is.EqualTo(Sclp.RcNormal));
        // event length 6 + session byte 0 (data follows, as Linux's sclp_vt220 reads it) + the text
        Assert.That((BinaryPrimitives.ReadUInt16BigEndian(Mem(Sccb + 8, 2)), Mem(Sccb + 10, 1)[0], Mem(Sccb + 14, 1)[0], Encoding.ASCII.GetString(Mem(Sccb + 15, 2))),
            Is.EqualTo((9, Sclp.EventAsciiConsole, 0, "ab")));
    }

    [Test]
    public void Console_input_is_offered_a_line_at_a_time_once_a_program_runs_and_the_last_line_was_read()
    {
        _m.Sclp.Input = ConsoleInput.FromText("one\ntwo\nend");
        Assert.That(_m.Sclp.OfferInput(), Is.False, "the guest takes no ASCII console events yet");
        WriteMask(4, 0x0000_0040);
        Assert.That(_m.Sclp.OfferInput(), Is.False, "no program has run yet (no SVC)");
        Cpu.SvcInterruptions = 1;
        Assert.That(_m.Sclp.OfferInput(), Is.True);
        Assert.That(_m.Sclp.OfferInput(), Is.False, "the first line was not read yet");
        var lines = new List<string>();
        for (int i = 0; i < 3; i++)
        {
            Header(256, function: 0x00);
            _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.ReadEventData);
            lines.Add(Encoding.ASCII.GetString(Mem(Sccb + 15, BinaryPrimitives.ReadUInt16BigEndian(Mem(Sccb + 8, 2)) - 7)));
            Assert.That(_m.Sclp.OfferInput(), Is.EqualTo(i < 2), $"after line {i}");
        }
        Assert.That(lines, Is.EqualTo(new[] { "one\n", "two\n", "end" }));
        Assert.That((_m.Sclp.InputPieces, _m.Sclp.Input.Ended), Is.EqualTo((3UL, true)));
    }

    [Test]
    public void Write_event_data_with_a_bad_function_code()
    {
        Header(16, function: 0x55);
        _m.Sclp.ServiceCall(Cpu, Sccb, Sclp.WriteEventData);
        Assert.That(Rc(), Is.EqualTo(Sclp.RcInvalidFunction));
    }
}
