namespace Labeling.Bench.Tests;

/// <summary>The real data sets in <c>../shared/datasets</c> beside the repository, when present.</summary>
internal static class SharedDatasets
{
    public static string Root { get; } = Find();

    private static string Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "datasets");
            if (Directory.Exists(candidate)) return candidate;
        }
        return Path.Combine(AppContext.BaseDirectory, "shared", "datasets");
    }
}
