using System.Buffers.Binary;
using System.Text;
using S390Jit.Architecture.State;
using S390Jit.Host.Kvm;

namespace S390Jit.Vmm;

/// <summary>
/// The service-call logical processor as the VMM models it (QEMU's hw/s390x/sclp.c and
/// event-facility.c roles): SCCB validation, Read SCP/CPU Info, and the event facility with the
/// ASCII console (type 0x1A) and line-mode message (type 0x02, EBCDIC) events. Every completed
/// SERVC is signalled with a service-signal external interruption carrying the SCCB address.
/// </summary>
public sealed class Sclp
{
    public const uint ReadScpInfo = 0x0002_0001, ReadScpInfoForced = 0x0012_0001, ReadCpuInfo = 0x0001_0001,
        ReadEventData = 0x0077_0005, WriteEventData = 0x0076_0005, WriteEventMask = 0x0078_0005;
    public const uint CommandMask = 0xFFFF_00FF;

    public const ushort RcNormalRead = 0x0010, RcNormal = 0x0020, RcBoundaryViolation = 0x0100,
        RcInsufficientLength = 0x0300, RcInvalidCommand = 0x01F0, RcInvalidFunction = 0x40F0,
        RcNoEventBuffers = 0x60F0, RcInvalidSelectionMask = 0x70F0, RcEventBufferSyntax = 0x73F0, RcInvalidMaskLength = 0x74F0;

    public const byte EventOperatorCommand = 0x01, EventMessage = 0x02, EventAsciiConsole = 0x1A, EventSignalQuiesce = 0x1D;

    private readonly KvmVm _kvm;
    private readonly Stream _console;
    private readonly Queue<byte> _input = new();

    public Sclp(KvmVm kvm, Stream console)
    {
        _kvm = kvm;
        _console = console;
    }

    /// <summary>Event types the guest said it can receive (Write Event Mask: cp_receive_mask), MSB-first 64-bit.</summary>
    public ulong GuestReceiveMask { get; private set; }
    public ulong GuestSendMask { get; private set; }
    /// <summary>What the SCLP can send to the guest and receive from it.</summary>
    public static ulong HostSendMask => Mask(EventAsciiConsole) | Mask(EventOperatorCommand) | Mask(EventSignalQuiesce);
    public static ulong HostReceiveMask => Mask(EventAsciiConsole) | Mask(EventMessage);
    public static ulong Mask(byte type) => 1UL << (64 - type);

    public ulong Commands { get; private set; }
    public ulong ConsoleBytes { get; private set; }

    /// <summary>Queues console input for the guest (ASCII console read events).</summary>
    public void QueueInput(ReadOnlySpan<byte> bytes) { foreach (var b in bytes) _input.Enqueue(b); }

    /// <summary>The host's console input (stdin), or null: the guest's console has no input.</summary>
    public ConsoleInput? Input { get; set; }
    /// <summary>Pieces of console input (lines) handed to the guest.</summary>
    public ulong InputPieces { get; private set; }
    private bool _programsRun;

    /// <summary>
    /// Called when a vcpu enters an enabled wait (<see cref="KvmVm.WaitHook"/>): hands the guest the next
    /// piece of console input (a line of a stream) with an event-pending service signal, as QEMU's
    /// sclpconsole does when its chardev has data, when (1) the guest takes ASCII console events (its
    /// receive mask), (2) it has read everything given before, and (3) it has run a program: some CPU has
    /// taken a supervisor-call interruption (for Linux: /init has started), so nothing is typed into a
    /// console no program reads yet. The wait is a point of the guest's execution, so the same input gives
    /// the same output and cycle count whatever its wall-clock timing.
    /// </summary>
    public bool OfferInput()
    {
        if (Input == null || _input.Count > 0 || (GuestReceiveMask & Mask(EventAsciiConsole)) == 0) return false;
        if (!_programsRun && !(_programsRun = _kvm.Vcpus.Any(v => v.Cpu.SvcInterruptions > 0))) return false;
        if (Input.Next() is not { } piece) return false;
        QueueInput(piece);
        InputPieces++;
        _kvm.Floating.InjectService(1); // no SCCB, event pending
        return true;
    }

