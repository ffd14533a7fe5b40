using System.Globalization;
using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.Domain.Routing;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Crowd;

/// <summary>
/// Once a project's vote budget is spent, sends its crowd pool where the routing policy sends it: to review, or a gold item
/// decided by its known label (with its <c>label.ready</c> and its machine labelers' track records), as after the last vote
/// the budget allowed. Run at each task request the budget refuses (<see cref="TaskLeasing"/>) and after each re-fit
/// (<see cref="ReliabilityRefit"/>), so an item whose lease ran out unanswered after the budget was spent is not left
/// collecting when no worker asks again.
/// </summary>
/// <remarks>
/// An item a worker holds a lease on is left to that worker, whose vote is still taken and routes it the same way. Each item
/// is committed on its own, guarded by its revision: a document store need not write a page of items atomically, and an
/// item another sweep or a vote moved meanwhile is left as that write left it.
/// </remarks>
public sealed partial class SpentBudgetSweep
{
    private const int PageSize = 200;

    private readonly ProjectModels _models;
    private readonly IProjectStore _projects;
    private readonly IItemStore _items;
    private readonly ILeaseStore _leases;
    private readonly TimeProvider _time;
    private readonly LabelingOptions _options;
    private readonly ILogger<SpentBudgetSweep> _logger;

