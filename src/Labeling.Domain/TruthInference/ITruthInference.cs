namespace Labeling.Domain.TruthInference;

/// <summary>
/// A batch truth-inference method: from every answer at once to a posterior over labels for
/// each item. Implementations are deterministic for a given seed and never mutate their input.
/// </summary>
public interface ITruthInference
{
    /// <summary>The short name used on the command line and in reports (<c>ds</c>, <c>glad</c>, …).</summary>
    string Name { get; }

    /// <summary>Fits the model to <paramref name="data"/> and returns an immutable result.</summary>
    InferenceResult Fit(AnswerMatrix data);
}
