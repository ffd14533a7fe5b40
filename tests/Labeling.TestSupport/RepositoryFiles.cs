namespace Labeling.TestSupport;

/// <summary>
/// Finds the repository the tests were built from, and the <c>shared/</c> folder beside it, by walking up from the test
/// binaries: locally the repository sits inside the folder that holds <c>shared/</c>, in CI the clone sits next to a copy.
/// </summary>
public static class RepositoryFiles
{
    /// <summary>The text of a file, by its path from the repository's root.</summary>
    /// <param name="path">The path's parts, e.g. "infra", "app", "cosmos.bicep".</param>
    /// <returns>The file's text.</returns>
    public static string ReadAllText(params string[] path) => File.ReadAllText(Path.Combine(Root(), Path.Combine(path)));

    /// <summary>The repository's root: the first folder above the test binaries that holds <c>Functions.sln</c>.</summary>
    /// <returns>Its full path.</returns>
    public static string Root() =>
        Above(dir => File.Exists(Path.Combine(dir, "Functions.sln")))
        ?? throw new DirectoryNotFoundException($"Functions.sln was not found above {AppContext.BaseDirectory}.");

    /// <summary>A folder of <c>shared/</c> (a corpus, the data sets), which the tests that read it need: they fail without it, saying so.</summary>
    /// <param name="path">The path's parts under <c>shared/</c>, e.g. "corpora", "youtube-spam".</param>
    /// <returns>Its full path.</returns>
    public static string Shared(params string[] path)
    {
        var relative = Path.Combine(["shared", .. path]);
        var above = Above(dir => Directory.Exists(Path.Combine(dir, relative)));
        return above is null
            ? throw new DirectoryNotFoundException($"{relative.Replace('\\', '/')} was not found above {AppContext.BaseDirectory}. Clone the repository next to a copy of shared/.")
            : Path.Combine(above, relative);
    }

    private static string? Above(Func<string, bool> holds)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (holds(dir.FullName))
            {
                return dir.FullName;
            }
        }

        return null;
    }
}
