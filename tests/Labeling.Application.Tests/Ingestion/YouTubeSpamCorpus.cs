namespace Labeling.Application.Tests.Ingestion;

/// <summary>
/// The YouTube Spam Collection in <c>shared/corpora/youtube-spam</c>, found by walking up from the
/// test binaries: locally it sits beside the repository's parent folder, in CI at <c>&lt;clone&gt;/../shared</c>.
/// </summary>
internal static class YouTubeSpamCorpus
{
    public static string? Directory { get; } = Find();

    private static string? Find()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "shared", "corpora", "youtube-spam");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }
}