    private bool EventPending => _input.Count > 0 && (GuestReceiveMask & Mask(EventAsciiConsole)) != 0;

    /// <summary>-d guest_errors: receives one line per refused SERVICE CALL (bad SCCB, invalid command), or null.</summary>
    public Action<string>? GuestError { get; set; }

    private Exception Refuse(Cpu cpu, ushort code, ulong sccb, uint command, string why)
    {
        GuestError?.Invoke($"sclp: SERVICE CALL 0x{command:x8} with SCCB 0x{sccb:x}: {why} (program interruption 0x{code:x})");
        return cpu.Pgm(code);
    }

    /// <summary>SERVICE CALL: returns the condition code or throws the program interruption.</summary>
    public int ServiceCall(Cpu cpu, ulong sccb, uint command)
    {
        if (cpu.ProblemState) throw cpu.Pgm(PgmCode.PrivilegedOperation);
        var mem = _kvm.Memory;
        if (!mem.Contains(sccb, 8)) throw Refuse(cpu, PgmCode.Addressing, sccb, command, "the SCCB is outside guest memory");
        if ((sccb & ~0x1FFFUL) == 0 || (sccb & ~0x1FFFUL) == cpu.Prefix || (sccb & ~0x7FFF_FFF8UL) != 0)
            throw Refuse(cpu, PgmCode.Specification, sccb, command, "the SCCB is in the lowcore, above 2 GiB or not doubleword aligned");
        ushort length = BinaryPrimitives.ReadUInt16BigEndian(mem.Span(sccb, 2));
        if (length < 8) throw Refuse(cpu, PgmCode.Specification, sccb, command, $"SCCB length {length} is less than 8");
        if (!mem.Contains(sccb, length)) throw Refuse(cpu, PgmCode.Addressing, sccb, command, $"the SCCB (length {length}) extends beyond guest memory");
        Commands++;
        var s = mem.Span(sccb, length);
        if (!CommandValid(command)) SetResponse(s, RcInvalidCommand);
        else if ((sccb >> 12) != ((sccb + length - 1) >> 12) && (command & CommandMask) is not (ReadScpInfo or ReadScpInfoForced))
            SetResponse(s, RcBoundaryViolation);
        else Execute(s, command);
        if (GuestError != null && BinaryPrimitives.ReadUInt16BigEndian(s[6..]) is var rc && rc is not (RcNormal or RcNormalRead or RcNoEventBuffers))
            GuestError($"sclp: SERVICE CALL 0x{command:x8} with SCCB 0x{sccb:x} (length {length}): response code 0x{rc:x4}");
        _kvm.NotifyGuestMemoryWritten(sccb, length);
        _kvm.Floating.InjectService((uint)sccb | (EventPending ? 1u : 0u));
        return 0;
    }

    private static bool CommandValid(uint command) => (command & CommandMask) is ReadScpInfo or ReadScpInfoForced or ReadCpuInfo
        or ReadEventData or WriteEventData or WriteEventMask;

    private static void SetResponse(Span<byte> s, ushort rc) => BinaryPrimitives.WriteUInt16BigEndian(s[6..], rc);

    private void Execute(Span<byte> s, uint command)
    {
        switch (command & CommandMask)
        {
            case ReadScpInfo:
            case ReadScpInfoForced: ReadInfo(s); break;
            case ReadCpuInfo: ReadCpus(s); break;
            case WriteEventMask: WriteMask(s); break;
            case WriteEventData: WriteEvents(s); break;
            case ReadEventData: ReadEvents(s); break;
        }
    }

    private int CpuCount => _kvm.Vcpus.Count;

