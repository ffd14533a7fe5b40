using System.Diagnostics;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Methods;

/// <summary>
/// A batch method from <see cref="InferenceMethods"/>. The answers are encoded into an
/// <see cref="AnswerMatrix"/> once, untimed; each timed run fits a fresh instance.
/// </summary>
internal sealed class BatchBenchMethod(string name) : IBenchMethod
{
    public string Name { get; } = name;

    public TimedFit Run(IReadOnlyList<Answer> stream, IReadOnlyList<string> labels, int timingRuns) =>
        Fit(AnswerMatrix.Create(stream, labels), timingRuns);

    /// <summary>Fits <paramref name="data"/> <paramref name="timingRuns"/> times; reports the fastest.</summary>
    public TimedFit Fit(AnswerMatrix data, int timingRuns)
    {
        InferenceResult? result = null;
        var best = double.PositiveInfinity;
        for (var run = 0; run < timingRuns; run++)
        {
            var method = InferenceMethods.Create(Name);
            var started = Stopwatch.GetTimestamp();
            result = method.Fit(data);
            best = Math.Min(best, Stopwatch.GetElapsedTime(started).TotalSeconds);
        }
        return new TimedFit(result!, best);
    }
}
