using Labeling.Application.Ingestion;
using Labeling.TestSupport;

namespace Labeling.Functions.Tests.EndToEnd;

/// <summary>
/// The UCI YouTube Spam Collection in ../shared: its five files (whole, or the first comments of each as
/// valid CSVs), and each comment's class by content hash, read with the app's own parser.
/// </summary>
public sealed class YouTubeSpamCorpus
{
    private YouTubeSpamCorpus(IReadOnlyList<(string Name, byte[] Content)> files, Dictionary<string, string> classes, int rows)
    {
        Files = files;
        Classes = classes;
        Rows = rows;
    }

    public IReadOnlyList<(string Name, byte[] Content)> Files { get; }

    /// <summary>spam or ham by content hash of the item text.</summary>
    public IReadOnlyDictionary<string, string> Classes { get; }

    /// <summary>Parsed comments before dedup.</summary>
    public int Rows { get; }

    /// <summary>Reads the corpus.</summary>
    /// <param name="commentsPerFile">Keep only the first this many comments of each file; null keeps all 1,956.</param>
    public static async Task<YouTubeSpamCorpus> LoadAsync(int? commentsPerFile)
    {
        var files = new List<(string, byte[])>();
        foreach (var path in Directory.GetFiles(RepositoryFiles.Shared("corpora", "youtube-spam"), "*.csv").Order(StringComparer.Ordinal))
        {
            var content = await File.ReadAllBytesAsync(path);
            files.Add((Path.GetFileName(path), commentsPerFile is { } n ? Head(content, n) : content));
        }

        var registry = DocumentParserRegistry.CreateDefault();
        var options = new IngestionOptions { TextColumn = "CONTENT" };
        var classes = new Dictionary<string, string>(StringComparer.Ordinal);
        var rows = 0;
        foreach (var (name, content) in files)
        {
            using var stream = new MemoryStream(content);
            await foreach (var item in registry.ParseAsync(name, stream, options))
            {
                rows++;
                var cls = item.Metadata.First(m => string.Equals(m.Key, "CLASS", StringComparison.OrdinalIgnoreCase)).Value;
                classes.TryAdd(ContentHash.OfText(item.Text), cls == "1" ? "spam" : "ham");
            }
        }

        return new YouTubeSpamCorpus(files, classes, rows);
    }

    private static byte[] Head(byte[] csv, int rows)
    {
        // Cut after the header and `rows` records, counting only line breaks outside quotes so that
        // comments with quoted line breaks stay whole ("" inside quotes toggles twice and cancels out).
        var quoted = false;
        var records = -1;
        for (var n = 0; n < csv.Length; n++)
        {
            if (csv[n] == (byte)'"')
            {
                quoted = !quoted;
            }
            else if (csv[n] == (byte)'\n' && !quoted && ++records == rows)
            {
                return csv[..(n + 1)];
            }
        }

        return csv;
    }

}