    private void ReadInfo(Span<byte> s)
    {
        const int entriesOffset = 144;
        if (s.Length < entriesOffset + CpuCount * 16) { SetResponse(s, RcInsufficientLength); return; }
        s[8..].Clear();
        int incrementShift = 20;
        while ((_kvm.Memory.Size >> incrementShift) > 1020) incrementShift++;
        ulong rnmax = _kvm.Memory.Size >> incrementShift;
        ulong rnsize = 1UL << (incrementShift - 20);
        if (rnmax < 0x10000) BinaryPrimitives.WriteUInt16BigEndian(s[8..], (ushort)rnmax);
        else BinaryPrimitives.WriteUInt64BigEndian(s[104..], rnmax);
        if (rnsize <= 128) s[10] = (byte)rnsize;
        else BinaryPrimitives.WriteUInt32BigEndian(s[100..], (uint)rnsize);
        BinaryPrimitives.WriteUInt16BigEndian(s[16..], (ushort)CpuCount);
        BinaryPrimitives.WriteUInt16BigEndian(s[18..], entriesOffset);
        BinaryPrimitives.WriteUInt64BigEndian(s[48..], 0x0C00_0000_0000_0000UL); // CPU info available
        s[85] |= 0x02; // configuration characteristic 46, ESOP: protection exceptions suppress and say which protection in the TEID
        BinaryPrimitives.WriteUInt16BigEndian(s[120..], (ushort)(CpuCount - 1));
        WriteCpuEntries(s[entriesOffset..]);
        SetResponse(s, RcNormalRead);
    }

    private void WriteCpuEntries(Span<byte> e)
    {
        for (int i = 0; i < CpuCount; i++)
        {
            var entry = e.Slice(i * 16, 16);
            entry.Clear();
            entry[0] = (byte)_kvm.Vcpus[i].Cpu.CpuAddress;
        }
    }

    private void ReadCpus(Span<byte> s)
    {
        const int entriesOffset = 24;
        if (s.Length < entriesOffset + CpuCount * 16) { SetResponse(s, RcInsufficientLength); return; }
        s[8..entriesOffset].Clear();
        BinaryPrimitives.WriteUInt16BigEndian(s[8..], (ushort)CpuCount);
        BinaryPrimitives.WriteUInt16BigEndian(s[10..], entriesOffset);
        BinaryPrimitives.WriteUInt16BigEndian(s[12..], 0);
        BinaryPrimitives.WriteUInt16BigEndian(s[14..], (ushort)(entriesOffset + CpuCount * 16));
        WriteCpuEntries(s[entriesOffset..]);
        SetResponse(s, RcNormalRead);
    }

    private void WriteMask(Span<byte> s)
    {
        if (s.Length < 12) { SetResponse(s, RcInsufficientLength); return; }
        int ml = BinaryPrimitives.ReadUInt16BigEndian(s[10..]);
        if (ml == 0 || ml > 1021 || s.Length < 12 + 4 * ml) { SetResponse(s, RcInvalidMaskLength); return; }
        GuestReceiveMask = ReadMask(s.Slice(12, ml));
        GuestSendMask = ReadMask(s.Slice(12 + ml, ml));
        StoreMask(s.Slice(12 + 2 * ml, ml), HostSendMask);
        StoreMask(s.Slice(12 + 3 * ml, ml), HostReceiveMask);
        SetResponse(s, RcNormal);
    }

    private static ulong ReadMask(ReadOnlySpan<byte> m)
    {
        ulong v = 0;
        for (int i = 0; i < 8; i++) v = (v << 8) | (i < m.Length ? m[i] : (byte)0);
        return v;
    }

    private static void StoreMask(Span<byte> m, ulong v)
    {
        for (int i = 0; i < m.Length; i++) m[i] = i < 8 ? (byte)(v >> (56 - 8 * i)) : (byte)0;
    }

    private void WriteEvents(Span<byte> s)
    {
        if (s[2] != 0) { SetResponse(s, RcInvalidFunction); return; }
        // length check of every event buffer first
        int off = 8;
        while (off < s.Length)
        {
            if (s.Length - off < 2) { SetResponse(s, RcEventBufferSyntax); return; }
            int len = BinaryPrimitives.ReadUInt16BigEndian(s[off..]);
            if (len < 6 || len > s.Length - off) { SetResponse(s, RcEventBufferSyntax); return; }
            off += len;
        }
        ushort rc = RcNormal;
        for (off = 8; off < s.Length;)
        {
            int len = BinaryPrimitives.ReadUInt16BigEndian(s[off..]);
            var ev = s.Slice(off, len);
            switch (ev[2])
            {
                case EventAsciiConsole:
                    Write(ev[6..]);
                    ev[3] |= 0x80; // buffer accepted
                    break;
                case EventMessage:
                    if (!AsciiConsoleIsTheConsole) WriteLineMode(ev[6..]);
                    ev[3] |= 0x80;
                    break;
                default:
                    rc = RcInvalidFunction;
                    break;
            }
            off += len;
        }
        SetResponse(s, rc);
    }

