namespace Labeling.Bench.Tests.Commands;

public sealed class ArgumentErrorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("inference")]
    [InlineData("inference", "--data")]
    [InlineData("inference", "--data", "x", "--format", "xml")]
    [InlineData("inference", "--data", "x", "--order", "random")]
    [InlineData("inference", "--data", "x", "--seed", "abc")]
    [InlineData("synth", "--items", "10")]
    [InlineData("frobnicate")]
    [InlineData()]
    public void Run_UnparsableArguments_ExitCode2WithErrorAndUsage(params string[] args)
    {
        var run = BenchRun.Of(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error:", run.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Fact]
    public void Run_UnknownMethod_ExitCode2ListingKnownMethods()
    {
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth);

        var run = BenchRun.Of("inference", "--data", folder, "--methods", "mv,nope");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Unknown method 'nope'", run.Error, StringComparison.Ordinal);
        Assert.Contains("online-ds", run.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DataFolderMissing_ExitCode2NamingIt()
    {
        var missing = Path.Combine(_temp.Path, "nowhere");

        var run = BenchRun.Of("inference", "--data", missing);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--data '{missing}' is not a folder", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--repeats", "0")]
    [InlineData("--timing-runs", "0")]
    public void Run_NonPositiveCount_ExitCode2(string option, string value)
    {
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth);

        var run = BenchRun.Of("inference", "--data", folder, option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"{option} must be at least 1", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_Help_ExitCode0WithUsageOnStdout()
    {
        var run = BenchRun.Of("inference", "--help");

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("--data", run.Out, StringComparison.Ordinal);
    }
}
