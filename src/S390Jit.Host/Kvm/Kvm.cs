using S390Jit.Architecture.Isa;
using S390Jit.Architecture.State;
using S390Jit.Memory;

namespace S390Jit.Host.Kvm;

/// <summary>What the CPU model offers a guest (QEMU's -cpu and KVM's facility lists).</summary>
public sealed class CpuModel
{
    /// <summary>Facility bits (STFLE numbering) the machine offers this guest.</summary>
    public SortedSet<int> Facilities { get; } = new(DefaultFacilities);
    /// <summary>QEMU's "ap" feature: AP instructions available to the guest (the VMM then enables APIE).</summary>
    public bool Ap { get; set; }
    /// <summary>CPU type for STIDP/STSI (z16 = 0x3931).</summary>
    public ushort CpuType { get; init; } = 0x3931;

    /// <summary>The facilities whose instructions the emulator implements (z196/zEC12 general instructions and the basics).</summary>
    public static readonly int[] DefaultFacilities =
    [
        Fac.N3, Fac.ZArchInstalled, Fac.ZArchActive, Fac.Stfle, Fac.ExtTranslation2, Fac.LongDisplacement,
        Fac.LongDisplacementHp, Fac.ExtendedImmediate, Fac.ExtTranslation3, Fac.Stckf, Fac.GeneralInstructionsExtension,
        Fac.ExecuteExtensions, Fac.Z196, Fac.MiscInstructionExtensions, Fac.LoadStoreOnCondition2,
    ];

    public ulong[] ToList(int doublewords = 4)
    {
        var l = new ulong[doublewords];
        foreach (int f in Facilities)
            if (f >> 6 < doublewords) l[f >> 6] |= 0x8000_0000_0000_0000UL >> (f & 63);
        return l;
    }
}

/// <summary>
/// The model of one KVM virtual machine (struct kvm): guest memory as a memslot, vcpus with their
/// SIE blocks, the facility lists, floating interruptions and the VM-wide host structures.
/// </summary>
public sealed class Kvm
{
    public const int FacListDoublewords = 4;

    /// <param name="hostAp">The host's AP bus; null on a host without AP instructions.</param>
    public Kvm(HostMemory host, ulong memoryBytes, CpuModel model, HostEvents events, global::S390Jit.Host.Crypto.ApBus? hostAp = null)
    {
        Host = host;
        Events = events;
        Model = model;
        Memory = new Memslot(host, 0, memoryBytes, "guest RAM");
        // fac_list lives in host memory below 2 GiB (the SIE FAC field is a 31-bit address)
        FacListAddress = host.KernelAlloc(FacListDoublewords * 8, 8);
        var list = model.ToList(FacListDoublewords);
        for (int i = 0; i < list.Length; i++) host.WriteU64(FacListAddress + (ulong)i * 8, list[i]);
        Floating = new FloatingInterrupts(this);
        Crypto = new KvmCrypto(this, hostAp);
    }

    public HostMemory Host { get; }
    public HostEvents Events { get; }
    public CpuModel Model { get; }
    public Memslot Memory { get; }
    public ulong FacListAddress { get; }
    public List<KvmVcpu> Vcpus { get; } = new();
    public FloatingInterrupts Floating { get; }

    /// <summary>
    /// Raised when the host model writes guest memory directly (SCLP responses, AP replies, DMA-like
    /// stores): the execution engine drops translations of code in that range.
    /// </summary>
    public event Action<ulong, ulong>? GuestMemoryWritten;

    /// <summary>Reports a direct host write into guest absolute storage [address, address+length).</summary>
    public void NotifyGuestMemoryWritten(ulong address, ulong length) => GuestMemoryWritten?.Invoke(address, length);
    /// <summary>CRYCB, APIE and the AP masks (kvm.arch.crypto).</summary>
    public KvmCrypto Crypto { get; }
    /// <summary>The VM name reported in STSI 3.2.2 (QEMU sets it from -name).</summary>
    public string Name { get; set; } = "KVMguest";

    public bool TestFacility(int bit) => (Host.ReadU64(FacListAddress + (ulong)(bit >> 6) * 8) & (0x8000_0000_0000_0000UL >> (bit & 63))) != 0;

    public KvmVcpu CreateVcpu(ushort cpuAddress)
    {
        var v = new KvmVcpu(this, cpuAddress);
        Crypto.VcpuSetup(v);
        Vcpus.Add(v);
        return v;
    }

    public KvmVcpu? VcpuByAddress(ulong address) => Vcpus.FirstOrDefault(v => v.Cpu.CpuAddress == address);
}
