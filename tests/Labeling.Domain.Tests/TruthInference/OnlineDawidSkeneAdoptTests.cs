using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

/// <summary>
/// <see cref="OnlineDawidSkene.Adopt"/>: two models loaded from one store (two Functions instances) each take votes; the one that
/// adopts the other's stored state of an item must hold exactly what the other holds for it, as if it had taken those votes itself.
/// </summary>
public sealed class OnlineDawidSkeneAdoptTests
{
    private static readonly string[] Labels = ["a", "b", "c"];

    [Fact]
    public void Adopt_ItemAnotherModelTookVotesOn_HoldsWhatThatModelHolds_AndContinuesAsItWould()
    {
        var store = History().ToState();
        var other = OnlineDawidSkene.FromState(store);
        var mine = OnlineDawidSkene.FromState(store);
        other.Observe("x", "w4", "b");
        other.Observe("x", "w5", "b");

        var changes = mine.Adopt(other.ItemState("x")!);

        Assert.NotEmpty(changes);
        AssertSameItem(other.ItemState("x")!, mine.ItemState("x")!);
        AssertSameCounts(other, mine);
        Assert.Equal(other.VoteCount, mine.VoteCount);
        Assert.Equal(other.ClassPriors(), mine.ClassPriors(), Tolerance(1e-12));
        Assert.Empty(mine.Adopt(other.ItemState("x")!));

        // The next vote on the item moves both models alike: it takes back exactly what the adopted posterior added.
        var expected = other.Observe("x", "w6", "b");
        var actual = mine.Observe("x", "w6", "b");
        Assert.Equal(expected, actual, Tolerance(1e-9));
        AssertSameCounts(other, mine);
    }

    [Fact]
    public void Adopt_ItemTheModelNeverSaw_AddsItAsALoadWould()
    {
        var store = History().ToState();
        var other = OnlineDawidSkene.FromState(store);
        var mine = OnlineDawidSkene.FromState(store);
        other.Observe("new", "w1", "c");
        other.Observe("new", "w2", "c");
        other.Observe("new", "w7", "a");

        mine.Adopt(other.ItemState("new")!);

        AssertSameItem(other.ItemState("new")!, mine.ItemState("new")!);
        AssertSameCounts(other, mine);
        Assert.Equal(other.VoteCount, mine.VoteCount);
        var reloaded = OnlineDawidSkene.FromState(mine.ToState());
        Assert.Equal(other.Posterior("new")!, reloaded.Posterior("new")!, Tolerance(1e-12));
    }

    [Fact]
    public void Adopt_VotesThisModelHasThatTheStoreDoesNot_AreTakenOutWithTheirCounts()
    {
        var store = History().ToState();
        var other = OnlineDawidSkene.FromState(store);
        var mine = OnlineDawidSkene.FromState(store);
        other.Observe("x", "w3", "a");
        other.Observe("x", "w4", "a");
        mine.Observe("x", "w8", "c"); // a vote the store never took (its write lost the race)

        mine.Adopt(other.ItemState("x")!);

        AssertSameItem(other.ItemState("x")!, mine.ItemState("x")!);
        Assert.Equal(other.VoteCount, mine.VoteCount);
        AssertSameCounts(other, mine);
        Assert.All(mine.Statistics("w8")!.ToState().Counts, c => Assert.Equal(0.0, c, 12));
        Assert.Equal(mine.Confusion("nobody").ToString(), mine.HeldOutConfusion("w8").ToString());
    }

    [Fact]
    public void Adopt_GoldItem_KeepsItsKnownLabel()
    {
        var store = History().ToState();
        var other = OnlineDawidSkene.FromState(store);
        var mine = OnlineDawidSkene.FromState(store);
        other.SetGold("x", "c");
        other.Observe("x", "w2", "c");

        mine.Adopt(other.ItemState("x")!);

        Assert.Equal([0.0, 0.0, 1.0], mine.Posterior("x")!);
        AssertSameCounts(other, mine);
    }

