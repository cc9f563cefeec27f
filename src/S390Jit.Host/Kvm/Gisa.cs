using S390Jit.Architecture.State;
using S390Jit.Hardware;
using S390Jit.Hardware.Aiv;
using S390Jit.Hardware.Tracing;

namespace S390Jit.Host.Kvm;

/// <summary>
/// KVM's management of one VM's guest interruption state area (spec 6.1, 6.3, 6.4 host side; Linux's
/// kvm_s390_gisa_interrupt in interrupt.c). The GISA itself lives in host memory below 2 GiB (KVM's
/// sie_page2 + 0x900); its first doubleword (<see cref="GisaWord"/>: next-alert, IPM, IAM) is what the
/// machine, the SIE and the host change concurrently, only ever with compare-and-swap. Format 0 is 16
/// bytes, format 1 32 bytes (the zPCI AIS masks and counters are not used by AP); the GD the SIE block
/// carries is origin | 1 for format 1.
/// <para>
/// KVM's side: the GISC registration API vfio_ap uses (reference count per guest ISC; the VM's alert mask
/// is the set of registered ISCs; the IAM follows it while the GISA is off the alert list), the per-VM
/// kicker timer that wakes one idle vcpu able to take a pending ISC and restores the IAM once nothing
/// relevant is pending, KVM's own delivery (test-and-clear of IPM bits) and GISA destroy. The machine's
/// side (posting a reply notification: NIB byte, IPM bit, alert) is the machine's
/// (<see cref="AivFacility"/>).
/// </para>
/// </summary>
public sealed unsafe class Gisa
{
    /// <summary>Offset of the GISA in KVM's sie_page2.</summary>
    public const int SiePage2Offset = 0x900;
    /// <summary>The kicker re-arms itself after 50 microseconds while interruptions stay pending.</summary>
    public const ulong KickerMicroseconds = 50;
    /// <summary>Modelled costs: GISC (un)registration, one kicker run.</summary>
    public const ulong GiscCycles = 150, KickerCycles = 300;

    private readonly GisaWord _word;
    private readonly int[] _refs = new int[8];
    private readonly object _lock = new();

    internal Gisa(KvmVm kvm, ulong origin, int format, Gib gib)
    {
        if ((origin & 0xF) != 0 || origin >= 0x8000_0000) throw new ArgumentException("a GISA is 16-byte aligned below 2 GiB");
        Kvm = kvm;
        Origin = origin;
        Format = format;
        Gib = gib;
        _word = new GisaWord((long*)kvm.Host.Pointer(origin, (ulong)Size));
        Clear();
        gib.Add(this);
    }

    public KvmVm Kvm { get; }
    public Gib Gib { get; }
    /// <summary>Host physical address of the GISA.</summary>
    public ulong Origin { get; }
    /// <summary>0 or 1.</summary>
    public int Format { get; }
    public int Size => Format == 1 ? GisaWord.Format1Size : GisaWord.Format0Size;
    /// <summary>The GISA designation for the SIE block (GD): origin | 1 for format 1.</summary>
    public uint Designation => (uint)Origin | (Format == 1 ? 1u : 0u);
    /// <summary>KVM's gi->alert.mask: the ISCs some registration needs alerts for.</summary>
    public byte AlertMask { get; private set; }
    /// <summary>When the kicker timer fires next (MaxValue: not armed).</summary>
    public ulong KickerCycle { get; internal set; } = ulong.MaxValue;
    public bool Destroyed { get; private set; }

    public int RefCount(int gisc) { lock (_lock) return (uint)gisc < 8 ? _refs[gisc] : 0; }
    public int TotalReferences
    {
        get
        {
            lock (_lock)
            {
                int sum = 0;
                foreach (int r in _refs) sum += r; // (no LINQ Sum over int: code RyuJIT compiles at every start)
                return sum;
            }
        }
    }

    // ---- the first doubleword ---------------------------------------------------------------------

    public uint NextAlert => _word.NextAlert;
    public byte Ipm => _word.Ipm;
    public byte Iam => _word.Iam;
    /// <summary>The GISA is on the GIB alert list (its next-alert word is not its own origin).</summary>
    public bool OnAlertList => _word.OnAlertList(Origin);

    internal void SetNextAlert(uint value) => _word.SetNextAlert(value);

    /// <summary>gisa_set_iam: IAM := <paramref name="iam"/>, only while the GISA is not on the alert list.</summary>
    private bool SetIam(byte iam)
    {
        while (true)
        {
            ulong w = _word.Value;
            if ((uint)(w >> 32) != (uint)Origin) return false;
            if (_word.CompareAndSwap(w, (w & ~0xFFUL) | iam)) return true;
        }
    }

    /// <summary>
    /// gisa_get_ipm_or_restore_iam: the IPM bits in the alert mask; when there are none, IAM := alert
    /// mask in the same atomic update (so an alert can be raised again).
    /// </summary>
    public byte GetIpmOrRestoreIam()
    {
        while (true)
        {
            ulong w = _word.Value;
            byte pending = (byte)((w >> 24) & AlertMask);
            if (pending != 0) return pending;
            if ((byte)w == AlertMask) return 0;
            if (_word.CompareAndSwap(w, (w & ~0xFFUL) | AlertMask)) return 0;
        }
    }

    /// <summary>KVM's delivery path: atomically clears the IPM bit of <paramref name="isc"/>; true if it was set.</summary>
    public bool TestAndClearIpm(int isc) => _word.TestAndClearIpm(isc);

    /// <summary>VM reset / clear of floating interruptions: IPM := 0.</summary>
    public void ClearIpm()
    {
        while (true)
        {
            ulong w = _word.Value;
            if (_word.CompareAndSwap(w, w & ~0xFF00_0000UL)) return;
        }
    }

