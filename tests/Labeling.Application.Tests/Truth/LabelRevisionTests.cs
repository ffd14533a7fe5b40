using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Tests.Truth;

/// <summary>
/// The re-fit's revision of decided labels on the real SQLite stores. Items are put in their decided state
/// through the item store's own commit (what the vote path writes), with a frozen label that the votes do not support:
/// the situation of an item decided while its workers were still unknown.
/// </summary>
public sealed class LabelRevisionTests : IDisposable
{
    private static readonly string[] Labels = ["spam", "ham"];
    private static readonly string[] Workers = [LabelerIds.Worker("ann"), LabelerIds.Worker("bo"), LabelerIds.Worker("cy")];
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task RefitAsync_CrowdLabelTheVotesOverturn_RevisesItWithANewLabelReadyEvent()
    {
        var (frozen, _) = await SeedAsync();

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("votes", CancellationToken.None);

        var revised = Assert.Single(report.Revisions);
        Assert.Equal(1, report.RevisedCount);
        Assert.Equal((frozen.Id, "spam", "ham", frozen.Revision, frozen.Revision + 1), (revised.ItemId, revised.PreviousLabel, revised.Label, revised.Revises, revised.Revision));
        Assert.InRange(revised.Confidence, 0.95, 1.0);

        var stored = (await _harness.Get<IItemStore>().GetAsync("votes", frozen.Id, CancellationToken.None))!;
        Assert.Equal(("ham", ItemState.Decided, DecidedBy.Crowd, frozen.Revision + 1), (stored.Label, stored.State, stored.DecidedBy, stored.Revision));
        Assert.Equal(revised.Confidence, stored.Confidence);
        Assert.True(stored.Posterior![1] >= 0.95);
        Assert.Contains("re-fit", stored.Reason, StringComparison.Ordinal);

        // Both decisions are in the outbox: consumers deduplicating on the id get the revision as a new event.
        var first = await _harness.OutboxEventAsync($"{frozen.Id}-r{frozen.Revision}");
        var second = await _harness.OutboxEventAsync($"{frozen.Id}-r{frozen.Revision + 1}");
        Assert.Equal("spam", first["data"]!["label"]!.GetValue<string>());
        Assert.Null(first["data"]!["revises"]);
        Assert.Equal("ham", second["data"]!["label"]!.GetValue<string>());
        Assert.Equal(frozen.Revision, second["data"]!["revises"]!.GetValue<long>());
        Assert.Equal(frozen.Revision + 1, second["data"]!["revision"]!.GetValue<long>());
        Assert.Equal("label.ready", second["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task RefitAsync_ReviewerDecidedLabelTheVotesOverturn_IsNeverRevised()
    {
        var (_, reviewed) = await SeedAsync();

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("votes", CancellationToken.None);

        Assert.Contains(report.Disagreements, d => d.ItemId == reviewed.Id);
        Assert.DoesNotContain(report.Revisions, r => r.ItemId == reviewed.Id);
        var stored = (await _harness.Get<IItemStore>().GetAsync("votes", reviewed.Id, CancellationToken.None))!;
        Assert.Equal(("spam", reviewed.Revision), (stored.Label, stored.Revision));
    }

    [Fact]
    public async Task RefitAsync_ItemInReviewTheBatchFitRanksDifferently_ShowsTheBatchPosteriorAndStaysInReview()
    {
        await SeedAsync();
        var items = _harness.Get<IItemStore>();
        var waiting = Assert.Single(await items.ListAsync("votes", ItemState.NeedsReview, null, 10, CancellationToken.None));
        var events = await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox");

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("votes", CancellationToken.None);

        Assert.Equal(1, report.ReviewPosteriorsUpdated);
        var stored = (await items.GetAsync("votes", waiting.Id, CancellationToken.None))!;
        Assert.Equal((ItemState.NeedsReview, (string?)null, waiting.Revision + 1), (stored.State, stored.Label, stored.Revision));
        Assert.True(stored.Posterior![1] > 0.5);
        Assert.StartsWith("vote limit reached The batch re-fit (default, read with the class mix of the one undecided item)", stored.Reason, StringComparison.Ordinal);
        Assert.Equal(events + 1, await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox"));
    }

    [Fact]
    public async Task RefitAsync_CollectingItemTheBatchFitRanksDifferently_ShowsTheBatchPosteriorAndStaysInThePool()
    {
        await SeedAsync(withCollecting: true);
        var items = _harness.Get<IItemStore>();
        var collecting = await items.ListAsync("votes", ItemState.Collecting, null, 10, CancellationToken.None);
        var fresh = collecting.Single(i => i.ReopenedFromRevision is null);
        var reopened = collecting.Single(i => i.ReopenedFromRevision is not null);
        var events = await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox");

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("votes", CancellationToken.None);

        Assert.Equal((1, 1), (report.ReviewPosteriorsUpdated, report.PoolPosteriorsUpdated));
        var stored = (await items.GetAsync("votes", fresh.Id, CancellationToken.None))!;
        Assert.Equal((ItemState.Collecting, (string?)null, fresh.Revision + 1), (stored.State, stored.Label, stored.Revision));
        Assert.True(stored.Posterior![1] > 0.5, $"P(ham) = {stored.Posterior[1]:F3}");
        Assert.Contains("The batch re-fit (default, read with the class mix of the 2 undecided items)", stored.Reason, StringComparison.Ordinal);
        var evidence = (await _harness.Get<ILabelerStore>().LoadTruthStateAsync("votes", Labels, CancellationToken.None)).Items.Single(i => i.Item == fresh.Id);
        // The truth model keeps the batch posterior, which ranks 'ham' first too (the item shows it read with the undecided items' mix).
        Assert.True(evidence.Posterior![1] > 0.5, $"P(ham) = {evidence.Posterior[1]:F3}");

        // A re-opened item keeps the posterior it was re-opened with: its time since then decides when it goes to review.
        var untouched = (await items.GetAsync("votes", reopened.Id, CancellationToken.None))!;
        Assert.Equal((reopened.Revision, reopened.Posterior![0]), (untouched.Revision, untouched.Posterior![0]));
        // No label changed, so no event beyond the revision of item 0.
        Assert.Equal(events + 1, await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox"));
    }

    [Fact]
    public void RefreshesPosterior_OnlyUndecidedNonGoldItemsNeverReopenedWhoseBestLabelChanges()
    {
        var collecting = Item("a", ItemState.Collecting, DecidedBy.Crowd, "spam") with { Label = null, DecidedBy = null, Posterior = [0.6, 0.4] };

        Assert.True(LabelRevision.RefreshesPosterior(collecting, [0.3, 0.7]));
        Assert.True(LabelRevision.RefreshesPosterior(collecting with { State = ItemState.NeedsReview }, [0.3, 0.7]));
        Assert.False(LabelRevision.RefreshesPosterior(collecting, [0.7, 0.3]));
        Assert.False(LabelRevision.RefreshesPosterior(collecting with { ReopenedFromRevision = 3 }, [0.3, 0.7]));
        Assert.False(LabelRevision.RefreshesPosterior(collecting with { GoldLabel = "spam" }, [0.3, 0.7]));
        Assert.False(LabelRevision.RefreshesPosterior(collecting with { State = ItemState.Decided, Label = "spam" }, [0.3, 0.7]));
    }

    [Fact]
    public async Task RefitAsync_RunTwice_RevisesOnceAndWritesOneRevisionEvent()
    {
        await SeedAsync();
        var refit = _harness.Get<ReliabilityRefit>();
        await refit.RefitAsync("votes", CancellationToken.None);
        var events = await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox");

        var again = await refit.RefitAsync("votes", CancellationToken.None);

        Assert.Equal(0, again.RevisedCount);
        Assert.Equal(events, await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox"));
    }

    [Fact]
    public async Task RefitAsync_RevisionConfidenceAboveTheBatchPosterior_KeepsTheDecidedLabel()
    {
        var (frozen, _) = await SeedAsync();
        var strict = _harness.Refit(new ReliabilityRefitOptions { RevisionConfidence = 1.0 });

        var report = await strict.RefitAsync("votes", CancellationToken.None);

        Assert.Contains(report.Disagreements, d => d.ItemId == frozen.Id);
        Assert.Empty(report.Revisions);
        Assert.Equal("spam", (await _harness.Get<IItemStore>().GetAsync("votes", frozen.Id, CancellationToken.None))!.Label);
    }

    [Fact]
    public async Task Commit_ItemChangedAfterItWasRead_ConflictsAndLeavesTheOtherWriteAndNoEvent()
    {
        var (frozen, _) = await SeedAsync();
        var items = _harness.Get<IItemStore>();
        var state = await _harness.Get<ILabelerStore>().LoadTruthStateAsync("votes", Labels, CancellationToken.None);
        var evidence = state.Items.Single(i => i.Item == frozen.Id);
        var (revision, _) = LabelRevision.Commit(frozen, evidence, Labels, [0.01, 0.99], Project(), "default", _harness.Time.GetUtcNow(), "/labeling/projects");

        // Another step (here a reviewer's note) wins the race for the item's next revision.
        var other = frozen with { Revision = frozen.Revision + 1, Reason = "changed meanwhile" };
        await items.CommitAsync(new ItemCommit("votes") { Items = [new ItemWrite(other, evidence)] }, CancellationToken.None);

        await Assert.ThrowsAsync<ConcurrencyConflictException>(() => items.CommitAsync(revision, CancellationToken.None));

        var stored = (await items.GetAsync("votes", frozen.Id, CancellationToken.None))!;
        Assert.Equal(("spam", "changed meanwhile"), (stored.Label, stored.Reason));
        Assert.Equal(0, await _harness.ScalarAsync($"SELECT COUNT(*) FROM outbox WHERE id = '{frozen.Id}-r{frozen.Revision + 1}'"));
    }

    [Fact]
    public void Qualifies_OnlyACrowdDecisionOverturnedAtTheTarget()
    {
        var crowd = Item("a", ItemState.Decided, DecidedBy.Crowd, "spam");

        Assert.True(LabelRevision.Qualifies(crowd, "ham", 0.95, 0.95));
        Assert.False(LabelRevision.Qualifies(crowd, "ham", 0.949, 0.95));
        Assert.False(LabelRevision.Qualifies(crowd, "spam", 0.99, 0.95));
        Assert.False(LabelRevision.Qualifies(crowd with { DecidedBy = DecidedBy.Reviewer }, "ham", 0.99, 0.95));
        Assert.False(LabelRevision.Qualifies(crowd with { DecidedBy = DecidedBy.Machine, State = ItemState.AutoAccepted }, "ham", 0.99, 0.95));
        Assert.False(LabelRevision.Qualifies(crowd with { GoldLabel = "spam", DecidedBy = DecidedBy.Gold }, "ham", 0.99, 0.95));
        Assert.False(LabelRevision.Qualifies(crowd with { State = ItemState.NeedsReview }, "ham", 0.99, 0.95));
    }

    [Fact]
    public void Commit_MachineVoteOnTheItem_MovesItsAgreementToTheNewLabel()
    {
        var item = Item("a", ItemState.Decided, DecidedBy.Crowd, "spam");
        var rule = LabelerIds.Rule("subscribe");
        var evidence = new ItemEvidenceState("a", "", null, [new(rule, 0, null), new(Workers[0], 1, null), new(Workers[1], 1, null)], [0.6, 0.4]);

        var (commit, _) = LabelRevision.Commit(item, evidence, Labels, [0.02, 0.98], Project(), "default", DateTimeOffset.UnixEpoch, "/labeling/projects");

        Assert.Equal(new MachineTrack(rule, 0, -1), Assert.Single(commit.TrackIncrements));
        Assert.Equal([0.02, 0.98], commit.Items[0].Evidence!.Posterior!);
    }

    // Twelve items voted on by three workers who always agree; item 0 was decided 'spam' and item 1 resolved 'spam'
    // by a reviewer although all three said 'ham'; item 2 waits for review with a posterior that favours 'spam'.
    // With withCollecting, item 4 (three 'ham' votes) is still collecting with a posterior that favours 'spam', and item 6
    // (the same) was re-opened by an earlier re-check.
    private async Task<(Item Frozen, Item Reviewed)> SeedAsync(bool withCollecting = false)
    {
        var harness = _harness;
        await harness.CreateProjectAsync(Project());
        await harness.IngestAsync("votes", "items.csv", "text\n" + string.Join("\n", Enumerable.Range(0, 12).Select(i => $"comment number {i}")) + "\n");
        var items = harness.Get<IItemStore>();
        var stored = await items.ListAsync("votes", null, null, 100, CancellationToken.None);
        var now = harness.Time.GetUtcNow();
        Item? frozen = null, reviewed = null;
        for (var n = 0; n < stored.Count; n++)
        {
            var item = stored[n];
            var truth = n % 2 == 0 || n < 3 ? 1 : 0;
            var (label, by, confidence) = n switch
            {
                0 => ("spam", DecidedBy.Crowd, 0.96),
                1 => ("spam", DecidedBy.Reviewer, 1.0),
                _ => (Labels[truth], DecidedBy.Crowd, 0.99),
            };
            var posterior = label == "spam" ? new[] { confidence, 1 - confidence } : [1 - confidence, confidence];
            var next = item with
            {
                State = ItemState.Decided, Label = label, Confidence = confidence, DecidedBy = by, Posterior = posterior,
                CrowdVotes = 3, CrowdLabels = 3, Revision = item.Revision + 1, UpdatedAt = now,
            };
            if (n == 2)
            {
                next = next with { State = ItemState.NeedsReview, Label = null, Confidence = null, DecidedBy = null, Posterior = [0.6, 0.4], Reason = "vote limit reached" };
            }
            else if (withCollecting && n is 4 or 6)
            {
                next = next with { State = ItemState.Collecting, Label = null, Confidence = null, DecidedBy = null, Posterior = [0.6, 0.4], Reason = "asking for another vote", ReopenedFromRevision = n == 6 ? item.Revision : null };
            }
            await harness.CommitVotedAsync(Project(), next, Workers, [truth, truth, truth], posterior);
            if (n == 0) frozen = next;
            if (n == 1) reviewed = next;
        }

        return (frozen!, reviewed!);
    }


    // The re-check (LabelRecheckTests) would re-open the items the revision leaves doubtful; these tests are about revision.
    private static Project Project() => LabelingHarness.RuleFreeProject("votes", new RoutingSettings { RecheckDecidedLabels = false });

    private static Item Item(string id, ItemState state, DecidedBy by, string label) => new(
        "votes", id, "doc", "row-1", null, "text", new string('0', 64), state, null, [0.9, 0.1], label, 0.9, by, 0, 3, 3, 4,
        DateTimeOffset.UnixEpoch, DateTimeOffset.UnixEpoch, null);
}
