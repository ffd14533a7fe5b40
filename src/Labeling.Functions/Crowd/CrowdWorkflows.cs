using Grpc.Core;
using Labeling.Application;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Orchestration.Crowd;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Functions.Crowd;

/// <summary>Starts one <c>CollectVotes</c> workflow per item that needs the crowd, and tells workflows about votes.</summary>
public sealed partial class CrowdWorkflows
{
    private readonly IItemStore _items;
    private readonly IProjectStore _projects;
    private readonly ILeaseStore _leases;
    private readonly LabelingOptions _options;
    private readonly TimeSpan _idleCheck;
    private readonly ILogger<CrowdWorkflows> _logger;

    /// <summary>Creates the service.</summary>
    public CrowdWorkflows(IItemStore items, IProjectStore projects, ILeaseStore leases, IOptions<LabelingOptions> options, IOptions<CrowdWorkflowOptions> workflow, ILogger<CrowdWorkflows> logger)
    {
        _items = items;
        _projects = projects;
        _leases = leases;
        _options = options.Value;
        ArgumentNullException.ThrowIfNull(workflow);
        _idleCheck = workflow.Value.IdleCheck;
        _logger = logger;
    }

    /// <summary>
    /// Starts the workflow of every listed item that is collecting and has none running. Idempotent:
    /// the instance id is derived from the item, so a redelivered message finds the running instance.
    /// </summary>
    /// <param name="client">The Durable client.</param>
    /// <param name="projectId">The project.</param>
    /// <param name="itemIds">Items that went through weak labeling.</param>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>How many workflows were started.</returns>
    public async Task<int> StartAsync(DurableTaskClient client, string projectId, IEnumerable<string> itemIds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        var project = await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false);
        if (project is null)
        {
            return 0;
        }

        // Items are independent (each workflow is keyed by its item): their checks and starts overlap.
        var started = 0;
        await Parallel.ForEachAsync(itemIds.Distinct(StringComparer.Ordinal), new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (itemId, ct) =>
        {
            var item = await _items.GetAsync(projectId, itemId, ct).ConfigureAwait(false);
            if (item?.State != ItemState.Collecting)
            {
                return;
            }

            var id = CollectVotesInput.InstanceIdFor(projectId, itemId);
            var existing = await client.GetInstanceAsync(id, ct).ConfigureAwait(false);
            // Started only when the item has no workflow or its workflow has ended for good, as Durable's singleton pattern
            // does. Any other status is the item's workflow at work: Pending (scheduled by an earlier message, the same text
            // in two documents, and not run yet), Running, Suspended, or ContinuedAsNew (between two generations), over
            // which the Azure host refuses to schedule.
            if (existing is not null && existing.RuntimeStatus is not (OrchestrationRuntimeStatus.Completed or OrchestrationRuntimeStatus.Failed or OrchestrationRuntimeStatus.Terminated))
            {
                return;
            }

            try
            {
                await client.ScheduleNewOrchestrationInstanceAsync(
                    CollectVotesOrchestration.Name,
                    new CollectVotesInput(projectId, itemId, project.Routing, _options.LeaseDuration, IdleCheck: _idleCheck),
                    new StartOrchestrationOptions(id),
                    ct).ConfigureAwait(false);
            }
            catch (RpcException ex) when (ex.StatusCode == StatusCode.AlreadyExists)
            {
                // Another caller (a second message with the same item, a vote) started it between the check and here: the
                // item has its workflow, and failing would only send this whole message round again.
                return;
            }

            Interlocked.Increment(ref started);
        }).ConfigureAwait(false);

        if (started > 0)
        {
            LogStarted(_logger, projectId, started);
        }

