using System.Buffers.Binary;
using System.Numerics;
using S390Jit.Host.Crypto;
using static S390Jit.Tests.Hardware.ApHarness;
using S390Jit.Hardware.Ap;

namespace S390Jit.Tests.Hardware;

/// <summary>
/// The CEX accelerator firmware: type 50 requests as zcrypt builds them, type 80 replies with real
/// RSA results, type 82/88 error replies for malformed requests, and the modelled latency.
/// </summary>
public class CexAcceleratorTests
{
    private static readonly CexAccelerator Card = new(ApDeviceType.Cex7);

    [TestCase(Type50.Meb1, 400)]
    [TestCase(Type50.Meb2, 784)]
    [TestCase(Type50.Meb3, 1552)]
    [TestCase(Type50.Crb1, 464)]
    [TestCase(Type50.Crb2, 912)]
    [TestCase(Type50.Crb3, 1808)]
    public void Message_sizes_are_zcrypts(ushort fmt, int size) => Assert.That(Type50.MessageSize(fmt), Is.EqualTo(size));

    [Test]
    public void The_builders_produce_right_aligned_fields_and_a_correct_header()
    {
        var k = Key(1024);
        var m = MeEncrypt(k);
        Assert.That((m[0], m[1], BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(2)), BinaryPrimitives.ReadUInt16BigEndian(m.AsSpan(8))),
            Is.EqualTo(((byte)0, (byte)0x50, (ushort)400, Type50.Meb1)));
        Assert.That(m[(16 + 125)..(16 + 128)], Is.EqualTo(E65537));
        Assert.That(m[(16 + 128)..(16 + 256)], Is.EqualTo(Hex(k.N)));
        // a 1000-bit modulus is padded on the left
        var small = Type50.ModExpo(E65537, Hex(k.N)[3..], Hex(k.M)[3..]);
        Assert.That(small[(16 + 128)..(16 + 131)], Is.EqualTo(new byte[3]));
    }

    public static IEnumerable<TestCaseData> Operations()
    {
        foreach (var k in ApVectors.Keys)
        {
            yield return new TestCaseData(k.Bits, "ME-e").SetName($"Rsa_{k.Bits}_me_encrypt");
            if (k.Bits <= 2048) yield return new TestCaseData(k.Bits, "ME-d").SetName($"Rsa_{k.Bits}_me_decrypt");
            yield return new TestCaseData(k.Bits, "CRT").SetName($"Rsa_{k.Bits}_crt_decrypt");
        }
    }

    [TestCaseSource(nameof(Operations))]
    public void Rsa_results_match_the_vectors_and_the_reply_is_type_80(int bits, string op)
    {
        var k = Key(bits);
        var job = Card.Submit(op switch { "ME-e" => MeEncrypt(k), "ME-d" => MeDecrypt(k), _ => CrtDecrypt(k) });
        Assert.That(job.IsError, Is.False);
        var r = job.Reply;
        int field = bits <= 1024 ? 128 : bits <= 2048 ? 256 : 512;
        Assert.That((r[0], r[1], BinaryPrimitives.ReadUInt16BigEndian(r.AsSpan(2)), r[4]), Is.EqualTo(((byte)0, (byte)0x80, (ushort)(16 + field), (byte)0)));
        Assert.That(r[5..16].All(b => b == 0), Is.True);
        Assert.That(Result80(r, bits / 8), Is.EqualTo(Hex(op == "ME-e" ? k.C : k.M)));
    }

    [Test]
    public void Crt_with_a_modulus_shorter_than_the_field_agrees_with_modpow()
    {
        // a 1000-bit key made of the 1024-bit key's primes shortened is not needed: use p, q of 512 bits in a CRB1
        var k = Key(1024);
        var input = Hex(k.C)[8..]; // a smaller input
        var job = Card.Submit(Type50.Crt(128, Hex(k.P), Hex(k.Q), Hex(k.Dp), Hex(k.Dq), Hex(k.U), input));
        var n = new BigInteger(Hex(k.N), true, true);
        var d = new BigInteger(Hex(k.D), true, true);
        var want = BigInteger.ModPow(new BigInteger(input, true, true), d, n);
        Assert.That(new BigInteger(Result80(job.Reply, 128), true, true), Is.EqualTo(want));
    }

    public static IEnumerable<TestCaseData> Malformed()
    {
        var k = Key(1024);
        byte[] Me() => MeEncrypt(k);
        byte[] With(byte[] m, Action<byte[]> f) { f(m); return m; }
        yield return new TestCaseData(new byte[4], 0x82, 0x20).SetName("Error_82_20_shorter_than_a_header");
        yield return new TestCaseData(With(Me(), m => m[1] = 0x06), 0x82, 0x20).SetName("Error_82_20_not_type_50");
        yield return new TestCaseData(With(Me(), m => m[3] ^= 1), 0x82, 0x23).SetName("Error_82_23_msg_len_differs");
        yield return new TestCaseData(With(Me(), m => m[6] = 1), 0x82, 0x24).SetName("Error_82_24_header_reserved");
        yield return new TestCaseData(With(Me(), m => m[12] = 1), 0x82, 0x24).SetName("Error_82_24_keyblock_reserved");
        var cut = Me()[..399]; BinaryPrimitives.WriteUInt16BigEndian(cut.AsSpan(2), 399);
        yield return new TestCaseData(cut, 0x82, 0x80).SetName("Error_82_80_length_not_the_format");
        var tiny = Me()[..12]; BinaryPrimitives.WriteUInt16BigEndian(tiny.AsSpan(2), 12);
        yield return new TestCaseData(tiny, 0x82, 0x80).SetName("Error_82_80_no_keyblock");
        yield return new TestCaseData(With(Me(), m => m[9] = 0x05), 0x88, 0x34).SetName("Error_88_34_unknown_keyblock");
        yield return new TestCaseData(Type50.ModExpo(E65537, [0x01], [0x00]), 0x88, 0x82).SetName("Error_88_82_modulus_one");
        yield return new TestCaseData(With(Me(), m => m[16 + 255] &= 0xFE), 0x88, 0x85).SetName("Error_88_85_even_modulus");
        yield return new TestCaseData(Type50.ModExpo(E65537, Hex(k.N), Hex(k.N)), 0x88, 0x84).SetName("Error_88_84_input_not_below_modulus");
        var crt = CrtDecrypt(k); crt[16 + 63] &= 0xFE;
        yield return new TestCaseData(crt, 0x88, 0x85).SetName("Error_88_85_even_prime");
        yield return new TestCaseData(Type50.Crt(128, Hex(k.P), Hex(k.Q), Hex(k.Dp), Hex(k.Dq), Hex(k.U), Enumerable.Repeat((byte)0xFF, 128).ToArray()), 0x88, 0x84)
            .SetName("Error_88_84_crt_input_not_below_pq");
        yield return new TestCaseData(Type50.Crt(128, [0], Hex(k.Q), Hex(k.Dp), Hex(k.Dq), Hex(k.U), Hex(k.C)), 0x88, 0x82).SetName("Error_88_82_zero_prime");
    }

    [TestCaseSource(nameof(Malformed))]
    public void Malformed_requests_get_error_replies(byte[] msg, int type, int code)
    {
        var job = Card.Submit(msg);
        Assert.That(job.IsError, Is.True);
        Assert.That(job.Reply, Is.EqualTo(new byte[] { 0, (byte)type, 0, 0, (byte)code, 0, 0, 0 }));
        Assert.That(job.Nanoseconds, Is.EqualTo(CexAccelerator.ErrorNanoseconds));
    }

    [TestCase(ApDeviceType.Cex5, Type50.Meb2, 120_000UL)]
    [TestCase(ApDeviceType.Cex6, Type50.Meb2, 90_000UL)]
    [TestCase(ApDeviceType.Cex7, Type50.Meb2, 60_000UL)]
    [TestCase(ApDeviceType.Cex8, Type50.Meb2, 45_000UL)]
    [TestCase(ApDeviceType.Cex7, Type50.Meb3, 300_000UL)]
    [TestCase(ApDeviceType.Cex7, Type50.Crb3, 120_000UL)]
    [TestCase(ApDeviceType.Cex7, Type50.Crb1, 10_000UL)]
    public void Latency_depends_on_the_adapter_type_and_the_request(ApDeviceType type, ushort fmt, ulong ns)
    {
        var k = Key(fmt is Type50.Meb3 or Type50.Crb3 ? 4096 : fmt is Type50.Meb2 ? 2048 : 1024);
        var msg = Type50.IsCrt(fmt) ? CrtDecrypt(k) : MeEncrypt(k);
        Assert.That(new CexAccelerator(type).Submit(msg).Nanoseconds, Is.EqualTo(ns));
    }
}
