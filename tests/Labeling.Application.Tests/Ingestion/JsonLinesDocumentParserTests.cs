using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class JsonLinesDocumentParserTests
{
    private readonly JsonLinesDocumentParser _parser = new();

    [Fact]
    public async Task ParseAsync_DottedPaths_TextAndIdFromNestedFields()
    {
        const string jsonl = "{\"post\":{\"body\":\"Hello  there\",\"id\":7},\"lang\":\"en\",\"score\":0.5}\n" +
            "\n" +
            "{\"post\":{\"body\":\"Second\",\"id\":\"b-2\"},\"lang\":\"de\"}\n";
        var options = Options(o =>
        {
            o.JsonTextField = "post.body";
            o.JsonIdField = "post.id";
        });

        var items = await ParseAsync(_parser, "posts.jsonl", jsonl, options);

        Assert.Equal(["Hello there", "Second"], Texts(items));
        Assert.Equal(["7", "b-2"], items.Select(i => i.ExternalId));
        Assert.Equal(["line-1", "line-3"], items.Select(i => i.SourceId));
        Assert.Equal("en", items[0].Metadata["lang"]);
        Assert.Equal("0.5", items[0].Metadata["score"]);
    }

    [Fact]
    public async Task ParseAsync_MalformedLine_ReasonNamesLine()
    {
        var rejected = await RejectAsync(_parser, "a.jsonl", "{\"text\":\"ok\"}\n{\"text\": \"oops\"\n");

        Assert.StartsWith("Line 2 is not valid JSON", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains("{\"text\": \"oops\"", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_LongMalformedLine_ReasonQuotesOnlyASnippet()
    {
        var secret = new string('x', 5000);

        var rejected = await RejectAsync(_parser, "a.jsonl", "{\"text\":\"" + secret);

        Assert.True(rejected.Reason.Length < 300, rejected.Reason);
        Assert.Contains("{\"text\":\"" + secret[..20], rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_MissingTextField_ReasonListsFieldsPresent()
    {
        var rejected = await RejectAsync(_parser, "a.jsonl", "{\"body\":\"hi\",\"author\":\"x\"}\n");

        Assert.Equal("Line 1 has no field 'text'; fields present: body, author. Set Ingestion:JsonTextField.", rejected.Reason);
    }

    [Fact]
    public async Task ParseAsync_MissingTextFieldTheProjectSet_ReasonNamesTheProjectsSetting()
    {
        var rejected = await RejectAsync(_parser, "a.jsonl", "{\"body\":\"hi\"}\n", Options().WithTextColumn("CONTENT"));

        Assert.StartsWith("Line 1 has no field 'CONTENT'; fields present: body. The project's textColumn names it", rejected.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Set Ingestion:JsonTextField", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_LineIsArray_RejectedAskingForObjects()
    {
        var rejected = await RejectAsync(_parser, "a.jsonl", "[1,2]\n");

        Assert.StartsWith("Line 1 is an array", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_NullOrEmptyText_NoItemForThatLine()
    {
        var items = await ParseAsync(_parser, "a.jsonl", "{\"text\":null}\n{\"text\":\"  \"}\n{\"text\":\"kept\"}\n");

        Assert.Equal("line-3", Assert.Single(items).SourceId);
    }
}
