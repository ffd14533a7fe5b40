using System.Text;
using Labeling.Application.Ingestion;

namespace Labeling.Application.Tests.Ingestion;

public sealed class ContentHashTests
{
    [Fact]
    public void OfText_WhitespaceVariants_SameHash()
    {
        var a = ContentHash.OfText("Check out my channel");
        var b = ContentHash.OfText("  Check   out\tmy\r\nchannel \n");

        Assert.Equal(a, b);
    }

    [Fact]
    public void OfText_ComposedAndDecomposedAccent_SameHash()
    {
        Assert.Equal(ContentHash.OfText("caf\u00E9 song"), ContentHash.OfText("cafe\u0301 song"));
    }

    [Theory]
    [InlineData("cafe\u0301", "caf\u00E9")]
    [InlineData("\u1100\u1161\u11A8", "\uAC01")]
    [InlineData("\uAC00\u11A8x", "\uAC01x")]
    [InlineData("q\u0307\u0323", "q\u0323\u0307")]
    [InlineData("\u212B", "\u00C5")]
    [InlineData("\U0001D15E", "\U0001D157\U0001D165")]
    [InlineData("a\u0301\u0301", "\u00E1\u0301")]
    [InlineData("\u0B47\u0B3E", "\u0B4B")]
    [InlineData("e\u0301\u0327", "\u0229\u0301")]
    [InlineData("\u00C5\u0327", "\u00C5\u0327")]
    [InlineData("plain ascii", "plain ascii")]
    public void Normalize_UnicodeVariants_CanonicalComposedForm(string input, string expected)
    {
        // Expected values are Python's unicodedata.normalize("NFC", input).
        Assert.Equal(expected, ContentHash.Normalize(input));
    }

    [Fact]
    public void Normalize_UnpairedSurrogate_ReplacedInsteadOfThrowing()
    {
        Assert.Equal("a\uFFFDb\u00E9", ContentHash.Normalize("a\uD800 b e\u0301".Replace(" ", "", StringComparison.Ordinal)));
    }

    [Fact]
    public void OfText_DifferentCase_DifferentHash()
    {
        Assert.NotEqual(ContentHash.OfText("Subscribe!"), ContentHash.OfText("subscribe!"));
    }

    [Fact]
    public void OfText_KnownInput_Sha256AsLowercaseHex()
    {
        Assert.Equal("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", ContentHash.OfText(" abc "));
    }

    [Fact]
    public async Task OfBytes_BomAddedToSameText_FileHashDiffersButTextHashMatches()
    {
        var plain = Encoding.UTF8.GetBytes("hello");
        byte[] withBom = [0xEF, 0xBB, 0xBF, .. plain];
        using var stream = new MemoryStream(withBom);

        Assert.NotEqual(ContentHash.OfBytes(plain), ContentHash.OfBytes(withBom));
        Assert.Equal(ContentHash.OfBytes(withBom), await ContentHash.OfStreamAsync(stream));
        Assert.Equal("2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824", ContentHash.OfBytes(plain));
    }
}
