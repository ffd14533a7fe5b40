using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Labeling.Bench.Methods;
using Labeling.Bench.Reporting;
using Labeling.Bench.Synthetic;
using Labeling.Bench.Terminal;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Commands;

/// <summary>
/// The <c>batch-scale</c> command: times one batch method (Dawid–Skene by default) on a large
/// synthetic crowd held in memory, against the target of 3 s and 1 GiB for a million answers.
/// </summary>
internal static class BatchScaleCommand
{
    private const double TargetSeconds = 3.0;
    private const long TargetBytes = 1L << 30;

    /// <summary>Builds the command.</summary>
    public static Command Create(BenchConsole console)
    {
        var answers = new Option<int>("--answers") { Description = "Answers in the data set (items = answers / overlap).", DefaultValueFactory = _ => 1_000_000 };
        var labels = new Option<int>("--labels") { Description = "Number of classes K.", DefaultValueFactory = _ => 5 };
        var workers = new Option<int>("--workers") { Description = "Number of workers.", DefaultValueFactory = _ => 10_000 };
        var overlap = new Option<int>("--overlap") { Description = "Distinct workers per item.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the data set.", DefaultValueFactory = _ => 1 };
        var method = new Option<string>("--method") { Description = "Batch method to time.", DefaultValueFactory = _ => "ds" };
        var timingRuns = new Option<int>("--timing-runs") { Description = "Timed fits; the fastest is reported.", DefaultValueFactory = _ => 1 };
        var command = new Command("batch-scale", "Time a batch method (default ds) on a synthetic million-answer set; print seconds and memory.")
        {
            answers, labels, workers, overlap, seed, method, timingRuns,
        };
        command.SetAction(parse => Run(
            new SyntheticCrowdOptions(
                (int)Math.Ceiling((double)Math.Max(parse.GetValue(answers), 1) / Math.Max(parse.GetValue(overlap), 1)),
                parse.GetValue(workers), parse.GetValue(labels), parse.GetValue(overlap), parse.GetValue(seed)),
            parse.GetRequiredValue(method), parse.GetValue(timingRuns), console));
        return command;
    }

    /// <summary>Generates the data, encodes it, times the fit and prints the figures.</summary>
    public static int Run(SyntheticCrowdOptions options, string methodName, int timingRuns, BenchConsole console)
    {
        options.Validate();
        if (timingRuns < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--timing-runs must be at least 1 (got {timingRuns})."));
        if (BenchMethods.Create(methodName) is not BatchBenchMethod batch)
            throw new UsageException($"--method must be a batch method ({string.Join(", ", InferenceMethods.Names)}), not '{methodName}'.");

        // JIT warm-up on a small crowd of the same shape, so the timing is of steady-state code.
        var warmUp = InMemoryCrowd.Generate(options with { Items = Math.Min(options.Items, 2_000) });
        batch.Run(warmUp.Answers, warmUp.Labels, timingRuns: 1);

        var crowd = InMemoryCrowd.Generate(options);
        var started = Stopwatch.GetTimestamp();
        var data = AnswerMatrix.Create(crowd.Answers, crowd.Labels);
        var encodeSeconds = Stopwatch.GetElapsedTime(started).TotalSeconds;
        var fit = batch.Fit(data, timingRuns);
        var heap = ProcessMemory.ManagedHeap();
        var peak = ProcessMemory.PeakWorkingSet();

        var met = fit.Seconds < TargetSeconds && peak < TargetBytes;
        new FigureList()
            .Add("method", batch.Name)
            .Add("answers", Figures.Count(fit.Result.Data.AnswerCount))
            .Add("items", Figures.Count(fit.Result.Data.ItemCount))
            .Add("workers", Figures.Count(fit.Result.Data.WorkerCount))
            .Add("labels", Figures.Count(fit.Result.Data.ClassCount))
            .Add("encode seconds", Figures.Seconds(encodeSeconds))
            .Add("fit seconds", Figures.Seconds(fit.Seconds))
            .Add("iterations", Figures.Count(fit.Result.Iterations))
            .Add("accuracy", Figures.Accuracy(crowd.Accuracy(fit.Result)))
            .Add("managed heap", Figures.Mebibytes(heap))
            .Add("peak working set", Figures.Mebibytes(peak))
            .Add("target", string.Create(CultureInfo.InvariantCulture, $"fit < {TargetSeconds} s and peak working set < 1 GiB: {(met ? "met" : "NOT met")}"))
            .WriteTo(console.Out);
        return ExitCodes.Success;
    }
}
