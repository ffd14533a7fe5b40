using System.Globalization;
using Labeling.Bench.Tests.Live;

namespace Labeling.Bench.Tests.Replay;

public sealed class ReplayCommandTests : IClassFixture<LiveServerFixture>, IDisposable
{
    private readonly LiveServer _server;
    private readonly TempFolder _temp = new();

    public ReplayCommandTests(LiveServerFixture fixture) => _server = fixture.Server;

    public void Dispose() => _temp.Dispose();

    // The replay command against the fixture's server, with its token data; options follow the data set folders.
    private BenchRun Replay(string[] data, params string[] options) =>
        BenchRun.Of(["replay", "--data", .. data, "--server", _server.Url, "--token-data", _server.DataFolder, .. options]);

    [Fact]
    public void Run_SparseCrowdTwiceAsCsv_OneSensibleRowPerDataSet()
    {
        var first = _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth);
        var second = _temp.DataSet("sparse-again", SparseCrowd.Answers, SparseCrowd.Truth);

        var run = Replay([first, second], "--format", "csv", "--concurrency", "4");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("dataset,accuracy,votes_used,votes_recorded,items", run.OutLines[0]);
        Assert.Equal(3, run.OutLines.Length);
        foreach (var (line, name) in run.OutLines.Skip(1).Zip(["sparse", "sparse-again"]))
        {
            var cells = line.Split(',');
            Assert.Equal(name, cells[0]);
            Assert.InRange(double.Parse(cells[1], CultureInfo.InvariantCulture), 0.8333, 1.0);
            Assert.InRange(int.Parse(cells[2], CultureInfo.InvariantCulture), 12, 14);
            Assert.Equal("14", cells[3]);
            Assert.Equal("6", cells[4]);
        }
        Assert.Contains("0 unexpected leases, 0 released unanswerable", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_AbstentionsAndARepeatedRow_RecordedVotesAreTheVotesAReplayCanCast()
    {
        // The sparse crowd plus two abstentions and w1's second row on a: 17 rows, of which a replay can cast 14. Counting
        // all 17 as recorded made at least 3 of 17 (18 %) "saved" by a replay that used every vote it could.
        var answers = SparseCrowd.Answers.TrimEnd() + "\nb,w3,\ne,w3,\na,w1,y\n";
        var folder = _temp.DataSet("sparse-noisy", answers, SparseCrowd.Truth);

        var run = Replay([folder], "--format", "csv", "--concurrency", "4", "--runs", "2");

        Assert.True(run.ExitCode == 0, run.Error);
        foreach (var line in run.OutLines.Skip(1))
        {
            var cells = line.Split(',');
            Assert.Equal("14", cells[3]);
            Assert.InRange(int.Parse(cells[2], CultureInfo.InvariantCulture), 12, 14);
        }
        // The reference is batch DS on those 14 votes: what `inference` gives on the sparse crowd itself.
        var ds = BenchRun.Of("inference", "--data", _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth), "--methods", "ds", "--format", "csv");
        Assert.True(ds.ExitCode == 0, ds.Error);
        var reference = double.Parse(ds.OutLines[1].Split(',')[2], CultureInfo.InvariantCulture);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"batch DS on all 14 recorded votes {reference:F4}"), run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Run_InterruptedMidReplay_ExitCode130AndALineNotAStackTrace()
    {
        // Ctrl+C during a replay was an unhandled TaskCanceledException: a stack trace and exit code 134.
        var answers = new System.Text.StringBuilder("item,worker,label\n");
        var truth = new System.Text.StringBuilder("item,label\n");
        for (var i = 0; i < 3000; i++)
        {
            foreach (var worker in new[] { "w1", "w2", "w3" }) answers.Append(CultureInfo.InvariantCulture, $"i{i},{worker},{(i % 2 == 0 ? "x" : "y")}\n");
            truth.Append(CultureInfo.InvariantCulture, $"i{i},{(i % 2 == 0 ? "x" : "y")}\n");
        }
        var folder = _temp.DataSet("big", answers.ToString(), truth.ToString());
        var start = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var arg in (string[])[Path.Combine(AppContext.BaseDirectory, "Labeling.Bench.dll"), "replay", "--data", folder, "--server", _server.Url, "--token-data", _server.DataFolder, "--format", "csv"])
            start.ArgumentList.Add(arg);
        Labeling.TestSupport.ForeignCulture.ApplyTo(start);
        using var bench = System.Diagnostics.Process.Start(start)!;
        var error = new System.Text.StringBuilder();
        var replaying = new TaskCompletionSource();
        bench.ErrorDataReceived += (_, e) =>
        {
            lock (error) error.AppendLine(e.Data);
            if (e.Data?.Contains("items in the pool", StringComparison.Ordinal) == true) replaying.TrySetResult();
        };
        bench.BeginErrorReadLine();
        var stdout = bench.StandardOutput.ReadToEndAsync();
        try
        {
            await replaying.Task.WaitAsync(TimeSpan.FromSeconds(120));
            using (var signal = System.Diagnostics.Process.Start("kill", ["-INT", bench.Id.ToString(CultureInfo.InvariantCulture)])) await signal.WaitForExitAsync();
            await bench.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        }
        finally
        {
            if (!bench.HasExited) bench.Kill(entireProcessTree: true);
        }

