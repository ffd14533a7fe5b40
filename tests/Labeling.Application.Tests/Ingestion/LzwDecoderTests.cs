using Labeling.Application.Ingestion;
using UglyToad.PdfPig.Filters;
using UglyToad.PdfPig.Tokens;

namespace Labeling.Application.Tests.Ingestion;

public sealed class LzwDecoderTests
{
    [Theory]
    [InlineData(true, true, 2)]
    [InlineData(true, true, 256)]
    [InlineData(true, false, 4)]
    [InlineData(false, true, 4)]
    [InlineData(false, false, 256)]
    public void TryDecode_EncodedRandomData_GivesTheDataBackAsPdfPigDoes(bool earlyChange, bool clearWhenFull, int alphabet)
    {
        // Small alphabets make long sequences and fill the table many times over; large ones fill it with short ones.
        var random = new Random(7);
        var data = new byte[200_000];
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = (byte)random.Next(alphabet);
        }

        var encoded = LzwEncoder.Encode(data, earlyChange, clearWhenFull);

        Assert.True(LzwDecoder.TryDecode(encoded, earlyChange, long.MaxValue, out var decoded));
        Assert.Equal(data, decoded.ToArray());
        Assert.Equal(PdfPigLzw(encoded, earlyChange), decoded.ToArray());
    }

    [Fact]
    public void TryDecode_RunOf300MillionBytes_StopsAtTheLimitWithoutAllocatingTheOutput()
    {
        var bomb = LzwEncoder.Run((byte)' ', 300_000_000);
        Assert.True(bomb.Length < 300_000, $"the stream is {bomb.Length} bytes");

        var before = GC.GetAllocatedBytesForCurrentThread();
        var fits = LzwDecoder.TryDecode(bomb, earlyChange: true, limit: 1_000_000, out var decoded);
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.False(fits);
        Assert.True(decoded.IsEmpty);
        Assert.True(allocated < 100_000, $"decoding allocated {allocated:N0} bytes");
    }

    [Theory]
    [InlineData(100_000, true)]
    [InlineData(99_999, false)]
    public void TryDecode_RunOfExactlyTheLimit_IsDecodedAndOneByteOverIsNot(long limit, bool fits)
    {
        var run = LzwEncoder.Run((byte)'a', 100_000);

        Assert.Equal(fits, LzwDecoder.TryDecode(run, earlyChange: true, limit, out var decoded));
        Assert.Equal(fits ? 100_000 : 0, decoded.Length);
        Assert.All(decoded.ToArray(), b => Assert.Equal((byte)'a', b));
    }

    [Fact]
    public void TryDecode_DataEndsWithoutTheEndCode_KeepsWhatWasDecoded()
    {
        var codes = NineBitCodes(256, 'A', 'B', 'C');

        Assert.True(LzwDecoder.TryDecode(codes, earlyChange: true, long.MaxValue, out var decoded));
        Assert.Equal("ABC"u8.ToArray(), decoded.ToArray());
    }

    [Theory]
    [InlineData(new[] { 256, 'A', 'B', 300, 257 })]
    [InlineData(new[] { 256, 258, 257 })]
    public void TryDecode_CodeThatNamesNoSequence_Throws(int[] codes)
    {
        Assert.Throws<InvalidDataException>(() => LzwDecoder.TryDecode(NineBitCodes(codes), earlyChange: true, long.MaxValue, out _));
    }

    [Fact]
    public void TryDecode_CodeTheTableIsAboutToLearn_IsThePreviousSequenceAndItsFirstByte()
    {
        // 258 arrives before the decoder has learned it: it can only be "A" followed by "A".
        Assert.True(LzwDecoder.TryDecode(NineBitCodes(256, 'A', 258, 257), earlyChange: true, long.MaxValue, out var decoded));
        Assert.Equal("AAA"u8.ToArray(), decoded.ToArray());
    }

    internal static byte[] PdfPigLzw(byte[] encoded, bool earlyChange)
    {
        var parameters = new DictionaryToken(new Dictionary<NameToken, IToken> { [NameToken.EarlyChange] = new NumericToken(earlyChange ? 1 : 0) });
        var stream = new DictionaryToken(new Dictionary<NameToken, IToken> { [NameToken.Filter] = NameToken.LzwDecode, [NameToken.DecodeParms] = parameters });
        return new LzwFilter().Decode(encoded, stream, DefaultFilterProvider.Instance, 0).ToArray();
    }

    private static byte[] NineBitCodes(params int[] codes)
    {
        var bytes = new List<byte>();
        var (bits, pending) = (0UL, 0);
        foreach (var code in codes)
        {
            (bits, pending) = ((bits << 9) | (uint)code, pending + 9);
            while (pending >= 8)
            {
                pending -= 8;
                bytes.Add((byte)(bits >> pending));
            }
        }

        if (pending > 0)
        {
            bytes.Add((byte)(bits << (8 - pending)));
        }

        return [.. bytes];
    }
}
