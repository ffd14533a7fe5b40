using Labeling.Adapters.Local.Events;
using Labeling.Adapters.Local.Sqlite;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>The store contract against the local host's SQLite stores (the reference behaviour).</summary>
public sealed class SqliteStoreContractTests : StoreContract, IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("labeling-contract-").FullName;

    protected override Task<StoreSet> CreateAsync() => Task.FromResult(Open(Path.Combine(_folder, Guid.NewGuid().ToString("N") + ".db")));

    private static StoreSet Open(string path)
    {
        var db = new SqliteDatabase(path);
        var leases = new SqliteLeaseStore(db);
        return new StoreSet(
            new SqliteProjectStore(db), new SqliteItemStore(db, TimeProvider.System), leases,
            new SqliteLabelerStore(db), new SqliteDocumentStore(db), new SqliteEventOutbox(db), () => Open(path),
            new SqliteProjectPurge(db, leases, TimeProvider.System));
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        Directory.Delete(_folder, recursive: true);
    }
}
