using System.Buffers.Binary;
using S390Jit.Host.Kvm;

namespace S390Jit.Vmm;

/// <summary>
/// One subchannel of the virtual channel subsystem (QEMU's SubchDev, hw/s390x/css.c): the path
/// management control word and subchannel status word of its SCHIB (PoO "Subchannel-Information
/// Block"), the measurement block address, the sense data, and the device behind it: a virtio-ccw
/// control unit (type 0x3832, model the virtio device id) on the virtual channel path 0 (type 0x32).
/// The device executes SENSE ID, BASIC SENSE, NO OPERATION and TRANSFER IN CHANNEL; any other command
/// is rejected (unit check, sense byte 0 command reject): the virtio commands are not modelled.
/// </summary>
public sealed class Subchannel
{
    // PMCW flags halfword (word 1 bits 0-15)
    public const ushort PmcwIsc = 0x3800, PmcwEnabled = 0x0080, PmcwLimitMode = 0x0060, PmcwMeasurementMode = 0x0018,
        PmcwMultipath = 0x0004, PmcwTimingFacility = 0x0002, PmcwDeviceNumberValid = 0x0001, PmcwFlagsReserved = 0x0700;
    // PMCW characteristics word (word 6)
    public const uint CharsMbfc = 0x4, CharsXmwme = 0x2, CharsConcurrentSense = 0x1, CharsReserved = 0xFF1F_FFF8;

    // SCSW flags halfword and control halfword
    public const ushort ScswCc = 0x0300, ScswFormat = 0x0080, ScswEswf = 0x0400, ScswEctl = 0x0002, ScswPno = 0x0001;
    public const ushort FctlStart = 0x4000, FctlHalt = 0x2000, FctlClear = 0x1000, FctlMask = 0x7000;
    public const ushort ActlResumePending = 0x0800, ActlStartPending = 0x0400, ActlHaltPending = 0x0200, ActlClearPending = 0x0100,
        ActlSubchannelActive = 0x0080, ActlDeviceActive = 0x0040, ActlSuspended = 0x0020, ActlMask = 0x0FE0;
    public const ushort StctlAlert = 0x0010, StctlIntermediate = 0x0008, StctlPrimary = 0x0004, StctlSecondary = 0x0002,
        StctlStatusPending = 0x0001, StctlMask = 0x001F;
    public const byte DstatChannelEnd = 0x08, DstatDeviceEnd = 0x04, DstatUnitCheck = 0x02;
    public const byte CstatProgramCheck = 0x20, CstatDataCheck = 0x08;
    public const byte SenseCommandReject = 0x80;

    public const byte CcwNoop = 0x03, CcwBasicSense = 0x04, CcwTic = 0x08, CcwSenseId = 0xE4;
    public const byte CcwFlagCc = 0x40, CcwFlagSli = 0x20, CcwFlagDc = 0x80, CcwFlagIda = 0x04, CcwFlagMida = 0x10 /* fmt-1 bit 11 */, CcwFlagSuspend = 0x02;

    public const ushort VirtioCcwCuType = 0x3832;
    public const byte VirtioChpid = 0, VirtioChpidType = 0x32;
    public const int SenseIdLength = 256, SenseDataLength = 32, SchibLength = 52, IrbLength = 96;

    internal Subchannel(byte cssid, byte ssid, ushort schid, ushort devno, byte virtioId)
    {
        Cssid = cssid; Ssid = ssid; Schid = schid; Devno = devno; VirtioDeviceId = virtioId;
        Flags = PmcwDeviceNumberValid;
        Pim = 0x80; Pom = 0xFF; Pam = 0x80;
        Chpid[0] = VirtioChpid;
    }

    public byte Cssid { get; }
    public byte Ssid { get; }
    public ushort Schid { get; }
    public ushort Devno { get; }
    /// <summary>The virtio device id (1 network), the control unit model in SENSE ID.</summary>
    public byte VirtioDeviceId { get; }

    // PMCW
    public uint IntParm;
    public ushort Flags;
    public byte Lpm, Pnom, Lpum, Pim, Pom, Pam;
    public ushort Mbi;
    public readonly byte[] Chpid = new byte[8];
    public uint Chars;
    // SCSW
    public ushort ScswFlags, Ctrl, Count;
    public uint Cpa;
    public byte Dstat, Cstat;
    public ulong Mba;
    public readonly byte[] Sense = new byte[SenseDataLength];

