using System.Text;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Labeling.Application.Tests.UseCases;
using Labeling.Domain.Documents;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

/// <summary>
/// Inputs a review of the ingestion found mishandled: text that differs only in its Unicode form, JSON with a byte or an
/// escape that is not text, files joined with their byte-order marks, HTML a browser never shows, invisible cells.
/// </summary>
public sealed class IngestionReviewTests : IDisposable
{
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Ingest_LongCommentComposedThenDecomposed_AddsNoItems()
    {
        // Over the item limit, the text was cut before NFC: the composed copy (2,499 characters) and the decomposed one
        // (2,999) were cut at different places, no part matched, and four items were stored instead of two.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var comment = string.Concat(Enumerable.Repeat("café ", 500)).Trim();

        var first = await _harness.IngestAsync("spam", "nfc.csv", "text\n" + comment + "\n");
        var second = await _harness.IngestAsync("spam", "nfd.csv", "text\n" + comment.Normalize(NormalizationForm.FormD) + "\n");

        Assert.Equal(2, first.Document.ItemCount);
        Assert.Equal(0, second.Document.ItemCount);
        Assert.Equal(2, await _harness.ScalarAsync("SELECT COUNT(*) FROM items"));
    }

    [Fact]
    public async Task Ingest_JsonArrayWithOneLatin1Byte_IngestedWithANoteAsTheSameJsonl()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var json = Encoding.UTF8.GetBytes("[{\"text\":\"caf_\"}" + string.Concat(Enumerable.Range(0, 300).Select(i => $",{{\"text\":\"comment {i}\"}}")) + "]");
        json[Array.IndexOf(json, (byte)'_')] = 0xE9;

        var result = await _harness.IngestAsync("spam", "comments.json", json);

        Assert.True(result.Document.Status == DocumentStatus.Ingested, result.Document.Reason);
        Assert.Equal(301, result.Document.ItemCount);
        Assert.Contains("could not be read", result.Document.Reason ?? "(no note)", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("comments.jsonl", "{\"text\":\"fine\"}\n{\"text\":\"cut emoji \\ud83d\"}\n{\"text\":\"also fine\"}\n")]
    [InlineData("comments.json", "[{\"text\":\"fine\"},{\"text\":\"cut emoji \\ud83d\"},{\"text\":\"also fine\"}]")]
    [InlineData("comments.jsonl", "{\"text\":\"fine\"}\n{\"text\":\"cut emoji \\udc00 low\"}\n{\"text\":\"also fine\"}\n")]
    public async Task Ingest_JsonWithALoneSurrogateEscape_ReadsItAsAnUnreadableCharacter(string fileName, string content)
    {
        // Python's json.dumps writes a tweet cut in the middle of an emoji this way; the whole file was quarantined with a
        // reason naming neither the line nor the cause.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());

        var result = await _harness.IngestAsync("spam", fileName, content);

        Assert.True(result.Document.Status == DocumentStatus.Ingested, result.Document.Reason);
        Assert.Equal(3, result.Document.ItemCount);
        var texts = (await _harness.Get<IItemStore>().ListAsync("spam", null, null, 10, CancellationToken.None)).Select(i => i.Text);
        Assert.Single(texts, t => t.StartsWith("cut emoji \uFFFD", StringComparison.Ordinal));
        Assert.Contains("could not be read", result.Document.Reason ?? "(no note)", StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t")]
    public async Task Ingest_ProjectWhoseTextColumnIsBlank_QuarantinedNamingTheSetting(string column)
    {
        // The project's settings accept a blank textColumn, and the parser's option check threw ArgumentException: every
        // upload to the project failed with a server error and every inbox file was retried until poisoned.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject() with { TextColumn = column });

        var result = await _harness.IngestAsync("spam", "comments.csv", "text\nhello\n");

        Assert.Equal(DocumentStatus.Quarantined, result.Document.Status);
        Assert.Contains("textColumn", result.Document.Reason ?? "(no reason)", StringComparison.Ordinal);
    }

    [Fact]
    public async Task Parse_JsonEscapedBackslashBeforeU_IsKeptAsText()
    {
        // "\\ud83d" is a backslash and the letters "ud83d", not an escape: it stays as written, and the lone low
        // surrogate after it is not taken for the second half of a pair.
        var items = await ParseAsync(new JsonLinesDocumentParser(), "a.jsonl",
            "{\"text\":\"path C:\\\\ud83d\"}\n{\"text\":\"half \\ud83d\"}\n{\"text\":\"a\\\\ud83d\\udc00 b\"}\n{\"text\":\"pair \\uD83D\\uDE00\"}\n");

        Assert.Equal(["path C:\\ud83d", "half \uFFFD", "a\\ud83d\uFFFD b", "pair \U0001F600"], Texts(items));
    }

    [Fact]
    public async Task Parse_JsonlFilesJoinedWithTheirByteOrderMarks_ReadsBoth()
    {
        var bom = Encoding.UTF8.GetPreamble();
        var bytes = bom.Concat(Utf8("{\"text\":\"a\"}\n")).Concat(bom).Concat(Utf8("{\"text\":\"b\"}\n")).ToArray();

        var items = await ParseAsync(new JsonLinesDocumentParser(), "a.jsonl", bytes);

        Assert.Equal(["a", "b"], Texts(items), StringComparer.Ordinal);
    }

    [Theory]
    [InlineData("<iframe src=x>Your browser does not support iframes.</iframe>")]
    [InlineData("<noframes>Frames needed</noframes>")]
    [InlineData("<noembed>No embed</noembed>")]
    [InlineData("<dialog>Closed dialog</dialog>")]
    [InlineData("<p style=\"display:\tnone\">tab before none</p>")]
    [InlineData("<svg><title>svg tooltip</title></svg>")]
    public async Task Parse_HtmlABrowserDoesNotShow_Dropped(string hidden)
    {
        var items = await ParseAsync(new HtmlDocumentParser(), "a.html", $"<body><p>shown</p>{hidden}</body>");

        Assert.Equal(["shown"], Texts(items));
    }

    [Fact]
    public async Task Parse_HtmlOpenDialog_Kept()
    {
        var items = await ParseAsync(new HtmlDocumentParser(), "a.html", "<body><p>shown</p><dialog open>Open dialog</dialog></body>");

        Assert.Equal(["shown", "Open dialog"], Texts(items));
    }

    [Fact]
    public async Task Parse_CellsOfOnlyInvisibleCharacters_NoItem()
    {
        Assert.Equal(["real"], Texts(await ParseAsync(new CsvDocumentParser(), "a.csv", "text\nreal\n\u200B\n\uFEFF\u200B\n")));
        Assert.Equal(["real"], Texts(await ParseAsync(new PlainTextDocumentParser(), "a.txt", "real\n\n\u200B\u200D\n")));

        // A hard cut of a run with no space can leave a part of only zero-width spaces; it is no item either.
        Assert.Equal(["abc" + new string('\u200B', 7)], TextSplitter.Split("abc" + new string('\u200B', 30), 10), StringComparer.Ordinal);
    }
}
