using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Methods;

/// <summary>A truth-inference method as the bench runs it: answers in, timed result out.</summary>
internal interface IBenchMethod
{
    /// <summary>The name printed in reports and accepted by <c>--methods</c>.</summary>
    string Name { get; }

    /// <summary>
    /// Infers labels from <paramref name="stream"/> (in the order given) <paramref name="timingRuns"/>
    /// times and reports the fastest. Only the inference is timed: preparing the input is not.
    /// </summary>
    TimedFit Run(IReadOnlyList<Answer> stream, IReadOnlyList<string> labels, int timingRuns);
}