    public int Isc => (Flags & PmcwIsc) >> 11;
    public bool StatusPending => (Ctrl & StctlStatusPending) != 0;

    /// <summary>The 52-byte SCHIB (PMCW, SCSW, measurement-block address, model-dependent area).</summary>
    public byte[] Schib()
    {
        var b = new byte[SchibLength];
        BinaryPrimitives.WriteUInt32BigEndian(b, IntParm);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(4), Flags);
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(6), Devno);
        b[8] = Lpm; b[9] = Pnom; b[10] = Lpum; b[11] = Pim;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(12), Mbi);
        b[14] = Pom; b[15] = Pam;
        Chpid.CopyTo(b, 16);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(24), Chars);
        WriteScsw(b.AsSpan(28), ScswFlags);
        BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(40), Mba);
        return b;
    }

    internal void WriteScsw(Span<byte> s, ushort flags)
    {
        BinaryPrimitives.WriteUInt16BigEndian(s, flags);
        BinaryPrimitives.WriteUInt16BigEndian(s[2..], Ctrl);
        BinaryPrimitives.WriteUInt32BigEndian(s[4..], Cpa);
        s[8] = Dstat; s[9] = Cstat;
        BinaryPrimitives.WriteUInt16BigEndian(s[10..], Count);
    }

    /// <summary>The SENSE ID data: 0xFF, control unit type and model, device type and model (0).</summary>
    public byte[] SenseId()
    {
        var b = new byte[SenseIdLength];
        b[0] = 0xFF;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(1), VirtioCcwCuType);
        b[3] = VirtioDeviceId;
        return b;
    }

    // channel-program state
    internal uint ChannelProgram;
    internal bool Format1;
    internal int NoDataCount;
    internal byte? LastCommand;
}

/// <summary>
/// The channel subsystem QEMU models in user space (hw/s390x/css.c): virtual devices live in CSS 0xFE,
/// which the guest sees as CSS 0 while multiple-CSS-extended is not enabled (CHSC SDA); subchannel set
/// 0 only until multiple subchannel sets are enabled. Subchannel numbers are given in device order.
/// Functions complete at once: SSCH runs the whole channel program and makes the subchannel status
/// pending, then the I/O interruption (subchannel id, interruption parameter, ISC) is injected into
/// KVM's floating interruption queue. Channel measurement (SCHM): the SSCH count of format-0 (global
/// area + MBI * 32) and format-1 (per-subchannel MBA) measurement blocks.
/// </summary>
public sealed class ChannelSubsystem
{
    public const byte VirtualCssid = 0xFE;
    private readonly List<Subchannel> _subchannels = new();
    private readonly Queue<uint> _crws = new();
    private readonly KvmVm _kvm;

    internal ChannelSubsystem(KvmVm kvm) { _kvm = kvm; }

    public IReadOnlyList<Subchannel> Subchannels => _subchannels;

    /// <summary>CHSC SDA operation code 0: the guest addresses CSSes other than the default.</summary>
    public bool MultipleCssExtended { get; set; }
    /// <summary>CHSC SDA operation code 2: subchannel sets 1-3 are visible.</summary>
    public bool MultipleSubchannelSets { get; set; }

    /// <summary>SCHM: measurement active and the format-0 measurement-block origin.</summary>
    public bool MeasurementActive { get; private set; }
    public ulong MeasurementOrigin { get; private set; }

    /// <summary>
    /// Adds a virtio-ccw device with a device number fe.SSID.DEVNO (null: the first free one in set 0,
    /// from 0000); its subchannel gets the lowest free number of its set. Returns an error text or null.
    /// </summary>
    public string? AddVirtioCcw(byte virtioId, (byte Cssid, byte Ssid, ushort Devno)? busid)
    {
        var (cssid, ssid, devno) = busid ?? (VirtualCssid, (byte)0, NextFreeDevno());
        if (cssid != VirtualCssid) return $"cssid {cssid:x} is not the virtual channel subsystem fe";
        if (ssid > 3) return $"ssid {ssid} is out of range (0-3)";
        if (_subchannels.Any(s => s.Ssid == ssid && s.Devno == devno)) return $"device number fe.{ssid:x}.{devno:x4} is already in use";
        ushort schid = 0;
        while (_subchannels.Any(s => s.Ssid == ssid && s.Schid == schid)) schid++;
        _subchannels.Add(new Subchannel(cssid, ssid, schid, devno, virtioId));
        return null;
    }

