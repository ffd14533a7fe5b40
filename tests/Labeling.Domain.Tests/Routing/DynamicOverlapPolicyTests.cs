using Labeling.Domain.Items;
using Labeling.Domain.Routing;

namespace Labeling.Domain.Tests.Routing;

public sealed class DynamicOverlapPolicyTests
{
    private static readonly RoutingSettings Defaults = new()
    {
        AcceptTarget = 0.95,
        CrowdTarget = 0.9,
        MinCrowdVotes = 2,
        MaxCrowdVotes = 4,
        VoteBudget = 100,
    };

    public static TheoryData<string, RoutingSnapshot, RoutingEvent, RoutingStep, ItemState> Table => new()
    {
        // weak-labeling + machine votes
        { "confident, trusted → auto-accept", Snap(ItemState.WeakLabeling), new MachineVotesApplied([0.97, 0.03], TrustedSupport: true), RoutingStep.AutoAccept, ItemState.AutoAccepted },
        { "exactly the accept target, trusted → auto-accept", Snap(ItemState.WeakLabeling), new MachineVotesApplied([0.95, 0.05], TrustedSupport: true), RoutingStep.AutoAccept, ItemState.AutoAccepted },
        { "past the crowd target but under the accept target, trusted → crowd", Snap(ItemState.WeakLabeling), new MachineVotesApplied([0.92, 0.08], TrustedSupport: true), RoutingStep.CollectVotes, ItemState.Collecting },
        { "confident, untrusted → crowd", Snap(ItemState.WeakLabeling), new MachineVotesApplied([0.97, 0.03], TrustedSupport: false), RoutingStep.CollectVotes, ItemState.Collecting },
        { "unsure, trusted → crowd", Snap(ItemState.WeakLabeling), new MachineVotesApplied([0.80, 0.20], TrustedSupport: true), RoutingStep.CollectVotes, ItemState.Collecting },
        { "no machine votes → crowd", Snap(ItemState.WeakLabeling), new MachineVotesApplied(null, TrustedSupport: false), RoutingStep.CollectVotes, ItemState.Collecting },
        { "gold, confident, trusted → crowd", Snap(ItemState.WeakLabeling, gold: true), new MachineVotesApplied([1.0, 0.0], TrustedSupport: true), RoutingStep.CollectVotes, ItemState.Collecting },
        { "budget spent, unsure → review", Snap(ItemState.WeakLabeling, used: 100), new MachineVotesApplied([0.6, 0.4], TrustedSupport: false), RoutingStep.SendToReview, ItemState.NeedsReview },
        { "budget spent, confident, trusted → auto-accept", Snap(ItemState.WeakLabeling, used: 100), new MachineVotesApplied([0.99, 0.01], TrustedSupport: true), RoutingStep.AutoAccept, ItemState.AutoAccepted },

        // collecting + crowd votes
        { "below min votes though confident → more", Snap(ItemState.Collecting, crowd: 1, labels: 1), new CrowdVoteRecorded([0.95, 0.05]), RoutingStep.CollectVotes, ItemState.Collecting },
        { "min votes and confident → decide", Snap(ItemState.Collecting, crowd: 2, labels: 2), new CrowdVoteRecorded([0.05, 0.95]), RoutingStep.Decide, ItemState.Decided },
        { "min votes at exactly the crowd target → decide", Snap(ItemState.Collecting, crowd: 2, labels: 2), new CrowdVoteRecorded([0.9, 0.1]), RoutingStep.Decide, ItemState.Decided },
        { "min votes past the crowd target but under the accept target → decide", Snap(ItemState.Collecting, crowd: 2, labels: 2), new CrowdVoteRecorded([0.08, 0.92]), RoutingStep.Decide, ItemState.Decided },
        { "min votes, unsure → more", Snap(ItemState.Collecting, crowd: 2, labels: 2), new CrowdVoteRecorded([0.6, 0.4]), RoutingStep.CollectVotes, ItemState.Collecting },
        { "max votes, unsure → review", Snap(ItemState.Collecting, crowd: 4, labels: 4), new CrowdVoteRecorded([0.6, 0.4]), RoutingStep.SendToReview, ItemState.NeedsReview },
        { "max votes reached by abstentions → review", Snap(ItemState.Collecting, crowd: 4, labels: 1), new CrowdVoteRecorded([0.99, 0.01]), RoutingStep.SendToReview, ItemState.NeedsReview },
        { "max votes but confident → decide", Snap(ItemState.Collecting, crowd: 4, labels: 4), new CrowdVoteRecorded([0.95, 0.05]), RoutingStep.Decide, ItemState.Decided },
        { "budget spent, unsure → review", Snap(ItemState.Collecting, crowd: 2, labels: 2, used: 100), new CrowdVoteRecorded([0.6, 0.4]), RoutingStep.SendToReview, ItemState.NeedsReview },
        { "abstention only → more", Snap(ItemState.Collecting, crowd: 1, labels: 0), new CrowdVoteRecorded(null), RoutingStep.CollectVotes, ItemState.Collecting },
        { "stopping posterior confident, model favours another label → more", Snap(ItemState.Collecting, crowd: 3, labels: 3), new CrowdVoteRecorded([0.03, 0.97], [0.92, 0.08]), RoutingStep.CollectVotes, ItemState.Collecting },
        { "stopping posterior confident, model favours another label, max votes → review", Snap(ItemState.Collecting, crowd: 4, labels: 4), new CrowdVoteRecorded([0.03, 0.97], [0.92, 0.08]), RoutingStep.SendToReview, ItemState.NeedsReview },
        { "stopping and model posteriors favour one label → decide", Snap(ItemState.Collecting, crowd: 2, labels: 2), new CrowdVoteRecorded([0.03, 0.97], [0.4, 0.6]), RoutingStep.Decide, ItemState.Decided },
        { "gold at min votes → more (a decision here told workers it was gold)", Snap(ItemState.Collecting, gold: true, crowd: 2, labels: 2), new CrowdVoteRecorded([1.0, 0.0]), RoutingStep.CollectVotes, ItemState.Collecting },
        { "gold at max responses → decide", Snap(ItemState.Collecting, gold: true, crowd: 4, labels: 1), new CrowdVoteRecorded([1.0, 0.0]), RoutingStep.Decide, ItemState.Decided },
        { "gold, budget spent → decide", Snap(ItemState.Collecting, gold: true, crowd: 2, labels: 2, used: 100), new CrowdVoteRecorded([1.0, 0.0]), RoutingStep.Decide, ItemState.Decided },

        // leases and task requests
        { "lease expired → back to pool", Snap(ItemState.Collecting, crowd: 1, labels: 1), new LeaseExpired(), RoutingStep.CollectVotes, ItemState.Collecting },
        { "task requested, budget left → pool", Snap(ItemState.Collecting, used: 99), new TaskRequested(), RoutingStep.CollectVotes, ItemState.Collecting },
        { "task requested, budget spent → review", Snap(ItemState.Collecting, used: 100), new TaskRequested(), RoutingStep.SendToReview, ItemState.NeedsReview },
        { "task requested, budget spent, gold → decide by its known label", Snap(ItemState.Collecting, gold: true, crowd: 1, labels: 1, used: 100), new TaskRequested([0.0, 1.0]), RoutingStep.Decide, ItemState.Decided },
        { "task requested, budget left, gold → pool", Snap(ItemState.Collecting, gold: true, crowd: 1, labels: 1, used: 99), new TaskRequested([0.0, 1.0]), RoutingStep.CollectVotes, ItemState.Collecting },

        // nobody left to ask
        { "crowd exhausted, unsure → review", Snap(ItemState.Collecting, crowd: 3, labels: 3), new CrowdExhausted([0.6, 0.4], 3), RoutingStep.SendToReview, ItemState.NeedsReview },
        { "crowd exhausted, abstentions only → review", Snap(ItemState.Collecting, crowd: 2, labels: 0), new CrowdExhausted(null, 2), RoutingStep.SendToReview, ItemState.NeedsReview },
        { "crowd exhausted, gold → decide", Snap(ItemState.Collecting, gold: true, crowd: 2, labels: 2), new CrowdExhausted([0.0, 1.0], 2), RoutingStep.Decide, ItemState.Decided },
        { "crowd exhausted, decided meanwhile → ignore", Snap(ItemState.Decided, crowd: 3, labels: 3), new CrowdExhausted([0.6, 0.4], 3), RoutingStep.Ignore, ItemState.Decided },

        // review
        { "reviewer resolves → decide", Snap(ItemState.NeedsReview, crowd: 4, labels: 4), new ReviewerResolved(1), RoutingStep.Decide, ItemState.Decided },

        // late or repeated events are ignored
        { "late vote on decided item → ignore", Snap(ItemState.Decided, crowd: 2, labels: 2), new CrowdVoteRecorded([0.5, 0.5]), RoutingStep.Ignore, ItemState.Decided },
        { "redelivered weak label → ignore", Snap(ItemState.Collecting), new MachineVotesApplied([0.99, 0.01], TrustedSupport: true), RoutingStep.Ignore, ItemState.Collecting },
        { "vote on auto-accepted → ignore", Snap(ItemState.AutoAccepted), new CrowdVoteRecorded([0.5, 0.5]), RoutingStep.Ignore, ItemState.AutoAccepted },
        { "resolve a collecting item → ignore", Snap(ItemState.Collecting, crowd: 1, labels: 1), new ReviewerResolved(0), RoutingStep.Ignore, ItemState.Collecting },
    };

