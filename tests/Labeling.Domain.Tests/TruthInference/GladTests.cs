using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

public sealed class GladTests
{
    [Fact]
    public void Fit_TwoEqualLabelersDisagree_PosteriorIsExactlyEven()
    {
        // Same prior, same start, mirror-image evidence: nothing can favour either label.
        var data = AnswerMatrix.Create([new("i1", "W1", "a"), new("i1", "W2", "b")]);

        var result = new Glad().Fit(data);

        Assert.Equal([0.5, 0.5], result.Posterior(0).ToArray(), new Tolerance(1e-12));
        Assert.Contains(0, result.TiedItems);
    }

    [Fact]
    public void Fit_LabelerAlwaysOutvoted_GetsLowerAbilityAndMajorityWins()
    {
        var answers = new List<Answer>();
        for (var i = 0; i < 6; i++)
        {
            var truth = i % 2 == 0 ? "a" : "b";
            var wrong = i % 2 == 0 ? "b" : "a";
            answers.Add(new($"i{i}", "good1", truth));
            answers.Add(new($"i{i}", "good2", truth));
            answers.Add(new($"i{i}", "contrarian", wrong));
        }
        var data = AnswerMatrix.Create(answers);

        var result = new Glad().Fit(data);

        var alpha = result.WorkerSkills!;
        Assert.True(alpha[data.IndexOfWorker("contrarian")] < alpha[data.IndexOfWorker("good1")] - 0.5);
        for (var i = 0; i < 6; i++) Assert.Equal(i % 2 == 0 ? "a" : "b", result.PredictedLabel(i));
    }

    [Fact]
    public void Fit_SharedSet_LogPosteriorNeverDecreases()
    {
        // Generalised EM: every safeguarded M-step must not lower Q, so the trace must be monotone.
        var result = new Glad().Fit(SharedDatasets.Load("dog").Data);

        Assert.True(result.LogLikelihoodTrace.Count > 2);
        for (var n = 1; n < result.LogLikelihoodTrace.Count; n++)
            Assert.True(result.LogLikelihoodTrace[n] >= result.LogLikelihoodTrace[n - 1] - 1e-6, $"step {n}");
    }

    [Fact]
    public void Fit_SimulatedExpertsAndNoisyLabelers_BeatsMajorityVote()
    {
        var labelers = new List<double[,]>();
        for (var n = 0; n < 3; n++) labelers.Add(CrowdSimulation.OneCoin(2, 0.92));
        for (var n = 0; n < 6; n++) labelers.Add(CrowdSimulation.OneCoin(2, 0.55));
        var sim = CrowdSimulation.Generate(seed: 3, items: 1500, answersPerItem: 5, labelers);

        var glad = sim.Accuracy(new Glad().Fit(sim.Data));
        var mv = sim.Accuracy(new MajorityVote().Fit(sim.Data));

        Assert.True(glad > mv + 0.02, $"glad {glad:F3} vs mv {mv:F3}");
    }
}