    /// <summary>Creates the sweep.</summary>
    public SpentBudgetSweep(ProjectModels models, IProjectStore projects, IItemStore items, ILeaseStore leases, TimeProvider time, IOptions<LabelingOptions> options, ILogger<SpentBudgetSweep> logger)
    {
        _models = models;
        _projects = projects;
        _items = items;
        _leases = leases;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Sweeps the pool if the project's budget is spent; otherwise does nothing.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the sweep between items.</param>
    /// <returns>How many items were sent to review or decided.</returns>
    public async Task<int> SweepIfSpentAsync(string projectId, CancellationToken cancellationToken)
    {
        if (await _projects.GetAsync(projectId, cancellationToken).ConfigureAwait(false) is not { Routing.VoteBudget: not null })
        {
            return 0;
        }

        var used = await _items.CountCrowdVotesAsync(projectId, cancellationToken).ConfigureAwait(false);
        return await SweepAsync(projectId, used, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sweeps the pool of a project that has used <paramref name="used"/> crowd votes.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="used">Crowd votes used.</param>
    /// <param name="cancellationToken">Cancels the sweep between items.</param>
    /// <returns>How many items were sent to review or decided.</returns>
    public async Task<int> SweepAsync(string projectId, long used, CancellationToken cancellationToken)
    {
        using var session = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false);
        var project = await CurrentAsync(session, cancellationToken).ConfigureAwait(false);
        if (!project.Routing.IsBudgetExhausted(used))
        {
            return 0;
        }

        var policy = new DynamicOverlapPolicy(project.Routing);
        var now = _time.GetUtcNow();
        var swept = 0;
        string? after = null;
        while (true)
        {
            var pool = await _items.ListAsync(projectId, ItemState.Collecting, after, PageSize, cancellationToken).ConfigureAwait(false);
            if (pool.Count == 0)
            {
                break;
            }

            after = pool[^1].Id;
            foreach (var listed in pool)
            {
                if (await _leases.IsHeldAsync(projectId, listed.Id, now, cancellationToken).ConfigureAwait(false)
                    || await _items.CurrentForStepAsync(session.Model, listed, ItemState.Collecting, now, cancellationToken).ConfigureAwait(false) is not { } item)
                {
                    continue;
                }

                var decision = policy.Next(
                    new RoutingSnapshot(item.State, item.IsGold, item.CrowdVotes, item.CrowdLabels, used),
                    new TaskRequested(ItemTransitions.KnownLabelPosterior(item, project)));
                if (decision.Step is not (RoutingStep.SendToReview or RoutingStep.Decide))
                {
                    continue;
                }

                var next = ItemTransitions.Apply(item, decision, null, project, now);
                try
                {
                    await _items.CommitAsync(
                        ItemTransitions.StepCommit(item, next, decision, project, session.Model.EvidenceOf(item.Id), session.Model.MachineVotesOn(item.Id), _options.EventSource),
                        cancellationToken).ConfigureAwait(false);
                    swept++;
                }
                catch (ConcurrencyConflictException)
                {
                    // A vote or another sweep moved the item since it was listed; that write stands.
                }
            }
        }

        if (swept > 0)
        {
            LogBudgetSpent(_logger, projectId, used, swept);
        }

        return swept;
    }

    /// <summary>
    /// Sends back to the crowd pool the items the spent budget sent to review, once the project's budget allows votes again
    /// (<c>PATCH /api/projects/{id}</c> raised or removed it): each keeps its votes and posterior and is offered to workers as
    /// before. Gold items (decided by their known labels), items a reviewer has resolved, items in review for another
    /// reason and items at <see cref="RoutingSettings.MaxCrowdVotes"/> stay as they are. Each item is committed on its own,
    /// guarded by its revision; one a reviewer resolved meanwhile keeps the reviewer's label.
    /// </summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the work between items.</param>
    /// <returns>How many items went back to the pool.</returns>
    public async Task<int> ReopenAsync(string projectId, CancellationToken cancellationToken)
    {
        var reopened = 0;
        string? after = null;
        Domain.Projects.Project? project = null;
        while (true)
        {
            // A page at a time, each under the project's session: votes and task requests of the project go on between pages
            // (a pool of 20,000 items took 3.7 s, and held them all that while when it ran under one session).
            using var session = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false);
            project = await CurrentAsync(session, cancellationToken).ConfigureAwait(false);
            var used = await _items.CountCrowdVotesAsync(projectId, cancellationToken).ConfigureAwait(false);
            if (project.Routing.IsBudgetExhausted(used))
            {
                break;
            }

            var page = await _items.ListAsync(projectId, ItemState.NeedsReview, after, PageSize, cancellationToken).ConfigureAwait(false);
            if (page.Count == 0)
            {
                break;
            }

            after = page[^1].Id;
            var now = _time.GetUtcNow();
            var reason = project.Routing.VoteBudget is { } budget
                ? string.Create(CultureInfo.InvariantCulture, $"The vote budget was raised to {budget} in project version {project.Version} ({used} crowd votes used); back in the crowd pool.")
                : string.Create(CultureInfo.InvariantCulture, $"The vote budget was removed in project version {project.Version}; back in the crowd pool.");
            foreach (var listed in page)
            {
                if (await _items.CurrentForStepAsync(session.Model, listed, ItemState.NeedsReview, now, cancellationToken).ConfigureAwait(false) is not { } item
                    || item.IsGold || item.CrowdVotes >= project.Routing.MaxCrowdVotes
                    || item.Reason?.StartsWith(DynamicOverlapPolicy.BudgetSpentReasonStart, StringComparison.Ordinal) != true)
                {
                    continue;
                }

                var next = item with { State = ItemState.Collecting, Revision = item.Revision + 1, UpdatedAt = now, Reason = reason };
                try
                {
                    await _items.CommitAsync(
                        new ItemCommit(projectId) { Items = [new ItemWrite(next, session.Model.EvidenceOf(item.Id))] },
                        cancellationToken).ConfigureAwait(false);
                    reopened++;
                }
                catch (ConcurrencyConflictException)
                {
                    // A reviewer resolved it since it was listed; that label stands.
                }
            }
        }

        if (reopened > 0)
        {
            if (project?.Routing.VoteBudget is { } raised)
            {
                LogBudgetRaised(_logger, projectId, raised, reopened);
            }
            else
            {
                LogBudgetRemoved(_logger, projectId, reopened);
            }
        }

        return reopened;
    }

    /// <summary>
    /// The project as stored, put in the session's model when it is newer: the sweeps change many items, and a process that
    /// serves its projects from memory (an Azure instance, for <c>Cosmos:ProjectRefresh</c>) must not send a pool back to
    /// review on a budget another instance has just raised.
    /// </summary>
    private async Task<Domain.Projects.Project> CurrentAsync(ProjectSession session, CancellationToken cancellationToken)
    {
        var known = session.Model.Project;
        if (await _projects.GetCurrentAsync(known.Id, cancellationToken).ConfigureAwait(false) is { } stored && stored.Version > known.Version)
        {
            session.Model.UseProject(stored);
        }

        return session.Model.Project;
    }

    [LoggerMessage(EventId = 4005, Level = LogLevel.Information, Message = "Project {ProjectId} has a vote budget of {Budget} now; {Reopened} items the spent budget had sent to review are back in the crowd pool")]
    private static partial void LogBudgetRaised(ILogger logger, string projectId, long budget, int reopened);

    [LoggerMessage(EventId = 4006, Level = LogLevel.Information, Message = "Project {ProjectId} has no vote budget now; {Reopened} items the spent budget had sent to review are back in the crowd pool")]
    private static partial void LogBudgetRemoved(ILogger logger, string projectId, int reopened);

    [LoggerMessage(EventId = 4002, Level = LogLevel.Warning, Message = "Project {ProjectId} spent its vote budget ({Used} votes); {Retired} pooled items sent to review (gold items decided by their known labels)")]
    private static partial void LogBudgetSpent(ILogger logger, string projectId, long used, int retired);
}
