using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Projects;
using Labeling.Domain.Items;
using Labeling.TestSupport.Emulators;
using Microsoft.Azure.Cosmos;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// A task request reads a few of a bucket's collecting entries, not the whole bucket: what it costs must not grow with the
/// project, and holds at the front of a bucket must not hide the free items behind them. A request handler in the client's
/// pipeline counts the entries the index queries return.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosLeasePoolReadTests(CosmosEmulatorFixture cosmos)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task FindCandidates_BucketOfThreeHundredCollectingItems_ReadsAFewTimesTheCandidatesAskedFor()
    {
        var counter = new QueryItemCounter();
        var (db, leases, project) = await OneBucketAsync(300, counter);
        using (db)
        {
            // The instance's first request reads which items have votes, once (StartedAsync); the next ones do not.
            await leases.FindCandidatesAsync(project, "worker:w0", Now, 8, CancellationToken.None);
            counter.Reset();
            var candidates = await leases.FindCandidatesAsync(project, "worker:w1", Now, 8, CancellationToken.None);

            Assert.Equal(8, candidates.Count);
            Assert.InRange(counter.Returned, 8, CosmosLeaseStore.PoolReadFactor * 8);
        }
    }

    [Fact]
    public async Task FindCandidates_HoldsFillingTheFrontOfTheBucket_StillFindTheFreeItemsBehindThem()
    {
        var (db, leases, project) = await OneBucketAsync(100, null);
        using (db)
        {
            // Forty workers each hold one item (more than a page of four times the eight candidates asked for): every one of
            // them still finds one, and the next worker still finds eight among the sixty left.
            for (var w = 0; w < 40; w++)
            {
                var worker = $"worker:w{w}";
                var candidates = await leases.FindCandidatesAsync(project, worker, Now, 8, CancellationToken.None);
                Assert.True(candidates.Count > 0, $"{worker} found nothing with {100 - w} items free");
                Assert.NotNull(await leases.TryAcquireFirstAsync(
                    [.. candidates.Select((id, i) => new ItemLease($"l{w}_{i}", project, id, worker, Now, Now.AddMinutes(5), null))], Now, CancellationToken.None));
            }

            Assert.Equal(8, (await leases.FindCandidatesAsync(project, "worker:next", Now, 8, CancellationToken.None)).Count);
        }
    }

    // A database whose index has one bucket, holding that many collecting items of the demo project.
    private async Task<(CosmosDatabase Db, CosmosLeaseStore Leases, string Project)> OneBucketAsync(int count, RequestHandler? handler)
    {
        var db = await EmulatorDatabase.CreateAsync(cosmos, "pool-", indexBuckets: 1, handler);
        var items = new CosmosItemStore(db, new CosmosLabelerStore(db));
        var project = DemoProject.Create(Now);
        await items.AddNewAsync([.. Enumerable.Range(0, count).Select(n => new Item(project.Id, $"itm_{n:000}", null, $"row-{n}", null, $"comment {n}", $"hash-{n}",
            ItemState.Collecting, null, null, null, null, null, 0, 0, 0, 1, Now, Now, null))], CancellationToken.None);
        return (db, new CosmosLeaseStore(db, items), project.Id);
    }
}
