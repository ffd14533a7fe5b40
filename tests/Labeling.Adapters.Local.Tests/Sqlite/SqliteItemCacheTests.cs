using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Votes;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// Items served from memory (<see cref="SqliteItemCache"/>) are never older than the database: a newer revision is never
/// replaced by an older one, an offer from before the cache was emptied is dropped, and the store serves what it saved.
/// </summary>
public sealed class SqliteItemCacheTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-items-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public void Offer_OlderRevisionAfterNewer_KeepsTheNewer()
    {
        var cache = new SqliteItemCache();
        var epoch = cache.Epoch;

        cache.Offer(Item("itm_a", revision: 3), epoch);
        cache.Offer(Item("itm_a", revision: 2), epoch);

        Assert.True(cache.TryGet("p1", "itm_a", out var held));
        Assert.Equal(3, held.Revision);
        cache.Offer(Item("itm_a", revision: 4), epoch);
        Assert.True(cache.TryGet("p1", "itm_a", out held));
        Assert.Equal(4, held.Revision);
        Assert.False(cache.TryGet("p2", "itm_a", out _));
    }

    [Fact]
    public void Offer_ReadBeforeTheCacheWasEmptied_IsDropped()
    {
        var cache = new SqliteItemCache();

        // A read of revision 1 starts; meanwhile revision 2 is saved and offered, then the cache is emptied by a full offer.
        var readStarted = cache.Epoch;
        cache.Offer(Item("itm_a", revision: 2), cache.Epoch);
        for (var i = 0; i < SqliteItemCache.Capacity; i++)
        {
            cache.Offer(Item($"itm_fill{i}", revision: 1), cache.Epoch);
        }

        Assert.NotEqual(readStarted, cache.Epoch);
        Assert.Equal(0, cache.Count);

        // Revision 1, the read's, would now be served although revision 2 is saved: it is not held.
        cache.Offer(Item("itm_a", revision: 1), readStarted);
        Assert.False(cache.TryGet("p1", "itm_a", out _));
        cache.Offer(Item("itm_a", revision: 2), cache.Epoch);
        Assert.True(cache.TryGet("p1", "itm_a", out var held));
        Assert.Equal(2, held.Revision);
    }

    [Fact]
    public async Task GetAsync_AfterCommitsAndGrants_ReadsWhatIsSaved()
    {
        using var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        await database.InitializeAsync(CancellationToken.None);
        var items = new SqliteItemStore(database, TimeProvider.System);
        var leases = new SqliteLeaseStore(database);
        await items.AddNewAsync([Item("itm_a", revision: 1)], CancellationToken.None);

        var granted = await leases.TryAcquireNextAsync("p1", "worker:a", "lse_1", At, At.AddMinutes(5), CancellationToken.None);
        Assert.Equal("itm_a", granted?.ItemId);
        Assert.Equal(1, database.Items.Count);
        Assert.Equal(1, (await items.GetAsync("p1", "itm_a", CancellationToken.None))?.Revision);

        await items.CommitAsync(new ItemCommit("p1")
        {
            Items = [new ItemWrite(Item("itm_a", revision: 2) with { CrowdVotes = 1, CrowdLabels = 1 }, null)],
            Votes = [new Vote("p1", "itm_a", "worker:a", LabelerKind.Worker, "spam", At, "lse_1")],
            CompletedLeaseId = "lse_1",
        }, CancellationToken.None);
        var read = await items.GetAsync("p1", "itm_a", CancellationToken.None);
        Assert.Equal(2, read?.Revision);
        Assert.Equal(1, read?.CrowdVotes);

        // A commit refused by its revision guard changes nothing, here or in the database.
        await Assert.ThrowsAnyAsync<Exception>(() => items.CommitAsync(
            new ItemCommit("p1") { Items = [new ItemWrite(Item("itm_a", revision: 2) with { Text = "stale" }, null)] }, CancellationToken.None));
        Assert.Equal("text of itm_a", (await items.GetAsync("p1", "itm_a", CancellationToken.None))?.Text);
        using var restarted = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        var fromFile = await new SqliteItemStore(restarted, TimeProvider.System).GetAsync("p1", "itm_a", CancellationToken.None);
        Assert.Equal(read, fromFile);
    }

    private static Item Item(string id, long revision) => TestItems.Collecting(id, At, revision);
}
