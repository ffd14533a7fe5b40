using System.Runtime.CompilerServices;
using System.Text;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;

namespace Labeling.Application.Ingestion;

/// <summary>Reads <c>.html</c> and <c>.htm</c> files: the visible text of the body, cut by <see cref="TextSplitter"/>.</summary>
/// <remarks>
/// <c>script</c>, <c>style</c>, <c>noscript</c> and <c>template</c> content and the whole
/// <c>head</c> are dropped. Block elements (<c>p</c>, <c>div</c>, headings, list items, table rows…)
/// end a paragraph, so each becomes at least one item; inline markup does not. HTML is parsed
/// leniently, as a browser would, so only undecodable bytes reject a file. Decoded as UTF-8 (a
/// byte-order mark overrides; <c>meta charset</c> is not consulted). Items are <c>chunk-N</c>. Loaded whole.
/// </remarks>
public sealed class HtmlDocumentParser : IDocumentParser
{
    private static readonly HashSet<string> Dropped = new(StringComparer.OrdinalIgnoreCase)
    {
        "script", "style", "noscript", "template", "head",
    };

    private static readonly HashSet<string> Blocks = new(StringComparer.OrdinalIgnoreCase)
    {
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header",
        "hr", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tr", "ul",
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

        using var document = new HtmlParser().ParseDocument(html);
        var text = new StringBuilder();
        AppendText(document.DocumentElement, text);

        var chunk = 0;
        foreach (var item in TextSplitter.Split(text.ToString(), options.MaxItemCharacters))
        {
            yield return new ParsedItem($"chunk-{++chunk}", item, null, ParsedItem.NoMetadata);
        }
    }

    private static void AppendText(INode node, StringBuilder text)
    {
        foreach (var child in node.ChildNodes)
        {
            switch (child)
            {
                case IText textNode:
                    text.Append(textNode.Data);
                    break;
                case IElement element when Dropped.Contains(element.LocalName):
                    break;
                case IElement element when element.LocalName is "br":
                    text.Append('\n');
                    break;
                case IElement element when element.LocalName is "td" or "th":
                    text.Append(' ');
                    AppendText(element, text);
                    text.Append(' ');
                    break;
                case IElement element when Blocks.Contains(element.LocalName):
                    text.Append("\n\n");
                    AppendText(element, text);
                    text.Append("\n\n");
                    break;
                case IElement element:
                    AppendText(element, text);
                    break;
            }
        }
    }
}
