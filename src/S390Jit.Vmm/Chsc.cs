using System.Buffers.Binary;
using S390Jit.Architecture.State;

namespace S390Jit.Vmm;

/// <summary>
/// CHANNEL SUBSYSTEM CALL as QEMU answers it in user space (target/s390x/ioinst.c, ioinst_handle_chsc).
/// GR R1 designates a 4 KiB-aligned command-request block: halfword length, halfword command code,
/// then command parameters; the response block follows the request (at R1 + length) with halfword
/// length, halfword response code and a word of response parameter. Commands: store channel-path
/// description (SCPD), store channel-subsystem characteristics (SCSC), store event information (SEI:
/// never an event), set domain attributes (SDA); any other command gets response code 0x0004.
/// A misaligned block is a specification exception, an invalid request length an operand exception;
/// otherwise the condition code is 0.
/// </summary>
internal static class Chsc
{
    public const ushort Scpd = 0x0002, Sei = 0x000E, Scsc = 0x0010, Sda = 0x0031;

    /// <summary>Response codes (the response block's code halfword).</summary>
    public const ushort RcSuccess = 0x0001, RcRequestError = 0x0003, RcInvalidCommand = 0x0004,
        RcNoEvent = 0x0005, RcInvalidFormat = 0x0007, RcInvalidCssid = 0x0008, RcNotEnabled = 0x0101;

    private const int MinResponse = 8;

    /// <summary>Runs the command at the address in GR r1; the condition code is 0 unless an exception is thrown.</summary>
    public static void Handle(Cpu cpu, ChannelSubsystem css, int r1)
    {
        ulong block = cpu.G[r1] & cpu.AddrMask;
        if ((block & 0xFFF) != 0) throw cpu.Pgm(PgmCode.Specification);
        Span<byte> req = stackalloc byte[16];
        for (int i = 0; i < 16; i++) req[i] = cpu.ReadU8(block + (ulong)i);
        ushort len = BinaryPrimitives.ReadUInt16BigEndian(req);
        if (len < 16 || len > 4088 || (len & 7) != 0) throw cpu.Pgm(PgmCode.Operand);
        ushort command = BinaryPrimitives.ReadUInt16BigEndian(req[2..]);
        uint p0 = BinaryPrimitives.ReadUInt32BigEndian(req[4..]), p1 = BinaryPrimitives.ReadUInt32BigEndian(req[8..]),
            p2 = BinaryPrimitives.ReadUInt32BigEndian(req[12..]);
        var resp = new byte[4096 - len];
        ushort code = command switch
        {
            Scsc => StoreCharacteristics(len, p0, p1, p2, resp),
            Scpd => StorePathDescription(css, len, p0, p1, p2, resp),
            Sda => SetDomainAttributes(css, len, p0),
            Sei => RcNoEvent,
            _ => RcInvalidCommand,
        };
        if (BinaryPrimitives.ReadUInt16BigEndian(resp) == 0) BinaryPrimitives.WriteUInt16BigEndian(resp, MinResponse);
        BinaryPrimitives.WriteUInt16BigEndian(resp.AsSpan(2), code);
        int rlen = BinaryPrimitives.ReadUInt16BigEndian(resp);
        ulong at = block + len;
        cpu.CheckAccess(at, (ulong)rlen, true);
        for (int i = 0; i < rlen; i++) cpu.WriteU8(at + (ulong)i, resp[i]);
        cpu.Cc = 0;
    }

    /// <summary>
    /// SCSC: only for CSS 0 (or a present CSS with the M bit), format 0 and no reserved bits. The general
    /// characteristics QEMU reports (word 0: 0x03000000, word 1: 0x00079000 with bit 48 extended
    /// measurement block, word 3: 0x00080000) and CHSC characteristics (word 0: 0x40000000, word 3:
    /// 0x00040000); the response is 4080 bytes.
    /// </summary>
    private static ushort StoreCharacteristics(ushort len, uint p0, uint p1, uint p2, Span<byte> resp)
    {
        if (len != 16) return RcRequestError;
        if ((p0 & 0x000F_0000) != 0) return RcInvalidFormat;
        if (((p0 >> 8) & 0xFF) != 0) return RcInvalidCssid; // only CSS 0 exists
        if ((p0 & 0xDFF0_00FF) != 0 || p1 != 0 || p2 != 0) return RcRequestError;
        BinaryPrimitives.WriteUInt16BigEndian(resp, 4080);
        var general = resp[8..];
        BinaryPrimitives.WriteUInt32BigEndian(general, 0x0300_0000);
        BinaryPrimitives.WriteUInt32BigEndian(general[4..], 0x0007_9000);
        BinaryPrimitives.WriteUInt32BigEndian(general[12..], 0x0008_0000);
        var chsc = general[(510 * 4)..];
        BinaryPrimitives.WriteUInt32BigEndian(chsc, 0x4000_0000);
        BinaryPrimitives.WriteUInt32BigEndian(chsc[12..], 0x0004_0000);
        return RcSuccess;
    }

    /// <summary>
    /// SCPD: request length 16, no reserved bits, format 0, CSS 0, first CHPID &lt;= last CHPID; the
    /// response parameter is the response format (C bit for formats 0/1) and the data one 8-byte
    /// (format 0) or 32-byte (format 1) descriptor per defined channel path in the range.
    /// </summary>
    private static ushort StorePathDescription(ChannelSubsystem css, ushort len, uint p0, uint p1, uint p2, Span<byte> resp)
    {
        int rfmt = (int)((p0 >> 8) & 0xF);
        if (rfmt is 0 or 1) rfmt = (p0 & 0x1000_0000) != 0 ? 1 : 0;
        BinaryPrimitives.WriteUInt32BigEndian(resp[4..], (uint)rfmt);
        if (len != 16 || (p0 & 0xC000_F000) != 0 || (p1 & 0xFFFF_FF00) != 0 || p2 != 0) return RcRequestError;
        if ((p0 & 0x0F00_0000) != 0) return RcInvalidFormat;
        if (((p0 >> 16) & 0xFF) != 0) return RcInvalidCssid;
        int first = (int)(p0 & 0xFF), last = (int)(p1 & 0xFF);
        if (last < first) return RcRequestError;
        int size = 0, descSize = rfmt == 1 ? 32 : 8;
        for (int chpid = first; chpid <= last; chpid++)
        {
            if (!css.ChannelPathDefined(chpid, out byte type)) continue;
            var d = resp.Slice(8 + size, descSize);
            d[0] = 0x80; // flags: the path is valid
            d[2] = type; // descriptor: channel-path type
            d[3] = (byte)chpid;
            size += descSize;
        }
        BinaryPrimitives.WriteUInt16BigEndian(resp, (ushort)(8 + size));
        return RcSuccess;
    }

    /// <summary>SDA: request length 0x400, no reserved bits, format 0; operation codes 0 (MCSS-E) and 2 (MSS).</summary>
    private static ushort SetDomainAttributes(ChannelSubsystem css, ushort len, uint p0)
    {
        if (len != 0x400 || (p0 & 0xF0FF_0000) != 0) return RcRequestError;
        if ((p0 & 0x0F00_0000) != 0) return RcInvalidFormat;
        switch (p0 & 0xFFFF)
        {
            case 0: css.MultipleCssExtended = true; return RcSuccess;
            case 2: css.MultipleSubchannelSets = true; return RcSuccess;
            default: return RcRequestError;
        }
    }
}
