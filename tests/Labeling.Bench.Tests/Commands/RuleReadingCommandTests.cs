using System.Globalization;

namespace Labeling.Bench.Tests.Commands;

public sealed class RuleReadingCommandTests
{
    [Fact]
    public void Rules_PreciseRule_PrintsARowPerCheckpoint_WithTheLoneVoteNearTheRulesPrecision()
    {
        var run = BenchRun.Of("rules", "--checkpoints", "300", "30", "--seed", "2");

        Assert.Equal(0, run.ExitCode);
        Assert.StartsWith("rule: precision 0.950, recall 0.400, fires on 2.1 % of ham", run.OutLines[0], StringComparison.Ordinal);
        Assert.StartsWith("checked votes  items  lone vote P(spam)", run.OutLines[1], StringComparison.Ordinal);
        var rows = run.OutLines.Skip(2).Select(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).ToArray();
        // In checkpoint order, whatever order they were given in.
        Assert.Equal(["30", "300"], rows.Select(r => r[0]));
        var last = rows[1].Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray();
        Assert.True(last[1] > 600, run.Out);
        // The rule's lone vote reads about its precision (read like a worker, it read about 0.75 after 100 checked votes
        // and 0.61 after 1,000); the items it stayed silent on read about their spam share, not the class prior's.
        Assert.InRange(last[2], 0.88, 0.99);
        Assert.InRange(last[4] - last[5], -0.05, 0.05);
        Assert.InRange(last[8], 0.85, 1.0);
        // The batch default on the same answers reads the lone vote about the same, and its class prior about even.
        Assert.InRange(last[9], 0.88, 0.99);
        Assert.InRange(last[10], 0.4, 0.6);
    }

    [Theory]
    [InlineData("--recall", "0", "--recall must be more than 0")]
    [InlineData("--precision", "1.5", "--precision must be a share between 0 and 1")]
    [InlineData("--spam-share", "1", "--spam-share must leave both classes some items")]
    public void Rules_BadSetting_ExitCode2NamingIt(string option, string value, string message)
    {
        var run = BenchRun.Of("rules", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rules_PrecisionRecallAndShareNeedingMoreThanEveryHamItem_ExitCode2()
    {
        var run = BenchRun.Of("rules", "--precision", "0.1", "--recall", "0.9");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("more than every ham item", run.Error, StringComparison.Ordinal);
    }
}
