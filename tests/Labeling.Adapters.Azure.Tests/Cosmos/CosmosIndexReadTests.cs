using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Projects;
using Labeling.Domain.Items;
using Labeling.TestSupport.Emulators;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// Reads of the project's index that run per request stay small however large the project: counting the items a document
/// brought in (each upload's answer) reads that document's entries, and whether any item is in a state (each 204 a worker
/// gets) reads one entry a bucket at most, and a page of a listing reads the ids after its cursor. A request handler counts
/// what the queries return.
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosIndexReadTests(CosmosEmulatorFixture cosmos)
{
    private static readonly DateTimeOffset Now = DateTimeOffset.UtcNow;

    [Fact]
    public async Task CountFromDocumentAsync_SmallDocumentInALargeProject_ReadsOnlyThatDocumentsEntries()
    {
        var counter = new QueryItemCounter();
        using var db = await EmulatorDatabase.CreateAsync(cosmos, "doccount-", indexBuckets: 4, counter);
        var items = new CosmosItemStore(db, new CosmosLabelerStore(db));
        var project = DemoProject.Create(Now);
        await AddItemsAsync(items, project.Id, 205, n => n < 200 ? "doc_large" : "doc_small");

        counter.Reset();
        Assert.Equal(5, await items.CountFromDocumentAsync(project.Id, "doc_small", CancellationToken.None));
        Assert.Equal(5, counter.Returned);

        Assert.Equal(200, await items.CountFromDocumentAsync(project.Id, "doc_large", CancellationToken.None));
        Assert.Equal(0, await items.CountFromDocumentAsync(project.Id, "doc_none", CancellationToken.None));
    }

    [Fact]
    public async Task AnyInStateAsync_ProjectOfTwoHundredItems_ReadsAtMostOneEntryABucket()
    {
        var counter = new QueryItemCounter();
        using var db = await EmulatorDatabase.CreateAsync(cosmos, "anystate-", indexBuckets: 4, counter);
        var items = new CosmosItemStore(db, new CosmosLabelerStore(db));
        var project = DemoProject.Create(Now);
        await AddItemsAsync(items, project.Id, 200, _ => null);

        counter.Reset();
        Assert.True(await items.AnyInStateAsync(project.Id, ItemState.Collecting, CancellationToken.None));
        Assert.InRange(counter.Returned, 1, 4);
        Assert.False(await items.AnyInStateAsync(project.Id, ItemState.WeakLabeling, CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_PageNearTheEnd_ReadsOnlyTheIdsAfterItsCursor()
    {
        var counter = new QueryItemCounter();
        using var db = await EmulatorDatabase.CreateAsync(cosmos, "list-", indexBuckets: 4, counter);
        var items = new CosmosItemStore(db, new CosmosLabelerStore(db));
        var project = DemoProject.Create(Now);
        await AddItemsAsync(items, project.Id, 200, _ => null);

        counter.Reset();
        var page = await items.ListAsync(project.Id, ItemState.Collecting, "itm_189", 5, CancellationToken.None);

        Assert.Equal(["itm_190", "itm_191", "itm_192", "itm_193", "itm_194"], page.Select(i => i.Id));
        Assert.Equal(10, counter.Returned);
        Assert.Empty(await items.ListAsync(project.Id, ItemState.Decided, null, 5, CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_ItemsThatLeftTheStateSinceTheirEntries_TheNextOnesFillThePage()
    {
        // Items that left the state between the index read and the item read were dropped from the page: a page of three
        // whose items had all moved on came back empty, and a client told "no more" missed the items after them.
        using var db = await EmulatorDatabase.CreateAsync(cosmos, "listmoved-", indexBuckets: 4);
        var items = new CosmosItemStore(db, new CosmosLabelerStore(db));
        var project = DemoProject.Create(Now);
        await AddItemsAsync(items, project.Id, 8, _ => null);
        foreach (var moved in new[] { "itm_000", "itm_001", "itm_002", "itm_004" })
        {
            var key = CosmosDocuments.ItemKey(project.Id, moved);
            await db.Items.PatchItemAsync<object>(key, new Microsoft.Azure.Cosmos.PartitionKey(key),
                [Microsoft.Azure.Cosmos.PatchOperation.Set("/body/state", "decided")]);
        }

        var page = await items.ListAsync(project.Id, ItemState.Collecting, null, 3, CancellationToken.None);

        Assert.Equal(["itm_003", "itm_005", "itm_006"], page.Select(i => i.Id));
        Assert.Equal(["itm_007"], (await items.ListAsync(project.Id, ItemState.Collecting, "itm_006", 3, CancellationToken.None)).Select(i => i.Id));
    }

    // That many collecting items of the project, itm_000 on, each from the document the function names.
    private static Task AddItemsAsync(CosmosItemStore items, string projectId, int count, Func<int, string?> document) =>
        items.AddNewAsync([.. Enumerable.Range(0, count).Select(n => new Item(projectId, $"itm_{n:000}", document(n), $"row-{n}", null,
            $"comment {n}", $"hash-{n}", ItemState.Collecting, null, null, null, null, null, 0, 0, 0, 1, Now, Now, null))], CancellationToken.None);
}
