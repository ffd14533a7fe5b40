using System.Diagnostics;
using Labeling.Adapters.Local.Sqlite;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// A database the server cannot write is refused before the host starts, naming the file and what to do: it failed the
/// host's start with SQLite's "database is locked" and a stack trace (exit 134) once the demo project was written.
/// </summary>
public sealed class SqliteAvailabilityTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-available-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task CheckWritable_AnotherProgramHoldsTheWriteLock_WaitsThenNamesTheFileAndTheLock()
    {
        var path = Path.Combine(_folder, "labeling.db");
        await using var other = await HoldWriteLockAsync(path, "INSERT INTO projects (id, body, created_at) VALUES ('held', '{}', 0);");

        using var database = new SqliteDatabase(path);
        var clock = Stopwatch.StartNew();
        var refused = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => database.CheckWritableAsync(TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.True(clock.Elapsed >= TimeSpan.FromSeconds(0.9), $"gave up after {clock.Elapsed} instead of waiting for the lock");
        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("locked by another program", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CheckWritable_LockReleasedWhileWaiting_Succeeds()
    {
        var path = Path.Combine(_folder, "labeling.db");
        var other = await HoldWriteLockAsync(path);

        _ = Task.Delay(TimeSpan.FromMilliseconds(500)).ContinueWith(_ => other.Dispose(), TaskScheduler.Default);
        using var database = new SqliteDatabase(path);

        await database.CheckWritableAsync(TimeSpan.FromSeconds(10), CancellationToken.None);
    }

    [Fact]
    public async Task CheckWritable_FileIsNotADatabase_SaysSoAndNamesTheFile()
    {
        var path = Path.Combine(_folder, "labeling.db");
        await File.WriteAllTextAsync(path, new string('x', 4096));
        using var database = new SqliteDatabase(path);

        var refused = await Assert.ThrowsAsync<DatabaseUnavailableException>(() => database.CheckWritableAsync(TimeSpan.FromSeconds(1), CancellationToken.None));

        Assert.Contains(path, refused.Message, StringComparison.Ordinal);
        Assert.Contains("not a database", refused.Message, StringComparison.Ordinal);
    }

    // A database made by the server, then a connection of "another program" holding its write lock (and whatever it wrote).
    private static async Task<SqliteConnection> HoldWriteLockAsync(string path, string then = "")
    {
        using (var first = new SqliteDatabase(path))
        {
            await first.InitializeAsync(CancellationToken.None);
        }

        var other = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        await other.OpenAsync();
        await using var begin = other.CreateCommand();
        begin.CommandText = "BEGIN EXCLUSIVE; " + then;
        await begin.ExecuteNonQueryAsync();
        return other;
    }
}
