using Labeling.Adapters.Local.Sqlite;
using Labeling.Domain.Items;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// The leases a vote reads from memory (<see cref="SqliteGrantedLeases"/>) are exactly what the database holds: a grant
/// whose transaction fails is not served, and leases left to expire do not pile up.
/// </summary>
public sealed class SqliteGrantedLeasesTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 29, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-granted-").FullName;
    private readonly SqliteDatabase _database;

    public SqliteGrantedLeasesTests() => _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task GetAsync_AGrantWhoseTransactionFailedAsAWhole_IsNotFound()
    {
        await _database.InitializeAsync(CancellationToken.None);
        var items = new SqliteItemStore(_database, TimeProvider.System);
        var leases = new SqliteLeaseStore(_database);
        await items.AddNewAsync([Item("itm_a"), Item("itm_b")], CancellationToken.None);
        var saved = new ItemLease("lse_saved", "p1", "itm_a", "worker:a", At, At.AddMinutes(5), null);
        Assert.Equal("lse_saved", (await leases.TryAcquireFirstAsync([saved], At, CancellationToken.None))?.Id);

        // Hold the writer so that the next grant and a write that rolls the whole transaction back share one batch. The
        // holding write must be running (its batch taken) before they are queued: a fixed 200 ms wait left it to the writer
        // loop, which a busy machine may not have scheduled by then; it would take all three in one batch, and the rollback
        // would fail the holding write with them.
        using var hold = new ManualResetEventSlim();
        var running = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var holding = _database.WriteAsync(_ =>
        {
            running.TrySetResult();
            return hold.Wait(TimeSpan.FromSeconds(30));
        }, CancellationToken.None);
        await running.Task.WaitAsync(TimeSpan.FromSeconds(30));
        var lost = new ItemLease("lse_lost", "p1", "itm_b", "worker:b", At, At.AddMinutes(5), null);
        var grant = leases.TryAcquireFirstAsync([lost], At, CancellationToken.None);
        var sabotage = _database.WriteAsync(write => write.Prepared("ROLLBACK").ExecuteNonQuery(), CancellationToken.None);
        hold.Set();
        await holding;

        await Assert.ThrowsAnyAsync<InvalidOperationException>(() => grant);
        await Assert.ThrowsAnyAsync<Exception>(() => sabotage);
        Assert.Null(await leases.GetAsync("lse_lost", CancellationToken.None));
        Assert.Null(await leases.FindOpenAsync("p1", "worker:b", At, CancellationToken.None));
        Assert.Equal("lse_saved", (await leases.GetAsync("lse_saved", CancellationToken.None))?.Id);
    }

    [Fact]
    public void Remember_MoreThanTheSweepLimit_DropsTheExpiredAndKeepsTheOpen()
    {
        var granted = new SqliteGrantedLeases();
        for (var i = 0; i < SqliteGrantedLeases.SweepAbove; i++)
        {
            granted.Remember(new ItemLease($"lse_old{i}", "p1", $"itm_{i}", "worker:a", At, At.AddMinutes(5), null), At);
        }

        var later = At.AddMinutes(10);
        var open = new ItemLease("lse_new", "p1", "itm_new", "worker:b", later, later.AddMinutes(5), null);
        granted.Remember(open, later);

        Assert.Equal(1, granted.Count);
        Assert.True(granted.TryGet("lse_new", out var kept));
        Assert.Same(open, kept);
        Assert.False(granted.TryGet("lse_old0", out _));
    }

    private static Item Item(string id) => TestItems.Collecting(id, At);
}
