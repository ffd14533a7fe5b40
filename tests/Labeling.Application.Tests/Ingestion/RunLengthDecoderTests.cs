using Labeling.Application.Ingestion;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Tests.Ingestion;

public sealed class RunLengthDecoderTests
{
    [Theory]
    [InlineData(3)]
    [InlineData(256)]
    public void TryDecode_EncodedRandomData_GivesTheDataBackAsPdfPigDoes(int alphabet)
    {
        var random = new Random(11);
        var data = new byte[100_000];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)random.Next(alphabet);
        }

        var encoded = RunLengthEncoder.Encode(data);
        var pdfPig = new RunLengthFilter().Decode(encoded, new DictionaryToken(new Dictionary<NameToken, IToken>()), DefaultFilterProvider.Instance, 0);

        Assert.True(RunLengthDecoder.TryDecode(encoded, long.MaxValue, out var decoded));
        Assert.Equal(data, decoded.ToArray());
        Assert.Equal(pdfPig.ToArray(), decoded.ToArray());
    }

    [Fact]
    public void TryDecode_RunsPastTheLimit_RefusedWithoutAllocatingTheOutput()
    {
        var bomb = RunLengthEncoder.Bomb((byte)' ', runs: 1_000_000);

        var before = GC.GetAllocatedBytesForCurrentThread();
        var fits = RunLengthDecoder.TryDecode(bomb, limit: 1_000_000, out var decoded);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(fits);
        Assert.True(decoded.IsEmpty);
        Assert.True(allocated < 10_000, $"decoding 128,000,000 bytes' worth of runs allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData(new byte[] { 2, (byte)'a', (byte)'b', (byte)'c', 253, (byte)'x', 128, 0, (byte)'!' }, "abcxxxx")]
    [InlineData(new byte[] { 2, (byte)'a', (byte)'b', (byte)'c', 253, (byte)'x' }, "abcxxxx")]
    [InlineData(new byte[] { 5, (byte)'a', (byte)'b' }, "ab")]
    [InlineData(new byte[] { 1, (byte)'a', (byte)'b', 200 }, "ab")]
    [InlineData(new byte[0], "")]
    public void TryDecode_EndMarkerOrEndOfData_EndsTheOutput(byte[] encoded, string expected)
    {
        Assert.True(RunLengthDecoder.TryDecode(encoded, long.MaxValue, out var decoded));
        Assert.Equal(expected, System.Text.Encoding.ASCII.GetString(decoded.Span));
    }
}