    private ushort NextFreeDevno()
    {
        ushort d = 0;
        while (_subchannels.Any(s => s.Ssid == 0 && s.Devno == d)) d++;
        return d;
    }

    /// <summary>The channel path is defined (a virtio device uses it): its type.</summary>
    public bool ChannelPathDefined(int chpid, out byte type)
    {
        type = Subchannel.VirtioChpidType;
        return chpid == Subchannel.VirtioChpid && _subchannels.Count > 0;
    }

    /// <summary>Decodes a subchannel-identification word (GR1): false if invalid (operand exception).</summary>
    public static bool DecodeSchid(uint value, out bool m, out byte cssid, out byte ssid, out ushort schid)
    {
        m = (value & 0x0008_0000) != 0;
        cssid = (byte)(value >> 24);
        ssid = (byte)((value >> 17) & 3);
        schid = (ushort)value;
        if ((value & 0x0001_0000) == 0) return false;
        if (!m && cssid != 0) return false;
        return true;
    }

    private byte RealCssid(bool m, byte cssid) => !m && cssid == 0 ? VirtualCssid : cssid;

    private bool Visible(Subchannel s) => s.Ssid == 0 || MultipleSubchannelSets;

    /// <summary>css_find_subch + css_subch_visible.</summary>
    public Subchannel? Find(bool m, byte cssid, byte ssid, ushort schid)
    {
        byte real = RealCssid(m, cssid);
        var s = _subchannels.FirstOrDefault(x => x.Cssid == real && x.Ssid == ssid && x.Schid == schid);
        return s != null && Visible(s) ? s : null;
    }

    /// <summary>css_schid_final: no subchannel numbered this high or higher exists in the set.</summary>
    public bool IsFinal(bool m, byte cssid, byte ssid, ushort schid)
    {
        byte real = RealCssid(m, cssid);
        var inSet = _subchannels.Where(x => x.Cssid == real && x.Ssid == ssid).ToList();
        return inSet.Count == 0 || schid > inSet.Max(x => x.Schid);
    }

    /// <summary>The subchannel-identification word of the I/O interruption code (css_build_subchannel_id).</summary>
    public uint SubchannelIdWord(Subchannel s)
    {
        uint high = MultipleCssExtended ? (uint)((s.Cssid << 8) | (1 << 3) | (s.Ssid << 1) | 1) : (uint)((s.Ssid << 1) | 1);
        return (high << 16) | s.Schid;
    }

    private void InjectIo(Subchannel s) => _kvm.Floating.InjectIo(SubchannelIdWord(s), s.IntParm, (uint)s.Isc << 27);

    // ---- MODIFY SUBCHANNEL -----------------------------------------------------------------------

    /// <summary>The SCHIB operand is valid for MSCH (ioinst_schib_valid).</summary>
    public static bool SchibValid(ReadOnlySpan<byte> schib)
    {
        ushort flags = BinaryPrimitives.ReadUInt16BigEndian(schib[4..]);
        uint chars = BinaryPrimitives.ReadUInt32BigEndian(schib[24..]);
        if ((flags & Subchannel.PmcwFlagsReserved) != 0 || (chars & Subchannel.CharsReserved) != 0) return false;
        if ((chars & Subchannel.CharsXmwme) != 0) return false; // extended measurement words are not provided
        if ((chars & Subchannel.CharsMbfc) != 0 && (BinaryPrimitives.ReadUInt64BigEndian(schib[40..]) & 0x3F) != 0) return false;
        return true;
    }

    /// <summary>css_do_msch: the condition code.</summary>
    public int Modify(Subchannel s, ReadOnlySpan<byte> schib)
    {
        if ((s.Flags & Subchannel.PmcwDeviceNumberValid) == 0) return 0;
        if (s.StatusPending) return 1;
        if ((s.Ctrl & Subchannel.FctlMask) != 0) return 2;
        const ushort modifiable = Subchannel.PmcwIsc | Subchannel.PmcwEnabled | Subchannel.PmcwLimitMode | Subchannel.PmcwMeasurementMode | Subchannel.PmcwMultipath;
        s.IntParm = BinaryPrimitives.ReadUInt32BigEndian(schib);
        s.Flags = (ushort)((s.Flags & ~modifiable) | (BinaryPrimitives.ReadUInt16BigEndian(schib[4..]) & modifiable));
        s.Lpm = schib[8];
        s.Mbi = BinaryPrimitives.ReadUInt16BigEndian(schib[12..]);
        s.Pom = schib[14];
        const uint chars = Subchannel.CharsMbfc | Subchannel.CharsConcurrentSense;
        s.Chars = (s.Chars & ~chars) | (BinaryPrimitives.ReadUInt32BigEndian(schib[24..]) & chars);
        s.Mba = BinaryPrimitives.ReadUInt64BigEndian(schib[40..]);
        return 0;
    }

