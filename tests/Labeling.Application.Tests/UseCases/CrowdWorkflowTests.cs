using Labeling.Application.Crowd;
using Labeling.Application.Gold;
using Labeling.Application.Ports;
using Labeling.Application.Problems;
using Labeling.Application.Review;
using Labeling.Application.Truth;
using Labeling.Domain.Items;
using Labeling.Domain.Routing;

namespace Labeling.Application.Tests.UseCases;

public sealed class CrowdWorkflowTests : IDisposable
{
    private const string Csv = "text\nPlease subscribe to my channel\nI love this song\nthe chorus is amazing\n";
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Vote_WorkersAgreeWithTheRule_DecideTheItemOnceWithOneLabelReadyEvent()
    {
        // Without the reliability discount: first-time workers count as the model reads them.
        await SeedAsync(new RoutingSettings { ReliabilityDoubt = 0 });

        var first = await VoteAsync("worker:a", "spam");
        var result = first;
        foreach (var worker in new[] { "worker:b", "worker:c", "worker:d" })
        {
            if (result.State != ItemState.Collecting)
            {
                break;
            }

            result = await VoteAsync(worker, "spam", first.ItemId);
        }

        Assert.Equal(ItemState.Collecting, first.State);
        Assert.True(result.State == ItemState.Decided, result.Reason);
        Assert.Equal("spam", result.Label);
        Assert.True(result.Confidence >= 0.9);
        Assert.Equal(1, await _harness.ScalarAsync($"SELECT COUNT(*) FROM outbox WHERE item_id = '{first.ItemId}'"));
        // The event names where the item came from, as the export does.
        var item = (await _harness.Get<IItemStore>().GetAsync("spam", first.ItemId, CancellationToken.None))!;
        var data = (await _harness.OutboxEventAsync($"{item.Id}-r{item.Revision}"))["data"]!;
        Assert.Equal(item.DocumentId, data["documentId"]!.GetValue<string>());
        Assert.Equal(item.SourceId, data["sourceId"]!.GetValue<string>());
        Assert.StartsWith("row-", item.SourceId, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Vote_FirstTimeWorkersAgreeAtDefaultRouting_KeepTheItemCollecting()
    {
        await SeedAsync();

        var first = await VoteAsync("worker:a", "spam");
        var result = first;
        foreach (var worker in new[] { "worker:b", "worker:c", "worker:d" })
        {
            result = await VoteAsync(worker, "spam", first.ItemId);
        }

        // Four agreeing workers nobody has checked yet are not evidence enough to stop at 0.95:
        // each has about three answers of evidence against ten pseudo-answers of doubt.
        Assert.Equal(ItemState.Collecting, result.State);
        Assert.True(result.Posterior!["spam"] > 0.9, "the model itself leans to spam");
    }

    [Fact]
    public async Task Vote_AfterLeaseExpires_IsRefusedAndTheItemReturnsToThePool()
    {
        await SeedAsync();
        var leasing = _harness.Get<TaskLeasing>();
        var task = (await leasing.NextAsync("spam", "worker:a", CancellationToken.None))!;

        _harness.Time.Advance(TimeSpan.FromMinutes(5));

        await Assert.ThrowsAsync<ConflictException>(() => _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, "worker:a", new VoteRequest("ham"), null, CancellationToken.None));
        Assert.Equal(task.ItemId, (await leasing.NextAsync("spam", "worker:b", CancellationToken.None))!.ItemId);
    }

    [Fact]
    public async Task NextTask_LeasesTakenOneAfterAnother_HaveIdsInTheOrderTheyWereTaken()
    {
        await SeedAsync();
        await _harness.IngestAsync("spam", "more.csv", "text\n" + string.Concat(Enumerable.Range(1, 9).Select(i => $"comment number {i} about the video\n")));
        await _harness.DrainQueueAsync();
        var leasing = _harness.Get<TaskLeasing>();
        var ids = new List<string>();
        foreach (var worker in Enumerable.Range(1, 12).Select(i => $"worker:w{i}"))
        {
            ids.Add((await leasing.NextAsync("spam", worker, CancellationToken.None))!.LeaseId);
            _harness.Time.Advance(TimeSpan.FromMilliseconds(2));
        }

        // Time-ordered ids append to the lease-id index of a store instead of writing a random page of it per lease.
        Assert.Equal(ids.Order(StringComparer.Ordinal), ids);
        Assert.All(ids, id => Assert.Matches("^lse_[0-9a-f]{32}$", id));
    }

    [Fact]
    public async Task Vote_ModelRebuiltFromStoreAfterRestart_GivesTheSamePosterior()
    {
        await SeedAsync();
        await VoteAsync("worker:a", "spam");
        var last = await VoteAsync("worker:b", "ham");

        using var restarted = new LabelingHarness(_harness.DataDirectory, _harness.Time);
        using var session = await restarted.Get<ProjectModels>().OpenAsync("spam", CancellationToken.None);
        var before = _harness.Get<ProjectModels>();
        using var live = await before.OpenAsync("spam", CancellationToken.None);

        var rebuilt = session.Model.Posterior(last.ItemId);
        var current = live.Model.Posterior(last.ItemId);
        Assert.NotNull(current);
        Assert.NotNull(rebuilt);
        Assert.Equal(2, current.Length);
        Assert.Equal(current.Length, rebuilt.Length);
        for (var t = 0; t < current.Length; t++) Assert.Equal(current[t], rebuilt[t], 12);
        var currentStatistics = live.Model.Model.Statistics("worker:b", "single-label");
        var rebuiltStatistics = session.Model.Model.Statistics("worker:b", "single-label");
        Assert.NotNull(currentStatistics);
        Assert.NotNull(rebuiltStatistics);
        Assert.True(currentStatistics.Evidence > 0, $"worker:b has evidence {currentStatistics.Evidence}");
        Assert.Equal(currentStatistics.Evidence, rebuiltStatistics.Evidence, 12);
    }

    [Fact]
    public async Task Vote_BudgetSpent_SendsTheRestOfThePoolToReview()
    {
        await SeedAsync(new RoutingSettings { VoteBudget = 1 });

        var voted = await VoteAsync("worker:a", "ham");
        var next = await _harness.Get<TaskLeasing>().NextAsync("spam", "worker:b", CancellationToken.None);

        Assert.Equal(ItemState.NeedsReview, voted.State);
        Assert.Null(next);
        Assert.Equal(0, await _harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE state = 'collecting'"));
    }

    [Fact]
    public async Task TaskRequest_BudgetSpent_DecidesGoldByItsKnownLabel_AndLeavesAHeldItemToItsWorker()
    {
        // A gold item the spent budget reached went to review, where a reviewer could overwrite its known label; and an
        // item a worker still held was sent to review under it, so that worker's vote was refused (409).
        await SeedAsync(new RoutingSettings { VoteBudget = 2 });
        var seeded = await _harness.Get<GoldSeeding>().SeedAsync("spam", new GoldSeedRequest([new GoldItemRequest("win a free phone, subscribe", "spam")]), CancellationToken.None);
        await _harness.DrainQueueAsync();
        var held = await _harness.Get<TaskLeasing>().NextAsync("spam", "worker:c", CancellationToken.None);
        Assert.NotNull(held);
        Assert.NotEqual(seeded.Created[0], held.ItemId);
        await VoteAsync("worker:a", "ham");
        await VoteAsync("worker:a", "ham");

        Assert.Null(await _harness.Get<TaskLeasing>().NextAsync("spam", "worker:b", CancellationToken.None));

        var gold = await _harness.Get<IItemStore>().GetAsync("spam", seeded.Created[0], CancellationToken.None);
        Assert.Equal((ItemState.Decided, DecidedBy.Gold, "spam"), (gold!.State, gold.DecidedBy, gold.Label));
        Assert.Equal(1, await _harness.ScalarAsync($"SELECT COUNT(*) FROM outbox WHERE item_id = '{gold.Id}'"));
        Assert.Equal(ItemState.Collecting, (await _harness.Get<IItemStore>().GetAsync("spam", held.ItemId, CancellationToken.None))!.State);
        Assert.Equal(1, await _harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE state = 'collecting'"));

        var late = await _harness.Get<VoteRecording>().SubmitAsync(held.LeaseId, "worker:c", new VoteRequest("ham", Unsure: false), null, CancellationToken.None);
        Assert.Equal(ItemState.NeedsReview, late.Result.State);

        // A gold item left in review by a server before this (as above) is not resolved by a reviewer either.
        var items = _harness.Get<IItemStore>();
        await items.CommitAsync(new ItemCommit("spam") { Items = [new ItemWrite(gold with { State = ItemState.NeedsReview, Label = null, DecidedBy = null, Revision = gold.Revision + 1 }, null)] }, CancellationToken.None);
        var refused = await Assert.ThrowsAsync<ConflictException>(() => _harness.Get<ReviewResolution>().ResolveAsync("spam", gold.Id, new ResolutionRequest("ham"), "rita", CancellationToken.None));
        Assert.Contains("gold item", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ItemState.NeedsReview, (await items.GetAsync("spam", gold.Id, CancellationToken.None))!.State);
    }

    [Fact]
    public async Task Refit_BudgetSpent_SweepsAnItemWhoseLeaseRanOutUnanswered()
    {
        // Left to the worker who held it when the budget was spent, the item stayed collecting for good once that lease ran
        // out: every worker had been told no task would come, so no task request swept it.
        await SeedAsync(new RoutingSettings { VoteBudget = 2 });
        var held = await _harness.Get<TaskLeasing>().NextAsync("spam", "worker:c", CancellationToken.None);
        Assert.NotNull(held);
        await VoteAsync("worker:a", "ham");
        await VoteAsync("worker:a", "ham");
        Assert.Null(await _harness.Get<TaskLeasing>().NextAsync("spam", "worker:b", CancellationToken.None));
        Assert.Equal(ItemState.Collecting, (await _harness.Get<IItemStore>().GetAsync("spam", held.ItemId, CancellationToken.None))!.State);

        _harness.Time.Advance(TimeSpan.FromMinutes(10));
        await _harness.Refit(new ReliabilityRefitOptions()).RefitAsync("spam", CancellationToken.None);

        Assert.Equal(ItemState.NeedsReview, (await _harness.Get<IItemStore>().GetAsync("spam", held.ItemId, CancellationToken.None))!.State);
        Assert.Equal(0, await _harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE state = 'collecting'"));
    }

    [Fact]
    public async Task Sweep_InAProcessThatServesAnOldVersion_ReadsTheStoredBudgetFirst()
    {
        // An Azure instance serves its projects from memory for Cosmos:ProjectRefresh. One that still held the spent budget
        // another instance had just raised sent the re-opened pool back to review at its next refused task request.
        await SeedAsync(new RoutingSettings { VoteBudget = 1 });
        var store = _harness.Get<IProjectStore>();
        var old = (await store.GetAsync("spam", CancellationToken.None))!;
        var stale = new FrozenProjectStore(store, old);
        var models = new ProjectModels(stale, _harness.Get<ILabelerStore>(), _harness.Time);
        var sweep = new SpentBudgetSweep(
            models, stale, _harness.Get<IItemStore>(), _harness.Get<ILeaseStore>(), _harness.Time,
            _harness.Get<Microsoft.Extensions.Options.IOptions<LabelingOptions>>(), Microsoft.Extensions.Logging.Abstractions.NullLogger<SpentBudgetSweep>.Instance);
        (await models.OpenAsync("spam", CancellationToken.None)).Dispose();
        Assert.True(await store.TryReplaceAsync(old with { Routing = old.Routing with { VoteBudget = 100 }, Version = 2 }, CancellationToken.None));
        var collecting = await _harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE state = 'collecting'");
        Assert.True(collecting > 0);

        Assert.Equal(0, await sweep.SweepAsync("spam", 1, CancellationToken.None));

        Assert.Equal(collecting, await _harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE state = 'collecting'"));
        using var session = await models.OpenAsync("spam", CancellationToken.None);
        Assert.Equal((2, 100L), (session.Model.Project.Version, session.Model.Project.Routing.VoteBudget));
    }

    [Fact]
    public async Task NoTask_SaysWhy_AndWhenAskingAgainHelps()
    {
        // A bare 204 told a worker's UI nothing: "come back in a minute" and "this project is done" looked the same.
        var leasing = _harness.Get<TaskLeasing>();
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { MinCrowdVotes = 2, MaxCrowdVotes = 2, VoteBudget = 6 }));
        Assert.Equal(NoTask.PoolEmpty, await leasing.WhyNoTaskAsync("spam", "worker:a", CancellationToken.None));

        await _harness.IngestAsync("spam", "a.csv", Csv);
        Assert.Equal(NoTask.Preparing, await leasing.WhyNoTaskAsync("spam", "worker:a", CancellationToken.None));
        await _harness.DrainQueueAsync();

        // Three items: worker:a answers them all; worker:b holds one while worker:c answers the other two.
        foreach (var _ in Enumerable.Range(0, 3))
        {
            await VoteAsync("worker:a", "ham");
        }

        Assert.Null(await leasing.NextAsync("spam", "worker:a", CancellationToken.None));
        Assert.Equal(NoTask.AllAnswered, await leasing.WhyNoTaskAsync("spam", "worker:a", CancellationToken.None));
        var held = await leasing.NextAsync("spam", "worker:b", CancellationToken.None);
        Assert.NotNull(held);
        await VoteAsync("worker:c", "ham");
        await VoteAsync("worker:c", "ham");
        Assert.Null(await leasing.NextAsync("spam", "worker:c", CancellationToken.None));
        Assert.Equal(NoTask.AllLeased, await leasing.WhyNoTaskAsync("spam", "worker:c", CancellationToken.None));

        // A new upload being weak-labeled: tasks come in moments, though worker:a has answered the pool.
        await _harness.IngestAsync("spam", "b.csv", "text\na comment uploaded later\n");
        Assert.Equal(NoTask.Preparing, await leasing.WhyNoTaskAsync("spam", "worker:a", CancellationToken.None));
        await _harness.DrainQueueAsync();

        // worker:b's vote spends the budget of 6.
        await _harness.Get<VoteRecording>().SubmitAsync(held.LeaseId, "worker:b", new VoteRequest("ham"), null, CancellationToken.None);
        Assert.Null(await leasing.NextAsync("spam", "worker:d", CancellationToken.None));
        Assert.Equal(NoTask.BudgetSpent, await leasing.WhyNoTaskAsync("spam", "worker:d", CancellationToken.None));
        Assert.Null(NoTask.BudgetSpent.RetryAfterSeconds);
        Assert.NotNull(NoTask.AllLeased.RetryAfterSeconds);
    }

    [Fact]
    public async Task Gold_WorkersVoteOnGoldItem_ItMeasuresMaxCrowdVotesWorkersThenIsDecidedByGoldWithTheKnownLabel()
    {
        // It used to be decided on its MinCrowdVotes-th vote whatever the votes — the vote's answer told workers it was gold.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { MinCrowdVotes = 2, MaxCrowdVotes = 5 }));
        var seeded = await _harness.Get<GoldSeeding>().SeedAsync("spam", new GoldSeedRequest([new GoldItemRequest("win a free phone, subscribe", "spam")]), CancellationToken.None);
        await _harness.DrainQueueAsync();

        var states = new List<ItemState>();
        for (var w = 0; w < 5; w++)
        {
            states.Add((await VoteAsync($"worker:w{w}", "ham", seeded.Created[0])).State);
        }

        Assert.Equal([ItemState.Collecting, ItemState.Collecting, ItemState.Collecting, ItemState.Collecting, ItemState.Decided], states);
        var item = await _harness.Get<IItemStore>().GetAsync("spam", seeded.Created[0], CancellationToken.None);
        Assert.Equal((DecidedBy.Gold, "spam", 5), (item!.DecidedBy, item.Label, item.CrowdVotes));
        // Each of the five was measured against the known label: one answer of evidence, and it was wrong — which the
        // worker is shown after the next re-fit, not at once (the moment it moved would say the item was gold).
        var statistics = _harness.Get<Labeling.Application.Workers.WorkerStatistics>();
        var before = Assert.Single((await statistics.ForWorkerAsync("worker:w4", CancellationToken.None)).Projects);
        Assert.Equal(0.0, before.Evidence, 6);
        _harness.Time.Advance(TimeSpan.FromMinutes(30));
        await _harness.Refit(new ReliabilityRefitOptions()).RefitAsync("spam", CancellationToken.None);
        var measured = Assert.Single((await statistics.ForWorkerAsync("worker:w4", CancellationToken.None)).Projects);
        Assert.Equal(1.0, measured.Evidence, 6);
        Assert.True(measured.Accuracy < 0.5, $"accuracy {measured.Accuracy}");
        Assert.Equal(_harness.Time.GetUtcNow(), measured.EstimatedAt);
    }

    [Fact]
    public async Task WorkerStatistics_VotesOnGoldAndOtherItems_MoveNoFigureUntilTheNextRefit()
    {
        // A vote on a gold item moved the worker's evidence by a whole answer at once, a vote on an item nobody else had
        // answered moved nothing: polling its own figures after each vote told a worker which items were gold.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { MaxCrowdVotes = 5 }));
        var gold = await _harness.Get<GoldSeeding>().SeedAsync("spam", new GoldSeedRequest([new GoldItemRequest("win a free phone today", "spam")]), CancellationToken.None);
        await _harness.IngestAsync("spam", "plain.csv", "text\nI love this song\nthe chorus is amazing\n");
        await _harness.DrainQueueAsync();
        var statistics = _harness.Get<Labeling.Application.Workers.WorkerStatistics>();
        var loaded = _harness.Time.GetUtcNow();

        var seen = new List<(int Votes, double Evidence, DateTimeOffset At)>();
        for (var n = 0; n < 3; n++)
        {
            _harness.Time.Advance(TimeSpan.FromMinutes(1));
            await VoteAsync("worker:peek", "spam");
            var view = Assert.Single((await statistics.ForWorkerAsync("worker:peek", CancellationToken.None)).Projects);
            seen.Add((view.Votes, view.Evidence, view.EstimatedAt));
        }

        Assert.Equal([1, 2, 3], seen.Select(s => s.Votes));
        Assert.All(seen, s => Assert.Equal(0.0, s.Evidence, 6));
        Assert.All(seen, s => Assert.Equal(loaded, s.At));
        Assert.Contains("worker:peek", (await _harness.Get<IItemStore>().GetVotesAsync("spam", gold.Created[0], CancellationToken.None)).Select(v => v.LabelerId));

        _harness.Time.Advance(TimeSpan.FromMinutes(1));
        await _harness.Refit(new ReliabilityRefitOptions()).RefitAsync("spam", CancellationToken.None);
        var after = Assert.Single((await statistics.ForWorkerAsync("worker:peek", CancellationToken.None)).Projects);
        Assert.True(after.Evidence >= 1.0, $"evidence {after.Evidence}: the gold vote counts once the re-fit is in");
        Assert.Equal(_harness.Time.GetUtcNow(), after.EstimatedAt);
    }

    [Fact]
    public async Task Review_ResolveAnItemThatNeedsReview_DecidesItAndEmitsAnEvent()
    {
        await SeedAsync(new RoutingSettings { MinCrowdVotes = 1, MaxCrowdVotes = 1, CrowdTarget = 0.999 });
        var stuck = await VoteAsync("worker:a", null);
        Assert.Equal(ItemState.NeedsReview, stuck.State);

        var resolved = await _harness.Get<ReviewResolution>().ResolveAsync("spam", stuck.ItemId, new ResolutionRequest("ham"), "rita", CancellationToken.None);

        Assert.Equal(ItemState.Decided, resolved.State);
        Assert.Equal(DecidedBy.Reviewer, resolved.DecidedBy);
        Assert.Equal("Resolved by reviewer 'rita'.", resolved.Reason);
        Assert.Equal(1, await _harness.ScalarAsync($"SELECT COUNT(*) FROM outbox WHERE item_id = '{stuck.ItemId}'"));
        await Assert.ThrowsAsync<ConflictException>(() => _harness.Get<ReviewResolution>().ResolveAsync("spam", stuck.ItemId, new ResolutionRequest("spam"), "rita", CancellationToken.None));
    }

    [Fact]
    public async Task Review_AReviewerWhoVotedOnTheItem_CannotResolveIt_AnotherReviewerCan()
    {
        // One token may carry both roles: its holder's vote would be judged by its holder's own label.
        await SeedAsync(new RoutingSettings { MinCrowdVotes = 1, MaxCrowdVotes = 1, CrowdTarget = 0.999 });
        var stuck = await VoteAsync("worker:a", "spam");
        Assert.Equal(ItemState.NeedsReview, stuck.State);
        var review = _harness.Get<ReviewResolution>();

        var refused = await Assert.ThrowsAsync<AccessDeniedException>(() => review.ResolveAsync("spam", stuck.ItemId, new ResolutionRequest("spam"), "a", CancellationToken.None));

        Assert.Contains("another reviewer", refused.Message, StringComparison.Ordinal);
        Assert.Equal(ItemState.NeedsReview, (await _harness.Get<IItemStore>().GetAsync("spam", stuck.ItemId, CancellationToken.None))!.State);
        Assert.Equal(ItemState.Decided, (await review.ResolveAsync("spam", stuck.ItemId, new ResolutionRequest("spam"), "b", CancellationToken.None)).State);
    }

    [Fact]
    public async Task Export_Csv_StreamsOneRowPerLabeledItemWithQuotedText()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { AcceptTarget = 0.6, AutoAcceptUntrusted = true }));
        await _harness.IngestAsync("spam", "a.csv", "text\n\"subscribe, please \"\"now\"\"\"\nhello\n");
        await _harness.DrainQueueAsync();
        using var output = new MemoryStream();

        var rows = await _harness.Get<Export.LabelExport>().WriteAsync("spam", Export.ExportFormat.Csv, output, CancellationToken.None);

        var lines = System.Text.Encoding.UTF8.GetString(output.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(1, rows);
        Assert.Equal("item_id,external_id,text,label,confidence,posterior,decided_by,vote_count,document_id,source_id", lines[0]);
        Assert.Contains("\"subscribe, please \"\"now\"\"\",spam,", lines[1], StringComparison.Ordinal);
        Assert.Contains(",machine,1,", lines[1], StringComparison.Ordinal);
        var document = Assert.Single(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None));
        Assert.EndsWith($",machine,1,{document.Id},row-2", lines[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Export_Csv_TextThatASpreadsheetWouldRunAsAFormula_IsNeutralisedAndJsonlKeepsItExact()
    {
        var (row, exported) = await ExportOneAsync("a.csv", "text\n\"=HYPERLINK(\"\"http://x.example\"\",\"\"subscribe\"\")\"\n");

        Assert.Contains(",\"'=HYPERLINK(\"\"http://x.example\"\",\"\"subscribe\"\")\",spam,", row, StringComparison.Ordinal);
        Assert.Equal("=HYPERLINK(\"http://x.example\",\"subscribe\")", exported.RootElement.GetProperty("text").GetString());
    }

    [Theory]
    [InlineData("\u200B=1+1 subscribe")]
    [InlineData("\uFF1D1+1 subscribe")]
    [InlineData("\uFF20SUM(A1) subscribe")]
    public async Task Export_Csv_AFormulaBehindAnInvisibleCharacterOrInFullWidth_IsNeutralisedToo(string text)
    {
        var (row, _) = await ExportOneAsync("a.csv", $"text\n{text}\n");

        Assert.Matches(",'[^,]*subscribe,spam,", row);
    }

    [Theory]
    [InlineData("\u00AD=1+1 subscribe")]
    [InlineData("\u200C=1+1 subscribe")]
    [InlineData("\u200D+1+1 subscribe")]
    [InlineData("\u2060-1+1 subscribe")]
    [InlineData("\u034F=1+1 subscribe")]
    [InlineData("\uFE0F=1+1 subscribe")]
    [InlineData("\u3000=1+1 subscribe")]
    [InlineData("\u3164=1+1 subscribe")]
    [InlineData("\u2800@SUM(A1) subscribe")]
    [InlineData("\U000E0001=1+1 subscribe")]
    [InlineData("\U000E0100=1+1 subscribe")]
    public async Task Export_Csv_AFormulaBehindAnyInvisibleCharacter_IsNeutralisedToo(string text)
    {
        // Only a byte-order mark and a zero-width space were skipped: a security review put a soft hyphen, a zero-width
        // joiner, a word joiner, a grapheme joiner, a variation selector or an ideographic space before the '='.
        var (row, _) = await ExportOneAsync("a.jsonl", System.Text.Json.JsonSerializer.Serialize(new { text }) + "\n");

        Assert.Matches(",'[^,]*subscribe,spam,", row);
    }

    [Theory]
    [InlineData("\u0001=1+1 subscribe")]
    [InlineData("\u001B@SUM(A1) subscribe")]
    public async Task Export_Csv_AFormulaBehindAControlCharacter_IsNeutralisedToo(string text)
    {
        // Gold seeding and JSON escapes can bring control characters in; a spreadsheet may skip them before the formula.
        var (row, _) = await ExportOneAsync("a.jsonl", System.Text.Json.JsonSerializer.Serialize(new { text }) + "\n");

        Assert.Matches(",'[^,]*subscribe,spam,", row);
    }

    [Theory]
    [InlineData("nice video;=1+1;", "nice video;'=1+1;")]
    [InlineData("a; \"@SUM(A1)\" b;-2", "\"a; \"\"'@SUM(A1)\"\" b;'-2\"")]
    [InlineData("=1;+2", "'=1;'+2")]
    public async Task Export_Csv_AFormulaAfterASemicolon_IsNeutralisedForSpreadsheetsThatSplitOnSemicolons(string text, string cell)
    {
        // A ';'-separated locale splits the line at each ';' whatever the quoting, so each part is checked like a cell.
        var (row, exported) = await ExportOneAsync("a.jsonl", System.Text.Json.JsonSerializer.Serialize(new { text = text + " subscribe" }) + "\n");

        var expected = cell.EndsWith('"') ? cell[..^1] + " subscribe\"" : cell + " subscribe";
        Assert.Contains("," + expected + ",spam,", row, StringComparison.Ordinal);
        Assert.Equal(text + " subscribe", exported.RootElement.GetProperty("text").GetString());
    }

    // One file of one spam-matching item, machine-accepted, exported both ways: the CSV row and the JSONL record.
    [Fact]
    public async Task Export_LongRecordSplitInTwo_EachPartNamesItsDocumentAndPlaceInBothFormats()
    {
        // Two sentences of 1,200 characters: one record, two items (the limit is 2,000), told apart only by their place.
        var first = "subscribe " + new string('a', 1_188) + ".";
        var second = "subscribe " + new string('b', 1_188) + ".";
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { AcceptTarget = 0.6, AutoAcceptUntrusted = true }));
        await _harness.IngestAsync("spam", "long.jsonl", System.Text.Json.JsonSerializer.Serialize(new { text = first + " " + second }) + "\n");
        await _harness.DrainQueueAsync();
        using var csv = new MemoryStream();
        using var jsonl = new MemoryStream();

        await _harness.Get<Export.LabelExport>().WriteAsync("spam", Export.ExportFormat.Csv, csv, CancellationToken.None);
        await _harness.Get<Export.LabelExport>().WriteAsync("spam", Export.ExportFormat.Jsonl, jsonl, CancellationToken.None);

        var document = Assert.Single(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None));
        string[] expected = [$"{document.Id},line-1#part-1", $"{document.Id},line-1#part-2"];
        var rows = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1..];
        Assert.Equal(expected, rows.Select(r => string.Join(',', r.Split(',')[^2..])).Order(StringComparer.Ordinal));
        var lines = System.Text.Encoding.UTF8.GetString(jsonl.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(expected, lines.Select(l =>
        {
            using var row = System.Text.Json.JsonDocument.Parse(l);
            return row.RootElement.GetProperty("documentId").GetString() + "," + row.RootElement.GetProperty("sourceId").GetString();
        }).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Export_Jsonl_WritesTextOutsideAsciiAsItStands_AndReadsBackExactly()
    {
        // Every character outside ASCII was a \uXXXX escape: "caf\u00E9" in a file a person reads.
        const string text = "caf\u00e9 \u65e5\u672c\u8a9e <b>&amp;</b> subscribe \U0001F44D";
        var (_, exported) = await ExportOneAsync("a.jsonl", System.Text.Json.JsonSerializer.Serialize(new { text }) + "\n");
        using var jsonl = new MemoryStream();
        await _harness.Get<Export.LabelExport>().WriteAsync("spam", Export.ExportFormat.Jsonl, jsonl, CancellationToken.None);
        var line = System.Text.Encoding.UTF8.GetString(jsonl.ToArray());

        Assert.Contains("caf\u00e9 \u65e5\u672c\u8a9e <b>&amp;</b> subscribe", line, StringComparison.Ordinal);
        Assert.Equal(text, exported.RootElement.GetProperty("text").GetString());
    }

    private async Task<(string CsvRow, System.Text.Json.JsonDocument Jsonl)> ExportOneAsync(string fileName, string content)
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { AcceptTarget = 0.6, AutoAcceptUntrusted = true }));
        await _harness.IngestAsync("spam", fileName, content);
        await _harness.DrainQueueAsync();
        using var csv = new MemoryStream();
        using var jsonl = new MemoryStream();

