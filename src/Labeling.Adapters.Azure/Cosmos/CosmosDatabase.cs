using System.Net;
using Azure.Core;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Cosmos;

/// <summary>
/// The <c>labeling</c> database and its containers, with keys as <c>infra/app/cosmos.bicep</c> defines them:
/// <c>projects</c>, <c>items</c>, <c>labelers</c>, <c>leases</c> by <c>/id</c>, <c>votes</c> by <c>/itemId</c>,
/// and <c>index</c> by <c>/partition</c> (small, bucketed index entries that make per-project listing a
/// handful of single-partition queries).
/// </summary>
public sealed class CosmosDatabase : IDisposable
{
    // The characters Cosmos DB forbids in a document id.
    private static readonly System.Buffers.SearchValues<char> ForbiddenIdCharacters = System.Buffers.SearchValues.Create("/\\?#");

    private CosmosDatabase(CosmosClient client, CosmosOptions options)
    {
        Client = client;
        Options = options;
        var database = client.GetDatabase(options.Database);
        Projects = database.GetContainer("projects");
        Items = database.GetContainer("items");
        Votes = database.GetContainer("votes");
        Labelers = database.GetContainer("labelers");
        Leases = database.GetContainer("leases");
        Index = database.GetContainer("index");
    }

    /// <summary>The client.</summary>
    public CosmosClient Client { get; }

    /// <summary>The settings.</summary>
    public CosmosOptions Options { get; }

    /// <summary>One document per project (<c>/id</c>).</summary>
    public Container Projects { get; }

    /// <summary>One document per item with its truth-model evidence (<c>/id</c> = <c>{projectId}:{itemId}</c>).</summary>
    public Container Items { get; }

    /// <summary>Votes, all of one item in one partition (<c>/itemId</c> = <c>{projectId}:{itemId}</c>).</summary>
    public Container Votes { get; }

    /// <summary>Sharded labeler statistics and counters (<c>/id</c>).</summary>
    public Container Labelers { get; }

    /// <summary>Task leases, open-lease pointers and idempotency records (<c>/id</c>).</summary>
    public Container Leases { get; }

    /// <summary>Bucketed index entries: items by state, documents, labelers, the outbox (<c>/partition</c>).</summary>
    public Container Index { get; }

    /// <summary>Connects with the managed identity, or with the emulator's connection string.</summary>
    /// <param name="options">The settings.</param>
    /// <param name="credential">The identity.</param>
    /// <returns>The database.</returns>
    public static CosmosDatabase Connect(CosmosOptions options, TokenCredential credential) => Connect(options, credential, []);

    /// <summary>As <see cref="Connect(CosmosOptions, TokenCredential)"/>, with request handlers in the client's pipeline (tests count requests with one).</summary>
    internal static CosmosDatabase Connect(CosmosOptions options, TokenCredential credential, IReadOnlyList<RequestHandler> handlers)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(handlers);
        var clientOptions = new CosmosClientOptions
        {
            Serializer = new CosmosJsonSerializer(),
            ApplicationName = "labeling",
            // Off by default in the GA SDK; on, each operation is an Azure.Cosmos.Operation span that the Functions
            // worker's Application Insights SDK records as a dependency. In Direct mode (Azure) the data-plane calls
            // are TCP, so without it Cosmos DB calls would not appear in AppDependencies at all.
            CosmosClientTelemetryOptions = new CosmosClientTelemetryOptions { DisableDistributedTracing = false },
        };
        foreach (var handler in handlers)
        {
            clientOptions.CustomHandlers.Add(handler);
        }

        if (!string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            if (options.Emulator)
            {
                var endpoint = new Uri(new System.Data.Common.DbConnectionStringBuilder { ConnectionString = options.ConnectionString }["AccountEndpoint"].ToString()!);
                clientOptions.ConnectionMode = ConnectionMode.Gateway;
                clientOptions.LimitToEndpoint = true;
                clientOptions.HttpClientFactory = () => new HttpClient(new HttpClientHandler
                {
                    // The emulator's certificate is self-signed: trust it for the emulator's endpoint only.
                    ServerCertificateCustomValidationCallback = (request, _, _, errors) =>
                        errors == System.Net.Security.SslPolicyErrors.None
                        || (request.RequestUri is { } uri && uri.Host == endpoint.Host && uri.Port == endpoint.Port),
                });
            }

            return new CosmosDatabase(new CosmosClient(options.ConnectionString, clientOptions), options);
        }

