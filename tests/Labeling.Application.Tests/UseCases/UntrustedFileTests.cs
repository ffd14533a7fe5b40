using Labeling.Adapters.Local.Inbox;
using Labeling.Application.Ingestion;
using Labeling.Application.Ports;
using Labeling.Application.Tests.Ingestion;
using Labeling.Domain.Documents;
using Labeling.TestSupport;

namespace Labeling.Application.Tests.UseCases;

/// <summary>Files built to hurt the server, or named to mislead, end up quarantined or renamed, never crash or spoof anything.</summary>
public sealed class UntrustedFileTests : IDisposable
{
    private const string Csv = "text\nPlease subscribe to my channel\nI love this song\n";
    private readonly LabelingHarness _harness = new(settings: new Dictionary<string, string?>
    {
        ["WorkQueue:MaxAttempts"] = "3",
        ["WorkQueue:VisibilityTimeout"] = "00:00:30",
    });

    public void Dispose() => _harness.Dispose();

    [Fact]
    public async Task Scan_PoisonedFileMovedBackIntoTheInboxAsItsReasonAdvises_IsReadAgain()
    {
        // Moving a file back keeps its size and time, so its queue key, which still named the poisoned message: the file was
        // set aside again at once, never read.
        var (path, watcher, queue) = await DropSettledInboxFileAsync("flaky.csv");
        await PoisonAsync(watcher, queue);

        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));
        var quarantined = Assert.Single(Directory.GetFiles(Path.Combine(_harness.DataDirectory, "quarantine", "spam"), "*flaky.csv"));

        File.Move(quarantined, path);

        Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None));
        await _harness.DrainQueueAsync();
        Assert.Contains(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None), d => d.FileName == "flaky.csv" && d.Status == Domain.Documents.DocumentStatus.Ingested);
    }

    [Fact]
    public async Task Scan_FolderInsideAProjectFolder_IsReportedOnceAndItsFilesLeftAlone()
    {
        var (_, _, _) = await DropSettledInboxFileAsync("ok.csv");
        var folder = Directory.CreateDirectory(Path.Combine(_harness.DataDirectory, "inbox", "spam", "batch-1")).FullName;
        await File.WriteAllTextAsync(Path.Combine(folder, "a.csv"), Csv);
        using var logs = new Labeling.TestSupport.Logging.LogCollector();
        var watcher = WatcherLoggingTo(logs);

        Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None));
        Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None));

        var reported = Assert.Single(logs.Records, r => r.EventId.Id == 6112);
        Assert.Contains("batch-1", reported.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(folder, "a.csv")));
    }

    [Fact]
    public async Task Ingest_DocxNested300000Deep_IsQuarantinedWithTheReason()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());

        var result = await _harness.IngestAsync("spam", "nested.docx", DocxDocumentParserTests.NestedParagraphsDocx(300_000, "deep"));

        Assert.Equal(DocumentStatus.Quarantined, result.Document.Status);
        Assert.Contains("levels deep", result.Document.Reason, StringComparison.Ordinal);
        var reasonFile = Assert.Single(Directory.GetFiles(Path.Combine(_harness.DataDirectory, "quarantine", "spam"), "*.reason.txt"));
        Assert.Contains("levels deep", await File.ReadAllTextAsync(reasonFile), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_FieldNamesBuiltToForgeLogLines_GiveAReasonWithoutControlOrFormatCharacters()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var forged = "x\nwarn: Labeling.Application.Http.RefusalLog[9002]\n Refused \u001b[2J\u001b[31mRED\u202e\u2028";

        var result = await _harness.IngestAsync("spam", "forged.jsonl", System.Text.Encoding.UTF8.GetBytes(
            System.Text.Json.JsonSerializer.Serialize(new Dictionary<string, int> { [forged] = 1 }) + "\n"));

        Assert.Equal(DocumentStatus.Quarantined, result.Document.Status);
        var reason = result.Document.Reason!;
        Assert.Contains("Refused ?[2J?[31mRED??", reason, StringComparison.Ordinal);
        Assert.DoesNotContain(reason, c => char.IsControl(c) || char.GetUnicodeCategory(c) is System.Globalization.UnicodeCategory.Format or System.Globalization.UnicodeCategory.LineSeparator);
    }

    [Fact]
    public async Task Ingest_AHeaderOfManyThousandColumnsAndNoTextColumn_GivesAReasonCutToItsLimit()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject() with { TextColumn = "CONTENT" });
        var header = string.Join(",", Enumerable.Range(0, 30_000).Select(n => $"\u202ecolumn{n}"));

        var result = await _harness.IngestAsync("spam", "wide.csv", System.Text.Encoding.UTF8.GetBytes(header + "\n" + new string(',', 29_999) + "\n"));

        Assert.Equal(DocumentStatus.Quarantined, result.Document.Status);
        var reason = result.Document.Reason!;
        Assert.InRange(reason.Length, 100, Documents.DocumentIngestion.MaxReasonCharacters + 100);
        Assert.EndsWith("characters; the rest is left out)", reason, StringComparison.Ordinal);
        Assert.DoesNotContain('\u202e', reason);
        var reasonFile = Assert.Single(Directory.GetFiles(Path.Combine(_harness.DataDirectory, "quarantine", "spam"), "*.reason.txt"));
        Assert.Equal(reason, (await File.ReadAllTextAsync(reasonFile)).Trim());
    }

    [Fact]
    public async Task Ingest_CsvRowsOfAThousandEmptyCells_HoldNoMoreThanTheirItems()
    {
        // Each row's other cells were held as its item's metadata until the whole file was stored, though none of it is
        // stored: these 19 MB held 1.1 GB.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var csv = new System.Text.StringBuilder("text").Append(string.Concat(Enumerable.Range(1, 999).Select(n => $",c{n}"))).Append('\n');
        var rows = 0;
        while (csv.Length < 19_000_000)
        {
            csv.Append("row ").Append(++rows).Append(',', 999).Append('\n');
        }

        var source = new HeapAtArchive(_harness.Get<FolderDocumentSource>());
        var ingestion = new Documents.DocumentIngestion(
            _harness.Get<IProjectStore>(), _harness.Get<IDocumentStore>(), _harness.Get<IItemStore>(), source, _harness.Get<DocumentParserRegistry>(),
            _harness.Get<WeakLabeling.WeakLabeler>(), _harness.Get<Microsoft.Extensions.Options.IOptions<IngestionOptions>>(), _harness.Time,
            Microsoft.Extensions.Logging.Abstractions.NullLogger<Documents.DocumentIngestion>.Instance);
        var stored = await source.SaveUploadAsync("spam", "wide.csv", new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv.ToString())), CancellationToken.None);
        csv = null;
        var before = GC.GetTotalMemory(forceFullCollection: true);

        var result = await ingestion.IngestAsync(stored, CancellationToken.None);

        Assert.Equal(rows, result!.Document.ItemCount);
        var held = source.HeapBytes - before;
        Assert.True(held < 400_000_000, $"{held:N0} bytes held while the file's items were stored");
    }

    [Fact]
    public async Task Ingest_TwoFilesOfOneNameArchivedInTheSameMillisecond_BothKept()
    {
        // The clock stands still, as two uploads at once read it: the second file was moved over the first.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());

        await _harness.IngestAsync("spam", "comments.csv", "text\nfirst upload\n");
        await _harness.IngestAsync("spam", "comments.csv", "text\nsecond upload\n");
        await _harness.IngestAsync("spam", "notes.txt", "");
        await _harness.IngestAsync("spam", "notes.txt", " ");

        var processed = Directory.GetFiles(Path.Combine(_harness.DataDirectory, "processed", "spam")).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["text\nfirst upload\n", "text\nsecond upload\n"], processed.Select(File.ReadAllText).Order(StringComparer.Ordinal));
        Assert.Equal(["20260101T000000000-2-comments.csv", "20260101T000000000-comments.csv"], processed.Select(Path.GetFileName));
        var quarantined = Directory.GetFiles(Path.Combine(_harness.DataDirectory, "quarantine", "spam"), "*.txt").Select(Path.GetFileName).Order(StringComparer.Ordinal);
        Assert.Equal(
            ["20260101T000000000-2-notes.txt", "20260101T000000000-2-notes.txt.reason.txt", "20260101T000000000-notes.txt", "20260101T000000000-notes.txt.reason.txt"],
            quarantined);
    }

    [Fact]
    public async Task Ingest_ProjectTextColumnMissingFromTheFile_ReasonPointsAtTheProjectNotTheServerSetting()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject() with { TextColumn = "CONTENT" });

        var result = await _harness.IngestAsync("spam", "comments.csv", "COMMENT_ID,BODY\n1,hello\n");

        Assert.Equal(DocumentStatus.Quarantined, result.Document.Status);
        Assert.Contains("The project's textColumn names it", result.Document.Reason, StringComparison.Ordinal);
        Assert.DoesNotContain("Set Ingestion:TextColumn", result.Document.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_SmallRandomFileNamedCsv_ReasonSaysItIsNotText()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject() with { TextColumn = "CONTENT" });
        var bytes = new byte[3_000];
        new Random(3).NextBytes(bytes);

        var result = await _harness.IngestAsync("spam", "random.csv", bytes);

        Assert.StartsWith("The file does not look like UTF-8 text", result.Document.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_ExeFile_ReasonNamesTheExtensionAndListsSupportedOnes()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());

        var result = await _harness.IngestAsync("spam", "x.exe", "MZ this is not a document"u8.ToArray());

        Assert.Equal(DocumentStatus.Quarantined, result.Document.Status);
        Assert.StartsWith("'.exe' files are not supported. Supported: .csv,", result.Document.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ingest_BytesOnceQuarantinedForTheirName_AreReadAgainUnderANewName()
    {
        // Known bytes used to answer with the first record, so a file refused for its name stayed refused renamed.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());

        var first = await _harness.IngestAsync("spam", "README", Csv);
        var exe = await _harness.IngestAsync("spam", "x.exe", Csv);
        var csv = await _harness.IngestAsync("spam", "comments.csv", Csv);
        var again = await _harness.IngestAsync("spam", "copy.csv", Csv);

        Assert.Equal(DocumentStatus.Quarantined, first.Document.Status);
        Assert.StartsWith("'.exe' files are not supported", exe.Document.Reason, StringComparison.Ordinal);
        Assert.Equal((DocumentStatus.Ingested, 2, false), (csv.Document.Status, csv.Document.ItemCount, csv.AlreadyKnown));
        Assert.Equal((DocumentStatus.Ingested, true), (again.Document.Status, again.AlreadyKnown));
        Assert.Equal(2, await _harness.ScalarAsync("SELECT COUNT(*) FROM items WHERE project_id = 'spam'"));
    }

    [Fact]
    public async Task Ingest_AStoredDocumentWhoseSourceKeptControlCharacters_IsRecordedUnderTheCleanName()
    {
        // A source other than the local folder (blob names on Azure) hands the name over as it found it.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Csv));
        var saved = await _harness.Get<FolderDocumentSource>().SaveUploadAsync("spam", "plain.csv", content, CancellationToken.None);

        var result = await _harness.Get<Documents.DocumentIngestion>().IngestAsync(saved with { FileName = "evil\r\nX: 1.csv" }, CancellationToken.None);

        Assert.Equal("evil__X: 1.csv", result!.Document.FileName);
    }

    [Theory]
    [InlineData("evil\r\nX-Fake: 1\r\n.csv", "evil__X-Fake: 1__.csv")]
    [InlineData("esc\u001b[31mred\u0007\u0000\u007f\u0085.csv", "esc_[31mred____.csv")]
    [InlineData("invoice\u202Evsc.exe", "invoice_vsc.exe")]
    [InlineData("a\u2066b\u2069c\u200Fd\u2028.csv", "a_b_c_d_.csv")]
    public async Task Ingest_NameWithControlOrBidiCharacters_RecordAndFileOnDiskHaveThemReplaced(string sent, string kept)
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());

        var result = await _harness.IngestAsync("spam", sent, Csv);

        Assert.Equal(kept, result.Document.FileName);
        var stored = await _harness.Get<IDocumentStore>().GetAsync("spam", result.Document.Id, CancellationToken.None);
        Assert.Equal(kept, stored!.FileName);
        var onDisk = Directory.GetFiles(Path.Combine(_harness.DataDirectory, result.Document.Status == DocumentStatus.Ingested ? "processed" : "quarantine", "spam"))
            .Select(Path.GetFileName).ToList();
        Assert.NotEmpty(onDisk);
        Assert.All(onDisk, name => Assert.DoesNotContain(name!, c => char.IsControl(c) || c is '\u202E' or '\u2066' or '\u2069' or '\u200F' or '\u2028'));
        Assert.Contains(onDisk, name => name!.EndsWith(kept, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Ingest_OrdinaryUnicodeName_KeptAsSent()
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        const string name = "Résumé – 履歴書 (קורות חיים) 😀 e\u0301.csv";

        var result = await _harness.IngestAsync("spam", name, Csv);

        Assert.Equal(name, result.Document.FileName);
        Assert.EndsWith(name, Assert.Single(Directory.GetFiles(Path.Combine(_harness.DataDirectory, "processed", "spam"))), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InboxScan_MakesEachProjectsFolder_AndReportsAFileOutsideThemOnce()
    {
        // The README says to drop files in inbox/{projectId}/; that folder did not exist, and a file in the inbox
        // itself was ignored without a word.
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        using var logs = new Labeling.TestSupport.Logging.LogCollector();
        using var factory = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        var watcher = new InboxWatcher(
            _harness.Get<FolderDocumentSource>(), _harness.Get<Adapters.Local.Work.SqliteWorkQueue>(), _harness.Get<IProjectStore>(), _harness.Get<Documents.DocumentIngestion>(),
            _harness.Get<Microsoft.Extensions.Options.IOptions<Adapters.Local.LocalStorageOptions>>(),
            Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<InboxWatcher>(factory));

        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));
        Assert.True(Directory.Exists(Path.Combine(_harness.DataDirectory, "inbox", "spam")));
        await File.WriteAllTextAsync(Path.Combine(_harness.DataDirectory, "inbox", "stray.csv"), Csv);
        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));
        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));

        var stray = Assert.Single(logs.Records, r => r.EventId.Id == 6106);
        Assert.Contains("stray.csv", stray.Message, StringComparison.Ordinal);

        // A name with a line break would forge a log line of its own; it is cleaned like every document name.
        await File.WriteAllTextAsync(Path.Combine(_harness.DataDirectory, "inbox", "x.csv\ninfo: Labeling[1] forged"), Csv);
        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));
        var forged = Assert.Single(logs.Records, r => r.EventId.Id == 6106 && r.Message.Contains("forged", StringComparison.Ordinal));
        Assert.DoesNotContain('\n', forged.Message);
        Assert.Contains("x.csv_info: Labeling[1] forged", forged.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InboxFile_WhoseIngestCrashesTheServerEveryTime_IsQuarantinedAfterMaxAttemptsNotRequeuedForEver()
    {
        var (path, watcher, queue) = await DropSettledInboxFileAsync("crasher.csv");

        // Each receive is a server that took the message and died before completing it; after each restart the
        // message reappears once its visibility timeout passes, and the periodic scan runs in between.
        Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None));
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var taken = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
            Assert.Equal(attempt, taken.DequeueCount);
            _harness.Time.Advance(TimeSpan.FromSeconds(31));
            await watcher.ScanAsync(CancellationToken.None);
        }

        Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));

        // Set aside with its reason (the document list shows it quarantined): no longer counted as poisoned, so /health
        // does not stay degraded for ever over it.
        Assert.Equal((0, 0), await queue.CountAsync(CancellationToken.None));
        Assert.False(File.Exists(path));
        var document = Assert.Single(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None));
        Assert.Equal(DocumentStatus.Quarantined, document.Status);
        Assert.Equal("crasher.csv", document.FileName);
        Assert.Contains("started 3 times and never finished", document.Reason, StringComparison.Ordinal);
        var reasonFile = Assert.Single(Directory.GetFiles(Path.Combine(_harness.DataDirectory, "quarantine", "spam"), "*.reason.txt"));
        Assert.Contains("never finished", await File.ReadAllTextAsync(reasonFile), StringComparison.Ordinal);
        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));
        Assert.Empty(await queue.ReceiveAsync(10, CancellationToken.None));
    }

    [Fact]
    public async Task InboxFile_WhoseIngestKeepsThrowing_IsQuarantinedSayingItFailed()
    {
        var (path, watcher, queue) = await DropSettledInboxFileAsync("flaky.csv");

        await PoisonAsync(watcher, queue);

        Assert.Equal(0, await watcher.ScanAsync(CancellationToken.None));

        var document = Assert.Single(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None));
        Assert.Contains("failed 3 times", document.Reason, StringComparison.Ordinal);
        Assert.False(File.Exists(path));
    }

    [Fact]
    public async Task InboxScan_LinkedFileAndLinkedProjectFolder_AreNeitherQueuedNorMoved_AndReportedOnce()
    {
        // A link in the inbox handed the server's signing key to workers as a task, and a linked folder had the files of
        // the folder it pointed at moved into quarantine (third security probe).
        var (_, _, queue) = await DropSettledInboxFileAsync("ok.csv");
        var outside = Directory.CreateTempSubdirectory("labeling-outside-");
        try
        {
            var secret = Path.Combine(outside.FullName, "signing-key.pem");
            await File.WriteAllTextAsync(secret, "-----BEGIN PRIVATE KEY----- secret");
            var victim = Directory.CreateDirectory(Path.Combine(outside.FullName, "victim")).FullName;
            var precious = Path.Combine(victim, "ledger.csv");
            await File.WriteAllTextAsync(precious, Csv);
            File.SetLastWriteTimeUtc(precious, _harness.Time.GetUtcNow().UtcDateTime.AddHours(-1));
            var linkedFile = Path.Combine(_harness.DataDirectory, "inbox", "spam", "notes.txt");
            File.CreateSymbolicLink(linkedFile, secret);
            var linkedFolder = Path.Combine(_harness.DataDirectory, "inbox", "elsewhere");
            Directory.CreateSymbolicLink(linkedFolder, victim);
            using var logs = new Labeling.TestSupport.Logging.LogCollector();
            var watcher = WatcherLoggingTo(logs);

            Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None));
            Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None));
            await _harness.DrainQueueAsync();

            var document = Assert.Single(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None));
            Assert.Equal("ok.csv", document.FileName);
            Assert.DoesNotContain(await _harness.Get<IItemStore>().ListAsync("spam", null, null, 100, CancellationToken.None), i => i.Text.Contains("PRIVATE KEY", StringComparison.Ordinal));
            Assert.True(File.Exists(precious), "a file of the linked folder was moved");
            Assert.NotNull(new FileInfo(linkedFile).LinkTarget);
            Assert.NotNull(new DirectoryInfo(linkedFolder).LinkTarget);
            var reported = logs.Records.Where(r => r.EventId.Id == 6108).Select(r => r.Message).ToArray();
            Assert.Equal(2, reported.Length);
            Assert.Contains(reported, m => m.Contains("notes.txt", StringComparison.Ordinal));
            Assert.Contains(reported, m => m.Contains("elsewhere", StringComparison.Ordinal));
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task Ingest_ListedFileOrItsFolderSwappedForALink_IsNeitherReadNorMoved()
    {
        // The scan saw a regular file; by the time its message runs, the file (or its project folder) is a link.
        var (path, watcher, _) = await DropSettledInboxFileAsync("swap.csv");
        var listed = new List<StoredDocument>();
        await foreach (var file in _harness.Get<FolderDocumentSource>().ListInboxAsync(CancellationToken.None))
        {
            listed.Add(file);
        }

        var stored = Assert.Single(listed);
        var outside = Directory.CreateTempSubdirectory("labeling-outside-");
        try
        {
            var secret = Path.Combine(outside.FullName, "secret.csv");
            await File.WriteAllTextAsync(secret, "text\nTOP SECRET LINE\n");
            File.Delete(path);
            File.CreateSymbolicLink(path, secret);
            var ingestion = _harness.Get<Documents.DocumentIngestion>();

            Assert.Null(await ingestion.IngestAsync(stored, CancellationToken.None));
            Assert.True(File.Exists(secret));
            Assert.NotNull(new FileInfo(path).LinkTarget);

            // The project folder swapped for a link to a folder holding a file of the same name.
            File.Delete(path);
            var folder = Path.GetDirectoryName(path)!;
            Directory.Delete(folder);
            File.Copy(secret, Path.Combine(outside.FullName, "swap.csv"));
            Directory.CreateSymbolicLink(folder, outside.FullName);

            Assert.Null(await ingestion.IngestAsync(stored, CancellationToken.None));
            Assert.True(File.Exists(Path.Combine(outside.FullName, "swap.csv")), "the file behind the linked folder was moved");
            Assert.Empty(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None));
            Assert.Empty(await _harness.Get<IItemStore>().ListAsync("spam", null, null, 100, CancellationToken.None));
        }
        finally
        {
            var folder = Path.GetDirectoryName(path)!;
            if (new DirectoryInfo(folder).LinkTarget is not null)
            {
                Directory.Delete(folder);
            }

            outside.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task SetAside_OfBytesAlreadyIngested_LeavesTheIngestedRecordAndArchivesTheCopyAsADuplicate()
    {
        // A copy of ingested bytes set aside as poisoned (the inbox after WorkQueue:MaxAttempts, IngestPoisoned on Azure)
        // overwrote the ingested record with a quarantine of 0 items while its items were being labeled (review of the change).
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var csv = await _harness.IngestAsync("spam", "comments.csv", Csv);
        using var content = new MemoryStream(System.Text.Encoding.UTF8.GetBytes(Csv));
        var copy = await _harness.Get<FolderDocumentSource>().SaveUploadAsync("spam", "comments.csv", content, CancellationToken.None);

        var set = await _harness.Get<Documents.DocumentIngestion>().SetAsideAsync(copy, "poisoned", CancellationToken.None);

        Assert.Equal(DocumentStatus.Ingested, set!.Status);
        var record = await _harness.Get<IDocumentStore>().GetAsync("spam", csv.Document.Id, CancellationToken.None);
        Assert.Equal((DocumentStatus.Ingested, csv.Document.ItemCount), (record!.Status, record.ItemCount));
        Assert.False(File.Exists(copy.Location));
        Assert.False(Directory.Exists(Path.Combine(_harness.DataDirectory, "quarantine", "spam")) && Directory.GetFiles(Path.Combine(_harness.DataDirectory, "quarantine", "spam")).Length > 0);
    }

    [Fact]
    public async Task SaveUpload_CutShort_LeavesNoPartOfTheFileInUploads()
    {
        // A copy cut short (the client gone mid-upload) stayed in uploads/ for good, half a file.
        var uploads = Path.Combine(_harness.DataDirectory, "uploads", "spam");

        await Assert.ThrowsAsync<IOException>(() => _harness.Get<FolderDocumentSource>().SaveUploadAsync("spam", "comments.csv", new BrokenStream(), CancellationToken.None));

        Assert.True(!Directory.Exists(uploads) || Directory.GetFiles(uploads).Length == 0, "part of the upload stayed in uploads/");
    }

    // The folder source, measuring the live heap when the ingest archives the file: its items are all still held then.
    private sealed class HeapAtArchive(FolderDocumentSource inner) : IDocumentSource
    {
        public long HeapBytes { get; private set; }

        public Task<StoredDocument> SaveUploadAsync(string projectId, string fileName, Stream content, CancellationToken cancellationToken) =>
            inner.SaveUploadAsync(projectId, fileName, content, cancellationToken);

        public IAsyncEnumerable<StoredDocument> ListInboxAsync(CancellationToken cancellationToken) => inner.ListInboxAsync(cancellationToken);

        public Task<Stream?> OpenReadAsync(StoredDocument document, CancellationToken cancellationToken) => inner.OpenReadAsync(document, cancellationToken);

        public Task ArchiveAsync(StoredDocument document, DocumentStatus status, string? reason, CancellationToken cancellationToken)
        {
            HeapBytes = GC.GetTotalMemory(forceFullCollection: true);
            return inner.ArchiveAsync(document, status, reason, cancellationToken);
        }
    }

    // Gives some bytes, then fails as a connection that was closed.
    private sealed class BrokenStream : MemoryStream
    {
        private int _reads;

        public BrokenStream()
            : base(System.Text.Encoding.UTF8.GetBytes(new string('x', 100_000)))
        {
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            _reads++ == 0 ? base.Read(buffer, offset, Math.Min(count, 1000)) : throw new IOException("the client closed the connection");

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            _reads++ == 0 ? base.ReadAsync(buffer[..Math.Min(buffer.Length, 1000)], cancellationToken) : throw new IOException("the client closed the connection");

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override Task CopyToAsync(Stream destination, int bufferSize, CancellationToken cancellationToken) =>
            CopyInPartsAsync(destination, cancellationToken);

        private async Task CopyInPartsAsync(Stream destination, CancellationToken cancellationToken)
        {
            var buffer = new byte[4096];
            int read;
            while ((read = await ReadAsync(buffer, cancellationToken)) > 0)
            {
                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken);
            }
        }
    }

    [Fact]
    public async Task SetAside_OfAFileWhoseItemsWereAddedBeforeTheServerStopped_RecordsThemAsKept()
    {
        // The server killed each time between a large file's items and its record: the file was set aside as quarantined
        // with 0 items while all its items were in the pool and being labeled (fault-injection pass).
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var bytes = System.Text.Encoding.UTF8.GetBytes(Csv);
        var documentId = Document.IdFor(ContentHash.OfBytes(bytes));
        var now = _harness.Time.GetUtcNow();
        var items = new[] { "Please subscribe to my channel", "I love this song" }.Select((text, n) =>
        {
            var hash = ContentHash.OfText(text);
            return new Domain.Items.Item("spam", Domain.Items.Item.IdFor("spam", hash), documentId, $"comments.csv#{n + 1}", null, text, hash,
                Domain.Items.ItemState.WeakLabeling, null, null, null, null, null, 0, 0, 0, 1, now, now, "Waiting for machine labelers.");
        }).ToArray();
        await _harness.Get<IItemStore>().AddNewAsync(items, CancellationToken.None);
        using var content = new MemoryStream(bytes);
        var stored = await _harness.Get<FolderDocumentSource>().SaveUploadAsync("spam", "comments.csv", content, CancellationToken.None);

        var set = await _harness.Get<Documents.DocumentIngestion>().SetAsideAsync(stored, "Reading the file was started 5 times and never finished.", CancellationToken.None);

        Assert.Equal((DocumentStatus.Quarantined, 2), (set!.Status, set.ItemCount));
        Assert.StartsWith("Reading the file was started 5 times and never finished. 2 items read from it before it was set aside stay in the project", set.Reason, StringComparison.Ordinal);
        var record = await _harness.Get<IDocumentStore>().GetAsync("spam", documentId, CancellationToken.None);
        Assert.Equal((DocumentStatus.Quarantined, 2), (record!.Status, record.ItemCount));

        // Sent again, the file is read, its items are found, and it is recorded as ingested.
        var again = await _harness.IngestAsync("spam", "comments.csv", Csv);
        Assert.Equal((DocumentStatus.Ingested, 2, 0), (again.Document.Status, again.Document.ItemCount, again.Document.DuplicateItemCount));
    }

    [LinuxFact]
    public async Task Inbox_ANamedPipe_IsReportedAndLeftAlone_AndNeverStopsTheQueue()
    {
        // A FIFO dropped in a project folder blocked the ingest's open until something wrote to it, and with it the work
        // queue of every project, after each restart again (fourth security probe).
        var (_, _, queue) = await DropSettledInboxFileAsync("ok.csv");
        var pipe = Path.Combine(_harness.DataDirectory, "inbox", "spam", "pipe.csv");
        MakeFifo(pipe);
        File.SetLastWriteTimeUtc(pipe, _harness.Time.GetUtcNow().UtcDateTime.AddHours(-1));
        using var logs = new Labeling.TestSupport.Logging.LogCollector();
        var watcher = WatcherLoggingTo(logs);

        Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        await _harness.DrainQueueAsync().WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal("ok.csv", Assert.Single(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None)).FileName);
        var reported = Assert.Single(logs.Records, r => r.EventId.Id == 6108);
        Assert.Contains("not a regular file", reported.Message, StringComparison.Ordinal);
        Assert.True(File.Exists(pipe), "the pipe was moved");
    }

    [LinuxFact]
    public async Task Ingest_AListedFileSwappedForANamedPipe_IsNotReadAndDoesNotBlock()
    {
        var (path, _, _) = await DropSettledInboxFileAsync("swap.csv");
        var listed = new List<StoredDocument>();
        await foreach (var file in _harness.Get<FolderDocumentSource>().ListInboxAsync(CancellationToken.None))
        {
            listed.Add(file);
        }

        File.Delete(path);
        MakeFifo(path);

        Assert.Null(await _harness.Get<Documents.DocumentIngestion>().IngestAsync(Assert.Single(listed), CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30)));
        Assert.Empty(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None));
        Assert.True(File.Exists(path), "the pipe was moved");
    }

    [LinuxFact]
    public async Task Inbox_AHardLinkToAFileElsewhere_IsReportedAndNotRead()
    {
        // A symbolic link was refused but a hard link, another name of the same file, handed its owner's signing key to
        // workers all the same (fourth security probe; the README called it out).
        var (_, _, _) = await DropSettledInboxFileAsync("ok.csv");
        var outside = Directory.CreateTempSubdirectory("labeling-outside-");
        try
        {
            var secret = Path.Combine(outside.FullName, "signing-key.csv");
            await File.WriteAllTextAsync(secret, "text\nTOP SECRET LINE\n");
            var link = Path.Combine(_harness.DataDirectory, "inbox", "spam", "notes.csv");
            using (var ln = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("ln", [secret, link]) { UseShellExecute = false })!)
            {
                ln.WaitForExit();
                Assert.Equal(0, ln.ExitCode);
            }

            File.SetLastWriteTimeUtc(link, _harness.Time.GetUtcNow().UtcDateTime.AddHours(-1));
            using var logs = new Labeling.TestSupport.Logging.LogCollector();
            var watcher = WatcherLoggingTo(logs);

            Assert.Equal(1, await watcher.ScanAsync(CancellationToken.None));
            await _harness.DrainQueueAsync();

            Assert.Equal("ok.csv", Assert.Single(await _harness.Get<IDocumentStore>().ListAsync("spam", CancellationToken.None)).FileName);
            Assert.DoesNotContain(await _harness.Get<IItemStore>().ListAsync("spam", null, null, 100, CancellationToken.None), i => i.Text.Contains("TOP SECRET", StringComparison.Ordinal));
            Assert.Contains("hard link", Assert.Single(logs.Records, r => r.EventId.Id == 6108).Message, StringComparison.Ordinal);
            Assert.True(File.Exists(secret) && File.Exists(link), "a name of the linked file was moved");
        }
        finally
        {
            outside.Delete(recursive: true);
        }
    }

    private static void MakeFifo(string path)
    {
        using var mkfifo = System.Diagnostics.Process.Start(new System.Diagnostics.ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
    }

    private InboxWatcher WatcherLoggingTo(Labeling.TestSupport.Logging.LogCollector logs)
    {
        var factory = new Microsoft.Extensions.Logging.LoggerFactory([logs]);
        return new InboxWatcher(
            _harness.Get<FolderDocumentSource>(), _harness.Get<Adapters.Local.Work.SqliteWorkQueue>(), _harness.Get<IProjectStore>(), _harness.Get<Documents.DocumentIngestion>(),
            _harness.Get<Microsoft.Extensions.Options.IOptions<Adapters.Local.LocalStorageOptions>>(),
            Microsoft.Extensions.Logging.LoggerFactoryExtensions.CreateLogger<InboxWatcher>(factory));
    }

    // The file queued, and its ingest failing at each of the three receives allowed: its message is poisoned.
    private async Task PoisonAsync(InboxWatcher watcher, IWorkQueue queue)
    {
        await watcher.ScanAsync(CancellationToken.None);
        for (var attempt = 1; attempt <= 3; attempt++)
        {
            var taken = Assert.Single(await queue.ReceiveAsync(10, CancellationToken.None));
            await queue.FailAsync(taken, "InvalidDataException: the parser failed", CancellationToken.None);
            _harness.Time.Advance(TimeSpan.FromSeconds(5)); // past the retry wait, 2 s doubled at each attempt
        }
    }

    // A project, and a file in its inbox folder written an hour ago (settled), with the watcher and queue that scan it.
    private async Task<(string Path, InboxWatcher Watcher, IWorkQueue Queue)> DropSettledInboxFileAsync(string name)
    {
        await _harness.CreateProjectAsync(LabelingHarness.SpamProject());
        var folder = Directory.CreateDirectory(Path.Combine(_harness.DataDirectory, "inbox", "spam")).FullName;
        var path = Path.Combine(folder, name);
        await File.WriteAllTextAsync(path, Csv);
        File.SetLastWriteTimeUtc(path, _harness.Time.GetUtcNow().UtcDateTime.AddHours(-1));
        return (path, _harness.Get<InboxWatcher>(), _harness.Get<IWorkQueue>());
    }
}
