using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Ports;
using Labeling.TestSupport.Emulators;
using static Labeling.Adapters.Azure.Cosmos.CosmosDocuments;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// The Cosmos outbox on the Cosmos DB server: a dispatch pass reads only what is pending, delivered
/// events leave it with a ttl, dead letters stay without one, and a destination that is not a
/// configured sink still sees every stored event.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosEventOutboxTests(CosmosEmulatorFixture cosmos) : IDisposable
{
    private const string Bus = "servicebus:label-events";
    private static readonly DateTimeOffset T0 = new(2026, 11, 28, 12, 0, 0, TimeSpan.Zero);
    private readonly List<CosmosDatabase> _databases = [];

    [Fact]
    public async Task MarkDeliveredAsync_EventDelivered_LeavesPendingWithTtlAndIsNoLongerDue()
    {
        var (db, outbox) = await CreateAsync();
        await CommitEventsAsync(db, "evt_1", "evt_2");

        await outbox.MarkDeliveredAsync(Bus, "evt_1", T0.AddSeconds(1), CancellationToken.None);

        Assert.Equal(["evt_2"], (await outbox.ReadDueAsync(Bus, T0.AddMinutes(1), 10, CancellationToken.None)).Select(d => d.Event.Id));
        Assert.Equal(["evt_2"], (await Pending(db)).Select(e => e.Id));
        var settled = Assert.Single(await Settled(db));
        Assert.Equal("evt_1", settled.Id);
        Assert.Equal((int)TimeSpan.FromDays(7).TotalSeconds, settled.Ttl);
        Assert.Equal(["evt_1", "evt_2"], (await outbox.ReadDueAsync("audit", T0.AddMinutes(1), 10, CancellationToken.None)).Select(d => d.Event.Id));
    }

    [Fact]
    public async Task MarkFailedAsync_RetryThenGiveUp_DueOnlyAfterRetryAndDeadLetterKeptWithoutTtl()
    {
        var (db, outbox) = await CreateAsync();
        await CommitEventsAsync(db, "evt_1");

        await outbox.MarkFailedAsync(Bus, "evt_1", 1, T0.AddMinutes(5), "timeout", T0, CancellationToken.None);
        Assert.Empty(await outbox.ReadDueAsync(Bus, T0.AddMinutes(1), 10, CancellationToken.None));
        var retry = Assert.Single(await outbox.ReadDueAsync(Bus, T0.AddMinutes(6), 10, CancellationToken.None));
        Assert.Equal(1, retry.Attempts);

        await outbox.MarkFailedAsync(Bus, "evt_1", 2, null, "gone", T0.AddMinutes(6), CancellationToken.None);

        Assert.Empty(await outbox.ReadDueAsync(Bus, T0.AddDays(1), 10, CancellationToken.None));
        Assert.Empty(await Pending(db));
        Assert.Null(Assert.Single(await Settled(db)).Ttl);
        var dead = Assert.Single(await outbox.ListDeadLettersAsync(10, CancellationToken.None));
        Assert.Equal(("evt_1", Bus, 2, "gone"), (dead.EventId, dead.Destination, dead.Attempts, dead.LastError));
    }

    public void Dispose()
    {
        foreach (var db in _databases)
        {
            db.Dispose();
        }
    }

    private async Task<(CosmosDatabase Db, CosmosEventOutbox Outbox)> CreateAsync()
    {
        var options = new CosmosOptions
        {
            ConnectionString = cosmos.ConnectionString,
            Emulator = true,
            Database = "outbox-" + Guid.NewGuid().ToString("N")[..10],
            IndexBuckets = 4,
        };
        var db = CosmosDatabase.Connect(options, new global::Azure.Identity.DefaultAzureCredential());
        _databases.Add(db);
        await db.EnsureCreatedAsync(CancellationToken.None);
        return (db, new CosmosEventOutbox(db, [new NamedSink(Bus)]));
    }

    private static async Task CommitEventsAsync(CosmosDatabase db, params string[] ids)
    {
        var items = new CosmosItemStore(db, new CosmosLabelerStore(db));
        var events = ids.Select((id, n) => new OutboxEvent(id, "p1", "itm_" + id, "label.ready", "{}", T0.AddTicks(n))).ToArray();
        await items.CommitAsync(new ItemCommit("p1") { Events = events }, CancellationToken.None);

        // Committing the same events again (a retried commit) keeps one entry each.
        await items.CommitAsync(new ItemCommit("p1") { Events = events }, CancellationToken.None);
    }

    private static Task<List<OutboxEntry>> Pending(CosmosDatabase db) =>
        CosmosDatabase.QueryPartitionAsync<OutboxEntry>(db.Index, "*", "partition", OutboxPending, CancellationToken.None);

    private static async Task<List<OutboxEntry>> Settled(CosmosDatabase db)
    {
        var all = new List<OutboxEntry>();
        for (var bucket = 0; bucket < db.Options.IndexBuckets; bucket++)
        {
            all.AddRange(await CosmosDatabase.QueryPartitionAsync<OutboxEntry>(db.Index, "*", "partition", OutboxPartition(bucket), CancellationToken.None));
        }

        return all;
    }

    private sealed class NamedSink(string name) : IEventSink
    {
        public string Name => name;

        public Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The outbox tests record deliveries directly.");
    }
}
