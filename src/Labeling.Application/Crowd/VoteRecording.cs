using System.Collections.Concurrent;
using System.Text.Json;
using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Routing;
using Labeling.Domain.Votes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Crowd;

/// <summary>
/// Records a worker's vote on a leased task: the truth model updates the item's posterior and every
/// involved labeler's reliability, and the routing policy decides the item, asks for more votes, or
/// sends it to review. Decision, vote, statistics and <c>label.ready</c> event are one commit.
/// </summary>
/// <remarks>
/// Idempotent with an <c>Idempotency-Key</c>: the first answer is stored in the same commit and a retry
/// gets it back without a second vote (on a store that writes the answer after the commit point, a retry that finds the
/// vote counted waits for its answer, <see cref="IIdempotencyStore.RecordLag"/>). Without a key, a retry finds the lease
/// used and gets 409.
/// </remarks>
public sealed partial class VoteRecording
{
    private readonly ProjectModels _models;
    private readonly IItemStore _items;
    private readonly ILeaseStore _leases;
    private readonly IIdempotencyStore _idempotency;
    private readonly TimeProvider _time;
    private readonly LabelingOptions _options;
    private readonly ILogger<VoteRecording> _logger;
    private readonly VotesInFlight _inFlight = new();

    // Idempotency keys of votes under way, per worker, with the lease each is for. On SQLite a vote's commit is queued
    // behind the project's others; one that fails takes the commits computed after it down with it (the model they
    // were computed from holds its vote). Two leases voted at once with one key would pass the replay check and fail
    // on the second key insert, so the second is refused here, as it would be once the first had been saved.
    private readonly ConcurrentDictionary<(string Worker, string Key), KeyInFlight> _keysInFlight = new();

