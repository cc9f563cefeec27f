namespace S390Jit.Host;

/// <summary>
/// Literal behaviours of the v7 series (and of 5.3 upstream) that later fixes changed, each behind
/// one switch (spec ../shared/spec/ap-aqic.md). The default (every switch off) is the model: v7's
/// design with the mainline fixes the specification marks "ALSO MODEL". One switch is the other way
/// round: the "no hook" GR1 value is literal by default, because every mainline version stores it so
/// (spec 4.4); <see cref="NoHookGr1Intended"/> selects the architecturally intended value.
/// </summary>
public sealed record HostQuirks
{
    public static readonly HostQuirks None = new();

    /// <summary>4.4: no hook installed: GR1 = 0x0000000000010000 instead of the literal 0x00010000 in bits 0-31 (bits 32-63 unchanged).</summary>
    public bool NoHookGr1Intended { get; init; }
    /// <summary>4.3: v7..2023: a hook call that ends with RC 0 leaves the guest's condition code unchanged (fix: cc 0).</summary>
    public bool V7CcUnchanged { get; init; }
    /// <summary>2.3: v7: facility 65 is offerable whenever the host has it (model: only with AIV, i.e. a GISA).</summary>
    public bool V7Facility65 { get; init; }
    /// <summary>4.2 step 3: v7 warns once when a PQAP other than AQIC is intercepted (removed in 2020).</summary>
    public bool V7PqapWarning { get; init; }
    /// <summary>5.4 step 5: v7 takes the host AQIC's GISA field from the GISA's next-alert word (wrong while the GISA is on the alert list).</summary>
    public bool V7GisaFromNextAlert { get; init; }
    /// <summary>5.4 step 7c: upstream keeps the new pin and GISC registration when the host AQIC fails (a leak; model: released).</summary>
    public bool UpstreamLeakOnEnableError { get; init; }
    /// <summary>5.5: v7 irq-disable: one AQIC, up to 10 TAPQ polls on RC 0 only, resources kept unless I cleared.</summary>
    public bool V7IrqDisable { get; init; }
    /// <summary>5.2: v7 DMA-unmap notifier: unpins the one page at iova and keeps saved_pfn (a later double unpin).</summary>
    public bool V7DmaUnmap { get; init; }
    /// <summary>5.2: v7 queue remove: frees the record without reset, leaking its pin and GISC registration.</summary>
    public bool V7QueueRemove { get; init; }
    /// <summary>5.2: 5.3's SET_KVM(null): forgets the KVM only (reference leaked, hook left installed, queues not reset).</summary>
    public bool V53SetKvmNull { get; init; }
    /// <summary>5.2: upstream's mdev open failing at the IOMMU notifier keeps the KVM reference and hook SET_KVM took.</summary>
    public bool UpstreamOpenFailLeak { get; init; }

    /// <summary>The switches by their command-line names (--quirk NAME).</summary>
    public static readonly IReadOnlyDictionary<string, Func<HostQuirks, HostQuirks>> ByName = new Dictionary<string, Func<HostQuirks, HostQuirks>>(StringComparer.Ordinal)
    {
        ["nohook-gr1-intended"] = q => q with { NoHookGr1Intended = true },
        ["v7-cc"] = q => q with { V7CcUnchanged = true },
        ["v7-fac65"] = q => q with { V7Facility65 = true },
        ["v7-pqap-warning"] = q => q with { V7PqapWarning = true },
        ["v7-gisa-next-alert"] = q => q with { V7GisaFromNextAlert = true },
        ["upstream-enable-leak"] = q => q with { UpstreamLeakOnEnableError = true },
        ["v7-irq-disable"] = q => q with { V7IrqDisable = true },
        ["v7-dma-unmap"] = q => q with { V7DmaUnmap = true },
        ["v7-queue-remove"] = q => q with { V7QueueRemove = true },
        ["v53-set-kvm-null"] = q => q with { V53SetKvmNull = true },
        ["upstream-open-fail-leak"] = q => q with { UpstreamOpenFailLeak = true },
    };

    /// <summary>The names of the switches that are on (a switch is on when turning it on changes nothing).</summary>
    public IEnumerable<string> Names => ByName.Keys.Where(n => ByName[n](this) == this).Order(StringComparer.Ordinal);
}
