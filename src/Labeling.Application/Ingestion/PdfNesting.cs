namespace Labeling.Application.Ingestion;

/// <summary>
/// Refuses PDF syntax nested deeper than <see cref="MaxDepth"/>: arrays <c>[ ]</c>, dictionaries
/// <c>&lt;&lt; &gt;&gt;</c> and PostScript procedures <c>{ }</c>, counted together.
/// </summary>
/// <remarks>
/// <para>PdfPig recurses once per level in places it does not guard: a Type 4 (PostScript calculator)
/// function nested about 3,000 procedures deep overflowed the stack of a thread-pool thread, which ends the
/// process instead of throwing, so the parse timeout cannot help. Real documents nest a handful of levels.</para>
/// <para>The file's own bytes are scanned before PdfPig opens it, skipping strings, comments and the data of
/// streams that are filtered or binary (images, embedded fonts); what a filtered stream decodes to is scanned by
/// <see cref="UnpackBudget"/> as it is decoded. Nesting cannot span objects, so the count restarts at each
/// <c>obj</c>, <c>endobj</c>, <c>stream</c> and <c>endstream</c>; stray closing brackets never count below zero.</para>
/// </remarks>
internal static class PdfNesting
{
    /// <summary>Deepest nesting accepted, 256.</summary>
    public const int MaxDepth = 256;

    private static readonly byte[] EndStream = "endstream"u8.ToArray();

    /// <summary>Scans a whole file; the data of filtered and binary streams is skipped.</summary>
    public static void EnsureShallowFile(ReadOnlySpan<byte> bytes) => Scan(bytes, skipBinaryStreams: true);

    /// <summary>Scans what one stream decoded to.</summary>
    public static void EnsureShallowStream(ReadOnlySpan<byte> bytes) => Scan(bytes, skipBinaryStreams: false);

    private static void Scan(ReadOnlySpan<byte> bytes, bool skipBinaryStreams)
    {
        var depth = 0;
        var binary = false;
        var i = 0;
        while (i < bytes.Length)
        {
            var b = bytes[i];
            switch (b)
            {
                case (byte)'%':
                    i = SkipComment(bytes, i);
                    continue;
                case (byte)'(':
                    i = SkipLiteralString(bytes, i, out _);
                    continue;
                case (byte)'<' when i + 1 < bytes.Length && bytes[i + 1] == '<':
                    depth = Deeper(depth);
                    i += 2;
                    continue;
                case (byte)'<':
                    i = SkipPast(bytes, i, (byte)'>');
                    continue;
                case (byte)'>' when i + 1 < bytes.Length && bytes[i + 1] == '>':
                    depth = Math.Max(0, depth - 1);
                    i += 2;
                    continue;
                case (byte)'[' or (byte)'{':
                    depth = Deeper(depth);
                    break;
                case (byte)']' or (byte)'}':
                    depth = Math.Max(0, depth - 1);
                    break;
                case (byte)'/':
                    var name = Token(bytes, i + 1);
                    binary |= IsBinaryMarker(name);
                    i += 1 + name.Length;
                    continue;
                case >= (byte)'a' and <= (byte)'z':
                    var keyword = Token(bytes, i);
                    i += keyword.Length;
                    if (keyword.SequenceEqual("stream"u8) && skipBinaryStreams && binary)
                    {
                        var end = bytes[i..].IndexOf(EndStream);
                        i = end < 0 ? bytes.Length : i + end + EndStream.Length;
                    }

                    if (keyword.SequenceEqual("obj"u8) || keyword.SequenceEqual("endobj"u8)
                        || keyword.SequenceEqual("stream"u8) || keyword.SequenceEqual("endstream"u8))
                    {
                        depth = 0;
                        binary &= !keyword.SequenceEqual("endobj"u8) && !keyword.SequenceEqual("obj"u8);
                    }

                    continue;
            }

            i++;
        }
    }

    private static int Deeper(int depth)
    {
        if (depth == MaxDepth)
        {
            throw new DocumentRejectedException(
                $"The PDF nests arrays, dictionaries or functions more than {MaxDepth} levels deep; real documents nest a handful. "
                + "The file is damaged or built to crash PDF readers. Print it to a new PDF and upload that.");
        }

        return depth + 1;
    }

    // A stream whose dictionary names one of these holds compressed or binary data, not PDF syntax.
    private static bool IsBinaryMarker(ReadOnlySpan<byte> name) =>
        name.SequenceEqual("Filter"u8) || name.SequenceEqual("Image"u8) || name.SequenceEqual("Length1"u8)
        || name.SequenceEqual("Type1C"u8) || name.SequenceEqual("CIDFontType0C"u8) || name.SequenceEqual("OpenType"u8);

    private static ReadOnlySpan<byte> Token(ReadOnlySpan<byte> bytes, int start)
    {
        var end = start;
        while (end < bytes.Length && IsRegular(bytes[end]))
        {
            end++;
        }

        return bytes[start..end];
    }

    private static bool IsRegular(byte b) =>
        b > (byte)' ' && b < 0x7F && b is not ((byte)'(' or (byte)')' or (byte)'<' or (byte)'>' or (byte)'[' or (byte)']'
            or (byte)'{' or (byte)'}' or (byte)'/' or (byte)'%');

    private static int SkipComment(ReadOnlySpan<byte> bytes, int i)
    {
        var end = bytes[i..].IndexOfAny((byte)'\r', (byte)'\n');
        return end < 0 ? bytes.Length : i + end;
    }

    private static int SkipPast(ReadOnlySpan<byte> bytes, int i, byte close)
    {
        var end = bytes[(i + 1)..].IndexOf(close);
        return end < 0 ? bytes.Length : i + 1 + end + 1;
    }

    /// <summary>
    /// The index after the literal string opening at <paramref name="i"/> (its <c>(</c>): balanced parentheses may appear
    /// unescaped inside it, and a backslash escapes the next byte. <paramref name="closed"/> is false when the bytes end first.
    /// </summary>
    internal static int SkipLiteralString(ReadOnlySpan<byte> bytes, int i, out bool closed)
    {
        var open = 0;
        for (; i < bytes.Length; i++)
        {
            switch (bytes[i])
            {
                case (byte)'\\':
                    i++;
                    break;
                case (byte)'(':
                    open++;
                    break;
                case (byte)')' when --open == 0:
                    closed = true;
                    return i + 1;
            }
        }

        closed = false;
        return bytes.Length;
    }
}