    /// <summary>Creates the use case.</summary>
    public VoteRecording(
        ProjectModels models,
        IItemStore items,
        ILeaseStore leases,
        IIdempotencyStore idempotency,
        TimeProvider time,
        IOptions<LabelingOptions> options,
        ILogger<VoteRecording> logger)
    {
        _models = models;
        _items = items;
        _leases = leases;
        _idempotency = idempotency;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <summary>Records the vote.</summary>
    /// <param name="leaseId">The lease the worker was given.</param>
    /// <param name="workerId">The worker's labeler id.</param>
    /// <param name="request">The answer.</param>
    /// <param name="idempotencyKey">The caller's key for safe retries, or null.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    /// <returns>What the vote did.</returns>
    /// <exception cref="NotFoundException">No such lease.</exception>
    /// <exception cref="AccessDeniedException">The lease belongs to another worker.</exception>
    /// <exception cref="InvalidRequestException">The label is not in the schema.</exception>
    /// <exception cref="ConflictException">The lease expired, was released or was already used.</exception>
    /// <exception cref="IdempotencyKeyReusedException">The key answered another lease or answer before.</exception>
    public async Task<VoteOutcome> SubmitAsync(string leaseId, string workerId, VoteRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (idempotencyKey is null)
        {
            return await SubmitOnceAsync(leaseId, workerId, request, null, cancellationToken).ConfigureAwait(false);
        }

        var key = (workerId, idempotencyKey);
        while (true)
        {
            var mine = new KeyInFlight(leaseId);
            if (_keysInFlight.TryAdd(key, mine))
            {
                try
                {
                    return await SubmitOnceAsync(leaseId, workerId, request, idempotencyKey, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    _keysInFlight.TryRemove(KeyValuePair.Create(key, mine));
                    mine.Done.TrySetResult();
                }
            }

            if (!_keysInFlight.TryGetValue(key, out var other))
            {
                continue; // the holder finished between the two calls: register again
            }

            if (!string.Equals(other.LeaseId, leaseId, StringComparison.Ordinal))
            {
                throw new IdempotencyKeyReusedException(
                    $"Idempotency-Key '{InvalidRequestException.Echo(idempotencyKey)}' is being used for a vote on lease '{other.LeaseId}'; "
                    + $"this request is a vote on lease '{InvalidRequestException.Echo(leaseId)}'. Send each new vote with a new key.");
            }

            // A retry of the same vote racing the first attempt: it waits for the first, then registers and finds the
            // first's stored answer (or, if the first failed, votes itself). No request runs with the key unregistered.
            await other.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Waits until a vote on the lease that is being saved has landed (or failed); at once when there is none.</summary>
    /// <param name="leaseId">The lease.</param>
    /// <returns>A task that does not fail.</returns>
    internal async Task WhenSavedAsync(string leaseId)
    {
        if (_inFlight.Saving(leaseId) is { } saving)
        {
            await saving.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task<VoteOutcome> SubmitOnceAsync(string leaseId, string workerId, VoteRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        try
        {
            return await VoteOnceAsync(leaseId, workerId, request, idempotencyKey, cancellationToken).ConfigureAwait(false);
        }
        catch (LabelingProblemException ex) when (idempotencyKey is not null && _idempotency.RecordLag > TimeSpan.Zero
            && ex is ConflictException or ConcurrencyConflictException)
        {
            // On a store that writes the answer after the commit point, a retry on another instance while the first attempt is
            // still writing finds the vote counted (the worker already on the item, or the item decided by that vote) with
            // the lease not yet closed and no answer stored: when the worker's vote is on the item, its answer is on its way.
            if (await VotedAtAsync(leaseId, workerId, cancellationToken).ConfigureAwait(false) is { } votedAt
                && await AwaitReplayAsync(workerId, idempotencyKey, leaseId, request, votedAt + _idempotency.RecordLag, cancellationToken).ConfigureAwait(false) is { } landed)
            {
                return landed;
            }

            throw;
        }
    }

    // When the worker's vote with this lease counted, or null when it is not on its item: the lease's completion, or the
    // vote's own time, or now when only the evidence stored with the item at the commit point has it (the vote's record and
    // the lease's completion are still being written; an unsure answer adds no evidence and is found once its record is).
    private async Task<DateTimeOffset?> VotedAtAsync(string leaseId, string workerId, CancellationToken cancellationToken)
    {
        if (await _leases.GetAsync(leaseId, cancellationToken).ConfigureAwait(false) is not { } lease)
        {
            return null;
        }

        if (lease.CompletedAt is { } completed)
        {
            return completed;
        }

        var vote = (await _items.GetVotesAsync(lease.ProjectId, lease.ItemId, cancellationToken).ConfigureAwait(false))
            .FirstOrDefault(v => string.Equals(v.LabelerId, workerId, StringComparison.Ordinal) && string.Equals(v.LeaseId, leaseId, StringComparison.Ordinal));
        if (vote is not null)
        {
            return vote.At;
        }

        return _items is ISharedItemStore shared
            && (await shared.GetStoredAsync(lease.ProjectId, lease.ItemId, cancellationToken).ConfigureAwait(false))?.Evidence is { } evidence
            && evidence.Votes.Any(v => string.Equals(v.Labeler, workerId, StringComparison.Ordinal))
            ? _time.GetUtcNow()
            : null;
    }

    private async Task<VoteOutcome> VoteOnceAsync(string leaseId, string workerId, VoteRequest request, string? idempotencyKey, CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && await ReplayAsync(workerId, idempotencyKey, leaseId, request, cancellationToken).ConfigureAwait(false) is { } replay)
        {
            return replay;
        }

        var lease = await _leases.GetAsync(leaseId, cancellationToken).ConfigureAwait(false)
            ?? throw new NotFoundException($"There is no task lease '{InvalidRequestException.Echo(leaseId)}'. Take a task with GET /api/projects/{{projectId}}/tasks/next and vote with its leaseId.");
        if (!string.Equals(lease.WorkerId, workerId, StringComparison.Ordinal))
        {
            throw new AccessDeniedException($"Lease '{leaseId}' was given to another worker. Vote only on tasks you took yourself.");
        }

        VoteResult result;
        RoutingStep step;
        Task saved;
        ProjectTruthModel model;
        using (var session = await _models.OpenAsync(lease.ProjectId, cancellationToken).ConfigureAwait(false))
        {
            model = session.Model;
            var project = model.Project;
            var label = Validate(request, project.Schema);

            // A vote on this lease may still be on its way to the store: let it land, so the checks below see it.
            await WhenSavedAsync(leaseId).ConfigureAwait(false);

            // Read again under the project's lock. A retry whose first attempt got here first finds the lease used,
            // and the answer stored with that vote (same commit) is its answer: two retries with one key never both vote.
            var now = _time.GetUtcNow();
            lease = await _leases.GetAsync(leaseId, cancellationToken).ConfigureAwait(false) ?? lease;
            if (lease.CompletedAt is not null && idempotencyKey is not null
                && await ReplayAsync(workerId, idempotencyKey, leaseId, request, cancellationToken).ConfigureAwait(false) is { } late)
            {
                return late;
            }

            ThrowIfClosed(lease, now);
            // With the votes other instances took on it put in the model first (SharedEvidence; only Cosmos DB needs it).
            var item = await _items.ReadForStepAsync(model, lease.ItemId, now, cancellationToken).ConfigureAwait(false)
                ?? throw new NotFoundException($"Item '{lease.ItemId}' of lease '{leaseId}' no longer exists.");
            if (item.State != ItemState.Collecting)
            {
                throw new ConflictException($"Item '{item.Id}' is {JsonNamingPolicyName(item.State)} and takes no more votes. Take a new task.");
            }

            // Votes still being saved are not in the stored counter yet. The count matters only against a budget (read only then).
            var stored = project.Routing.VoteBudget is null ? 0 : await _items.CountCrowdVotesAsync(project.Id, cancellationToken).ConfigureAwait(false);
            var used = stored + _inFlight.Votes(project.Id) + 1;
            ItemCommit commit;
            try
            {
                // An unsure answer adds no evidence: it routes on what the model holds, as a label would have. Not on the stored
                // posterior, which after a re-fit is the class-mix reading shown for display and meant to change no decision;
                // and a gold item no rule voted on has none there, where its known label is what it is decided with.
                var posterior = label is null
                    ? ItemTransitions.KnownLabelPosterior(item, project) ?? model.Posterior(item.Id) ?? item.Posterior
                    : model.Observe(item.Id, workerId, label, now);
                var labels = label is null ? 0 : 1;
                var policy = new DynamicOverlapPolicy(project.Routing);
                var decision = policy.Next(
                    new RoutingSnapshot(item.State, item.IsGold, item.CrowdVotes + 1, item.CrowdLabels + labels, used),
                    new CrowdVoteRecorded(model.StoppingPosterior(item.Id, posterior), posterior));
                step = decision.Step;
                var next = ItemTransitions.Apply(item, decision, posterior, project, now, crowdVotes: 1, crowdLabels: labels);
                result = new VoteResult(leaseId, item.Id, label, next.State, next.HasLabel ? next.Label : null,
                    next.HasLabel ? next.Confidence : null, PosteriorView.ByLabel(next.Posterior, project.Schema), next.CrowdVotes, next.Reason);
                commit = new ItemCommit(project.Id)
                {
                    Items = [new ItemWrite(next, model.EvidenceOf(item.Id))],
                    Votes = [new Vote(project.Id, item.Id, workerId, LabelerKind.Worker, label, now, leaseId)],
                    Statistics = label is null ? [] : model.StatisticsOfVoters(item.Id),
                    TrackIncrements = ItemTransitions.Tracks(model.MachineVotesOn(item.Id), decision, next.Label),
                    Events = ItemTransitions.LabelReady(item, next, decision, project, _options.EventSource) is { } evt ? [evt] : [],
                    CompletedLeaseId = leaseId,
                    Idempotency = idempotencyKey is null ? null
                        : new IdempotencyRecord(workerId, idempotencyKey, 200, JsonSerializer.Serialize(result, LabelingJson.Options), now),
                };
            }
            catch
            {
                // The vote may already be in the in-memory model; reload it from what was saved.
                session.Invalidate();
                throw;
            }

            if (_items is IQueuedItemCommits queue)
            {
                // Queued in model order; the project's next vote is computed while this one is written.
                saved = _inFlight.Track(project.Id, leaseId, queue.CommitQueuedAsync(commit));
            }
            else
            {
                try
                {
                    await _items.CommitAsync(commit, cancellationToken).ConfigureAwait(false);
                    saved = Task.CompletedTask;
                }
                catch (Exception ex)
                {
                    // Handled below as a queued commit's failure is, once the project's lock is let go.
                    session.Invalidate();
                    saved = Task.FromException(ex);
                }
            }
        }

        try
        {
            await saved.ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            await ForgetAsync(lease.ProjectId, model).ConfigureAwait(false);

            // A retry with this key that raced the first attempt: the first one's answer is the answer (on a store that writes
            // it after the commit point and has not yet, SubmitOnceAsync waits for it when the worker's vote is on the item).
            if (ex is ConcurrencyConflictException && idempotencyKey is not null
                && await ReplayAsync(workerId, idempotencyKey, leaseId, request, CancellationToken.None).ConfigureAwait(false) is { } first)
            {
                return first;
            }

            throw;
        }

        LogVoted(_logger, lease.ProjectId, lease.ItemId, workerId, step);
        return new VoteOutcome(result, Replayed: false);
    }

    private static void ThrowIfClosed(ItemLease lease, DateTimeOffset now)
    {
        if (lease.CompletedAt is { } completed)
        {
            throw new ConflictException($"Lease '{lease.Id}' was already used for a vote at {completed:O}. Take a new task with GET /api/projects/{lease.ProjectId}/tasks/next.");
        }

        if (lease.ReleasedAt is { } released)
        {
            throw new ConflictException($"Lease '{lease.Id}' was released at {released:O} without a vote and the item went back to the pool. Take a new task with GET /api/projects/{lease.ProjectId}/tasks/next.");
        }

        if (now >= lease.ExpiresAt)
        {
            throw new ConflictException($"Lease '{lease.Id}' expired at {lease.ExpiresAt:O} and the item went back to the pool. Take a new task with GET /api/projects/{lease.ProjectId}/tasks/next.");
        }
    }

    // A queued commit failed after the project's lock was let go: the model holds a vote the store does not.
    // Drop it, unless a later step already did and the model in use is a fresh one.
    private async Task ForgetAsync(string projectId, ProjectTruthModel failed)
    {
        using var session = await _models.OpenAsync(projectId, CancellationToken.None).ConfigureAwait(false);
        if (ReferenceEquals(session.Model, failed))
        {
            session.Invalidate();
        }
    }

    // The answer stored under the worker's key, when this request is the one it answered (same lease, same
    // answer); a key sent again with another lease or answer is refused rather than answered with the first vote.
    private async Task<VoteOutcome?> ReplayAsync(string workerId, string key, string leaseId, VoteRequest request, CancellationToken cancellationToken)
    {
        var stored = await _idempotency.GetAsync(workerId, key, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        var result = JsonSerializer.Deserialize<VoteResult>(stored.Body, LabelingJson.Options)
            ?? throw new JsonException($"The stored answer for idempotency key '{key}' is empty.");
        var vote = request.Unsure ? null : request.Label;
        if (!string.Equals(result.LeaseId, leaseId, StringComparison.Ordinal) || !string.Equals(result.Vote, vote, StringComparison.Ordinal))
        {
            throw new IdempotencyKeyReusedException(
                $"Idempotency-Key '{InvalidRequestException.Echo(key)}' was already used for {Describe(result.Vote)} on lease '{result.LeaseId}'; "
                + $"this request is {Describe(vote)} on lease '{InvalidRequestException.Echo(leaseId)}'. Send each new vote with a new key.");
        }

        return new VoteOutcome(result, Replayed: true);
    }

    // ReplayAsync until the answer is there or `until` has passed (asked once when it has already passed).
    private async Task<VoteOutcome?> AwaitReplayAsync(string workerId, string key, string leaseId, VoteRequest request, DateTimeOffset until, CancellationToken cancellationToken)
    {
        var pause = TimeSpan.FromMilliseconds(100);
        while (true)
        {
            if (await ReplayAsync(workerId, key, leaseId, request, cancellationToken).ConfigureAwait(false) is { } replay)
            {
                return replay;
            }

            var left = until - _time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                return null;
            }

            await Task.Delay(left < pause ? left : pause, _time, cancellationToken).ConfigureAwait(false);
            pause = TimeSpan.FromTicks(Math.Min(pause.Ticks * 2, TimeSpan.FromSeconds(1).Ticks));
        }
    }

    private static string Describe(string? vote) => vote is null ? "an unsure answer" : $"a vote for '{InvalidRequestException.Echo(vote)}'";

    private static string? Validate(VoteRequest request, Domain.Projects.LabelSchema schema)
    {
        if (request.Unsure)
        {
            // Both was recorded as unsure and the label dropped without a word: the worker's UI may have meant either.
            return string.IsNullOrEmpty(request.Label)
                ? null
                : throw new InvalidRequestException("label", "An unsure answer has no label: send either a label or \"unsure\": true, not both.");
        }

        if (string.IsNullOrEmpty(request.Label))
        {
            throw new InvalidRequestException("label", $"Give a label, one of [{string.Join(", ", schema.Names)}], or send \"unsure\": true.");
        }

        if (!schema.Contains(request.Label))
        {
            throw new InvalidRequestException("label", $"'{InvalidRequestException.Echo(request.Label)}' is not a label of this project. Use one of [{string.Join(", ", schema.Names)}] (case-sensitive), or send \"unsure\": true.");
        }

        return request.Label;
    }

    private static string JsonNamingPolicyName(ItemState state) =>
        System.Text.Json.JsonNamingPolicy.KebabCaseLower.ConvertName(state.ToString());

    // One request holding an idempotency key: the lease it votes on, and when it has finished.
    private sealed class KeyInFlight(string leaseId)
    {
        public string LeaseId { get; } = leaseId;

        public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    [LoggerMessage(EventId = 4101, Level = LogLevel.Debug, Message = "Vote on item {ItemId} of project {ProjectId} by {WorkerId}: {Step}")]
    private static partial void LogVoted(ILogger logger, string projectId, string itemId, string workerId, RoutingStep step);
}