    /// <summary>
    /// One console, rendered once: a guest whose event mask says it sends ASCII console events (Linux's
    /// early printk, kvm-unit-tests) writes every line twice, as ASCII and as a line-mode message, for
    /// whichever console the machine has. Like QEMU with its sclpconsole (ASCII) device and no line-mode
    /// console, the line-mode copy is then accepted but not shown; a line-mode-only guest is shown.
    /// </summary>
    private bool AsciiConsoleIsTheConsole => (GuestSendMask & Mask(EventAsciiConsole)) != 0;

    /// <summary>Line-mode message: an MDB (12-byte header) whose message-text objects (type 4) hold EBCDIC lines.</summary>
    private void WriteLineMode(ReadOnlySpan<byte> mdb)
    {
        if (mdb.Length < 12) return;
        int total = Math.Min(BinaryPrimitives.ReadUInt16BigEndian(mdb), mdb.Length);
        var sb = new StringBuilder();
        int off = 12;
        while (off + 4 <= total)
        {
            int len = BinaryPrimitives.ReadUInt16BigEndian(mdb[off..]);
            int type = BinaryPrimitives.ReadUInt16BigEndian(mdb[(off + 2)..]);
            if (len < 4 || off + len > total) break;
            if (type == 0x0004) AppendMto(sb, mdb.Slice(off, len)); // message text; the general object (1) carries no text
            off += len;
        }
        Write(Encoding.ASCII.GetBytes(sb.ToString()));
    }

    private static void AppendMto(StringBuilder sb, ReadOnlySpan<byte> mto)
    {
        // MTO: length, type, line-type flags (2), alarm (1), reserved (3), text
        for (int i = 10; i < mto.Length; i++) sb.Append(Ebcdic.ToAscii(mto[i]));
        sb.Append('\n');
    }

    private void ReadEvents(Span<byte> s)
    {
        ulong selection;
        switch (s[2])
        {
            case 0x00: selection = GuestReceiveMask; break; // unconditional read
            case 0x01: // selective read: mask follows the event buffer area header
                if (s.Length < 12) { SetResponse(s, RcInvalidSelectionMask); return; }
                selection = (ulong)BinaryPrimitives.ReadUInt32BigEndian(s[8..]) << 32;
                if (selection == 0 || (selection & ~GuestReceiveMask) != 0) { SetResponse(s, RcInvalidSelectionMask); return; }
                break;
            default: SetResponse(s, RcInvalidFunction); return;
        }
        if ((selection & Mask(EventAsciiConsole)) != 0 && _input.Count > 0 && s.Length > 8 + 7)
        {
            // the VT220 (ASCII console) data: a session byte (0: data follows, as Linux's sclp_vt220 expects), the text
            int n = Math.Min(_input.Count, s.Length - 8 - 7);
            var ev = s.Slice(8, 7 + n);
            BinaryPrimitives.WriteUInt16BigEndian(ev, (ushort)(7 + n));
            ev[2] = EventAsciiConsole; ev[3] = 0; ev[4] = 0; ev[5] = 0; ev[6] = 0;
            for (int i = 0; i < n; i++) ev[7 + i] = _input.Dequeue();
            // a variable-length response (control mask byte 2, bit 0) gets the SCCB length cut to what was stored
            if ((s[5] & 0x80) != 0)
            {
                s[5] &= 0x7F;
                BinaryPrimitives.WriteUInt16BigEndian(s, (ushort)(8 + 7 + n));
            }
            SetResponse(s, RcNormal);
            return;
        }
        SetResponse(s, RcNoEventBuffers);
    }

    private void Write(ReadOnlySpan<byte> bytes)
    {
        ConsoleBytes += (ulong)bytes.Length;
        _console.Write(bytes);
        _console.Flush();
    }
}
