using Labeling.Bench.Synthetic;

namespace Labeling.Bench.Tests.Synthetic;

public sealed class SyntheticCrowdTests
{
    [Fact]
    public void Workers_LargeCrowd_FollowTheDocumentedMix()
    {
        var crowd = new SyntheticCrowd(new SyntheticCrowdOptions(Items: 1, Workers: 20_000, Labels: 5, Overlap: 1, Seed: 4));

        double Share(WorkerKind kind) => crowd.Workers.Count(w => w.Kind == kind) / 20_000.0;

        Assert.InRange(Share(WorkerKind.Expert), SyntheticCrowd.ExpertShare - 0.015, SyntheticCrowd.ExpertShare + 0.015);
        Assert.InRange(Share(WorkerKind.Noisy), SyntheticCrowd.NoisyShare - 0.015, SyntheticCrowd.NoisyShare + 0.015);
        Assert.InRange(Share(WorkerKind.UniformSpammer), 0.06, 0.09);
        Assert.InRange(Share(WorkerKind.ConstantSpammer), 0.06, 0.09);
        Assert.InRange(Share(WorkerKind.Adversary), 0.085, 0.115);
    }

    [Fact]
    public void Generate_ManyAnswers_EachKindBehavesAsDocumented()
    {
        var options = new SyntheticCrowdOptions(Items: 40_000, Workers: 400, Labels: 4, Overlap: 5, Seed: 9);
        var generator = new SyntheticCrowd(options);
        var sink = new TallySink(generator.Workers, options.Labels);

        generator.Generate(sink);

        Assert.InRange(sink.Rate(WorkerKind.Expert, correct: true), 0.87, 0.93);
        Assert.InRange(sink.Rate(WorkerKind.Noisy, correct: true), 0.60, 0.70);
        Assert.InRange(sink.Rate(WorkerKind.UniformSpammer, correct: true), 0.22, 0.28);
        Assert.InRange(sink.Rate(WorkerKind.Adversary, correct: false), 0.65, 0.75);
        Assert.True(sink.ClassCounts[0] > sink.ClassCounts[3], "class 0 should be the most frequent (mild skew)");
        Assert.InRange(sink.ClassCounts[3] / (double)options.Items, 0.15, 0.25);
    }

    private sealed class TallySink(IReadOnlyList<SimulatedWorker> workers, int labels) : ICrowdSink
    {
        private readonly Dictionary<(WorkerKind, bool), int> _counts = [];
        private int _truth;

        public int[] ClassCounts { get; } = new int[labels];

        public void Item(int item, int truth)
        {
            _truth = truth;
            ClassCounts[truth]++;
        }

        public void Vote(int item, int worker, int label)
        {
            var kind = workers[worker].Kind;
            // For adversaries "correct: false" tallies the shifted label c+1 rather than any wrong one.
            var hit = kind == WorkerKind.Adversary ? label != (_truth + 1) % labels : label == _truth;
            _counts[(kind, hit)] = _counts.GetValueOrDefault((kind, hit)) + 1;
        }

        public double Rate(WorkerKind kind, bool correct)
        {
            var yes = _counts.GetValueOrDefault((kind, correct));
            return yes / (double)(yes + _counts.GetValueOrDefault((kind, !correct)));
        }
    }
}