    /// <summary>gisa_clear: zeroes the GISA, next-alert = own origin (not on any list).</summary>
    private void Clear()
    {
        Kvm.Host.Span(Origin, Size).Clear();
        SetNextAlert((uint)Origin);
    }

    // ---- GISC registration (6.3) ------------------------------------------------------------------

    /// <summary>What register and unregister check first (after their cost): a destroyed GISA (-ENODEV), an ISC above 7 (-ERANGE); 0: fine.</summary>
    private int CheckGisc(int gisc, HostContext ctx, TraceEvent<(int, int, int, byte, byte)> e, string op)
    {
        ctx.Charge(GiscCycles);
        if (Destroyed) { Kvm.UseAfterFree(ctx, $"gisc {op} on the destroyed GISA 0x{Origin:x}"); return -Errno.ENODEV; }
        if ((uint)gisc > 7) { ctx.Emit(e, (gisc, -Errno.ERANGE, 0, (byte)0, (byte)0), GiscCycles); return -Errno.ERANGE; }
        return 0;
    }

    /// <summary>kvm_s390_gisc_register: returns the NISC (5) or -ENODEV / -ERANGE.</summary>
    public int RegisterGisc(int gisc, HostContext ctx)
    {
        if (CheckGisc(gisc, ctx, KvmTrace.GiscRegister, "register") is var err and < 0) return err;
        int refs;
        lock (_lock)
        {
            refs = ++_refs[gisc];
            if (refs == 1)
            {
                AlertMask |= (byte)(0x80 >> gisc);
                SetIam(AlertMask);
            }
        }
        ctx.Emit(KvmTrace.GiscRegister, (gisc, (int)Gib.Nisc, refs, AlertMask, Iam), GiscCycles);
        return Gib.Nisc;
    }

    /// <summary>kvm_s390_gisc_unregister: 0, or -ENODEV / -ERANGE / -EINVAL (not registered).</summary>
    public int UnregisterGisc(int gisc, HostContext ctx)
    {
        if (CheckGisc(gisc, ctx, KvmTrace.GiscUnregister, "unregister") is var err and < 0) return err;
        int refs;
        lock (_lock)
        {
            if (_refs[gisc] == 0) refs = -1;
            else
            {
                refs = --_refs[gisc];
                if (refs == 0)
                {
                    AlertMask &= (byte)~(0x80 >> gisc);
                    SetIam(AlertMask);
                }
            }
        }
        if (refs < 0) { ctx.Emit(KvmTrace.GiscUnregister, (gisc, -Errno.EINVAL, 0, (byte)0, (byte)0), GiscCycles); return -Errno.EINVAL; }
        ctx.Emit(KvmTrace.GiscUnregister, (gisc, 0, refs, AlertMask, Iam), GiscCycles);
        return 0;
    }

    // ---- KVM's kicker (6.4 host side) ---------------------------------------------------------------

    /// <summary>hrtimer_start(gi->timer, 0): the kicker runs at the next opportunity.</summary>
    internal void StartKicker(ulong now) => KickerCycle = now;

    /// <summary>
    /// gisa_vcpu_kicker: pending := IPM ∧ alert mask; nothing pending: IAM restored, timer stopped;
    /// else one idle vcpu whose PSW I/O bit is on and whose CR6 enables a pending ISC is woken (none
    /// if the first such vcpu was kicked but has not run yet) and the timer re-arms in 50 us.
    /// </summary>
    public void RunKicker(HostContext ctx)
    {
        KickerCycle = ulong.MaxValue;
        ctx.Charge(KickerCycles);
        byte pending = GetIpmOrRestoreIam();
        if (pending == 0)
        {
            ctx.Emit(KvmTrace.GisaKick, (Origin, pending, Iam, "", 0UL), KickerCycles);
            return;
        }
        string what = "no idle vcpu is enabled for it";
        foreach (var v in Kvm.Vcpus)
        {
            if (!v.IsIdle || (v.Cpu.PswMask & Psw.Io) == 0) continue;
            if ((pending & (byte)(v.Cpu.Cr[6] >> 24)) == 0) continue;
            if (v.KickPending) { what = $"vcpu {v.Cpu.CpuAddress} was kicked and has not run yet"; break; }
            v.Wakeup();
            what = $"woke vcpu {v.Cpu.CpuAddress}";
            break;
        }
        KickerCycle = ctx.Now + KickerMicroseconds * ctx.Mhz;
        ctx.Emit(KvmTrace.GisaKick, (Origin, pending, Iam, what, KickerCycle), KickerCycles);
    }

    // ---- destroy ----------------------------------------------------------------------------------

    /// <summary>
    /// kvm_s390_gisa_destroy (with the 2023 fix): an alert mask left non-zero is reported; alert mask
    /// and IAM are forced to 0 (late interruptions cannot queue it again), the alert list is processed
    /// until this GISA is off it, the kicker is cancelled and the GISA is gone.
    /// </summary>
    internal void Destroy(HostContext ctx)
    {
        if (Destroyed) return;
        if (AlertMask != 0) ctx.Emit(KvmTrace.GisaUnexpectedIam, (Origin, AlertMask, TotalReferences));
        lock (_lock)
        {
            AlertMask = 0;
            while (true)
            {
                ulong w = _word.Value;
                if (_word.CompareAndSwap(w, w & ~0xFFUL)) break;
            }
        }
        while (OnAlertList) Gib.ProcessAlertList(ctx);
        KickerCycle = ulong.MaxValue;
        Gib.Remove(this);
        Destroyed = true;
        ctx.Emit(KvmTrace.GisaDestroy, (Origin, Format));
    }

    public override string ToString() => $"GISA 0x{Origin:x} (format {Format})";
}
