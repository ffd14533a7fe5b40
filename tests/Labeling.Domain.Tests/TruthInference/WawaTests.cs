using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

public sealed class WawaTests
{
    // i1: A=x B=x C=y (MV x); i2: everyone y; i3: A=x C=y (MV tie, broken toward x).
    // Agreement with MV: A 3/3, B 2/2, C 1/3.
    private static readonly AnswerMatrix Fixture = AnswerMatrix.Create(
    [
        new("i1", "A", "x"), new("i1", "B", "x"), new("i1", "C", "y"),
        new("i2", "A", "y"), new("i2", "B", "y"), new("i2", "C", "y"),
        new("i3", "A", "x"), new("i3", "C", "y"),
    ]);

    [Fact]
    public void Fit_HandFixture_SkillIsAgreementWithMajority()
    {
        var result = new Wawa().Fit(Fixture);

        Assert.Equal([1.0, 1.0, 1.0 / 3], result.WorkerSkills!.ToArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void Fit_HandFixture_PosteriorIsSkillWeightedVote()
    {
        var result = new Wawa().Fit(Fixture);

        // i1: x gets 1 + 1, y gets 1/3 → 6/7; i3: x gets 1, y gets 1/3 → 3/4.
        Assert.Equal([6.0 / 7, 1.0 / 7], result.Posterior(0).ToArray(), new Tolerance(1e-12));
        Assert.Equal([0.75, 0.25], result.Posterior(2).ToArray(), new Tolerance(1e-12));
    }

    [Fact]
    public void Fit_MajorityTieBetweenUnequalLabelers_IsNoLongerTied()
    {
        Assert.Contains(2, new MajorityVote().Fit(Fixture).TiedItems);

        Assert.DoesNotContain(2, new Wawa().Fit(Fixture).TiedItems);
    }

    [Fact]
    public void Fit_SimulatedExpertsAmongCoinFlippers_BeatsMajorityVote()
    {
        // Three experts and four coin-flippers, five answers an item: a plain vote is often
        // carried by the flippers, an agreement-weighted one much less.
        var labelers = new List<double[,]>();
        for (var n = 0; n < 3; n++) labelers.Add(CrowdSimulation.OneCoin(3, 0.9));
        for (var n = 0; n < 4; n++) labelers.Add(CrowdSimulation.Uniform(3));
        var sim = CrowdSimulation.Generate(seed: 11, items: 1500, answersPerItem: 5, labelers);

        var wawa = sim.Accuracy(new Wawa().Fit(sim.Data));
        var mv = sim.Accuracy(new MajorityVote().Fit(sim.Data));

        Assert.True(wawa > mv + 0.02, $"wawa {wawa:F3} vs mv {mv:F3}");
    }
}
