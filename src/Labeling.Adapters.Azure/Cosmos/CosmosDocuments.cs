using System.Globalization;
using Labeling.Application.Ports;
using Labeling.Domain.Documents;
using Labeling.Domain.Items;
using Labeling.Domain.Projects;
using Labeling.Domain.TruthInference;
using Labeling.Domain.Votes;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>The stored document shapes. Ids never contain '/', '\', '?' or '#' (Cosmos forbids them).</summary>
internal static class CosmosDocuments
{
    public static string ItemKey(string projectId, string itemId) => $"{projectId}:{itemId}";

    public static string ItemBucket(string projectId, string itemId, int buckets) => ItemsPartition(projectId, StableHash.Bucket(itemId, buckets));

    public static string ItemsPartition(string projectId, int bucket) => string.Create(CultureInfo.InvariantCulture, $"{projectId}:items:{bucket}");

    public static string DocumentsPartition(string projectId) => $"{projectId}:documents";

    public static string LabelersPartition(string projectId) => $"{projectId}:labelers";

    public const string ProjectsPartition = "projects";

    public static string OutboxPartition(int bucket) => string.Create(CultureInfo.InvariantCulture, $"outbox:{bucket}");

    public const string OutboxPending = "outbox:pending";

    public static string ShardId(string projectId, string labelerId, int shard) => string.Create(CultureInfo.InvariantCulture, $"{projectId}:{labelerId}:{shard}");

    public static string CounterId(string projectId) => $"{projectId}:counter";

    public static string StatisticsMarkId(string projectId) => $"{projectId}:statistics-mark";

    /// <summary>
    /// A project. <c>DeletedAt</c>: marked deleted (<see cref="CosmosProjectPurge"/>), so it reads as missing;
    /// <c>PurgedAt</c>: its data is gone. The document stays, keeping the id from being used again.
    /// </summary>
    public sealed record ProjectDoc(string Id, Project Body, DateTimeOffset? DeletedAt = null, DateTimeOffset? PurgedAt = null);

    public sealed record ProjectEntry(string Id, string Partition);

    /// <summary>
    /// An item with its evidence. <c>Voters</c>: every labeler with a vote on the item, written with each version (a vote is
    /// created after the version that lists its labeler), so a commit can check "no vote yet" on the version it replaces
    /// instead of reading the vote; null on documents written before the list (or by an older build), whose votes are read.
    /// </summary>
    public sealed record ItemDoc(string Id, Item Body, ItemEvidenceState? Evidence, string[]? Voters = null);

    /// <summary>
    /// An item's index entry: what listing, counting and leasing need, without the text. <c>Skippers</c>
    /// are workers who released the item or let their hold expire (null on entries written before skips).
    /// <c>ETag</c> is the stored version's <c>_etag</c> as a query returns it (never written: null is omitted,
    /// and the service sets its own).
    /// </summary>
    public sealed record ItemEntry(
        string Id,
        string Partition,
        ItemState State,
        string? DocumentId,
        int CrowdVotes,
        string[] Voters,
        string? HeldBy,
        DateTimeOffset? HeldUntil,
        string[]? Skippers = null,
        [property: System.Text.Json.Serialization.JsonPropertyName("_etag")] string? ETag = null,
        long? Revision = null)
    {
        /// <summary>Whether the worker voted on the item or skipped it; an own hold that expired counts as a skip.</summary>
        public bool IsDoneBy(string workerId, DateTimeOffset now) =>
            Voters.Contains(workerId, StringComparer.Ordinal)
            || (Skippers?.Contains(workerId, StringComparer.Ordinal) ?? false)
            || (HeldBy == workerId && HeldUntil is { } until && until <= now);

        /// <summary>The entry with the worker remembered as a skipper.</summary>
        public ItemEntry SkippedBy(string workerId) =>
            Skippers?.Contains(workerId, StringComparer.Ordinal) ?? false ? this : this with { Skippers = [.. Skippers ?? [], workerId] };
    }

    public sealed record VoteDoc(string Id, string ItemId, Vote Body);

    public sealed record DocumentEntry(string Id, string Partition, Document Body);