    [Theory]
    [MemberData(nameof(Table))]
    public void Next_StateAndEvent_GivesTheTableStep(string scenario, RoutingSnapshot item, RoutingEvent @event, RoutingStep step, ItemState next)
    {
        var decision = new DynamicOverlapPolicy(Defaults).Next(item, @event);

        Assert.True(step == decision.Step, $"{scenario}: expected {step}, got {decision.Step} ({decision.Reason})");
        Assert.Equal(next, decision.NextState);
        Assert.False(string.IsNullOrWhiteSpace(decision.Reason));
    }

    [Fact]
    public void Next_CrowdDecision_CarriesArgmaxLabelAndConfidence()
    {
        var decision = new DynamicOverlapPolicy(Defaults).Next(Snap(ItemState.Collecting, crowd: 2, labels: 2), new CrowdVoteRecorded([0.02, 0.93, 0.05]));

        Assert.Equal(1, decision.LabelIndex);
        Assert.Equal(0.93, decision.Confidence);
        Assert.Equal(DecidedBy.Crowd, decision.DecidedBy);
        Assert.True(decision.IsFinalLabel);
    }

    [Fact]
    public void Next_GoldDecision_IsDecidedByGold()
    {
        var decision = new DynamicOverlapPolicy(Defaults).Next(Snap(ItemState.Collecting, gold: true, crowd: 4, labels: 4), new CrowdVoteRecorded([0.0, 1.0]));

        Assert.Equal(DecidedBy.Gold, decision.DecidedBy);
    }

