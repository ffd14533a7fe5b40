using Labeling.Application.Crowd;
using Labeling.Application.Labelers;
using Labeling.Application.Problems;
using Labeling.Application.Tests.UseCases;
using Labeling.Application.Truth;
using Labeling.Domain.Labelers;
using Labeling.Domain.Projects;
using Labeling.Domain.Routing;

namespace Labeling.Application.Tests.Labelers;

/// <summary>
/// <see cref="LabelerReliabilities"/> on the real SQLite stores: the spam project's three rules (a link pattern that fires
/// on 30 of 40 spam comments and 2 of 40 ham ones, and two keyword rules that never match) and three workers who answer
/// every task rightly.
/// </summary>
public sealed class LabelerReliabilitiesTests : IDisposable
{
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task ListAsync_AfterTheCrowdCheckedTheRules_ShowsEachRulesRatesSilencePrecisionAndTrust_AndEachWorkersConfusion()
    {
        await SeedAsync();

        var page = await _harness.Get<LabelerReliabilities>().ListAsync("spam", null, null, 100, CancellationToken.None);

        Assert.Equal("spam", page.ProjectId);
        Assert.Equal(
            ["rule:check", "rule:link", "rule:subscribe", "worker:a", "worker:b", "worker:c"],
            page.Labelers.Select(l => l.Labeler));
        Assert.InRange(page.ClassPrior["spam"], 0.4, 0.6);
        Assert.InRange(page.CheckedItems, 79.0, 80.5);

        var link = page.Labelers.Single(l => l.Labeler == "rule:link");
        Assert.Equal(LabelerKind.Rule, link.Kind);
        Assert.Equal(32, link.LabelVotes);
        Assert.Null(link.Confusion);
        // Fired on 30 of 40 spam and 2 of 40 ham: rates about 0.75 and 0.05, drawn a little towards its pooled rate.
        Assert.InRange(link.FiringRates!["spam"]["spam"], 0.6, 0.8);
        Assert.InRange(link.FiringRates["ham"]["spam"], 0.02, 0.15);
        Assert.Equal(1.0 - link.FiringRates["spam"].Values.Sum(), link.Silence!["spam"], 3);
        Assert.Equal(1.0 - link.FiringRates["ham"].Values.Sum(), link.Silence["ham"], 3);
        // Its precision is Bayes' rule on the prior and the rates: right on 30 of the 32 items it voted on.
        var spam = page.ClassPrior["spam"] * link.FiringRates["spam"]["spam"];
        var ham = page.ClassPrior["ham"] * link.FiringRates["ham"]["spam"];
        Assert.Equal(spam / (spam + ham), link.Precision!["spam"], 2);
        Assert.InRange(link.Precision["spam"], 0.85, 0.97);
        Assert.Equal((32L, 30L, true), (link.CheckedVotes, link.AgreedVotes, link.Trusted));

        // A rule that never fired: no votes, no evidence, silent as often whatever the truth. Its figures are not the prior
        // (silent on half the items, below): it ran on the 80 checked items and fired on none, and its rates say so.
        var never = page.Labelers.Single(l => l.Labeler == "rule:subscribe");
        Assert.Equal((0, 0.0), (never.LabelVotes, never.Evidence));
        Assert.Equal(never.Silence!["spam"], never.Silence["ham"], 2);
        Assert.InRange(never.Silence["spam"], 0.99, 1.0);
        Assert.Equal((0L, 0L, false), (never.CheckedVotes, never.AgreedVotes, never.Trusted));

        var worker = page.Labelers.Single(l => l.Labeler == "worker:a");
        Assert.Equal(LabelerKind.Worker, worker.Kind);
        Assert.True(worker.LabelVotes >= 20, $"worker:a voted on {worker.LabelVotes} items");
        Assert.True(worker.Confusion!["spam"]["spam"] > 0.8 && worker.Confusion["ham"]["ham"] > 0.8, "a worker who is always right reads reliable");
        Assert.Equal(1.0, worker.Confusion["spam"].Values.Sum(), 3);
        Assert.InRange(worker.Accuracy!.Value, 0.8, 1.0);
        Assert.Null(worker.FiringRates);
        Assert.Null(worker.Silence);
        Assert.Null(worker.CheckedVotes);
        Assert.Null(worker.Trusted);
    }

