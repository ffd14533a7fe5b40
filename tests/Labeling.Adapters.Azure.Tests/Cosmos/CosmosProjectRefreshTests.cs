using Labeling.Adapters.Azure.Cosmos;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.TestSupport.Emulators;

namespace Labeling.Adapters.Azure.Tests.Cosmos;

/// <summary>
/// A project changed through one instance of the Functions app reaches the others: each keeps its projects in memory
/// for <see cref="CosmosOptions.ProjectRefresh"/> and then reads them again (Cosmos DB server emulator).
/// </summary>
[Collection(CosmosCollection.Name)]
public sealed class CosmosProjectRefreshTests(CosmosEmulatorFixture cosmos) : IAsyncLifetime
{
    private readonly SettableClock _clock = new(new DateTimeOffset(2026, 12, 1, 12, 0, 0, TimeSpan.Zero));
    private CosmosDatabase? _db;

    public async Task InitializeAsync()
    {
        _db = CosmosDatabase.Connect(
            new CosmosOptions { ConnectionString = cosmos.ConnectionString, Emulator = true, Database = "refresh-" + Guid.NewGuid().ToString("N")[..10] },
            new global::Azure.Identity.DefaultAzureCredential());
        await _db.EnsureCreatedAsync(CancellationToken.None);
    }

    public Task DisposeAsync()
    {
        _db?.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task AProjectThisInstanceDeleted_IsNotServedAgain_ByAReadThatSawTheDocumentBeforeTheMark()
    {
        // The deleting instance forgets the project as it marks it; a task request's read of the project document that
        // began just before the mark ends after it, with the document as it was. It put the project back in memory, and
        // this instance served the deleted project for the refresh period (a review).
        var store = new CosmosProjectStore(_db!, new CosmosOptions { ProjectRefresh = TimeSpan.FromSeconds(30) }, _clock);
        var project = new Project(
            "forgotten", "Forgotten", new LabelSchema(TaskKind.SingleLabel, [new LabelDefinition("spam", ""), new LabelDefinition("ham", "")], ""),
            [], new RoutingSettings(), null, _clock.GetUtcNow());
        Assert.True(await store.TryCreateAsync(project, CancellationToken.None));
        Assert.NotNull(await store.GetAsync("forgotten", CancellationToken.None));

        // The mark's forgetting, with the document still unmarked: what a read that raced it found.
        store.Forget("forgotten");

        Assert.Null(await store.GetCurrentAsync("forgotten", CancellationToken.None));
        Assert.Null(await store.GetAsync("forgotten", CancellationToken.None));
        Assert.DoesNotContain(await store.ListAsync(CancellationToken.None), p => p.Id == "forgotten");
    }

    [Fact]
    public async Task AChangeThroughAnotherInstance_IsServedOnceTheRefreshPeriodHasPassed_NeverAnOlderVersionAfterIt()
    {
        var options = new CosmosOptions { ProjectRefresh = TimeSpan.FromSeconds(30) };
        var here = new CosmosProjectStore(_db!, options, _clock);
        var there = new CosmosProjectStore(_db!, options, _clock);
        var project = new Project(
            "refresh", "Refresh", new LabelSchema(TaskKind.SingleLabel, [new LabelDefinition("spam", ""), new LabelDefinition("ham", "")], ""),
            [], new RoutingSettings(), null, _clock.GetUtcNow());
        Assert.True(await here.TryCreateAsync(project, CancellationToken.None));
        Assert.Equal(1, (await here.GetAsync("refresh", CancellationToken.None))!.Version);

        Assert.True(await there.TryReplaceAsync(project with { Routing = new RoutingSettings { VoteBudget = 10 }, Version = 2 }, CancellationToken.None));
        Assert.Equal(2, (await there.GetAsync("refresh", CancellationToken.None))!.Version);

        // Within the period this instance serves what it read; the current version is read past it.
        _clock.Advance(TimeSpan.FromSeconds(29));
        Assert.Equal(1, (await here.GetAsync("refresh", CancellationToken.None))!.Version);
        Assert.Equal(2, (await here.GetCurrentAsync("refresh", CancellationToken.None))!.Version);
        Assert.Equal(10, (await here.GetAsync("refresh", CancellationToken.None))!.Routing.VoteBudget);

        var other = new CosmosProjectStore(_db!, options, _clock);
        Assert.Equal(2, (await other.GetAsync("refresh", CancellationToken.None))!.Version);
        Assert.True(await there.TryReplaceAsync(project with { Routing = new RoutingSettings { VoteBudget = 20 }, Version = 3 }, CancellationToken.None));
        Assert.Equal(10, (await other.GetAsync("refresh", CancellationToken.None))!.Routing.VoteBudget);
        _clock.Advance(TimeSpan.FromSeconds(31));
        var refreshed = await other.GetAsync("refresh", CancellationToken.None);
        Assert.Equal((3, 20L), (refreshed!.Version, refreshed.Routing.VoteBudget));
    }

    [Fact]
    public async Task RefreshZero_ReadsTheProjectOnEveryUse()
    {
        var here = new CosmosProjectStore(_db!, new CosmosOptions { ProjectRefresh = TimeSpan.Zero }, _clock);
        var there = new CosmosProjectStore(_db!, new CosmosOptions(), _clock);
        var project = new Project(
            "every-use", "Every use", new LabelSchema(TaskKind.SingleLabel, [new LabelDefinition("a", ""), new LabelDefinition("b", "")], ""),
            [], new RoutingSettings(), null, _clock.GetUtcNow());
        Assert.True(await there.TryCreateAsync(project, CancellationToken.None));
        Assert.Equal(1, (await here.GetAsync("every-use", CancellationToken.None))!.Version);

        Assert.True(await there.TryReplaceAsync(project with { Name = "Changed", Version = 2 }, CancellationToken.None));

        Assert.Equal("Changed", (await here.GetAsync("every-use", CancellationToken.None))!.Name);
    }

    private sealed class SettableClock(DateTimeOffset start) : TimeProvider
    {
        private DateTimeOffset _now = start;

        public override DateTimeOffset GetUtcNow() => _now;

        public void Advance(TimeSpan by) => _now += by;
    }
}
