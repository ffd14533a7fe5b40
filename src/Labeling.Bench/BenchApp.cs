using System.CommandLine;
using System.Globalization;
using Labeling.Bench.Commands;
using Labeling.Bench.Datasets;
using Labeling.Bench.Live;
using Labeling.Bench.Load;
using Labeling.Bench.Replay;
using Labeling.Bench.Terminal;

namespace Labeling.Bench;

/// <summary>
/// The bench's entry point, callable in-process: results go to <c>stdout</c>, notes, errors and
/// progress to <c>stderr</c>. Exit codes are in <see cref="ExitCodes"/>.
/// </summary>
internal static class BenchApp
{
    /// <summary>Parses <paramref name="args"/>, runs the command and returns the exit code.</summary>
    /// <param name="args">The command line after the program name.</param>
    /// <param name="stdout">Receives results.</param>
    /// <param name="stderr">Receives errors, warnings and progress.</param>
    /// <param name="showProgress">Draw a progress line on <paramref name="stderr"/> (when it is a terminal).</param>
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr, bool showProgress = false)
    {
        // Arguments and figures read the same on every machine: "--target-confidence 0.9" is 0.9, not 9 on a German one
        // (System.CommandLine parses numbers by the current culture), and a CSV's 0.8426 is not written 0,8426.
        var culture = CultureInfo.CurrentCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        try
        {
            return RunInvariant(args, stdout, stderr, showProgress);
        }
        finally
        {
            CultureInfo.CurrentCulture = culture;
        }
    }

    private static int RunInvariant(string[] args, TextWriter stdout, TextWriter stderr, bool showProgress)
    {
        var console = new BenchConsole(stdout, stderr, showProgress);
        var root = new RootCommand("Benchmarks for truth inference (accuracy on labelled data sets, synthetic crowds, throughput) and for a live server (replay, HTTP load, ingestion).")
        {
            InferenceCommand.Create(console),
            SynthCommand.Create(console),
            ThroughputCommand.Create(console),
            RuleReadingCommand.Create(console),
            BatchScaleCommand.Create(console),
            ReplayCommand.Create(console),
            HttpLoadCommand.Create(console),
            IngestLoadCommand.Create(console),
            SkipLoadCommand.Create(console),
        };
        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) stderr.WriteLine($"error: {error.Message}");
            PrintUsage(root, parse, stderr);
            return ExitCodes.UsageError;
        }

        try
        {
            return parse.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            PrintUsage(root, parse, stderr);
            return ExitCodes.UsageError;
        }
        catch (DatasetFormatException e)
        {
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.DataError;
        }
        catch (OperationCanceledException)
        {
            // Ctrl+C: what was printed stands (a CSV holds the rows of the data sets that finished); no stack trace.
            stderr.WriteLine("cancelled: the run was stopped before it ended; what it printed covers only the work finished by then.");
            return ExitCodes.Cancelled;
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or TimeoutException or InvalidOperationException)
        {
            // A live-server command failed against the server; the message names the request.
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.DataError;
        }
        catch (System.Text.Json.JsonException e)
        {
            stderr.WriteLine($"error: the server answered JSON the bench cannot read: {e.Message}");
            return ExitCodes.DataError;
        }
        catch (IOException e)
        {
            // The connection ended mid-answer (a server stopped while streaming an export), or a file could not be read.
            stderr.WriteLine($"error: {e.Message}");
            return ExitCodes.DataError;
        }
    }

    // Prints the help of the command the user was typing (or of the root) to stderr.
    private static void PrintUsage(RootCommand root, ParseResult parse, TextWriter stderr)
    {
        var path = new List<string>();
        for (var result = parse.CommandResult; result.Parent is System.CommandLine.Parsing.CommandResult parent; result = parent)
            path.Insert(0, result.Command.Name);
        stderr.WriteLine();
        root.Parse([.. path, "--help"]).Invoke(new InvocationConfiguration { Output = stderr, Error = stderr });
    }
}
