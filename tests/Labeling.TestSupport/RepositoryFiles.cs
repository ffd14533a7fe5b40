namespace Labeling.TestSupport;

/// <summary>Reads a file of the repository the tests were built from, found by walking up from the test binaries.</summary>
public static class RepositoryFiles
{
    /// <summary>The text of a file, by its path from the repository's root.</summary>
    /// <param name="path">The path's parts, e.g. "infra", "app", "cosmos.bicep".</param>
    /// <returns>The file's text.</returns>
    public static string ReadAllText(params string[] path)
    {
        var relative = Path.Combine(path);
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate))
            {
                return File.ReadAllText(candidate);
            }
        }

        throw new FileNotFoundException($"No {relative} above {AppContext.BaseDirectory}.", relative);
    }
}