    // ---- START SUBCHANNEL and the channel program -------------------------------------------------

    /// <summary>The ORB is valid for SSCH (ioinst_orb_valid): no reserved bits, no MIDAWs, a 31-bit channel-program address.</summary>
    public static bool OrbValid(ReadOnlySpan<byte> orb)
    {
        ushort ctrl0 = BinaryPrimitives.ReadUInt16BigEndian(orb[4..]);
        byte ctrl1 = orb[7];
        uint cpa = BinaryPrimitives.ReadUInt32BigEndian(orb[8..]);
        if ((ctrl0 & 0x0004) != 0 || (ctrl1 & 0x3E) != 0) return false;
        if ((ctrl1 & 0x40) != 0) return false; // MIDAW
        return (cpa & 0x8000_0000) == 0;
    }

    /// <summary>css_do_ssch: the condition code; the channel program runs to its end at once.</summary>
    public int Start(Subchannel s, ReadOnlySpan<byte> orb)
    {
        if ((s.Flags & (Subchannel.PmcwDeviceNumberValid | Subchannel.PmcwEnabled)) != (Subchannel.PmcwDeviceNumberValid | Subchannel.PmcwEnabled)) return 3;
        if (s.StatusPending) return 1;
        if ((s.Ctrl & Subchannel.FctlMask) != 0) return 2;
        if (MeasurementActive) UpdateMeasurement(s);
        uint intparm = BinaryPrimitives.ReadUInt32BigEndian(orb);
        ushort ctrl0 = BinaryPrimitives.ReadUInt16BigEndian(orb[4..]);
        byte lpm = orb[6];
        s.ChannelProgram = BinaryPrimitives.ReadUInt32BigEndian(orb[8..]);
        s.LastCommand = null;
        s.Ctrl |= Subchannel.FctlStart | Subchannel.ActlStartPending;
        s.ScswFlags &= unchecked((ushort)~Subchannel.ScswPno);
        RunChannelProgram(s, intparm, ctrl0, lpm);
        InjectIo(s);
        return 0;
    }

    private void RunChannelProgram(Subchannel s, uint intparm, ushort ctrl0, byte lpm)
    {
        s.Cstat = 0; s.Dstat = 0;
        s.IntParm = intparm;
        if ((lpm & s.Pim) == 0)
        {
            // no path: a deferred condition code 3
            s.ScswFlags |= Subchannel.ScswCc;
            s.Ctrl = (ushort)((s.Ctrl & ~Subchannel.StctlMask) | Subchannel.StctlAlert | Subchannel.StctlStatusPending);
            return;
        }
        s.Format1 = (ctrl0 & 0x0080) != 0;
        if (s.Format1) s.ScswFlags |= Subchannel.ScswFormat; else s.ScswFlags &= unchecked((ushort)~Subchannel.ScswFormat);
        s.NoDataCount = 0;
        CcwResult r;
        do r = InterpretCcw(s); while (r == CcwResult.Chain);
        s.Ctrl &= unchecked((ushort)~(Subchannel.ActlStartPending | Subchannel.StctlMask));
        const ushort ended = Subchannel.StctlPrimary | Subchannel.StctlSecondary | Subchannel.StctlStatusPending;
        switch (r)
        {
            case CcwResult.Done:
                s.Ctrl |= ended;
                s.Dstat = Subchannel.DstatChannelEnd | Subchannel.DstatDeviceEnd;
                break;
            case CcwResult.CommandReject:
                s.Dstat = Subchannel.DstatUnitCheck;
                s.Sense[0] = Subchannel.SenseCommandReject;
                s.Ctrl |= ended | Subchannel.StctlAlert;
                break;
            default:
                s.Cstat = Subchannel.CstatProgramCheck;
                s.Ctrl |= ended | Subchannel.StctlAlert;
                break;
        }
        s.Cpa = s.ChannelProgram + 8;
    }

