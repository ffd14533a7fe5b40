namespace Labeling.Application.Tests.Ingestion;

/// <summary>A fact that is skipped, saying why, when the YouTube spam corpus is not on this machine.</summary>
public sealed class YouTubeSpamCorpusFactAttribute : FactAttribute
{
    public YouTubeSpamCorpusFactAttribute()
    {
        if (YouTubeSpamCorpus.Directory is null)
        {
            Skip = "YouTube spam corpus not found: no shared/corpora/youtube-spam above " + AppContext.BaseDirectory;
        }
    }
}
