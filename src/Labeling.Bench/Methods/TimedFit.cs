using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Methods;

/// <summary>A fitted result and the fastest of the timed runs that produced it.</summary>
/// <param name="Result">The posteriors of the last run.</param>
/// <param name="Seconds">Minimum wall time of fitting (or replaying) over the timed runs.</param>
internal readonly record struct TimedFit(InferenceResult Result, double Seconds);
