using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Projects;
using Labeling.Domain.Items;
using Labeling.TestSupport.Emulators;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// Many workers asking at once are spread over items of equal votes: in one order for all, they raced for the same first
/// item, and with 96 at once over 200 free started items a review saw 38 given a task and 58 told "no task" (204).
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosLeaseContentionTests(CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task NinetySixWorkersAtOnce_OverTwoHundredFreeStartedItems_EachGetsOne()
    {
        using var db = await EmulatorDatabase.CreateAsync(cosmos, "herd-");
        var time = TimeProvider.System;
        var (items, _, projects, leasing, _) = CosmosInstance.Of(db, time);
        var project = DemoProject.Create(time.GetUtcNow());
        await projects.TryCreateAsync(project, CancellationToken.None);
        var now = time.GetUtcNow();
        await items.AddNewAsync(
            [.. Enumerable.Range(0, 200).Select(i => new Item(project.Id, $"itm_{i:000}", null, $"row-{i}", null, $"text {i}", $"hash-{i}", ItemState.Collecting, null, null, null, null, null, 0, 1, 0, 1, now, now, null))],
            CancellationToken.None);
        await leasing.NextAsync(project.Id, "worker:warm", CancellationToken.None);

        var granted = await Task.WhenAll(Enumerable.Range(0, 96).Select(w => Task.Run(() => leasing.NextAsync(project.Id, $"worker:{w}", CancellationToken.None))));

        Assert.All(granted, Assert.NotNull);
        Assert.Equal(96, granted.Select(g => g!.ItemId).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void TieBreak_IsStablePerWorker_AndDiffersBetweenWorkers()
    {
        var ids = Enumerable.Range(0, 50).Select(i => $"itm_{i:000}").ToArray();
        string[] OrderFor(string worker) => [.. ids.OrderBy(id => CosmosLeaseStore.TieBreak(worker, id))];

        Assert.Equal(OrderFor("worker:a"), OrderFor("worker:a"));
        Assert.NotEqual(OrderFor("worker:a")[0], OrderFor("worker:b")[0]);
    }
}
