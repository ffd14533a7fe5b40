using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Microsoft.Extensions.Logging;

namespace Labeling.Application.Crowd;

/// <summary>
/// Lets a worker skip a task: the lease ends without a vote, the item goes back to the pool for other
/// workers, and it is never offered to this worker again.
/// </summary>
/// <remarks>
/// <para>Idempotent: releasing a lease that this worker already released succeeds again, so a client may
/// retry a release whose answer it lost. A lease that was used for a vote or expired cannot be released
/// (an expired lease already counts as a skip).</para>
/// <para>A release runs under the project's lock, after any vote on the lease has been saved, as votes are checked:
/// a release landing between a vote's check and its (queued) commit made that commit fail, and on SQLite every
/// commit of the project computed after it with it — other workers' votes answered 409 and the model was reloaded,
/// at will, by whoever voted and released one lease at once (third security probe).</para>
/// </remarks>
public sealed partial class TaskRelease
{
    private readonly ILeaseStore _leases;
    private readonly ProjectModels _models;
    private readonly VoteRecording _votes;
    private readonly TimeProvider _time;
    private readonly ILogger<TaskRelease> _logger;

    /// <summary>Creates the use case.</summary>
    public TaskRelease(ILeaseStore leases, ProjectModels models, VoteRecording votes, TimeProvider time, ILogger<TaskRelease> logger)
    {
        _leases = leases;
        _models = models;
        _votes = votes;
        _time = time;
        _logger = logger;
    }

    /// <summary>Releases the lease.</summary>
    /// <param name="leaseId">The lease the worker was given.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>A task.</returns>
    /// <exception cref="NotFoundException">No such lease.</exception>
    /// <exception cref="AccessDeniedException">The lease belongs to another worker.</exception>
    /// <exception cref="ConflictException">The lease was used for a vote or expired.</exception>
    public async Task ReleaseAsync(string leaseId, string workerId, CancellationToken cancellationToken)
    {
        var lease = await _leases.GetAsync(leaseId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException($"There is no task lease '{InvalidRequestException.Echo(leaseId)}'. Release only a leaseId returned by GET /api/projects/{{projectId}}/tasks/next.");
        if (!string.Equals(lease.WorkerId, workerId, StringComparison.Ordinal))
        {
            throw new AccessDeniedException($"Lease '{leaseId}' was given to another worker. Release only tasks you took yourself.");
        }

        if (lease.ReleasedAt is not null)
        {
            return;
        }

        ThrowIfClosed(lease, _time.GetUtcNow());
        using var session = await _models.OpenAsync(lease.ProjectId, cancellationToken).ConfigureAwait(false);
        await _votes.WhenSavedAsync(leaseId).ConfigureAwait(false);
        lease = await _leases.GetAsync(leaseId, cancellationToken).ConfigureAwait(false) ?? lease;
        if (lease.ReleasedAt is not null)
        {
            return;
        }

        var now = _time.GetUtcNow();
        ThrowIfClosed(lease, now);
        if (await _leases.ReleaseAsync(lease, now, cancellationToken).ConfigureAwait(false))
        {
            LogReleased(_logger, lease.ProjectId, lease.ItemId, leaseId);
            return;
        }

        // Something closed the lease between the read and the write: a vote, a concurrent release, or the clock.
        var current = await _leases.GetAsync(leaseId, cancellationToken).ConfigureAwait(false) ?? lease;
        if (current.ReleasedAt is not null)
        {
            return;
        }

        ThrowIfClosed(current, now);
        throw new ConflictException($"Lease '{leaseId}' could not be released; take a new task with GET /api/projects/{lease.ProjectId}/tasks/next.");
    }

    private static void ThrowIfClosed(ItemLease lease, DateTimeOffset now)
    {
        if (lease.CompletedAt is { } completed)
        {
            throw new ConflictException($"Lease '{lease.Id}' was already used for a vote at {completed:O}; there is nothing to release. Take a new task with GET /api/projects/{lease.ProjectId}/tasks/next.");
        }

        if (now >= lease.ExpiresAt)
        {
            throw new ConflictException($"Lease '{lease.Id}' expired at {lease.ExpiresAt:O} and the item already went back to the pool. Take a new task with GET /api/projects/{lease.ProjectId}/tasks/next.");
        }
    }

    [LoggerMessage(EventId = 4201, Level = LogLevel.Debug, Message = "Released item {ItemId} of project {ProjectId} from lease {LeaseId} without a vote")]
    private static partial void LogReleased(ILogger logger, string projectId, string itemId, string leaseId);
}
