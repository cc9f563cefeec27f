using System.Buffers.Binary;
using System.Numerics;

namespace S390Jit.Hardware.Ap;

/// <summary>
/// The message formats Linux's zcrypt driver uses for CEX accelerators (zcrypt_msgtype50): type 50
/// requests for RSA modular exponentiation (MEB1/2/3) and CRT (CRB1/2/3), type 80 replies, and the
/// type 82/88 error replies (zcrypt_error.h). All numbers are big-endian, right-aligned in their
/// fields and left-padded with zeros.
/// <code>
/// type 50 header (8):   00, 0x50, u16 msg_len, 00, ignored, u16 0
/// then (8):             u16 keyblock_type, 6 reserved bytes
/// MEBn:                 exponent[F], modulus[F], message[F]              F = 128, 256, 512
/// CRBn:                 p[F/2], q[F/2], dp[F/2], dq[F/2], u[F/2], message[F]  (u = q^-1 mod p)
/// type 80 reply (16):   00, 0x80, u16 len, code 0, 11 zero bytes; then the result[F]
/// type 82/88 (8):       00, 0x82|0x88, 00 00, reply code, 00 00 00
/// </code>
/// </summary>
public static class Type50
{
    public const byte RequestType = 0x50, ReplyType = 0x80, ErrorType82 = 0x82, ErrorType88 = 0x88;
    public const ushort Meb1 = 0x0001, Meb2 = 0x0002, Meb3 = 0x0003, Crb1 = 0x0011, Crb2 = 0x0012, Crb3 = 0x0013;
    public const int PrefixSize = 16, ReplyHeaderSize = 16, ErrorReplySize = 8;

    /// <summary>Type 82 reply codes (transport and format errors).</summary>
    public const byte Rep82MessageType = 0x20, Rep82InvalidMsgLen = 0x23, Rep82ReservedField = 0x24, Rep82MessageLength = 0x80;
    /// <summary>Type 88 reply codes (the accelerator's RSA engine: key and operand errors).</summary>
    public const byte Rep88KeyType = 0x34, Rep88InvalidKey = 0x82, Rep88Operand = 0x84, Rep88OperandEvenMod = 0x85;

    public static bool IsCrt(ushort fmt) => (fmt & 0x10) != 0;

    /// <summary>The field size F of a keyblock format (the modulus/message field), or 0 if unknown.</summary>
    public static int FieldSize(ushort fmt) => fmt switch
    {
        Meb1 or Crb1 => 128,
        Meb2 or Crb2 => 256,
        Meb3 or Crb3 => 512,
        _ => 0,
    };

    /// <summary>Total request length of a keyblock format.</summary>
    public static int MessageSize(ushort fmt)
    {
        int f = FieldSize(fmt);
        return f == 0 ? 0 : IsCrt(fmt) ? PrefixSize + 5 * (f / 2) + f : PrefixSize + 3 * f;
    }

    private static ushort FormatFor(int modLen, bool crt) =>
        (ushort)((crt ? 0x10 : 0) | (modLen <= 128 ? 1 : modLen <= 256 ? 2 : 3));

