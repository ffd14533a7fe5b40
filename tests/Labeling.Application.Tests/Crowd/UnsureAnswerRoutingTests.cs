using Labeling.Application.Crowd;
using Labeling.Application.Gold;
using Labeling.Application.Ports;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Routing;

namespace Labeling.Application.Tests.Crowd;

/// <summary>
/// An "unsure" answer adds no evidence, so it routes on what the truth model holds for the item: a gold item's known label,
/// else the model's posterior. Not on the stored posterior, which a re-fit overwrites with the class-mix reading meant for
/// display only, and which a gold item no rule voted on does not have (it was decided with no label).
/// </summary>
public sealed class UnsureAnswerRoutingTests : IDisposable
{
    private static readonly string[] Workers = Enumerable.Range(1, 6).Select(w => LabelerIds.Worker($"w{w}")).ToArray();
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task UnsureAnswers_GoldItemNoRuleVotedOn_IsDecidedWithItsKnownLabel()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { MinCrowdVotes = 1, MaxCrowdVotes = 2 }));
        // No rule matches this text, so the gold item has no machine vote and no posterior.
        var seeded = await _harness.Get<GoldSeeding>().SeedAsync("spam", new GoldSeedRequest([new GoldItemRequest("nice song", "spam")]), CancellationToken.None);
        await _harness.DrainQueueAsync();
        for (var w = 0; w < 2; w++)
        {
            var task = await _harness.Get<TaskLeasing>().NextAsync("spam", $"worker:w{w}", CancellationToken.None);
            Assert.NotNull(task);
            await _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, $"worker:w{w}", new VoteRequest(null, Unsure: true), null, CancellationToken.None);
        }

        var item = await _harness.Get<IItemStore>().GetAsync("spam", seeded.Created[0], CancellationToken.None);
        Assert.Equal((ItemState.Decided, DecidedBy.Gold, "spam"), (item!.State, item.DecidedBy, item.Label));
    }

    [Fact]
    public async Task Resolution_ByAReviewerWhoAnsweredTheItemUnsure_IsRefused()
    {
        // An unsure answer spends a place under maxCrowdVotes: two of them send the item to review, which one of the two,
        // holding the Reviewer role too, could then decide alone.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { MinCrowdVotes = 1, MaxCrowdVotes = 2 }));
        await _harness.IngestAsync("spam", "one.csv", "text\nnice song\n");
        await _harness.DrainQueueAsync();
        string? itemId = null;
        foreach (var worker in new[] { "lr", "w2" })
        {
            var task = await _harness.Get<TaskLeasing>().NextAsync("spam", LabelerIds.Worker(worker), CancellationToken.None);
            Assert.NotNull(task);
            itemId = task.ItemId;
            await _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, LabelerIds.Worker(worker), new VoteRequest(null, Unsure: true), null, CancellationToken.None);
        }

        Assert.Equal(ItemState.NeedsReview, (await _harness.Get<IItemStore>().GetAsync("spam", itemId!, CancellationToken.None))!.State);
        await Assert.ThrowsAsync<Labeling.Application.Problems.AccessDeniedException>(() =>
            _harness.Get<Labeling.Application.Review.ReviewResolution>().ResolveAsync("spam", itemId!, new Labeling.Application.Review.ResolutionRequest("spam"), "lr", CancellationToken.None));
        Assert.Equal(ItemState.Decided, (await _harness.Get<Labeling.Application.Review.ReviewResolution>().ResolveAsync("spam", itemId!, new Labeling.Application.Review.ResolutionRequest("spam"), "rita", CancellationToken.None)).State);
    }

    [Fact]
    public async Task UnsureAnswer_AfterARefitShowedTheClassMixReading_RoutesOnTheModelNotOnThatReading()
    {
        // The target sits between the two readings of the tie: the class-mix reading shown (0.79 'ham') would decide it,
        // the model's (0.73 'spam', with the class counts the re-fit rebuilt) does not. At 0.72 the model's own reading
        // decided it once the re-fit rebuilt the class counts (it read below 0.72 with the stored posteriors' counts).
        var routing = new RoutingSettings { RecheckDecidedLabels = false, ReliabilityDoubt = 0, CrowdTarget = 0.76, MaxCrowdVotes = 10 };
        var project = LabelingHarness.RuleFreeProject("mix", routing);
        await _harness.CreateProjectAsync(project);
        await _harness.IngestAsync("mix", "items.csv", "text\n" + string.Join("\n", Enumerable.Range(0, 71).Select(i => $"comment number {i}")) + "\n");
        var items = _harness.Get<IItemStore>();
        var stored = await items.ListAsync("mix", null, null, 100, CancellationToken.None);
        var now = _harness.Time.GetUtcNow();
        Item? tie = null;
        for (var n = 0; n < stored.Count; n++)
        {
            var item = stored[n];
            var votes = n switch
            {
                < 60 => Enumerable.Range(0, 6).Select(w => w == n % 6 ? 1 : 0).ToArray(),
                < 70 => Enumerable.Range(0, 6).Select(w => w == n % 6 || w == (n + 1) % 6 ? 0 : 1).ToArray(),
                _ => [1, 1, 1, 0, 0, 0],
            };
            double[] posterior = n switch { < 60 => [0.99, 0.01], < 70 => [0.1, 0.9], _ => [0.7, 0.3] };
            var next = item with
            {
                State = ItemState.Decided, Label = n < 60 ? "spam" : "ham", Confidence = posterior.Max(), DecidedBy = DecidedBy.Crowd, Posterior = posterior,
                CrowdVotes = 6, CrowdLabels = 6, Revision = item.Revision + 1, UpdatedAt = now,
            };
            if (n >= 60)
            {
                var state = n == 70 ? ItemState.Collecting : ItemState.NeedsReview;
                next = next with { State = state, Label = null, Confidence = null, DecidedBy = null, Reason = "x" };
            }
            await _harness.CommitVotedAsync(project, next, Workers, votes, posterior);
            if (n == 70)
            {
                tie = next;
            }
        }

        await _harness.Get<ReliabilityRefit>().RefitAsync("mix", CancellationToken.None);
        var shown = (await items.GetAsync("mix", tie!.Id, CancellationToken.None))!;
        var task = await _harness.Get<TaskLeasing>().NextAsync("mix", "worker:w7", CancellationToken.None);
        Assert.NotNull(task);
        Assert.Equal(tie.Id, task.ItemId);
        var result = (await _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, "worker:w7", new VoteRequest(null, Unsure: true), null, CancellationToken.None)).Result;
        Assert.True(result.State == ItemState.Collecting,
            $"shown posterior [{string.Join(", ", shown.Posterior!)}]; after the unsure answer: {result.State} '{result.Label}' {result.Confidence}");
    }
}