        string text;
        lock (error) text = error.ToString();
        Assert.True(bench.ExitCode == 130, text);
        Assert.Contains("cancelled: the run was stopped before it ended", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Unhandled exception", text, StringComparison.Ordinal);
        Assert.Equal("dataset,accuracy,votes_used,votes_recorded,items", (await stdout).Trim());
    }

    [Fact]
    public void Run_ABadDataSetAsCsv_NothingOnStdout()
    {
        // The header was written before the data sets were read: a script got a header-only table beside exit code 1.
        var good = _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth);
        var bad = _temp.DataSet("bad", "item,worker\na,w1\n", SparseCrowd.Truth);

        var run = Replay([good, bad], "--format", "csv");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("", run.Out);
        Assert.Contains("bad", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ThreeRunsAsCsv_ARowPerRunAndASummaryCountingTheRunsAtTheLine()
    {
        var folder = _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth);

        var run = Replay([folder], "--format", "csv", "--concurrency", "4", "--runs", "3");

        Assert.True(run.ExitCode == 0, run.Error);
        // The CSV keeps its one header; each run adds its row, and stdout holds nothing else.
        Assert.Equal("dataset,accuracy,votes_used,votes_recorded,items", run.OutLines[0]);
        Assert.Equal(4, run.OutLines.Length);
        var rows = run.OutLines.Skip(1).Select(l => l.Split(',')).ToList();
        Assert.All(rows, r => Assert.Equal("sparse", r[0]));
        var accuracies = rows.Select(r => double.Parse(r[1], CultureInfo.InvariantCulture)).ToList();
        var saved = rows.Select(r => 1 - (int.Parse(r[2], CultureInfo.InvariantCulture) / 14.0)).ToList();
        // The reference is what `inference` gives batch DS on all 14 recorded votes.
        var ds = BenchRun.Of("inference", "--data", folder, "--methods", "ds", "--format", "csv");
        Assert.True(ds.ExitCode == 0, ds.Error);
        var reference = double.Parse(ds.OutLines[1].Split(',')[2], CultureInfo.InvariantCulture);
        var within = accuracies.Count(a => a >= reference - 0.01 - 1e-9);
        var enough = saved.Count(s => s >= 0.30 - 1e-9);
        var both = accuracies.Zip(saved).Count(p => p.First >= reference - 0.01 - 1e-9 && p.Second >= 0.30 - 1e-9);
        var mean = accuracies.Average();
        var summary = string.Create(CultureInfo.InvariantCulture,
            $"summary: sparse: 3 runs: accuracy mean {mean:F4}, sd {Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / 2):F4}, {accuracies.Min():F4}–{accuracies.Max():F4}; batch DS on all 14 recorded votes {reference:F4}, within 1 point (at least {reference - 0.01:F4}) in {within} of 3; votes saved {saved.Min() * 100:F1}–{saved.Max() * 100:F1} %, at least 30 % in {enough} of 3; both in {both} of 3.");
        Assert.Contains(summary, run.Error, StringComparison.Ordinal);
        // The sparse crowd's items need two of their two or three votes, so no run can save 30 %.
        Assert.Equal(0, enough);
        Assert.Contains("sparse: run 3 of 3, on a new project.", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TwoFoldersOfOneNameTwice_EachSummedUpOnItsOwn()
    {
        var sparse = _temp.DataSet(Path.Combine("a", "crowd"), SparseCrowd.Answers, SparseCrowd.Truth);
        var tiny = _temp.DataSet(Path.Combine("b", "crowd"), TinyCrowd.Answers, TinyCrowd.Truth);

        var run = Replay([sparse, tiny], "--format", "csv", "--concurrency", "4", "--runs", "2");

        Assert.True(run.ExitCode == 0, run.Error);
        // Rows run by run: the two data sets of run 1, then of run 2.
        Assert.Equal(["14", "9", "14", "9"], run.OutLines.Skip(1).Select(l => l.Split(',')[3]));
        var summaries = run.Error.Split('\n').Where(l => l.StartsWith("summary: crowd: 2 runs: ", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, summaries.Count);
        Assert.Contains("batch DS on all 14 recorded votes", summaries[0], StringComparison.Ordinal);
        Assert.Contains("batch DS on all 9 recorded votes", summaries[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TwoRunsAsTable_RunColumnAndSummaryAfterTheTable()
    {
        var folder = _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth);

        var run = Replay([folder], "--concurrency", "4", "--runs", "2");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.StartsWith("dataset  run  accuracy  ds_refit", run.OutLines[0], StringComparison.Ordinal);
        Assert.StartsWith("sparse     1  ", run.OutLines[2], StringComparison.Ordinal);
        Assert.StartsWith("sparse     2  ", run.OutLines[3], StringComparison.Ordinal);
        Assert.StartsWith("sparse: 2 runs: accuracy mean ", run.OutLines[4], StringComparison.Ordinal);
        Assert.EndsWith("both in 0 of 2.", run.OutLines[4], StringComparison.Ordinal);
        Assert.Equal(5, run.OutLines.Length);
    }

    [Fact]
    public void Run_MaxVotesTwo_UndecidedItemsScoredByPosteriorWithNote()
    {
        var folder = _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth);

        var run = Replay([folder], "--target-confidence", "0.999999", "--max-votes", "2");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("maxCrowdVotes=2", run.Error, StringComparison.Ordinal);
        Assert.Contains("count with their current most likely label", run.Error, StringComparison.Ordinal);
        var row = run.OutLines.Single(l => l.StartsWith("sparse ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.InRange(double.Parse(row[1], CultureInfo.InvariantCulture), 0.8333, 1.0);
        Assert.InRange(double.Parse(row[2], CultureInfo.InvariantCulture), 0.8333, 1.0);
        Assert.Equal("12", row[3]);
        Assert.Equal("0", row[7]);
        Assert.Equal("6", row[8]);
        // Every item ended in review, and is compared item by item with batch DS on all 14 recorded votes.
        var breakdown = System.Text.RegularExpressions.Regex.Match(run.Error, @"sparse: item by item against batch DS on all 14 recorded votes: needs-review 6 \((\d) right; batch DS (\d)\)\.");
        Assert.True(breakdown.Success, run.Error);
        // The replay's right answers are its accuracy over the six truth rows.
        Assert.Equal(Math.Round(double.Parse(row[1], CultureInfo.InvariantCulture) * 6), double.Parse(breakdown.Groups[1].Value, CultureInfo.InvariantCulture));
        // And the reference's are what `inference` gives batch DS on the same files.
        var ds = BenchRun.Of("inference", "--data", folder, "--methods", "ds", "--format", "csv");
        Assert.True(ds.ExitCode == 0, ds.Error);
        Assert.Equal(Math.Round(double.Parse(ds.OutLines[1].Split(',')[2], CultureInfo.InvariantCulture) * 6), double.Parse(breakdown.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    [Fact]
    public void Run_RecheckTargetAboveEveryPosterior_ReopenedItemsGetTheVotesLeftAndTheLoopEnds()
    {
        var folder = _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth);

        var run = Replay([folder], "--format", "csv", "--target-confidence", "0.6", "--recheck-target", "0.999999", "--concurrency", "4");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("recheck=0.999999", run.Error, StringComparison.Ordinal);
        // Every decided item is doubted at that target; w3's two answers are all the crowd has left for them.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(run.Error, @"re-fit 1 re-opened [1-6] decided items \([1-6] back in the pool\); the crowd gave them [0-2] more votes"), run.Error);
        // Items the crowd cannot answer any more stay collecting, so a later re-fit finds nothing decided to re-open.
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(run.Error, @"sparse: server re-fit \(default\) x[2-9]: 0 labels revised, [1-9][0-9]* re-opened"), run.Error);
        var cells = run.OutLines[1].Split(',');
        Assert.InRange(int.Parse(cells[2], CultureInfo.InvariantCulture), 12, 14);
    }

    [Fact]
    public void Run_CalibrationAsCsv_CsvUnchangedAndTheReportOnStderrCountsWhatTheAccuracyCounts()
    {
        // Tiny's item c is y to every worker and x in truth; z has truth and no answers, so no item and no confidence.
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth + "z,x\n");

        var run = Replay([folder], "--format", "csv", "--concurrency", "4", "--calibration");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal("dataset,accuracy,votes_used,votes_recorded,items", run.OutLines[0]);
        Assert.Equal(2, run.OutLines.Length);
        // The replay's accuracy is over the four truth rows, z counted wrong; the calibration is over the three with an item.
        var right = (int)Math.Round(double.Parse(run.OutLines[1].Split(',')[1], CultureInfo.InvariantCulture) * 4);
        var lines = run.Error.Split('\n').Where(l => l.StartsWith("calibration: ", StringComparison.Ordinal)).Select(l => l["calibration: ".Length..]).ToList();
        Assert.Equal(2, lines.Count(l => l.StartsWith("calibration of tiny, by ", StringComparison.Ordinal)));
        Assert.Contains("calibration of tiny, by the confidence a decision was made with: 3 items with truth and a confidence, 1 without a label or posterior left out;", lines[0], StringComparison.Ordinal);
        var all = lines.First(l => l.StartsWith("all ", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("3", all[1]);
        Assert.Equal((3 - right).ToString(CultureInfo.InvariantCulture), all[6]);
        Assert.Equal(2, lines.Count(l => l.StartsWith("ECE ", StringComparison.Ordinal)));
        Assert.DoesNotContain("join is suspect", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_CalibrationAsTable_ReportFollowsTheTableOnStdoutAndIsAbsentWithoutTheOption()
    {
        var folder = _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth);

        var with = Replay([folder], "--concurrency", "4", "--calibration");
        var without = Replay([folder], "--concurrency", "4");

        Assert.True(with.ExitCode == 0, with.Error);
        Assert.True(without.ExitCode == 0, without.Error);
        Assert.StartsWith("dataset  accuracy  ds_refit", with.OutLines[0], StringComparison.Ordinal);
        Assert.StartsWith("sparse ", with.OutLines[2], StringComparison.Ordinal);
        Assert.StartsWith("calibration of sparse, by the confidence a decision was made with: 6 items with truth and a confidence;", with.OutLines[3], StringComparison.Ordinal);
        // Two reports of seven bins each.
        Assert.Equal(2, with.OutLines.Count(l => l.StartsWith("[0.99, 1.00] ", StringComparison.Ordinal)));
        Assert.Equal(14, with.OutLines.Count(l => l.StartsWith('[')));
        Assert.Equal(3, without.OutLines.Length);
        Assert.DoesNotContain("calibration", without.Out + without.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_RecheckOff_OneRefitAndNoReopening()
    {
        var folder = _temp.DataSet("sparse", SparseCrowd.Answers, SparseCrowd.Truth);

        var run = Replay([folder], "--format", "csv", "--recheck-target", "off", "--concurrency", "4");

        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Contains("recheck=off", run.Error, StringComparison.Ordinal);
        Assert.Contains("sparse: server re-fit (default) x1: 0 labels revised, 0 re-opened", run.Error, StringComparison.Ordinal);
    }
}
