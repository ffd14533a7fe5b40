using System.IO.Compression;
using System.Text;
using Labeling.Application.Ingestion;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Tests.Ingestion;

public sealed class UnpackBudgetTests
{
    private const string OneMillionPerStream =
        "A stream in the PDF unpacks to more than 1,000,000 bytes (Ingestion:MaxUnpackedCharacters). Split the document, or raise the limit if the file is genuine.";

    [Fact]
    public void Decode_LzwStreamOf300MillionBytes_RefusedWithoutDecodingIt()
    {
        var bomb = LzwEncoder.Run((byte)' ', 300_000_000);

        var (rejected, allocated) = Measure(() => Filter(NameToken.LzwDecode).Decode(bomb, Stream(NameToken.LzwDecode), DefaultFilterProvider.Instance, 0));

        Assert.Equal(OneMillionPerStream, rejected.Reason);
        Assert.True(allocated < 1_000_000, $"refusing the stream allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Decode_RunLengthStreamOf128MillionBytes_RefusedWithoutDecodingIt()
    {
        var bomb = RunLengthEncoder.Bomb((byte)' ', runs: 1_000_000);

        var (rejected, allocated) = Measure(() => Filter(NameToken.RunLengthDecode).Decode(bomb, Stream(NameToken.RunLengthDecode), DefaultFilterProvider.Instance, 0));

        Assert.Equal(OneMillionPerStream, rejected.Reason);
        Assert.True(allocated < 1_000_000, $"refusing the stream allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Decode_Ascii85OfZeros_RefusedWithoutDecodingIt()
    {
        // Each "z" is four zero bytes.
        var zeros = Encoding.ASCII.GetBytes(new string('z', 1_000_000) + "~>");

        var (rejected, allocated) = Measure(() => Filter(NameToken.Ascii85Decode).Decode(zeros, Stream(NameToken.Ascii85Decode), DefaultFilterProvider.Instance, 0));

        Assert.Equal(OneMillionPerStream, rejected.Reason);
        Assert.True(allocated < 1_000_000, $"refusing the stream allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Decode_FaxImageDeclaringTenMillionColumns_RefusedWithoutDecodingIt()
    {
        // PdfPig allocates its bitmap and two rows of integers from the declared size before reading a byte.
        var parameters = Dictionary((NameToken.K, new NumericToken(-1)), (NameToken.Columns, new NumericToken(10_000_000)));
        var stream = Dictionary((NameToken.Filter, NameToken.CcittfaxDecode), (NameToken.DecodeParms, parameters), (NameToken.Height, new NumericToken(1)));

        var (rejected, allocated) = Measure(() => Filter(NameToken.CcittfaxDecode).Decode(new byte[] { 0xFF, 0xFF }, stream, DefaultFilterProvider.Instance, 0));

        Assert.Equal(OneMillionPerStream, rejected.Reason);
        Assert.True(allocated < 1_000_000, $"refusing the stream allocated {allocated:N0} bytes");
    }

    [Fact]
    public void Decode_FlateWithAPredictorRowWiderThanTheLimit_RefusedWithoutDecodingIt()
    {
        // Five bytes of data, but a declared row of 10 MB that PdfPig would allocate twice and pad the data out to.
        var parameters = Dictionary((NameToken.Predictor, new NumericToken(12)), (NameToken.Columns, new NumericToken(10_000_000)));
        var stream = Dictionary((NameToken.Filter, NameToken.FlateDecode), (NameToken.DecodeParms, parameters));

        var (rejected, allocated) = Measure(() => Filter(NameToken.FlateDecode).Decode(Deflate([0, 1, 2, 3, 4]), stream, DefaultFilterProvider.Instance, 0));

        Assert.Equal(OneMillionPerStream, rejected.Reason);
        Assert.True(allocated < 1_000_000, $"refusing the stream allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData(2, 3, 8, 5)]
    [InlineData(12, 1, 8, 4)]
    [InlineData(15, 3, 8, 9)]
    [InlineData(14, 40, 8, 2)]
    public void Decode_LzwWithAPredictor_SameBytesAsPdfPig(int predictor, int colors, int bitsPerComponent, int columns)
    {
        var random = new Random(3);
        var data = new byte[5_000];
        random.NextBytes(data);
        var parameters = Dictionary(
            (NameToken.Predictor, new NumericToken(predictor)),
            (NameToken.Colors, new NumericToken(colors)),
            (NameToken.BitsPerComponent, new NumericToken(bitsPerComponent)),
            (NameToken.Columns, new NumericToken(columns)));
        var stream = Dictionary((NameToken.Filter, NameToken.LzwDecode), (NameToken.DecodeParms, parameters));
        var encoded = LzwEncoder.Encode(data);

        var decoded = Filter(NameToken.LzwDecode).Decode(encoded.ToArray(), stream, DefaultFilterProvider.Instance, 0);

        Assert.Equal(new LzwFilter().Decode(encoded.ToArray(), stream, DefaultFilterProvider.Instance, 0).ToArray(), decoded.ToArray());
    }

    [Fact]
    public void Decode_StreamsThatTogetherPassTenTimesTheLimit_RefusedNamingTheTotal()
    {
        var budget = new UnpackBudget(1_000);
        var run = LzwEncoder.Run((byte)'a', 1_000);
        var lzw = budget.GetNamedFilters([NameToken.LzwDecode])[0];
        for (var i = 0; i < 10; i++)
        {
            Assert.Equal(1_000, lzw.Decode(run, Stream(NameToken.LzwDecode), budget, 0).Length);
        }

        var rejected = Assert.Throws<DocumentRejectedException>(() => lzw.Decode(run, Stream(NameToken.LzwDecode), budget, 0));

        Assert.StartsWith("The PDF's streams unpack to more than 10,000 bytes in all", rejected.Reason, StringComparison.Ordinal);
    }

    // Runs the decode on this thread and counts what it allocated; it must be refused.
    private static (DocumentRejectedException Rejected, long Allocated) Measure(Func<Memory<byte>> decode)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var rejected = Assert.Throws<DocumentRejectedException>(() => decode());
        return (rejected, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    private static IFilter Filter(NameToken name) => new UnpackBudget(1_000_000).GetNamedFilters([name])[0];

    private static DictionaryToken Stream(NameToken filter) => Dictionary((NameToken.Filter, filter));

    private static DictionaryToken Dictionary(params (NameToken Key, IToken Value)[] entries) =>
        new(entries.ToDictionary(e => e.Key, e => e.Value));

    private static byte[] Deflate(byte[] data)
    {
        using var packed = new MemoryStream();
        using (var zlib = new ZLibStream(packed, CompressionLevel.Fastest, leaveOpen: true))
        {
            zlib.Write(data);
        }

        return packed.ToArray();
    }
}
