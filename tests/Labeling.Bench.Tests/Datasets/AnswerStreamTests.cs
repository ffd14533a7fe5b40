using Labeling.Bench.Datasets;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Tests.Datasets;

public sealed class AnswerStreamTests
{
    private static List<Answer> Grouped(int items, int perItem)
    {
        var answers = new List<Answer>();
        for (var i = 0; i < items; i++)
            for (var n = 0; n < perItem; n++) answers.Add(new Answer($"i{i}", $"w{n}", n.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        return answers;
    }

    [Fact]
    public void Pool_EveryAnswerOnceAndEachItemsVotesInOrder()
    {
        var answers = Grouped(200, 5);
        var pooled = AnswerStream.Pool(answers, poolSize: 10, seed: 3);
        Assert.Equal(answers.OrderBy(a => a.Item).ThenBy(a => a.Worker), pooled.OrderBy(a => a.Item).ThenBy(a => a.Worker));
        foreach (var group in pooled.GroupBy(a => a.Item))
            Assert.Equal(["w0", "w1", "w2", "w3", "w4"], group.Select(a => a.Worker));
        Assert.NotEqual(answers, pooled);
    }

    [Fact]
    public void Pool_NeverMoreItemsInFlightThanThePool()
    {
        var pooled = AnswerStream.Pool(Grouped(300, 4), poolSize: 7, seed: 1);
        Assert.Equal(1200, pooled.Length);
        var remaining = pooled.GroupBy(a => a.Item).ToDictionary(g => g.Key, g => g.Count());
        var open = new HashSet<string>();
        foreach (var a in pooled)
        {
            open.Add(a.Item);
            Assert.True(open.Count <= 7, $"{open.Count} items in flight");
            if (--remaining[a.Item] == 0) open.Remove(a.Item);
        }
    }

    [Fact]
    public void Shuffle_SameSeed_SamePermutation()
    {
        var answers = Grouped(50, 3);
        Assert.Equal(AnswerStream.Shuffle(answers, 9), AnswerStream.Shuffle(answers, 9));
        Assert.NotEqual(AnswerStream.Shuffle(answers, 9), AnswerStream.Shuffle(answers, 10));
    }
}
