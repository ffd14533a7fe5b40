using Labeling.Adapters.Azure.Cosmos;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Domain.Items;
using Labeling.Domain.TruthInference;
using Labeling.TestSupport.Emulators;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// Loading a project's truth model from Cosmos DB: after an instance died inside a commit (the item, the commit point, names a
/// voter whose statistics and registry entry were never written, and the load must still give a state the model takes), and
/// after a re-fit (its class counts' correction comes with the load, on every instance).
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosTruthStateLoadTests(CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task LoadTruthState_AfterReFits_HasEachCapabilitysLastClassCountsCorrection_OnAnotherInstanceToo()
    {
        using var db = await EmulatorDatabase.CreateAsync(cosmos, "classes-");
        var labelers = new CosmosLabelerStore(db);
        Assert.Null((await labelers.LoadTruthStateAsync("p1", ["spam", "ham"], CancellationToken.None)).ClassCounts);

        await labelers.MarkStatisticsReplacedAsync("p1", new ClassCountsState("", [3.5, -3.5]), CancellationToken.None);
        await labelers.MarkStatisticsReplacedAsync("p1", new ClassCountsState("other", [1.0, -1.0]), CancellationToken.None);
        await labelers.MarkStatisticsReplacedAsync("p1", new ClassCountsState("", [-2.0, 2.0]), CancellationToken.None);

        var state = await new CosmosLabelerStore(db).LoadTruthStateAsync("p1", ["spam", "ham"], CancellationToken.None);
        Assert.Equal([-2.0, 2.0], state.ClassCounts!.Single(c => c.Capability == "").Offset);
        Assert.Equal([1.0, -1.0], state.ClassCounts!.Single(c => c.Capability == "other").Offset);
        Assert.Null((await labelers.LoadTruthStateAsync("p2", ["spam", "ham"], CancellationToken.None)).ClassCounts);
    }

    [Fact]
    public async Task LoadTruthState_ItemNamesAVoterWithoutStatistics_LoadsWithThatVoterAtZero()
    {
        using var db = await EmulatorDatabase.CreateAsync(cosmos, "load-");
        var labelers = new CosmosLabelerStore(db);
        var items = new CosmosItemStore(db, labelers);
        var now = DateTimeOffset.UtcNow;
        var project = DemoProject.Create(now);
        var item = new Item(project.Id, "itm_1", null, "row-1", null, "a comment", "hash-1", ItemState.Collecting, null, null, null, null, null, 0, 0, 0, 1, now, now, null);
        await items.AddNewAsync([item], CancellationToken.None);

        // Step 2 of a commit without its step 3: the item's new version and evidence, no vote, statistics or registry entry.
        var evidence = new ItemEvidenceState("itm_1", project.Capability, null,
            [new VoteEvidenceState("worker:ghost", 1, now), new VoteEvidenceState("worker:ann", 1, now)], [0.2, 0.8]);
        await items.CommitAsync(new ItemCommit(project.Id)
        {
            Items = [new ItemWrite(item with { Revision = 2, CrowdVotes = 2, CrowdLabels = 2 }, evidence)],
        }, CancellationToken.None);

        var state = await labelers.LoadTruthStateAsync(project.Id, project.Schema.Names, CancellationToken.None);

        var model = OnlineDawidSkene.FromState(state);
        Assert.All(["worker:ghost", "worker:ann"], id => Assert.All(model.Statistics(id, project.Capability)!.ToState().Counts, c => Assert.Equal(0.0, c)));
        Assert.Equal([0.2, 0.8], model.ItemState("itm_1")!.Posterior!);
    }
}
