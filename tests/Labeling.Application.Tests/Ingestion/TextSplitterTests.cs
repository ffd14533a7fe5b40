using Labeling.Application.Ingestion;

namespace Labeling.Application.Tests.Ingestion;

public sealed class TextSplitterTests
{
    [Fact]
    public void Split_BlankLineParagraphs_OneItemPerParagraph()
    {
        var items = TextSplitter.Split("First para\nstill first.\n\n  \t\nSecond para.\r\n\r\nThird.", 2000);

        Assert.Equal(["First para still first.", "Second para.", "Third."], items);
    }

    [Fact]
    public void Split_ShortParagraph_KeptWholeAndNormalised()
    {
        var items = TextSplitter.Split("  a \t b\r\nc  ", 2000);

        Assert.Equal(["a b c"], items);
    }

    [Fact]
    public void Split_ParagraphOverLimit_SentencesPackedUpToLimit()
    {
        var items = TextSplitter.Split("One two three. Four five six! Seven eight nine? Ten.", 30);

        Assert.Equal(["One two three. Four five six!", "Seven eight nine? Ten."], items);
    }

    [Fact]
    public void Split_DotNotFollowedByWhitespace_NotASentenceEnd()
    {
        var items = TextSplitter.Split("Version 2.5 is out. Get it.", 20);

        Assert.Equal(["Version 2.5 is out.", "Get it."], items);
    }

    [Fact]
    public void Split_SentenceOverLimit_BreaksAtLastWhitespaceBeforeLimit()
    {
        var items = TextSplitter.Split("aaaa bbbb cccc dddd", 10);

        Assert.Equal(["aaaa bbbb", "cccc dddd"], items);
    }

    [Fact]
    public void Split_WhitespaceExactlyAtLimit_UsedAsBreak()
    {
        var items = TextSplitter.Split("aaaaa bbbbb", 5);

        Assert.Equal(["aaaaa", "bbbbb"], items);
    }

    [Fact]
    public void Split_WordOverLimit_HardCutAtLimit()
    {
        var items = TextSplitter.Split("https://example.com/abcdefghij", 10);

        Assert.Equal(["https://ex", "ample.com/", "abcdefghij"], items);
    }

    [Fact]
    public void Split_HardCutAtSurrogatePair_PairKeptTogether()
    {
        var items = TextSplitter.Split("abcd\U0001F600efgh", 5);

        Assert.Equal(["abcd", "\U0001F600efg", "h"], items);
    }

    [Fact]
    public void Split_BlankText_NoItems()
    {
        Assert.Empty(TextSplitter.Split(" \r\n\r\n\t ", 20));
    }

    [Fact]
    public void SplitParagraph_BlankLineInside_StaysOneItem()
    {
        var items = TextSplitter.SplitParagraph("first\n\nsecond", 2000);

        Assert.Equal(["first second"], items);
    }

    [Theory]
    [InlineData(7)]
    [InlineData(20)]
    [InlineData(57)]
    [InlineData(300)]
    public void Split_RandomText_EveryItemWithinLimitAndNoTextLost(int max)
    {
        var random = new Random(20261128 + max);
        string[] pieces = ["word", "a", "sentence.", "ends!", "really?", "2.5", "x", "supercalifragilistic", "\n", "\n\n", "  ", "\t"];
        var text = string.Join(' ', Enumerable.Range(0, 2000).Select(_ => pieces[random.Next(pieces.Length)]));

        var items = TextSplitter.Split(text, max);

        Assert.All(items, item =>
        {
            Assert.InRange(item.Length, 1, max);
            Assert.Equal(item.Trim(), item);
        });
        Assert.Equal(
            new string(text.Where(c => !char.IsWhiteSpace(c)).ToArray()),
            new string(string.Concat(items).Where(c => !char.IsWhiteSpace(c)).ToArray()));
    }
}
