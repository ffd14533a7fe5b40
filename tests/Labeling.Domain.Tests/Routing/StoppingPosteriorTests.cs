using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Domain.Tests.Routing;

public sealed class StoppingPosteriorTests
{
    // A labeler right 80 % of the time on two classes.
    private static readonly ConfusionMatrix Good = new([0.8, 0.2, 0.2, 0.8], 2);
    private static readonly double[] Even = [0.5, 0.5];

    [Fact]
    public void Of_NoDoubt_IsTheModelsPosterior()
    {
        var posterior = StoppingPosterior.Of(Even, [(Good, 0.0, 0), (Good, 0.0, 0)], doubt: 0);

        // 0.8² / (0.8² + 0.2²) = 0.64 / 0.68.
        Assert.Equal(0.64 / 0.68, posterior[0], 12);
    }

    [Fact]
    public void Of_VotersWithoutEvidence_LeaveTheClassPrior()
    {
        var posterior = StoppingPosterior.Of([0.7, 0.3], [(Good, 0.0, 0), (Good, 0.0, 0), (Good, 0.0, 1)], doubt: 10);

        Assert.Equal(0.7, posterior[0], 12);
        Assert.Equal(0.3, posterior[1], 12);
    }

    [Fact]
    public void Of_EvidenceEqualToTheDoubt_CountsAVoteHalfway()
    {
        var posterior = StoppingPosterior.Of(Even, [(Good, 10.0, 0)], doubt: 10);

        // θ' = (10·0.8 + 10/2) / 20 = 0.65 against (10·0.2 + 5) / 20 = 0.35.
        Assert.Equal(0.65, posterior[0], 12);
    }

    [Fact]
    public void Of_MuchEvidence_ApproachesTheModelsPosterior()
    {
        var discounted = StoppingPosterior.Of(Even, [(Good, 10_000.0, 0), (Good, 10_000.0, 0)], doubt: 10);

        Assert.Equal(0.64 / 0.68, discounted[0], 3);
        Assert.True(discounted[0] < 0.64 / 0.68);
    }

    [Fact]
    public void Of_TwoUncheckedVotes_DoNotReachTheDefaultTarget()
    {
        var target = new RoutingSettings().CrowdTarget;
        var fourClass = new ConfusionMatrix([0.85, 0.05, 0.05, 0.05, 0.05, 0.85, 0.05, 0.05, 0.05, 0.05, 0.85, 0.05, 0.05, 0.05, 0.05, 0.85], 4);
        double[] prior = [0.25, 0.25, 0.25, 0.25];

        var model = StoppingPosterior.Of(prior, [(fourClass, 2.0, 3), (fourClass, 2.0, 3)], doubt: 0);
        var stopping = StoppingPosterior.Of(prior, [(fourClass, 2.0, 3), (fourClass, 2.0, 3)], new RoutingSettings().ReliabilityDoubt);

        Assert.True(model[3] >= target, $"the model's own posterior {model[3]} reaches the target");
        Assert.True(stopping[3] < target, $"the stopping posterior {stopping[3]} stays below the target");
    }

    [Fact]
    public void Of_NegativeDoubt_ThrowsSayingWhatToUse()
    {
        var ex = Assert.Throws<ArgumentException>(() => StoppingPosterior.Of(Even, [], doubt: -1));

        Assert.Contains("0 or more", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Of_LabelOutsideTheClasses_Throws()
    {
        Assert.Throws<ArgumentException>(() => StoppingPosterior.Of(Even, [(Good, 1.0, 2)], doubt: 10));
    }

    [Fact]
    public void Validate_NegativeReliabilityDoubt_NamesTheSetting()
    {
        var errors = new RoutingSettings { ReliabilityDoubt = -0.5 }.Validate();

        Assert.Contains(errors, e => e.Contains("routing.reliabilityDoubt", StringComparison.Ordinal));
    }
}
