using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Crowd;

/// <summary>
/// Hands the next task to a worker: an item in the crowd pool that they have neither voted on nor
/// skipped (<see cref="TaskRelease"/>, or a lease they let expire) and that nobody else holds, leased
/// for <see cref="LabelingOptions.LeaseDuration"/>.
/// </summary>
/// <remarks>
/// A worker holds at most one task per project: asking again returns the open lease (so a client that
/// lost the answer, or restarted, gets the same task back), and two requests at once get the same
/// lease (the store grants a worker one open lease at a time). When the project's budget is spent, the
/// policy moves the remaining pool to review and no task is handed out. A worker the project has
/// retired (<see cref="RoutingSettings.RetireUninformativeWorkers"/>, <see cref="WorkerRetirementCheck"/>)
/// gets no new task but a <see cref="WorkerRetiredException"/> that says why; a lease it already
/// holds is still handed back, so its vote is not lost.
/// </remarks>
public sealed partial class TaskLeasing
{
    private const int CandidatesPerRound = 8;
    private readonly IProjectStore _projects;
    private readonly IItemStore _items;
    private readonly ILeaseStore _leases;
    private readonly ProjectModels _models;
    private readonly TimeProvider _time;
    private readonly LabelingOptions _options;
    private readonly ILogger<TaskLeasing> _logger;
    private readonly SpentBudgetSweep _sweep;

    /// <summary>Creates the use case.</summary>
    public TaskLeasing(
        IProjectStore projects,
        IItemStore items,
        ILeaseStore leases,
        ProjectModels models,
        TimeProvider time,
        IOptions<LabelingOptions> options,
        ILogger<TaskLeasing> logger,
        SpentBudgetSweep sweep)
    {
        _projects = projects;
        _items = items;
        _leases = leases;
        _models = models;
        _time = time;
        _options = options.Value;
        _logger = logger;
        _sweep = sweep;
    }

    /// <summary>Leases the next task to the worker.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The task, or null when the pool has nothing for this worker.</returns>
    /// <exception cref="NotFoundException">No such project.</exception>
    /// <exception cref="WorkerRetiredException">The project offers this worker no more tasks.</exception>
    public async Task<TaskAssignment?> NextAsync(string projectId, string workerId, CancellationToken cancellationToken)
    {
        var project = await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);

        // To the millisecond, as the stores keep it: a lease's expiresAt read back from the database showed fewer digits
        // than the same lease as granted, and a client comparing the two saw two leases.
        var now = _time.GetUtcNow();
        now = new DateTimeOffset(now.Ticks - (now.Ticks % TimeSpan.TicksPerMillisecond), now.Offset);

        // A worker who already holds a task gets it back. That is not looked up first: the grant below is refused to a worker
        // holding an open lease, and the lease is looked up then; a check that would refuse the worker looks it up before refusing.
        if (await RefusalAsync(project, workerId, cancellationToken).ConfigureAwait(false) is { } refuse)
        {
            return await OpenAssignmentAsync(project, workerId, now, cancellationToken).ConfigureAwait(false)
                ?? await refuse().ConfigureAwait(false);
        }

        if (_leases is IPoolLeaseGrants pool)
        {
            // One step: the store finds the worker's next item and grants it, or grants nothing to a worker holding a task.
            var next = await pool.TryAcquireNextAsync(projectId, workerId, LeaseIds.New(now, 1)[0], now, now + _options.LeaseDuration, cancellationToken)
                .ConfigureAwait(false);
            return next is null
                ? await OpenAssignmentAsync(project, workerId, now, cancellationToken).ConfigureAwait(false)
                : await GrantedAsync(project, next, cancellationToken).ConfigureAwait(false);
        }

        // Candidates can be taken by a faster worker between the query and the grant: the store grants the first still free,
        // and a few rounds settle the rest without locking the pool.
        for (var round = 0; round < 4; round++)
        {
            var candidates = await _leases.FindCandidatesAsync(projectId, workerId, now, CandidatesPerRound, cancellationToken).ConfigureAwait(false);
            if (candidates.Count == 0)
            {
                break;
            }

            var ids = LeaseIds.New(now, candidates.Count);
            var leases = candidates.Select((itemId, i) =>
                new ItemLease(ids[i], projectId, itemId, workerId, now, now + _options.LeaseDuration, null)).ToList();
            if (await _leases.TryAcquireFirstAsync(leases, now, cancellationToken).ConfigureAwait(false) is not { } lease)
            {
                // All refused: other workers were faster, or a concurrent request of this worker (a client retrying a lost
                // response) got a lease first, and then that one is this worker's task.
                if (await OpenAssignmentAsync(project, workerId, now, cancellationToken).ConfigureAwait(false) is { } won)
                {
                    return won;
                }

                continue;
            }

            return await GrantedAsync(project, lease, cancellationToken).ConfigureAwait(false);
        }

