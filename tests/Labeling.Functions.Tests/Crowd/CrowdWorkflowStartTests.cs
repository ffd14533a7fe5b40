using Grpc.Core;
using Labeling.Application.Projects;
using Labeling.Functions.Crowd;
using Labeling.Functions.Tests.Hosting;
using Labeling.Orchestration.Crowd;
using Labeling.TestSupport.Emulators;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Tests.Crowd;

/// <summary>
/// When a collecting item's workflow is started: only when it has none or its last one ended for good, as the Azure host
/// refuses to schedule over an instance at work (ContinuedAsNew among them, which the in-process hub never shows); and a
/// start that loses the race to another caller is not a failure.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class CrowdWorkflowStartTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Theory]
    [InlineData(null, true)]
    [InlineData(OrchestrationRuntimeStatus.Completed, true)]
    [InlineData(OrchestrationRuntimeStatus.Failed, true)]
    [InlineData(OrchestrationRuntimeStatus.Terminated, true)]
    [InlineData(OrchestrationRuntimeStatus.Pending, false)]
    [InlineData(OrchestrationRuntimeStatus.Running, false)]
    [InlineData(OrchestrationRuntimeStatus.Suspended, false)]
#pragma warning disable CS0618 // ContinuedAsNew is obsolete in the client, but an Azure Storage hub still reports it between generations.
    [InlineData(OrchestrationRuntimeStatus.ContinuedAsNew, false)]
#pragma warning restore CS0618
    public async Task Start_SchedulesOnlyWhenTheItemHasNoWorkflowOrItsLastOneEnded(OrchestrationRuntimeStatus? status, bool scheduled)
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var itemId = await host.CollectingDemoItemAsync();
        var client = new StatusClient(status);

        var started = await host.Services.GetRequiredService<CrowdWorkflows>().StartAsync(client, DemoProject.Id, [itemId], CancellationToken.None);

        Assert.Equal(scheduled ? 1 : 0, started);
        Assert.Equal(scheduled ? [CollectVotesInput.InstanceIdFor(DemoProject.Id, itemId)] : [], client.Scheduled);
    }

    [Fact]
    public async Task Start_WhenAnotherCallerStartedItMeanwhile_CountsNothingAndDoesNotThrow()
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var itemId = await host.CollectingDemoItemAsync();
        var client = new StatusClient(null) { RefuseAsExisting = true };

        var started = await host.Services.GetRequiredService<CrowdWorkflows>().StartAsync(client, DemoProject.Id, [itemId], CancellationToken.None);

        Assert.Equal(0, started);
        Assert.Single(client.Scheduled);
    }

    [Theory]
    [InlineData(null, 60)]
    [InlineData("00:10:00", 10)]
    public async Task Start_WorkflowWaitsTheIdleCheckForAVote_NotTheLeaseDuration(string? setting, int minutes)
    {
        await using var host = await FunctionsTestHost.StartAsync(azurite, cosmos, setting is null ? null : new Dictionary<string, string?> { ["CrowdWorkflow:IdleCheck"] = setting });
        var itemId = await host.CollectingDemoItemAsync();
        var client = new StatusClient(null);

        await host.Services.GetRequiredService<CrowdWorkflows>().StartAsync(client, DemoProject.Id, [itemId], CancellationToken.None);

        var input = Assert.Single(client.Inputs);
        Assert.Equal(TimeSpan.FromMinutes(minutes), input.IdleCheck);
        Assert.Equal(TimeSpan.FromMinutes(5), input.LeaseDuration);
    }

    // A task hub that reports one status for every instance and records what it is asked to schedule; with
    // RefuseAsExisting it answers a schedule as the Azure host does when another start got there first.
    private sealed class StatusClient(OrchestrationRuntimeStatus? status) : DurableTaskClient("status")
    {
        public List<string> Scheduled { get; } = [];

        public List<CollectVotesInput> Inputs { get; } = [];

        public bool RefuseAsExisting { get; init; }

        public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
            Task.FromResult(status is { } s ? new OrchestrationMetadata(CollectVotesOrchestration.Name, instanceId) { RuntimeStatus = s } : null);

        public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default)
        {
            var id = options?.InstanceId ?? throw new InvalidOperationException("The workflow's id is the item's.");
            lock (Scheduled)
            {
                Scheduled.Add(id);
                Inputs.Add((CollectVotesInput)input!);
            }

            return RefuseAsExisting
                ? throw new RpcException(new Status(StatusCode.AlreadyExists, $"An orchestration with instance id '{id}' already exists."))
                : Task.FromResult(id);
        }

        public override ValueTask DisposeAsync() => ValueTask.CompletedTask;

        public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => throw new NotSupportedException();

        public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw new NotSupportedException();

        public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) => throw new NotSupportedException();
    }
}
