using System.CommandLine;
using Labeling.Bench.Datasets;
using Labeling.Bench.Methods;
using Labeling.Bench.Terminal;

namespace Labeling.Bench.Commands;

/// <summary>The <c>inference</c> command line: accuracy and fitting time per data set and method.</summary>
internal static class InferenceCommand
{
    /// <summary>Builds the command; its action runs an <see cref="InferenceBenchmark"/>.</summary>
    public static Command Create(BenchConsole console)
    {
        var data = new Option<string[]>("--data")
        {
            Description = "Data set folders, each with answers.csv (item,worker,label) and truth.csv (item,label).",
            Required = true,
            AllowMultipleArgumentsPerToken = true,
            Arity = ArgumentArity.OneOrMore,
        };
        var methods = new Option<string[]>("--methods")
        {
            Description = $"Comma-separated methods. Default: all ({string.Join(",", BenchMethods.Names)}).",
            AllowMultipleArgumentsPerToken = true,
        };
        var order = new Option<string>("--order") { Description = "Answer order: given (file order) or shuffled.", DefaultValueFactory = _ => "given" };
        order.AcceptOnlyFromAmong("given", "shuffled");
        var seed = new Option<int>("--seed") { Description = "Seed of the shuffle (repeat r uses seed + r).", DefaultValueFactory = _ => 1 };
        var repeats = new Option<int>("--repeats") { Description = "With --order shuffled: shuffles to average accuracy and time over.", DefaultValueFactory = _ => 1 };
        var timingRuns = new Option<int>("--timing-runs") { Description = "Timed runs per measurement; the fastest is reported.", DefaultValueFactory = _ => 1 };
        var format = new Option<string>("--format") { Description = "Output: table (aligned, with mean rows) or csv.", DefaultValueFactory = _ => "table" };
        format.AcceptOnlyFromAmong("table", "csv");

        var command = new Command("inference", "Fit each method to each data set; print accuracy against truth.csv and fitting seconds.")
        {
            data, methods, order, seed, repeats, timingRuns, format,
        };
        command.SetAction(parse =>
        {
            var settings = new InferenceSettings(
                parse.GetRequiredValue(data),
                SplitNames(parse.GetValue(methods)),
                parse.GetValue(order) == "shuffled" ? AnswerOrder.Shuffled : AnswerOrder.Given,
                parse.GetValue(seed),
                parse.GetValue(repeats),
                parse.GetValue(timingRuns),
                parse.GetRequiredValue(format));
            return new InferenceBenchmark(settings, console).Run();
        });
        return command;
    }

    private static string[] SplitNames(string[]? values) =>
        values is null || values.Length == 0
            ? [.. BenchMethods.Names]
            : values.SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).ToArray();
}
