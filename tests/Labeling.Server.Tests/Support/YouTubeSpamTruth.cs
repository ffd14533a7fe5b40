using Labeling.Application.Ingestion;

namespace Labeling.Server.Tests.Support;

/// <summary>The corpus's known classes, keyed by the content hash of each item's text, read with the same parser the server uses.</summary>
public sealed class YouTubeSpamTruth
{
    private YouTubeSpamTruth(Dictionary<string, string> classes, int rows)
    {
        Classes = classes;
        Rows = rows;
    }

    /// <summary>spam or ham by content hash of the item text.</summary>
    public IReadOnlyDictionary<string, string> Classes { get; }

    /// <summary>Parsed items before dedup.</summary>
    public int Rows { get; }

    public static async Task<YouTubeSpamTruth> LoadAsync()
    {
        var registry = DocumentParserRegistry.CreateDefault();
        var options = new IngestionOptions { TextColumn = "CONTENT" };
        var classes = new Dictionary<string, string>(StringComparer.Ordinal);
        var rows = 0;
        foreach (var file in RepositoryPaths.CorpusFiles())
        {
            await using var stream = File.OpenRead(file);
            await foreach (var item in registry.ParseAsync(Path.GetFileName(file), stream, options))
            {
                rows++;
                var cls = item.Metadata.First(m => string.Equals(m.Key, "CLASS", StringComparison.OrdinalIgnoreCase)).Value;
                classes.TryAdd(ContentHash.OfText(item.Text), cls == "1" ? "spam" : "ham");
            }
        }

        return new YouTubeSpamTruth(classes, rows);
    }
}
