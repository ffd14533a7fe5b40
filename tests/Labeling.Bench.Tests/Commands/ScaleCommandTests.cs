namespace Labeling.Bench.Tests.Commands;

public sealed class ScaleCommandTests
{
    [Fact]
    public void Throughput_SmallStream_PrintsVotesPerSecondAndPeakMemory()
    {
        var run = BenchRun.Of("throughput", "--votes", "3001", "--workers", "40", "--labels", "3", "--overlap", "3");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("votes             3001", run.Out, StringComparison.Ordinal);
        Assert.Contains("votes/second", run.Out, StringComparison.Ordinal);
        Assert.Contains("peak working set", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchScale_SmallSet_PrintsFitSecondsMemoryAndTarget()
    {
        var run = BenchRun.Of("batch-scale", "--answers", "5000", "--workers", "100");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("answers           5000", run.Out, StringComparison.Ordinal);
        Assert.Contains("fit seconds", run.Out, StringComparison.Ordinal);
        Assert.Contains("managed heap", run.Out, StringComparison.Ordinal);
        Assert.Contains("target", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void BatchScale_OnlineMethod_ExitCode2()
    {
        var run = BenchRun.Of("batch-scale", "--answers", "5000", "--method", "online-ds");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--method must be a batch method", run.Error, StringComparison.Ordinal);
    }
}
