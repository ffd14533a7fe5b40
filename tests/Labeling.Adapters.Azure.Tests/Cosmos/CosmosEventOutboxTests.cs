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
    private const string Hook = "webhook:downstream";
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

    [Fact]
    public async Task ReadDueAsync_BacklogOfThreeHundred_EachPassReadsAboutOneBatch()
    {
        var counter = new QueryItemCounter();
        var (db, outbox) = await CreateAsync(counter, Bus);
        await CommitEventsAsync(db, [.. Enumerable.Range(0, 300).Select(n => $"evt_{n:000}")]);
        var delivered = new HashSet<string>(StringComparer.Ordinal);

        for (var pass = 0; pass < 3; pass++)
        {
            counter.Reset();
            var due = await outbox.ReadDueAsync(Bus, T0.AddMinutes(1), 10, CancellationToken.None);

            Assert.Equal(10, due.Count);
            Assert.InRange(counter.Returned, 10, 20);
            Assert.Equal(due.OrderBy(d => d.Event.CreatedAt).ThenBy(d => d.Event.Id, StringComparer.Ordinal), due);
            foreach (var evt in due)
            {
                Assert.True(delivered.Add(evt.Event.Id), $"{evt.Event.Id} was due again after its delivery");
                await outbox.MarkDeliveredAsync(Bus, evt.Event.Id, T0.AddMinutes(1), CancellationToken.None);
            }
        }

        Assert.Equal(270, (await Pending(db)).Count);
    }

    [Fact]
    public async Task ReadDueAsync_EventsOnlyAnotherSinkStillWaitsFor_AreNotRead()
    {
        var counter = new QueryItemCounter();
        var (db, outbox) = await CreateAsync(counter, Bus, Hook);
        var ids = Enumerable.Range(0, 50).Select(n => $"evt_{n:000}").ToArray();
        await CommitEventsAsync(db, ids);
        foreach (var id in ids)
        {
            await outbox.MarkDeliveredAsync(Bus, id, T0.AddSeconds(1), CancellationToken.None);
        }

        // None of them is sent back (the counter sees what the service returns, not what its query engine looks at).
        counter.Reset();
        Assert.Empty(await outbox.ReadDueAsync(Bus, T0.AddMinutes(1), 10, CancellationToken.None));
        Assert.Equal(0, counter.Returned);

        // The other sink still has all fifty to get; they stay pending for it.
        Assert.Equal(ids, (await outbox.ReadDueAsync(Hook, T0.AddMinutes(1), 100, CancellationToken.None)).Select(d => d.Event.Id).Order(StringComparer.Ordinal));
        Assert.Equal(50, (await Pending(db)).Count);
    }

    [Fact]
    public async Task ReadDueAsync_OldestEventsWaitingForTheirRetry_ReadsOnToFillTheBatch()
    {
        var (db, outbox) = await CreateAsync();
        await CommitEventsAsync(db, [.. Enumerable.Range(0, 30).Select(n => $"evt_{n:000}")]);
        var failed = (await outbox.ReadDueAsync(Bus, T0, 15, CancellationToken.None)).Select(d => d.Event.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var id in failed)
        {
            await outbox.MarkFailedAsync(Bus, id, 1, T0.AddMinutes(5), "503", T0, CancellationToken.None);
        }

        var due = await outbox.ReadDueAsync(Bus, T0.AddMinutes(1), 10, CancellationToken.None);

        Assert.Equal(10, due.Count);
        Assert.DoesNotContain(due, d => failed.Contains(d.Event.Id));
        Assert.Equal(30, (await outbox.ReadDueAsync(Bus, T0.AddMinutes(6), 30, CancellationToken.None)).Count);

        // Requeued after giving up, an event is due again: what its destination has had is worked out anew.
        var first = failed.Order(StringComparer.Ordinal).First();
        await outbox.MarkFailedAsync(Bus, first, 2, null, "gone", T0.AddMinutes(6), CancellationToken.None);
        Assert.DoesNotContain(await outbox.ReadDueAsync(Bus, T0.AddMinutes(7), 30, CancellationToken.None), d => d.Event.Id == first);
        Assert.Equal(1, await outbox.RequeueDeadLettersAsync(Bus, T0.AddMinutes(8), CancellationToken.None));
        Assert.Contains(await outbox.ReadDueAsync(Bus, T0.AddMinutes(8), 30, CancellationToken.None), d => d.Event.Id == first);
    }

    [Fact]
    public async Task ReadDueAsync_RetryDueBehindPagesOfNeverTriedEvents_IsInTheBatchAndTheBacklogIsNotRead()
    {
        // The partition keeps the retry where its last write put it; read as one query, pages of never-tried events in
        // front of it filled the batch and the pass stopped before reaching it (CI, 2026-12-03), for as long as new events came.
        var counter = new QueryItemCounter();
        var (db, outbox) = await CreateAsync(counter, Bus);
        var ids = Enumerable.Range(0, 60).Select(n => $"evt_{n:000}").ToArray();
        await CommitEventsAsync(db, ids);
        foreach (var id in ids.Take(30))
        {
            await outbox.MarkDeliveredAsync(Bus, id, T0, CancellationToken.None);
        }

        await CommitEventsAsync(db, [.. Enumerable.Range(60, 60).Select(n => $"evt_{n:000}")]);
        await outbox.MarkFailedAsync(Bus, "evt_030", 1, T0, "503", T0, CancellationToken.None);
        await outbox.MarkFailedAsync(Bus, "evt_031", 1, T0.AddHours(1), "503", T0, CancellationToken.None);

        counter.Reset();
        var due = await outbox.ReadDueAsync(Bus, T0.AddMinutes(1), 3, CancellationToken.None);

        // The never-tried two are whichever the partition returns first (the order is the service's).
        Assert.Equal(3, due.Count);
        Assert.Equal(("evt_030", 1), (due[0].Event.Id, due[0].Attempts));
        Assert.All(due.Skip(1), d => Assert.Equal(0, d.Attempts));
        Assert.InRange(counter.Returned, 3, 2 + 6);
    }

    [Fact]
    public async Task ReadDueAsync_EntriesWrittenBeforeTriedWasKept_AreStillReadAndSortedOut()
    {
        // Entries of an earlier version have no Tried: a retry among them is still due, and one its destination has had is not.
        var (db, outbox) = await CreateAsync();
        await CommitEventsAsync(db, "evt_1", "evt_2", "evt_3");
        await outbox.MarkFailedAsync(Bus, "evt_1", 1, T0, "503", T0, CancellationToken.None);
        await outbox.MarkDeliveredAsync(Bus, "evt_2", T0, CancellationToken.None);
        foreach (var entry in await Pending(db))
        {
            await db.Index.ReplaceItemAsync(entry with { Tried = null }, entry.Id, new Microsoft.Azure.Cosmos.PartitionKey(OutboxPending));
        }

        var due = await outbox.ReadDueAsync(Bus, T0.AddMinutes(1), 10, CancellationToken.None);

        Assert.Equal([("evt_1", 1), ("evt_3", 0)], due.Select(d => (d.Event.Id, d.Attempts)));
    }

    public void Dispose()
    {
        foreach (var db in _databases)
        {
            db.Dispose();
        }
    }

    private async Task<(CosmosDatabase Db, CosmosEventOutbox Outbox)> CreateAsync(QueryItemCounter? counter = null, params string[] sinks)
    {
        var db = await EmulatorDatabase.CreateAsync(cosmos, "outbox-", indexBuckets: 4, counter);
        _databases.Add(db);
        return (db, new CosmosEventOutbox(db, sinks.Length == 0 ? [new NamedSink(Bus)] : [.. sinks.Select(s => new NamedSink(s))]));
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
