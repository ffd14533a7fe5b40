using System.Text;
using Labeling.Application.Ingestion;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Tests.Ingestion;

public sealed class FilterOutputBoundTests
{
    private static readonly DictionaryToken Ascii85Stream = new(new Dictionary<NameToken, IToken> { [NameToken.Filter] = NameToken.Ascii85Decode });

    [Theory]
    [InlineData("87cURD]i,\"Ebo80~>", 12)]
    [InlineData("87cURD]i,\"Ebo8~>", 11)]
    [InlineData("87cURD]i,\"E~>", 8)]
    [InlineData("87cU\nRD]i,\"\tEbo80", 12)]
    [InlineData("zz87cURz~>", 16)]
    [InlineData("<~87cURD~>", 6)]
    public void Of_Ascii85_IsWhatPdfPigDecodes(string encoded, long expected)
    {
        var bytes = Encoding.ASCII.GetBytes(encoded);

        var bound = FilterOutputBound.Of(new Ascii85Filter(), bytes, Ascii85Stream, 0, long.MaxValue);

        Assert.Equal(expected, bound);
        Assert.Equal(expected, new Ascii85Filter().Decode(bytes, Ascii85Stream, DefaultFilterProvider.Instance, 0).Length);
    }

    [Fact]
    public void Of_Ascii85_NeverBelowWhatPdfPigDecodesFromJunk()
    {
        // Characters PdfPig may read as digits, skip, stop at or reject, in random order.
        const string alphabet = "!!uuzz~~>>  \n\t\r\f\0{|}\u0080abc";
        var random = new Random(5);
        for (var trial = 0; trial < 5_000; trial++)
        {
            var bytes = Enumerable.Range(0, random.Next(40)).Select(_ => (byte)alphabet[random.Next(alphabet.Length)]).ToArray();
            int decoded;
            try
            {
                decoded = new Ascii85Filter().Decode(bytes.ToArray(), Ascii85Stream, DefaultFilterProvider.Instance, 0).Length;
            }
            catch (InvalidOperationException)
            {
                continue;
            }

            Assert.True(
                FilterOutputBound.Of(new Ascii85Filter(), bytes, Ascii85Stream, 0, long.MaxValue) >= decoded,
                $"\"{Encoding.Latin1.GetString(bytes)}\" decodes to {decoded} bytes");
        }
    }

    [Theory]
    [InlineData(1728, 0, 100)]
    [InlineData(8000, 0, 1000)]
    [InlineData(16, 500, 1000)]
    [InlineData(9, 70, 0)]
    public void Of_FaxImage_AtLeastWhatPdfPigAllocates(int columns, int rows, int height)
    {
        var parameters = new Dictionary<NameToken, IToken> { [NameToken.K] = new NumericToken(-1), [NameToken.Columns] = new NumericToken(columns) };
        if (rows > 0)
        {
            parameters[NameToken.Rows] = new NumericToken(rows);
        }

        var stream = new Dictionary<NameToken, IToken> { [NameToken.Filter] = NameToken.CcittfaxDecode, [NameToken.DecodeParms] = new DictionaryToken(parameters) };
        if (height > 0)
        {
            stream[NameToken.Height] = new NumericToken(height);
        }

        var dictionary = new DictionaryToken(stream);
        var data = Enumerable.Repeat((byte)0xFF, 200).ToArray();

        var before = GC.GetAllocatedBytesForCurrentThread();
        new CcittFaxDecodeFilter().Decode(data, dictionary, DefaultFilterProvider.Instance, 0);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // PdfPig's own allocations beyond the image (its decoder's code tables) are a few kilobytes whatever the size.
        Assert.True(FilterOutputBound.Of(new CcittFaxDecodeFilter(), data, dictionary, 0, long.MaxValue) + 64_000 >= allocated);
    }

    [Fact]
    public void Of_EveryFilterPdfPigHas_IsDecodedByThisServerOrBounded()
    {
        // A PdfPig upgrade that adds a filter, or learns to decode images, must come with a bound for it.
        var stream = new DictionaryToken(new Dictionary<NameToken, IToken>());
        foreach (var filter in DefaultFilterProvider.Instance.GetAllFilters())
        {
            if (filter is not (LzwFilter or RunLengthFilter))
            {
                Assert.True(FilterOutputBound.Of(filter, new byte[] { 0x78, 0x9C, 3, 0, 0, 0, 0, 1 }, stream, 0, 1_000) >= 0, filter.GetType().Name);
            }
        }
    }
}
