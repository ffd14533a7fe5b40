using Labeling.Adapters.Local.Sqlite;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.Votes;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// The SQLite side of deleting a project: a write queued after the mark is refused on the writer's turn (a vote or an
/// ingestion that read the project just before the delete adds nothing, no event included), and a purge cut short is
/// still marked after a restart, which finishes it.
/// </summary>
public sealed class SqliteProjectPurgeTests : IDisposable
{
    private static readonly DateTimeOffset At = new(2026, 12, 1, 9, 0, 0, TimeSpan.Zero);
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-purge-").FullName;
    private SqliteDatabase _database;

    public SqliteProjectPurgeTests() => _database = new SqliteDatabase(DatabasePath);

    private string DatabasePath => Path.Combine(_folder, "labeling.db");

    public void Dispose()
    {
        _database.Dispose();
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Commit_QueuedAfterTheMark_IsRefusedWith404_AndWritesNoEvent()
    {
        var (projects, items, purge) = Open();
        await projects.TryCreateAsync(Project("p1"), CancellationToken.None);
        var item = TestItems.Collecting("itm_a", At);
        await items.AddNewAsync([item], CancellationToken.None);

        Assert.True(await purge.MarkDeletedAsync("p1", null, At, CancellationToken.None));

        var evt = new OutboxEvent("itm_a-r2", "p1", "itm_a", "label.ready", "{}", At);
        await Assert.ThrowsAsync<NotFoundException>(() => items.CommitAsync(
            new ItemCommit("p1") { Items = [new ItemWrite(item with { Revision = 2 }, null)], Votes = [new Vote("p1", "itm_a", "worker:w", LabelerKind.Worker, "spam", At, null)], Events = [evt] },
            CancellationToken.None));
        await Assert.ThrowsAsync<NotFoundException>(() => items.AddNewAsync([TestItems.Collecting("itm_b", At)], CancellationToken.None));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM votes"));
        Assert.Equal(1, await CountAsync("SELECT COUNT(*) FROM items"));
    }

    // The task request's grant (the pool's next item, one write) read the project before the mark: it must not hand the worker
    // an item of the deleted project, nor leave a lease row of it.
    [Fact]
    public async Task TryAcquireNext_QueuedAfterTheMark_IsRefusedWith404_AndWritesNoLease()
    {
        var (projects, items, purge) = Open();
        var leases = new SqliteLeaseStore(_database);
        await projects.TryCreateAsync(Project("p1"), CancellationToken.None);
        await items.AddNewAsync([TestItems.Collecting("itm_a", At)], CancellationToken.None);

        Assert.True(await purge.MarkDeletedAsync("p1", null, At, CancellationToken.None));

        await Assert.ThrowsAsync<NotFoundException>(() => leases.TryAcquireNextAsync("p1", "worker:w", "lease-1", At, At.AddMinutes(5), CancellationToken.None));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM leases"));
    }

    // An item read before the delete is held in the process's item cache (SqliteItemCache); the purge must not leave it there,
    // text and all, to be served by a read of the store that the rows no longer back.
    [Fact]
    public async Task PurgeItems_ItemReadBeforeTheDelete_IsNotServedFromMemoryAfterIt()
    {
        var (projects, items, purge) = Open();
        await projects.TryCreateAsync(Project("p1"), CancellationToken.None);
        await items.AddNewAsync([TestItems.Collecting("itm_a", At)], CancellationToken.None);
        Assert.NotNull(await items.GetAsync("p1", "itm_a", CancellationToken.None));

        Assert.True(await purge.MarkDeletedAsync("p1", null, At, CancellationToken.None));
        Assert.Equal(1, await purge.PurgeItemsAsync("p1", 500, CancellationToken.None));
        Assert.True(await purge.FinishAsync("p1", CancellationToken.None));

        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM items"));
        Assert.Null(await items.GetAsync("p1", "itm_a", CancellationToken.None));
        Assert.Equal(0, _database.Items.Count);
    }

    [Fact]
    public async Task Purge_CutShort_IsStillMarkedAfterARestart_AndFinishesThen()
    {
        var (projects, items, purge) = Open();
        await projects.TryCreateAsync(Project("p1"), CancellationToken.None);
        await items.AddNewAsync([.. Enumerable.Range(0, 5).Select(n => TestItems.Collecting($"itm_{n}", At))], CancellationToken.None);
        Assert.True(await purge.MarkDeletedAsync("p1", null, At, CancellationToken.None));
        Assert.Equal(2, await purge.PurgeItemsAsync("p1", 2, CancellationToken.None));

        // The process stops here; a new one opens the same file.
        _database.Dispose();
        _database = new SqliteDatabase(DatabasePath);
        (projects, items, purge) = Open();

        Assert.Null(await projects.GetAsync("p1", CancellationToken.None));
        Assert.Equal(["p1"], await purge.ListDeletedAsync(CancellationToken.None));
        await Assert.ThrowsAsync<NotFoundException>(() => items.AddNewAsync([TestItems.Collecting("itm_late", At)], CancellationToken.None));
        Assert.False(await purge.FinishAsync("p1", CancellationToken.None));
        Assert.Equal(3, await purge.PurgeItemsAsync("p1", 500, CancellationToken.None));
        Assert.True(await purge.FinishAsync("p1", CancellationToken.None));
        Assert.Empty(await purge.ListDeletedAsync(CancellationToken.None));
        Assert.Equal(0, await CountAsync("SELECT COUNT(*) FROM items"));
    }

    private (SqliteProjectStore Projects, SqliteItemStore Items, SqliteProjectPurge Purge) Open() =>
        (new SqliteProjectStore(_database), new SqliteItemStore(_database, TimeProvider.System),
            new SqliteProjectPurge(_database, new SqliteLeaseStore(_database), TimeProvider.System));

    private async Task<long> CountAsync(string sql)
    {
        await using var connection = await _database.OpenAsync(CancellationToken.None);
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static Project Project(string id) =>
        new(id, "Spam", new LabelSchema(TaskKind.SingleLabel, [new LabelDefinition("spam", "Spam"), new LabelDefinition("ham", "Not spam")], "Is it spam?"),
            [], new RoutingSettings(), null, At);
}
