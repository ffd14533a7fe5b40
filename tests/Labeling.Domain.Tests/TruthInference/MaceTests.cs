using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

public sealed class MaceTests
{
    [Fact]
    public void Fit_OneAnswer_FavoursTheAnsweredLabel()
    {
        // Uniform π: P(b) ∝ (1−θ)ξ_b + θ and P(a) ∝ (1−θ)ξ_b, so b wins whenever θ > 0.
        var data = AnswerMatrix.Create([new("i1", "W1", "b")], ["a", "b"]);

        var result = new Mace(new() { ClassPriorCount = null }).Fit(data);

        Assert.Equal("b", result.PredictedLabel(0));
        Assert.Empty(result.TiedItems);
    }

    [Fact]
    public void Fit_SameSeed_GivesIdenticalPosteriors()
    {
        var data = SharedDatasets.Load("duck").Data;

        var first = new Mace(new() { Seed = 42, Restarts = 3 }).Fit(data);
        var second = new Mace(new() { Seed = 42, Restarts = 3 }).Fit(data);

        for (var i = 0; i < data.ItemCount; i++) Assert.Equal(first.Posterior(i).ToArray(), second.Posterior(i).ToArray());
    }

    [Fact]
    public void Fit_HandFixture_ConfusionRowsAreDistributionsAndSkillsProbabilities()
    {
        var data = AnswerMatrix.Create([new("i1", "W1", "a"), new("i1", "W2", "a"), new("i2", "W1", "b"), new("i2", "W2", "c")]);

        var result = new Mace().Fit(data);

        for (var w = 0; w < data.WorkerCount; w++)
        {
            Assert.InRange(result.WorkerSkills![w], 0, 1);
            for (var t = 0; t < 3; t++)
                Assert.Equal(1.0, result.Confusion(w)[t, 0] + result.Confusion(w)[t, 1] + result.Confusion(w)[t, 2], 12);
        }
    }

    [Fact]
    public void Fit_SimulatedConstantSpammers_FindsTheHonestLabelersAndBeatsMajorityVote()
    {
        // Three honest labelers and four spammers (two always answer one label, two answer at
        // random): the vote is often carried by spam, MACE learns who spams and how.
        var labelers = new List<double[,]>
        {
            CrowdSimulation.OneCoin(3, 0.85), CrowdSimulation.OneCoin(3, 0.85), CrowdSimulation.OneCoin(3, 0.85),
            CrowdSimulation.Constant(3, 0), CrowdSimulation.Constant(3, 1), CrowdSimulation.Uniform(3), CrowdSimulation.Uniform(3),
        };
        var sim = CrowdSimulation.Generate(seed: 8, items: 900, answersPerItem: 4, labelers);

        var result = new Mace().Fit(sim.Data);
        var mace = sim.Accuracy(result);
        var mv = sim.Accuracy(new MajorityVote().Fit(sim.Data));

        Assert.True(mace > mv + 0.05, $"mace {mace:F3} vs mv {mv:F3}");
        for (var w = 0; w < sim.Data.WorkerCount; w++)
        {
            var truth = sim.TrueConfusion(w);
            var honest = Enumerable.Range(0, 3).All(t => truth[t, t] > 0.5);
            Assert.True(honest ? result.WorkerSkills![w] > 0.7 : result.WorkerSkills![w] < 0.3, $"{sim.Data.Workers[w]}: {result.WorkerSkills![w]:F2}");
        }
    }
}
