using Labeling.Application.Crowd;
using Labeling.Application.Ports;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;
using Labeling.Domain.Votes;

namespace Labeling.Application.Tests.Truth;

/// <summary>
/// A crowd smaller than <c>routing.maxCrowdVotes</c> on the real SQLite stores: three workers, ten votes allowed per item. An
/// item all three answered without reaching the target can get no other vote; the re-fit sends it to review once no crowd
/// vote has reached it for <c>routing.reopenedReviewHours</c> while the workers kept working on other items.
/// </summary>
public sealed class CrowdExhaustedTests : IDisposable
{
    private const string ProjectId = "small";
    private static readonly string[] Labels = ["spam", "ham"];
    private static readonly string Ann = LabelerIds.Worker("ann");
    private static readonly string Bo = LabelerIds.Worker("bo");
    private static readonly string Cy = LabelerIds.Worker("cy");
    private readonly LabelingHarness _harness = new();
    private Item[] _items = [];
    private string _capability = "";

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Refit_ItemsEveryWorkerAnsweredAndNoVoteForTheHours_GoToReviewWhileTheOthersStayInThePool()
    {
        await SeedAsync();
        var (contested, twoOfThree, unsure, gold) = (_items[0], _items[1], _items[2], _items[3]);
        var refit = _harness.Get<ReliabilityRefit>();

        // The same day nothing moves: the workers who have not seen the items yet may still come.
        _harness.Time.Advance(TimeSpan.FromHours(23));
        await VoteAsync(_items[4], [Ann, Bo, Cy], ["spam", "spam", "spam"]);
        Assert.Equal(0, (await refit.RefitAsync(ProjectId, CancellationToken.None)).CrowdExhausted);
        Assert.All(_items[..4], i => Assert.Equal(ItemState.Collecting, StoredAsync(i).Result.State));

        // A day after their last vote, with all three workers still labeling other items.
        _harness.Time.Advance(TimeSpan.FromHours(2));
        await VoteAsync(_items[5], [Ann, Bo, Cy], ["ham", "ham", "ham"]);
        var events = await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox");
        var report = await refit.RefitAsync(ProjectId, CancellationToken.None);

        Assert.Equal(3, report.CrowdExhausted);
        var reviewed = await StoredAsync(contested);
        Assert.Equal((ItemState.NeedsReview, (string?)null, 3), (reviewed.State, reviewed.Label, reviewed.CrowdVotes));
        Assert.StartsWith("No crowd vote can come: every one of the 3 worker(s) who can be offered it has answered (3 crowd response(s), below the maximum 10)", reviewed.Reason, StringComparison.Ordinal);
        // Cy's unsure answer is a response: only the stored votes show it, and they are read.
        Assert.Equal(ItemState.NeedsReview, (await StoredAsync(unsure)).State);
        // Cy has not answered this one and is still labeling: it stays in the pool and is Cy's next task.
        Assert.Equal(ItemState.Collecting, (await StoredAsync(twoOfThree)).State);
        Assert.Equal(twoOfThree.Id, (await _harness.Get<TaskLeasing>().NextAsync(ProjectId, Cy, CancellationToken.None))!.ItemId);
        Assert.Null(await _harness.Get<TaskLeasing>().NextAsync(ProjectId, Ann, CancellationToken.None));

        // The gold item has measured everyone there is: decided by its known label, with its label.ready.
        var decided = await StoredAsync(gold);
        Assert.Equal((ItemState.Decided, "ham", (DecidedBy?)DecidedBy.Gold, 1.0), (decided.State, decided.Label, decided.DecidedBy, decided.Confidence));
        Assert.Equal(events + 1, await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal("ham", (await _harness.OutboxEventAsync($"{gold.Id}-r{decided.Revision}"))["data"]!["label"]!.GetValue<string>());

        // Nothing is sent twice.
        Assert.Equal(0, (await refit.RefitAsync(ProjectId, CancellationToken.None)).CrowdExhausted);
    }

    [Fact]
    public async Task Refit_AWorkerWhoStoppedComing_NoLongerHoldsTheItemsItDidNotAnswer()
    {
        await SeedAsync();
        var twoOfThree = _items[1];
        var refit = _harness.Get<ReliabilityRefit>();
        _harness.Time.Advance(TimeSpan.FromHours(25));
        await VoteAsync(_items[4], [Ann, Bo, Cy], ["spam", "spam", "spam"]);
        await refit.RefitAsync(ProjectId, CancellationToken.None);
        Assert.Equal(ItemState.Collecting, (await StoredAsync(twoOfThree)).State);

        // Cy's last vote is now more than a day old; Ann and Bo go on.
        _harness.Time.Advance(TimeSpan.FromHours(25));
        await VoteAsync(_items[5], [Ann, Bo], ["ham", "ham"]);
        var report = await refit.RefitAsync(ProjectId, CancellationToken.None);

        // The item Cy did not answer, and the one all three answered a day ago.
        Assert.Equal(2, report.CrowdExhausted);
        var reviewed = await StoredAsync(twoOfThree);
        Assert.Equal(ItemState.NeedsReview, reviewed.State);
        Assert.Contains("every one of the 2 worker(s)", reviewed.Reason, StringComparison.Ordinal);
        Assert.Equal(ItemState.NeedsReview, (await StoredAsync(_items[4])).State);
        Assert.Equal(ItemState.Collecting, (await StoredAsync(_items[5])).State);
    }

    [Fact]
    public async Task Refit_AWorkerWhoStoppedComing_IsNotKeptByLaterVotesOnAnItemItAnswered()
    {
        // The model writes each vote's time as when its contribution was last written: every step on an item stamps all of
        // its votes with the step's time, so an old vote on an item others voted on since carries their time.
        var t0 = _harness.Time.GetUtcNow();
        var model = new OnlineDawidSkene(Labels);
        model.Observe("x", Cy, "spam", at: t0);
        model.Observe("x", Ann, "spam", at: t0.AddHours(25));
        Assert.All(model.ItemState("x")!.Votes, v => Assert.Equal(t0.AddHours(25), v.At));

        await SeedAsync();
        var twoOfThree = _items[1];
        var refit = _harness.Get<ReliabilityRefit>();
        // Cy's last vote, on item 4; then Cy stops coming.
        _harness.Time.Advance(TimeSpan.FromHours(1));
        await VoteAsync(_items[4], [Cy], ["spam"]);

        // More than a day later Ann and Bo go on, on item 4 as well, and the evidence stored with it dates Cy's vote now.
        _harness.Time.Advance(TimeSpan.FromHours(25));
        await VoteAsync(_items[4], [Ann, Bo], ["spam", "spam"], asTheModelStamps: true);
        await VoteAsync(_items[5], [Ann, Bo], ["ham", "ham"], asTheModelStamps: true);
        Assert.All((await _harness.Get<IItemStore>().GetVotesAsync(ProjectId, _items[4].Id, CancellationToken.None)).Where(v => v.LabelerId == Cy),
            v => Assert.True(v.At < _harness.Time.GetUtcNow().AddHours(-24)));

        var report = await refit.RefitAsync(ProjectId, CancellationToken.None);

        // Cy has not labeled for more than a day: the item only it did not answer goes to review with the other idle ones.
        var reviewed = await StoredAsync(twoOfThree);
        Assert.Equal(ItemState.NeedsReview, reviewed.State);
        Assert.Contains("every one of the 2 worker(s)", reviewed.Reason, StringComparison.Ordinal);
        Assert.Equal(4, report.CrowdExhausted);
    }

    [Fact]
    public async Task Refit_AWorkerWhoStoppedComing_IsNotKeptByAReviewersResolutionOfTheItemItVotedOnLast()
    {
        // A reviewer's resolution makes the item gold, a step on the item without a vote: it stamps every vote, the last
        // one too, with its time, so the last vote's time is not its own either.
        var t0 = _harness.Time.GetUtcNow();
        var model = new OnlineDawidSkene(Labels);
        model.Observe("x", Ann, "spam", at: t0);
        model.Observe("x", Cy, "spam", at: t0);
        model.SetGold("x", "spam", at: t0.AddHours(25));
        Assert.All(model.ItemState("x")!.Votes, v => Assert.Equal(t0.AddHours(25), v.At));

        await SeedAsync();
        var twoOfThree = _items[1];
        var refit = _harness.Get<ReliabilityRefit>();
        // Cy's last vote, on item 4 after Ann's; then Cy stops coming.
        _harness.Time.Advance(TimeSpan.FromHours(1));
        await VoteAsync(_items[4], [Ann, Cy], ["spam", "spam"]);

        // More than a day later Ann and Bo go on, and a reviewer resolves item 4: its evidence, gold now, dates Cy's vote now.
        _harness.Time.Advance(TimeSpan.FromHours(25));
        await VoteAsync(_items[5], [Ann, Bo], ["ham", "ham"]);
        var now = _harness.Time.GetUtcNow();
        var item4 = await StoredAsync(_items[4]);
        var resolved = item4 with { State = ItemState.Decided, Label = "spam", DecidedBy = DecidedBy.Reviewer, Revision = item4.Revision + 1, UpdatedAt = now };
        await _harness.Get<IItemStore>().CommitAsync(new ItemCommit(ProjectId)
        {
            Items = [new ItemWrite(resolved, new ItemEvidenceState(item4.Id, _capability, 0, [new(Ann, 0, now), new(Cy, 0, now)], [1.0, 0.0]))],
        }, CancellationToken.None);

        await refit.RefitAsync(ProjectId, CancellationToken.None);

        // Cy has not labeled for more than a day: the item only it did not answer goes to review.
        var reviewed = await StoredAsync(twoOfThree);
        Assert.Equal(ItemState.NeedsReview, reviewed.State);
        Assert.Contains("every one of the 2 worker(s)", reviewed.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Refit_AnItemEveryWorkerAnsweredUnsure_GoesToReviewToo()
    {
        await SeedAsync();
        var unsureOnly = _items[5] = await CommitAsync(_items[5], [(Ann, null), (Bo, null), (Cy, null)]);
        _harness.Time.Advance(TimeSpan.FromHours(25));
        await VoteAsync(_items[4], [Ann, Bo, Cy], ["spam", "spam", "spam"]);

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync(ProjectId, CancellationToken.None);

        // Its model evidence holds no vote at all; the stored votes show all three answered.
        Assert.Equal(4, report.CrowdExhausted);
        var reviewed = await StoredAsync(unsureOnly);
        Assert.Equal((ItemState.NeedsReview, 3, 0), (reviewed.State, reviewed.CrowdVotes, reviewed.CrowdLabels));
    }

    [Fact]
    public async Task Refit_NobodyLabeledForTheHours_LeavesThePoolAsItIs()
    {
        await SeedAsync();
        _harness.Time.Advance(TimeSpan.FromDays(3));

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync(ProjectId, CancellationToken.None);

        // No worker is known to be coming, so no item is known to be past every worker who comes.
        Assert.Equal(0, report.CrowdExhausted);
        Assert.Equal(0, await _harness.ScalarAsync($"SELECT COUNT(*) FROM items WHERE project_id = '{ProjectId}' AND state <> 'collecting'"));
    }

    [Fact]
    public async Task Refit_ItemLeasedToAWorkerTheCountLeftOut_StaysInThePool()
    {
        await SeedAsync();
        var refit = _harness.Get<ReliabilityRefit>();
        _harness.Time.Advance(TimeSpan.FromHours(25));
        var dee = LabelerIds.Worker("dee");
        // Dee has never voted (so it is not counted) and holds one of the items all three answered when the re-fit runs.
        var lease = await _harness.Get<TaskLeasing>().NextAsync(ProjectId, dee, CancellationToken.None);
        var held = Assert.Single(new[] { _items[0], _items[2], _items[3] }, i => i.Id == lease!.ItemId);
        await VoteAsync(_items[5], [Ann, Bo, Cy], ["ham", "ham", "ham"]);

        var report = await refit.RefitAsync(ProjectId, CancellationToken.None);

        Assert.Equal(2, report.CrowdExhausted);
        Assert.Equal(ItemState.Collecting, (await StoredAsync(held)).State);
        var outcome = await _harness.Get<VoteRecording>().SubmitAsync(lease!.LeaseId, dee, new VoteRequest("spam"), null, CancellationToken.None);
        Assert.Equal(4, outcome.Result.CrowdVotes);
    }

    // Six collecting items. 0: ann spam, bo ham, cy spam. 1: ann spam, bo ham. 2: ann spam, bo ham, cy unsure. 3: gold 'ham',
    // ann ham, bo spam, cy ham. 4 and 5: no votes yet (the tests vote on them later, to show the workers are still labeling).
    private async Task SeedAsync()
    {
        var project = new Project(
            ProjectId,
            "Small team",
            new LabelSchema(TaskKind.SingleLabel, [new("spam", "promotion"), new("ham", "real")], "Is it spam?"),
            [],
            new RoutingSettings { ReopenedReviewHours = 24 },
            null,
            DateTimeOffset.UnixEpoch);
        await _harness.CreateProjectAsync(project);
        _capability = project.Capability;
        await _harness.IngestAsync(ProjectId, "items.csv", "text\n" + string.Join("\n", Enumerable.Range(0, 6).Select(i => $"comment number {i}")) + "\n");
        _items = (await _harness.Get<IItemStore>().ListAsync(ProjectId, null, null, 100, CancellationToken.None)).OrderBy(i => i.SourceId, StringComparer.Ordinal).ToArray();
        Assert.Equal(6, _items.Length);
        _items[3] = await CommitAsync(_items[3] with { GoldLabel = "ham" }, []);
        _items[0] = await CommitAsync(_items[0], [(Ann, "spam"), (Bo, "ham"), (Cy, "spam")]);
        _items[1] = await CommitAsync(_items[1], [(Ann, "spam"), (Bo, "ham")]);
        _items[2] = await CommitAsync(_items[2], [(Ann, "spam"), (Bo, "ham"), (Cy, null)]);
        _items[3] = await CommitAsync(_items[3], [(Ann, "ham"), (Bo, "spam"), (Cy, "ham")]);
        _items[4] = await CommitAsync(_items[4], []);
        _items[5] = await CommitAsync(_items[5], []);
    }

    // Later votes on an item (the workers still labeling): a commit with the votes, as the vote path writes them.
    // With asTheModelStamps, the evidence's earlier votes get the step's time, as the online model writes them.
    private async Task VoteAsync(Item item, string[] workers, string[] labels, bool asTheModelStamps = false)
    {
        var stored = await StoredAsync(item);
        var index = Array.IndexOf(_items, item);
        _items[index] = await CommitAsync(stored, workers.Zip(labels, (w, l) => (w, (string?)l)).ToArray(), asTheModelStamps);
    }

    // The item collecting with the given crowd responses (null label: unsure) added, at the harness's time.
    private async Task<Item> CommitAsync(Item item, (string Worker, string? Label)[] responses, bool asTheModelStamps = false)
    {
        var now = _harness.Time.GetUtcNow();
        var labeled = responses.Where(r => r.Label is not null).ToArray();
        var previous = await _harness.Get<IItemStore>().GetAsync(ProjectId, item.Id, CancellationToken.None);
        var votes = previous is null ? [] : (await _harness.Get<IItemStore>().GetVotesAsync(ProjectId, item.Id, CancellationToken.None))
            .Where(v => v.Label is not null).Select(v => new VoteEvidenceState(v.LabelerId, Array.IndexOf(Labels, v.Label), asTheModelStamps ? now : v.At));
        var gold = item.GoldLabel is { } g ? Array.IndexOf(Labels, g) : (int?)null;
        var posterior = gold is { } k ? (k == 0 ? new[] { 1.0, 0.0 } : [0.0, 1.0]) : [0.6, 0.4];
        var next = item with
        {
            State = ItemState.Collecting, Posterior = posterior, CrowdVotes = item.CrowdVotes + responses.Length,
            CrowdLabels = item.CrowdLabels + labeled.Length, Revision = item.Revision + 1, UpdatedAt = now,
            Reason = "Posterior 0.6 < crowd target 0.97; asking for another vote.",
        };
        VoteEvidenceState[] evidenceVotes = [.. votes, .. labeled.Select(r => new VoteEvidenceState(r.Worker, Array.IndexOf(Labels, r.Label), now))];
        // As the vote path writes it: the model holds no evidence of an item without a labeled vote (unsure answers only).
        var evidence = evidenceVotes.Length == 0 && gold is null ? null : new ItemEvidenceState(item.Id, _capability, gold, evidenceVotes, posterior);
        await _harness.Get<IItemStore>().CommitAsync(new ItemCommit(ProjectId)
        {
            Items = [new ItemWrite(next, evidence)],
            Votes = responses.Select(r => new Vote(ProjectId, item.Id, r.Worker, LabelerKind.Worker, r.Label, now, null)).ToArray(),
            Statistics = labeled.Select(r => new LabelerStatisticsState(r.Worker, _capability, new double[4], now)).ToArray(),
        }, CancellationToken.None);
        return next;
    }

    private async Task<Item> StoredAsync(Item item) =>
        (await _harness.Get<IItemStore>().GetAsync(ProjectId, item.Id, CancellationToken.None))!;
}
