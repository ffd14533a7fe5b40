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

    /// <summary>
    /// The order a live pipeline produces: items enter an active pool of <paramref name="poolSize"/>
    /// in the order given (as they are ingested), each vote goes to a pool item drawn at random
    /// (as workers lease them), and an item leaves the pool when its votes are used up. Votes of
    /// one item stay in their given order; answers must be grouped by item.
    /// </summary>
    public static Answer[] Pool(IReadOnlyList<Answer> answers, int poolSize, int seed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(poolSize, 1);
        var groups = new List<(int Start, int Count)>();
        for (var n = 0; n < answers.Count; n++)
        {
            if (n > 0 && string.Equals(answers[n].Item, answers[n - 1].Item, StringComparison.Ordinal))
                groups[^1] = (groups[^1].Start, groups[^1].Count + 1);
            else groups.Add((n, 1));
        }
        var random = new Random(seed);
        var result = new Answer[answers.Count];
        var pool = new List<(int Next, int End)>(poolSize);
        var nextGroup = 0;
        var written = 0;
        while (written < result.Length)
        {
            while (pool.Count < poolSize && nextGroup < groups.Count)
            {
                var (start, count) = groups[nextGroup++];
                pool.Add((start, start + count));
            }
            var slot = random.Next(pool.Count);
            var (next, end) = pool[slot];
            result[written++] = answers[next];
            if (next + 1 == end)
            {
                pool[slot] = pool[^1];
                pool.RemoveAt(pool.Count - 1);
            }
            else pool[slot] = (next + 1, end);
        }
        return result;
    }
}
