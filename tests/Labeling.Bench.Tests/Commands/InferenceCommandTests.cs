using System.Globalization;

namespace Labeling.Bench.Tests.Commands;

public sealed class InferenceCommandTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Run_TinyDataSetAsCsv_PrintsHeaderAndOneRowPerMethod()
    {
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth);

        var run = BenchRun.Of("inference", "--data", folder, "--methods", "mv,ds,online-ds", "--format", "csv");

        Assert.Equal(0, run.ExitCode);
        var lines = run.OutLines;
        Assert.Equal("dataset,method,accuracy,seconds,answers", lines[0]);
        Assert.Equal(4, lines.Length);
        Assert.Equal(["mv", "ds", "online-ds"], lines.Skip(1).Select(l => l.Split(',')[1]));
        var mv = lines[1].Split(',');
        Assert.Equal("tiny", mv[0]);
        Assert.Equal("0.6667", mv[2]);
        Assert.True(double.Parse(mv[3], System.Globalization.CultureInfo.InvariantCulture) >= 0);
        Assert.Equal("9", mv[4]);
    }

    [Fact]
    public void Run_TruthItemsWithoutAnswers_CountAsWrongWithNoteAndWarning()
    {
        var answers = TinyCrowd.Answers + "e,w1,\n";
        var truth = TinyCrowd.Truth + "d,x\ne,y\n";
        var folder = _temp.DataSet("gaps", answers, truth);

        var run = BenchRun.Of("inference", "--data", folder, "--methods", "mv", "--format", "csv");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("0.4000", run.OutLines[1].Split(',')[2]);
        Assert.Contains("warning: gaps: 1 truth row(s) name items absent from answers.csv", run.Error, StringComparison.Ordinal);
        Assert.Contains("note: gaps: 1 truth item(s) have no answers", run.Error, StringComparison.Ordinal);
        Assert.Equal("10", run.OutLines[1].Split(',')[4]);
    }

    [Fact]
    public void Run_LabelOnlyInTruth_CountsAsWrong()
    {
        var folder = _temp.DataSet("unseen", TinyCrowd.Answers, "item,label\na,x\nb,y\nc,z\n");

        var run = BenchRun.Of("inference", "--data", folder, "--methods", "mv", "--format", "csv");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal("0.6667", run.OutLines[1].Split(',')[2]);
        Assert.Contains("label no answer uses", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_TableFormat_EndsWithMeanRowPerMethod()
    {
        var first = _temp.DataSet("one", TinyCrowd.Answers, TinyCrowd.Truth);
        var second = _temp.DataSet("two", TinyCrowd.Answers, "item,label\na,x\nb,y\nc,y\n");

        var run = BenchRun.Of("inference", "--data", first, second, "--methods", "mv,ds");

        Assert.Equal(0, run.ExitCode);
        var lines = run.OutLines;
        Assert.StartsWith("dataset", lines[0], StringComparison.Ordinal);
        var meanMv = lines[^2].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(["mean", "mv", "0.8333"], meanMv[..3]);
        Assert.Equal("18", meanMv[4]);
        Assert.StartsWith("mean", lines[^1], StringComparison.Ordinal);
        Assert.Contains(" ds ", lines[^1], StringComparison.Ordinal);
    }

    [Fact]
    public void Run_ShuffledWithRepeats_PrintsOneAveragedRowPerMethod()
    {
        var folder = _temp.DataSet("split", SplitVotes.Answers, SplitVotes.Truth);

        var run = BenchRun.Of("inference", "--data", folder, "--methods", "mv,online-ds", "--order", "shuffled", "--seed", "5", "--repeats", "4", "--timing-runs", "2", "--format", "csv");

        Assert.Equal(0, run.ExitCode);
        Assert.Equal(3, run.OutLines.Length);
        var mv = run.OutLines[1].Split(',');
        Assert.Equal(["split", "mv", "0.6667"], mv[..3]);
        Assert.Equal("12", mv[4]);
        var perShuffle = Enumerable.Range(5, 4).Select(seed => ShuffledAccuracy(folder, "online-ds", seed)).ToArray();
        Assert.True(perShuffle.Distinct().Count() > 1, $"online-ds scored {string.Join(", ", perShuffle)} on every shuffle; the fixture no longer depends on order");
        var online = run.OutLines[2].Split(',');
        Assert.Equal(["split", "online-ds"], online[..2]);
        Assert.Equal(perShuffle.Average(), double.Parse(online[2], CultureInfo.InvariantCulture), 2e-4);
        Assert.Equal("12", online[4]);
    }

    [Fact]
    public void Run_WithProgress_KeepsStdoutFreeOfProgress()
    {
        var folder = _temp.DataSet("tiny", TinyCrowd.Answers, TinyCrowd.Truth);

        var run = BenchRun.Of(showProgress: true, "inference", "--data", folder, "--methods", "mv", "--format", "csv");

        Assert.Equal(0, run.ExitCode);
        Assert.DoesNotContain('\r', run.Out);
        Assert.Contains("inference [", run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_MalformedAnswers_ExitCode1NamingFileAndLine()
    {
        var folder = _temp.DataSet("broken", "item,worker,label\na,w1,x\na,w2\n", TinyCrowd.Truth);

        var run = BenchRun.Of("inference", "--data", folder, "--methods", "mv");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"{Path.Combine(folder, "answers.csv")}:3: expected 3 fields", run.Error, StringComparison.Ordinal);
        Assert.Equal("", run.Out);
    }

    private static double ShuffledAccuracy(string folder, string method, int seed)
    {
        var run = BenchRun.Of("inference", "--data", folder, "--methods", method, "--order", "shuffled", "--seed", seed.ToString(CultureInfo.InvariantCulture), "--format", "csv");
        Assert.Equal(0, run.ExitCode);
        return double.Parse(run.OutLines[1].Split(',')[2], CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Six items, two votes each; a, c and f are split, so online-ds resolves them by whichever labeler
    /// looks more reliable when their votes arrive, and its accuracy depends on the order. Majority vote
    /// takes the lower label on each split and scores 4/6.
    /// </summary>
    private static class SplitVotes
    {
        public const string Answers = """
            item,worker,label
            a,w1,y
            a,w2,x
            b,w1,x
            b,w2,x
            c,w2,y
            c,w3,x
            d,w1,y
            d,w3,y
            e,w2,y
            e,w3,y
            f,w1,y
            f,w3,x

            """;

        public const string Truth = """
            item,label
            a,y
            b,x
            c,x
            d,y
            e,y
            f,y

            """;
    }
}
