using DocumentFormat.OpenXml.Wordprocessing;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Labeling.Application.Tests.Ingestion;
using Labeling.Domain.Documents;
using Labeling.Domain.Items;
using Labeling.Domain.Routing;

namespace Labeling.Application.Tests.UseCases;

public sealed class WeakLabelingAndIngestionTests : IDisposable
{
    private const string Csv = "text\nPlease subscribe to my channel\ncheck out http://spam.example now\nI love this song\nI love this song\n  I  love this   song \n";
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Ingest_SameTextTwiceAndSameFileTwice_CreatesNoDuplicateItems()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());

        var first = await _harness.IngestAsync("spam", "a.csv", Csv);
        var again = await _harness.IngestAsync("spam", "b.csv", Csv);

        Assert.Equal(3, first.Document.ItemCount);
        Assert.Equal(2, first.Document.DuplicateItemCount);
        Assert.True(again.AlreadyKnown);
        Assert.Equal(3, await _harness.ScalarAsync("SELECT COUNT(*) FROM items"));
    }

    [Fact]
    public async Task WeakLabeling_AnotherProjectsFileQueuedBehindALargeOne_IsLabeledInTurnNotAfterIt()
    {
        // One queue served oldest first: every batch of a large file went before another project's file queued after it.
        using var harness = new LabelingHarness(settings: new Dictionary<string, string?> { ["Labeling:WeakLabelBatchSize"] = "2", ["WorkQueue:BatchSize"] = "4" });
        await harness.CreateProjectAsync(LabelingHarness.SpamProject());
        await harness.CreateProjectAsync(LabelingHarness.SpamProject() with { Id = "other" });
        await harness.IngestAsync("spam", "large.csv", "text\n" + string.Concat(Enumerable.Range(0, 40).Select(i => $"comment number {i}\n")));
        await harness.IngestAsync("other", "small.csv", "text\nPlease subscribe to my channel\nI love this song\n");

        Assert.Equal(4, await harness.PumpOnceAsync());

        Assert.Equal(0, await harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE project_id = 'other' AND state = 'weak-labeling'"));
        Assert.True(await harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE project_id = 'spam' AND state = 'weak-labeling'") >= 30);
    }

    [Fact]
    public async Task Ingest_LatinOneFileWithAFewAccents_IngestedWithANoteCountingTheUnreadableCharacters()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        // 200 ASCII rows pass the 1 % check; the two rows saved in Latin-1 read "caf\uFFFD cr\uFFFDme" and "na\uFFFDve".
        var rows = string.Concat(Enumerable.Range(0, 200).Select(i => $"an ordinary comment number {i}\n"));
        byte[] bytes = [.. System.Text.Encoding.ASCII.GetBytes("text\n" + rows), .. System.Text.Encoding.Latin1.GetBytes("caf\u00E9 cr\u00E8me\nna\u00EFve\n")];

        var result = await _harness.IngestAsync("spam", "latin1.csv", bytes);
        var clean = await _harness.IngestAsync("spam", "clean.csv", "text\ncaf\u00E9 in UTF-8\n");

        Assert.Equal(DocumentStatus.Ingested, result.Document.Status);
        Assert.Equal(202, result.Document.ItemCount);
        Assert.StartsWith("Ingested, but 3 character(s) in 2 item(s) could not be read", result.Document.Reason, StringComparison.Ordinal);
        Assert.Contains("save it as UTF-8", result.Document.Reason, StringComparison.Ordinal);
        Assert.Equal(result.Document.Reason, (await _harness.Get<IDocumentStore>().GetAsync("spam", result.Document.Id, CancellationToken.None))!.Reason);
        Assert.Null(clean.Document.Reason);

        // The same bytes again: the answer is the record with its note, and the archived copy gets no reason file, which
        // marks files set aside (the note is the record's, as for the first copy).
        var again = await _harness.IngestAsync("spam", "latin1-again.csv", bytes);
        Assert.True(again.AlreadyKnown);
        Assert.Equal(result.Document.Reason, again.Document.Reason);
        Assert.Empty(Directory.GetFiles(Path.Combine(_harness.DataDirectory, "processed"), "*.reason.txt", SearchOption.AllDirectories));
    }

    [Fact]
    public async Task Ingest_UnparseableFile_IsQuarantinedWithReasonAndPipelineContinues()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());

        var bad = await _harness.IngestAsync("spam", "bad.csv", "comment\nhello\n");
        var good = await _harness.IngestAsync("spam", "good.csv", Csv);

        Assert.Equal(DocumentStatus.Quarantined, bad.Document.Status);
        Assert.Contains("text", bad.Document.Reason, StringComparison.OrdinalIgnoreCase);
        var stored = await _harness.Get<IDocumentStore>().GetAsync("spam", bad.Document.Id, CancellationToken.None);
        Assert.Equal(bad.Document.Reason, stored!.Reason);
        Assert.Equal(DocumentStatus.Ingested, good.Document.Status);
        Assert.True(File.Exists(Directory.GetFiles(Path.Combine(_harness.DataDirectory, "quarantine", "spam"), "*.reason.txt").Single()));
    }

    [Fact]
    public async Task Ingest_ProjectWithTextColumn_KeepsTheHostsUnpackLimit()
    {
        // A project's textColumn once rebuilt the options from a list that left out the parse limits,
        // so a decompression bomb went through for every such project (the demo among them).
        using var harness = new LabelingHarness(settings: new Dictionary<string, string?> { ["Ingestion:MaxUnpackedCharacters"] = "100000" });
        await harness.CreateProjectAsync(LabelingHarness.SpamProject() with { TextColumn = "body" });
        var bomb = DocxDocumentParserTests.BuildDocx(body => body.Append(
            new Paragraph(new Run(
                new Text(new string('x', 200_000))))));

        var result = await harness.IngestAsync("spam", "bomb.docx", bomb);

        Assert.Equal(DocumentStatus.Quarantined, result.Document.Status);
        Assert.Contains("Ingestion:MaxUnpackedCharacters", result.Document.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_FileWithMoreItemsThanAllowed_IsQuarantinedSayingTheLimit()
    {
        using var harness = new LabelingHarness(settings: new Dictionary<string, string?> { ["Ingestion:MaxItemsPerDocument"] = "3" });
        await harness.CreateProjectAsync(LabelingHarness.SpamProject());

        var within = await harness.IngestAsync("spam", "three.csv", "text\none\ntwo\nthree\n");
        var over = await harness.IngestAsync("spam", "four.csv", "text\nalpha\nbeta\ngamma\ndelta\n");

        Assert.Equal((DocumentStatus.Ingested, 3), (within.Document.Status, within.Document.ItemCount));
        Assert.Equal(DocumentStatus.Quarantined, over.Document.Status);
        Assert.Equal("The file holds more than 3 items (Ingestion:MaxItemsPerDocument); split it into smaller files.", over.Document.Reason);
        Assert.Equal(3, await harness.ScalarAsync("SELECT COUNT(*) FROM items"));
    }

    [Fact]
    public void WithTextColumn_CopiesEverySettingButTheTextColumn()
    {
        var host = new IngestionOptions
        {
            TextColumn = "text", IdColumn = "id", JsonTextField = "text", JsonIdField = "key", JsonItemsField = "rows",
            MaxItemCharacters = 123, MaxFileBytes = 456, MaxUnpackedCharacters = 789, ParseTimeout = TimeSpan.FromSeconds(7),
            MaxInvalidCharacterFraction = 0.5, MaxItemsPerDocument = 42,
        };

        var copy = host.WithTextColumn("body");

        Assert.Equal(("body", "body"), (copy.TextColumn, copy.JsonTextField));
        Assert.Equal("text", host.TextColumn);
        foreach (var property in typeof(IngestionOptions).GetProperties())
        {
            if (property.Name is nameof(host.TextColumn) or nameof(host.JsonTextField)) continue;
            Assert.Equal(property.GetValue(host), property.GetValue(copy));
        }
    }

    [Fact]
    public async Task WeakLabel_RuleThatTimesOut_IsAskedOncePerBatchNotOncePerItem()
    {
        // Every item costs this pattern its full 100 ms match timeout; asked once per item, 30 items would take over 3 s.
        var slow = new Labeling.Domain.Rules.LabelRule { Id = "slow", Label = "spam", Pattern = "^(a+)+$" };
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject() with { Rules = [slow] });
        await _harness.IngestAsync("spam", "slow.csv", "text\n" + string.Concat(Enumerable.Range(0, 30).Select(i => new string('a', 40) + "!" + i + "\n")));
        using var logs = new Labeling.TestSupport.Logging.LogCollector();
        _harness.Get<Microsoft.Extensions.Logging.ILoggerFactory>().AddProvider(logs);

        await _harness.DrainQueueAsync();

        // Counted, not timed (a loaded CI machine stretches any time): each timeout is logged as event 3002, and the rule
        // is asked again only in the next batch, so the 30 items, one weak-labeling message, log one timeout, not 30.
        Assert.True(30 <= _harness.Get<Microsoft.Extensions.Options.IOptions<LabelingOptions>>().Value.WeakLabelBatchSize);
        Assert.Equal(1, logs.Records.Count(r => r.EventId.Id == 3002));
        var items = await _harness.Get<IItemStore>().ListAsync("spam", null, null, 100, CancellationToken.None);
        Assert.Equal(30, items.Count);
        Assert.All(items, i => Assert.Equal(ItemState.Collecting, i.State));
        Assert.Equal(0, await _harness.ScalarAsync("SELECT COUNT(*) FROM votes WHERE kind = 'rule'"));
    }

    [Fact]
    public async Task WeakLabel_ARuleSlowOnEveryItemButNeverTimingOut_AbstainsOnceItsShareOfTheBatchIsSpent()
    {
        // A pattern taking 40 ms an item never reaches the 100 ms timeout, and 200 such rules held a project (and the
        // queue) for many minutes. The clock here moves 150 ms each time it is read, so each match "takes" 150 ms.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject() with { Rules = [new Labeling.Domain.Rules.LabelRule { Id = "sub", Label = "spam", Keywords = ["subscribe"] }] });
        await _harness.IngestAsync("spam", "many.csv", "text\n" + string.Concat(Enumerable.Range(0, 20).Select(i => $"please subscribe {i}\n")));
        using var logs = new Labeling.TestSupport.Logging.LogCollector();
        _harness.Get<Microsoft.Extensions.Logging.ILoggerFactory>().AddProvider(logs);
        _harness.Time.AutoAdvanceAmount = TimeSpan.FromMilliseconds(150);

        await _harness.DrainQueueAsync();

        Assert.Equal(1, logs.Records.Count(r => r.EventId.Id == 3003));
        // 150 ms a match: the seventh match passes the rule's second, so it votes on seven items and abstains on the rest.
        Assert.Equal(7, await _harness.ScalarAsync("SELECT COUNT(*) FROM votes WHERE kind = 'rule'"));
        var items = await _harness.Get<IItemStore>().ListAsync("spam", null, null, 100, CancellationToken.None);
        Assert.Equal(20, items.Count);
        Assert.All(items, i => Assert.NotEqual(ItemState.WeakLabeling, i.State));
    }

    [Fact]
    public async Task WeakLabel_ManyRulesTogetherSlow_TheBatchsLastItemsGoToTheCrowdWithoutRuleVotes()
    {
        var rules = Enumerable.Range(0, 20).Select(r => new Labeling.Domain.Rules.LabelRule { Id = $"r{r}", Label = "spam", Keywords = ["subscribe"] }).ToArray();
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject() with { Rules = rules });
        await _harness.IngestAsync("spam", "many.csv", "text\n" + string.Concat(Enumerable.Range(0, 10).Select(i => $"please subscribe {i}\n")));
        using var logs = new Labeling.TestSupport.Logging.LogCollector();
        _harness.Get<Microsoft.Extensions.Logging.ILoggerFactory>().AddProvider(logs);
        _harness.Time.AutoAdvanceAmount = TimeSpan.FromMilliseconds(100);

        await _harness.DrainQueueAsync();

        // 20 rules at 100 ms a match (each match reads the clock twice) spend the batch's 10 s within three items.
        var outOfTime = Assert.Single(logs.Records, r => r.EventId.Id == 3004);
        var votes = await _harness.ScalarAsync("SELECT COUNT(*) FROM votes WHERE kind = 'rule'");
        Assert.InRange(votes, 20, 60);
        Assert.Equal(10 - (votes / 20), (int)outOfTime.State["ItemCount"]!);
        Assert.DoesNotContain(logs.Records, r => r.EventId.Id == 3003);
    }

    [Fact]
    public async Task WeakLabel_RulesWithNeutralPrior_AutoAcceptNothingOnDayOne()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        await _harness.IngestAsync("spam", "a.csv", Csv);

        await _harness.DrainQueueAsync();

        var items = await _harness.Get<IItemStore>().ListAsync("spam", null, null, 100, CancellationToken.None);
        Assert.All(items, i => Assert.Equal(ItemState.Collecting, i.State));
        Assert.Equal(3, await _harness.ScalarAsync("SELECT COUNT(*) FROM votes WHERE kind = 'rule'"));
        Assert.Equal(0, await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox"));
        var flagged = items.Single(i => i.Text.StartsWith("check out", StringComparison.Ordinal));
        Assert.Equal(2, flagged.MachineVotes);
        Assert.True(flagged.Posterior![0] > 0.5);
    }

    [Fact]
    public async Task WeakLabel_UntrustedAllowedByConfiguration_AutoAcceptsWithOneEventInTheSameCommit()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject(new RoutingSettings { AcceptTarget = 0.6, AutoAcceptUntrusted = true }));
        await _harness.IngestAsync("spam", "a.csv", Csv);

        await _harness.DrainQueueAsync();
        await _harness.DrainQueueAsync();

        var accepted = await _harness.Get<IItemStore>().ListAsync("spam", ItemState.AutoAccepted, null, 100, CancellationToken.None);
        Assert.NotEmpty(accepted);
        Assert.All(accepted, i => Assert.Equal(DecidedBy.Machine, i.DecidedBy));
        Assert.Equal(accepted.Count, await _harness.ScalarAsync("SELECT COUNT(*) FROM outbox"));
        Assert.Equal(accepted.Count, await _harness.ScalarAsync("SELECT COUNT(DISTINCT item_id) FROM outbox"));
    }

    [Fact]
    public async Task WeakLabel_MessageDeliveredTwice_VotesOnce()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        await _harness.IngestAsync("spam", "a.csv", Csv);
        var ids = (await _harness.Get<IItemStore>().ListAsync("spam", null, null, 100, CancellationToken.None)).Select(i => i.Id).ToArray();

        await _harness.Get<WeakLabeling.WeakLabeler>().LabelAsync("spam", ids, CancellationToken.None);
        var second = await _harness.Get<WeakLabeling.WeakLabeler>().LabelAsync("spam", ids, CancellationToken.None);

        Assert.Equal(0, second);
        Assert.Equal(3, await _harness.ScalarAsync("SELECT COUNT(*) FROM votes"));
    }
}
