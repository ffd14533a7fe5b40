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
    public async Task ParseAsync_NavigationAndElementsABrowserHides_Dropped()
    {
        const string html = "<body><nav><a href='/'>Home</a> | <a href='/about'>About</a></nav><header>Site header</header>" +
            "<p>The article.</p><div hidden>HIDDEN DIV</div><p style='color: red; display : none'>STYLED AWAY</p>" +
            "<p style='display:block'>Shown with a style.</p><footer>Footer</footer></body>";

        var items = await ParseAsync(_parser, "page.html", html);

        Assert.Equal(["Site header", "The article.", "Shown with a style.", "Footer"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_UpperCaseHtmExtensionContent_ParsedLeniently()
    {
        var items = await ParseAsync(_parser, "OLD.HTM", "<P>unclosed paragraph<P>another &amp; more");

        Assert.Equal(["unclosed paragraph", "another & more"], Texts(items));
    }

    [Fact]
    public async Task ParseAsync_BlankLineInAParagraphsSource_OneItem()
    {
        // A browser collapses the white space of a paragraph's text, a blank line in the source included; it made two
        // items of the one paragraph ("The product is" and "great."). Preformatted text keeps its blank lines.
        const string html = "<body><p>The product is\n\n   great.</p><div>Hi team,\r\n\r\nthanks <b>a lot</b>.</div>" +
            "<pre>line one\n\nline two</pre></body>";

        var items = await ParseAsync(_parser, "page.html", html);

        Assert.Equal(["The product is great.", "Hi team, thanks a lot.", "line one", "line two"], Texts(items));
    }

    [Theory]
    [InlineData("<fieldset><legend>Name</legend>John Smith</fieldset>", new[] { "Name", "John Smith" })]
    [InlineData("Intro<center>Centred title</center>Body text", new[] { "Intro", "Centred title", "Body text" })]
    [InlineData("Page text<dialog open>Dialog text</dialog>More text", new[] { "Page text", "Dialog text", "More text" })]
    public async Task ParseAsync_BlockElementsOutsideTheCommonList_DoNotGlueWordsTogether(string body, string[] expected)
    {
        // A browser shows these elements as blocks; read as inline, "Name" and "John" became "NameJohn".
        var items = await ParseAsync(_parser, "page.html", $"<body>{body}</body>");

        Assert.Equal(expected, Texts(items));
    }

    [Fact]
    public async Task ParseAsync_BinaryGarbage_Rejected()
    {
        var bytes = new byte[8192];
        new Random(11).NextBytes(bytes);

        var rejected = await RejectAsync(_parser, "page.html", bytes);

        Assert.Contains("UTF-8", rejected.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ParseAsync_MarkupNestedTwentyThousandDeep_IsRead()
    {
        var html = "<html><body>" + Nested(20_000, "<p>deep text</p>") + "<p>after</p></body></html>";

        var items = await ParseAsync(_parser, "deep.html", html);

        Assert.Equal(["deep text", "after"], Texts(items));
    }

    [Fact]
    public void VisibleText_OfATreeAMillionLevelsDeep_DoesNotExhaustTheStack()
    {
        // Built through the DOM (parsing that much nesting would take hours); a recursive walk overflows long before.
        using var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument("<html><body></body></html>");
        AngleSharp.Dom.INode parent = document.Body!;
        for (var i = 0; i < 1_000_000; i++)
        {
            parent = parent.AppendChild(document.CreateElement(i % 2 == 0 ? "div" : "span"));
        }

        parent.AppendChild(document.CreateTextNode("at the bottom"));

        var text = HtmlDocumentParser.VisibleText(document, CancellationToken.None);

        Assert.Equal("at the bottom", text.Trim());
    }

    [Fact]
    public async Task ParseAsync_TwoHundredThousandSiblingParagraphs_ReadWellWithinTheParseTimeout()
    {
        // About 9 MB. Walking siblings through PreviousSibling is quadratic in AngleSharp (about 40 s here); by index it takes well under a second.
        // The timeout stays below the quadratic walk's time, with room for a loaded machine: the whole test took 3 to 5 s
        // beside another test run on two cores, too close to the 10 s it had.
        var html = "<html><body>" + string.Concat(Enumerable.Range(0, 200_000).Select(i => $"<p>paragraph {i}</p>")) + "</body></html>";

        var items = await ParseAsync(_parser, "wide.html", html, Options(o => o.ParseTimeout = TimeSpan.FromSeconds(30)));

        Assert.Equal(200_000, items.Count);
        Assert.Equal("paragraph 199999", items[^1].Text);
    }

    [Fact]
    public async Task ParseAsync_MarkupThatTakesLongerThanTheParseTimeout_RejectedNamingTheSetting()
    {
        // The tree builder is quadratic in the nesting depth: 200,000 levels take minutes.
        var html = "<html><body>" + Nested(200_000, "x") + "</body></html>";
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var rejected = await RejectAsync(_parser, "slow.html", html, Options(o => o.ParseTimeout = TimeSpan.FromSeconds(1)));

        Assert.Contains("Ingestion:ParseTimeout", rejected.Reason, StringComparison.Ordinal);
        Assert.Equal("slow.html", rejected.FileName);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
    }

    [Fact]
    public async Task ParseAsync_CancelledByTheCaller_IsCancellationNotARejection()
    {
        var html = "<html><body>" + Nested(200_000, "x") + "</body></html>";
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            CollectAsync(_parser.ParseAsync("slow.html", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(html)), Options(), cancel.Token)));
    }

    private static string Nested(int depth, string inner) =>
        string.Concat(Enumerable.Repeat("<div>", depth)) + inner + string.Concat(Enumerable.Repeat("</div>", depth));
}
