using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Datasets;

/// <summary>Reordering of answer streams.</summary>
internal static class AnswerStream
{
    /// <summary>
    /// A copy of <paramref name="answers"/> shuffled with Fisher–Yates driven by
    /// <c>new Random(seed)</c>, so a seed names one permutation on every machine.
    /// </summary>
    public static Answer[] Shuffle(IReadOnlyList<Answer> answers, int seed)
    {
        var copy = answers.ToArray();
        var random = new Random(seed);
        for (var i = copy.Length - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (copy[i], copy[j]) = (copy[j], copy[i]);
        }
        return copy;
    }
}
