using Labeling.Application.Crowd;
using Labeling.Application.Ports;
using Labeling.Application.Projects;
using Labeling.Application.Tests.Ingestion;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;
using Labeling.Domain.TruthInference;

namespace Labeling.Application.Tests.Truth;

/// <summary>
/// The re-fit reads the undecided items (in review, or still collecting) with their own class mix
/// (<see cref="ClassPriorShift"/>), on the real SQLite stores. Six workers label 60 spam items, decided (each item
/// gets one 'ham' from a different worker in turn), and ten ham items left undecided (each gets two 'spam' votes).
/// A last undecided item split three to three is a close call. The project's prior, nearly nine in ten spam, reads it
/// 'spam'. The undecided items are mostly ham, and read with that mix it is 'ham'.
/// </summary>
public sealed class UndecidedClassMixTests : IDisposable
{
    private static readonly string[] Labels = ["spam", "ham"];
    private static readonly string[] Workers = Enumerable.Range(1, 6).Select(w => LabelerIds.Worker($"w{w}")).ToArray();
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Theory]
    [InlineData(ItemState.NeedsReview)]
    [InlineData(ItemState.Collecting)]
    public async Task RefitAsync_UndecidedItemsMostlyOfTheRarerClass_ReadsTheCloseCallWithTheirMix(ItemState undecided)
    {
        var tie = await SeedAsync(undecided);

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("mix", CancellationToken.None);

        var stored = (await _harness.Get<IItemStore>().GetAsync("mix", tie.Id, CancellationToken.None))!;
        Assert.Equal(undecided, stored.State);
        Assert.True(stored.Posterior![1] > 0.7, $"P(ham) = {stored.Posterior[1]:F3}");
        // The truth model keeps the batch posterior, which the workers' statistics were rebuilt from: it still favours spam.
        var evidence = (await _harness.Get<ILabelerStore>().LoadTruthStateAsync("mix", Labels, CancellationToken.None)).Items.Single(i => i.Item == tie.Id);
        Assert.True(evidence.Posterior![0] > 0.6, $"batch P(spam) = {evidence.Posterior[0]:F3}");
        Assert.Contains("read with the class mix of the 11 undecided items", stored.Reason, StringComparison.Ordinal);
        Assert.NotNull(report.UndecidedClassMix);
        Assert.InRange(report.UndecidedClassMix!["ham"], 0.5, 0.7);
        Assert.Equal(1.0, report.UndecidedClassMix.Values.Sum(), 9);
        Assert.Equal((undecided == ItemState.NeedsReview ? 1 : 0, undecided == ItemState.Collecting ? 1 : 0), (report.ReviewPosteriorsUpdated, report.PoolPosteriorsUpdated));
    }

    [Fact]
    public async Task RefitAsync_UndecidedPriorHeldToTheProjects_ReadsTheCloseCallWithTheProjectsPrior()
    {
        var tie = await SeedAsync(ItemState.NeedsReview);

        var report = await _harness.Refit(new ReliabilityRefitOptions { UndecidedPriorStrength = 1e12 }).RefitAsync("mix", CancellationToken.None);

        var stored = (await _harness.Get<IItemStore>().GetAsync("mix", tie.Id, CancellationToken.None))!;
        Assert.True(stored.Posterior![0] > 0.6, $"P(spam) = {stored.Posterior[0]:F3}");
        Assert.Equal(tie.Revision, stored.Revision);
        Assert.InRange(report.UndecidedClassMix!["spam"], 0.8, 0.95);
    }

    [Fact]
    public async Task RefitAsync_NothingUndecided_ReportsNoMix()
    {
        await SeedAsync(ItemState.Decided);

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync("mix", CancellationToken.None);

        Assert.Null(report.UndecidedClassMix);
    }

    [Fact]
    public async Task RefitAsync_DemoProjectWithItemsOnlyRulesVotedOn_LearnsTheMixFromTheItemsWorkersVotedOn()
    {
        // The README walk-through: the demo project and the YouTube corpus, whose keyword rules vote 'spam' on about 520
        // comments nobody else has voted on. Alice, Bob and Carol decide the first comment 'spam'; Dave answers the next
        // seven as the corpus labels them, the last 'ham', his only vote on it.
        var project = await _harness.CreateProjectAsync(DemoProject.Create(_harness.Time.GetUtcNow()));
        foreach (var file in Directory.GetFiles(YouTubeSpamCorpus.Directory, "*.csv").Order(StringComparer.Ordinal))
        {
            await _harness.IngestAsync(project.Id, Path.GetFileName(file), await File.ReadAllBytesAsync(file));
        }

        await _harness.DrainQueueAsync();
        foreach (var worker in new[] { "alice", "bob", "carol" })
        {
            await VoteAsync(project.Id, LabelerIds.Worker(worker), "spam");
        }

        TaskAssignment? task = null;
        foreach (var label in new[] { "spam", "spam", "spam", "spam", "spam", "spam", "ham" })
        {
            task = await VoteAsync(project.Id, LabelerIds.Worker("dave"), label);
        }

        Assert.StartsWith("i turned it on mute", task!.Text, StringComparison.Ordinal);
        var items = _harness.Get<IItemStore>();
        var before = await items.ListAsync(project.Id, null, null, 5000, CancellationToken.None);
        Assert.True(before.Count(i => i.MachineVotes > 0 && i.CrowdVotes == 0) > 500);
        var voted = before.Count(i => i.State == ItemState.Collecting && i.CrowdVotes > 0);

        var report = await _harness.Get<ReliabilityRefit>().RefitAsync(project.Id, CancellationToken.None);

        // Learned from the rules' items, the mix was 0.9999 'spam', and Dave's 'ham' read 'spam' (0.9999).
        Assert.InRange(report.UndecidedClassMix!["spam"], 0.5, 0.95);
        var ham = (await items.GetAsync(project.Id, task.ItemId, CancellationToken.None))!;
        Assert.True(ham.Posterior![1] > 0.5, $"P(ham) = {ham.Posterior[1]:F4}: {ham.Reason}");
        Assert.Contains($"read with the class mix of the {voted} undecided items", ham.Reason, StringComparison.Ordinal);
        Assert.Contains("reads its votes as 'ham'", ham.Reason, StringComparison.Ordinal);
        var after = await items.ListAsync(project.Id, null, null, 5000, CancellationToken.None);
        Assert.DoesNotContain(after, i => i.CrowdVotes == 0 && i.Reason?.Contains("class mix of the", StringComparison.Ordinal) == true);
    }

    private async Task<TaskAssignment> VoteAsync(string projectId, string worker, string label)
    {
        var task = (await _harness.Get<TaskLeasing>().NextAsync(projectId, worker, CancellationToken.None))!;
        await _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, worker, new VoteRequest(label), null, CancellationToken.None);
        return task;
    }

    // Returns the close call. Undecided Decided: the ham items and the close call are decided too.
    private async Task<Item> SeedAsync(ItemState undecided)
    {
        var harness = _harness;
        var project = Project();
        await harness.CreateProjectAsync(project);
        await harness.IngestAsync("mix", "items.csv", "text\n" + string.Join("\n", Enumerable.Range(0, 71).Select(i => $"comment number {i}")) + "\n");
        var items = harness.Get<IItemStore>();
        var stored = await items.ListAsync("mix", null, null, 100, CancellationToken.None);
        Assert.Equal(71, stored.Count);
        var now = harness.Time.GetUtcNow();
        Item? tie = null;
        for (var n = 0; n < stored.Count; n++)
        {
            var item = stored[n];
            // Per worker, the label index in schema order (0 spam, 1 ham).
            var votes = n switch
            {
                < 60 => Enumerable.Range(0, 6).Select(w => w == n % 6 ? 1 : 0).ToArray(),
                < 70 => Enumerable.Range(0, 6).Select(w => w == n % 6 || w == (n + 1) % 6 ? 0 : 1).ToArray(),
                _ => [1, 1, 1, 0, 0, 0],
            };
            var label = n < 60 ? "spam" : "ham";
            // The close call is stored as the online model left it: favouring spam, as the project's prior does.
            double[] posterior = n switch { < 60 => [0.99, 0.01], < 70 => [0.1, 0.9], _ => [0.7, 0.3] };
            var next = item with
            {
                State = ItemState.Decided, Label = label, Confidence = posterior.Max(), DecidedBy = DecidedBy.Crowd, Posterior = posterior,
                CrowdVotes = 6, CrowdLabels = 6, Revision = item.Revision + 1, UpdatedAt = now,
            };
            if (n == 70 && undecided == ItemState.Decided)
            {
                next = next with { Label = "spam" };
            }
            else if (n >= 60 && undecided != ItemState.Decided)
            {
                next = next with { State = undecided, Label = null, Confidence = null, DecidedBy = null, Reason = undecided == ItemState.NeedsReview ? "vote limit reached" : "asking for another vote" };
            }
            await harness.CommitVotedAsync(project, next, Workers, votes, posterior);
            if (n == 70) tie = next;
        }

        return tie!;
    }

    // Revision and the re-check would act on the decided items; these tests are about the undecided ones.
    private static Project Project() => LabelingHarness.RuleFreeProject("mix", new RoutingSettings { RecheckDecidedLabels = false });
}
