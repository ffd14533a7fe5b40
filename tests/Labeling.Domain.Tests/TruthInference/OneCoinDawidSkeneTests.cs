using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

public sealed class OneCoinDawidSkeneTests
{
    // i1: W1=a W2=a; i2: W1=b W2=a.  MV: i1 = (1, 0), i2 = (½, ½).
    private static readonly AnswerMatrix Fixture = AnswerMatrix.Create(
    [
        new("i1", "W1", "a"), new("i1", "W2", "a"),
        new("i2", "W1", "b"), new("i2", "W2", "a"),
    ]);

    [Fact]
    public void Fit_OneIterationOnHandFixture_MatchesHandComputedEmStep()
    {
        var result = new OneCoinDawidSkene(new() { MaxIterations = 1 }).Fit(Fixture);

        // M-step: s1 = mean(1, ½) = ¾, s2 = mean(1, ½) = ¾; π = (¾, ¼).
        Assert.Equal([0.75, 0.75], result.WorkerSkills!.ToArray(), new Tolerance(1e-12));
        // E-step i1: a ∝ ¾·¾·¾, b ∝ ¼·¼·¼ → 27/28.  i2: a ∝ ¾·¼·¾, b ∝ ¼·¾·¼ → ¾.
        Assert.Equal(27.0 / 28, result.Posterior(0)[0], 12);
        Assert.Equal(0.75, result.Posterior(1)[0], 12);
    }

    [Fact]
    public void Fit_HandFixture_ConfusionSpreadsErrorsEvenly()
    {
        var data = AnswerMatrix.Create([new("i1", "W1", "a"), new("i1", "W2", "a"), new("i2", "W1", "b"), new("i2", "W2", "c")]);

        var confusion = new OneCoinDawidSkene(new() { MaxIterations = 1 }).Fit(data).Confusion(0);

        Assert.Equal(confusion[0, 1], confusion[0, 2], 12);
        Assert.Equal(confusion[1, 0], confusion[2, 1], 12);
        Assert.Equal(1.0, confusion[1, 0] + confusion[1, 1] + confusion[1, 2], 12);
    }

    [Fact]
    public void Fit_SimulatedOneCoinCrowd_RecoversAccuraciesAndBeatsMajorityVote()
    {
        double[] accuracies = [0.95, 0.9, 0.8, 0.7, 0.6, 0.5, 0.45, 0.4];
        var sim = CrowdSimulation.Generate(seed: 5, items: 1200, answersPerItem: 5, accuracies.Select(a => CrowdSimulation.OneCoin(4, a)).ToList());

        var result = new OneCoinDawidSkene().Fit(sim.Data);

        Assert.True(sim.Accuracy(result) > sim.Accuracy(new MajorityVote().Fit(sim.Data)) + 0.01);
        for (var w = 0; w < sim.Data.WorkerCount; w++)
            Assert.Equal(sim.TrueConfusion(w)[0, 0], result.WorkerSkills![w], 0.05);
    }

    [Fact]
    public void Fit_SharedSet_LogLikelihoodNeverDecreases()
    {
        var result = new OneCoinDawidSkene().Fit(SharedDatasets.Load("rte").Data);

        Assert.True(result.LogLikelihoodTrace.Count > 2);
        for (var n = 1; n < result.LogLikelihoodTrace.Count; n++)
            Assert.True(result.LogLikelihoodTrace[n] >= result.LogLikelihoodTrace[n - 1] - 1e-9, $"step {n}");
    }
}
