using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Ingestion;

/// <summary>
/// The predictor a <c>FlateDecode</c> or <c>LZWDecode</c> stream may apply after decompressing
/// (PDF 32000-1 §7.4.4.4): how long its output is, and undoing it for <see cref="LzwDecoder"/>'s output.
/// </summary>
/// <remarks>
/// <para>The data is cut into rows of <c>⌈Columns × Colors × BitsPerComponent / 8⌉</c> bytes. Predictor 2 (TIFF)
/// adds each component to the one a pixel to its left; 10 to 15 (PNG) lead each row with a byte choosing None,
/// Sub, Up, Average or Paeth (RFC 2083 §6). Any other predictor above 1 leaves the bytes as they are but still
/// cuts them into rows. As in PdfPig (which does this for Flate), a last row that is short is padded with
/// zeros, and a PNG row that has only its type byte is dropped.</para>
/// <para>Rows are whole, so the output can be longer than the data by up to a row, and a row's width comes from
/// the stream's dictionary, not from its data: five bytes with a declared <c>Columns</c> of 100 million decode to
/// 200 MB. <see cref="Footprint"/> gives that length, so it can be checked before anything is allocated.</para>
/// </remarks>
internal static class StreamPredictor
{
    /// <summary>How many bytes undoing the predictor writes for <paramref name="dataLength"/> bytes of decompressed data.</summary>
    public static long OutputLength(long dataLength, Parameters parameters)
    {
        if (parameters.Predictor <= 1)
        {
            return dataLength;
        }

        var row = parameters.RowLength;
        if (row == 0)
        {
            return 0;
        }

        var rows = parameters.IsPng
            ? (dataLength / (row + 1)) + (dataLength % (row + 1) > 1 ? 1 : 0)
            : (dataLength + row - 1) / row;
        return rows > long.MaxValue / row ? long.MaxValue : rows * row;
    }

    /// <summary>
    /// What undoing the predictor costs, to check against the budget: its output, and at least a row's width when
    /// there is a predictor, since the decoder allocates its row buffers whatever the data holds.
    /// </summary>
    public static long Footprint(long dataLength, Parameters parameters) =>
        parameters.Predictor <= 1 ? dataLength : Math.Max(OutputLength(dataLength, parameters), parameters.RowLength);

    /// <summary>Undoes the predictor on <paramref name="decompressed"/>, or returns false when the output would pass <paramref name="limit"/> bytes.</summary>
    public static bool TryUndo(Memory<byte> decompressed, Parameters parameters, long limit, out Memory<byte> decoded)
    {
        if (parameters.Predictor <= 1)
        {
            decoded = decompressed;
            return true;
        }

        decoded = Memory<byte>.Empty;
        if (Footprint(decompressed.Length, parameters) > limit)
        {
            return false;
        }

        var data = decompressed.Span;
        var row = (int)parameters.RowLength;
        var output = new byte[OutputLength(data.Length, parameters)];
        var previous = new byte[row];
        var predictor = parameters.Predictor;
        var at = 0;
        for (var written = 0; written < output.Length; written += row)
        {
            if (parameters.IsPng)
            {
                predictor = 10 + data[at++];
            }

            var current = output.AsSpan(written, row);
            var take = Math.Min(row, data.Length - at);
            data.Slice(at, take).CopyTo(current);
            at += take;
            UndoRow(predictor, parameters, current, previous);
            current.CopyTo(previous);
        }

        decoded = output;
        return true;
    }

    private static void UndoRow(int predictor, Parameters p, Span<byte> row, ReadOnlySpan<byte> above)
    {
        var pixel = (int)((((long)p.Colors * p.BitsPerComponent) + 7) / 8);
        switch (predictor)
        {
            case 2:
                UndoTiff(p, row, pixel);
                break;
            case 11:
                for (var i = pixel; i < row.Length; i++)
                {
                    row[i] += row[i - pixel];
                }

                break;
            case 12:
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] += above[i];
                }

