using System.Text;
using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class PlainTextDocumentParserTests
{
    private readonly PlainTextDocumentParser _parser = new();

    [Fact]
    public async Task ParseAsync_TxtWithParagraphs_OneItemPerParagraphInOrder()
    {
        var items = await ParseAsync(_parser, "notes.txt", "First line\nof the first paragraph.\n\nSecond paragraph.\n\n\n\nThird.\n");

        Assert.Equal(["First line of the first paragraph.", "Second paragraph.", "Third."], Texts(items));
        Assert.Equal(["chunk-1", "chunk-2", "chunk-3"], items.Select(i => i.SourceId));
        Assert.All(items, i => Assert.Null(i.ExternalId));
    }

    [Fact]
    public async Task ParseAsync_MarkdownParagraphOverLimit_SplitAtSentences()
    {
        var options = Options(o => o.MaxItemCharacters = 30);

        var items = await ParseAsync(_parser, "README.md", "# Title\n\nOne two three. Four five six! Seven eight nine? Ten.", options);

        Assert.Equal(["# Title", "One two three. Four five six!", "Seven eight nine? Ten."], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_Utf8Bom_BomNotInText()
    {
        byte[] bytes = [0xEF, 0xBB, 0xBF, .. Utf8("héllo")];

        var items = await ParseAsync(_parser, "bom.txt", bytes);

        Assert.Equal("héllo", Assert.Single(items).Text);
    }

    [Fact]
    public async Task ParseAsync_FilesJoinedWithTheirByteOrderMarks_MarkNotInText()
    {
        // cat a.txt b.txt: the second file's mark starts a line. It stayed in the item ("\uFEFFSecond file."), which a worker
        // cannot see but the content hash does, so the same text in another file was a second item.
        var bom = Encoding.UTF8.GetPreamble();
        var bytes = bom.Concat(Utf8("First file.\n\n")).Concat(bom).Concat(Utf8("Second file.\n")).ToArray();

        var items = await ParseAsync(_parser, "joined.txt", bytes);

        // Ordinal: the default comparison of strings in a collection ignores a zero-width mark.
        Assert.Equal(["First file.", "Second file."], Texts(items), StringComparer.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_Utf16WithBom_Decoded()
    {
        var bytes = Encoding.Unicode.GetPreamble().Concat(Encoding.Unicode.GetBytes("naïve text")).ToArray();

        var items = await ParseAsync(_parser, "utf16.txt", bytes);

        Assert.Equal("naïve text", Assert.Single(items).Text);
    }

    [Fact]
    public async Task ParseAsync_OneStrayLatin1ByteInLargeFile_ToleratedWithReplacementCharacter()
    {
        var text = string.Join("\n\n", Enumerable.Repeat("A perfectly ordinary paragraph of text.", 200));
        byte[] bytes = [.. Utf8(text), .. Utf8("\n\ncaf"), 0xE9];

        var items = await ParseAsync(_parser, "mostly-utf8.txt", bytes);

        Assert.Equal(201, items.Count);
        Assert.Equal("caf\uFFFD", items[^1].Text);
    }

    [Fact]
    public async Task ParseAsync_BinaryGarbage_RejectedAsNotUtf8()
    {
        var bytes = new byte[10_000];
        new Random(7).NextBytes(bytes);

        var rejected = await RejectAsync(_parser, "photo.txt", bytes);

        Assert.Contains("does not look like UTF-8 text", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal("photo.txt", rejected.FileName);
    }

    [Fact]
    public async Task ParseAsync_EmptyFile_NoItems()
    {
        Assert.Empty(await ParseAsync(_parser, "empty.txt", []));
    }
}
