using Labeling.Application.Ports;
using Labeling.Application.Projects;
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
        var itemId = await host.CollectingDemoItemAsync();
        var items = services.GetRequiredService<IItemStore>();
        // The weak-labeling step marks the item collecting before it starts the workflow; a worker can vote in between.
        var workflow = CollectVotesInput.InstanceIdFor(project, itemId);
        Assert.Null(await host.Durable.GetInstanceAsync(workflow));

        Assert.Equal(itemId, await host.LeaseAndVoteAsync("ann", "ham"));
        Assert.Equal(1, durable!.Refused);
        var started = await host.Durable.WaitForInstanceStartAsync(workflow, getInputsAndOutputs: false, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(OrchestrationRuntimeStatus.Running, started.RuntimeStatus);

        // A workflow that ended while its item still collects (an activity failed past its retries): terminated here.
        await host.Durable.TerminateInstanceAsync(workflow, "test: the workflow failed");
        await host.Durable.WaitForInstanceCompletionAsync(workflow, getInputsAndOutputs: false, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.Equal(ItemState.Collecting, (await items.GetAsync(project, itemId, CancellationToken.None))!.State);

        Assert.Equal(itemId, await host.LeaseAndVoteAsync("bob", "ham"));
        Assert.Equal(2, durable.Refused);
        var restarted = await host.Durable.WaitForInstanceStartAsync(workflow, getInputsAndOutputs: false, new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token);
        Assert.True(restarted.RuntimeStatus is OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Completed, $"the workflow is {restarted.RuntimeStatus}");

        // The item's votes are all there: the two refused events lost nothing.
        Assert.Equal(2, (await items.GetAsync(project, itemId, CancellationToken.None))!.CrowdVotes);

        // The task hub out of reach: the recorded vote is still answered as recorded, not with a 500 a retry would replay.
        durable.Unavailable = true;
        Assert.Equal(itemId, await host.LeaseAndVoteAsync("cyd", "ham"));
        Assert.Equal(3, durable.Refused);
        Assert.Equal(3, (await items.GetAsync(project, itemId, CancellationToken.None))!.CrowdVotes);
    }
}