                break;
            case 13:
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] += (byte)(((i >= pixel ? row[i - pixel] : 0) + above[i]) / 2);
                }

                break;
            case 14:
                for (var i = 0; i < row.Length; i++)
                {
                    row[i] += Paeth(i >= pixel ? row[i - pixel] : (byte)0, above[i], i >= pixel ? above[i - pixel] : (byte)0);
                }

                break;
        }
    }

    // RFC 2083 §6.6: whichever of left, above and upper-left is closest to left + above − upper-left, ties in that order.
    private static byte Paeth(byte left, byte above, byte upperLeft)
    {
        var estimate = left + above - upperLeft;
        var (toLeft, toAbove, toUpperLeft) = (Math.Abs(estimate - left), Math.Abs(estimate - above), Math.Abs(estimate - upperLeft));
        return toLeft <= toAbove && toLeft <= toUpperLeft ? left : toAbove <= toUpperLeft ? above : upperLeft;
    }

    // TIFF predictor 2: each component is the difference from the same component of the pixel to its left.
    private static void UndoTiff(Parameters p, Span<byte> row, int pixel)
    {
        switch (p.BitsPerComponent)
        {
            case 8:
                for (var i = pixel; i < row.Length; i++)
                {
                    row[i] += row[i - pixel];
                }

                break;
            case 16:
                for (var i = pixel; i < row.Length - 1; i += 2)
                {
                    var sum = ((row[i] << 8) | row[i + 1]) + ((row[i - pixel] << 8) | row[i - pixel + 1]);
                    (row[i], row[i + 1]) = ((byte)(sum >> 8), (byte)sum);
                }

                break;
            default:
                // Components narrower than a byte, packed most significant first; the row is walked as in PdfPig, whose
                // one-bit single-colour case carries across the whole row rather than stopping at Columns.
                var bits = p.BitsPerComponent;
                var count = bits == 1 && p.Colors == 1 ? row.Length * 8L : (long)p.Columns * p.Colors;
                for (var i = p.Colors; i < count; i++)
                {
                    Set(row, i, bits, Get(row, i, bits) + Get(row, i - p.Colors, bits));
                }

                break;
        }
    }

    private static int Get(ReadOnlySpan<byte> row, long index, int bits)
    {
        var bit = index * bits;
        return (row[(int)(bit >> 3)] >> (8 - (int)(bit & 7) - bits)) & ((1 << bits) - 1);
    }

    private static void Set(Span<byte> row, long index, int bits, int value)
    {
        var bit = index * bits;
        var shift = 8 - (int)(bit & 7) - bits;
        var mask = ((1 << bits) - 1) << shift;
        ref var target = ref row[(int)(bit >> 3)];
        target = (byte)((target & ~mask) | ((value << shift) & mask));
    }

    /// <summary>A stream's predictor settings from its <c>DecodeParms</c>, with the defaults PDF gives them.</summary>
    internal readonly record struct Parameters(int Predictor, int Colors, int BitsPerComponent, int Columns)
    {
        private const int MaxColors = 32;

        /// <summary>Each row leads with a byte choosing its PNG filter.</summary>
        public bool IsPng => Predictor >= 10;

        /// <summary>Bytes in a row, without a PNG row's type byte; 0 when a setting is zero or negative.</summary>
        public long RowLength => Colors <= 0 || BitsPerComponent <= 0 || Columns <= 0
            ? 0
            : (((long)Columns * Colors * BitsPerComponent) + 7) / 8;

        /// <summary>The settings in <paramref name="decodeParms"/>; as in PdfPig (and PDFBox, which it follows), at most 32 colours.</summary>
        public static Parameters Read(DictionaryToken decodeParms) => new(
            Int(decodeParms, NameToken.Predictor, 1),
            Math.Min(Int(decodeParms, NameToken.Colors, 1), MaxColors),
            Int(decodeParms, NameToken.BitsPerComponent, 8),
            Int(decodeParms, NameToken.Columns, 1));

        // As PdfPig reads them: a number, or the default for anything else (an indirect reference included).
        internal static int Int(DictionaryToken dictionary, NameToken name, int fallback) =>
            dictionary.TryGet(name, out NumericToken number) ? number.Int : fallback;
    }
}
