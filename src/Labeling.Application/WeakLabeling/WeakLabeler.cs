using System.Globalization;
using System.Text.Json;
using Labeling.Application.Items;
using Labeling.Application.Ports;
using Labeling.Application.Truth;
using Labeling.Application.Work;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Routing;
using Labeling.Domain.Votes;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Labeling.Application.WeakLabeling;

/// <summary>
/// The weak-labeling step: every rule of the project votes (or abstains) on each new item, the votes
/// go into the project's truth model, and the routing policy auto-accepts the item or sends it to the crowd.
/// </summary>
/// <remarks>
/// Idempotent: only items still in <c>weak-labeling</c> are touched, and a batch is written in one
/// commit guarded by item revisions, so a redelivered message changes nothing.
/// </remarks>
public sealed partial class WeakLabeler : IWorkHandler
{
    /// <summary>
    /// Time one rule may spend on one batch (one second, ten match timeouts): a pattern slow on every item but never
    /// past the timeout abstains on the rest of the batch once it is spent (event 3003).
    /// </summary>
    internal static readonly TimeSpan RuleTimePerBatch = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Time all the rules may spend on one batch (ten seconds): the batch holds a worker of the work queue (the local
    /// server runs one message at a time, so no other project's batch runs meanwhile) (event 3004). The project's model
    /// is not held while the rules run.
    /// </summary>
    internal static readonly TimeSpan RulesTimePerBatch = TimeSpan.FromSeconds(10);

    private readonly ProjectModels _models;
    private readonly IItemStore _items;
    private readonly ILabelerStore _labelers;
    private readonly IWorkQueue _queue;
    private readonly TimeProvider _time;
    private readonly LabelingOptions _options;
    private readonly ILogger<WeakLabeler> _logger;

    /// <summary>Creates the step.</summary>
    public WeakLabeler(
        ProjectModels models,
        IItemStore items,
        ILabelerStore labelers,
        IWorkQueue queue,
        TimeProvider time,
        IOptions<LabelingOptions> options,
        ILogger<WeakLabeler> logger)
    {
        _models = models;
        _items = items;
        _labelers = labelers;
        _queue = queue;
        _time = time;
        _options = options.Value;
        _logger = logger;
    }

    /// <inheritdoc />
    public string Queue => WorkQueues.WeakLabel;

    /// <summary>Queues items for weak labeling in batches of <see cref="LabelingOptions.WeakLabelBatchSize"/>.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemIds">The items.</param>
    /// <param name="dedupPrefix">Makes re-queuing the same batches (after a crash) a no-op while they wait.</param>
    /// <param name="cancellationToken">Cancels the writes.</param>
    /// <returns>A task.</returns>
    public async Task EnqueueAsync(string projectId, IReadOnlyList<string> itemIds, string dedupPrefix, CancellationToken cancellationToken)
    {
        var batch = 0;
        foreach (var chunk in itemIds.Chunk(_options.WeakLabelBatchSize))
        {
            var payload = JsonSerializer.Serialize(new WeakLabelMessage(projectId, chunk), LabelingJson.Options);
            await _queue.EnqueueAsync(WorkQueues.WeakLabel, payload, string.Create(CultureInfo.InvariantCulture, $"{dedupPrefix}:{batch++}"), projectId, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public Task HandleAsync(string payload, CancellationToken cancellationToken)
    {
        var message = JsonSerializer.Deserialize<WeakLabelMessage>(payload, LabelingJson.Options)
            ?? throw new JsonException("The weak-label message is empty.");
        return LabelAsync(message.ProjectId, message.ItemIds, cancellationToken);
    }

    /// <summary>Runs the rules on the items and routes them.</summary>
    /// <param name="projectId">The project.</param>
    /// <param name="itemIds">The items; those no longer in <c>weak-labeling</c> are skipped.</param>
    /// <param name="cancellationToken">Cancels the step.</param>
    /// <returns>How many items were routed.</returns>
    /// <remarks>
    /// The rules run before the project's model is taken: they read only the items' text, and patterns may be slow (up
    /// to <see cref="RulesTimePerBatch"/> a batch), while the model is what every vote and lease of the project waits
    /// for. Under the model the items are read again, so a batch delivered twice at once routes each item once.
    /// </remarks>
    public async Task<int> LabelAsync(string projectId, IReadOnlyList<string> itemIds, CancellationToken cancellationToken)
    {
        Domain.Projects.Project project;
        try
        {
            using var peek = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false);
            project = peek.Model.Project;
        }
        catch (Problems.NotFoundException)
        {
            // The project was deleted after the batch was queued: its items are gone or going, and there is nothing to route.
            return 0;
        }

        // Independent point reads: together, rather than one store round trip per item.
        var ids = itemIds.Distinct(StringComparer.Ordinal).ToArray();
        var pending = (await Task.WhenAll(ids.Select(id => _items.GetAsync(projectId, id, cancellationToken))).ConfigureAwait(false))
            .OfType<Item>().Where(i => i.State == ItemState.WeakLabeling).ToArray();
        if (pending.Length == 0)
        {
            return 0;
        }

        var ruleVotes = RunRules(project, pending);

        using var session = await _models.OpenAsync(projectId, cancellationToken).ConfigureAwait(false);
        var model = session.Model;
        project = model.Project;
        var policy = new DynamicOverlapPolicy(project.Routing);
        var tracks = await _labelers.GetMachineTracksAsync(projectId, cancellationToken).ConfigureAwait(false);
        var used = await _items.CountCrowdVotesAsync(projectId, cancellationToken).ConfigureAwait(false);
        var now = _time.GetUtcNow();

        var writes = new List<ItemWrite>();
        var votes = new List<Vote>();
        var events = new List<OutboxEvent>();
        var touched = new HashSet<string>(StringComparer.Ordinal);
        var accepted = 0;
        try
        {
            var read = await _items.ReadForStepAsync(model, [.. pending.Select(i => i.Id)], now, cancellationToken).ConfigureAwait(false);
            foreach (var item in read)
            {
                if (item is not { State: ItemState.WeakLabeling })
                {
                    continue;
                }

                if (item.GoldLabel is { } gold)
                {
                    model.SetGold(item.Id, gold, now);
                }

                var machine = ruleVotes[item.Id];
                foreach (var (labelerId, label) in machine)
                {
                    model.Observe(item.Id, labelerId, label, now);
                    votes.Add(new Vote(projectId, item.Id, labelerId, LabelerKind.Rule, label, now, null));
                    touched.Add(labelerId);
                }

                var posterior = machine.Count > 0 || item.IsGold ? model.Posterior(item.Id) : null;
                var best = Best(posterior, project.Schema.Names);
                var trusted = MachineTrust.Supports(machine, best, tracks, project.Routing);
                var decision = policy.Next(
                    new RoutingSnapshot(item.State, item.IsGold, 0, 0, used),
                    new MachineVotesApplied(posterior, trusted));
                var next = ItemTransitions.Apply(item, decision, posterior, project, now, machineVotes: machine.Count);
                writes.Add(new ItemWrite(next, model.EvidenceOf(item.Id)));
                if (ItemTransitions.LabelReady(item, next, decision, project, _options.EventSource) is { } evt)
                {
                    events.Add(evt);
                    accepted++;
                }
            }

            if (writes.Count == 0)
            {
                return 0;
            }

            var statistics = touched
                .Select(id => model.Model.Statistics(id, project.Capability)?.ToState())
                .OfType<Domain.TruthInference.LabelerStatisticsState>()
                .ToArray();
            await _items.CommitAsync(
                new ItemCommit(projectId) { Items = writes, Votes = votes, Statistics = statistics, Events = events },
                cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            // The model already holds this batch's votes; reload it from what was actually saved.
            session.Invalidate();
            throw;
        }

        LogWeakLabeled(_logger, projectId, writes.Count, votes.Count, accepted);
        return writes.Count;
    }

    /// <summary>
    /// Every rule's vote on every item, in rule order, within the time budgets: a rule past its match timeout or its
    /// <see cref="RuleTimePerBatch"/> abstains on the rest of the batch, and once all rules have spent
    /// <see cref="RulesTimePerBatch"/> the remaining items get no rule votes.
    /// </summary>
    private Dictionary<string, List<(string LabelerId, string Label)>> RunRules(Domain.Projects.Project project, IReadOnlyList<Item> items)
    {
        var ruleVotes = new Dictionary<string, List<(string LabelerId, string Label)>>(StringComparer.Ordinal);
        var slowRules = new HashSet<string>(StringComparer.Ordinal);
        var ruleTime = new Dictionary<string, TimeSpan>(StringComparer.Ordinal);
        var rulesOff = false;
        var batchStarted = _time.GetTimestamp();
        for (var index = 0; index < items.Count; index++)
        {
            var item = items[index];
            var machine = ruleVotes[item.Id] = [];
            if (!rulesOff && project.Rules.Count > 0 && _time.GetElapsedTime(batchStarted) > RulesTimePerBatch)
            {
                // Past this the remaining items go to the crowd without rule votes. The model cannot tell a rule that did not
                // run from one that stayed silent, so it reads every rule's silence on them (README, Known limits).
                rulesOff = true;
                LogRulesOutOfTime(_logger, project.Id, (long)RulesTimePerBatch.TotalMilliseconds, items.Count - index);
            }

            foreach (var rule in project.Rules)
            {
                if (rulesOff || slowRules.Contains(rule.Id))
                {
                    continue;
                }

                var started = _time.GetTimestamp();
                var vote = rule.Vote(item.Text, out var timedOut);
                var spent = ruleTime[rule.Id] = ruleTime.GetValueOrDefault(rule.Id) + _time.GetElapsedTime(started);
                if (timedOut)
                {
                    // One timeout per rule per batch, not one per item: the rule abstains on the rest.
                    slowRules.Add(rule.Id);
                    LogRuleTimedOut(_logger, project.Id, rule.Id, item.Id);
                }
                else if (spent > RuleTimePerBatch)
                {
                    // Slow on every item yet never over the match timeout: the same, once its share of the batch is spent.
                    slowRules.Add(rule.Id);
                    LogRuleOutOfTime(_logger, project.Id, rule.Id, (long)spent.TotalMilliseconds, item.Id);
                }

                if (vote is { } label)
                {
                    machine.Add((rule.LabelerId, label));
                }
            }
        }

        return ruleVotes;
    }

    private static string? Best(IReadOnlyList<double>? posterior, IReadOnlyList<string> labels)
    {
        if (posterior is null)
        {
            return null;
        }

        var best = 0;
        for (var k = 1; k < posterior.Count; k++)
        {
            if (posterior[k] > posterior[best])
            {
                best = k;
            }
        }

        return labels[best];
    }

    [LoggerMessage(EventId = 3003, Level = LogLevel.Warning, Message = "Rule {RuleId} of project {ProjectId} spent {Milliseconds} ms on this batch, up to item {ItemId}; it abstains on the rest of the batch. Simplify its pattern or keywords")]
    private static partial void LogRuleOutOfTime(ILogger logger, string projectId, string ruleId, long milliseconds, string itemId);

    [LoggerMessage(EventId = 3004, Level = LogLevel.Warning, Message = "The rules of project {ProjectId} spent the batch's {Milliseconds} ms; the batch's last {ItemCount} items go to the crowd without rule votes")]
    private static partial void LogRulesOutOfTime(ILogger logger, string projectId, long milliseconds, int itemCount);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Warning, Message = "Rule {RuleId} of project {ProjectId} ran out of time on item {ItemId}; it abstains on the rest of this batch. Simplify its pattern")]
    private static partial void LogRuleTimedOut(ILogger logger, string projectId, string ruleId, string itemId);

    [LoggerMessage(EventId = 3001, Level = LogLevel.Information, Message = "Weak-labeled {ItemCount} items of project {ProjectId}: {VoteCount} rule votes, {AcceptedCount} auto-accepted")]
    private static partial void LogWeakLabeled(ILogger logger, string projectId, int itemCount, int voteCount, int acceptedCount);
}
