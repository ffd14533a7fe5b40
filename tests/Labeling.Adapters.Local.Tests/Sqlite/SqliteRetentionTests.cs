using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Votes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// Pruning deletes only what nothing reads any more: a used lease (the vote row remembers the worker saw the item), an old
/// idempotent answer, and an event every configured destination has. Skips, pending events and dead letters stay.
/// </summary>
public sealed class SqliteRetentionTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-retention-").FullName;
    private readonly FakeTimeProvider _time = new(At);
    private readonly SqliteDatabase _database;
    private readonly SqliteItemStore _items;
    private readonly SqliteLeaseStore _leases;
    private readonly SqliteRetention _retention;

    public SqliteRetentionTests()
    {
        _database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        _items = new SqliteItemStore(_database, _time);
        _leases = new SqliteLeaseStore(_database);
        _retention = new SqliteRetention(_database);
    }

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task PruneUsedLeasesAsync_DeletesOldUsedLeasesOnly_AndTheWorkerStillNeverGetsTheItemAgain()
    {
        await _items.AddNewAsync([.. new[] { "itm_voted", "itm_skipped", "itm_expired", "itm_recent", "itm_open" }.Select(id => TestItems.Collecting(id, At))], CancellationToken.None);
        var voted = await VoteAsync("itm_voted", "worker:a", "lse_voted", "key-a");
        var skipped = await AcquireAsync("itm_skipped", "worker:a", "lse_skipped", At, At.AddMinutes(5));
        Assert.True(await _leases.ReleaseAsync(skipped!, At, CancellationToken.None));
        Assert.NotNull(await AcquireAsync("itm_expired", "worker:b", "lse_expired", At, At.AddMinutes(5)));

        _time.SetUtcNow(At.AddDays(8));
        var recent = await VoteAsync("itm_recent", "worker:c", "lse_recent", "key-c");
        Assert.NotNull(await AcquireAsync("itm_open", "worker:d", "lse_open", At.AddDays(8), At.AddDays(8).AddMinutes(5)));

        var cutoff = At.AddDays(1);
        Assert.Equal(1, await _retention.PruneUsedLeasesAsync(cutoff, CancellationToken.None));
        Assert.Equal(1, await _retention.PruneIdempotencyRecordsAsync(cutoff, CancellationToken.None));

        Assert.Null(await _leases.GetAsync(voted, CancellationToken.None));
        foreach (var kept in new[] { "lse_skipped", "lse_expired", recent, "lse_open" })
        {
            Assert.NotNull(await _leases.GetAsync(kept, CancellationToken.None));
        }

        var idempotency = new SqliteIdempotencyStore(_database);
        Assert.Null(await idempotency.GetAsync("worker:a", "key-a", CancellationToken.None));
        Assert.NotNull(await idempotency.GetAsync("worker:c", "key-c", CancellationToken.None));

        // Its vote keeps itm_voted from worker:a, its skip keeps itm_skipped, and worker:b's expired lease keeps itm_expired from worker:b.
        var now = At.AddDays(8);
        Assert.DoesNotContain("itm_voted", await _leases.FindCandidatesAsync("p1", "worker:a", now, 10, CancellationToken.None));
        Assert.DoesNotContain("itm_skipped", await _leases.FindCandidatesAsync("p1", "worker:a", now, 10, CancellationToken.None));
        Assert.DoesNotContain("itm_expired", await _leases.FindCandidatesAsync("p1", "worker:b", now, 10, CancellationToken.None));
        Assert.Contains("itm_voted", await _leases.FindCandidatesAsync("p1", "worker:e", now, 10, CancellationToken.None));

        // A second pass finds nothing more.
        Assert.Equal(0, await _retention.PruneUsedLeasesAsync(cutoff, CancellationToken.None));
        Assert.Equal(0, await _retention.PruneIdempotencyRecordsAsync(cutoff, CancellationToken.None));
    }

    [Fact]
    public async Task PruneAsync_MoreRowsThanOneBatch_DeletesThemAllInBatchesAndKeepsTheRest()
    {
        var old = SqliteRetention.BatchSize * 2 + 37;
        var oldTime = SqliteValues.Time(At);
        var newTime = SqliteValues.Time(At.AddDays(10));
        await ExecuteAsync($"""
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {old + 20})
            INSERT INTO leases (id, project_id, item_id, worker_id, created_at, expires_at, completed_at)
            SELECT 'lse_' || i, 'p1', 'itm_' || i, 'worker:a', CASE WHEN i % 7 = 0 THEN {newTime} ELSE {oldTime} END, 0,
                   CASE WHEN i % 7 = 0 THEN {newTime} ELSE {oldTime} END FROM n;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {old + 20})
            INSERT INTO idempotency (caller_id, key, status, body, created_at)
            SELECT 'worker:a', 'key-' || i, 200, 'null', CASE WHEN i % 7 = 0 THEN {newTime} ELSE {oldTime} END FROM n;
            """);
        var kept = (old + 20) / 7;
        var cutoff = At.AddDays(1);

        Assert.Equal(old + 20 - kept, await _retention.PruneUsedLeasesAsync(cutoff, CancellationToken.None));
        Assert.Equal(old + 20 - kept, await _retention.PruneIdempotencyRecordsAsync(cutoff, CancellationToken.None));
        Assert.Equal(kept, await CountAsync("SELECT COUNT(*) FROM leases"));
        Assert.Equal(kept, await CountAsync("SELECT COUNT(*) FROM idempotency"));
        Assert.Equal(0, await CountAsync($"SELECT COUNT(*) FROM leases WHERE completed_at < {SqliteValues.Time(cutoff)}"));
    }

    [Fact]
    public async Task PruneDeliveredEventsAsync_DeletesOldEventsEveryDestinationHas_AndKeepsPendingAndDeadLetters()
    {
        var outbox = new SqliteEventOutbox(_database);
        var later = At.AddDays(8);
        await AddEventsAsync(At, "evt-both", "evt-one", "evt-dead", "evt-pending", "evt-extra", "evt-none");
        await AddEventsAsync(later, "evt-new");
        foreach (var id in new[] { "evt-both", "evt-dead", "evt-extra", "evt-new" })
        {
            await outbox.MarkDeliveredAsync("jsonl", id, At, CancellationToken.None);
        }

        foreach (var id in new[] { "evt-both", "evt-one", "evt-pending", "evt-extra", "evt-new" })
        {
            await outbox.MarkDeliveredAsync("hook", id, At, CancellationToken.None);
        }

        await outbox.MarkFailedAsync("hook", "evt-dead", 12, null, "HTTP 500", At, CancellationToken.None);
        await outbox.MarkFailedAsync("jsonl", "evt-pending", 1, At.AddMinutes(1), "disk full", At, CancellationToken.None);
        // A destination no longer configured had this one too; what counts is that every configured one has it.
        await outbox.MarkDeliveredAsync("old-hook", "evt-extra", At, CancellationToken.None);

        Assert.Equal(2, await _retention.PruneDeliveredEventsAsync(At.AddDays(1), ["jsonl", "hook"], CancellationToken.None));

        Assert.Equal(["evt-dead", "evt-new", "evt-none", "evt-one", "evt-pending"], await IdsAsync("SELECT id FROM outbox ORDER BY id"));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM deliveries WHERE event_id IN ('evt-both', 'evt-extra')"));
        // The events kept keep every delivery row: evt-one's, evt-dead's two, evt-pending's two and evt-new's two.
        Assert.Equal(7, await CountAsync("SELECT COUNT(*) FROM deliveries"));
        Assert.Equal("evt-dead", Assert.Single(await outbox.ListDeadLettersAsync(10, CancellationToken.None)).EventId);
        Assert.Equal(["evt-none", "evt-one", "evt-pending"], (await outbox.ReadDueAsync("jsonl", At.AddMinutes(2), 10, CancellationToken.None)).Select(d => d.Event.Id).Order(StringComparer.Ordinal));

        // With no destination configured, an old event nobody was given goes too (its creation is all that is timed), and
        // so does one a destination no longer configured had; a dead letter and a pending delivery still keep theirs.
        Assert.Equal(2, await _retention.PruneDeliveredEventsAsync(At.AddDays(1), [], CancellationToken.None));
        Assert.Equal(["evt-dead", "evt-new", "evt-pending"], await IdsAsync("SELECT id FROM outbox ORDER BY id"));
    }

    [Fact]
    public async Task PruneDeliveredEventsAsync_MoreThanOneBatch_DeletesThemAll()
    {
        var outbox = new SqliteEventOutbox(_database);
        var ids = Enumerable.Range(0, SqliteRetention.BatchSize + 3).Select(i => $"evt-{i:D4}").ToArray();
        await AddEventsAsync(At, ids);
        foreach (var id in ids.Where((_, i) => i != 100))
        {
            await outbox.MarkDeliveredAsync("jsonl", id, At, CancellationToken.None);
        }

        Assert.Equal(ids.Length - 1, await _retention.PruneDeliveredEventsAsync(At.AddDays(1), ["jsonl"], CancellationToken.None));
        Assert.Equal([ids[100]], await IdsAsync("SELECT id FROM outbox"));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM deliveries"));
    }

    private async Task<string> VoteAsync(string itemId, string workerId, string leaseId, string key)
    {
        var now = _time.GetUtcNow();
        var lease = await AcquireAsync(itemId, workerId, leaseId, now, now.AddMinutes(5))
            ?? throw new InvalidOperationException(itemId);
        var item = await _items.GetAsync("p1", itemId, CancellationToken.None) ?? throw new InvalidOperationException(itemId);
        await _items.CommitAsync(new ItemCommit("p1")
        {
            Items = [new ItemWrite(item with { Revision = item.Revision + 1, CrowdVotes = item.CrowdVotes + 1, CrowdLabels = item.CrowdLabels + 1 }, null)],
            Votes = [new Vote("p1", itemId, workerId, LabelerKind.Worker, "spam", now, lease.Id)],
            CompletedLeaseId = lease.Id,
            Idempotency = new IdempotencyRecord(workerId, key, 200, "{}", now),
        }, CancellationToken.None);
        Assert.NotNull((await _leases.GetAsync(lease.Id, CancellationToken.None))?.CompletedAt);
        return lease.Id;
    }

    private Task<ItemLease?> AcquireAsync(string itemId, string workerId, string leaseId, DateTimeOffset now, DateTimeOffset expires) =>
        _leases.TryAcquireFirstAsync([new ItemLease(leaseId, "p1", itemId, workerId, now, expires, null)], now, CancellationToken.None);

    private Task AddEventsAsync(DateTimeOffset at, params string[] ids) =>
        _items.CommitAsync(new ItemCommit("p1") { Events = [.. ids.Select(id => new OutboxEvent(id, "p1", "itm_" + id, "label.ready", "{}", at))] }, CancellationToken.None);

    private async Task ExecuteAsync(string sql)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<List<string>> IdsAsync(string sql)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        var ids = new List<string>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }
}
