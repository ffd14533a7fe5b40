using System.Collections.Concurrent;
using System.Globalization;
using Labeling.Application.Crowd;
using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Truth;

/// <summary>
/// The periodic batch re-fit: for each project, fit <see cref="InferenceMethods.Default()"/> to every vote
/// on items voted on within <see cref="ReliabilityRefitOptions.Window"/>, rebuild each labeler's
/// statistics from the batch posteriors, store them, relabel the crowd decisions the batch fit confidently
/// overturns (<see cref="LabelRevision"/>), send the crowd decisions it doubts back for more votes
/// (<see cref="LabelRecheck"/>), send to review the items nobody is left to ask (<see cref="CrowdExhausted"/>), and report
/// the drift of the online model.
/// </summary>
/// <remarks>
/// <para>The online model keeps, per labeler, C_w[t, l] = Σ_i T_i[t]·[l_wi = l] over items i that
/// contribute (two votes or gold), where T_i is the posterior item i last contributed. The re-fit rebuilds
/// exactly this sum with T_i = the batch posterior for items in the window (gold stays one-hot) and the
/// stored online posterior for older items, so machine labelers, which vote on everything, are
/// re-estimated in bulk and online drift (order effects, early posteriors never revisited) is corrected.
/// With a half-life, each contribution is decayed from its vote's time to now, as the online model does.
/// The class counts N[t] = Σ_i T_i[t] (items gold or voted on by a labeler that is not a rule) are rebuilt the same way and
/// stored as their difference from the sum of the stored posteriors (<see cref="ClassCountsState"/>), which the model adds
/// when it loads: read once as its votes came, each item's posterior was formed with the class prior of that moment, and
/// a thin crowd on uneven classes drifts that prior towards the rarer class.</para>
/// <para>Items keep their stored posteriors, so a later vote on a window item subtracts its online rather
/// than its batch contribution; the next re-fit recomputes the sum from scratch and absorbs that
/// difference, so it never accumulates. The re-fit holds the project's session while it runs, so this
/// process's online steps wait, and drops the cached model after writing so the next step loads the
/// re-fitted statistics. One re-fit of a project runs at a time in a process: another asked for meanwhile is refused
/// (<see cref="RefitAsync"/>, HTTP 409) or skipped (<see cref="RefitAllAsync"/>) instead of queuing behind it.</para>
/// <para>Each relabeled item is its own commit (item revision, evidence, track records, <c>label.ready</c>), guarded
/// by the revision read, so a step that changed the item meanwhile (on another instance) wins and the item is
/// looked at again by the next re-fit. The statistics are written after the revisions, with the class counts rebuilt
/// against the posteriors the revisions stored, so a crash between them leaves revised labels, each with its event, and
/// the statistics of before, which the next re-fit replaces (until then the class counts' correction of before is added
/// to the posteriors the revisions stored, off by what the revisions moved).</para>
/// <para>Re-opened items are committed the same way and then queued to <see cref="Work.WorkQueues.WeakLabel"/>, whose
/// handler starts their crowd workflows on Azure (it skips items past weak labeling, so they are not labeled by the
/// machines again); locally the pool is the item state. An item re-opened by a re-fit that stopped before queuing it
/// is still leased, voted on and decided (the vote path decides, not the workflow); only its workflow's lease timers
/// and prompt event delivery are missing, and the outbox dispatcher delivers its event.</para>
/// </remarks>
public sealed partial class ReliabilityRefit
{
    private readonly IProjectStore _projects;
    private readonly ILabelerStore _labelers;
    private readonly IItemStore _items;
    private readonly ILeaseStore _leases;
    private readonly IReliabilityRefitStore _store;
    private readonly WeakLabeler _queue;
    private readonly ProjectModels _models;
    private readonly TimeProvider _time;
    private readonly ReliabilityRefitOptions _options;
    private readonly string _eventSource;
    private readonly ILogger<ReliabilityRefit> _logger;
    private readonly ConcurrentDictionary<string, byte> _running = new(StringComparer.Ordinal);

    // Per project being re-fitted, the posteriors its item commits wrote, for the class counts' correction written after them.
    private readonly ConcurrentDictionary<string, Dictionary<string, double[]>> _written = new(StringComparer.Ordinal);
    private readonly SpentBudgetSweep _sweep;

    /// <summary>Creates the use case.</summary>
    public ReliabilityRefit(
        IProjectStore projects,
        ILabelerStore labelers,
        IItemStore items,
        ILeaseStore leases,
        IReliabilityRefitStore store,
        WeakLabeler queue,
        ProjectModels models,
        TimeProvider time,
        IOptions<ReliabilityRefitOptions> options,
        IOptions<LabelingOptions> labeling,
        ILogger<ReliabilityRefit> logger,
        SpentBudgetSweep sweep)
    {
        _sweep = sweep;
        _projects = projects;
        _labelers = labelers;
        _items = items;
        _leases = leases;
        _store = store;
        _queue = queue;
        _models = models;
        _time = time;
        _options = options.Value;
        _eventSource = labeling.Value.EventSource;
        _logger = logger;
    }

