using System.Diagnostics;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Methods;

/// <summary>
/// Online Dawid–Skene (<see cref="OnlineDawidSkene"/>) replayed over the stream in the order
/// given, one pass with default options. The replay is timed whole: it is what a deployment pays.
/// </summary>
internal sealed class OnlineDawidSkeneBenchMethod : IBenchMethod
{
    /// <summary>The name of this method on the command line.</summary>
    public const string MethodName = "online-ds";

    public string Name => MethodName;

    public TimedFit Run(IReadOnlyList<Answer> stream, IReadOnlyList<string> labels, int timingRuns)
    {
        InferenceResult? result = null;
        var best = double.PositiveInfinity;
        for (var run = 0; run < timingRuns; run++)
        {
            var started = Stopwatch.GetTimestamp();
            result = OnlineDawidSkene.Replay(stream, labels);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return new TimedFit(result!, best);
    }

    /// <summary>Feeds every vote to one <see cref="OnlineDawidSkene"/> and returns the seconds taken.</summary>
    public static double ObserveAll(IReadOnlyList<Answer> stream, IReadOnlyList<string> labels)
    {
        var model = new OnlineDawidSkene(labels);
        var started = Stopwatch.GetTimestamp();
        for (var n = 0; n < stream.Count; n++)
        {
            var vote = stream[n];
            if (vote.IsAbstention) continue;
            model.Observe(vote.Item, vote.Worker, vote.Label!);
        }
        return Stopwatch.GetElapsedTime(started).TotalSeconds;
    }
}
