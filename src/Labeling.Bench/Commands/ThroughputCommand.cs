using System.CommandLine;
using System.Globalization;
using Labeling.Bench.Datasets;
using Labeling.Bench.Methods;
using Labeling.Bench.Reporting;
using Labeling.Bench.Synthetic;
using Labeling.Bench.Terminal;

namespace Labeling.Bench.Commands;

/// <summary>
/// The <c>throughput</c> command: single-threaded votes per second of
/// <c>OnlineDawidSkene.Observe</c> over a synthetic stream, generated before the clock starts in
/// one of three orders: <c>pool</c> (default; as the pipeline produces votes — items enter an
/// active pool as they are ingested and collect their votes there), <c>shuffled</c> (every vote of
/// every item anywhere in the stream: the worst case for memory locality) or <c>given</c> (each
/// item's votes together). A first pass over the whole stream warms the JIT up (a server runs
/// at its optimised tier; a one-second run would otherwise time a second of tier-0 code), then
/// each of <c>--runs</c> passes feeds the stream to a fresh model; seconds and votes/second are
/// the best pass, with the median beside them, and votes per second of the process's CPU time
/// (GC threads included) in its best pass, which a machine shared with other work does not
/// inflate the way it inflates wall time.
/// </summary>
internal static class ThroughputCommand
{
    /// <summary>Builds the command.</summary>
    public static Command Create(BenchConsole console)
    {
        var votes = new Option<int>("--votes") { Description = "Votes in the stream.", DefaultValueFactory = _ => 1_000_000 };
        var labels = new Option<int>("--labels") { Description = "Number of classes K.", DefaultValueFactory = _ => 5 };
        var workers = new Option<int>("--workers") { Description = "Number of workers.", DefaultValueFactory = _ => 10_000 };
        var overlap = new Option<int>("--overlap") { Description = "Votes per item.", DefaultValueFactory = _ => 5 };
        var seed = new Option<int>("--seed") { Description = "Seed of the stream and its order.", DefaultValueFactory = _ => 1 };
        var order = new Option<string>("--order") { Description = "Stream order: pool, shuffled or given.", DefaultValueFactory = _ => "pool" };
        var pool = new Option<int>("--pool") { Description = "Active items in the pool order.", DefaultValueFactory = _ => 1_000 };
        var runs = new Option<int>("--runs") { Description = "Timed passes after the warm-up pass, each on a fresh model.", DefaultValueFactory = _ => 3 };
        var command = new Command("throughput", "Time OnlineDawidSkene.Observe over a synthetic vote stream on one thread.")
        {
            votes, labels, workers, overlap, seed, order, pool, runs,
        };
        command.SetAction(parse => Run(
            parse.GetValue(votes), parse.GetValue(labels), parse.GetValue(workers), parse.GetValue(overlap), parse.GetValue(seed),
            parse.GetValue(order)!, parse.GetValue(pool), parse.GetValue(runs), console));
        return command;
    }

    /// <summary>Generates the stream, times the observation loop and prints the figures.</summary>
    public static int Run(int votes, int labels, int workers, int overlap, int seed, string order, int pool, int runs, BenchConsole console)
    {
        if (runs < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--runs must be at least 1 (got {runs})."));
        if (pool < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--pool must be at least 1 (got {pool})."));
        if (votes < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--votes must be at least 1 (got {votes})."));
        if (overlap < 1) throw new UsageException(string.Create(CultureInfo.InvariantCulture, $"--overlap must be at least 1 (got {overlap})."));
        var options = new SyntheticCrowdOptions((int)Math.Ceiling((double)votes / overlap), workers, labels, overlap, seed);
        options.Validate();
        var crowd = InMemoryCrowd.Generate(options);
        var stream = order switch
        {
            "pool" => AnswerStream.Pool(crowd.Answers, pool, seed),
            "shuffled" => AnswerStream.Shuffle(crowd.Answers, seed),
            "given" => crowd.Answers.ToArray(),
            _ => throw new UsageException($"--order must be pool, shuffled or given (got '{order}')."),
        };
        stream = stream[..votes];
        crowd.Answers.Clear();
        crowd.Answers.TrimExcess();

        OnlineDawidSkeneBenchMethod.ObserveAll(stream, crowd.Labels);
        var timings = new double[runs];
        var cpu = new double[runs];
        for (var run = 0; run < runs; run++)
        {
            var cpuBefore = Environment.CpuUsage.TotalTime;
            timings[run] = OnlineDawidSkeneBenchMethod.ObserveAll(stream, crowd.Labels);
            cpu[run] = (Environment.CpuUsage.TotalTime - cpuBefore).TotalSeconds;
        }
        Array.Sort(timings);
        var seconds = timings[0];
        var median = timings[runs / 2];

        new FigureList()
            .Add("votes", Figures.Count(stream.Length))
            .Add("items", Figures.Count(options.Items))
            .Add("workers", Figures.Count(workers))
            .Add("labels", Figures.Count(labels))
            .Add("order", order == "pool" ? string.Create(CultureInfo.InvariantCulture, $"pool of {pool:N0} active items") : order)
            .Add("runs", Figures.Count(runs))
            .Add("seconds", Figures.Seconds(seconds))
            .Add("votes/second", Figures.Count((long)(stream.Length / seconds)))
            .Add("median votes/s", Figures.Count((long)(stream.Length / median)))
            .Add("votes/cpu-second", Figures.Count((long)(stream.Length / cpu.Min())))
            .Add("peak working set", Figures.Mebibytes(ProcessMemory.PeakWorkingSet()))
            .WriteTo(console.Out);
        return ExitCodes.Success;
    }
}
