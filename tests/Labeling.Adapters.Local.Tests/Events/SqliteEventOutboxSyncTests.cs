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
        Assert.Equal(0, await SyncsAsync(database));

        await InsertEventAsync(database, "itm_1-r1");
        var due = await outbox.ReadDueAsync("jsonl", DateTimeOffset.UtcNow, 10, CancellationToken.None);
        Assert.Equal(["itm_1-r1"], due.Select(d => d.Event.Id));
        Assert.Equal(1, await SyncsAsync(database));

        await outbox.MarkDeliveredAsync("jsonl", "itm_1-r1", DateTimeOffset.UtcNow, CancellationToken.None);
        Assert.Empty(await outbox.ReadDueAsync("jsonl", DateTimeOffset.UtcNow, 10, CancellationToken.None));
        Assert.Equal(1, await SyncsAsync(database));
    }

    [Fact]
    public async Task SyncCommits_LeavesTheWriterAsItWas_ForGroupCommitsAndWrites()
    {
        using var database = new SqliteDatabase(Path.Combine(_folder, "labeling.db"));
        await database.SyncCommitsAsync(CancellationToken.None);
        await database.SyncCommitsAsync(CancellationToken.None);

        var written = await database.WriteAsync(
            write =>
            {
                using var insert = write.Command("INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ('itm_2-r1', 'p', 'itm_2', 'label.ready', '{}', 0)");
                return insert.ExecuteNonQuery();
            },
            CancellationToken.None);
        await using (var write = await database.BeginWriteAsync(CancellationToken.None))
        {
            await using var synchronous = write.Command("PRAGMA synchronous");
            Assert.Equal(1L, await synchronous.ExecuteScalarAsync()); // NORMAL, as every other commit
            await write.CommitAsync(CancellationToken.None);
        }

        Assert.Equal(1, written);
        Assert.Equal(2, await SyncsAsync(database));
    }

    private static async Task<long> SyncsAsync(SqliteDatabase database)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var count = connection.CreateCommand();
        count.CommandText = "SELECT COALESCE(MAX(syncs), 0) FROM sync_marks";
        return (long)(await count.ExecuteScalarAsync())!;
    }

    private static async Task InsertEventAsync(SqliteDatabase database, string id)
    {
        await using var connection = await database.OpenAsync(CancellationToken.None);
        await using var insert = connection.CreateCommand();
        insert.CommandText = "INSERT INTO outbox (id, project_id, item_id, type, payload, created_at) VALUES ($id, 'p', 'itm', 'label.ready', '{}', 0)";
        insert.Parameters.AddWithValue("$id", id);
        await insert.ExecuteNonQueryAsync();
    }
}