    private enum CcwResult { Done, Chain, CommandReject, ProgramCheck }

    /// <summary>css_interpret_ccw: one CCW at the subchannel's channel-program address.</summary>
    private CcwResult InterpretCcw(Subchannel s)
    {
        uint at = s.ChannelProgram;
        if (at == 0 || (at & (s.Format1 ? 0x8000_0007u : 0xFF00_0007u)) != 0) return CcwResult.ProgramCheck;
        var mem = _kvm.Memory;
        if (!mem.Contains(at, 8)) return CcwResult.ProgramCheck;
        var raw = mem.Span(at, 8);
        byte cmd = raw[0], flags;
        ushort count;
        uint cda;
        if (s.Format1)
        {
            flags = raw[1];
            count = BinaryPrimitives.ReadUInt16BigEndian(raw[2..]);
            cda = BinaryPrimitives.ReadUInt32BigEndian(raw[4..]);
        }
        else
        {
            cda = (uint)(raw[1] << 16 | BinaryPrimitives.ReadUInt16BigEndian(raw[2..]));
            flags = raw[4];
            count = BinaryPrimitives.ReadUInt16BigEndian(raw[6..]);
            if ((cmd & 0x0F) == Subchannel.CcwTic) { flags = 0; count = 0; }
        }
        if ((cmd & 0x0F) == 0) return CcwResult.ProgramCheck;
        if ((cmd & 0x0F) == Subchannel.CcwTic && (cmd & 0xF0) != 0) return CcwResult.ProgramCheck;
        if (!s.Format1 && count == 0 && cmd != Subchannel.CcwTic) return CcwResult.ProgramCheck;
        if ((flags & Subchannel.CcwFlagSuspend) != 0 || (flags & Subchannel.CcwFlagIda) != 0) return CcwResult.ProgramCheck; // suspension and IDAWs: not modelled
        bool checkLength = !((flags & Subchannel.CcwFlagSli) != 0 && (flags & Subchannel.CcwFlagDc) == 0);
        if (cda == 0)
        {
            if (s.NoDataCount == 255) return CcwResult.ProgramCheck;
            s.NoDataCount++;
        }
        CcwResult r;
        switch (cmd)
        {
            case Subchannel.CcwNoop:
                r = CcwResult.Done;
                break;
            case Subchannel.CcwBasicSense:
                r = Transfer(s, s.Sense, count, cda, checkLength);
                if (r == CcwResult.Done) Array.Clear(s.Sense);
                break;
            case Subchannel.CcwSenseId:
                r = Transfer(s, s.SenseId(), count, cda, checkLength);
                break;
            case Subchannel.CcwTic:
                if (s.LastCommand == Subchannel.CcwTic || flags != 0 || count != 0) { r = CcwResult.ProgramCheck; break; }
                s.ChannelProgram = cda;
                s.LastCommand = cmd;
                return CcwResult.Chain;
            default:
                r = CcwResult.CommandReject;
                break;
        }
        s.LastCommand = cmd;
        if (r == CcwResult.Done && (flags & Subchannel.CcwFlagCc) != 0)
        {
            s.ChannelProgram += 8;
            return CcwResult.Chain;
        }
        return r;
    }

    /// <summary>A read-type transfer of device data into guest storage at <paramref name="cda"/>; sets the residual count.</summary>
    private CcwResult Transfer(Subchannel s, byte[] data, ushort count, uint cda, bool checkLength)
    {
        if (checkLength && count != data.Length) return CcwResult.ProgramCheck;
        int len = Math.Min(count, data.Length);
        if (len > 0)
        {
            if (!_kvm.Memory.Contains(cda, (ulong)len)) return CcwResult.ProgramCheck;
            data.AsSpan(0, len).CopyTo(_kvm.Memory.Span(cda, len));
            _kvm.NotifyGuestMemoryWritten(cda, (ulong)len);
        }
        s.Count = (ushort)(count - len);
        return CcwResult.Done;
    }

