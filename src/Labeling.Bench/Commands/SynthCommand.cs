using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Labeling.Bench.Reporting;
using Labeling.Bench.Synthetic;
using Labeling.Bench.Terminal;

namespace Labeling.Bench.Commands;

/// <summary>The <c>synth</c> command: writes a simulated crowd with known truth as a data set folder.</summary>
internal static class SynthCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(BenchConsole console)
    {
        var items = new Option<int>("--items") { Description = "Number of items N.", DefaultValueFactory = _ => 1000 };
        var workers = new Option<int>("--workers") { Description = "Number of workers W (at least R).", DefaultValueFactory = _ => 100 };
        var labels = new Option<int>("--labels") { Description = "Number of classes K (labels 0..K-1).", DefaultValueFactory = _ => 5 };
        var overlap = new Option<int>("--overlap") { Description = "Distinct workers per item R.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed: the same seed writes the same files.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out") { Description = "Folder to write answers.csv and truth.csv into (created if missing).", Required = true };
        var command = new Command(
            "synth",
            "Write a simulated crowd with known truth: 30% experts (~0.9), 45% noisy (~0.65), 15% spammers (uniform or constant), 10% adversaries (c -> c+1).")
        {
            items, workers, labels, overlap, seed, output,
        };
        command.SetAction(parse =>
        {
            var options = new SyntheticCrowdOptions(
                parse.GetValue(items), parse.GetValue(workers), parse.GetValue(labels), parse.GetValue(overlap), parse.GetValue(seed));
            return Run(options, parse.GetRequiredValue(output), console);
        });
        return command;
    }

    /// <summary>Generates and writes the data set; returns the exit code.</summary>
    public static int Run(SyntheticCrowdOptions options, string directory, BenchConsole console)
    {
        options.Validate();
        var started = Stopwatch.GetTimestamp();
        var crowd = new SyntheticCrowd(options);
        long written;
        using (var progress = console.Progress("synth"))
        using (var writer = new CsvCrowdWriter(directory))
        {
            crowd.Generate(writer, done => progress.Report(done, options.Items));
            written = writer.AnswersWritten;
        }
        var kinds = crowd.Workers.GroupBy(w => w.Kind).ToDictionary(g => g.Key, g => g.Count());
        new FigureList()
            .Add("folder", Path.GetFullPath(directory))
            .Add("items", Figures.Count(options.Items))
            .Add("answers", Figures.Count(written))
            .Add("workers", Figures.Count(options.Workers))
            .Add("labels", Figures.Count(options.Labels))
            .Add("overlap", Figures.Count(options.Overlap))
            .Add("seed", Figures.Count(options.Seed))
            .Add("worker mix", string.Join(", ", Enum.GetValues<WorkerKind>().Select(k => string.Create(CultureInfo.InvariantCulture, $"{kinds.GetValueOrDefault(k)} {k}"))))
            .Add("seconds", Figures.Seconds(Stopwatch.GetElapsedTime(started).TotalSeconds))
            .WriteTo(console.Out);
        return ExitCodes.Success;
    }
}
