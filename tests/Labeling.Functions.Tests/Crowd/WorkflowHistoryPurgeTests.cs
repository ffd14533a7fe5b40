using Labeling.Application.Documents;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.WeakLabeling;
using Labeling.Functions.Crowd;
using Labeling.Functions.Tests.Hosting;
using Labeling.Orchestration.Crowd;
using Labeling.TestSupport.Emulators;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Functions.Tests.Crowd;

/// <summary>
/// The daily purge of the task hub: crowd workflows that have ended and are older than the retention go, running ones and
/// recent ones stay, and the items they worked on are untouched.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class WorkflowHistoryPurgeTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task Purge_RemovesEndedWorkflowsPastTheRetention_AndKeepsRunningAndRecentOnes()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var services = host.Services;
        const string project = DemoProject.Id;
        await services.GetRequiredService<IProjectStore>().TryCreateAsync(DemoProject.Create(DateTimeOffset.UtcNow), CancellationToken.None);
        var csv = "CONTENT,CLASS\nthis song is beautiful,0\nwhat a voice she has,0\n";
        var stored = await services.GetRequiredService<IDocumentSource>().SaveUploadAsync(project, "two.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), CancellationToken.None);
        await services.GetRequiredService<DocumentIngestion>().IngestAsync(stored, CancellationToken.None);
        var items = services.GetRequiredService<IItemStore>();
        var ids = (await items.ListAsync(project, null, null, 10, CancellationToken.None)).Select(i => i.Id).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(2, ids.Length);
        await services.GetRequiredService<WeakLabeler>().LabelAsync(project, ids, CancellationToken.None);
        Assert.Equal(2, await services.GetRequiredService<CrowdWorkflows>().StartAsync(host.Durable, project, ids, CancellationToken.None));
        var (ended, running) = (CollectVotesInput.InstanceIdFor(project, ids[0]), CollectVotesInput.InstanceIdFor(project, ids[1]));
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await host.Durable.WaitForInstanceStartAsync(running, patience.Token);
        await host.Durable.WaitForInstanceStartAsync(ended, patience.Token);
        await host.Durable.TerminateInstanceAsync(ended, "test: the workflow ended", patience.Token);
        await host.Durable.WaitForInstanceCompletionAsync(ended, patience.Token);

        // Within the retention (30 days by default): nothing goes.
        Assert.Equal(0, await Purge(host.Durable, DateTimeOffset.UtcNow.AddDays(29)));
        Assert.Equal(OrchestrationRuntimeStatus.Terminated, (await host.Durable.GetInstanceAsync(ended))?.RuntimeStatus);

        // Past it: the ended workflow goes; the running one stays however old it is.
        Assert.Equal(1, await Purge(host.Durable, DateTimeOffset.UtcNow.AddDays(31)));
        Assert.Null(await host.Durable.GetInstanceAsync(ended));
        Assert.Equal(OrchestrationRuntimeStatus.Running, (await host.Durable.GetInstanceAsync(running))?.RuntimeStatus);
        Assert.Equal(2, (await items.ListAsync(project, null, null, 10, CancellationToken.None)).Count);

        // The purged item's workflow can be started again, as a vote on it would.
        Assert.Equal(1, await services.GetRequiredService<CrowdWorkflows>().StartAsync(host.Durable, project, ids, CancellationToken.None));
    }

    private static Task<int> Purge(DurableTaskClient client, DateTimeOffset now) =>
        new WorkflowHistoryPurge(Options.Create(new WorkflowHistoryOptions()), new At(now), NullLogger<WorkflowHistoryPurge>.Instance)
            .PurgeAsync(client, CancellationToken.None);

    private sealed class At(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
