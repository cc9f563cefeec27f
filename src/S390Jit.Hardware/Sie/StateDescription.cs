using S390Jit.Memory;

namespace S390Jit.Hardware.Sie;

/// <summary>
/// The SIE state description (Linux: struct kvm_s390_sie_block), a 512-byte block in host memory
/// owned by the host model. Offsets follow the fields the specification names.
/// </summary>
public sealed class StateDescription
{
    public const int Size = 0x200;
    public const int CpuFlags = 0x00, Prefix = 0x04, CpuTimer = 0x28, ClockComparator = 0x30, Epoch = 0x38,
        Ictl = 0x48, Eca = 0x4C, IcptCode = 0x50, IcptStatus = 0x52, Ipa = 0x56, Ipb = 0x58, Ecb3 = 0x63,
        Gd = 0x70, GuestPsw = 0x90, Crycbd = 0xFC, GuestCr = 0x100, Fac = 0x1A0;
    /// <summary>ECA bits: adapter-interruption virtualization (GISA), AP instructions interpreted.</summary>
    public const uint EcaAiv = 0x0020_0000, EcaApie = 0x0000_0008;

    public StateDescription(HostMemory host, ulong address)
    {
        Host = host;
        Address = address;
    }

    public HostMemory Host { get; }
    /// <summary>Host physical address of the block.</summary>
    public ulong Address { get; }

    public uint Read32(int off) => Host.ReadU32(Address + (ulong)off);
    public void Write32(int off, uint v) => Host.WriteU32(Address + (ulong)off, v);
    public ulong Read64(int off) => Host.ReadU64(Address + (ulong)off);
    public void Write64(int off, ulong v) => Host.WriteU64(Address + (ulong)off, v);

    public byte InterceptCode { get => Host.ReadU8(Address + IcptCode); set => Host.WriteU8(Address + IcptCode, value); }
    public ushort InterceptIpa { get => Host.ReadU16(Address + Ipa); set => Host.WriteU16(Address + Ipa, value); }
    public uint InterceptIpb { get => Read32(Ipb); set => Write32(Ipb, value); }
    public uint ExecutionControlA { get => Read32(Eca); set => Write32(Eca, value); }
    public uint InterceptionControls { get => Read32(Ictl); set => Write32(Ictl, value); }
    public uint CrycbDesignation { get => Read32(Crycbd); set => Write32(Crycbd, value); }
    public uint GisaDesignation { get => Read32(Gd); set => Write32(Gd, value); }
    /// <summary>31-bit host address of the facility list STFLE reports to the guest.</summary>
    public uint FacilityList { get => Read32(Fac); set => Write32(Fac, value); }
    public ulong GuestPswMask => Read64(GuestPsw);
    public ulong GuestPswAddress => Read64(GuestPsw + 8);
}