    public sealed record LabelerEntry(string Id, string Partition, string Kind);

    /// <summary>One shard of a labeler's statistics (per capability), track record, vote count and "unsure" answers (0 in shards written before they were counted).</summary>
    public sealed record LabelerShard(
        string Id,
        string ProjectId,
        string LabelerId,
        Dictionary<string, CapabilityCounts> Statistics,
        long Checked,
        long Agreed,
        long Votes,
        long Unsure = 0);

    /// <summary>
    /// A shard's share of one capability's counts (added up over the shards), and the labeler's community
    /// membership as of <c>UpdatedAt</c> (not additive: the shard written last holds the current one).
    /// </summary>
    public sealed record CapabilityCounts(double[] Counts, DateTimeOffset? UpdatedAt, double[]? Membership = null, double EvidenceAtRefresh = 0);

    /// <summary>
    /// The mark a re-fit leaves when it replaces a project's statistics (a new one each time), and when; with the class
    /// counts' corrections it re-fitted (<see cref="ClassCountsState"/>), which a model load reads from it.
    /// </summary>
    public sealed record StatisticsMark(string Id, string Mark, DateTimeOffset At, ClassCountsState[]? ClassCounts = null);

    /// <summary>A project's vote counters, moved by atomic patch increments.</summary>
    public sealed record ProjectCounter(string Id, long CrowdVotes, long MachineVotes);

    public sealed record LeaseDoc(string Id, ItemLease Body);

    public sealed record OpenLeaseDoc(string Id, string LeaseId);

    /// <summary>A stored answer; <c>Ttl</c> (seconds) is <see cref="CosmosOptions.IdempotencyRetention"/>.</summary>
    public sealed record IdempotencyDoc(string Id, IdempotencyRecord Body, int? Ttl = null);

    /// <summary>
    /// An outbox event and its deliveries per destination. <c>Settled</c>: every configured sink has it or gave
    /// up; <c>Ttl</c> (seconds, Cosmos's per-item time to live) is set on settled entries without dead letters.
    /// <c>Done</c>: the destinations whose delivery is over (made or dead), and <c>Tried</c>: the destinations
    /// with a delivery at all (tried, or requeued), kept with <c>Deliveries</c> by <see cref="WithDeliveries"/>,
    /// so a dispatch pass's queries read a destination's retries and its never-tried events apart and leave out
    /// what it has had (a property path named by a destination cannot be a query parameter; an array element can).
    /// </summary>
    public sealed record OutboxEntry(string Id, string Partition, OutboxEvent Body, Dictionary<string, Delivery> Deliveries, bool? Settled = null, int? Ttl = null, string[]? Done = null, string[]? Tried = null)
    {
        /// <summary>This entry with <paramref name="deliveries"/>, and <c>Done</c> and <c>Tried</c> made from them.</summary>
        /// <param name="deliveries">The deliveries per destination.</param>
        /// <returns>The entry.</returns>
        public OutboxEntry WithDeliveries(Dictionary<string, Delivery> deliveries) => this with
        {
            Deliveries = deliveries,
            Done = [.. deliveries.Where(d => d.Value.IsOver).Select(d => d.Key).Order(StringComparer.Ordinal)],
            Tried = [.. deliveries.Keys.Order(StringComparer.Ordinal)],
        };
    }

    /// <summary>One destination's delivery of an outbox event.</summary>
    /// <param name="Attempts">Failed attempts.</param>
    /// <param name="DeliveredAt">When it was made.</param>
    /// <param name="RetryAt">When a failed one is due again.</param>
    /// <param name="LastError">The last failure.</param>
    /// <param name="DeadAt">When it was given up.</param>
    public sealed record Delivery(int Attempts, DateTimeOffset? DeliveredAt, DateTimeOffset? RetryAt, string? LastError, DateTimeOffset? DeadAt)
    {
        /// <summary>Made or given up: nothing more is tried.</summary>
        [System.Text.Json.Serialization.JsonIgnore]
        public bool IsOver => DeliveredAt is not null || DeadAt is not null;
    }
}
