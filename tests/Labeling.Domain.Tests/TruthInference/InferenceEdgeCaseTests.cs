using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.TruthInference;

/// <summary>Edge cases every registered method must survive with a sensible answer.</summary>
public sealed class InferenceEdgeCaseTests
{
    public static TheoryData<string> Methods() => new(InferenceMethods.Names);

    // MACE starts from random parameters, which break the mirror symmetry on purpose.
    public static TheoryData<string> DeterministicMethods() => new(InferenceMethods.Names.Where(m => m != "mace"));

    [Theory]
    [MemberData(nameof(Methods))]
    public void Fit_NoAnswers_ReturnsAnEmptyResult(string method)
    {
        var result = InferenceMethods.Create(method).Fit(AnswerMatrix.Create([]));

        Assert.Equal(0, result.Data.ItemCount);
        Assert.Empty(result.PredictedLabels());
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Fit_EveryAnswerAnAbstention_PredictsNothing(string method)
    {
        var data = AnswerMatrix.Create([new("i1", "w1", null), new("i2", "w2", "")]);

        var result = InferenceMethods.Create(method).Fit(data);

        Assert.Equal(2, result.Data.ItemCount);
        Assert.Null(result.PredictedLabel(0));
        Assert.Null(result.PredictedLabel(1));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Fit_EveryAnswerAnAbstentionWithSchema_IsUniformAndTied(string method)
    {
        var data = AnswerMatrix.Create([new("i1", "w1", null), new("i2", "w2", null)], ["a", "b"]);

        var result = InferenceMethods.Create(method).Fit(data);

        Assert.Equal([0.5, 0.5], result.Posterior(0).ToArray(), new Tolerance(1e-12));
        Assert.Equal([0, 1], result.TiedItems);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Fit_OneLabeler_FollowsTheirAnswers(string method)
    {
        string[] given = ["a", "b", "c", "a", "b", "c", "b"];
        var data = AnswerMatrix.Create(given.Select((l, i) => new Answer($"i{i}", "only", l)));

        var result = InferenceMethods.Create(method).Fit(data);

        for (var i = 0; i < given.Length; i++) Assert.Equal(given[i], result.PredictedLabel(i));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Fit_SchemaLabelNobodyGave_IsNeverPredictedAndPosteriorsStayDistributions(string method)
    {
        var data = AnswerMatrix.Create(
        [
            new("i1", "w1", "a"), new("i1", "w2", "a"), new("i1", "w3", "b"),
            new("i2", "w1", "b"), new("i2", "w2", "b"), new("i2", "w3", "b"),
            new("i3", "w1", "a"), new("i3", "w3", "a"),
        ], ["a", "b", "unused"]);

        var result = InferenceMethods.Create(method).Fit(data);

        for (var i = 0; i < data.ItemCount; i++)
        {
            var posterior = result.Posterior(i).ToArray();
            Assert.All(posterior, p => Assert.True(double.IsFinite(p) && p >= 0, $"{p}"));
            Assert.Equal(1.0, posterior.Sum(), 9);
            Assert.NotEqual("unused", result.PredictedLabel(i));
        }
        Assert.Equal(["a", "b", "a"], Enumerable.Range(0, 3).Select(result.PredictedLabel));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void Fit_MirrorImageDisagreement_PredictsOneOfTheTiedLabels(string method)
    {
        var data = AnswerMatrix.Create([new("i1", "w1", "a"), new("i1", "w2", "b"), new("i2", "w1", "b"), new("i2", "w2", "a")], ["a", "b", "c"]);

        var result = InferenceMethods.Create(method).Fit(data);

        Assert.Equal(2, result.PredictedLabels().Count);
        Assert.All(result.PredictedLabels().Values, l => Assert.Contains(l, new[] { "a", "b" }));
    }

    [Theory]
    [MemberData(nameof(DeterministicMethods))]
    public void Fit_MirrorImageDisagreement_IsReportedTiedUnlessTheMethodIsRandomised(string method)
    {
        var data = AnswerMatrix.Create([new("i1", "w1", "a"), new("i1", "w2", "b"), new("i2", "w1", "b"), new("i2", "w2", "a")]);

        var result = InferenceMethods.Create(method).Fit(data);

        Assert.Equal([0, 1], result.TiedItems);
    }

    [Fact]
    public void MajorityVote_EvenSplit_ReportsTheItemTiedAndPicksTheLowerLabel()
    {
        var data = AnswerMatrix.Create([new("i1", "w1", "b"), new("i1", "w2", "a"), new("i2", "w1", "a"), new("i2", "w2", "a")]);

        var result = new MajorityVote().Fit(data);

        Assert.Equal([0], result.TiedItems);
        Assert.Equal("a", result.PredictedLabel(0));
    }

    [Fact]
    public void Create_UnknownMethod_ListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => InferenceMethods.Create("glda"));

        Assert.Contains("glad", error.Message);
        Assert.Contains("mace", error.Message);
    }
}