        await _harness.Get<Export.LabelExport>().WriteAsync("spam", Export.ExportFormat.Csv, csv, CancellationToken.None);
        await _harness.Get<Export.LabelExport>().WriteAsync("spam", Export.ExportFormat.Jsonl, jsonl, CancellationToken.None);

        var row = System.Text.Encoding.UTF8.GetString(csv.ToArray()).Split('\n', StringSplitOptions.RemoveEmptyEntries)[1];
        return (row, System.Text.Json.JsonDocument.Parse(System.Text.Encoding.UTF8.GetString(jsonl.ToArray()).Trim()));
    }

    [Fact]
    public async Task Vote_EightWorkersVotingAtOnce_EveryAnsweredVoteIsStoredOnceAndCounted()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { ReliabilityDoubt = 0 }));
        await _harness.IngestAsync("spam", "many.csv", "text\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"comment number {i} about the song\n")));
        await _harness.DrainQueueAsync();
        var leasing = _harness.Get<TaskLeasing>();
        var votes = _harness.Get<VoteRecording>();

        async Task<int> WorkAsync(int w)
        {
            var answered = 0;
            for (var n = 0; n < 10; n++)
            {
                var task = await leasing.NextAsync("spam", $"worker:w{w}", CancellationToken.None);
                if (task is null)
                {
                    break;
                }

                var outcome = await votes.SubmitAsync(task.LeaseId, $"worker:w{w}", new VoteRequest((w + n) % 3 == 0 ? "ham" : "spam"), $"w{w}-{n}", CancellationToken.None);
                Assert.False(outcome.Replayed);
                answered++;
            }

            return answered;
        }

        var answered = (await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() => WorkAsync(w))))).Sum();

        Assert.Equal(80, answered);
        Assert.Equal(answered, await _harness.ScalarAsync("SELECT COUNT(*) FROM votes WHERE kind = 'worker'"));
        Assert.Equal(answered, await _harness.ScalarAsync("SELECT crowd_votes FROM project_counters WHERE project_id = 'spam'"));
        Assert.Equal(answered, await _harness.ScalarAsync("SELECT COUNT(*) FROM idempotency"));
        Assert.Equal(0, await _harness.ScalarAsync("SELECT COUNT(*) FROM items i WHERE crowd_votes <> (SELECT COUNT(*) FROM votes v WHERE v.item_id = i.id AND v.kind = 'worker')"));
    }

    [Fact]
    public async Task NextTask_AskedTwiceAtOnceBySameWorker_BothGetTheSameLease()
    {
        await SeedAsync();
        var leasing = _harness.Get<TaskLeasing>();

        // Three workers (one per item) each send two requests at once (a client retrying a request whose answer it lost).
        var pairs = await Task.WhenAll(Enumerable.Range(0, 3).Select(w => Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            leasing.NextAsync("spam", $"worker:{w}", CancellationToken.None))))));

        foreach (var pair in pairs)
        {
            Assert.NotNull(pair[0]);
            Assert.Equal(pair[0]!.LeaseId, pair[1]?.LeaseId);
        }

        Assert.Equal(3, await _harness.ScalarAsync("SELECT COUNT(*) FROM leases"));
        Assert.Equal(3, await _harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE lease_id IS NOT NULL"));
    }

    [Fact]
    public async Task Vote_OneLeaseSubmittedTwiceAtOnceWithOneKey_OneVoteAndOneAnswer()
    {
        await SeedAsync();
        var task = await _harness.Get<TaskLeasing>().NextAsync("spam", "worker:a", CancellationToken.None);
        Assert.NotNull(task);
        var votes = _harness.Get<VoteRecording>();

        var both = await Task.WhenAll(Enumerable.Range(0, 2).Select(_ => Task.Run(() =>
            votes.SubmitAsync(task.LeaseId, "worker:a", new VoteRequest("spam"), "retry-key", CancellationToken.None))));

        Assert.Equal(1, both.Count(o => !o.Replayed));
        Assert.Equal(both[0].Result.CrowdVotes, both[1].Result.CrowdVotes);
        Assert.Equal(1, await _harness.ScalarAsync("SELECT COUNT(*) FROM votes WHERE kind = 'worker'"));
    }

    [Fact]
    public async Task VoteAndReleaseOfOneLeaseAtOnce_OneOfThemWins_AndNoCommitFailsUnderTheOthers()
    {
        // A release landing between a vote's check and its queued commit failed that commit, and with it every commit
        // of the project computed after it: other workers' votes answered 409 and the model was thrown away (third
        // security probe, 13 of 150 tries). The release now waits for the project's lock and the lease's vote.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { ReliabilityDoubt = 0 }));
        await _harness.IngestAsync("spam", "many.csv", "text\n" + string.Concat(Enumerable.Range(0, 60).Select(i => $"comment number {i} about the song\n")));
        await _harness.DrainQueueAsync();
        var leasing = _harness.Get<TaskLeasing>();
        var votes = _harness.Get<VoteRecording>();
        var release = _harness.Get<TaskRelease>();
        var model = await ModelOfAsync("spam");

        for (var n = 0; n < 40; n++)
        {
            var task = (await leasing.NextAsync("spam", $"worker:r{n}", CancellationToken.None))!;
            var other = (await leasing.NextAsync("spam", $"worker:o{n}", CancellationToken.None))!;
            var vote = Task.Run(() => votes.SubmitAsync(task.LeaseId, $"worker:r{n}", new VoteRequest("spam"), null, CancellationToken.None));
            var released = Task.Run(() => release.ReleaseAsync(task.LeaseId, $"worker:r{n}", CancellationToken.None));
            var bystander = Task.Run(() => votes.SubmitAsync(other.LeaseId, $"worker:o{n}", new VoteRequest("ham"), null, CancellationToken.None));
            var outcomes = new[] { await Settled(vote), await Settled(released) };

            Assert.Null(await Settled(bystander));
            Assert.Single(outcomes, e => e is null);
            Assert.All(outcomes.OfType<Exception>(), e => Assert.IsType<ConflictException>(e));
        }

        Assert.Same(model, await ModelOfAsync("spam"));
    }

    [Fact]
    public async Task Vote_OneKeyOnLeasesOfTwoProjectsAtOnce_TheSecondIsRefusedBeforeItIsComputed()
    {
        // Both passed the replay check and the second failed on the key's insert, failing the commits queued after it.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { ReliabilityDoubt = 0 }));
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { ReliabilityDoubt = 0 }) with { Id = "spam2" });
        var csv = "text\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"comment number {i} about the song\n"));
        await _harness.IngestAsync("spam", "many.csv", csv);
        await _harness.IngestAsync("spam2", "many.csv", csv);
        await _harness.DrainQueueAsync();
        var leasing = _harness.Get<TaskLeasing>();
        var votes = _harness.Get<VoteRecording>();
        var models = (await ModelOfAsync("spam"), await ModelOfAsync("spam2"));

        for (var n = 0; n < 20; n++)
        {
            var first = (await leasing.NextAsync("spam", "worker:k", CancellationToken.None))!;
            var second = (await leasing.NextAsync("spam2", "worker:k", CancellationToken.None))!;
            var outcomes = await Task.WhenAll(
                Settled(Task.Run(() => votes.SubmitAsync(first.LeaseId, "worker:k", new VoteRequest("spam"), $"key-{n}", CancellationToken.None))),
                Settled(Task.Run(() => votes.SubmitAsync(second.LeaseId, "worker:k", new VoteRequest("spam"), $"key-{n}", CancellationToken.None))));

            Assert.Single(outcomes, e => e is null);
            Assert.IsType<IdempotencyKeyReusedException>(Assert.Single(outcomes.OfType<Exception>()));
            foreach (var (project, lease) in new[] { ("spam", first.LeaseId), ("spam2", second.LeaseId) })
            {
                // The refused lease is still open: release it so the worker's next task is a new item.
                if ((await _harness.Get<ILeaseStore>().GetAsync(lease, CancellationToken.None))!.CompletedAt is null)
                {
                    await _harness.Get<TaskRelease>().ReleaseAsync(lease, "worker:k", CancellationToken.None);
                }
            }
        }

        Assert.Same(models.Item1, await ModelOfAsync("spam"));
        Assert.Same(models.Item2, await ModelOfAsync("spam2"));
        Assert.Equal(20, await _harness.ScalarAsync("SELECT COUNT(*) FROM votes WHERE kind = 'worker'"));
    }

    [Theory]
    [InlineData(10.0)]
    [InlineData(0.0)] // the demo project's doubt, which turns the information rule off (fourth security probe)
    public async Task NextTask_WorkerWhoOnlyAnswersUnsure_IsRetiredOnceJudged_AndSaysSo(double doubt)
    {
        // Unsure answers spend items' vote slots and the budget but teach the model nothing about the worker, so the
        // information rule never judged such a worker: one of them spent a project's whole budget (third security probe).
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { ReliabilityDoubt = doubt }));
        await _harness.IngestAsync("spam", "many.csv", "text\n" + string.Concat(Enumerable.Range(0, 30).Select(i => $"comment number {i} about the song\n")));
        await _harness.DrainQueueAsync();
        var leasing = _harness.Get<TaskLeasing>();
        var votes = _harness.Get<VoteRecording>();

        var answered = 0;
        WorkerRetiredException? retired = null;
        while (answered < 30)
        {
            try
            {
                var task = await leasing.NextAsync("spam", "worker:shrug", CancellationToken.None);
                Assert.NotNull(task);
                await votes.SubmitAsync(task.LeaseId, "worker:shrug", new VoteRequest(null, Unsure: true), null, CancellationToken.None);
                answered++;
            }
            catch (WorkerRetiredException ex)
            {
                retired = ex;
                break;
            }
        }

        Assert.NotNull(retired);
        Assert.Equal(10, answered);
        Assert.Equal(10, retired.Extensions["unsureAnswers"]);
        Assert.Contains("10 of its 10 answers were \"unsure\"", retired.Message, StringComparison.Ordinal);
        var view = Assert.Single((await _harness.Get<Workers.WorkerStatistics>().ForWorkerAsync("worker:shrug", CancellationToken.None)).Projects);
        Assert.True(view.Retired);
        Assert.Equal((10, 10), (view.Votes, view.Unsure));

        // A worker who labels is not touched by this rule.
        for (var n = 0; n < 12; n++)
        {
            var task = (await leasing.NextAsync("spam", "worker:labels", CancellationToken.None))!;
            await votes.SubmitAsync(task.LeaseId, "worker:labels", new VoteRequest(n % 3 == 0 ? null : "ham", Unsure: n % 3 == 0), null, CancellationToken.None);
        }

        Assert.NotNull(await leasing.NextAsync("spam", "worker:labels", CancellationToken.None));
    }

    private async Task<ProjectTruthModel> ModelOfAsync(string projectId)
    {
        using var session = await _harness.Get<ProjectModels>().OpenAsync(projectId, CancellationToken.None);
        return session.Model;
    }

    private static async Task<Exception?> Settled(Task task)
    {
        try
        {
            await task;
            return null;
        }
        catch (Exception ex)
        {
            return ex;
        }
    }

    private async Task SeedAsync(RoutingSettings? routing = null)
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(routing));
        await _harness.IngestAsync("spam", "a.csv", Csv);
        await _harness.DrainQueueAsync();
    }

    private async Task<VoteResult> VoteAsync(string worker, string? label, string? expectedItem = null)
    {
        var task = await _harness.Get<TaskLeasing>().NextAsync("spam", worker, CancellationToken.None);
        Assert.NotNull(task);
        if (expectedItem is not null)
        {
            Assert.Equal(expectedItem, task.ItemId);
        }

        var outcome = await _harness.Get<VoteRecording>().SubmitAsync(task.LeaseId, worker, new VoteRequest(label, Unsure: label is null), null, CancellationToken.None);
        return outcome.Result;
    }

    // A process's copy of a project that has not caught up: GetAsync answers the old version, GetCurrentAsync the stored one.
    private sealed class FrozenProjectStore(IProjectStore inner, Domain.Projects.Project frozen) : IProjectStore
    {
        public Task<Domain.Projects.Project?> GetAsync(string projectId, CancellationToken cancellationToken) =>
            Task.FromResult<Domain.Projects.Project?>(projectId == frozen.Id ? frozen : null);

        public Task<Domain.Projects.Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken) => inner.GetCurrentAsync(projectId, cancellationToken);

        public Task<IReadOnlyList<Domain.Projects.Project>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task<bool> TryCreateAsync(Domain.Projects.Project project, CancellationToken cancellationToken) => inner.TryCreateAsync(project, cancellationToken);

        public Task<bool> TryReplaceAsync(Domain.Projects.Project replacement, CancellationToken cancellationToken) => inner.TryReplaceAsync(replacement, cancellationToken);
    }
}
