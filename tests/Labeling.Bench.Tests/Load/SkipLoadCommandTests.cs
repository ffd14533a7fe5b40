using System.Globalization;
using System.Text.RegularExpressions;
using Labeling.Bench.Tests.Live;

namespace Labeling.Bench.Tests.Load;

public sealed class SkipLoadCommandTests(LiveServerFixture fixture) : IClassFixture<LiveServerFixture>
{
    private readonly LiveServer _server = fixture.Server;

    [Fact]
    public void Run_SmallProject_SkipsEveryItemTheHonestWorkerLeftAndTimesTheThreePhases()
    {
        var run = BenchRun.Of("skip-load", "--server", _server.Url, "--token-data", _server.DataFolder,
            "--items", "300", "--seconds", "0.5", "--victim-rate", "20", "--rate", "40");

        Assert.True(run.ExitCode == 0, run.Error);
        // The honest worker's ten votes a phase leave each item in the pool (one vote decides nothing), so the skipper sees all.
        var skipped = Regex.Match(run.Out, @"(?m)^items skipped\s+(\d+) in ([\d.]+) s$");
        Assert.True(skipped.Success, run.Out);
        Assert.Equal(300, int.Parse(skipped.Groups[1].Value, CultureInfo.InvariantCulture));
        foreach (var phase in new[] { "honest worker alone", "while they were skipped", "beside the skipper at 40/s" })
        {
            Assert.Matches($@"(?m)^{phase}, lease\s+p50 [\d.]+ ms, p95", run.Out);
            Assert.Matches($@"(?m)^{phase}, vote\s+p50 [\d.]+ ms, p95", run.Out);
        }

        // Four loops at 10 a second each while the honest worker's ten pairs run (half a second at their pace): each got its
        // answers (all 204). The phase lasts as long as those pairs take, longer on a loaded machine (41 asked once in a
        // clean-clone CI run, against a bound of 40), so the bound above only catches a loop that does not keep its pace, which
        // would ask thousands of times.
        var asked = int.Parse(Regex.Match(run.Out, @"(?m)^skipper's requests\s+(\d+), p50").Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(asked, 12, 200);
    }
}
