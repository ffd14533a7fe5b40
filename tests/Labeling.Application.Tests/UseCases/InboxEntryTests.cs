using System.Net.Sockets;
using Labeling.Adapters.Local.Inbox;
using Labeling.Application.Documents;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Labeling.Application.WeakLabeling;
using Labeling.Domain.Projects;
using Labeling.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Labeling.Application.Tests.UseCases;

/// <summary>The inbox against entries it cannot read and files replaced while they are read (a review found both).</summary>
public sealed class InboxEntryTests : IDisposable
{
    private const string Csv = "text\nPlease subscribe to my channel\nI love this song\n";
    private readonly LabelingHarness _harness = new();

    public void Dispose() => _harness.Dispose();

    [LinuxFact]
    public async Task Scan_AUnixSocketInAProjectFolder_IsReportedAndDoesNotStopTheScan()
    {
        // README: "a named pipe, socket or device ... left alone and reported". RegularFile.Is opens every listed entry;
        // open(2) on a socket fails with ENXIO, which ended the listing: every scan failed (logged once, event 6103) and
        // files listed after the socket were never queued.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var folder = Directory.CreateDirectory(Path.Combine(_harness.DataDirectory, "inbox", "spam")).FullName;
        using var socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
        socket.Bind(new UnixDomainSocketEndPoint(Path.Combine(folder, "s.csv")));
        var ok = Path.Combine(folder, "ok.csv");
        await File.WriteAllTextAsync(ok, Csv);
        File.SetLastWriteTimeUtc(ok, _harness.Time.GetUtcNow().UtcDateTime.AddHours(-1));

        Assert.Equal(1, await _harness.Get<InboxWatcher>().ScanAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Ingest_InboxFileReplacedWhileItsPredecessorIsIngested_IsNotArchivedUnread()
    {
        // The ingest reads the bytes, then records them, then moved whatever file was at the path then: a new version
        // copied over the same name in between went to processed/ without ever being read, and its items never arrived.
        var path = await DropAsync(_harness, "a.csv", TimeSpan.FromHours(-1));
        StoredDocument? listed = null;
        await foreach (var file in _harness.Get<FolderDocumentSource>().ListInboxAsync(CancellationToken.None))
        {
            listed = file;
        }

        // The second version lands after the first was read (the project lookup comes right after the read).
        var projects = new ReplacingProjectStore(_harness.Get<IProjectStore>(), () => File.WriteAllText(path, "text\nA SECOND VERSION LINE\n"));
        var ingestion = new DocumentIngestion(projects, _harness.Get<IDocumentStore>(), _harness.Get<IItemStore>(), _harness.Get<IDocumentSource>(),
            _harness.Get<DocumentParserRegistry>(), _harness.Get<WeakLabeler>(), _harness.Get<IOptions<IngestionOptions>>(), _harness.Time,
            NullLogger<DocumentIngestion>.Instance);
        await ingestion.IngestAsync(listed!, CancellationToken.None);

        var items = await _harness.Get<IItemStore>().ListAsync("spam", null, null, 100, CancellationToken.None);
        var secondRead = items.Any(i => i.Text.Contains("SECOND VERSION", StringComparison.Ordinal));
        Assert.False(secondRead);
        Assert.True(File.Exists(path), "the second version was moved to processed/ unread");
        Assert.Contains("A SECOND VERSION LINE", await File.ReadAllTextAsync(path), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Scan_AFileWithAFutureTime_IsQueuedOrReported()
    {
        // The settle check is "written more than InboxSettleTime ago": a file whose time is ahead of the clock (an unpacked
        // archive, a share whose clock runs ahead) was skipped without a word until the clock passed it (a review).
        var path = await DropAsync(_harness, "ahead.csv", TimeSpan.FromDays(1));

        Assert.Equal(1, await _harness.Get<InboxWatcher>().ScanAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Scan_AFileWrittenJustNow_WaitsToSettle_EvenWithTheClockAMinuteBehind()
    {
        var path = await DropAsync(_harness, "fresh.csv", TimeSpan.FromSeconds(50));

        Assert.Equal(0, await _harness.Get<InboxWatcher>().ScanAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Health_APoisonedFileSetAsideAndThenReadAgain_DoesNotLeaveTheServerDegradedForEver()
    {
        // The poison row stayed (never pruned, no route clears it) after the scan set its file aside and after the file, put
        // back as the reason advises, was ingested: /health answered Degraded for ever, though no work needed a person.
        using var harness = new LabelingHarness(settings: new Dictionary<string, string?> { ["WorkQueue:MaxAttempts"] = "3" });
        var path = await DropAsync(harness, "flaky.csv", TimeSpan.FromHours(-1));
        var watcher = harness.Get<InboxWatcher>();
        var queue = harness.Get<IWorkQueue>();
        await watcher.ScanAsync(CancellationToken.None);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var taken = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
            await queue.FailAsync(taken, "InvalidDataException: the parser failed", CancellationToken.None);
            harness.Time.Advance(TimeSpan.FromSeconds(5)); // past the retry wait, 2 s doubled at each attempt
        }

        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));
        File.Move(Assert.Single(Directory.GetFiles(Path.Combine(harness.DataDirectory, "quarantine", "spam"), "*flaky.csv")), path);
        Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None));
        await harness.DrainQueueAsync();
        Assert.Contains(await harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None), d => d.FileName == "flaky.csv" && d.Status == Domain.Documents.DocumentStatus.Ingested);

        var health = await harness.Get<Labeling.Adapters.Local.Hosting.DeliveryHealthCheck>().CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, health.Status);
    }

    [Fact]
    public async Task Health_APoisonedFileWhoseBytesWereIngestedMeanwhile_DoesNotLeaveTheServerDegradedForEver()
    {
        // An ingest that got as far as the record and then failed each time (processed/ not writable, the move refused) is
        // poisoned with its file still in the inbox; the next scan sets the file aside as a copy of ingested bytes, to
        // processed/, but its poison row was released only for a file quarantined: /health answered Degraded for ever,
        // with no file left in the inbox or in quarantine/ for a person to look at.
        using var harness = new LabelingHarness(settings: new Dictionary<string, string?> { ["WorkQueue:MaxAttempts"] = "3" });
        var path = await DropAsync(harness, "again.csv", TimeSpan.FromHours(-1));
        await harness.IngestAsync("spam", "first.csv", Csv);
        await harness.DrainQueueAsync();
        var watcher = harness.Get<InboxWatcher>();
        var queue = harness.Get<IWorkQueue>();
        await watcher.ScanAsync(CancellationToken.None);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var taken = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
            await queue.FailAsync(taken, "UnauthorizedAccessException: Access to the path is denied.", CancellationToken.None);
            harness.Time.Advance(TimeSpan.FromSeconds(5)); // past the retry wait, 2 s doubled at each attempt
        }

        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));

        Assert.False(File.Exists(path));
        var health = await harness.Get<Labeling.Adapters.Local.Hosting.DeliveryHealthCheck>().CheckHealthAsync(new Microsoft.Extensions.Diagnostics.HealthChecks.HealthCheckContext());
        Assert.Equal(Microsoft.Extensions.Diagnostics.HealthChecks.HealthStatus.Healthy, health.Status);
    }

    // A CSV dropped in the spam project's inbox folder (the project created first), dated that far from the harness's clock.
    private static async Task<string> DropAsync(LabelingHarness harness, string name, TimeSpan fromNow)
    {
        await harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var folder = Directory.CreateDirectory(Path.Combine(harness.DataDirectory, "inbox", "spam")).FullName;
        var path = Path.Combine(folder, name);
        await File.WriteAllTextAsync(path, Csv);
        File.SetLastWriteTimeUtc(path, harness.Time.GetUtcNow().UtcDateTime + fromNow);
        return path;
    }

    private sealed class ReplacingProjectStore(IProjectStore inner, Action onFirstGet) : IProjectStore
    {
        private int _calls;

        public Task<Project?> GetAsync(string projectId, CancellationToken cancellationToken)
        {
            if (Interlocked.Increment(ref _calls) == 1)
            {
                onFirstGet();
            }

            return inner.GetAsync(projectId, cancellationToken);
        }

        public Task<Project?> GetCurrentAsync(string projectId, CancellationToken cancellationToken) => inner.GetCurrentAsync(projectId, cancellationToken);

        public Task<bool> TryReplaceAsync(Project replacement, CancellationToken cancellationToken) => inner.TryReplaceAsync(replacement, cancellationToken);

        public Task<IReadOnlyList<Project>> ListAsync(CancellationToken cancellationToken) => inner.ListAsync(cancellationToken);

        public Task<bool> TryCreateAsync(Project project, CancellationToken cancellationToken) => inner.TryCreateAsync(project, cancellationToken);
    }
}
