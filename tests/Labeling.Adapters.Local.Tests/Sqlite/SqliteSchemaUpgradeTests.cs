using Labeling.Adapters.Local.Sqlite;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>A data folder written by an earlier version opens and keeps its data.</summary>
public sealed class SqliteSchemaUpgradeTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-upgrade-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task InitializeAsync_LeasesTableWithoutReleasedAt_AddsTheColumnAndKeepsLeases()
    {
        var path = Path.Combine(_folder, "labeling.db");
        await ExecuteAsync(path, """
            CREATE TABLE leases (id TEXT PRIMARY KEY, project_id TEXT NOT NULL, item_id TEXT NOT NULL, worker_id TEXT NOT NULL,
                created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, completed_at INTEGER);
            INSERT INTO leases VALUES ('lse_old', 'p1', 'itm_a', 'worker:alice', 0, 300000, 1000);
            """);

        var lease = await new SqliteLeaseStore(new SqliteDatabase(path)).GetAsync("lse_old", CancellationToken.None);

        Assert.Equal("worker:alice", lease?.WorkerId);
        Assert.NotNull(lease?.CompletedAt);
        Assert.Null(lease?.ReleasedAt);
    }

    private static async Task ExecuteAsync(string path, string sql)
    {
        await using var connection = new SqliteConnection($"Data Source={path}");
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        await command.ExecuteNonQueryAsync();
    }
}
