using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Sqlite;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Events;

/// <summary>Events leave the outbox only once the commits holding them are on the disk.</summary>
public sealed class SqliteEventOutboxSyncTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-outbox-sync-tests-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task ReadDue_WithEvents_SyncsTheCommitsFirst_AndWithoutNone()
    {
        // With synchronous=NORMAL a power cut can take back the last commits: an event sent out of one of them was a
        // decision the database no longer had, and the decision made again later had the same event id.
        using var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        var outbox = new SqliteEventOutbox(database);

        Assert.Empty(await outbox.ReadDueAsync("jsonl", DateTimeOffset.UtcNow, 10, CancellationToken.None));
        Assert.Equal(0, database.CommitSyncs);

        await OutboxRows.InsertAsync(database, "itm_1-r1");
        var due = await outbox.ReadDueAsync("jsonl", DateTimeOffset.UtcNow, 10, CancellationToken.None);
        Assert.Equal(["itm_1-r1"], due.Select(d => d.Event.Id));
        Assert.Equal(1, database.CommitSyncs);

        await outbox.MarkDeliveredAsync("jsonl", "itm_1-r1", DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Empty(await outbox.ReadDueAsync("jsonl", DateTimeOffset.UtcNow, 10, CancellationToken.None));
        Assert.Equal(1, database.CommitSyncs);
    }

    [Fact]
    public async Task SyncCommits_WithAndWithoutAWalFile_SyncsAndLeavesSqliteWorking()
    {
        var path = Path.Combine(_folder, "labeling.db");
        using (var database = new SqliteDatabase(path))
        {
            await OutboxRows.InsertAsync(database, "itm_1-r1");
            Assert.True(File.Exists(path + "-wal"));

            await database.SyncCommitsAsync(CancellationToken.None);
            await OutboxRows.InsertAsync(database, "itm_2-r1"); // SQLite's own locks survive the WAL opened and closed beside it
            await database.SyncCommitsAsync(CancellationToken.None);

            Assert.Equal(2, database.CommitSyncs);
        }

        SqliteConnection.ClearAllPools();
        Assert.False(File.Exists(path + "-wal")); // a clean stop folds the WAL back and removes it
        using (var reopened = new SqliteDatabase(path))
        {
            await reopened.SyncCommitsAsync(CancellationToken.None);
            Assert.Equal(1, reopened.CommitSyncs);
        }
    }

    [Fact]
    public async Task SyncCommits_ForADatabaseBehindASymbolicLink_SyncsTheWalBesideItsTarget()
    {
        // SQLite keeps the WAL beside the link's target; the sync looked for it beside the link, found none and synced nothing.
        var real = Path.Combine(_folder, "disk2", "labeling.db");
        Directory.CreateDirectory(Path.GetDirectoryName(real)!);
        File.WriteAllBytes(real, []);
        var link = Path.Combine(_folder, "data", "labeling.db");
        Directory.CreateDirectory(Path.GetDirectoryName(link)!);
        File.CreateSymbolicLink(link, real);
        using var database = new SqliteDatabase(link);

        await OutboxRows.InsertAsync(database, "itm_1-r1");

        Assert.Equal(real + "-wal", database.WalPath);
        Assert.True(File.Exists(database.WalPath));
    }

}
