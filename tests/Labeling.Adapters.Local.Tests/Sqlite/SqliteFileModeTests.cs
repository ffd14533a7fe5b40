using System.Runtime.Versioning;
using Labeling.Adapters.Local.Sqlite;
using Microsoft.Data.Sqlite;

namespace Labeling.Adapters.Local.Tests.Sqlite;

/// <summary>
/// The database holds every text, label and vote: it is created for its owner only, with its WAL, also in a data folder
/// the user made readable by others (a newcomer's read of the README found it 0644 there).
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class SqliteFileModeTests : IDisposable
{
    private const UnixFileMode OwnerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-mode-").FullName;

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }

    [UnixFact]
    public async Task Initialize_NewDatabaseInAFolderOthersMayRead_IsOwnerOnlyWithItsWal()
    {
        const UnixFileMode open = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute;
        var data = Directory.CreateDirectory(Path.Combine(_folder, "shared"), open).FullName;
        var path = Path.Combine(data, "labeling.db");
        using var database = new SqliteDatabase(path);

        await database.InitializeAsync(CancellationToken.None);
        await using (var connection = await database.OpenAsync(CancellationToken.None))
        await using (var write = connection.CreateCommand())
        {
            write.CommandText = "INSERT INTO projects (id, body, created_at) VALUES ('p', '{}', 0)";
            await write.ExecuteNonQueryAsync();
        }

        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path));
        Assert.Equal(OwnerOnly, File.GetUnixFileMode(path + "-wal"));
        Assert.Equal(open, File.GetUnixFileMode(data));
    }

    [UnixFact]
    public async Task Initialize_ExistingDatabase_KeepsItsMode()
    {
        var path = Path.Combine(_folder, "labeling.db");
        using (var first = new SqliteDatabase(path))
        {
            await first.InitializeAsync(CancellationToken.None);
        }

        SqliteConnection.ClearAllPools();
        const UnixFileMode group = OwnerOnly | UnixFileMode.GroupRead;
        File.SetUnixFileMode(path, group);
        using var again = new SqliteDatabase(path);

        await again.InitializeAsync(CancellationToken.None);

        Assert.Equal(group, File.GetUnixFileMode(path));
    }
}
