namespace Labeling.Bench.Tests.Commands;

public sealed class SynthCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Run_SmallCrowd_WritesRequestedCountsWithDistinctWorkersPerItem()
    {
        var folder = Path.Combine(_temp.Path, "synth");

        var run = BenchRun.Of("synth", "--items", "300", "--workers", "20", "--labels", "4", "--overlap", "5", "--seed", "3", "--out", folder);

        Assert.Equal(0, run.ExitCode);
        var answers = File.ReadAllLines(Path.Combine(folder, "answers.csv"));
        var truth = File.ReadAllLines(Path.Combine(folder, "truth.csv"));
        Assert.Equal("item,worker,label", answers[0]);
        Assert.Equal("item,label", truth[0]);
        Assert.Equal(1500, answers.Length - 1);
        Assert.Equal(300, truth.Length - 1);
        var rows = answers.Skip(1).Select(l => l.Split(',').Select(int.Parse).ToArray()).ToList();
        Assert.All(rows.GroupBy(r => r[0]), g => Assert.Equal(5, g.Select(r => r[1]).Distinct().Count()));
        Assert.All(rows, r => Assert.InRange(r[1], 0, 19));
        Assert.All(rows, r => Assert.InRange(r[2], 0, 3));
        Assert.Equal(Enumerable.Range(0, 300), truth.Skip(1).Select(l => int.Parse(l.Split(',')[0])));
        Assert.Contains("answers     1500", run.Out, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SameSeedTwice_WritesIdenticalFiles()
    {
        string[] Write(string name, string seed)
        {
            var folder = Path.Combine(_temp.Path, name);
            Assert.Equal(0, BenchRun.Of("synth", "--items", "500", "--workers", "30", "--overlap", "3", "--seed", seed, "--out", folder).ExitCode);
            return [File.ReadAllText(Path.Combine(folder, "answers.csv")), File.ReadAllText(Path.Combine(folder, "truth.csv"))];
        }

        var first = Write("a", "11");
        var again = Write("b", "11");
        var other = Write("c", "12");

        Assert.Equal(first, again);
        Assert.NotEqual(first[0], other[0]);
    }

    [Fact]
    public void Run_OverlapAboveWorkers_ExitCode2()
    {
        var run = BenchRun.Of("synth", "--workers", "3", "--overlap", "5", "--out", Path.Combine(_temp.Path, "x"));

        Assert.Equal(2, run.ExitCode);
        Assert.Contains("--workers (3) must be at least --overlap (5)", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_SynthesisedCrowd_DawidSkeneBeatsMajorityVote()
    {
        var folder = Path.Combine(_temp.Path, "crowd");
        Assert.Equal(0, BenchRun.Of("synth", "--items", "3000", "--workers", "60", "--labels", "4", "--overlap", "5", "--seed", "1", "--out", folder).ExitCode);

        var run = BenchRun.Of("inference", "--data", folder, "--methods", "mv,ds", "--format", "csv");

        Assert.Equal(0, run.ExitCode);
        var accuracy = run.OutLines.Skip(1).ToDictionary(l => l.Split(',')[1], l => double.Parse(l.Split(',')[2], System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(accuracy["ds"] > accuracy["mv"] + 0.02, $"ds {accuracy["ds"]} vs mv {accuracy["mv"]}");
    }
}
