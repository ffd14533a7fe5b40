namespace Labeling.Bench.Tests.Replay;

public sealed class LiveArgumentErrorTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData("replay", "--server", "http://127.0.0.1:1")]
    [InlineData("replay", "--data", "x")]
    [InlineData("replay", "--data", "x", "--server", "http://127.0.0.1:1", "--format", "xml")]
    [InlineData("http-load", "--server", "http://127.0.0.1:1")]
    [InlineData("ingest-load", "--token-data", "x")]
    [InlineData("skip-load", "--server", "http://127.0.0.1:1")]
    public void Run_RequiredOptionMissingOrInvalid_ExitCode2WithUsage(params string[] args)
    {
        var run = BenchRun.Of(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("error:", run.Error, StringComparison.Ordinal);
        Assert.Contains("Usage:", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    [Theory]
    [InlineData("ftp://127.0.0.1:1", null, "is not an http(s) address")]
    [InlineData("http://127.0.0.1:1", null, "Give --token-data SERVERDATADIR")]
    [InlineData("http://127.0.0.1:1", "not-a-server-folder", "is not a server data folder")]
    public void Replay_BadServerOrTokenSource_ExitCode2SayingWhatToGive(string server, string? tokenData, string message)
    {
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth);
        string[] args = ["replay", "--data", folder, "--server", server];
        if (tokenData is not null) args = [.. args, "--token-data", Path.Combine(_temp.Path, tokenData)];

        var run = BenchRun.Of(args);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_AdminTokenWithoutKey_ExitCode2AskingForTokenData()
    {
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth);

        var run = BenchRun.Of("replay", "--data", folder, "--server", "http://127.0.0.1:1", "--admin-token", "t", "--reviewer-token", "t");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("Simulated workers need Labeler tokens", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--target-confidence", "0.4", "--target-confidence is 0.4")]
    [InlineData("--max-votes", "1", "--max-votes (1) is below --min-votes (2)")]
    [InlineData("--concurrency", "0", "--concurrency must be at least 1")]
    [InlineData("--runs", "0", "--runs must be at least 1 (got 0)")]
    [InlineData("--recheck-target", "maybe", "--recheck-target must be a probability such as 0.99, or off (got 'maybe')")]
    [InlineData("--recheck-target", "0.3", "--recheck-target is 0.3")]
    public void Replay_InvalidRouting_ExitCode2NamingTheOption(string option, string value, string message)
    {
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth);

        var run = BenchRun.Of("replay", "--data", folder, "--server", "http://127.0.0.1:1", option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_DataFolderMissing_ExitCode2NamingIt()
    {
        var missing = Path.Combine(_temp.Path, "nowhere");

        var run = BenchRun.Of("replay", "--data", missing, "--server", "http://127.0.0.1:1");

        Assert.Equal(2, run.ExitCode);
        Assert.Contains($"--data '{missing}' is not a folder", run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http-load", "--votes", "0", "--votes must be at least 1")]
    [InlineData("http-load", "--concurrency", "0", "--concurrency must be at least 1")]
    [InlineData("http-load", "--rate", "NaN", "--rate must be a number of votes per second, or 0 for a closed loop (got NaN)")]
    [InlineData("ingest-load", "--items", "0", "--items must be at least 1")]
    [InlineData("ingest-load", "--beside", "-1", "--beside must be 0 (no second project) or more (got -1)")]
    [InlineData("skip-load", "--items", "0", "--items must be at least 1")]
    [InlineData("skip-load", "--rate", "0", "--rate must be a positive number of requests a second (got 0)")]
    [InlineData("skip-load", "--victim-rate", "-1", "--victim-rate must be a positive number of pairs a second (got -1)")]
    [InlineData("skip-load", "--seconds", "NaN", "--seconds must be positive (got NaN)")]
    [InlineData("skip-load", "--items", "100", "--items (100) must be at least four times the honest worker's pairs a phase (200)")]
    public void LoadCommand_NonPositiveCount_ExitCode2(string command, string option, string value, string message)
    {
        var run = BenchRun.Of(command, "--server", "http://127.0.0.1:1", "--token-data", _temp.Path, option, value);

        Assert.Equal(2, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Replay_ServerNotListening_ExitCode1NamingTheRequest()
    {
        using var server = new TempFolder();
        File.WriteAllText(Path.Combine(server.Path, "labeling.db"), "");
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth);

        var run = BenchRun.Of("replay", "--data", folder, "--server", "http://127.0.0.1:1", "--token-data", server.Path);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("error:", run.Error, StringComparison.Ordinal);
    }
}
