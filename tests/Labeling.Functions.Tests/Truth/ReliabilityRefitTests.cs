using System.Text.Json;
using Labeling.Adapters.Azure.Storage;
using Labeling.Adapters.Azure.Truth;
using Labeling.Application;
using Labeling.Application.Crowd;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.Truth;
using Labeling.Application.WeakLabeling;
using Labeling.Application.Work;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Functions.Tests.Hosting;
using Labeling.Functions.Truth;
using Labeling.TestSupport.Emulators;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Tests.Truth;

/// <summary>The periodic re-fit on the Cosmos stores and Blob Storage, after real labeling steps.</summary>
[Collection(EmulatorCollection.Name)]
public sealed class ReliabilityRefitTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    private static readonly string[] Comments =
    [
        "subscribe to my channel for free gift cards", "check out my channel please", "visit www.example.com now",
        "this song is beautiful", "I love this video so much", "best music of 2014", "great beat and lyrics",
        "click here to win an iphone", "who is still listening in 2015", "amazing voice", "follow me on twitter",
        "my favourite song ever", "free followers at my page", "this never gets old", "earn money from home today",
        "the dancing is incredible", "get rich quick with this trick", "such a catchy chorus",
    ];

    [Fact]
    public async Task SaveDriftReportAsync_ReportsOfTheSameSecond_AreAllKept()
    {
        // A manual re-fit beside the timer's (or two instances): the second report used to overwrite the first.
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var store = host.Services.GetRequiredService<IReliabilityRefitStore>();
        var report = new DriftReport(
            "same-second", "default", new DateTimeOffset(2026, 11, 28, 12, 0, 0, TimeSpan.Zero), DateTimeOffset.UnixEpoch, 0, 0, [], [], 0, [], 0, 0, 0);

        var names = new List<string>();
        for (var n = 0; n < 3; n++)
        {
            names.Add(await store.SaveDriftReportAsync(report, CancellationToken.None));
        }

        Assert.Equal(
            ["reports/drift/same-second/20261128T120000Z.json", "reports/drift/same-second/20261128T120000Z-2.json", "reports/drift/same-second/20261128T120000Z-3.json"],
            names);
    }

    [Fact]
    public async Task RefitAllAsync_AfterCrowdVotes_ReplacesEveryVotersStatisticsAndStoresADriftReport()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var services = host.Services;
        const string project = DemoProject.Id;
        await services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        var documents = services.GetRequiredService<IDocumentSource>();
        var csv = "CONTENT,CLASS\n" + string.Join("\n", Comments.Select((c, i) => $"{c},{(IsSpam(c) ? 1 : 0)}")) + "\n";
        var stored = await documents.SaveUploadAsync(project, "comments.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), CancellationToken.None);
        await services.GetRequiredService<DocumentIngestion>().IngestAsync(stored, CancellationToken.None);
        var items = services.GetRequiredService<IItemStore>();
        var ids = (await items.ListAsync(project, null, null, 100, CancellationToken.None)).Select(i => i.Id).ToArray();
        await services.GetRequiredService<WeakLabeler>().LabelAsync(project, ids, CancellationToken.None);

        // Three workers: two careful, one who answers "spam" to everything.
        var leasing = services.GetRequiredService<TaskLeasing>();
        var voting = services.GetRequiredService<VoteRecording>();
        var workers = new (string Id, Func<string, string> Answer)[]
        {
            (LabelerIds.Worker("careful-1"), text => IsSpam(text) ? "spam" : "ham"),
            (LabelerIds.Worker("careful-2"), text => IsSpam(text) ? "spam" : "ham"),
            (LabelerIds.Worker("spammer"), _ => "spam"),
        };
        for (var round = 0; round < 4; round++)
        {
            foreach (var (worker, answer) in workers)
            {
                while (await leasing.NextAsync(project, worker, CancellationToken.None) is { } task)
                {
                    await voting.SubmitAsync(task.LeaseId, worker, new VoteRequest(answer(task.Text)), null, CancellationToken.None);
                }
            }
        }

        var labelers = services.GetRequiredService<ILabelerStore>();
        var before = await labelers.LoadTruthStateAsync(project, ["spam", "ham"], CancellationToken.None);
        var function = host.Function<RefitReliabilitiesFunction>();

        await function.RunAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        var after = await labelers.LoadTruthStateAsync(project, ["spam", "ham"], CancellationToken.None);
        var voters = before.Items.SelectMany(i => i.Votes).Select(v => v.Labeler).Distinct().ToArray();
        Assert.Contains(LabelerIds.Worker("spammer"), voters);
        Assert.All(voters, v => Assert.Contains(after.Labelers, l => l.Labeler == v));

        // Each labeler's stored statistics are the sum of its items' contributions: total evidence equals
        // the number of its votes on items with two or more votes.
        foreach (var labeler in after.Labelers)
        {
            var expected = before.Items.Where(i => i.Votes.Length >= 2 || i.Gold is not null).Sum(i => i.Votes.Count(v => v.Labeler == labeler.Labeler));
            Assert.Equal(expected, labeler.Counts.Sum(), 6);
        }

        // The report is in Blob Storage, covers every voter, and sees the spammer as the least accurate worker.
        var reports = services.GetRequiredService<StorageClients>().Blobs.GetBlobContainerClient("reports");
        var blobs = new List<string>();
        await foreach (var blob in reports.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, $"drift/{project}/", CancellationToken.None))
        {
            blobs.Add(blob.Name);
        }

        var name = Assert.Single(blobs);
        var report = JsonSerializer.Deserialize<DriftReport>((await reports.GetBlobClient(name).DownloadContentAsync()).Value.Content.ToString(), LabelingJson.Options)!;
        Assert.Equal(project, report.ProjectId);
        Assert.Equal("default", report.Method);
        Assert.Equal(Comments.Length, report.ItemsInWindow);
        Assert.Equal(before.Items.Sum(i => i.Votes.Length), report.VotesInWindow);
        Assert.True(voters.ToHashSet().SetEquals(report.Labelers.Select(l => l.LabelerId)));
        var crowd = report.Labelers.Where(l => LabelerIds.KindOf(l.LabelerId) == LabelerKind.Worker).ToArray();
        Assert.Equal(LabelerIds.Worker("spammer"), crowd.MinBy(l => l.BatchAccuracy)!.LabelerId);
        Assert.All(report.Labelers, l => Assert.InRange(l.BatchAccuracy, 0, 1));
        Assert.Equal(AzureReliabilityRefitStore.BlobNameFor(report), name);

        // Decided items the batch fit disagrees with are listed with the label each side chose.
        var decided = (await items.ListAsync(project, null, null, 100, CancellationToken.None)).Where(i => i.HasLabel).ToDictionary(i => i.Id);
        Assert.All(report.Disagreements, d => Assert.Equal(decided[d.ItemId].Label, d.DecidedLabel));
        Assert.All(report.Disagreements, d => Assert.NotEqual(d.DecidedLabel, d.BatchLabel));
    }

    [Fact]
    public async Task RefitReliabilities_CrowdLabelTheVotesOverturn_RevisesItInCosmosWithANewLabelReadyInTheOutbox()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var services = host.Services;
        // Not the demo project: reports of every test land in the one Azurite the collection shares.
        const string project = "revisions";
        var demo = DemoProject.Create(DateTimeOffset.UtcNow) with { Id = project, Rules = [] };
        var (items, all) = await CreateWithCommentsAsync(services, demo);

        // Three workers who always agree; the first item was decided 'spam' although all three said 'ham'
        // (decided while they were unknown), the second was resolved 'spam' by a reviewer.
        string[] labels = ["spam", "ham"];
        var workers = new[] { LabelerIds.Worker("ann"), LabelerIds.Worker("bo"), LabelerIds.Worker("cy") };
        var now = DateTimeOffset.UtcNow;
        for (var n = 0; n < all.Count; n++)
        {
            var truth = IsSpam(all[n].Text) && n > 1 ? 0 : 1;
            var (label, by) = n switch { 0 => ("spam", DecidedBy.Crowd), 1 => ("spam", DecidedBy.Reviewer), _ => (labels[truth], DecidedBy.Crowd) };
            double[] posterior = label == "spam" ? [0.96, 0.04] : [0.04, 0.96];
            var next = all[n] with
            {
                State = ItemState.Decided, Label = label, Confidence = 0.96, DecidedBy = by, Posterior = posterior,
                CrowdVotes = 3, CrowdLabels = 3, Revision = all[n].Revision + 1, UpdatedAt = now,
            };
            await items.CommitAsync(new ItemCommit(project)
            {
                Items = [new ItemWrite(next, new Domain.TruthInference.ItemEvidenceState(next.Id, demo.Capability, null, workers.Select(w => new Domain.TruthInference.VoteEvidenceState(w, truth, now)).ToArray(), posterior))],
                Votes = workers.Select(w => new Domain.Votes.Vote(project, next.Id, w, LabelerKind.Worker, labels[truth], now, null)).ToArray(),
                Statistics = workers.Select(w => new Domain.TruthInference.LabelerStatisticsState(w, demo.Capability, new double[4], now)).ToArray(),
            }, CancellationToken.None);
        }

        await host.Function<RefitReliabilitiesFunction>().RunAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), CancellationToken.None);

        var frozen = (await items.GetAsync(project, all[0].Id, CancellationToken.None))!;
        Assert.Equal(("ham", DecidedBy.Crowd, all[0].Revision + 2), (frozen.Label, frozen.DecidedBy, frozen.Revision));
        Assert.Equal("spam", (await items.GetAsync(project, all[1].Id, CancellationToken.None))!.Label);
        var due = await services.GetRequiredService<IEventOutbox>().ReadDueAsync("test-probe", DateTimeOffset.UtcNow.AddMinutes(1), 100, CancellationToken.None);
        var revision = Assert.Single(due, e => e.Event.Id == $"{frozen.Id}-r{frozen.Revision}");
        var data = JsonDocument.Parse(revision.Event.Payload).RootElement.GetProperty("data");
        Assert.Equal("ham", data.GetProperty("label").GetString());
        Assert.Equal(frozen.Revision - 1, data.GetProperty("revises").GetInt64());
    }

    [Fact]
    public async Task RefitReliabilities_CrowdLabelTheRefitDoubts_ReopensItInCosmosAndTheQueuedMessageStartsItsWorkflow()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var services = host.Services;
        const string project = "rechecks";
        // Three workers known from 17 items read alike hold about 0.98 on this small project; a re-check at 0.9 keeps those.
        var spec = DemoProject.Create(DateTimeOffset.UtcNow) with { Id = project, Rules = [], Routing = new Domain.Routing.RoutingSettings { ReliabilityDoubt = 0, RecheckTarget = 0.9 } };
        var (items, all) = await CreateWithCommentsAsync(services, spec);

        // ann, bo and cy agree on every item but the first, which was decided 'spam' on ann's 'spam' and bo's 'ham'.
        string[] labels = ["spam", "ham"];
        var workers = new[] { LabelerIds.Worker("ann"), LabelerIds.Worker("bo"), LabelerIds.Worker("cy") };
        var now = DateTimeOffset.UtcNow;
        for (var n = 0; n < all.Count; n++)
        {
            var truth = IsSpam(all[n].Text) ? 0 : 1;
            var votes = n == 0 ? new[] { (workers[0], 0), (workers[1], 1) } : workers.Select(w => (w, truth)).ToArray();
            var label = n == 0 ? 0 : truth;
            double[] posterior = label == 0 ? [0.97, 0.03] : [0.03, 0.97];
            var next = all[n] with
            {
                State = ItemState.Decided, Label = labels[label], Confidence = 0.97, DecidedBy = DecidedBy.Crowd, Posterior = posterior,
                CrowdVotes = votes.Length, CrowdLabels = votes.Length, Revision = all[n].Revision + 1, UpdatedAt = now,
            };
            await items.CommitAsync(new ItemCommit(project)
            {
                Items = [new ItemWrite(next, new Domain.TruthInference.ItemEvidenceState(next.Id, spec.Capability, null, votes.Select(v => new Domain.TruthInference.VoteEvidenceState(v.Item1, v.Item2, now)).ToArray(), posterior))],
                Votes = votes.Select(v => new Domain.Votes.Vote(project, next.Id, v.Item1, LabelerKind.Worker, labels[v.Item2], now, null)).ToArray(),
                Statistics = workers.Select(w => new Domain.TruthInference.LabelerStatisticsState(w, spec.Capability, new double[4], now)).ToArray(),
            }, CancellationToken.None);
        }

        // The item's first crowd workflow ran and completed (here: started once it was decided, so it ends at once);
        // its instance id, derived from the item, is the one the re-opened item's next workflow must take over.
        var instance = Orchestration.Crowd.CollectVotesInput.InstanceIdFor(project, all[0].Id);
        await host.Durable.ScheduleNewOrchestrationInstanceAsync(Orchestration.Crowd.CollectVotesOrchestration.Name,
            new Orchestration.Crowd.CollectVotesInput(project, all[0].Id, spec.Routing, TimeSpan.FromMinutes(5)), new StartOrchestrationOptions(instance), CancellationToken.None);
        using (var patience = new CancellationTokenSource(TimeSpan.FromMinutes(1)))
        {
            var first = await host.Durable.WaitForInstanceCompletionAsync(instance, getInputsAndOutputs: true, patience.Token);
            Assert.Equal(OrchestrationRuntimeStatus.Completed, first.RuntimeStatus);
        }

        var report = await services.GetRequiredService<ReliabilityRefit>().RefitAsync(project, CancellationToken.None);

        var reopened = Assert.Single(report.Reopened);
        Assert.Equal((all[0].Id, "spam", all[0].Revision + 1), (reopened.ItemId, reopened.Label, reopened.PublishedRevision));
        var doubted = (await items.GetAsync(project, all[0].Id, CancellationToken.None))!;
        Assert.Equal((ItemState.Collecting, (long?)(all[0].Revision + 1)), (doubted.State, doubted.ReopenedFromRevision));
        Assert.Equal(all.Count - 1, (await items.CountAsync(project, CancellationToken.None)).ByState[ItemState.Decided]);

        // The re-fit queued the item to label-requests; the WeakLabel function starts its crowd workflow again.
        var completed = (await host.Durable.GetInstanceAsync(instance, CancellationToken.None))!;
        var queue = services.GetRequiredService<StorageClients>().Queues.GetQueueClient(WorkQueues.WeakLabel);
        var handled = 0;
        for (var attempt = 0; attempt < 20 && handled == 0; attempt++)
        {
            // Other tests of the collection share the queue: take ours, let the rest show again at once.
            foreach (var message in (await queue.ReceiveMessagesAsync(32, TimeSpan.FromSeconds(1))).Value)
            {
                // The re-fit's message names the one re-opened item (ingestion's names all eighteen).
                if (!message.Body.ToString().Contains($"\"itemIds\":[\"{doubted.Id}\"]", StringComparison.Ordinal)) continue;
                await host.Function<Functions.WeakLabeling.WeakLabelFunction>().RunAsync(message, host.Durable, CancellationToken.None);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);
                handled++;
            }
        }

        Assert.Equal(1, handled);
        var started = await host.Durable.GetInstanceAsync(instance, CancellationToken.None);
        Assert.NotNull(started);
        Assert.Equal(Orchestration.Crowd.CollectVotesOrchestration.Name, started.Name);
        // A new run under the same id, not the completed one read back: it started after it and is not over.
        Assert.True(started.CreatedAt > completed.CreatedAt, $"created {started.CreatedAt:O}, the completed run {completed.CreatedAt:O}");
        Assert.Contains(started.RuntimeStatus, new[] { OrchestrationRuntimeStatus.Pending, OrchestrationRuntimeStatus.Running });
        // Weak labeling left it alone: it is still collecting, and cy, who has not voted on it, is offered it.
        Assert.Equal(ItemState.Collecting, (await items.GetAsync(project, doubted.Id, CancellationToken.None))!.State);
        var task = await services.GetRequiredService<TaskLeasing>().NextAsync(project, workers[2], CancellationToken.None);
        Assert.Equal(doubted.Id, task!.ItemId);
    }

    [Fact]
    public async Task RefitAsync_ItemsNobodyIsLeftToAsk_GoToReviewInCosmos()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var services = host.Services;
        const string project = "small-team";
        var spec = DemoProject.Create(DateTimeOffset.UtcNow) with { Id = project, Rules = [], Routing = new Domain.Routing.RoutingSettings { ReopenedReviewHours = 24 } };
        var (items, all) = await CreateWithCommentsAsync(services, spec);

        // Three workers and ten votes allowed per item. Two days ago: item 0 answered by all three, item 1 by ann and bo, item 2
        // by ann and bo with cy unsure. Now: item 3 by all three (so all three are still labeling).
        string[] labels = ["spam", "ham"];
        var (ann, bo, cy) = (LabelerIds.Worker("ann"), LabelerIds.Worker("bo"), LabelerIds.Worker("cy"));
        var now = DateTimeOffset.UtcNow;
        var before = now.AddDays(-2);
        (string Worker, int? Label)[][] responses =
        [
            [(ann, 0), (bo, 1), (cy, 0)],
            [(ann, 0), (bo, 1)],
            [(ann, 0), (bo, 1), (cy, null)],
            [(ann, 1), (bo, 1), (cy, 0)],
        ];
        for (var n = 0; n < responses.Length; n++)
        {
            var at = n == 3 ? now : before;
            var labeled = responses[n].Where(r => r.Label is not null).ToArray();
            double[] posterior = [0.6, 0.4];
            var next = all[n] with
            {
                State = ItemState.Collecting, Posterior = posterior, CrowdVotes = responses[n].Length, CrowdLabels = labeled.Length,
                Revision = all[n].Revision + 1, UpdatedAt = at,
            };
            await items.CommitAsync(new ItemCommit(project)
            {
                Items = [new ItemWrite(next, new Domain.TruthInference.ItemEvidenceState(next.Id, spec.Capability, null, labeled.Select(r => new Domain.TruthInference.VoteEvidenceState(r.Worker, r.Label!.Value, at)).ToArray(), posterior))],
                Votes = responses[n].Select(r => new Domain.Votes.Vote(project, next.Id, r.Worker, LabelerKind.Worker, r.Label is { } l ? labels[l] : null, at, null)).ToArray(),
                Statistics = labeled.Select(r => new Domain.TruthInference.LabelerStatisticsState(r.Worker, spec.Capability, new double[4], at)).ToArray(),
            }, CancellationToken.None);
        }

        var report = await services.GetRequiredService<ReliabilityRefit>().RefitAsync(project, CancellationToken.None);

        Assert.Equal(2, report.CrowdExhausted);
        var states = new List<ItemState>();
        for (var n = 0; n < responses.Length; n++)
        {
            states.Add((await items.GetAsync(project, all[n].Id, CancellationToken.None))!.State);
        }

        Assert.Equal([ItemState.NeedsReview, ItemState.Collecting, ItemState.NeedsReview, ItemState.Collecting], states);
        Assert.StartsWith("No crowd vote can come: every one of the 3 worker(s)", (await items.GetAsync(project, all[2].Id, CancellationToken.None))!.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RefitAsync_ProjectWithoutVotes_StoresAnEmptyReportAndNoStatistics()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        // Not the demo project: reports of every test land in the one Azurite the collection shares.
        const string project = "no-votes";
        await host.Services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow) with { Id = project }, CancellationToken.None);

        var report = await host.Services.GetRequiredService<ReliabilityRefit>().RefitAsync(project, CancellationToken.None);

        Assert.Equal(0, report.ItemsInWindow);
        Assert.Empty(report.Labelers);
        Assert.Empty(report.Disagreements);
        Assert.Empty((await host.Services.GetRequiredService<ILabelerStore>().LoadTruthStateAsync(project, ["spam", "ham"], CancellationToken.None)).Labelers);
        var reports = host.Services.GetRequiredService<StorageClients>().Blobs.GetBlobContainerClient("reports");
        var stored = JsonSerializer.Deserialize<DriftReport>(
            (await reports.GetBlobClient(AzureReliabilityRefitStore.BlobNameFor(report)).DownloadContentAsync()).Value.Content.ToString(), LabelingJson.Options)!;
        Assert.Equal((project, 0, 0), (stored.ProjectId, stored.ItemsInWindow, stored.VotesInWindow));
    }

    // Creates the project and ingests the comments as one CSV; returns the item store and the items.
    private static async Task<(IItemStore Items, IReadOnlyList<Item> All)> CreateWithCommentsAsync(IServiceProvider services, Domain.Projects.Project project)
    {
        await services.GetRequiredService<IProjectStore>().TryCreateAsync(project, CancellationToken.None);
        var csv = "CONTENT,CLASS\n" + string.Join("\n", Comments.Select(c => $"{c},0")) + "\n";
        var stored = await services.GetRequiredService<IDocumentSource>().SaveUploadAsync(project.Id, "comments.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), CancellationToken.None);
        await services.GetRequiredService<DocumentIngestion>().IngestAsync(stored, CancellationToken.None);
        var items = services.GetRequiredService<IItemStore>();
        return (items, await items.ListAsync(project.Id, null, null, 100, CancellationToken.None));
    }

    private static bool IsSpam(string text) =>
        text.Contains("subscribe", StringComparison.Ordinal) || text.Contains("check out", StringComparison.Ordinal) || text.Contains("www.", StringComparison.Ordinal)
        || text.Contains("win", StringComparison.Ordinal) || text.Contains("follow", StringComparison.Ordinal) || text.Contains("free", StringComparison.Ordinal)
        || text.Contains("earn", StringComparison.Ordinal) || text.Contains("rich", StringComparison.Ordinal);
}
