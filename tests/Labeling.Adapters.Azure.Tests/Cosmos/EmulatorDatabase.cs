using Labeling.Adapters.Azure.Cosmos;
using Labeling.TestSupport.Emulators;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>A database of its own on the Cosmos DB emulator for one test, with every container created.</summary>
internal static class EmulatorDatabase
{
    /// <summary>Connects to a new database named <paramref name="prefix"/> and a random suffix, and creates its containers.</summary>
    /// <param name="cosmos">The emulator.</param>
    /// <param name="prefix">The start of the database's name, which says which test made it.</param>
    /// <param name="indexBuckets">Index buckets per project (<see cref="CosmosOptions.IndexBuckets"/>); the default when null.</param>
    /// <param name="handler">A request handler for the client's pipeline (one that counts requests), or null.</param>
    /// <returns>The database; dispose it.</returns>
    public static async Task<CosmosDatabase> CreateAsync(CosmosEmulatorFixture cosmos, string prefix, int? indexBuckets = null, RequestHandler? handler = null)
    {
        var options = new CosmosOptions
        {
            ConnectionString = cosmos.ConnectionString,
            Emulator = true,
            Database = prefix + Guid.NewGuid().ToString("N")[..10],
        };
        if (indexBuckets is { } buckets)
        {
            options.IndexBuckets = buckets;
        }

        var db = CosmosDatabase.Connect(options, new global::Azure.Identity.DefaultAzureCredential(), handler is null ? [] : [handler]);
        await db.EnsureCreatedAsync(CancellationToken.None);
        return db;
    }
}