        var account = options.Endpoint ?? throw new InvalidOperationException("Cosmos:Endpoint is not set (app setting Cosmos__Endpoint).");
        return new CosmosDatabase(new CosmosClient(account.ToString(), credential, clientOptions), options);
    }

    /// <summary>
    /// The containers: name, partition key path, and the paths their indexing policy includes (every other path is
    /// excluded, but <c>id</c>, which a consistent policy always indexes). Only what a query filters on is indexed:
    /// <c>votes</c> are listed by <c>itemId</c>; <c>index</c> entries are filtered on several fields and keep the default
    /// (<c>/*</c>); the rest are read by id only, so their writes (an item's on every vote) maintain no index of the
    /// document. <c>infra/app/cosmos.bicep</c> declares the same.
    /// </summary>
    /// <remarks>
    /// <c>PerItemTtl</c>: the container has a default ttl of -1, so a document's own <c>ttl</c> applies (delivered outbox
    /// events in <c>index</c>; used leases and stored answers in <c>leases</c>) and the rest stays.
    /// </remarks>
    public static IReadOnlyList<(string Name, string PartitionKeyPath, IReadOnlyList<string> IndexedPaths, bool PerItemTtl)> Containers { get; } =
    [
        ("projects", "/id", [], false),
        ("items", "/id", [], false),
        ("votes", "/itemId", ["/itemId/?"], false),
        ("labelers", "/id", [], false),
        ("leases", "/id", [], true),
        ("index", "/partition", ["/*"], true),
    ];

    /// <summary>Creates the database and containers if missing (emulator and tests; Bicep does this in Azure).</summary>
    /// <param name="cancellationToken">Cancels the calls.</param>
    /// <returns>A task.</returns>
    public async Task EnsureCreatedAsync(CancellationToken cancellationToken)
    {
        var database = (await Client.CreateDatabaseIfNotExistsAsync(Options.Database, cancellationToken: cancellationToken).ConfigureAwait(false)).Database;
        foreach (var (name, key, indexed, perItemTtl) in Containers)
        {
            // Per-item ttl applies only when the container has a default ttl; -1 = none.
            var properties = new ContainerProperties(name, key) { DefaultTimeToLive = perItemTtl ? -1 : null, IndexingPolicy = Indexing(indexed) };
            await database.CreateContainerIfNotExistsAsync(properties, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
    }

    private static IndexingPolicy Indexing(IReadOnlyList<string> indexed)
    {
        var policy = new IndexingPolicy { IndexingMode = IndexingMode.Consistent, Automatic = true };
        foreach (var path in indexed)
        {
            policy.IncludedPaths.Add(new IncludedPath { Path = path });
        }

        // The default policy's exclusion when everything is indexed; otherwise everything not named above.
        policy.ExcludedPaths.Add(new ExcludedPath { Path = indexed.Contains("/*") ? "/\"_etag\"/?" : "/*" });
        return policy;
    }

    /// <summary>Point-reads a document, or returns null (and no ETag) when it does not exist.</summary>
    /// <remarks>
    /// An id holding a character Cosmos DB forbids in ids (<c>/</c>, <c>\</c>, <c>?</c>, <c>#</c>) is not found without a
    /// call: no document has one, and ids come from request paths (<c>GET /api/projects/a%5Cb</c>). The SDK puts an id into
    /// the request's path as it is, where <c>\</c> becomes <c>/</c>: the read addressed another resource or failed with 400,
    /// which the API answered 500 (logged as an unhandled error, event 9001, which the HTTP alert counts) where the local
    /// server answers 404.
    /// </remarks>
    /// <typeparam name="T">The document type.</typeparam>
    /// <param name="container">The container.</param>
    /// <param name="id">The id.</param>
    /// <param name="partitionKey">The partition key value.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The document and its ETag.</returns>
    public static async Task<(T? Document, string? ETag)> ReadAsync<T>(Container container, string id, string partitionKey, CancellationToken cancellationToken)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(container);
        ArgumentNullException.ThrowIfNull(id);
        if (!IsStorableId(id))
        {
            return (null, null);
        }

        try
        {
            var response = await container.ReadItemAsync<T>(id, new PartitionKey(partitionKey), cancellationToken: cancellationToken).ConfigureAwait(false);
            return (response.Resource, response.ETag);
        }
        catch (CosmosException ex) when (ex.StatusCode == HttpStatusCode.NotFound || IsEmulatorMissingDocument(ex))
        {
            return (null, null);
        }
    }

    /// <summary>Deletes a document if it is there (a delete of one already gone succeeds: every purge step may run twice).</summary>
    /// <param name="container">The container.</param>
    /// <param name="id">The id.</param>
    /// <param name="partitionKey">The partition key value.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>A task.</returns>
    public static async Task DeleteIfPresentAsync(Container container, string id, string partitionKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        // The stream call answers a missing document with its status instead of an exception. The emulator answers a delete
        // in a partition that holds nothing with a 500 of its own (as it does a read, IsEmulatorMissingDocument).
        using var response = await container.DeleteItemStreamAsync(id, new PartitionKey(partitionKey), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.NotFound
            && !(response.StatusCode == HttpStatusCode.InternalServerError && (response.ErrorMessage ?? string.Empty).Contains("Cannot read properties of undefined", StringComparison.Ordinal)))
        {
            response.EnsureSuccessStatusCode();
        }
    }

    /// <summary>Whether Cosmos DB could hold a document with this id: none of <c>/</c>, <c>\</c>, <c>?</c>, <c>#</c>.</summary>
    /// <param name="id">The id.</param>
    /// <returns>False for an id no document can have.</returns>
    public static bool IsStorableId(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        return id.AsSpan().IndexOfAny(ForbiddenIdCharacters) < 0;
    }

    // The Cosmos DB server emulator answers a point read of a document in a logical partition that
    // holds no document with a 500 from its JavaScript ("Cannot read properties of undefined"); the
    // service answers 404. The message is the emulator's own, so real service errors still surface.
    private static bool IsEmulatorMissingDocument(CosmosException ex) =>
        ex.StatusCode == HttpStatusCode.InternalServerError
        && ex.Message.Contains("Cannot read properties of undefined", StringComparison.Ordinal);

    /// <summary>Runs a query inside one logical partition and returns every result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="container">The container.</param>
    /// <param name="select">What to select from <c>c</c>, e.g. <c>*</c> or <c>VALUE c.id</c>.</param>
    /// <param name="keyProperty">The partition key's property (<c>partition</c>, <c>itemId</c>).</param>
    /// <param name="partitionKey">The partition the query is confined to.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The results.</returns>
    /// <remarks>
    /// The key is both in the request options (so the service routes to one partition) and in the
    /// WHERE clause (the Cosmos DB server emulator answers "missing partition keys" without it).
    /// </remarks>
    public static Task<List<T>> QueryPartitionAsync<T>(Container container, string select, string keyProperty, string partitionKey, CancellationToken cancellationToken) =>
        QueryAsync<T>(container, new QueryDefinition($"SELECT {select} FROM c WHERE c.{keyProperty} = @pk").WithParameter("@pk", partitionKey), partitionKey, cancellationToken);

    /// <summary>Runs a query inside one logical partition and returns every result.</summary>
    /// <typeparam name="T">The result type.</typeparam>
    /// <param name="container">The container.</param>
    /// <param name="query">The query; its WHERE clause must also name the partition key (see <see cref="QueryPartitionAsync{T}"/>).</param>
    /// <param name="partitionKey">The partition the query is confined to.</param>
    /// <param name="cancellationToken">Cancels the query.</param>
    /// <returns>The results.</returns>
    public static async Task<List<T>> QueryAsync<T>(Container container, QueryDefinition query, string partitionKey, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(container);
        var results = new List<T>();
        using var feed = container.GetItemQueryIterator<T>(query, requestOptions: new QueryRequestOptions { PartitionKey = new PartitionKey(partitionKey) });
        while (feed.HasMoreResults)
        {
            results.AddRange(await feed.ReadNextAsync(cancellationToken).ConfigureAwait(false));
        }

        return results;
    }

    /// <inheritdoc />
    public void Dispose() => Client.Dispose();
}
