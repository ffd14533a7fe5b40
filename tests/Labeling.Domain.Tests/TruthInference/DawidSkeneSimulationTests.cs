using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

public sealed class DawidSkeneSimulationTests
{
    // Experts, noisy labelers, a uniform spammer, a constant spammer and two adversaries who
    // systematically answer the next class: only a full confusion matrix can use the adversaries.
    private static readonly Lazy<Simulated> Crowd = new(() => CrowdSimulation.Generate(
        seed: 2024, items: 1500, answersPerItem: 5,
        [
            CrowdSimulation.OneCoin(3, 0.9), CrowdSimulation.OneCoin(3, 0.85),
            CrowdSimulation.OneCoin(3, 0.65), CrowdSimulation.OneCoin(3, 0.6),
            CrowdSimulation.Uniform(3), CrowdSimulation.Constant(3, 2),
            CrowdSimulation.Shifted(3, 0.9), CrowdSimulation.Shifted(3, 0.85),
        ],
        classPriors: [0.5, 0.3, 0.2]));

    [Fact]
    public void Fit_SimulatedMixedCrowd_RecoversTruthAndBeatsMajorityVote()
    {
        var sim = Crowd.Value;

        var ds = sim.Accuracy(new DawidSkene().Fit(sim.Data));
        var mv = sim.Accuracy(new MajorityVote().Fit(sim.Data));

        Assert.True(ds >= 0.95, $"ds {ds:F3}");
        Assert.True(ds > mv + 0.1, $"ds {ds:F3} vs mv {mv:F3}");
    }

    [Fact]
    public void Fit_SimulatedMixedCrowd_RecoversEveryConfusionCell()
    {
        var sim = Crowd.Value;

        var result = new DawidSkene().Fit(sim.Data);

        // ~940 answers a labeler, ≥ 180 per true class: sampling error of a cell is below 0.04.
        for (var w = 0; w < sim.Data.WorkerCount; w++)
        {
            var expected = sim.TrueConfusion(w);
            for (var t = 0; t < 3; t++)
                for (var l = 0; l < 3; l++)
                    Assert.True(Math.Abs(result.Confusion(w)[t, l] - expected[t, l]) < 0.08,
                        $"{sim.Data.Workers[w]} [{t},{l}]: {result.Confusion(w)[t, l]:F3} vs {expected[t, l]:F3}");
        }
    }

    [Fact]
    public void Fit_SimulatedMixedCrowd_RecoversClassPriors()
    {
        var result = new DawidSkene().Fit(Crowd.Value.Data);

        Assert.Equal([0.5, 0.3, 0.2], result.ClassPriors.ToArray(), new Tolerance(0.04));
    }
}
