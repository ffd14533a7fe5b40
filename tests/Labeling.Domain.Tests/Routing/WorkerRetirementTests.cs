using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.Routing;

public sealed class WorkerRetirementTests
{
    private const double PriorStrength = 10;
    private static readonly double[] Even = [0.5, 0.5];
    private static readonly RoutingSettings Defaults = new();

    // Right with probability p on two classes, wrong otherwise.
    private static ConfusionMatrix Binary(double p) => new([p, 1 - p, 1 - p, p], 2);

    // Answers 0 with probability 0.6 whatever the truth: its answer says nothing about the truth.
    private static readonly ConfusionMatrix Chance = new([0.6, 0.4, 0.6, 0.4], 2);

    [Theory]
    [InlineData(10, 10, true)] // only unsure: judged once it has answered as often as the evidence needed (10)
    [InlineData(9, 9, false)] // not judged yet
    [InlineData(14, 13, true)] // 7 · 1 < 14
    [InlineData(14, 12, false)] // 7 · 2 = 14: two labeled answers in fourteen hold as much as one label could need
    [InlineData(70, 60, false)] // 7 · 10 = 70
    [InlineData(71, 61, true)] // 7 · 10 < 71
    [InlineData(40, 20, false)] // half unsure: the information rule judges such a worker, not this one
    [InlineData(0, 0, false)]
    public void MostlyUnsure_ShareOfUnsureAnswers_RetiresWhenSevenAnswersHoldLessThanOneLabeledOne(int votes, int unsure, bool retired)
    {
        Assert.Equal(retired, WorkerRetirement.MostlyUnsure(votes, unsure, Defaults, PriorStrength));
    }

    [Fact]
    public void MostlyUnsure_RetirementOff_NeverRetires_ButDoubtZeroDoesNotTurnItOff()
    {
        // The demo project has doubt 0, which turns the information rule off; an all-unsure worker spent its budget there.
        Assert.False(WorkerRetirement.MostlyUnsure(100, 100, Defaults with { RetireUninformativeWorkers = false }, PriorStrength));
        Assert.True(WorkerRetirement.MostlyUnsure(10, 10, Defaults with { ReliabilityDoubt = 0 }, PriorStrength));
        Assert.False(WorkerRetirement.MostlyUnsure(9, 9, Defaults with { ReliabilityDoubt = 0 }, PriorStrength));
    }

    [Fact]
    public void InformationPerVote_EightyPercentOnEvenClasses_IsOneMinusTheBinaryEntropy()
    {
        // 1 − H₂(0.8) = 1 + 0.8·log₂0.8 + 0.2·log₂0.2 = 1 − 0.257542 − 0.464386 = 0.278072.
        Assert.Equal(0.278072, WorkerRetirement.InformationPerVote(Binary(0.8), Even), 6);
    }

    [Fact]
    public void InformationPerVote_AnswerIndependentOfTruth_IsZero()
    {
        Assert.Equal(0.0, WorkerRetirement.InformationPerVote(Chance, [0.3, 0.7]), 12);
    }

    [Fact]
    public void InformationPerVote_PerfectWorker_IsTheClassEntropy()
    {
        double[] prior = [0.5, 0.25, 0.25];
        var perfect = new ConfusionMatrix([1, 0, 0, 0, 1, 0, 0, 0, 1], 3);

        Assert.Equal(1.5, WorkerRetirement.Entropy(prior), 12);
        Assert.Equal(1.5, WorkerRetirement.InformationPerVote(perfect, prior), 12);
    }

    [Fact]
    public void Assess_PerfectWorkerWithOneVotePerItem_IsNeverRetired()
    {
        var perfect = new ConfusionMatrix([1, 0, 0, 1], 2);

        var assessment = WorkerRetirement.Assess(perfect, 1_000, Even, Defaults with { MinCrowdVotes = 1, MaxCrowdVotes = 1 }, PriorStrength);

        Assert.True(assessment.IsJudged);
        Assert.True(assessment.IsInformative);
        Assert.False(assessment.Retired);
    }

