using System.Globalization;
using System.Text;

namespace Labeling.Application.Ingestion;

/// <summary>Cuts a document's text into items no longer than a limit, keeping natural boundaries.</summary>
/// <remarks>
/// The rule, applied in order:
/// <list type="number">
/// <item>Split into paragraphs at blank lines (a line that is empty or whitespace only). Each
/// paragraph becomes at least one item; short paragraphs are not merged.</item>
/// <item>Normalise whitespace inside each paragraph: every run of whitespace, line breaks included,
/// becomes one space; leading and trailing whitespace is removed.</item>
/// <item>A paragraph longer than the limit is split after sentence ends — <c>.</c>, <c>!</c> or
/// <c>?</c> followed by whitespace, or a full stop, exclamation or question mark of scripts written
/// without spaces (<c>。</c>, <c>！</c>, <c>？</c>, <c>｡</c>) wherever it stands — and consecutive
/// sentences are packed greedily into items up to the limit, joined as they were (with a space only
/// where one stood).</item>
/// <item>A sentence longer than the limit is split at the last whitespace at or before the limit,
/// repeatedly.</item>
/// <item>Only a run with no whitespace within the limit (a long URL, base64, text in a script written
/// without spaces) is cut hard, at the last boundary between user-perceived characters (text elements:
/// a letter with its combining accents, an emoji sequence joined by zero-width joiners) at or before
/// the limit; a single such character longer than the limit is cut at the limit, never between the two
/// halves of a surrogate pair.</item>
/// <item>Items that are empty after normalisation, or hold only invisible format characters (a zero-width space, a
/// byte-order mark), are dropped.</item>
/// </list>
/// The text is put in Unicode NFC first, as <see cref="ContentHash"/> hashes it: a record written with decomposed accents
/// is cut where the composed one is, so their parts dedup to the same items. Before that, a run of more than
/// <see cref="MaxMarksInARow"/> combining marks gets an invisible grapheme joiner after every 30 (<see cref="StreamSafe"/>).
/// Every item is therefore between 1 and <c>maxCharacters</c> UTF-16 code units long.
/// </remarks>
public static class TextSplitter
{
    /// <summary>Splits <paramref name="text"/> by the rule above.</summary>
    /// <param name="text">Any text; may contain several paragraphs.</param>
    /// <param name="maxCharacters">Longest item, at least 2 (a surrogate pair must fit).</param>
    /// <returns>The items in order; empty when the text is blank.</returns>
    public static IReadOnlyList<string> Split(string text, int maxCharacters)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCharacters, 2);

        var items = new List<string>();
        foreach (var paragraph in Paragraphs(Nfc(text)))
        {
            SplitParagraph(NormalizeWhitespace(paragraph), maxCharacters, items);
        }

        items.RemoveAll(Invisible);
        return items;
    }

    /// <summary>Splits one paragraph (no blank-line splitting) by steps 2–6 of the rule.</summary>
    /// <param name="paragraph">Text treated as a single paragraph, such as one CSV cell.</param>
    /// <param name="maxCharacters">Longest item, at least 2.</param>
    /// <returns>The items in order; empty when the text is blank.</returns>
    public static IReadOnlyList<string> SplitParagraph(string paragraph, int maxCharacters)
    {
        ArgumentNullException.ThrowIfNull(paragraph);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxCharacters, 2);

        var items = new List<string>();
        SplitParagraph(NormalizeWhitespace(Nfc(paragraph)), maxCharacters, items);
        items.RemoveAll(Invisible);
        return items;
    }

    // Only format characters (a zero-width space, a byte-order mark) and spaces: nothing a worker could read, whether a
    // whole paragraph or a part a hard cut left.
    private static bool Invisible(string part) =>
        part.All(c => c == ' ' || CharUnicodeInfo.GetUnicodeCategory(c) == UnicodeCategory.Format);

    /// <summary>The text in Unicode NFC; a lone surrogate, which cannot be normalised, becomes U+FFFD first.</summary>
    /// <param name="text">Any text.</param>
    /// <returns>The NFC text (the same instance when it already is).</returns>
    internal static string Nfc(string text)
    {
        text = StreamSafe(text);
        try
        {
            return text.IsNormalized(NormalizationForm.FormC) ? text : text.Normalize(NormalizationForm.FormC);
        }
        catch (ArgumentException)
        {
            // ICU refuses ill-formed UTF-16: replace the lone surrogates as the UTF-8 decoder would have.
            return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text)).Normalize(NormalizationForm.FormC);
        }
    }

    /// <summary>Most combining marks in a row before <see cref="StreamSafe"/> puts a grapheme joiner between them, 30.</summary>
    internal const int MaxMarksInARow = 30;

    private const char GraphemeJoiner = '\u034F';

    /// <summary>
    /// The text in UAX #15's Stream-Safe Text Format: a COMBINING GRAPHEME JOINER (U+034F) after every
    /// <see cref="MaxMarksInARow"/> combining marks in a row. Normalisation puts a run of marks in canonical order by
    /// insertion, quadratic in the run's length, and cannot be stopped: 160,000 alternating acutes and graves below on one
    /// letter (a 640 KB file) took 81 s, past Ingestion:ParseTimeout. No script puts more than a few marks on a letter; the
    /// joiner is invisible, and marks are not reordered across it. Marks are told by their general category, a superset of
    /// the non-starters UAX #15 counts; the joiner itself ends a run, so text already stream-safe is returned as it is.
    /// </summary>
    /// <param name="text">Any text.</param>
    /// <returns>The stream-safe text (the same instance when it already is).</returns>
    internal static string StreamSafe(string text)
    {
        StringBuilder? safe = null;
        var copied = 0;
        var run = 0;
        for (var i = 0; i < text.Length; i += char.IsSurrogatePair(text, i) ? 2 : 1)
        {
            if (text[i] == GraphemeJoiner
                || CharUnicodeInfo.GetUnicodeCategory(text, i) is not (UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark or UnicodeCategory.EnclosingMark))
            {
                run = 0;
                continue;
            }

            if (++run > MaxMarksInARow)
            {
                safe ??= new StringBuilder(text.Length + (text.Length / MaxMarksInARow));
                safe.Append(text, copied, i - copied).Append(GraphemeJoiner);
                copied = i;
                run = 1;
            }
        }

        return safe is null ? text : safe.Append(text, copied, text.Length - copied).ToString();
    }

    /// <summary>Collapses every run of whitespace to one space and trims the ends.</summary>
    /// <param name="text">Any text.</param>
    /// <returns>The normalised text; empty when <paramref name="text"/> is blank.</returns>
    public static string NormalizeWhitespace(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var builder = new StringBuilder(text.Length);
        var pendingSpace = false;
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c))
            {
                pendingSpace = builder.Length > 0;
                continue;
            }

            if (pendingSpace)
            {
                builder.Append(' ');
                pendingSpace = false;
            }

            builder.Append(c);
        }

        return builder.ToString();
    }

    private static IEnumerable<string> Paragraphs(string text)
    {
        var current = new StringBuilder();
        using var reader = new StringReader(text);
        while (reader.ReadLine() is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                if (current.Length > 0)
                {
                    yield return current.ToString();
                    current.Clear();
                }

                continue;
            }

            current.Append(line).Append('\n');
        }

        if (current.Length > 0)
        {
            yield return current.ToString();
        }
    }

    private static void SplitParagraph(string normalized, int max, List<string> items)
    {
        if (normalized.Length == 0)
        {
            return;
        }

        if (normalized.Length <= max)
        {
            items.Add(normalized);
            return;
        }

        var chunk = new StringBuilder(max);
        var spaceBefore = false;
        foreach (var (sentence, spaceAfter) in Sentences(normalized))
        {
            if (sentence.Length > max)
            {
                Flush(chunk, items);
                WrapSentence(sentence, max, items);
                spaceBefore = spaceAfter;
                continue;
            }

            var joint = chunk.Length > 0 && spaceBefore ? 1 : 0;
            if (chunk.Length + joint + sentence.Length > max)
            {
                Flush(chunk, items);
                joint = 0;
            }

            if (joint > 0)
            {
                chunk.Append(' ');
            }

            chunk.Append(sentence);
            spaceBefore = spaceAfter;
        }

        Flush(chunk, items);
    }

    // The input is whitespace-normalised, so a sentence end is ". ", "! " or "? ", or an ideographic one anywhere. Each
    // sentence comes with whether a space followed it (the space itself belongs to neither).
    private static IEnumerable<(string Sentence, bool SpaceAfter)> Sentences(string normalized)
    {
        var start = 0;
        for (var i = 0; i < normalized.Length - 1; i++)
        {
            var spaced = (normalized[i] is '.' or '!' or '?') && normalized[i + 1] == ' ';
            if (spaced || IsIdeographicSentenceEnd(normalized[i]))
            {
                var space = normalized[i + 1] == ' ';
                yield return (normalized[start..(i + 1)], space);
                start = space ? i + 2 : i + 1;
                i = start - 1;
            }
        }

        if (start < normalized.Length)
        {
            yield return (normalized[start..], false);
        }
    }

    // Full stop, exclamation and question marks of CJK text (ideographic, full-width and half-width forms).
    private static bool IsIdeographicSentenceEnd(char c) => c is '\u3002' or '\uFF01' or '\uFF1F' or '\uFF61';

    private static void WrapSentence(string sentence, int max, List<string> items)
    {
        var rest = sentence.AsSpan();
        while (rest.Length > max)
        {
            // Look at max + 1 characters so a space right after the limit still counts as a break.
            var cut = rest[..(max + 1)].LastIndexOf(' ');
            if (cut > 0)
            {
                items.Add(rest[..cut].ToString());
                rest = rest[(cut + 1)..];
                continue;
            }

            var hard = HardCut(rest, max);
            items.Add(rest[..hard].ToString());
            rest = rest[hard..].TrimStart(' ');
        }

        if (!rest.IsEmpty)
        {
            items.Add(rest.ToString());
        }
    }

    // The last text-element boundary at or before max (text longer than max); when the first text element alone is longer
    // (a letter under thousands of combining marks), max, or max - 1 so a surrogate pair stays whole.
    private static int HardCut(ReadOnlySpan<char> text, int max)
    {
        // Measured within the limit and the two characters after it (a surrogate pair standing at the limit): measured to
        // the end of the text, one letter under millions of combining marks was measured again at every cut, quadratic in
        // its length (a 20 MB file of them took minutes, past Ingestion:ParseTimeout, which cannot stop the splitter).
        var window = text[..Math.Min(text.Length, max + 2)];
        var boundary = 0;
        while (boundary < max)
        {
            var next = boundary + StringInfo.GetNextTextElementLength(window[boundary..]);
            if (next > max)
            {
                break;
            }

            boundary = next;
        }

        if (boundary > 0)
        {
            return boundary;
        }

        return char.IsHighSurrogate(text[max - 1]) ? max - 1 : max;
    }

    private static void Flush(StringBuilder chunk, List<string> items)
    {
        if (chunk.Length > 0)
        {
            items.Add(chunk.ToString());
            chunk.Clear();
        }
    }
}