    private void UpdateMeasurement(Subchannel s)
    {
        if ((s.Flags & Subchannel.PmcwMeasurementMode) == 0) return;
        var mem = _kvm.Memory;
        if ((s.Chars & Subchannel.CharsMbfc) != 0)
        {
            if (!mem.Contains(s.Mba, 4)) return;
            var w = mem.Span(s.Mba, 4);
            BinaryPrimitives.WriteUInt32BigEndian(w, BinaryPrimitives.ReadUInt32BigEndian(w) + 1);
            _kvm.NotifyGuestMemoryWritten(s.Mba, 4);
        }
        else
        {
            ulong a = MeasurementOrigin + ((ulong)s.Mbi << 5);
            if (!mem.Contains(a, 2)) return;
            var h = mem.Span(a, 2);
            BinaryPrimitives.WriteUInt16BigEndian(h, (ushort)(BinaryPrimitives.ReadUInt16BigEndian(h) + 1));
            _kvm.NotifyGuestMemoryWritten(a, 2);
        }
    }

    // ---- TEST SUBCHANNEL ------------------------------------------------------------------------

    /// <summary>
    /// css_do_tsch_get_irb: the IRB (SCSW, extended-status word, extended-control word with the sense
    /// data on a unit check with concurrent sense; 64 bytes without extended measurement words) and the
    /// condition code (0 status pending, 1 not).
    /// </summary>
    public (byte[] Irb, int Cc) TestIrb(Subchannel s)
    {
        var irb = new byte[64];
        ushort flags = s.ScswFlags;
        bool pending = s.StatusPending;
        if (pending)
        {
            if ((s.Cstat & (Subchannel.CstatDataCheck | 0x04 | 0x02)) != 0)
            {
                flags |= Subchannel.ScswEswf;
                BinaryPrimitives.WriteUInt32BigEndian(irb.AsSpan(12), 0x0480_4000);
            }
            else BinaryPrimitives.WriteUInt32BigEndian(irb.AsSpan(12), 0x0080_0000);
            if ((s.Dstat & Subchannel.DstatUnitCheck) != 0 && (s.Chars & Subchannel.CharsConcurrentSense) != 0)
            {
                flags |= Subchannel.ScswEswf | Subchannel.ScswEctl;
                s.Sense.CopyTo(irb, 32);
                BinaryPrimitives.WriteUInt32BigEndian(irb.AsSpan(16), 0x0100_0000u | (Subchannel.SenseDataLength << 8));
            }
        }
        s.WriteScsw(irb, flags);
        return (irb, pending ? 0 : 1);
    }

    /// <summary>css_do_tsch_update_subch: a pending status is cleared with the functions it ends.</summary>
    public void TestClear(Subchannel s)
    {
        ushort stctl = (ushort)(s.Ctrl & Subchannel.StctlMask), fctl = (ushort)(s.Ctrl & Subchannel.FctlMask), actl = (ushort)(s.Ctrl & Subchannel.ActlMask);
        if ((stctl & Subchannel.StctlStatusPending) == 0) return;
        const ushort intermediate = Subchannel.StctlIntermediate | Subchannel.StctlStatusPending;
        s.Ctrl &= unchecked((ushort)~Subchannel.StctlMask);
        if (stctl != intermediate || ((fctl & Subchannel.FctlHalt) != 0 && (actl & Subchannel.ActlSuspended) != 0))
            s.Ctrl &= unchecked((ushort)~Subchannel.FctlMask);
        if (stctl != intermediate)
        {
            s.ScswFlags &= unchecked((ushort)~Subchannel.ScswPno);
            s.Ctrl &= unchecked((ushort)~(Subchannel.ActlResumePending | Subchannel.ActlStartPending | Subchannel.ActlHaltPending |
                Subchannel.ActlClearPending | Subchannel.ActlSuspended));
        }
        if ((s.Chars & Subchannel.CharsConcurrentSense) != 0) Array.Clear(s.Sense);
    }

    // ---- CLEAR, HALT, RESUME, CANCEL ------------------------------------------------------------

    private static bool Operational(Subchannel s) =>
        (s.Flags & (Subchannel.PmcwDeviceNumberValid | Subchannel.PmcwEnabled)) == (Subchannel.PmcwDeviceNumberValid | Subchannel.PmcwEnabled);