    [Fact]
    public void Assess_ChanceWorkerWithEnoughEvidence_IsRetired()
    {
        var assessment = WorkerRetirement.Assess(Chance, 10, Even, Defaults, PriorStrength);

        Assert.True(assessment.Retired);
        Assert.Equal(0.0, assessment.InformationPerVote, 12);
        Assert.Equal(1.0, assessment.InformationNeeded, 12);
        Assert.Equal(7, assessment.VotesPerItem);
    }

    [Fact]
    public void Assess_ChanceWorkerWithLittleEvidence_IsNotRetired()
    {
        var assessment = WorkerRetirement.Assess(Chance, 9.9, Even, Defaults, PriorStrength);

        Assert.False(assessment.IsJudged);
        Assert.False(assessment.Retired);
    }

    [Theory]
    [InlineData(0.71, true)] // 7 · (1 − H₂(0.71)) = 7 · 0.1313 = 0.92 < 1 bit
    [InlineData(0.72, false)] // 7 · (1 − H₂(0.72)) = 7 · 0.1445 = 1.01 ≥ 1 bit
    public void Assess_BinaryWorkerAtDefaultRouting_RetiredBelowAboutSeventyOnePercent(double accuracy, bool retired)
    {
        Assert.Equal(retired, WorkerRetirement.Assess(Binary(accuracy), 50, Even, Defaults, PriorStrength).Retired);
    }

    [Theory]
    [InlineData(1.0, false)] // 7 · 0.278 = 1.95 bits of 1
    [InlineData(0.52, false)] // 7 · 0.52 · 0.278 = 1.01
    [InlineData(0.5, true)] // 7 · 0.5 · 0.278 = 0.97: half its answers unsure, seven answers hold less than a label
    public void Assess_UnsureAnswers_WeighAnswersNotVotes(double labeledShare, bool retired)
    {
        var assessment = WorkerRetirement.Assess(Binary(0.8), 50, Even, Defaults, PriorStrength) with { LabeledShare = labeledShare };

        Assert.Equal(retired, assessment.Retired);
        Assert.Equal(labeledShare * assessment.InformationPerVote, assessment.InformationPerAnswer, 12);
    }

    [Theory]
    [InlineData(0, 0, 1.0)]
    [InlineData(10, 0, 1.0)]
    [InlineData(10, 3, 0.7)]
    [InlineData(10, 10, 0.0)]
    [InlineData(10, -1, 1.0)]
    [InlineData(10, 12, 0.0)]
    public void LabeledShare_AnswersAndUnsure_IsTheShareOfLabels(int votes, int unsure, double share)
    {
        Assert.Equal(share, WorkerRetirement.LabeledShare(votes, unsure), 12);
    }

    [Fact]
    public void Assess_FewerVotesPerItem_RetiresBetterWorkers()
    {
        // 3 · 0.278 = 0.83 bits of 1: three eighty-percent votes cannot settle an even binary item.
        Assert.False(WorkerRetirement.Assess(Binary(0.8), 50, Even, Defaults, PriorStrength).Retired);
        Assert.True(WorkerRetirement.Assess(Binary(0.8), 50, Even, Defaults with { RetirementVotes = 3 }, PriorStrength).Retired);
    }

    [Fact]
    public void Assess_IgnoresTheVoteLimit_WeighsAgainstRetirementVotes()
    {
        // 0.70 carries 0.119 bits: 10 votes hold 1.19 bits (enough), 7 hold 0.83 (not).
        Assert.True(WorkerRetirement.Assess(Binary(0.70), 50, Even, Defaults with { MaxCrowdVotes = 20 }, PriorStrength).Retired);
        Assert.False(WorkerRetirement.Assess(Binary(0.70), 50, Even, Defaults with { RetirementVotes = 10 }, PriorStrength).Retired);
    }