    private static byte[] NewRequest(ushort fmt)
    {
        var m = new byte[MessageSize(fmt)];
        m[1] = RequestType;
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(2), (ushort)m.Length);
        BinaryPrimitives.WriteUInt16BigEndian(m.AsSpan(8), fmt);
        return m;
    }

    private static void PutRight(Span<byte> field, ReadOnlySpan<byte> value)
    {
        if (value.Length > field.Length) throw new ArgumentException("value longer than its field");
        value.CopyTo(field[(field.Length - value.Length)..]);
    }

    /// <summary>Builds a ME request as zcrypt does (exponent, modulus, input of modulus length, big-endian).</summary>
    public static byte[] ModExpo(ReadOnlySpan<byte> exponent, ReadOnlySpan<byte> modulus, ReadOnlySpan<byte> input)
    {
        ushort fmt = FormatFor(modulus.Length, crt: false);
        int f = FieldSize(fmt);
        var m = NewRequest(fmt);
        PutRight(m.AsSpan(PrefixSize, f), exponent);
        PutRight(m.AsSpan(PrefixSize + f, f), modulus);
        PutRight(m.AsSpan(PrefixSize + 2 * f, f), input);
        return m;
    }

    /// <summary>Builds a CRT request for a modulus of <paramref name="modLen"/> bytes.</summary>
    public static byte[] Crt(int modLen, ReadOnlySpan<byte> p, ReadOnlySpan<byte> q, ReadOnlySpan<byte> dp, ReadOnlySpan<byte> dq,
        ReadOnlySpan<byte> u, ReadOnlySpan<byte> input)
    {
        ushort fmt = FormatFor(modLen, crt: true);
        int f = FieldSize(fmt), h = f / 2;
        var m = NewRequest(fmt);
        PutRight(m.AsSpan(PrefixSize, h), p);
        PutRight(m.AsSpan(PrefixSize + h, h), q);
        PutRight(m.AsSpan(PrefixSize + 2 * h, h), dp);
        PutRight(m.AsSpan(PrefixSize + 3 * h, h), dq);
        PutRight(m.AsSpan(PrefixSize + 4 * h, h), u);
        PutRight(m.AsSpan(PrefixSize + 5 * h, f), input);
        return m;
    }

    public static byte[] ErrorReply(byte type, byte code) => [0, type, 0, 0, code, 0, 0, 0];

    internal static BigInteger Num(ReadOnlySpan<byte> b) => new(b, isUnsigned: true, isBigEndian: true);

    internal static void PutNum(Span<byte> field, BigInteger v)
    {
        field.Clear();
        int len = v.GetByteCount(isUnsigned: true);
        v.TryWriteBytes(field[(field.Length - len)..], out _, isUnsigned: true, isBigEndian: true);
    }
}

/// <summary>
/// What the card made of a request when it was enqueued: its reply kind and modelled latency. The
/// result itself is computed when the reply is first dequeued (<see cref="Reply"/>), so a request
/// discarded by a reset costs no host time; the outcome does not depend on when it is computed.
/// </summary>
public sealed class ApCardJob
{
    private readonly Func<byte[]>? _compute;
    private byte[]? _reply;

    internal ApCardJob(byte[] reply, ulong nanoseconds) { _reply = reply; Nanoseconds = nanoseconds; IsError = true; }
    internal ApCardJob(Func<byte[]> compute, ulong nanoseconds) { _compute = compute; Nanoseconds = nanoseconds; }

    /// <summary>An error reply (type 82 or 88).</summary>
    public bool IsError { get; }
    /// <summary>Modelled processing time of the request on the card.</summary>
    public ulong Nanoseconds { get; }
    public byte[] Reply => _reply ??= _compute!();
}

/// <summary>
/// The firmware of a CEX adapter in accelerator mode (CEX5A..CEX8A): validates type 50 requests and
/// computes RSA ME and CRT results for 1024-, 2048- and 4096-bit keys (System.Numerics.BigInteger).
/// Anything malformed gets a type 82 (message format) or type 88 (key/operand) error reply, the
/// codes Linux's convert_error() maps to -EINVAL or -EAGAIN.
/// <para>
/// Modelled latency (CEX7A; CEX5A x2, CEX6A x1.5, CEX8A x0.75): ME 20/60/300 us and CRT 10/25/120 us
/// for 1024/2048/4096-bit fields; an error reply 5 us.
/// </para>
/// </summary>
public sealed class CexAccelerator(ApDeviceType type)
{
    public const ulong ErrorNanoseconds = 5_000;

    public ApDeviceType Type { get; } = type;

    /// <summary>Percent of the CEX7A latency.</summary>
    public int SpeedPercent => Type switch
    {
        ApDeviceType.Cex4 => 250,
        ApDeviceType.Cex5 => 200,
        ApDeviceType.Cex6 => 150,
        ApDeviceType.Cex7 => 100,
        _ => 75,
    };

