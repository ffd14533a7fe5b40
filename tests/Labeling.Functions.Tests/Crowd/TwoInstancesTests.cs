using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.Truth;
using Labeling.Domain.Labelers;
using Labeling.Domain.TruthInference;
using Labeling.Functions.Tests.Hosting;
using Labeling.TestSupport.Emulators;
using Microsoft.Extensions.DependencyInjection;

namespace Labeling.Functions.Tests.Crowd;

/// <summary>
/// Two Functions instances on one Cosmos DB database, each with the truth model it loaded (on Flex Consumption the HTTP API,
/// the weak-labeling queue and the timers run on instances of their own). Votes taken on each, on models loaded before the
/// other's votes, must all stay in the item's stored evidence, and the labelers' stored statistics must be what that evidence
/// adds up to: nothing dropped, nothing counted twice.
/// </summary>
[Collection(EmulatorCollection.Name)]
public sealed class TwoInstancesTests(AzuriteFixture azurite, CosmosEmulatorFixture cosmos)
{
    [Fact]
    public async Task Votes_OnTwoInstancesWithModelsLoadedBeforeEachOthersVotes_AllStayInTheEvidenceAndTheStatisticsAddUp()
    {
        await using var a = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var first = await a.CollectingDemoItemAsync();
        var second = await a.CollectingDemoItemAsync();
        // B loads the project's model now: it knows both items, without a vote, and none of the workers below.
        await using var b = await SecondInstanceAsync(a);

        // Which item each lease gives depends on the instance's view of the pool; the votes are checked wherever they went.
        var cast = new List<(string Item, string Vote)>
        {
            (await a.LeaseAndVoteAsync("ann", "ham"), "worker:ann=1"),     // on A
            (await b.LeaseAndVoteAsync("bob", "ham"), "worker:bob=1"),     // on B, whose model has not seen ann's vote
            (await a.LeaseAndVoteAsync("carl", "spam"), "worker:carl=0"),  // on A, whose model has not seen bob's
            (await b.LeaseAndVoteAsync("ann", "spam"), "worker:ann=0"),    // ann's first vote on B, which made her statistics itself
            (await b.LeaseAndVoteAsync("dave", "spam"), "worker:dave=0"),
            (await a.LeaseAndVoteAsync("erin", "ham"), "worker:erin=1"),
        };

        var items = a.Services.GetRequiredService<IItemStore>();
        var state = await b.Services.GetRequiredService<ILabelerStore>().LoadTruthStateAsync(DemoProject.Id, ["spam", "ham"], CancellationToken.None);
        var evidence = state.Items.ToDictionary(e => e.Item, StringComparer.Ordinal);
        foreach (var id in new[] { first, second })
        {
            var votes = cast.Where(c => c.Item == id).Select(c => c.Vote).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(votes, Crowd(evidence[id]));
            Assert.Equal(votes.Length, (await items.GetAsync(DemoProject.Id, id, CancellationToken.None))!.CrowdVotes);
            Assert.Equal(votes.Length, (await items.GetVotesAsync(DemoProject.Id, id, CancellationToken.None)).Count(v => v.Kind == LabelerKind.Worker));
        }

        Assert.Contains(cast, c => c.Item == first);
        Assert.Contains(cast, c => c.Item == second);

        AssertStatisticsAddUp(state);
        Assert.Equal(["worker:ann", "worker:bob", "worker:carl", "worker:dave", "worker:erin"],
            state.Labelers.Select(l => l.Labeler).Where(l => l.StartsWith("worker:", StringComparison.Ordinal)).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Vote_FirstOnAnInstanceByAWorkerWhoseStatisticsAnotherInstanceStored_AddsToThemInsteadOfReplacingThem()
    {
        await using var a = await FunctionsTestHost.StartAsync(azurite, cosmos);
        var first = await a.CollectingDemoItemAsync();
        await using var b = await SecondInstanceAsync(a);

        // On A only: the item B never reads again teaches ann and bob, and A stores their statistics.
        Assert.Equal(first, await a.LeaseAndVoteAsync("ann", "ham"));
        Assert.Equal(first, await a.LeaseAndVoteAsync("bob", "ham"));
        var second = await a.CollectingDemoItemAsync();

        // ann's first vote on B, on the one item she has not answered: B's model has no statistics of hers and makes them.
        Assert.Equal(second, await b.LeaseAndVoteAsync("ann", "spam"));
        await b.LeaseAndVoteAsync("carl", "spam");

        var state = await a.Services.GetRequiredService<ILabelerStore>().LoadTruthStateAsync(DemoProject.Id, ["spam", "ham"], CancellationToken.None);
        Assert.Contains(state.Labelers, l => l.Labeler == "worker:ann" && l.Counts.Sum() > 0);
        AssertStatisticsAddUp(state);
    }

    [Fact]
    public async Task Refit_OnOneInstance_ReachesTheModelAnotherInstanceLoadedBefore()
    {
        // Its drift report in a container of its own: other tests count the demo project's reports in the shared one.
        await using var a = await FunctionsTestHost.StartAsync(azurite, cosmos, new Dictionary<string, string?>
        {
            ["LabelingStorage:ReportsContainer"] = $"reports-{Guid.NewGuid():N}",
        });
        var first = await a.CollectingDemoItemAsync();
        Assert.Equal(first, await a.LeaseAndVoteAsync("ann", "ham"));
        Assert.Equal(first, await a.LeaseAndVoteAsync("bob", "ham"));
        Assert.Equal(first, await a.LeaseAndVoteAsync("carl", "spam"));
        // B loads the model with the online statistics, and reads the statistics mark on every step (no refresh period).
        await using var b = await SecondInstanceAsync(a, new Dictionary<string, string?> { ["Cosmos:ProjectRefresh"] = "00:00:00" });
        var online = await ModelStatisticsAsync(b, "worker:carl");

        await a.Services.GetRequiredService<ReliabilityRefit>().RefitAsync(DemoProject.Id, CancellationToken.None);

        var state = await a.Services.GetRequiredService<ILabelerStore>().LoadTruthStateAsync(DemoProject.Id, ["spam", "ham"], CancellationToken.None);
        var refitted = state.Labelers.Single(l => l.Labeler == "worker:carl").Counts;
        Assert.False(Same(online, refitted), "the re-fit left carl's statistics as they were; the test shows nothing");
        var onB = await ModelStatisticsAsync(b, "worker:carl");
        Assert.True(Same(refitted, onB), $"B's model holds [{string.Join(", ", onB)}]; the re-fit stored [{string.Join(", ", refitted)}]");

        static bool Same(double[] x, double[] y) => x.Length == y.Length && x.Zip(y).All(p => Math.Abs(p.First - p.Second) < 1e-9);
    }

    private static async Task<double[]> ModelStatisticsAsync(FunctionsTestHost host, string labeler)
    {
        using var session = await host.Services.GetRequiredService<ProjectModels>().OpenAsync(DemoProject.Id, CancellationToken.None);
        return session.Model.Model.Statistics(labeler, session.Model.Project.Capability)?.ToState().Counts ?? [];
    }

    // Another instance on the first one's database, which loads the demo project's model at once.
    private async Task<FunctionsTestHost> SecondInstanceAsync(FunctionsTestHost first, Dictionary<string, string?>? settings = null)
    {
        var second = await FunctionsTestHost.StartAsync(azurite, cosmos, new Dictionary<string, string?>(settings ?? []) { ["Cosmos:Database"] = first.Database });
        using (await second.Services.GetRequiredService<ProjectModels>().OpenAsync(DemoProject.Id, CancellationToken.None))
        {
        }

        return second;
    }

    // Every labeler's stored counts are the sum of what the items' stored posteriors add for its votes (an item counts once it
    // has two votes), as one model that took every vote would hold them.
    private static void AssertStatisticsAddUp(OnlineDawidSkeneState state)
    {
        var expected = new Dictionary<string, double[]>(StringComparer.Ordinal);
        foreach (var item in state.Items.Where(e => e.Posterior is not null && (e.Votes.Length >= 2 || e.Gold is not null)))
        {
            foreach (var vote in item.Votes)
            {
                var counts = expected.TryGetValue(vote.Labeler, out var c) ? c : expected[vote.Labeler] = new double[4];
                for (var t = 0; t < 2; t++)
                {
                    counts[(t * 2) + vote.Label] += item.Posterior![t];
                }
            }
        }

        foreach (var labeler in state.Labelers.Where(l => l.Labeler.StartsWith("worker:", StringComparison.Ordinal)))
        {
            var want = expected.GetValueOrDefault(labeler.Labeler) ?? new double[4];
            Assert.True(want.Zip(labeler.Counts).All(p => Math.Abs(p.First - p.Second) < 1e-9),
                $"{labeler.Labeler}: stored [{string.Join(", ", labeler.Counts)}], the evidence adds up to [{string.Join(", ", want)}]");
        }
    }

    private static string[] Crowd(ItemEvidenceState evidence) =>
        [.. evidence.Votes.Where(v => v.Labeler.StartsWith("worker:", StringComparison.Ordinal)).Select(v => $"{v.Labeler}={v.Label}").Order(StringComparer.Ordinal)];
}
