using Xunit;

namespace Labeling.TestSupport;

/// <summary>
/// A fact about what only Linux gives the code under test (named pipes made with <c>mkfifo</c>, <c>statx</c> link counts,
/// <c>/proc/self/fd</c>), reported as skipped elsewhere rather than passing without checking anything.
/// </summary>
public sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "Linux only: the behaviour under test uses Linux file-system interfaces.";
        }
    }
}
