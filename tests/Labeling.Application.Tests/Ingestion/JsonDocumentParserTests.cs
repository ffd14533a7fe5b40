using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class JsonDocumentParserTests
{
    private readonly JsonDocumentParser _parser = new();

    [Fact]
    public async Task ParseAsync_ArrayOfObjects_OneItemPerObject()
    {
        var items = await ParseAsync(_parser, "a.json", "[{\"text\":\"one\",\"id\":1},{\"text\":\"two\",\"id\":2}]", Options(o => o.JsonIdField = "id"));

        Assert.Equal(["one", "two"], Texts(items));
        Assert.Equal(["index-0", "index-1"], items.Select(i => i.SourceId));
        Assert.Equal(["1", "2"], items.Select(i => i.ExternalId));
    }

    [Theory]
    [InlineData("utf-8")]
    [InlineData("utf-16")]
    [InlineData("utf-16BE")]
    [InlineData("utf-32")]
    public async Task ParseAsync_UnicodeWithAByteOrderMark_Read(string encodingName)
    {
        // Windows PowerShell's Out-File writes UTF-16 with a mark; the JSON reader alone took only UTF-8 without one.
        var encoding = System.Text.Encoding.GetEncoding(encodingName);
        byte[] bytes = [.. encoding.Preamble, .. encoding.GetBytes("[{\"text\":\"caf\u00E9 \u4E2D\u6587\"}]")];

        var items = await ParseAsync(_parser, "export.json", bytes);

        Assert.Equal("caf\u00E9 \u4E2D\u6587", Assert.Single(items).Text);
    }

    [Fact]
    public async Task ParseAsync_ObjectWithOneArray_ArrayFoundWithoutConfiguration()
    {
        var items = await ParseAsync(_parser, "export.json", "{\"meta\":{\"count\":1},\"comments\":[{\"text\":\"hi\"}]}");

        Assert.Equal("hi", Assert.Single(items).Text);
    }

    [Fact]
    public async Task ParseAsync_ObjectWithSeveralArrays_RejectedUntilItemsFieldSet()
    {
        const string json = "{\"tags\":[\"a\"],\"data\":{\"rows\":[{\"text\":\"deep\"}]},\"comments\":[{\"text\":\"hi\"}]}";

        var rejected = await RejectAsync(_parser, "a.json", json);
        var items = await ParseAsync(_parser, "a.json", json, Options(o => o.JsonItemsField = "data.rows"));

        Assert.Equal("The JSON object has several array fields (tags, comments); set Ingestion:JsonItemsField to the one holding the items.", rejected.Reason);
        Assert.Equal("deep", Assert.Single(items).Text);
    }

    [Fact]
    public async Task ParseAsync_ArrayOfStrings_EachStringAnItem()
    {
        var items = await ParseAsync(_parser, "a.json", "[\"first\", \"second\"]");

        Assert.Equal(["first", "second"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_TruncatedJson_RejectedWithLine()
    {
        var rejected = await RejectAsync(_parser, "a.json", "[\n{\"text\":\"one\"},\n{\"text\":");

        Assert.StartsWith("The file is not valid JSON at line 3", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_ElementWithoutTextField_ReasonNamesIndex()
    {
        var rejected = await RejectAsync(_parser, "a.json", "[{\"text\":\"ok\"},{\"body\":\"no\"}]");

        Assert.Equal("Item [1] has no field 'text'; fields present: body. Set Ingestion:JsonTextField.", rejected.Reason);
    }
}
