using System.ComponentModel.DataAnnotations;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>The Cosmos DB for NoSQL account holding projects, items, votes, labelers and leases. Bound from the <c>Cosmos</c> section.</summary>
public sealed class CosmosOptions
{
    /// <summary>The configuration section these options bind from.</summary>
    public const string SectionName = "Cosmos";

    /// <summary>The account endpoint, used with the managed identity, e.g. <c>https://cosmos-labeling.documents.azure.com:443/</c>.</summary>
    public Uri? Endpoint { get; set; }

    /// <summary>A connection string, for the local Cosmos emulator only. When set it wins over <see cref="Endpoint"/>.</summary>
    public string? ConnectionString { get; set; }

    /// <summary>
    /// Trust the emulator's self-signed certificate (for <see cref="ConnectionString"/>'s endpoint only) and
    /// talk to it in gateway mode. Never set in Azure. Default false.
    /// </summary>
    public bool Emulator { get; set; }

    /// <summary>The database. Default <c>labeling</c>, as <c>infra/app/cosmos.bicep</c> creates it.</summary>
    [Required(AllowEmptyStrings = false)]
    public string Database { get; set; } = "labeling";

    /// <summary>Create the database and containers at start (emulator and tests; Bicep creates them in Azure). Default false.</summary>
    public bool CreateIfMissing { get; set; }

    /// <summary>
    /// Shards per machine labeler's statistics and per project counter: writes spread over this many
    /// documents (one logical partition each) and reads sum them. Default 8.
    /// </summary>
    [Range(1, 256)]
    public int StatisticShards { get; set; } = 8;

    /// <summary>Buckets of a project's item index; each is one logical partition of the <c>index</c> container. Default 16.</summary>
    [Range(1, 1024)]
    public int IndexBuckets { get; set; } = 16;

    /// <summary>
    /// How long an outbox event stays after every sink received it (its <c>ttl</c>; the <c>index</c> container
    /// has <c>defaultTtl = -1</c> so that per-item ttl applies). Dead letters do not expire. Default 7 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "365.00:00:00")]
    public TimeSpan DeliveredEventRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a lease document stays after its vote (its <c>ttl</c>, set when the vote completes it; the <c>leases</c>
    /// container has <c>defaultTtl = -1</c>). The vote itself remembers who voted on what and skips live in the item's
    /// index entry, so a used lease is read only by a late retry of its vote, answered 404 once it is gone (as on the local
    /// server, <c>Retention:UsedLeases</c>). Default 7 days.
    /// </summary>
    [Range(typeof(TimeSpan), "00:01:00", "3650.00:00:00")]
    public TimeSpan UsedLeaseRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long the answer to a request sent with an <c>Idempotency-Key</c> is kept for a retry with that key (its <c>ttl</c>);
    /// after it the key may be used again. Default 7 days, at least 1 hour (a retry comes within minutes), as on the local
    /// server (<c>Retention:IdempotencyKeys</c>).
    /// </summary>
    [Range(typeof(TimeSpan), "01:00:00", "3650.00:00:00")]
    public TimeSpan IdempotencyRetention { get; set; } = TimeSpan.FromDays(7);

    /// <summary>
    /// How long a process serves a project it read from memory before reading it again: every task request and vote
    /// reads its project, and a change made through another instance (<c>PATCH /api/projects/{id}</c>) reaches this one
    /// within this long. Default 30 seconds; <c>00:00:00</c> reads the project on every use (one point read each).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan ProjectRefresh { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts of an ETag-guarded read-modify-write before giving up. Default 50.</summary>
    [Range(1, 1000)]
    public int MaxConcurrencyRetries { get; set; } = 50;
}