    public static ulong BaseNanoseconds(ushort fmt) => fmt switch
    {
        Type50.Meb1 => 20_000,
        Type50.Meb2 => 60_000,
        Type50.Meb3 => 300_000,
        Type50.Crb1 => 10_000,
        Type50.Crb2 => 25_000,
        Type50.Crb3 => 120_000,
        _ => ErrorNanoseconds,
    };

    private ApCardJob Error(byte type, byte code) => new(Type50.ErrorReply(type, code), ErrorNanoseconds * (ulong)SpeedPercent / 100);

    /// <summary>Accepts a complete request message (the card keeps its own copy).</summary>
    public ApCardJob Submit(byte[] msg)
    {
        if (msg.Length < 8 || msg[1] != Type50.RequestType) return Error(Type50.ErrorType82, Type50.Rep82MessageType);
        if (BinaryPrimitives.ReadUInt16BigEndian(msg.AsSpan(2)) != msg.Length) return Error(Type50.ErrorType82, Type50.Rep82InvalidMsgLen);
        if (msg[0] != 0 || msg[4] != 0 || msg[6] != 0 || msg[7] != 0) return Error(Type50.ErrorType82, Type50.Rep82ReservedField);
        if (msg.Length < Type50.PrefixSize) return Error(Type50.ErrorType82, Type50.Rep82MessageLength);
        ushort fmt = BinaryPrimitives.ReadUInt16BigEndian(msg.AsSpan(8));
        int f = Type50.FieldSize(fmt);
        if (f == 0) return Error(Type50.ErrorType88, Type50.Rep88KeyType);
        if (msg.Length != Type50.MessageSize(fmt)) return Error(Type50.ErrorType82, Type50.Rep82MessageLength);
        for (int k = 10; k < Type50.PrefixSize; k++)
            if (msg[k] != 0) return Error(Type50.ErrorType82, Type50.Rep82ReservedField);
        ulong ns = BaseNanoseconds(fmt) * (ulong)SpeedPercent / 100;
        var body = msg.AsMemory(Type50.PrefixSize);
        if (!Type50.IsCrt(fmt))
        {
            var exp = Type50.Num(body.Span[..f]);
            var mod = Type50.Num(body.Span.Slice(f, f));
            var input = Type50.Num(body.Span.Slice(2 * f, f));
            if (mod <= BigInteger.One) return Error(Type50.ErrorType88, Type50.Rep88InvalidKey);
            if (mod.IsEven) return Error(Type50.ErrorType88, Type50.Rep88OperandEvenMod);
            if (input >= mod) return Error(Type50.ErrorType88, Type50.Rep88Operand);
            return new ApCardJob(() => Reply(f, BigInteger.ModPow(input, exp, mod)), ns);
        }
        else
        {
            int h = f / 2;
            var s = body.Span;
            var p = Type50.Num(s[..h]);
            var q = Type50.Num(s.Slice(h, h));
            var dp = Type50.Num(s.Slice(2 * h, h));
            var dq = Type50.Num(s.Slice(3 * h, h));
            var u = Type50.Num(s.Slice(4 * h, h));
            var input = Type50.Num(s.Slice(5 * h, f));
            if (p <= BigInteger.One || q <= BigInteger.One) return Error(Type50.ErrorType88, Type50.Rep88InvalidKey);
            if (p.IsEven || q.IsEven) return Error(Type50.ErrorType88, Type50.Rep88OperandEvenMod);
            if (input >= p * q) return Error(Type50.ErrorType88, Type50.Rep88Operand);
            return new ApCardJob(() =>
            {
                var m1 = BigInteger.ModPow(input % p, dp, p);
                var m2 = BigInteger.ModPow(input % q, dq, q);
                var hh = u * (m1 - m2) % p;
                if (hh.Sign < 0) hh += p;
                return Reply(f, m2 + hh * q);
            }, ns);
        }
    }

    private static byte[] Reply(int f, BigInteger result)
    {
        var r = new byte[Type50.ReplyHeaderSize + f];
        r[1] = Type50.ReplyType;
        BinaryPrimitives.WriteUInt16BigEndian(r.AsSpan(2), (ushort)r.Length);
        Type50.PutNum(r.AsSpan(Type50.ReplyHeaderSize), result);
        return r;
    }
}
