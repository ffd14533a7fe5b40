using System.Globalization;
using System.Text;

namespace Labeling.Application.Ingestion;

/// <summary>
/// What one decoded content stream (a page's or a form XObject's) asks a PDF reader to build: its bytes of string
/// operands, each of which PdfPig turns into at least one letter, and the XObjects it draws with <c>Do</c>.
/// </summary>
/// <remarks>
/// <para>A single lexical pass (PDF 32000-1 §7.2, §8.9.7), no tokens kept: comments are skipped, and the bytes of every
/// literal string <c>( )</c> and half the digits of every hexadecimal string <c>&lt; &gt;</c> are counted, whatever
/// operator they belong to. Counting strings that show no text (a marked-content <c>/ActualText</c>) and the escapes of
/// literal strings only makes the count larger than the letters, never smaller.</para>
/// <para>The data of an inline image (<c>ID</c> to <c>EI</c>) is binary and is skipped, so a parenthesis in it cannot
/// start a string.</para>
/// </remarks>
internal static class PdfContentScan
{
    /// <summary>Scans <paramref name="content"/>.</summary>
    /// <param name="content">A content stream, decoded.</param>
    /// <param name="drawn">Receives the name of each XObject drawn, once per <c>Do</c>.</param>
    /// <returns>The bytes of the stream's string operands.</returns>
    public static long Scan(ReadOnlySpan<byte> content, List<string> drawn)
    {
        long characters = 0;
        string? operand = null;
        var i = 0;
        while (i < content.Length)
        {
            switch (content[i])
            {
                case (byte)'%':
                    var eol = content[i..].IndexOfAny((byte)'\r', (byte)'\n');
                    i = eol < 0 ? content.Length : i + eol;
                    break;
                case (byte)'(':
                    (var length, i) = LiteralString(content, i);
                    characters += length;
                    break;
                case (byte)'<' when i + 1 < content.Length && content[i + 1] == '<':
                    i += 2;
                    break;
                case (byte)'<':
                    var close = content[(i + 1)..].IndexOf((byte)'>');
                    var digits = close < 0 ? content.Length - i - 1 : close;
                    characters += (digits + 1) / 2;
                    i = close < 0 ? content.Length : i + 1 + close + 1;
                    break;
                case (byte)'/':
                    var name = Token(content, i + 1);
                    operand = Name(name);
                    i += 1 + name.Length;
                    break;
                case var b when IsRegular(b):
                    var keyword = Token(content, i);
                    i += keyword.Length;
                    if (keyword.SequenceEqual("Do"u8) && operand is not null)
                    {
                        drawn.Add(operand);
                    }
                    else if (keyword.SequenceEqual("ID"u8))
                    {
                        i = PastInlineImage(content, i);
                    }

                    // A number is an operand too, and an operator ends its operands: only a name just before Do counts.
                    operand = null;
                    break;
                default:
                    i++;
                    break;
            }
        }

        return characters;
    }

    // The bytes inside the literal string opening at start (PdfNesting.SkipLiteralString), and the index after it.
    private static (long Length, int Next) LiteralString(ReadOnlySpan<byte> content, int start)
    {
        var next = PdfNesting.SkipLiteralString(content, start, out var closed);
        return (next - start - (closed ? 2 : 1), next);
    }

    // After ID and one white-space byte comes the image data, up to EI standing alone between white space.
    private static int PastInlineImage(ReadOnlySpan<byte> content, int i)
    {
        for (var at = i + 1; at + 1 < content.Length; at++)
        {
            if (content[at] == 'E' && content[at + 1] == 'I' && IsWhite(content[at - 1])
                && (at + 2 == content.Length || IsWhite(content[at + 2])))
            {
                return at + 2;
            }
        }

        return content.Length;
    }

    // A name's #xx escapes stand for the byte xx (§7.3.5), as PdfPig reads them.
    private static string Name(ReadOnlySpan<byte> token)
    {
        if (!token.Contains((byte)'#'))
        {
            return Encoding.Latin1.GetString(token);
        }

        var name = new StringBuilder(token.Length);
        for (var i = 0; i < token.Length; i++)
        {
            if (token[i] == '#' && i + 2 < token.Length
                && byte.TryParse(token.Slice(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var escaped))
            {
                name.Append((char)escaped);
                i += 2;
            }
            else
            {
                name.Append((char)token[i]);
            }
        }

        return name.ToString();
    }

    private static ReadOnlySpan<byte> Token(ReadOnlySpan<byte> content, int start)
    {
        var end = start;
        while (end < content.Length && IsRegular(content[end]))
        {
            end++;
        }

        return content[start..end];
    }

    private static bool IsWhite(byte b) => b is 0 or (byte)'\t' or (byte)'\n' or 0x0C or (byte)'\r' or (byte)' ';

    private static bool IsRegular(byte b) =>
        !IsWhite(b) && b is not ((byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']'
            or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%');
}
