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
    public void Split_JapaneseWithoutSpaces_SplitAfterIdeographicFullStopsAndJoinedWithoutSpaces()
    {
        var items = TextSplitter.Split("これは日本語です。二つ目の文！三つ目？最後の文。", 12);

        Assert.Equal(["これは日本語です。", "二つ目の文！三つ目？", "最後の文。"], items);
    }

    [Fact]
    public void Split_LatinAndIdeographicSentences_KeepTheSpacesThatStood()
    {
        var items = TextSplitter.Split("First one. 第二の文。Third one! End.", 26);

        Assert.Equal(["First one. 第二の文。Third one!", "End."], items);
    }

    [Fact]
    public void Split_HardCutInsideEmojiSequence_SequenceKeptTogether()
    {
        // A family emoji is three people joined by zero-width joiners: eight UTF-16 code units, one character to a reader.
        const string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467";
        var items = TextSplitter.Split("aaa" + family + "bbb", 8);

        Assert.Equal(["aaa", family, "bbb"], items);
    }

    [Fact]
    public void Split_HardCutBeforeCombiningAccent_AccentStaysWithItsLetter()
    {
        // q has no precomposed form with an acute, so NFC (the splitter's first step) leaves the pair as two code points.
        var items = TextSplitter.Split("abcdq\u0301fgh", 5);

        Assert.Equal(["abcd", "q\u0301fgh"], items);
    }

    [Fact]
    public void Split_OneCharacterLongerThanTheLimit_CutAtTheLimit()
    {
        var zalgo = "q" + new string('\u0301', 9);

        var items = TextSplitter.Split(zalgo, 4);

        Assert.Equal(zalgo, string.Concat(items));
        Assert.All(items, item => Assert.InRange(item.Length, 1, 4));
    }

    [Fact]
    public void SplitParagraph_OneLetterUnderMillionsOfCombiningMarks_CutInSeconds()
    {
        // One text element: each hard cut measured it to its end, so 6,000,000 marks (a 12 MB file) took about a minute
        // (quadratic), and no parse timeout stops the splitter.
        var zalgo = "q" + new string('\u0301', 6_000_000);
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var items = TextSplitter.SplitParagraph(zalgo, 2000);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        Assert.All(items, item => Assert.InRange(item.Length, 1, 2000));
        Assert.Equal(TextSplitter.StreamSafe(zalgo), string.Concat(items));
    }

    [Fact]
    public void Split_LetterUnderAlternatingAccents_NormalisedInSecondsWithAJoinerEvery30Marks()
    {
        // Acute (combining class 230) and grave below (220) alternating: NFC sorts a run of marks by insertion, and
        // 100,000 pairs (400 KB of UTF-8) took about 30 s.
        var text = "q" + string.Concat(Enumerable.Repeat("\u0301\u0316", 100_000));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        var items = TextSplitter.Split(text, 1_000_000);

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
        var run = new string('\u0316', 15) + new string('\u0301', 15) + "\u034F";
        Assert.Equal("q" + string.Concat(Enumerable.Repeat(run, 6_666)) + new string('\u0316', 10) + new string('\u0301', 10), items.Single());
        // A gold text is hashed as the same text in a file: the same joiners.
        Assert.Equal(items.Single(), ContentHash.Normalize(text));
    }

    [Fact]
    public void Split_DecomposedAndComposedText_CutAtTheSamePlacesIntoTheSameItems()
    {
        var composed = string.Concat(Enumerable.Repeat("café ", 50));

        Assert.Equal(TextSplitter.Split(composed, 40), TextSplitter.Split(composed.Normalize(System.Text.NormalizationForm.FormD), 40));
        Assert.Equal(TextSplitter.SplitParagraph(composed, 40), TextSplitter.SplitParagraph(composed.Normalize(System.Text.NormalizationForm.FormD), 40));
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
        string[] pieces = ["word", "a", "sentence.", "ends!", "really?", "2.5", "x", "supercalifragilistic", "\n", "\n\n", "  ", "\t",
            "日本語の文です。", "文！続く", "e\u0301", "\U0001F468\u200D\U0001F469\u200D\U0001F467"];
        var text = string.Join(' ', Enumerable.Range(0, 2000).Select(_ => pieces[random.Next(pieces.Length)]));

        var items = TextSplitter.Split(text, max);

        Assert.All(items, item =>
        {
            Assert.InRange(item.Length, 1, max);
            Assert.Equal(item.Trim(), item);
        });
        // Nothing lost of the text in NFC, the form the splitter puts it in first ("e" and a combining acute become "é").
        Assert.Equal(
            new string(text.Normalize(System.Text.NormalizationForm.FormC).Where(c => !char.IsWhiteSpace(c)).ToArray()),
            new string(string.Concat(items).Where(c => !char.IsWhiteSpace(c)).ToArray()));
    }
}
