using Labeling.Domain.Projects;
using Labeling.Domain.Routing;

namespace Labeling.Domain.Tests.Projects;

public sealed class ProjectValidationTests
{
    [Fact]
    public void Validate_WellFormedProject_HasNoErrors()
    {
        Assert.Empty(Project(TaskKind.SingleLabel, "spam", "ham").Validate());
    }

    [Theory]
    [InlineData(" ")]
    [InlineData("\t\n")]
    public void Validate_BlankTextColumn_SaysToNameOneOrLeaveItOut(string column)
    {
        // Taken, it failed every upload to the project (the parsers refuse a blank column name).
        var error = Assert.Single((Project(TaskKind.SingleLabel, "spam", "ham") with { TextColumn = column }).Validate());

        Assert.Equal("textColumn is blank: name the CSV column or JSON field that holds the text, or leave it out for the server's default.", error);
        Assert.Empty((Project(TaskKind.SingleLabel, "spam", "ham") with { TextColumn = "CONTENT" }).Validate());
    }

    [Fact]
    public void Validate_UnservedTaskKind_SaysToUseSingleLabel()
    {
        Assert.Contains(Project(TaskKind.PairwiseComparison, "a", "b").Validate(), e => e.Contains("single-label", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_RepeatedOrTooFewLabels_Explains()
    {
        Assert.Contains(Project(TaskKind.SingleLabel, "a", "a").Validate(), e => e.Contains("appears twice", StringComparison.Ordinal));
        Assert.Contains(Project(TaskKind.SingleLabel, "a").Validate(), e => e.Contains("at least two labels", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_MoreLabelsThanServed_OneErrorSayingTheLimit()
    {
        var labels = Enumerable.Range(0, 50_000).Select(i => i % 2 == 0 ? "same" : $"l{i}").ToArray();

        var errors = Project(TaskKind.SingleLabel, labels).Validate();

        Assert.Equal($"The schema has 50,000 labels; at most {LabelSchema.MaxLabels} are served (the truth model keeps a labels × labels confusion matrix for every labeler).", Assert.Single(errors));
        Assert.Empty(Project(TaskKind.SingleLabel, Enumerable.Range(0, LabelSchema.MaxLabels).Select(i => $"l{i}").ToArray()).Validate());
    }

    [Theory]
    [InlineData("spam ", "leading or trailing spaces")]
    [InlineData("a\nb", "control or format characters")]
    [InlineData("\u202Egnirts", "control or format characters")]
    [InlineData("sp\u200Bam", "control or format characters")]
    [InlineData("spam\uFE0F", "control or format characters")] // variation selector (third security probe)
    [InlineData("spam\U000E0100", "control or format characters")] // supplementary variation selector
    [InlineData("sp\u034Fam", "control or format characters")] // combining grapheme joiner
    [InlineData("\u3164", "control or format characters")] // Hangul filler: looks like nothing at all
    [InlineData("spam\u2065", "control or format characters")] // unassigned, default ignorable (review of the change)
    [InlineData("spam\U000E0080", "control or format characters")] // unassigned, default ignorable
    [InlineData("spam\u2800", "control or format characters")] // blank Braille pattern (fourth security probe)
    [InlineData("spam\U0001D159", "control or format characters")] // musical null notehead
    public void Validate_LabelWithInvisibleCharacters_Explains(string label, string expected)
    {
        var error = Assert.Single(Project(TaskKind.SingleLabel, "ham", label).Validate());

        Assert.Contains(expected, error, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error);
    }

    [Theory]
    [InlineData("café")]
    [InlineData("cafe\u0301")] // e + combining acute: a visible mark, allowed
    [InlineData("垃圾邮件")]
    [InlineData("спам")]
    public void Validate_LabelsInOtherScriptsOrWithAccents_AreAccepted(string label)
    {
        Assert.Empty(Project(TaskKind.SingleLabel, "ham", label).Validate());
    }

    [Theory]
    [InlineData("Spam")]
    [InlineData("ＳＰＡＭ")]
    public void Validate_LabelsThatReadTheSame_Explains(string other)
    {
        var error = Assert.Single(Project(TaskKind.SingleLabel, "spam", "ham", other).Validate());

        Assert.Contains($"'spam' and '{other}' differ only in case", error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("Demo")]
    [InlineData("has space")]
    [InlineData("")]
    public void Validate_IdNotLowercaseLettersDigitsOrDash_Explains(string id)
    {
        var error = Assert.Single((Project(TaskKind.SingleLabel, "a", "b") with { Id = id }).Validate());

        Assert.Contains("lowercase letters, digits and '-'", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_MoreRulesThanServed_OneErrorSayingTheLimit()
    {
        var rules = Enumerable.Range(0, 12_000).Select(i => new Labeling.Domain.Rules.LabelRule { Id = $"r{i}", Label = "a", Pattern = $"(a|aa)*[^a]x{i}" }).ToArray();
        var project = Project(TaskKind.SingleLabel, "a", "b");

        var errors = (project with { Rules = rules }).Validate();

        Assert.Equal($"The project has 12000 rules; the most is {Domain.Projects.Project.MaxRules} (every rule runs on every item).", Assert.Single(errors));
        Assert.Empty((project with { Rules = rules[..Domain.Projects.Project.MaxRules] }).Validate());
    }

    [Fact]
    public void Validate_OverlongName_SaysTheLimit()
    {
        var errors = (Project(TaskKind.SingleLabel, "a", "b") with { Name = new string('n', 201) }).Validate();

        Assert.Equal("The project name has 201 characters; the most is 200.", Assert.Single(errors));
    }

    [Theory]
    [InlineData("description", 2_001, "labels[1].description is 2,001 characters; at most 2,000")]
    [InlineData("instructions", 20_001, "instructions is 20,001 characters; at most 20,000")]
    public void Validate_DescriptionOrInstructionsTooLong_NamesTheFieldAndTheLimit(string field, int length, string said)
    {
        // Every task carries them: 700 KB of instructions made every lease a megabyte.
        var text = new string('x', length);

        var errors = WithTexts(field == "description" ? text : "", field == "instructions" ? text : "").Validate();

        Assert.StartsWith(said, Assert.Single(errors), StringComparison.Ordinal);
        Assert.Empty(WithTexts(new string('x', LabelSchema.MaxDescriptionCharacters), new string('x', LabelSchema.MaxInstructionsCharacters)).Validate());
    }

    [Theory]
    [InlineData("ESC \u001b[2J clears the screen", "U+001B")]
    [InlineData("NUL \u0000", "U+0000")]
    [InlineData("reversed \u202Edrow", "U+202E")]
    [InlineData("isolated \u2067drow\u2069", "U+2067")]
    public void Validate_InstructionsWithAControlOrOverrideCharacter_AreRefused(string instructions, string said)
    {
        var error = Assert.Single(WithTexts("", System.Text.RegularExpressions.Regex.Unescape(instructions)).Validate());

        Assert.Contains(said, error, StringComparison.Ordinal);
        Assert.Empty(WithTexts("Tabs\tand\r\nline breaks, é, 日本語, emoji 👍🏽", "Read the comment.\n\n1. Spam?\tMark it.").Validate());
    }

    [Fact]
    public void Capability_IsTheTaskKindName()
    {
        Assert.Equal("single-label", Project(TaskKind.SingleLabel, "a", "b").Capability);
    }

    private static Project Project(TaskKind kind, params string[] labels) => new(
        "p-1", "P", new LabelSchema(kind, labels.Select(l => new LabelDefinition(l, "")).ToArray(), ""), [], new RoutingSettings(), null, DateTimeOffset.UnixEpoch);

    private static Project WithTexts(string description, string instructions) => new(
        "p-1", "P", new LabelSchema(TaskKind.SingleLabel, [new LabelDefinition("spam", "unwanted"), new LabelDefinition("ham", description)], instructions), [], new RoutingSettings(), null, DateTimeOffset.UnixEpoch);
}
