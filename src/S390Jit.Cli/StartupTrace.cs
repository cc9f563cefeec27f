using System.Diagnostics;

namespace S390Jit.Cli;

/// <summary>
/// S390JIT_STARTUP_TRACE=1: one stderr line per start-up phase, milliseconds since the process started
/// (the runtime's own start-up is the first line's figure), the process's CPU time (every thread: user + system),
/// and the methods RyuJIT compiled so far with the time it took (ReadyToRun code is not counted). Off, it costs
/// one environment read. S390JIT_STARTUP_TRACE=asm also prints each assembly as it is loaded, with the stack that
/// loaded it (what pulled it onto the run's path).
/// </summary>
internal static class StartupTrace
{
    private static readonly string? s_mode = Environment.GetEnvironmentVariable("S390JIT_STARTUP_TRACE");
    public static readonly bool Enabled = s_mode is "1" or "asm";
    private static readonly DateTime s_processStart = Enabled ? Process.GetCurrentProcess().StartTime.ToUniversalTime() : default;
    private static double s_last, s_lastCpu, s_lastJitMs;
    private static long s_lastJitted;
    private static bool s_hooked;

    public static void Mark(string phase)
    {
        if (!Enabled) return;
        if (s_mode == "asm" && !s_hooked)
        {
            s_hooked = true;
            AppDomain.CurrentDomain.AssemblyLoad += (_, e) =>
                Console.Error.WriteLine($"startup: assembly {e.LoadedAssembly.GetName().Name} loaded from{Environment.NewLine}{new StackTrace(false)}");
        }
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
