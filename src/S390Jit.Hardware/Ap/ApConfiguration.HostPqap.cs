using S390Jit.Architecture.State;
using S390Jit.Hardware.Tracing;

namespace S390Jit.Hardware.Ap;

// PQAP issued by the host kernel on its own processors (natively, not under SIE): Linux's ap_aqic,
// ap_tapq and ap_zapq, which vfio_ap uses on the queues it owns.
public sealed partial class ApConfiguration
{
    /// <summary>AQIC qirqctrl: IR (enable) bit.</summary>
    public const ulong AqicIr = 0x0000_8000_0000_0000UL;
    private const int FcTapq = 0, FcZapq = 2, FcAqic = 3;

    /// <summary>
    /// PQAP(AQIC) issued by the host (spec 1.8, 5.4 step 6): <paramref name="qirqctrl"/> with IR, GISC, the
    /// GISA origin (bits 33-59; 0: native) and the ISC (with a GISA: the NISC of the GIB alert);
    /// <paramref name="nib"/> is a host physical address of <paramref name="machine"/>, the machine the
    /// issuing host runs on. Enable: RC 0x07 if already enabled, 0x08 if the GISA field designates no live
    /// storage of that machine, 0x06 if the NIB is not backed. The I bit flips at once on enable; on
    /// disable it may stay visible for <see cref="ApQueue.IrqDisableLagTapqs"/> TAPQs.
    /// </summary>
    public uint HostAqic(ushort apqn, ulong qirqctrl, ulong nib, HostMachine? machine, IMachineContext ctx)
    {
        var q = HostQueue(apqn);
        bool ir = (qirqctrl & AqicIr) != 0;
        uint status = Issue(q, FcAqic, ctx, now =>
        {
            if (!ir)
            {
                q.DisableIrq(lag: true);
                return q.Status(now);
            }
            if (q.IrqEnabled) return q.Status(now, ApStatus.OtherwiseChanged);
            ulong origin = qirqctrl & 0x7FFF_FFF0UL;
            if (origin != 0 && (machine == null || !machine.Memory.IsLive(origin, 16))) return q.Status(now, ApStatus.InvalidGisa);
            if (machine == null || !machine.Memory.IsBacked(nib)) return q.Status(now, ApStatus.InvalidAddress);
            q.EnableIrq(nib, (byte)(qirqctrl & 7), (byte)((qirqctrl >> 40) & 7), origin != 0 ? machine.Aiv : null, origin, now);
            return q.Status(now);
        });
        ctx.Emit(MachineTrace.ApAqic, (q.Name, ir, qirqctrl, nib, status), ApFirmware.PqapCycles);
        return status;
    }

    /// <summary>PQAP(TAPQ) issued by the host (vfio_ap polling the I and E bits).</summary>
    public uint HostTapq(ushort apqn, IMachineContext ctx)
    {
        var q = HostQueue(apqn);
        uint status = Issue(q, FcTapq, ctx, now => q.Status(now));
        ctx.Emit(MachineTrace.ApTapq, (q.Name, status), ApFirmware.PqapCycles);
        return status;
    }

    /// <summary>PQAP(ZAPQ) issued by the host: the host waits for the reset, so it is complete on return (RC 0).</summary>
    public uint HostZapq(ushort apqn, IMachineContext ctx)
    {
        var q = HostQueue(apqn);
        uint status = Issue(q, FcZapq, ctx, now =>
        {
            q.Reset(zeroize: true, doneCycle: 0);
            return q.Status(now);
        });
        ctx.Emit(MachineTrace.ApZapq, (q.Name, status), ApFirmware.PqapCycles);
        return status;
    }

    private ApQueue HostQueue(ushort apqn) => Queue(apqn) ?? throw new InvalidOperationException($"no AP queue {Apqn.Name(apqn)} in the configuration");

    /// <summary>
    /// One host-issued PQAP: its cost, then under the queue lock an injected response (fault injection), the
    /// checks every function makes before looking at the queue (deconfigured, check-stopped, reset in
    /// progress), else the function itself.
    /// </summary>
    private static uint Issue(ApQueue q, int fc, IMachineContext ctx, Func<ulong, uint> function)
    {
        ctx.Charge(ApFirmware.PqapCycles);
        lock (q)
        {
            ulong now = ctx.Now;
            byte rc = HostCheck(q, now);
            uint status = q.TryTakeInjected(fc, out byte injected) ? HostStatus(q, now, injected)
                : rc != ApStatus.Normal ? HostStatus(q, now, rc)
                : function(now);
            if (fc == FcTapq) q.TapqObserved();
            return status;
        }
    }

    /// <summary>The response code a host-issued function gets before looking at the queue's state (0: none).</summary>
    private static byte HostCheck(ApQueue q, ulong now)
    {
        if (!q.Adapter.Configured) return ApStatus.Deconfigured;
        if (q.Adapter.Checkstopped) return ApStatus.Checkstopped;
        if (q.ResetInProgress(now)) return ApStatus.ResetInProgress;
        return ApStatus.Normal;
    }

    private static uint HostStatus(ApQueue q, ulong now, byte rc) =>
        rc is ApStatus.Deconfigured or ApStatus.Checkstopped ? ApStatus.Make(rc) : q.Status(now, rc);
}
