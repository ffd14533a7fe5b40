using System.Globalization;

namespace Labeling.Application.Ingestion;

/// <summary>Builds the items of one record (a CSV row, a JSON object) or one document chunk.</summary>
internal static class RecordItems
{
    /// <summary>
    /// One item per record; the text is treated as a single paragraph (a blank line inside a CSV cell
    /// does not split the row). A record longer than the limit becomes parts <c>#part-1</c>, <c>#part-2</c>….
    /// </summary>
    public static IEnumerable<ParsedItem> Create(
        string sourceId,
        string? text,
        string? externalId,
        IReadOnlyDictionary<string, string> metadata,
        int maxCharacters)
    {
        if (text is null)
        {
            yield break;
        }

        var parts = TextSplitter.SplitParagraph(text, maxCharacters);
        var id = string.IsNullOrWhiteSpace(externalId) ? null : externalId.Trim();
        if (parts.Count == 1)
        {
            yield return new ParsedItem(sourceId, parts[0], id, metadata);
            yield break;
        }

        for (var i = 0; i < parts.Count; i++)
        {
            yield return new ParsedItem(string.Create(CultureInfo.InvariantCulture, $"{sourceId}#part-{i + 1}"), parts[i], id, metadata);
        }
    }

    /// <summary>A short, single-line excerpt of document text for a rejection reason.</summary>
    /// <remarks>Control characters and U+FFFD (undecodable bytes) show as '?' so a reason stays printable.</remarks>
    public static string Snippet(string text, int maxCharacters = 40)
    {
        var flat = TextSplitter.NormalizeWhitespace(text);
        var cut = flat.Length <= maxCharacters ? flat : flat[..maxCharacters];
        var printable = string.Create(cut.Length, cut, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
            {
                var c = source[i];
                span[i] = char.IsControl(c) || c == '\uFFFD' || char.IsSurrogate(c) ? '?' : c;
            }
        });
        return cut.Length == flat.Length ? printable : printable + "…";
    }
}