    [Fact]
    public void Next_GoldAtItsLastResponseWithNoPosterior_IsNotDecidedWithoutALabelNorSentToReview()
    {
        var decision = new DynamicOverlapPolicy(Defaults).Next(Snap(ItemState.Collecting, gold: true, crowd: 4, labels: 0), new CrowdVoteRecorded(null));

        Assert.Equal((ItemState.Collecting, (int?)null), (decision.NextState, decision.LabelIndex));
    }

    [Fact]
    public void Next_CrowdExhausted_SaysWhoAnsweredAndGoldKeepsItsKnownLabel()
    {
        var policy = new DynamicOverlapPolicy(Defaults);

        var review = policy.Next(Snap(ItemState.Collecting, crowd: 3, labels: 3), new CrowdExhausted([0.3, 0.7], 3));
        var gold = policy.Next(Snap(ItemState.Collecting, gold: true, crowd: 3, labels: 3), new CrowdExhausted([0.0, 1.0], 3));

        Assert.Equal("No crowd vote can come: every one of the 3 worker(s) who can be offered it has answered (3 crowd response(s), below the maximum 4) without reaching 0.9; best posterior 0.7.", review.Reason);
        Assert.Null(review.LabelIndex);
        Assert.Equal((1, 1.0, DecidedBy.Gold, true), (gold.LabelIndex, gold.Confidence, gold.DecidedBy, gold.IsFinalLabel));
    }

