using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.html</c> and <c>.htm</c> files: the visible text of the body, cut by <see cref="TextSplitter"/>.</summary>
/// <remarks>
/// <c>script</c>, <c>style</c>, <c>noscript</c> and <c>template</c> content, the whole
/// <c>head</c>, navigation (<c>nav</c>: a site's menu would become items in every page), and elements
/// a browser does not show (the fallback text of <c>iframe</c>, <c>noframes</c> and <c>noembed</c>, a <c>title</c> such as an
/// SVG's tooltip, a <c>dialog</c> that is not open, the <c>hidden</c> attribute, or an inline <c>display: none</c>) are dropped. Block elements (<c>p</c>, <c>div</c>, headings, list items, table rows…)
/// end a paragraph, so each becomes at least one item; inline markup does not, nor does a blank line in the source
/// outside <c>pre</c> (a browser collapses white space there, and so does this parser). HTML is parsed
/// leniently, as a browser would, so only undecodable bytes reject a file. Decoded as UTF-8 (a
/// byte-order mark overrides; <c>meta charset</c> is not consulted). Items are <c>chunk-N</c>. Loaded whole.
/// </remarks>
public sealed class HtmlDocumentParser : IDocumentParser
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head", "nav", "iframe", "noframes", "noembed", "title",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "dir", "div", "dl",
        "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
        "hr", "legend", "li", "listing", "main", "menu", "nav", "ol", "p", "plaintext", "pre", "search", "section", "summary",
        "table", "tr", "ul", "xmp",
    };

    // Blocks whose text keeps its line breaks and blank lines, as a browser shows it; elsewhere a run of white space in the
    // source, a blank line included, is one space.
    private static readonly HashSet<string> Preformatted = new(StringComparer.OrdinalIgnoreCase)
    {
        "listing", "plaintext", "pre", "xmp",
    };

    /// <inheritdoc />
    public IReadOnlyCollection<string> Extensions { get; } = [".html", ".htm"];

    /// <inheritdoc />
    public IAsyncEnumerable<ParsedItem> ParseAsync(
        string fileName,
        Stream content,
        IngestionOptions options,
        CancellationToken cancellationToken = default) =>
        ParserPipeline.Run(fileName, content, options, "HTML", ParseCoreAsync, cancellationToken);

    private static async IAsyncEnumerable<ParsedItem> ParseCoreAsync(
        Stream content,
        IngestionOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string html;
        using (var reader = new CheckedTextReader(content, options.MaxInvalidCharacterFraction))
        {
            html = await reader.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        }

        // The async parse stops at the pipeline's deadline: deeply nested markup makes the tree builder quadratic.
        using var document = await new HtmlParser().ParseDocumentAsync(html, cancellationToken).ConfigureAwait(false);
        var text = VisibleText(document, cancellationToken);

        var chunk = 0;
        foreach (var item in TextSplitter.Split(text, options.MaxItemCharacters))
        {
            yield return new ParsedItem(string.Create(CultureInfo.InvariantCulture, $"chunk-{++chunk}"), item, null, ParsedItem.NoMetadata);
        }
    }

    /// <summary>The document's visible text, blocks separated by blank lines (see the remarks above).</summary>
    internal static string VisibleText(IDocument document, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        AppendText(document.DocumentElement, text, cancellationToken);
        return text.ToString();
    }

    // Depth-first over the tree with an explicit stack (a document can nest far deeper than the call stack
    // allows): a block element puts a paragraph break before and after its text, a cell a space. Outside preformatted
    // blocks a text node's white space is collapsed, as a browser does: a blank line in a paragraph's source does not
    // make two paragraphs of it.
    private static void AppendText(INode root, StringBuilder text, CancellationToken cancellationToken)
    {
        var pending = new Stack<(INode? Node, string? After, bool EndsPreformatted)>();
        Push(root, pending);
        var visited = 0;
        var preformatted = 0;
        while (pending.TryPop(out var next))
        {
            if ((++visited & 0xFFF) == 0)
            {
                cancellationToken.ThrowIfCancellationRequested();
            }

            if (next.Node is null)
            {
                text.Append(next.After);
                if (next.EndsPreformatted)
                {
                    preformatted--;
                }

                continue;
            }

            switch (next.Node)
            {
                case IText textNode when preformatted > 0:
                    text.Append(textNode.Data);
                    break;
                case IText textNode:
                    AppendCollapsed(textNode.Data, text);
                    break;
                case IElement element when Dropped.Contains(element.LocalName) || NotShown(element):
                    break;
                case IElement element when element.LocalName is "br":
                    text.Append('\n');
                    break;
                case IElement element when element.LocalName is "td" or "th":
                    text.Append(' ');
                    pending.Push((null, " ", false));
                    Push(element, pending);
                    break;
                case IElement element when Blocks.Contains(element.LocalName):
                    text.Append("\n\n");
                    var keepsWhiteSpace = Preformatted.Contains(element.LocalName);
                    if (keepsWhiteSpace)
                    {
                        preformatted++;
                    }

                    pending.Push((null, "\n\n", keepsWhiteSpace));
                    Push(element, pending);
                    break;
                case IElement element:
                    Push(element, pending);
                    break;
            }
        }
    }

    // The text with each run of white space, line breaks included, written as one space (kept at the ends, where it
    // separates the text from its neighbours).
    private static void AppendCollapsed(string data, StringBuilder text)
    {
        var space = false;
        foreach (var c in data)
        {
            if (char.IsWhiteSpace(c))
            {
                space = true;
                continue;
            }

            if (space)
            {
                text.Append(' ');
                space = false;
            }

            text.Append(c);
        }

        if (space)
        {
            text.Append(' ');
        }
    }

    // The hidden attribute, a dialog not open, or display: none in the element's own style (a style sheet's rules are not
    // applied; any whitespace may stand around the colon).
    private static bool NotShown(IElement element) =>
        element.HasAttribute("hidden")
        || (element.LocalName.Equals("dialog", StringComparison.OrdinalIgnoreCase) && !element.HasAttribute("open"))
        || (element.GetAttribute("style") is { } style
            && string.Concat(style.Where(c => !char.IsWhiteSpace(c))).Contains("display:none", StringComparison.OrdinalIgnoreCase));

    // The node's children, first on top. By index: AngleSharp finds a node's siblings by searching its parent's
    // list, so walking PreviousSibling is quadratic in the number of children (a 19 MB page: 44 s instead of 0.1 s).
    private static void Push(INode node, Stack<(INode? Node, string? After, bool EndsPreformatted)> pending)
    {
        var children = node.ChildNodes;
        for (var i = children.Length - 1; i >= 0; i--)
        {
            pending.Push((children[i], null, false));
        }
    }
}
