using Labeling.Bench.Datasets;
using Labeling.Bench.Replay;
using Labeling.Domain.TruthInference;

namespace Labeling.Bench.Tests.Replay;

public sealed class PoolMirrorTests
{
    // Items a, b, c in upload order; w1 answers a and c, w2 answers b only, and w1 also has a repeated row and an abstention.
    private static readonly RecordedCrowd Crowd = RecordedCrowd.Of(new Dataset("mirror",
        [new Answer("a", "w1", "x"), new Answer("b", "w2", "y"), new Answer("c", "w1", "y"), new Answer("a", "w1", "y"), new Answer("b", "w1", null)],
        [new TruthRow("a", "x")]));

    [Fact]
    public void Castable_FirstLabelOfEachWorkerOnAnItem()
    {
        Assert.Equal([new Answer("a", "w1", "x"), new Answer("b", "w2", "y"), new Answer("c", "w1", "y")], Crowd.Castable);
        Assert.Equal(3, Crowd.VotesRecorded);
    }

    [Fact]
    public void Released_ItemBackInThePoolButNeverOfferedToThatWorkerAgain()
    {
        var mirror = new PoolMirror(Crowd);
        Assert.Equal(0, mirror.OfferFor(0));

        // w1 was handed b (which it cannot answer) and released it: b is free for w2, and w1's offers skip it.
        mirror.Lease(1);
        mirror.Released(0, 1);

        Assert.Equal(0, mirror.OfferFor(0));
        Assert.Equal(0, mirror.TopUnleased());
        mirror.Lease(0);
        Assert.Equal(2, mirror.OfferFor(0));
        Assert.Equal(1, mirror.OfferFor(1));
        Assert.Equal(3, mirror.Open);
    }
}
