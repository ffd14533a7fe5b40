using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class CsvDocumentParserTests
{
    private readonly CsvDocumentParser _parser = new();

    [Fact]
    public async Task ParseAsync_QuotedCommasNewlinesAndQuotes_OneItemPerRow()
    {
        const string csv = "id,text,label\r\n" +
            "1,\"Hello, world\",a\r\n" +
            "2,\"Line one\nline two\n\nline three\",b\r\n" +
            "3,\"She said \"\"hi\"\"\",c\r\n";
        var options = Options(o => o.IdColumn = "id");

        var items = await ParseAsync(_parser, "comments.csv", csv, options);

        Assert.Equal(["Hello, world", "Line one line two line three", "She said \"hi\""], Texts(items));
        Assert.Equal(["1", "2", "3"], items.Select(i => i.ExternalId));
        Assert.Equal(["row-2", "row-3", "row-4"], items.Select(i => i.SourceId));
        Assert.Equal(["a", "b", "c"], items.Select(i => i.Metadata["label"]));
        Assert.All(items, i => Assert.False(i.Metadata.ContainsKey("text")));
    }

    [Fact]
    public async Task ParseAsync_TextColumnInOtherCase_Found()
    {
        var items = await ParseAsync(_parser, "a.csv", "ID,Text\n9,hello\n", Options(o => o.IdColumn = "id"));

        var item = Assert.Single(items);
        Assert.Equal("hello", item.Text);
        Assert.Equal("9", item.ExternalId);
    }

    [Fact]
    public async Task ParseAsync_MissingTextColumn_ReasonListsColumnsPresent()
    {
        const string csv = "COMMENT_ID,AUTHOR,DATE,CONTENT,CLASS\nx,a,2013-11-07,Nice song,0\n";

        var rejected = await RejectAsync(_parser, "Youtube.csv", csv);

        Assert.Equal(
            "CSV has no column 'text'; columns present: COMMENT_ID, AUTHOR, DATE, CONTENT, CLASS. Set Ingestion:TextColumn.",
            rejected.Reason);
    }

    [Fact]
    public async Task ParseAsync_MissingTextColumnTheProjectSet_ReasonNamesTheProjectsSetting()
    {
        var rejected = await RejectAsync(_parser, "a.csv", "COMMENT_ID,BODY\nx,Nice song\n", Options().WithTextColumn("CONTENT"));

        Assert.StartsWith("CSV has no column 'CONTENT'; columns present: COMMENT_ID, BODY. The project's textColumn names it", rejected.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Set Ingestion:TextColumn", rejected.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(3_000)]
    [InlineData(200)]
    public async Task ParseAsync_SmallBinaryFile_RejectedAsNotTextRatherThanMissingColumn(int length)
    {
        // Under CheckedTextReader.MinimumSample characters, so only the header check ran before the fix.
        var bytes = new byte[length];
        new Random(7).NextBytes(bytes);

        var rejected = await RejectAsync(_parser, "random.csv", bytes, Options().WithTextColumn("CONTENT"));

        Assert.StartsWith("The file does not look like UTF-8 text", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_MissingColumnWithAFewStrayBytes_StillSaysTheColumn()
    {
        // One undecodable byte in 300 characters is under the 1 % limit: the column is the thing to fix.
        var csv = Utf8("id,body\n1," + new string('x', 300) + "\n");
        csv[20] = 0xFF;

        var rejected = await RejectAsync(_parser, "a.csv", csv);

        Assert.StartsWith("CSV has no column 'text'", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_MissingIdColumn_ReasonNamesIdSetting()
    {
        var rejected = await RejectAsync(_parser, "a.csv", "text\nhello\n", Options(o => o.IdColumn = "external_id"));

        Assert.Equal("CSV has no column 'external_id'; columns present: text. Set Ingestion:IdColumn.", rejected.Reason);
    }

    [Fact]
    public async Task ParseAsync_SemicolonSeparated_ReasonSuggestsCommas()
    {
        var rejected = await RejectAsync(_parser, "excel.csv", "id;text\n1;hello\n");

        Assert.Contains("save it as comma-separated", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_RowWithExtraField_RejectedNamingRow()
    {
        var rejected = await RejectAsync(_parser, "a.csv", "id,text\n1,fine\n2,not, quoted\n");

        Assert.StartsWith("Row 3 (line 3) has a different number of fields", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_UnterminatedQuote_RejectedNamingRow()
    {
        var rejected = await RejectAsync(_parser, "a.csv", "id,text\n1,fine\n2,\"never closed\n3,more\n");

        Assert.StartsWith("Row 3 (line 3)", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains("never closed", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_EmptyFile_RejectedAskingForHeader()
    {
        var rejected = await RejectAsync(_parser, "empty.csv", "");

        Assert.Equal("The CSV file is empty; it needs a header row naming its columns, including 'text'.", rejected.Reason);
    }

    [Fact]
    public async Task ParseAsync_HeaderOnly_NoItems()
    {
        Assert.Empty(await ParseAsync(_parser, "a.csv", "id,text\r\n"));
    }

    [Fact]
    public async Task ParseAsync_EmptyTextCell_RowSkipped()
    {
        var items = await ParseAsync(_parser, "a.csv", "id,text\n1,\n2,  \n3,kept\n");

        Assert.Equal("row-4", Assert.Single(items).SourceId);
    }

    [Fact]
    public async Task ParseAsync_RowOverLimit_SplitIntoPartsSharingExternalId()
    {
        var options = Options(o =>
        {
            o.IdColumn = "id";
            o.MaxItemCharacters = 21;
        });

        var items = await ParseAsync(_parser, "a.csv", "id,text\n7,First sentence here. Second sentence here.\n", options);

        Assert.Equal(["row-2#part-1", "row-2#part-2"], items.Select(i => i.SourceId));
        Assert.Equal(["First sentence here.", "Second sentence here."], Texts(items));
        Assert.All(items, i => Assert.Equal("7", i.ExternalId));
    }
}
