using Labeling.Application.Ingestion;
using static Labeling.Application.Tests.Ingestion.ParserTestKit;

namespace Labeling.Application.Tests.Ingestion;

public sealed class HtmlDocumentParserTests
{
    private readonly HtmlDocumentParser _parser = new();

    [Fact]
    public async Task ParseAsync_PageWithScriptsAndStyles_OnlyVisibleTextByBlock()
    {
        const string html = "<!DOCTYPE html><html><head><title>Tab title</title><style>p { color: red }</style></head>" +
            "<body><h1>Heading</h1><p>First <b>bold</b>\n para.</p><script>alert('x')</script>" +
            "<noscript>Enable JS</noscript><div>Second<br>line</div><ul><li>Item one</li><li>Item two</li></ul></body></html>";

        var items = await ParseAsync(_parser, "page.html", html);

        Assert.Equal(["Heading", "First bold para.", "Second line", "Item one", "Item two"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_UpperCaseHtmExtensionContent_ParsedLeniently()
    {
        var items = await ParseAsync(_parser, "OLD.HTM", "<P>unclosed paragraph<P>another &amp; more");

        Assert.Equal(["unclosed paragraph", "another & more"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_BinaryGarbage_Rejected()
    {
        var bytes = new byte[8192];
        new Random(11).NextBytes(bytes);

        var rejected = await RejectAsync(_parser, "page.html", bytes);

        Assert.Contains("UTF-8", rejected.Reason, StringComparison.Ordinal);
    }
}
