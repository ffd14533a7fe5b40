namespace Labeling.Adapters.Local.Tests;

/// <summary>A fact about Unix file modes, skipped (saying why) on Windows, where files have access lists instead.</summary>
public sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "Unix file modes only; Windows keeps access lists.";
        }
    }
}
