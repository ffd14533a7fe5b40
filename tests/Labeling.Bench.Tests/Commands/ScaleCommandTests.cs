using System.Globalization;
using System.Text.RegularExpressions;

namespace Labeling.Bench.Tests.Commands;

public sealed class ScaleCommandTests
{
    [Fact]
    public void Throughput_SmallStream_PrintsVotesPerSecondAndPeakMemory()
    {
        var run = BenchRun.Of("throughput", "--votes", "3001", "--workers", "40", "--labels", "3", "--overlap", "3");

        Assert.Equal(0, run.ExitCode);
        var figures = Figures(run.Out);
        Assert.Equal("3001", figures["votes"]);
        // The figures are measured, not only named: the rate is the votes over the fastest run's seconds, and the
        // process held some memory. A rate printed as 0 (or from the wrong quotient) passed when only the names were checked.
        var seconds = Number(figures["seconds"]);
        var perSecond = Number(figures["votes/second"]);
        Assert.True(seconds > 0, run.Out);
        Assert.True(perSecond > 0, run.Out);
        Assert.Equal(Math.Floor(3001 / seconds), perSecond, 3001 / seconds * 0.01 + 1);
        Assert.True(Number(figures["median votes/s"]) <= perSecond, run.Out);
        Assert.True(Mebibytes(figures["peak working set"]) > 1, run.Out);
    }

    [Fact]
    public void BatchScale_SmallSet_PrintsFitSecondsMemoryAndTarget()
    {
        var run = BenchRun.Of("batch-scale", "--answers", "5000", "--workers", "100");

        Assert.Equal(0, run.ExitCode);
        var figures = Figures(run.Out);
        Assert.Equal("5000", figures["answers"]);
        var fit = Number(figures["fit seconds"]);
        var peak = Mebibytes(figures["peak working set"]);
        Assert.True(fit > 0, run.Out);
        Assert.True(Mebibytes(figures["managed heap"]) > 0, run.Out);
        Assert.True(peak > 1, run.Out);
        // The verdict follows the figures it names: fit under 3 s and peak working set under 1 GiB.
        var met = fit < 3.0 && peak < 1024;
        Assert.Equal($"fit < 3 s and peak working set < 1 GiB: {(met ? "met" : "NOT met")}", figures["target"]);
    }

    [Fact]
    public void BatchScale_OnlineMethod_ExitCode2()
    {
        var run = BenchRun.Of("batch-scale", "--answers", "5000", "--method", "online-ds");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--method must be a batch method", run.Error, StringComparison.Ordinal);
    }

    // The bench's "name  value" lines: names hold single spaces, and at least two stand between a name and its value.
    private static Dictionary<string, string> Figures(string output) =>
        output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => Regex.Match(line, @"^(\S+(?: \S+)*) {2,}(.+)$"))
            .Where(m => m.Success)
            .ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);

    private static double Number(string value) => double.Parse(value, CultureInfo.InvariantCulture);

    private static double Mebibytes(string value) => Number(value.EndsWith(" MiB", StringComparison.Ordinal) ? value[..^4] : throw new FormatException(value));
}
