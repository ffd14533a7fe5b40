using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class YouTubeSpamCorpusTests
{
    private static string[] Files() =>
        System.IO.Directory.GetFiles(YouTubeSpamCorpus.Directory, "*.csv").Order(StringComparer.Ordinal).ToArray();

    [Fact]
    public async Task ParseAsync_AllFiveFilesWithContentColumn_Exactly1956Comments()
    {
        var registry = DocumentParserRegistry.CreateDefault();
        var options = Options(o =>
        {
            o.TextColumn = "content";
            o.IdColumn = "COMMENT_ID";
        });
        var items = new List<ParsedItem>();

        foreach (var file in Files())
        {
            await using var stream = File.OpenRead(file);
            items.AddRange(await CollectAsync(registry.ParseAsync(Path.GetFileName(file), stream, options)));
        }

        Assert.Equal(5, Files().Length);
        Assert.Equal(1956, items.Count);
        Assert.Equal(1005, items.Count(i => i.Metadata["CLASS"] == "1"));
        Assert.Equal(1953, items.Select(i => i.ExternalId).Distinct().Count());
        Assert.All(items, i => Assert.False(string.IsNullOrWhiteSpace(i.Text)));
    }

    [Fact]
    public async Task ParseAsync_DefaultTextColumn_RejectedListingTheRealColumns()
    {
        var file = Files()[0];
        await using var stream = File.OpenRead(file);

        var rejected = await Assert.ThrowsAsync<DocumentRejectedException>(() =>
            CollectAsync(new CsvDocumentParser().ParseAsync(Path.GetFileName(file), stream, Options())));

        Assert.Equal(
            "CSV has no column 'text'; columns present: COMMENT_ID, AUTHOR, DATE, CONTENT, CLASS. Set Ingestion:TextColumn.",
            rejected.Reason);
    }
}
