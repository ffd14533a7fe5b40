using Labeling.Application.Crowd;
using Labeling.Application.Gold;
using Labeling.Application.Ports;
using Labeling.Application.Tests.UseCases;
using Labeling.Domain.Items;
using Labeling.Domain.Routing;

namespace Labeling.Application.Tests.Crowd;

/// <summary>
/// A crowd decision's label is the model posterior's most likely label: the stopping posterior, which discounts voters with
/// little evidence, says when to stop, and where it favours another label than the model's posterior (stored and published with
/// the label) the votes are not settled.
/// </summary>
public sealed class DecidedLabelTests : IDisposable
{
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task NewWorkersAgainstTwoVeterans_DecisionIsNotAgainstTheStoredPosterior()
    {
        // Two veterans measured on 200 gold items (each says "ham" to one spam item in ten).
        var project = LabelingHarness.RuleFreeProject("p", new RoutingSettings { MaxCrowdVotes = 2, RecheckDecidedLabels = false });
        await _harness.CreateProjectAsync(project);
        var gold = Enumerable.Range(0, 200).Select(i => new GoldItemRequest($"gold text {i}", i % 2 == 0 ? "spam" : "ham")).ToArray();
        await _harness.Get<GoldSeeding>().SeedAsync("p", new GoldSeedRequest(gold), CancellationToken.None);
        await _harness.DrainQueueAsync();
        var leasing = _harness.Get<TaskLeasing>();
        var voting = _harness.Get<VoteRecording>();
        var truths = gold.ToDictionary(g => g.Text!, g => g.Label!);
        foreach (var (veteran, offset) in new[] { ("worker:v1", 0), ("worker:v2", 1) })
        {
            var spam = 0;
            while (await leasing.NextAsync("p", veteran, CancellationToken.None) is { } task)
            {
                var truth = truths[task.Text];
                var label = truth == "spam" && (spam++ + offset) % 10 == 0 ? "ham" : truth;
                await voting.SubmitAsync(task.LeaseId, veteran, new VoteRequest(label), null, CancellationToken.None);
            }
        }

        var projects = _harness.Get<IProjectStore>();
        var current = (await projects.GetAsync("p", CancellationToken.None))!;
        Assert.True(await projects.TryReplaceAsync(current with { Routing = current.Routing with { MaxCrowdVotes = 10 }, Version = current.Version + 1 }, CancellationToken.None));
        await _harness.IngestAsync("p", "x.csv", "text\nthe contested item\n");
        await _harness.DrainQueueAsync();

        // Three new workers say spam, then both veterans say ham.
        VoteResult? last = null;
        foreach (var (worker, label) in new[] { ("worker:n1", "spam"), ("worker:n2", "spam"), ("worker:n3", "spam"), ("worker:v1", "ham"), ("worker:v2", "ham") })
        {
            var task = await leasing.NextAsync("p", worker, CancellationToken.None);
            Assert.NotNull(task);
            Assert.Equal("the contested item", task.Text);
            last = (await voting.SubmitAsync(task.LeaseId, worker, new VoteRequest(label), null, CancellationToken.None)).Result;
        }

        var stored = (await _harness.Get<IItemStore>().GetAsync("p", last!.ItemId, CancellationToken.None))!;
        var mostLikely = stored.Posterior![0] >= stored.Posterior[1] ? "spam" : "ham";
        Assert.True(stored.State != ItemState.Decided || stored.Label == mostLikely,
            $"decided '{stored.Label}' at confidence {stored.Confidence:F4}, but the stored (and published) posterior is [{string.Join(", ", stored.Posterior.Select(p => p.ToString("F4")))}]");
    }
}
