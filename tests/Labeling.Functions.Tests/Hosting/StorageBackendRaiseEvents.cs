using Grpc.Core;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Labeling.Functions.Tests.Hosting;

/// <summary>
/// The Durable client as the Functions host gives it with the Azure Storage backend, around the in-memory hub's: raising
/// an event on an instance that does not exist answers NotFound, and on one that has ended FailedPrecondition (the
/// host checks the status first when the provider asks it to, and Azure Storage's does). The in-memory hub takes
/// such events silently, so without this the tests could not see what a vote does to a missing workflow on Azure.
/// Every other call goes to the inner client.
/// </summary>
internal sealed class StorageBackendRaiseEvents(DurableTaskClient inner) : DurableTaskClient(inner.Name)
{
    /// <summary>Events refused because the instance did not exist or had ended.</summary>
    public int Refused;

    /// <summary>Whether the task hub is out of reach: every event is refused with Unavailable.</summary>
    public bool Unavailable { get; set; }

    public override async Task RaiseEventAsync(string instanceId, string eventName, object? eventPayload = null, CancellationToken cancellation = default)
    {
        if (Unavailable)
        {
            Interlocked.Increment(ref Refused);
            throw new RpcException(new Status(StatusCode.Unavailable, "The task hub did not answer."));
        }

        var instance = await inner.GetInstanceAsync(instanceId, cancellation);
        if (instance is null)
        {
            Interlocked.Increment(ref Refused);
            throw new RpcException(new Status(StatusCode.NotFound, $"No instance with ID '{instanceId}' was found."));
        }

        if (instance.RuntimeStatus is not (OrchestrationRuntimeStatus.Running or OrchestrationRuntimeStatus.Pending or OrchestrationRuntimeStatus.Suspended))
        {
            Interlocked.Increment(ref Refused);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, $"The instance '{instanceId}' is {instance.RuntimeStatus}."));
        }

        await inner.RaiseEventAsync(instanceId, eventName, eventPayload, cancellation);
    }

    public override Task<string> ScheduleNewOrchestrationInstanceAsync(TaskName orchestratorName, object? input = null, StartOrchestrationOptions? options = null, CancellationToken cancellation = default) =>
        inner.ScheduleNewOrchestrationInstanceAsync(orchestratorName, input, options, cancellation);

    public override Task<OrchestrationMetadata?> GetInstancesAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        inner.GetInstanceAsync(instanceId, getInputsAndOutputs, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceStartAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        inner.WaitForInstanceStartAsync(instanceId, getInputsAndOutputs, cancellation);

    public override Task<OrchestrationMetadata> WaitForInstanceCompletionAsync(string instanceId, bool getInputsAndOutputs = false, CancellationToken cancellation = default) =>
        inner.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs, cancellation);

    public override Task TerminateInstanceAsync(string instanceId, TerminateInstanceOptions? options = null, CancellationToken cancellation = default) =>
        inner.TerminateInstanceAsync(instanceId, options, cancellation);

    public override Task SuspendInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        inner.SuspendInstanceAsync(instanceId, reason, cancellation);

    public override Task ResumeInstanceAsync(string instanceId, string? reason = null, CancellationToken cancellation = default) =>
        inner.ResumeInstanceAsync(instanceId, reason, cancellation);

    public override AsyncPageable<OrchestrationMetadata> GetAllInstancesAsync(OrchestrationQuery? filter = null) => inner.GetAllInstancesAsync(filter);

    public override Task<PurgeResult> PurgeInstanceAsync(string instanceId, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        inner.PurgeInstanceAsync(instanceId, options, cancellation);

    public override Task<PurgeResult> PurgeAllInstancesAsync(PurgeInstancesFilter filter, PurgeInstanceOptions? options = null, CancellationToken cancellation = default) =>
        inner.PurgeAllInstancesAsync(filter, options, cancellation);

    public override ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
