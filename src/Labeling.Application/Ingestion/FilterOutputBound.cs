using System.IO.Compression;
using System.Runtime.InteropServices;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Ingestion;

/// <summary>
/// The most that PdfPig's own decoder for a stream will write, or allocate from what the stream's dictionary
/// declares, worked out without running it, so that <see cref="UnpackBudget"/> can refuse an oversized stream
/// before the decoder starts.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><c>FlateDecode</c>: inflated into a small scratch buffer only to count its length, up to one byte past the
/// limit, and then what the predictor makes of it (<see cref="StreamPredictor.Footprint"/>).</item>
/// <item><c>ASCII85Decode</c>: four bytes for each <c>z</c> and for each five other characters, up to the <c>~&gt;</c>
/// end marker, counted as PdfPig reads them. Five characters make four bytes, but <c>z</c> alone makes four zero bytes.</item>
/// <item><c>ASCIIHexDecode</c>: half its input, rounded up; it never expands.</item>
/// <item><c>CCITTFaxDecode</c>: a bitmap of <c>⌈Columns / 8⌉</c> bytes for each row (the larger of <c>Rows</c> and the
/// image's <c>Height</c>), plus two arrays of <c>Columns + 2</c> integers, all allocated from the dictionary before any
/// data is read: a 200-byte stream that declares 400 million columns allocated 3.2 GB.</item>
/// <item><c>DCTDecode</c>, <c>JBIG2Decode</c>, <c>JPXDecode</c>: PdfPig cannot decode them (<see cref="IFilter.IsSupported"/>
/// is false) and throws without allocating.</item>
/// </list>
/// <c>LZWDecode</c> and <c>RunLengthDecode</c> are not here: their length is known only by decoding them, so
/// <see cref="LzwDecoder"/> and <see cref="RunLengthDecoder"/> decode them and stop at the limit. A filter that is
/// in none of these lists (a later PdfPig may add one) has no known bound, and the document is refused rather than
/// decoded blind.
/// </remarks>
internal static class FilterOutputBound
{
    private const int FaxColumnsDefault = 1728;

    /// <summary>The bound for <paramref name="filter"/> decoding <paramref name="input"/>.</summary>
    /// <param name="filter">One of PdfPig's filters.</param>
    /// <param name="input">What the filter is given.</param>
    /// <param name="stream">The stream's dictionary.</param>
    /// <param name="index">The filter's place in the stream's list of filters, which picks its <c>DecodeParms</c>.</param>
    /// <param name="limit">Counting a deflated stream stops one byte past this.</param>
    /// <exception cref="DocumentRejectedException">The filter is not one this knows.</exception>
    public static long Of(IFilter filter, ReadOnlyMemory<byte> input, DictionaryToken stream, int index, long limit) => filter switch
    {
        FlateFilter => Flate(input, DecodeParameterResolver.GetFilterParameters(stream, index), limit),
        Ascii85Filter => Ascii85(input.Span),
        AsciiHexDecodeFilter => (input.Length + 1L) / 2,
        CcittFaxDecodeFilter => CcittFax(stream, DecodeParameterResolver.GetFilterParameters(stream, index)),
        DctDecodeFilter or Jbig2DecodeFilter or JpxDecodeFilter when !filter.IsSupported => 0,
        _ => throw new DocumentRejectedException(
            $"The PDF uses a stream filter ({filter.GetType().Name}) whose output this server cannot bound by Ingestion:MaxUnpackedCharacters. "
            + "Print it to a new PDF and upload that."),
    };

    // The inflated data is held whole before the predictor reads it, so both count.
    private static long Flate(ReadOnlyMemory<byte> input, DictionaryToken parameters, long limit)
    {
        var inflated = Inflated(input, limit);
        return Math.Max(inflated, StreamPredictor.Footprint(inflated, StreamPredictor.Parameters.Read(parameters)));
    }

    // The inflated length of a zlib (or raw deflate) stream, counted up to one byte past the limit without keeping
    // the output.
    private static long Inflated(ReadOnlyMemory<byte> input, long limit)
    {
        var span = input.Span;
        var start = span.Length >= 2 && (span[0] & 0x0F) == 8 && ((span[0] << 8) | span[1]) % 31 == 0 ? 2 : 0;
        var compressed = MemoryMarshal.TryGetArray(input, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset + start, segment.Count - start, writable: false)
            : new MemoryStream(input[start..].ToArray(), writable: false);
        using var inflate = new DeflateStream(compressed, CompressionMode.Decompress);
        var scratch = new byte[81920];
        long length = 0;
        try
        {
            int read;
            while (length <= limit && (read = inflate.Read(scratch, 0, scratch.Length)) > 0)
            {
                length += read;
            }
        }
        catch (InvalidDataException)
        {
            // Not valid deflate from here on: what inflated before the error counts, and the stream is left to
            // PdfPig's own, more lenient, decoder.
            return length;
        }

        return length;
    }

    private static long Ascii85(ReadOnlySpan<byte> input)
    {
        long zeros = 0;
        long digits = 0;
        for (var i = 0; i < input.Length; i++)
        {
            var b = input[i];
            if (b == '~' && (i + 1 == input.Length || input[i + 1] == '>'))
            {
                break;
            }

            // PdfPig skips only these three and reads any other byte as a digit; skipping fewer than it does would
            // only make the bound larger.
            if (b == 'z')
            {
                zeros++;
            }
            else if (b is not ((byte)'\n' or (byte)'\r' or (byte)' '))
            {
                digits++;
            }
        }

        // A final group of k < 5 characters makes k − 1 bytes.
        return (4 * (zeros + (digits / 5))) + Math.Max(0, (digits % 5) - 1);
    }

    private static long CcittFax(DictionaryToken stream, DictionaryToken parameters)
    {
        long columns = Int(parameters, NameToken.Columns, FaxColumnsDefault);
        long rows = Math.Max(Int(parameters, NameToken.Rows, 0), Math.Max(Int(stream, NameToken.Height, 0), Int(stream, NameToken.H, 0)));
        if (columns <= 0)
        {
            return 0;
        }

        var rowBytes = (columns + 7) / 8;
        return (rowBytes * (rows + 1)) + (2 * sizeof(int) * (columns + 2));
    }

    // As PdfPig reads them: a number, or the default for anything else (an indirect reference included).
    private static int Int(DictionaryToken dictionary, NameToken name, int fallback) =>
        dictionary.TryGet(name, out NumericToken number) ? number.Int : fallback;
}
