using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Items;
using Labeling.Functions.Tests.Hosting;
using Labeling.Orchestration.Crowd;
using Labeling.TestSupport.Emulators;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Tests.Crowd;

/// <summary>
/// A vote on an item whose crowd workflow is missing or has ended, on the Durable client as the Azure Storage backend
/// behaves (<see cref="StorageBackendRaiseEvents"/>): the vote is committed before the event is raised, so the answer is
/// the vote's, and the item gets a workflow again.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class VoteWithoutWorkflowTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task Vote_ItemWithoutOrWithAnEndedWorkflow_AnswersTheVoteAndStartsTheWorkflow()
    {
        StorageBackendRaiseEvents? durable = null;
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, apiClient: client => durable = new StorageBackendRaiseEvents(client));
        var services = host.Services;
        const string project = DemoProject.Id;
        await services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        var csv = "CONTENT,CLASS\nthis song is beautiful,0\n";
        var stored = await services.GetRequiredService<IDocumentSource>().SaveUploadAsync(project, "one.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), CancellationToken.None);
        await services.GetRequiredService<DocumentIngestion>().IngestAsync(stored, CancellationToken.None);
        var items = services.GetRequiredService<IItemStore>();
        var item = Assert.Single(await items.ListAsync(project, null, null, 10, CancellationToken.None));

        // The weak-labeling step marks the item collecting before it starts the workflow; a worker can vote in between.
        await services.GetRequiredService<WeakLabeler>().LabelAsync(project, [item.Id], CancellationToken.None);
        Assert.Equal(ItemState.Collecting, (await items.GetAsync(project, item.Id, CancellationToken.None))!.State);
        var workflow = CollectVotesInput.InstanceIdFor(project, item.Id);
        Assert.Null(await host.Durable.GetInstanceAsync(workflow));

        await VoteAsync(host, "ann", item.Id);
        Assert.Equal(1, durable!.Refused);
        var started = await host.Durable.WaitForInstanceStartAsync(workflow, getInputsAndOutputs: false, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Running, started.RuntimeStatus);

        // A workflow that ended while its item still collects (an activity failed past its retries): terminated here.
        await host.Durable.TerminateInstanceAsync(workflow, "test: the workflow failed");
        await host.Durable.WaitForInstanceCompletionAsync(workflow, getInputsAndOutputs: false, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(ItemState.Collecting, (await items.GetAsync(project, item.Id, CancellationToken.None))!.State);

        await VoteAsync(host, "bob", item.Id);
        Assert.Equal(2, durable.Refused);
        var restarted = await host.Durable.WaitForInstanceStartAsync(workflow, getInputsAndOutputs: false, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.True(restarted.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Completed, $"the workflow is {restarted.RuntimeStatus}");

        // The item's votes are all there: the two refused events lost nothing.
        Assert.Equal(2, (await items.GetAsync(project, item.Id, CancellationToken.None))!.CrowdVotes);

        // The task hub out of reach: the recorded vote is still answered as recorded, not with a 500 a retry would replay.
        durable.Unavailable = true;
        await VoteAsync(host, "cyd", item.Id);
        Assert.Equal(3, durable.Refused);
        Assert.Equal(3, (await items.GetAsync(project, item.Id, CancellationToken.None))!.CrowdVotes);
    }

    private static async Task VoteAsync(FunctionsTestHost host, string worker, string itemId)
    {
        using var client = host.Client(host.Tokens.Mint(worker, "Labeler"));
        var next = await client.GetAsync($"/api/projects/{DemoProject.Id}/tasks/next");
        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        var task = JsonNode.Parse(await next.Content.ReadAsStringAsync())!;
        Assert.Equal(itemId, task["itemId"]!.GetValue<string>());
        var vote = await client.PostAsJsonAsync($"/api/tasks/{task["leaseId"]!.GetValue<string>()}/votes", new { label = "ham" });
        Assert.True(vote.StatusCode == HttpStatusCode.OK, $"vote: {(int)vote.StatusCode} {await vote.Content.ReadAsStringAsync()}");
    }
}
