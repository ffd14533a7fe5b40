using Labeling.Domain.Projects;
using Labeling.Domain.Rules;

namespace Labeling.Domain.Tests.Rules;

public sealed class LabelRuleTests
{
    private static readonly LabelSchema Schema = new(TaskKind.SingleLabel, [new("spam", ""), new("ham", "")], "");

    [Theory]
    [InlineData("Please SUBSCRIBE to my channel", "spam")]
    [InlineData("this song is beautiful", null)]
    [InlineData("", null)]
    public void Vote_Keyword_MatchesCaseInsensitivelyOrAbstains(string text, string? expected)
    {
        var rule = new LabelRule { Id = "subscribe", Label = "spam", Keywords = ["subscribe"] };

        Assert.Equal(expected, rule.Vote(text));
    }

    [Fact]
    public void Vote_CaseSensitiveKeyword_AbstainsOnOtherCase()
    {
        var rule = new LabelRule { Id = "s", Label = "spam", Keywords = ["Subscribe"], CaseSensitive = true };

        Assert.Null(rule.Vote("subscribe now"));
        Assert.Equal("spam", rule.Vote("Subscribe now"));
    }

    [Theory]
    [InlineData("visit http://x.example now", "spam")]
    [InlineData("go to www.example.com", "spam")]
    [InlineData("no link here", null)]
    public void Vote_Pattern_MatchesAnywhere(string text, string? expected)
    {
        var rule = new LabelRule { Id = "link", Label = "spam", Pattern = @"https?://|www\." };

        Assert.Equal(expected, rule.Vote(text));
    }

    [Fact]
    public void Vote_CatastrophicPatternTimesOut_Abstains()
    {
        var rule = new LabelRule { Id = "slow", Label = "spam", Pattern = "^(a+)+$" };

        Assert.Null(rule.Vote(new string('a', 40) + "!", out var timedOut));
        Assert.True(timedOut);
        Assert.Equal("spam", rule.Vote(new string('a', 5), out var quick));
        Assert.False(quick);
    }

    [Fact]
    public void Validate_OversizedRule_SaysEachLimit()
    {
        var errors = new LabelRule
        {
            Id = new string('r', LabelRule.MaxIdLength + 1),
            Label = "spam",
            Keywords = Enumerable.Range(0, LabelRule.MaxKeywords + 1).Select(i => $"k{i}").ToArray(),
            Pattern = new string('x', LabelRule.MaxPatternLength + 1),
        }.Validate(Schema);

        Assert.Equal(3, errors.Count);
        Assert.Contains(errors, e => e.Contains($"1 to {LabelRule.MaxIdLength} letters", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains($"at most {LabelRule.MaxKeywords} keywords", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Contains($"the most is {LabelRule.MaxPatternLength}", StringComparison.Ordinal));
        Assert.Empty(new LabelRule { Id = "ok", Label = "spam", Keywords = [new string('k', LabelRule.MaxKeywordLength)] }.Validate(Schema));
    }

    [Fact]
    public void Validate_LabelNotInSchema_SaysWhichLabelsExist()
    {
        var errors = new LabelRule { Id = "x", Label = "Spam", Keywords = ["a"] }.Validate(Schema);

        Assert.Contains(errors, e => e.Contains("[spam, ham]", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_BadPatternOrNoMatchers_Explains()
    {
        Assert.Contains(new LabelRule { Id = "x", Label = "spam", Pattern = "(" }.Validate(Schema), e => e.Contains("invalid pattern", StringComparison.Ordinal));
        Assert.Contains(new LabelRule { Id = "x", Label = "spam" }.Validate(Schema), e => e.Contains("at least one keyword", StringComparison.Ordinal));
    }
}
