using System.Globalization;
using Labeling.Bench.Datasets;
using Labeling.Bench.Evaluation;
using Labeling.Bench.Methods;
using Labeling.Bench.Reporting;
using Labeling.Bench.Terminal;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Commands;

/// <summary>
/// Runs every method on every data set. Data sets are loaded one at a time; before the first
/// timed fit each method runs once untimed on the first data set, so JIT compilation is not
/// charged to whichever method happens to come first.
/// </summary>
internal sealed class InferenceBenchmark(InferenceSettings settings, BenchConsole console)
{
    /// <summary>Runs the benchmark and returns the exit code.</summary>
    public int Run()
    {
        var methods = Validate();
        var repeats = settings.Order == AnswerOrder.Shuffled ? settings.Repeats : 1;
        if (settings.Order == AnswerOrder.Given && settings.Repeats > 1)
            console.Error.WriteLine("note: --repeats applies to --order shuffled only; file order is run once.");

        IBenchReport report = settings.Format == "csv" ? new CsvReport(console.Out) : new TableReport(console.Out);
        var total = (long)settings.DataDirectories.Count * methods.Count * repeats;
        var done = 0L;
        using (var progress = console.Progress("inference"))
        {
            for (var d = 0; d < settings.DataDirectories.Count; d++)
            {
                var dataset = DatasetLoader.Load(settings.DataDirectories[d]);
                foreach (var note in TruthCoverage.Of(dataset).Notes(dataset.Name)) progress.Note(note);
                if (d == 0)
                {
                    foreach (var method in methods) method.Run(dataset.Answers, dataset.AnswerLabels, timingRuns: 1);
                }

                foreach (var method in methods)
                {
                    double accuracy = 0, seconds = 0;
                    for (var r = 0; r < repeats; r++)
                    {
                        progress.Report(done, total, $"{dataset.Name} {method.Name}");
                        IReadOnlyList<Answer> stream = settings.Order == AnswerOrder.Shuffled
                            ? AnswerStream.Shuffle(dataset.Answers, settings.Seed + r)
                            : dataset.Answers;
                        var fit = method.Run(stream, dataset.AnswerLabels, settings.TimingRuns);
                        if (!fit.Result.Converged)
                            progress.Note(string.Create(CultureInfo.InvariantCulture, $"{dataset.Name} {method.Name}: stopped at its iteration cap ({fit.Result.Iterations}) before its stopping rule held; the figure is of that last iteration."));
                        accuracy += AccuracyScorer.Accuracy(fit.Result, dataset.Truth);
                        seconds += fit.Seconds;
                        done++;
                    }
                    progress.Report(done, total);
                    report.Add(new BenchRow(dataset.Name, method.Name, accuracy / repeats, seconds / repeats, dataset.Answers.Count));
                }
            }
        }
        report.Complete();
        return ExitCodes.Success;
    }

    // Everything checkable without reading data is checked first, so a typo fails in a second.
    private List<IBenchMethod> Validate()
    {
        if (settings.Repeats < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--repeats must be at least 1 (got {settings.Repeats})."));
        if (settings.TimingRuns < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--timing-runs must be at least 1 (got {settings.TimingRuns})."));
        if (settings.Methods.Count == 0) throw new UsageException("--methods names no method.");
        foreach (var directory in settings.DataDirectories)
        {
            if (!Directory.Exists(directory))
                throw new UsageException($"--data '{directory}' is not a folder; give folders that hold answers.csv and truth.csv.");
        }
        return settings.Methods.Select(BenchMethods.Create).ToList();
    }
}