        return started;
    }

    /// <summary>
    /// Raises <see cref="CollectVotesOrchestration.VoteSubmittedEvent"/> on the voted item's workflow, or, when the item
    /// has no running workflow, starts one for it.
    /// </summary>
    /// <remarks>
    /// The vote is already committed when this runs, so a missing workflow must not fail the request. With the Azure
    /// Storage backend raising an event on an instance that does not exist answers NotFound, and on one that has ended
    /// (failed, terminated) FailedPrecondition. Both happen: a worker can lease an item between the weak-labeling step
    /// marking it collecting and that step starting its workflow, and a workflow whose activity failed past its retries
    /// has ended while its item still collects. The workflow started here reads the item as the vote left it; the vote
    /// handler already routed that vote, and an item it decided is published by the outbox dispatcher.
    /// </remarks>
    /// <param name="client">The Durable client.</param>
    /// <param name="leaseId">The lease voted with.</param>
    /// <param name="workerId">The worker.</param>
    /// <param name="label">The label, or null for unsure.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task.</returns>
    public async Task RaiseVoteAsync(DurableTaskClient client, string leaseId, string workerId, string? label, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(client);
        ItemLease? lease;
        try
        {
            lease = await _leases.GetAsync(leaseId, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            // The vote stands whatever this read meets (Cosmos DB throttling past the SDK's retries): a 500 would make the
            // client retry into a 409 for a vote that counted. The workflow reads the item at its next idle check.
            LogLeaseNotRead(_logger, leaseId, ex);
            return;
        }

        if (lease is null)
        {
            return;
        }

        var id = CollectVotesInput.InstanceIdFor(lease.ProjectId, lease.ItemId);
        try
        {
            await client.RaiseEventAsync(id, CollectVotesOrchestration.VoteSubmittedEvent, new VoteSubmitted(leaseId, workerId, label), cancellationToken).ConfigureAwait(false);
        }
        catch (RpcException ex) when (ex.StatusCode is StatusCode.NotFound or StatusCode.FailedPrecondition)
        {
            LogNoWorkflow(_logger, lease.ProjectId, lease.ItemId, ex.StatusCode);
            try
            {
                await StartAsync(client, lease.ProjectId, [lease.ItemId], cancellationToken).ConfigureAwait(false);
            }
            catch (Exception start) when (start is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // Another caller started it meanwhile (the weak-labeling step, a second vote), the hub is unreachable, or the
                // start's reads of the project and item failed: the vote stands either way, and the item's next vote tries again.
                LogWorkflowNotStarted(_logger, lease.ProjectId, lease.ItemId, start);
            }
        }
        catch (RpcException ex)
        {
            // The task hub did not take the event (unavailable, timed out): the vote stands, and answering 500 would only
            // make the client retry into a replay. The vote handler has routed the item already, and the workflow reads it at its
            // next idle check (CrowdWorkflow:IdleCheck) instead; the outbox timer sends a decision's event meanwhile.
            LogVoteNotRaised(_logger, lease.ProjectId, lease.ItemId, ex);
        }
    }

    [LoggerMessage(EventId = 9102, Level = LogLevel.Warning, Message = "Item {ItemId} of project {ProjectId} had no running crowd workflow when a vote came ({Status}); starting one")]
    private static partial void LogNoWorkflow(ILogger logger, string projectId, string itemId, StatusCode status);

    [LoggerMessage(EventId = 9103, Level = LogLevel.Error, Message = "Could not start the crowd workflow of item {ItemId} of project {ProjectId} after a vote; its next vote tries again")]
    private static partial void LogWorkflowNotStarted(ILogger logger, string projectId, string itemId, Exception exception);

    [LoggerMessage(EventId = 9104, Level = LogLevel.Error, Message = "The vote on item {ItemId} of project {ProjectId} is recorded but its crowd workflow could not be told; the workflow reads the item at its next idle check (CrowdWorkflow:IdleCheck)")]
    private static partial void LogVoteNotRaised(ILogger logger, string projectId, string itemId, Exception exception);

    [LoggerMessage(EventId = 9107, Level = LogLevel.Error, Message = "The vote with lease {LeaseId} is recorded but the lease could not be read to tell its crowd workflow; the workflow reads the item at its next idle check (CrowdWorkflow:IdleCheck)")]
    private static partial void LogLeaseNotRead(ILogger logger, string leaseId, Exception exception);

    [LoggerMessage(EventId = 9101, Level = LogLevel.Information, Message = "Started {Count} crowd workflows in project {ProjectId}")]
    private static partial void LogStarted(ILogger logger, string projectId, int count);
}
