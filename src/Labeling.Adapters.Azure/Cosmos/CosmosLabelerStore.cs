using System.Collections.Concurrent;
using System.Globalization;
using Labeling.Application.Ports;
using Labeling.Domain.Labelers;
using Labeling.Domain.TruthInference;
using Microsoft.Azure.Cosmos;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// Labelers' statistics, track records and vote counts, sharded: labeler L of project P lives in
/// <see cref="CosmosOptions.StatisticShards"/> documents <c>{P}:{L}:{shard}</c> in <c>labelers</c>,
/// each its own logical partition, and a read sums them. A commit adds to the shard of its item, so a
/// rule that votes on every item spreads its writes instead of hammering one document.
/// </summary>
/// <remarks>
/// <para>The port hands over each labeler's <em>whole</em> statistics after a step (replace
/// semantics), which sharded documents cannot store directly and which would lose updates between
/// Functions instances. So the store remembers, per process, the statistics it last loaded or wrote
/// for each labeler (the baseline the caller's in-memory model started from) and writes the
/// <em>difference</em>: new − baseline, added to one shard under its ETag. Concurrent writers in
/// different processes then add their own changes instead of overwriting each other's. A labeler the
/// model made after its load has no baseline, and all of its counts are new. Counts the model took in from another
/// process's stored evidence move the baseline with them (<see cref="Rebase"/>).</para>
/// <para>The differences go out as patch increments (one request per labeler, applied atomically by the
/// service: no read, and no ETag retries between commits that touch a rule's shard at once); a shard that
/// does not exist yet, or a capability it has no counts for, is written once with a read-modify-write.
/// The community membership is not additive: each write sets it on its shard with the statistics' time,
/// and a read takes the newest.</para>
/// <para>Labelers of a project are listed from a registry partition <c>{P}:labelers</c> in <c>index</c>
/// (one small entry per labeler).</para>
/// </remarks>
public sealed class CosmosLabelerStore : ILabelerStore, ISharedLabelerStore
{
    private readonly CosmosDatabase _db;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Project, string Labeler, string Capability), double[]> _baseline = new();
    private readonly ConcurrentDictionary<(string Project, string Labeler), byte> _registered = new();
    private readonly ConcurrentDictionary<string, (string? Mark, DateTimeOffset ReadAt)> _marks = new(StringComparer.Ordinal);

    /// <summary>Creates the store.</summary>
    /// <param name="db">The database.</param>
    /// <param name="time">The clock a read statistics mark is dated by (<see cref="StatisticsMarkAsync"/>); the system's when null.</param>
    public CosmosLabelerStore(CosmosDatabase db, TimeProvider? time = null)
    {
        _db = db;
        _time = time ?? TimeProvider.System;
    }

    /// <inheritdoc />
    /// <remarks>
    /// One point read per project per <see cref="CosmosOptions.ProjectRefresh"/> (30 seconds), as the project itself is read:
    /// a re-fit on another instance reaches this one's model within that long.
    /// </remarks>
    public async Task<string?> StatisticsMarkAsync(string projectId, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        if (_marks.TryGetValue(projectId, out var known) && now - known.ReadAt < _db.Options.ProjectRefresh)
        {
            return known.Mark;
        }

        var id = StatisticsMarkId(projectId);
        var mark = (await CosmosDatabase.ReadAsync<StatisticsMark>(_db.Labelers, id, id, cancellationToken).ConfigureAwait(false)).Document?.Mark;
        _marks[projectId] = (mark, now);
        return mark;
    }

    /// <summary>
    /// Leaves a new statistics mark, once a re-fit has replaced the project's statistics: the other instances load their
    /// models again when they next read it, and this one knows it at once (its re-fit drops its own model already). The mark
    /// carries the re-fitted class counts' correction of <paramref name="classCounts"/>'s capability (the others' stay).
    /// </summary>
    internal async Task MarkStatisticsReplacedAsync(string projectId, ClassCountsState classCounts, CancellationToken cancellationToken)
    {
        var id = StatisticsMarkId(projectId);
        var now = _time.GetUtcNow();
        var previous = (await CosmosDatabase.ReadAsync<StatisticsMark>(_db.Labelers, id, id, cancellationToken).ConfigureAwait(false)).Document?.ClassCounts ?? [];
        var mark = new StatisticsMark(id, Guid.NewGuid().ToString("N"), now, [.. previous.Where(c => c.Capability != classCounts.Capability), classCounts]);
        await _db.Labelers.UpsertItemAsync(mark, new PartitionKey(id), new ItemRequestOptions { EnableContentResponseOnWrite = false }, cancellationToken).ConfigureAwait(false);
        _marks[projectId] = (mark.Mark, now);
    }

    /// <inheritdoc />
    public async Task<IReadOnlyDictionary<string, MachineTrack>> GetMachineTracksAsync(string projectId, CancellationToken cancellationToken)
    {
        var machines = (await ListLabelersAsync(projectId, cancellationToken).ConfigureAwait(false))
            .Where(entry => LabelerIds.KindOf(entry.Id) != LabelerKind.Worker)
            .Select(async entry => (entry.Id, Shards: await ReadShardsAsync(projectId, entry.Id, cancellationToken).ConfigureAwait(false)));
        return (await Task.WhenAll(machines).ConfigureAwait(false))
            .ToDictionary(m => m.Id, m => new MachineTrack(m.Id, m.Shards.Sum(s => s.Checked), m.Shards.Sum(s => s.Agreed)), StringComparer.Ordinal);
    }

    /// <inheritdoc />
    public async Task<OnlineDawidSkeneState> LoadTruthStateAsync(string projectId, IReadOnlyList<string> labels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(labels);
        // Labelers, item evidence and the last re-fit's class counts are independent reads: together.
        var evidence = ItemEvidenceAsync(projectId, cancellationToken);
        var markId = StatisticsMarkId(projectId);
        var mark = CosmosDatabase.ReadAsync<StatisticsMark>(_db.Labelers, markId, markId, cancellationToken);
        var labelers = (await ListLabelersAsync(projectId, cancellationToken).ConfigureAwait(false))
            .Select(async entry => Sum(entry.Id, await ReadShardsAsync(projectId, entry.Id, cancellationToken).ConfigureAwait(false)).ToArray());
        var statistics = new List<LabelerStatisticsState>();
        foreach (var state in (await Task.WhenAll(labelers).ConfigureAwait(false)).SelectMany(s => s))
        {
            _baseline[(projectId, state.Labeler, state.Capability)] = state.Counts.ToArray();
            statistics.Add(state);
        }

        var items = await evidence.ConfigureAwait(false);

        // An item's evidence is written before its voters' statistics and registry entries (CosmosItemStore.CommitAsync: the
        // item is the commit point), so an instance that died in between leaves a voter with a vote and no statistics. Such a
        // voter starts from zero here, with a baseline of zero, as a labeler the model makes itself would: the model loads, and
        // the hourly re-fit counts that vote again. (A strict load failed every time, for good.)
        var known = statistics.Select(s => (s.Labeler, s.Capability)).ToHashSet();
        foreach (var (labeler, capability) in items.SelectMany(i => i.Votes.Select(v => (v.Labeler, i.Capability))).Distinct())
        {
            if (known.Add((labeler, capability)))
            {
                statistics.Add(new LabelerStatisticsState(labeler, capability, new double[labels.Count * labels.Count], null));
                _baseline[(projectId, labeler, capability)] = new double[labels.Count * labels.Count];
            }
        }

        return new OnlineDawidSkeneState([.. labels], [.. statistics], [.. items], (await mark.ConfigureAwait(false)).Document?.ClassCounts);
    }

    /// <summary>Counts one labeler's votes and "unsure" answers in a project (summed over its shards).</summary>
    internal async Task<LabelerVotes> CountVotesAsync(string projectId, string labelerId, CancellationToken cancellationToken)
    {
        var shards = await ReadShardsAsync(projectId, labelerId, cancellationToken).ConfigureAwait(false);
        return new LabelerVotes((int)shards.Sum(s => s.Votes), (int)shards.Sum(s => s.Unsure));
    }

    /// <summary>Registers labelers so the project's listings find them. Idempotent.</summary>
    internal async Task RegisterAsync(string projectId, IEnumerable<string> labelerIds, CancellationToken cancellationToken)
    {
        // Registration is an idempotent upsert and entries are never removed, so once per process is
        // enough: every vote names its labelers, and re-registering them was a write per vote.
        var partition = LabelersPartition(projectId);
        var fresh = labelerIds.Distinct(StringComparer.Ordinal).Where(id => !_registered.ContainsKey((projectId, id))).ToArray();
        await Task.WhenAll(fresh.Select(id =>
            _db.Index.UpsertItemAsync(new LabelerEntry(id, partition, LabelerIds.KindOf(id).ToString()), new PartitionKey(partition), cancellationToken: cancellationToken))).ConfigureAwait(false);
        foreach (var id in fresh)
        {
            _registered.TryAdd((projectId, id), 0);
        }
    }

    /// <summary>
    /// Adds one step's changes to the labelers' shards: statistics as differences from the baseline,
    /// track increments, and one vote per labeler per vote.
    /// </summary>
    internal async Task ApplyAsync(
        string projectId,
        string shardKey,
        IReadOnlyList<LabelerStatisticsState> statistics,
        IReadOnlyList<MachineTrack> tracks,
        IReadOnlyDictionary<string, int> votes,
        CancellationToken cancellationToken,
        IReadOnlyDictionary<string, int>? unsure = null)
    {
        var deltas = new Dictionary<string, Dictionary<string, CapabilityCounts>>(StringComparer.Ordinal);
        foreach (var state in statistics)
        {
            var key = (projectId, state.Labeler, state.Capability);
            // No baseline: the model made this labeler's statistics itself, from zero, since it was loaded (a worker or rule
            // first seen in this process; a load sets a baseline for every stored labeler, and a re-fit that replaces one
            // drops this process's model with it). All of it is this process's to add. Taking the stored sum as the
            // baseline instead replaced what other instances had added for the labeler with this process's counts.
            var baseline = _baseline.TryGetValue(key, out var known) ? known : new double[state.Counts.Length];

            var delta = new double[state.Counts.Length];
            for (var n = 0; n < delta.Length; n++)
            {
                delta[n] = state.Counts[n] - (n < baseline.Length ? baseline[n] : 0.0);
            }

            _baseline[key] = state.Counts.ToArray();
            Of(deltas, state.Labeler)[state.Capability] = new CapabilityCounts(delta, state.UpdatedAt, state.Membership, state.EvidenceAtRefresh);
        }

        var labelers = deltas.Keys.Concat(tracks.Select(t => t.LabelerId)).Concat(votes.Keys).Distinct(StringComparer.Ordinal).ToArray();
        await RegisterAsync(projectId, labelers, cancellationToken).ConfigureAwait(false);
        var shard = StableHash.Bucket(shardKey, _db.Options.StatisticShards);
        // One shard document per labeler, each written on its own: the updates go out together.
        await Task.WhenAll(labelers.Select(async labelerId =>
        {
            var id = ShardId(projectId, labelerId, shard);
            var track = tracks.Where(t => t.LabelerId == labelerId).ToArray();
            var change = new ShardChange(
                deltas.GetValueOrDefault(labelerId) ?? [],
                track.Sum(t => t.Checked),
                track.Sum(t => t.Agreed),
                votes.GetValueOrDefault(labelerId),
                unsure?.GetValueOrDefault(labelerId) ?? 0);
            if (await PatchUpdate.TryApplyAsync<LabelerShard>(_db.Labelers, id, id, change.Operations(), cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            await OptimisticUpdate.ApplyAsync<LabelerShard>(_db.Labelers, id, id, current =>
                change.AddTo(current ?? new LabelerShard(id, projectId, labelerId, new Dictionary<string, CapabilityCounts>(StringComparer.Ordinal), 0, 0, 0)),
                _db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
        })).ConfigureAwait(false);
    }

    /// <summary>
    /// Moves the baselines by what the model took in from another process's stored evidence
    /// (<see cref="Labeling.Application.Ports.ISharedItemStore.Adopted"/>): those counts are in the shards already, so the next
    /// difference this process writes must leave them out.
    /// </summary>
    internal void Rebase(string projectId, IReadOnlyList<(LabelerStatisticsState Before, LabelerStatisticsState After)> changes)
    {
        foreach (var (before, after) in changes)
        {
            var key = (projectId, after.Labeler, after.Capability);
            var baseline = _baseline.TryGetValue(key, out var known) ? known.ToArray() : new double[after.Counts.Length];
            for (var n = 0; n < baseline.Length && n < after.Counts.Length; n++)
            {
                baseline[n] += after.Counts[n] - (n < before.Counts.Length ? before.Counts[n] : 0.0);
            }

            _baseline[key] = baseline;
        }
    }

    /// <summary>Replaces a labeler's statistics with a batch re-fit: the whole value goes to shard 0 and the other shards are emptied.</summary>
    internal async Task ReplaceStatisticsAsync(string projectId, LabelerStatisticsState state, CancellationToken cancellationToken)
    {
        for (var shard = 0; shard < _db.Options.StatisticShards; shard++)
        {
            var id = ShardId(projectId, state.Labeler, shard);
            // The membership goes to shard 0 only, so that it is the newest one a read finds.
            var value = shard == 0
                ? new CapabilityCounts(state.Counts, state.UpdatedAt, state.Membership, state.EvidenceAtRefresh)
                : new CapabilityCounts(new double[state.Counts.Length], state.UpdatedAt);
            await OptimisticUpdate.ApplyAsync<LabelerShard>(_db.Labelers, id, id, current =>
            {
                var doc = current ?? new LabelerShard(id, projectId, state.Labeler, new Dictionary<string, CapabilityCounts>(StringComparer.Ordinal), 0, 0, 0);
                return doc with { Statistics = new Dictionary<string, CapabilityCounts>(doc.Statistics, StringComparer.Ordinal) { [state.Capability] = value } };
            }, _db.Options.MaxConcurrencyRetries, cancellationToken).ConfigureAwait(false);
        }

        _baseline.TryRemove((projectId, state.Labeler, state.Capability), out _);
    }

    /// <summary>Every labeler registered in a project.</summary>
    internal async Task<IReadOnlyList<LabelerEntry>> ListLabelersAsync(string projectId, CancellationToken cancellationToken) =>
        await CosmosDatabase.QueryPartitionAsync<LabelerEntry>(_db.Index, "*", "partition", LabelersPartition(projectId), cancellationToken).ConfigureAwait(false);

    private async Task<List<ItemEvidenceState>> ItemEvidenceAsync(string projectId, CancellationToken cancellationToken)
    {
        var evidence = new ConcurrentBag<ItemEvidenceState>();
        var buckets = Enumerable.Range(0, _db.Options.IndexBuckets).Select(bucket =>
            CosmosDatabase.QueryPartitionAsync<string>(_db.Index, "VALUE c.id", "partition", ItemsPartition(projectId, bucket), cancellationToken));
        var ids = (await Task.WhenAll(buckets).ConfigureAwait(false)).SelectMany(b => b).ToArray();

        await Parallel.ForEachAsync(ids, new ParallelOptions { MaxDegreeOfParallelism = 32, CancellationToken = cancellationToken }, async (itemId, ct) =>
        {
            var key = ItemKey(projectId, itemId);
            if ((await CosmosDatabase.ReadAsync<ItemDoc>(_db.Items, key, key, ct).ConfigureAwait(false)).Document?.Evidence is { } e)
            {
                evidence.Add(e);
            }
        }).ConfigureAwait(false);
        return evidence.OrderBy(e => e.Item, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// A labeler's shards, those that exist: one query naming their ids instead of a point read each (the shards are
    /// separate logical partitions only to spread writes). With optimistic direct execution the client sends it straight
    /// to the container's one physical partition, as a point read goes, with no query plan (which the Cosmos DB server
    /// emulator cannot give); a container split over several asks for the plan and then each partition holding an id.
    /// Every task request of a project that retires mostly-unsure workers counts the worker's votes here: one request, not
    /// <see cref="CosmosOptions.StatisticShards"/>.
    /// </summary>
    private async Task<List<LabelerShard>> ReadShardsAsync(string projectId, string labelerId, CancellationToken cancellationToken)
    {
        var shards = Enumerable.Range(0, _db.Options.StatisticShards).ToArray();
        var query = new QueryDefinition($"SELECT * FROM c WHERE c.id IN ({string.Join(", ", shards.Select(n => "@id" + n.ToString(System.Globalization.CultureInfo.InvariantCulture)))})");
        foreach (var shard in shards)
        {
            query = query.WithParameter("@id" + shard.ToString(System.Globalization.CultureInfo.InvariantCulture), ShardId(projectId, labelerId, shard));
        }

        var results = new List<LabelerShard>();
        using var feed = _db.Labelers.GetItemQueryIterator<LabelerShard>(query, requestOptions: new QueryRequestOptions { EnableOptimisticDirectExecution = true });
        while (feed.HasMoreResults)
        {
            results.AddRange(await feed.ReadNextAsync(cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    private static IEnumerable<LabelerStatisticsState> Sum(string labelerId, IReadOnlyList<LabelerShard> shards) =>
        shards.SelectMany(s => s.Statistics)
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var newest = g.Select(kv => kv.Value).Where(c => c.Membership is not null).MaxBy(c => c.UpdatedAt ?? DateTimeOffset.MinValue);
                return new LabelerStatisticsState(
                    labelerId,
                    g.Key,
                    g.Select(kv => kv.Value.Counts).Aggregate(Add),
                    g.Select(kv => kv.Value.UpdatedAt).Aggregate(Max),
                    newest?.Membership,
                    newest?.EvidenceAtRefresh ?? 0);
            });

    internal static double[] Add(double[] a, double[] b)
    {
        var sum = new double[Math.Max(a.Length, b.Length)];
        for (var n = 0; n < sum.Length; n++)
        {
            sum[n] = (n < a.Length ? a[n] : 0.0) + (n < b.Length ? b[n] : 0.0);
        }

        return sum;
    }

    internal static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : (a > b ? a : b);

    private static Dictionary<string, CapabilityCounts> Of(Dictionary<string, Dictionary<string, CapabilityCounts>> map, string key)
    {
        if (!map.TryGetValue(key, out var value))
        {
            value = new Dictionary<string, CapabilityCounts>(StringComparer.Ordinal);
            map[key] = value;
        }

        return value;
    }
}