    [Fact]
    public async Task RefitAsync_DriftReport_ReadsARuleByTheShareOfItsVotesThatAreRight_NotByTheClassPrior()
    {
        await SeedAsync();

        var report = await _harness.Get<Labeling.Application.Truth.ReliabilityRefit>().RefitAsync("spam", CancellationToken.None);

        // rule:link was right on 30 of its 32 votes (0.9375). Read by its confusion it was 0.902 here: its "ham" row, with
        // two checked votes, is mostly the prior's diagonal; with more evidence both rows read "always spam" and the figure
        // tends to the class prior of spam, which a shift of the prior alone would move.
        var link = report.Labelers.Single(l => l.LabelerId == "rule:link");
        Assert.InRange(link.OnlineAccuracy, 0.92, 0.97);
        Assert.InRange(link.BatchAccuracy, 0.92, 0.97);
        Assert.InRange(link.MaxConfusionDifference, 0.0, 0.2);
        var worker = report.Labelers.Single(l => l.LabelerId == "worker:a");
        Assert.InRange(worker.OnlineAccuracy, 0.8, 1.0);
    }

    [Fact]
    public async Task ListAsync_ByKindAndAfter_PagesInIdOrder()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var labelers = _harness.Get<LabelerReliabilities>();

        // Before any vote the project's rules are listed, with the model's prior.
        var rules = await labelers.ListAsync("spam", "Rule", null, 100, CancellationToken.None);
        Assert.Equal(["rule:check", "rule:link", "rule:subscribe"], rules.Labelers.Select(l => l.Labeler));
        Assert.All(rules.Labelers, l => Assert.Equal((0, 0.0), (l.LabelVotes, l.Evidence)));
        Assert.All(rules.Labelers, l => Assert.Equal(0.5, l.Silence!["spam"], 3));
        var second = await labelers.ListAsync("spam", "rule", "rule:check", 1, CancellationToken.None);
        Assert.Equal("rule:link", Assert.Single(second.Labelers).Labeler);
        Assert.Empty((await labelers.ListAsync("spam", "worker", null, 100, CancellationToken.None)).Labelers);
        Assert.Empty((await labelers.ListAsync("spam", null, "rule:subscribe", 100, CancellationToken.None)).Labelers);
    }

    [Fact]
    public async Task ListAsync_BadKindLimitOrProject_AnswersWhatToChange()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var labelers = _harness.Get<LabelerReliabilities>();

        var kind = await Assert.ThrowsAsync<InvalidRequestException>(() => labelers.ListAsync("spam", "robot", null, 100, CancellationToken.None));
        Assert.Contains("Unknown labeler kind 'robot'; use worker, rule, llm or model.", kind.Message, StringComparison.Ordinal);
        var limit = await Assert.ThrowsAsync<InvalidRequestException>(() => labelers.ListAsync("spam", null, null, 0, CancellationToken.None));
        Assert.Contains("limit is 0", limit.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<NotFoundException>(() => labelers.ListAsync("nope", null, null, 100, CancellationToken.None));
    }

    [Fact]
    public async Task ListAsync_OnAProjectWithManyLabels_PagesFewerLabelers_AndSaysWhereTheNextPageStarts()
    {
        // With 100 labels each labeler carries 100 × 100 rates. A page of 1,000 labelers, built while the request held the
        // project's model (every vote of the project waiting on it), took about 4 s, allocated 1.2 GB and answered 291 MB.
        var labels = Enumerable.Range(0, 100).Select(i => new LabelDefinition($"category-{i:D3}", "a category")).ToArray();
        await _harness.CreateProjectAsync(new Project(
            "wide", "Wide", new LabelSchema(TaskKind.SingleLabel, labels, "Which category?"), [], new RoutingSettings(), null, DateTimeOffset.UnixEpoch));
        var workers = Enumerable.Range(0, 25).Select(w => LabelerIds.Worker($"w{w:D2}")).ToArray();
        using (var session = await _harness.Get<ProjectModels>().OpenAsync("wide", CancellationToken.None))
        {
            for (var i = 0; i < workers.Length; i++)
            {
                session.Model.Observe($"i{i}", workers[i], labels[i % 3].Name, DateTimeOffset.UnixEpoch);
                session.Model.Observe($"i{i}", workers[(i + 1) % workers.Length], labels[i % 3].Name, DateTimeOffset.UnixEpoch);
            }
        }

        var labelers = _harness.Get<LabelerReliabilities>();
        var refused = await Assert.ThrowsAsync<InvalidRequestException>(() => labelers.ListAsync("wide", null, null, 1000, CancellationToken.None));
        Assert.Contains("use 1 to 10", refused.Message, StringComparison.Ordinal);

        // Without a limit the page is as large as the project allows, and next names the after of the page that follows.
        var seen = new List<string>();
        string? after = null;
        var pages = 0;
        do
        {
            var page = await labelers.ListAsync("wide", null, after, null, CancellationToken.None);
            Assert.InRange(page.Labelers.Count, 1, 10);
            seen.AddRange(page.Labelers.Select(l => l.Labeler));
            Assert.Equal(100 * 100, page.Labelers[0].Confusion!.Sum(row => row.Value.Count));
            after = page.Next;
            Assert.True(after is null || after == page.Labelers[^1].Labeler, $"next is {after}");
            pages++;
        }
        while (after is not null);

        Assert.Equal(3, pages);
        Assert.Equal(workers, seen);

        // On the spam project (two labels) the usual pages: the last one has no next.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var first = await labelers.ListAsync("spam", "rule", null, 2, CancellationToken.None);
        Assert.Equal("rule:link", first.Next);
        var last = await labelers.ListAsync("spam", "rule", first.Next, 2, CancellationToken.None);
        Assert.Equal("rule:subscribe", Assert.Single(last.Labelers).Labeler);
        Assert.Null(last.Next);
        Assert.Null((await labelers.ListAsync("spam", "rule", null, 3, CancellationToken.None)).Next);
    }

    private async Task SeedAsync()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var rows = new List<(string Text, string Label)>();
        for (var i = 0; i < 30; i++) rows.Add(($"buy now at http://shop{i}.example", "spam"));
        for (var i = 0; i < 10; i++) rows.Add(($"cheap pills number {i}", "spam"));
        for (var i = 0; i < 2; i++) rows.Add(($"great song and the lyrics are at http://wiki{i}.example", "ham"));
        for (var i = 0; i < 38; i++) rows.Add(($"nice song number {i}", "ham"));
        var ingested = await _harness.IngestAsync("spam", "comments.csv", "text\n" + string.Join("\n", rows.Select(r => r.Text)) + "\n");
        Assert.Equal(80, ingested.Document.ItemCount);
        await _harness.DrainQueueAsync();
        var truth = rows.ToDictionary(r => r.Text, r => r.Label, StringComparer.Ordinal);

        var leasing = _harness.Get<TaskLeasing>();
        var recording = _harness.Get<VoteRecording>();
        for (var round = 0; round < 10; round++)
        {
            var any = false;
            foreach (var worker in new[] { "a", "b", "c" }.Select(LabelerIds.Worker))
            {
                for (var n = 0; n < 100; n++)
                {
                    var task = await leasing.NextAsync("spam", worker, CancellationToken.None);
                    if (task is null) break;
                    any = true;
                    await recording.SubmitAsync(task.LeaseId, worker, new VoteRequest(truth[task.Text]), null, CancellationToken.None);
                }
            }

            if (!any) break;
        }
    }
}
