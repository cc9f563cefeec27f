namespace S390Jit.Host;

/// <summary>
/// A loadable kernel module as far as the PQAP hook needs one (struct module): v7's hook record names
/// its owner, and KVM takes a reference on it (try_module_get) around the hook call; that fails once
/// the module is being unloaded, and KVM then answers "not supported" (spec 4.2 step 9).
/// </summary>
public sealed class KernelModule(string name)
{
    private int _refs;

    public string Name { get; } = name;
    /// <summary>References held (open mdevs, hook calls in flight).</summary>
    public int References => Volatile.Read(ref _refs);
    /// <summary>The module is going away (rmmod started): no new references.</summary>
    public bool Unloading { get; set; }

    /// <summary>try_module_get.</summary>
    public bool TryGet()
    {
        if (Unloading) return false;
        Interlocked.Increment(ref _refs);
        return true;
    }

    /// <summary>module_put.</summary>
    public void Put() => Interlocked.Decrement(ref _refs);

    public override string ToString() => Name;
}
