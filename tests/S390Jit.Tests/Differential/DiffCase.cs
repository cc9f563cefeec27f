using System.Buffers.Binary;
using S390Jit.Architecture.Isa;

namespace S390Jit.Tests.Differential;

/// <summary>
/// One case of the differential instruction runner (guests/fpdiff): an instruction and the complete
/// machine state it starts from. Registers the case does not set hold the guest's fixed patterns
/// (GPRs 0; VR r bits 0-63 0x5a5a5a5a5a5a5a00 | r, bits 64-127 0xa5a5a5a5a5a5a500 | r); the operand
/// buffer at 0x7f0000 (256 bytes) holds the pattern 0xc5 ^ offset, with <see cref="Memory"/> at <see cref="MemoryOffset"/>.
/// </summary>
public sealed class DiffCase
{
    public const ulong Buffer = 0x7F_0000;
    public const int BufferSize = 256;

    public required byte[] Insn { get; init; }
    public string Mnemonic => Decoded.Def.Mnemonic;
    /// <summary>CR0 bit 45 (AFP-register control) off for this case (and with it vector enablement).</summary>
    public bool AfpOff { get; set; }
    /// <summary>CR0 bit 46 (vector enablement) off.</summary>
    public bool VectorOff { get; set; }
    public int Cc { get; set; }
    public int ProgramMask { get; set; }
    public uint Fpc { get; set; }
    public SortedDictionary<int, ulong> Gprs { get; } = new();
    /// <summary>Vector registers (bits 0-63 = the FPR, bits 64-127).</summary>
    public SortedDictionary<int, (ulong Hi, ulong Lo)> Vrs { get; } = new();
    /// <summary>Bytes placed in the operand buffer at <see cref="MemoryOffset"/>.</summary>
    public byte[] Memory { get; set; } = [];
    public int MemoryOffset { get; set; }

    private Insn? _decoded;
    public Insn Decoded => _decoded ??= Decode(Insn);

    public static Insn Decode(byte[] bytes)
    {
        ulong raw = Decoder.LeftAlign(bytes);
        var def = Decoder.Lookup(raw) ?? throw new ArgumentException($"not an instruction: {Convert.ToHexString(bytes)}");
        var i = new Insn { Def = def, Raw = raw, Length = (byte)bytes.Length };
        Decoder.ExtractFields(ref i, def);
        return i;
    }

    public static ulong DefaultVrHi(int r) => 0x5a5a_5a5a_5a5a_5a00UL | (uint)r;
    public static ulong DefaultVrLo(int r) => 0xa5a5_a5a5_a5a5_a500UL | (uint)r;
    public ulong Gpr(int r) => Gprs.TryGetValue(r, out var v) ? v : 0;
    public ulong Fpr(int r) => Vrs.TryGetValue(r, out var v) ? v.Hi : DefaultVrHi(r);
    public void SetFpr(int r, ulong v) => Vrs[r] = (v, Vrs.TryGetValue(r, out var o) ? o.Lo : DefaultVrLo(r));
    public byte BufferByte(int k) => k >= MemoryOffset && k < MemoryOffset + Memory.Length ? Memory[k - MemoryOffset] : (byte)(0xC5 ^ k);

    /// <summary>The record as guests/fpdiff reads it.</summary>
    public byte[] Serialize()
    {
        int size = 24 + 16 * Gprs.Count + 24 * Vrs.Count + Memory.Length;
        size = (size + 7) & ~7;
        var b = new byte[size];
        BinaryPrimitives.WriteUInt16BigEndian(b, (ushort)size);
        b[2] = (byte)Insn.Length;
        b[3] = (byte)((AfpOff ? 1 : 0) | (VectorOff ? 2 : 0));
        Insn.CopyTo(b, 4);
        b[10] = (byte)((Cc << 4) | ProgramMask);
        b[11] = (byte)Gprs.Count;
        b[12] = (byte)Vrs.Count;
        b[13] = (byte)MemoryOffset;
        BinaryPrimitives.WriteUInt16BigEndian(b.AsSpan(14), (ushort)Memory.Length);
        BinaryPrimitives.WriteUInt32BigEndian(b.AsSpan(16), Fpc);
        int o = 24;
        foreach (var (r, v) in Gprs) { b[o] = (byte)r; BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(o + 8), v); o += 16; }
        foreach (var (r, v) in Vrs) { b[o] = (byte)r; BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(o + 8), v.Hi); BinaryPrimitives.WriteUInt64BigEndian(b.AsSpan(o + 16), v.Lo); o += 24; }
        Memory.CopyTo(b, o);
        return b;
    }

    /// <summary>The initrd: "FPDIFF01", count, flags, then the records.</summary>
    public static byte[] File(IReadOnlyList<DiffCase> cases)
    {
        var ms = new MemoryStream();
        ms.Write("FPDIFF01"u8);
        Span<byte> h = stackalloc byte[8];
        BinaryPrimitives.WriteUInt32BigEndian(h, (uint)cases.Count);
        BinaryPrimitives.WriteUInt32BigEndian(h[4..], 0);
        ms.Write(h);
        foreach (var c in cases) ms.Write(c.Serialize());
        return ms.ToArray();
    }

    public override string ToString()
    {
        var s = new System.Text.StringBuilder();
        s.Append(Disassembler.Disassemble(Insn, 0).Mnemonic).Append(' ').Append(Disassembler.Disassemble(Insn, 0).Operands);
        s.Append($" [{Convert.ToHexString(Insn).ToLowerInvariant()}] cc={Cc} pm={ProgramMask:x} fpc={Fpc:x8}");
        if (AfpOff) s.Append(" afp=off");
        if (VectorOff) s.Append(" vx=off");
        foreach (var (r, v) in Gprs) s.Append($" g{r}={v:x16}");
        foreach (var (r, v) in Vrs) s.Append($" f{r}={v.Hi:x16}").Append(v.Lo != DefaultVrLo(r) ? $" l{r}={v.Lo:x16}" : "");
        if (Memory.Length > 0) s.Append($" mem+{MemoryOffset}={Convert.ToHexString(Memory).ToLowerInvariant()}");
        return s.ToString();
    }
}