    [Fact]
    public void SetGold_ItemWithSeveralVotes_EachVoterHoldsTheGoldLabelOnly()
    {
        // A reviewer resolves an item in review: it has votes, and each of them had taught its voter the old posterior.
        var model = History();
        model.Observe("x", "w2", "a");
        model.Observe("x", "w3", "c");

        model.SetGold("x", "c");

        AssertCountsAreTheItemsContributions(model);
        var reread = OnlineDawidSkene.FromState(model.ToState());
        AssertSameCounts(reread, model);
    }

    [Fact]
    public void Adopt_GoldItemWithSeveralVotes_HoldsWhatTheResolvingModelHolds()
    {
        var store = History().ToState();
        var other = OnlineDawidSkene.FromState(store);
        var mine = OnlineDawidSkene.FromState(store);
        other.Observe("x", "w2", "a");
        mine.Observe("x", "w2", "a");
        other.SetGold("x", "a");

        mine.Adopt(other.ItemState("x")!);

        AssertSameItem(other.ItemState("x")!, mine.ItemState("x")!);
        AssertSameCounts(other, mine);
        AssertCountsAreTheItemsContributions(mine);
    }

    [Fact]
    public void Adopt_StateThatDoesNotFit_ThrowsAndChangesNothing()
    {
        var mine = History();
        var before = mine.ItemState("x")!;
        Assert.Throws<ArgumentException>(() => mine.Adopt(before with { Posterior = [1.0, 0.0] }));
        Assert.Throws<ArgumentException>(() => mine.Adopt(before with { Votes = [new VoteEvidenceState("w1", 3, null)] }));
        Assert.Throws<ArgumentException>(() => mine.Adopt(before with { Capability = "other" }));
        AssertSameItem(before, mine.ItemState("x")!);
    }

    // Forty items, six workers of different skill, and item x with one vote, as a store might hold them.
    private static OnlineDawidSkene History()
    {
        var model = new OnlineDawidSkene(Labels);
        var random = new Random(7);
        for (var i = 0; i < 40; i++)
        {
            var truth = i % 3;
            for (var w = 1; w <= 6; w++)
            {
                if (random.NextDouble() < 0.4) continue;
                var answer = random.NextDouble() < 0.5 + (w * 0.07) ? truth : random.Next(3);
                model.Observe($"i{i}", $"w{w}", Labels[answer]);
            }
        }

        model.Observe("x", "w1", "b");
        return model;
    }

    private static void AssertSameItem(ItemEvidenceState expected, ItemEvidenceState actual)
    {
        Assert.Equal(expected.Gold, actual.Gold);
        Assert.Equal(expected.Votes, actual.Votes);
        Assert.Equal(expected.Posterior!, actual.Posterior!, Tolerance(0));
    }

    // Every labeler's counts are the sum of the posteriors of the items it voted on that teach (two votes or gold), each at
    // the label it gave: what the online model keeps, vote after vote.
    private static void AssertCountsAreTheItemsContributions(OnlineDawidSkene model)
    {
        var state = model.ToState();
        var k = Labels.Length;
        var expected = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var item in state.Items.Where(i => i.Posterior is not null && (i.Votes.Length >= 2 || i.Gold is not null)))
        {
            foreach (var vote in item.Votes)
            {
                var counts = expected.TryGetValue(vote.Labeler, out var c) ? c : expected[vote.Labeler] = new double[k * k];
                for (var t = 0; t < k; t++) counts[(t * k) + vote.Label] += item.Posterior![t];
            }
        }

        foreach (var labeler in state.Labelers)
        {
            Assert.Equal(expected.GetValueOrDefault(labeler.Labeler) ?? new double[k * k], labeler.Counts, Tolerance(1e-9));
        }
    }

    private static void AssertSameCounts(OnlineDawidSkene expected, OnlineDawidSkene actual)
    {
        var want = expected.ToState().Labelers.ToDictionary(l => l.Labeler);
        foreach (var labeler in actual.ToState().Labelers)
        {
            var counts = want.TryGetValue(labeler.Labeler, out var w) ? w.Counts : new double[labeler.Counts.Length];
            Assert.Equal(counts, labeler.Counts, Tolerance(1e-9));
        }
    }

    private static IEqualityComparer<double> Tolerance(double tolerance) =>
        EqualityComparer<double>.Create((x, y) => Math.Abs(x - y) <= tolerance, _ => 0);
}
