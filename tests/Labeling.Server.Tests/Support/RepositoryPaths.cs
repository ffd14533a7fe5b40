using Labeling.TestSupport;

namespace Labeling.Server.Tests.Support;

/// <summary>Finds the server build and the shared corpus by walking up from the test binaries.</summary>
public static class RepositoryPaths
{
    public static string YouTubeSpamCorpus() => RepositoryFiles.Shared("corpora", "youtube-spam");

    public static string RepositoryRoot() => RepositoryFiles.Root();

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
