using Labeling.TestSupport;

namespace Labeling.Application.Tests.Ingestion;

/// <summary>
/// The YouTube Spam Collection in <c>shared/corpora/youtube-spam</c>, found by walking up from the
/// test binaries: locally it sits beside the repository's parent folder, in CI at <c>&lt;clone&gt;/../shared</c>.
/// </summary>
internal static class YouTubeSpamCorpus
{
    public static string Directory => RepositoryFiles.Shared("corpora", "youtube-spam");
}
