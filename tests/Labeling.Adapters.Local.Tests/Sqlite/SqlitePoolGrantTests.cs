using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Votes;
using Labeling.TestSupport.Logging;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// The one-step grant (<see cref="SqliteLeaseStore.TryAcquireNextAsync"/>) takes the item the candidates query would list first,
/// under the rules of a grant: never an item the worker voted on or skipped, nothing to a worker holding a task.
/// </summary>
public sealed class SqlitePoolGrantTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-next-").FullName;
    private readonly SqliteDatabase _database;
    private readonly SqliteItemStore _items;
    private readonly SqliteLeaseStore _leases;
    private readonly LogCollector _logs = new();

    public SqlitePoolGrantTests()
    {
        _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        _items = new SqliteItemStore(_database, TimeProvider.System);
        _leases = new SqliteLeaseStore(_database, new LoggerFactory([_logs]).CreateLogger<SqliteLeaseStore>());
    }

    public void Dispose()
    {
        _logs.Dispose();
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task TryAcquireNextAsync_GrantsTheFirstCandidateAndNothingToAWorkerHoldingATask()
    {
        await _items.AddNewAsync([Item("itm_a"), Item("itm_b"), Item("itm_c")], CancellationToken.None);
        await VoteAsync("itm_b", "worker:x");
        var expected = (await _leases.FindCandidatesAsync("p1", "worker:a", At, 1, CancellationToken.None)).Single();
        Assert.Equal("itm_b", expected);

        var lease = await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_1", At, At.AddMinutes(5), CancellationToken.None);

        Assert.Equal(new ItemLease("lse_1", "p1", "itm_b", "worker:a", At, At.AddMinutes(5), null), lease);
        Assert.Equal(lease, await _leases.FindOpenAsync("p1", "worker:a", At, CancellationToken.None));
        Assert.True(await _leases.IsHeldAsync("p1", "itm_b", At, CancellationToken.None));

        // Holding a task, the worker gets no second one, and the refused lease is written nowhere.
        Assert.Null(await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_2", At, At.AddMinutes(5), CancellationToken.None));
        Assert.Null(await _leases.GetAsync("lse_2", CancellationToken.None));
        Assert.Equal(["itm_a", "itm_c"], await _leases.FindCandidatesAsync("p1", "worker:y", At, 10, CancellationToken.None));
    }

    [Fact]
    public async Task TryAcquireNextAsync_ItemsVotedOnSkippedOrHeld_AreNeverGranted()
    {
        await _items.AddNewAsync([Item("itm_a"), Item("itm_b"), Item("itm_c"), Item("itm_d")], CancellationToken.None);
        await VoteAsync("itm_a", "worker:a");

        // itm_a comes first (most voted) but worker:a voted on it; it skips itm_b.
        var skipped = await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_a1", At, At.AddMinutes(5), CancellationToken.None);
        Assert.Equal("itm_b", skipped?.ItemId);
        Assert.True(await _leases.ReleaseAsync(skipped!, At, CancellationToken.None));
        Assert.Equal("itm_a", (await _leases.TryAcquireNextAsync("p1", "worker:b", "lse_b1", At, At.AddMinutes(5), CancellationToken.None))?.ItemId);

        // Voted on itm_a, skipped itm_b: itm_c, then itm_d, then nothing is left for worker:a.
        foreach (var (lease, item) in new[] { ("lse_a2", "itm_c"), ("lse_a3", "itm_d") })
        {
            var next = await _leases.TryAcquireNextAsync("p1", "worker:a", lease, At, At.AddMinutes(5), CancellationToken.None);
            Assert.Equal(item, next?.ItemId);
            Assert.True(await _leases.ReleaseAsync(next!, At, CancellationToken.None));
        }

        Assert.Null(await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_a4", At, At.AddMinutes(5), CancellationToken.None));

        // worker:b let its lease on itm_a expire: the item is free for a worker who has not seen it, and not offered to worker:b again.
        var later = At.AddMinutes(6);
        Assert.Equal("itm_a", (await _leases.TryAcquireNextAsync("p1", "worker:c", "lse_c1", later, later.AddMinutes(5), CancellationToken.None))?.ItemId);
        Assert.Equal("itm_b", (await _leases.TryAcquireNextAsync("p1", "worker:b", "lse_b2", later, later.AddMinutes(5), CancellationToken.None))?.ItemId);
    }

    [Fact]
    public async Task TryAcquireNextAsync_WorkersAtOnce_EachGetsADifferentItem()
    {
        var ids = Enumerable.Range(0, 6).Select(n => $"itm_{n}").ToArray();
        await _items.AddNewAsync(ids.Select(Item).ToArray(), CancellationToken.None);

        var grants = await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() =>
            _leases.TryAcquireNextAsync("p1", $"worker:{w}", $"lse_{w}", At, At.AddMinutes(5), CancellationToken.None))));

        Assert.Equal(6, grants.Count(g => g is not null));
        Assert.Equal(6, grants.Where(g => g is not null).Select(g => g!.ItemId).Distinct().Count());
        Assert.Empty(await _leases.FindCandidatesAsync("p1", "worker:9", At, 10, CancellationToken.None));
    }

    [Fact]
    public async Task TryAcquireNextAsync_ItemNotCollecting_IsNotGranted()
    {
        await _items.AddNewAsync([Item("itm_a") with { State = ItemState.NeedsReview }, Item("itm_b") with { State = ItemState.WeakLabeling }], CancellationToken.None);

        Assert.Null(await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_1", At, At.AddMinutes(5), CancellationToken.None));
        Assert.Null(await _leases.GetAsync("lse_1", CancellationToken.None));
    }

    [Fact]
    public async Task TryAcquireNextAsync_WorkerWhoReleasedManyItems_GetsEachOtherItemOnce_ThenNothing_ThenANewItem()
    {
        // Past FarWalkReleases releases the worker's next item is looked for on a read connection and granted in a second
        // step; the items it is offered are the same, in the same order, and it still gets no second task while it holds one.
        var total = SqliteLeaseStore.FarWalkReleases + 4;
        var ids = Enumerable.Range(0, total).Select(n => $"itm_{n:D4}").ToArray();
        await _items.AddNewAsync(ids.Select(Item).ToArray(), CancellationToken.None);
        var offered = new List<string>();
        for (var n = 0; n < total; n++)
        {
            var lease = await _leases.TryAcquireNextAsync("p1", "worker:a", $"lse_a{n}", At, At.AddMinutes(5), CancellationToken.None);
            Assert.NotNull(lease);
            offered.Add(lease.ItemId);
            if (n == total - 1)
            {
                Assert.Null(await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_second", At, At.AddMinutes(5), CancellationToken.None));
                Assert.Null(await _leases.GetAsync("lse_second", CancellationToken.None));
            }

            Assert.True(await _leases.ReleaseAsync(lease, At, CancellationToken.None));
        }

        Assert.Equal(ids, offered);
        var far = Assert.Single(_logs.Records, r => r.EventId.Id == 1012);
        Assert.Equal("worker:a", far.State["WorkerId"]);
        Assert.Equal("p1", far.State["ProjectId"]);

        // Everything seen: nothing now, and nothing once others' leases end; an item entering the pool is offered at once.
        Assert.Null(await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_none", At, At.AddMinutes(5), CancellationToken.None));
        Assert.Empty(await _leases.FindCandidatesAsync("p1", "worker:a", At.AddHours(1), 1, CancellationToken.None));
        await _items.AddNewAsync([Item("itm_new")], CancellationToken.None);
        Assert.Equal(["itm_new"], await _leases.FindCandidatesAsync("p1", "worker:a", At, 8, CancellationToken.None));
        Assert.Equal("itm_new", (await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_new", At, At.AddMinutes(5), CancellationToken.None))?.ItemId);
        Assert.Equal(ids[0], (await _leases.TryAcquireNextAsync("p1", "worker:b", "lse_b", At, At.AddMinutes(5), CancellationToken.None))?.ItemId);
    }

    [Fact]
    public async Task TryAcquireNextAsync_WorkerPastFarWalkReleases_GoesOnAfterItsLastItem_ThenComesBackForThoseItPassed()
    {
        var n = SqliteLeaseStore.FarWalkReleases;
        var ids = Enumerable.Range(0, n + 4).Select(i => $"itm_{i:D4}").ToArray();
        await _items.AddNewAsync(ids.Select(Item).ToArray(), CancellationToken.None);
        for (var i = 0; i <= n; i++)
        {
            var skip = await _leases.TryAcquireNextAsync("p1", "worker:a", $"lse_a{i}", At, At.AddMinutes(5), CancellationToken.None);
            Assert.Equal(ids[i], skip?.ItemId);
            Assert.True(await _leases.ReleaseAsync(skip!, At, CancellationToken.None));
        }

        // Behind the worker's last item (ids[n]): ids[n + 3] moves to the front of the pool (a vote), and ids[n + 1] is held.
        await VoteAsync(ids[n + 3], "worker:x");
        var held = await _leases.TryAcquireNextAsync("p1", "worker:b", "lse_b", At, At.AddMinutes(5), CancellationToken.None);
        Assert.Equal(ids[n + 3], held?.ItemId);
        Assert.True(await _leases.ReleaseAsync(held!, At, CancellationToken.None));
        Assert.True(await _leases.TryAcquireAsync(new ItemLease("lse_b2", "p1", ids[n + 1], "worker:b", At, At.AddMinutes(5), null), At, CancellationToken.None));

        // The search goes on after ids[n], passing the held item; with nothing after it, it starts from the front again.
        var offered = new List<string?>();
        for (var i = 0; i < 2; i++)
        {
            var next = await _leases.TryAcquireNextAsync("p1", "worker:a", $"lse_c{i}", At, At.AddMinutes(5), CancellationToken.None);
            offered.Add(next?.ItemId);
            Assert.True(await _leases.ReleaseAsync(next!, At, CancellationToken.None));
        }

        Assert.Equal([ids[n + 2], ids[n + 3]], offered);

        // Only the held item is left: not now; once it is free, it is offered.
        Assert.Null(await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_d", At, At.AddMinutes(5), CancellationToken.None));
        Assert.Equal([ids[n + 1]], await _leases.FindCandidatesAsync("p1", "worker:a", At.AddMinutes(10), 8, CancellationToken.None));
        Assert.True(await _leases.ReleaseAsync(new ItemLease("lse_b2", "p1", ids[n + 1], "worker:b", At, At.AddMinutes(5), null), At, CancellationToken.None));
        Assert.Equal(ids[n + 1], (await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_e", At, At.AddMinutes(5), CancellationToken.None))?.ItemId);
    }

    [Fact]
    public async Task TryAcquireNextAsync_WorkerPastFarWalkReleasesWhoVotes_GetsTheFrontOfThePool_NotTheItemAfterItsLast()
    {
        // A worker who once skipped FarWalkReleases items and now votes: its releases are never counted down, so it stays off
        // the writer, but its next item is still the one the pool puts first (FindCandidatesAsync), as for any other worker.
        var n = SqliteLeaseStore.FarWalkReleases;
        var ids = Enumerable.Range(0, n + 3).Select(i => $"itm_{i:D4}").ToArray();
        await _items.AddNewAsync(ids.Select(Item).ToArray(), CancellationToken.None);
        for (var i = 0; i < n; i++)
        {
            var skip = await _leases.TryAcquireNextAsync("p1", "worker:a", $"lse_a{i}", At, At.AddMinutes(5), CancellationToken.None);
            Assert.True(await _leases.ReleaseAsync(skip!, At, CancellationToken.None));
        }

        var voted = await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_vote", At, At.AddMinutes(5), CancellationToken.None);
        Assert.Equal(ids[n], voted?.ItemId);
        await VoteOnLeaseAsync(voted!);

        // Another worker's vote puts ids[n + 2] one vote from the front; ids[n + 1] comes after the worker's last item.
        await VoteAsync(ids[n + 2], "worker:x");
        Assert.Equal(ids[n + 2], (await _leases.FindCandidatesAsync("p1", "worker:a", At, 1, CancellationToken.None)).Single());

        var next = await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_next", At, At.AddMinutes(5), CancellationToken.None);

        Assert.Equal(ids[n + 2], next?.ItemId);
    }

    [Fact]
    public async Task FindCandidatesAsync_WorkerWhoHasSeenEveryItem_IsAnsweredFromTheCountOfPoolEntries_UntilAnItemReturnsToThePool()
    {
        var ids = Enumerable.Range(0, SqliteLeaseStore.FarWalkReleases).Select(n => $"itm_{n:D4}").ToArray();
        await _items.AddNewAsync([.. ids.Select(Item), Item("itm_done") with { State = ItemState.Decided }], CancellationToken.None);
        for (var n = 0; n < ids.Length; n++)
        {
            var lease = await _leases.TryAcquireNextAsync("p1", "worker:a", $"lse_a{n}", At, At.AddMinutes(5), CancellationToken.None);
            Assert.True(await _leases.ReleaseAsync(lease!, At, CancellationToken.None));
        }

        Assert.Null(await _leases.TryAcquireNextAsync("p1", "worker:a", "lse_none", At, At.AddMinutes(5), CancellationToken.None));

        // Nothing takes back a skip (released leases are kept for ever); deleted behind the store's back, the skip still counts
        // while no item enters the pool: the answer is the remembered one, not a new walk past the worker's items.
        await ExecuteAsync("DELETE FROM leases WHERE item_id = 'itm_0000' AND worker_id = 'worker:a'");
        Assert.Empty(await _leases.FindCandidatesAsync("p1", "worker:a", At, 8, CancellationToken.None));

        // A decided item coming back to the pool (a re-fit re-opens it) is an entry: the worker is looked for again.
        await ExecuteAsync("UPDATE items SET state = 'collecting' WHERE id = 'itm_done'");
        Assert.Equal(["itm_0000", "itm_done"], await _leases.FindCandidatesAsync("p1", "worker:a", At, 8, CancellationToken.None));
    }

    [Fact]
    public async Task PoolEntries_CountItemsInsertedCollectingOrChangedToIt_NotItemsThatStayOrLeave()
    {
        await _items.AddNewAsync([Item("itm_a"), Item("itm_b"), Item("itm_c") with { State = ItemState.WeakLabeling }], CancellationToken.None);
        Assert.Equal(2, await EntriesAsync());
        await VoteAsync("itm_a", "worker:x");
        await ExecuteAsync("UPDATE items SET state = 'decided' WHERE id = 'itm_b'");
        Assert.Equal(2, await EntriesAsync());
        await ExecuteAsync("UPDATE items SET state = 'collecting' WHERE id IN ('itm_b', 'itm_c')");
        Assert.Equal(4, await EntriesAsync());
    }

    private async Task<long> EntriesAsync()
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "labeling.db")}");
        await connection.OpenAsync();
        await using var read = connection.CreateCommand();
        read.CommandText = "SELECT entries FROM pool_entries WHERE project_id = 'p1'";
        return (long)(await read.ExecuteScalarAsync())!;
    }

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={Path.Combine(_folder, "labeling.db")}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        Assert.True(await command.ExecuteNonQueryAsync() > 0);
    }

    // The worker's vote on its lease, as VoteRecording commits it: the lease used and the item let go with the vote.
    private async Task VoteOnLeaseAsync(ItemLease lease)
    {
        var item = await _items.GetAsync("p1", lease.ItemId, CancellationToken.None) ?? throw new InvalidOperationException(lease.ItemId);
        await _items.CommitAsync(new ItemCommit("p1")
        {
            Items = [new ItemWrite(item with { Revision = item.Revision + 1, CrowdVotes = item.CrowdVotes + 1, CrowdLabels = item.CrowdLabels + 1 }, null)],
            Votes = [new Vote("p1", lease.ItemId, lease.WorkerId, LabelerKind.Worker, "spam", At, lease.Id)],
            CompletedLeaseId = lease.Id,
        }, CancellationToken.None);
    }

    // A crowd vote as a vote's commit writes it: the item's vote count (which orders the pool) and the vote row.
    private async Task VoteAsync(string itemId, string workerId)
    {
        var item = await _items.GetAsync("p1", itemId, CancellationToken.None) ?? throw new InvalidOperationException(itemId);
        await _items.CommitAsync(new ItemCommit("p1")
        {
            Items = [new ItemWrite(item with { Revision = item.Revision + 1, CrowdVotes = item.CrowdVotes + 1, CrowdLabels = item.CrowdLabels + 1 }, null)],
            Votes = [new Vote("p1", itemId, workerId, LabelerKind.Worker, "spam", At, null)],
        }, CancellationToken.None);
    }

    private static Item Item(string id) => TestItems.Collecting(id, At);
}