    [Fact]
    public void Next_AutoAcceptUntrustedConfigured_AcceptsOnRulesAlone()
    {
        var policy = new DynamicOverlapPolicy(Defaults with { AutoAcceptUntrusted = true });

        var decision = policy.Next(Snap(ItemState.WeakLabeling), new MachineVotesApplied([0.97, 0.03], TrustedSupport: false));

        Assert.Equal(RoutingStep.AutoAccept, decision.Step);
        Assert.Equal(DecidedBy.Machine, decision.DecidedBy);
    }

    [Fact]
    public void Next_TiedPosteriorAtMaxVotes_GoesToReview()
    {
        var decision = new DynamicOverlapPolicy(Defaults).Next(Snap(ItemState.Collecting, crowd: 4, labels: 4), new CrowdVoteRecorded([0.5, 0.5]));

        Assert.Equal(RoutingStep.SendToReview, decision.Step);
        Assert.Null(decision.LabelIndex);
    }

    [Fact]
    public void Next_MaxVotesWithTheStoppingPosteriorPastTheTargetAndTheModelFavouringAnotherLabel_ReasonSaysWhy()
    {
        // The reviewer reads why the item came: not "without reaching 0.9; best posterior 0.97", which contradicts itself.
        var decision = new DynamicOverlapPolicy(Defaults).Next(Snap(ItemState.Collecting, crowd: 4, labels: 4), new CrowdVoteRecorded([0.03, 0.97], [0.92, 0.08]));

        Assert.Equal(RoutingStep.SendToReview, decision.Step);
        Assert.Equal("4 crowd votes (the maximum); the stopping posterior 0.97 favours label 1 but the model's posterior favours label 0.", decision.Reason);
    }

    [Fact]
    public void Next_ModelPosteriorTied_IsNotDecidedForTheEarlierLabel()
    {
        // A tie favours neither label: the model does not agree with the stopping posterior's label 0 any more than with 1.
        var decision = new DynamicOverlapPolicy(Defaults).Next(Snap(ItemState.Collecting, crowd: 3, labels: 3), new CrowdVoteRecorded([0.95, 0.05], [0.5, 0.5]));

        Assert.Equal(RoutingStep.CollectVotes, decision.Step);
        Assert.Equal("Stopping posterior 0.95 favours label 0 but the model's posterior favours no label (a tie); asking for another vote.", decision.Reason);
    }

    [Fact]
    public void Constructor_MaxBelowMin_ThrowsWithWhatToChange()
    {
        var ex = Assert.Throws<ArgumentException>(() => new DynamicOverlapPolicy(Defaults with { MinCrowdVotes = 3, MaxCrowdVotes = 2 }));

        Assert.Contains("maxCrowdVotes", ex.Message, StringComparison.Ordinal);
    }

    private static RoutingSnapshot Snap(ItemState state, bool gold = false, int crowd = 0, int labels = 0, long used = 0) =>
        new(state, gold, crowd, labels, used);
}
