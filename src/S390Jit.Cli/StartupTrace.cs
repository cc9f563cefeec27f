using System.Diagnostics;

namespace S390Jit.Cli;

/// <summary>
/// S390JIT_STARTUP_TRACE=1: one stderr line per start-up phase, milliseconds since the process started
/// (the runtime's own start-up is the first line's figure), the process's CPU time (every thread: user + system),
/// and the methods RyuJIT compiled so far with the time it took (ReadyToRun code is not counted). Off, it costs
/// one environment read.
/// </summary>
internal static class StartupTrace
{
    public static readonly bool Enabled = Environment.GetEnvironmentVariable("S390JIT_STARTUP_TRACE") is "1";
    private static readonly DateTime s_processStart = Enabled ? Process.GetCurrentProcess().StartTime.ToUniversalTime() : default;
    private static double s_last, s_lastCpu, s_lastJitMs;
    private static long s_lastJitted;

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        double now = (DateTime.UtcNow - s_processStart).TotalMilliseconds;
        var usage = Environment.CpuUsage;
        double cpu = (usage.UserTime + usage.PrivilegedTime).TotalMilliseconds;
        long jitted = System.Runtime.JitInfo.GetCompiledMethodCount();
        double jitMs = System.Runtime.JitInfo.GetCompilationTime().TotalMilliseconds;
        Console.Error.WriteLine($"startup: {now,8:F1} ms  (+{now - s_last,7:F1})  cpu +{cpu - s_lastCpu,6:F1} ms  " +
                                $"jit +{jitted - s_lastJitted,4} methods +{jitMs - s_lastJitMs,5:F1} ms  {phase}");
        s_last = now;
        s_lastCpu = cpu;
        s_lastJitted = jitted;
        s_lastJitMs = jitMs;
    }
}
