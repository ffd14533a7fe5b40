using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.RegularExpressions;
using Labeling.Bench.Live;
using Labeling.Bench.Tests.Live;

namespace Labeling.Bench.Tests.Load;

public sealed class HttpLoadCommandTests(LiveServerFixture fixture) : IClassFixture<LiveServerFixture>
{
    private readonly LiveServer _server = fixture.Server;

    [Fact]
    public async Task Run_SmallLoad_CastsEveryVoteWithNobodyRetiredOnAProjectThatDoesNotRetire()
    {
        var run = BenchRun.Of("http-load", "--server", _server.Url, "--token-data", _server.DataFolder,
            "--votes", "300", "--warmup", "30", "--concurrency", "4");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"(?m)^votes\s+300$", run.Out);
        Assert.Matches(@"(?m)^workers retired by the server\s+0$", run.Out);
        Assert.True(double.Parse(Regex.Match(run.Out, @"(?m)^votes/second\s+([\d,]+)$").Groups[1].Value.Replace(",", "", StringComparison.Ordinal), CultureInfo.InvariantCulture) > 0, run.Out);

        // The load's voters answer at random: its project must not retire them part-way through a measurement.
        var project = Regex.Match(run.Error, @"note: project (http-load-[0-9a-f]{8}):").Groups[1].Value;
        using var http = new HttpClient { BaseAddress = new Uri(_server.Url) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", TokenMint.Create(_server.DataFolder, null, null).Admin());
        using var body = JsonDocument.Parse(await http.GetStringAsync($"api/projects/{project}"));
        Assert.False(body.RootElement.GetProperty("routing").GetProperty("retireUninformativeWorkers").GetBoolean());
    }

    [Fact]
    public void Run_Paced_OffersTheRateAndPrintsTheStartLag()
    {
        var run = BenchRun.Of("http-load", "--server", _server.Url, "--token-data", _server.DataFolder,
            "--votes", "200", "--warmup", "20", "--concurrency", "8", "--rate", "400");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Matches(@"(?m)^offered votes/second\s+400$", run.Out);
        Assert.Matches(@"(?m)^votes\s+200$", run.Out);
        Assert.Matches(@"(?m)^start lag\s+p50 ", run.Out);
        // 200 votes offered at 400 a second cannot all be cast in less than half a second.
        var seconds = double.Parse(Regex.Match(run.Out, @"(?m)^seconds\s+([\d.]+)$").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.True(seconds >= 0.49, run.Out);
        Assert.Contains("then 400 votes/second offered.", run.Error, StringComparison.Ordinal);
    }
}
