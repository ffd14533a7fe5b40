using System.Diagnostics;
using System.Net;
using System.Text.Json.Nodes;
using Azure.Storage.Queues.Models;
using Labeling.Adapters.Azure.Storage;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.Work;
using Labeling.Domain.Items;
using Labeling.Functions.Documents;
using Labeling.Functions.Events;
using Labeling.Functions.Tests.Hosting;
using Labeling.Functions.WeakLabeling;
using Labeling.Orchestration.Crowd;
using Labeling.TestSupport.Emulators;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Xunit.Abstractions;

namespace Labeling.Functions.Tests.EndToEnd;

/// <summary>
/// The local server's end-to-end scenario on the Azure side: the five YouTube spam CSVs dropped into
/// <c>documents/demo/</c> on Azurite, the <c>Ingest</c> and <c>WeakLabel</c> function classes run on them,
/// <c>CollectVotes</c> workflows in the in-process Durable host, six simulated workers voting through the
/// <c>Api</c> pipeline with JWTs, state in the Cosmos DB server, <c>label.ready</c> through the Service Bus
/// publisher. At the end nothing is lost, nothing is duplicated, and each decision is announced once.
/// </summary>
/// <remarks>
/// The Cosmos DB server emulator (one Node.js process that scans a whole container for every query) serves
/// this pipeline at about seven crowd votes a second on two cores: the full corpus (1,759 distinct comments,
/// ~4,400 votes) takes about 11 minutes, too long for every CI run. So CI runs the first 30 comments of each
/// file (the same five documents, the dedup copy and every assertion; about 70 seconds);
/// <c>LABELING_E2E_FULL_CORPUS=1</c> runs it all.
/// </remarks>
/// </remarks>
[Collection(EmulatorCollection.Name)]
public sealed class YouTubeSpamEndToEndTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos, ITestOutputHelper log)
{
    private const string Project = DemoProject.Id;

    /// <summary>Comments taken from the head of each of the five files; LABELING_E2E_FULL_CORPUS=1 runs all 1,956 (see the remarks).</summary>
    private const int CommentsPerFile = 30;