    [Fact]
    public void Validate_RetirementVotesBelowOne_NamesTheSetting()
    {
        var errors = new RoutingSettings { RetirementVotes = 0 }.Validate();

        Assert.Contains(errors, e => e.Contains("routing.retirementVotes", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(-1.0)]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(87_601.0)]
    [InlineData(1e10)]
    public void Validate_ReopenedReviewHoursNotAPositiveNumberUpToTenYears_NamesTheSetting(double hours)
    {
        var errors = new RoutingSettings { ReopenedReviewHours = hours }.Validate();

        // Ten years at most: far larger values would overflow the re-fit's date arithmetic.
        Assert.Contains(errors, e => e.Contains("routing.reopenedReviewHours", StringComparison.Ordinal));
        Assert.Empty(new RoutingSettings { ReopenedReviewHours = 0.5 }.Validate());
        Assert.Empty(new RoutingSettings { ReopenedReviewHours = RoutingSettings.MaxReopenedReviewHours }.Validate());
    }

    [Fact]
    public void Assess_NoReliabilityDoubt_RetiresNobody()
    {
        var assessment = WorkerRetirement.Assess(Chance, 1_000, Even, Defaults with { ReliabilityDoubt = 0 }, PriorStrength);

        Assert.False(assessment.Enabled);
        Assert.False(assessment.Retired);
    }

    [Fact]
    public void Assess_DoubtBelowPriorStrength_WaitsForThePriorStrengthOfEvidence()
    {
        var settings = Defaults with { ReliabilityDoubt = 2 };

        var early = WorkerRetirement.Assess(Chance, 5, Even, settings, PriorStrength);
        var judged = WorkerRetirement.Assess(Chance, 10, Even, settings, PriorStrength);

        Assert.Equal(10, early.EvidenceNeeded);
        Assert.False(early.Retired);
        Assert.True(judged.Retired);
    }

    [Fact]
    public void Assess_DoubtAbovePriorStrength_IsTheEvidenceNeeded()
    {
        var assessment = WorkerRetirement.Assess(Chance, 15, Even, Defaults with { ReliabilityDoubt = 20 }, PriorStrength);

        Assert.Equal(20, assessment.EvidenceNeeded);
        Assert.False(assessment.Retired);
    }

    [Fact]
    public void Assess_NoEvidenceAndNoPrior_IsNotJudged()
    {
        var assessment = WorkerRetirement.Assess(Chance, 0, Even, Defaults with { ReliabilityDoubt = 1e-9 }, priorStrength: 0);

        Assert.False(assessment.Retired);
    }

    [Fact]
    public void Assess_TurnedOff_RetiresNobody()
    {
        var assessment = WorkerRetirement.Assess(Chance, 1_000, Even, Defaults with { RetireUninformativeWorkers = false }, PriorStrength);

        Assert.True(assessment.IsJudged);
        Assert.False(assessment.IsInformative);
        Assert.False(assessment.Retired);
    }

    [Fact]
    public void Assess_OneClassProject_RetiresNobody()
    {
        var assessment = WorkerRetirement.Assess(new ConfusionMatrix([1.0], 1), 1_000, [1.0], Defaults, PriorStrength);

        Assert.Equal(0.0, assessment.InformationNeeded);
        Assert.False(assessment.Retired);
    }

    [Fact]
    public void Assess_ClassCountsDisagree_ThrowsNamingBoth()
    {
        var ex = Assert.Throws<ArgumentException>(() => WorkerRetirement.Assess(Binary(0.8), 50, [0.2, 0.3, 0.5], Defaults, PriorStrength));

        Assert.Contains("2 classes", ex.Message, StringComparison.Ordinal);
        Assert.Contains("3", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Assess_NegativePriorStrength_Throws()
    {
        Assert.Throws<ArgumentException>(() => WorkerRetirement.Assess(Binary(0.8), 50, Even, Defaults, -1));
    }

    [Fact]
    public void RoutingSettings_Default_RetiresUninformativeWorkers()
    {
        Assert.True(new RoutingSettings().RetireUninformativeWorkers);
    }
}