    /// <summary>css_do_csch: the clear function ends at once with status pending (no device status).</summary>
    public int Clear(Subchannel s)
    {
        if (!Operational(s)) return 3;
        s.Ctrl &= unchecked((ushort)~(Subchannel.FctlMask | Subchannel.ActlMask | Subchannel.StctlMask));
        s.Ctrl |= Subchannel.FctlClear;
        s.Lpum = 0; s.Pom = 0xFF;
        s.ScswFlags &= unchecked((ushort)~Subchannel.ScswPno);
        s.ChannelProgram = 0; s.LastCommand = null;
        s.Ctrl |= Subchannel.StctlStatusPending;
        s.Dstat = 0; s.Cstat = 0;
        InjectIo(s);
        return 0;
    }

    /// <summary>css_do_hsch: the halt function ends at once with status pending (device end).</summary>
    public int Halt(Subchannel s)
    {
        if (!Operational(s)) return 3;
        ushort stctl = (ushort)(s.Ctrl & Subchannel.StctlMask);
        if (stctl == Subchannel.StctlStatusPending || (stctl & (Subchannel.StctlPrimary | Subchannel.StctlSecondary | Subchannel.StctlAlert)) != 0) return 1;
        if ((s.Ctrl & (Subchannel.FctlHalt | Subchannel.FctlClear)) != 0) return 2;
        s.Ctrl |= Subchannel.FctlHalt;
        s.Ctrl &= unchecked((ushort)~Subchannel.ActlStartPending);
        s.ChannelProgram = 0; s.LastCommand = null;
        s.Ctrl &= unchecked((ushort)~(Subchannel.ActlSubchannelActive | Subchannel.ActlDeviceActive | Subchannel.StctlMask));
        s.Ctrl |= Subchannel.StctlStatusPending;
        s.Dstat = Subchannel.DstatDeviceEnd; s.Cstat = 0;
        InjectIo(s);
        return 0;
    }

    /// <summary>css_do_rsch: nothing is ever suspended here, so a resume finds no suspended start function (cc 2).</summary>
    public int Resume(Subchannel s)
    {
        if (!Operational(s)) return 3;
        if (s.StatusPending) return 1;
        if ((s.Ctrl & Subchannel.FctlMask) != Subchannel.FctlStart || (s.Ctrl & Subchannel.ActlSuspended) == 0) return 2;
        return 2;
    }

    /// <summary>css_do_xsch: only a start function still pending could be cancelled; functions here end at once.</summary>
    public int Cancel(Subchannel s)
    {
        if (!Operational(s)) return 3;
        if (s.StatusPending) return 1;
        if ((s.Ctrl & Subchannel.FctlMask) != Subchannel.FctlStart ||
            (s.Ctrl & (Subchannel.ActlResumePending | Subchannel.ActlStartPending | Subchannel.ActlSuspended)) == 0 ||
            (s.Ctrl & Subchannel.ActlSubchannelActive) != 0) return 2;
        s.Ctrl &= unchecked((ushort)~(Subchannel.FctlMask | Subchannel.ActlResumePending | Subchannel.ActlStartPending | Subchannel.ActlSuspended));
        s.ChannelProgram = 0; s.LastCommand = null; s.Dstat = 0; s.Cstat = 0;
        return 0;
    }

    // ---- SCHM, STCRW, RCHP ------------------------------------------------------------------------

    /// <summary>css_do_schm: measurement on/off and the format-0 area origin.</summary>
    public void SetMeasurement(bool update, ulong origin)
    {
        MeasurementActive = update;
        MeasurementOrigin = update ? origin : 0;
    }

    /// <summary>css_do_stcrw: the next channel-report word (cc 0) or zeros (cc 1).</summary>
    public (uint Crw, int Cc) StoreCrw() => _crws.TryDequeue(out var crw) ? (crw, 0) : (0u, 1);

    /// <summary>Puts a CRW back (STCRW is suppressed on an access exception).</summary>
    public void UndoStoreCrw(uint crw)
    {
        var rest = _crws.ToArray();
        _crws.Clear();
        _crws.Enqueue(crw);
        foreach (var c in rest) _crws.Enqueue(c);
    }

    /// <summary>
    /// css_do_rchp: cc 3 for an undefined path; a virtual path is reset at once and a solicited CRW
    /// (channel path, initialized) is queued for STCRW. The channel-report machine check QEMU raises
    /// with it is not modelled.
    /// </summary>
    public int ResetChannelPath(byte chpid)
    {
        if (!ChannelPathDefined(chpid, out _)) return 3;
        _crws.Enqueue(0x4402_0000u | chpid); // solicited, rsc channel path, erc initialized; rsid the CHPID
        return 0;
    }
}
