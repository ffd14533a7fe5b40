using System.Diagnostics;

namespace Labeling.Bench.Reporting;

/// <summary>Memory figures of the running process.</summary>
internal static class ProcessMemory
{
    /// <summary>The most physical memory the process has held so far, in bytes.</summary>
    public static long PeakWorkingSet()
    {
        using var process = Process.GetCurrentProcess();
        return process.PeakWorkingSet64;
    }

    /// <summary>Bytes on the managed heap right now (no collection forced).</summary>
    public static long ManagedHeap() => GC.GetTotalMemory(forceFullCollection: false);
}