    [Fact]
    public async Task Corpus_ThroughTheFunctionsOnEmulators_EveryCommentEndsDecidedOrInReviewAndEachDecisionIsAnnouncedOnce()
    {
        var clock = Stopwatch.StartNew();
        var full = Environment.GetEnvironmentVariable("LABELING_E2E_FULL_CORPUS") == "1";
        var corpus = await YouTubeSpamCorpus.LoadAsync(full ? null : CommentsPerFile);
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, new Dictionary<string, string?>
        {
            // Short leases so that a workflow whose last wait outlives the crowd ends within the test.
            ["Labeling:LeaseDuration"] = "00:00:20",
        });
        var services = host.Services;
        await services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(full ? 30 : 5));
        var ct = timeout.Token;

        // Ingest: each file dropped into the container, then the blob trigger's function called with it; one file twice.
        var storage = services.GetRequiredService<StorageClients>();
        var documents = storage.Blobs.GetBlobContainerClient("documents");
        var ingest = host.Function<IngestFunction>();
        foreach (var (name, content) in corpus.Files.Append(("copy.csv", corpus.Files[0].Content)))
        {
            var blob = documents.GetBlobClient($"{Project}/{name}");
            await blob.UploadAsync(new BinaryData(content), overwrite: true, ct);
            await ingest.RunAsync(blob, Project, name, ct);
        }

        var items = services.GetRequiredService<IItemStore>();
        var afterIngest = await items.CountAsync(Project, ct);
        Assert.Equal(corpus.Classes.Count, afterIngest.ByState.Values.Sum());
        log.WriteLine($"{corpus.Rows} comments, {corpus.Classes.Count} distinct items ingested at {clock.Elapsed.TotalSeconds:0.0}s");

        // WeakLabel: drain label-requests through the queue trigger's function, as the host would.
        var queue = storage.Queues.GetQueueClient(WorkQueues.WeakLabel);
        var weakLabel = host.Function<WeakLabelFunction>();
        var messages = 0;
        while (true)
        {
            QueueMessage[] batch = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(2), ct)).Value;
            if (batch.Length == 0)
            {
                break;
            }

            foreach (var message in batch)
            {
                await weakLabel.RunAsync(message, host.Durable.Client, ct);
                await queue.DeleteMessageAsync(message.MessageId, message.PopReceipt, ct);
                messages++;
            }
        }

        var afterWeak = await items.CountAsync(Project, ct);
        Assert.Equal(0, afterWeak.ByState.GetValueOrDefault(ItemState.WeakLabeling));
        log.WriteLine($"{messages} weak-label messages; {afterWeak.ByState.GetValueOrDefault(ItemState.AutoAccepted)} auto-accepted, {afterWeak.ByState.GetValueOrDefault(ItemState.Collecting)} to the crowd at {clock.Elapsed.TotalSeconds:0.0}s");

        // Crowd: six workers of mixed skill vote through the Api trigger until the pool is empty.
        using var reviewer = host.Client(host.Tokens.Mint("reviewer", "Reviewer"));
        async Task<bool> PoolEmpty()
        {
            var progress = JsonNode.Parse(await reviewer.GetStringAsync($"/api/projects/{Project}/progress", ct))!;
            return progress["byState"]!["collecting"]!.GetValue<int>() + progress["byState"]!["weak-labeling"]!.GetValue<int>() == 0;
        }

        double[] skills = [0.95, 0.92, 0.9, 0.88, 0.85, 0.8];
        var clients = skills.Select((_, i) => host.Client(host.Tokens.Mint($"worker-{i}", "Labeler"))).ToArray();
        var workers = skills.Select((skill, i) => new SimulatedWorker(clients[i], corpus.Classes, skill, 1000 + i, PoolEmpty)).ToArray();
        var crowd = Task.WhenAll(workers.Select(w => Task.Run(() => w.RunAsync(Project, ct), ct)));
        while (await Task.WhenAny(crowd, Task.Delay(TimeSpan.FromSeconds(15), ct)) != crowd)
        {
            log.WriteLine($"  {workers.Sum(w => w.Confirmed.Count)} votes at {clock.Elapsed.TotalSeconds:0.0}s");
        }

        await crowd;
        var confirmed = workers.Sum(w => w.Confirmed.Count);
        log.WriteLine($"Pool empty after {confirmed} votes at {clock.Elapsed.TotalSeconds:0.0}s");

        // Every item's final state, read back from Cosmos.
        var all = new List<Item>();
        for (string? after = null; ;)
        {
            var page = await items.ListAsync(Project, null, after, 500, ct);
            all.AddRange(page);
            if (page.Count < 500)
            {
                break;
            }

            after = page[^1].Id;
        }

        Assert.Equal(corpus.Classes.Count, all.Count);
        Assert.Equal(all.Count, all.Select(i => i.ContentHash).Distinct().Count());
        Assert.Equal(all.Count, all.Select(i => i.Id).Distinct().Count());
        Assert.All(all, i => Assert.Contains(i.State, new[] { ItemState.Decided, ItemState.NeedsReview, ItemState.AutoAccepted }));
        Assert.Equal(confirmed, all.Sum(i => i.CrowdVotes));

        // The crowd items' workflows all finished, and agree with the stored item.
        var crowdItems = all.Where(i => i.CrowdVotes > 0).ToArray();
        foreach (var item in crowdItems)
        {
            using var patience = CancellationTokenSource.CreateLinkedTokenSource(ct);
            patience.CancelAfter(TimeSpan.FromSeconds(60));
            OrchestrationMetadata workflow;
            try
            {
                workflow = await host.Durable.Client.WaitForInstanceCompletionAsync(CollectVotesInput.InstanceIdFor(Project, item.Id), getInputsAndOutputs: true, patience.Token);
            }
            catch (OperationCanceledException) when (!ct.IsCancellationRequested)
            {
                var stuck = await host.Durable.Client.GetInstanceAsync(CollectVotesInput.InstanceIdFor(Project, item.Id), getInputsAndOutputs: true, ct);
                Assert.Fail($"The workflow of {item.Id} ({item.State}, {item.CrowdVotes} crowd votes) did not finish: {stuck?.RuntimeStatus} input {stuck?.SerializedInput} output {stuck?.SerializedOutput}");
                throw;
            }

            Assert.Equal(OrchestrationRuntimeStatus.Completed, workflow.RuntimeStatus);
            var result = workflow.ReadOutputAs<CollectVotesResult>()!;
            Assert.True(result.State == item.State, $"Workflow of {item.Id} ended {result.State} ({result.Step}: {result.Reason}); the item is {item.State}.");
        }

        log.WriteLine($"{crowdItems.Length} crowd workflows completed at {clock.Elapsed.TotalSeconds:0.0}s");

        // The outbox timer publishes what the workflows did not (auto-accepted items); then exactly one
        // label.ready per labeled item is in the outbox and on the topic.
        var dispatch = host.Function<DispatchLabelEventsFunction>();
        var outbox = services.GetRequiredService<IEventOutbox>();
        for (var round = 0; round < 50 && (await outbox.ReadDueAsync("servicebus:" + host.ServiceBus.EntityPath, DateTimeOffset.UtcNow.AddDays(1), 1, ct)).Count > 0; round++)
        {
            await dispatch.RunAsync(new Microsoft.Azure.Functions.Worker.TimerInfo(), ct);
        }

        var labeled = all.Where(i => i.HasLabel).Select(i => i.Id).ToHashSet();
        var events = await outbox.ReadDueAsync("audit", DateTimeOffset.UtcNow.AddDays(1), int.MaxValue, ct);
        Assert.Equal(labeled.Count, events.Count);
        Assert.True(labeled.SetEquals(events.Select(e => e.Event.ItemId)), "The outbox does not hold exactly one event per labeled item.");
        var sent = host.ServiceBus.Sent.ToArray();
        Assert.True(events.Select(e => e.Event.Id).ToHashSet().SetEquals(sent.Select(m => m.MessageId)), "The topic did not receive exactly the outbox's events.");
        Assert.Equal(labeled.Count, sent.Select(m => m.MessageId).Distinct().Count());
        Assert.All(sent.GroupBy(m => m.CorrelationId), g => Assert.Single(g.Select(m => m.MessageId).Distinct()));

        // The labels mean something.
        var right = all.Where(i => i.HasLabel).Count(i => i.Label == corpus.Classes[i.ContentHash]);
        var accuracy = (double)right / labeled.Count;
        log.WriteLine($"{labeled.Count} labeled ({all.Count(i => i.State == ItemState.NeedsReview)} in review), accuracy {accuracy:P1}, {confirmed} crowd votes, {sent.Length} messages sent, {clock.Elapsed.TotalSeconds:0.0}s");
        Assert.True(accuracy > 0.85, $"Decided labels agree with the corpus only {accuracy:P1} of the time.");
        Assert.True(labeled.Count > all.Count * 0.8, $"Only {labeled.Count} of {all.Count} items were decided.");
        Assert.Equal(HttpStatusCode.NoContent, (await clients[0].GetAsync($"/api/projects/{Project}/tasks/next", ct)).StatusCode);
        foreach (var client in clients)
        {
            client.Dispose();
        }
    }
}
