using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Ports;
using Labeling.TestSupport.Emulators;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>The store contract against the Cosmos stores, on the Cosmos DB server emulator (real wire protocol).</summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosStoreContractTests(CosmosEmulatorFixture cosmos) : StoreContract, IDisposable
{
    private readonly List<CosmosDatabase> _databases = [];

    protected override async Task<StoreSet> CreateAsync()
    {
        var options = new CosmosOptions
        {
            ConnectionString = cosmos.ConnectionString,
            Emulator = true,
            Database = "contract-" + Guid.NewGuid().ToString("N")[..10],
            IndexBuckets = 4,
            StatisticShards = 4,
        };
        var db = Connect(options);
        await db.EnsureCreatedAsync(CancellationToken.None);
        return Open(options, db);
    }

    private StoreSet Open(CosmosOptions options, CosmosDatabase db)
    {
        var labelers = new CosmosLabelerStore(db);
        var items = new CosmosItemStore(db, labelers);
        var projects = new CosmosProjectStore(db, new CosmosOptions());
        return new StoreSet(projects, items, new CosmosLeaseStore(db, items), labelers, new CosmosDocumentStore(db),
            new CosmosEventOutbox(db, [new NamedSink(Webhook), new NamedSink(Jsonl)]),
            () => Open(options, Connect(options)),
            new CosmosProjectPurge(db, projects));
    }

    private CosmosDatabase Connect(CosmosOptions options)
    {
        var db = CosmosDatabase.Connect(options, new global::Azure.Identity.DefaultAzureCredential());
        _databases.Add(db);
        return db;
    }

    public void Dispose()
    {
        foreach (var db in _databases)
        {
            db.Dispose();
        }
    }

    private sealed class NamedSink(string name) : IEventSink
    {
        public string Name => name;

        public Task DeliverAsync(OutboxEvent outboxEvent, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("The contract tests record deliveries directly.");
    }
}
