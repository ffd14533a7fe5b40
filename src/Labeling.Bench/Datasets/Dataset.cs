using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Datasets;

/// <summary>A benchmark data set: the answer stream in file order and the known labels.</summary>
/// <param name="Name">The folder's name, as reports print it.</param>
/// <param name="Answers">Every row of answers.csv in file order (abstentions included).</param>
/// <param name="Truth">Every row of truth.csv in file order; items are unique.</param>
internal sealed record Dataset(string Name, IReadOnlyList<Answer> Answers, IReadOnlyList<TruthRow> Truth)
{
    /// <summary>The labels answers use, in the order <see cref="AnswerMatrix.Create"/> would give them.</summary>
    public IReadOnlyList<string> AnswerLabels { get; } =
        AnswerMatrix.SortLabels(Answers.Where(a => !a.IsAbstention).Select(a => a.Label!));
}
