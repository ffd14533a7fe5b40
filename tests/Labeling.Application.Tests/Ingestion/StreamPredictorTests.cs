using System.IO.Compression;
using Labeling.Application.Ingestion;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Tests.Ingestion;

public sealed class StreamPredictorTests
{
    [Fact]
    public void TryUndo_EveryPredictorAndPixelLayout_SameBytesAsPdfPig()
    {
        // PdfPig undoes predictors after FlateDecode itself, so its output is the reference. The lengths include
        // short last rows and, for PNG, a last row that has only its type byte.
        var random = new Random(13);
        foreach (var predictor in new[] { 2, 5, 10, 11, 12, 13, 14, 15 })
        {
            foreach (var (colors, bits) in new[] { (1, 1), (1, 2), (3, 4), (1, 8), (3, 8), (4, 8), (2, 16) })
            {
                foreach (var columns in new[] { 1, 7, 33 })
                {
                    var parameters = new StreamPredictor.Parameters(predictor, colors, bits, columns);
                    var row = (int)parameters.RowLength + (parameters.IsPng ? 1 : 0);
                    foreach (var length in new[] { 0, 1, row, (3 * row) - 1, (5 * row) + 1, 200 })
                    {
                        var data = RandomRows(random, length, parameters.IsPng ? row : 0);

                        Assert.True(StreamPredictor.TryUndo(data.ToArray(), parameters, long.MaxValue, out var undone));

                        var pdfPig = PdfPigFlate(data, parameters);
                        Assert.True(pdfPig.AsSpan().SequenceEqual(undone.Span), $"{parameters}, {length} bytes");
                        Assert.Equal(pdfPig.Length, StreamPredictor.OutputLength(length, parameters));
                    }
                }
            }
        }
    }

    [Fact]
    public void Footprint_FiveBytesDeclaringAWideRow_IsTheWholeRow()
    {
        // Columns 100 million × 4 colours × 4 bits: one row is 200 MB, and PdfPig pads the five bytes out to it.
        var parameters = new StreamPredictor.Parameters(12, 4, 4, 100_000_000);

        Assert.Equal(200_000_000, StreamPredictor.Footprint(5, parameters));
        Assert.Equal(200_000_000, StreamPredictor.Footprint(0, parameters));
        Assert.False(StreamPredictor.TryUndo(new byte[5], parameters, 199_999_999, out _));
    }

    // Random bytes, with a valid PNG filter type (0 to 4, and 5, which PdfPig leaves as it is) at the start of each row.
    private static byte[] RandomRows(Random random, int length, int pngRow)
    {
        var data = new byte[length];
        random.NextBytes(data);
        for (var i = 0; pngRow > 0 && i < length; i += pngRow)
        {
            data[i] = (byte)random.Next(6);
        }

        return data;
    }

    private static byte[] PdfPigFlate(byte[] data, StreamPredictor.Parameters p)
    {
        using var packed = new MemoryStream();
        using (var zlib = new ZLibStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(data);
        }

        var parameters = new DictionaryToken(new Dictionary<NameToken, IToken>
        {
            [NameToken.Predictor] = new NumericToken(p.Predictor),
            [NameToken.Colors] = new NumericToken(p.Colors),
            [NameToken.BitsPerComponent] = new NumericToken(p.BitsPerComponent),
            [NameToken.Columns] = new NumericToken(p.Columns),
        });
        var stream = new DictionaryToken(new Dictionary<NameToken, IToken> { [NameToken.Filter] = NameToken.FlateDecode, [NameToken.DecodeParms] = parameters });
        return new FlateFilter().Decode(packed.ToArray(), stream, DefaultFilterProvider.Instance, 0).ToArray();
    }
}
