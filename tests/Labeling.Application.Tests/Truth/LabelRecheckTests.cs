using Labeling.Application.Crowd;
using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Review;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;
using Labeling.Domain.Votes;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Tests.Truth;

/// <summary>
/// The re-fit's re-check of crowd decisions on the real SQLite stores: three workers label 59 items alike, so the re-fit
/// knows them well; the sixtieth item was decided 'spam' on one of them and a newcomer nobody knows yet, which the
/// re-fitted reliabilities do not carry to <c>routing.recheckTarget</c>.
/// </summary>
public sealed class LabelRecheckTests : IDisposable
{
    private static readonly string[] Labels = ["spam", "ham"];
    private static readonly string[] Known = [LabelerIds.Worker("ann"), LabelerIds.Worker("bo"), LabelerIds.Worker("cy")];
    private static readonly string Newcomer = LabelerIds.Worker("dee");
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task RefitAsync_CrowdLabelTheRefitDoubts_ReopensItWithoutAnEventAndQueuesIt()
    {
        var doubted = await SeedAsync(new RoutingSettings());
        var events = await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox");

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("recheck", CancellationToken.None);

        var reopened = Assert.Single(report.Reopened);
        Assert.Equal(1, report.ReopenedCount);
        Assert.Empty(report.Revisions);
        Assert.Equal((doubted.Id, "spam", doubted.Revision, doubted.Revision + 1), (reopened.ItemId, reopened.Label, reopened.PublishedRevision, reopened.Revision));
        Assert.InRange(reopened.Confidence, 0.5, 0.99);

        var stored = (await _harness.Get<IItemStore>().GetAsync("recheck", doubted.Id, CancellationToken.None))!;
        Assert.Equal((ItemState.Collecting, (string?)null, (DecidedBy?)null, doubted.Revision + 1, (long?)doubted.Revision),
            (stored.State, stored.Label, stored.DecidedBy, stored.Revision, stored.ReopenedFromRevision));
        Assert.StartsWith("Re-opened by the batch re-fit (default)", stored.Reason, StringComparison.Ordinal);
        Assert.Contains("below the recheck target 0.99", stored.Reason, StringComparison.Ordinal);
        Assert.Equal(events, await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox"));

        // The other 59 decisions stand: their votes are three workers the re-fit knows well.
        Assert.Equal(59, await _harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE project_id = 'recheck' AND state = 'decided'"));
        // Queued so that a host with crowd workflows starts one (Functions); the local handler leaves it in the pool.
        Assert.Equal(1, await _harness.ScalarAsync($"SELECT COUNT(*) FROM queue WHERE dedup_key LIKE 'recheck:recheck:%' AND payload LIKE '%{doubted.Id}%'"));
        await _harness.DrainQueueAsync();
        Assert.Equal(ItemState.Collecting, (await _harness.Get<IItemStore>().GetAsync("recheck", doubted.Id, CancellationToken.None))!.State);

        // A second re-fit finds nothing decided to doubt.
        Assert.Equal(0, (await _harness.Get<ReliabilityRefit>().RefitAsync("recheck", CancellationToken.None)).ReopenedCount);
    }

    [Fact]
    public async Task ReopenedItem_DecidedAgainByTheCrowd_PublishesALabelReadyThatRevisesTheFirst()
    {
        var doubted = await SeedAsync(new RoutingSettings());
        await _harness.Get<ReliabilityRefit>().RefitAsync("recheck", CancellationToken.None);

        var task = await _harness.Get<TaskLeasing>().NextAsync("recheck", Known[2], CancellationToken.None);
        Assert.Equal(doubted.Id, task!.ItemId);
        var outcome = await _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, Known[2], new VoteRequest("spam"), null, CancellationToken.None);

        var stored = (await _harness.Get<IItemStore>().GetAsync("recheck", doubted.Id, CancellationToken.None))!;
        Assert.Equal((ItemState.Decided, "spam", (DecidedBy?)DecidedBy.Crowd, 3, (long?)null), (stored.State, stored.Label, stored.DecidedBy, stored.CrowdVotes, stored.ReopenedFromRevision));
        Assert.Equal(ItemState.Decided, outcome.Result.State);
        var first = await _harness.OutboxEventAsync($"{doubted.Id}-r{doubted.Revision}");
        var again = await _harness.OutboxEventAsync($"{doubted.Id}-r{stored.Revision}");
        Assert.Null(first["data"]!["revises"]);
        Assert.Equal(doubted.Revision, again["data"]!["revises"]!.GetValue<long>());
        Assert.Equal("spam", again["data"]!["label"]!.GetValue<string>());
        Assert.Equal(3, again["data"]!["votes"]!.GetValue<int>());
    }

    [Fact]
    public async Task ReopenedItem_SentToReviewAndResolved_TheReviewerLabelRevisesThePublishedOne()
    {
        var doubted = await SeedAsync(new RoutingSettings { MaxCrowdVotes = 3 });
        await _harness.Get<ReliabilityRefit>().RefitAsync("recheck", CancellationToken.None);
        var task = await _harness.Get<TaskLeasing>().NextAsync("recheck", Known[1], CancellationToken.None);
        await _harness.Get<VoteRecording>().SubmitAsync(task!.LeaseId, Known[1], new VoteRequest("ham"), null, CancellationToken.None);
        var waiting = (await _harness.Get<IItemStore>().GetAsync("recheck", doubted.Id, CancellationToken.None))!;
        Assert.Equal((ItemState.NeedsReview, (long?)doubted.Revision), (waiting.State, waiting.ReopenedFromRevision));

        await ResolveRevisingThePublishedLabelAsync(doubted, "ham");
    }

    [Fact]
    public async Task ReopenedItem_NoCrowdVoteForTheReviewHours_TheNextRefitSendsItToReviewAndTheReviewerRevisesThePublishedLabel()
    {
        var doubted = await SeedAsync(new RoutingSettings { ReopenedReviewHours = 24 });
        var refit = _harness.Get<ReliabilityRefit>();
        await refit.RefitAsync("recheck", CancellationToken.None);
        var events = await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox");

        _harness.Time.Advance(TimeSpan.FromHours(23));
        Assert.Equal(0, (await refit.RefitAsync("recheck", CancellationToken.None)).ReopenedSentToReview);
        Assert.Equal((ItemState.Collecting, (string?)null), await StateAsync(doubted.Id));

        _harness.Time.Advance(TimeSpan.FromHours(2));
        var report = await refit.RefitAsync("recheck", CancellationToken.None);

        Assert.Equal(1, report.ReopenedSentToReview);
        var waiting = (await _harness.Get<IItemStore>().GetAsync("recheck", doubted.Id, CancellationToken.None))!;
        Assert.Equal((ItemState.NeedsReview, (long?)doubted.Revision, 2), (waiting.State, waiting.ReopenedFromRevision, waiting.CrowdVotes));
        Assert.Contains("no crowd vote came", waiting.Reason, StringComparison.Ordinal);
        Assert.Contains($"Consumers keep the label of revision {doubted.Revision}", waiting.Reason, StringComparison.Ordinal);
        // No event: consumers hold the published label; the item's evidence stays in the model.
        Assert.Equal(events, await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(1, await _harness.ScalarAsync($"SELECT COUNT(*) FROM items WHERE id = '{doubted.Id}' AND evidence LIKE '%dee%'"));
        Assert.Null(await _harness.Get<TaskLeasing>().NextAsync("recheck", Known[2], CancellationToken.None));

        await ResolveRevisingThePublishedLabelAsync(doubted, "spam");
    }

    [Fact]
    public async Task ReopenedItem_ACrowdVoteThatDoesNotDecideIt_StartsTheReviewHoursAgain()
    {
        var doubted = await SeedAsync(new RoutingSettings { ReopenedReviewHours = 24 });
        var refit = _harness.Get<ReliabilityRefit>();
        await refit.RefitAsync("recheck", CancellationToken.None);
        _harness.Time.Advance(TimeSpan.FromHours(20));
        var task = await _harness.Get<TaskLeasing>().NextAsync("recheck", Known[1], CancellationToken.None);
        var outcome = await _harness.Get<VoteRecording>().SubmitAsync(task!.LeaseId, Known[1], new VoteRequest("ham"), null, CancellationToken.None);
        Assert.Equal(ItemState.Collecting, outcome.Result.State);

        _harness.Time.Advance(TimeSpan.FromHours(5));
        Assert.Equal(0, (await refit.RefitAsync("recheck", CancellationToken.None)).ReopenedSentToReview);
        Assert.Equal((ItemState.Collecting, (string?)null), await StateAsync(doubted.Id));

        _harness.Time.Advance(TimeSpan.FromHours(20));
        Assert.Equal(1, (await refit.RefitAsync("recheck", CancellationToken.None)).ReopenedSentToReview);
        Assert.Equal((ItemState.NeedsReview, (string?)null), await StateAsync(doubted.Id));
    }

    [Fact]
    public async Task ReopenedItem_LeasedWhenTheReviewHoursHavePassed_StaysInThePoolAndTheWorkersVoteDecidesIt()
    {
        var doubted = await SeedAsync(new RoutingSettings { ReopenedReviewHours = 24 });
        var refit = _harness.Get<ReliabilityRefit>();
        await refit.RefitAsync("recheck", CancellationToken.None);
        _harness.Time.Advance(TimeSpan.FromHours(25));
        var task = await _harness.Get<TaskLeasing>().NextAsync("recheck", Known[2], CancellationToken.None);
        Assert.Equal(doubted.Id, task!.ItemId);

        Assert.Equal(0, (await refit.RefitAsync("recheck", CancellationToken.None)).ReopenedSentToReview);

        var outcome = await _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, Known[2], new VoteRequest("spam"), null, CancellationToken.None);
        Assert.Equal((ItemState.Decided, "spam"), (outcome.Result.State, outcome.Result.Label));
    }

    [Fact]
    public async Task RefitAllAsync_OneProjectFails_TheOthersAreStillRefittedAndTheRoundReportsTheFailure()
    {
        var doubted = await SeedAsync(new RoutingSettings());
        await _harness.CreateProjectAsync(Project(new RoutingSettings()) with { Id = "broken", Name = "Broken" });
        var refit = _harness.Refit(new ReliabilityRefitOptions(), new FailingReports(_harness.Get<IReliabilityRefitStore>(), "broken"));

        var failure = await Assert.ThrowsAsync<AggregateException>(() => refit.RefitAllAsync(CancellationToken.None));

        Assert.Contains("1 of 2 projects", failure.Message, StringComparison.Ordinal);
        Assert.IsType<IOException>(Assert.Single(failure.InnerExceptions));
        // "broken" comes first in id order; "recheck" was still re-fitted after it.
        Assert.Equal((ItemState.Collecting, (string?)null), await StateAsync(doubted.Id));
    }

    [Fact]
    public async Task RefitAsync_RecheckOff_LeavesTheDoubtedLabel()
    {
        var doubted = await SeedAsync(new RoutingSettings { RecheckDecidedLabels = false });

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("recheck", CancellationToken.None);

        Assert.Equal(0, report.ReopenedCount);
        Assert.Equal((ItemState.Decided, "spam"), await StateAsync(doubted.Id));
        Assert.Equal(0, await _harness.ScalarAsync("SELECT COUNT(*) FROM queue WHERE dedup_key LIKE 'recheck:%'"));
    }

    [Fact]
    public async Task RefitAsync_ServerWithoutLabelRevision_LeavesTheDoubtedLabel()
    {
        var doubted = await SeedAsync(new RoutingSettings());
        var refit = _harness.Refit(new ReliabilityRefitOptions { ReviseLabels = false });

        var report = await refit.RefitAsync("recheck", CancellationToken.None);

        Assert.Equal(0, report.ReopenedCount);
        Assert.Equal((ItemState.Decided, "spam"), await StateAsync(doubted.Id));
    }

    [Fact]
    public async Task RefitAsync_BudgetSpent_LeavesTheDoubtedLabel()
    {
        // 59 x 3 + 2 crowd votes are recorded; a budget of 150 is spent.
        var doubted = await SeedAsync(new RoutingSettings { VoteBudget = 150 });

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("recheck", CancellationToken.None);

        Assert.Equal(0, report.ReopenedCount);
        Assert.Equal((ItemState.Decided, "spam"), await StateAsync(doubted.Id));
    }

    [Fact]
    public async Task RefitAsync_LowerRecheckTarget_TheSameVotesHoldTheLabel()
    {
        // What the re-fit reads the doubted item as, then a target just below it.
        var probe = await SeedAsync(new RoutingSettings());
        var confidence = Assert.Single((await _harness.Get<ReliabilityRefit>().RefitAsync("recheck", CancellationToken.None)).Reopened).Confidence;
        using var other = new LabelingHarness();
        var doubted = await SeedAsync(new RoutingSettings { RecheckTarget = Math.Max(0.51, confidence - 0.01) }, other);

        var report = await other.Get<ReliabilityRefit>().RefitAsync("recheck", CancellationToken.None);

        Assert.Equal(probe.Id, doubted.Id);
        Assert.Equal(0, report.ReopenedCount);
    }

    [Fact]
    public void Applies_OnlyCrowdDecisionsBelowTheVoteLimitWithTheRecheckOn()
    {
        var routing = new RoutingSettings();
        var crowd = Item(ItemState.Decided, DecidedBy.Crowd, "spam", crowdVotes: 3);

        Assert.True(LabelRecheck.Applies(crowd, routing));
        Assert.False(LabelRecheck.Applies(crowd, routing with { RecheckDecidedLabels = false }));
        Assert.False(LabelRecheck.Applies(crowd with { CrowdVotes = routing.MaxCrowdVotes }, routing));
        Assert.False(LabelRecheck.Applies(crowd with { DecidedBy = DecidedBy.Reviewer }, routing));
        Assert.False(LabelRecheck.Applies(crowd with { State = ItemState.AutoAccepted, DecidedBy = DecidedBy.Machine }, routing));
        Assert.False(LabelRecheck.Applies(crowd with { GoldLabel = "spam", DecidedBy = DecidedBy.Gold }, routing));
        Assert.False(LabelRecheck.Applies(crowd with { State = ItemState.NeedsReview, Label = null }, routing));
    }

    [Fact]
    public void EvidenceIsCurrent_AVoteRecordedAfterTheLoad_IsNotCurrent()
    {
        var item = Item(ItemState.Decided, DecidedBy.Crowd, "spam", crowdVotes: 2);
        var rule = LabelerIds.Rule("subscribe");
        var loaded = new ItemEvidenceState("a", "", null, [new(rule, 0, null), new(Known[0], 0, null), new(Newcomer, 0, null)], [0.97, 0.03]);

        Assert.True(LabelRecheck.EvidenceIsCurrent(item, loaded));
        // Another instance recorded a third crowd label after the re-fit loaded the evidence.
        Assert.False(LabelRecheck.EvidenceIsCurrent(item with { CrowdVotes = 3, CrowdLabels = 3, Revision = 5 }, loaded));
        // An unsure answer is a response, not a label: the evidence is still whole.
        Assert.True(LabelRecheck.EvidenceIsCurrent(item with { CrowdVotes = 3, Revision = 5 }, loaded));
    }

    [Fact]
    public void Commit_MachineVotesOnTheItem_GiveBackTheCheckTheDecisionCounted()
    {
        var item = Item(ItemState.Decided, DecidedBy.Crowd, "spam", crowdVotes: 2);
        var agreeing = LabelerIds.Rule("subscribe");
        var disagreeing = LabelerIds.Rule("greeting");
        var evidence = new ItemEvidenceState("a", "", null,
            [new(agreeing, 0, null), new(disagreeing, 1, null), new(Known[0], 0, null), new(Newcomer, 0, null)], [0.97, 0.03]);

        var (commit, reopened) = LabelRecheck.Commit(item, evidence, Labels, [0.8, 0.2], 0.9, Project(new RoutingSettings()), "default", DateTimeOffset.UnixEpoch);

        Assert.Equal([new MachineTrack(agreeing, -1, -1), new MachineTrack(disagreeing, -1, 0)], commit.TrackIncrements);
        Assert.Empty(commit.Events);
        var write = Assert.Single(commit.Items);
        Assert.Equal([0.8, 0.2], write.Evidence!.Posterior!);
        Assert.Equal((ItemState.Collecting, (string?)null, (double?)null, 5L, (long?)4), (write.Item.State, write.Item.Label, write.Item.Confidence, write.Item.Revision, write.Item.ReopenedFromRevision));
        Assert.Equal(new ReopenedItem("a", "spam", 0.9, 4, 5), reopened);
    }

    // 59 items each labeled alike by ann, bo and cy (decided with that label); the last item decided 'spam' on ann and
    // the newcomer dee, who voted on nothing else. Returns the last item as decided.
    private async Task<Item> SeedAsync(RoutingSettings routing, LabelingHarness? harness = null)
    {
        harness ??= _harness;
        var project = Project(routing);
        await harness.CreateProjectAsync(project);
        await harness.IngestAsync("recheck", "items.csv", "text\n" + string.Join("\n", Enumerable.Range(0, 60).Select(i => $"comment number {i}")) + "\n");
        var items = harness.Get<IItemStore>();
        var stored = (await items.ListAsync("recheck", null, null, 100, CancellationToken.None)).OrderBy(i => i.SourceId, StringComparer.Ordinal).ToArray();
        Assert.Equal(60, stored.Length);
        var now = harness.Time.GetUtcNow();
        Item? doubted = null;
        for (var n = 0; n < stored.Length; n++)
        {
            var item = stored[n];
            var last = n == stored.Length - 1;
            var label = last ? 0 : n % 2;
            string[] voters = last ? [Known[0], Newcomer] : Known;
            var posterior = label == 0 ? new[] { 0.99, 0.01 } : [0.01, 0.99];
            var next = item with
            {
                State = ItemState.Decided, Label = Labels[label], Confidence = 0.99, DecidedBy = DecidedBy.Crowd, Posterior = posterior,
                CrowdVotes = voters.Length, CrowdLabels = voters.Length, Revision = item.Revision + 1, UpdatedAt = now,
            };
            await harness.CommitVotedAsync(project, next, voters, voters.Select(_ => label).ToArray(), posterior);
            if (last) doubted = next;
        }

        return doubted!;
    }

    // A reviewer labels the re-opened item: decided by the reviewer, and its label.ready revises the published revision.
    private async Task ResolveRevisingThePublishedLabelAsync(Item published, string label)
    {
        var resolved = await _harness.Get<ReviewResolution>().ResolveAsync("recheck", published.Id, new ResolutionRequest(label), "rita", CancellationToken.None);

        Assert.Equal((ItemState.Decided, label, (long?)null), (resolved.State, resolved.Label, resolved.ReopenedFromRevision));
        var again = await _harness.OutboxEventAsync($"{published.Id}-r{resolved.Revision}");
        Assert.Equal(published.Revision, again["data"]!["revises"]!.GetValue<long>());
        Assert.Equal("reviewer", again["data"]!["decidedBy"]!.GetValue<string>());
    }

    private async Task<(ItemState, string?)> StateAsync(string itemId)
    {
        var stored = (await _harness.Get<IItemStore>().GetAsync("recheck", itemId, CancellationToken.None))!;
        return (stored.State, stored.Label);
    }


    // Saves reports as the real store does, except for one project, whose report cannot be written.
    private sealed class FailingReports(IReliabilityRefitStore inner, string failingProject) : IReliabilityRefitStore
    {
        public Task ReplaceStatisticsAsync(string projectId, IReadOnlyList<LabelerStatisticsState> statistics, ClassCountsState classCounts, CancellationToken cancellationToken) =>
            inner.ReplaceStatisticsAsync(projectId, statistics, classCounts, cancellationToken);

        public Task<string> SaveDriftReportAsync(DriftReport report, CancellationToken cancellationToken) =>
            report.ProjectId == failingProject ? throw new IOException("disk full") : inner.SaveDriftReportAsync(report, cancellationToken);
    }

    private static Project Project(RoutingSettings routing) => new(
        "recheck",
        "Recheck",
        new LabelSchema(TaskKind.SingleLabel, [new("spam", "promotion"), new("ham", "real")], "Is it spam?"),
        [],
        routing,
        null,
        DateTimeOffset.UnixEpoch);

    private static Item Item(ItemState state, DecidedBy by, string label, int crowdVotes) => new(
        "recheck", "a", "doc", "row-1", null, "text", new string('0', 64), state, null, [0.97, 0.03], label, 0.97, by, 0, crowdVotes, crowdVotes, 4,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null);
}
