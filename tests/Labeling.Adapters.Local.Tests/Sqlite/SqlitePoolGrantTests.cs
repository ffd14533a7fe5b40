using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Votes;
using Microsoft.Data.Sqlite;

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

    public SqlitePoolGrantTests()
    {
        _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        _items = new SqliteItemStore(_database, TimeProvider.System);
        _leases = new SqliteLeaseStore(_database);
    }

    public void Dispose()
    {
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