        // Nothing granted; a concurrent request of this worker may have taken the last item there was for it.
        return await OpenAssignmentAsync(project, workerId, now, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Why <see cref="NextAsync"/> had no task for the worker, for its 204: the budget is spent, items are still being
    /// weak-labeled, other workers hold every item the worker could take, the worker has answered or skipped every item
    /// in the pool, or nothing is collecting. Read after the fact, so a task that came free meanwhile can make it stale.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>The reason, and how long to wait before asking again when asking again can help.</returns>
    public async Task<NoTask> WhyNoTaskAsync(string projectId, string workerId, CancellationToken cancellationToken)
    {
        var project = await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false)
            ?? throw NotFoundException.Project(projectId);
        // Workers ask again after each 204, so nothing here counts the project's items: an answer costs a few reads however
        // large the project (a project's counts by state read every item's state, on Azure its whole index).
        if (project.Routing.VoteBudget is not null
            && project.Routing.IsBudgetExhausted(await _items.CountCrowdVotesAsync(projectId, cancellationToken).ConfigureAwait(false)))
        {
            return NoTask.BudgetSpent;
        }

        if (!await _items.AnyInStateAsync(projectId, ItemState.Collecting, cancellationToken).ConfigureAwait(false))
        {
            return await PreparingAsync().ConfigureAwait(false) ? NoTask.Preparing : NoTask.PoolEmpty;
        }

        // Once every lease held now has expired, would the worker have something? Then others hold it for now.
        var later = _time.GetUtcNow() + _options.LeaseDuration;
        return (await _leases.FindCandidatesAsync(projectId, workerId, later, 1, cancellationToken).ConfigureAwait(false)).Count > 0
            ? NoTask.AllLeased
            : await PreparingAsync().ConfigureAwait(false) ? NoTask.Preparing : NoTask.AllAnswered;

        Task<bool> PreparingAsync() => _items.AnyInStateAsync(projectId, ItemState.WeakLabeling, cancellationToken);
    }

    /// <summary>The task of a lease just granted.</summary>
    private async Task<TaskAssignment> GrantedAsync(Project project, ItemLease lease, CancellationToken cancellationToken)
    {
        var item = await _items.GetAsync(project.Id, lease.ItemId, cancellationToken).ConfigureAwait(false)
            ?? throw new ConcurrencyConflictException($"Item '{lease.ItemId}' disappeared while it was being leased.");
        LogLeased(_logger, project.Id, lease.ItemId, lease.Id);
        return Assignment(lease, item, project);
    }

    /// <summary>The task of the worker's open lease in the project, or null when it holds none.</summary>
    private async Task<TaskAssignment?> OpenAssignmentAsync(Project project, string workerId, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var open = await _leases.FindOpenAsync(project.Id, workerId, now, cancellationToken).ConfigureAwait(false);
        return open is not null && await _items.GetAsync(project.Id, open.ItemId, cancellationToken).ConfigureAwait(false) is { } held
            ? Assignment(open, held, project)
            : null;
    }

    /// <summary>
    /// What to do instead of a new task when the project's budget is spent (send the pool to review, answer no task) or the
    /// worker is retired (throw <see cref="WorkerRetiredException"/>); null when the worker may have one.
    /// </summary>
    private async Task<Func<Task<TaskAssignment?>>?> RefusalAsync(Project project, string workerId, CancellationToken cancellationToken)
    {
        var projectId = project.Id;
        if (project.Routing.VoteBudget is not null)
        {
            var used = await _items.CountCrowdVotesAsync(projectId, cancellationToken).ConfigureAwait(false);
            if (project.Routing.IsBudgetExhausted(used))
            {
                return async () =>
                {
                    await _sweep.SweepAsync(projectId, used, cancellationToken).ConfigureAwait(false);
                    return null;
                };
            }
        }

        var labeledShare = 1.0;
        if (project.Routing.RetireUninformativeWorkers)
        {
            var answers = await _items.CountVotesByAsync(projectId, workerId, cancellationToken).ConfigureAwait(false);
            labeledShare = WorkerRetirement.LabeledShare(answers.Votes, answers.Unsure);
            if (WorkerRetirement.MostlyUnsure(answers.Votes, answers.Unsure, project.Routing, _models.ModelOptions.PriorStrength))
            {
                return () =>
                {
                    LogWorkerRetiredUnsure(_logger, projectId, workerId, answers.Votes, answers.Unsure);
                    throw new WorkerRetiredException(projectId, workerId, answers.Votes, answers.Unsure, project.Routing.RetirementVotes);
                };
            }
        }

        if (WorkerRetirement.IsOn(project.Routing))
        {
            WorkerRetirementAssessment? retired;
            using (var session = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false))
            {
                retired = WorkerRetirementCheck.Retired(session.Model, workerId, _models.ModelOptions.PriorStrength, labeledShare);
            }

            if (retired is not null)
            {
                return () =>
                {
                    LogWorkerRetired(_logger, projectId, workerId, retired.Evidence, retired.InformationPerVote, retired.LabeledShare, retired.VotesPerItem, retired.InformationNeeded);
                    throw new WorkerRetiredException(projectId, workerId, retired);
                };
            }
        }

        return null;
    }

    private static TaskAssignment Assignment(ItemLease lease, Item item, Project project) =>
        new(lease.Id, project.Id, item.Id, item.Text, project.Schema.Labels, project.Schema.Instructions, lease.ExpiresAt);

    [LoggerMessage(EventId = 4001, Level = LogLevel.Debug, Message = "Leased item {ItemId} of project {ProjectId} as {LeaseId}")]
    private static partial void LogLeased(ILogger logger, string projectId, string itemId, string leaseId);

    [LoggerMessage(EventId = 4004, Level = LogLevel.Information, Message = "Worker {WorkerId} is retired from project {ProjectId}: {Unsure} of its {Votes} answers were unsure (routing.retirementVotes of its answers hold less than one label)")]
    private static partial void LogWorkerRetiredUnsure(ILogger logger, string projectId, string workerId, int votes, int unsure);

    [LoggerMessage(EventId = 4003, Level = LogLevel.Information, Message = "Worker {WorkerId} is retired from project {ProjectId}: {Evidence} answers of evidence, {InformationPerVote} bits per labeled vote, {LabeledShare} of its answers labels (not unsure), so {VotesPerItem} of its answers (routing.retirementVotes) carry less than the {InformationNeeded} bits a label holds")]
    private static partial void LogWorkerRetired(ILogger logger, string projectId, string workerId, double evidence, double informationPerVote, double labeledShare, int votesPerItem, double informationNeeded);
}
