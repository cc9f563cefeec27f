using System.Runtime.InteropServices;
using S390Jit.Architecture.State;

namespace S390Jit.Execution.Jit;

/// <summary>
/// Measurement aid (S390JIT_CHAIN_AB=MS): compiled code's own chaining (<see cref="RegionEmitter"/>.EmitChain) is on and
/// off in alternating windows of MS milliseconds of wall time within one run; the vcpu thread's CPU time and guest
/// instructions are summed per setting and printed at exit ("chainab: ..."), so the machine's drift and load affect both
/// settings alike. Off by default: the dispatcher passes its mask through.
/// </summary>
public static class ChainAb
{
    private static readonly int s_window = int.TryParse(Environment.GetEnvironmentVariable("S390JIT_CHAIN_AB"), out int w) ? w : 0;
    private static long s_next;
    private static int s_mode;
    private static double s_lastCpu;
    private static ulong s_lastIns;
    private static readonly double[] s_cpu = new double[2];
    private static readonly ulong[] s_ins = new ulong[2];
    private static bool s_hooked;

    /// <summary>The mask compiled code chains under: the dispatcher's, or none in an "off" window.</summary>
    public static ulong Mask(Cpu cpu, ulong mask)
    {
        if (s_window <= 0) return mask;
        long now = Environment.TickCount64;
        if (now >= s_next)
        {
            double c = ThreadCpuMicroseconds();
            ulong n = cpu.Instructions;
            if (s_next != 0) { s_cpu[s_mode] += c - s_lastCpu; s_ins[s_mode] += n - s_lastIns; s_mode ^= 1; }
            s_lastCpu = c; s_lastIns = n; s_next = now + s_window;
            if (!s_hooked)
            {
                s_hooked = true;
                AppDomain.CurrentDomain.ProcessExit += (_, _) =>
                {
                    for (int m = 0; m < 2; m++)
                        Console.Error.WriteLine($"chainab: chaining {(m == 0 ? "on " : "off")}: {s_ins[m] / 1e6:F1} M insns in {s_cpu[m] / 1e3:F0} ms vcpu CPU: {s_ins[m] / Math.Max(s_cpu[m], 1):F1} M/s");
                };
            }
        }
        return s_mode == 0 ? mask : ulong.MaxValue;
    }

    [StructLayout(LayoutKind.Sequential)]
    private struct Timespec { public long Seconds, Nanoseconds; }

    [DllImport("libc", EntryPoint = "clock_gettime")]
    private static extern int ClockGetTime(int clock, out Timespec ts);

    private static double ThreadCpuMicroseconds() => ClockGetTime(3, out var ts) == 0 ? ts.Seconds * 1e6 + ts.Nanoseconds / 1e3 : 0;
}
