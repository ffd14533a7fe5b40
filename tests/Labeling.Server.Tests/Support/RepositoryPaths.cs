namespace Labeling.Server.Tests.Support;

/// <summary>Finds the server build and the shared corpus by walking up from the test binaries.</summary>
public static class RepositoryPaths
{
    public static string YouTubeSpamCorpus()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpora", "youtube-spam");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new DirectoryNotFoundException(
            $"shared/corpora/youtube-spam was not found above {AppContext.BaseDirectory}. Clone the repository next to a copy of shared/.");
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException($"Functions.sln was not found above {AppContext.BaseDirectory}.");
    }

    public static string ServerDll()
    {
        var dll = Path.Combine(ServerProject(), "bin", Configuration(), TargetFramework(), "Labeling.Server.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build the server first: {dll} is missing.", dll);
    }

    /// <summary>The server's project folder, src/Labeling.Server, for <c>dotnet run --project</c>.</summary>
    public static string ServerProject() => Path.Combine(RepositoryRoot(), "src", "Labeling.Server");

    // The test binaries sit in tests/Labeling.Server.Tests/bin/{Configuration}/{TargetFramework}/; the server was built alike.
    public static string Configuration() => TestBinaries().Parent!.Name;

    private static string TargetFramework() => TestBinaries().Name;

    private static DirectoryInfo TestBinaries() => new(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));

    public static string[] CorpusFiles() =>
        Directory.GetFiles(YouTubeSpamCorpus(), "*.csv").Order(StringComparer.Ordinal).ToArray();
}