    /// <summary>Re-fits every project, skipping one whose re-fit is running in this process (event 6009).</summary>
    /// <param name="cancellationToken">Cancels the run between projects.</param>
    /// <returns>One report per project.</returns>
    public async Task<IReadOnlyList<DriftReport>> RefitAllAsync(CancellationToken cancellationToken)
    {
        var reports = new List<DriftReport>();
        var failures = new List<Exception>();
        foreach (var project in await _projects.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            try
            {
                if (await RefitAloneAsync(project.Id, cancellationToken).ConfigureAwait(false) is { } report)
                {
                    reports.Add(report);
                }
                else
                {
                    LogRefitSkipped(_logger, project.Id);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                // One project's failure must not keep the others from their re-fit; the round still fails at the end.
                LogProjectRefitFailed(_logger, project.Id, ex);
                failures.Add(ex);
            }
        }

        return failures.Count == 0
            ? reports
            : throw new AggregateException(string.Create(CultureInfo.InvariantCulture, $"{failures.Count} of {reports.Count + failures.Count} projects could not be re-fitted (event 6008 names each); the others were."), failures);
    }

    /// <summary>Re-fits one project, stores the statistics, revises labels, stores the report, and logs the drift.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="cancellationToken">Cancels the run.</param>
    /// <returns>The drift report.</returns>
    /// <exception cref="ConflictException">A re-fit of the project is running in this process.</exception>
    public async Task<DriftReport> RefitAsync(string projectId, CancellationToken cancellationToken) =>
        await RefitAloneAsync(projectId, cancellationToken).ConfigureAwait(false)
        ?? throw new ConflictException(
            $"A re-fit of project '{projectId}' is running; try again when it finishes. Its drift report and any revised labels will be there then.");

    // A re-fit holds the project's lock from start to end, and a second one would only fit the same votes again
    // after it while the project's votes and tasks wait behind both: several at once held labelers up for seconds
    // and each wrote another drift report. So a re-fit of a project already re-fitting in this process is not
    // started (null); other processes (Functions instances) are not seen.
    private async Task<DriftReport?> RefitAloneAsync(string projectId, CancellationToken cancellationToken)
    {
        if (!_running.TryAdd(projectId, 0))
        {
            return null;
        }

        try
        {
            var report = await RefitUnderLockAsync(projectId, cancellationToken).ConfigureAwait(false);

            // Outside the re-fit's hold on the model: a spent budget's pool left collecting when a held lease ran out
            // unanswered (the sweep at the next task request never comes if workers were told no task will).
            await _sweep.SweepIfSpentAsync(projectId, cancellationToken).ConfigureAwait(false);
            return report;
        }
        finally
        {
            _running.TryRemove(projectId, out _);
        }
    }

    private async Task<DriftReport> RefitUnderLockAsync(string projectId, CancellationToken cancellationToken)
    {
        using var session = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false);
        var written = new Dictionary<string, double[]>(StringComparer.Ordinal);
        _written[projectId] = written;
        var project = session.Model.Project;
        var labels = project.Schema.Names;
        var state = await _labelers.LoadTruthStateAsync(projectId, labels, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();
        var since = now - _options.Window;
        var capability = project.Capability;
        var items = state.Items.Where(i => i.Capability == capability && i.Votes.Length > 0).ToArray();
        var window = items.Where(i => i.Votes.Any(v => v.At is null || v.At >= since)).ToDictionary(i => i.Item, StringComparer.Ordinal);

        var answers = window.Values.Where(i => i.Gold is null)
            .SelectMany(i => i.Votes.Select(v => new Answer(i.Item, v.Labeler, labels[v.Label])))
            .ToList();
        // Rules read as the online model reads them: selective, so items only rules voted on do not set the class prior.
        var method = InferenceMethods.Default(_models.ModelOptions.SelectivePrefixes);
        var fit = answers.Count > 0 ? method.Fit(AnswerMatrix.Create(answers, labels)) : null;

        var refitted = Rebuild(state, items, window, fit, labels.Count, capability, now, _models.ModelOptions);
        var online = OnlineDawidSkene.FromState(state, _models.ModelOptions);
        var refittedModel = ProjectTruthModel.FromState(project, state with
        {
            Labelers = [.. state.Labelers.Where(l => l.Capability != capability), .. refitted],
            ClassCounts = [.. (state.ClassCounts ?? []).Where(c => c.Capability != capability), RebuildClassCounts(items, window, fit, null, labels.Count, capability, _models.ModelOptions)],
        }, _models.ModelOptions);
        var batch = refittedModel.Model;

        var selective = _models.ModelOptions.SelectivePrefixes;
        var drift = refitted.Select(l => Drift(l.Labeler, window.Values, online, batch, capability, SelectiveLabelers.Includes(l.Labeler, selective)))
            .OrderBy(d => d.AccuracyChange).ToArray();
        var disagreements = fit is null ? [] : await DisagreementsAsync(projectId, labels, fit, cancellationToken).ConfigureAwait(false);
        List<RevisedLabel> revisions = [];
        List<ReopenedItem> reopened = [];
        IReadOnlyDictionary<string, double>? undecidedMix = null;
        int conflicts = 0, refreshed = 0, poolRefreshed = 0, refreshConflicts = 0, reopenConflicts = 0, unanswered = 0, unansweredConflicts = 0, exhausted = 0, exhaustedConflicts = 0;
        try
        {
            // Before the re-check: an item re-opened by this run has just changed and is not due.
            // The fit the labels are revised by: none when Refit:ReviseLabels is off.
            var revising = _options.ReviseLabels ? fit : null;
            var evidence = state.Items.ToDictionary(i => i.Item, StringComparer.Ordinal);
            var pool = await ReadPoolAsync(project, revising, window, evidence,
                since => AskableWorkersAsync(projectId, items, refittedModel, _models.ModelOptions.PriorStrength, since, cancellationToken), now, cancellationToken).ConfigureAwait(false);
            (unanswered, unansweredConflicts) = await ReviewUnansweredAsync(project, evidence, pool.Due, now, cancellationToken).ConfigureAwait(false);
            (exhausted, exhaustedConflicts) = await ReviewExhaustedAsync(project, session.Model, evidence, pool.Exhausted, pool.Workers, now, cancellationToken).ConfigureAwait(false);
            if (revising is not null)
            {
                (revisions, conflicts) = await ReviseAsync(project, method.Name, labels, revising, disagreements, window, now, cancellationToken).ConfigureAwait(false);
                (refreshed, poolRefreshed, refreshConflicts, undecidedMix) = await RefreshUndecidedAsync(projectId, method.Name, labels, revising, window, pool.Undecided, now, cancellationToken).ConfigureAwait(false);
                (reopened, reopenConflicts) = await RecheckAsync(project, method.Name, labels, revising, refittedModel, window, now, cancellationToken).ConfigureAwait(false);
            }

            // Last, with the class counts' correction against the posteriors the items hold now (a revised, re-opened or
            // re-read item was written with a new one just above). Like the labelers' counts, the class counts are rebuilt
            // from the window's batch posteriors and the older items' stored ones.
            if (refitted.Count > 0)
            {
                var classCounts = RebuildClassCounts(items, window, fit, written, labels.Count, capability, _models.ModelOptions);
                await _store.ReplaceStatisticsAsync(projectId, refitted, classCounts, cancellationToken).ConfigureAwait(false);
            }
        }
        finally
        {
            // The cached model holds the old statistics and posteriors (also when a write failed halfway); the next step reloads what was saved.
            session.Invalidate();
            _written.TryRemove(projectId, out _);
        }

        var listed = _options.MaxDisagreementsListed;
        var report = new DriftReport(projectId, method.Name, now, since, window.Count, answers.Count, drift,
            disagreements.Take(listed).Select(d => d.Found).ToArray(), disagreements.Count,
            revisions.Take(listed).ToArray(), revisions.Count, conflicts + refreshConflicts + reopenConflicts + unansweredConflicts + exhaustedConflicts, refreshed)
        {
            Reopened = reopened.Take(listed).ToArray(),
            ReopenedCount = reopened.Count,
            ReopenedSentToReview = unanswered,
            PoolPosteriorsUpdated = poolRefreshed,
            CrowdExhausted = exhausted,
            UndecidedClassMix = undecidedMix,
        };
        if (reopened.Count > 0)
        {
            await _queue.EnqueueAsync(projectId, reopened.Select(r => r.ItemId).ToArray(), string.Create(CultureInfo.InvariantCulture, $"recheck:{projectId}:{now.ToUnixTimeMilliseconds()}"), cancellationToken).ConfigureAwait(false);
        }

        var location = await _store.SaveDriftReportAsync(report, cancellationToken).ConfigureAwait(false);
        Log(report, location);
        return report;
    }

    private static List<LabelerStatisticsState> Rebuild(
        OnlineDawidSkeneState state,
        IReadOnlyList<ItemEvidenceState> items,
        Dictionary<string, ItemEvidenceState> window,
        InferenceResult? fit,
        int k,
        string capability,
        DateTimeOffset now,
        OnlineDawidSkeneOptions options)
    {
        var halfLife = options.HalfLife;
        var counts = state.Labelers.Where(l => l.Capability == capability)
            .ToDictionary(l => l.Labeler, _ => new double[k * k], StringComparer.Ordinal);
        var truth = new double[k];
        foreach (var item in items)
        {
            // The online model's rule: one vote alone teaches nothing about its labeler.
            if (item.Votes.Length < 2 && item.Gold is null)
            {
                continue;
            }

            if (item.Gold is { } gold)
            {
                Array.Clear(truth);
                truth[gold] = 1.0;
            }
            else if (window.ContainsKey(item.Item) && fit is not null && fit.Data.IndexOfItem(item.Item) is >= 0 and var index)
            {
                fit.Posterior(index).CopyTo(truth);
            }
            else if (item.Posterior is { } stored)
            {
                stored.CopyTo(truth, 0);
            }
            else
            {
                continue;
            }

            // A selective labeler (a rule) learns only from checked items: gold, or answered by a labeler that is not selective.
            var isChecked = IsChecked(item, options);
            foreach (var vote in item.Votes)
            {
                if (!isChecked && SelectiveLabelers.Includes(vote.Labeler, options.SelectivePrefixes))
                {
                    continue;
                }

                if (!counts.TryGetValue(vote.Labeler, out var c))
                {
                    c = new double[k * k];
                    counts[vote.Labeler] = c;
                }

                var weight = halfLife is { } h && vote.At is { } at && now > at ? Math.Pow(2.0, -(now - at).TotalSeconds / h.TotalSeconds) : 1.0;
                for (var t = 0; t < k; t++)
                {
                    c[(t * k) + vote.Label] += weight * truth[t];
                }
            }
        }

        // Memberships stay: the community statistics are rebuilt from membership × counts on load.
        var previous = state.Labelers.Where(l => l.Capability == capability).ToDictionary(l => l.Labeler, StringComparer.Ordinal);
        return counts.Select(kv => previous.TryGetValue(kv.Key, out var old)
                ? old with { Counts = kv.Value, UpdatedAt = now }
                : new LabelerStatisticsState(kv.Key, capability, kv.Value, now))
            .OrderBy(l => l.Labeler, StringComparer.Ordinal)
            .ToList();
    }

    // The class counts as the batch fit reads them: what the online model sums (the stored posteriors of the items that
    // count in its class prior: gold, or voted on by a labeler that is not selective) with each window item's batch
    // posterior in place of its stored one, kept as the difference from that sum. Read once, as its votes arrived, an item
    // keeps the posterior it had when its last vote came, formed with the class prior of that moment; a thin crowd on
    // uneven classes drifts that prior towards the rarer class, and the sum of such posteriors does not come back (README,
    // "Known limits"). The batch fit reads every item against one prior, learned with them.
    // written: the posteriors this re-fit's commits stored since the state was read (null before any), which the items hold now.
    private static ClassCountsState RebuildClassCounts(
        IReadOnlyList<ItemEvidenceState> items,
        Dictionary<string, ItemEvidenceState> window,
        InferenceResult? fit,
        Dictionary<string, double[]>? written,
        int k,
        string capability,
        OnlineDawidSkeneOptions options)
    {
        var offset = new double[k];
        foreach (var item in items)
        {
            if (item.Gold is not null || !window.ContainsKey(item.Item)
                || fit is null || fit.Data.IndexOfItem(item.Item) is not (>= 0 and var index)
                || !IsChecked(item, options)
                || (written?.GetValueOrDefault(item.Item) ?? item.Posterior) is not { } stored)
            {
                continue;
            }

            var batch = fit.Posterior(index);
            for (var t = 0; t < k; t++)
            {
                offset[t] += batch[t] - stored[t];
            }
        }

        return new ClassCountsState(capability, offset);
    }

    // Checked: gold, or answered by a labeler that is not selective. The items a rule learns from, and those the class
    // counts are summed over (the online model's class prior).
    private static bool IsChecked(ItemEvidenceState item, OnlineDawidSkeneOptions options) =>
        item.Gold is not null || item.Votes.Any(v => !SelectiveLabelers.Includes(v.Labeler, options.SelectivePrefixes));

    // A rule (selective) is compared as both models read it, by its firing rates (OnlineDawidSkene.Reading); its confusion,
    // read from the items it voted on only, says "always votes its label", and its diagonal under the class priors would
    // be about the class prior of that label, which a shift of the prior alone would move.
    private static LabelerDrift Drift(string labeler, IEnumerable<ItemEvidenceState> window, OnlineDawidSkene online, OnlineDawidSkene batch, string capability, bool selective)
    {
        var before = online.Reading(labeler, capability);
        var after = batch.Reading(labeler, capability);
        var difference = 0.0;
        for (var t = 0; t < before.ClassCount; t++)
        {
            for (var l = 0; l < before.ClassCount; l++)
            {
                difference = Math.Max(difference, Math.Abs(before[t, l] - after[t, l]));
            }
        }

        var votes = window.Sum(i => i.Votes.Count(v => v.Labeler == labeler));
        return new LabelerDrift(labeler, votes, Accuracy(before, online.ClassPriors(capability)), Accuracy(after, batch.ClassPriors(capability)), difference);

        // A worker's accuracy under the class priors, Σ_t π_t·θ[t, t]; a rule's, whose rows are firing rates, the share of
        // its votes that are right: Σ_t π_t·φ[t, t] over Σ_t π_t·Σ_l φ[t, l].
        double Accuracy(ConfusionMatrix reading, double[] priors)
        {
            var right = reading.Accuracy(priors);
            if (!selective)
            {
                return right;
            }

            var fired = 0.0;
            for (var t = 0; t < reading.ClassCount; t++)
            {
                for (var l = 0; l < reading.ClassCount; l++)
                {
                    fired += priors[t] * reading[t, l];
                }
            }

            return fired > 0 ? right / fired : 0.0;
        }
    }

    private async Task<List<Disagreement>> DisagreementsAsync(string projectId, IReadOnlyList<string> labels, InferenceResult fit, CancellationToken cancellationToken)
    {
        var disagreements = new List<Disagreement>();
        await foreach (var item in _items.ReadLabeledAsync(projectId, cancellationToken).ConfigureAwait(false))
        {
            var index = fit.Data.IndexOfItem(item.Id);
            if (index < 0 || item.Label is null || item.IsGold)
            {
                continue;
            }

            var best = fit.PredictedIndex(index);
            if (best >= 0 && !string.Equals(labels[best], item.Label, StringComparison.Ordinal))
            {
                disagreements.Add(new Disagreement(item, index, new ItemDisagreement(item.Id, item.Label, labels[best], fit.Posterior(index)[best])));
            }
        }

        return disagreements;
    }

    private async Task<(List<RevisedLabel> Revised, int Conflicts)> ReviseAsync(
        Project project,
        string method,
        IReadOnlyList<string> labels,
        InferenceResult fit,
        List<Disagreement> disagreements,
        Dictionary<string, ItemEvidenceState> window,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var target = LabelRevision.TargetFor(project, _options);
        var revised = new List<RevisedLabel>();
        var conflicts = 0;
        foreach (var (item, index, found) in disagreements)
        {
            // The stored evidence is written back with the batch posterior; an item without it is not the model's to relabel.
            if (!LabelRevision.Qualifies(item, found.BatchLabel, found.BatchConfidence, target) || !window.TryGetValue(item.Id, out var evidence)
                || !LabelRecheck.EvidenceIsCurrent(item, evidence))
            {
                continue;
            }

            var (commit, revision) = LabelRevision.Commit(item, evidence, labels, fit.Posterior(index), project, method, now, _eventSource);
            if (await TryCommitAsync(project.Id, item.Id, commit, cancellationToken).ConfigureAwait(false))
            {
                revised.Add(revision);
                LogRevised(_logger, project.Id, item.Id, revision.PreviousLabel, revision.Label, revision.Confidence, revision.Revision);
            }
            else
            {
                conflicts++;
            }
        }

        return (revised, conflicts);
    }

    private async Task<(List<ReopenedItem> Reopened, int Conflicts)> RecheckAsync(
        Project project,
        string method,
        IReadOnlyList<string> labels,
        InferenceResult fit,
        ProjectTruthModel refitted,
        Dictionary<string, ItemEvidenceState> window,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var routing = project.Routing;
        var target = routing.RecheckTarget;
        if (!routing.RecheckDecidedLabels
            || (routing.VoteBudget is not null && routing.IsBudgetExhausted(await _items.CountCrowdVotesAsync(project.Id, cancellationToken).ConfigureAwait(false))))
        {
            return ([], 0);
        }

        // Read first, write after: the labeled items are streamed from the store.
        var commits = new List<(ItemCommit Commit, ReopenedItem Reopened)>();
        await foreach (var item in _items.ReadLabeledAsync(project.Id, cancellationToken).ConfigureAwait(false))
        {
            if (!LabelRecheck.Applies(item, routing) || !window.TryGetValue(item.Id, out var evidence) || !LabelRecheck.EvidenceIsCurrent(item, evidence)
                || fit.Data.IndexOfItem(item.Id) is not (>= 0 and var index))
            {
                continue;
            }

            var label = project.Schema.IndexOf(item.Label);
            var stopping = label < 0 ? null : refitted.StoppingPosterior(item.Id, refitted.Posterior(item.Id));
            if (stopping is null || stopping[label] >= target)
            {
                continue;
            }

            commits.Add(LabelRecheck.Commit(item, evidence, labels, fit.Posterior(index), stopping[label], project, method, now));
        }

        var reopened = new List<ReopenedItem>();
        var conflicts = 0;
        foreach (var (commit, item) in commits)
        {
            if (await TryCommitAsync(project.Id, item.ItemId, commit, cancellationToken).ConfigureAwait(false))
            {
                reopened.Add(item);
                LogReopened(_logger, project.Id, item.ItemId, item.Label, item.Confidence, target, item.Revision);
            }
            else
            {
                conflicts++;
            }
        }

        return (reopened, conflicts);
    }

    // The pool streamed once per re-fit: the re-opened items no crowd vote reached for routing.reopenedReviewHours (for
    // ReviewUnansweredAsync); the other items that every worker who could be offered them has answered, with no crowd vote
    // for as long (for ReviewExhaustedAsync); and, given a fit, the rest the fit read (for RefreshUndecidedAsync).
    // Nothing between this read and those writes touches these items, and each write is guarded by the revision read here.
    // The askable workers are worked out only when some item has had no crowd vote for the hours (no replay gets there).
    private async Task<Pool> ReadPoolAsync(
        Project project,
        InferenceResult? fit,
        Dictionary<string, ItemEvidenceState> window,
        Dictionary<string, ItemEvidenceState> evidence,
        Func<DateTimeOffset, Task<HashSet<string>>> askableSince,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var due = now - TimeSpan.FromHours(project.Routing.ReopenedReviewHours);
        var pool = new Pool([], [], []);
        var idle = new List<Item>();
        await foreach (var item in _items.ReadInStateAsync(project.Id, ItemState.Collecting, cancellationToken).ConfigureAwait(false))
        {
            if (item.ReopenedFromRevision is not null)
            {
                if (item.UpdatedAt <= due)
                {
                    pool.Due.Add(item);
                }
            }
            else if (item.CrowdVotes > 0 && LastCrowdVote(evidence.GetValueOrDefault(item.Id), item) <= due)
            {
                idle.Add(item);
            }
            else
            {
                AddRefresh(item);
            }
        }

        var askable = idle.Count > 0 ? await askableSince(due).ConfigureAwait(false) : [];
        pool.Workers = askable.Count;
        foreach (var item in idle)
        {
            // Only a crowd smaller than routing.maxCrowdVotes gets past the count: the item has at least as many responses as
            // there are workers to ask. Workers missing from its labeled votes may have answered it unsure, which only its
            // stored votes say (read after the stream, which on SQLite holds a reader open).
            var missing = askable.Except(evidence.GetValueOrDefault(item.Id)?.Votes.Select(v => v.Labeler) ?? [], StringComparer.Ordinal).ToArray();
            if (askable.Count > 0 && item.CrowdVotes >= askable.Count && missing.Length <= item.CrowdVotes - item.CrowdLabels
                && (missing.Length == 0 || await AnsweredByAllAsync(item, missing).ConfigureAwait(false)))
            {
                pool.Exhausted.Add(item);
            }
            else
            {
                AddRefresh(item);
            }
        }

        return pool;

        void AddRefresh(Item item)
        {
            if (fit is not null && ReadByFit(item, fit, window) is { } undecided)
            {
                pool.Undecided.Add(undecided);
            }
        }

        async Task<bool> AnsweredByAllAsync(Item item, string[] workers)
        {
            var responded = (await _items.GetVotesAsync(project.Id, item.Id, cancellationToken).ConfigureAwait(false))
                .Select(v => v.LabelerId).ToHashSet(StringComparer.Ordinal);
            return workers.All(responded.Contains);
        }
    }

    // The crowd workers who could be offered a task now: those with a labeled vote in the project within the hours (a vote
    // stored without a time counts as recent), less those the re-fitted model retires (read without their unsure answers,
    // which only a count per worker would give). A worker who stopped coming, retired on any rule or not, drops out after
    // the hours, so the items it did not answer can still go to review. A vote's time in the evidence is when its
    // contribution was last written, which every later step on the item moves to its own time: it is the vote's own time
    // only for the last vote of an item that is not gold (a reviewer's resolution makes the item gold, a step without a
    // vote). A worker recent by such a vote alone is confirmed by the stored votes.
    private async Task<HashSet<string>> AskableWorkersAsync(
        string projectId, IEnumerable<ItemEvidenceState> items, ProjectTruthModel model, double priorStrength, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var recent = new HashSet<string>(StringComparer.Ordinal);
        var unconfirmed = new List<(string Item, string Worker)>();
        foreach (var item in items)
        {
            for (var n = 0; n < item.Votes.Length; n++)
            {
                var vote = item.Votes[n];
                if ((vote.At is null || vote.At >= since) && LabelerIds.KindOf(vote.Labeler) == LabelerKind.Worker)
                {
                    // Not on a gold item: a reviewer's resolution (or gold set after the votes) stamps every vote, the last
                    // one too, with its own time.
                    if (vote.At is null || (n == item.Votes.Length - 1 && item.Gold is null))
                    {
                        recent.Add(vote.Labeler);
                    }
                    else
                    {
                        unconfirmed.Add((item.Item, vote.Labeler));
                    }
                }
            }
        }

        // Each item's stored votes read once, for every worker it may confirm, and only while one of them is unconfirmed.
        foreach (var byItem in unconfirmed.GroupBy(u => u.Item, u => u.Worker, StringComparer.Ordinal))
        {
            if (byItem.All(recent.Contains))
            {
                continue;
            }

            var workers = byItem.ToHashSet(StringComparer.Ordinal);
            foreach (var vote in await _items.GetVotesAsync(projectId, byItem.Key, cancellationToken).ConfigureAwait(false))
            {
                if (vote.At >= since && workers.Contains(vote.LabelerId))
                {
                    recent.Add(vote.LabelerId);
                }
            }
        }

        recent.RemoveWhere(worker => WorkerRetirementCheck.Retired(model, worker, priorStrength) is not null);
        return recent;
    }

    // When the item's last crowd vote came: its latest worker vote in the evidence; the item's last change when none has a
    // time (or its only responses were unsure, which the evidence does not hold).
    private static DateTimeOffset LastCrowdVote(ItemEvidenceState? evidence, Item item)
    {
        DateTimeOffset? last = null;
        foreach (var vote in evidence?.Votes ?? [])
        {
            if (LabelerIds.KindOf(vote.Labeler) == LabelerKind.Worker && vote.At is { } at && (last is null || at > last))
            {
                last = at;
            }
        }

        return last ?? item.UpdatedAt;
    }

    // Re-opened items no crowd vote reached for routing.reopenedReviewHours go to review, as the routing policy sends an item
    // it cannot decide: the votes it would need are not coming.
    private Task<(int Sent, int Conflicts)> ReviewUnansweredAsync(Project project, Dictionary<string, ItemEvidenceState> evidence, List<Item> waiting, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var hours = project.Routing.ReopenedReviewHours;
        return CommitUnlessLeasedAsync(project.Id, waiting, now, item =>
        {
            var published = item.ReopenedFromRevision!.Value;
            var reason = string.Create(CultureInfo.InvariantCulture,
                $"Re-opened for more votes, and no crowd vote came from {item.UpdatedAt:O} to {now:O} (routing.reopenedReviewHours {hours:0.##}): sent to review. Consumers keep the label of revision {published} until a reviewer decides.");
            var decision = new RoutingDecision(RoutingStep.SendToReview, ItemState.NeedsReview, null, null, null, reason);
            return new ItemCommit(project.Id)
            {
                // The stored evidence goes back unchanged (a commit writes an item's evidence with it); the revision guards the write.
                Items = [new ItemWrite(ItemTransitions.Apply(item, decision, null, project, now), evidence.GetValueOrDefault(item.Id))],
            };
        }, (item, _) => LogUnansweredToReview(_logger, project.Id, item.Id, item.UpdatedAt, hours, item.ReopenedFromRevision!.Value), cancellationToken);
    }

    // Items nobody is left to ask (ReadPoolAsync) go where the routing policy sends them (CrowdExhausted): to review, or a
    // gold item decided by its known label, with its label.ready and its machine labelers' track records as a vote would.
    // A worker the count left out (one that stopped coming or was retired) may still be answering a lease it holds.
    private Task<(int Sent, int Conflicts)> ReviewExhaustedAsync(
        Project project,
        ProjectTruthModel model,
        Dictionary<string, ItemEvidenceState> evidence,
        List<Item> exhausted,
        int workers,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var policy = new DynamicOverlapPolicy(project.Routing);
        return CommitUnlessLeasedAsync(project.Id, exhausted, now, item =>
        {
            // A gold item is decided by its known label, whatever posterior was stored with it.
            var posterior = ItemTransitions.KnownLabelPosterior(item, project) ?? item.Posterior;
            var decision = policy.Next(new RoutingSnapshot(item.State, item.IsGold, item.CrowdVotes, item.CrowdLabels, 0), new CrowdExhausted(posterior, workers));
            var next = ItemTransitions.Apply(item, decision, null, project, now);
            return ItemTransitions.StepCommit(item, next, decision, project, evidence.GetValueOrDefault(item.Id), model.MachineVotesOn(item.Id), _eventSource);
        }, (item, commit) => LogExhausted(_logger, project.Id, item.Id, workers, project.Routing.ReopenedReviewHours, commit.Items[0].Item.State), cancellationToken);
    }

    // Commits each item's step, guarded by its revision, except on items a worker holds a lease on (a lease is not a vote and
    // leaves the item as it was, but the worker may be answering it now): how many were committed, and how many had changed.
    private async Task<(int Committed, int Conflicts)> CommitUnlessLeasedAsync(
        string projectId, List<Item> items, DateTimeOffset now, Func<Item, ItemCommit> commitOf, Action<Item, ItemCommit> committed, CancellationToken cancellationToken)
    {
        int done = 0, conflicts = 0;
        foreach (var item in items)
        {
            if (await _leases.IsHeldAsync(projectId, item.Id, now, cancellationToken).ConfigureAwait(false))
            {
                continue;
            }

            var commit = commitOf(item);
            if (await TryCommitAsync(projectId, item.Id, commit, cancellationToken).ConfigureAwait(false))
            {
                done++;
                committed(item, commit);
            }
            else
            {
                conflicts++;
            }
        }

        return (done, conflicts);
    }

    // Items in review and items still collecting votes show the batch reading where it ranks another label first: the batch
    // posterior read with the class mix of these undecided items (ClassPriorShift), which is not the project's (an item only
    // rules voted on: the batch posterior itself, below). Their evidence
    // gets the batch posterior itself, the contribution the re-built statistics hold for them, so the item's next vote takes
    // back what the statistics hold. Routing does not read the stored posterior (a vote recomputes it), so a collecting
    // item's next vote decides it as before. The collecting items come from ReadPoolAsync; the items in review are read here.
    private async Task<(int Review, int Pool, int Conflicts, IReadOnlyDictionary<string, double>? UndecidedMix)> RefreshUndecidedAsync(
        string projectId,
        string method,
        IReadOnlyList<string> labels,
        InferenceResult fit,
        Dictionary<string, ItemEvidenceState> window,
        List<UndecidedItem> collecting,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        // Read first, write after.
        var undecided = new List<UndecidedItem>();
        await foreach (var item in _items.ReadInStateAsync(projectId, ItemState.NeedsReview, cancellationToken).ConfigureAwait(false))
        {
            if (ReadByFit(item, fit, window) is { } read)
            {
                undecided.Add(read);
            }
        }

        undecided.AddRange(collecting);
        var batch = undecided.Select(u => fit.Posterior(u.Index).ToArray()).ToArray();
        // The mix is learned from the undecided items a labeler that is not selective voted on, as the model learns its class
        // prior: a rule votes only where it matches, so the items only rules voted on are not a sample of the undecided ones,
        // and reading the rules' votes as their classes set the demo's mix to 0.9999 'spam' from its 500 rule-only items.
        // Those items are read with the project's prior (the batch posterior itself), as before the mix.
        var selective = _models.ModelOptions.SelectivePrefixes;
        var learns = undecided.Select(u => u.Evidence.Votes.Any(v => !SelectiveLabelers.Includes(v.Labeler, selective))).ToArray();
        var learned = Enumerable.Range(0, undecided.Count).Where(i => learns[i]).ToArray();
        // The shift divides each posterior by the prior its E-step used, which fit.ClassPriors is for the default
        // (community Dawid-Skene), as for DS and MACE; not for GLAD, whose E-step takes a uniform prior.
        var shift = ClassPriorShift.Fit(learned.Select(i => batch[i]).ToArray(), fit.ClassPriors, _options.UndecidedPriorStrength);
        var reading = learned.Length == 1
            ? $"{method}, read with the class mix of the one undecided item"
            : $"{method}, read with the class mix of the {learned.Length} undecided items";
        var ruleOnly = $"{method}, read with the project's class mix (only rules voted on it)";
        var commits = new List<ItemCommit>();
        for (int i = 0, n = 0; i < undecided.Count; i++)
        {
            var (item, _, evidence) = undecided[i];
            // shift.Posteriors holds the learning items' readings in their order.
            var posterior = learns[i] ? shift.Posteriors[n++] : batch[i];
            if (LabelRevision.RefreshesPosterior(item, posterior))
            {
                commits.Add(LabelRevision.RefreshCommit(item, evidence, labels, posterior, batch[i], learns[i] ? reading : ruleOnly, now));
            }
        }

        int reviewed = 0, pool = 0, conflicts = 0;
        foreach (var commit in commits)
        {
            var item = commit.Items[0].Item;
            if (!await TryCommitAsync(projectId, item.Id, commit, cancellationToken).ConfigureAwait(false))
            {
                conflicts++;
            }
            else if (item.State == ItemState.NeedsReview)
            {
                reviewed++;
            }
            else
            {
                pool++;
            }
        }

        var mix = learned.Length == 0 ? null : labels.Select((label, t) => (label, t)).ToDictionary(x => x.label, x => shift.Prior[x.t], StringComparer.Ordinal);
        return (reviewed, pool, conflicts, mix);
    }

    // One item's step, guarded by its revision: false (and a warning) when the item changed while the re-fit ran; the next re-fit looks again.
    private async Task<bool> TryCommitAsync(string projectId, string itemId, ItemCommit commit, CancellationToken cancellationToken)
    {
        try
        {
            await _items.CommitAsync(commit, cancellationToken).ConfigureAwait(false);
            if (_written.TryGetValue(projectId, out var written))
            {
                lock (written)
                {
                    foreach (var write in commit.Items)
                    {
                        if (write.Evidence?.Posterior is { } posterior)
                        {
                            written[write.Item.Id] = posterior;
                        }
                    }
                }
            }

            return true;
        }
        catch (ConcurrencyConflictException ex)
        {
            LogRevisionConflict(_logger, projectId, itemId, ex.Message);
            return false;
        }
    }

    private void Log(DriftReport report, string location)
    {
        LogRefitted(_logger, report.ProjectId, report.Method, report.ItemsInWindow, report.VotesInWindow, report.Labelers.Count, report.DisagreementCount, report.RevisedCount, report.ReopenedCount, report.ReviewPosteriorsUpdated, report.PoolPosteriorsUpdated, report.RevisionConflicts, location);
        foreach (var labeler in report.Labelers)
        {
            if (Math.Abs(labeler.AccuracyChange) > _options.AccuracyChangeWarning)
            {
                LogLabelerDrifted(_logger, report.ProjectId, labeler.LabelerId, labeler.OnlineAccuracy, labeler.BatchAccuracy, labeler.MaxConfusionDifference, labeler.Votes);
            }
            else
            {
                LogLabelerRefitted(_logger, report.ProjectId, labeler.LabelerId, labeler.OnlineAccuracy, labeler.BatchAccuracy, labeler.MaxConfusionDifference, labeler.Votes);
            }
        }
    }

    [LoggerMessage(EventId = 6001, Level = LogLevel.Information, Message = "Re-fitted project {ProjectId} with {Method}: {Items} items and {Votes} votes in the window, {Labelers} labelers, {Disagreements} labeled items disagree with the batch posterior, {Revised} labels revised, {Reopened} re-opened for more votes, {Refreshed} items in review and {PoolRefreshed} in the pool given the batch posterior ({Conflicts} changed meanwhile); report at {Location}")]
    private static partial void LogRefitted(ILogger logger, string projectId, string method, int items, int votes, int labelers, int disagreements, int revised, int reopened, int refreshed, int poolRefreshed, int conflicts, string location);

    [LoggerMessage(EventId = 6002, Level = LogLevel.Warning, Message = "Labeler {LabelerId} of project {ProjectId} drifted: online accuracy {OnlineAccuracy:0.000}, batch {BatchAccuracy:0.000}, largest confusion difference {MaxConfusionDifference:0.000} over {Votes} votes")]
    private static partial void LogLabelerDrifted(ILogger logger, string projectId, string labelerId, double onlineAccuracy, double batchAccuracy, double maxConfusionDifference, int votes);

    [LoggerMessage(EventId = 6003, Level = LogLevel.Debug, Message = "Labeler {LabelerId} of project {ProjectId}: online accuracy {OnlineAccuracy:0.000}, batch {BatchAccuracy:0.000}, largest confusion difference {MaxConfusionDifference:0.000} over {Votes} votes")]
    private static partial void LogLabelerRefitted(ILogger logger, string projectId, string labelerId, double onlineAccuracy, double batchAccuracy, double maxConfusionDifference, int votes);

    [LoggerMessage(EventId = 6004, Level = LogLevel.Information, Message = "Revised item {ItemId} of project {ProjectId}: '{PreviousLabel}' -> '{Label}' (batch posterior {Confidence:0.000}), revision {Revision}")]
    private static partial void LogRevised(ILogger logger, string projectId, string itemId, string previousLabel, string label, double confidence, long revision);

    [LoggerMessage(EventId = 6006, Level = LogLevel.Information, Message = "Re-opened item {ItemId} of project {ProjectId} for more votes: '{Label}' has stopping posterior {Confidence:0.000} < recheck target {Target} with the re-fitted reliabilities, revision {Revision}")]
    private static partial void LogReopened(ILogger logger, string projectId, string itemId, string label, double confidence, double target, long revision);

    [LoggerMessage(EventId = 6007, Level = LogLevel.Information, Message = "Sent re-opened item {ItemId} of project {ProjectId} to review: no crowd vote since {Since:O} ({Hours} hours, routing.reopenedReviewHours); consumers keep revision {PublishedRevision}")]
    private static partial void LogUnansweredToReview(ILogger logger, string projectId, string itemId, DateTimeOffset since, double hours, long publishedRevision);

    [LoggerMessage(EventId = 6008, Level = LogLevel.Error, Message = "Re-fit of project {ProjectId} failed; the other projects are re-fitted")]
    private static partial void LogProjectRefitFailed(ILogger logger, string projectId, Exception exception);

    [LoggerMessage(EventId = 6009, Level = LogLevel.Information, Message = "Re-fit of project {ProjectId} skipped: a re-fit of it is running")]
    private static partial void LogRefitSkipped(ILogger logger, string projectId);

    [LoggerMessage(EventId = 6005, Level = LogLevel.Warning, Message = "Item {ItemId} of project {ProjectId} changed while the re-fit revised it; left for the next re-fit: {Reason}")]
    private static partial void LogRevisionConflict(ILogger logger, string projectId, string itemId, string reason);

    [LoggerMessage(EventId = 6010, Level = LogLevel.Information, Message = "Item {ItemId} of project {ProjectId}: every one of the {Workers} workers who can be offered it has answered, and no crowd vote came for {Hours} hours (routing.reopenedReviewHours); now {State}")]
    private static partial void LogExhausted(ILogger logger, string projectId, string itemId, int workers, double hours, ItemState state);

    private readonly record struct Disagreement(Item Item, int Index, ItemDisagreement Found);

    // An undecided item the batch fit read: its index in the fit and its evidence in the window.
    private static UndecidedItem? ReadByFit(Item item, InferenceResult fit, Dictionary<string, ItemEvidenceState> window) =>
        fit.Data.IndexOfItem(item.Id) is >= 0 and var index && window.TryGetValue(item.Id, out var evidence) ? new UndecidedItem(item, index, evidence) : null;

    private readonly record struct UndecidedItem(Item Item, int Index, ItemEvidenceState Evidence);

    // Undecided: the items still collecting (never re-opened, not sent to review by this re-fit) the fit read.
    private sealed record Pool(List<Item> Due, List<UndecidedItem> Undecided, List<Item> Exhausted)
    {
        // How many workers could be offered a task when the exhausted items were found (0 when none was looked for).
        public int Workers { get; set; }
    }
}
