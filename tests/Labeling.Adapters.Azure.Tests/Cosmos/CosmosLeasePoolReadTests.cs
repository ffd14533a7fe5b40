using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Projects;
using Labeling.Domain.Items;
using Labeling.TestSupport.Emulators;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// A task request reads a few of a bucket's collecting entries, not the whole bucket: what it costs must not grow with the
/// project. A request handler in the client's pipeline counts the entries the index queries return.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosLeasePoolReadTests(CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task FindCandidates_BucketOfThreeHundredCollectingItems_ReadsAFewTimesTheCandidatesAskedFor()
    {
        var counter = new QueryItemCounter();
        var options = new CosmosOptions
        {
            ConnectionString = cosmos.ConnectionString,
            Emulator = true,
            Database = "pool-" + Guid.NewGuid().ToString("N")[..10],
            IndexBuckets = 1,
        };
        using var db = CosmosDatabase.Connect(options, new global::Azure.Identity.DefaultAzureCredential(), [counter]);
        await db.EnsureCreatedAsync(CancellationToken.None);
        var items = new CosmosItemStore(db, new CosmosLabelerStore(db));
        var leases = new CosmosLeaseStore(db, items);
        var now = DateTimeOffset.UtcNow;
        var project = DemoProject.Create(now);
        await items.AddNewAsync(Enumerable.Range(0, 300).Select(n => new Item(project.Id, $"itm_{n:000}", null, $"row-{n}", null, $"comment {n}", $"hash-{n}",
            ItemState.Collecting, null, null, null, null, null, 0, 0, 0, 1, now, now, null)).ToArray(), CancellationToken.None);

        // The instance's first request reads which items have votes, once (StartedAsync); the next ones do not.
        await leases.FindCandidatesAsync(project.Id, "worker:w0", now, 8, CancellationToken.None);
        counter.Reset();
        var candidates = await leases.FindCandidatesAsync(project.Id, "worker:w1", now, 8, CancellationToken.None);

        Assert.Equal(8, candidates.Count);
        Assert.InRange(counter.Returned, 8, CosmosLeaseStore.PoolReadFactor * 8);
    }

    [Fact]
    public async Task FindCandidates_HoldsFillingTheFrontOfTheBucket_StillFindTheFreeItemsBehindThem()
    {
        var options = new CosmosOptions
        {
            ConnectionString = cosmos.ConnectionString,
            Emulator = true,
            Database = "holds-" + Guid.NewGuid().ToString("N")[..10],
            IndexBuckets = 1,
        };
        using var db = CosmosDatabase.Connect(options, new global::Azure.Identity.DefaultAzureCredential(), []);
        await db.EnsureCreatedAsync(CancellationToken.None);
        var items = new CosmosItemStore(db, new CosmosLabelerStore(db));
        var leases = new CosmosLeaseStore(db, items);
        var now = DateTimeOffset.UtcNow;
        var project = DemoProject.Create(now);
        await items.AddNewAsync(Enumerable.Range(0, 100).Select(n => new Item(project.Id, $"itm_{n:000}", null, $"row-{n}", null, $"comment {n}", $"hash-{n}",
            ItemState.Collecting, null, null, null, null, null, 0, 0, 0, 1, now, now, null)).ToArray(), CancellationToken.None);

        // Forty workers each hold one item (more than a page of four times the eight candidates asked for): every one of them
        // still finds one, and the next worker still finds eight among the sixty left.
        for (var w = 0; w < 40; w++)
        {
            var worker = $"worker:w{w}";
            var candidates = await leases.FindCandidatesAsync(project.Id, worker, now, 8, CancellationToken.None);
            Assert.True(candidates.Count > 0, $"{worker} found nothing with {100 - w} items free");
            Assert.NotNull(await leases.TryAcquireFirstAsync(
                [.. candidates.Select((id, i) => new ItemLease($"l{w}_{i}", project.Id, id, worker, now, now.AddMinutes(5), null))], now, CancellationToken.None));
        }

        Assert.Equal(8, (await leases.FindCandidatesAsync(project.Id, "worker:next", now, 8, CancellationToken.None)).Count);
    }

    private sealed class QueryItemCounter : RequestHandler
    {
        private int _returned;

        public int Returned => Volatile.Read(ref _returned);

        public void Reset() => Interlocked.Exchange(ref _returned, 0);

        public override async Task<ResponseMessage> SendAsync(RequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            if (request.Headers["x-ms-documentdb-isquery"] is "True" or "true" && response.Headers["x-ms-item-count"] is { } count
                && int.TryParse(count, System.Globalization.CultureInfo.InvariantCulture, out var n))
            {
                Interlocked.Add(ref _returned, n);
            }

            return response;
        }
    }
}
